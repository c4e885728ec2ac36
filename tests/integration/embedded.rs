//! The embedded engine's own life, end to end and without Docker (every
//! command here runs with `DOCKER_HOST` pointing at a socket that does not
//! exist): up, status, env, a second up, down; a stale record; a killed
//! engine; a taken port; two `up`s at once; persistence; TTL expiry; an
//! engine that cannot start; `--engine` over a manifest written for
//! MiniStack.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{
    Run, Stack, Watched, block_on, client_from_env, engine_pid, process_alive, processes_naming,
    run, send_signal, table_names,
};

/// The project's engine processes: found by their state folder.
fn engines(stack: &Stack) -> Vec<u32> {
    processes_naming(&stack.engine_dir().to_string_lossy())
}

fn status_row(status: &serde_json::Value) -> serde_json::Value {
    status["services"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["service"] == "embedded"))
        .cloned()
        .unwrap_or_else(|| panic!("no embedded row in {status}"))
}

/// Kills a process outright, as `kill -9` does.
fn kill_9(pid: u32) {
    let out = send_signal(pid, "-9");
    out.assert_code(0);
    let started = Instant::now();
    while process_alive(pid) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{pid} lives on"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn embedded_up_status_env_up_again_down_without_docker() {
    let stack = Stack::new(
        "emb-life",
        "embedded",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    let first = stack.up();
    first.assert_stderr_has("embedded: starting the engine (in memory)");
    first.assert_stderr_has("orders: created");
    let pids = engines(&stack);
    assert_eq!(pids.len(), 1, "one engine process: {pids:?}");

    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
    let row = status_row(&status);
    assert_eq!(row["state"], "running", "{row}");
    assert_eq!(row["health"], "ready", "{row}");
    assert_eq!(row["container"], format!("pid {}", pids[0]));
    assert_eq!(status["tables"][0]["status"], "ACTIVE", "{status}");

    // An SDK client configured only from `devstack env` sees the table.
    let env = stack.env();
    assert!(
        env["AWS_ENDPOINT_URL"].starts_with("http://127.0.0.1:"),
        "{env:?}"
    );
    let names = table_names(&env);
    // Beside it, devstack's own table of notes.
    assert_eq!(names, ["_devstack", "orders"]);

    // A second `up` changes nothing: the same process, "already up".
    let again = stack.up();
    again.assert_stderr_has("already up");
    again.assert_stderr_has("orders: unchanged");
    assert_eq!(engines(&stack), pids);

    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has(format!("stopped the embedded engine (pid {}", pids[0]));
    assert!(engines(&stack).is_empty(), "the engine is gone");
    assert!(
        !stack.engine_dir().join("engine.json").exists(),
        "its record is gone"
    );
    let again = stack.run(&["down"]);
    again.assert_code(0);
    again.assert_stderr_has("nothing to remove");
    let (code, status) = stack.status();
    assert_eq!(code, 1, "{status}");
    assert_eq!(status_row(&status)["state"], "missing");
}

#[test]
fn a_stale_record_is_detected_and_never_acted_on() {
    let stack = Stack::new("emb-stale", "embedded", "");
    // A record naming a live process that is not the engine (its pid may
    // have been reused), and no engine holding the lock.
    let mut bystander = crate::support::command("sleep").arg("60").spawn().unwrap();
    let dir = stack.engine_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("engine.lock"), "").unwrap();
    std::fs::write(
        dir.join("engine.json"),
        serde_json::json!({
            "pid": bystander.id(),
            "bind": "127.0.0.1",
            "port": 1,
            "config": "old",
            "database": "memory",
        })
        .to_string(),
    )
    .unwrap();

    let (code, status) = stack.status();
    assert_eq!(code, 1, "{status}");
    assert_eq!(status_row(&status)["state"], "missing", "{status}");
    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has("nothing to remove");
    assert!(
        process_alive(bystander.id()),
        "the process the stale record names was left alone"
    );
    stack.up();
    assert_eq!(engines(&stack).len(), 1);
    let _ = bystander.kill();
    let _ = bystander.wait();
}

/// What a `kill -9` of `up` right after it started the engine can leave: a
/// second engine process, still waiting for the lock while another engine
/// holds it. When it gets the lock, it must give up rather than serve on
/// as a leftover, since the last start asked for another engine.
///
/// The lock is held by the test itself, and let go as soon as the late
/// engine runs, so no other command's pace decides whether the late engine
/// gets it within its wait. Should a very slow machine still make it give
/// up waiting first (it says so, and has not served either), the scenario
/// is run again.
#[test]
fn an_engine_left_waiting_for_the_lock_never_takes_over() {
    let stack = Stack::new("emb-waiting", "embedded", "");
    stack.up();
    stack.run(&["down"]).assert_code(0);
    let dir = stack.engine_dir();
    for _attempt in 0..5 {
        std::fs::create_dir_all(&dir).unwrap();
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("engine.lock"))
            .unwrap();
        lock.lock().unwrap();
        let mut late = stack
            .command(&[
                "serve-engine",
                "--dir",
                &dir.to_string_lossy(),
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--config",
                "late",
                "--ticket",
                "late",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A bound that only catches an engine that never runs.
        let deadline = Instant::now() + Duration::from_secs(60);
        while engines(&stack).is_empty() {
            assert!(Instant::now() < deadline, "the late engine never started");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(lock);
        let ended = crate::support::wait_within(&mut late, Duration::from_secs(60));
        let said = std::io::read_to_string(late.stderr.take().unwrap()).unwrap();
        assert!(engines(&stack).is_empty(), "{:?}", engines(&stack));
        assert!(!dir.join("engine.json").exists(), "no engine record");
        if said.contains("another embedded engine of this project is running") {
            eprintln!("the late engine gave up waiting before the lock was let go; again");
            continue;
        }
        assert!(ended.success(), "{ended}: {said}");
        assert!(
            said.contains("not started: another engine was started"),
            "{said}"
        );
        return;
    }
    panic!("the late engine never got the lock within its wait, in 5 tries");
}

#[test]
fn a_killed_engine_is_found_stopped_and_the_next_up_starts_it_again() {
    let stack = Stack::new(
        "emb-killed",
        "embedded",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
    );
    std::fs::write(
        stack.dir.path().join("orders.jsonl"),
        "{\"pk\": \"a\"}\n{\"pk\": \"b\"}\n",
    )
    .unwrap();
    stack.up();
    kill_9(engine_pid(&stack.engine_dir()).unwrap());

    let (code, status) = stack.status();
    assert_eq!(code, 1, "{status}");
    assert_eq!(status_row(&status)["state"], "missing", "{status}");
    let out = stack.up();
    out.assert_stderr_has("embedded: starting the engine");
    // An engine in memory starts empty, and is seeded again.
    out.assert_stderr_has("orders: created, 2 items");
    assert_eq!(engines(&stack).len(), 1);
}

#[test]
fn a_taken_port_fails_before_anything_starts() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let stack = Stack::new("emb-port", "embedded", "");
    stack.write_manifest(&format!(
        "engine = \"embedded\"\n[services.embedded]\nport = {port}\n"
    ));
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!("port {port} on 127.0.0.1 is already in use"));
    assert!(engines(&stack).is_empty(), "no engine started");
    assert!(!stack.engine_dir().join("engine.json").exists());
}

#[test]
fn two_ups_at_once_start_one_engine() {
    let stack = Stack::new(
        "emb-twice",
        "embedded",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
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
    assert_eq!(engines(&stack).len(), 1, "one engine");
    let said = format!("{}{}", a.stderr, b.stderr);
    assert_eq!(said.matches("starting the engine").count(), 1, "{said}");
    assert_eq!(said.matches("orders: created").count(), 1, "{said}");
    assert!(said.contains("already up"), "{said}");
}

#[test]
fn a_persistent_engine_keeps_its_data_across_down_and_up_until_down_volumes() {
    let stack = Stack::new(
        "emb-persist",
        "embedded",
        "persist = true\n\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    stack.up();
    let env = stack.env();
    let put = || {
        block_on(async {
            let client = client_from_env(&env).await;
            client
                .put_item()
                .table_name("orders")
                .item(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S("kept".into()),
                )
                .send()
                .await
                .unwrap();
        })
    };
    let count = |stack: &Stack| {
        let env = stack.env();
        block_on(async {
            let client = client_from_env(&env).await;
            client
                .scan()
                .table_name("orders")
                .send()
                .await
                .unwrap()
                .count()
        })
    };
    put();
    let database = stack.home.path().join(format!(
        "data/devstack/projects/{}/embedded.sqlite",
        stack.project
    ));
    assert!(database.is_file(), "{}", database.display());

    // A crash loses nothing that was written: SQLite writes through.
    kill_9(engine_pid(&stack.engine_dir()).unwrap());
    stack.up();
    assert_eq!(count(&stack), 1, "the item survived kill -9 and up");

    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has("kept the database file");
    let out = stack.up();
    out.assert_stderr_has("orders: unchanged");
    assert_eq!(count(&stack), 1, "the item survived down and up");

    let down = stack.run(&["down", "--volumes"]);
    down.assert_code(0);
    down.assert_stderr_has(format!("removed the database `{}`", database.display()));
    assert!(!database.exists());
    assert!(engines(&stack).is_empty());
    stack.up();
    assert_eq!(count(&stack), 0, "down --volumes deleted the data");
}

#[test]
fn items_whose_ttl_has_passed_are_deleted() {
    let stack = Stack::new(
        "emb-ttl",
        "embedded",
        "\n[[table]]\nname = \"sessions\"\npartition_key = \"pk:S\"\nttl = \"expires_at\"\n",
    );
    stack.up();
    let env = stack.env();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = block_on(async {
        use aws_sdk_dynamodb::types::AttributeValue;
        let client = client_from_env(&env).await;
        for (pk, expires) in [("expired", now - 60), ("current", now + 3600)] {
            client
                .put_item()
                .table_name("sessions")
                .item("pk", AttributeValue::S(pk.into()))
                .item("expires_at", AttributeValue::N(expires.to_string()))
                .send()
                .await
                .unwrap();
        }
        // The sweep runs every 2 s; the bound only stops a test that waits
        // for a sweep that never comes.
        let started = Instant::now();
        loop {
            let out = client.scan().table_name("sessions").send().await.unwrap();
            let keys: Vec<String> = out
                .items()
                .iter()
                .filter_map(|i| i.get("pk")?.as_s().ok().cloned())
                .collect();
            if !keys.contains(&"expired".to_string()) || started.elapsed() > Duration::from_secs(60)
            {
                return keys;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    assert_eq!(
        left,
        ["current"],
        "the expired item was deleted, the other kept"
    );
    let log = stack.run(&["logs"]);
    log.assert_stdout_has("TTL: deleted 1 expired items");
}

#[test]
fn an_engine_that_cannot_start_is_reported_at_once_with_its_log() {
    let stack = Stack::new("emb-cannot", "embedded", "");
    // An address this machine does not have: the engine cannot listen.
    stack.write_manifest(
        "engine = \"embedded\"\n[services.embedded]\nport = 0\nbind = \"192.0.2.1\"\n",
    );
    let out = stack.run(&["up"]);
    out.assert_code(1);
    // Its exit, at once: not the deadline's "was not ready after".
    out.assert_stderr_has("the embedded engine exited before it was ready");
    out.assert_stderr_lacks("was not ready after");
    // Its own words, from its log.
    out.assert_stderr_has("cannot listen on 192.0.2.1:0");
    assert!(engines(&stack).is_empty());
}

#[test]
fn engine_embedded_runs_a_manifest_written_for_ministack_and_down_finds_it() {
    let stack = Stack::new(
        "emb-override",
        "embedded",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    // The manifest says MiniStack and the admin UI, as the bundled one does.
    stack.write_manifest(
        "engine = \"ministack\"\nadmin = true\n[services.embedded]\nport = 0\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    let out = stack.run(&["--engine", "embedded", "up"]);
    out.assert_code(0);
    out.assert_stderr_has("dynamodb-admin is not started");
    out.assert_stderr_has("orders: created");
    let via_env = run(stack.command(&["up"]).env("DEVSTACK_ENGINE", "embedded"));
    via_env.assert_code(0);
    via_env.assert_stderr_has("already up");

    // Without `--engine`, `status` still finds the engine that runs.
    let out = stack.run(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let row = status_row(&status);
    assert_eq!(row["health"], "ready", "{row}");
    assert_eq!(status["tables"][0]["status"], "ACTIVE", "{status}");

    // And `down` stops it; Docker is not there to look at, and says so.
    let down = stack.run(&["down"]);
    down.assert_code(0);
    down.assert_stderr_has("stopped the embedded engine");
    down.assert_stderr_has("no containers were looked for");
    assert!(engines(&stack).is_empty());
}

#[test]
fn up_killed_while_seeding_is_finished_by_the_next_up() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

    let items = 20_000;
    let stack = Stack::new("emb-kill-seed", "embedded", "");
    stack.up();
    let engine = stack.env()["AWS_ENDPOINT_URL"].clone();
    stack.add_seeded_orders(items);

    // Seeding goes through a proxy that kills `up` with SIGKILL after 20
    // batches and holds every later request. Should the 21st batch come
    // before the test knows `up`'s pid (it is stored as soon as `up` is
    // spawned, long before it seeds), nothing is signalled, every request
    // goes through, and the test fails saying so.
    let pid = Arc::new(AtomicU32::new(0));
    let batches = Arc::new(AtomicUsize::new(0));
    let too_early = Arc::new(AtomicBool::new(false));
    let code = block_on(async {
        let proxy = crate::support::fake::FakeServer::gated_proxy(&engine, {
            let (pid, batches, too_early) = (pid.clone(), batches.clone(), too_early.clone());
            move |seen| {
                if seen.operation != "BatchWriteItem" || too_early.load(Ordering::SeqCst) {
                    return true;
                }
                let n = batches.fetch_add(1, Ordering::SeqCst) + 1;
                if n == 21 {
                    match pid.load(Ordering::SeqCst) {
                        0 => {
                            too_early.store(true, Ordering::SeqCst);
                            return true;
                        }
                        pid => {
                            let _ = send_signal(pid, "-9");
                        }
                    }
                }
                n <= 20
            }
        })
        .await;
        let mut child = stack
            .command(&["--endpoint", &proxy.url, "up"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        pid.store(child.id(), Ordering::SeqCst);
        tokio::task::spawn_blocking(move || {
            use std::os::unix::process::ExitStatusExt;
            child.wait().unwrap().signal()
        })
        .await
        .unwrap()
    });
    assert!(
        !too_early.load(Ordering::SeqCst),
        "the 21st batch came before the test knew `up`'s pid: nothing was killed"
    );
    assert_eq!(code, Some(9), "killed while seeding");
    assert_eq!(
        engines(&stack).len(),
        1,
        "the engine outlives the killed `up`"
    );

    let out = stack.up();
    out.assert_stderr_has("seed data loaded: no earlier run finished loading it");
    out.assert_stderr_has(format!(
        "orders: updated (seed data loaded: no earlier run finished loading it), {items} items"
    ));
}

#[test]
fn ctrl_c_while_seeding_exits_130_and_the_next_up_finishes_the_table() {
    let items = 50_000;
    let stack = Stack::new("emb-int-seed", "embedded", "");
    stack.add_seeded_orders(items);

    let mut watched = Watched::spawn(stack.command(&["up"]));
    watched.until("orders: loading seed data", Duration::from_secs(60));
    watched.signal("-INT");
    let out = watched.wait(Duration::from_secs(30));
    out.assert_code(130);
    out.assert_stderr_has("error: interrupted");

    let out = stack.up();
    out.assert_stderr_has(format!(
        "orders: updated (seed data loaded: no earlier run finished loading it), {items} items"
    ));
    stack.assert_down_leaves_nothing();
}

/// The AWS CLI and boto3, from `scripts/ensure-aws-clients.sh` (which
/// `scripts/test.sh` runs and names in `DEVSTACK_AWS_CLIENTS`).
fn aws_clients() -> std::path::PathBuf {
    let bin = std::env::var_os("DEVSTACK_AWS_CLIENTS").map(std::path::PathBuf::from);
    match bin {
        Some(bin) if bin.join("aws").is_file() => bin,
        _ => panic!(
            "this test needs the AWS CLI and boto3: set DEVSTACK_AWS_CLIENTS to the folder `bash scripts/ensure-aws-clients.sh` prints"
        ),
    }
}

#[test]
#[ignore = "needs the AWS CLI and boto3 (scripts/ensure-aws-clients.sh)"]
fn the_aws_cli_and_boto3_configured_from_env_see_the_codemetrics_tables() {
    let bin = aws_clients();
    let stack = crate::support::codemetrics_with("emb-aws", "embedded", false);
    stack.up();
    let env = stack.env();
    // Nothing but what `devstack env` prints, a PATH and a home without AWS
    // configuration.
    let client = |program: &str| {
        let mut command = crate::support::command(bin.join(program));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", stack.home.path())
            .envs(&env);
        command
    };

    let tables = run(client("aws").args(["dynamodb", "list-tables", "--output", "json"]));
    tables.assert_code(0);
    let tables: serde_json::Value = serde_json::from_str(&tables.stdout).unwrap();
    let mut names: Vec<&str> = tables["TableNames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    names.sort();
    // The six tables, and devstack's own table of notes.
    let mut want: Vec<String> = crate::support::CODEMETRICS_TABLES
        .iter()
        .map(|t| format!("CodeMetrics_{t}"))
        .chain(["_devstack".to_string()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    let count = run(client("aws").args([
        "dynamodb",
        "scan",
        "--table-name",
        "CodeMetrics_github-issues",
        "--select",
        "COUNT",
        "--output",
        "json",
    ]));
    count.assert_code(0);
    let count: serde_json::Value = serde_json::from_str(&count.stdout).unwrap();
    assert_eq!(count["Count"], 180);

    // boto3, as an app would use it: the endpoint from the environment.
    let seed =
        std::fs::read_to_string(crate::support::root().join("bootstrap/seed/remote-config.jsonl"))
            .unwrap();
    let first: serde_json::Value = serde_json::from_str(seed.lines().next().unwrap()).unwrap();
    let script = format!(
        "import boto3, json\n\
         t = boto3.resource('dynamodb').Table('CodeMetrics_remote-config')\n\
         item = t.get_item(Key={{'pk': {pk}, 'sk': {sk}}})['Item']\n\
         print(json.dumps({{'count': t.scan(Select='COUNT')['Count'], 'sk': item['sk']}}))\n",
        pk = first["pk"],
        sk = first["sk"],
    );
    let out = run(client("python").args(["-c", &script]));
    out.assert_code(0);
    let got: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(got["count"], 15);
    assert_eq!(got["sk"], first["sk"]);
}

#[test]
fn logs_follow_prints_what_the_engine_writes_later() {
    let stack = Stack::new("emb-logs", "embedded", "");
    stack.up();
    let mut follow = stack
        .command(&["logs", "-f", "-n", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = crate::support::Lines::of("`logs -f`", follow.stdout.take().unwrap());
    let first = lines.next_within(Duration::from_secs(60));
    assert!(first.contains("listening on http://127.0.0.1:"), "{first}");
    // `down` makes the engine write its last line, after `logs -f` began.
    let down = stack.run(&["down"]);
    down.assert_code(0);
    let next = lines.next_within(Duration::from_secs(60));
    assert_eq!(next, "stopped");
    let _ = follow.kill();
    let _ = follow.wait();
}

/// The embedded engine is watched like a container while `up` works on the
/// tables: stopped (`kill -STOP`) or ended (`kill -9`) while seeding, `up`
/// says so at once, naming the engine's pid (and its log when it ended),
/// instead of waiting out its requests' deadlines; the next `up` converges.
#[test]
fn an_engine_stopped_or_killed_while_seeding_is_reported_naming_it() {
    let stack = Stack::new("emb-watch", "embedded", "");
    stack.add_seeded_orders(30_000);
    for (signal, said) in [
        (
            "-STOP",
            "was stopped (SIGSTOP) while devstack worked on the tables",
        ),
        ("-9", "ended while devstack worked on the tables"),
    ] {
        let mut watched = Watched::spawn(stack.command(&["up", "--reseed"]));
        watched.until("orders: loading seed data", Duration::from_secs(120));
        let pid = engine_pid(&stack.engine_dir()).expect("the engine's pid");
        send_signal(pid, signal).assert_code(0);
        let out = watched.wait(Duration::from_secs(120)).context(signal);
        out.assert_code(1);
        out.assert_stderr_has(format!("the embedded engine (pid {pid}) {said}"));
        if signal == "-STOP" {
            out.assert_stderr_has(format!("`kill -CONT {pid}` resumes it"));
            send_signal(pid, "-CONT").assert_code(0);
        } else {
            out.assert_stderr_has("--- last lines of its log");
        }
        stack.assert_converges(&format!("kill {signal} while seeding"));
    }
    stack.assert_down_leaves_nothing();
}
