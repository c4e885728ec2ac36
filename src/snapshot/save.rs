//! `snapshot save`'s reading: each table scanned through its endpoint (in
//! parallel segments), its pages handed round to writer threads that each
//! fill a data file of the export, so compressing keeps up with reading.
//! Memory stays flat: a few pages in flight, whatever the table's size.
//!
//! A scan is not a point-in-time copy: an item written while the table is
//! read may or may not be in the snapshot. A table nothing writes to while
//! it is saved is saved exactly.

use std::path::Path;
use std::sync::mpsc::sync_channel;

use aws_sdk_dynamodb::Client;

use super::schema;
use super::store::SavedTable;
use super::write::{DataWriter, TableExport};
use crate::dynamo::read::{self, Expressions};
use crate::item::Item;
use crate::manifest::{Manifest, TableSpec};
use crate::output::{Printer, plural};

/// Scan segments read at once, and data files written at once, per table.
const SEGMENTS: i32 = 2;
/// Pages waiting for each writer: bounds memory (a page is at most 1 MB).
const QUEUED_PAGES: usize = 2;

/// The ARN a table on a local endpoint stands for, as an export names it.
pub fn table_arn(region: &str, physical: &str) -> String {
    format!("arn:aws:dynamodb:{region}:000000000000:table/{physical}")
}

/// Saves `tables` from the endpoint at `url` into `dir`, one folder per
/// table (named as in the manifest), concurrently.
pub async fn save_tables(
    client: &Client,
    manifest: &Manifest,
    url: &str,
    tables: &[&TableSpec],
    dir: &Path,
    printer: &Printer,
) -> anyhow::Result<Vec<SavedTable>> {
    let work = tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "reading");
        let result = save_table(client, manifest, url, table, dir, &task).await;
        match &result {
            Ok(saved) => task.finish(&format!("saved, {}", plural(saved.items, "item"))),
            Err(_) => task.fail("failed"),
        }
        result
    });
    futures_util::future::try_join_all(work).await
}

async fn save_table(
    client: &Client,
    manifest: &Manifest,
    url: &str,
    table: &TableSpec,
    dir: &Path,
    task: &crate::output::Task,
) -> anyhow::Result<SavedTable> {
    let source = read::source(client.clone(), manifest, url, &table.physical, None).await?;
    let arn = table_arn(&manifest.project.region, &table.physical);
    let folder = dir.join(&table.name);
    std::fs::create_dir_all(&folder)?;
    if let Some(described) = schema::describe(&source.state, &arn) {
        std::fs::write(
            folder.join(super::store::SCHEMA_FILE),
            serde_json::to_string_pretty(&described)?,
        )?;
    }
    let expected = source.state.item_count.map_or(0, i64::unsigned_abs);
    let mut export = TableExport::create(&folder, &arn, source.keys.clone())?;
    // One writer thread per data file, fed pages in turn.
    let mut senders = Vec::new();
    let mut writers = Vec::new();
    for _ in 0..SEGMENTS {
        let (send, receive) = sync_channel::<Vec<Item>>(QUEUED_PAGES);
        let mut file: DataWriter = export.data_file()?;
        senders.push(send);
        writers.push(tokio::task::spawn_blocking(
            move || -> std::io::Result<DataWriter> {
                for page in receive {
                    for item in &page {
                        file.write(item)?;
                    }
                }
                Ok(file)
            },
        ));
    }
    let mut pages = source.scan(&Expressions::default(), SEGMENTS, None);
    let mut read = 0u64;
    let mut turn = 0usize;
    task.update("saving");
    while let Some(page) = pages.recv().await {
        let page = page?;
        read += page.len() as u64;
        let Some(sender) = senders.get(turn % senders.len()) else {
            break;
        };
        turn += 1;
        // A writer that stopped has its error waiting below.
        let send = sender.clone();
        if tokio::task::spawn_blocking(move || send.send(page))
            .await?
            .is_err()
        {
            break;
        }
        task.items(read, expected.max(read));
    }
    drop(senders);
    let mut files = Vec::new();
    for writer in writers {
        files.push(writer.await??);
    }
    let summary = tokio::task::spawn_blocking(move || export.finish(files)).await??;
    anyhow::ensure!(
        summary.item_count == read,
        "table `{}`: {} read but {} written",
        table.physical,
        plural(read, "item"),
        plural(summary.item_count, "item")
    );
    Ok(SavedTable {
        name: table.name.clone(),
        physical: table.physical.clone(),
        items: summary.item_count,
    })
}
