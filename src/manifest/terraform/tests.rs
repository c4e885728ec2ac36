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

/// A file or folder under `tests/fixtures/iac/terraform/`.
pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iac/terraform")
        .join(name)
}

/// Reads `path` with the manifest's `values`.
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

/// A key attribute.
pub(super) fn key(name: &str, ty: KeyType) -> KeyAttribute {
    KeyAttribute {
        name: name.to_string(),
        ty,
    }
}

/// An on-demand table with only a partition key, named as is.
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
        from: None,
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

/// The problems of one file of `broken/`, and the names it gave.
fn broken(name: &str) -> anyhow::Result<(Vec<String>, Vec<Option<String>>)> {
    let files = read_with(&fixture(&format!("broken/{name}")), &[])?;
    let names = files
        .iter()
        .flat_map(|f| f.tables.iter().map(|t| t.draft.name.clone()))
        .collect();
    Ok((problems(&files), names))
}

#[test]
fn for_each_is_refused_where_it_is_written() -> anyhow::Result<()> {
    let (problems, names) = broken("for-each.tf")?;
    assert_eq!(
        problems,
        ["for-each.tf:7:3: aws_dynamodb_table.tenant.for_each: `for_each` is not supported"]
    );
    assert!(names.is_empty());
    Ok(())
}

#[test]
fn a_dynamic_block_is_refused_and_the_rest_is_read() -> anyhow::Result<()> {
    let (problems, names) = broken("dynamic.tf")?;
    assert_eq!(
        problems,
        [
            "dynamic.tf:16:3: aws_dynamodb_table.contacts.dynamic.global_secondary_index: `dynamic` blocks are not supported"
        ]
    );
    assert_eq!(names, [Some("contacts".to_string())]);
    Ok(())
}

#[test]
fn a_name_from_a_variable_without_a_value_is_the_manifest_s_to_give() -> anyhow::Result<()> {
    let files = read_with(&fixture("broken/missing-variable.tf"), &[])?;
    let [file] = files.as_slice() else {
        anyhow::bail!("expected one file, got {}", files.len());
    };
    assert!(file.diagnostics.is_empty());
    let table = &file.tables[0];
    assert_eq!(table.draft.name, None);
    let Some(unnamed) = &table.unnamed else {
        anyhow::bail!("no reason for the missing name");
    };
    assert_eq!(
        shown(file, unnamed),
        "missing-variable.tf:7:27: aws_dynamodb_table.users.name: variable `stage` has no value"
    );
    let help = unnamed.help.clone().unwrap_or_default();
    assert!(help.contains("`variables = { stage = \"…\" }`"), "{help}");
    assert!(
        help.contains("`[tables_from.table.\"aws_dynamodb_table.users\"]` with `name = \"…\"`"),
        "{help}"
    );

    let given = read_with(&fixture("broken/missing-variable.tf"), &[("stage", "qa")])?;
    let names: Vec<_> = specs(&given).into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["users-qa"]);
    Ok(())
}

#[test]
fn a_typo_gets_its_did_you_mean_and_no_second_problem() -> anyhow::Result<()> {
    let files = read_with(&fixture("broken/unknown-attribute.tf"), &[])?;
    assert_eq!(
        problems(&files),
        [
            "unknown-attribute.tf:4:3: aws_dynamodb_table.carts.hash_keys: unknown argument `hash_keys`"
        ]
    );
    assert_eq!(
        files[0].diagnostics[0].help.as_deref(),
        Some("did you mean `hash_key`?")
    );
    Ok(())
}

#[test]
fn the_rules_problems_come_out_at_the_terraform_place() -> anyhow::Result<()> {
    let (problems, _) = broken("rules.tf")?;
    assert_eq!(
        problems,
        [
            "rules.tf:16:3: aws_dynamodb_table.events.local_secondary_index[0]: a local index needs the table to have a `range_key`",
            "rules.tf:23:1: aws_dynamodb_table.counters.read_capacity: provisioned billing needs `read_capacity`",
            "rules.tf:23:1: aws_dynamodb_table.counters.write_capacity: provisioned billing needs `write_capacity`",
        ]
    );
    Ok(())
}

#[test]
fn not_valid_hcl_is_one_problem_at_its_place() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_dynamodb_table\" \"t\" {\n  name = \"t\"\n  hash_key = \n}\n",
    )?;
    let files = read_with(dir.path(), &[])?;
    let problems = problems(&files);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("main.tf:3:14: : not valid HCL: invalid expression"),
        "{problems:?}"
    );
    Ok(())
}

#[test]
fn count_must_be_zero_or_one_and_counted_tables_know_their_index() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_dynamodb_table" "t" {
  count    = 2
  name     = "t-${count.index}"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
"#,
    )?;
    let files = read_with(dir.path(), &[])?;
    assert_eq!(
        problems(&files),
        [
            "main.tf:2:14: aws_dynamodb_table.t.count: `count` is 2, but devstack reads a resource with `count` 0 or 1"
        ]
    );
    Ok(())
}

#[test]
fn show_json_gives_the_tables_terraform_made() -> anyhow::Result<()> {
    use KeyType::{N, S};
    let files = read_with(&fixture("show.json"), &[])?;
    assert_eq!(problems(&files), Vec::<String>::new());
    let mut orders = table("shop-prod-orders", key("pk", S));
    orders.sort_key = Some(key("sk", S));
    orders.ttl = Some("expires_at".to_string());
    orders.stream = Some(StreamView::NewAndOldImages);
    orders.global_indexes = vec![IndexSpec {
        name: "by_status".to_string(),
        partition_key: key("status", S),
        sort_key: Some(key("created_at", N)),
        projection: Projection::Include(vec!["total".to_string()]),
    }];
    orders.local_indexes = vec![IndexSpec {
        name: "by_created_at".to_string(),
        partition_key: key("pk", S),
        sort_key: Some(key("created_at", N)),
        projection: Projection::KeysOnly,
    }];
    let mut sessions = table("shop-prod-sessions", key("session_id", S));
    sessions.billing = Billing::Provisioned { read: 5, write: 2 };
    assert_eq!(specs(&files), [orders, sessions]);

    let file = &files[0];
    let ids: Vec<_> = file.tables.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "aws_dynamodb_table.orders",
            "module.sessions.aws_dynamodb_table.this[0]"
        ]
    );
    let not_carried: Vec<String> = file
        .not_carried
        .iter()
        .map(|n| {
            let at = Position::of(file.source.text(), n.span.start);
            format!("{}:{} {}", at.line, at.column, n.field)
        })
        .collect();
    assert_eq!(
        not_carried,
        [
            "30:13 aws_dynamodb_table.orders.deletion_protection_enabled",
            "57:13 aws_dynamodb_table.orders.point_in_time_recovery",
            "73:13 aws_dynamodb_table.orders.tags",
            "74:13 aws_dynamodb_table.orders.tags_all",
        ]
    );
    Ok(())
}

#[test]
fn show_json_problems_come_out_at_the_resource() -> anyhow::Result<()> {
    let text = std::fs::read_to_string(fixture("show.json"))?
        .replace(r#""range_key": "sk","#, r#""range_key": "sort","#);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("show.json");
    std::fs::write(&path, text)?;
    let files = read_with(&path, &[])?;
    assert_eq!(
        problems(&files),
        [
            "show.json:60:26: aws_dynamodb_table.orders.range_key: key attribute `sort` has no `attribute`"
        ]
    );
    std::fs::write(&path, "{\"values\": [}")?;
    let problems = problems(&read_with(&path, &[])?);
    assert!(
        problems[0].starts_with("show.json:1:13: : not valid JSON"),
        "{problems:?}"
    );
    Ok(())
}

#[test]
fn json_tfvars_are_read_as_terraform_reads_them() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("main.tf"),
        r#"variable "env" {}
variable "team" {}
resource "aws_dynamodb_table" "t" {
  name         = "${var.team}-${var.env}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
"#,
    )?;
    std::fs::write(
        dir.path().join("terraform.tfvars.json"),
        r#"{"env": "qa", "team": "a"}"#,
    )?;
    // An auto file comes after, and wins.
    std::fs::write(dir.path().join("b.auto.tfvars.json"), r#"{"team": "b"}"#)?;
    let files = read_with(dir.path(), &[])?;
    assert_eq!(problems(&files), Vec::<String>::new());
    let names: Vec<String> = specs(&files).into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["b-qa"]);
    let declares = &files[0].declares;
    assert_eq!(declares, &["env", "team"]);
    Ok(())
}
