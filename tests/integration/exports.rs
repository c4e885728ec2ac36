//! A DynamoDB export to S3 as seed data, end to end: folders in AWS's
//! layout (made here, gzip'd with their MD5s, not by devstack's writer),
//! DynamoDB JSON and Ion, one full export with an incremental one over it,
//! come up on every engine as the final table; a broken export stops
//! `validate` and `up` with the file inside the export and its line, and
//! `up` makes no table.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::support::{Stack, per_engine, table_names};

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Writes one export, `<root>/AWSDynamoDB/<id>/`, with one gzip'd data
/// file of `lines`; incremental when `from` is given.
fn write_export(root: &Path, id: &str, format: &str, from: Option<&str>, lines: &[String]) {
    let dir = root.join("AWSDynamoDB").join(id);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let prefix = format!("backups/AWSDynamoDB/{id}");
    let bytes = gzip(&(lines.join("\n") + "\n"));
    std::fs::write(dir.join("data/part-0.json.gz"), &bytes).unwrap();
    let md5 = Md5::digest(&bytes);
    let entry = json!({
        "itemCount": lines.len(),
        "md5Checksum": BASE64.encode(md5),
        "etag": md5.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "dataFileS3Key": format!("{prefix}/data/part-0.json.gz"),
    });
    std::fs::write(dir.join("manifest-files.json"), format!("{entry}\n")).unwrap();
    let mut summary = json!({
        "version": "2020-06-30",
        "exportArn": format!("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/export/{id}"),
        "startTime": "2024-01-01T00:00:00.000Z",
        "endTime": "2024-01-01T00:05:00.000Z",
        "tableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders",
        "exportTime": "2024-01-01T00:00:00.000Z",
        "s3Bucket": "backups",
        "manifestFilesS3Key": format!("{prefix}/manifest-files.json"),
        "billedSizeBytes": 0,
        "itemCount": lines.len(),
        "outputFormat": format,
        "exportType": if from.is_some() { "INCREMENTAL_EXPORT" } else { "FULL_EXPORT" },
    });
    if let Some(from) = from {
        summary["exportFromTime"] = json!(from);
    }
    std::fs::write(dir.join("manifest-summary.json"), summary.to_string()).unwrap();
}

/// The full export's lines and the incremental one's, in DynamoDB JSON.
fn json_lines() -> (Vec<String>, Vec<String>) {
    let full = vec![
        r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"price":{"N":"12.50"},"blob":{"B":"aGVsbG8="},"tags":{"SS":["x","y"]},"sizes":{"NS":["1","2.5"]},"bins":{"BS":["YQ=="]},"meta":{"M":{"k":{"NULL":true},"l":{"L":[{"BOOL":true},{"S":"s"}]}}}}}"#.to_string(),
        r#"{"Item":{"pk":{"S":"b"},"sk":{"N":"2"},"price":{"N":"1"}}}"#.to_string(),
        r#"{"Item":{"pk":{"S":"c"},"sk":{"N":"3"},"price":{"N":"3"}}}"#.to_string(),
    ];
    let changes = vec![
        r#"{"Metadata":{"WriteTimestampMicros":{"N":"1700000000000001"}},"Keys":{"pk":{"S":"d"},"sk":{"N":"4"}},"NewImage":{"pk":{"S":"d"},"sk":{"N":"4"},"price":{"N":"100"}}}"#.to_string(),
        r#"{"Metadata":{"WriteTimestampMicros":{"N":"1700000000000002"}},"Keys":{"pk":{"S":"b"},"sk":{"N":"2"}},"OldImage":{"pk":{"S":"b"},"sk":{"N":"2"},"price":{"N":"1"}},"NewImage":{"pk":{"S":"b"},"sk":{"N":"2"},"price":{"N":"2"}}}"#.to_string(),
        r#"{"Metadata":{"WriteTimestampMicros":{"N":"1700000000000003"}},"Keys":{"pk":{"S":"c"},"sk":{"N":"3"}},"OldImage":{"pk":{"S":"c"},"sk":{"N":"3"},"price":{"N":"3"}}}"#.to_string(),
    ];
    (full, changes)
}

/// The same two exports in Ion text.
fn ion_lines() -> (Vec<String>, Vec<String>) {
    let full = vec![
        r#"$ion_1_0 {Item:{pk:"a",sk:1,price:12.50,blob:{{aGVsbG8=}},tags:$dynamodb_SS::["x","y"],sizes:$dynamodb_NS::[1.,25d-1],bins:$dynamodb_BS::[{{YQ==}}],meta:{k:null,l:[true,"s"]}}}"#.to_string(),
        r#"$ion_1_0 {Item:{pk:"b",sk:2e0,price:1}}"#.to_string(),
        r#"$ion_1_0 {Item:{pk:"c",sk:3,price:3}}"#.to_string(),
    ];
    let changes = vec![
        r#"$ion_1_0 {Metadata:{WriteTimestampMicros:1700000000000001},Keys:{pk:"d",sk:4},NewImage:{pk:"d",sk:4,price:100}}"#.to_string(),
        r#"$ion_1_0 {Metadata:{WriteTimestampMicros:1700000000000002},Keys:{pk:"b",sk:2},OldImage:{pk:"b",sk:2,price:1},NewImage:{pk:"b",sk:2,price:2}}"#.to_string(),
        r#"$ion_1_0 {Metadata:{WriteTimestampMicros:1700000000000003},Keys:{pk:"c",sk:3},OldImage:{pk:"c",sk:3,price:3}}"#.to_string(),
    ];
    (full, changes)
}

/// The table the exports end as, as `scan --output json` prints it.
fn expected() -> BTreeSet<String> {
    [
        json!({"pk": "a", "sk": 1, "price": 12.5, "blob": "aGVsbG8=", "tags": ["x", "y"],
               "sizes": [1, 2.5], "bins": ["YQ=="], "meta": {"k": null, "l": [true, "s"]}}),
        json!({"pk": "b", "sk": 2, "price": 2}),
        json!({"pk": "d", "sk": 4, "price": 100}),
    ]
    .into_iter()
    .map(canonical)
    .collect()
}

/// An item as text that is equal for equal items: keys sorted, numbers
/// by value, the elements of the set attributes in order.
fn canonical(value: Value) -> String {
    fn walk(value: Value, set: bool) -> Value {
        match value {
            Value::Number(n) => {
                let value = n.as_f64().unwrap();
                json!(format!("{value}"))
            }
            Value::Array(items) => {
                let mut items: Vec<Value> = items.into_iter().map(|v| walk(v, false)).collect();
                if set {
                    items.sort_by_key(|v| v.to_string());
                }
                Value::Array(items)
            }
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| {
                            let set = matches!(k.as_str(), "tags" | "sizes" | "bins");
                            (k, walk(v, set))
                        })
                        .collect(),
                )
            }
            other => other,
        }
    }
    walk(value, false).to_string()
}

const TABLES: &str = "\n[[table]]\nname = \"json-orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
    seed = [{ path = \"exports/json\", format = \"dynamodb-export\" }]\n\
    \n[[table]]\nname = \"ion-orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
    seed = [\"exports/ion\"]\n";

fn an_export_with_an_incremental_one_over_it_comes_up_as_the_final_table(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, "");
    let exports = stack.dir.path().join("exports");
    for (name, format, (full, changes)) in [
        ("json", "DYNAMODB_JSON", json_lines()),
        ("ion", "ION", ion_lines()),
    ] {
        let root = exports.join(name);
        write_export(&root, "01700000000000-aaaaaaaa", format, None, &full);
        write_export(
            &root,
            "01700000000001-bbbbbbbb",
            format,
            Some("2024-01-01T00:00:00.000Z"),
            &changes,
        );
    }
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(TABLES);
    std::fs::write(stack.manifest(), manifest).unwrap();

    stack.run(&["validate"]).assert_code(0);
    stack.up().assert_code(0);
    for table in ["json-orders", "ion-orders"] {
        let out = stack.run(&["scan", table, "--output", "json"]);
        out.assert_code(0);
        let items: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        let got: BTreeSet<String> = items.into_iter().map(canonical).collect();
        assert_eq!(got, expected(), "{table}");
    }
}

per_engine!(
    an_export_with_an_incremental_one_over_it_comes_up_as_the_final_table,
    "exports": dynamodb_local, ministack, embedded
);

fn a_broken_export_stops_validate_and_up_at_its_file_and_line(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, "");
    stack.up().assert_code(0);
    let root = stack.dir.path().join("exports/orders");
    let (mut full, changes) = json_lines();
    full.insert(1, r#"{"Item":{"sk":{"N":"9"}}}"#.to_string());
    write_export(
        &root,
        "01700000000000-abcdef12",
        "DYNAMODB_JSON",
        None,
        &full,
    );
    write_export(
        &root,
        "01700000000001-bbbbbbbb",
        "DYNAMODB_JSON",
        Some("2024-01-01T00:00:00.000Z"),
        &changes,
    );
    // The incremental export's data file cut short.
    let data = root.join("AWSDynamoDB/01700000000001-bbbbbbbb/data/part-0.json.gz");
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
         seed = [{ path = \"exports/orders\", format = \"dynamodb-export\" }]\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();

    let missing_key = "exports/orders/AWSDynamoDB/01700000000000-abcdef12/data/part-0.json.gz:2: \
                       missing partition key `pk` (type S)";
    let truncated = "exports/orders/AWSDynamoDB/01700000000001-bbbbbbbb/data/part-0.json.gz:1: \
                     cannot read gzip data";
    for command in ["validate", "up"] {
        let out = stack.run(&[command]);
        out.assert_code(2);
        out.assert_stderr_has(missing_key);
        out.assert_stderr_has(truncated);
    }
    let names = table_names(&stack.env());
    assert!(
        !names.iter().any(|name| name.contains("orders")),
        "{names:?}"
    );
}

per_engine!(
    a_broken_export_stops_validate_and_up_at_its_file_and_line,
    "exports-broken": embedded
);

#[test]
fn an_export_folder_given_another_format_is_an_error_at_its_format() {
    let stack = Stack::new("exports-format", "embedded", "");
    let (full, _) = json_lines();
    write_export(
        &stack.dir.path().join("exports/orders"),
        "01",
        "DYNAMODB_JSON",
        None,
        &full,
    );
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
         seed = [{ path = \"exports/orders\", format = \"json\" }]\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    let out = stack.run(&["validate"]);
    out.assert_code(2);
    out.assert_stderr_has(
        "table[0].seed[0].format: seed path `exports/orders` is a folder, which only format `dynamodb-export` reads",
    );
}

/// The items of `table`, as comparable text.
fn scanned(stack: &Stack, table: &str) -> BTreeSet<String> {
    let out = stack.run(&["scan", table, "--output", "json"]);
    out.assert_code(0);
    let items: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    items.into_iter().map(canonical).collect()
}

/// A real export (not devstack's: no note, no schema) loads as a snapshot
/// of the table it is named for, replacing what the table held.
fn a_real_export_loads_as_a_snapshot(engine: &str, test: &str) {
    let stack = Stack::new(test, engine, "");
    let exports = stack.dir.path().join("exports");
    for (name, format, (full, changes)) in [
        ("json", "DYNAMODB_JSON", json_lines()),
        ("ion", "ION", ion_lines()),
    ] {
        let root = exports.join(name);
        write_export(&root, "01700000000000-aaaaaaaa", format, None, &full);
        write_export(
            &root,
            "01700000000001-bbbbbbbb",
            format,
            Some("2024-01-01T00:00:00.000Z"),
            &changes,
        );
    }
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack.up();
    stack
        .run(&["put", "orders", r#"{"pk": "z", "sk": 26}"#])
        .assert_code(0);

    // Named for `Orders` (its ARN), which the manifest does not have.
    stack
        .run(&["snapshot", "load", "exports/json"])
        .assert_code(2)
        .assert_stderr_has("holds table `Orders`, which the manifest does not have");
    for folder in ["exports/json", "exports/ion"] {
        stack
            .run(&["snapshot", "load", folder, "orders"])
            .assert_code(0)
            .assert_stderr_has("(1 table, 3 items)");
        assert_eq!(scanned(&stack, "orders"), expected(), "{folder}");
    }
}

per_engine!(
    a_real_export_loads_as_a_snapshot,
    "exports-snap": dynamodb_local, ministack, embedded
);

/// Each way an export can be broken stops `snapshot load` with the file
/// and line, exit 2, and the table keeps what it held.
#[test]
fn a_broken_export_stops_snapshot_load_before_the_table_is_touched() {
    let stack = Stack::new("exports-snap-broken", "embedded", "");
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack.up();
    stack
        .run(&["put", "orders", r#"{"pk": "kept", "sk": 1}"#])
        .assert_code(0);
    let before = scanned(&stack, "orders");
    let id = "01700000000000-aaaaaaaa";
    let export = format!("AWSDynamoDB/{id}");
    let files = |name: &str| format!("exports/{name}/{export}/manifest-files.json");
    let data = |name: &str| format!("exports/{name}/{export}/data/part-0.json.gz");
    type Break = fn(&Path);
    let cases: [(&str, Break, String); 6] = [
        (
            "md5",
            |dir| {
                let path = dir.join("manifest-files.json");
                let text = std::fs::read_to_string(&path).unwrap();
                let entry: Value = serde_json::from_str(&text).unwrap();
                let changed = text.replace(
                    entry["md5Checksum"].as_str().unwrap(),
                    "AAAAAAAAAAAAAAAAAAAAAA==",
                );
                std::fs::write(path, changed).unwrap();
            },
            format!(
                "{}:1: data file `data/part-0.json.gz` has MD5 `",
                files("md5")
            ),
        ),
        (
            "missing",
            |dir| std::fs::remove_file(dir.join("data/part-0.json.gz")).unwrap(),
            format!(
                "{}:1: data file `data/part-0.json.gz` does not exist",
                files("missing")
            ),
        ),
        (
            "count",
            |dir| {
                let path = dir.join("manifest-files.json");
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(path, text.replace("\"itemCount\":3", "\"itemCount\":4")).unwrap();
            },
            format!(
                "{}:1: data file `data/part-0.json.gz` holds 3 items; its `itemCount` is 4",
                files("count")
            ),
        ),
        (
            "truncated",
            |dir| {
                let path = dir.join("data/part-0.json.gz");
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
            },
            format!("{}:1: cannot read gzip data", data("truncated")),
        ),
        (
            "not-json",
            |_| {},
            format!("{}:2:15: invalid JSON", data("not-json")),
        ),
        (
            "no-key",
            |_| {},
            format!("{}:3: missing partition key `pk` (type S)", data("no-key")),
        ),
    ];
    for (name, break_it, want) in cases {
        let root = stack.dir.path().join("exports").join(name);
        let (mut full, _) = json_lines();
        match name {
            "not-json" => full[1] = "{\"Item\": {\"pk\": ".to_string(),
            "no-key" => full[2] = r#"{"Item":{"sk":{"N":"3"}}}"#.to_string(),
            _ => {}
        }
        write_export(&root, id, "DYNAMODB_JSON", None, &full);
        break_it(&root.join(&export));
        let folder = format!("exports/{name}");
        let out = stack.run(&["snapshot", "load", &folder, "orders"]);
        out.assert_code(2).assert_stderr_has(&want);
        assert_eq!(
            scanned(&stack, "orders"),
            before,
            "{name}: the table is untouched"
        );
    }
}
