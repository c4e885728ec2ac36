//! A project of one test's own: a manifest in a temporary folder, a home,
//! a unique project name, and everything it made (containers, volumes,
//! networks, engine processes) removed when it is dropped, also after a
//! failed assertion.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use devstack::manifest::Manifest;
use devstack::stack::docker::Docker;

use super::docker::assert_nothing_left;
use super::process::{StopEngine, processes_naming};
use super::tables::{assert_matches_manifest, client_from_env};
use super::{Home, Run, block_on, run};

/// A unique project name for one test.
pub fn project_name(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("t-{test}-{}-{nanos:x}", std::process::id())
}

/// Removes every object of the project when dropped, also after a panic.
pub struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let project = self.0.clone();
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                // No daemon: a Docker-free test made no Docker objects.
                let Some(docker) = super::docker::docker_if_there().await else {
                    return Ok(Default::default());
                };
                docker
                    .remove_project(&project, Duration::from_secs(2), true)
                    .await
                    .map_err(|e| format!("{e:#}"))
            })
        })
        .join();
        if let Ok(Err(err)) = done {
            eprintln!("cleanup of `{}` failed: {err}", self.0);
        }
    }
}

/// A project in a temporary folder with a home of its own; everything it
/// made is removed when dropped (the engine first, then its folders).
pub struct Stack {
    _stop: StopEngine,
    _cleanup: Cleanup,
    pub dir: tempfile::TempDir,
    pub project: String,
    pub home: Home,
    /// The engine the manifest names.
    pub engine: String,
}

impl Stack {
    /// Every service on a free port, so tests never collide with each other
    /// or with a developer's own stack.
    /// With the embedded engine, no admin UI (it needs a container engine)
    /// and no Docker: `DOCKER_HOST` points at a socket that does not exist.
    pub fn new(test: &str, engine: &str, extra: &str) -> Stack {
        let project = project_name(test);
        let cleanup = Cleanup(project.clone());
        let dir = tempfile::tempdir().unwrap();
        let admin = engine != "embedded";
        let manifest = format!(
            "[project]\nname = \"{project}\"\nengine = \"{engine}\"\nadmin = {admin}\nready_timeout = 90\n{extra}\n\
             [services.{engine}]\nport = 0\n\n[services.dynamodb-admin]\nport = 0\n"
        );
        std::fs::write(dir.path().join("devstack.toml"), manifest).unwrap();
        let home = Home::new();
        Stack {
            _stop: StopEngine(home.path().join("state/devstack/projects")),
            _cleanup: cleanup,
            dir,
            project,
            home,
            engine: engine.to_string(),
        }
    }

    /// The embedded engine's state folder: lock, record, log.
    pub fn engine_dir(&self) -> PathBuf {
        self.home.engine_dir(&self.project)
    }

    /// Replaces the manifest: `[project]` with this stack's name, then `rest`.
    pub fn write_manifest(&self, rest: &str) {
        let text = format!("[project]\nname = \"{}\"\n{rest}", self.project);
        std::fs::write(self.manifest(), text).unwrap();
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.path().join("devstack.toml")
    }

    /// Adds the table `orders` to the manifest, seeded with `items` small
    /// items from `orders.jsonl`: enough of them and seeding takes long
    /// enough to be cut into.
    pub fn add_seeded_orders(&self, items: usize) {
        let lines: String = (0..items)
            .map(|i| format!("{{\"pk\": \"ORDER#{i:06}\", \"total\": {i}}}\n"))
            .collect();
        std::fs::write(self.dir.path().join("orders.jsonl"), lines).unwrap();
        let mut manifest = std::fs::read_to_string(self.manifest()).unwrap();
        manifest.push_str(
            "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
        );
        std::fs::write(self.manifest(), manifest).unwrap();
    }

    /// `devstack ARGS` in this stack's folder and home.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = self.home.devstack(self.dir.path());
        self.docker_for_engine(&mut command);
        command.args(args);
        command
    }

    /// Another program (a shell, `script`) that runs devstack itself, in
    /// this stack's folder and home and with the environment `command`
    /// gives, but for the fixed help width and `NO_COLOR`.
    pub fn program(&self, program: &str) -> Command {
        let mut command = self.home.command(program, self.dir.path());
        self.docker_for_engine(&mut command);
        command
    }

    /// With the embedded engine, no Docker: `DOCKER_HOST` points at a
    /// socket that does not exist.
    fn docker_for_engine(&self, command: &mut Command) {
        if self.engine == "embedded" {
            command.env(
                "DOCKER_HOST",
                "unix:///nonexistent/devstack-test-docker.sock",
            );
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(&mut self.command(args))
    }

    /// `devstack up`, which must succeed.
    #[track_caller]
    pub fn up(&self) -> Run {
        let out = self.run(&["up"]);
        out.assert_code(0);
        out
    }

    pub fn status(&self) -> (i32, serde_json::Value) {
        let out = self.run(&["status", "--json"]);
        let json = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("status --json: {e}\n{}\n{}", out.stdout, out.stderr));
        (out.code, json)
    }

    /// What `devstack env` gives an app; it must succeed.
    #[track_caller]
    pub fn env(&self) -> BTreeMap<String, String> {
        let out = self.run(&["env", "--format", "json"]);
        out.assert_code(0);
        serde_json::from_str(&out.stdout).unwrap()
    }

    pub fn containers(&self, docker: &Docker) -> Vec<devstack::stack::docker::ContainerState> {
        block_on(docker.project_containers(&self.project)).unwrap()
    }

    /// After an `up`, `reset` or `run` that was cut off (`after` says how),
    /// `up` converges: every table exactly as the manifest and its seeds
    /// say, and a second `up` changes nothing.
    pub fn assert_converges(&self, after: &str) {
        let out = self.run(&["up"]);
        out.context(format!("after {after}")).assert_code(0);
        let manifest = Manifest::load(&self.manifest(), None).unwrap();
        let env = self.env();
        block_on(async {
            let client = client_from_env(&env).await;
            for table in &manifest.tables {
                assert_matches_manifest(&client, &manifest, &table.name).await;
            }
        });
        // A second `up` changes nothing.
        self.run(&["up"])
            .context(format!("again, after {after}"))
            .assert_code(0)
            .assert_stderr_has("already up");
    }

    /// `down --volumes` leaves nothing: no Docker object, no engine, no file.
    pub fn assert_down_leaves_nothing(&self) {
        let out = self.run(&["down", "--volumes"]);
        out.assert_code(0);
        if self.engine != "embedded" {
            assert_nothing_left(&self.project);
        }
        let state = self.home.path().join("state/devstack");
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
        let record = self.engine_dir().join("engine.json");
        assert!(!record.exists(), "no engine record");
    }
}
