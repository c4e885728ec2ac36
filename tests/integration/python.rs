//! The Python package as its users get it: the wheel `scripts/package.sh`
//! builds, installed into a fresh virtual environment, runs devstack with
//! no Rust toolchain on PATH; and `examples/python-pytest` passes with the
//! pytest plugin's fixtures, on the embedded engine and on DynamoDB Local,
//! also on two xdist workers that never see each other's items.
//!
//! They need the packages (`DEVSTACK_PACKAGES`, set by `scripts/test.sh`)
//! and, for the example, pytest, pytest-xdist and boto3 from PyPI: ignored
//! by a plain `cargo test`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::support::process::StopEngine;
use crate::support::stack::project_name;
use crate::support::{Home, Run, command, root, run};

/// The wheel `scripts/package.sh` built.
fn wheel() -> PathBuf {
    let packages = std::env::var_os("DEVSTACK_PACKAGES").map(PathBuf::from);
    let found = packages.and_then(|dir| {
        std::fs::read_dir(dir.join("python"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
    });
    found.unwrap_or_else(|| {
        panic!(
            "this test needs the wheel: run `bash scripts/package.sh` and set DEVSTACK_PACKAGES to its target/packages"
        )
    })
}

/// A PATH with the environment's scripts and the system's programs, and
/// none of cargo's or rustup's.
fn path_without_rust(venv: &Path) -> String {
    format!("{}:/usr/bin:/bin", venv.join("bin").display())
}

/// `python3 -m venv DIR`, then `pip install ARGS` into it; pip's downloads
/// are kept under target/ for the next run.
fn venv_with(dir: &Path, packages: &[&std::ffi::OsStr]) {
    run(command("python3").arg("-m").arg("venv").arg(dir)).assert_code(0);
    let mut pip = command(dir.join("bin/python"));
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .env("PIP_CACHE_DIR", root().join("target/pip-cache"))
    .args(packages);
    run(&mut pip).assert_code(0);
}

#[test]
#[ignore = "needs the packages (scripts/package.sh)"]
fn the_wheel_installs_and_brings_the_bundled_manifest_up_with_no_rust_toolchain() {
    let wheel = wheel();
    let venv = tempfile::tempdir().unwrap();
    venv_with(venv.path(), &[wheel.as_os_str()]);
    let home = Home::new();
    let _stop = StopEngine(home.path().join("state/devstack/projects"));
    let project = project_name("wheel");
    let devstack = |args: &[&str]| {
        let mut cmd = home.command("devstack", &root());
        cmd.env("PATH", path_without_rust(venv.path()))
            .env(
                "DOCKER_HOST",
                "unix:///nonexistent/devstack-test-docker.sock",
            )
            .args(args);
        cmd
    };
    // Found on PATH, from the environment's scripts, where pip put it.
    let which = run(command("sh")
        .args(["-c", "command -v devstack; command -v cargo || true"])
        .env("PATH", path_without_rust(venv.path())));
    assert_eq!(
        which.stdout.trim(),
        venv.path().join("bin/devstack").display().to_string()
    );
    // A stack of its own on free ports, so that a developer's own stack of
    // the bundled manifest (on 4566 or 8000) stays out of the way.
    let up = run(&mut devstack(&[
        "-f",
        "bootstrap/devstack.toml",
        "--engine",
        "embedded",
        "-p",
        &project,
        "up",
        "--throwaway",
    ]));
    up.assert_code(0);
    up.assert_stdout_has("export DEVSTACK_TABLE_PREFIX=CodeMetrics_");
    up.assert_stderr_has("github-issues: created, 180 items");
    let name = up
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("export DEVSTACK_PROJECT="))
        .unwrap()
        .to_string();
    let down = run(&mut devstack(&["-p", &name, "down"]));
    down.assert_code(0);
    down.assert_stderr_has("stopped the embedded engine");
    // `python -m devstack` is the same binary.
    let version =
        run(command(venv.path().join("bin/python")).args(["-m", "devstack", "--version"]));
    version.assert_code(0);
    version.assert_stdout_has(env!("CARGO_PKG_VERSION"));
}

/// One environment with the wheel and what the example needs, made once
/// per test binary under target/ (it is an artefact, like a build).
fn example_env() -> &'static Path {
    static ENV: OnceLock<PathBuf> = OnceLock::new();
    ENV.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-example");
        let _ = std::fs::remove_dir_all(&dir);
        let wheel = wheel();
        let requirements = root().join("examples/python-pytest/requirements-dev.txt");
        let pinned: Vec<String> = std::fs::read_to_string(requirements)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && l.trim() != "devstack")
            .map(str::to_string)
            .collect();
        let mut packages: Vec<&std::ffi::OsStr> = vec![wheel.as_os_str()];
        packages.extend(pinned.iter().map(|p| std::ffi::OsStr::new(p.as_str())));
        venv_with(&dir, &packages);
        dir
    })
}

/// Removes the runs a pytest session left, once it is over: its stacks
/// belong to the pytest process, which is gone by then.
struct CollectRuns<'a> {
    home: &'a Home,
    project: String,
    docker: bool,
}

impl Drop for CollectRuns<'_> {
    fn drop(&mut self) {
        let mut gc = self.home.devstack(&root());
        if !self.docker {
            gc.env(
                "DOCKER_HOST",
                "unix:///nonexistent/devstack-test-docker.sock",
            );
        }
        let _ = gc.args(["-p", &self.project, "gc"]).output();
    }
}

/// The example, copied under a project name of the test's own, with the
/// folder its isolation tests write to.
struct Example {
    dir: tempfile::TempDir,
    project: String,
}

impl Example {
    fn new(test: &str) -> Example {
        let dir = tempfile::tempdir().unwrap();
        let from = root().join("examples/python-pytest");
        copy_dir(&from, dir.path());
        let project = project_name(test);
        let manifest = dir.path().join("devstack.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.contains("name = \"orders-service\""));
        std::fs::write(
            &manifest,
            text.replace(
                "name = \"orders-service\"",
                &format!("name = \"{project}\""),
            ),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("record")).unwrap();
        Example { dir, project }
    }

    fn pytest(&self, home: &Home, engine: Option<&str>, args: &[&str]) -> Run {
        self.pytest_with(home, engine, args, &[])
    }

    /// `pytest` with more variables set.
    fn pytest_with(
        &self,
        home: &Home,
        engine: Option<&str>,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> Run {
        let env = example_env();
        let mut pytest = home.command(env.join("bin/pytest"), self.dir.path());
        pytest
            .env("PATH", path_without_rust(env))
            .env("EXAMPLE_RECORD_DIR", self.dir.path().join("record"))
            // A developer's profile and session token are withheld by the
            // plugin; here they stand for such leftovers.
            .env("AWS_PROFILE", "someone-elses")
            .env("AWS_SESSION_TOKEN", "real-looking-token")
            .envs(vars.iter().copied())
            .args(["-p", "no:cacheprovider"])
            .args(args);
        match engine {
            Some(engine) => pytest.args(["--devstack-engine", engine]),
            None => pytest.env(
                "DOCKER_HOST",
                "unix:///nonexistent/devstack-test-docker.sock",
            ),
        };
        run(&mut pytest)
    }

    /// Which stack each isolation test ran on, by xdist worker.
    fn stacks_by_worker(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for entry in std::fs::read_dir(self.dir.path().join("record"))
            .unwrap()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().to_string();
            let worker = name.rsplit_once('-').unwrap().0.to_string();
            let project = std::fs::read_to_string(entry.path()).unwrap();
            seen.entry(worker).or_default().push(project);
        }
        seen
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() == "__pycache__" || entry.file_name() == ".pytest_cache" {
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The example passes in one process and on two xdist workers, whose two
/// stacks never share an item; nothing is left afterwards.
fn the_pytest_example_passes_alone_and_on_two_workers(engine: &str, test: &str) {
    let example = Example::new(test);
    let home = Home::new();
    let _stop = StopEngine(home.path().join("state/devstack/projects"));
    let engine = (engine != "embedded").then_some(engine);
    let _collect = CollectRuns {
        home: &home,
        project: example.project.clone(),
        docker: engine.is_some(),
    };

    let alone = example.pytest(&home, engine, &["-q"]);
    alone.assert_code(0);
    alone.assert_stdout_has("11 passed");
    let by_worker = example.stacks_by_worker();
    assert_eq!(
        by_worker.keys().collect::<Vec<_>>(),
        ["main"],
        "{by_worker:?}"
    );
    std::fs::remove_dir_all(example.dir.path().join("record")).unwrap();
    std::fs::create_dir(example.dir.path().join("record")).unwrap();

    let parallel = example.pytest(&home, engine, &["-q", "-n", "2"]);
    parallel.assert_code(0);
    parallel.assert_stdout_has("11 passed");
    let by_worker = example.stacks_by_worker();
    assert_eq!(
        by_worker.keys().collect::<Vec<_>>(),
        ["gw0", "gw1"],
        "both workers ran isolation tests: {by_worker:?}"
    );
    let stacks: Vec<std::collections::BTreeSet<&String>> =
        by_worker.values().map(|p| p.iter().collect()).collect();
    for (worker, projects) in by_worker.keys().zip(&stacks) {
        assert_eq!(
            projects.len(),
            1,
            "{worker} ran on one stack: {by_worker:?}"
        );
        let project = projects.iter().next().unwrap();
        assert!(
            project.starts_with(&format!("{}-run-", example.project)),
            "{project}"
        );
    }
    assert_ne!(stacks[0], stacks[1], "a stack per worker: {by_worker:?}");

    // On a container engine, `DEVSTACK_WARM=1` puts both workers' tables on
    // one warm engine: the isolation tests pass the same.
    if engine.is_some() {
        let _warm = crate::warm::WarmCleanup(home.path());
        std::fs::remove_dir_all(example.dir.path().join("record")).unwrap();
        std::fs::create_dir(example.dir.path().join("record")).unwrap();
        let warm =
            example.pytest_with(&home, engine, &["-q", "-n", "2"], &[("DEVSTACK_WARM", "1")]);
        warm.assert_code(0);
        warm.assert_stdout_has("11 passed");
        let by_worker = example.stacks_by_worker();
        assert_eq!(by_worker.len(), 2, "{by_worker:?}");
        let engines = crate::warm::warm_engines(home.path());
        assert_eq!(engines.len(), 1, "one warm engine for both: {engines:?}");
        run(home.devstack(&root()).args(["down", "--warm"]))
            .assert_code(0)
            .assert_stderr_has(format!("removed the warm engine `{}`", engines[0].0));
    }

    // The sessions removed their stacks themselves.
    let mut ls = home.devstack(&root());
    if engine.is_none() {
        ls.env(
            "DOCKER_HOST",
            "unix:///nonexistent/devstack-test-docker.sock",
        );
    }
    let ls = run(ls.args(["ls", "--json"]));
    ls.assert_code(0);
    assert!(
        !ls.stdout.contains(&example.project),
        "nothing of the sessions is left: {}",
        ls.stdout
    );
}

mod the_pytest_example_passes_alone_and_on_two_workers {
    #[test]
    #[ignore = "needs the packages (scripts/package.sh) and PyPI"]
    fn embedded() {
        super::the_pytest_example_passes_alone_and_on_two_workers("embedded", "pytest-emb");
    }

    #[test]
    #[ignore = "needs the packages (scripts/package.sh), PyPI and a Docker daemon"]
    fn dynamodb_local() {
        let _docker = crate::support::docker();
        super::the_pytest_example_passes_alone_and_on_two_workers("dynamodb-local", "pytest-ddb");
    }
}

#[test]
#[ignore = "needs the packages (scripts/package.sh) and PyPI"]
fn a_manifest_devstack_cannot_bring_up_fails_the_session_with_devstacks_message() {
    let example = Example::new("pytest-broken");
    let home = Home::new();
    let _stop = StopEngine(home.path().join("state/devstack/projects"));
    let manifest = example.dir.path().join("devstack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "partition_key = \"pk:S\"\nsort_key = \"sk:S\"\nseed",
            "partition_key = \"pk:Q\"\nsort_key = \"sk:S\"\nseed",
        ),
    )
    .unwrap();
    let out = example.pytest(&home, None, &["-q", "tests/test_orders.py"]);
    assert_ne!(out.code, 0);
    out.assert_stdout_has("devstack could not bring up a stack of the devstack.toml found from");
    // devstack's own message: the file, line and field.
    out.assert_stdout_has(
        "devstack.toml:18:17: table[0].partition_key: key type `Q` is not S, N or B",
    );
    // Said once per test, not again as the cause of another error.
    assert!(!out.stdout.contains("During handling"), "{}", out.stdout);
    out.assert_stdout_has("hint: `devstack doctor` checks what `up` needs");
}
