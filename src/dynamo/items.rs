//! Items as people and programs read them: plain JSON or DynamoDB JSON (as
//! the item module writes them), or a table that fits the terminal; and the
//! writer that streams them out in one of those forms, into the data sink
//! the printer hands it.

use std::collections::BTreeSet;
use std::io::Write;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use crate::item::{Item, JsonForm, plain, to_json};
use crate::output::Printer;

/// How `scan` and `query` print items; its variants' documentation is the
/// help of `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ItemFormat {
    /// A table that fits the terminal (the default on a terminal)
    Table,
    /// One JSON array
    Json,
    /// One JSON object per line (the default when stdout is not a terminal)
    Jsonl,
    /// One DynamoDB JSON object per line, every value typed: `{"pk": {"S": "a"}}`
    DynamodbJson,
}

/// Writes items in the chosen format as they come; the table view fixes
/// its columns from the first items.
pub struct ItemWriter {
    format: ItemFormat,
    keys: Vec<String>,
    out: Box<dyn Write>,
    terminal_width: usize,
    count: u64,
    sample: Vec<Item>,
    view: Option<TableView>,
}

/// Items the table view looks at before it fixes its columns.
const SAMPLE: usize = 50;

impl ItemWriter {
    /// A writer to the printer's data sink; `keys` come first in each item.
    pub fn new(format: ItemFormat, keys: Vec<String>, printer: &Printer) -> ItemWriter {
        ItemWriter {
            format,
            keys,
            out: Box::new(printer.data_sink()),
            terminal_width: printer.terminal_width(),
            count: 0,
            sample: Vec::new(),
            view: None,
        }
    }

    pub fn write(&mut self, item: Item) -> std::io::Result<()> {
        self.count += 1;
        match self.format {
            ItemFormat::Jsonl => {
                writeln!(self.out, "{}", to_json(&item, &self.keys, JsonForm::Plain))
            }
            ItemFormat::DynamodbJson => {
                writeln!(self.out, "{}", to_json(&item, &self.keys, JsonForm::Typed))
            }
            ItemFormat::Json => {
                let prefix = if self.count == 1 { "[\n  " } else { ",\n  " };
                write!(
                    self.out,
                    "{prefix}{}",
                    to_json(&item, &self.keys, JsonForm::Plain)
                )
            }
            ItemFormat::Table => match &self.view {
                Some(view) => writeln!(self.out, "{}", view.render(&item)),
                None => {
                    self.sample.push(item);
                    if self.sample.len() >= SAMPLE {
                        self.flush_sample()?;
                    }
                    Ok(())
                }
            },
        }
    }

    /// Writes the items of `pages` as they arrive, at most `limit` of them;
    /// then drops `pages`, which stops whoever still reads.
    pub async fn write_pages(
        &mut self,
        mut pages: tokio::sync::mpsc::Receiver<anyhow::Result<Vec<Item>>>,
        limit: Option<u64>,
    ) -> anyhow::Result<()> {
        let limit = limit.unwrap_or(u64::MAX);
        while let Some(page) = pages.recv().await {
            for item in page? {
                if self.count >= limit {
                    return Ok(());
                }
                self.write(item)?;
            }
        }
        Ok(())
    }

    fn flush_sample(&mut self) -> std::io::Result<()> {
        let view = TableView::fit(&self.sample, &self.keys, self.terminal_width);
        writeln!(self.out, "{}", view.header())?;
        for item in std::mem::take(&mut self.sample) {
            writeln!(self.out, "{}", view.render(&item))?;
        }
        self.view = Some(view);
        Ok(())
    }

    /// Ends the output; returns how many items were written and, for the
    /// table view, how many attributes did not fit.
    pub fn close(mut self) -> std::io::Result<(u64, usize)> {
        match self.format {
            ItemFormat::Json if self.count == 0 => writeln!(self.out, "[]")?,
            ItemFormat::Json => writeln!(self.out, "\n]")?,
            ItemFormat::Table if self.view.is_none() && self.count > 0 => self.flush_sample()?,
            _ => {}
        }
        self.out.flush()?;
        Ok((self.count, self.view.map_or(0, |v| v.hidden)))
    }
}

/// A value as a table cell: strings bare, everything else as compact JSON.
pub fn cell(value: &AttributeValue) -> String {
    match plain::encode(value) {
        Value::String(s) => s,
        other => other.to_string(),
    }
    .replace(['\n', '\t', '\r'], " ")
}

/// A terminal table whose columns are chosen from the first items seen and
/// then fixed, so later items stream out without being held in memory.
#[derive(Debug, Clone)]
pub struct TableView {
    pub columns: Vec<String>,
    pub widths: Vec<usize>,
    /// Attributes of the sample that did not fit the terminal.
    pub hidden: usize,
}

/// The narrowest a column gets before it is dropped.
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 40;

impl TableView {
    /// Picks columns (keys first, then the rest alphabetically) and widths
    /// that fit `terminal_width`, from a sample of items.
    pub fn fit(sample: &[Item], keys: &[String], terminal_width: usize) -> TableView {
        let mut rest = BTreeSet::new();
        for item in sample {
            rest.extend(item.keys().filter(|k| !keys.contains(k)).cloned());
        }
        let mut columns: Vec<String> = keys
            .iter()
            .filter(|k| sample.iter().any(|i| i.contains_key(*k)))
            .cloned()
            .collect();
        columns.extend(rest);
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| {
                sample
                    .iter()
                    .filter_map(|i| i.get(c))
                    .map(|v| cell(v).chars().count())
                    .chain([c.chars().count()])
                    .max()
                    .unwrap_or(0)
                    .clamp(1, MAX_WIDTH)
            })
            .collect();
        // Key columns first at their natural width, then the others left to
        // right while they fit; the last one that fits in part is cut.
        let mut used = 0;
        let mut fitted = Vec::new();
        for (i, natural) in widths.iter().copied().enumerate() {
            let gap = if i == 0 { 0 } else { 2 };
            let room = terminal_width.saturating_sub(used + gap);
            let is_key = i < keys.len().min(columns.len()) && keys.contains(&columns[i]);
            let width = if natural <= room {
                natural
            } else if room >= MIN_WIDTH || (is_key && i == 0) {
                room.max(MIN_WIDTH)
            } else {
                break;
            };
            fitted.push(width);
            used += gap + width;
        }
        let widths = fitted;
        let hidden = columns.len() - widths.len();
        columns.truncate(widths.len());
        TableView {
            columns,
            widths,
            hidden,
        }
    }

    pub fn header(&self) -> String {
        self.row(
            self.columns
                .iter()
                .map(String::as_str)
                .map(String::from)
                .collect(),
        )
    }

    pub fn render(&self, item: &Item) -> String {
        self.row(
            self.columns
                .iter()
                .map(|c| item.get(c).map(cell).unwrap_or_default())
                .collect(),
        )
    }

    fn row(&self, cells: Vec<String>) -> String {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, (text, width)) in cells.iter().zip(&self.widths).enumerate() {
            let fitted = cut(text, *width);
            if i == last {
                out.push_str(fitted.trim_end());
            } else {
                out.push_str(&format!("{fitted:<width$}  "));
            }
        }
        out
    }
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::testing::item;

    #[test]
    fn the_table_view_fits_the_terminal_and_cuts_long_cells() {
        let sample = vec![item(&[
            ("pk", AttributeValue::S("REPO#acme/payments-api".into())),
            ("title", AttributeValue::S("x".repeat(100))),
            ("n", AttributeValue::N("7".into())),
        ])];
        let view = TableView::fit(&sample, &["pk".to_string()], 40);
        assert_eq!(view.columns, ["pk", "n", "title"]);
        let row = view.render(&sample[0]);
        assert!(row.chars().count() <= 40, "{row}");
        assert!(row.ends_with('…'), "{row}");
        let narrow = TableView::fit(&sample, &["pk".to_string()], 10);
        assert_eq!(narrow.columns.len() + narrow.hidden, 3);
        assert!(narrow.hidden > 0);
    }
}
