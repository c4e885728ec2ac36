//! Faults a real engine does not produce on demand, against fakes: server
//! errors without a known code, dropped connections and slow answers while
//! seeding; and faults of the machine: a Docker socket the user may not
//! use, a full disk while pulling, a daemon that goes away during `up`.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use devstack::dynamo::load::{Batch, RetryPolicy, write_batch};

use crate::support::block_on;
use crate::support::fake::{self, FakeServer};

fn batch() -> Batch {
    Batch {
        origin: "seed/orders.jsonl:26".to_string(),
        requests: (0..25)
            .map(|i| {
                let put = PutRequest::builder()
                    .item("pk", AttributeValue::S(format!("ORDER#{i}")))
                    .build()
                    .unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect(),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 5,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        budget: Duration::from_secs(30),
    }
}

/// A loading client, with an attempt deadline of `attempt` instead of 10 s
/// so a slow answer costs the test little.
fn client(url: &str, attempt: Duration) -> aws_sdk_dynamodb::Client {
    let base = devstack::dynamo::client::client(
        url,
        "us-east-1",
        devstack::dynamo::client::Profile::Loading,
    );
    let config = base
        .config()
        .to_builder()
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(attempt)
                .build(),
        )
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

const DONE: &str = r#"{"UnprocessedItems": {}}"#;

#[test]
fn server_errors_without_a_known_code_are_retried() {
    block_on(async {
        // A proxy's HTML error page, then a 500 with no error type, then done.
        let fake = FakeServer::start(|_, number| {
            Box::pin(async move {
                match number {
                    0 => (
                        503,
                        "<html><body>Service Unavailable</body></html>".to_string(),
                    ),
                    1 => (500, r#"{"message": "something broke"}"#.to_string()),
                    _ => (200, DONE.to_string()),
                }
            })
        })
        .await;
        let written = write_batch(
            &client(&fake.url, Duration::from_secs(5)),
            "orders",
            batch(),
            policy(),
        )
        .await
        .unwrap();
        assert_eq!(written, 25);
        assert_eq!(fake.operations().len(), 3, "two server errors, then done");

        // A 400 the loader does not know is the service rejecting the
        // request: final, at once, with its words.
        let fake = FakeServer::start(|_, _| {
            Box::pin(async { fake::error("SerializationException", "bad body") })
        })
        .await;
        let err = write_batch(
            &client(&fake.url, Duration::from_secs(5)),
            "orders",
            batch(),
            policy(),
        )
        .await
        .unwrap_err();
        assert_eq!(fake.operations().len(), 1);
        let shown = format!("{err:#}");
        assert!(
            shown.contains("SerializationException: bad body"),
            "{shown}"
        );
        assert!(
            shown.contains("`orders` (batch from seed/orders.jsonl:26)"),
            "{shown}"
        );

        // Server errors for ever: given up within the budget, table and batch named.
        let fake =
            FakeServer::start(|_, _| Box::pin(async { (502, "Bad Gateway".to_string()) })).await;
        let err = write_batch(
            &client(&fake.url, Duration::from_secs(5)),
            "orders",
            batch(),
            policy(),
        )
        .await
        .unwrap_err();
        assert_eq!(fake.operations().len(), 5);
        let shown = format!("{err:#}");
        assert!(
            shown.contains("BatchWriteItem to `orders` (batch from seed/orders.jsonl:26) gave up after 5 attempts"),
            "{shown}"
        );
    });
}

#[test]
fn slow_answers_are_given_up_on_and_retried() {
    block_on(async {
        // The first request is never answered; the attempt deadline is
        // 300 ms. Only a client that gives up on it and tries again gets
        // the batch written: one that waited for the answer would wait
        // for ever (cut off by the hang guard below, far above any
        // machine's pace).
        let fake = FakeServer::start(|_, number| {
            Box::pin(async move {
                if number == 0 {
                    std::future::pending::<()>().await;
                }
                (200, DONE.to_string())
            })
        })
        .await;
        let written = tokio::time::timeout(
            Duration::from_secs(60),
            write_batch(
                &client(&fake.url, Duration::from_millis(300)),
                "orders",
                batch(),
                policy(),
            ),
        )
        .await
        .expect("the write waited for an answer that never comes")
        .unwrap();
        assert_eq!(written, 25);
        assert_eq!(
            fake.operations().len(),
            2,
            "the unanswered one, then the retry"
        );
    });
}

#[test]
fn dropped_connections_are_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    block_on(async {
        // A server that hangs up on the first two connections without a
        // word, then answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let server = tokio::spawn({
            let accepted = accepted.clone();
            async move {
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else {
                        return;
                    };
                    let n = accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let mut buffer = vec![0; 64 * 1024];
                    let _ = stream.read(&mut buffer).await;
                    if n < 2 {
                        // A reset, not a clean close: linger 0 is the point
                        // here, blocking on drop does not matter.
                        #[allow(deprecated)]
                        let _ = stream.set_linger(Some(Duration::ZERO));
                        drop(stream);
                        continue;
                    }
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{DONE}",
                        DONE.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                }
            }
        });
        let written = write_batch(
            &client(&url, Duration::from_secs(5)),
            "orders",
            batch(),
            policy(),
        )
        .await
        .unwrap();
        server.abort();
        assert_eq!(written, 25);
        assert!(
            accepted.load(std::sync::atomic::Ordering::SeqCst) >= 3,
            "two dropped, then answered"
        );
    });
}

/// The whole seeding path of a command (reading the seed file, batching,
/// retrying, counting), not `write_batch` alone, behind an endpoint that
/// throttles, fails with a server error and drops a connection: `up
/// --endpoint` through a proxy in front of a real embedded engine creates
/// the table and loads every item, and each fault was met and retried.
#[test]
fn a_whole_up_behind_a_faulty_endpoint_loads_every_item() {
    use crate::support::fake::{HANG_UP, Pass};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ITEMS: usize = 200;
    let stack = crate::support::Stack::new("faulty-up", "embedded", "");
    stack.up();
    let engine = stack.env()["AWS_ENDPOINT_URL"].clone();
    // A seeded table the engine does not have yet: the `up` below, sent
    // through the proxy, creates and loads it.
    stack.add_seeded_orders(ITEMS);
    let batches = Arc::new(AtomicUsize::new(0));
    block_on(async {
        let proxy = FakeServer::faulty_proxy(&engine, {
            let batches = batches.clone();
            move |seen| {
                if seen.operation != "BatchWriteItem" {
                    return Pass::Forward;
                }
                match batches.fetch_add(1, Ordering::SeqCst) {
                    0 => {
                        let (status, body) = fake::error(
                            "ThrottlingException",
                            "Rate of requests exceeds the allowed throughput.",
                        );
                        Pass::Answer(status, body)
                    }
                    2 => Pass::Answer(500, r#"{"message":"internal"}"#.to_string()),
                    4 => Pass::Answer(HANG_UP, String::new()),
                    _ => Pass::Forward,
                }
            }
        })
        .await;
        let url = proxy.url.clone();
        let out = tokio::task::spawn_blocking({
            let mut command = stack.command(&["--endpoint", &url, "up"]);
            move || crate::support::run_within(&mut command, Duration::from_secs(300))
        })
        .await
        .unwrap();
        out.assert_code(0)
            .assert_stderr_has(format!("orders: created, {ITEMS} items"));
    });
    // Every batch went out once and the three failed ones again.
    assert_eq!(batches.load(Ordering::SeqCst), ITEMS.div_ceil(25) + 3);
    let scanned = stack.run(&["scan", "orders"]);
    scanned.assert_code(0);
    assert_eq!(scanned.stdout.lines().count(), ITEMS);
}

/// `command` as another user: as root, through `setpriv` as `nobody`
/// (65534) with no groups; otherwise as it is (the caller then takes the
/// permissions away from its own files instead). Returns whether it wraps.
fn as_nobody(command: std::process::Command) -> (std::process::Command, bool) {
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if !root {
        return (command, false);
    }
    let mut wrapped = crate::support::command("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    (wrapped, true)
}

/// Everything under `path` readable and writable by anyone: the other
/// user's home and project folder.
fn open_to_everyone(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777));
    for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            open_to_everyone(&entry.path());
        } else {
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o666));
        }
    }
}

#[test]
fn a_socket_and_a_seed_file_this_user_may_not_read_are_named_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let stack = crate::support::Stack::new(
        "perm",
        "ministack",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
    );
    std::fs::write(stack.dir.path().join("orders.jsonl"), "{\"pk\": \"a\"}\n").unwrap();
    // A socket only its owner may use: a daemon this user is not let in to.
    let socket = stack.dir.path().join("docker.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    open_to_everyone(stack.dir.path());
    open_to_everyone(stack.home.path());
    let (mut up, wrapped) = as_nobody({
        let mut command = stack.command(&["up"]);
        command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
        command
    });
    let mode = if wrapped { 0o600 } else { 0o000 };
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(mode)).unwrap();
    let out = crate::support::run(&mut up);
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "permission denied on the Docker socket `{}`",
        socket.display()
    ));
    out.assert_stderr_has("docker` group");
    // Never loosen the socket.
    out.assert_stderr_lacks("chmod");

    // A seed file it may not read: exit 2, naming the file and the manifest line.
    std::fs::set_permissions(
        stack.dir.path().join("orders.jsonl"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let (mut validate, _) = as_nobody(stack.command(&["validate"]));
    let out = crate::support::run(&mut validate);
    out.assert_code(2);
    out.assert_stderr_has("seed file `orders.jsonl` cannot be read");
    out.assert_stderr_has("devstack.toml:");
}
