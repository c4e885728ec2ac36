//! Outages while `up` works, each with a bounded time to a clear error
//! and an `up` afterwards that converges: the engine's container killed,
//! paused or removed while the tables are made and seeded, the Docker
//! daemon going away or falling silent in the middle of `up`, and a data
//! volume that is read-only or fills up.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    Run, Stack, Watched, codemetrics_with, docker, docker_cli, pause, per_engine,
};

/// The most any outage may take to be reported.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs devstack; at the first progress line containing `marker` calls
/// `act`, then waits (at most [`DEADLINE`]) for devstack to end. Returns
/// how it ended and everything it said.
fn act_at(command: Command, marker: &str, act: impl FnOnce()) -> Run {
    let mut watched = Watched::spawn(command);
    watched.until(marker, DEADLINE);
    act();
    watched.wait(DEADLINE)
}

/// The CodeMetrics tables plus one with 20,000 items, so seeding takes
/// long enough to be cut into.
fn with_bulk_table(test: &str, engine: &str) -> Stack {
    let stack = codemetrics_with(test, engine, false);
    let mut items = String::new();
    for i in 0..20_000 {
        items.push_str(&format!(
            "{{\"pk\": \"item-{i:05}\", \"body\": \"{}\"}}\n",
            "x".repeat(200)
        ));
    }
    std::fs::write(stack.dir.path().join("seed/bulk.jsonl"), items).unwrap();
    let manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    let bulk =
        "\n[[table]]\nname = \"bulk\"\npartition_key = \"pk:S\"\nseed = [\"seed/bulk.jsonl\"]\n";
    // Tables go before the `[services.*]` tables `codemetrics_with` appended.
    let (head, services) = manifest.split_at(manifest.find("\n[services.").unwrap());
    std::fs::write(stack.manifest(), format!("{head}{bulk}{services}")).unwrap();
    stack
}

fn engine_container(stack: &Stack, engine: &str) -> String {
    format!("devstack-{}-{engine}", stack.project)
}

fn killed_paused_or_removed_while_tables_are_made_then_up_converges(engine: &str, test: &str) {
    let stack = with_bulk_table(test, engine);
    let container = engine_container(&stack, engine);
    // `ready in`: the engine answers and the tables are being made;
    // `bulk: loading seed data`: 20,000 items are being written.
    for (marker, action, says) in [
        (
            format!("{engine}: ready in"),
            "kill",
            "stopped while devstack worked on the tables",
        ),
        (
            "bulk: loading seed data".to_string(),
            "kill",
            "stopped while devstack worked on the tables",
        ),
        (
            format!("{engine}: ready in"),
            "pause",
            "was paused while devstack worked on the tables",
        ),
        (
            "bulk: loading seed data".to_string(),
            "pause",
            "was paused while devstack worked on the tables",
        ),
        (
            "bulk: loading seed data".to_string(),
            "rm",
            "was removed while devstack worked on the tables",
        ),
    ] {
        // A pause the kernel took only after some tries may come after
        // `up` has finished: that round proved nothing, so it runs again.
        let mut rounds = 0;
        let out = loop {
            rounds += 1;
            let mut tries = 1;
            let out = act_at(stack.command(&["up"]), &marker, || match action {
                "pause" => tries = pause(&container, DEADLINE).unwrap(),
                "rm" => docker_cli(&["rm", "--force", &container]),
                _ => docker_cli(&[action, &container]),
            });
            if out.code == 0 && tries > 1 && rounds < 3 {
                eprintln!("{engine}: the pause took {tries} tries, after `up` ended; again");
                stack.assert_down_leaves_nothing();
                continue;
            }
            break out.context(format!("{action} at `{marker}`"));
        };
        out.assert_code(1);
        out.assert_stderr_has(says);
        out.assert_stderr_has("run `devstack up` again");
        stack.assert_converges(&format!("{action} at `{marker}`"));
        // Start the next round from nothing, so the engine is started anew.
        stack.assert_down_leaves_nothing();
    }
}

per_engine!(
    killed_paused_or_removed_while_tables_are_made_then_up_converges,
    "outage": dynamodb_local, ministack
);

/// What the daemon does once the proxy in front of it is cut.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cut {
    /// Answers as usual.
    No,
    /// Gone: every connection closed, the socket removed.
    Gone,
    /// Silent: connections stay open, nothing is answered.
    Silent,
}

/// A byte-for-byte proxy on a Unix socket in front of the real daemon, cut
/// on demand.
struct DockerProxy {
    socket: PathBuf,
    cut: tokio::sync::watch::Sender<Cut>,
    runtime: tokio::runtime::Runtime,
}

/// Waits until the proxy is cut as `wanted` says (or the sender is gone).
async fn until(cuts: &mut tokio::sync::watch::Receiver<Cut>, wanted: fn(Cut) -> bool) {
    let _ = cuts.wait_for(|c| wanted(*c)).await.map(|_| ());
}

/// The socket of the daemon the tests use (see `support::docker`).
fn daemon_socket() -> PathBuf {
    let host = devstack::stack::docker::DEFAULT_HOST;
    PathBuf::from(host.strip_prefix("unix://").unwrap_or(host))
}

impl DockerProxy {
    fn start(dir: &Path) -> DockerProxy {
        let socket = dir.join("docker-proxy.sock");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (cut, cuts) = tokio::sync::watch::channel(Cut::No);
        let listener = {
            let _entered = runtime.enter();
            tokio::net::UnixListener::bind(&socket).unwrap()
        };
        let upstream = daemon_socket();
        let path = socket.clone();
        runtime.spawn(async move {
            let mut cuts_here = cuts.clone();
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = until(&mut cuts_here, |c| c == Cut::Gone) => break,
                };
                let Ok((mut client, _)) = accepted else { break };
                let upstream = upstream.clone();
                let mut cuts = cuts.clone();
                tokio::spawn(async move {
                    let now = *cuts.borrow();
                    if now != Cut::No {
                        // Silent: hold the connection, answer nothing.
                        until(&mut cuts, |c| c == Cut::Gone).await;
                        return;
                    }
                    let Ok(mut daemon) = tokio::net::UnixStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut daemon) => {}
                        _ = until(&mut cuts, |c| c != Cut::No) => {
                            // Silent holds both ends until the proxy goes.
                            until(&mut cuts, |c| c == Cut::Gone).await;
                        }
                    }
                });
            }
            drop(listener);
            let _ = std::fs::remove_file(&path);
        });
        DockerProxy {
            socket,
            cut,
            runtime,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    fn cut(&self, how: Cut) {
        let _ = self.cut.send(how);
    }
}

impl Drop for DockerProxy {
    fn drop(&mut self) {
        self.cut(Cut::Gone);
        // Let the proxy's tasks see it before the runtime goes.
        self.runtime
            .block_on(async { tokio::time::sleep(Duration::from_millis(50)).await });
    }
}

#[test]
#[ignore = "needs a Docker daemon"]
fn the_daemon_going_away_or_falling_silent_mid_up_is_reported_then_up_converges() {
    let _docker = docker();
    let stack = codemetrics_with("outage-daemon", "dynamodb-local", false);
    for (marker, how, says) in [
        (
            "creating the container",
            Cut::Gone,
            "docker-proxy.sock` stopped answering",
        ),
        (
            "waiting until usable",
            Cut::Gone,
            "docker-proxy.sock` stopped answering",
        ),
        (
            "waiting until usable",
            Cut::Silent,
            "docker-proxy.sock` stopped answering",
        ),
    ] {
        let proxy = DockerProxy::start(stack.dir.path());
        let mut command = stack.command(&["up"]);
        command.env("DOCKER_HOST", proxy.host());
        let started = Instant::now();
        let out =
            act_at(command, marker, || proxy.cut(how)).context(format!("{how:?} at `{marker}`"));
        out.assert_code(1);
        out.assert_stderr_has(says);
        eprintln!(
            "{how:?} at `{marker}`: reported after {:?}:\n{}",
            started.elapsed(),
            out.stderr
        );
        drop(proxy);
        stack.assert_converges(&format!("the daemon {how:?} at `{marker}`"));
        stack.assert_down_leaves_nothing();
    }
}

/// A data volume with devstack's labels, so devstack takes it for the one
/// it would make, on a tmpfs mounted with `options`.
fn tmpfs_volume(stack: &Stack, service: &str, options: &str) {
    let labels = [
        format!("dev.devstack.project={}", stack.project),
        format!("dev.devstack.service={service}"),
    ];
    docker_cli(&[
        "volume",
        "create",
        "--label",
        &labels[0],
        "--label",
        &labels[1],
        "--driver",
        "local",
        "--opt",
        "type=tmpfs",
        "--opt",
        "device=tmpfs",
        "--opt",
        &format!("o={options}"),
        &format!("devstack-{}-{service}-data", stack.project),
    ]);
}

fn a_read_only_data_volume_is_reported_at_once(engine: &str, test: &str) {
    let stack = Stack::new(
        test,
        engine,
        "persist = true\n\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    tmpfs_volume(&stack, engine, "ro");
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "`{engine}`: its data volume `devstack-{}-{engine}-data`",
        stack.project
    ));
    out.assert_stderr_has("is not writable: ");
    out.assert_stderr_has("Read-only file system");
    out.assert_stderr_has("devstack down --volumes");
    // The hint works: a fresh volume, and `up` converges.
    let down = stack.run(&["down", "--volumes"]);
    down.assert_code(0);
    let up = stack.up();
    up.assert_stderr_has("orders: created");
    stack.assert_down_leaves_nothing();
}

per_engine!(a_read_only_data_volume_is_reported_at_once, "volume-ro": dynamodb_local, ministack);

#[test]
#[ignore = "needs a Docker daemon"]
fn a_data_volume_that_fills_up_while_seeding_is_named_as_the_cause() {
    let _docker = docker();
    let stack = with_bulk_table("volume-full", "dynamodb-local");
    let manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    std::fs::write(
        stack.manifest(),
        manifest.replace("persist = false", "persist = true"),
    )
    .unwrap();
    // 2 MiB: the CodeMetrics tables fit, the 20,000 bulk items do not.
    tmpfs_volume(&stack, "dynamodb-local", "size=2m");
    let out = stack.run(&["up"]);
    out.assert_code(1);
    let volume = format!("devstack-{}-dynamodb-local-data", stack.project);
    out.assert_stderr_has(format!(
        "error: `dynamodb-local`: its data volume `{volume}` (at /home/dynamodblocal/data) is full: "
    ));
    out.assert_stderr_has(
        "caused by: BatchWriteItem to `CodeMetrics_bulk` (batch from seed/bulk.jsonl:",
    );
    // The next `up` says so before it writes anything.
    let again = stack.run(&["up"]);
    again.assert_code(1);
    again.assert_stderr_has("is full: ");
    let down = stack.run(&["down", "--volumes"]);
    down.assert_code(0);
    stack.assert_converges("a full volume was replaced");
    stack.assert_down_leaves_nothing();
}
