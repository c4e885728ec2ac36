//! `up`, `status`, `env`, `logs`, `down` end to end, as a user runs them,
//! against the real emulator images, for both container engines.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use devstack::service::ServiceKind;

use crate::support::docker::leftovers;
use crate::support::fake::FakeServer;
use crate::support::stack::Cleanup;
use crate::support::{
    Run, Stack, Watched, assert_nothing_left, block_on, client_from_env, command, docker,
    docker_cli, engine_pid, pause, per_engine, run, run_within,
};

fn service_url(status: &serde_json::Value, service: ServiceKind) -> String {
    status["services"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["service"] == service.name()))
        .and_then(|r| r["url"].as_str())
        .unwrap_or_else(|| panic!("no url for {service} in {status}"))
        .to_string()
}

fn up_status_env_up_again_down(engine: &str, test: &str) {
    let kind = ServiceKind::from_name(engine).unwrap();
    let docker = docker();
    let stack = Stack::new(test, engine, "");

    let first = stack.up();
    first.assert_stdout_has("export AWS_ENDPOINT_URL=");

    let (code, status) = stack.status();
    assert_eq!(code, 0, "status after up: {status}");
    for row in status["services"].as_array().unwrap() {
        assert_eq!(row["state"], "running", "{row}");
        assert_eq!(row["health"], "ready", "{row}");
    }

    // An app configured only from `devstack env` reaches the engine.
    let env = stack.env();
    assert_eq!(env["AWS_ENDPOINT_URL"], service_url(&status, kind));
    let tables = block_on(async { client_from_env(&env).await.list_tables().send().await });
    assert!(
        tables.is_ok(),
        "ListTables with the env's settings: {tables:?}"
    );

    let admin = service_url(&status, ServiceKind::DynamodbAdmin);
    assert_eq!(
        block_on(devstack::stack::health::http_status(&admin)),
        Ok(200)
    );

    // Published on loopback only.
    let containers = stack.containers(&docker);
    assert_eq!(containers.len(), 2);
    for c in &containers {
        assert!(!c.ports.is_empty(), "{} publishes nothing", c.name);
        for (_, ip, _) in &c.ports {
            assert_eq!(ip, "127.0.0.1", "{} publishes on {ip}", c.name);
        }
    }

    // A second `up` changes nothing.
    let started = Instant::now();
    let again = stack.up();
    let took = started.elapsed();
    again.assert_stderr_has("already up");
    let ids = |cs: &[devstack::stack::docker::ContainerState]| {
        cs.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&stack.containers(&docker)), ids(&containers));
    eprintln!("{engine}: second up took {took:?}");

    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has("removed container");
    assert_nothing_left(&stack.project);

    // `down` again is no error.
    let again = stack.run(&["down"]);
    again.assert_code(0);
    again.assert_stderr_has("nothing to remove");
}

per_engine!(up_status_env_up_again_down, "life": dynamodb_local, ministack);

#[test]
#[ignore = "needs a Docker daemon"]
fn a_port_held_by_another_program_fails_before_anything_is_created() {
    let _docker = docker();
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let stack = Stack::new("port-busy", "ministack", "");
    stack.write_manifest(&format!(
        "engine = \"ministack\"\n[services.ministack]\nport = {port}\n"
    ));
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "port {port} on 127.0.0.1 is already in use by another program"
    ));
    assert_nothing_left(&stack.project);
}

/// A container that is not devstack's, publishing a port; removed when
/// dropped.
struct ForeignContainer(String);

impl Drop for ForeignContainer {
    fn drop(&mut self) {
        let _ = run(command("docker").args(["rm", "-f", &self.0]));
    }
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_port_held_by_a_container_names_that_container() {
    let _docker = docker();
    let stack = Stack::new("port-held-foreign", "ministack", "");
    let manifest = devstack::manifest::Manifest::load(&stack.manifest(), None).unwrap();
    let image =
        devstack::stack::containers::spec::container_spec(&manifest, ServiceKind::Ministack)
            .unwrap()
            .image;
    // No devstack label: someone else's container.
    let foreign = ForeignContainer(format!("{}-foreign", stack.project));
    docker_cli(&[
        "run",
        "-d",
        "--name",
        &foreign.0,
        "-p",
        "127.0.0.1::4566",
        "--entrypoint",
        "sleep",
        &image,
        "600",
    ]);
    let published = run(command("docker").args(["port", &foreign.0, "4566"]));
    published.assert_code(0);
    let port = published
        .stdout
        .lines()
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    stack.write_manifest(&format!(
        "engine = \"ministack\"\n[services.ministack]\nport = {port}\n"
    ));
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "port {port} on 127.0.0.1 is already in use by container `{}`",
        foreign.0
    ));
    assert_nothing_left(&stack.project);
}

/// A port that another devstack project holds (its container, or its
/// embedded engine) is named as that project's, with the command that
/// frees it; nothing of the second project is made.
fn a_port_held_by_another_project_names_that_project(engine: &str, test: &str) {
    let first = Stack::new(test, engine, "");
    first.write_manifest(&format!(
        "engine = \"{engine}\"\n[services.{engine}]\nport = 0\n"
    ));
    first.up();
    let endpoint = first.env()["AWS_ENDPOINT_URL"].clone();
    let port = endpoint.rsplit(':').next().unwrap().to_string();

    // The second project, in the same home.
    let second = format!("{}-b", first.project);
    let _cleanup = Cleanup(second.clone());
    let dir = first.dir.path().join("second");
    std::fs::create_dir(&dir).unwrap();
    let manifest = dir.join("devstack.toml");
    std::fs::write(
        &manifest,
        format!(
            "[project]\nname = \"{second}\"\nengine = \"{engine}\"\n[services.{engine}]\nport = {port}\n"
        ),
    )
    .unwrap();
    let out = first.run(&["-f", manifest.to_str().unwrap(), "up"]);
    out.assert_code(1);
    let what = if engine == "embedded" {
        let pid = engine_pid(&first.engine_dir()).expect("the first project's engine runs");
        format!("its embedded engine, pid {pid}")
    } else {
        format!("container `devstack-{}-{engine}`", first.project)
    };
    out.assert_stderr_has(format!(
        "port {port} on 127.0.0.1 is taken by devstack project `{}` ({what}); `{engine}` needs it",
        first.project
    ));
    out.assert_stderr_has(format!("`devstack -p {} down` frees it", first.project));
    if engine == "embedded" {
        assert!(!first.home.engine_dir(&second).join("engine.json").exists());
    } else {
        assert!(leftovers(&second).is_empty(), "{:?}", leftovers(&second));
    }
    let (code, status) = first.status();
    assert_eq!(code, 0, "the first project still runs: {status}");
}

per_engine!(
    a_port_held_by_another_project_names_that_project,
    "port-held": dynamodb_local, embedded
);

#[test]
fn an_unreachable_daemon_gets_its_own_message_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::new("no-daemon", "ministack", "");
    let missing = dir.path().join("missing.sock");
    let out = run(stack
        .command(&["up"])
        .env("DOCKER_HOST", format!("unix://{}", missing.display())));
    out.assert_code(1);
    // It names the socket.
    out.assert_stderr_has(format!("the socket `{}` does not exist", missing.display()));
    out.assert_stderr_has("DOCKER_HOST");
    out.assert_stderr_lacks("chmod");

    // A socket that accepts but never answers: a hung daemon. devstack gives
    // up after its own 5 s; the bound here only catches a hang.
    let silent = dir.path().join("silent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&silent).unwrap();
    let out = run_within(
        stack
            .command(&["status"])
            .env("DOCKER_HOST", format!("unix://{}", silent.display())),
        Duration::from_secs(120),
    );
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "the Docker daemon at `unix://{}` did not answer within",
        silent.display()
    ));
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_killed_engine_is_reported_and_the_next_up_repairs_it() {
    let docker = docker();
    let stack = Stack::new("killed", "dynamodb-local", "");
    stack.up();
    let engine = format!("devstack-{}-dynamodb-local", stack.project);
    block_on(docker.stop_container(&engine, Duration::ZERO)).unwrap();

    let out = stack.run(&["status"]);
    out.assert_code(1);
    out.assert_stdout_has("exited");
    out.assert_stderr_has("dynamodb-local");

    let repaired = stack.up();
    repaired.assert_stderr_has("starting the existing container");
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
}

/// The engine's aliases on the project network, as `docker inspect` shows
/// them; `None` when it is not on it.
fn aliases_on_project_network(stack: &Stack, container: &str) -> Option<Vec<String>> {
    let network = format!("devstack-{}", stack.project);
    let out = run(command("docker").args([
        "inspect",
        "--format",
        "{{json .NetworkSettings.Networks}}",
        container,
    ]));
    out.assert_code(0);
    let networks: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let aliases = networks.get(&network)?.get("Aliases")?.as_array()?.clone();
    Some(
        aliases
            .into_iter()
            .filter_map(|a| a.as_str().map(String::from))
            .collect(),
    )
}

/// A new engine container is started on Docker's default network and put
/// on the project network, under its alias, while the engine starts; one
/// that an `up` cut short left off the project network is put on it by the
/// next `up`, which keeps the container.
#[test]
#[ignore = "needs a Docker daemon"]
fn the_engine_is_on_the_project_network_and_the_next_up_puts_it_back() {
    let docker = docker();
    let stack = Stack::new("on-network", "ministack", "");
    stack.up();
    let engine = format!("devstack-{}-ministack", stack.project);
    let aliases = aliases_on_project_network(&stack, &engine).expect("on the project network");
    assert!(aliases.contains(&"aws-local".to_string()), "{aliases:?}");
    let before = block_on(docker.inspect_container(&engine))
        .unwrap()
        .unwrap();

    let network = format!("devstack-{}", stack.project);
    docker_cli(&["network", "disconnect", &network, &engine]);
    assert_eq!(aliases_on_project_network(&stack, &engine), None);
    stack.up();
    let after = block_on(docker.inspect_container(&engine))
        .unwrap()
        .unwrap();
    assert_eq!(after.id, before.id, "the container is kept");
    let aliases = aliases_on_project_network(&stack, &engine).expect("back on the project network");
    assert!(aliases.contains(&"aws-local".to_string()), "{aliases:?}");
    // The admin UI reaches the engine by its alias.
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn two_concurrent_ups_make_one_stack() {
    let docker = docker();
    let stack = Stack::new("concurrent", "ministack", "");
    let spawn = || {
        stack
            .command(&["up"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b): (Run, Run) = (
        a.wait_with_output().unwrap().into(),
        b.wait_with_output().unwrap().into(),
    );
    a.assert_code(0);
    b.assert_code(0);
    assert_eq!(
        stack.containers(&docker).len(),
        2,
        "one engine and one admin UI"
    );
    let said = format!("{}{}", a.stderr, b.stderr);
    assert!(
        said.contains("already up"),
        "one of them found the other's stack:\n{said}"
    );
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_container_of_another_owner_with_our_name_is_refused() {
    let docker = docker();
    let stack = Stack::new("foreign", "dynamodb-local", "");
    let other = Stack::new("foreign-owner", "dynamodb-local", "");
    // A container with this project's name, labelled for another project.
    let manifest = devstack::manifest::Manifest::load(&stack.manifest(), None).unwrap();
    let mut spec =
        devstack::stack::containers::spec::container_spec(&manifest, ServiceKind::DynamodbLocal)
            .unwrap();
    spec.labels = devstack::stack::containers::spec::labels(&other.project, None);
    spec.network = "bridge".to_string();
    spec.aliases.clear();
    block_on(docker.create_container(&spec)).unwrap().unwrap();

    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has("devstack did not create it");
    let states = block_on(docker.project_containers(&other.project)).unwrap();
    assert_eq!(states.len(), 1, "the foreign container is untouched");
    assert_eq!(
        states[0].status,
        devstack::stack::docker::ContainerStatus::Created
    );
}

/// Writes a table and an item through the env's endpoint.
async fn write_marker(env: &BTreeMap<String, String>) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
        ScalarAttributeType,
    };
    let client = client_from_env(env).await;
    client
        .create_table()
        .table_name("persisted")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    client
        .put_item()
        .table_name("persisted")
        .item("pk", AttributeValue::S("kept".into()))
        .send()
        .await
        .unwrap();
}

async fn marker_count(env: &BTreeMap<String, String>) -> Option<i32> {
    let client = client_from_env(env).await;
    client
        .scan()
        .table_name("persisted")
        .send()
        .await
        .ok()
        .map(|out| out.count())
}

fn data_persists_across_down_and_up(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, "persist = true");
    stack.up();
    block_on(write_marker(&stack.env()));

    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has("kept the data volumes");
    stack.up();
    assert_eq!(
        block_on(marker_count(&stack.env())),
        Some(1),
        "data survives down + up"
    );

    let down = stack.run(&["down", "--volumes"]);
    down.assert_code(0);
    down.assert_stderr_has("removed volume");
    assert_nothing_left(&stack.project);
    stack.up();
    assert_eq!(
        block_on(marker_count(&stack.env())),
        None,
        "down --volumes deletes the data"
    );
}

per_engine!(data_persists_across_down_and_up, "persist": dynamodb_local, ministack);

#[test]
#[ignore = "needs a Docker daemon"]
fn ctrl_c_during_up_exits_130_and_the_next_up_converges() {
    let docker = docker();
    let stack = Stack::new("ctrl-c", "dynamodb-local", "");
    let mut watched = Watched::spawn(stack.command(&["up"]));
    // Interrupt while DynamoDB Local is starting: its container exists,
    // readiness is not reached yet.
    watched.until(
        "dynamodb-local: waiting until usable",
        Duration::from_secs(120),
    );
    watched.signal("-INT");
    let out = watched.wait(Duration::from_secs(30));
    out.assert_code(130);
    out.assert_stderr_has("error: interrupted");

    // Everything made so far carries the project's label: nothing named
    // for the project is without it (asked of the `docker` command line).
    let unlabelled = crate::support::docker::unlabelled(&stack.project);
    assert!(unlabelled.is_empty(), "unlabelled: {unlabelled:?}");
    assert!(
        !stack.containers(&docker).is_empty(),
        "the engine's container was made"
    );
    // The next `up` finishes the job, and `down --volumes` then leaves
    // nothing, by name or by label.
    stack.up();
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
    stack.assert_down_leaves_nothing();
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_service_that_exits_before_it_is_ready_is_reported_at_once_with_its_logs() {
    let docker = docker();
    // MiniStack's image does not understand DynamoDB Local's command line,
    // so this engine stops at once with a usage error.
    let stack = Stack::new("exits", "dynamodb-local", "");
    stack.write_manifest(
        "engine = \"dynamodb-local\"\nready_timeout = 600\n\
         [services.dynamodb-local]\nport = 0\nimage = \"ministackorg/ministack:1.5.33\"\n",
    );
    let started = Instant::now();
    let out = stack.run(&["up"]);
    let took = started.elapsed();
    out.assert_code(1);
    out.assert_stderr_has("`dynamodb-local` exited before it was ready (exit code 2)");
    let name = format!("devstack-{}-dynamodb-local", stack.project);
    out.assert_stderr_has(format!("last log lines of `{name}`"));
    // The container's own words.
    out.assert_stderr_has("unrecognized arguments");
    assert!(
        took < Duration::from_secs(300),
        "reported at once, not after the 600 s deadline: {took:?}"
    );
    // What was made is labelled: `down` removes it.
    assert_eq!(stack.containers(&docker).len(), 1);
    stack.run(&["down"]).assert_code(0);
    assert_nothing_left(&stack.project);
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_service_dropped_from_the_manifest_is_removed_by_the_next_up() {
    let docker = docker();
    let stack = Stack::new("orphan", "ministack", "");
    stack.up();
    assert_eq!(stack.containers(&docker).len(), 2);
    let manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    std::fs::write(
        stack.manifest(),
        manifest.replace("admin = true", "admin = false"),
    )
    .unwrap();
    let out = stack.up();
    let admin = format!("devstack-{}-dynamodb-admin", stack.project);
    out.assert_stderr_has(format!("removing the container `{admin}`"));
    let left: Vec<String> = stack
        .containers(&docker)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(left, [format!("devstack-{}-ministack", stack.project)]);
}

#[test]
#[ignore = "needs a Docker daemon"]
fn ctrl_c_while_seeding_and_the_next_up_finishes_the_table() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let _docker = docker();
    let items = 30_000;
    let stack = Stack::new("ctrl-c-seed", "dynamodb-local", "");
    stack.up();
    let engine = stack.env()["AWS_ENDPOINT_URL"].clone();

    // The table appears in the manifest; its seed data goes through a proxy
    // that lets 20 batches (500 items) through and holds every later
    // request. Once some items are in the table and a batch is held,
    // devstack is interrupted: seeding is cut off half-way, every time.
    stack.add_seeded_orders(items);
    let env = stack.env();
    let batches = Arc::new(AtomicUsize::new(0));
    let out = block_on(async {
        let proxy = FakeServer::gated_proxy(&engine, {
            let batches = batches.clone();
            move |seen| {
                seen.operation != "BatchWriteItem" || batches.fetch_add(1, Ordering::SeqCst) < 20
            }
        })
        .await;
        // Waited for here, not in a blocking call: this runtime serves the
        // proxy.
        let watched = Watched::spawn(stack.command(&["--endpoint", &proxy.url, "up"]));
        let client = client_from_env(&env).await;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            // No table yet counts as none.
            let count = devstack::dynamo::load::count_items(&client, "orders")
                .await
                .unwrap_or(0);
            // Some items are in, and a batch is held: seeding is under
            // way and cannot finish.
            if count > 0 && batches.load(Ordering::SeqCst) > 20 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{count} items arrived, {} batches were sent:\n{}",
                batches.load(Ordering::SeqCst),
                watched.said()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        watched.signal("-INT");
        tokio::task::spawn_blocking(move || watched.wait(Duration::from_secs(30)))
            .await
            .unwrap()
    });
    // Interrupted while seeding.
    out.assert_code(130);

    // The table exists, part full: some of the 20 batches that went
    // through, far from all.
    let count = block_on(async {
        let client = client_from_env(&env).await;
        devstack::dynamo::load::count_items(&client, "orders")
            .await
            .unwrap()
    });
    assert!(
        (1..items as u64).contains(&count),
        "half loaded: {count} of {items}"
    );

    // The next `up` says so and fills it.
    let out = stack.up();
    out.assert_stderr_has("seed data loaded: no earlier run finished loading it");
    out.assert_stderr_has(format!("{items} items"));
    let again = stack.up();
    again.assert_stderr_has(format!("orders: unchanged, {items} items"));
}

/// Removes a test's image tag when dropped.
struct ImageTag(String);

impl Drop for ImageTag {
    fn drop(&mut self) {
        let _ = crate::support::command("docker")
            .args(["rmi", "--force", &self.0])
            .output();
    }
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_newer_image_under_the_same_name_recreates_the_container() {
    let docker = docker();
    let stack = Stack::new("new-image", "ministack", "");
    let tag = format!("devstack-test/engine:{}", stack.project);
    docker_cli(&["tag", "ministackorg/ministack:1.5.33", &tag]);
    let _tag = ImageTag(tag.clone());
    stack.write_manifest(&format!(
        "engine = \"ministack\"\n[services.ministack]\nport = 0\nimage = \"{tag}\"\n"
    ));
    stack.up();
    let before = stack.containers(&docker)[0].id.clone();

    // The same name now points at another image, as after a pull or a rebuild.
    docker_cli(&[
        "commit",
        "--change",
        "LABEL devstack.test=newer",
        &before,
        &tag,
    ]);
    let out = stack.up();
    out.assert_stderr_has("is a newer image than the container's");
    let after = stack.containers(&docker);
    assert_eq!(after.len(), 1);
    assert_ne!(after[0].id, before, "the container was recreated");
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");

    let again = stack.up();
    again.assert_stderr_has("already up");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn logs_show_every_service_prefixed_or_one_service_alone() {
    let _docker = docker();
    let stack = Stack::new("logs", "ministack", "");
    stack.up();

    let all = stack.run(&["logs"]);
    all.assert_code(0);
    for service in ["ministack      | ", "dynamodb-admin | "] {
        assert!(
            all.stdout.lines().any(|l| l.starts_with(service)),
            "no line from `{service}` in:\n{}",
            all.stdout
        );
    }
    assert!(
        all.stdout.lines().all(|l| l.contains(" | ")),
        "every line has its prefix:\n{}",
        all.stdout
    );

    let one = stack.run(&["logs", "dynamodb-admin", "-n", "2"]);
    one.assert_code(0);
    let lines: Vec<&str> = one.stdout.lines().collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "the last 2 lines: {lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains(" | ")), "{lines:?}");

    let unknown = stack.run(&["logs", "dynamodb"]);
    unknown.assert_code(2);
    unknown.assert_stderr_has("has no service `dynamodb`; it has `ministack`, `dynamodb-admin`");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_service_that_never_answers_times_out_naming_what_was_tried_with_its_logs() {
    let _docker = docker();
    let stack = Stack::new("timeout", "ministack", "");
    // The admin UI's image in the engine's place: it runs, but nothing
    // answers on the engine's port, ever.
    stack.write_manifest(
        "engine = \"ministack\"\n[services.ministack]\nport = 0\nimage = \"aaronshaf/dynamodb-admin:5.3.3\"\n",
    );
    let out = run_within(
        &mut stack.command(&["up", "--timeout", "3"]),
        Duration::from_secs(120),
    );
    out.assert_code(1);
    // `--timeout` sets the deadline.
    out.assert_stderr_has("`ministack` was not ready after 3 s");
    out.assert_stderr_has("/_ministack/health answering 200, then a signed ListTables");
    let container = format!("devstack-{}-ministack", stack.project);
    out.assert_stderr_has(format!("--- last log lines of `{container}` ---"));
    // The container's own words.
    out.assert_stderr_has("dynamodb-admin");
    stack.run(&["down"]).assert_code(0);
    assert_nothing_left(&stack.project);
}

#[test]
#[ignore = "needs a Docker daemon"]
fn pull_never_refuses_a_missing_image_and_pull_always_pulls_even_a_present_one() {
    let _docker = docker();
    let stack = Stack::new("pull-policy", "ministack", "");
    let absent = format!("devstack-test/absent:{}", stack.project);
    stack.write_manifest(&format!(
        "engine = \"ministack\"\npull = \"never\"\n[services.ministack]\nport = 0\nimage = \"{absent}\"\n"
    ));
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "image `{absent}` for `ministack` is not present and the pull policy is `never`"
    ));
    out.assert_stderr_lacks("pulling");
    assert_nothing_left(&stack.project);

    // A present image under a name no registry has: `always` still pulls
    // it (and so fails), from the command line or from the manifest.
    let tag = format!("devstack-test/engine:{}", stack.project);
    docker_cli(&["tag", "ministackorg/ministack:1.5.33", &tag]);
    let _tag = ImageTag(tag.clone());
    let manifest = |pull: &str| {
        format!(
            "engine = \"ministack\"\npull = \"{pull}\"\n[services.ministack]\nport = 0\nimage = \"{tag}\"\n"
        )
    };
    stack.write_manifest(&manifest("missing"));
    let out = stack.run(&["up", "--pull", "always"]);
    out.assert_code(1);
    out.assert_stderr_has(format!("cannot pull image `{tag}`"));
    assert_nothing_left(&stack.project);
    stack.write_manifest(&manifest("always"));
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!("cannot pull image `{tag}`"));
    assert_nothing_left(&stack.project);

    // `missing` uses the present image without asking a registry.
    stack.write_manifest(&manifest("missing"));
    let out = stack.up();
    out.assert_stderr_lacks("pulling");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn bind_publishes_the_ports_on_the_address_given() {
    let docker = docker();
    let stack = Stack::new("bind", "ministack", "");
    stack.write_manifest(
        "engine = \"ministack\"\n[services.ministack]\nport = 0\nbind = \"127.0.0.2\"\n",
    );
    stack.up();
    let containers = stack.containers(&docker);
    assert_eq!(containers.len(), 1);
    let ports = &containers[0].ports;
    assert!(!ports.is_empty());
    assert!(
        ports.iter().all(|(_, ip, _)| ip == "127.0.0.2"),
        "{ports:?}"
    );
    let env = stack.env();
    assert!(
        env["AWS_ENDPOINT_URL"].starts_with("http://127.0.0.2:"),
        "{env:?}"
    );
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_paused_engine_is_reported_and_the_next_up_resumes_it() {
    let _docker = docker();
    let stack = Stack::new("paused", "ministack", "");
    stack.up();
    let engine = format!("devstack-{}-ministack", stack.project);
    pause(&engine, Duration::from_secs(30)).unwrap();

    let (code, status) = stack.status();
    assert_eq!(code, 1, "{status}");
    let row = status["services"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["service"] == "ministack"))
        .cloned()
        .unwrap();
    assert_eq!(row["state"], "paused", "{row}");

    let out = stack.up();
    out.assert_stderr_has("ministack: resuming the paused container");
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn quiet_up_prints_the_variables_and_nothing_else() {
    let _docker = docker();
    let stack = Stack::new("quiet", "ministack", "");
    let out = stack.run(&["--quiet", "up"]);
    out.assert_code(0);
    assert_eq!(out.stderr, "", "no progress with --quiet");
    out.assert_stdout_has("export AWS_ENDPOINT_URL=http://127.0.0.1:");
    let again = stack.run(&["up", "-q"]);
    again.assert_code(0);
    assert_eq!(again.stderr, "");
    assert_eq!(again.stdout, out.stdout, "the same variables");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn commands_that_stop_or_show_the_stack_work_without_the_seed_files() {
    let _docker = docker();
    let stack = Stack::new(
        "no-seed-file",
        "ministack",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
    );
    std::fs::write(stack.dir.path().join("orders.jsonl"), "{\"pk\": \"a\"}\n").unwrap();
    stack.up();
    std::fs::remove_file(stack.dir.path().join("orders.jsonl")).unwrap();

    let (code, status) = stack.status();
    assert_eq!(code, 0, "status: {status}");
    assert_eq!(status["tables"][0]["items"], 1, "{status}");
    let logs = stack.run(&["logs", "-n", "1"]);
    logs.assert_code(0);
    let env = stack.run(&["env"]);
    env.assert_code(0);
    let down = stack.run(&["down"]);
    down.assert_code(0);
    assert_nothing_left(&stack.project);

    // Commands that need the seed data say which file is gone.
    let up = stack.run(&["up"]);
    up.assert_code(2);
    up.assert_stderr_has("seed file `orders.jsonl` does not exist");
    assert_nothing_left(&stack.project);
}
