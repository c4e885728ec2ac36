//! The manifest's tables as `aws_dynamodb_table` resources, laid out as
//! `terraform fmt` lays them out: two-space indents, `=` aligned within a
//! run of arguments, a blank line between blocks.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use crate::manifest::{Billing, IndexSpec, KeyAttribute, Projection, TableSpec};

/// The tables as HCL, one resource each.
pub(super) fn write(tables: &[TableSpec]) -> String {
    let mut used = HashSet::new();
    let resources: Vec<String> = tables
        .iter()
        .map(|table| resource(table, &label(&table.physical, &mut used)))
        .collect();
    resources.join("\n")
}

/// A resource label from a table name: lower case, `_` for anything else
/// than a letter or digit, unique among `used`.
fn label(name: &str, used: &mut HashSet<String>) -> String {
    let mut base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !base.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        base.insert_str(0, "table_");
    }
    let mut label = base.clone();
    let mut n = 2;
    while !used.insert(label.clone()) {
        label = format!("{base}_{n}");
        n += 1;
    }
    label
}

/// One table as a resource.
fn resource(table: &TableSpec, label: &str) -> String {
    let mut out = format!("resource \"aws_dynamodb_table\" \"{label}\" {{\n");
    let mut args = vec![("name", quote(&table.physical))];
    match table.billing {
        Billing::PayPerRequest => args.push(("billing_mode", quote("PAY_PER_REQUEST"))),
        Billing::Provisioned { read, write } => {
            args.push(("billing_mode", quote("PROVISIONED")));
            args.push(("read_capacity", read.to_string()));
            args.push(("write_capacity", write.to_string()));
        }
    }
    args.push(("hash_key", quote(&table.partition_key.name)));
    if let Some(sort) = &table.sort_key {
        args.push(("range_key", quote(&sort.name)));
    }
    if let Some(view) = table.stream {
        args.push(("stream_enabled", "true".to_string()));
        args.push(("stream_view_type", quote(view.as_str())));
    }
    arguments(&mut out, 1, &args);

    for (name, ty) in attributes(table) {
        out.push('\n');
        block(
            &mut out,
            "attribute",
            &[("name", quote(name)), ("type", quote(ty))],
        );
    }
    for index in &table.global_indexes {
        let mut args = vec![
            ("name", quote(&index.name)),
            ("hash_key", quote(&index.partition_key.name)),
        ];
        args.extend(index_rest(index));
        if let Billing::Provisioned { read, write } = table.billing {
            args.push(("read_capacity", read.to_string()));
            args.push(("write_capacity", write.to_string()));
        }
        out.push('\n');
        block(&mut out, "global_secondary_index", &args);
    }
    for index in &table.local_indexes {
        let mut args = vec![("name", quote(&index.name))];
        args.extend(index_rest(index));
        out.push('\n');
        block(&mut out, "local_secondary_index", &args);
    }
    if let Some(ttl) = &table.ttl {
        out.push('\n');
        block(
            &mut out,
            "ttl",
            &[
                ("attribute_name", quote(ttl)),
                ("enabled", "true".to_string()),
            ],
        );
    }
    out.push_str("}\n");
    out
}

/// An index's sort key and projection.
fn index_rest(index: &IndexSpec) -> Vec<(&'static str, String)> {
    let mut args = Vec::new();
    if let Some(sort) = &index.sort_key {
        args.push(("range_key", quote(&sort.name)));
    }
    match &index.projection {
        Projection::All => args.push(("projection_type", quote("ALL"))),
        Projection::KeysOnly => args.push(("projection_type", quote("KEYS_ONLY"))),
        Projection::Include(names) => {
            args.push(("projection_type", quote("INCLUDE")));
            let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
            args.push(("non_key_attributes", format!("[{}]", names.join(", "))));
        }
    }
    args
}

/// Every key attribute of the table and its indexes, once, by name.
fn attributes(table: &TableSpec) -> BTreeMap<&str, &'static str> {
    let indexes = table.global_indexes.iter().chain(&table.local_indexes);
    let keys = [Some(&table.partition_key), table.sort_key.as_ref()]
        .into_iter()
        .chain(indexes.flat_map(|i| [Some(&i.partition_key), i.sort_key.as_ref()]))
        .flatten();
    keys.map(|KeyAttribute { name, ty }| (name.as_str(), ty.as_str()))
        .collect()
}

/// A nested block of arguments.
fn block(out: &mut String, name: &str, args: &[(&str, String)]) {
    let _ = writeln!(out, "  {name} {{");
    arguments(out, 2, args);
    out.push_str("  }\n");
}

/// Arguments at `depth`, their `=` aligned.
fn arguments(out: &mut String, depth: usize, args: &[(&str, String)]) {
    let width = args.iter().map(|(k, _)| k.len()).max().unwrap_or_default();
    let indent = "  ".repeat(depth);
    for (key, value) in args {
        let _ = writeln!(out, "{indent}{key:width$} = {value}");
    }
}

/// A string literal: quotes, backslashes, control characters and
/// template openers escaped.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{fixture, module_tables, read_with, specs};
    use super::*;

    #[test]
    fn labels_are_identifiers_and_unique() {
        let mut used = HashSet::new();
        assert_eq!(label("Shop-orders", &mut used), "shop_orders");
        assert_eq!(label("shop.orders", &mut used), "shop_orders_2");
        assert_eq!(label("9lives", &mut used), "table_9lives");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote(r#"a"b\c${d}%{e}$f"#), r#""a\"b\\c$${d}%%{e}$f""#);
    }

    #[test]
    fn written_tables_read_back_the_same() -> anyhow::Result<()> {
        let mut tables = module_tables("shop-orders", "shop-sessions", "shop-audit");
        // Provisioned with an index: the index gets the table's capacities.
        tables[1].global_indexes = tables[0].global_indexes[..1].to_vec();
        let text = write(&tables);
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("tables.tf");
        std::fs::write(&path, &text)?;
        let files = read_with(&path, &[])?;
        assert_eq!(super::super::tests::problems(&files), Vec::<String>::new());
        assert_eq!(specs(&files), tables);
        assert!(text.contains("    read_capacity      = 5\n"), "{text}");
        Ok(())
    }

    #[test]
    fn a_module_s_tables_written_out_look_like_terraform_fmt() -> anyhow::Result<()> {
        let tables = specs(&read_with(&fixture("module"), &[])?);
        let text = write(&tables[1..2]);
        assert_eq!(
            text,
            r#"resource "aws_dynamodb_table" "shop_sessions_dev" {
  name           = "Shop-sessions-dev"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 2
  hash_key       = "session_id"

  attribute {
    name = "session_id"
    type = "S"
  }
}
"#
        );
        Ok(())
    }
}
