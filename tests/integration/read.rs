//! `scan`, `query` and `tables` end to end, on every engine: every output
//! mode returns exactly the seeded items, parallel scans print each item
//! once, numbers keep all 38 digits, and a closed pipe is not an error.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{Run, Stack, per_engine, run};

const BIG: &str = "12345678901234567890123456789012345678";
const ITEMS: usize = 300;
/// Items of the `many` table: about 4 MB, so several of DynamoDB's 1 MB
/// pages, and far more than a pipe holds (64 KiB).
const MANY: usize = 20_000;

/// A project with one table of every attribute type, seeded with `ITEMS`
/// items over 10 partitions, half of them in a sparse index.
fn things(test: &str, engine: &str) -> (Stack, Vec<Value>) {
    let stack = Stack::new(test, engine, "table_prefix = \"Test_\"");
    let mut items = Vec::new();
    let mut lines = String::new();
    for i in 0..ITEMS {
        let mut item = serde_json::json!({
            "pk": format!("P#{}", i % 10),
            "sk": i,
            "big": format!("{}{}", &BIG[..34], 1000 + i).parse::<serde_json::Number>().unwrap(),
            "price": format!("{}.{}", i, 1 + i % 9).parse::<serde_json::Number>().unwrap(),
            "tags": ["red", format!("t{i}")],
            "blob": "aGVsbG8=",
            "nested": {"list": [1, "two", true, null], "flag": i % 2 == 0},
        });
        if i % 2 == 0 {
            item["kind"] = Value::String(["a", "b", "c"][i % 3].to_string());
        }
        lines.push_str(&item.to_string());
        lines.push('\n');
        items.push(item);
    }
    std::fs::write(stack.dir.path().join("things.jsonl"), lines).unwrap();
    let many: String = (0..MANY)
        .map(|i| {
            let body = "lorem ipsum dolor sit amet ".repeat(6);
            format!(
                "{}\n",
                serde_json::json!({"pk": format!("M#{}", i % 5), "sk": format!("S#{i:05}"), "body": body})
            )
        })
        .collect();
    std::fs::write(stack.dir.path().join("many.jsonl"), many).unwrap();
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"things\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
         seed = [{ path = \"things.jsonl\", sets = [\"tags\"], binary = [\"blob\"] }]\n\
         [[table.global_index]]\nname = \"by-kind\"\npartition_key = \"kind:S\"\nsort_key = \"sk:N\"\n\
         \n[[table]]\nname = \"many\"\npartition_key = \"pk:S\"\nsort_key = \"sk:S\"\nseed = [\"many.jsonl\"]\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    (stack, items)
}

/// An item as a canonical string: keys sorted, and the order inside the
/// `tags` set does not count.
fn canonical(mut item: Value) -> String {
    if let Some(tags) = item.get_mut("tags").and_then(Value::as_array_mut) {
        tags.sort_by_key(|t| t.to_string());
    }
    sorted(item).to_string()
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Compares item sets without printing hundreds of items on failure.
fn assert_same(got: &BTreeSet<String>, want: &BTreeSet<String>, what: &str) {
    let missing: Vec<&String> = want.difference(got).take(2).collect();
    let extra: Vec<&String> = got.difference(want).take(2).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} items, {} expected; missing e.g. {missing:?}; unexpected e.g. {extra:?}",
        got.len(),
        want.len()
    );
}

fn set_of(items: impl IntoIterator<Item = Value>) -> BTreeSet<String> {
    items.into_iter().map(canonical).collect()
}

fn lines(out: &Run) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn scan(stack: &Stack, args: &[&str]) -> Run {
    let mut all = vec!["scan", "things"];
    all.extend(args);
    let out = stack.run(&all);
    out.assert_code(0);
    out
}

fn scan_returns_exactly_the_seeded_items_in_every_mode(engine: &str, test: &str) {
    let (stack, seeded) = things(test, engine);
    stack.up();
    let expected = set_of(seeded.clone());

    // Not a terminal: JSON Lines by default.
    let jsonl = scan(&stack, &[]);
    assert_same(&set_of(lines(&jsonl)), &expected, "default output");
    // All 38 digits kept.
    jsonl.assert_stdout_has(format!("\"big\":{}1000,", &BIG[..34]));

    let json = scan(&stack, &["--output", "json"]);
    let array: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_same(&set_of(array), &expected, "--output json");

    let typed = scan(&stack, &["--output", "dynamodb-json"]);
    let first: Value = serde_json::from_str(typed.stdout.lines().next().unwrap()).unwrap();
    assert!(first["pk"]["S"].is_string(), "{first}");
    assert!(first["sk"]["N"].is_string(), "{first}");
    assert!(first["tags"]["SS"].is_array(), "{first}");
    assert_eq!(first["blob"]["B"], "aGVsbG8=", "{first}");
    assert_eq!(typed.stdout.lines().count(), ITEMS);

    let table = scan(&stack, &["--output", "table"]);
    let mut rows = table.stdout.lines();
    let header = rows.next().unwrap();
    assert!(
        header.starts_with("pk") && header.contains("sk"),
        "{header}"
    );
    assert_eq!(rows.count(), ITEMS, "one row per item");

    let parallel = scan(&stack, &["--segments", "4"]);
    let items = lines(&parallel);
    assert_eq!(items.len(), ITEMS, "each item exactly once");
    assert_same(&set_of(items), &expected, "--segments 4");

    let index = scan(&stack, &["--index", "by-kind"]);
    let in_index: Vec<Value> = seeded
        .iter()
        .filter(|i| i.get("kind").is_some())
        .cloned()
        .collect();
    assert_same(&set_of(lines(&index)), &set_of(in_index), "--index");

    let limited = scan(&stack, &["--limit", "7"]);
    assert_eq!(lines(&limited).len(), 7, "--limit");
    limited.assert_stderr_has("7 items");

    let filtered = scan(
        &stack,
        &[
            "--filter",
            "#k = :a",
            "--names",
            r##"{"#k": "kind"}"##,
            "--values",
            r#"{":a": "a"}"#,
            "--projection",
            "pk, sk, kind",
        ],
    );
    let got = lines(&filtered);
    assert_eq!(
        got.len(),
        seeded.iter().filter(|i| i["kind"] == "a").count()
    );
    assert!(
        got.iter()
            .all(|i| i["kind"] == "a" && i.get("price").is_none())
    );

    // A closed pipe ends the scan quietly with exit 0. The table is several
    // pages and far more than the pipe holds, so the reader is gone while
    // devstack still writes: its writes fail with a broken pipe, and it
    // stops at once, without its closing summary line.
    let mut piped = stack.program("bash");
    piped.arg("-c").arg(format!(
        "set -o pipefail; '{}' scan many | head -3",
        env!("CARGO_BIN_EXE_devstack")
    ));
    let piped = run(&mut piped);
    piped.assert_code(0);
    assert_eq!(piped.stdout.lines().count(), 3);
    // No error text on a closed pipe, and the scan stopped there rather
    // than finishing.
    piped.assert_stderr_lacks("error");
    piped.assert_stderr_lacks("panicked");
    piped.assert_stderr_lacks("items from");
    let all = stack.run(&["scan", "many"]);
    assert_eq!(all.stdout.lines().count(), MANY, "{}", all.stderr);
    all.assert_stderr_has(format!("{MANY} items from `Test_many`"));

    // A missing table names the endpoint and the close names.
    let missing = stack.run(&["scan", "thinks"]);
    missing.assert_code(1);
    missing.assert_stderr_has("table `thinks` does not exist at http://127.0.0.1:");
    missing.assert_stderr_has("did you mean `Test_things`?");
    let hint = "MiniStack keeps tables per region and access key";
    if engine == "ministack" {
        missing.assert_stderr_has(hint);
    } else {
        missing.assert_stderr_lacks(hint);
    }
}

per_engine!(
    scan_returns_exactly_the_seeded_items_in_every_mode,
    "scan": dynamodb_local, ministack, embedded
);

fn query_returns_one_partition_in_sort_order(engine: &str, test: &str) {
    let (stack, seeded) = things(test, engine);
    stack.up();
    let sort_keys = |out: &Run| -> Vec<i64> {
        lines(out)
            .iter()
            .map(|i| i["sk"].as_i64().unwrap())
            .collect()
    };
    let mut expected: Vec<i64> = seeded
        .iter()
        .filter(|i| i["pk"] == "P#3")
        .map(|i| i["sk"].as_i64().unwrap())
        .collect();
    expected.sort();

    let out = stack.run(&["query", "things", "P#3"]);
    out.assert_code(0);
    assert_eq!(sort_keys(&out), expected);

    let out = stack.run(&["query", "things", "P#3", "--reverse"]);
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(sort_keys(&out), reversed);

    let out = stack.run(&["query", "things", "P#3", "--sort-between", "100", "200"]);
    let between: Vec<i64> = expected
        .iter()
        .copied()
        .filter(|k| (100..=200).contains(k))
        .collect();
    assert_eq!(sort_keys(&out), between);

    let out = stack.run(&["query", "things", "P#3", "--sort-gt", "250", "--limit", "2"]);
    let above: Vec<i64> = expected
        .iter()
        .copied()
        .filter(|k| *k > 250)
        .take(2)
        .collect();
    assert_eq!(sort_keys(&out), above);

    // Every other sort key operator, on a number sort key.
    for (flag, keep) in [
        ("--sort-eq", (|k: i64| k == 103) as fn(i64) -> bool),
        ("--sort-ge", |k| k >= 103),
        ("--sort-lt", |k| k < 103),
        ("--sort-le", |k| k <= 103),
    ] {
        let out = stack.run(&["query", "things", "P#3", flag, "103"]);
        out.assert_code(0);
        let want: Vec<i64> = expected.iter().copied().filter(|k| keep(*k)).collect();
        assert!(!want.is_empty(), "{flag}");
        assert_eq!(sort_keys(&out), want, "{flag}");
    }
    // And a prefix, on a string sort key.
    let out = stack.run(&["query", "many", "M#2", "--sort-begins-with", "S#012"]);
    out.assert_code(0);
    let got: Vec<String> = lines(&out)
        .iter()
        .map(|i| i["sk"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = (1200..1300)
        .filter(|i| i % 5 == 2)
        .map(|i| format!("S#{i:05}"))
        .collect();
    assert_eq!(got, want, "--sort-begins-with");

    let out = stack.run(&["query", "things", "b", "--index", "by-kind"]);
    let mut kinds: Vec<i64> = seeded
        .iter()
        .filter(|i| i["kind"] == "b")
        .map(|i| i["sk"].as_i64().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(sort_keys(&out), kinds, "query on an index");

    let out = stack.run(&["query", "things", "P#3", "--sort-gt", "ten"]);
    out.assert_code(2);
    out.assert_stderr_has("`sk` is a number key");
}

per_engine!(
    query_returns_one_partition_in_sort_order,
    "query": dynamodb_local, ministack, embedded
);

fn tables_lists_manifest_tables_and_marks_the_others_foreign(engine: &str, test: &str) {
    let (stack, _) = things(test, engine);
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str("\n[[table]]\nname = \"later\"\npartition_key = \"id:S\"\n");
    std::fs::write(stack.manifest(), &manifest).unwrap();
    stack.up();
    // A table made by someone else, then one the manifest has but the endpoint lost.
    let env = stack.env();
    crate::support::block_on(async {
        let client = crate::support::client_from_env(&env).await;
        let text = "[project]\nname = \"x\"\nengine = \"ministack\"\n[[table]]\nname = \"other\"\npartition_key = \"id:S\"\n";
        let spec =
            devstack::manifest::Manifest::from_text(std::path::Path::new("x.toml"), text.into())
                .unwrap()
                .tables[0]
                .clone();
        devstack::dynamo::tables::create(&client, &spec)
            .await
            .unwrap();
        devstack::dynamo::tables::delete(&client, "Test_later")
            .await
            .unwrap();
    });
    let out = stack.run(&["tables", "--json"]);
    out.assert_code(0);
    let rows: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let find = |name: &str| {
        rows.iter()
            .find(|r| r["table"] == name)
            .unwrap_or_else(|| panic!("{name} in {rows:?}"))
    };
    assert_eq!(find("Test_things")["owner"], "manifest `things`");
    assert_eq!(find("Test_things")["items"], ITEMS);
    assert_eq!(find("Test_things")["global_indexes"][0], "by-kind");
    assert_eq!(find("other")["owner"], "foreign");
    assert_eq!(find("Test_later")["status"], "missing");
}

per_engine!(
    tables_lists_manifest_tables_and_marks_the_others_foreign,
    "tables-list": dynamodb_local, embedded
);

/// A seed file that is gone stops only the commands that load seed data
/// (`up`, `reset`), naming the manifest line; those that read or empty
/// tables (`scan`, `query`, `tables`, `reset --no-seed`) work on.
fn a_missing_seed_file_stops_only_the_commands_that_load_seed_data(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, "");
    stack.add_seeded_orders(3);
    stack.up();
    std::fs::remove_file(stack.dir.path().join("orders.jsonl")).unwrap();
    let manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    let line = 1 + manifest
        .lines()
        .position(|l| l.starts_with("seed = "))
        .unwrap();
    let gone = format!(
        "devstack.toml:{line}:9: table[0].seed[0]: seed file `orders.jsonl` does not exist"
    );

    let scanned = stack.run(&["scan", "orders"]);
    scanned.assert_code(0);
    assert_eq!(scanned.stdout.lines().count(), 3, "{}", scanned.stdout);
    let queried = stack.run(&["query", "orders", "ORDER#000001"]);
    queried.assert_code(0).assert_stdout_has("\"ORDER#000001\"");
    assert_eq!(queried.stdout.lines().count(), 1, "{}", queried.stdout);
    stack
        .run(&["tables"])
        .assert_code(0)
        .assert_stdout_has("orders");

    for refused in [&["up"][..], &["reset"]] {
        stack.run(refused).assert_code(2).assert_stderr_has(&gone);
    }
    // The refused `reset` left the items alone; `--no-seed` empties the table.
    assert_eq!(stack.run(&["scan", "orders"]).stdout.lines().count(), 3);
    stack
        .run(&["reset", "--no-seed"])
        .assert_code(0)
        .assert_stderr_has("reset 1 table (0 items)");
    let scanned = stack.run(&["scan", "orders"]);
    scanned.assert_code(0);
    assert_eq!(scanned.stdout, "");
}

per_engine!(
    a_missing_seed_file_stops_only_the_commands_that_load_seed_data,
    "noseed": ministack, embedded
);
