//! `devstack validate` on the bundled example and on broken manifests, one
//! defect each. Messages are pinned by snapshots so changes stay visible.

use crate::support::{devstack, root, run};

fn fixtures() -> std::path::PathBuf {
    root().join("tests/fixtures/manifests")
}

#[test]
fn bundled_example_is_valid_with_six_tables() {
    let out = run(devstack(&root()).args(["-f", "bootstrap/devstack.toml", "validate"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    for table in crate::support::CODEMETRICS_TABLES {
        assert!(
            out.stdout.contains(&format!("CodeMetrics_{table} ")),
            "{table}"
        );
    }
}

#[test]
fn bundled_example_is_found_from_a_subfolder() {
    let out = run(devstack(&root().join("bootstrap/seed")).args(["validate", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
    assert_eq!(report["valid"], true);
    assert_eq!(report["tables"].as_array().map(Vec::len), Some(6));
}

#[test]
fn valid_fixtures_pass() {
    for case in ["valid-minimal", "valid-full"] {
        let out =
            run(devstack(&fixtures()).args(["-f", &format!("{case}/devstack.toml"), "validate"]));
        assert_eq!(out.code, 0, "{case}: {}", out.stderr);
        assert!(out.stdout.contains("is valid"), "{case}: {}", out.stdout);
    }
}

/// Every folder here except the valid ones holds a manifest with a defect.
#[test]
fn every_broken_manifest_exits_2_with_its_position() {
    let mut cases: Vec<String> = std::fs::read_dir(fixtures())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("devstack.toml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with("valid-"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "only {} broken fixtures", cases.len());
    for case in cases {
        let file = format!("{case}/devstack.toml");
        let out = run(devstack(&fixtures()).args(["-f", &file, "validate"]));
        assert_eq!(
            out.code, 2,
            "{case} should fail validation:\n{}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{case}: errors belong on stderr");
        assert!(
            out.stderr.contains(&format!("{file}:")),
            "{case}: no file:line:column in\n{}",
            out.stderr
        );
        insta::assert_snapshot!(case.as_str(), out.stderr);
    }
}

#[test]
fn json_errors_carry_line_column_and_field() {
    let out = run(devstack(&fixtures()).args([
        "-f",
        "unknown-key-typo/devstack.toml",
        "validate",
        "--json",
    ]));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "", "--json prints nothing on stderr");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
    assert_eq!(report["valid"], false);
    let first = &report["errors"][0];
    assert_eq!(first["line"], 8);
    assert_eq!(first["column"], 1);
    assert_eq!(first["field"], "table[0].partiton_key");
    assert_eq!(first["help"], "did you mean `partition_key`?");
}

#[test]
fn a_missing_manifest_is_a_usage_error() {
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = run(devstack(empty.path()).arg("validate"));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no `devstack.toml`"), "{}", out.stderr);
}

/// The help text is the first thing people read; changes show up here.
#[test]
fn help_lists_every_command() {
    let out = run(devstack(&root()).arg("--help"));
    assert_eq!(out.code, 0);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_usage_error_exits_2() {
    let out = run(devstack(&root()).args(["scan"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("<TABLE>"), "{}", out.stderr);
}

#[test]
fn env_with_an_endpoint_needs_no_docker() {
    let out = run(devstack(&root())
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
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("AWS_ENDPOINT_URL=http://127.0.0.1:4566\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("DATASTORE_IMPL=dynamodb\n"),
        "{}",
        out.stdout
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
        "{\"pk\": \"a\"}\n{\"total\": 3}\n{not json\n",
    )
    .unwrap();
    let out = run(devstack(dir.path()).arg("validate"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("orders.jsonl:2: missing partition key `pk`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("orders.jsonl:3:2:"), "{}", out.stderr);

    let out = run(devstack(dir.path()).args(["validate", "--json"]));
    assert_eq!(out.code, 2);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
}

#[test]
fn commands_that_stop_or_show_the_stack_work_without_the_seed_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devstack.toml"),
        "[project]\nname = \"noseed\"\nengine = \"ministack\"\n\
         [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"gone.jsonl\"]\n",
    )
    .unwrap();
    let out = run(devstack(dir.path()).args(["--endpoint", "http://127.0.0.1:4566", "env"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(devstack(dir.path()).arg("up"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("seed file `gone.jsonl` does not exist"),
        "{}",
        out.stderr
    );
}
