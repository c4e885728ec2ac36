//! `devstack validate` on the bundled example and on broken manifests, one
//! defect each, and the command line itself: help texts, usage errors and
//! the settings taken from the environment. Messages are pinned by
//! snapshots so changes stay visible. None of these needs Docker.

use std::path::Path;

use crate::support::{Home, Run, commands, root, run};

fn fixtures() -> std::path::PathBuf {
    root().join("tests/fixtures/manifests")
}

/// Runs `devstack ARGS` in `cwd` with a home of its own.
fn devstack(cwd: &Path, args: &[&str]) -> Run {
    let home = Home::new();
    run(home.devstack(cwd).args(args))
}

#[test]
fn bundled_example_is_valid_with_six_tables() {
    let out = devstack(&root(), &["-f", "bootstrap/devstack.toml", "validate"]);
    out.assert_code(0);
    insta::assert_snapshot!(out.stdout);
    for table in crate::support::CODEMETRICS_TABLES {
        out.assert_stdout_has(format!("CodeMetrics_{table} "));
    }
}

#[test]
fn bundled_example_is_found_from_a_subfolder() {
    let out = devstack(&root().join("bootstrap/seed"), &["validate", "--json"]);
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["tables"].as_array().map(Vec::len), Some(6));
}

#[test]
fn the_manifest_comes_from_devstack_file_when_no_file_is_given() {
    let elsewhere = tempfile::tempdir().unwrap();
    let home = Home::new();
    let out = run(home
        .devstack(elsewhere.path())
        .env("DEVSTACK_FILE", root().join("bootstrap/devstack.toml"))
        .args(["validate", "--json"]));
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["project"], "codemetrics");

    // `-f` wins over the variable.
    let out = run(home
        .devstack(&fixtures())
        .env("DEVSTACK_FILE", root().join("bootstrap/devstack.toml"))
        .args(["-f", "valid-minimal/devstack.toml", "validate", "--json"]));
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_ne!(report["project"], "codemetrics", "{report}");
}

#[test]
fn valid_fixtures_pass() {
    for case in ["valid-minimal", "valid-full", "valid-no-engine"] {
        let file = format!("{case}/devstack.toml");
        let out = devstack(&fixtures(), &["-f", &file, "validate"]);
        out.assert_code(0);
        out.assert_stdout_has("is valid");
    }
}

#[test]
fn a_manifest_that_names_no_engine_runs_on_the_embedded_one_and_says_so() {
    let out = devstack(
        &fixtures(),
        &["-f", "valid-no-engine/devstack.toml", "validate"],
    );
    out.assert_code(0);
    out.assert_stderr_has("the manifest names no engine: using the embedded engine");
    let out = devstack(
        &fixtures(),
        &["-f", "valid-no-engine/devstack.toml", "validate", "--json"],
    );
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["engine"], "embedded", "{report}");

    // An engine given on the command line needs no note.
    let out = devstack(
        &fixtures(),
        &[
            "-f",
            "valid-no-engine/devstack.toml",
            "--engine",
            "ministack",
            "validate",
        ],
    );
    out.assert_code(0);
    assert!(!out.stderr.contains("names no engine"), "{}", out.stderr);
}

/// The broken fixtures: every folder here except the valid ones.
fn broken_fixtures() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(fixtures())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("devstack.toml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with("valid-"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_broken_manifest_exits_2_with_its_position() {
    let cases = broken_fixtures();
    assert!(cases.len() >= 15, "only {} broken fixtures", cases.len());
    for case in cases {
        let file = format!("{case}/devstack.toml");
        let out = devstack(&fixtures(), &["-f", &file, "validate"]);
        out.assert_code(2);
        assert!(out.stdout.is_empty(), "{case}: errors belong on stderr");
        // In the manifest, or in the file it takes tables from.
        let (in_file, positions) = documented(&case);
        out.assert_stderr_has(format!("`{file}` is not valid"));
        let shown: Vec<String> = positions
            .iter()
            .map(|at| format!("{case}/{in_file}:{at}:"))
            .collect();
        assert!(
            shown.iter().any(|place| out.stderr.contains(place)),
            "{case}: none of {shown:?} in\n{}",
            out.stderr
        );
        insta::assert_snapshot!(case.as_str(), out.stderr);
    }
}

/// The file of the fixture's folder its defect is in (`devstack.toml`
/// unless its README row names another) and the `line:column`s the row
/// gives.
fn documented(case: &str) -> (String, Vec<String>) {
    let readme = std::fs::read_to_string(fixtures().join("README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with(&format!("| `{case}` |")))
        .unwrap_or_else(|| panic!("{case} is not in the fixtures README"));
    let position = row.rsplit('|').nth(1).unwrap_or_default();
    // A position in another file than the manifest names it first.
    let in_file = match position.trim().strip_prefix('`') {
        Some(rest) => rest.split('`').next().unwrap_or_default(),
        None => "devstack.toml",
    };
    let positions = position
        .split(|c: char| !(c.is_ascii_digit() || c == ':'))
        .filter(|w| w.contains(':') && w.split(':').all(|n| !n.is_empty()))
        .map(String::from)
        .collect();
    (in_file.to_string(), positions)
}

/// The fixtures README gives each defect's position; every position
/// devstack reports must be one of them, so the two cannot drift apart.
#[test]
fn every_reported_position_is_the_one_the_fixtures_readme_gives() {
    for case in broken_fixtures() {
        let (in_file, documented) = documented(&case);
        let file = format!("{case}/devstack.toml");
        let out = devstack(&fixtures(), &["-f", &file, "validate", "--json"]);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let errors = report["errors"].as_array().unwrap();
        assert!(!errors.is_empty(), "{case}");
        for error in errors {
            let file = error["file"].as_str().unwrap_or_default();
            assert!(
                file.ends_with(&format!("{case}/{in_file}")),
                "{case}: reported in {file}, the README says {in_file}"
            );
            let at = format!("{}:{}", error["line"], error["column"]);
            assert!(
                documented.contains(&at),
                "{case}: reported at {at}, the README says {documented:?}"
            );
        }
    }
}

#[test]
fn json_errors_carry_line_column_and_field() {
    let out = devstack(
        &fixtures(),
        &["-f", "unknown-key-typo/devstack.toml", "validate", "--json"],
    );
    out.assert_code(2);
    assert_eq!(out.stderr, "", "--json prints nothing on stderr");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let first = &report["errors"][0];
    assert_eq!(first["line"], 8);
    assert_eq!(first["column"], 1);
    assert_eq!(first["field"], "table[0].partiton_key");
    assert_eq!(first["help"], "did you mean `partition_key`?");
}

#[test]
fn a_missing_manifest_is_a_usage_error() {
    let empty = tempfile::tempdir().unwrap();
    let out = devstack(empty.path(), &["validate"]);
    out.assert_code(2);
    out.assert_stderr_has("no `devstack.toml`");
}

/// The help text is the first thing people read; changes show up here.
#[test]
fn help_lists_every_command() {
    let out = devstack(&root(), &["--help"]);
    out.assert_code(0);
    insta::assert_snapshot!(out.stdout);
}

/// Every subcommand's help, pinned. A command without its snapshot fails
/// here whatever `INSTA_UPDATE` or `INSTA_FORCE_PASS` say (insta leaves
/// the new text beside it for review), and a snapshot of a command that is
/// gone fails too.
#[test]
fn every_subcommand_has_its_help_pinned() {
    let commands = commands();
    let snapshots = root().join("tests/integration/snapshots");
    let file = |command: &str| format!("integration__manifest__help-{command}.snap");
    let listed = devstack(&root(), &["--help"]);
    let mut unpinned = Vec::new();
    for command in &commands {
        listed.assert_stdout_has(format!("  {command} "));
        let pinned = snapshots.join(file(command)).is_file();
        let out = devstack(&root(), &[command, "--help"]);
        out.assert_code(0);
        insta::assert_snapshot!(format!("help-{command}"), out.stdout);
        if !pinned {
            unpinned.push(command.as_str());
        }
    }
    assert!(
        unpinned.is_empty(),
        "no help snapshot for {unpinned:?}: review the new one (`cargo insta review`) and commit it"
    );

    let mut stale: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("integration__manifest__help-") && name.ends_with(".snap"))
        .filter(|name| !commands.iter().any(|command| file(command) == *name))
        .collect();
    stale.sort();
    assert!(stale.is_empty(), "help snapshots of no command: {stale:?}");
}

#[test]
fn a_usage_error_exits_2() {
    let out = devstack(&root(), &["scan"]);
    out.assert_code(2);
    out.assert_stderr_has("<TABLE>");
}

#[test]
fn env_with_an_endpoint_needs_no_docker() {
    let home = Home::new();
    let out = run(home
        .devstack(&root())
        .args([
            "-f",
            "bootstrap/devstack.toml",
            "--endpoint",
            "http://127.0.0.1:4566",
            "env",
            "--format",
            "dotenv",
        ])
        .env("DOCKER_HOST", "unix:///nonexistent.sock"));
    out.assert_code(0);
    assert!(
        out.stdout
            .starts_with("AWS_ENDPOINT_URL=http://127.0.0.1:4566\n"),
        "{}",
        out.stdout
    );
    out.assert_stdout_has("DATASTORE_IMPL=dynamodb\n");
}

#[test]
fn the_endpoint_comes_from_devstack_endpoint_too() {
    let home = Home::new();
    let out = run(home
        .devstack(&root())
        .env("DEVSTACK_ENDPOINT", "http://127.0.0.1:4599")
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .args(["-f", "bootstrap/devstack.toml", "env", "--format", "json"]));
    out.assert_code(0);
    let vars: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(vars["AWS_ENDPOINT_URL"], "http://127.0.0.1:4599");
    assert_eq!(vars["AWS_ENDPOINT_URL_DYNAMODB"], "http://127.0.0.1:4599");
}

#[test]
fn env_network_gives_the_in_network_endpoint_without_docker() {
    let home = Home::new();
    let shown = |engine: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("devstack.toml"),
            format!("[project]\nname = \"net\"\nengine = \"{engine}\"\n"),
        )
        .unwrap();
        let out = run(home
            .devstack(dir.path())
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .args(["env", "--network", "--format", "dotenv"]));
        out.assert_code(0);
        out.stdout
    };
    assert!(
        shown("ministack").starts_with("AWS_ENDPOINT_URL=http://aws-local:4566\n"),
        "{}",
        shown("ministack")
    );
    assert!(
        shown("dynamodb-local").starts_with("AWS_ENDPOINT_URL=http://dynamodb-local:8000\n"),
        "{}",
        shown("dynamodb-local")
    );
}

#[test]
fn validate_reads_every_seed_item() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devstack.toml"),
        "[project]\nname = \"seeds\"\nengine = \"ministack\"\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("orders.jsonl"),
        "{\"pk\": \"a\"}\n{\"total\": 3}\n{not json\n{\"total\": 4}\n",
    )
    .unwrap();
    let out = devstack(dir.path(), &["validate"]);
    out.assert_code(2);
    out.assert_stderr_has("error: the seed files have 3 problems\n");
    out.assert_stderr_has("orders.jsonl:2: missing partition key `pk`");
    out.assert_stderr_has("orders.jsonl:3:2:");
    // The line after invalid JSON is checked in the same run.
    out.assert_stderr_has("orders.jsonl:4: missing partition key `pk`");
    // `validate` writes nothing, so it does not say so.
    out.assert_stderr_lacks("nothing was written");

    let out = devstack(dir.path(), &["validate", "--json"]);
    out.assert_code(2);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
}

#[test]
fn a_missing_seed_file_stops_up_but_not_env() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devstack.toml"),
        "[project]\nname = \"noseed\"\nengine = \"ministack\"\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"gone.jsonl\"]\n",
    )
    .unwrap();
    let out = devstack(dir.path(), &["--endpoint", "http://127.0.0.1:4566", "env"]);
    out.assert_code(0);
    let out = devstack(dir.path(), &["up"]);
    out.assert_code(2);
    out.assert_stderr_has("seed file `gone.jsonl` does not exist");
}

#[test]
fn quiet_prints_data_and_errors_only() {
    let out = devstack(
        &root(),
        &["-f", "bootstrap/devstack.toml", "-q", "validate"],
    );
    out.assert_code(0);
    out.assert_stdout_has("is valid");
    assert_eq!(out.stderr, "");
    let out = devstack(
        &fixtures(),
        &["-f", "bad-region/devstack.toml", "--quiet", "validate"],
    );
    out.assert_code(2);
    assert!(
        out.stderr.starts_with("error: "),
        "errors still show: {}",
        out.stderr
    );
}
