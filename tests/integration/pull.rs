//! Images that cannot be pulled, against a small fake Docker API on a Unix
//! socket: devstack says which image, the registry's words and what to do,
//! and creates nothing.

use std::time::{Duration, Instant};

use crate::support::fake_docker::{HANG, fake_docker};
use crate::support::{Stack, Watched, block_on};

fn pull_fails(registry_says: &'static str, expect: &str) {
    let stack = Stack::new("pull", "ministack", "");
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = fake_docker(&socket, registry_says).await;
        let out = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || crate::support::run(&mut command)
        })
        .await
        .unwrap();
        server.abort();
        out.assert_code(1);
        out.assert_stderr_has("cannot pull image `ministackorg/ministack:1.5.33`");
        out.assert_stderr_has(expect);
        // The registry's own words.
        out.assert_stderr_has(registry_says);
        out.assert_stderr_has("hint:");
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter().any(|r| r.contains("/images/create")),
            "{seen:?}"
        );
        assert!(
            !seen
                .iter()
                .any(|r| r.contains("/containers/create") || r.contains("/networks/create")),
            "nothing is created when an image is missing: {seen:?}"
        );
    });
}

#[test]
fn a_rate_limited_pull_says_so_and_creates_nothing() {
    pull_fails(
        "toomanyrequests: You have reached your pull rate limit.",
        "the registry's rate limit was hit",
    );
}

#[test]
fn a_pull_of_an_unknown_image_says_so_and_creates_nothing() {
    pull_fails(
        "manifest for ministackorg/ministack:1.5.33 not found: manifest unknown",
        "no such image or tag",
    );
}

#[test]
fn an_offline_pull_says_so_and_creates_nothing() {
    pull_fails(
        "Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io: no such host",
        "the registry cannot be reached",
    );
}

#[test]
fn a_pull_onto_a_full_disk_says_so_and_creates_nothing() {
    pull_fails(
        "write /var/lib/docker/tmp/GetImageBlob123: no space left on device",
        "the disk is full",
    );
}

#[test]
fn ctrl_c_during_a_pull_exits_130_and_creates_nothing() {
    let stack = Stack::new("pull-int", "ministack", "");
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = fake_docker(&socket, HANG).await;
        let pulling = seen.clone();
        let out = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || {
                let mut watched = Watched::spawn(command);
                watched.until(
                    "pulling ministackorg/ministack:1.5.33",
                    Duration::from_secs(60),
                );
                // The line is printed as the request is sent: Ctrl-C once
                // the daemon has it, so the pull is truly under way.
                let deadline = Instant::now() + Duration::from_secs(10);
                while !pulling
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|r| r.contains("/images/create"))
                {
                    assert!(
                        Instant::now() < deadline,
                        "no pull request:\n{}",
                        watched.said()
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
                watched.signal("-INT");
                watched.wait(Duration::from_secs(30))
            }
        })
        .await
        .unwrap();
        server.abort();
        out.assert_code(130);
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter().any(|r| r.contains("/images/create")),
            "{seen:?}"
        );
        assert!(
            !seen
                .iter()
                .any(|r| r.contains("/containers/create") || r.contains("/networks/create")),
            "nothing is created: {seen:?}"
        );
    });
}
