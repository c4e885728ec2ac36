//! A stack knows who it is, wherever it is seen from: a devstack command
//! inside `run`'s CMD acts on the run's stack and never on the project's
//! own; a project is found by its name alone from any folder; and an
//! `--engine` given on the command line runs beside the manifest's engine
//! without removing it.

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_dynamodb::types::AttributeValue;
use devstack::manifest::Manifest;

use crate::support::{
    Run, Stack, block_on, client_from_env, codemetrics_with, per_engine, process_alive, run,
};

/// The physical name of a manifest table.
fn physical(stack: &Stack, table: &str) -> String {
    let manifest = Manifest::load(&stack.manifest(), None).unwrap();
    manifest.table(table).unwrap().physical.clone()
}

/// Items of a table, through the SDK, at the endpoint `env` gives.
fn count(env: &BTreeMap<String, String>, table: &str) -> usize {
    block_on(async {
        let client = client_from_env(env).await;
        crate::support::tables::items(&client, table).await.len()
    })
}

/// `variable=value` lines, as `env` prints them, as a map.
fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The reproduction: the project's own stack is up with an item of its own
/// in `views`; `devstack reset views` inside `run`'s CMD resets the run's
/// `views`, and a `down` there removes the run's stack, never the project's.
/// CMD carries the run's identity and none of the caller's real AWS
/// settings.
fn reset_and_down_inside_run_act_on_the_runs_stack(engine: &str, project: &str) {
    let stack = codemetrics_with(project, engine, false);
    stack.up();
    let main = stack.env();
    let views = physical(&stack, "views");
    let seeded = count(&main, &views);
    block_on(async {
        let client = client_from_env(&main).await;
        client
            .put_item()
            .table_name(&views)
            .item("pk", AttributeValue::S("VIEW#mine".into()))
            .item("sk", AttributeValue::S("DEF".into()))
            .send()
            .await
            .unwrap();
    });

    let bin = Path::new(env!("CARGO_BIN_EXE_devstack")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(stack
        .command(&[
            "run",
            "--",
            "sh",
            "-c",
            "env > cmd-env.txt && devstack reset views && devstack status --json > cmd-status.json && devstack down",
        ])
        .env("PATH", path)
        // The caller's real session: none of it may reach CMD.
        .env("AWS_SESSION_TOKEN", "real-session-token")
        .env("AWS_SECURITY_TOKEN", "real-security-token")
        .env("AWS_PROFILE", "production")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"));
    out.assert_code(0);

    let cmd_env =
        parse_env(&std::fs::read_to_string(stack.dir.path().join("cmd-env.txt")).unwrap());
    let run_project = &cmd_env["DEVSTACK_PROJECT"];
    assert!(
        run_project.starts_with(&format!(
            "{}-run-",
            &stack.project[..stack.project.len().min(40)]
        )),
        "{run_project}"
    );
    assert_eq!(cmd_env["DEVSTACK_ENGINE"], engine);
    for withheld in [
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ] {
        assert!(!cmd_env.contains_key(withheld), "{withheld} reached CMD");
    }
    assert_ne!(cmd_env["AWS_ENDPOINT_URL"], main["AWS_ENDPOINT_URL"]);
    let status: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(stack.dir.path().join("cmd-status.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(status["project"], run_project.as_str(), "{status}");
    out.assert_stderr_has(format!("at {}", cmd_env["AWS_ENDPOINT_URL"]));

    // The project's own stack: still up, its own item still there.
    assert_eq!(count(&main, &views), seeded + 1, "the main stack's items");
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["project"], stack.project.as_str());
}

per_engine!(reset_and_down_inside_run_act_on_the_runs_stack, "identity-run": embedded, ministack);

/// `devstack --project NAME …` from a folder with no manifest, as
/// `run --keep` tells the user: the stack records where it came from.
fn a_kept_run_is_reached_by_its_name_from_anywhere(engine: &str, project: &str) {
    let stack = Stack::new(
        project,
        engine,
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    let out = stack.run(&["run", "--keep", "--", "true"]);
    out.assert_code(0);
    let name = out
        .stderr
        .split("kept project `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("no kept project in {}", out.stderr))
        .to_string();
    let _cleanup = crate::support::stack::Cleanup(name.clone());
    let elsewhere = tempfile::tempdir().unwrap();
    let at = |args: &[&str]| -> Run {
        let mut command = stack.command(&[]);
        command.current_dir(elsewhere.path());
        command.args(["--project", &name]).args(args);
        run(&mut command)
    };
    for args in [
        &["status"][..],
        &["env"],
        &["tables"],
        &["scan", "orders"],
        &["query", "orders", "x"],
        &["logs", "--tail", "5"],
    ] {
        at(args).context(format!("{args:?}")).assert_code(0);
    }
    // A kept run's stack outlives its run: `gc` from a home that never saw
    // the run (its note of being kept is not there) does not take it for
    // one left behind. A dry run: the daemon holds other tests' runs too.
    let other_home = crate::support::Home::new();
    let mut gc = other_home.devstack(elsewhere.path());
    if engine == "embedded" {
        gc.env(
            "DOCKER_HOST",
            "unix:///nonexistent/devstack-test-docker.sock",
        );
    }
    let gc = run(gc.args(["--project", &stack.project, "gc", "--dry-run"]));
    gc.assert_code(0);
    gc.assert_stdout_lacks(&name);
    let env = at(&["env", "--format", "json"]);
    let env: BTreeMap<String, String> = serde_json::from_str(&env.stdout).unwrap();
    assert_eq!(count(&env, "orders"), 0);
    let down = at(&["down"]);
    down.assert_code(0);
    down.assert_stderr_lacks("nothing to remove");
    // Gone, and a name no stack has is said to be unknown.
    let again = at(&["status"]);
    again.assert_code(2);
    again.assert_stderr_has(format!("no stack of project `{name}`"));
}

per_engine!(a_kept_run_is_reached_by_its_name_from_anywhere, "identity-name": embedded, ministack);

/// A manifest naming both services, each on a free port.
fn both_engines(stack: &Stack, engine: &str) {
    stack.write_manifest(&format!(
        "engine = \"{engine}\"\nadmin = false\nready_timeout = 90\n\
         [services.embedded]\nport = 0\n[services.ministack]\nport = 0\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n"
    ));
}

/// The pid of the project's embedded engine, from `status --json`.
fn embedded_pid(status: &serde_json::Value) -> Option<u32> {
    status["services"]
        .as_array()?
        .iter()
        .find(|s| s["service"] == "embedded")?["container"]
        .as_str()?
        .strip_prefix("pid ")?
        .parse()
        .ok()
}

fn running_container(stack: &Stack) -> bool {
    let docker = crate::support::docker();
    stack.containers(&docker).iter().any(|c| c.is_running())
}

/// `--engine` runs another engine beside the manifest's: the manifest's
/// MiniStack stack, then `--engine embedded up`; the MiniStack stack is
/// left running and said so, `status` shows both, `env` gives the one asked
/// for, and `down` removes both.
#[test]
#[ignore = "needs a Docker daemon"]
fn engine_override_leaves_the_manifests_engine_running() {
    let _docker = crate::support::docker();
    let stack = Stack::new("identity-engine", "ministack", "");
    both_engines(&stack, "ministack");
    stack.up();
    let ministack = stack.env()["AWS_ENDPOINT_URL"].clone();

    let out = stack.run(&["--engine", "embedded", "up"]);
    out.assert_code(0);
    out.assert_stderr_has("left running: `ministack`");
    out.assert_stderr_lacks("removing the container");
    assert!(running_container(&stack), "the MiniStack stack runs on");

    let (_, status) = stack.status();
    let pid = embedded_pid(&status).unwrap_or_else(|| panic!("no embedded row: {status}"));
    assert!(process_alive(pid));
    assert_eq!(
        stack.env()["AWS_ENDPOINT_URL"],
        ministack,
        "the manifest's engine"
    );
    let embedded = run(&mut stack.command(&["--engine", "embedded", "env", "--format", "json"]));
    embedded.assert_code(0);
    assert!(!embedded.stdout.contains(&ministack), "{}", embedded.stdout);

    // And the other way round: the manifest's `up` leaves the embedded one.
    let out = stack.up();
    out.assert_stderr_has("left running: `embedded`");
    assert!(process_alive(pid));

    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has("stopped the embedded engine");
    down.assert_stderr_has("removed container");
    assert!(!process_alive(pid));
    assert!(!running_container(&stack));
}
