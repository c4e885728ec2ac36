//! `put`, `get` and `delete` of single items on every engine: plain JSON
//! and DynamoDB JSON, from the argument and from stdin, keys by position,
//! by name and as JSON; an item without its key writes nothing; `delete`
//! goes through the same guard as `reset`.

use std::fs::File;

use serde_json::{Value, json};

use crate::support::fake::FakeServer;
use crate::support::{Run, Stack, block_on, per_engine, run};

/// A project with the table `orders`, keyed `pk:S` + `sk:N`, no seed data.
fn orders(test: &str, engine: &str) -> Stack {
    let stack = Stack::new(test, engine, "");
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack
}

/// `devstack ARGS` with `text` on stdin.
fn with_stdin(stack: &Stack, args: &[&str], text: &str) -> Run {
    let path = stack.dir.path().join("stdin.jsonl");
    std::fs::write(&path, text).unwrap();
    let mut command = stack.command(args);
    command.stdin(File::open(&path).unwrap());
    run(&mut command)
}

fn json_lines(out: &Run) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn items_are_put_read_and_deleted_one_at_a_time(engine: &str, test: &str) {
    let stack = orders(test, engine);
    stack.up();
    let first = json!({"pk": "a", "sk": 1, "total": 12.5, "tags": ["x"]});

    // Plain JSON from the argument; what was written is printed.
    let out = stack.run(&["put", "orders", &first.to_string()]);
    out.assert_code(0)
        .assert_stderr_has("put 1 item into `orders`");
    assert_eq!(json_lines(&out), std::slice::from_ref(&first));

    // DynamoDB JSON from stdin, two items, one line each.
    let out = with_stdin(
        &stack,
        &["put", "orders", "-"],
        "{\"pk\": {\"S\": \"b\"}, \"sk\": {\"N\": \"2\"}, \"seen\": {\"BOOL\": true}}\n\
         {\"pk\": {\"S\": \"b\"}, \"sk\": {\"N\": \"3\"}}\n",
    );
    out.assert_code(0)
        .assert_stderr_has("put 2 items into `orders`");
    // Plain JSON from stdin, without `-`.
    with_stdin(&stack, &["put", "orders"], "{\"pk\": \"c\", \"sk\": 4}")
        .assert_code(0)
        .assert_stderr_has("put 1 item into `orders`");

    // By position, by name, and as JSON.
    let out = stack.run(&["get", "orders", "a", "1"]);
    out.assert_code(0);
    assert_eq!(json_lines(&out), std::slice::from_ref(&first));
    let out = stack.run(&["get", "orders", "sk=2", "pk=b", "--output", "dynamodb-json"]);
    out.assert_code(0);
    assert_eq!(
        json_lines(&out),
        [json!({"pk": {"S": "b"}, "sk": {"N": "2"}, "seen": {"BOOL": true}})]
    );
    let out = stack.run(&[
        "get",
        "orders",
        "--key",
        r#"{"pk": "c", "sk": 4}"#,
        "--output",
        "json",
    ]);
    out.assert_code(0);
    assert_eq!(
        serde_json::from_str::<Value>(&out.stdout).unwrap(),
        json!([{"pk": "c", "sk": 4}])
    );

    // Deleted: printed, then gone; deleting again is no error.
    let out = stack.run(&["delete", "orders", "a", "1"]);
    out.assert_code(0)
        .assert_stderr_has("deleted the item pk=`a`, sk=`1` from `orders`");
    assert_eq!(json_lines(&out), [first]);
    stack
        .run(&["get", "orders", "a", "1"])
        .assert_code(1)
        .assert_stderr_has("no item with key pk=`a`, sk=`1` in table `orders`");
    stack
        .run(&["delete", "orders", "pk=a", "sk=1"])
        .assert_code(0)
        .assert_stderr_has("no item with key pk=`a`, sk=`1` in `orders`; nothing deleted");

    // A key that does not fit the table is a usage error, and nothing is written.
    stack
        .run(&["put", "orders", r#"{"pk": "d"}"#])
        .assert_code(2)
        .assert_stderr_has("missing sort key `sk` (type N) of table `orders`");
    with_stdin(
        &stack,
        &["put", "orders"],
        "{\"pk\": \"e\", \"sk\": 5}\n{\"pk\": \"e\", \"sk\": \"six\"}\n",
    )
    .assert_code(2)
    .assert_stderr_has(
        "item 2 of stdin: sort key `sk` of table `orders` must be N, found S (a string)",
    );
    stack.run(&["get", "orders", "e", "5"]).assert_code(1);
    stack
        .run(&["get", "orders", "d"])
        .assert_code(2)
        .assert_stderr_has("missing sort key `sk` (type N) of table `orders`");
    let out = stack.run(&["scan", "orders"]);
    out.assert_code(0);
    assert_eq!(json_lines(&out).len(), 3, "{}", out.stdout);
}

per_engine!(
    items_are_put_read_and_deleted_one_at_a_time,
    "items": dynamodb_local, ministack, embedded
);

#[test]
fn delete_at_an_endpoint_that_only_looks_local_is_refused_without_a_request() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = orders("items-guard", "ministack");
        let url = format!("http://localhost.example.com:{}", fake.port);
        let mut command = stack.command(&["--endpoint", &url, "delete", "orders", "a", "1"]);
        command.env("DOCKER_HOST", "unix:///nonexistent.sock");
        let out = tokio::task::spawn_blocking(move || run(&mut command))
            .await
            .unwrap();
        out.assert_code(2)
            .assert_stderr_has("refusing to delete items")
            .assert_stderr_has("--allow-remote");
        assert_eq!(fake.operations(), Vec::<String>::new());
    });
}
