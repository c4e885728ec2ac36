//! Tables from where they are already defined: `init` and `import` from a
//! running DynamoDB and from the files that define them, `[[tables_from]]`
//! brought up on every engine, and `export` read back.

use std::collections::BTreeMap;

use devstack::dynamo::tables::{self, TableState};

use crate::support::tables::items;
use crate::support::{Stack, block_on, client_from_env, codemetrics_with, per_engine};

/// What DescribeTable says of a table that a manifest decides: keys,
/// indexes, billing, stream and TTL; not its status, counts or dates.
fn shape(state: TableState) -> TableState {
    let index = |mut i: tables::IndexState| {
        i.status = tables::TableStatus::Active;
        i
    };
    TableState {
        status: tables::TableStatus::Active,
        item_count: None,
        size_bytes: None,
        created: None,
        global_indexes: {
            let mut all: Vec<_> = state.global_indexes.into_iter().map(index).collect();
            all.sort_by(|a, b| a.name.cmp(&b.name));
            all
        },
        local_indexes: state.local_indexes.into_iter().map(index).collect(),
        ..state
    }
}

/// Every table of the endpoint `env` names, by name, as `shape` keeps it.
fn shapes(env: &BTreeMap<String, String>) -> BTreeMap<String, TableState> {
    let names = crate::support::table_names(env);
    block_on(async {
        let client = client_from_env(env).await;
        let mut all = BTreeMap::new();
        for name in names {
            if name == devstack::service::STATE_TABLE {
                continue;
            }
            let state = tables::describe(&client, &name).await.unwrap().unwrap();
            all.insert(name, shape(state));
        }
        all
    })
}

per_engine!(init_from_an_endpoint_carries_its_tables_and_items, "init-ep": dynamodb_local, ministack, embedded);

/// A team on compose + scripts moves over in one command: `init
/// --from-endpoint --seeds` writes a manifest whose stack has the same
/// tables, with the same items.
fn init_from_an_endpoint_carries_its_tables_and_items(engine: &str, project: &str) {
    let source = codemetrics_with(project, engine, false);
    source.up();
    let source_env = source.env();
    let url = &source_env["AWS_ENDPOINT_URL_DYNAMODB"];

    let copy = Stack::new(&format!("{project}-copy"), engine, "");
    std::fs::remove_file(copy.manifest()).unwrap();
    copy.run(&[
        "--engine",
        engine,
        "init",
        "--name",
        &copy.project,
        "--from-endpoint",
        url,
        "--seeds",
        "seed",
    ])
    .assert_code(0)
    .assert_stderr_has("wrote 180 items of `CodeMetrics_github-issues`")
    .assert_stderr_has("6 tables");
    let written = std::fs::read_to_string(copy.manifest()).unwrap();
    assert!(
        written.contains(&format!("engine = \"{engine}\"")),
        "{written}"
    );
    // Free ports, as every test stack has.
    std::fs::write(
        copy.manifest(),
        format!("{written}\n[services.{engine}]\nport = 0\n"),
    )
    .unwrap();
    copy.up();
    let copy_env = copy.env();

    let (want, have) = (shapes(&source_env), shapes(&copy_env));
    assert_eq!(want.len(), 6, "{want:?}");
    assert_eq!(have, want);
    block_on(async {
        let (from, to) = (
            client_from_env(&source_env).await,
            client_from_env(&copy_env).await,
        );
        for name in want.keys() {
            assert_eq!(items(&to, name).await, items(&from, name).await, "{name}");
        }
    });
}

#[test]
fn init_never_overwrites_a_manifest() {
    let stack = Stack::new("init-twice", "embedded", "");
    let before = std::fs::read_to_string(stack.manifest()).unwrap();
    stack
        .run(&["init"])
        .assert_code(2)
        .assert_stderr_has("already exists; devstack does not overwrite a manifest");
    assert_eq!(std::fs::read_to_string(stack.manifest()).unwrap(), before);
}

#[test]
fn init_without_sources_writes_a_manifest_that_validates() {
    let stack = Stack::new("init-bare", "embedded", "");
    std::fs::remove_file(stack.manifest()).unwrap();
    stack
        .run(&["init", "--name", "shop", "--port", "0"])
        .assert_code(0)
        .assert_stderr_has("for project `shop` on embedded, 0 tables");
    let written = std::fs::read_to_string(stack.manifest()).unwrap();
    assert!(
        written.contains("[services.embedded]\nport = 0\n"),
        "{written}"
    );
    assert!(
        written.contains("# [[table]]"),
        "an example table: {written}"
    );
    stack
        .run(&["validate"])
        .assert_code(0)
        .assert_stdout_has("project  shop");
}

#[test]
fn import_names_a_file_it_cannot_use() {
    let stack = Stack::new("import-bad", "embedded", "");
    stack
        .run(&["import", "nowhere.yaml"])
        .assert_code(2)
        .assert_stderr_has("`nowhere.yaml` does not exist");
    std::fs::write(stack.dir.path().join("tables.txt"), "orders").unwrap();
    stack
        .run(&["import", "tables.txt"])
        .assert_code(2)
        .assert_stderr_has("cannot tell what `tables.txt` is")
        .assert_stderr_has("pass `--format`");
}
