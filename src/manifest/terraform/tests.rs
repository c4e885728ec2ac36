//! The fixtures under `tests/fixtures/iac/terraform/` read as the manifest
//! reads them: each file's drafts through the table rules, problems shown
//! as `file:line:column: field: message`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::read;
use crate::manifest::imported::{FileRead, Request};
use crate::manifest::rules::check_tables;
use crate::manifest::{
    Billing, Diagnostic, IndexSpec, KeyAttribute, KeyType, Position, Projection, StreamView,
    TableSpec,
};

pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iac/terraform")
        .join(name)
}

pub(super) fn read_with(path: &Path, values: &[(&str, &str)]) -> anyhow::Result<Vec<FileRead>> {
    let values: BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    read(&Request {
        path,
        values: &values,
        region: "eu-west-1",
        stack_name: "shop",
    })
}

/// A diagnostic as `file:line:column: field: message`.
pub(super) fn shown(file: &FileRead, d: &Diagnostic) -> String {
    let at = Position::of(file.source.text(), d.span.start);
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(
        "{name}:{}:{}: {}: {}",
        at.line, at.column, d.field, d.message
    )
}

/// Every file's own problems, then the rules' problems, shown.
pub(super) fn problems(files: &[FileRead]) -> Vec<String> {
    let mut all = Vec::new();
    for file in files {
        all.extend(file.diagnostics.iter().map(|d| shown(file, d)));
        let drafts: Vec<_> = file.tables.iter().map(|t| t.draft.clone()).collect();
        let checked = check_tables(&drafts, Some(""), &file.source);
        all.extend(
            checked
                .problems
                .into_iter()
                .map(|p| shown(file, &file.source.diagnostic(p))),
        );
    }
    all
}

/// Every table that passes the rules, `line` and `seeds` left out.
pub(super) fn specs(files: &[FileRead]) -> Vec<TableSpec> {
    let mut all = Vec::new();
    for file in files {
        let drafts: Vec<_> = file.tables.iter().map(|t| t.draft.clone()).collect();
        let checked = check_tables(&drafts, Some(""), &file.source);
        all.extend(checked.tables.into_iter().flatten().map(|mut t| {
            t.line = 0;
            t.seeds.clear();
            t
        }));
    }
    all
}

pub(super) fn key(name: &str, ty: KeyType) -> KeyAttribute {
    KeyAttribute {
        name: name.to_string(),
        ty,
    }
}

fn table(name: &str, partition: KeyAttribute) -> TableSpec {
    TableSpec {
        name: name.to_string(),
        physical: name.to_string(),
        partition_key: partition,
        sort_key: None,
        billing: Billing::PayPerRequest,
        ttl: None,
        stream: None,
        global_indexes: Vec::new(),
        local_indexes: Vec::new(),
        seeds: Vec::new(),
        line: 0,
    }
}

/// The tables of `module/` with its defaults and `terraform.tfvars`.
pub(super) fn module_tables(orders: &str, sessions: &str, audit: &str) -> Vec<TableSpec> {
    use KeyType::{N, S};
    let mut orders = table(orders, key("pk", S));
    orders.sort_key = Some(key("sk", S));
    orders.ttl = Some("expires_at".to_string());
    orders.stream = Some(StreamView::NewAndOldImages);
    orders.global_indexes = vec![
        IndexSpec {
            name: "by_status".to_string(),
            partition_key: key("status", S),
            sort_key: Some(key("created_at", N)),
            projection: Projection::Include(vec!["total".to_string(), "currency".to_string()]),
        },
        IndexSpec {
            name: "by_customer".to_string(),
            partition_key: key("customer_id", S),
            sort_key: Some(key("created_at", N)),
            projection: Projection::All,
        },
    ];
    orders.local_indexes = vec![IndexSpec {
        name: "by_created_at".to_string(),
        partition_key: key("pk", S),
        sort_key: Some(key("created_at", N)),
        projection: Projection::KeysOnly,
    }];
    let mut sessions = table(sessions, key("session_id", S));
    sessions.billing = Billing::Provisioned { read: 5, write: 2 };
    vec![orders, sessions, table(audit, key("event_id", S))]
}

#[test]
fn a_module_folder_gives_its_tables_with_variables_and_locals() -> anyhow::Result<()> {
    let files = read_with(&fixture("module"), &[])?;
    assert_eq!(problems(&files), Vec::<String>::new());
    assert_eq!(
        specs(&files),
        module_tables("shop-dev-orders", "Shop-sessions-dev", "shop-dev-audit-0")
    );
    let ids: Vec<_> = files
        .iter()
        .flat_map(|f| f.tables.iter().map(|t| t.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            "aws_dynamodb_table.orders",
            "aws_dynamodb_table.sessions",
            "aws_dynamodb_table.audit"
        ]
    );
    Ok(())
}

#[test]
fn one_file_of_a_module_uses_the_whole_module_s_values() -> anyhow::Result<()> {
    let files = read_with(&fixture("module/main.tf"), &[])?;
    assert_eq!(files.len(), 1);
    assert_eq!(
        specs(&files),
        module_tables("shop-dev-orders", "Shop-sessions-dev", "shop-dev-audit-0")
    );
    Ok(())
}

#[test]
fn the_manifest_s_values_win_over_defaults_and_tfvars() -> anyhow::Result<()> {
    let files = read_with(
        &fixture("module"),
        &[
            ("prefix", "Web"),
            ("env", "prod"),
            ("enable_audit", "false"),
            ("session_capacity", "10"),
        ],
    )?;
    let names: Vec<_> = specs(&files).into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["web-prod-orders", "Web-sessions-prod"]);
    let sessions = &specs(&files)[1];
    assert_eq!(
        sessions.billing,
        Billing::Provisioned { read: 10, write: 2 }
    );
    Ok(())
}

#[test]
fn what_has_no_effect_locally_is_listed_as_not_carried() -> anyhow::Result<()> {
    let files = read_with(&fixture("module"), &[])?;
    let main = files
        .iter()
        .find(|f| f.path.ends_with("main.tf"))
        .ok_or_else(|| anyhow::anyhow!("no main.tf"))?;
    let not_carried: Vec<String> = main
        .not_carried
        .iter()
        .map(|n| {
            let at = Position::of(main.source.text(), n.span.start);
            format!("{}:{} {}", at.line, at.column, n.field)
        })
        .collect();
    assert_eq!(
        not_carried,
        [
            "75:3 aws_dynamodb_table.orders.server_side_encryption",
            "79:3 aws_dynamodb_table.orders.point_in_time_recovery",
            "83:3 aws_dynamodb_table.orders.tags",
            "124:3 aws_dynamodb_table.sessions.deletion_protection_enabled",
            "125:3 aws_dynamodb_table.sessions.table_class",
            "127:3 aws_dynamodb_table.sessions.lifecycle",
        ]
    );
    Ok(())
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let missing = fixture("no-such-module");
    let err = read_with(&missing, &[]).err().map(|e| e.to_string());
    assert_eq!(err, Some(format!("cannot read `{}`", missing.display())));
}
