//! `kill -9` at every phase: devstack is killed with SIGKILL while `up`
//! pulls, creates containers (or starts the embedded engine), waits for
//! readiness, creates tables and seeds them, and while `reset` and `run`
//! work; then `up` converges to the same final state as an uninterrupted
//! run (every table as declared, every seed item, nothing more), and
//! `down --volumes` leaves nothing (by label, and by process and files).

use std::time::Duration;

use crate::support::fake_docker::{HANG, fake_docker};
use crate::support::{
    Stack, Watched, assert_nothing_left, block_on, codemetrics_with, per_engine, processes_naming,
};

/// Runs devstack and kills it with SIGKILL at the first progress line that
/// contains `marker`. Panics if it ends before.
fn kill_at(stack: &Stack, args: &[&str], marker: &str) {
    let mut watched = Watched::spawn(stack.command(args));
    watched.until(marker, MARKER_WITHIN);
    watched.signal("-9");
    let out = watched.wait(Duration::from_secs(10));
    assert_eq!(out.signal, Some(9), "killed at `{marker}`:\n{}", out.stderr);
}

/// The most any phase may take to begin: a cold DynamoDB Local on a busy
/// machine takes seconds, not minutes.
const MARKER_WITHIN: Duration = Duration::from_secs(120);

fn kill_9_at_every_phase_then_up_converges_and_down_leaves_nothing(engine: &str, test: &str) {
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
        stack.assert_converges(&format!("kill -9 at `{marker}` of up"));
        stack.assert_down_leaves_nothing();
    }
    // `reset` cut off while deleting, creating and loading.
    stack.up();
    for marker in [
        "github-issues: deleting",
        "github-issues: creating",
        "github-issues: loading seed data",
    ] {
        kill_at(&stack, &["reset"], marker);
        stack.assert_converges(&format!("kill -9 at `{marker}` of reset"));
    }
    stack.assert_down_leaves_nothing();
    // `run` cut off while seeding: `gc` removes its stack.
    kill_at(
        &stack,
        &["run", "--", "true"],
        "github-issues: loading seed data",
    );
    let gc = stack.run(&["--project", &stack.project, "gc"]);
    gc.assert_code(0);
    gc.assert_stdout_has("removed run `");
    let project = gc.stdout.split('`').nth(1).unwrap().to_string();
    if engine != "embedded" {
        assert_nothing_left(&project);
    }
    let state = stack.home.path().join("state/devstack");
    assert!(processes_naming(&state.to_string_lossy()).is_empty());
}

per_engine!(
    kill_9_at_every_phase_then_up_converges_and_down_leaves_nothing,
    "kill": dynamodb_local, ministack, embedded
);

/// Killed while pulling (from a Docker API whose pull hangs): nothing was
/// made, and `up` against the real daemon converges.
fn kill_9_while_pulling_then_up_converges(engine: &str, test: &str) {
    let stack = codemetrics_with(test, engine, false);
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = fake_docker(&socket, HANG).await;
        let said = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || {
                let mut watched = Watched::spawn(command);
                watched.until(": pulling ", MARKER_WITHIN);
                watched.signal("-9");
                watched.wait(Duration::from_secs(10)).stderr
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
    stack.assert_converges("kill -9 while pulling");
    stack.assert_down_leaves_nothing();
}

per_engine!(kill_9_while_pulling_then_up_converges, "kill-pull": dynamodb_local, ministack);
