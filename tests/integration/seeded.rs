//! Whether a table got its seed data is noted on the engine, with the
//! table, not in one home's cache: an edit survives an `up` from a home
//! that never saw the stack, a table devstack did not make is loaded only
//! with `--reseed`, and a load cut short is finished from any home. On
//! every engine.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use devstack::manifest::Manifest;

use crate::support::tables::seed_items;
use crate::support::{
    Home, Run, Stack, Watched, block_on, client_from_env, codemetrics_with, per_engine, run,
};

/// devstack's own table of notes on the engine.
const STATE_TABLE: &str = "_devstack";

/// `devstack ARGS` in the stack's folder, from `home` (not the stack's).
fn from_home(stack: &Stack, home: &Home, args: &[&str]) -> Run {
    run(home.devstack(stack.dir.path()).args(args))
}

fn an_edited_item_survives_an_up_from_a_home_that_never_saw_the_stack(engine: &str, test: &str) {
    let stack = codemetrics_with(test, engine, false);
    stack.up();
    let manifest = Manifest::load(&stack.manifest(), None).unwrap();
    let env = stack.env();
    let url = &env["AWS_ENDPOINT_URL"];
    let views = "CodeMetrics_views";
    let mut edited = seed_items(&manifest, "views").into_values().next().unwrap();
    edited.insert("edited".into(), AttributeValue::Bool(true));
    let key: HashMap<String, AttributeValue> = ["pk", "sk"]
        .into_iter()
        .map(|k| (k.to_string(), edited[k].clone()))
        .collect();
    block_on(async {
        let client = client_from_env(&env).await;
        client
            .put_item()
            .table_name(views)
            .set_item(Some(edited.clone()))
            .send()
            .await
            .unwrap();
    });

    // The cache folder goes: the same home now knows nothing.
    std::fs::remove_dir_all(stack.home.path().join("cache")).unwrap();
    stack
        .up()
        .context("without the cache folder")
        .assert_stderr_has("views: unchanged, 31 items");
    // Another home, from the same folder, at the engine's endpoint.
    let other = Home::new();
    from_home(&stack, &other, &["--endpoint", url, "up"])
        .context("from another home")
        .assert_code(0)
        .assert_stderr_has("views: unchanged, 31 items");
    if engine != "embedded" {
        // A container engine is found from any home by its labels (the
        // embedded engine is found in its own home's folders).
        from_home(&stack, &other, &["up"])
            .context("from another home")
            .assert_code(0)
            .assert_stderr_has("views: unchanged, 31 items");
    }

    let kept = block_on(async {
        let client = client_from_env(&env).await;
        client
            .get_item()
            .table_name(views)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    });
    assert_eq!(
        kept.as_ref().and_then(|item| item.get("edited")),
        Some(&AttributeValue::Bool(true)),
        "the edit is kept: {kept:?}"
    );
}

per_engine!(
    an_edited_item_survives_an_up_from_a_home_that_never_saw_the_stack,
    "seeded-home": dynamodb_local, ministack, embedded
);

fn a_table_devstack_did_not_make_is_loaded_only_with_reseed(engine: &str, test: &str) {
    let items = 100;
    let stack = Stack::new(test, engine, "");
    stack.up();
    stack.add_seeded_orders(items);
    let manifest = Manifest::load(&stack.manifest(), None).unwrap();
    let env = stack.env();
    let count = || {
        block_on(async {
            let client = client_from_env(&env).await;
            devstack::dynamo::load::count_items(&client, "orders")
                .await
                .unwrap()
        })
    };
    // Made through the SDK as the manifest declares it, before devstack.
    block_on(async {
        let client = client_from_env(&env).await;
        devstack::dynamo::tables::create(&client, manifest.table("orders").unwrap())
            .await
            .unwrap()
            .unwrap();
    });

    stack.up().assert_stderr_has(
        "orders: unchanged (not made by devstack: seed data not loaded; --reseed loads it), 0 items",
    );
    assert_eq!(count(), 0, "nothing loaded");

    stack
        .run(&["up", "--reseed"])
        .assert_code(0)
        .assert_stderr_has(format!("orders: unchanged, {items} items"));
    assert_eq!(count(), items as u64);
    // Loaded to the end by devstack: the next `up` says nothing more.
    stack
        .up()
        .assert_stderr_has(format!("orders: unchanged, {items} items"))
        .assert_stderr_lacks("not made by devstack");

    // Apps that list tables see devstack's own; `tables` does not show it.
    let names = block_on(async {
        let client = client_from_env(&env).await;
        let out = client.list_tables().send().await.unwrap();
        out.table_names().to_vec()
    });
    assert_eq!(names, [STATE_TABLE, "orders"]);
    stack
        .run(&["tables"])
        .assert_code(0)
        .assert_stdout_lacks(STATE_TABLE)
        .assert_stderr_has("1 table at");
    let out = stack.run(&["tables", "--json"]);
    out.assert_code(0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let shown: Vec<&str> = rows.iter().map(|r| r["table"].as_str().unwrap()).collect();
    assert_eq!(shown, ["orders"]);
}

per_engine!(
    a_table_devstack_did_not_make_is_loaded_only_with_reseed,
    "seeded-foreign": dynamodb_local, ministack, embedded
);

fn a_load_cut_short_is_finished_by_an_up_from_another_home(engine: &str, test: &str) {
    let items = 50_000;
    let stack = Stack::new(test, engine, "");
    stack.add_seeded_orders(items);

    let mut watched = Watched::spawn(stack.command(&["up"]));
    watched.until("orders: loading seed data", Duration::from_secs(180));
    watched.signal("-INT");
    watched
        .wait(Duration::from_secs(30))
        .assert_code(130)
        .assert_stderr_has("error: interrupted");

    let url = stack.env()["AWS_ENDPOINT_URL"].clone();
    let other = Home::new();
    from_home(&stack, &other, &["--endpoint", &url, "up"])
        .context("from another home")
        .assert_code(0)
        .assert_stderr_has(format!(
            "orders: updated (seed data loaded: no earlier run finished loading it), {items} items"
        ));
    stack
        .up()
        .assert_stderr_has(format!("orders: unchanged, {items} items"));
    stack.assert_down_leaves_nothing();
}

per_engine!(
    a_load_cut_short_is_finished_by_an_up_from_another_home,
    "seeded-cut": dynamodb_local, ministack, embedded
);
