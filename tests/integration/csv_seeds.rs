//! CSV seed files on every engine, read as DynamoDB's ImportTable reads
//! them: a header row or the entry's `header`, another delimiter, key
//! columns typed by the table and other columns by `types`; a bad row is
//! found by `validate` at its line.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{Stack, per_engine};

/// A project with two CSV-seeded tables: `orders` (numeric sort key, a
/// header row, a typed `price`) and `people` (`header` in the manifest,
/// `;` between fields).
fn csv_project(test: &str, engine: &str) -> Stack {
    let stack = Stack::new(test, engine, "");
    let dir = stack.dir.path();
    std::fs::create_dir(dir.join("seed")).unwrap();
    std::fs::write(
        dir.join("seed/orders.csv"),
        "pk,sk,price,note,active\n\
         ORDER#1,1,9.50,\"first, with a comma\",true\n\
         ORDER#1,2,12,\"two\nlines\",false\n\
         ORDER#2,1,0.25,,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("seed/people.csv"),
        "ada;Ada Lovelace\nalan;Alan Turing\n",
    )
    .unwrap();
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
         seed = [{ path = \"seed/orders.csv\", types = { price = \"N\", active = \"BOOL\" } }]\n\
         \n[[table]]\nname = \"people\"\npartition_key = \"id:S\"\n\
         seed = [{ path = \"seed/people.csv\", format = \"csv\", header = [\"id\", \"name\"], delimiter = \";\" }]\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack
}

fn scanned(stack: &Stack, table: &str) -> BTreeSet<String> {
    let out = stack.run(&["scan", table, "--output", "json"]);
    out.assert_code(0);
    let items: Vec<Value> =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    items.iter().map(Value::to_string).collect()
}

fn set(items: &[Value]) -> BTreeSet<String> {
    items.iter().map(Value::to_string).collect()
}

fn csv_seeds_come_up_as_typed_items(engine: &str, test: &str) {
    let stack = csv_project(test, engine);
    stack
        .up()
        .assert_stderr_has("orders: created, 3 items")
        .assert_stderr_has("people: created, 2 items");
    assert_eq!(
        scanned(&stack, "orders"),
        set(&[
            json!({"pk": "ORDER#1", "sk": 1, "active": true, "note": "first, with a comma", "price": 9.50}),
            json!({"pk": "ORDER#1", "sk": 2, "active": false, "note": "two\nlines", "price": 12}),
            json!({"pk": "ORDER#2", "sk": 1, "price": 0.25}),
        ])
    );
    assert_eq!(
        scanned(&stack, "people"),
        set(&[
            json!({"id": "ada", "name": "Ada Lovelace"}),
            json!({"id": "alan", "name": "Alan Turing"}),
        ])
    );
}

per_engine!(
    csv_seeds_come_up_as_typed_items,
    "csv-seeds": dynamodb_local, ministack, embedded
);

fn a_bad_csv_row_is_named_by_file_and_line(engine: &str, test: &str) {
    let stack = csv_project(test, engine);
    std::fs::write(
        stack.dir.path().join("seed/orders.csv"),
        "pk,sk,price,note,active\nORDER#1,1,9.50,ok,true\nORDER#1,two,1,,\nORDER#2,1,1\n",
    )
    .unwrap();
    stack
        .run(&["validate"])
        .assert_code(2)
        .assert_stderr_has("seed/orders.csv:3: attribute `sk`: `two` is not a number")
        .assert_stderr_has("seed/orders.csv:4: row has 3 fields; the header names 5 columns");
    // Nothing was started.
    stack.run(&["up"]).assert_code(2);
}

per_engine!(
    a_bad_csv_row_is_named_by_file_and_line,
    "csv-bad": dynamodb_local, ministack, embedded
);
