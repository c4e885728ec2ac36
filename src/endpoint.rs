//! Which DynamoDB endpoint a command talks to, and whether it may destroy
//! data there. Destructive commands
//! act only on a loopback address literal, exactly `localhost`, or a
//! container of the project, read from the URL as the SDK reads it and never
//! resolved; anything else (a URL with a user name or password, or one that
//! is not `http://HOST` or `https://HOST`, included) needs `--allow-remote`,
//! and is refused before a single request is sent.

use std::net::{IpAddr, SocketAddr};

use crate::dirs::ProjectDirs;
use crate::manifest::Manifest;
use crate::stack::{self, ContainerSpec, EngineHandle};

/// The endpoint of a command.
pub enum Endpoint {
    /// The project's own running engine.
    Own(EngineHandle),
    /// Given with `--endpoint`: an engine devstack did not start.
    Given(String),
}

impl Endpoint {
    pub fn url(&self) -> &str {
        match self {
            Endpoint::Own(engine) => engine.url(),
            Endpoint::Given(url) => url,
        }
    }

    /// The project's engine, when it is the endpoint.
    pub fn engine(&self) -> Option<&EngineHandle> {
        match self {
            Endpoint::Own(engine) => Some(engine),
            Endpoint::Given(_) => None,
        }
    }
}

/// A destructive command aimed at an endpoint devstack does not own, or
/// at a URL it will not read.
#[derive(Debug, thiserror::Error)]
#[error("refusing to {action} at `{url}`: {reason}")]
pub struct Refused {
    pub action: String,
    pub url: String,
    pub reason: Reason,
}

/// Why the guard refused an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The host is neither a loopback address, `localhost`, nor a container
    /// of the project.
    NotLocal { project: String },
    /// The URL has a user name or password before `@`; `host` is where it
    /// really goes.
    UserInfo { host: String },
    /// Not an `http://` or `https://` URL with a host.
    NotHttp,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::NotLocal { project } => write!(
                f,
                "it is not on this machine's loopback nor a container of project `{project}`, and could be a real database\n  hint: only a loopback address (`127.0.0.1`, `[::1]`) or exactly `localhost` counts as this machine, and no name is looked up; pass `--allow-remote` if you really mean it"
            ),
            Reason::UserInfo { host } => write!(
                f,
                "it has a user name or password before `@`, which no local emulator needs; the request would go to `{host}`\n  hint: remove the part before `@`, or pass `--allow-remote` if you really mean it"
            ),
            Reason::NotHttp => write!(
                f,
                "it is not an `http://` or `https://` URL with a host, which every DynamoDB endpoint is\n  hint: write it as `http://127.0.0.1:PORT`"
            ),
        }
    }
}

/// The endpoint: `explicit` (`--endpoint`) if given, else the project's
/// running engine.
pub async fn resolve(
    explicit: Option<&str>,
    manifest: &Manifest,
    project: &ProjectDirs,
) -> anyhow::Result<Endpoint> {
    Ok(match explicit {
        Some(url) => Endpoint::Given(url.to_string()),
        None => Endpoint::Own(stack::engine(manifest, project).await?),
    })
}

/// The host part of an endpoint URL, without IPv6 brackets.
pub fn host_of(url: &str) -> Option<String> {
    let uri: hyper::Uri = url.parse().ok()?;
    uri.host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
}

/// Loopback IP literals and the exact name `localhost` (in any case), as
/// `hyper::Uri` gives the host, without brackets. Nothing is resolved: a
/// name that resolves to loopback (`/etc/hosts`, `localtest.me`,
/// `*.localhost`) is not local, nor is a number the system resolver would
/// read as one (`127.1`, `0x7f.0.0.1`, `2130706433`), because Rust's strict
/// address parser, the same one the SDK's HTTP client tries before it
/// resolves, rejects them. The root-qualified `localhost.` is not local
/// either: what it means is up to the resolver, so it is refused to be safe.
/// An IPv6 zone id (`::1%25lo`) is no address literal, so not local.
pub fn is_local_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Whether `url` reaches this machine's loopback, read as the guard reads
/// it, never resolved: where devstack may keep its notes on an engine it
/// did not start (`up --endpoint`).
pub fn is_on_this_machine(url: &str) -> bool {
    host_to_reach(url).is_ok_and(|host| is_local_host(&host))
}

/// How the guard reads an endpoint URL, before Docker is asked anything.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reading {
    /// A loopback IP literal or exactly `localhost`.
    Local,
    /// The host is exactly the name or alias of these containers of the
    /// project: local if one of them exists.
    Container(Vec<ContainerSpec>),
    /// Refused whatever Docker says.
    Refused(Reason),
}

/// Reads `url` as the SDK does: it applies an endpoint with `hyper::Uri`
/// (`http::Uri`), and its HTTP client connects to that `host()`, which is
/// whatever follows the last `@`. A URL with a user name or password is
/// refused outright: no local emulator needs one, and it only serves to
/// make `http://127.0.0.1@evil.example` look local.
fn read(url: &str, manifest: &Manifest) -> Reading {
    let host = match host_to_reach(url) {
        Ok(host) => host,
        Err(reason) => return Reading::Refused(reason),
    };
    if is_local_host(&host) {
        return Reading::Local;
    }
    let named = stack::containers_named(manifest, &host);
    if named.is_empty() {
        Reading::Refused(Reason::NotLocal {
            project: manifest.project.name.clone(),
        })
    } else {
        Reading::Container(named)
    }
}

/// The host a request to `url` goes to, without IPv6 brackets, as the SDK
/// reads the URL; or why the guard will not read it.
fn host_to_reach(url: &str) -> Result<String, Reason> {
    let Ok(uri) = url.parse::<hyper::Uri>() else {
        return Err(Reason::NotHttp);
    };
    let (Some("http" | "https"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(Reason::NotHttp);
    };
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err(Reason::NotHttp);
    }
    if authority.as_str().contains('@') {
        return Err(Reason::UserInfo {
            host: authority.host().to_string(),
        });
    }
    Ok(host.to_string())
}

/// Checks that `action` may run against `endpoint`, before any request is
/// sent, and gives back the endpoint to send it to. Docker is asked only
/// when the host is exactly the name or alias of one of the project's
/// containers, so a look-alike never waits on it; such a name is never
/// resolved (`/etc/hosts` or DNS could point it anywhere): the requests go
/// to the address Docker reports for that container on the project
/// network.
pub async fn check_destructive(
    endpoint: Endpoint,
    manifest: &Manifest,
    allow_remote: bool,
    action: &str,
) -> Result<Endpoint, Refused> {
    let Endpoint::Given(url) = &endpoint else {
        return Ok(endpoint);
    };
    if allow_remote {
        return Ok(endpoint);
    }
    let reason = match read(url, manifest) {
        Reading::Local => return Ok(endpoint),
        Reading::Container(named) => {
            match stack::container_address(&named, manifest, port_of(url)).await {
                Some(address) => return Ok(Endpoint::Given(with_address(url, address))),
                None => Reason::NotLocal {
                    project: manifest.project.name.clone(),
                },
            }
        }
        Reading::Refused(reason) => reason,
    };
    Err(Refused {
        action: action.to_string(),
        url: url.clone(),
        reason,
    })
}

/// The port a URL names, or its scheme's.
fn port_of(url: &str) -> u16 {
    let uri: Option<hyper::Uri> = url.parse().ok();
    let uri = uri.as_ref();
    uri.and_then(hyper::Uri::port_u16).unwrap_or(
        if uri.and_then(hyper::Uri::scheme_str) == Some("https") {
            443
        } else {
            80
        },
    )
}

/// `url` with its host and port replaced by `address`: scheme and path kept.
fn with_address(url: &str, address: SocketAddr) -> String {
    let Ok(uri) = url.parse::<hyper::Uri>() else {
        return url.to_string();
    };
    let path = uri.path_and_query().map_or("", |p| p.as_str());
    let path = if path == "/" && !url.ends_with('/') {
        ""
    } else {
        path
    };
    format!("{}://{address}{path}", uri.scheme_str().unwrap_or("http"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project on MiniStack: its container answers as `aws-local`.
    fn manifest() -> Manifest {
        Manifest::for_test("[project]\nname = \"demo\"\nengine = \"ministack\"\n")
    }

    #[test]
    fn only_loopback_and_localhost_are_local() {
        for local in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "localhost",
            "LOCALHOST",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in [
            "dynamodb.us-east-1.amazonaws.com",
            "10.0.0.5",
            "192.168.1.10",
            "0.0.0.0",
            "localhost.example.com",
            "localhost.",
            "my-localhost",
            "127.1",
            "::1%25lo",
            "",
        ] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }

    /// How the guard reads `url` for the project of `manifest()`.
    fn reading(url: &str) -> Reading {
        read(url, &manifest())
    }

    fn not_local() -> Reading {
        Reading::Refused(Reason::NotLocal {
            project: "demo".to_string(),
        })
    }

    fn assert_all(urls: &[&str], expected: &Reading) {
        for url in urls {
            assert_eq!(&reading(url), expected, "{url}");
        }
    }

    #[test]
    fn loopback_literals_and_exactly_localhost_are_local() {
        assert_all(
            &[
                "http://127.0.0.1:4566",
                "http://127.0.0.1:4566/",
                "http://127.0.0.1",
                "https://127.0.0.1:8443",
                "http://127.255.255.254:8000",
                "http://localhost:4566",
                "http://LocalHost:4566",
                "HTTP://127.0.0.1:4566",
                "HTTPS://LOCALHOST",
                // An empty port is the default one.
                "http://127.0.0.1:",
            ],
            &Reading::Local,
        );
    }

    #[test]
    fn names_that_only_look_like_localhost_are_not_local() {
        assert_all(
            &[
                "http://localhost.example.com:4566",
                "http://localhost.evil:4566",
                // The root-qualified `localhost`: what it resolves to is up
                // to the resolver, so it is not taken for this machine.
                "http://localhost.:4566",
                "http://localhost..:4566",
                "http://foo.localhost:4566",
                "http://my-localhost:4566",
                "http://localhost4:4566",
                "http://127.0.0.1.nip.io:4566",
                "http://127.0.0.1.:4566",
                "http://dynamodb.eu-west-1.amazonaws.com",
            ],
            &not_local(),
        );
    }

    #[test]
    fn names_that_resolve_to_loopback_are_not_local_since_nothing_is_resolved() {
        // `localtest.me` has public DNS records for 127.0.0.1; the others
        // sit in many an `/etc/hosts`. The guard looks nothing up.
        assert_all(
            &[
                "http://localtest.me:4566",
                "http://ip6-localhost:4566",
                "http://ip6-loopback:4566",
                "http://localhost.localdomain:4566",
            ],
            &not_local(),
        );
    }

    #[test]
    fn numbers_a_resolver_reads_as_loopback_are_not_local() {
        // `hyper::Uri` keeps these as written and Rust's strict parser, like
        // the SDK's HTTP client, takes none for an address; only the
        // system resolver (`inet_aton`) would make 127.0.0.1 of them.
        assert_all(
            &[
                "http://0x7f.0.0.1:4566",
                "http://0x7f000001:4566",
                "http://0177.0.0.1:4566",
                "http://127.000.000.001:4566",
                "http://2130706433:4566",
                "http://127.1:4566",
                "http://127.0.1:4566",
                "http://0.0.0.0:4566",
                "http://0:4566",
                "http://10.0.0.5:4566",
            ],
            &not_local(),
        );
    }

    #[test]
    fn ipv6_loopback_in_any_spelling_is_local_and_nothing_else_is() {
        assert_all(
            &[
                "http://[::1]:8000",
                "http://[0:0:0:0:0:0:0:1]:8000",
                "http://[0000:0000:0000:0000:0000:0000:0000:0001]",
                "http://[::ffff:127.0.0.1]:8000",
                "http://[::ffff:7f00:1]:8000",
                "http://[::FFFF:127.0.0.2]:8000",
            ],
            &Reading::Local,
        );
        assert_all(
            &[
                "http://[::]:8000",
                "http://[::ffff:10.0.0.1]:8000",
                "http://[::ffff:0.0.0.0]:8000",
                // IPv4-compatible, long deprecated: not the mapped form.
                "http://[::127.0.0.1]:8000",
                "http://[fe80::1]:8000",
                // A zone id makes it no address literal.
                "http://[::1%25lo]:8000",
                "http://[fe80::1%25eth0]:8000",
            ],
            &not_local(),
        );
    }

    #[test]
    fn any_user_name_or_password_is_refused_naming_where_it_would_go() {
        for (url, host) in [
            ("http://127.0.0.1@evil.example", "evil.example"),
            ("http://localhost:4566@evil.example:4566", "evil.example"),
            ("http://127.0.0.1:4566@evil.example", "evil.example"),
            ("http://[::1]@evil.example", "evil.example"),
            ("http://user:pass@127.0.0.1", "127.0.0.1"),
            ("http://evil.example@127.0.0.1:4566", "127.0.0.1"),
            ("http://@127.0.0.1:4566", "127.0.0.1"),
            ("http://a@b@127.0.0.1:4566", "127.0.0.1"),
            ("http://evil@[::1]:8000", "[::1]"),
        ] {
            assert_eq!(
                reading(url),
                Reading::Refused(Reason::UserInfo {
                    host: host.to_string()
                }),
                "{url}"
            );
        }
    }

    #[test]
    fn what_ends_the_authority_ends_it_for_the_sdk_too() {
        // `#` and `?` end the authority, and the SDK connects to what comes
        // before them: the loopback address, not `evil.example`.
        assert_all(
            &[
                "http://127.0.0.1#@evil.example",
                "http://127.0.0.1?@evil.example",
                "http://127.0.0.1/@evil.example",
            ],
            &Reading::Local,
        );
    }

    #[test]
    fn urls_that_are_not_http_with_a_host_are_refused_as_unreadable() {
        assert_all(
            &[
                "",
                "127.0.0.1:4566",
                "localhost:4566",
                "/",
                "http://",
                "http://:4566",
                "http:///",
                "http:///127.0.0.1",
                "ftp://127.0.0.1:4566",
                "ws://localhost:4566",
                "file:///tmp/engine",
                "unix:///var/run/docker.sock",
                // Parsers that differ on these would disagree on the host.
                "http://127.0.0.1\\@evil.example",
                "http://%31%32%37.0.0.1:4566",
                "http://127.0.0.1 @evil.example",
                "http://127.0.0.1:80:90",
            ],
            &Reading::Refused(Reason::NotHttp),
        );
    }

    #[test]
    fn only_exact_names_of_the_projects_containers_are_left_to_docker() {
        let m = manifest();
        let named = |url: &str| match read(url, &m) {
            Reading::Container(specs) => specs.into_iter().map(|s| s.name).collect(),
            _ => Vec::new(),
        };
        assert_eq!(named("http://aws-local:4566"), ["devstack-demo-ministack"]);
        assert_eq!(
            named("http://devstack-demo-ministack:4566"),
            ["devstack-demo-ministack"]
        );
        assert_all(
            &[
                "http://aws-local.:4566",
                "http://aws-local.evil.example:4566",
                "http://AWS-LOCAL:4566",
                "http://dynamodb-local:8000",
                "http://devstack-other-ministack:4566",
            ],
            &not_local(),
        );
        assert_eq!(
            reading("http://user@aws-local:4566"),
            Reading::Refused(Reason::UserInfo {
                host: "aws-local".to_string()
            })
        );
    }

    #[tokio::test]
    async fn a_look_alike_is_refused_and_the_message_says_why() {
        let m = manifest();
        let refused = |url: &str, allow_remote: bool| {
            let endpoint = Endpoint::Given(url.to_string());
            let m = &m;
            async move {
                check_destructive(endpoint, m, allow_remote, "reset tables")
                    .await
                    .err()
                    .map(|e| e.to_string())
            }
        };
        assert_eq!(
            refused("http://localhost.example.com:4566", false)
                .await
                .unwrap(),
            "refusing to reset tables at `http://localhost.example.com:4566`: it is not on this machine's loopback nor a container of project `demo`, and could be a real database\n  hint: only a loopback address (`127.0.0.1`, `[::1]`) or exactly `localhost` counts as this machine, and no name is looked up; pass `--allow-remote` if you really mean it"
        );
        assert_eq!(
            refused("http://127.0.0.1@evil.example", false)
                .await
                .unwrap(),
            "refusing to reset tables at `http://127.0.0.1@evil.example`: it has a user name or password before `@`, which no local emulator needs; the request would go to `evil.example`\n  hint: remove the part before `@`, or pass `--allow-remote` if you really mean it"
        );
        assert_eq!(
            refused("ftp://127.0.0.1", false).await.unwrap(),
            "refusing to reset tables at `ftp://127.0.0.1`: it is not an `http://` or `https://` URL with a host, which every DynamoDB endpoint is\n  hint: write it as `http://127.0.0.1:PORT`"
        );
        assert_eq!(refused("http://[::1]:8000", false).await, None);
        assert_eq!(refused("http://127.0.0.1@evil.example", true).await, None);
        let own = Endpoint::Own(EngineHandle::embedded_for_test(8000));
        assert!(
            check_destructive(own, &m, false, "reset tables")
                .await
                .is_ok(),
            "the project's own engine needs no check"
        );
    }

    #[test]
    fn a_container_name_is_replaced_by_the_address_docker_reports() {
        let at: SocketAddr = "172.18.0.2:4566".parse().unwrap();
        assert_eq!(port_of("http://aws-local:4566"), 4566);
        assert_eq!(port_of("http://aws-local"), 80);
        assert_eq!(port_of("https://aws-local"), 443);
        assert_eq!(
            with_address("http://aws-local:4566", at),
            "http://172.18.0.2:4566"
        );
        assert_eq!(
            with_address("http://aws-local:4566/", at),
            "http://172.18.0.2:4566/"
        );
        let published: SocketAddr = "127.0.0.1:49153".parse().unwrap();
        assert_eq!(
            with_address("https://aws-local", published),
            "https://127.0.0.1:49153"
        );
        assert_eq!(
            with_address(
                "http://dynamodb-local:8000",
                "[fd00::2]:8000".parse().unwrap()
            ),
            "http://[fd00::2]:8000"
        );
    }

    #[test]
    fn only_loopback_urls_are_on_this_machine() {
        for here in [
            "http://127.0.0.1:8000",
            "http://localhost:4566",
            "https://[::1]:1",
        ] {
            assert!(is_on_this_machine(here), "{here}");
        }
        for elsewhere in [
            "https://dynamodb.us-east-1.amazonaws.com",
            "http://aws-local:4566",
            "http://127.0.0.1@evil.example",
            "ftp://127.0.0.1",
            "http://10.0.0.5:8000",
        ] {
            assert!(!is_on_this_machine(elsewhere), "{elsewhere}");
        }
    }

    #[test]
    fn hosts_come_out_of_urls_without_brackets() {
        assert_eq!(host_of("http://[::1]:8000").as_deref(), Some("::1"));
        assert_eq!(
            host_of("http://127.0.0.1:4566/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            host_of("https://dynamodb.eu-west-1.amazonaws.com").as_deref(),
            Some("dynamodb.eu-west-1.amazonaws.com")
        );
    }
}
