//! What to do with one manifest table, given what the endpoint has: create
//! it, leave it, change it in place, or report drift. Pure: no I/O.

use std::collections::BTreeSet;

use super::state::{IndexState, TableState};
use crate::manifest::{IndexSpec, KeyAttribute, Projection, StreamView, TableSpec};

/// One change `up` makes to an existing table in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddGlobalIndex(IndexSpec),
    SetTtl(String),
    DisableTtl(String),
    SetStream(Option<StreamView>),
}

impl Change {
    pub fn describe(&self) -> String {
        match self {
            Change::AddGlobalIndex(index) => format!("added global index `{}`", index.name),
            Change::SetTtl(attribute) => format!("TTL on `{attribute}`"),
            Change::DisableTtl(attribute) => format!("TTL on `{attribute}` disabled"),
            Change::SetStream(Some(view)) => format!("stream {}", view.as_str()),
            Change::SetStream(None) => "stream disabled".to_string(),
        }
    }
}

/// What to do with one manifest table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TablePlan {
    Create,
    Unchanged,
    Update(Vec<Change>),
    /// Differences devstack will not fix in place; one readable line each.
    Drift(Vec<String>),
}

/// Compares the manifest's table with the endpoint's (`None`: no such table).
pub fn plan(spec: &TableSpec, observed: Option<&TableState>) -> TablePlan {
    let Some(observed) = observed else {
        return TablePlan::Create;
    };
    let mut drift = Vec::new();
    let shown = |key: &Option<KeyAttribute>| {
        key.as_ref()
            .map_or("none".to_string(), |k| format!("`{k}`"))
    };
    if observed.partition_key.as_ref() != Some(&spec.partition_key) {
        drift.push(format!(
            "partition key: manifest `{}`, endpoint {}",
            spec.partition_key,
            shown(&observed.partition_key)
        ));
    }
    if observed.sort_key != spec.sort_key {
        drift.push(format!(
            "sort key: manifest {}, endpoint {}",
            shown(&spec.sort_key),
            shown(&observed.sort_key)
        ));
    }
    compare_indexes(
        "local index",
        &spec.local_indexes,
        &observed.local_indexes,
        true,
        &mut drift,
    );
    let mut changes = Vec::new();
    let missing_globals = compare_indexes(
        "global index",
        &spec.global_indexes,
        &observed.global_indexes,
        false,
        &mut drift,
    );
    if !drift.is_empty() {
        return TablePlan::Drift(drift);
    }
    changes.extend(
        missing_globals
            .into_iter()
            .cloned()
            .map(Change::AddGlobalIndex),
    );
    match (&spec.ttl, &observed.ttl) {
        (Some(want), have) if have.as_ref() != Some(want) => {
            if let Some(old) = have {
                changes.push(Change::DisableTtl(old.clone()));
            }
            changes.push(Change::SetTtl(want.clone()));
        }
        (None, Some(have)) => changes.push(Change::DisableTtl(have.clone())),
        _ => {}
    }
    if spec.stream != observed.stream {
        // A stream's view type cannot be changed in place: off, then on.
        if spec.stream.is_some() && observed.stream.is_some() {
            changes.push(Change::SetStream(None));
        }
        changes.push(Change::SetStream(spec.stream));
    }
    if changes.is_empty() {
        TablePlan::Unchanged
    } else {
        TablePlan::Update(changes)
    }
}

/// Records index differences as drift; returns the wanted indexes the
/// endpoint lacks (a drift for local indexes, an update for global ones).
fn compare_indexes<'a>(
    what: &str,
    wanted: &'a [IndexSpec],
    observed: &[IndexState],
    missing_is_drift: bool,
    drift: &mut Vec<String>,
) -> Vec<&'a IndexSpec> {
    let mut missing = Vec::new();
    for want in wanted {
        match observed.iter().find(|o| o.name == want.name) {
            None if missing_is_drift => {
                drift.push(format!(
                    "{what} `{}`: in the manifest, not on the endpoint",
                    want.name
                ));
            }
            None => missing.push(want),
            Some(have) => {
                if have.partition_key.as_ref() != Some(&want.partition_key)
                    || have.sort_key != want.sort_key
                {
                    drift.push(format!(
                        "{what} `{}`: manifest keys {}, endpoint keys {}",
                        want.name,
                        key_pair(Some(&want.partition_key), want.sort_key.as_ref()),
                        key_pair(have.partition_key.as_ref(), have.sort_key.as_ref()),
                    ));
                } else if !same_projection(&have.projection, &want.projection) {
                    drift.push(format!(
                        "{what} `{}`: manifest projection {}, endpoint projection {}",
                        want.name,
                        projection_name(&want.projection),
                        projection_name(&have.projection)
                    ));
                }
            }
        }
    }
    for have in observed {
        if !wanted.iter().any(|w| w.name == have.name) {
            drift.push(format!(
                "{what} `{}`: on the endpoint, not in the manifest",
                have.name
            ));
        }
    }
    missing
}

fn key_pair(partition: Option<&KeyAttribute>, sort: Option<&KeyAttribute>) -> String {
    match (partition, sort) {
        (Some(p), Some(s)) => format!("`{p}` / `{s}`"),
        (Some(p), None) => format!("`{p}`"),
        (None, _) => "none".to_string(),
    }
}

fn same_projection(a: &Projection, b: &Projection) -> bool {
    match (a, b) {
        (Projection::Include(x), Projection::Include(y)) => {
            x.iter().collect::<BTreeSet<_>>() == y.iter().collect::<BTreeSet<_>>()
        }
        _ => a == b,
    }
}

fn projection_name(projection: &Projection) -> String {
    match projection {
        Projection::All => "`all`".to_string(),
        Projection::KeysOnly => "`keys_only`".to_string(),
        Projection::Include(attrs) => format!("`include` {attrs:?}"),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::dynamo::tables::TableStatus;
    use crate::manifest::KeyType;
    use crate::manifest::Manifest;

    pub(crate) fn spec(extra: &str) -> TableSpec {
        let manifest = Manifest::for_test(&format!(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\ntable_prefix = \"P_\"\n\
             [[table]]\nname = \"issues\"\npartition_key = \"pk:S\"\nsort_key = \"sk:S\"\n{extra}"
        ));
        manifest.tables[0].clone()
    }

    /// What an endpoint that created `spec` exactly would report.
    fn observed(spec: &TableSpec) -> TableState {
        let index = |i: &IndexSpec| IndexState {
            name: i.name.clone(),
            partition_key: Some(i.partition_key.clone()),
            sort_key: i.sort_key.clone(),
            projection: i.projection.clone(),
            status: TableStatus::Active,
        };
        TableState {
            name: spec.physical.clone(),
            status: TableStatus::Active,
            partition_key: Some(spec.partition_key.clone()),
            sort_key: spec.sort_key.clone(),
            global_indexes: spec.global_indexes.iter().map(index).collect(),
            local_indexes: spec.local_indexes.iter().map(index).collect(),
            stream: spec.stream,
            ttl: spec.ttl.clone(),
            billing: spec.billing,
            item_count: Some(0),
            size_bytes: Some(0),
            created: Some(1),
        }
    }

    pub(crate) const FULL: &str = "ttl = \"expires_at\"\nstream = \"NEW_AND_OLD_IMAGES\"\n\
        [[table.global_index]]\nname = \"by-repo\"\npartition_key = \"repo:S\"\nsort_key = \"updated_at:S\"\n\
        projection = \"include\"\nnon_key_attributes = [\"title\", \"state\"]\n\
        [[table.local_index]]\nname = \"by-created\"\nsort_key = \"created_at:S\"\nprojection = \"keys_only\"\n";

    #[test]
    fn a_missing_table_is_created() {
        assert_eq!(plan(&spec(FULL), None), TablePlan::Create);
    }

    #[test]
    fn an_equal_table_is_unchanged_even_with_include_lists_reordered() {
        let want = spec(FULL);
        let mut have = observed(&want);
        have.global_indexes[0].projection =
            Projection::Include(vec!["state".into(), "title".into()]);
        assert_eq!(plan(&want, Some(&have)), TablePlan::Unchanged);
    }

    #[test]
    fn a_new_global_index_ttl_and_stream_are_updates() {
        let want = spec(FULL);
        let have = observed(&spec(
            "[[table.local_index]]\nname = \"by-created\"\nsort_key = \"created_at:S\"\nprojection = \"keys_only\"\n",
        ));
        let TablePlan::Update(changes) = plan(&want, Some(&have)) else {
            panic!("expected an update");
        };
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert!(matches!(&changes[0], Change::AddGlobalIndex(i) if i.name == "by-repo"));
        assert_eq!(changes[1], Change::SetTtl("expires_at".into()));
        assert_eq!(
            changes[2],
            Change::SetStream(Some(StreamView::NewAndOldImages))
        );
    }

    #[test]
    fn a_changed_stream_view_is_switched_off_then_on() {
        let want = spec(FULL);
        let mut have = observed(&want);
        have.stream = Some(StreamView::KeysOnly);
        assert_eq!(
            plan(&want, Some(&have)),
            TablePlan::Update(vec![
                Change::SetStream(None),
                Change::SetStream(Some(StreamView::NewAndOldImages)),
            ])
        );
    }

    #[test]
    fn a_changed_key_or_local_index_is_drift_with_a_readable_diff() {
        let want = spec(FULL);
        let mut have = observed(&want);
        have.sort_key = Some(KeyAttribute {
            name: "sk".into(),
            ty: KeyType::N,
        });
        have.local_indexes.clear();
        let TablePlan::Drift(lines) = plan(&want, Some(&have)) else {
            panic!("expected drift");
        };
        assert_eq!(
            lines,
            [
                "sort key: manifest `sk:S`, endpoint `sk:N`",
                "local index `by-created`: in the manifest, not on the endpoint",
            ]
        );
    }

    #[test]
    fn a_global_index_with_other_keys_or_unknown_to_the_manifest_is_drift() {
        let want = spec(FULL);
        let mut have = observed(&want);
        have.global_indexes[0].sort_key = None;
        have.global_indexes.push(IndexState {
            name: "old".into(),
            partition_key: Some(KeyAttribute {
                name: "x".into(),
                ty: KeyType::S,
            }),
            sort_key: None,
            projection: Projection::All,
            status: TableStatus::Active,
        });
        let TablePlan::Drift(lines) = plan(&want, Some(&have)) else {
            panic!("expected drift");
        };
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains(
            "`by-repo`: manifest keys `repo:S` / `updated_at:S`, endpoint keys `repo:S`"
        ));
        assert!(lines[1].contains("`old`: on the endpoint, not in the manifest"));
    }
}
