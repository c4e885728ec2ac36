//! The variables an app needs to reach the stack (`env`, `up`, and `run`'s
//! command): the endpoint, region, the local credentials, the table
//! prefix and the manifest's own `[env]`, written for a shell, a `.env`
//! file or as JSON.

use crate::endpoint::host_of;
use crate::error::UsageError;
use crate::manifest::{Manifest, Placeholder};
use crate::service::SECRET_ACCESS_KEY;
use crate::stack;

/// The engine as containers on the project network see it.
pub fn network_url(manifest: &Manifest) -> Result<String, UsageError> {
    stack::network_url(manifest.project.engine.service()).ok_or_else(|| {
        UsageError(
            "the embedded engine runs on this machine, outside Docker: there is no project network to reach it on\n  hint: `devstack env` without `--network` gives its loopback address".to_string(),
        )
    })
}

/// How `env` (and `up`) write the variables; its variants' documentation
/// is the help of `env --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    /// `export NAME='value'` lines, for `eval "$(devstack env)"`
    Shell,
    /// `NAME=value` lines, for `.env` files and `docker run --env-file`
    Dotenv,
    /// One JSON object
    Json,
}

/// Everything an AWS SDK (and the app) needs, in a stable order: the
/// endpoint, region, the local credentials (a warm run's own access key), the table prefix, then the
/// manifest's own variables with their placeholders filled in. `endpoint`
/// is where the app reaches the engine: from this machine, or (for `env
/// --network`) from the project network.
pub fn of(manifest: &Manifest, endpoint: &str) -> Result<Vec<(String, String)>, UsageError> {
    let region = &manifest.project.region;
    let mut vars: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
        ("AWS_REGION", region),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_ACCESS_KEY_ID", &manifest.project.access_key),
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

/// The stack's variables ([`of`]) and its identity: the project, its engine
/// and the manifest, so that a devstack command run with them (`devstack
/// reset` between tests) acts on this stack and never on another. What
/// `run` gives CMD, and what `up --throwaway` prints.
pub fn with_identity(
    manifest: &Manifest,
    endpoint: &str,
) -> Result<Vec<(String, String)>, UsageError> {
    let mut vars = of(manifest, endpoint)?;
    vars.extend([
        (
            "DEVSTACK_PROJECT".to_string(),
            manifest.project.name.clone(),
        ),
        (
            "DEVSTACK_ENGINE".to_string(),
            manifest.project.engine.to_string(),
        ),
        (
            "DEVSTACK_FILE".to_string(),
            manifest.file().display().to_string(),
        ),
    ]);
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
        let shown = render(&of(&m, "http://127.0.0.1:4566").unwrap(), EnvFormat::Shell);
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
        let on_host: std::collections::BTreeMap<_, _> = of(&m, "http://127.0.0.1:49153")
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
        let in_network: std::collections::BTreeMap<_, _> = of(&m, &network_url(&m).unwrap())
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
        let shown = render(&of(&m, "http://x:1").unwrap(), EnvFormat::Json);
        let parsed: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(parsed["AWS_REGION"], "eu-west-2");
        assert_eq!(parsed["DATASTORE_IMPL"], "dynamodb");
    }
}
