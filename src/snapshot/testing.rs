//! Exports in AWS's layout written for tests: gzip'd data files, their
//! MD5s and counts in `manifest-files.json`, and the summary.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};

use super::layout::{
    DATA_DIR, DataFile, EXPORTS_DIR, ExportType, FILES_FILE, OutputFormat, SUMMARY_FILE,
    SUMMARY_VERSION, Summary,
};

/// Gzip'd bytes of `text`.
pub(crate) fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap_or_default();
    encoder.finish().unwrap_or_default()
}

/// Base64 of the MD5 of `bytes`.
pub(crate) fn md5(bytes: &[u8]) -> String {
    BASE64.encode(Md5::digest(bytes))
}

/// Writes the export `id` under `root/AWSDynamoDB/`: each data file
/// (`name`, its lines; gzip'd when the name ends `.gz`), listed with its
/// MD5 and count; incremental when `from` (its `exportFromTime`) is given.
/// Returns the export's folder.
pub(crate) fn write_export(
    root: &Path,
    id: &str,
    format: OutputFormat,
    from: Option<&str>,
    files: &[(&str, &str)],
) -> anyhow::Result<PathBuf> {
    let dir = root.join(EXPORTS_DIR).join(id);
    std::fs::create_dir_all(dir.join(DATA_DIR))?;
    let prefix = format!("prefix/{EXPORTS_DIR}/{id}");
    let mut listed = String::new();
    let mut total = 0;
    for (name, text) in files {
        let bytes = if name.ends_with(".gz") {
            gzip(text)
        } else {
            text.as_bytes().to_vec()
        };
        std::fs::write(dir.join(DATA_DIR).join(name), &bytes)?;
        let count = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
        total += count;
        let entry = DataFile {
            item_count: count,
            md5_checksum: md5(&bytes),
            etag: String::new(),
            data_file_s3_key: format!("{prefix}/{DATA_DIR}/{name}"),
        };
        listed.push_str(&serde_json::to_string(&entry)?);
        listed.push('\n');
    }
    std::fs::write(dir.join(FILES_FILE), listed)?;
    let summary = Summary {
        version: SUMMARY_VERSION.to_string(),
        export_arn: format!("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/export/{id}"),
        start_time: "2024-01-01T00:00:00.000Z".to_string(),
        end_time: "2024-01-01T00:05:00.000Z".to_string(),
        table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Orders".to_string(),
        table_id: None,
        export_time: "2024-01-01T00:00:00.000Z".to_string(),
        s3_bucket: None,
        s3_prefix: Some("prefix".to_string()),
        manifest_files_s3_key: format!("{prefix}/{FILES_FILE}"),
        billed_size_bytes: 0,
        item_count: total,
        output_format: format,
        export_type: Some(match from {
            Some(_) => ExportType::IncrementalExport,
            None => ExportType::FullExport,
        }),
        export_from_time: from.map(str::to_string),
        export_to_time: None,
        output_view: from.map(|_| "NEW_AND_OLD_IMAGES".to_string()),
    };
    std::fs::write(
        dir.join(SUMMARY_FILE),
        serde_json::to_string_pretty(&summary)?,
    )?;
    Ok(dir)
}
