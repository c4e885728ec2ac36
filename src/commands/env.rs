//! `devstack env`: the variables an app needs to talk to the stack.

use crate::cli::EnvFormat;
use crate::endpoint;
use crate::manifest::Manifest;
use crate::output::Printer;
use crate::service::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
use crate::settings::Settings;

pub async fn run(
    settings: &Settings,
    format: EnvFormat,
    network: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = if network {
        network_endpoint(&manifest)
    } else {
        endpoint::endpoint(settings, &manifest).await?.url
    };
    printer.data(&render(&variables(&manifest, &endpoint), format))?;
    Ok(())
}

/// The engine as containers on the project network see it.
pub fn network_endpoint(manifest: &Manifest) -> String {
    let engine = manifest.project.engine.service();
    format!("http://{}:{}", engine.alias(), engine.container_port())
}

/// Everything an AWS SDK (and the app) needs, in a stable order: the
/// endpoint, region, the fixed local credentials, the table prefix, then the
/// manifest's own variables.
pub fn variables(manifest: &Manifest, endpoint: &str) -> Vec<(String, String)> {
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
    for (name, value) in &manifest.env {
        vars.retain(|(existing, _)| existing != name);
        vars.push((name.clone(), value.clone()));
    }
    vars
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
    use std::path::Path;

    fn manifest() -> Manifest {
        let text = "[project]\nname = \"demo\"\nengine = \"ministack\"\nregion = \"eu-west-2\"\ntable_prefix = \"Demo_\"\n[env]\nDATASTORE_IMPL = \"dynamodb\"\nGREETING = \"it's here\"\n";
        Manifest::from_text(Path::new("devstack.toml"), text.to_string())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn shell_output_exports_endpoint_region_keys_prefix_and_app_variables() {
        let m = manifest();
        let shown = render(&variables(&m, "http://127.0.0.1:4566"), EnvFormat::Shell);
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
    fn the_network_endpoint_uses_the_engine_alias() {
        assert_eq!(network_endpoint(&manifest()), "http://aws-local:4566");
    }

    #[test]
    fn json_output_is_one_object() {
        let m = manifest();
        let shown = render(&variables(&m, "http://x:1"), EnvFormat::Json);
        let parsed: serde_json::Value = serde_json::from_str(&shown).unwrap_or_default();
        assert_eq!(parsed["AWS_REGION"], "eu-west-2");
        assert_eq!(parsed["DATASTORE_IMPL"], "dynamodb");
    }
}
