//! The Docker daemon, asked through devstack's own client where a test
//! needs one, and through the `docker` command line where a test checks
//! devstack's work (what is left, a paused container), so the code under
//! test does not check itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use devstack::stack::docker::{DaemonAddress, Docker};

use super::{block_on, command, run};

/// The daemon the tests use: the default socket, whatever `DOCKER_HOST`,
/// `DOCKER_CONTEXT` or `DOCKER_CONFIG` the tests were started with, as for
/// every command they run (see `support::command`). Tests that need one are `#[ignore = "needs a
/// Docker daemon"]`, so they run only when asked (`scripts/test.sh` asks),
/// and then a missing daemon is a failure.
pub async fn connect_docker() -> Docker {
    match Docker::connect_to(DaemonAddress::default_socket(), Duration::from_secs(5)).await {
        Ok(docker) => docker,
        Err(err) => panic!("this test needs a Docker daemon: {err}"),
    }
}

/// The daemon the tests use, if one answers within a second: for clean-up
/// after tests that may have made no Docker object at all.
pub async fn docker_if_there() -> Option<Docker> {
    Docker::connect_to(DaemonAddress::default_socket(), Duration::from_secs(1))
        .await
        .ok()
}

/// The daemon; see `connect_docker`.
pub fn docker() -> Docker {
    block_on(connect_docker())
}

/// `docker ARGS`, which must succeed.
#[track_caller]
pub fn docker_cli(args: &[&str]) {
    run(command("docker").args(args)).assert_code(0);
}

/// `docker pause container`, tried again while the kernel cannot freeze it
/// yet. Under cgroup v1 a container whose processes keep starting threads
/// (any engine under load) can stay in FREEZING; runc then thaws it and
/// gives up with "unable to freeze", and a later try usually takes.
/// Returns how many tries it took, or the last error after `deadline`.
pub fn pause(container: &str, deadline: Duration) -> Result<u32, String> {
    let started = std::time::Instant::now();
    let mut tries = 0;
    loop {
        tries += 1;
        let out = run(command("docker").args(["pause", container]));
        if out.code == 0 {
            return Ok(tries);
        }
        if !out.stderr.contains("unable to freeze") || started.elapsed() > deadline {
            return Err(format!(
                "docker pause {container} (try {tries}): {}",
                out.stderr
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Fails the test if any container, network or volume of the project is
/// left, found by its name or by its label, whichever it has: asked of the
/// `docker` command line, not of the code under test.
pub fn assert_nothing_left(project: &str) {
    let left = leftovers(project);
    assert!(left.is_empty(), "objects left behind: {left:?}");
}

/// Every container, network and volume named for `project` or labelled
/// with it, as `kind name`.
pub fn leftovers(project: &str) -> Vec<String> {
    objects(project, false)
}

/// Every container, network and volume named for `project` that does not
/// carry its label, as `kind name`: what devstack could never find again.
pub fn unlabelled(project: &str) -> Vec<String> {
    objects(project, true)
}

/// The project's objects as the `docker` command line lists them: those
/// named for it or labelled with it, or only those named for it without
/// the label.
fn objects(project: &str, unlabelled_only: bool) -> Vec<String> {
    let prefix = format!("devstack-{project}");
    let mut found = Vec::new();
    for (kind, args) in [
        ("container", &["ps", "-a", "--format"][..]),
        ("network", &["network", "ls", "--format"][..]),
        ("volume", &["volume", "ls", "--format"][..]),
    ] {
        let name = if kind == "container" {
            ".Names"
        } else {
            ".Name"
        };
        let format = format!("{{{{{name}}}}}\t{{{{.Label \"dev.devstack.project\"}}}}");
        let out = run(command("docker").args(args).arg(format));
        out.assert_code(0);
        for line in out.stdout.lines() {
            let (name, label) = line.split_once('\t').unwrap_or((line, ""));
            let named = name == prefix || name.starts_with(&format!("{prefix}-"));
            let labelled = label == project;
            if (named && !labelled) || (!unlabelled_only && labelled) {
                found.push(format!("{kind} {name}"));
            }
        }
    }
    found
}

/// Makes `name` the current context in the docker CLI's config folder
/// `config` (`DOCKER_CONFIG`, `~/.docker` by default), as `docker context
/// use` writes it, whether the context exists or not.
pub fn use_context(config: &Path, name: &str) {
    std::fs::create_dir_all(config).unwrap();
    let text = serde_json::json!({"auths": {}, "currentContext": name});
    std::fs::write(config.join("config.json"), text.to_string()).unwrap();
}

/// Where the docker CLI keeps the context `name` in its config folder
/// `config`: `contexts/meta/<SHA-256 of the name, in hex>/meta.json`.
pub fn context_meta(config: &Path, name: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let id: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    config.join("contexts/meta").join(id).join("meta.json")
}

/// The context `name` at `host` in the docker CLI's config folder
/// `config`, as `docker context create NAME --docker host=HOST` writes it;
/// returns its `meta.json`.
pub fn create_context(config: &Path, name: &str, host: &str) -> PathBuf {
    let meta = context_meta(config, name);
    std::fs::create_dir_all(meta.parent().unwrap()).unwrap();
    let text = serde_json::json!({
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
    });
    std::fs::write(&meta, text.to_string()).unwrap();
    meta
}
