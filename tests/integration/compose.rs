//! The plain compose files in `compose/` must run what devstack runs: the
//! same images, commands, environment, ports on loopback and aliases.

use std::collections::BTreeMap;
use std::path::Path;

use devstack::manifest::Manifest;
use devstack::service::ServiceKind;
use devstack::stack::containers::spec;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::root;

fn load(file: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join("compose").join(file)).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .remove(0)
}

fn defaults(engine: &str) -> Manifest {
    let text = format!("[project]\nname = \"compose\"\nengine = \"{engine}\"\nadmin = true\n");
    Manifest::from_text(Path::new("devstack.toml"), text).unwrap()
}

fn strings(yaml: &Yaml) -> Vec<String> {
    yaml.as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn environment(yaml: &Yaml) -> BTreeMap<String, String> {
    yaml["environment"]
        .as_hash()
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    let value = match v {
                        Yaml::Integer(i) => i.to_string(),
                        other => other.as_str().unwrap_or_default().to_string(),
                    };
                    (k.as_str().unwrap_or_default().to_string(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Checks one compose service against devstack's spec for `kind`.
fn matches_devstack(file: &str, compose_name: &str, manifest: &Manifest, kind: ServiceKind) {
    let doc = load(file);
    let service = &doc["services"][compose_name];
    assert!(
        !service.is_badvalue(),
        "{file}: no service `{compose_name}`"
    );
    let spec = spec::container_spec(manifest, kind).unwrap();
    assert_eq!(
        service["image"].as_str(),
        Some(spec.image.as_str()),
        "{file}: {compose_name} image"
    );
    let port = format!("127.0.0.1:{0}:{0}", kind.port());
    assert_eq!(
        strings(&service["ports"]),
        [port],
        "{file}: {compose_name} ports"
    );
    assert_eq!(
        strings(&service["command"]),
        spec.cmd,
        "{file}: {compose_name} command"
    );
    let expected: BTreeMap<String, String> = spec.env.into_iter().collect();
    assert_eq!(
        environment(service),
        expected,
        "{file}: {compose_name} environment"
    );
    assert!(
        !service["healthcheck"]["test"].is_badvalue(),
        "{file}: {compose_name} has no health check"
    );
}

#[test]
fn dynamodb_local_compose_file_runs_what_devstack_runs() {
    let manifest = defaults("dynamodb-local");
    let file = "docker-compose.yaml";
    matches_devstack(
        file,
        "dynamodb-local",
        &manifest,
        ServiceKind::DynamodbLocal,
    );
    matches_devstack(
        file,
        "dynamodb-admin",
        &manifest,
        ServiceKind::DynamodbAdmin,
    );
}

#[test]
fn ministack_compose_file_runs_what_devstack_runs_as_aws_local() {
    let manifest = defaults("ministack");
    let file = "docker-compose-aws-local.yaml";
    // Compose names the service after the alias devstack gives MiniStack.
    assert_eq!(ServiceKind::Ministack.alias(), Some("aws-local"));
    matches_devstack(file, "aws-local", &manifest, ServiceKind::Ministack);
    matches_devstack(
        file,
        "dynamodb-admin",
        &manifest,
        ServiceKind::DynamodbAdmin,
    );
}

/// The scripts that build or fetch images name the same tags devstack runs.
#[test]
fn image_scripts_use_devstacks_default_tags() {
    let build = std::fs::read_to_string(root().join("scripts/build-images.sh")).unwrap();
    for image in
        <ServiceKind as strum::IntoEnumIterator>::iter().filter_map(|kind| kind.default_image())
    {
        assert!(build.contains(image), "build-images.sh: {image}");
    }
    let quickstart = std::fs::read_to_string(root().join("scripts/quickstart.sh")).unwrap();
    for kind in [ServiceKind::Ministack, ServiceKind::DynamodbAdmin] {
        let image = kind.default_image().unwrap();
        assert!(quickstart.contains(image), "quickstart.sh: {image}");
    }
}
