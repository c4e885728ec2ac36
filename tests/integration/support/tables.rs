//! Tables and items as an endpoint holds them, checked against a manifest
//! and its seed files; and the bundled CodeMetrics project, which most
//! end-to-end tests run.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use devstack::dynamo::tables::TableStatus;
use devstack::manifest::{Manifest, Projection};

use super::{Stack, root};

/// The six tables of the bundled CodeMetrics manifest, by manifest name.
pub const CODEMETRICS_TABLES: [&str; 6] = [
    "github-issues",
    "vcs-cache",
    "queries",
    "pipeline-cache",
    "views",
    "remote-config",
];

/// The bundled CodeMetrics manifest and seeds, as its own project on free
/// ports, on `engine`, with or without the admin UI.
pub fn codemetrics_with(test: &str, engine: &str, admin: bool) -> Stack {
    let stack = Stack::new(test, engine, "");
    copy_dir(
        &root().join("bootstrap/seed"),
        &stack.dir.path().join("seed"),
    );
    let original = std::fs::read_to_string(root().join("bootstrap/devstack.toml")).unwrap();
    let manifest = original
        .replace(
            "name = \"codemetrics\"",
            &format!("name = \"{}\"", stack.project),
        )
        .replace("engine = \"ministack\"", &format!("engine = \"{engine}\""))
        .replace("admin = true", &format!("admin = {admin}"));
    let manifest = format!(
        "{manifest}\n[services.{engine}]\nport = 0\n\n[services.dynamodb-admin]\nport = 0\n"
    );
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack
}

/// Copies the files of `from` (not its folders) into `to`, made if need be.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The tables on the endpoint `devstack env`'s output names.
pub fn table_names(env: &BTreeMap<String, String>) -> Vec<String> {
    super::block_on(async {
        let client = client_from_env(env).await;
        client
            .list_tables()
            .send()
            .await
            .unwrap()
            .table_names()
            .to_vec()
    })
}

/// An SDK client built from nothing but `devstack env`'s output.
pub async fn client_from_env(env: &BTreeMap<String, String>) -> aws_sdk_dynamodb::Client {
    let credentials = aws_sdk_dynamodb::config::Credentials::new(
        &env["AWS_ACCESS_KEY_ID"],
        &env["AWS_SECRET_ACCESS_KEY"],
        None,
        None,
        "devstack-env",
    );
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(&env["AWS_ENDPOINT_URL_DYNAMODB"])
        .region(aws_sdk_dynamodb::config::Region::new(
            env["AWS_REGION"].clone(),
        ))
        .credentials_provider(credentials)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A number as DynamoDB stores it compares by value: `81.0` is `81`.
fn canonical_number(text: &str) -> String {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim_start_matches('+')),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let exponent = exponent + whole.len() as i64;
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let digits = digits.trim_matches('0');
    if digits.is_empty() {
        return "0".to_string();
    }
    let sign = if negative { "-" } else { "" };
    format!("{sign}0.{digits}e{}", exponent - leading as i64)
}

/// An item in a form that compares as DynamoDB means it: numbers by
/// value, sets without order.
fn canonical(value: &AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::N(n) => AttributeValue::N(canonical_number(n)),
        AttributeValue::Ns(ns) => {
            let mut ns: Vec<String> = ns.iter().map(|n| canonical_number(n)).collect();
            ns.sort();
            AttributeValue::Ns(ns)
        }
        AttributeValue::Ss(ss) => {
            let mut ss = ss.clone();
            ss.sort();
            AttributeValue::Ss(ss)
        }
        AttributeValue::Bs(bs) => {
            let mut bs = bs.clone();
            bs.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
            AttributeValue::Bs(bs)
        }
        AttributeValue::L(list) => AttributeValue::L(list.iter().map(canonical).collect()),
        AttributeValue::M(map) => {
            AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

fn canonical_item(item: HashMap<String, AttributeValue>) -> HashMap<String, AttributeValue> {
    item.into_iter().map(|(k, v)| (k, canonical(&v))).collect()
}

/// What tells an item from the others: its `pk` and `sk`, as the tables
/// of most tests are keyed; for other tables, all of it.
fn item_key(item: &HashMap<String, AttributeValue>) -> String {
    if item.contains_key("pk") {
        return format!("{:?}/{:?}", item.get("pk"), item.get("sk"));
    }
    let mut attributes: Vec<_> = item.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    attributes.sort();
    attributes.join(",")
}

/// Every item of a table, by its primary key.
pub async fn items(
    client: &Client,
    table: &str,
) -> HashMap<String, HashMap<String, AttributeValue>> {
    let mut all = HashMap::new();
    let mut pages = client
        .scan()
        .table_name(table)
        .into_paginator()
        .items()
        .send();
    while let Some(item) = pages.next().await {
        let item = canonical_item(item.unwrap());
        all.insert(item_key(&item), item);
    }
    all
}

/// The seed items of a table, read with devstack's own reader.
pub fn seed_items(
    manifest: &Manifest,
    table: &str,
) -> HashMap<String, HashMap<String, AttributeValue>> {
    let mut all = HashMap::new();
    let table = manifest.table(table).unwrap();
    for seed in &table.seeds {
        devstack::seed::for_each_item(table, seed, |s| {
            let item = canonical_item(s.item);
            all.insert(item_key(&item), item);
            Ok(())
        })
        .unwrap();
    }
    all
}

/// Checks one table on the endpoint against its manifest declaration.
pub async fn assert_matches_manifest(client: &Client, manifest: &Manifest, name: &str) {
    let spec = manifest.table(name).unwrap();
    let state = devstack::dynamo::tables::describe(client, &spec.physical)
        .await
        .unwrap()
        .unwrap();
    assert!(state.is_active(), "{name}: {state:?}");
    assert_eq!(
        state.partition_key.as_ref(),
        Some(&spec.partition_key),
        "{name}"
    );
    assert_eq!(state.sort_key, spec.sort_key, "{name}");
    assert_eq!(state.ttl, spec.ttl, "{name}: ttl");
    assert_eq!(state.stream, spec.stream, "{name}: stream");
    let mut want: Vec<_> = spec.global_indexes.iter().map(|i| i.name.clone()).collect();
    let mut have: Vec<_> = state
        .global_indexes
        .iter()
        .map(|i| i.name.clone())
        .collect();
    want.sort();
    have.sort();
    assert_eq!(have, want, "{name}: global indexes");
    for index in &spec.global_indexes {
        let found = state
            .global_indexes
            .iter()
            .find(|g| g.name == index.name)
            .unwrap();
        assert_eq!(found.status, TableStatus::Active, "{name}.{}", index.name);
        assert_eq!(found.partition_key.as_ref(), Some(&index.partition_key));
        assert_eq!(found.sort_key, index.sort_key);
        match (&found.projection, &index.projection) {
            (Projection::Include(a), Projection::Include(b)) => {
                let mut a = a.clone();
                let mut b = b.clone();
                a.sort();
                b.sort();
                assert_eq!(a, b);
            }
            (a, b) => assert_eq!(a, b, "{name}.{} projection", index.name),
        }
    }
    assert_eq!(
        state.local_indexes.len(),
        spec.local_indexes.len(),
        "{name}: local indexes"
    );
    let seeded = seed_items(manifest, name);
    let stored = items(client, &spec.physical).await;
    assert_eq!(stored.len(), seeded.len(), "{name}: item count");
    for (key, item) in &seeded {
        assert_eq!(
            stored.get(key),
            Some(item),
            "{name}: item {key} differs from its seed"
        );
    }
}
