//! Tests never see the developer's environment: every program a test
//! starts is built by `support::command`, which removes the variables that
//! could point it at something not the test's own; and a run of the tests
//! with every such variable exported, all naming a stack of the
//! developer's (the sentinel), leaves that stack alone.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{
    Stack, block_on, client_from_env, command, create_context, engine_pid, process_alive, root,
    use_context,
};

/// Set, in the copy of this test binary that runs the commands, to say it
/// is that copy. Not a `DEVSTACK_*` name: nothing of devstack reads it.
const INNER: &str = "ISOLATION_INNER_RUN";

/// The tables of both stacks: `orders`, seeded with three items.
fn with_orders(stack: &Stack) {
    stack.add_seeded_orders(3);
}

/// Every file of the test suite, by path, with its text.
fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn every_program_a_test_starts_is_built_by_the_one_command_builder() {
    // Written in two halves so this file does not match itself.
    let making = concat!("Command", "::new(");
    let mut files = Vec::new();
    sources(&root().join("tests/integration"), &mut files);
    let builder = Path::new("support").join("mod.rs");
    let elsewhere: Vec<&str> = files
        .iter()
        .filter(|(path, text)| {
            text.contains(making) && !path.ends_with(&*builder.to_string_lossy())
        })
        .map(|(path, _)| path.as_str())
        .collect();
    assert!(
        elsewhere.is_empty(),
        "these files start programs without `support::command`: {elsewhere:?}"
    );
    let (_, text) = files
        .iter()
        .find(|(path, _)| path.ends_with(&*builder.to_string_lossy()))
        .unwrap();
    assert_eq!(
        text.matches(making).count(),
        1,
        "one builder in support/mod.rs"
    );
}

/// What each variable devstack reads on its own command line is set to in
/// the developer's shell: all of them name the sentinel.
fn devstack_variables(sentinel: &Stack, url: &str) -> BTreeMap<String, String> {
    use clap::CommandFactory;
    let mut variables = BTreeMap::new();
    let cli = devstack::cli::Cli::command();
    let args = cli
        .get_arguments()
        .chain(cli.get_subcommands().flat_map(|c| c.get_arguments()));
    for arg in args {
        let Some(name) = arg.get_env() else { continue };
        let name = name.to_string_lossy().into_owned();
        let value = match name.as_str() {
            "DEVSTACK_PROJECT" => sentinel.project.clone(),
            "DEVSTACK_ENGINE" => sentinel.engine.clone(),
            "DEVSTACK_FILE" => sentinel.manifest().display().to_string(),
            "DEVSTACK_ENDPOINT" => url.to_string(),
            // They name no stack; exported, they must still not reach one.
            "DEVSTACK_WARM" => "1".to_string(),
            "DEVSTACK_WARM_IDLE" => "5".to_string(),
            other => panic!(
                "devstack reads `{other}`: say here what it is set to when it names the sentinel"
            ),
        };
        variables.insert(name, value);
    }
    variables
}

/// A developer's stack (the sentinel: the embedded engine, under a project
/// of its own, with an item written), and every variable that could point
/// a command at it exported as a developer's shell would: devstack's own,
/// the AWS SDKs' and CLI's (endpoint, profile, credentials, their files),
/// Docker's (`DOCKER_HOST`, and a docker CLI config whose current context
/// `DOCKER_CONTEXT` also names, all at a socket that notes any
/// connection), and the home its
/// engine is recorded in. The tests that run with them (`up`, `scan`,
/// `reset`, `env`, `ls`, `down --volumes` on a project of their own) must
/// leave it as it was: the same engine process running, the item there.
///
/// Setting the variables in this process would reach every test running
/// beside it in other threads (and changing the environment of a running
/// multi-threaded process is unsound), so the test runs a copy of this
/// test binary with them exported and only this test selected: the copy
/// sees `INNER` and runs the commands, like any test would, through
/// `support::command`.
#[test]
fn a_run_with_the_developers_variables_exported_leaves_their_stack_alone() {
    if std::env::var_os(INNER).is_some() {
        return commands_on_a_project_of_their_own();
    }
    let sentinel = Stack::new("sentinel", "embedded", "");
    with_orders(&sentinel);
    sentinel.up();
    let env = sentinel.env();
    let url = env["AWS_ENDPOINT_URL"].clone();
    block_on(async {
        use aws_sdk_dynamodb::types::AttributeValue;
        client_from_env(&env)
            .await
            .put_item()
            .table_name("orders")
            .item("pk", AttributeValue::S("EDITED".to_string()))
            .send()
            .await
            .unwrap();
    });
    let engine = engine_pid(&sentinel.engine_dir()).expect("the sentinel's engine runs");

    // A Docker socket that notes every connection, and AWS files naming
    // the sentinel.
    let aside = tempfile::tempdir().unwrap();
    let socket = aside.path().join("docker.sock");
    let docker = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    docker.set_nonblocking(true).unwrap();
    let docker_config = aside.path().join("docker-config");
    create_context(
        &docker_config,
        "sentinel",
        &format!("unix://{}", socket.display()),
    );
    use_context(&docker_config, "sentinel");
    let config = aside.path().join("aws-config");
    std::fs::write(
        &config,
        format!("[profile sentinel]\nendpoint_url = {url}\nregion = us-east-1\n"),
    )
    .unwrap();
    let credentials = aside.path().join("aws-credentials");
    std::fs::write(
        &credentials,
        "[sentinel]\naws_access_key_id = test\naws_secret_access_key = test\n",
    )
    .unwrap();

    let test = format!(
        "{}::a_run_with_the_developers_variables_exported_leaves_their_stack_alone",
        module_path!()
            .split_once("::")
            .map_or("", |(_, module)| module)
    );
    let mut inner = command(std::env::current_exe().unwrap());
    inner
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(INNER, "1")
        .envs(devstack_variables(&sentinel, &url))
        .envs([
            ("AWS_ENDPOINT_URL", url.as_str()),
            ("AWS_ENDPOINT_URL_DYNAMODB", url.as_str()),
            ("AWS_PROFILE", "sentinel"),
            ("AWS_DEFAULT_PROFILE", "sentinel"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_SESSION_TOKEN", "sentinel"),
            ("DOCKER_CONTEXT", "sentinel"),
        ])
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("DOCKER_CONFIG", &docker_config)
        .env("DOCKER_HOST", format!("unix://{}", socket.display()));
    let home = sentinel.home.path();
    inner.env("HOME", home);
    for sub in ["cache", "state", "data", "config", "runtime"] {
        let name = format!("XDG_{}_HOME", sub.to_uppercase());
        let name = if sub == "runtime" {
            "XDG_RUNTIME_DIR".to_string()
        } else {
            name
        };
        inner.env(name, home.join(sub));
    }
    let ran = crate::support::run(&mut inner).context("with the sentinel's variables");
    ran.assert_code(0);
    // The filter selected the test, and it ran.
    ran.assert_stdout_has("1 passed");

    assert!(
        process_alive(engine) && engine_pid(&sentinel.engine_dir()) == Some(engine),
        "the sentinel's engine still runs, the same process\n{}",
        ran.stdout
    );
    let items = sentinel.run(&["scan", "orders"]);
    items.assert_code(0).assert_stdout_has("\"EDITED\"");
    assert_eq!(items.stdout.lines().count(), 4, "{}", items.stdout);
    assert!(
        docker
            .accept()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "something connected to the Docker socket DOCKER_HOST and the context named\n{}",
        ran.stdout
    );
    sentinel.assert_down_leaves_nothing();
}

/// The commands the tests run, on a project of their own, as any test
/// would, in the copy that has the sentinel's variables exported.
fn commands_on_a_project_of_their_own() {
    let sentinel_url = std::env::var("DEVSTACK_ENDPOINT").unwrap_or_default();
    let sentinel = std::env::var("DEVSTACK_PROJECT").unwrap_or_default();
    let stack = Stack::new("isolated", "embedded", "");
    with_orders(&stack);
    stack
        .up()
        .assert_stderr_has(format!("project `{}` is up", stack.project));
    let url = &stack.env()["AWS_ENDPOINT_URL"];
    assert_ne!(url, &sentinel_url, "its own engine, not the sentinel's");
    let scanned = stack.run(&["scan", "orders"]);
    scanned.assert_code(0);
    assert_eq!(scanned.stdout.lines().count(), 3, "{}", scanned.stdout);
    stack
        .run(&["reset"])
        .assert_code(0)
        .assert_stderr_has(url.as_str());
    // `ls` asks Docker too: built by the builder alone, with no
    // `DOCKER_HOST` of the stack's.
    let listed = crate::support::run(stack.home.devstack(stack.dir.path()).args(["ls"]));
    listed.assert_code(0);
    listed.assert_stdout_has(&stack.project);
    listed.assert_stdout_lacks(&sentinel);
    stack.assert_down_leaves_nothing();
}
