//! `run --warm` end to end on the container engines: runs share one warm
//! engine and never each other's tables or items, whatever names they
//! use; a run's tables go when it ends, or with `gc` when it was killed;
//! the warm engine goes once idle, and with `down --warm`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

use crate::support::stack::Cleanup;
use crate::support::{
    Stack, block_on, client_from_env, codemetrics_with, leftovers, per_engine, process_alive,
    send_signal,
};

/// A table every run's command makes itself, by the same name.
const APP_TABLE: &str = "app-table";
/// CodeMetrics' table that no seed file fills.
const EMPTY: &str = "CodeMetrics_pipeline-cache";

/// Removes the warm engines started in a test's home (their Docker
/// objects, keepers and the processes making tables ahead), also after a
/// failed assertion.
pub struct WarmCleanup<'a>(pub &'a Path);

impl Drop for WarmCleanup<'_> {
    fn drop(&mut self) {
        for (name, keeper) in warm_engines(self.0) {
            let spares = self
                .0
                .join(format!("state/devstack/projects/{name}/spares"));
            let makers = std::fs::read_dir(&spares)
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|folder| std::fs::read_dir(folder.path()).into_iter().flatten())
                .flatten()
                .filter(|file| file.file_name().to_string_lossy().starts_with(".making-"))
                .filter_map(|file| std::fs::read_to_string(file.path()).ok())
                .filter_map(|text| text.split(':').next()?.parse().ok());
            for pid in keeper.into_iter().chain(makers) {
                let _ = send_signal(pid, "-9");
            }
            drop(Cleanup(name));
        }
    }
}

/// The warm engines noted in the home, with their keeper's pid.
pub fn warm_engines(home: &Path) -> Vec<(String, Option<u32>)> {
    let projects = home.join("state/devstack/projects");
    std::fs::read_dir(projects)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.starts_with("warm-").then(|| {
                let keeper = std::fs::read_to_string(entry.path().join("keeper"))
                    .ok()
                    .and_then(|text| text.split(':').next()?.parse().ok());
                (name, keeper)
            })
        })
        .collect()
}

/// The names of the files in the folders of `dir`.
fn walk(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|folder| {
            std::fs::read_dir(folder.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter_map(|file| file.file_name().into_string().ok())
        .collect()
}

fn spawn(stack: &Stack, args: &[&str]) -> Child {
    stack
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `until` holds, within a bound that only catches what never
/// happens.
#[track_caller]
fn wait_until(what: &str, mut until: impl FnMut() -> bool) {
    let started = Instant::now();
    while !until() {
        assert!(started.elapsed() < Duration::from_secs(120), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The variables a command wrote with `env > FILE`, once it has written
/// them all (the file ends with the marker line).
fn read_env(path: &Path) -> BTreeMap<String, String> {
    let mut text = String::new();
    wait_until(&format!("{} never written", path.display()), || {
        text = std::fs::read_to_string(path).unwrap_or_default();
        text.contains("ENV_END=1")
    });
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The tables an access key sees at the endpoint of `env`.
async fn tables_of(env: &BTreeMap<String, String>) -> Vec<String> {
    let client = client_from_env(env).await;
    client
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names()
        .to_vec()
}

/// The `pk` of every item in `table`, as `env`'s app sees it.
async fn keys_in(env: &BTreeMap<String, String>, table: &str) -> Vec<String> {
    let client = client_from_env(env).await;
    let items = client.scan().table_name(table).send().await.unwrap();
    let mut keys: Vec<String> = items
        .items()
        .iter()
        .filter_map(|i| i.get("pk")?.as_s().ok().cloned())
        .collect();
    keys.sort();
    keys
}

/// Four runs of the bundled manifest at once on one warm engine: each
/// makes a table of the same name and writes to it and to a manifest
/// table, and sees only its own; a devstack command inside each acts on
/// its own tables; every run's tables are gone when it ends, the warm
/// engine stays, and `down --warm` removes it.
fn four_warm_runs_at_once_share_the_engine_and_nothing_else(engine: &str, test: &str) {
    let stack = codemetrics_with(test, engine, false);
    let _warm = WarmCleanup(stack.home.path());
    let dir = stack.dir.path();
    struct Release<'a>(&'a Path);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            for n in 0..4 {
                let _ = std::fs::write(self.0.join(format!("go-{n}")), "");
            }
        }
    }
    let _release = Release(dir);
    let devstack = env!("CARGO_BIN_EXE_devstack");
    let script = |n: usize| {
        format!(
            "(env; echo ENV_END=1) > env-{n}.txt; while [ ! -e go-{n} ]; do sleep 0.05; done; \
             '{devstack}' scan {EMPTY} --output json > scan-{n}.txt"
        )
    };
    let children: Vec<Child> = (0..4)
        .map(|n| spawn(&stack, &["run", "--warm", "--", "sh", "-c", &script(n)]))
        .collect();
    let envs: Vec<BTreeMap<String, String>> = (0..4)
        .map(|n| read_env(&dir.join(format!("env-{n}.txt"))))
        .collect();
    let mut endpoints: Vec<&str> = envs
        .iter()
        .map(|e| e["AWS_ENDPOINT_URL"].as_str())
        .collect();
    endpoints.dedup();
    assert_eq!(endpoints.len(), 1, "one warm engine: {endpoints:?}");
    let mut keys: Vec<&str> = envs
        .iter()
        .map(|e| e["AWS_ACCESS_KEY_ID"].as_str())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 4, "an access key each: {keys:?}");
    let engines = warm_engines(stack.home.path());
    assert_eq!(engines.len(), 1, "{engines:?}");
    block_on(async {
        for (n, env) in envs.iter().enumerate() {
            let client = client_from_env(env).await;
            client
                .create_table()
                .table_name(APP_TABLE)
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("pk")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .unwrap_or_else(|err| panic!("run {n} makes `{APP_TABLE}`: {err:?}"));
            for table in [APP_TABLE, EMPTY] {
                client
                    .put_item()
                    .table_name(table)
                    .item("pk", AttributeValue::S(format!("run {n}")))
                    .item("sk", AttributeValue::S("x".to_string()))
                    .send()
                    .await
                    .unwrap();
            }
        }
        for (n, env) in envs.iter().enumerate() {
            for table in [APP_TABLE, EMPTY] {
                assert_eq!(
                    keys_in(env, table).await,
                    [format!("run {n}")],
                    "run {n} sees only its own items in `{table}`"
                );
            }
            assert_eq!(
                keys_in(env, "CodeMetrics_queries").await.len(),
                40,
                "run {n} has the seed data"
            );
        }
    });
    for n in 0..4 {
        std::fs::write(dir.join(format!("go-{n}")), "").unwrap();
    }
    for child in children {
        let out: crate::support::Run = child.wait_with_output().unwrap().into();
        out.assert_code(0);
    }
    for n in 0..4 {
        let scanned = std::fs::read_to_string(dir.join(format!("scan-{n}.txt"))).unwrap();
        assert!(scanned.contains(&format!("\"run {n}\"")), "{scanned}");
        assert_eq!(scanned.matches("\"pk\"").count(), 1, "{scanned}");
    }
    block_on(async {
        for env in &envs {
            assert_eq!(
                tables_of(env).await,
                Vec::<String>::new(),
                "a run's tables go"
            );
        }
    });
    let noted = stack.home.path().join("state/devstack/runs");
    assert_eq!(std::fs::read_dir(&noted).map_or(0, Iterator::count), 0);
    let (name, keeper) = engines[0].clone();
    assert!(!leftovers(&name).is_empty(), "the warm engine stays");
    // Once the runs ended, the next run's tables are made ahead: the next
    // run takes them, seeded, and its command sees them.
    let spares = stack
        .home
        .path()
        .join(format!("state/devstack/projects/{name}/spares"));
    wait_until("tables made ahead for the next run", || {
        walk(&spares).iter().any(|f| !f.starts_with('.'))
    });
    let next = stack.run(&[
        "run",
        "--warm",
        "--",
        "sh",
        "-c",
        &format!("'{devstack}' scan CodeMetrics_queries --output jsonl | wc -l > count.txt"),
    ]);
    next.assert_code(0)
        .assert_stderr_has("its tables were made ahead");
    let count = std::fs::read_to_string(dir.join("count.txt")).unwrap();
    assert_eq!(count.trim(), "40", "{}", next.stderr);
    let down = stack.run(&["down", "--warm"]);
    down.assert_code(0)
        .assert_stderr_has(format!("removed the warm engine `{name}`"));
    assert!(leftovers(&name).is_empty(), "{:?}", leftovers(&name));
    if let Some(pid) = keeper {
        wait_until("the keeper ends with its engine", || !process_alive(pid));
    }
    assert!(warm_engines(stack.home.path()).is_empty());
}

per_engine!(
    four_warm_runs_at_once_share_the_engine_and_nothing_else,
    "warm-four": dynamodb_local, ministack
);

/// A warm run killed with `kill -9` leaves its tables on the warm engine;
/// `gc` deletes them and nothing else; once no run has used the engine for
/// its idle time, its keeper removes it.
fn a_killed_warm_runs_tables_go_with_gc_and_the_idle_engine_goes(engine: &str, test: &str) {
    let stack = codemetrics_with(test, engine, false);
    let _warm = WarmCleanup(stack.home.path());
    let dir = stack.dir.path();
    // Another run's tables on the same engine, which `gc` must leave.
    let other = spawn(
        &stack,
        &[
            "run",
            "--warm",
            "--idle",
            "2",
            "--",
            "sh",
            "-c",
            "(env; echo ENV_END=1) > env-other.txt; while [ ! -e go-other ]; do sleep 0.05; done",
        ],
    );
    let other_env = read_env(&dir.join("env-other.txt"));
    let killed = spawn(
        &stack,
        &[
            "run",
            "--warm",
            "--idle",
            "2",
            "--",
            "sh",
            "-c",
            "(env; echo CMD_PID=$$; echo ENV_END=1) > env.txt; exec sleep 600",
        ],
    );
    let env = read_env(&dir.join("env.txt"));
    send_signal(killed.id(), "-9").assert_code(0);
    let _ = send_signal(env["CMD_PID"].parse().unwrap(), "-9");
    let _ = killed.wait_with_output();
    let left = block_on(tables_of(&env));
    assert!(
        left.contains(&"CodeMetrics_queries".to_string()),
        "{left:?}"
    );

    let gc = stack.run(&["gc"]);
    gc.assert_code(0)
        .assert_stdout_has(format!("removed run `{}`", env["DEVSTACK_PROJECT"]));
    assert_eq!(block_on(tables_of(&env)), Vec::<String>::new());
    assert_eq!(
        block_on(tables_of(&other_env)).len(),
        left.len(),
        "the run still going keeps its tables"
    );
    let engines = warm_engines(stack.home.path());
    assert_eq!(engines.len(), 1, "{engines:?}");
    let (name, keeper) = engines[0].clone();
    std::fs::write(dir.join("go-other"), "").unwrap();
    let out: crate::support::Run = other.wait_with_output().unwrap().into();
    out.assert_code(0);
    // Idle for 2 s from the end of the last run: its keeper removes it.
    wait_until("the idle warm engine is removed", || {
        leftovers(&name).is_empty()
    });
    if let Some(pid) = keeper {
        wait_until("the keeper ends", || !process_alive(pid));
    }
    assert!(warm_engines(stack.home.path()).is_empty());
}

per_engine!(
    a_killed_warm_runs_tables_go_with_gc_and_the_idle_engine_goes,
    "warm-kill": dynamodb_local, ministack
);

/// The embedded engine is never warmed: `--warm` says so and runs as usual.
#[test]
fn warm_on_the_embedded_engine_runs_as_usual() {
    let stack = Stack::new("warm-embedded", "embedded", "");
    let out = stack.run(&["run", "--warm", "--", "true"]);
    out.assert_code(0)
        .assert_stderr_has("the embedded engine starts in-process");
    assert!(warm_engines(stack.home.path()).is_empty());
}

/// `up --warm` makes no sense without `--throwaway`.
#[test]
fn up_warm_needs_throwaway() {
    let stack = Stack::new("warm-up", "embedded", "");
    stack
        .run(&["up", "--warm"])
        .assert_code(2)
        .assert_stderr_has("use it with `--throwaway`");
}
