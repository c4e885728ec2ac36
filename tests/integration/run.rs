//! `devstack run -- CMD` end to end: CMD sees the stack through its
//! variables only, its exit code comes back, and nothing of the run is
//! left; runs at once never share anything; signals reach CMD; `gc` removes
//! what a killed run left and nothing else; `ls` shows every project. The
//! embedded engine's runs need no Docker; one test runs MiniStack.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::stack::Cleanup;
use crate::support::{
    Run, Stack, assert_nothing_left, block_on, client_from_env, codemetrics_with, command, docker,
    per_engine, process_alive, processes_naming, run, send_signal, table_names,
};

const ORDERS: &str = "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n";

/// Waits until `path` exists (written by a CMD), within a bound that only
/// catches a CMD that never ran.
fn wait_for(path: &Path) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The line a command wrote: the shell makes the file before `echo` has
/// written to it, so wait for the whole line.
fn read(path: &Path) -> String {
    let started = Instant::now();
    loop {
        wait_for(path);
        let text = std::fs::read_to_string(path).unwrap();
        if text.ends_with('\n') {
            return text.trim().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} never got its line: {text:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Engine processes and files of every run in the stack's home.
fn run_leftovers(stack: &Stack) -> Vec<String> {
    let state = stack.home.path().join("state/devstack");
    let mut left: Vec<String> = processes_naming(&state.to_string_lossy())
        .into_iter()
        .map(|pid| format!("process {pid}"))
        .collect();
    for dir in ["projects", "runs"] {
        for entry in std::fs::read_dir(state.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            left.push(format!("file {}", entry.path().display()));
        }
    }
    left
}

/// Nothing of the stack's runs is left: no engine process or file in its
/// home ([`run_leftovers`], read once) and, on a container engine, no Docker
/// object of its project.
#[track_caller]
fn assert_no_run_left(stack: &Stack) {
    let left = run_leftovers(stack);
    assert!(left.is_empty(), "{left:?}");
    if stack.engine != "embedded" {
        assert_nothing_left(&stack.project);
    }
}

/// A run killed with `kill -9` while its CMD runs: its stack is left for
/// `gc`. Its CMD is the test's to stop (it holds the output pipes open),
/// and is killed too; returns CMD's pid.
fn leave_a_killed_run(stack: &Stack) -> u32 {
    let killed = spawn(
        stack,
        &[
            "run",
            "--",
            "sh",
            "-c",
            "echo $$ > victim.txt; while [ ! -e stop ]; do sleep 0.05; done",
        ],
    );
    let victim: u32 = read(&stack.dir.path().join("victim.txt")).parse().unwrap();
    send_signal(killed.id(), "-9").assert_code(0);
    let _ = send_signal(victim, "-9");
    assert_ne!(finish(killed).code, 0);
    victim
}

fn spawn(stack: &Stack, args: &[&str]) -> Child {
    // Not the test's own stdin: a terminal there would keep signals from
    // being passed on to CMD.
    stack
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child) -> Run {
    child.wait_with_output().unwrap().into()
}

#[test]
fn run_passes_the_stacks_variables_and_the_exit_code_and_leaves_nothing() {
    let stack = Stack::new("run-basic", "embedded", ORDERS);
    let out = stack.dir.path();
    // CMD asks the stack for its tables, through the variables alone.
    let script = format!(
        "echo \"$AWS_ENDPOINT_URL\" > endpoint.txt; \
         '{bin}' --endpoint \"$AWS_ENDPOINT_URL\" tables --json > tables.json; exit 3",
        bin = env!("CARGO_BIN_EXE_devstack")
    );
    let done = stack.run(&["run", "--", "sh", "-c", &script]);
    // CMD's exit code comes back.
    done.assert_code(3);
    let tables: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tables.json")).unwrap()).unwrap();
    assert_eq!(tables[0]["table"], "orders", "{tables}");
    assert_eq!(tables[0]["owner"], "manifest `orders`", "{tables}");
    let endpoint = read(&out.join("endpoint.txt"));
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 8000, "a port picked free, not the manifest's");
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "the port is free again"
    );
    assert_no_run_left(&stack);
    done.assert_stderr_has("run: removed project");

    let ok = stack.run(&["run", "--", "true"]);
    ok.assert_code(0);
    let killed = stack.run(&["run", "--", "sh", "-c", "kill -TERM $$"]);
    // 128 + the signal.
    killed.assert_code(128 + 15);
    assert_no_run_left(&stack);
    let quiet = stack.run(&["run", "--quiet", "--", "sh", "-c", "echo out; echo err >&2"]);
    quiet.assert_code(0);
    assert_eq!(quiet.stdout, "out\n", "CMD's output, nothing of devstack's");
    assert_eq!(quiet.stderr, "err\n", "--quiet: only CMD's messages");
}

/// Four `run`s of the bundled manifest at once: four stacks, four
/// endpoints, and an item each writes to a table the seeds leave empty is
/// seen by that run alone.
fn four_runs_of_the_bundled_manifest_at_once_each_see_only_their_own_data(
    engine: &str,
    test: &str,
) {
    // The bundled manifest as it is, with the admin UI, wherever the engine
    // is a container.
    let stack = codemetrics_with(test, engine, engine != "embedded");
    /// CodeMetrics' table that no seed file fills.
    const TABLE: &str = "CodeMetrics_pipeline-cache";
    /// Lets the four commands end, also when an assertion fails first, so
    /// their runs remove their stacks.
    struct Release<'a>(&'a Path);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            for n in 0..4 {
                let _ = std::fs::write(self.0.join(format!("go-{n}")), "");
            }
        }
    }
    let dir = stack.dir.path();
    let _release = Release(dir);
    let script = |n: usize| {
        format!(
            "echo \"$AWS_ENDPOINT_URL\" > endpoint-{n}.txt; while [ ! -e go-{n} ]; do sleep 0.05; done"
        )
    };
    let children: Vec<Child> = (0..4)
        .map(|n| spawn(&stack, &["run", "--", "sh", "-c", &script(n)]))
        .collect();
    let endpoints: Vec<String> = (0..4)
        .map(|n| read(&dir.join(format!("endpoint-{n}.txt"))))
        .collect();
    let mut unique = endpoints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        4,
        "four stacks, four endpoints: {endpoints:?}"
    );
    block_on(async {
        use aws_sdk_dynamodb::types::AttributeValue;
        // What `devstack env` gives an app, at that run's endpoint.
        let env = |url: &str| {
            [
                ("AWS_ENDPOINT_URL_DYNAMODB", url),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
        };
        for (n, url) in endpoints.iter().enumerate() {
            let client = client_from_env(&env(url)).await;
            client
                .put_item()
                .table_name(TABLE)
                .item("pk", AttributeValue::S(format!("written by run {n}")))
                .item("sk", AttributeValue::S("x".to_string()))
                .send()
                .await
                .unwrap();
        }
        for (n, url) in endpoints.iter().enumerate() {
            let client = client_from_env(&env(url)).await;
            let items = client.scan().table_name(TABLE).send().await.unwrap();
            let keys: Vec<String> = items
                .items()
                .iter()
                .filter_map(|i| i.get("pk")?.as_s().ok().cloned())
                .collect();
            assert_eq!(
                keys,
                [format!("written by run {n}")],
                "run {n} sees only its own"
            );
        }
    });
    for n in 0..4 {
        std::fs::write(dir.join(format!("go-{n}")), "").unwrap();
    }
    for child in children {
        let out = finish(child);
        out.assert_code(0);
    }
    assert_no_run_left(&stack);
}

per_engine!(
    four_runs_of_the_bundled_manifest_at_once_each_see_only_their_own_data,
    "run-four": ministack, embedded
);

/// `signal` (`TERM`, `INT`) sent to devstack while CMD runs reaches CMD,
/// which decides how it ends (here with `code`); the stack goes either way.
fn signal_reaches_cmd_and_the_stack_is_removed(test: &str, signal: &str, code: i32) {
    let stack = Stack::new(test, "embedded", ORDERS);
    let dir = stack.dir.path();
    let script = format!(
        "trap 'echo got it > got.txt; exit {code}' {signal}; echo ready > ready.txt; \
         while :; do sleep 0.05; done"
    );
    let child = spawn(&stack, &["run", "--", "sh", "-c", &script]);
    wait_for(&dir.join("ready.txt"));
    let out = send_signal(child.id(), &format!("-{signal}"));
    out.assert_code(0);
    // CMD decided how it ends.
    finish(child).assert_code(code);
    assert_eq!(read(&dir.join("got.txt")), "got it");
    assert_no_run_left(&stack);
}

#[test]
fn sigterm_to_devstack_reaches_cmd_and_the_stack_is_removed() {
    signal_reaches_cmd_and_the_stack_is_removed("run-term", "TERM", 7);
}

#[test]
fn ctrl_c_to_devstack_reaches_cmd_and_the_stack_is_removed() {
    // Without a terminal, SIGINT is passed on to CMD like SIGTERM.
    signal_reaches_cmd_and_the_stack_is_removed("run-int", "INT", 130);
}

#[test]
fn cmd_reads_what_is_written_to_devstacks_stdin() {
    use std::io::Write;
    let stack = Stack::new("run-stdin", "embedded", ORDERS);
    let mut child = stack
        .command(&["run", "--", "sh", "-c", "cat > got.txt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"line one\nline two\n").unwrap();
    drop(stdin);
    let done = finish(child);
    done.assert_code(0);
    assert_eq!(
        std::fs::read_to_string(stack.dir.path().join("got.txt")).unwrap(),
        "line one\nline two\n"
    );
    assert_no_run_left(&stack);
}

/// The stack of a run, found from its CMD's endpoint.
fn run_project(stack: &Stack) -> String {
    let runs = stack.home.path().join("state/devstack/runs");
    let started = Instant::now();
    loop {
        if let Some(entry) = std::fs::read_dir(&runs)
            .into_iter()
            .flatten()
            .flatten()
            .next()
        {
            return entry
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no run noted");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn gc_removes_what_a_killed_run_left_and_nothing_else() {
    // Three stacks in one home: a plain project, a run that goes on, and a
    // run that is killed with SIGKILL.
    let stack = Stack::new("run-gc", "embedded", ORDERS);
    let dir: PathBuf = stack.dir.path().to_path_buf();
    stack.up();
    let going = spawn(
        &stack,
        &[
            "run",
            "--",
            "sh",
            "-c",
            "echo x > going.txt; while [ ! -e stop ]; do sleep 0.05; done",
        ],
    );
    wait_for(&dir.join("going.txt"));
    let going_project = run_project(&stack);
    let victim = leave_a_killed_run(&stack);

    let listed = stack.run(&["ls", "--json"]);
    listed.assert_code(0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let row = |project: &str| {
        rows.iter()
            .find(|r| r["project"] == project)
            .unwrap_or_else(|| panic!("{project} in {rows:?}"))
            .clone()
    };
    assert_eq!(row(&stack.project)["run"], "-");
    assert!(
        row(&going_project)["run"]
            .as_str()
            .unwrap()
            .starts_with("run (pid ")
    );
    let left_behind: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["run"].as_str().unwrap().starts_with("left behind"))
        .collect();
    assert_eq!(left_behind.len(), 1, "{rows:?}");
    let killed_project = left_behind[0]["project"].as_str().unwrap().to_string();
    assert_eq!(left_behind[0]["state"], "running");

    let dry = stack.run(&["gc", "--dry-run"]);
    assert_eq!(dry.stdout.trim(), killed_project, "{}", dry.stderr);
    let gc = stack.run(&["gc"]);
    gc.assert_code(0);
    gc.assert_stdout_has(format!(
        "removed run `{killed_project}`: the embedded engine"
    ));
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&stack.run(&["ls", "--json"]).stdout).unwrap();
    let projects: Vec<&str> = rows.iter().filter_map(|r| r["project"].as_str()).collect();
    assert!(
        projects.contains(&stack.project.as_str()),
        "the plain project stays"
    );
    assert!(
        projects.contains(&going_project.as_str()),
        "the live run stays"
    );
    assert!(!projects.contains(&killed_project.as_str()), "{rows:?}");
    let again = stack.run(&["gc"]);
    again.assert_stderr_has("nothing to collect");

    std::fs::write(dir.join("stop"), "").unwrap();
    finish(going).assert_code(0);
    assert!(!process_alive(victim));
}

/// A `devstack run` whose process lives in a PID namespace of its own, as a
/// CI job in another container sharing the Docker daemon (and here the
/// home) would: started through `unshare --pid --fork --mount-proc`, its
/// CMD waiting for the file `stop-unshared`. Dropped before [`finish`], it
/// is stopped all the same: its CMD told to end, else the namespace killed
/// with `unshare` (`--kill-child`).
///
/// [`finish`]: Unshared::finish
struct Unshared {
    child: Option<Child>,
    stop: PathBuf,
}

impl Unshared {
    /// Starts the run; fails the test, saying why, where no PID namespace
    /// can be made.
    fn start(stack: &Stack) -> Unshared {
        let namespace = ["--pid", "--fork", "--mount-proc", "--kill-child"];
        // As root; otherwise in a user namespace of its own too.
        let options: Vec<&str> = [&namespace[..], &["--user", "--map-root-user"], &namespace[..]]
            .into_iter()
            .find(|options| {
                let works = run(command("unshare").args(*options).arg("true"));
                works.code == 0
            })
            .map(|options| options.to_vec())
            .unwrap_or_else(|| {
                panic!(
                    "this test starts a run in a PID namespace of its own, and `unshare --pid --fork --mount-proc true` fails here (it needs root, CAP_SYS_ADMIN or user namespaces)"
                )
            });
        let script = "echo x > unshared.txt; while [ ! -e stop-unshared ]; do sleep 0.05; done";
        let child = stack
            .program("unshare")
            .args(options)
            .args([
                env!("CARGO_BIN_EXE_devstack"),
                "run",
                "--",
                "sh",
                "-c",
                script,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let unshared = Unshared {
            child: Some(child),
            stop: stack.dir.path().join("stop-unshared"),
        };
        wait_for(&stack.dir.path().join("unshared.txt"));
        unshared
    }

    /// Lets CMD end; the run removes its stack and ends with it.
    fn finish(mut self) -> Run {
        std::fs::write(&self.stop, "").unwrap();
        finish(self.child.take().unwrap())
    }
}

impl Drop for Unshared {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = std::fs::write(&self.stop, "");
        let started = Instant::now();
        while child.try_wait().ok().flatten().is_none() {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `gc` from here leaves alone a run whose owner lives in another PID
/// namespace (its pid means another process here, or none), and says it
/// cannot tell; `ls` says the same; a run killed on this side is still
/// collected. Both runs share the test's home, so both are noted there.
fn gc_leaves_a_run_of_another_pid_namespace_alone(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, ORDERS);
    let unshared = Unshared::start(&stack);
    let unshared_project = run_project(&stack);
    let _cleanup_unshared = Cleanup(unshared_project.clone());
    let victim = leave_a_killed_run(&stack);

    // Only this test's projects: the daemon may hold other tests' too.
    let rows = || -> Vec<serde_json::Value> {
        let listed = stack.run(&["ls", "--json"]);
        listed.assert_code(0);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&listed.stdout).unwrap();
        rows.into_iter()
            .filter(|r| r["project"].as_str().unwrap().starts_with(&stack.project))
            .collect()
    };
    let listed = rows();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let row = |rows: &[serde_json::Value], project: &str| {
        rows.iter().find(|r| r["project"] == project).cloned()
    };
    let elsewhere = "cannot tell from here (its owner runs in another PID namespace)";
    let shown = row(&listed, &unshared_project).expect("the unshared run is listed");
    assert_eq!(shown["run"], elsewhere, "{listed:?}");
    assert_eq!(shown["state"], "running", "{listed:?}");
    let killed_project = listed
        .iter()
        .find(|r| r["run"] == "left behind (`devstack gc`)")
        .unwrap_or_else(|| panic!("the killed run is left behind: {listed:?}"))["project"]
        .as_str()
        .unwrap()
        .to_string();
    let _cleanup_killed = Cleanup(killed_project.clone());

    let left_alone = format!(
        "left `{unshared_project}` alone: cannot tell from here whether its run still goes on (its owner runs in another PID namespace)"
    );
    let dry = stack.run(&["--project", &stack.project, "gc", "--dry-run"]);
    dry.assert_code(0).assert_stderr_has(&left_alone);
    let ours: Vec<&str> = dry
        .stdout
        .lines()
        .filter(|l| l.starts_with(&stack.project))
        .collect();
    assert_eq!(ours, [killed_project.as_str()], "{}", dry.stderr);
    let gc = stack.run(&["--project", &stack.project, "gc"]);
    gc.assert_code(0)
        .assert_stdout_has(format!("removed run `{killed_project}`"))
        .assert_stdout_lacks(&unshared_project)
        .assert_stderr_has(&left_alone);
    let listed = rows();
    assert!(row(&listed, &killed_project).is_none(), "{listed:?}");
    let shown = row(&listed, &unshared_project).expect("the unshared run stays");
    assert_eq!(shown["run"], elsewhere, "{listed:?}");
    assert_eq!(shown["state"], "running", "{listed:?}");
    if engine != "embedded" {
        assert_nothing_left(&killed_project);
    }

    // Its own run, where it lives, still removes it.
    unshared.finish().assert_code(0);
    assert_no_run_left(&stack);
    assert!(!process_alive(victim));
}

/// Both need a PID namespace of their own (`unshare`: root, or user
/// namespaces), which `scripts/test.sh` runs where it may.
mod gc_leaves_a_run_of_another_pid_namespace_alone {
    #[test]
    #[ignore = "needs a Docker daemon, and root or user namespaces (unshare --pid)"]
    fn dynamodb_local() {
        let _docker = crate::support::docker();
        super::gc_leaves_a_run_of_another_pid_namespace_alone("dynamodb-local", "run-gc-ns-ddb");
    }

    #[test]
    #[ignore = "needs root or user namespaces (unshare --pid)"]
    fn embedded() {
        super::gc_leaves_a_run_of_another_pid_namespace_alone("embedded", "run-gc-ns-emb");
    }
}

#[test]
fn run_keep_leaves_the_stack_up_until_down() {
    let stack = Stack::new("run-keep", "embedded", ORDERS);
    let out = stack.run(&["run", "--keep", "--", "true"]);
    out.assert_code(0);
    let project = run_project(&stack);
    out.assert_stderr_has(format!("`devstack --project {project} down` removes it"));
    let env = stack.run(&["--project", &project, "env", "--format", "json"]);
    env.assert_code(0);
    let vars: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&env.stdout).unwrap();
    let names = table_names(&vars);
    assert_eq!(names, ["_devstack", "orders"]);
    // A kept run stays.
    let gc = stack.run(&["--project", &stack.project, "gc"]);
    gc.assert_stderr_has("nothing to collect");
    let down = stack.run(&["--project", &project, "down"]);
    down.assert_code(0);
    down.assert_stderr_has("stopped the embedded engine");
    assert!(
        run_leftovers(&stack)
            .iter()
            .all(|l| !l.starts_with("process"))
    );
}

#[test]
fn env_placeholders_follow_the_stack_into_run() {
    let stack = Stack::new(
        "run-env",
        "embedded",
        "\n[env]\nDYNAMODB_ENDPOINT_URL = \"${endpoint}\"\nDYNAMODB_LOCAL_PORT = \"${port}\"\n\
         DATABASE_NAME = \"${table:orders}\"\nLITERAL = \"costs $$5\"\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    let manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    std::fs::write(
        stack.manifest(),
        manifest.replace("[project]\n", "[project]\ntable_prefix = \"App_\"\n"),
    )
    .unwrap();
    let script = "printf '%s\\n' \"$AWS_ENDPOINT_URL\" \"$DYNAMODB_ENDPOINT_URL\" \
                  \"$DYNAMODB_LOCAL_PORT\" \"$DATABASE_NAME\" \"$LITERAL\" > vars.txt";
    let out = stack.run(&["run", "--", "sh", "-c", script]);
    out.assert_code(0);
    let vars = std::fs::read_to_string(stack.dir.path().join("vars.txt")).unwrap();
    let vars: Vec<&str> = vars.lines().collect();
    assert_eq!(vars[1], vars[0], "${{endpoint}} is the engine's URL");
    assert_eq!(
        vars[0].rsplit(':').next(),
        Some(vars[2]),
        "${{port}} is its port"
    );
    assert_eq!(vars[3], "App_orders");
    assert_eq!(vars[4], "costs $5");
}

/// MiniStack's `run`, and `env` with placeholders on a running stack with
/// `port = 0`, for the host and for the project network.
#[test]
#[ignore = "needs a Docker daemon"]
fn ministack_run_and_placeholders_on_the_host_and_the_network() {
    let _docker = docker();
    let stack = Stack::new(
        "run-ms",
        "ministack",
        "\n[env]\nDYNAMODB_ENDPOINT_URL = \"${endpoint}\"\nDYNAMODB_LOCAL_PORT = \"${port}\"\n\
         DATABASE_NAME = \"${table:orders}\"\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    let out = stack.run(&[
        "run",
        "--",
        "sh",
        "-c",
        "echo \"$DYNAMODB_ENDPOINT_URL\" > url.txt; exit 3",
    ]);
    out.assert_code(3);
    let url = read(&stack.dir.path().join("url.txt"));
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "port free again"
    );
    let run_project = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("run: project `"))
        .and_then(|l| l.split('`').next())
        .unwrap()
        .to_string();
    assert_nothing_left(&run_project);

    stack.up();
    let host = stack.env();
    let port = host["AWS_ENDPOINT_URL"]
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(host["DYNAMODB_ENDPOINT_URL"], host["AWS_ENDPOINT_URL"]);
    assert_eq!(host["DYNAMODB_LOCAL_PORT"], port);
    assert_ne!(port, "4566", "port = 0 picked another");
    assert_eq!(host["DATABASE_NAME"], "orders");
    let net = stack.run(&["env", "--network", "--format", "json"]);
    let net: serde_json::Value = serde_json::from_str(&net.stdout).unwrap();
    assert_eq!(net["DYNAMODB_ENDPOINT_URL"], "http://aws-local:4566");
    assert_eq!(net["DYNAMODB_LOCAL_PORT"], "4566");
}

/// `up --throwaway`, as a test runner's fixture uses it: a fresh stack under
/// a name of its own and on free ports, whose variables name it; a run of
/// its caller's while the caller lives (`gc` leaves it), removed by `down`;
/// and collected by `gc` once a caller that never removed it is gone.
fn up_throwaway_belongs_to_its_caller(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, ORDERS);
    let up = stack.run(&["up", "--throwaway", "--format", "json"]);
    up.assert_code(0);
    let vars: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&up.stdout).unwrap();
    let project = vars["DEVSTACK_PROJECT"].clone();
    assert!(
        project.starts_with(&format!("{}-run-", stack.project)),
        "{project}"
    );
    assert_eq!(vars["DEVSTACK_ENGINE"], engine);
    up.assert_stderr_has(format!("`devstack -p {project} down` removes it"));
    let names = table_names(&vars);
    assert_eq!(names, ["_devstack", "orders"]);
    // Its variables reach it: `status` with them names its project.
    let mut status = stack.command(&["status", "--json"]);
    status.envs(vars.iter().filter(|(k, _)| k.starts_with("DEVSTACK_")));
    let status = run(&mut status);
    status.assert_code(0);
    status.assert_stdout_has(&project);
    // Its caller (this test) lives: `gc` leaves it.
    let gc = stack.run(&["--project", &stack.project, "gc"]);
    gc.assert_stderr_has("nothing to collect");
    stack.run(&["--project", &project, "down"]).assert_code(0);

    // A caller that ends without removing it: `gc` collects it.
    let left = run(stack
        .program("sh")
        .args(["-c", "\"$0\" up --throwaway --format json; echo done"])
        .arg(env!("CARGO_BIN_EXE_devstack")));
    left.assert_code(0);
    let vars: serde_json::Value =
        serde_json::from_str(left.stdout.trim_end_matches("done\n")).unwrap();
    let orphan = vars["DEVSTACK_PROJECT"].as_str().unwrap().to_string();
    let gc = stack.run(&["--project", &stack.project, "gc"]);
    gc.assert_code(0);
    gc.assert_stdout_has(format!("removed run `{orphan}`"));
    assert!(
        run_leftovers(&stack)
            .iter()
            .all(|l| !l.starts_with("process")),
        "{:?}",
        run_leftovers(&stack)
    );
}

per_engine!(up_throwaway_belongs_to_its_caller, "up-throwaway": embedded, dynamodb_local);

/// `up --throwaway` stopped while its stack is being made (a test runner
/// that gives up, Ctrl-C): the stack is removed, as `run`'s is, and nothing
/// is left for `gc`.
#[test]
#[ignore = "needs a Docker daemon"]
fn up_throwaway_stopped_while_starting_removes_its_stack() {
    let _docker = crate::support::docker();
    let stack = Stack::new("up-throwaway-stopped", "dynamodb-local", ORDERS);
    let child = spawn(&stack, &["up", "--throwaway"]);
    // The run is noted before anything is made; DynamoDB Local then takes
    // seconds to answer, so the signal comes while the stack is made.
    let project = run_project(&stack);
    // Whatever the daemon still makes for a request in flight when the
    // signal came goes with the test too.
    let _late = crate::support::stack::Cleanup(project.clone());
    send_signal(child.id(), "-TERM").assert_code(0);
    let done = finish(child);
    assert_eq!(
        done.code,
        128 + 15,
        "stopped before the stack was up:\n{}",
        done.stderr
    );
    done.assert_stderr_has(format!("run: removed project `{project}`"));
    let listed = stack.run(&["ls", "--json"]);
    assert!(!listed.stdout.contains(&project), "{}", listed.stdout);
    assert_nothing_left(&project);
}
