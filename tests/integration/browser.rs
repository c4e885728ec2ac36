//! The admin UI as a person sees it: headless Chromium loads dynamodb-admin
//! for a CodeMetrics stack, finds every manifest table on its front page
//! and a seeded item on a table page, and saves a screenshot in
//! `tests/artifacts/`. Needs Docker and Chromium, so it is ignored unless
//! asked for.

use crate::support::{codemetrics_with, command, per_engine, root, run};
use std::path::PathBuf;

/// Debian's Chromium, or the one `DEVSTACK_CHROMIUM` names. The test is
/// ignored unless asked for, and then a missing browser is a failure.
fn chromium() -> PathBuf {
    let path = std::env::var_os("DEVSTACK_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "this test needs Chromium at {} (scripts/ensure-chromium.sh installs it)",
        path.display()
    );
    path
}

/// Runs headless Chromium on `url` with `action` (`--dump-dom` or
/// `--screenshot=…`), letting the page's scripts finish first.
fn browse(chromium: &PathBuf, profile: &tempfile::TempDir, url: &str, action: &str) -> String {
    let out = run(command(chromium).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--virtual-time-budget=10000",
        &format!("--user-data-dir={}", profile.path().display()),
        action,
        url,
    ]));
    out.assert_code(0);
    out.stdout
}

fn admin_ui_shows_every_table_and_a_seeded_item(engine: &str, test: &str) {
    let chromium = chromium();
    let stack = codemetrics_with(test, engine, true);
    stack.up();
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
    let admin = status["services"]
        .as_array()
        .and_then(|s| s.iter().find(|r| r["service"] == "dynamodb-admin"))
        .and_then(|r| r["url"].as_str())
        .expect("admin url")
        .to_string();
    let profile = tempfile::tempdir().unwrap();

    let front = browse(&chromium, &profile, &format!("{admin}/"), "--dump-dom");
    for table in crate::support::CODEMETRICS_TABLES {
        assert!(
            front.contains(&format!("CodeMetrics_{table}")),
            "{table} not listed on the front page"
        );
    }

    // A seeded item, read from the seed file, is on its table's page.
    let seed = std::fs::read_to_string(root().join("bootstrap/seed/remote-config.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(seed.lines().next().unwrap()).unwrap();
    let sk = first["sk"].as_str().unwrap();
    let page = format!("{admin}/tables/CodeMetrics_remote-config");
    let dom = browse(&chromium, &profile, &page, "--dump-dom");
    assert!(dom.contains(sk), "seeded item `{sk}` not shown on {page}");

    let artifacts = root().join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join(format!("dynamodb-admin-{engine}.png"));
    let _ = std::fs::remove_file(&shot);
    browse(
        &chromium,
        &profile,
        &page,
        &format!("--screenshot={}", shot.display()),
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot {}",
        shot.display()
    );
}

per_engine!(
    admin_ui_shows_every_table_and_a_seeded_item,
    "browser", "needs a Docker daemon and Chromium": dynamodb_local, ministack
);
