//! The guard of destructive commands, against the real binary: an
//! `--endpoint` that only looks local is refused before a single request is
//! sent and without waiting on Docker, while the look-alikes that do reach
//! this machine show that the zero-request count means something.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::os::unix::net::UnixListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::fake::FakeServer;
use crate::support::{Run, Stack, block_on, run_within};

/// No Docker daemon: a look-alike must be refused without one.
const NO_DOCKER: &str = "unix:///nonexistent.sock";

/// URLs that look local but are not a loopback literal nor exactly
/// `localhost`, with the fake's port: names, numbers only a resolver reads
/// as loopback, user names before `@`, IPv6 forms, and URLs that are not
/// `http://HOST`. Then the names this machine's `/etc/hosts` maps to
/// loopback, if it has any besides `localhost`.
fn look_alikes(port: u16) -> Vec<String> {
    let mut urls: Vec<String> = [
        "http://localhost.:{port}",
        "http://localhost.example.com:{port}",
        "http://localhost.evil:{port}",
        "http://devstack.localhost:{port}",
        "http://localtest.me:{port}",
        "http://127.0.0.1.nip.io:{port}",
        "http://0x7f.0.0.1:{port}",
        "http://0177.0.0.1:{port}",
        "http://2130706433:{port}",
        "http://127.1:{port}",
        "http://0.0.0.0:{port}",
        "http://127.0.0.1:{port}@evil.example",
        "http://localhost:{port}@evil.example:{port}",
        "http://user:pass@127.0.0.1:{port}",
        "http://evil.example@127.0.0.1:{port}",
        "http://@127.0.0.1:{port}",
        "http://[::]:{port}",
        "http://[::ffff:10.0.0.1]:{port}",
        "http://[::127.0.0.1]:{port}",
        "http://[::1%25lo]:{port}",
        "http://[fe80::1%25eth0]:{port}",
        "ftp://127.0.0.1:{port}",
        "127.0.0.1:{port}",
        "localhost:{port}",
        "http:///",
    ]
    .iter()
    .map(|url| url.replace("{port}", &port.to_string()))
    .collect();
    for name in hosts_file_loopback_names() {
        urls.push(format!("http://{name}:{port}"));
    }
    urls
}

/// Names other than `localhost` that `/etc/hosts` gives a loopback
/// address.
fn hosts_file_loopback_names() -> Vec<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let mut names = Vec::new();
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let loopback = words
            .next()
            .and_then(|addr| addr.parse::<IpAddr>().ok())
            .is_some_and(|ip| ip.is_loopback());
        if loopback {
            names.extend(
                words
                    .filter(|name| !name.eq_ignore_ascii_case("localhost"))
                    .map(String::from),
            );
        }
    }
    names.sort();
    names.dedup();
    names
}

/// A project with one table, so a reset that gets through sends requests.
fn project(test: &str) -> Stack {
    let stack = Stack::new(test, "ministack", "");
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str("\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n");
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack
}

/// `devstack --endpoint URL reset` (and `extra` flags) with `DOCKER_HOST`
/// set to `docker`; killed and failed after `limit`, a bound far above
/// what it takes, that only catches a hang. That a refusal does not wait
/// on Docker is shown by what it does, not by how long it takes: it
/// connects to no Docker socket
/// (`a_look_alike_never_asks_docker_and_only_a_container_name_does`).
async fn reset(stack: &Stack, url: &str, extra: &[&str], docker: &str, limit: Duration) -> Run {
    let mut args = vec!["--endpoint", url];
    args.extend_from_slice(extra);
    args.push("reset");
    let mut command = stack.command(&args);
    command.env("DOCKER_HOST", docker);
    tokio::task::spawn_blocking(move || run_within(&mut command, limit))
        .await
        .unwrap()
}

fn assert_refused(url: &str, out: &Run) {
    assert_eq!(out.code, 2, "{url} was not refused:\n{}", out.stderr);
    out.assert_stderr_has("refusing to reset tables");
}

#[test]
fn every_look_alike_is_refused_at_once_without_a_request_or_docker() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = project("guard-refused");
        for url in look_alikes(fake.port) {
            let out = reset(&stack, &url, &[], NO_DOCKER, Duration::from_secs(60)).await;
            assert_refused(&url, &out);
            // A look-alike never asks Docker.
            out.assert_stderr_lacks("Docker");
            assert_eq!(
                fake.operations(),
                Vec::<String>::new(),
                "{url}: a refused reset sent requests"
            );
        }
    });
}

#[test]
fn user_names_and_unreadable_urls_are_refused_saying_why() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = project("guard-why");
        let port = fake.port;
        let limit = Duration::from_secs(60);

        let url = format!("http://127.0.0.1:{port}@evil.example");
        let out = reset(&stack, &url, &[], NO_DOCKER, limit).await;
        assert_refused(&url, &out);
        out.assert_stderr_has("it has a user name or password before `@`");
        out.assert_stderr_has("the request would go to `evil.example`");

        let url = format!("http://localhost.example.com:{port}");
        let out = reset(&stack, &url, &[], NO_DOCKER, limit).await;
        assert_refused(&url, &out);
        out.assert_stderr_has("no name is looked up");
        out.assert_stderr_has("--allow-remote");

        let url = format!("127.0.0.1:{port}");
        let out = reset(&stack, &url, &[], NO_DOCKER, limit).await;
        assert_refused(&url, &out);
        out.assert_stderr_has("it is not an `http://` or `https://` URL with a host");
        assert_eq!(fake.operations(), Vec::<String>::new());
    });
}

/// Where the SDK's HTTP client would connect for `url`, if that is the
/// fake's address: the host as `hyper::Uri` reads it (after the last `@`),
/// resolved by the system resolver, as the client does. The lookup runs on
/// a thread of its own so a silent DNS server cannot hold the test.
fn reaches_fake(url: &str, port: u16) -> bool {
    let Ok(uri) = url.parse::<hyper::Uri>() else {
        return false;
    };
    if !matches!(uri.scheme_str(), Some("http")) {
        return false;
    }
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let at = uri.port_u16().unwrap_or(80);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let found: Vec<SocketAddr> = (host.as_str(), at)
            .to_socket_addrs()
            .map(Iterator::collect)
            .unwrap_or_default();
        let _ = sender.send(found);
    });
    let fake = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    receiver
        .recv_timeout(Duration::from_secs(5))
        .is_ok_and(|found| found.contains(&fake))
}

#[test]
fn the_look_alikes_that_reach_this_machine_get_through_with_allow_remote() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = project("guard-reach");
        let reaching: Vec<String> = look_alikes(fake.port)
            .into_iter()
            .filter(|url| reaches_fake(url, fake.port))
            .collect();
        eprintln!("look-alikes that reach the fake on this machine: {reaching:?}");
        // A user name before `@` leaves the host 127.0.0.1 on any machine;
        // the numbers and `/etc/hosts` names depend on its resolver.
        for always in [
            format!("http://user:pass@127.0.0.1:{}", fake.port),
            format!("http://evil.example@127.0.0.1:{}", fake.port),
        ] {
            assert!(reaching.contains(&always), "{always} should reach the fake");
        }
        for url in &reaching {
            let before = fake.operations().len();
            let out = reset(
                &stack,
                url,
                &["--allow-remote"],
                NO_DOCKER,
                Duration::from_secs(120),
            )
            .await;
            out.assert_code(1);
            out.assert_stderr_has("this fake creates nothing");
            assert!(
                fake.operations().len() > before,
                "{url}: with `--allow-remote` the requests reach the fake"
            );
        }
    });
}

#[test]
fn loopback_and_localhost_are_let_through() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = project("guard-local");
        let port = fake.port;
        for url in [
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("HTTP://LOCALHOST:{port}/"),
            // The SDK connects to what comes before `#`, as the guard reads it.
            format!("http://127.0.0.1:{port}#@evil.example"),
        ] {
            let before = fake.operations().len();
            let out = reset(&stack, &url, &[], NO_DOCKER, Duration::from_secs(120)).await;
            out.assert_code(1);
            out.assert_stderr_lacks("refusing");
            assert!(
                fake.operations().len() > before,
                "{url}: a local reset reaches the fake"
            );
        }
    });
}

/// A Docker socket that accepts connections, counts them, and never
/// answers: a hung daemon. Stops when dropped.
struct SilentDocker {
    _dir: tempfile::TempDir,
    url: String,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl SilentDocker {
    fn start() -> SilentDocker {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopped) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        count.fetch_add(1, Ordering::Relaxed);
                        held.push(stream);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SilentDocker {
            url: format!("unix://{}", path.display()),
            _dir: dir,
            connections,
            stop,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for SilentDocker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_look_alike_never_asks_docker_and_only_a_container_name_does() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = project("guard-docker");
        let docker = SilentDocker::start();
        for url in look_alikes(fake.port) {
            let out = reset(&stack, &url, &[], &docker.url, Duration::from_secs(60)).await;
            assert_refused(&url, &out);
            assert_eq!(docker.connections(), 0, "{url}: asked Docker");
        }
        // The alias of the project's engine is worth asking Docker about:
        // the counter works. The hung daemon has no such container, so
        // the reset is refused after devstack's own 5 s.
        let url = format!("http://aws-local:{}", fake.port);
        let out = reset(&stack, &url, &[], &docker.url, Duration::from_secs(120)).await;
        out.assert_code(2);
        out.assert_stderr_has("refusing to reset tables");
        assert!(docker.connections() > 0, "the project's alias asks Docker");
        assert_eq!(fake.operations(), Vec::<String>::new());
    });
}
