//! Reading a table for people: finding it (with a helpful error when it is
//! not there), and its items page by page, from a scan in parallel segments
//! or from a query of one partition, so memory stays flat for any size.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use tokio::sync::mpsc;

use super::client::describe_error;
use super::tables::{self, TableState};
use crate::error::UsageError;
use crate::item::Item;
use crate::manifest::{KeyAttribute, KeyType, Manifest};
use crate::service::{Engine, STATE_TABLE};

/// Pages buffered between the readers and the writer. A page is at most
/// 1 MB (DynamoDB's own page size, which devstack asks for: fewer requests
/// than smaller pages, and still flat memory).
const BUFFERED_PAGES: usize = 2;

/// Filter, projection, names and values, checked before any request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expressions {
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<HashMap<String, AttributeValue>>,
}

/// A sort key condition of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortCondition {
    BeginsWith(String),
    Between(String, String),
    Compare(Comparison, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Comparison {
    fn operator(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
        }
    }
}

/// A table being read, with its key attributes in display order.
pub struct Source {
    pub client: Client,
    pub state: TableState,
    /// The index read instead of the table, if any.
    pub index: Option<String>,
    /// Key attributes of the index (if any), then of the table.
    pub keys: Vec<String>,
}

/// The table is not on the endpoint.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MissingTable(String);

/// Finds `name` (a manifest name or a physical one) at the client's
/// endpoint, and `index` on it.
pub async fn source(
    client: Client,
    manifest: &Manifest,
    endpoint: &str,
    name: &str,
    index: Option<&str>,
) -> anyhow::Result<Source> {
    let physical = manifest
        .table(name)
        .map_or_else(|| name.to_string(), |t| t.physical.clone());
    let Some(state) = tables::describe(&client, &physical).await? else {
        return Err(missing(&client, manifest, endpoint, &physical).await.into());
    };
    let mut keys = Vec::new();
    if let Some(index) = index {
        let found = state
            .global_indexes
            .iter()
            .chain(&state.local_indexes)
            .find(|i| i.name == index);
        let Some(found) = found else {
            let names: Vec<String> = state
                .global_indexes
                .iter()
                .chain(&state.local_indexes)
                .map(|i| format!("`{}`", i.name))
                .collect();
            anyhow::bail!(
                "table `{physical}` has no index `{index}`; its indexes: {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            );
        };
        keys.extend(found.partition_key.iter().map(|k| k.name.clone()));
        keys.extend(found.sort_key.iter().map(|k| k.name.clone()));
    }
    for key in state.partition_key.iter().chain(&state.sort_key) {
        if !keys.contains(&key.name) {
            keys.push(key.name.clone());
        }
    }
    Ok(Source {
        client,
        state,
        index: index.map(String::from),
        keys,
    })
}

impl Source {
    /// The partition and sort key of what is read: the index's, or the table's.
    pub fn key_schema(&self) -> (Option<&KeyAttribute>, Option<&KeyAttribute>) {
        match &self.index {
            Some(name) => {
                let index = self
                    .state
                    .global_indexes
                    .iter()
                    .chain(&self.state.local_indexes)
                    .find(|i| &i.name == name);
                (
                    index.and_then(|i| i.partition_key.as_ref()),
                    index.and_then(|i| i.sort_key.as_ref()),
                )
            }
            None => (
                self.state.partition_key.as_ref(),
                self.state.sort_key.as_ref(),
            ),
        }
    }

    /// Scans in `segments` parallel segments; pages arrive on the returned
    /// channel as they are read, and reading stops when it is dropped.
    pub fn scan(
        &self,
        expressions: &Expressions,
        segments: i32,
        limit: Option<u64>,
    ) -> mpsc::Receiver<anyhow::Result<Vec<Item>>> {
        let (pages, received) = mpsc::channel(BUFFERED_PAGES);
        for segment in 0..segments {
            tokio::spawn(scan_segment(
                self.client.clone(),
                self.state.name.clone(),
                self.index.clone(),
                expressions.clone(),
                (segment, segments),
                limit,
                pages.clone(),
            ));
        }
        received
    }

    /// Queries the partition `key`, sort keys in order (highest first with
    /// `reverse`); pages arrive on the returned channel as they are read.
    pub fn query(
        &self,
        key: &str,
        sort: Option<&SortCondition>,
        reverse: bool,
        mut expressions: Expressions,
    ) -> anyhow::Result<mpsc::Receiver<anyhow::Result<Vec<Item>>>> {
        let (partition, sort_key) = self.key_schema();
        let Some(partition) = partition else {
            anyhow::bail!("cannot tell the partition key of `{}`", self.state.name);
        };
        // Our own placeholders live beside the user's `--names` and `--values`.
        let names = expressions.names.get_or_insert_with(HashMap::new);
        names.insert("#devstack_pk".into(), partition.name.clone());
        let values = expressions.values.get_or_insert_with(HashMap::new);
        values.insert(":devstack_pk".into(), typed(partition, key)?);
        let mut condition = "#devstack_pk = :devstack_pk".to_string();
        if let Some(sort) = sort {
            let Some(sort_key) = sort_key else {
                return Err(UsageError(format!(
                    "`{}` has no sort key, so it takes no sort key condition",
                    self.state.name
                ))
                .into());
            };
            names.insert("#devstack_sk".into(), sort_key.name.clone());
            let operands: Vec<&String> = match sort {
                SortCondition::BeginsWith(v) | SortCondition::Compare(_, v) => vec![v],
                SortCondition::Between(a, b) => vec![a, b],
            };
            for (i, operand) in operands.iter().enumerate() {
                values.insert(format!(":devstack_sk{i}"), typed(sort_key, operand)?);
            }
            condition.push_str(&match sort {
                SortCondition::BeginsWith(_) => {
                    " AND begins_with(#devstack_sk, :devstack_sk0)".to_string()
                }
                SortCondition::Between(..) => {
                    " AND #devstack_sk BETWEEN :devstack_sk0 AND :devstack_sk1".to_string()
                }
                SortCondition::Compare(op, _) => {
                    format!(" AND #devstack_sk {} :devstack_sk0", op.operator())
                }
            });
        }
        let (pages, received) = mpsc::channel(BUFFERED_PAGES);
        tokio::spawn(query_pages(
            self.client.clone(),
            self.state.name.clone(),
            self.index.clone(),
            condition,
            !reverse,
            expressions,
            pages,
        ));
        Ok(received)
    }
}

/// The message for a table that is not there: where devstack looked, close
/// names, and on MiniStack why a table may seem to vanish.
async fn missing(
    client: &Client,
    manifest: &Manifest,
    endpoint: &str,
    physical: &str,
) -> MissingTable {
    let mut names = Vec::new();
    let mut pages = client.list_tables().into_paginator().items().send();
    while let Some(Ok(name)) = pages.next().await {
        // devstack's own table is no table of the user's.
        if name != STATE_TABLE {
            names.push(name);
        }
    }
    // Compare with and without the table prefix, so a logical name with a
    // typo still finds its table.
    let prefix = &manifest.project.table_prefix;
    let wanted = physical
        .strip_prefix(prefix.as_str())
        .unwrap_or(physical)
        .to_lowercase();
    let mut close: Vec<(f64, &String)> = names
        .iter()
        .map(|n| {
            let bare = n.strip_prefix(prefix.as_str()).unwrap_or(n).to_lowercase();
            (strsim::jaro_winkler(&bare, &wanted), n)
        })
        .filter(|(score, _)| *score > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut message = format!("table `{physical}` does not exist at {endpoint}");
    if !close.is_empty() {
        let shown: Vec<String> = close
            .iter()
            .take(3)
            .map(|(_, n)| format!("`{n}`"))
            .collect();
        message.push_str(&format!("\n  did you mean {}?", shown.join(" or ")));
    } else if names.is_empty() {
        message.push_str("\n  the endpoint has no tables; `devstack up` creates the manifest's");
    } else {
        message.push_str(&format!("\n  tables there: {}", names.len()));
    }
    if manifest.project.engine == Engine::Ministack {
        message.push_str(&format!(
            "\n  hint: MiniStack keeps tables per region and access key; devstack used region `{}` and access key `{}`, so tables made with other ones are not seen here",
            manifest.project.region, manifest.project.access_key
        ));
    }
    MissingTable(message)
}

/// Reads one segment page after page and sends each page on.
async fn scan_segment(
    client: Client,
    table: String,
    index: Option<String>,
    expressions: Expressions,
    (segment, segments): (i32, i32),
    limit: Option<u64>,
    pages: mpsc::Sender<anyhow::Result<Vec<Item>>>,
) {
    // With `--limit`, no more items than that are asked for; DynamoDB
    // applies `Limit` before a filter, so with one, full pages.
    let page_items = match (limit, &expressions.filter) {
        (Some(limit), None) => Some(i32::try_from(limit).unwrap_or(i32::MAX).max(1)),
        _ => None,
    };
    let mut request = client
        .scan()
        .table_name(&table)
        .set_index_name(index)
        .set_limit(page_items)
        .set_filter_expression(expressions.filter)
        .set_projection_expression(expressions.projection)
        .set_expression_attribute_names(expressions.names)
        .set_expression_attribute_values(expressions.values);
    if segments > 1 {
        request = request.segment(segment).total_segments(segments);
    }
    // The paginator reads the next page only when asked, and stops after an error.
    let mut read = request.into_paginator().send();
    while let Some(page) = read.next().await {
        let page = page
            .map(|page| page.items.unwrap_or_default())
            .map_err(|err| anyhow::anyhow!("Scan `{table}`: {}", describe_error(&err)));
        if pages.send(page).await.is_err() {
            return;
        }
    }
}

/// Reads a query page after page and sends each page on.
async fn query_pages(
    client: Client,
    table: String,
    index: Option<String>,
    condition: String,
    forward: bool,
    expressions: Expressions,
    pages: mpsc::Sender<anyhow::Result<Vec<Item>>>,
) {
    let mut read = client
        .query()
        .table_name(&table)
        .set_index_name(index)
        .key_condition_expression(condition)
        .scan_index_forward(forward)
        .set_filter_expression(expressions.filter)
        .set_projection_expression(expressions.projection)
        .set_expression_attribute_names(expressions.names)
        .set_expression_attribute_values(expressions.values)
        .into_paginator()
        .send();
    while let Some(page) = read.next().await {
        let page = page
            .map(|page| page.items.unwrap_or_default())
            .map_err(|err| anyhow::anyhow!("Query `{table}`: {}", describe_error(&err)));
        if pages.send(page).await.is_err() {
            return;
        }
    }
}

/// A key value typed as its attribute: numbers checked by the same rule as
/// seed items, binary from base64.
pub fn typed(key: &KeyAttribute, text: &str) -> Result<AttributeValue, UsageError> {
    match key.ty {
        KeyType::S => Ok(AttributeValue::S(text.to_string())),
        KeyType::N => match crate::item::number::check(text) {
            Ok(()) => Ok(AttributeValue::N(text.to_string())),
            Err(problem) => Err(UsageError(format!(
                "`{}` is a number key, and `{text}` {}",
                key.name,
                problem.describe()
            ))),
        },
        KeyType::B => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(|bytes| AttributeValue::B(Blob::new(bytes)))
            .map_err(|err| {
                UsageError(format!(
                    "`{}` is a binary key: give it as base64 ({err})",
                    key.name
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ty: KeyType) -> KeyAttribute {
        KeyAttribute {
            name: "sk".into(),
            ty,
        }
    }

    #[test]
    fn number_keys_follow_dynamodb_rules_not_floating_point() {
        assert_eq!(
            typed(&key(KeyType::N), "12345678901234567890123456789012345678").ok(),
            Some(AttributeValue::N(
                "12345678901234567890123456789012345678".into()
            ))
        );
        let shown = |text: &str| typed(&key(KeyType::N), text).unwrap_err().0;
        assert_eq!(
            shown("ten"),
            "`sk` is a number key, and `ten` is not a number"
        );
        // Finite for f64, but beyond DynamoDB's range and precision.
        assert!(
            shown("1e200").contains("out of range"),
            "{}",
            shown("1e200")
        );
        assert!(
            shown("1234567890123456789012345678901234567891").contains("40 significant digits")
        );
        assert!(shown("NaN").contains("not a number"));
    }

    #[test]
    fn binary_keys_are_base64() {
        assert_eq!(
            typed(&key(KeyType::B), "aGk=").ok(),
            Some(AttributeValue::B(Blob::new(b"hi".to_vec())))
        );
        assert!(typed(&key(KeyType::B), "not base64!").is_err());
    }
}
