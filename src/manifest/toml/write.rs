//! The manifest's tables written back as `[[table]]` entries: what
//! `import` prints and `init` writes, read back by `table` as the same
//! tables.

use crate::manifest::{Billing, IndexSpec, KeyAttribute, Projection, TableSpec};

/// The tables as `[[table]]` entries, each preceded by a blank line. A
/// table's name is its `physical` one (no prefix); `seeds` gives, per
/// table, the seed files to name (as the manifest should write them).
pub fn tables(tables: &[TableSpec], seeds: &dyn Fn(&TableSpec) -> Vec<String>) -> String {
    let mut out = String::new();
    for table in tables {
        out.push('\n');
        if let Some(from) = &table.from {
            out.push_str(&format!("# from {from}\n"));
        }
        out.push_str("[[table]]\n");
        line(&mut out, "name", &quote(&table.physical));
        line(&mut out, "partition_key", &key(&table.partition_key));
        if let Some(sort) = &table.sort_key {
            line(&mut out, "sort_key", &key(sort));
        }
        if let Billing::Provisioned { read, write } = table.billing {
            line(&mut out, "billing_mode", &quote("provisioned"));
            line(&mut out, "read_capacity", &read.to_string());
            line(&mut out, "write_capacity", &write.to_string());
        }
        if let Some(ttl) = &table.ttl {
            line(&mut out, "ttl", &quote(ttl));
        }
        if let Some(stream) = table.stream {
            line(
                &mut out,
                "stream",
                &quote(&stream.as_str().to_ascii_lowercase()),
            );
        }
        let files = seeds(table);
        if !files.is_empty() {
            let list: Vec<String> = files
                .iter()
                .map(|f| format!("{{ path = {}, format = \"dynamodb-json\" }}", quote(f)))
                .collect();
            line(&mut out, "seed", &format!("[{}]", list.join(", ")));
        }
        for index in &table.global_indexes {
            out.push_str("\n[[table.global_index]]\n");
            self::index(&mut out, index, true);
        }
        for index in &table.local_indexes {
            out.push_str("\n[[table.local_index]]\n");
            self::index(&mut out, index, false);
        }
    }
    out
}

fn index(out: &mut String, index: &IndexSpec, global: bool) {
    line(out, "name", &quote(&index.name));
    if global {
        line(out, "partition_key", &key(&index.partition_key));
    }
    if let Some(sort) = &index.sort_key {
        line(out, "sort_key", &key(sort));
    }
    match &index.projection {
        Projection::All => {}
        Projection::KeysOnly => line(out, "projection", &quote("keys_only")),
        Projection::Include(names) => {
            line(out, "projection", &quote("include"));
            let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
            line(
                out,
                "non_key_attributes",
                &format!("[{}]", names.join(", ")),
            );
        }
    }
}

fn line(out: &mut String, key: &str, value: &str) {
    out.push_str(&format!("{key} = {value}\n"));
}

fn key(key: &KeyAttribute) -> String {
    quote(&key.to_string())
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;

    #[test]
    fn written_tables_read_back_the_same() {
        let manifest = Manifest::for_test(
            "[project]\nname = \"x\"\n\
             [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:N\"\n\
             billing_mode = \"provisioned\"\nread_capacity = 5\nwrite_capacity = 2\n\
             ttl = \"expires\"\nstream = \"new_and_old_images\"\n\
             [[table.global_index]]\nname = \"by-user\"\npartition_key = \"user:S\"\n\
             projection = \"include\"\nnon_key_attributes = [\"total\", \"a\\\"b\"]\n\
             [[table.local_index]]\nname = \"by-date\"\nsort_key = \"date:S\"\nprojection = \"keys_only\"\n\
             [[table]]\nname = \"users\"\npartition_key = \"id:B\"\n",
        );
        let text = format!(
            "[project]\nname = \"x\"\n{}",
            tables(&manifest.tables, &|_| Vec::new())
        );
        let again = Manifest::for_test(&text);
        let strip = |tables: &[TableSpec]| -> Vec<TableSpec> {
            tables
                .iter()
                .map(|t| TableSpec {
                    line: 0,
                    ..t.clone()
                })
                .collect()
        };
        assert_eq!(strip(&again.tables), strip(&manifest.tables));
    }
}
