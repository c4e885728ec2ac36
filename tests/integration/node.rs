//! The npm packages as a Node.js user gets them: the tarballs
//! `scripts/package-npm.sh` makes (found in `$DEVSTACK_PACKAGES/npm`),
//! installed with `npm install` and run with `npx devstack` on a PATH with
//! no Rust on it; and the example project `examples/node-vitest`, whose
//! vitest and jest runs start one stack per worker and leave none behind.
//!
//! npm keeps its cache in `target/npm-cache`, so a second run installs
//! from it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::process::StopEngine;
use crate::support::stack::{Cleanup, project_name};
use crate::support::{Home, Run, assert_nothing_left, processes_naming, root, run, run_within};

/// The two tarballs this machine installs: the main package `devstack` and
/// the platform package with the binary.
fn npm_packages() -> Vec<PathBuf> {
    let hint = "these tests need the npm packages: run `bash scripts/package.sh` and set \
                DEVSTACK_PACKAGES to the folder it fills (the tarballs are in its `npm/` folder)";
    let folder = match std::env::var_os("DEVSTACK_PACKAGES") {
        Some(folder) => PathBuf::from(folder).join("npm"),
        None => panic!("DEVSTACK_PACKAGES is not set: {hint}"),
    };
    let platform = npm_platform();
    let tarballs: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|err| panic!("cannot read `{}` ({err}): {hint}", folder.display()))
        .flatten()
        .map(|entry| entry.path())
        .collect();
    let find = |wanted: &dyn Fn(&str) -> bool, what: &str| -> PathBuf {
        tarballs
            .iter()
            .find(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.ends_with(".tgz") && wanted(name))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {what} tarball in `{}`: {hint}", folder.display()))
    };
    let main = find(
        &|name| {
            name.strip_prefix("devstack-")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        },
        "`devstack`",
    );
    let binary = find(
        &|name| name.starts_with(&format!("devstack-{platform}-")),
        &format!("`@devstack/{platform}`"),
    );
    vec![main, binary]
}

/// This machine as npm's `os` and `cpu` fields name it.
fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let cpu = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{cpu}")
}

/// The folder of `node`, from the PATH the tests were started with.
fn node_folder() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("node").is_file() && dir.join("npm").is_file())
        .unwrap_or_else(|| panic!("these tests need Node.js with npm on PATH"))
}

/// A PATH with Node.js and the system's tools only: no cargo, no rustup,
/// no devstack but the one npm installs.
fn node_only_path() -> String {
    let mut dirs = vec![node_folder()];
    for dir in ["/usr/bin", "/bin"] {
        if !dirs.iter().any(|known| known == Path::new(dir)) {
            dirs.push(PathBuf::from(dir));
        }
    }
    for dir in &dirs {
        for program in ["cargo", "rustc", "rustup", "devstack"] {
            assert!(
                !dir.join(program).exists(),
                "`{program}` is in `{}`: the PATH of these tests must hold no Rust and no devstack",
                dir.display()
            );
        }
    }
    std::env::join_paths(dirs)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `program` (npm, npx) in `cwd` with `home`, Node.js's PATH only, none of
/// cargo's variables, and npm's cache under `target/`.
fn node_command(home: &Home, program: &str, cwd: &Path) -> Command {
    let mut command = home.command(node_folder().join(program), cwd);
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("CARGO") || text.starts_with("RUSTUP") || text.starts_with("npm_") {
            command.env_remove(&name);
        }
    }
    command
        .env("PATH", node_only_path())
        .env("npm_config_cache", root().join("target/npm-cache"))
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false")
        .env("NO_COLOR", "1")
        .env("CI", "1");
    command
}

/// `npm install` of `packages` (and of the project's own dependencies) in
/// `cwd`, which must succeed; says how long it took.
fn npm_install(home: &Home, cwd: &Path, packages: &[PathBuf]) {
    let started = Instant::now();
    let mut install = node_command(home, "npm", cwd);
    install.args(["install", "--prefer-offline", "--no-audit", "--no-fund"]);
    install.args(packages);
    run_within(&mut install, Duration::from_secs(900)).assert_code(0);
    eprintln!(
        "npm install in {}: {:.1}s",
        cwd.display(),
        started.elapsed().as_secs_f64()
    );
}

/// The projects `devstack ls --json` lists in `home` whose names start
/// with `prefix`.
fn projects_named(home: &Home, prefix: &str) -> Vec<String> {
    let out = run(home.devstack(home.path()).args(["ls", "--json"]));
    out.assert_code(0);
    let listed: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|err| panic!("ls --json: {err}\n{}", out.stdout));
    listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|project| project["project"].as_str())
        .filter(|name| name.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

/// Removes, when dropped (after a failed assertion too), every stack of
/// `home` whose project name starts with `prefix`: what a test runner left.
struct RemoveStacks<'a> {
    home: &'a Home,
    prefix: String,
    _engines: StopEngine,
}

impl<'a> RemoveStacks<'a> {
    fn new(home: &'a Home, prefix: &str) -> RemoveStacks<'a> {
        RemoveStacks {
            home,
            prefix: prefix.to_string(),
            _engines: StopEngine(home.path().join("state/devstack/projects")),
        }
    }
}

impl Drop for RemoveStacks<'_> {
    fn drop(&mut self) {
        let out = run(self.home.devstack(self.home.path()).args(["ls", "--json"]));
        let listed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
        let names = listed.as_array().cloned().unwrap_or_default();
        for name in names.iter().filter_map(|p| p["project"].as_str()) {
            if name.starts_with(&self.prefix) {
                let down = run(self.home.devstack(self.home.path()).args([
                    "-p",
                    name,
                    "down",
                    "--volumes",
                ]));
                if down.code != 0 {
                    eprintln!("cleanup of `{name}`: {}", down.stderr);
                }
                drop(Cleanup(name.to_string()));
            }
        }
    }
}

#[test]
#[ignore = "needs the npm packages (scripts/package.sh) and Node.js with npm"]
fn the_npm_packages_install_and_run_without_rust() {
    let packages = npm_packages();
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    // A folder npm takes as a package name.
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    run(node_command(&home, "npm", &app).args(["init", "-y"])).assert_code(0);
    npm_install(&home, &app, &packages);

    let npx = |args: &[&str]| -> Run {
        let mut command = node_command(&home, "npx", &app);
        command.args(["--no-install", "devstack"]).args(args).env(
            "DOCKER_HOST",
            "unix:///nonexistent/devstack-test-docker.sock",
        );
        run_within(&mut command, Duration::from_secs(300))
    };

    npx(&["--help"])
        .assert_code(0)
        .assert_stdout_has("A working local DynamoDB in one command.");

    // The library finds the same binary, in the platform package.
    let mut node = node_command(&home, "node", &app);
    node.args(["-p", "require('devstack').binaryPath()"]);
    run(&mut node).assert_code(0).assert_stdout_has(format!(
        "node_modules/@devstack/{}/bin/devstack",
        npm_platform()
    ));

    let project = project_name("npm");
    let _remove = RemoveStacks::new(&home, &project);
    let manifest = root().join("bootstrap/devstack.toml");
    let manifest = manifest.to_str().unwrap();
    // A stack of its own on free ports, so that a developer's own stack of
    // the bundled manifest (on 4566 or 8000) stays out of the way.
    let up = npx(&[
        "--engine",
        "embedded",
        "-f",
        manifest,
        "-p",
        &project,
        "up",
        "--throwaway",
    ]);
    up.assert_code(0)
        .assert_stdout_has("AWS_ENDPOINT_URL=")
        .assert_stdout_has("DEVSTACK_TABLE_PREFIX=")
        .assert_stdout_has("CodeMetrics_")
        .assert_stdout_has("DATASTORE_IMPL=")
        .assert_stderr_has("github-issues")
        .assert_stderr_has("180 items");
    let stack = up
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("export DEVSTACK_PROJECT="))
        .unwrap()
        .to_string();
    assert_eq!(projects_named(&home, &project), vec![stack.clone()]);

    npx(&["-p", &stack, "down"]).assert_code(0);
    assert_eq!(projects_named(&home, &project), Vec::<String>::new());
    let state = home.path().join("state/devstack");
    let left = processes_naming(&state.to_string_lossy());
    assert!(left.is_empty(), "engine processes left: {left:?}");
}

/// What one isolation file of the example recorded: the stack it ran on
/// and the markers it saw.
fn isolation_report(app: &Path, runner: &str, marker: &str) -> (String, Vec<String>) {
    let path = app
        .join(".isolation")
        .join(format!("{runner}-{marker}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{runner} wrote no `{}`: {err}", path.display()));
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seen = report["seen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    (report["project"].as_str().unwrap().to_string(), seen)
}

/// Copies the folder `from` to `to`, without what an earlier install or
/// run left in it.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "node_modules" || name == ".isolation" || name == "package-lock.json" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_folder(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// The example's tests on `engine`, with vitest and then jest, each on two
/// workers: both pass, the two isolation files ran on two stacks and saw
/// only their own items, and no stack is left after either run.
fn example_on_two_workers(engine: &str, test: &str) {
    let packages = npm_packages();
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_folder(&root().join("examples/node-vitest"), &app);
    // A project name of this test's own, so its stacks are told apart from
    // any other's on the same Docker daemon.
    let project = project_name(test);
    let manifest = std::fs::read_to_string(app.join("devstack.toml")).unwrap();
    assert!(manifest.contains("name = \"shop\""));
    std::fs::write(
        app.join("devstack.toml"),
        manifest.replace("name = \"shop\"", &format!("name = \"{project}\"")),
    )
    .unwrap();
    npm_install(&home, &app, &packages);

    let _remove = RemoveStacks::new(&home, &project);
    // Each runner, its command line, and its summary of a run that passed
    // (vitest's on stdout, jest's on stderr).
    let runners: [(&str, &[&str], &str); 2] = [
        (
            "vitest",
            &[
                "--no-install",
                "vitest",
                "run",
                "--pool",
                "forks",
                "--maxWorkers",
                "2",
                "--minWorkers",
                "2",
            ],
            "7 passed (7)",
        ),
        (
            "jest",
            &["--no-install", "jest", "--maxWorkers", "2"],
            "7 passed, 7 total",
        ),
    ];
    for (runner, args, passed) in runners {
        let mut command = node_command(&home, "npx", &app);
        command
            .args(args)
            .env("DEVSTACK_ENGINE", engine)
            // Settings of the shell that must not reach the tests.
            .env("AWS_PROFILE", "devstack-test-must-not-leak")
            .env("AWS_SESSION_TOKEN", "devstack-test-must-not-leak");
        if engine == "embedded" {
            command.env(
                "DOCKER_HOST",
                "unix:///nonexistent/devstack-test-docker.sock",
            );
        }
        let started = Instant::now();
        let out = run_within(&mut command, Duration::from_secs(900)).context(runner);
        eprintln!(
            "{runner} on {engine}, two workers: {:.1}s",
            started.elapsed().as_secs_f64()
        );
        out.assert_code(0)
            .assert_stderr_has(format!("devstack: 2 stacks on {engine}"));
        if runner == "jest" {
            out.assert_stderr_has(passed);
        } else {
            out.assert_stdout_has(passed);
        }

        let (a, seen_a) = isolation_report(&app, runner, "a");
        let (b, seen_b) = isolation_report(&app, runner, "b");
        assert_ne!(a, b, "{runner}: the two isolation files ran on one stack");
        for stack in [&a, &b] {
            assert!(
                stack.starts_with(&format!("{project}-run-")),
                "{runner}: `{stack}` is not a throwaway stack of `{project}`"
            );
        }
        assert_eq!(seen_a, ["a"], "{runner}: isolation-a saw {seen_a:?}");
        assert_eq!(seen_b, ["b"], "{runner}: isolation-b saw {seen_b:?}");

        // Nothing left: no stack listed, no engine process, no container.
        assert_eq!(
            projects_named(&home, &project),
            Vec::<String>::new(),
            "{runner} left stacks behind"
        );
        let state = home.path().join("state/devstack");
        let left = processes_naming(&state.to_string_lossy());
        assert!(left.is_empty(), "{runner}: engine processes left: {left:?}");
        if engine != "embedded" {
            assert_nothing_left(&a);
            assert_nothing_left(&b);
        }
    }
}

mod the_node_vitest_example_passes_on_two_workers {
    #[test]
    #[ignore = "needs the npm packages (scripts/package.sh) and Node.js with npm"]
    fn embedded() {
        super::example_on_two_workers("embedded", "node-emb");
    }

    #[test]
    #[ignore = "needs the npm packages (scripts/package.sh), Node.js with npm and a Docker daemon"]
    fn dynamodb_local() {
        let _docker = crate::support::docker();
        super::example_on_two_workers("dynamodb-local", "node-ddb");
    }
}
