//! Writing one table's items as a DynamoDB export to S3 writes them: gzip'd
//! `{"Item": {...}}` lines in data files under `AWSDynamoDB/<ExportId>/data/`,
//! then `manifest-files.json` with each file's count and MD5, then
//! `manifest-summary.json`. The summary comes last, so an export cut off
//! half-way has none, and no reader takes it for a whole one.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use base64::Engine as _;
use flate2::Compression;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};

use super::layout::{
    DATA_DIR, DataFile, EXPORTS_DIR, ExportType, FILES_FILE, OutputFormat, SUMMARY_FILE,
    SUMMARY_VERSION, Summary,
};
use crate::item::{Item, export, item_size};

/// A new export's id as AWS spells them: milliseconds since the epoch, a
/// dash, 8 hex digits (`01700000000000-a1b2c3d4`).
pub fn export_id(now: SystemTime) -> String {
    let millis = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{millis:014}-{:08x}", fastrand::u32(..))
}

/// A time as the summary writes it: `2024-01-01T00:00:00.123Z`.
pub fn timestamp(time: SystemTime) -> String {
    DateTime::from(time)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
}

/// What the bytes written through it hash to.
struct Hashing<W> {
    inner: W,
    md5: Md5,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.md5.update(buf.get(..written).unwrap_or_default());
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One data file being written.
pub struct DataWriter {
    /// Its path inside the export's folder: `data/<name>.json.gz`.
    name: String,
    out: GzEncoder<Hashing<BufWriter<File>>>,
    keys: Vec<String>,
    items: u64,
    /// The items' size as DynamoDB counts it.
    item_bytes: u64,
    line: Vec<u8>,
}

impl DataWriter {
    /// Writes one item as one line.
    pub fn write(&mut self, item: &Item) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, &export::line(item, &self.keys))?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.items += 1;
        self.item_bytes += item_size(item) as u64;
        Ok(())
    }

    /// Closes the file; returns its line of `manifest-files.json` and the
    /// items' size.
    fn finish(self, key_prefix: &str) -> io::Result<(DataFile, u64)> {
        let mut hashing = self.out.finish()?;
        hashing.flush()?;
        hashing
            .inner
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        let md5 = hashing.md5.finalize();
        let hex: String = md5.iter().map(|b| format!("{b:02x}")).collect();
        Ok((
            DataFile {
                item_count: self.items,
                md5_checksum: base64::engine::general_purpose::STANDARD.encode(md5),
                etag: hex,
                data_file_s3_key: format!("{key_prefix}/{}", self.name),
            },
            self.item_bytes,
        ))
    }
}

/// One table's export, being written under a folder.
pub struct TableExport {
    /// The export's own folder: `<parent>/AWSDynamoDB/<id>`.
    dir: PathBuf,
    id: String,
    table_arn: String,
    keys: Vec<String>,
    started: SystemTime,
    next_file: usize,
}

impl TableExport {
    /// Starts an export of the table `table_arn` under `parent` (its
    /// `AWSDynamoDB/<id>/data` folder is made); `keys`, the table's key
    /// attributes, come first in each line.
    pub fn create(parent: &Path, table_arn: &str, keys: Vec<String>) -> io::Result<TableExport> {
        let started = SystemTime::now();
        let id = export_id(started);
        let dir = parent.join(EXPORTS_DIR).join(&id);
        std::fs::create_dir_all(dir.join(DATA_DIR))?;
        Ok(TableExport {
            dir,
            id,
            table_arn: table_arn.to_string(),
            keys,
            started,
            next_file: 0,
        })
    }

    /// The export's own folder.
    #[cfg(test)]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new data file of the export. Files are written independently, so
    /// several can be filled at once (one per writer thread).
    pub fn data_file(&mut self) -> io::Result<DataWriter> {
        let name = format!("{DATA_DIR}/{}-{:04}.json.gz", self.id, self.next_file);
        self.next_file += 1;
        let file = File::create(self.dir.join(&name))?;
        Ok(DataWriter {
            name,
            out: GzEncoder::new(
                Hashing {
                    inner: BufWriter::with_capacity(256 * 1024, file),
                    md5: Md5::new(),
                },
                Compression::fast(),
            ),
            keys: self.keys.clone(),
            items: 0,
            item_bytes: 0,
            line: Vec::with_capacity(1024),
        })
    }

    fn key_prefix(&self) -> String {
        format!("{EXPORTS_DIR}/{}", self.id)
    }

    /// Closes the data files and writes both manifest files, the summary
    /// last; returns the summary.
    pub fn finish(self, files: Vec<DataWriter>) -> io::Result<Summary> {
        let prefix = self.key_prefix();
        let mut lines = String::new();
        let (mut items, mut billed) = (0u64, 0u64);
        for file in files {
            let (entry, bytes) = file.finish(&prefix)?;
            items += entry.item_count;
            billed += bytes;
            lines.push_str(&serde_json::to_string(&entry)?);
            lines.push('\n');
        }
        write_file(&self.dir.join(FILES_FILE), lines.as_bytes())?;
        let ended = SystemTime::now();
        let summary = Summary {
            version: SUMMARY_VERSION.to_string(),
            export_arn: format!("{}/export/{}", self.table_arn, self.id),
            start_time: timestamp(self.started),
            end_time: timestamp(ended),
            table_arn: self.table_arn.clone(),
            table_id: None,
            export_time: timestamp(self.started),
            s3_bucket: None,
            s3_prefix: None,
            manifest_files_s3_key: format!("{prefix}/{FILES_FILE}"),
            billed_size_bytes: billed,
            item_count: items,
            output_format: OutputFormat::DynamodbJson,
            export_type: Some(ExportType::FullExport),
            export_from_time: None,
            export_to_time: None,
            output_view: None,
        };
        write_file(
            &self.dir.join(SUMMARY_FILE),
            serde_json::to_string(&summary)?.as_bytes(),
        )?;
        Ok(summary)
    }
}

/// Writes a whole small file and syncs it.
fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read};

    use flate2::read::GzDecoder;

    use super::*;
    use crate::item::testing::{item, n, s};

    #[test]
    fn an_export_has_both_manifests_with_real_counts_and_md5s() -> anyhow::Result<()> {
        let folder = tempfile::tempdir()?;
        let keys = vec!["pk".to_string()];
        let arn = "arn:aws:dynamodb:eu-west-1:000000000000:table/orders";
        let mut export = TableExport::create(folder.path(), arn, keys)?;
        let dir = export.dir().to_path_buf();
        let mut first = export.data_file()?;
        let mut second = export.data_file()?;
        for i in 0..3 {
            first.write(&item(&[("pk", s(&format!("a{i}"))), ("n", n("1"))]))?;
        }
        second.write(&item(&[("pk", s("b"))]))?;
        let summary = export.finish(vec![first, second])?;
        assert_eq!(summary.item_count, 4);
        assert_eq!(summary.table_name(), "orders");
        let written: Summary =
            serde_json::from_str(&std::fs::read_to_string(dir.join(SUMMARY_FILE))?)?;
        assert_eq!(written, summary);
        let files: Vec<DataFile> = BufReader::new(File::open(dir.join(FILES_FILE))?)
            .lines()
            .map(|line| Ok(serde_json::from_str(&line?)?))
            .collect::<anyhow::Result<_>>()?;
        assert_eq!(
            files.iter().map(|f| f.item_count).collect::<Vec<_>>(),
            [3, 1]
        );
        for file in &files {
            let path = dir.join(file.path_in_export().unwrap_or_default());
            let bytes = std::fs::read(&path)?;
            let md5 = Md5::digest(&bytes);
            assert_eq!(
                file.md5_checksum,
                base64::engine::general_purpose::STANDARD.encode(md5)
            );
            let mut text = String::new();
            GzDecoder::new(bytes.as_slice()).read_to_string(&mut text)?;
            assert_eq!(text.lines().count() as u64, file.item_count);
        }
        let mut text = String::new();
        let path = dir.join(files[1].path_in_export().unwrap_or_default());
        GzDecoder::new(File::open(path)?).read_to_string(&mut text)?;
        assert_eq!(text, "{\"Item\":{\"pk\":{\"S\":\"b\"}}}\n");
        Ok(())
    }
}
