//! `kill -9` at every phase: devstack is killed with SIGKILL while `up`
//! pulls, creates containers (or starts the embedded engine), waits for
//! readiness, creates tables and seeds them, and while `reset` and `run`
//! work; then `up` converges to the same final state as an uninterrupted
//! run (every table as declared, every seed item, nothing more), and
//! `down --volumes` leaves nothing (by label, and by process and files).

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use devstack::manifest::Manifest;

use crate::support::{
    Stack, Watched, assert_nothing_left, block_on, client_from_env, docker, processes_naming,
};
use crate::tables::{assert_matches_manifest, codemetrics_with};

/// Runs devstack and kills it with SIGKILL at the first progress line that
/// contains `marker`; returns what it said. Panics if it ends before.
fn kill_at(stack: &Stack, args: &[&str], marker: &str) -> String {
    let mut watched = Watched::spawn(stack.command(args));
    watched.until(marker, MARKER_WITHIN);
    watched.signal("-9");
    let (status, said) = watched.wait(Duration::from_secs(10));
    assert_eq!(status.signal(), Some(9), "killed at `{marker}`:\n{said}");
    said
}

/// The most any phase may take to begin: a cold DynamoDB Local on a busy
/// machine takes seconds, not minutes.
const MARKER_WITHIN: Duration = Duration::from_secs(120);

/// `up` converges: every table exactly as the manifest and its seeds say.
pub fn assert_converges(stack: &Stack, after: &str) {
    let out = stack.run(&["up"]);
    assert_eq!(out.code, 0, "up after kill -9 {after}:\n{}", out.stderr);
    let manifest = Manifest::load(&stack.manifest(), None).unwrap();
    let env = stack.env();
    block_on(async {
        let client = client_from_env(&env).await;
        for table in &manifest.tables {
            assert_matches_manifest(&client, &manifest, &table.name).await;
        }
    });
    let again = stack.up();
    assert!(
        again.stderr.contains("already up"),
        "a second up after kill -9 {after} changes nothing:\n{}",
        again.stderr
    );
}

/// `down --volumes` leaves nothing: no Docker object, no engine, no file.
pub fn assert_down_leaves_nothing(stack: &Stack) {
    let out = stack.run(&["down", "--volumes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    if stack.engine != "embedded" {
        assert_nothing_left(&stack.project);
    }
    let state = stack.home.path().join("state/devstack");
    let left = processes_naming(&state.to_string_lossy());
    let described: Vec<String> = left
        .iter()
        .map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            format!(
                "{pid}: {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            )
        })
        .collect();
    assert!(
        left.is_empty(),
        "no engine process: {described:?}\n{}",
        out.stderr
    );
    let record = stack.engine_dir().join("engine.json");
    assert!(!record.exists(), "no engine record");
}

fn every_phase(engine: &str, test: &str) {
    let stack = codemetrics_with(test, engine, false);
    let start_marker = if engine == "embedded" {
        "embedded: starting the engine"
    } else {
        "creating the container"
    };
    for marker in [
        start_marker,
        "waiting until usable",
        "github-issues: creating",
        "github-issues: loading seed data",
    ] {
        kill_at(&stack, &["up"], marker);
        assert_converges(&stack, &format!("at `{marker}` of up"));
        assert_down_leaves_nothing(&stack);
    }
    // `reset` cut off while deleting, creating and loading.
    stack.up();
    for marker in [
        "github-issues: deleting",
        "github-issues: creating",
        "github-issues: loading seed data",
    ] {
        kill_at(&stack, &["reset"], marker);
        assert_converges(&stack, &format!("at `{marker}` of reset"));
    }
    assert_down_leaves_nothing(&stack);
    // `run` cut off while seeding: `gc` removes its stack.
    kill_at(
        &stack,
        &["run", "--", "true"],
        "github-issues: loading seed data",
    );
    let gc = stack.run(&["gc"]);
    assert_eq!(gc.code, 0, "{}", gc.stderr);
    assert!(gc.stdout.contains("removed run `"), "{}", gc.stdout);
    let project = gc.stdout.split('`').nth(1).unwrap().to_string();
    if engine != "embedded" {
        assert_nothing_left(&project);
    }
    let state = stack.home.path().join("state/devstack");
    assert!(processes_naming(&state.to_string_lossy()).is_empty());
}

#[test]
fn embedded_kill_9_at_every_phase_then_up_converges_and_down_leaves_nothing() {
    every_phase("embedded", "kill-emb");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn dynamodb_local_kill_9_at_every_phase_then_up_converges_and_down_leaves_nothing() {
    let _docker = docker();
    every_phase("dynamodb-local", "kill-ddb");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn ministack_kill_9_at_every_phase_then_up_converges_and_down_leaves_nothing() {
    let _docker = docker();
    every_phase("ministack", "kill-ms");
}

/// Killed while pulling (from a Docker API whose pull hangs): nothing was
/// made, and `up` against the real daemon converges.
fn while_pulling(engine: &str, test: &str) {
    let stack = codemetrics_with(test, engine, false);
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = crate::pull::fake_docker(&socket, crate::pull::HANG).await;
        let said = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || {
                let mut watched = Watched::spawn(command);
                watched.until(": pulling ", MARKER_WITHIN);
                watched.signal("-9");
                watched.wait(Duration::from_secs(10)).1
            }
        })
        .await
        .unwrap();
        server.abort();
        let seen = seen.lock().unwrap().clone();
        assert!(
            !seen.iter().any(|r| r.contains("/containers/create")),
            "nothing made while pulling: {seen:?}\n{said}"
        );
    });
    assert_converges(&stack, "while pulling");
    assert_down_leaves_nothing(&stack);
}

#[test]
#[ignore = "needs a Docker daemon"]
fn dynamodb_local_kill_9_while_pulling_then_up_converges() {
    let _docker = docker();
    while_pulling("dynamodb-local", "kill-pull-ddb");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn ministack_kill_9_while_pulling_then_up_converges() {
    let _docker = docker();
    while_pulling("ministack", "kill-pull-ms");
}
