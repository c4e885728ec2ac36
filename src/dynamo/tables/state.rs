//! A table as the endpoint describes it: the parts of `DescribeTable` and
//! `DescribeTimeToLive` that devstack compares with the manifest.

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_dynamodb::types::{
    KeySchemaElement, KeyType as SdkKeyType, Projection as SdkProjection, ProjectionType,
    ScalarAttributeType, TableDescription,
};

use crate::manifest::{
    Billing, IndexSpec, KeyAttribute, KeyType, Projection, StreamView, TableSpec,
};

/// Where a table or a global index is in its life, as DynamoDB names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableStatus {
    Creating,
    Updating,
    Deleting,
    Active,
    /// Any other word the endpoint uses (`ARCHIVED`, …), as it said it.
    Other(String),
}

impl TableStatus {
    /// Reads DynamoDB's word; no word at all means ACTIVE, as the emulators
    /// leave it out for tables that are ready.
    pub fn of(word: Option<&str>) -> TableStatus {
        match word {
            None | Some("ACTIVE") => TableStatus::Active,
            Some("CREATING") => TableStatus::Creating,
            Some("UPDATING") => TableStatus::Updating,
            Some("DELETING") => TableStatus::Deleting,
            Some(other) => TableStatus::Other(other.to_string()),
        }
    }

    /// DynamoDB's word for it.
    pub fn as_str(&self) -> &str {
        match self {
            TableStatus::Creating => "CREATING",
            TableStatus::Updating => "UPDATING",
            TableStatus::Deleting => "DELETING",
            TableStatus::Active => "ACTIVE",
            TableStatus::Other(word) => word,
        }
    }
}

impl fmt::Display for TableStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A manifest table at an endpoint, as `status` and `tables` report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The table is there, in this status.
    Present(TableStatus),
    /// The endpoint has no such table.
    Missing,
    /// It is there, but differs from the manifest in its keys or indexes.
    Drift,
    /// The endpoint could not be asked.
    Unknown,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Present(status) => status.fmt(f),
            Condition::Missing => f.write_str("missing"),
            Condition::Drift => f.write_str("drift"),
            Condition::Unknown => f.write_str("unknown"),
        }
    }
}

impl serde::Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A table as the endpoint describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableState {
    pub name: String,
    pub status: TableStatus,
    pub partition_key: Option<KeyAttribute>,
    pub sort_key: Option<KeyAttribute>,
    pub global_indexes: Vec<IndexState>,
    pub local_indexes: Vec<IndexState>,
    pub stream: Option<StreamView>,
    /// The attribute TTL is enabled on, if any.
    pub ttl: Option<String>,
    /// On demand, or provisioned with the table's capacities.
    pub billing: Billing,
    pub item_count: Option<i64>,
    pub size_bytes: Option<i64>,
    /// When the table was created, in milliseconds since the epoch: tells
    /// one table from another of the same name.
    pub created: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexState {
    pub name: String,
    pub partition_key: Option<KeyAttribute>,
    pub sort_key: Option<KeyAttribute>,
    pub projection: Projection,
    pub status: TableStatus,
}

impl TableState {
    /// Reads the parts of a `DescribeTable` answer devstack compares.
    pub fn from_description(table: &TableDescription, ttl: Option<String>) -> TableState {
        let types: BTreeMap<&str, KeyType> = table
            .attribute_definitions()
            .iter()
            .filter_map(|d| {
                let ty = match d.attribute_type() {
                    ScalarAttributeType::S => KeyType::S,
                    ScalarAttributeType::N => KeyType::N,
                    ScalarAttributeType::B => KeyType::B,
                    _ => return None,
                };
                Some((d.attribute_name(), ty))
            })
            .collect();
        let keys = |schema: &[KeySchemaElement]| {
            let find = |wanted: SdkKeyType| {
                schema
                    .iter()
                    .find(|k| *k.key_type() == wanted)
                    .and_then(|k| {
                        types.get(k.attribute_name()).map(|ty| KeyAttribute {
                            name: k.attribute_name().to_string(),
                            ty: *ty,
                        })
                    })
            };
            (find(SdkKeyType::Hash), find(SdkKeyType::Range))
        };
        let (partition_key, sort_key) = keys(table.key_schema());
        // Local indexes have no status of their own: they live with the table.
        let index = |name: Option<&str>,
                     schema: &[KeySchemaElement],
                     projection: Option<&SdkProjection>,
                     status: Option<&str>| {
            let (partition_key, sort_key) = keys(schema);
            IndexState {
                name: name.unwrap_or_default().to_string(),
                partition_key,
                sort_key,
                projection: projection_of(projection),
                status: TableStatus::of(status),
            }
        };
        let global_indexes = table
            .global_secondary_indexes()
            .iter()
            .map(|g| {
                let status = g.index_status().map(|s| s.as_str());
                index(g.index_name(), g.key_schema(), g.projection(), status)
            })
            .collect();
        let local_indexes = table
            .local_secondary_indexes()
            .iter()
            .map(|l| index(l.index_name(), l.key_schema(), l.projection(), None))
            .collect();
        let stream = table
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type())
            .and_then(|v| StreamView::from_name(v.as_str()));
        TableState {
            name: table.table_name().unwrap_or_default().to_string(),
            status: TableStatus::of(table.table_status().map(|s| s.as_str())),
            partition_key,
            sort_key,
            global_indexes,
            local_indexes,
            stream,
            ttl,
            billing: billing_of(table),
            item_count: table.item_count(),
            size_bytes: table.table_size_bytes(),
            created: table
                .creation_date_time()
                .map(|t| t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000)),
        }
    }

    /// The table as a manifest would declare it, named by its name on the
    /// endpoint; `None` without a readable partition key.
    pub fn to_spec(&self) -> Option<TableSpec> {
        let index = |i: &IndexState| {
            Some(IndexSpec {
                name: i.name.clone(),
                partition_key: i.partition_key.clone()?,
                sort_key: i.sort_key.clone(),
                projection: i.projection.clone(),
            })
        };
        Some(TableSpec {
            name: self.name.clone(),
            physical: self.name.clone(),
            partition_key: self.partition_key.clone()?,
            sort_key: self.sort_key.clone(),
            billing: self.billing,
            ttl: self.ttl.clone(),
            stream: self.stream,
            global_indexes: self.global_indexes.iter().filter_map(index).collect(),
            local_indexes: self.local_indexes.iter().filter_map(index).collect(),
            seeds: Vec::new(),
            line: 0,
            from: None,
        })
    }

    /// Whether the table and every global index can be used.
    pub fn is_active(&self) -> bool {
        self.status == TableStatus::Active
            && self
                .global_indexes
                .iter()
                .all(|g| g.status == TableStatus::Active)
    }
}

fn projection_of(projection: Option<&SdkProjection>) -> Projection {
    match projection.and_then(|p| p.projection_type()) {
        Some(ProjectionType::KeysOnly) => Projection::KeysOnly,
        Some(ProjectionType::Include) => Projection::Include(
            projection
                .map(|p| p.non_key_attributes().to_vec())
                .unwrap_or_default(),
        ),
        _ => Projection::All,
    }
}

/// A table's billing: provisioned when it says so, or when it has
/// capacities and says nothing (DynamoDB Local leaves the mode out); an
/// on-demand table reports capacities of 0.
fn billing_of(table: &TableDescription) -> Billing {
    let mode = table
        .billing_mode_summary()
        .and_then(|s| s.billing_mode())
        .map(|m| m.as_str().to_string());
    let throughput = table.provisioned_throughput();
    let read = throughput
        .and_then(|t| t.read_capacity_units())
        .unwrap_or(0);
    let write = throughput
        .and_then(|t| t.write_capacity_units())
        .unwrap_or(0);
    match mode.as_deref() {
        Some("PAY_PER_REQUEST") => Billing::PayPerRequest,
        _ if read > 0 && write > 0 => Billing::Provisioned { read, write },
        _ => Billing::PayPerRequest,
    }
}
