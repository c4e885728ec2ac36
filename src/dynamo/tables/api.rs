//! The DynamoDB calls that read, create, change and delete tables, each
//! waiting until the endpoint reports the result as done.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType as SdkKeyType, LocalSecondaryIndex,
    Projection as SdkProjection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableDescription, TimeToLiveSpecification,
};

use super::plan::Change;
use super::state::TableState;
use crate::dynamo::client::describe_error;
use crate::manifest::{Billing, KeyAttribute, KeyType, Projection, StreamView, TableSpec};
use crate::wait::poll_until;

/// How often table and index status is polled, and for how long.
const POLL: Duration = Duration::from_millis(10);
const ACTIVE_DEADLINE: Duration = Duration::from_secs(120);

/// Reads a table's state; `None` when it does not exist.
pub async fn describe(client: &Client, name: &str) -> anyhow::Result<Option<TableState>> {
    // Both at once: two round trips for the time of one.
    let (table, ttl) = tokio::join!(describe_table(client, name), describe_ttl(client, name));
    match table? {
        None => Ok(None),
        Some(table) => Ok(Some(TableState::from_description(&table, ttl?))),
    }
}

async fn describe_table(client: &Client, name: &str) -> anyhow::Result<Option<TableDescription>> {
    match client.describe_table().table_name(name).send().await {
        Ok(out) => Ok(out.table),
        Err(err) if is_code(&err, "ResourceNotFoundException") => Ok(None),
        Err(err) => anyhow::bail!("DescribeTable `{name}`: {}", describe_error(&err)),
    }
}

/// The attribute TTL is enabled on, if any.
async fn describe_ttl(client: &Client, name: &str) -> anyhow::Result<Option<String>> {
    match client.describe_time_to_live().table_name(name).send().await {
        Ok(out) => Ok(out
            .time_to_live_description
            .filter(|d| {
                matches!(
                    d.time_to_live_status().map(|s| s.as_str()),
                    Some("ENABLED" | "ENABLING")
                )
            })
            .and_then(|d| d.attribute_name)),
        Err(err) if is_code(&err, "ResourceNotFoundException") => Ok(None),
        Err(err) => anyhow::bail!("DescribeTimeToLive `{name}`: {}", describe_error(&err)),
    }
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

/// Reads a table's state without its TTL (`ttl` is `None`), for callers
/// that know it or do not need it: one request, not two.
pub async fn describe_without_ttl(
    client: &Client,
    name: &str,
) -> anyhow::Result<Option<TableState>> {
    Ok(describe_table(client, name)
        .await?
        .map(|table| TableState::from_description(&table, None)))
}

/// Polls until the table and its indexes are ACTIVE.
pub async fn wait_active(client: &Client, name: &str) -> anyhow::Result<TableState> {
    let state = wait_status(client, name).await?;
    // The table's status is polled alone; its TTL is read once, at the end.
    let ttl = describe_ttl(client, name).await?;
    Ok(TableState { ttl, ..state })
}

/// Polls until the table and its indexes are ACTIVE; its TTL is not read
/// (`ttl` is `None`).
pub async fn wait_status(client: &Client, name: &str) -> anyhow::Result<TableState> {
    let active = poll_until(ACTIVE_DEADLINE, POLL, || async {
        let table = describe_table(client, name).await?;
        anyhow::Ok(
            table
                .map(|t| TableState::from_description(&t, None))
                .filter(TableState::is_active),
        )
    })
    .await?;
    active.with_context(|| {
        format!(
            "table `{name}` was not ACTIVE after {} s",
            ACTIVE_DEADLINE.as_secs()
        )
    })
}

/// Polls until the table no longer exists.
pub async fn wait_gone(client: &Client, name: &str) -> anyhow::Result<()> {
    let gone = poll_until(ACTIVE_DEADLINE, POLL, || async {
        anyhow::Ok(describe_table(client, name).await?.is_none().then_some(()))
    })
    .await?;
    anyhow::ensure!(
        gone.is_some(),
        "table `{name}` was still there {} s after DeleteTable",
        ACTIVE_DEADLINE.as_secs()
    );
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
/// ACTIVE, then sets TTL; returns the state it waited for. `None` when it
/// already existed (a race with another client): the caller describes and
/// compares again.
pub async fn create(client: &Client, spec: &TableSpec) -> anyhow::Result<Option<TableState>> {
    match create_request(client, spec)?.send().await {
        Ok(_) => {}
        Err(err) if is_code(&err, "ResourceInUseException") => return Ok(None),
        Err(err) => anyhow::bail!("CreateTable `{}`: {}", spec.physical, describe_error(&err)),
    }
    // A new table has TTL off, and turning it on leaves the table ACTIVE:
    // its TTL is known without asking.
    let active = wait_status(client, &spec.physical).await?;
    match &spec.ttl {
        Some(ttl) => {
            update_ttl(client, &spec.physical, ttl, true).await?;
            Ok(Some(TableState {
                ttl: Some(ttl.clone()),
                ..active
            }))
        }
        None => Ok(Some(active)),
    }
}

/// Turns TTL on or off for `attribute`.
async fn update_ttl(
    client: &Client,
    name: &str,
    attribute: &str,
    enabled: bool,
) -> anyhow::Result<()> {
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
        .map_err(|err| anyhow::anyhow!("UpdateTimeToLive `{name}`: {}", describe_error(&err)))?;
    Ok(())
}

/// The `CreateTable` request for the manifest's table: keys, billing,
/// indexes and stream (TTL is a call of its own).
pub fn create_request(
    client: &Client,
    spec: &TableSpec,
) -> anyhow::Result<aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder> {
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
    Ok(request)
}

/// Carries out one in-place change and waits until the table is ACTIVE
/// again; returns the state it waited for.
pub async fn apply_change(
    client: &Client,
    spec: &TableSpec,
    change: &Change,
) -> anyhow::Result<TableState> {
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
            update_ttl(client, name, attribute, enabled).await?;
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
    wait_active(client, name).await
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
    use crate::dynamo::tables::plan::tests::{FULL, spec};

    #[test]
    fn attribute_definitions_cover_every_key_once() {
        let defs = attribute_definitions(&spec(FULL)).unwrap();
        let names: Vec<&str> = defs.iter().map(|d| d.attribute_name()).collect();
        assert_eq!(names, ["created_at", "pk", "repo", "sk", "updated_at"]);
    }
}
