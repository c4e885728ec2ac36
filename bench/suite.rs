//! devstack's benchmark suite: every workload on every engine, devstack
//! beside its floor, the same work done by the thinnest client this harness
//! can be (SDK calls at full concurrency, readiness polled every 10 ms, a
//! container created before the clock starts), so each ratio survives a
//! noisy machine. A run of every engine (or `--peers-only`) also times the
//! whole CodeMetrics workload done without devstack, the ways people do it
//! (`peers.rs`). Writes `BENCHMARKS.md`.
//!
//! Run it with `bash bench/run.sh` (release build, real images); see
//! `--help` for the options.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::exit
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use devstack::dynamo::client::{self, Profile};
use devstack::item::{Item, JsonForm};
use devstack::manifest::{Manifest, TableSpec};
use devstack::service::Engine;
use devstack::stack::containers::spec;
use devstack::stack::containers::spec::QUICK_START_JAVA_OPTIONS;
use devstack::stack::docker::Docker;

mod peers;

/// Readiness and ACTIVE polls of the floor.
const FLOOR_POLL: Duration = Duration::from_millis(10);
/// Requests the floor keeps in flight while loading.
const FLOOR_IN_FLIGHT: usize = 32;

struct Options {
    runs: usize,
    engines: Vec<Engine>,
    /// The peer table only.
    peers_only: bool,
    /// The peer table too: a run of every engine.
    peers: bool,
    out: PathBuf,
    bin: PathBuf,
}

fn options() -> Options {
    let mut options = Options {
        runs: 5,
        engines: Vec::new(),
        peers_only: false,
        peers: false,
        out: PathBuf::from("BENCHMARKS.md"),
        bin: PathBuf::from("target/release/devstack"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => options.runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5).max(1),
            "--engine" => {
                let name = args.next().unwrap_or_default();
                let engine =
                    Engine::from_name(&name).unwrap_or_else(|| panic!("unknown engine `{name}`"));
                options.engines.push(engine);
            }
            "--peers-only" => options.peers_only = true,
            "--out" => options.out = PathBuf::from(args.next().unwrap_or_default()),
            "--bin" => options.bin = PathBuf::from(args.next().unwrap_or_default()),
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            "--help" | "-h" => {
                println!(
                    "devstack benchmark suite\n\n  --runs N         runs per workload (default 5)\n  --engine NAME    dynamodb-local, ministack or embedded; repeat for several (default all,\n                   and then the table against the other local DynamoDBs too)\n  --peers-only     only the table against the other local DynamoDBs (bench/setup-peers.sh)\n  --out FILE       where the table goes (default BENCHMARKS.md)\n  --bin PATH       the devstack binary (default target/release/devstack)"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument `{other}` (see --help)"),
        }
    }
    options.peers = options.peers_only || options.engines.is_empty();
    if options.peers_only {
        options.engines.clear();
    } else if options.engines.is_empty() {
        options.engines = <Engine as strum::IntoEnumIterator>::iter().collect();
    }
    options.bin = std::fs::canonicalize(&options.bin)
        .unwrap_or_else(|_| panic!("no devstack binary at {}", options.bin.display()));
    options
}

/// Minimum, median and maximum of a set of measurements.
#[derive(Debug, Clone, Copy)]
struct Stats {
    min: f64,
    median: f64,
    max: f64,
}

impl Stats {
    fn of(mut values: Vec<f64>) -> Stats {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Stats {
            min: values[0],
            median,
            max: values[n - 1],
        }
    }
}

/// What a row measures and how good is good enough.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// devstack's median at most this many times the floor's.
    Ratio(f64),
    /// devstack's median at most this many seconds.
    Seconds(f64),
    /// devstack's median throughput at least this share of the floor's.
    Throughput(f64),
    /// Peak memory at most this many MB.
    Megabytes(f64),
}

struct Row {
    workload: String,
    devstack: Stats,
    floor: Option<Stats>,
    unit: &'static str,
    target: Target,
    note: String,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        self.floor.map(|f| self.devstack.median / f.median)
    }

    fn holds(&self) -> Option<bool> {
        Some(match self.target {
            Target::Ratio(limit) => self.ratio()? <= limit,
            Target::Seconds(limit) => self.devstack.median <= limit,
            Target::Throughput(share) => self.ratio()? <= 1.0 / share,
            Target::Megabytes(limit) => self.devstack.max <= limit,
        })
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::Ratio(limit) => format!("≤ {limit:.2} × floor"),
            Target::Seconds(limit) => format!("≤ {:.0} ms", limit * 1000.0),
            Target::Throughput(share) => format!("≥ {share:.1} × floor throughput"),
            Target::Megabytes(limit) => format!("≤ {limit:.0} MB peak"),
        }
    }
}

fn show(stats: &Stats, unit: &str) -> String {
    match unit {
        "s" => format!("{:.3} s ({:.3}–{:.3})", stats.median, stats.min, stats.max),
        "ms" => format!(
            "{:.1} ms ({:.1}–{:.1})",
            stats.median * 1000.0,
            stats.min * 1000.0,
            stats.max * 1000.0
        ),
        "MB" => format!("{:.1} MB ({:.1}–{:.1})", stats.median, stats.min, stats.max),
        _ => format!("{} ({}–{})", stats.median, stats.min, stats.max),
    }
}

/// One engine's stack for the suite: a folder with the bundled CodeMetrics
/// manifest under a project name of its own, every port free, a home of its
/// own, and two extra projects with one big table each.
struct Bench {
    engine: Engine,
    bin: PathBuf,
    root: tempfile::TempDir,
}

impl Bench {
    fn new(engine: Engine, bin: &Path) -> Bench {
        let bench = Bench::empty(engine, bin);
        let root = &bench.root;
        // The CodeMetrics stack, with and without the admin UI.
        bench.add_codemetrics("codemetrics", false);
        bench.add_codemetrics("codemetrics-admin", true);
        // One table of 10,000 items (about 650 bytes each), and one of 100,000.
        for (dir, items) in [("items-10k", 10_000), ("items-100k", 100_000)] {
            let at = root.path().join(dir);
            std::fs::create_dir_all(&at).unwrap();
            write_items(&at.join("items.jsonl"), items);
            let project = format!("bench-{}-{dir}-{}", engine, std::process::id());
            std::fs::write(
                at.join("devstack.toml"),
                format!(
                    "[project]\nname = \"{project}\"\nengine = \"{engine}\"\nready_timeout = 120\n\
                     [services.{engine}]\nport = 0\n\
                     [[table]]\nname = \"items\"\npartition_key = \"pk:S\"\nsort_key = \"sk:S\"\nseed = [\"items.jsonl\"]\n"
                ),
            )
            .unwrap();
        }
        // DynamoDB Local with the JVM options for a quicker start.
        if engine == Engine::DynamodbLocal {
            let options = QUICK_START_JAVA_OPTIONS
                .map(|o| format!("\"{o}\""))
                .join(", ");
            for dir in ["codemetrics", "items-10k"] {
                let quick = root.path().join(format!("{dir}-quick-jvm"));
                copy_tree(&root.path().join(dir), &quick);
                let text = std::fs::read_to_string(quick.join("devstack.toml")).unwrap();
                let text = text
                    .replacen(
                        "[services.dynamodb-local]\nport = 0\n",
                        &format!(
                            "[services.dynamodb-local]\nport = 0\njava_options = [{options}]\n"
                        ),
                        1,
                    )
                    .replace(&format!("-{dir}-"), &format!("-{dir}-quick-jvm-"));
                std::fs::write(quick.join("devstack.toml"), text).unwrap();
            }
        }
        bench
    }

    /// A home of its own and no stack yet.
    fn empty(engine: Engine, bin: &Path) -> Bench {
        let root = tempfile::tempdir().unwrap();
        for sub in ["home/cache", "home/state", "home/data", "home/runtime"] {
            std::fs::create_dir_all(root.path().join(sub)).unwrap();
        }
        Bench {
            engine,
            bin: bin.to_path_buf(),
            root,
        }
    }

    /// The bundled CodeMetrics manifest and its seed files in the folder
    /// `dir`, under a project name of its own, every port free.
    fn add_codemetrics(&self, dir: &str, admin: bool) {
        let engine = self.engine;
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let at = self.root.path().join(dir);
        copy_dir(&repo.join("bootstrap/seed"), &at.join("seed"));
        let original = std::fs::read_to_string(repo.join("bootstrap/devstack.toml")).unwrap();
        let project = format!("bench-{}-{dir}-{}", engine, std::process::id());
        let text = original
            .replace("name = \"codemetrics\"", &format!("name = \"{project}\""))
            .replace("engine = \"ministack\"", &format!("engine = \"{engine}\""))
            .replace("admin = true", &format!("admin = {admin}"));
        let text = format!(
            "{text}\n[services.{engine}]\nport = 0\n\n[services.dynamodb-admin]\nport = 0\n"
        );
        std::fs::write(at.join("devstack.toml"), text).unwrap();
    }

    fn dir(&self, stack: &str) -> PathBuf {
        self.root.path().join(stack)
    }

    fn command(&self, stack: &str, args: &[&str]) -> Command {
        let home = self.root.path().join("home");
        let mut command = Command::new(&self.bin);
        command
            .current_dir(self.dir(stack))
            .args(args)
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", home.join("runtime"))
            .env("CI", "true");
        // Nothing of the shell's devstack or AWS settings: the benchmark
        // acts on its own stacks only.
        for (name, _) in std::env::vars_os() {
            let text = name.to_string_lossy();
            if text.starts_with("DEVSTACK_") || text.starts_with("AWS_") {
                command.env_remove(&name);
            }
        }
        command
    }

    /// Runs devstack; fails loudly, since a benchmark of a failure is none.
    fn run(&self, stack: &str, args: &[&str]) -> (Duration, String) {
        let started = Instant::now();
        let out = self.command(stack, args).output().unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "devstack {args:?} in {stack} failed:\n{stderr}"
        );
        (took, String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs devstack under `/usr/bin/time`; returns the time and the peak
    /// resident memory in MB.
    fn run_measured(&self, stack: &str, args: &[&str], stdout: &Path) -> (Duration, f64) {
        let command = self.command(stack, args);
        let program = command.get_program().to_os_string();
        let report = self.root.path().join("time.txt");
        let mut timed = Command::new("/usr/bin/time");
        timed
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(program)
            .args(command.get_args())
            .current_dir(self.dir(stack))
            .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .stdout(std::fs::File::create(stdout).unwrap());
        let started = Instant::now();
        let out = timed.output().unwrap();
        let took = started.elapsed();
        assert!(
            out.status.success(),
            "devstack {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kb: f64 = std::fs::read_to_string(&report)
            .unwrap()
            .trim()
            .lines()
            .last()
            .unwrap()
            .parse()
            .unwrap();
        (took, kb / 1024.0)
    }

    /// `up` as a person sees it: the time until every table is created and
    /// seeded (the last table line), and until `up` returns.
    fn up_until_tables(&self, stack: &str) -> (Duration, Duration) {
        let started = Instant::now();
        let mut child = self
            .command(stack, &["up"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let tables = 6;
        let mut done = 0;
        let mut tables_at = None;
        let mut said = String::new();
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            if [": created, ", ": unchanged, ", ": updated ("]
                .iter()
                .any(|m| line.contains(m))
            {
                done += 1;
                if done == tables {
                    tables_at = Some(started.elapsed());
                }
            }
            said.push_str(&line);
            said.push('\n');
        }
        let status = child.wait().unwrap();
        let total = started.elapsed();
        assert!(status.success(), "up failed:\n{said}");
        (tables_at.unwrap_or(total), total)
    }

    /// The pytest plugin's session fixture set-up, timed inside Python
    /// (the package from `python/`, this binary on PATH); its stack is
    /// removed after the clock stops. Returns seconds.
    fn fixture_setup(&self, stack: &str) -> f64 {
        const SCRIPT: &str = "import time\n\
            t = time.perf_counter()\n\
            from devstack import Stack\n\
            stack = Stack.start(engine='embedded')\n\
            with stack.environment():\n    took = time.perf_counter() - t\n\
            stack.down()\n\
            print(took)\n";
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let bin_dir = self.bin.parent().unwrap().canonicalize().unwrap();
        let path = std::env::var("PATH").unwrap_or_default();
        // The benchmark's home and a clean environment, as devstack gets them.
        let python = self.command(stack, &[]);
        let mut command = Command::new("python3");
        command
            .current_dir(self.dir(stack))
            .args(["-c", SCRIPT])
            .env("PYTHONPATH", repo.join("python"))
            .env("PATH", format!("{}:{path}", bin_dir.display()));
        for (name, value) in python.get_envs() {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "the fixture's set-up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    fn manifest(&self, stack: &str) -> Manifest {
        Manifest::load(&self.dir(stack).join("devstack.toml"), None).unwrap()
    }

    /// Waits until a warm engine of the suite's home has made a run's
    /// tables ahead (a file in its `spares` folder), for at most 30 s.
    fn wait_for_tables_made_ahead(&self) {
        let projects = self.root.path().join("home/state/devstack/projects");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let ready = std::fs::read_dir(&projects)
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|p| {
                    std::fs::read_dir(p.path().join("spares"))
                        .into_iter()
                        .flatten()
                })
                .flatten()
                .flat_map(|f| std::fs::read_dir(f.path()).into_iter().flatten())
                .flatten()
                .any(|e| !e.file_name().to_string_lossy().starts_with('.'));
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no tables were made ahead on the warm engine within 30 s");
    }

    fn down(&self, stack: &str) {
        self.run(stack, &["down", "--volumes"]);
    }

    fn env(&self, stack: &str) -> HashMap<String, String> {
        let (_, out) = self.run(stack, &["env", "--format", "json"]);
        serde_json::from_str(&out).unwrap()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// `items` items of about 650 bytes in 100 partitions.
fn write_items(path: &Path, items: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let text = "x".repeat(500);
    for i in 0..items {
        let item = serde_json::json!({
            "pk": format!("P#{:03}", i % 100),
            "sk": format!("I#{i:07}"),
            "n": i,
            "price": (i % 1000) as f64 / 10.0,
            "tags": ["alpha", "beta"],
            "text": text,
        });
        writeln!(out, "{item}").unwrap();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Every seed item of the manifest's tables, read before any clock starts.
fn seed_items(manifest: &Manifest) -> Vec<(String, Vec<Item>)> {
    manifest
        .tables
        .iter()
        .map(|table| {
            let mut items = Vec::new();
            for seed in &table.seeds {
                devstack::seed::for_each_item(table, seed, |s| {
                    items.push(s.item);
                    Ok(())
                })
                .unwrap();
            }
            (table.physical.clone(), items)
        })
        .collect()
}

/// The floor's readiness: a signed ListTables, every 10 ms.
async fn floor_ready(url: &str, region: &str) {
    let client = client::client(url, region, Profile::Probe);
    let deadline = Instant::now() + Duration::from_secs(120);
    while client.list_tables().limit(1).send().await.is_err() {
        assert!(Instant::now() < deadline, "{url} never answered");
        tokio::time::sleep(FLOOR_POLL).await;
    }
}

/// The floor's tables: every CreateTable at once, ACTIVE polled every 10 ms,
/// then TTL.
async fn floor_tables(client: &Client, tables: &[TableSpec]) {
    let work = tables.iter().map(|spec| async move {
        devstack::dynamo::tables::create_request(client, spec)
            .unwrap()
            .send()
            .await
            .unwrap();
        loop {
            let out = client
                .describe_table()
                .table_name(&spec.physical)
                .send()
                .await
                .unwrap();
            let table = out.table.unwrap();
            let active = table.table_status().is_none_or(|s| s.as_str() == "ACTIVE")
                && table
                    .global_secondary_indexes()
                    .iter()
                    .all(|g| g.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
            if active {
                break;
            }
            tokio::time::sleep(FLOOR_POLL).await;
        }
        if let Some(ttl) = &spec.ttl {
            client
                .update_time_to_live()
                .table_name(&spec.physical)
                .time_to_live_specification(
                    aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                        .attribute_name(ttl)
                        .enabled(true)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    });
    futures_util::future::join_all(work).await;
}

/// The floor's loading: BatchWriteItem, 25 items a request, 32 requests in
/// flight across all tables, unprocessed items sent again.
async fn floor_load(client: &Client, items: &[(String, Vec<Item>)]) {
    use futures_util::StreamExt;
    let batches = items.iter().flat_map(|(table, items)| {
        items
            .chunks(25)
            .map(move |chunk| (table.clone(), chunk.to_vec()))
    });
    futures_util::stream::iter(batches)
        .for_each_concurrent(FLOOR_IN_FLIGHT, |(table, chunk)| async move {
            let mut pending: Vec<WriteRequest> = chunk
                .into_iter()
                .map(|item| {
                    WriteRequest::builder()
                        .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                        .build()
                })
                .collect();
            while !pending.is_empty() {
                let out = client
                    .batch_write_item()
                    .request_items(&table, pending.clone())
                    .send()
                    .await
                    .unwrap();
                pending = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&table))
                    .unwrap_or_default();
            }
        })
        .await;
}

async fn floor_delete(client: &Client, tables: &[TableSpec]) {
    let work = tables.iter().map(|spec| async move {
        let _ = client
            .delete_table()
            .table_name(&spec.physical)
            .send()
            .await;
        while client
            .describe_table()
            .table_name(&spec.physical)
            .send()
            .await
            .is_ok()
        {
            tokio::time::sleep(FLOOR_POLL).await;
        }
    });
    futures_util::future::join_all(work).await;
}

/// The floor's scan: every page, as fast as the engine gives them, each
/// item written as a JSON line to `out`.
async fn floor_scan(client: &Client, table: &str, segments: i32, out: &Path) -> usize {
    let file = std::sync::Arc::new(std::sync::Mutex::new(std::io::BufWriter::new(
        std::fs::File::create(out).unwrap(),
    )));
    let work = (0..segments).map(|segment| {
        let file = file.clone();
        async move {
            let mut count = 0;
            let mut start = None;
            loop {
                let mut request = client
                    .scan()
                    .table_name(table)
                    .set_exclusive_start_key(start.take());
                if segments > 1 {
                    request = request.segment(segment).total_segments(segments);
                }
                let page = request.send().await.unwrap();
                let mut lines = String::new();
                for item in page.items() {
                    let json = devstack::item::to_json(item, &[], JsonForm::Plain);
                    lines.push_str(&json.to_string());
                    lines.push('\n');
                    count += 1;
                }
                file.lock().unwrap().write_all(lines.as_bytes()).unwrap();
                start = page.last_evaluated_key.filter(|k| !k.is_empty());
                if start.is_none() {
                    return count;
                }
            }
        }
    });
    let counts = futures_util::future::join_all(work).await;
    file.lock().unwrap().flush().unwrap();
    counts.into_iter().sum()
}

/// A running engine for the floor, started the thinnest way: a container
/// created before the clock starts, or the engine process spawned directly.
struct FloorEngine {
    url: String,
    container: Option<String>,
    process: Option<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl FloorEngine {
    /// Creates (untimed) what the floor starts; `start` then starts it.
    fn prepare(rt: &tokio::runtime::Runtime, bench: &Bench, stack: &str) -> FloorPrepared {
        let manifest = bench.manifest(stack);
        let dir = tempfile::tempdir().unwrap();
        if bench.engine == Engine::Embedded {
            return FloorPrepared {
                manifest,
                container: None,
                dir,
            };
        }
        let mut spec = spec::container_spec(&manifest, manifest.project.engine.service()).unwrap();
        spec.name = format!("{}-floor", spec.name);
        spec.network = "bridge".to_string();
        spec.aliases.clear();
        let id = rt.block_on(async {
            let docker = Docker::connect().await.unwrap();
            docker.create_container(&spec).await.unwrap().unwrap()
        });
        FloorPrepared {
            manifest,
            container: Some((id, spec.container_port)),
            dir,
        }
    }
}

struct FloorPrepared {
    manifest: Manifest,
    container: Option<(String, u16)>,
    dir: tempfile::TempDir,
}

impl FloorPrepared {
    /// Starts the engine and waits until it answers, polled every 10 ms.
    async fn start(self, bin: &Path) -> FloorEngine {
        let region = self.manifest.project.region.clone();
        match self.container {
            Some((id, port)) => {
                let docker = Docker::connect().await.unwrap();
                docker.start_container(&id).await.unwrap();
                let state = docker.inspect_container(&id).await.unwrap().unwrap();
                let host = state.host_port(port).unwrap();
                let url = format!("http://127.0.0.1:{host}");
                floor_ready(&url, &region).await;
                FloorEngine {
                    url,
                    container: Some(id),
                    process: None,
                    _dir: self.dir,
                }
            }
            None => {
                let dir = self.dir.path().to_path_buf();
                let child = Command::new(bin)
                    .args(["serve-engine", "--dir"])
                    .arg(&dir)
                    .args(["--bind", "127.0.0.1", "--port", "0", "--config", "floor"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let record = dir.join("engine.json");
                let url = loop {
                    if let Ok(text) = std::fs::read_to_string(&record)
                        && let Ok(value) = serde_json::from_str::<serde_json::Value>(&text)
                    {
                        break format!("http://127.0.0.1:{}", value["port"]);
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                };
                floor_ready(&url, &region).await;
                FloorEngine {
                    url,
                    container: None,
                    process: Some(child),
                    _dir: self.dir,
                }
            }
        }
    }
}

impl FloorEngine {
    fn stop(mut self, rt: &tokio::runtime::Runtime) {
        if let Some(id) = self.container.take() {
            rt.block_on(async {
                let docker = Docker::connect().await.unwrap();
                docker.remove_container(&id).await.unwrap();
            });
        }
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn main() {
    let options = options();
    let rt = runtime();
    let mut sections = Vec::new();
    for &engine in &options.engines {
        eprintln!("== {engine}");
        let bench = Bench::new(engine, &options.bin);
        let rows = measure(&rt, &bench, options.runs);
        sections.push((engine, rows));
    }
    let startup = if options.peers_only {
        Vec::new()
    } else {
        startup_rows(&options)
    };
    let peers = options.peers.then(|| {
        eprintln!("== against what users would pick instead");
        peers::measure(&options.bin, options.runs)
    });
    let text = report(&options, &sections, &startup, peers.as_deref());
    std::fs::write(&options.out, &text).unwrap();
    println!("{text}");
    eprintln!("wrote {}", options.out.display());
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn measure(rt: &tokio::runtime::Runtime, bench: &Bench, runs: usize) -> Vec<Row> {
    let engine = bench.engine;
    let mut rows = Vec::new();
    let codemetrics = bench.manifest("codemetrics");
    let seeds = seed_items(&codemetrics);
    let region = codemetrics.project.region.clone();

    // Cold up: no container (or engine), images present.
    let (mut up, mut floor) = (Vec::new(), Vec::new());
    for run in 0..runs {
        eprintln!("  cold up {}/{runs}", run + 1);
        let (_, total) = bench.up_until_tables("codemetrics");
        up.push(seconds(total));
        bench.down("codemetrics");
        let prepared = FloorEngine::prepare(rt, bench, "codemetrics");
        let started = Instant::now();
        let floor_engine = rt.block_on(async {
            let engine = prepared.start(&bench.bin).await;
            let client = client::client(&engine.url, &region, Profile::Command);
            floor_tables(&client, &codemetrics.tables).await;
            floor_load(&client, &seeds).await;
            engine
        });
        floor.push(seconds(started.elapsed()));
        floor_engine.stop(rt);
    }
    let cold_floor = Stats::of(floor.clone());
    rows.push(Row {
        workload: "cold `up` of CodeMetrics (6 tables, 350 items)".into(),
        devstack: Stats::of(up),
        floor: Some(cold_floor),
        unit: "s",
        target: if engine == Engine::Embedded {
            Target::Seconds(0.3)
        } else {
            Target::Ratio(1.15)
        },
        note: "until every table is ACTIVE and seeded; the floor's container is created before its clock starts".into(),
    });

    if engine != Engine::Embedded {
        let (mut tables, mut totals) = (Vec::new(), Vec::new());
        for run in 0..runs {
            eprintln!("  cold up with the admin UI {}/{runs}", run + 1);
            let (to_tables, total) = bench.up_until_tables("codemetrics-admin");
            tables.push(seconds(to_tables));
            totals.push(seconds(total));
            bench.down("codemetrics-admin");
        }
        rows.push(Row {
            workload: "cold `up` with the admin UI, until the tables are seeded".into(),
            devstack: Stats::of(tables),
            floor: Some(cold_floor),
            unit: "s",
            target: Target::Ratio(1.15),
            note: format!(
                "the admin UI does not hold up the tables; `up` returns after {:.3} s (median), once the UI answers too",
                Stats::of(totals).median
            ),
        });
    }

    if engine == Engine::DynamodbLocal {
        rows.extend(jvm_rows(bench, runs, &rows[0]));
    }

    // Warm up: everything running and reconciled.
    bench.run("codemetrics", &["up"]);
    let env = bench.env("codemetrics");
    let url = env["AWS_ENDPOINT_URL"].clone();
    let (mut warm, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        warm.push(seconds(bench.run("codemetrics", &["up"]).0));
        let started = Instant::now();
        rt.block_on(async {
            let client = client::client(&url, &region, Profile::Command);
            let work = codemetrics.tables.iter().map(|t| {
                let client = client.clone();
                async move {
                    client
                        .describe_table()
                        .table_name(&t.physical)
                        .send()
                        .await
                        .unwrap();
                    client
                        .describe_time_to_live()
                        .table_name(&t.physical)
                        .send()
                        .await
                        .unwrap();
                }
            });
            futures_util::future::join_all(work).await;
        });
        floor.push(seconds(started.elapsed()));
    }
    rows.push(Row {
        workload: "warm `up` (everything running and reconciled)".into(),
        devstack: Stats::of(warm),
        floor: Some(Stats::of(floor)),
        unit: "s",
        target: Target::Seconds(0.3),
        note: "the floor describes every table and its TTL, in-process".into(),
    });

    // Reset of every CodeMetrics table with its seed data.
    let (mut reset, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        reset.push(seconds(bench.run("codemetrics", &["reset"]).0));
        let started = Instant::now();
        rt.block_on(async {
            let client = client::client(&url, &region, Profile::Command);
            floor_delete(&client, &codemetrics.tables).await;
            floor_tables(&client, &codemetrics.tables).await;
            floor_load(&client, &seeds).await;
        });
        floor.push(seconds(started.elapsed()));
    }
    rows.push(Row {
        workload: "`reset` of every CodeMetrics table with its seed data".into(),
        devstack: Stats::of(reset),
        floor: Some(Stats::of(floor)),
        unit: "s",
        target: Target::Seconds(1.0),
        note: String::new(),
    });
    // `run -- true`: a whole throwaway stack, against `up` and `down` of
    // the same stack.
    bench.down("codemetrics");
    let (mut runs_took, mut up_down) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        runs_took.push(seconds(bench.run("codemetrics", &["run", "--", "true"]).0));
        let started = Instant::now();
        bench.run("codemetrics", &["up"]);
        bench.run("codemetrics", &["down", "--volumes"]);
        up_down.push(seconds(started.elapsed()));
    }
    rows.push(Row {
        workload: "`run -- true` of CodeMetrics, against `up` then `down --volumes`".into(),
        devstack: Stats::of(runs_took),
        floor: Some(Stats::of(up_down)),
        unit: "s",
        target: Target::Ratio(1.1),
        note: "the floor here is devstack's own `up` and `down`: the ratio is what `run` adds"
            .into(),
    });

    // `run --warm -- true`: a throwaway stack's tables on a warm engine,
    // against the embedded engine's `run -- true` of the same manifest.
    if engine != Engine::Embedded {
        bench.run("codemetrics", &["run", "--warm", "--", "true"]);
        let (mut warm, mut embedded, mut back_to_back) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            bench.wait_for_tables_made_ahead();
            warm.push(seconds(
                bench.run("codemetrics", &["run", "--warm", "--", "true"]).0,
            ));
            let args = ["--engine", "embedded", "run", "--", "true"];
            embedded.push(seconds(bench.run("codemetrics", &args).0));
        }
        for _ in 0..runs {
            back_to_back.push(seconds(
                bench.run("codemetrics", &["run", "--warm", "--", "true"]).0,
            ));
        }
        bench.run("codemetrics", &["down", "--warm"]);
        let (warm, embedded) = (Stats::of(warm), Stats::of(embedded));
        rows.push(Row {
            workload: "`run --warm -- true` of CodeMetrics on a warm engine".into(),
            devstack: warm,
            floor: None,
            unit: "s",
            target: Target::Seconds(0.5),
            note: "the warm engine started by an earlier run, which made this run's tables ahead once it ended, as between the runs of a test loop; the run's tables deleted at its end".into(),
        });
        rows.push(Row {
            workload: "`run --warm -- true`, runs back to back".into(),
            devstack: Stats::of(back_to_back),
            floor: None,
            unit: "s",
            target: Target::Seconds(0.5),
            note: "each run starts as the one before ends, while its tables are still being made ahead".into(),
        });
        rows.push(Row {
            workload: "`run --warm -- true`, against the embedded engine's `run -- true`".into(),
            devstack: warm,
            floor: Some(embedded),
            unit: "s",
            target: Target::Ratio(1.1),
            note: "the floor here is devstack's own `run` on the embedded engine: the same work in-process".into(),
        });
    }

    // The pytest plugin's session fixture: its set-up, from the call to
    // its stack's variables in `os.environ`, in the Python process.
    if engine == Engine::Embedded {
        let mut took = Vec::new();
        for _ in 0..runs {
            took.push(bench.fixture_setup("codemetrics"));
        }
        rows.push(Row {
            workload: "pytest session fixture set-up of CodeMetrics (`up --throwaway` from Python)"
                .into(),
            devstack: Stats::of(took),
            floor: None,
            unit: "s",
            target: Target::Seconds(0.3),
            note: "what the `devstack` fixture does before the first test: start the stack, read its variables, set them".into(),
        });
    }

    // Seeding and scanning 10,000 items.
    bench.run("items-10k", &["up"]);
    let manifest = bench.manifest("items-10k");
    let items = seed_items(&manifest);
    let env = bench.env("items-10k");
    let url = env["AWS_ENDPOINT_URL"].clone();
    let (mut seed, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        seed.push(seconds(bench.run("items-10k", &["reset"]).0));
        let started = Instant::now();
        rt.block_on(async {
            let client = client::client(&url, &region, Profile::Command);
            floor_delete(&client, &manifest.tables).await;
            floor_tables(&client, &manifest.tables).await;
            floor_load(&client, &items).await;
        });
        floor.push(seconds(started.elapsed()));
    }
    rows.push(Row {
        workload: "seeding 10,000 items of ~650 bytes (`reset` of one table)".into(),
        devstack: Stats::of(seed),
        floor: Some(Stats::of(floor)),
        unit: "s",
        target: Target::Throughput(0.9),
        note: format!("the floor keeps {FLOOR_IN_FLIGHT} BatchWriteItem requests in flight"),
    });
    let table = &manifest.tables[0].physical;
    let out = bench.root.path().join("scan.jsonl");
    for segments in [1, 4] {
        let (mut scan, mut floor) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let segments_arg = segments.to_string();
            let (took, _) = bench.run_measured(
                "items-10k",
                &["scan", "items", "--segments", &segments_arg, "-o", "jsonl"],
                &out,
            );
            scan.push(seconds(took));
            let started = Instant::now();
            let count = rt.block_on(async {
                let client = client::client(&url, &region, Profile::Command);
                floor_scan(&client, table, segments, &out).await
            });
            assert_eq!(count, 10_000);
            floor.push(seconds(started.elapsed()));
        }
        rows.push(Row {
            workload: format!(
                "`scan` of 10,000 items to a JSON Lines file{}",
                if segments > 1 { ", `--segments 4`" } else { "" }
            ),
            devstack: Stats::of(scan),
            floor: Some(Stats::of(floor)),
            unit: "s",
            target: Target::Throughput(0.9),
            note: "the floor writes the same JSON Lines".into(),
        });
    }
    // Snapshots of the 10,000 items: saved against `scan` to a file, loaded
    // against seeding them, devstack's own commands on both sides.
    let (mut save, mut scan) = (Vec::new(), Vec::new());
    let discard = bench.root.path().join("discard.txt");
    for _ in 0..runs {
        let saving = ["snapshot", "save", "bench", "--force"];
        save.push(seconds(
            bench.run_measured("items-10k", &saving, &discard).0,
        ));
        let (took, _) = bench.run_measured("items-10k", &["scan", "items", "-o", "jsonl"], &out);
        scan.push(seconds(took));
    }
    rows.push(Row {
        workload: "`snapshot save` of 10,000 items, against `scan` of them to a JSON Lines file"
            .into(),
        devstack: Stats::of(save),
        floor: Some(Stats::of(scan)),
        unit: "s",
        target: Target::Throughput(0.9),
        note: "the floor here is devstack's own `scan`; the snapshot is gzip'd DynamoDB JSON in AWS's export layout, with MD5s".into(),
    });
    let (mut load, mut reseed) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        load.push(seconds(
            bench.run("items-10k", &["snapshot", "load", "bench"]).0,
        ));
        reseed.push(seconds(bench.run("items-10k", &["reset"]).0));
    }
    rows.push(Row {
        workload: "`snapshot load` of 10,000 items, against seeding them (`reset` of the table)"
            .into(),
        devstack: Stats::of(load),
        floor: Some(Stats::of(reseed)),
        unit: "s",
        target: Target::Throughput(0.9),
        note: "the floor here is devstack's own `reset` from JSON Lines; both recreate the table, read, check and write every item".into(),
    });
    bench.run("items-10k", &["snapshot", "rm", "bench"]);
    bench.down("items-10k");

    // Memory: the whole first `up` of 100,000 items (every item validated,
    // the engine started, the table made and seeded) with nothing cached,
    // then scanning them.
    let (mut seed_mb, mut scan_mb) = (Vec::new(), Vec::new());
    let (mut save_mb, mut load_mb) = (Vec::new(), Vec::new());
    for run in 0..runs {
        eprintln!("  100,000 items {}/{runs}", run + 1);
        let discard = bench.root.path().join("discard.txt");
        bench.down("items-100k");
        let cache = bench.root.path().join("home/cache/devstack");
        if cache.exists() {
            std::fs::remove_dir_all(&cache).unwrap();
        }
        seed_mb.push(bench.run_measured("items-100k", &["up"], &discard).1);
        scan_mb.push(
            bench
                .run_measured("items-100k", &["scan", "items", "-o", "jsonl"], &out)
                .1,
        );
        let save = ["snapshot", "save", "bench", "--force"];
        save_mb.push(bench.run_measured("items-100k", &save, &discard).1);
        let load = ["snapshot", "load", "bench"];
        load_mb.push(bench.run_measured("items-100k", &load, &discard).1);
    }
    bench.run("items-100k", &["snapshot", "rm", "bench"]);
    rows.push(Row {
        workload: "peak memory of devstack's first `up` of 100,000 items, nothing cached".into(),
        devstack: Stats::of(seed_mb),
        floor: None,
        unit: "MB",
        target: Target::Megabytes(50.0),
        note: "maximum resident set size, `/usr/bin/time`; validation, creation and seeding".into(),
    });
    rows.push(Row {
        workload: "peak memory of devstack scanning 100,000 items".into(),
        devstack: Stats::of(scan_mb),
        floor: None,
        unit: "MB",
        target: Target::Megabytes(50.0),
        note: "maximum resident set size, `/usr/bin/time`".into(),
    });
    rows.push(Row {
        workload: "peak memory of devstack's `snapshot save` of 100,000 items".into(),
        devstack: Stats::of(save_mb),
        floor: None,
        unit: "MB",
        target: Target::Megabytes(50.0),
        note: "maximum resident set size, `/usr/bin/time`".into(),
    });
    rows.push(Row {
        workload: "peak memory of devstack's `snapshot load` of 100,000 items".into(),
        devstack: Stats::of(load_mb),
        floor: None,
        unit: "MB",
        target: Target::Megabytes(50.0),
        note: "maximum resident set size, `/usr/bin/time`; every data file checked, then the table recreated and loaded".into(),
    });
    bench.down("items-100k");
    rows
}

/// DynamoDB Local with the quick-start JVM options against the plain JVM
/// devstack runs by default: the cold `up` they shorten, and the seeding
/// they slow. They would be the default only if seeding were at most a
/// tenth slower.
fn jvm_rows(bench: &Bench, runs: usize, cold: &Row) -> Vec<Row> {
    let mut quick = Vec::new();
    for run in 0..runs {
        eprintln!("  cold up, quick-start JVM {}/{runs}", run + 1);
        quick.push(seconds(bench.up_until_tables("codemetrics-quick-jvm").1));
        bench.down("codemetrics-quick-jvm");
    }
    let mut seeding = Vec::new();
    for dir in ["items-10k", "items-10k-quick-jvm"] {
        bench.run(dir, &["up"]);
        let times: Vec<f64> = (0..runs)
            .map(|_| seconds(bench.run(dir, &["reset"]).0))
            .collect();
        seeding.push(Stats::of(times));
        bench.down(dir);
    }
    let options = QUICK_START_JAVA_OPTIONS.join(" ");
    vec![
        Row {
            workload: "cold `up` with the quick-start JVM options, against the default JVM".into(),
            devstack: Stats::of(quick),
            floor: Some(cold.devstack),
            unit: "s",
            target: Target::Ratio(1.0),
            note: format!("`java_options` `{options}` against none (the default)"),
        },
        Row {
            workload:
                "seeding 10,000 items with the quick-start JVM options, against the default JVM"
                    .into(),
            devstack: seeding[1],
            floor: Some(seeding[0]),
            unit: "s",
            target: Target::Ratio(1.10),
            note: "the options would be the default only if this held".into(),
        },
    ]
}

/// `--help` and `validate`: what starting devstack costs, beside starting
/// the smallest program there is.
fn startup_rows(options: &Options) -> Vec<Row> {
    let bench = Bench::new(Engine::Embedded, &options.bin);
    let runs = options.runs.max(20);
    let time = |command: &mut Command| {
        let started = Instant::now();
        let status = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        seconds(started.elapsed())
    };
    let floor: Vec<f64> = (0..runs).map(|_| time(&mut Command::new("true"))).collect();
    let help: Vec<f64> = (0..runs)
        .map(|_| time(&mut bench.command("codemetrics", &["--help"])))
        .collect();
    // The first validate reads every seed item; later ones find them checked.
    bench.run("codemetrics", &["validate"]);
    let validate: Vec<f64> = (0..runs)
        .map(|_| time(&mut bench.command("codemetrics", &["validate"])))
        .collect();
    // A manifest that takes its tables from a SAM template and a Terraform
    // module, as the tests' fixtures of both are written.
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let iac = bench.dir("iac");
    copy_tree(
        &repo.join("tests/fixtures/iac/sam-app"),
        &iac.join("sam-app"),
    );
    copy_tree(
        &repo.join("tests/fixtures/iac/terraform/module"),
        &iac.join("terraform"),
    );
    std::fs::write(
        iac.join("devstack.toml"),
        "[project]\nname = \"bench-iac\"\nengine = \"embedded\"\n\
         [[tables_from]]\npath = \"sam-app/template.yaml\"\n\
         [[tables_from]]\npath = \"terraform\"\n",
    )
    .unwrap();
    bench.run("iac", &["validate"]);
    let validate_iac: Vec<f64> = (0..runs)
        .map(|_| time(&mut bench.command("iac", &["validate"])))
        .collect();
    vec![
        Row {
            workload: "`devstack --help`".into(),
            devstack: Stats::of(help),
            floor: Some(Stats::of(floor.clone())),
            unit: "ms",
            target: Target::Seconds(0.020),
            note: format!("{runs} runs; the floor is `true`"),
        },
        Row {
            workload: "`devstack validate` of the bundled manifest".into(),
            devstack: Stats::of(validate),
            floor: Some(Stats::of(floor.clone())),
            unit: "ms",
            target: Target::Seconds(0.020),
            note: format!("{runs} runs; seed files already checked once"),
        },
        Row {
            workload: "`devstack validate` of a manifest whose tables come from a SAM template and a Terraform module".into(),
            devstack: Stats::of(validate_iac),
            floor: Some(Stats::of(floor)),
            unit: "ms",
            target: Target::Seconds(0.020),
            note: format!("{runs} runs; the tests' `sam-app` and `terraform/module` fixtures"),
        },
    ]
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let kb: f64 = text
                .lines()
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some(format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    let docker = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "none".into());
    format!("{cpu}, {cores} cores, {memory}, Linux {kernel}, Docker {docker}")
}

fn report(
    options: &Options,
    sections: &[(Engine, Vec<Row>)],
    startup: &[Row],
    peers: Option<&[peers::PeerRow]>,
) -> String {
    let mut out = String::new();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    writeln!(out, "# Benchmarks\n").unwrap();
    writeln!(
        out,
        "Written by `bash bench/run.sh` on {date}, devstack {} (commit `{commit}`), release build, {} runs per workload.\n",
        env!("CARGO_PKG_VERSION"),
        options.runs
    )
    .unwrap();
    writeln!(out, "Machine: {}.\n", machine()).unwrap();
    if options.peers_only {
        writeln!(
            out,
            "Only the table against the other local DynamoDBs (`--peers-only`). Each row gives the median and, in brackets, the fastest and slowest run.\n"
        )
        .unwrap();
        peers::section(&mut out, peers.unwrap_or_default());
        return out;
    }
    writeln!(
        out,
        "Each row gives the median and, in brackets, the fastest and slowest run. The floor is the same work done by the thinnest client the harness can be, measured in the same run: AWS SDK calls at full concurrency, readiness and ACTIVE polled every 10 ms, the container created before the clock starts (the embedded engine's process spawned directly). The ratio is devstack's median over the floor's.\n"
    )
    .unwrap();
    let mut all = Vec::new();
    for (engine, rows) in sections {
        writeln!(out, "## {engine}\n").unwrap();
        table(&mut out, rows);
        all.extend(rows.iter().map(|r| (engine.to_string(), r)));
    }
    writeln!(out, "## Starting devstack\n").unwrap();
    table(&mut out, startup);
    if let Some(peers) = peers {
        peers::section(&mut out, peers);
    }
    all.extend(startup.iter().map(|r| ("-".to_string(), r)));
    let missed: Vec<String> = all
        .iter()
        .filter(|(_, r)| r.holds() == Some(false))
        .map(|(engine, r)| format!("- {engine}: {} ({})", r.workload, r.target_text()))
        .collect();
    writeln!(out, "## Targets\n").unwrap();
    if missed.is_empty() {
        writeln!(out, "Every target holds in this run.").unwrap();
    } else {
        writeln!(out, "Targets missed in this run:\n\n{}", missed.join("\n")).unwrap();
    }
    out
}

fn table(out: &mut String, rows: &[Row]) {
    writeln!(
        out,
        "| workload | devstack | floor | ratio | target | holds |\n|---|---|---|---|---|---|"
    )
    .unwrap();
    for row in rows {
        writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} |",
            row.workload,
            if row.note.is_empty() {
                String::new()
            } else {
                format!(" <br><sub>{}</sub>", row.note)
            },
            show(&row.devstack, row.unit),
            row.floor
                .as_ref()
                .map_or_else(|| "-".to_string(), |f| show(f, row.unit)),
            row.ratio()
                .map_or_else(|| "-".to_string(), |r| format!("{r:.2}")),
            row.target_text(),
            match row.holds() {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "-",
            }
        )
        .unwrap();
    }
    writeln!(out).unwrap();
}
