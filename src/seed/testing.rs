//! What the tests of every part of the seed module share: seed files in a
//! temporary folder, a table with indexes to check them against, and
//! short ways to write items.

use super::{SeedItem, for_each_item, validate_table};
pub(super) use crate::item::testing::{item, n, s};
use crate::manifest::{
    Billing, IndexSpec, KeyAttribute, KeyType, Projection, SeedFormat, SeedSpec, TableSpec,
};

pub(super) type TestResult = anyhow::Result<()>;

/// Seed files in a temporary folder, shown as `seed/NAME`.
pub(super) struct Folder(pub(super) tempfile::TempDir);

impl Folder {
    pub(super) fn new() -> anyhow::Result<Folder> {
        Ok(Folder(tempfile::tempdir()?))
    }

    pub(super) fn json(&self, name: &str, text: &str) -> anyhow::Result<SeedSpec> {
        self.spec(name, text, SeedFormat::Json, &[], &[])
    }

    pub(super) fn typed(&self, name: &str, text: &str) -> anyhow::Result<SeedSpec> {
        self.spec(name, text, SeedFormat::DynamodbJson, &[], &[])
    }

    pub(super) fn spec(
        &self,
        name: &str,
        text: &str,
        format: SeedFormat,
        sets: &[&str],
        binary: &[&str],
    ) -> anyhow::Result<SeedSpec> {
        let path = self.0.path().join(name);
        std::fs::write(&path, text)?;
        Ok(SeedSpec {
            path,
            shown: format!("seed/{name}"),
            format,
            sets: sets.iter().map(|s| s.to_string()).collect(),
            binary: binary.iter().map(|s| s.to_string()).collect(),
            csv: None,
        })
    }
}

pub(super) fn key(written: &str) -> KeyAttribute {
    let (name, ty) = written
        .split_once(':')
        .unwrap_or_else(|| panic!("bad key `{written}`"));
    KeyAttribute {
        name: name.to_string(),
        ty: KeyType::from_name(ty).unwrap_or_else(|| panic!("bad type in `{written}`")),
    }
}

fn index(name: &str, partition_key: &str, sort_key: Option<&str>) -> IndexSpec {
    IndexSpec {
        name: name.to_string(),
        partition_key: key(partition_key),
        sort_key: sort_key.map(key),
        projection: Projection::All,
    }
}

/// A table keyed `pk:S` + `sk:S`, with indexes on `repo:S`/`updated_at:S`,
/// `score:N` and (local) `created_at:S`.
pub(super) fn table(seeds: Vec<SeedSpec>) -> TableSpec {
    TableSpec {
        name: "issues".to_string(),
        physical: "Test_issues".to_string(),
        partition_key: key("pk:S"),
        sort_key: Some(key("sk:S")),
        billing: Billing::PayPerRequest,
        ttl: None,
        stream: None,
        global_indexes: vec![
            index("by-repo", "repo:S", Some("updated_at:S")),
            index("by-score", "score:N", None),
        ],
        local_indexes: vec![index("by-created", "pk:S", Some("created_at:S"))],
        seeds,
        line: 1,
        from: None,
    }
}

pub(super) fn items(spec: &SeedSpec) -> anyhow::Result<Vec<SeedItem>> {
    let mut out = Vec::new();
    for_each_item(&table(vec![spec.clone()]), spec, |item| {
        out.push(item);
        Ok(())
    })?;
    Ok(out)
}

pub(super) fn problems(table: &TableSpec) -> Vec<String> {
    match validate_table(table) {
        Ok(_) => Vec::new(),
        Err(err) => err.problems.iter().map(ToString::to_string).collect(),
    }
}

pub(super) fn lines(items: &[SeedItem]) -> Vec<usize> {
    items.iter().map(|i| i.line).collect()
}
