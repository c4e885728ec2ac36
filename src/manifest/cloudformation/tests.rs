//! The readers and writers on the fixtures in `tests/fixtures/iac`: what
//! the table rules make of each file, where problems are reported, and
//! round trips through the writers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::manifest::imported::FileRead;
use crate::manifest::rules::check_tables;
use crate::manifest::{Billing, Diagnostic, Manifest, Position, Projection};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iac")
        .join(path)
}

fn template(path: &Path, values: &[(&str, &str)]) -> anyhow::Result<FileRead> {
    let values: BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    read_template(&Request {
        path,
        values: &values,
        region: "eu-west-1",
        stack_name: "shop",
    })
}

fn create_table(path: &Path) -> anyhow::Result<FileRead> {
    read_create_table(&Request {
        path,
        values: &BTreeMap::new(),
        region: "eu-west-1",
        stack_name: "shop",
    })
}

/// A diagnostic as `line:column field: message`.
fn place(file: &FileRead, d: &Diagnostic) -> String {
    let at = Position::of(file.source.text(), d.span.start);
    format!("{}:{} {}: {}", at.line, at.column, d.field, d.message)
}

/// The file's own problems, then the rules' problems, each placed.
fn problems(file: &FileRead) -> Vec<String> {
    let drafts: Vec<_> = file.tables.iter().map(|t| t.draft.clone()).collect();
    let checked = check_tables(&drafts, Some(""), &file.source);
    let rules = checked
        .problems
        .into_iter()
        .map(|p| file.source.diagnostic(p));
    file.diagnostics
        .iter()
        .cloned()
        .chain(rules)
        .map(|d| place(file, &d))
        .collect()
}

/// The tables as the rules check them, or every problem.
fn specs(file: &FileRead) -> Result<Vec<TableSpec>, Vec<String>> {
    let drafts: Vec<_> = file.tables.iter().map(|t| t.draft.clone()).collect();
    let checked = check_tables(&drafts, Some(""), &file.source);
    let found = problems(file);
    if !found.is_empty() {
        return Err(found);
    }
    Ok(checked.tables.into_iter().flatten().collect())
}

/// A table in one line: name, keys, billing, ttl, stream, indexes.
fn summary(table: &TableSpec) -> String {
    let mut out = format!("{} {}", table.name, table.partition_key);
    if let Some(sort) = &table.sort_key {
        out.push_str(&format!(" {sort}"));
    }
    match table.billing {
        Billing::PayPerRequest => out.push_str(" on-demand"),
        Billing::Provisioned { read, write } => out.push_str(&format!(" {read}/{write}")),
    }
    if let Some(ttl) = &table.ttl {
        out.push_str(&format!(" ttl={ttl}"));
    }
    if let Some(stream) = table.stream {
        out.push_str(&format!(" stream={}", stream.as_str()));
    }
    for (kind, indexes) in [
        ("gsi", &table.global_indexes),
        ("lsi", &table.local_indexes),
    ] {
        for index in indexes {
            out.push_str(&format!(" {kind}:{}({}", index.name, index.partition_key));
            if let Some(sort) = &index.sort_key {
                out.push_str(&format!(" {sort}"));
            }
            match &index.projection {
                Projection::All => out.push_str(" all)"),
                Projection::KeysOnly => out.push_str(" keys)"),
                Projection::Include(names) => out.push_str(&format!(" {})", names.join(","))),
            }
        }
    }
    out
}

fn summaries(file: &FileRead) -> Result<Vec<String>, Vec<String>> {
    Ok(specs(file)?.iter().map(summary).collect())
}

fn not_carried(file: &FileRead) -> Vec<String> {
    file.not_carried.iter().map(|n| n.field.clone()).collect()
}

#[test]
fn a_sam_app_gives_its_two_tables() -> anyhow::Result<()> {
    let file = template(&fixture("sam-app/template.yaml"), &[])?;
    let ids: Vec<_> = file.tables.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["SessionsTable", "OrdersTable"]);
    assert_eq!(
        summaries(&file),
        Ok(vec![
            "shop-sessions session_id:S on-demand".to_string(),
            "shop-dev-orders customer_id:S order_id:S 5/2 ttl=expires_at stream=NEW_AND_OLD_IMAGES gsi:by-status(status:S placed_at:N total,currency) lsi:by-placed(customer_id:S placed_at:N keys)".to_string(),
        ])
    );
    assert_eq!(
        not_carried(&file),
        [
            "Resources.SessionsTable.Properties.Tags",
            "Resources.OrdersTable.Properties.GlobalSecondaryIndexes[0].ProvisionedThroughput",
            "Resources.OrdersTable.Properties.PointInTimeRecoverySpecification",
            "Resources.OrdersTable.Properties.SSESpecification",
            "Resources.OrdersTable.Properties.Tags",
        ]
    );
    Ok(())
}

#[test]
fn parameters_given_win_over_defaults() -> anyhow::Result<()> {
    let values = [
        ("Stage", "prod"),
        ("OrdersReadCapacity", "12"),
        ("AWS::StackName", "web"),
    ];
    let file = template(&fixture("sam-app/template.yaml"), &values)?;
    let found = summaries(&file).map_err(|p| anyhow::anyhow!("{p:?}"))?;
    assert_eq!(found[0], "web-sessions session_id:S on-demand");
    assert!(found[1].starts_with(
        "web-prod-orders customer_id:S order_id:S 12/2 ttl=expires_at stream=NEW_IMAGE "
    ));
    Ok(())
}

#[test]
fn cdk_output_gives_its_global_tables_and_ignores_the_rest() -> anyhow::Result<()> {
    let file = template(&fixture("cdk-app/cdk.out/ShopStack.template.json"), &[])?;
    let ids: Vec<_> = file.tables.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["OrdersTable315BB997", "CartsTableA4B2C5E1"]);
    assert_eq!(
        summaries(&file),
        Ok(vec![
            "shop-orders pk:S sk:S on-demand ttl=expiresAt stream=NEW_AND_OLD_IMAGES gsi:gsi1(gsi1pk:S gsi1sk:N all)".to_string(),
            "CartsTableA4B2C5E1 cartId:S 5/2 gsi:byCustomer(customerId:S keys)".to_string(),
        ])
    );
    let prefix = "Resources.OrdersTable315BB997.Properties.Replicas";
    let carts = "Resources.CartsTableA4B2C5E1.Properties";
    assert_eq!(
        not_carried(&file),
        [
            format!("{prefix}[0]"),
            format!("{prefix}[1].PointInTimeRecoverySpecification"),
            format!("{prefix}[1].Tags"),
            format!("{carts}.GlobalSecondaryIndexes[0].WriteProvisionedThroughputSettings"),
            format!("{carts}.Replicas[0].GlobalSecondaryIndexes"),
        ]
    );
    Ok(())
}

#[test]
fn a_parameter_without_value_leaves_the_table_unnamed() -> anyhow::Result<()> {
    let file = template(&fixture("computed-name/template.yaml"), &[])?;
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    let table = &file.tables[0];
    assert_eq!(table.draft.name, None);
    let Some(unnamed) = &table.unnamed else {
        panic!("the table has a name");
    };
    assert_eq!(
        place(&file, unnamed),
        "13:23 Resources.OrdersTable.Properties.TableName: parameter `Stage` has no default and no value is given"
    );
    let help = unnamed.help.clone().unwrap_or_default();
    assert!(help.contains("`parameters = { Stage = \"…\" }`"), "{help}");
    assert!(
        help.contains("`[tables_from.table.OrdersTable] name = \"…\"`"),
        "{help}"
    );

    let file = template(&fixture("computed-name/template.yaml"), &[("Stage", "qa")])?;
    assert_eq!(
        summaries(&file),
        Ok(vec!["shop-qa-orders pk:S on-demand".to_string()])
    );
    Ok(())
}

#[test]
fn create_table_requests_and_describe_output_are_read() -> anyhow::Result<()> {
    let file = create_table(&fixture("create-table/orders.json"))?;
    assert_eq!(file.tables[0].id, "orders");
    assert_eq!(
        summaries(&file),
        Ok(vec!["orders customer_id:S order_id:S 10/5 ttl=expires_at gsi:by-status(status:S order_id:S total)".to_string()])
    );
    assert_eq!(
        not_carried(&file),
        [
            "GlobalSecondaryIndexes[0].ProvisionedThroughput",
            "SSESpecification",
            "Tags"
        ]
    );

    let file = create_table(&fixture("create-table/users.describe.json"))?;
    assert_eq!(
        summaries(&file),
        Ok(vec![
            "users user_id:S on-demand stream=NEW_IMAGE gsi:by-email(email:S keys)".to_string()
        ])
    );
    assert_eq!(not_carried(&file), ["Table.DeletionProtectionEnabled"]);
    Ok(())
}

#[test]
fn broken_templates_are_reported_where_and_as_written() -> anyhow::Result<()> {
    let file = template(&fixture("broken/import-value.yaml"), &[])?;
    let Some(unnamed) = &file.tables[0].unnamed else {
        panic!("`Orders` has a name");
    };
    assert_eq!(
        place(&file, unnamed),
        "8:18 Resources.Orders.Properties.TableName: `Fn::ImportValue` cannot be worked out before the stack is deployed"
    );
    assert_eq!(
        problems(&file)[0],
        "30:22 Resources.Payments.Properties.GlobalSecondaryIndexes[0].IndexName: `Fn::ImportValue` cannot be worked out before the stack is deployed"
    );

    let file = template(&fixture("broken/unknown-property.yaml"), &[])?;
    assert_eq!(
        problems(&file),
        [
            "13:7 Resources.Orders.Properties.KeySchemas: unknown property `KeySchemas`",
            "5:3 Resources.Orders.Properties.KeySchema: missing `KeySchema`",
        ]
    );
    assert_eq!(
        file.diagnostics[0].help.as_deref(),
        Some("did you mean `KeySchema`?")
    );

    let file = template(&fixture("broken/key-without-definition.yaml"), &[])?;
    assert_eq!(
        problems(&file),
        [
            "16:26 Resources.Orders.Properties.KeySchema[1]: key attribute `created_at` has no `AttributeDefinitions` entry"
        ]
    );

    let file = template(&fixture("broken/lsi-without-sort-key.yaml"), &[])?;
    assert_eq!(
        problems(&file),
        [
            "19:11 Resources.Orders.Properties.LocalSecondaryIndexes[0]: a local index needs the table to have a `RANGE key`"
        ]
    );
    Ok(())
}

#[test]
fn a_table_whose_condition_is_false_is_not_read() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("template.yaml");
    let text = "Parameters:\n  Stage: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n  Audit:\n    Type: AWS::Serverless::SimpleTable\n    Condition: IsProd\n";
    std::fs::write(&path, text)?;
    assert!(template(&path, &[])?.tables.is_empty());
    let file = template(&path, &[("Stage", "prod")])?;
    assert_eq!(
        summaries(&file),
        Ok(vec!["Audit id:S on-demand".to_string()])
    );
    Ok(())
}

#[test]
fn text_that_is_no_template_is_one_problem() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, "Resources:\n  Orders: [\n")?;
    let file = template(&path, &[])?;
    assert_eq!(file.diagnostics.len(), 1);
    assert!(file.diagnostics[0].message.starts_with("invalid YAML: "));
    std::fs::write(&path, "AWSTemplateFormatVersion: \"2010-09-09\"\n")?;
    let file = template(&path, &[])?;
    assert_eq!(
        problems(&file),
        ["1:1 : missing `Resources`: a template declares its tables there"]
    );
    let missing = template(&dir.path().join("nope.yaml"), &[]);
    let Err(error) = missing else {
        panic!("a missing file was read");
    };
    assert!(error.to_string().contains("nope.yaml"), "{error}");
    Ok(())
}

/// `valid-full`'s tables, named by their physical names as a file read
/// back names them, without what files do not carry.
fn manifest_tables() -> Vec<TableSpec> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/manifests/valid-full/devstack.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let text = text.replace("seed = [{ path = \"seed/products.json\", format = \"json\", sets = [\"tags\"], binary = [\"thumbnail\"] }]", "");
    let manifest = Manifest::for_test(&strip_seeds(&text));
    manifest.tables
}

/// The manifest without its seed lists, which name files beside it.
fn strip_seeds(text: &str) -> String {
    let mut out = String::new();
    let mut in_seed = false;
    for line in text.lines() {
        if line.starts_with("seed = [") {
            in_seed = !line.ends_with(']');
            continue;
        }
        if in_seed {
            in_seed = line != "]";
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn comparable(mut table: TableSpec, ttl: bool) -> TableSpec {
    table.name = table.physical.clone();
    table.line = 0;
    table.seeds.clear();
    if !ttl {
        table.ttl = None;
    }
    table
}

#[test]
fn a_written_template_reads_back_the_same() -> anyhow::Result<()> {
    let mut tables = manifest_tables();
    assert_eq!(tables.len(), 2);
    tables.extend(odd_tables());
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, write_template(&tables))?;
    let file = template(&path, &[])?;
    let back = specs(&file).map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let back: Vec<_> = back.into_iter().map(|t| comparable(t, true)).collect();
    let expected: Vec<_> = tables.into_iter().map(|t| comparable(t, true)).collect();
    assert_eq!(back, expected);
    let ids: Vec<_> = file.tables.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["OrdersTable", "ProductsTable", "T2faCodesTable"]);
    Ok(())
}

#[test]
fn written_requests_read_back_the_same_but_ttl() -> anyhow::Result<()> {
    let mut tables = manifest_tables();
    tables.extend(odd_tables());
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("tables.json");
    let text = write_create_table(&tables);
    assert!(
        text.ends_with("]\n") && text.starts_with("[\n  {\n    \"TableName\""),
        "{text}"
    );
    std::fs::write(&path, text)?;
    let file = create_table(&path)?;
    let back = specs(&file).map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let back: Vec<_> = back.into_iter().map(|t| comparable(t, false)).collect();
    let expected: Vec<_> = tables.into_iter().map(|t| comparable(t, false)).collect();
    assert_eq!(back, expected);
    // An index's own capacities are not carried: it has the table's.
    assert_eq!(
        not_carried(&file),
        ["[2].GlobalSecondaryIndexes[0].ProvisionedThroughput"]
    );
    Ok(())
}

/// Tables whose names YAML would misread unquoted, provisioned with a
/// global index, a stream and TTL.
fn odd_tables() -> Vec<TableSpec> {
    let manifest = Manifest::for_test(
        r##"
[project]
name = "odd"
table_prefix = "odd-"

[[table]]
name = "2fa.codes"
partition_key = "yes:S"
sort_key = "a b:N"
billing_mode = "provisioned"
read_capacity = 3
write_capacity = 4
stream = "keys_only"
ttl = "#ttl"

[[table.global_index]]
name = "by-N"
partition_key = "N:B"
projection = "include"
non_key_attributes = ["é", "true", "x: y"]
"##,
    );
    manifest.tables
}
