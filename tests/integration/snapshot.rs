//! `snapshot save` and `snapshot load`, `up --snapshot` and `run --snapshot`
//! on the real engines: what is saved comes back exactly (numbers by value,
//! binary and sets included), on the engine it came from and on each of the
//! others; a snapshot that does not fit the manifest is refused before any
//! table is touched.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::support::tables::items;
use crate::support::{Stack, block_on, client_from_env, per_engine};

type Items = HashMap<String, HashMap<String, AttributeValue>>;

/// Items of every DynamoDB type, in DynamoDB JSON.
const THINGS: &str = r#"{"pk": {"S": "a"}, "sk": {"N": "1"}, "price": {"N": "12.50"}, "big": {"N": "-1.2345678901234567890123456789012345678E+125"}}
{"pk": {"S": "a"}, "sk": {"N": "2"}, "blob": {"B": "AAEC/w=="}, "tags": {"SS": ["x", "y"]}, "scores": {"NS": ["1", "2.5"]}, "blobs": {"BS": ["YQ==", "Yg=="]}}
{"pk": {"S": "b"}, "sk": {"N": "-3"}, "doc": {"M": {"list": {"L": [{"S": "s"}, {"N": "0.001"}, {"BOOL": true}, {"NULL": true}]}, "empty": {"M": {}}}}}
{"pk": {"S": "ünïcødé ✓"}, "sk": {"N": "0"}, "flag": {"BOOL": false}, "nothing": {"NULL": true}, "text": {"S": "line\nbreak \"quoted\""}}
"#;

/// A stack with `things` (seeded with every type) and `notes` (empty).
fn stack(test: &str, engine: &str) -> Stack {
    let stack = Stack::new(test, engine, "table_prefix = \"Snap_\"");
    std::fs::write(stack.dir.path().join("things.jsonl"), THINGS).unwrap();
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"things\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
         seed = [{ path = \"things.jsonl\", format = \"dynamodb-json\" }]\n\
         \n[[table]]\nname = \"notes\"\npartition_key = \"id:S\"\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack
}

/// Every item of both tables, by table.
fn contents(stack: &Stack) -> HashMap<&'static str, Items> {
    let env = stack.env();
    block_on(async {
        let client = client_from_env(&env).await;
        let mut all = HashMap::new();
        for table in ["things", "notes"] {
            all.insert(table, items(&client, &format!("Snap_{table}")).await);
        }
        all
    })
}

/// Puts, updates and deletes items, and fills `notes`.
fn change_everything(stack: &Stack) {
    let env = stack.env();
    block_on(async {
        let client = client_from_env(&env).await;
        let s = |v: &str| AttributeValue::S(v.to_string());
        let n = |v: &str| AttributeValue::N(v.to_string());
        client
            .put_item()
            .table_name("Snap_things")
            .item("pk", s("new"))
            .item("sk", n("9"))
            .send()
            .await
            .unwrap();
        client
            .update_item()
            .table_name("Snap_things")
            .key("pk", s("a"))
            .key("sk", n("1"))
            .update_expression("SET price = :p")
            .expression_attribute_values(":p", n("99"))
            .send()
            .await
            .unwrap();
        client
            .delete_item()
            .table_name("Snap_things")
            .key("pk", s("b"))
            .key("sk", n("-3"))
            .send()
            .await
            .unwrap();
        for i in 0..30 {
            client
                .put_item()
                .table_name("Snap_notes")
                .item("id", s(&format!("note-{i}")))
                .send()
                .await
                .unwrap();
        }
    });
}

fn save_change_load_gives_back_exactly_the_saved_items(engine: &str, test: &str) {
    let stack = stack(test, engine);
    stack.up();
    let saved = contents(&stack);
    assert_eq!(saved["things"].len(), 4);
    stack
        .run(&["snapshot", "save", "before"])
        .assert_code(0)
        .assert_stderr_has("saved snapshot `before` (2 tables, 4 items");
    stack
        .run(&["snapshot", "save", "before"])
        .assert_code(2)
        .assert_stderr_has("snapshot `before` exists already");

    change_everything(&stack);
    assert_ne!(contents(&stack), saved);
    stack
        .run(&["snapshot", "load", "before"])
        .assert_code(0)
        .assert_stderr_has("loaded snapshot `before` (2 tables, 4 items)");
    assert_eq!(contents(&stack), saved, "after `snapshot load`");

    // Changed again, then brought back by `up --snapshot` on the running stack.
    change_everything(&stack);
    stack.run(&["up", "--snapshot", "before"]).assert_code(0);
    assert_eq!(contents(&stack), saved, "after `up --snapshot`");

    let listed = stack.run(&["snapshot", "ls", "--json"]);
    listed.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(rows[0]["name"], "before");
    assert_eq!(rows[0]["tables"], 2);
    assert_eq!(rows[0]["items"], 4);
    assert_eq!(rows[0]["engine"], engine);
    // Saved on this engine, loaded on the embedded one (the other way
    // round is the next scenario).
    if engine != "embedded" {
        let path = rows[0]["path"].as_str().unwrap();
        let other = self::stack(&format!("{test}-emb"), "embedded");
        other.up();
        other.run(&["snapshot", "load", path]).assert_code(0);
        assert_eq!(
            contents(&other),
            saved,
            "saved on {engine}, loaded on embedded"
        );
    }
    stack.run(&["snapshot", "rm", "before"]).assert_code(0);
    stack
        .run(&["snapshot", "ls"])
        .assert_code(0)
        .assert_stderr_has("no snapshot in");
    stack
        .run(&["snapshot", "load", "before"])
        .assert_code(2)
        .assert_stderr_has("has no snapshot `before`; it has none");
}

per_engine!(
    save_change_load_gives_back_exactly_the_saved_items,
    "snap-roundtrip": dynamodb_local, ministack, embedded
);

/// Saved on the embedded engine (into a folder of the test's), loaded on
/// `engine`, and by `run --snapshot` into a fresh stack of its own.
fn a_snapshot_saved_on_the_embedded_engine_loads_on_each_engine(engine: &str, test: &str) {
    let source = stack(&format!("{test}-src"), "embedded");
    source.up();
    let saved = contents(&source);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().to_str().unwrap();
    source
        .run(&["snapshot", "save", "shared", "--path", path])
        .assert_code(0);
    let snapshot = format!("{path}/shared");
    assert!(
        std::path::Path::new(&snapshot)
            .join("things/table.json")
            .is_file()
    );

    let target = stack(test, engine);
    target.up();
    change_everything(&target);
    target
        .run(&["snapshot", "load", &snapshot])
        .assert_code(0)
        .assert_stderr_has("2 tables, 4 items");
    assert_eq!(contents(&target), saved, "loaded on {engine}");

    // A run's fresh stack starts from the snapshot; its command sees the items.
    let devstack = env!("CARGO_BIN_EXE_devstack");
    let out = target.run(&[
        "run",
        "--snapshot",
        &snapshot,
        "--",
        devstack,
        "scan",
        "things",
        "--output",
        "jsonl",
    ]);
    out.assert_code(0);
    assert_eq!(out.stdout.lines().count(), 4, "{}", out.stdout);
    assert!(out.stdout.contains("ünïcødé ✓"), "{}", out.stdout);
}

per_engine!(
    a_snapshot_saved_on_the_embedded_engine_loads_on_each_engine,
    "snap-across": dynamodb_local, ministack, embedded
);

#[test]
fn a_snapshot_whose_keys_differ_from_the_manifest_is_refused_before_any_table_is_touched() {
    let stack = stack("snap-keys", "embedded");
    stack.up();
    stack.run(&["snapshot", "save", "s"]).assert_code(0);
    change_everything(&stack);
    let changed = contents(&stack);
    let manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    std::fs::write(
        stack.manifest(),
        manifest.replace("sort_key = \"sk:N\"", "sort_key = \"sk:S\""),
    )
    .unwrap();
    stack
        .run(&["snapshot", "load", "s"])
        .assert_code(2)
        .assert_stderr_has(
            "snapshot `s` cannot load into table `things`: its sort key is `sk` (N) in the snapshot, `sk` (S) in the manifest",
        );
    std::fs::write(stack.manifest(), &manifest).unwrap();
    assert_eq!(contents(&stack), changed, "nothing was touched");

    // A name the manifest lacks, or a snapshot's table it does not have.
    stack
        .run(&["snapshot", "load", "s", "missing"])
        .assert_code(2)
        .assert_stderr_has("the manifest has no table `missing`");
    let without_notes = &manifest[..manifest.find("\n[[table]]\nname = \"notes\"").unwrap()];
    std::fs::write(stack.manifest(), without_notes).unwrap();
    stack
        .run(&["snapshot", "load", "s"])
        .assert_code(2)
        .assert_stderr_has("snapshot `s` holds table `notes`, which the manifest does not have");
    std::fs::write(stack.manifest(), &manifest).unwrap();
    // Loading replaces data: the endpoint guard refuses one elsewhere,
    // before `up` makes or asks anything there.
    let remote = "http://dynamodb.example.com:8000";
    for args in [
        &["--endpoint", remote, "snapshot", "load", "s"][..],
        &["--endpoint", remote, "up", "--snapshot", "s"][..],
    ] {
        stack
            .run(args)
            .assert_code(2)
            .assert_stderr_has("load a snapshot");
    }
    // A schema file that cannot be read is named, with its line.
    let snapshots = stack.home.path().join("data/devstack/snapshots");
    let schema = snapshots.join(&stack.project).join("s/things/table.json");
    let kept = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(&schema, "{\"Table\": ").unwrap();
    stack
        .run(&["snapshot", "load", "s"])
        .assert_code(2)
        .assert_stderr_has("s/things/table.json:1: not `describe-table` output");
    std::fs::write(&schema, kept).unwrap();
    assert_eq!(contents(&stack), changed, "nothing was touched");
}

#[test]
fn only_snapshots_devstack_saved_are_replaced_or_removed() {
    let stack = stack("snap-own", "embedded");
    stack.up();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().to_str().unwrap();
    // A folder of the user's, and a real export, where a snapshot would go.
    let mine = folder.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    stack
        .run(&["snapshot", "save", "mine", "--path", path, "--force"])
        .assert_code(2)
        .assert_stderr_has("no snapshot at `mine`");
    stack
        .run(&["snapshot", "rm", "mine", "--path", path])
        .assert_code(2)
        .assert_stderr_has("no snapshot at `mine`");
    assert!(mine.join("notes.txt").is_file());
    stack
        .run(&["snapshot", "save", "s", "--path", path])
        .assert_code(0);
    let export = folder.path().join("export");
    std::fs::rename(folder.path().join("s/things"), &export).unwrap();
    stack
        .run(&["snapshot", "rm", "export", "--path", path])
        .assert_code(2)
        .assert_stderr_has("is a DynamoDB export, not a snapshot devstack saved");
    assert!(export.join("table.json").is_file());
    // Nothing is left beside the snapshots by a save that finished.
    let mut names: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["export", "mine", "s"]);
}
