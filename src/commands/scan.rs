//! `devstack scan TABLE`: every item of a table or index, streamed page by
//! page (in parallel segments if asked), so memory stays flat for any size.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::cli::{ReadArgs, ScanArgs};
use crate::commands::read::{self, ItemWriter};
use crate::dynamo::client::describe_error;
use crate::dynamo::items::Item;
use crate::error::UsageError;
use crate::output::Printer;
use crate::settings::Settings;

/// Items asked for per request: small pages keep memory low.
pub const PAGE_ITEMS: i32 = 1000;
/// Pages buffered between the readers and the writer.
const BUFFERED_PAGES: usize = 2;

/// Filter, projection, names and values, checked before any request.
#[derive(Debug, Clone, Default)]
pub struct Expressions {
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<HashMap<String, AttributeValue>>,
}

impl Expressions {
    pub fn parse(args: &ReadArgs) -> Result<Expressions, UsageError> {
        let names = match &args.names {
            None => None,
            Some(text) => Some(serde_json::from_str::<HashMap<String, String>>(text).map_err(
                |err| UsageError(format!("`--names` must be a JSON object of strings, e.g. '{{\"#s\": \"state\"}}': {err}")),
            )?),
        };
        let values = match &args.values {
            None => None,
            Some(text) => {
                let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
                    .map_err(|err| UsageError(format!("`--values` must be a JSON object, e.g. '{{\":open\": \"open\"}}': {err}")))?;
                let mut values = HashMap::new();
                for (name, value) in object {
                    let converted = crate::seed::from_plain_json(&name, value)
                        .map_err(|err| UsageError(format!("`--values`: {err}")))?;
                    values.insert(name, converted);
                }
                Some(values)
            }
        };
        Ok(Expressions {
            filter: args.filter.clone(),
            projection: args.projection.clone(),
            names,
            values,
        })
    }
}

pub async fn run(settings: &Settings, args: &ScanArgs, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest()?;
    let expressions = Expressions::parse(&args.read)?;
    let source = read::source(settings, &manifest, &args.table, args.read.index.as_deref()).await?;
    let table = source.state.name.clone();
    let mut writer = ItemWriter::new(args.read.output, source.keys.clone());

    let (pages, mut received) =
        tokio::sync::mpsc::channel::<anyhow::Result<Vec<Item>>>(BUFFERED_PAGES);
    let mut readers = Vec::new();
    for segment in 0..args.segments {
        readers.push(tokio::spawn(scan_segment(
            source.client.clone(),
            table.clone(),
            args.read.index.clone(),
            expressions.clone(),
            (segment, args.segments),
            args.read.limit,
            pages.clone(),
        )));
    }
    drop(pages);

    let limit = args.read.limit.unwrap_or(u64::MAX);
    let mut written = 0u64;
    'pages: while let Some(page) = received.recv().await {
        for item in page? {
            if written >= limit {
                break 'pages;
            }
            writer.write(item)?;
            written += 1;
        }
    }
    // Readers still going stop when they find the channel closed.
    drop(received);
    for reader in readers {
        reader.abort();
    }
    let (count, hidden) = writer.finish()?;
    let mut summary = format!(
        "{count} item{} from `{table}`",
        if count == 1 { "" } else { "s" }
    );
    if let Some(index) = &args.read.index {
        summary.push_str(&format!(" (index `{index}`)"));
    }
    if hidden > 0 {
        summary.push_str(&format!(
            "; {hidden} attribute{} did not fit the terminal (see `--output json`)",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    printer.info(&summary);
    Ok(())
}

/// Reads one segment page after page and sends each page on.
async fn scan_segment(
    client: Client,
    table: String,
    index: Option<String>,
    expressions: Expressions,
    (segment, segments): (i32, i32),
    limit: Option<u64>,
    pages: tokio::sync::mpsc::Sender<anyhow::Result<Vec<Item>>>,
) {
    // DynamoDB applies `Limit` before a filter: with one, full pages.
    let page_items = match (limit, &expressions.filter) {
        (Some(limit), None) => i32::try_from(limit.min(PAGE_ITEMS as u64))
            .unwrap_or(PAGE_ITEMS)
            .max(1),
        _ => PAGE_ITEMS,
    };
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let mut request = client
            .scan()
            .table_name(&table)
            .set_index_name(index.clone())
            .limit(page_items)
            .set_filter_expression(expressions.filter.clone())
            .set_projection_expression(expressions.projection.clone())
            .set_expression_attribute_names(expressions.names.clone())
            .set_expression_attribute_values(expressions.values.clone())
            .set_exclusive_start_key(start.take());
        if segments > 1 {
            request = request.segment(segment).total_segments(segments);
        }
        let page = match request.send().await {
            Ok(page) => page,
            Err(err) => {
                let _ = pages
                    .send(Err(anyhow::anyhow!(
                        "Scan `{table}`: {}",
                        describe_error(&err)
                    )))
                    .await;
                return;
            }
        };
        start = page.last_evaluated_key.filter(|k| !k.is_empty());
        if pages
            .send(Ok(page.items.unwrap_or_default()))
            .await
            .is_err()
            || start.is_none()
        {
            return;
        }
    }
}
