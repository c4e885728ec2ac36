//! Tables: what the manifest wants against what the endpoint has. The
//! comparison is pure (`plan`); `apply` carries a plan out and waits until
//! the table and its indexes are ACTIVE.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType as SdkKeyType, LocalSecondaryIndex,
    Projection as SdkProjection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableDescription, TimeToLiveSpecification,
};

use crate::dynamo::client::describe_error;
use crate::manifest::{
    Billing, IndexSpec, KeyAttribute, KeyType, Projection, StreamView, TableSpec,
};

/// How often table and index status is polled, and for how long.
const POLL: Duration = Duration::from_millis(100);
const ACTIVE_DEADLINE: Duration = Duration::from_secs(120);

/// A table as the endpoint describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableState {
    pub name: String,
    pub status: String,
    pub partition_key: Option<KeyAttribute>,
    pub sort_key: Option<KeyAttribute>,
    pub global_indexes: Vec<IndexState>,
    pub local_indexes: Vec<IndexState>,
    pub stream: Option<StreamView>,
    /// The attribute TTL is enabled on, if any.
    pub ttl: Option<String>,
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
    pub status: String,
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
                status: status.unwrap_or("ACTIVE").to_string(),
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
            status: table
                .table_status()
                .map_or("ACTIVE".to_string(), |s| s.as_str().to_string()),
            partition_key,
            sort_key,
            global_indexes,
            local_indexes,
            stream,
            ttl,
            item_count: table.item_count(),
            size_bytes: table.table_size_bytes(),
            created: table
                .creation_date_time()
                .map(|t| t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000)),
        }
    }

    /// Whether the table and every global index can be used.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE" && self.global_indexes.iter().all(|g| g.status == "ACTIVE")
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

/// Reads a table's state; `None` when it does not exist.
pub async fn describe(client: &Client, name: &str) -> anyhow::Result<Option<TableState>> {
    let table = match client.describe_table().table_name(name).send().await {
        Ok(out) => match out.table {
            Some(table) => table,
            None => return Ok(None),
        },
        Err(err) if is_code(&err, "ResourceNotFoundException") => return Ok(None),
        Err(err) => anyhow::bail!("DescribeTable `{name}`: {}", describe_error(&err)),
    };
    let ttl = match client.describe_time_to_live().table_name(name).send().await {
        Ok(out) => out
            .time_to_live_description
            .filter(|d| {
                matches!(
                    d.time_to_live_status().map(|s| s.as_str()),
                    Some("ENABLED" | "ENABLING")
                )
            })
            .and_then(|d| d.attribute_name),
        Err(err) => anyhow::bail!("DescribeTimeToLive `{name}`: {}", describe_error(&err)),
    };
    Ok(Some(TableState::from_description(&table, ttl)))
}

/// Whether an SDK error carries this service error code.
pub fn is_code<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>, code: &str) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == code)
}

/// Polls until the table and its indexes are ACTIVE.
pub async fn wait_active(client: &Client, name: &str) -> anyhow::Result<TableState> {
    let started = Instant::now();
    loop {
        if let Some(state) = describe(client, name).await?
            && state.is_active()
        {
            return Ok(state);
        }
        anyhow::ensure!(
            started.elapsed() < ACTIVE_DEADLINE,
            "table `{name}` was not ACTIVE after {} s",
            ACTIVE_DEADLINE.as_secs()
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Polls until the table no longer exists.
pub async fn wait_gone(client: &Client, name: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while describe(client, name).await?.is_some() {
        anyhow::ensure!(
            started.elapsed() < ACTIVE_DEADLINE,
            "table `{name}` was still there {} s after DeleteTable",
            ACTIVE_DEADLINE.as_secs()
        );
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

fn scalar(ty: KeyType) -> ScalarAttributeType {
    match ty {
        KeyType::S => ScalarAttributeType::S,
        KeyType::N => ScalarAttributeType::N,
        KeyType::B => ScalarAttributeType::B,
    }
}

fn key_schema(
    partition: &KeyAttribute,
    sort: Option<&KeyAttribute>,
) -> anyhow::Result<Vec<KeySchemaElement>> {
    let mut schema = vec![
        KeySchemaElement::builder()
            .attribute_name(&partition.name)
            .key_type(SdkKeyType::Hash)
            .build()?,
    ];
    if let Some(sort) = sort {
        schema.push(
            KeySchemaElement::builder()
                .attribute_name(&sort.name)
                .key_type(SdkKeyType::Range)
                .build()?,
        );
    }
    Ok(schema)
}

fn projection(projection: &Projection) -> SdkProjection {
    match projection {
        Projection::All => SdkProjection::builder()
            .projection_type(ProjectionType::All)
            .build(),
        Projection::KeysOnly => SdkProjection::builder()
            .projection_type(ProjectionType::KeysOnly)
            .build(),
        Projection::Include(attributes) => SdkProjection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attributes.clone()))
            .build(),
    }
}

fn throughput(billing: Billing) -> anyhow::Result<Option<ProvisionedThroughput>> {
    Ok(match billing {
        Billing::PayPerRequest => None,
        Billing::Provisioned { read, write } => Some(
            ProvisionedThroughput::builder()
                .read_capacity_units(read)
                .write_capacity_units(write)
                .build()?,
        ),
    })
}

/// Every key attribute of the table and its indexes, once each.
fn attribute_definitions(spec: &TableSpec) -> anyhow::Result<Vec<AttributeDefinition>> {
    let mut attributes: BTreeMap<&str, KeyType> = BTreeMap::new();
    let indexes = spec.global_indexes.iter().chain(&spec.local_indexes);
    let keys = std::iter::once(&spec.partition_key)
        .chain(spec.sort_key.as_ref())
        .chain(indexes.flat_map(|i| std::iter::once(&i.partition_key).chain(i.sort_key.as_ref())));
    for key in keys {
        attributes.insert(&key.name, key.ty);
    }
    attributes
        .into_iter()
        .map(|(name, ty)| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(scalar(ty))
                .build()
                .map_err(Into::into)
        })
        .collect()
}

fn stream_spec(view: Option<StreamView>) -> anyhow::Result<StreamSpecification> {
    Ok(match view {
        Some(view) => StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::from(view.as_str()))
            .build()?,
        None => StreamSpecification::builder()
            .stream_enabled(false)
            .build()?,
    })
}

/// Creates the table as the manifest describes it and waits until it is
/// ACTIVE, then sets TTL. `false` when it already existed (a race with
/// another client): the caller describes and compares again.
pub async fn create(client: &Client, spec: &TableSpec) -> anyhow::Result<bool> {
    let mut request = client
        .create_table()
        .table_name(&spec.physical)
        .set_attribute_definitions(Some(attribute_definitions(spec)?))
        .set_key_schema(Some(key_schema(
            &spec.partition_key,
            spec.sort_key.as_ref(),
        )?));
    request = match throughput(spec.billing)? {
        None => request.billing_mode(BillingMode::PayPerRequest),
        Some(t) => request
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(t),
    };
    for index in &spec.global_indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(
                    &index.partition_key,
                    index.sort_key.as_ref(),
                )?))
                .projection(projection(&index.projection))
                .set_provisioned_throughput(throughput(spec.billing)?)
                .build()?,
        );
    }
    for index in &spec.local_indexes {
        request = request.local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(
                    &index.partition_key,
                    index.sort_key.as_ref(),
                )?))
                .projection(projection(&index.projection))
                .build()?,
        );
    }
    if spec.stream.is_some() {
        request = request.stream_specification(stream_spec(spec.stream)?);
    }
    match request.send().await {
        Ok(_) => {}
        Err(err) if is_code(&err, "ResourceInUseException") => return Ok(false),
        Err(err) => anyhow::bail!("CreateTable `{}`: {}", spec.physical, describe_error(&err)),
    }
    wait_active(client, &spec.physical).await?;
    if let Some(ttl) = &spec.ttl {
        apply_change(client, spec, &Change::SetTtl(ttl.clone())).await?;
    }
    Ok(true)
}

/// Carries out one in-place change and waits until the table is ACTIVE again.
pub async fn apply_change(
    client: &Client,
    spec: &TableSpec,
    change: &Change,
) -> anyhow::Result<()> {
    let name = &spec.physical;
    match change {
        Change::AddGlobalIndex(index) => {
            let action = CreateGlobalSecondaryIndexAction::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(
                    &index.partition_key,
                    index.sort_key.as_ref(),
                )?))
                .projection(projection(&index.projection))
                .set_provisioned_throughput(throughput(spec.billing)?)
                .build()?;
            client
                .update_table()
                .table_name(name)
                .set_attribute_definitions(Some(attribute_definitions(spec)?))
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder().create(action).build(),
                )
                .send()
                .await
                .map_err(|err| {
                    anyhow::anyhow!(
                        "UpdateTable `{name}` (add index `{}`): {}",
                        index.name,
                        describe_error(&err)
                    )
                })?;
        }
        Change::SetTtl(attribute) | Change::DisableTtl(attribute) => {
            let enabled = matches!(change, Change::SetTtl(_));
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(attribute)
                        .enabled(enabled)
                        .build()?,
                )
                .send()
                .await
                .map_err(|err| {
                    anyhow::anyhow!("UpdateTimeToLive `{name}`: {}", describe_error(&err))
                })?;
        }
        Change::SetStream(view) => {
            client
                .update_table()
                .table_name(name)
                .stream_specification(stream_spec(*view)?)
                .send()
                .await
                .map_err(|err| {
                    anyhow::anyhow!("UpdateTable `{name}` (stream): {}", describe_error(&err))
                })?;
        }
    }
    wait_active(client, name).await.map(|_| ())
}

/// Deletes the table if it exists and waits until it is gone.
pub async fn delete(client: &Client, name: &str) -> anyhow::Result<()> {
    match client.delete_table().table_name(name).send().await {
        Ok(_) => {}
        Err(err) if is_code(&err, "ResourceNotFoundException") => return Ok(()),
        Err(err) => anyhow::bail!("DeleteTable `{name}`: {}", describe_error(&err)),
    }
    wait_gone(client, name).await.context("after DeleteTable")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use std::path::Path;

    fn spec(extra: &str) -> TableSpec {
        let text = format!(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\ntable_prefix = \"P_\"\n\
             [[table]]\nname = \"issues\"\npartition_key = \"pk:S\"\nsort_key = \"sk:S\"\n{extra}"
        );
        let manifest =
            Manifest::from_text(Path::new("devstack.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        manifest.tables[0].clone()
    }

    /// What an endpoint that created `spec` exactly would report.
    fn observed(spec: &TableSpec) -> TableState {
        let index = |i: &IndexSpec| IndexState {
            name: i.name.clone(),
            partition_key: Some(i.partition_key.clone()),
            sort_key: i.sort_key.clone(),
            projection: i.projection.clone(),
            status: "ACTIVE".into(),
        };
        TableState {
            name: spec.physical.clone(),
            status: "ACTIVE".into(),
            partition_key: Some(spec.partition_key.clone()),
            sort_key: spec.sort_key.clone(),
            global_indexes: spec.global_indexes.iter().map(index).collect(),
            local_indexes: spec.local_indexes.iter().map(index).collect(),
            stream: spec.stream,
            ttl: spec.ttl.clone(),
            item_count: Some(0),
            size_bytes: Some(0),
            created: Some(1),
        }
    }

    const FULL: &str = "ttl = \"expires_at\"\nstream = \"NEW_AND_OLD_IMAGES\"\n\
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
            status: "ACTIVE".into(),
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

    #[test]
    fn attribute_definitions_cover_every_key_once() {
        let defs = attribute_definitions(&spec(FULL)).unwrap_or_default();
        let names: Vec<&str> = defs.iter().map(|d| d.attribute_name()).collect();
        assert_eq!(names, ["created_at", "pk", "repo", "sk", "updated_at"]);
    }
}
