//! End-to-end tests against real emulator containers.
//!
//! Each test works under its own project name, labels everything with it,
//! and removes everything carrying that label when it ends, pass or fail.
//! They need a Docker daemon, so they are ignored unless asked for
//! (`cargo test -- --include-ignored`, as `scripts/test.sh` does).

use std::path::Path;
use std::time::Duration;

use devstack::stack::containers::spec;
use devstack::stack::docker::Docker;

use crate::support::docker::connect_docker;
use crate::support::stack::{Cleanup, project_name};
use crate::support::{assert_nothing_left, per_engine};
use devstack::manifest::Manifest;
use devstack::service::ServiceKind;
use devstack::stack::health;

fn manifest(project: &str, engine: &str) -> Manifest {
    let text = format!(
        r#"
[project]
name = "{project}"
engine = "{engine}"
admin = true

[services.{engine}]
port = 0

[services.dynamodb-admin]
port = 0
"#
    );
    Manifest::from_text(Path::new("devstack.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Starts one service's container through devstack's Docker module and
/// waits for its real readiness probe; returns the URL it answers on.
async fn start(docker: &Docker, manifest: &Manifest, service: ServiceKind) -> String {
    let spec = spec::container_spec(manifest, service).unwrap();
    assert!(
        docker.image_exists(&spec.image).await.unwrap_or(false),
        "image `{}` is missing; build it with scripts/build-images.sh",
        spec.image
    );
    let id = docker
        .create_container(&spec)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .unwrap_or_else(|| panic!("container `{}` exists already", spec.name));
    docker
        .start_container(&id)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let state = docker
        .inspect_container(&id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("container {id} vanished"));
    let published: Vec<&String> = state.ports.iter().map(|(_, ip, _)| ip).collect();
    assert_eq!(published, ["127.0.0.1"], "published on loopback only");
    let port = state
        .host_port(service.port())
        .unwrap_or_else(|| panic!("no host port for {service}"));
    let url = devstack::stack::host_url(spec.host_ip, port);
    let probes = health::readiness(service, &url, &manifest.project.region);
    let watch = health::Watch::Container { docker, name: &id };
    let took = health::wait_ready(service.name(), &probes, Duration::from_secs(60), watch)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{service} ready at {url} after {took:?}");
    url
}

async fn engine_and_admin_answer(engine_name: &str, engine: ServiceKind, test: &str) {
    let docker = connect_docker().await;
    let project = project_name(test);
    let _cleanup = Cleanup(project.clone());
    let manifest = manifest(&project, engine_name);
    docker
        .ensure_network(&spec::network_name(&project), &spec::labels(&project, None))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));

    let engine_url = start(&docker, &manifest, engine).await;
    let client = devstack::dynamo::client::client(
        &engine_url,
        &manifest.project.region,
        devstack::dynamo::client::Profile::Status,
    );
    let tables = client
        .list_tables()
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTables at {engine_url}: {e:?}"));
    assert_eq!(
        tables.table_names().len(),
        0,
        "a fresh engine has no tables"
    );

    let admin_url = start(&docker, &manifest, ServiceKind::DynamodbAdmin).await;
    assert_eq!(health::http_status(&admin_url).await, Ok(200));

    let removed = docker
        .remove_project(&project, Duration::from_secs(5), true)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(removed.containers.len(), 2, "{removed:?}");
    assert_eq!(removed.networks.len(), 1, "{removed:?}");
    assert_nothing_left(&project);
}

/// Both containers started, on a runtime of their own, through the Docker
/// module.
fn engine_and_admin_answer_through_the_docker_module(engine: &str, test: &str) {
    let kind = ServiceKind::from_name(engine).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(engine_and_admin_answer(engine, kind, test));
}

per_engine!(engine_and_admin_answer_through_the_docker_module, "pipe": dynamodb_local, ministack);

/// A project network made by someone else between devstack's look and its
/// creation (the late request of an `up` that was killed) is taken as it
/// is: the daemon is asked not to make a second network of the same name,
/// which an older daemon would otherwise do.
#[test]
#[ignore = "needs a Docker daemon"]
fn a_network_made_meanwhile_is_used_not_made_twice() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let docker = connect_docker().await;
        let project = project_name("net-twice");
        let _cleanup = Cleanup(project.clone());
        let name = spec::network_name(&project);
        let labels = spec::labels(&project, None);
        let found = docker.look_at_networks(&name, &labels).await.unwrap();
        assert!(found.project.is_empty() && found.default, "{found:?}");
        // Two `up`s that both found no network: one makes it, the other
        // meets it and uses it.
        let mut ids = Vec::new();
        for _ in 0..2 {
            ids.push(
                docker
                    .create_network(&name, &labels)
                    .await
                    .unwrap_or_else(|e| panic!("{e:#}")),
            );
        }
        assert_eq!(ids[0], ids[1]);
        let found = docker.look_at_networks(&name, &labels).await.unwrap();
        assert_eq!(found.project, [ids[0].clone()]);
        let removed = docker.remove_project_networks(&project).await.unwrap();
        assert_eq!(removed, [name], "one network, not two");
        assert_nothing_left(&project);
    });
}

/// Twin project networks, as an older daemon makes them when two creations
/// race (the late request of a killed `up`, and the next `up`'s): `up`
/// puts the engine on one and removes the other; `down` removes what is
/// left.
#[test]
#[ignore = "needs a Docker daemon"]
fn twin_project_networks_are_made_one_by_up() {
    use crate::support::Stack;
    let stack = Stack::new("net-twins", "ministack", "");
    let name = spec::network_name(&stack.project);
    let labels = spec::labels(&stack.project, None);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let made = runtime.block_on(async {
        // bollard's request has no `CheckDuplicate`: an older daemon makes
        // a twin, a newer one refuses it.
        let raw = bollard::Docker::connect_with_local_defaults().unwrap();
        let mut made = 0;
        for _ in 0..2 {
            let request = bollard::models::NetworkCreateRequest {
                name: name.clone(),
                driver: Some("bridge".to_string()),
                labels: Some(labels.clone().into_iter().collect()),
                ..Default::default()
            };
            if raw.create_network(request).await.is_ok() {
                made += 1;
            }
        }
        made
    });
    if made < 2 {
        eprintln!("this daemon refuses a second network of the same name: no twins to remove");
    }
    stack.up();
    let docker = runtime.block_on(connect_docker());
    let found = runtime
        .block_on(docker.look_at_networks(&name, &labels))
        .unwrap();
    assert_eq!(found.project.len(), 1, "{found:?}");
    let engine = format!("devstack-{}-ministack", stack.project);
    let state = runtime
        .block_on(docker.inspect_container(&engine))
        .unwrap()
        .unwrap();
    assert_eq!(state.networks.get(&name), found.project.first());
    stack.assert_down_leaves_nothing();
}
