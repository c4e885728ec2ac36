//! Which DynamoDB endpoint a command talks to, whether it may destroy data
//! there, and the variables an app needs to reach it. Destructive commands
//! act only on loopback, `localhost`, or a container of the project;
//! anything else needs `--allow-remote`, and is refused before a single
//! request is sent.

use std::net::IpAddr;

use crate::error::UsageError;
use crate::manifest::{Manifest, Placeholder};
use crate::service::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
use crate::stack;
use crate::stack::docker::Docker;
use crate::state::Folders;

/// The endpoint of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// Given with `--endpoint` rather than found among devstack's containers.
    pub external: bool,
}

/// A destructive command aimed at an endpoint devstack does not own.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to {action} at `{url}`: it is not on this machine's loopback nor a container of project `{project}`, and could be a real database\n  hint: pass `--allow-remote` if you really mean it"
)]
pub struct Refused {
    pub action: String,
    pub url: String,
    pub project: String,
}

/// The endpoint: `explicit` (`--endpoint`) if given, else the project's
/// running engine.
pub async fn endpoint(
    explicit: Option<&str>,
    manifest: &Manifest,
    folders: &Folders,
) -> anyhow::Result<Endpoint> {
    if let Some(url) = explicit {
        return Ok(Endpoint {
            url: url.to_string(),
            external: true,
        });
    }
    Ok(Endpoint {
        url: stack::engine_url(manifest, folders).await?,
        external: false,
    })
}

/// The host part of an endpoint URL, without IPv6 brackets.
pub fn host_of(url: &str) -> Option<String> {
    let uri: hyper::Uri = url.parse().ok()?;
    uri.host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
}

/// Loopback addresses and the exact name `localhost`.
pub fn is_local_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Checks that `action` may run against `endpoint`; asks Docker only when
/// the host is neither loopback nor `localhost`.
pub async fn check_destructive(
    endpoint: &Endpoint,
    manifest: &Manifest,
    allow_remote: bool,
    action: &str,
) -> Result<(), Refused> {
    if !endpoint.external || allow_remote {
        return Ok(());
    }
    let host = host_of(&endpoint.url).unwrap_or_default();
    if is_local_host(&host) || is_project_container(&host, manifest).await {
        return Ok(());
    }
    Err(Refused {
        action: action.to_string(),
        url: endpoint.url.clone(),
        project: manifest.project.name.clone(),
    })
}

/// Whether `host` names a container of this project (its name or its
/// network alias), as seen from a container on the project network.
async fn is_project_container(host: &str, manifest: &Manifest) -> bool {
    let Ok(docker) = Docker::connect().await else {
        return false;
    };
    let Ok(found) = stack::discover(&docker, manifest).await else {
        return false;
    };
    found.iter().any(|(spec, state)| {
        state.is_some() && (spec.name == host || spec.aliases.iter().any(|a| a == host))
    })
}

/// The engine as containers on the project network see it.
pub fn network_url(manifest: &Manifest) -> Result<String, UsageError> {
    manifest.project.engine.service().network_url().ok_or_else(|| {
        UsageError(
            "the embedded engine runs on this machine, outside Docker: there is no project network to reach it on\n  hint: `devstack env` without `--network` gives its loopback address".to_string(),
        )
    })
}

/// How `env` (and `up`) write the variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvFormat {
    /// `export NAME=value` lines for `eval`.
    Shell,
    /// `NAME=value` lines.
    Dotenv,
    /// One JSON object.
    Json,
}

/// Everything an AWS SDK (and the app) needs, in a stable order: the
/// endpoint, region, the fixed local credentials, the table prefix, then the
/// manifest's own variables with their placeholders filled in. `endpoint`
/// is where the app reaches the engine: from this machine, or (for `env
/// --network`) from the project network.
pub fn variables(manifest: &Manifest, endpoint: &str) -> Result<Vec<(String, String)>, UsageError> {
    let region = &manifest.project.region;
    let mut vars: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
        ("AWS_REGION", region),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ("DEVSTACK_TABLE_PREFIX", &manifest.project.table_prefix),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let uri: Option<hyper::Uri> = endpoint.parse().ok();
    let value = |placeholder: &Placeholder| -> Result<String, String> {
        Ok(match placeholder {
            Placeholder::Endpoint => endpoint.to_string(),
            Placeholder::NetworkEndpoint => network_url(manifest).map_err(|e| e.0)?,
            Placeholder::Host => host_of(endpoint).unwrap_or_default(),
            Placeholder::Port => uri
                .as_ref()
                .and_then(hyper::Uri::port_u16)
                .map(|p| p.to_string())
                .unwrap_or_default(),
            Placeholder::Region => region.clone(),
            Placeholder::TablePrefix => manifest.project.table_prefix.clone(),
            Placeholder::Table(name) => manifest
                .table(name)
                .map(|t| t.physical.clone())
                .ok_or_else(|| format!("the manifest has no table `{name}`"))?,
        })
    };
    for (name, template) in &manifest.env {
        let shown = template
            .render(value)
            .map_err(|why| UsageError(format!("`[env]` `{name}`: {why}")))?;
        vars.retain(|(existing, _)| existing != name);
        vars.push((name.clone(), shown));
    }
    Ok(vars)
}

pub fn render(vars: &[(String, String)], format: EnvFormat) -> String {
    match format {
        EnvFormat::Shell => vars
            .iter()
            .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
            .collect(),
        EnvFormat::Dotenv => vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect(),
        EnvFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = vars
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::to_string_pretty(&map).unwrap_or_default() + "\n"
        }
    }
}

/// Quotes a value for POSIX shells; plain words stay bare.
fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::for_test(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\nregion = \"eu-west-2\"\ntable_prefix = \"Demo_\"\n[env]\nDATASTORE_IMPL = \"dynamodb\"\nGREETING = \"it's here\"\n",
        )
    }

    #[test]
    fn shell_output_exports_endpoint_region_keys_prefix_and_app_variables() {
        let m = manifest();
        let shown = render(
            &variables(&m, "http://127.0.0.1:4566").unwrap(),
            EnvFormat::Shell,
        );
        assert_eq!(
            shown,
            "export AWS_ENDPOINT_URL=http://127.0.0.1:4566\n\
             export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:4566\n\
             export AWS_REGION=eu-west-2\n\
             export AWS_DEFAULT_REGION=eu-west-2\n\
             export AWS_ACCESS_KEY_ID=test\n\
             export AWS_SECRET_ACCESS_KEY=test\n\
             export DEVSTACK_TABLE_PREFIX=Demo_\n\
             export DATASTORE_IMPL=dynamodb\n\
             export GREETING='it'\\''s here'\n"
        );
    }

    #[test]
    fn env_placeholders_follow_the_endpoint_and_name_physical_tables() {
        let m = Manifest::for_test(
            "[project]\nname = \"demo\"\nengine = \"dynamodb-local\"\nregion = \"eu-west-1\"\ntable_prefix = \"Demo_\"\n\
             [env]\nDYNAMODB_ENDPOINT_URL = \"${endpoint}\"\nDYNAMODB_LOCAL_PORT = \"${port}\"\n\
             DATABASE_NAME = \"${table:orders}\"\nIN_NETWORK = \"${network_endpoint}\"\n\
             WHERE = \"${host}:${port} in ${region}, prefix ${table_prefix}, $$5\"\n\
             [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
        );
        let on_host: std::collections::BTreeMap<_, _> = variables(&m, "http://127.0.0.1:49153")
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(on_host["DYNAMODB_ENDPOINT_URL"], "http://127.0.0.1:49153");
        assert_eq!(on_host["DYNAMODB_LOCAL_PORT"], "49153");
        assert_eq!(on_host["DATABASE_NAME"], "Demo_orders");
        assert_eq!(on_host["IN_NETWORK"], "http://dynamodb-local:8000");
        assert_eq!(
            on_host["WHERE"],
            "127.0.0.1:49153 in eu-west-1, prefix Demo_, $5"
        );
        let in_network: std::collections::BTreeMap<_, _> = variables(&m, &network_url(&m).unwrap())
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            in_network["DYNAMODB_ENDPOINT_URL"],
            "http://dynamodb-local:8000"
        );
        assert_eq!(in_network["DYNAMODB_LOCAL_PORT"], "8000");
    }

    #[test]
    fn the_network_endpoint_uses_the_engine_alias() {
        assert_eq!(network_url(&manifest()).unwrap(), "http://aws-local:4566");
    }

    #[test]
    fn json_output_is_one_object() {
        let m = manifest();
        let shown = render(&variables(&m, "http://x:1").unwrap(), EnvFormat::Json);
        let parsed: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(parsed["AWS_REGION"], "eu-west-2");
        assert_eq!(parsed["DATASTORE_IMPL"], "dynamodb");
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
            "my-localhost",
            "",
        ] {
            assert!(!is_local_host(remote), "{remote}");
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
