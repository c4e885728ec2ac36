//! `devstack doctor`: each check on a machine set up to fail it (no Docker
//! daemon, a docker context that does not exist, a port someone else holds,
//! a state folder that is a file), and a healthy machine, reached through
//! the default socket or a docker context, in text and as `--json`.

use std::net::TcpListener;

use crate::support::{Home, Run, Stack, command, context_meta, run, use_context};

/// A socket that does not exist: no Docker daemon.
const NO_DOCKER: &str = "unix:///nonexistent.sock";

fn report(out: &Run) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json: {e}\n{}\n{}", out.stdout, out.stderr))
}

/// The check of this name in a `--json` report.
fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no `{name}` check in {report:#}"))
}

/// The line of the check of this name in the text report, and the line after it.
fn line<'a>(out: &'a Run, name: &str) -> (&'a str, &'a str) {
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| {
            l.split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(name))
        })
        .unwrap_or_else(|| panic!("no `{name}` line in\n{}", out.stdout));
    (lines[at], lines.get(at + 1).copied().unwrap_or_default())
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn without_docker_a_container_engine_fails_the_docker_check_naming_the_socket_and_the_fix() {
    let stack = Stack::new("doctor-no-docker", "dynamodb-local", "");
    let out = run(stack.command(&["doctor"]).env("DOCKER_HOST", NO_DOCKER));
    out.assert_code(1);
    let (docker, fix) = line(&out, "docker socket");
    assert!(docker.starts_with("✗ docker socket"), "{docker}");
    assert!(docker.contains("`/nonexistent.sock`"), "{docker}");
    assert!(fix.starts_with("  fix: start Docker"), "{fix}");
    assert!(fix.contains("`DOCKER_HOST`"), "{fix}");
    out.assert_stderr_has("check failed: `docker socket`");

    let out = run(stack
        .command(&["doctor", "--json"])
        .env("DOCKER_HOST", NO_DOCKER));
    out.assert_code(1);
    assert!(
        out.stderr.is_empty(),
        "the report says it all: {}",
        out.stderr
    );
    let report = report(&out);
    assert_eq!(report["ok"], false);
    let docker = check(&report, "docker socket");
    assert_eq!(docker["status"], "failed");
    assert!(
        docker["detail"]
            .as_str()
            .unwrap()
            .contains("`/nonexistent.sock`"),
        "{docker}"
    );
    assert!(
        docker["fix"].as_str().unwrap().starts_with("start Docker"),
        "{docker}"
    );
    // Nothing else is broken on this machine: only Docker fails.
    let failed: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{report:#}");
}

#[test]
fn a_current_context_without_its_meta_file_fails_naming_the_context_the_file_and_the_fix() {
    let stack = Stack::new("doctor-no-context", "dynamodb-local", "");
    let config = stack.home.path().join(".docker");
    use_context(&config, "colima");
    let meta = context_meta(&config, "colima");
    let out = stack.run(&["doctor"]);
    out.assert_code(1);
    let (docker, fix) = line(&out, "docker socket");
    assert_eq!(
        docker,
        format!(
            "✗ docker socket   the Docker context `colima` (from ~/.docker/config.json) does not exist: there is no `{}`",
            meta.display()
        )
    );
    assert!(fix.starts_with("  fix: `docker context ls`"), "{fix}");
    assert!(fix.contains("`docker context use default`"), "{fix}");
    out.assert_stderr_has("check failed: `docker socket`");

    let report = report(&stack.run(&["doctor", "--json"]));
    let docker = check(&report, "docker socket");
    assert_eq!(docker["status"], "failed", "{docker}");
    assert!(
        docker["detail"].as_str().unwrap().contains(&format!(
            "`colima` (from ~/.docker/config.json) does not exist: there is no `{}`",
            meta.display()
        )),
        "{docker}"
    );

    // Never the default socket instead, whether a daemon answers there or not.
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has(format!(
        "the Docker context `colima` (from ~/.docker/config.json) does not exist: there is no `{}`",
        meta.display()
    ));
    out.assert_stderr_has("`docker context use default`");
    out.assert_stderr_lacks("ready");
    assert_eq!(
        out.stderr.matches("does not exist").count(),
        1,
        "said once: {}",
        out.stderr
    );
}

#[test]
fn the_embedded_engine_passes_without_docker_which_is_only_a_note() {
    let stack = Stack::new("doctor-embedded", "embedded", "");
    let out = stack.run(&["doctor"]);
    out.assert_code(0);
    let (docker, next) = line(&out, "docker socket");
    assert!(docker.starts_with("· docker socket"), "{docker}");
    assert!(docker.contains("not needed"), "{docker}");
    assert!(!next.contains("fix:"), "a note needs no fix: {next}");
    let (embedded, _) = line(&out, "embedded engine");
    assert!(embedded.starts_with("✓ embedded engine"), "{embedded}");

    let out = stack.run(&["doctor", "--json"]);
    out.assert_code(0);
    let report = report(&out);
    assert_eq!(report["ok"], true);
    assert_eq!(check(&report, "docker socket")["status"], "note");
    assert_eq!(check(&report, "embedded engine")["status"], "ok");
    assert_eq!(check(&report, "manifest")["status"], "ok");
    assert_eq!(check(&report, "state folders")["status"], "ok");
    assert!(
        check(&report, "embedded engine")["detail"]
            .as_str()
            .unwrap()
            .contains("ListTables"),
        "{report:#}"
    );
}

#[test]
fn a_port_held_by_another_program_fails_the_ports_check_naming_the_port() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let stack = Stack::new("doctor-port", "embedded", "");
    stack.write_manifest(&format!(
        "engine = \"embedded\"\n\n[services.embedded]\nport = {port}\n"
    ));
    let out = stack.run(&["doctor"]);
    out.assert_code(1);
    let (ports, fix) = line(&out, "ports");
    assert!(ports.starts_with("✗ ports"), "{ports}");
    assert!(
        ports.contains(&format!("port {port} on 127.0.0.1")),
        "{ports}"
    );
    assert!(ports.contains("another program"), "{ports}");
    assert!(fix.contains("`[services.embedded]`"), "{fix}");

    let report = report(&stack.run(&["doctor", "--json"]));
    let ports = check(&report, "ports");
    assert_eq!(ports["status"], "failed");
    assert!(
        ports["detail"]
            .as_str()
            .unwrap()
            .contains(&port.to_string()),
        "{ports}"
    );
    drop(holder);
}

#[test]
fn a_port_held_by_the_projects_own_engine_is_fine() {
    let port = free_port();
    let stack = Stack::new("doctor-own-port", "embedded", "");
    stack.write_manifest(&format!(
        "engine = \"embedded\"\n\n[services.embedded]\nport = {port}\n"
    ));
    stack.up();
    let out = stack.run(&["doctor", "--json"]);
    out.assert_code(0);
    let report = report(&out);
    let ports = check(&report, "ports");
    assert_eq!(ports["status"], "ok");
    assert!(
        ports["detail"]
            .as_str()
            .unwrap()
            .contains("in use by the project's own embedded engine"),
        "{ports}"
    );
    stack.run(&["down"]).assert_code(0);
}

#[test]
fn a_state_folder_that_cannot_be_made_fails_the_state_folders_check() {
    let stack = Stack::new("doctor-state", "embedded", "");
    let file = stack.home.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let out = run(stack.command(&["doctor"]).env("XDG_STATE_HOME", &file));
    out.assert_code(1);
    let (folders, fix) = line(&out, "state folders");
    assert!(folders.starts_with("✗ state folders"), "{folders}");
    assert!(
        folders.contains(&format!("`{}` is a file, not a folder", file.display())),
        "{folders}"
    );
    assert!(fix.contains("`XDG_STATE_HOME`"), "{fix}");

    let out = run(stack
        .command(&["doctor", "--json"])
        .env("XDG_STATE_HOME", &file));
    out.assert_code(1);
    let report = report(&out);
    assert_eq!(report["ok"], false);
    assert_eq!(check(&report, "state folders")["status"], "failed");
}

#[test]
fn without_a_manifest_it_warns_and_checks_the_rest_with_the_defaults() {
    let home = Home::new();
    let empty = tempfile::tempdir().unwrap();
    // The defaults' port, 8000, may be held on a developer's machine (a
    // stack of their own): the ports check then says so, and fails.
    let default_port_free = std::net::TcpListener::bind(("127.0.0.1", 8000)).is_ok();
    let out = run(home
        .devstack(empty.path())
        .env("DOCKER_HOST", NO_DOCKER)
        .args(["doctor", "--json"]));
    // Without a manifest nothing says Docker is needed: warnings only.
    out.assert_code(if default_port_free { 0 } else { 1 });
    let report = report(&out);
    let manifest = check(&report, "manifest");
    assert_eq!(manifest["status"], "warning");
    assert!(
        manifest["detail"]
            .as_str()
            .unwrap()
            .contains("no `devstack.toml`"),
        "{manifest}"
    );
    assert_eq!(check(&report, "docker socket")["status"], "warning");
    assert_eq!(check(&report, "embedded engine")["status"], "ok");
    let ports = check(&report, "ports");
    if default_port_free {
        assert_eq!(ports["status"], "ok", "{ports}");
    } else {
        assert_eq!(ports["status"], "failed", "{ports}");
        assert!(
            ports["detail"].as_str().unwrap().contains("port 8000"),
            "{ports}"
        );
    }
}

#[test]
fn an_invalid_manifest_fails_and_points_at_validate() {
    let stack = Stack::new("doctor-invalid", "embedded", "");
    stack.write_manifest("engine = \"embedded\"\nreigon = \"us-east-1\"\n");
    let report = report(&stack.run(&["doctor", "--json"]));
    let manifest = check(&report, "manifest");
    assert_eq!(manifest["status"], "failed", "{manifest}");
    assert!(
        manifest["fix"]
            .as_str()
            .unwrap()
            .contains("`devstack validate`"),
        "{manifest}"
    );
    // The other checks still ran.
    assert_eq!(report["checks"].as_array().map(Vec::len), Some(8));
}

#[test]
#[ignore = "needs a Docker daemon"]
fn on_a_healthy_machine_every_check_passes() {
    let stack = Stack::new("doctor-healthy", "dynamodb-local", "");
    let out = stack.run(&["doctor"]);
    out.assert_code(0);
    for name in [
        "manifest",
        "docker socket",
        "images",
        "clock",
        "embedded engine",
    ] {
        let (line, _) = line(&out, name);
        assert!(line.starts_with('✓'), "{line}");
    }
    let report = report(&stack.run(&["doctor", "--json"]));
    assert_eq!(report["ok"], true, "{report:#}");
    let docker = check(&report, "docker socket");
    assert!(
        docker["detail"]
            .as_str()
            .unwrap()
            .starts_with("unix:///var/run/docker.sock answers (the default socket; Docker "),
        "{docker}"
    );
    let images = check(&report, "images")["detail"].as_str().unwrap();
    assert!(
        images.contains("`amazon/dynamodb-local:3.3.0` present")
            && images.contains("`aaronshaf/dynamodb-admin:5.3.3` present"),
        "{images}"
    );
}

#[test]
#[ignore = "needs a Docker daemon"]
fn a_port_held_by_the_projects_own_container_is_fine() {
    let port = free_port();
    let stack = Stack::new("doctor-own-container", "dynamodb-local", "");
    stack.write_manifest(&format!(
        "engine = \"dynamodb-local\"\n\n[services.dynamodb-local]\nport = {port}\n"
    ));
    stack.up();
    let out = stack.run(&["doctor", "--json"]);
    out.assert_code(0);
    let ports = check(&report(&out), "ports").clone();
    assert!(
        ports["detail"]
            .as_str()
            .unwrap()
            .contains("in use by the project's own container `devstack-"),
        "{ports}"
    );
    stack.run(&["down"]).assert_code(0);
}

/// The daemon the tests use, at a link to its socket named only by a
/// docker context of the test's home, made by the docker CLI itself and
/// made current in the home's `~/.docker/config.json`: only the context
/// can lead there.
#[test]
#[ignore = "needs a Docker daemon"]
fn the_daemon_of_the_current_docker_context_is_used_and_named() {
    let stack = Stack::new("doctor-context", "dynamodb-local", "");
    let daemon = devstack::stack::docker::DEFAULT_HOST;
    let link = stack.home.path().join("docker.sock");
    std::os::unix::fs::symlink(daemon.strip_prefix("unix://").unwrap(), &link).unwrap();
    let host = format!("unix://{}", link.display());
    let config = stack.home.path().join(".docker");
    let docker = |args: &[&str]| {
        run(command("docker").env("DOCKER_CONFIG", &config).args(args)).assert_code(0);
    };
    docker(&[
        "context",
        "create",
        "devstack-test",
        "--docker",
        &format!("host={host}"),
    ]);
    docker(&["context", "use", "devstack-test"]);

    let out = stack.run(&["doctor"]);
    out.assert_code(0);
    let (line, _) = line(&out, "docker socket");
    assert!(
        line.starts_with(&format!(
            "✓ docker socket   {host} answers (context `devstack-test`, from ~/.docker/config.json; Docker "
        )),
        "{line}"
    );

    let report = report(&stack.run(&["doctor", "--json"]));
    assert_eq!(report["ok"], true, "{report:#}");
    let docker = check(&report, "docker socket");
    assert!(
        docker["detail"].as_str().unwrap().starts_with(&format!(
            "{host} answers (context `devstack-test`, from ~/.docker/config.json; Docker "
        )),
        "{docker}"
    );
    // More than the ping went through it: the images were looked up there.
    assert_eq!(check(&report, "images")["status"], "ok", "{report:#}");
}
