//! `devstack query TABLE KEY`: the items of one partition, in sort key
//! order, with an optional sort key condition.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;

use crate::cli::QueryArgs;
use crate::commands::read::{self, ItemWriter};
use crate::commands::scan::{Expressions, PAGE_ITEMS};
use crate::dynamo::client::describe_error;
use crate::error::UsageError;
use crate::manifest::{KeyAttribute, KeyType};
use crate::output::Printer;
use crate::settings::Settings;

pub async fn run(settings: &Settings, args: &QueryArgs, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest()?;
    let mut expressions = Expressions::parse(&args.read)?;
    let source = read::source(settings, &manifest, &args.table, args.read.index.as_deref()).await?;
    let (partition, sort) = match &args.read.index {
        Some(name) => {
            let index = source
                .state
                .global_indexes
                .iter()
                .chain(&source.state.local_indexes)
                .find(|i| &i.name == name);
            (
                index.and_then(|i| i.partition_key.clone()),
                index.and_then(|i| i.sort_key.clone()),
            )
        }
        None => (
            source.state.partition_key.clone(),
            source.state.sort_key.clone(),
        ),
    };
    let Some(partition) = partition else {
        anyhow::bail!("cannot tell the partition key of `{}`", source.state.name);
    };

    // Our own placeholders live beside the user's `--names` and `--values`.
    let names = expressions.names.get_or_insert_with(HashMap::new);
    names.insert("#devstack_pk".into(), partition.name.clone());
    let values = expressions.values.get_or_insert_with(HashMap::new);
    values.insert(":devstack_pk".into(), typed(&partition, &args.key)?);
    let mut condition = "#devstack_pk = :devstack_pk".to_string();
    if let Some((operator, operands)) = sort_condition(args) {
        let Some(sort) = &sort else {
            return Err(UsageError(format!(
                "`{}` has no sort key, so it takes no sort key condition",
                source.state.name
            ))
            .into());
        };
        names.insert("#devstack_sk".into(), sort.name.clone());
        for (i, operand) in operands.iter().enumerate() {
            values.insert(format!(":devstack_sk{i}"), typed(sort, operand)?);
        }
        condition.push_str(&match operator {
            "begins_with" => " AND begins_with(#devstack_sk, :devstack_sk0)".to_string(),
            "between" => " AND #devstack_sk BETWEEN :devstack_sk0 AND :devstack_sk1".to_string(),
            op => format!(" AND #devstack_sk {op} :devstack_sk0"),
        });
    }

    let mut writer = ItemWriter::new(args.read.output, source.keys.clone());
    let limit = args.read.limit.unwrap_or(u64::MAX);
    let mut written = 0u64;
    let mut start = None;
    'pages: loop {
        let page = source
            .client
            .query()
            .table_name(&source.state.name)
            .set_index_name(args.read.index.clone())
            .key_condition_expression(&condition)
            .scan_index_forward(!args.reverse)
            .limit(PAGE_ITEMS)
            .set_filter_expression(expressions.filter.clone())
            .set_projection_expression(expressions.projection.clone())
            .set_expression_attribute_names(expressions.names.clone())
            .set_expression_attribute_values(expressions.values.clone())
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!("Query `{}`: {}", source.state.name, describe_error(&err))
            })?;
        for item in page.items.unwrap_or_default() {
            if written >= limit {
                break 'pages;
            }
            writer.write(item)?;
            written += 1;
        }
        start = page.last_evaluated_key.filter(|k| !k.is_empty());
        if start.is_none() {
            break;
        }
    }
    let (count, _) = writer.finish()?;
    printer.info(&format!(
        "{count} item{} from `{}` where `{}` = {}",
        if count == 1 { "" } else { "s" },
        source.state.name,
        partition.name,
        args.key
    ));
    Ok(())
}

/// The chosen sort key condition: its operator and operands.
fn sort_condition(args: &QueryArgs) -> Option<(&'static str, Vec<String>)> {
    let one = |op: &'static str, v: &Option<String>| v.clone().map(|v| (op, vec![v]));
    one("begins_with", &args.sort_begins_with)
        .or_else(|| args.sort_between.clone().map(|v| ("between", v)))
        .or_else(|| one("=", &args.sort_eq))
        .or_else(|| one(">", &args.sort_gt))
        .or_else(|| one(">=", &args.sort_ge))
        .or_else(|| one("<", &args.sort_lt))
        .or_else(|| one("<=", &args.sort_le))
}

/// A key value typed as its attribute: numbers checked, binary from base64.
fn typed(key: &KeyAttribute, text: &str) -> Result<AttributeValue, UsageError> {
    match key.ty {
        KeyType::S => Ok(AttributeValue::S(text.to_string())),
        KeyType::N => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|_| AttributeValue::N(text.to_string()))
            .ok_or_else(|| {
                UsageError(format!(
                    "`{}` is a number key, and `{text}` is not a number",
                    key.name
                ))
            }),
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
