//! The layout of a DynamoDB export to S3, as AWS documents it ("DynamoDB
//! table export output format"): under a prefix, one folder per export,
//!
//! ```text
//! AWSDynamoDB/<ExportId>/manifest-summary.json   what was exported, when, how many items
//! AWSDynamoDB/<ExportId>/manifest-files.json     JSON Lines: one object per data file
//! AWSDynamoDB/<ExportId>/data/<name>.json.gz     gzip'd lines, `{"Item": {...}}` each
//! ```
//!
//! These types are the two manifest files, shared by the writer and the
//! reader, so both speak the same field names.

use serde::{Deserialize, Serialize};

/// The folder every export sits in, under the export's prefix.
pub const EXPORTS_DIR: &str = "AWSDynamoDB";
/// The summary of one export, in its folder.
pub const SUMMARY_FILE: &str = "manifest-summary.json";
/// The list of one export's data files, in its folder.
pub const FILES_FILE: &str = "manifest-files.json";
/// The folder of one export's data files.
pub const DATA_DIR: &str = "data";
/// The only `version` of the summary AWS has written.
pub const SUMMARY_VERSION: &str = "2020-06-30";

/// Whether `dir` looks like a DynamoDB export: an export's own folder
/// (with its manifest files), the `AWSDynamoDB` folder, or a folder
/// holding one. Whether it is a sound one is for the reader to say.
pub fn looks_like_export(dir: &std::path::Path) -> bool {
    dir.is_dir()
        && (dir.file_name().is_some_and(|name| name == EXPORTS_DIR)
            || [SUMMARY_FILE, FILES_FILE, EXPORTS_DIR]
                .iter()
                .any(|name| dir.join(name).exists()))
}

/// How the data files write items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutputFormat {
    /// One `{"Item": {...}}` DynamoDB JSON object per line.
    DynamodbJson,
    /// Amazon Ion text, one `$ion_1_0 {Item: {...}}` value per line.
    Ion,
}

/// A whole table, or the changes of a time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportType {
    FullExport,
    IncrementalExport,
}

/// `manifest-summary.json`. Fields AWS writes that devstack does not need
/// are kept as they are when read, and absent fields are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub version: String,
    pub export_arn: String,
    pub start_time: String,
    pub end_time: String,
    pub table_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_id: Option<String>,
    pub export_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_prefix: Option<String>,
    pub manifest_files_s3_key: String,
    pub billed_size_bytes: u64,
    pub item_count: u64,
    pub output_format: OutputFormat,
    /// Absent in a full export made before incremental exports existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_type: Option<ExportType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_from_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_to_time: Option<String>,
    /// `NEW_IMAGE` or `NEW_AND_OLD_IMAGES`, incremental exports only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_view: Option<String>,
}

impl Summary {
    /// Whether this export holds changes rather than a whole table.
    pub fn is_incremental(&self) -> bool {
        self.export_type == Some(ExportType::IncrementalExport)
    }

    /// The table's name, the last part of `tableArn`
    /// (`arn:aws:dynamodb:eu-west-1:123456789012:table/Orders`).
    pub fn table_name(&self) -> &str {
        self.table_arn
            .rsplit_once("table/")
            .map_or(self.table_arn.as_str(), |(_, name)| name)
    }
}

/// One line of `manifest-files.json`: one data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataFile {
    pub item_count: u64,
    /// Base64 of the MD5 of the file's bytes as stored (compressed).
    pub md5_checksum: String,
    /// S3's ETag: the hex MD5 for a file uploaded in one part.
    pub etag: String,
    /// The file's key in the bucket: `<prefix>/AWSDynamoDB/<id>/data/<name>.json.gz`.
    pub data_file_s3_key: String,
}

impl DataFile {
    /// The file's path inside its export's folder: from `data/` on.
    pub fn path_in_export(&self) -> Option<&str> {
        let key = self.data_file_s3_key.as_str();
        let at = key.rfind(&format!("{DATA_DIR}/"))?;
        key.get(at..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_as_aws_writes_it_is_read() -> anyhow::Result<()> {
        let text = r#"{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders/export/01693","startTime":"2024-01-01T00:00:00.000Z","endTime":"2024-01-01T00:05:00.000Z","tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders","tableId":"0a1b","exportTime":"2024-01-01T00:00:00.000Z","s3Bucket":"bucket","s3Prefix":"prefix","manifestFilesS3Key":"prefix/AWSDynamoDB/01693/manifest-files.json","billedSizeBytes":0,"itemCount":2,"outputFormat":"DYNAMODB_JSON","exportType":"FULL_EXPORT"}"#;
        let summary: Summary = serde_json::from_str(text)?;
        assert_eq!(summary.table_name(), "Orders");
        assert_eq!(summary.output_format, OutputFormat::DynamodbJson);
        assert!(!summary.is_incremental());
        let file: DataFile = serde_json::from_str(
            r#"{"itemCount":2,"md5Checksum":"AAAA","etag":"00","dataFileS3Key":"prefix/AWSDynamoDB/01693/data/abc.json.gz"}"#,
        )?;
        assert_eq!(file.path_in_export(), Some("data/abc.json.gz"));
        Ok(())
    }
}
