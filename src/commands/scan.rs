//! `devstack scan TABLE`: every item of a table or index, streamed page by
//! page (in parallel segments if asked), so memory stays flat for any size.

use crate::dynamo::client::{self, Profile};
use crate::dynamo::items::ItemWriter;
use crate::dynamo::read;
use crate::output::{Printer, plural};
use crate::settings::{ScanOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &ScanOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = settings.endpoint(&manifest).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    let read = &options.read;
    let source = read::source(
        client,
        &manifest,
        endpoint.url(),
        &options.table,
        read.index.as_deref(),
    )
    .await?;
    let mut writer = ItemWriter::new(read.format, source.keys.clone(), printer);
    let pages = source.scan(&read.expressions, options.segments, read.limit);
    writer.write_pages(pages, read.limit).await?;
    let (count, hidden) = writer.close()?;
    let mut summary = format!("{} from `{}`", plural(count, "item"), source.state.name);
    if let Some(index) = &read.index {
        summary.push_str(&format!(" (index `{index}`)"));
    }
    if hidden > 0 {
        summary.push_str(&format!(
            "; {} did not fit the terminal (see `--output json`)",
            plural(hidden, "attribute")
        ));
    }
    printer.info(&summary);
    Ok(())
}
