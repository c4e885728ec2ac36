//! What each service's container looks like for a given manifest: image,
//! command, environment, port, volume, labels. Pure data, decided here and
//! acted on by `docker`. For containers only: the embedded engine is none.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use sha2::{Digest, Sha256};

use crate::manifest::{Manifest, Project};
use crate::service::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, ServiceKind};
use crate::stack::docker::{
    ContainerSpec, LABEL_CONFIG_HASH, LABEL_OWNER, LABEL_PROJECT, LABEL_SERVICE, VolumeMount,
};
use crate::stack::net::network_url;

/// JVM options that start DynamoDB Local sooner, for `java_options` under
/// `[services.dynamodb-local]`: the client compiler only and the serial
/// collector. Not the default: `bench/run.sh` measures a cold `up` about
/// 30 % shorter with them, but seeding 10,000 items about 1.8 times slower,
/// beyond the tenth a default may cost. The default is the JVM as the
/// image runs it.
pub const QUICK_START_JAVA_OPTIONS: [&str; 2] = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/// Where each engine keeps its data inside the container when `persist = true`.
const DYNAMODB_LOCAL_DATA: &str = "/home/dynamodblocal/data";
const MINISTACK_DATA: &str = "/var/lib/ministack";

/// Names of the Docker objects of a project.
pub fn container_name(project: &str, service: ServiceKind) -> String {
    format!("devstack-{project}-{service}")
}

pub fn network_name(project: &str) -> String {
    format!("devstack-{project}")
}

pub fn volume_name(project: &str, service: ServiceKind) -> String {
    format!("devstack-{project}-{service}-data")
}

/// Labels every object of the project carries; `service` for containers and volumes.
pub fn labels(project: &str, service: Option<ServiceKind>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([(LABEL_PROJECT.to_string(), project.to_string())]);
    if let Some(service) = service {
        labels.insert(LABEL_SERVICE.to_string(), service.name().to_string());
    }
    labels
}

/// `labels`, with the owning `run` when there is one.
pub fn project_labels(project: &Project, service: Option<ServiceKind>) -> BTreeMap<String, String> {
    let mut labels = labels(&project.name, service);
    if let Some(owner) = &project.owner {
        labels.insert(LABEL_OWNER.to_string(), owner.clone());
    }
    labels
}

/// The container for `service` as the manifest wants it, with its
/// configuration hash label set; `None` for a service that is not a
/// container (the embedded engine).
pub fn container_spec(manifest: &Manifest, service: ServiceKind) -> Option<ContainerSpec> {
    let project = &manifest.project;
    let overrides = manifest.services.get(&service).cloned().unwrap_or_default();
    let image = overrides
        .image
        .or_else(|| service.default_image().map(String::from))?;
    let persist = project.persist && service != ServiceKind::DynamodbAdmin;
    let volume = persist.then(|| VolumeMount {
        name: volume_name(&project.name, service),
        target: match service {
            ServiceKind::Ministack => MINISTACK_DATA,
            _ => DYNAMODB_LOCAL_DATA,
        }
        .to_string(),
    });
    let (cmd, env, user) = match service {
        ServiceKind::DynamodbLocal => {
            let mut cmd: Vec<String> = overrides.java_options.clone().unwrap_or_default();
            cmd.extend(
                [
                    "-Djava.library.path=./DynamoDBLocal_lib",
                    "-jar",
                    "DynamoDBLocal.jar",
                ]
                .map(String::from),
            );
            // One database for every access key and region, so the admin UI
            // and the app see the same tables whatever they sign with; a warm
            // engine keeps one per access key, each run's apart.
            if !project.warm_engine {
                cmd.push("-sharedDb".to_string());
            }
            if persist {
                cmd.extend(["-dbPath".to_string(), DYNAMODB_LOCAL_DATA.to_string()]);
            } else {
                cmd.push("-inMemory".to_string());
            }
            // The image runs as the non-root `dynamodblocal`, and a fresh
            // named volume is owned by root: without root, SQLite cannot open
            // its file and requests hang. Only the persistent setup needs it.
            (
                cmd,
                dynamodb_local_env(),
                persist.then(|| "root".to_string()),
            )
        }
        ServiceKind::Ministack => {
            let mut env = vec![
                ("GATEWAY_PORT".to_string(), service.port().to_string()),
                ("MINISTACK_REGION".to_string(), project.region.clone()),
            ];
            if persist {
                env.push(("PERSIST_STATE".to_string(), "1".to_string()));
                env.push(("STATE_DIR".to_string(), MINISTACK_DATA.to_string()));
            }
            (Vec::new(), env, None)
        }
        ServiceKind::DynamodbAdmin => {
            // The manifest rules keep the admin UI to engines on the
            // project network.
            let engine = network_url(project.engine.service()).unwrap_or_default();
            let env = vec![
                ("PORT".to_string(), service.port().to_string()),
                ("DYNAMO_ENDPOINT".to_string(), engine),
                ("AWS_REGION".to_string(), project.region.clone()),
                ("AWS_ACCESS_KEY_ID".to_string(), ACCESS_KEY_ID.to_string()),
                (
                    "AWS_SECRET_ACCESS_KEY".to_string(),
                    SECRET_ACCESS_KEY.to_string(),
                ),
            ];
            (Vec::new(), env, None)
        }
        ServiceKind::Embedded => return None,
    };
    let mut spec = ContainerSpec {
        service,
        name: container_name(&project.name, service),
        image,
        cmd,
        env,
        user,
        container_port: service.port(),
        host_ip: overrides.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        host_port: overrides.port.unwrap_or(service.port()),
        network: network_name(&project.name),
        aliases: service.alias().map(String::from).into_iter().collect(),
        volume,
        labels: project_labels(project, Some(service)),
    };
    let hash = config_hash(&spec);
    spec.labels.insert(LABEL_CONFIG_HASH.to_string(), hash);
    Some(spec)
}

/// DynamoDB Local's environment: telemetry off. With it on (2.1.0 and
/// later, 1.24.0 and later), its start builds AWS SDK clients for the
/// telemetry service on the main thread before the server listens: a
/// first answer 2.8 s after `docker run` against 1.75 s without, measured
/// with 3.3.0. A local database has no business calling home either. The
/// variable, not the `-disableTelemetry` option: a version without
/// telemetry ignores the variable; the option does not exist there.
fn dynamodb_local_env() -> Vec<(String, String)> {
    vec![("DDB_LOCAL_TELEMETRY".to_string(), "0".to_string())]
}

/// A digest of everything that, when changed, needs a new container.
pub fn config_hash(spec: &ContainerSpec) -> String {
    let mut hasher = Sha256::new();
    let mut field = |name: &str, value: &str| {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0xff]);
    };
    field("image", &spec.image);
    field("cmd", &spec.cmd.join("\u{1f}"));
    for (k, v) in &spec.env {
        field("env", &format!("{k}={v}"));
    }
    field("user", spec.user.as_deref().unwrap_or(""));
    field(
        "port",
        &format!(
            "{}:{}:{}",
            spec.host_ip, spec.host_port, spec.container_port
        ),
    );
    field("network", &spec.network);
    field("aliases", &spec.aliases.join(","));
    if let Some(v) = &spec.volume {
        field("volume", &format!("{}:{}", v.name, v.target));
    }
    let digest = hasher.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: &str) -> Manifest {
        Manifest::for_test(&format!(
            "[project]\nname = \"demo\"\nengine = \"dynamodb-local\"\nadmin = true\n{extra}"
        ))
    }

    #[test]
    fn dynamodb_local_sends_no_telemetry_in_memory_or_on_a_volume() {
        for extra in ["", "persist = true\n"] {
            let spec = container_spec(&manifest(extra), ServiceKind::DynamodbLocal).unwrap();
            assert!(
                spec.env
                    .contains(&("DDB_LOCAL_TELEMETRY".to_string(), "0".to_string())),
                "{extra:?}: {:?}",
                spec.env
            );
        }
    }

    #[test]
    fn dynamodb_local_runs_shared_in_memory_on_loopback() {
        let spec = container_spec(&manifest(""), ServiceKind::DynamodbLocal).unwrap();
        assert_eq!(spec.name, "devstack-demo-dynamodb-local");
        assert_eq!(spec.image, "amazon/dynamodb-local:3.3.0");
        assert!(spec.cmd.contains(&"-sharedDb".to_string()));
        assert!(spec.cmd.contains(&"-inMemory".to_string()));
        assert_eq!(spec.host_ip.to_string(), "127.0.0.1");
        assert_eq!(spec.host_port, 8000);
        assert_eq!(spec.user, None);
        assert_eq!(spec.labels[LABEL_PROJECT], "demo");
    }

    #[test]
    fn dynamodb_local_runs_the_plain_jvm_unless_the_manifest_gives_options() {
        let spec = container_spec(&manifest(""), ServiceKind::DynamodbLocal).unwrap();
        assert_eq!(spec.cmd[0], "-Djava.library.path=./DynamoDBLocal_lib");
        let plain = container_spec(
            &manifest("[services.dynamodb-local]\njava_options = []\n"),
            ServiceKind::DynamodbLocal,
        )
        .unwrap();
        assert_eq!(plain.cmd, spec.cmd);
        let own = container_spec(
            &manifest("[services.dynamodb-local]\njava_options = [\"-Xmx256m\"]\n"),
            ServiceKind::DynamodbLocal,
        )
        .unwrap();
        assert_eq!(own.cmd[0], "-Xmx256m");
        assert_ne!(
            spec.labels[LABEL_CONFIG_HASH],
            own.labels[LABEL_CONFIG_HASH]
        );
    }

    #[test]
    fn persistent_dynamodb_local_writes_to_a_volume_as_root() {
        let spec =
            container_spec(&manifest("persist = true\n"), ServiceKind::DynamodbLocal).unwrap();
        assert!(
            spec.cmd
                .ends_with(&["-dbPath".to_string(), DYNAMODB_LOCAL_DATA.to_string()])
        );
        assert!(!spec.cmd.contains(&"-inMemory".to_string()));
        assert_eq!(spec.user.as_deref(), Some("root"));
        assert_eq!(
            spec.volume.map(|v| v.name),
            Some("devstack-demo-dynamodb-local-data".to_string())
        );
    }

    #[test]
    fn admin_ui_talks_to_the_engine_alias_with_the_same_region_and_keys() {
        let spec = container_spec(&manifest(""), ServiceKind::DynamodbAdmin).unwrap();
        let env: BTreeMap<_, _> = spec.env.into_iter().collect();
        assert_eq!(env["DYNAMO_ENDPOINT"], "http://dynamodb-local:8000");
        assert_eq!(env["AWS_REGION"], "us-east-1");
        assert_eq!(env["AWS_ACCESS_KEY_ID"], ACCESS_KEY_ID);
    }

    #[test]
    fn the_embedded_engine_is_no_container() {
        assert!(container_spec(&manifest(""), ServiceKind::Embedded).is_none());
    }

    #[test]
    fn the_config_hash_changes_with_the_port_and_not_otherwise() {
        let a = container_spec(&manifest(""), ServiceKind::DynamodbLocal).unwrap();
        let b = container_spec(&manifest(""), ServiceKind::DynamodbLocal).unwrap();
        let c = container_spec(
            &manifest("[services.dynamodb-local]\nport = 8100\n"),
            ServiceKind::DynamodbLocal,
        )
        .unwrap();
        assert_eq!(a.labels[LABEL_CONFIG_HASH], b.labels[LABEL_CONFIG_HASH]);
        assert_ne!(a.labels[LABEL_CONFIG_HASH], c.labels[LABEL_CONFIG_HASH]);
    }
}
