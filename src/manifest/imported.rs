//! Tables read from the files that already define them: CloudFormation and
//! SAM templates (CDK's `cdk.out` too), Terraform modules, and `CreateTable`
//! requests. What the readers share: what the manifest asks of them (the
//! file, the values to put in for parameters and variables, the stack's
//! region and name), and what each file gave: tables as drafts for the
//! table rules, where each field is written, the file's own problems, and
//! the properties that have no effect locally.
//!
//! Each reader lives beside `toml/`: `cloudformation/` (which also reads
//! `CreateTable` JSON: the same property shapes without intrinsics) and
//! `terraform/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::rules::TableDraft;
use super::source_map::SourceMap;
use super::{Diagnostic, Location};

/// The formats tables are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::Display)]
#[strum(serialize_all = "kebab-case")]
pub enum Format {
    /// A CloudFormation or SAM template, YAML or JSON (CDK's
    /// `cdk.out/*.template.json` is one).
    Cloudformation,
    /// A Terraform module: one `.tf` file or a folder of them; or the JSON
    /// `terraform show -json` prints.
    Terraform,
    /// `CreateTable` requests as `aws dynamodb create-table --cli-input-json`
    /// takes them, or `describe-table` output: one object or an array.
    CreateTable,
}

/// What the manifest asks of a reader.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The file (or, for Terraform, the folder) as an absolute path.
    pub path: &'a Path,
    /// CloudFormation parameters or Terraform variables, by name, as the
    /// manifest gives them; these win over defaults and `.tfvars`.
    pub values: &'a BTreeMap<String, String>,
    /// The stack's region: `AWS::Region`, Terraform's provider region.
    pub region: &'a str,
    /// `AWS::StackName` unless `values` names it: the project's name.
    pub stack_name: &'a str,
}

/// One table a reader found.
#[derive(Debug, Clone)]
pub struct ImportedTable {
    /// How the file names the resource: a CloudFormation logical id
    /// (`OrdersTable`), a Terraform address (`aws_dynamodb_table.orders`),
    /// or a `CreateTable` request's table name. The manifest attaches its
    /// per-table settings by this or by the table's name.
    pub id: String,
    /// The table as found. `draft.path` is where the resource is in the
    /// file (`Resources.OrdersTable`); `draft.name` is its resolved table
    /// name, or the logical id where the file gives none; `None` when the
    /// name is written but cannot be worked out, and `unnamed` says why.
    pub draft: TableDraft,
    /// Why the name could not be worked out, at its place in the file:
    /// reported unless the manifest names the table itself.
    pub unnamed: Option<Diagnostic>,
}

/// A property written for a table that has no effect on a local engine
/// (SSE, point-in-time recovery, tags, deletion protection…): listed by
/// `validate`, never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCarried {
    /// Where the property is written.
    pub span: Location,
    /// The property's place in the file, as shown:
    /// `Resources.OrdersTable.Properties.SSESpecification`.
    pub field: String,
}

/// What a reader made of one file.
pub struct FileRead {
    /// The file, as an absolute path.
    pub path: PathBuf,
    /// Its text and where each field of each draft is written in it.
    pub source: SourceMap,
    pub tables: Vec<ImportedTable>,
    /// The file's own problems: not valid YAML or HCL, an intrinsic or
    /// expression out of the supported subset, a value of the wrong type.
    pub diagnostics: Vec<Diagnostic>,
    pub not_carried: Vec<NotCarried>,
}

/// Reads the tables at `request.path` in `format`. A file that cannot be
/// read at all is an error; everything else wrong with it is in the
/// `FileRead`s' diagnostics.
pub fn read(format: Format, request: &Request<'_>) -> anyhow::Result<Vec<FileRead>> {
    match format {
        Format::Cloudformation => super::cloudformation::read_template(request).map(|f| vec![f]),
        Format::CreateTable => super::cloudformation::read_create_table(request).map(|f| vec![f]),
        Format::Terraform => super::terraform::read(request),
    }
}

/// The format a file is in, by its name and, for JSON, a look inside:
/// `None` when neither tells.
pub fn guess_format(path: &Path, text: Option<&str>) -> Option<Format> {
    if path.is_dir() {
        return Some(Format::Terraform);
    }
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tf") || name.ends_with(".tf.json") {
        return Some(Format::Terraform);
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".template") {
        return Some(Format::Cloudformation);
    }
    if name.ends_with(".json") {
        let text = text?;
        return if text.contains("\"Resources\"") {
            Some(Format::Cloudformation)
        } else if text.contains("\"format_version\"") && text.contains("\"values\"") {
            Some(Format::Terraform)
        } else if text.contains("\"KeySchema\"") {
            Some(Format::CreateTable)
        } else {
            None
        };
    }
    None
}
