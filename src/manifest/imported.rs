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

use toml::Spanned;

use crate::error::UsageError;

use super::path::FieldPath;
use super::rules::{self, TableDraft};
use super::source_map::SourceMap;
use super::suggest::quoted;
use super::{Diagnostic, FileProblems, Location, Position, SeedSpec, TableSpec};

/// The formats tables are read from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::Display,
)]
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

/// The formats the manifest's tables are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A CloudFormation template (YAML), one `AWS::DynamoDB::Table` per table
    Cloudformation,
    /// Terraform, one `aws_dynamodb_table` per table
    Terraform,
    /// `CreateTable` requests, as `aws dynamodb create-table --cli-input-json` takes them
    CreateTableJson,
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
    /// The parameters (a template's) or variables (a Terraform module's)
    /// the file declares: the names a value may be given for.
    pub declares: Vec<String>,
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

impl Format {
    /// The format given, else the one the file's name and content tell.
    pub fn resolve(given: Option<Format>, path: &Path) -> Option<Format> {
        given.or_else(|| {
            let text = std::fs::read_to_string(path).ok();
            Format::guess(path, text.as_deref())
        })
    }

    /// What a file of this format is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Cloudformation => "a CloudFormation template",
            Format::Terraform => "Terraform",
            Format::CreateTable => "CreateTable JSON",
        }
    }
    /// The format a file is in, by its name and, for JSON, a look inside:
    /// `None` when neither tells.
    pub fn guess(path: &Path, text: Option<&str>) -> Option<Format> {
        if path.is_dir() {
            return Some(Format::Terraform);
        }
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".tf") {
            return Some(Format::Terraform);
        }
        if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".template") {
            return Some(Format::Cloudformation);
        }
        if !name.ends_with(".json") {
            return None;
        }
        let text = text?;
        if text.contains("\"Resources\"") {
            Some(Format::Cloudformation)
        } else if text.contains("\"format_version\"") {
            Some(Format::Terraform)
        } else if text.contains("\"KeySchema\"") {
            Some(Format::CreateTable)
        } else {
            None
        }
    }
}

/// A `[[tables_from]]` entry of the manifest, read.
#[derive(Debug, Clone)]
pub struct Source {
    /// The entry's place in the manifest, `tables_from[0]`.
    pub path: FieldPath,
    /// Where the entry is written in the manifest.
    pub span: Location,
    /// The file as the manifest names it, for messages.
    pub shown: String,
    /// Where that name is written in the manifest.
    pub file_span: Location,
    /// The file, joined to the manifest's folder.
    pub file: PathBuf,
    pub format: Format,
    /// Only these resources or tables, when not empty.
    pub only: Vec<Spanned<String>>,
    /// Parameters or variables.
    pub values: BTreeMap<String, String>,
    /// Where each of `values` is written in the manifest (none when the
    /// values came from the command line).
    pub value_spans: BTreeMap<String, Location>,
    /// The table prefix: the entry's own or the project's; `None` when the
    /// project could not be read.
    pub prefix: Option<String>,
    pub settings: Vec<TableSettings>,
}

/// `[tables_from.table.ID]`: one table's settings.
#[derive(Debug, Clone)]
pub struct TableSettings {
    /// The resource's id in its file, or its table name.
    pub id: Spanned<String>,
    /// Its place in the manifest.
    pub path: FieldPath,
    /// The table's name here, instead of the file's.
    pub name: Option<Spanned<String>>,
    pub seeds: Vec<SeedSpec>,
}

/// A property that is not carried, at its place: what `validate` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncarried {
    /// `infra/template.yaml:14:7`.
    pub place: String,
    /// The property as the file names it.
    pub field: String,
}

/// What became of a `[tables_from.table.ID]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Unused,
    Used,
    /// Its table is one `only` leaves out.
    LeftOut,
    /// Its table's settings are the ones at this index.
    Again(usize),
}

/// What one `[[tables_from]]` entry gave.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The validated tables.
    pub tables: Vec<TableSpec>,
    /// Problems with the entry itself, in the manifest.
    pub manifest: Vec<Diagnostic>,
    /// Problems in the files read.
    pub files: Vec<FileProblems>,
    pub not_carried: Vec<Uncarried>,
    /// The parameters or variables the files declare.
    pub declares: Vec<String>,
}

impl Source {
    /// Reads the entry's file and checks its tables with the table rules,
    /// after applying the manifest's selection and per-table settings.
    /// `region` and `stack_name` are the project's.
    pub fn load(&self, region: &str, stack_name: &str) -> Loaded {
        let mut loaded = Loaded::default();
        let request = Request {
            path: &self.file,
            values: &self.values,
            region,
            stack_name,
        };
        let files = match read(self.format, &request) {
            Ok(files) => files,
            Err(err) => {
                loaded.manifest.push(Diagnostic::new(
                    self.file_span.clone(),
                    self.path.key("path").to_string(),
                    format!("{err:#}"),
                ));
                return loaded;
            }
        };
        let mut ids = Vec::new();
        let mut problems_in_files = false;
        let mut used_only = vec![false; self.only.len()];
        let mut used_settings = vec![Use::Unused; self.settings.len()];
        for file in files {
            let shown = self.shown_file(&file.path);
            loaded.declares.extend(file.declares.iter().cloned());
            let mut diagnostics = file.diagnostics;
            let mut drafts = Vec::new();
            let mut said = Vec::new();
            for table in file.tables {
                let name = table.draft.name.clone();
                let names = |wanted: &str| wanted == table.id || name.as_deref() == Some(wanted);
                ids.push(table.id.clone());
                // Settings for the table, by its id or by its name.
                let settings: Vec<usize> = (0..self.settings.len())
                    .filter(|&at| names(self.settings[at].id.get_ref()))
                    .collect();
                if !self.only.is_empty() {
                    let Some(at) = self.only.iter().position(|o| names(o.get_ref())) else {
                        for &at in &settings {
                            used_settings[at] = Use::LeftOut;
                        }
                        continue;
                    };
                    used_only[at] = true;
                }
                let mut draft = table.draft;
                let mut unnamed = table.unnamed;
                if let Some((&at, again)) = settings.split_first() {
                    used_settings[at] = Use::Used;
                    for &second in again {
                        used_settings[second] = Use::Again(at);
                    }
                    let settings = &self.settings[at];
                    if let Some(name) = &settings.name {
                        draft.name = Some(name.get_ref().clone());
                        unnamed = None;
                    }
                    draft.seeds = settings.seeds.clone();
                }
                if let Some(unnamed) = unnamed {
                    // The reader said why the name is missing.
                    said.push(draft.path.key("name"));
                    diagnostics.push(unnamed);
                }
                drafts.push(draft);
            }
            let checked = rules::check_tables(&drafts, self.prefix.as_deref(), &file.source);
            diagnostics.extend(
                checked
                    .problems
                    .into_iter()
                    .filter(|p| !(p.part == rules::Part::Entry && said.contains(&p.path)))
                    .map(|p| file.source.diagnostic(p)),
            );
            for (spec, draft) in checked.tables.into_iter().zip(&drafts) {
                let Some(mut spec) = spec else { continue };
                let at = file
                    .source
                    .locate(&draft.path.key("name"), &rules::Part::Value);
                let place = Position::of(file.source.text(), at.start);
                spec.line = place.line;
                spec.from = Some(format!("{shown}:{}", place.line));
                loaded.tables.push(spec);
            }
            for property in file.not_carried {
                let at = Position::of(file.source.text(), property.span.start);
                loaded.not_carried.push(Uncarried {
                    place: format!("{shown}:{}:{}", at.line, at.column),
                    field: property.field,
                });
            }
            if !diagnostics.is_empty() {
                problems_in_files = true;
                // `./template.yaml` reads better as `template.yaml`.
                let path = file.path.strip_prefix(".").unwrap_or(&file.path);
                loaded.files.push(FileProblems::new(
                    path,
                    file.source.text().to_string(),
                    diagnostics,
                ));
            }
        }
        loaded.declares.sort();
        loaded.declares.dedup();
        if ids.is_empty() && !problems_in_files {
            loaded.manifest.push(self.no_tables());
        }
        // A file that could not be read whole may declare more than was
        // seen of it.
        for (name, span) in self.value_spans.iter().filter(|_| !problems_in_files) {
            if name.starts_with("AWS::") || loaded.declares.contains(name) {
                continue;
            }
            loaded
                .manifest
                .push(self.undeclared(name, span.clone(), &loaded.declares));
        }
        let known = if ids.is_empty() {
            format!("`{}` defines no DynamoDB table", self.shown)
        } else {
            // As the manifest writes them: `"aws_dynamodb_table.orders"`.
            let keys: Vec<String> = ids.iter().map(|id| toml_key(id)).collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            format!("`{}` defines {}", self.shown, quoted(&keys))
        };
        for (only, used) in self.only.iter().zip(used_only) {
            if !used {
                loaded.manifest.push(
                    Diagnostic::new(
                        only.span(),
                        self.path.key("only").to_string(),
                        format!("`{}` names no table of `{}`", only.get_ref(), self.shown),
                    )
                    .help(known.clone()),
                );
            }
        }
        for (settings, used) in self.settings.iter().zip(used_settings) {
            let id = settings.id.get_ref();
            let (message, help) = match used {
                Use::Used => continue,
                Use::Unused => (
                    format!("`{id}` names no table of `{}`", self.shown),
                    known.clone(),
                ),
                Use::LeftOut => (
                    format!("`{id}` is a table `only` leaves out"),
                    "add it to `only`, or remove these settings".to_string(),
                ),
                Use::Again(first) => (
                    format!(
                        "`{id}` is the table `[tables_from.table.{}]` already sets",
                        toml_key(self.settings[first].id.get_ref())
                    ),
                    "give one table's settings in one place".to_string(),
                ),
            };
            loaded.manifest.push(
                Diagnostic::new(settings.id.span(), settings.path.to_string(), message).help(help),
            );
        }
        loaded
    }

    /// The entry reads no table at all: said, never taken as a file that
    /// defines none on purpose.
    fn no_tables(&self) -> Diagnostic {
        let folder_without_tf = self.file.is_dir()
            && std::fs::read_dir(&self.file).is_ok_and(|entries| {
                !entries
                    .flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
            });
        let help = if folder_without_tf {
            format!(
                "`{}` is a folder without `.tf` files; for CDK, name a template: `cdk.out/STACK.template.json`",
                self.shown
            )
        } else if self.format == Format::Terraform {
            "devstack reads the `aws_dynamodb_table` resources of one module's `.tf` files, not those inside `module` blocks: point `path` at the module that declares them".to_string()
        } else {
            "devstack reads `AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable` and `AWS::Serverless::SimpleTable` resources (of this template, not of nested stacks), and CreateTable requests".to_string()
        };
        Diagnostic::new(
            self.file_span.clone(),
            self.path.key("path").to_string(),
            format!(
                "`{}` defines no DynamoDB table devstack can read",
                self.shown
            ),
        )
        .help(help)
    }

    /// A value for a parameter or variable the file does not declare: a
    /// typo would otherwise leave the default in its place.
    fn undeclared(&self, name: &str, span: Location, declares: &[String]) -> Diagnostic {
        let what = match self.format {
            Format::Terraform => ("variable", "variables"),
            _ => ("parameter", "parameters"),
        };
        let known: Vec<&str> = declares.iter().map(String::as_str).collect();
        let help = match super::suggest::did_you_mean(name, &known) {
            Some(close) => format!("did you mean `{close}`?"),
            None if known.is_empty() => format!("`{}` declares no {}", self.shown, what.1),
            None => format!("`{}` declares {}", self.shown, quoted(&known)),
        };
        Diagnostic::new(
            span,
            self.path.key(what.1).key(name).to_string(),
            format!("`{}` declares no {} `{name}`", self.shown, what.0),
        )
        .help(help)
    }

    /// A file this entry read, as the user knows it: the entry's path, or
    /// for a Terraform folder, the file inside it.
    fn shown_file(&self, file: &Path) -> String {
        if file == self.file {
            return self.shown.clone();
        }
        let shown = Path::new(&self.shown);
        let (folder, shown_folder) = if self.file.is_dir() {
            (self.file.as_path(), shown)
        } else {
            let parent = |p: &'_ Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
            return match file.strip_prefix(parent(&self.file)) {
                Ok(inside) => parent(shown).join(inside).display().to_string(),
                Err(_) => file.display().to_string(),
            };
        };
        match file.strip_prefix(folder) {
            Ok(inside) => shown_folder.join(inside).display().to_string(),
            Err(_) => file.display().to_string(),
        }
    }
}

/// What one file (or Terraform folder) gave `import` or `init`.
#[derive(Debug)]
pub struct FileTables {
    /// The file as given.
    pub file: PathBuf,
    pub format: Format,
    pub tables: Vec<TableSpec>,
    /// The parameters or variables it declares.
    pub declares: Vec<String>,
}

/// Reads the tables of files outside any manifest, as `import` and `init`
/// do: each file in `format` or the one its name tells, with `values` for
/// its parameters or variables, names as the files give them (no prefix).
/// Problems in the files come back as one [`Invalid`](super::Invalid); a
/// value no file declares is a usage error.
pub fn read_files(
    files: &[PathBuf],
    format: Option<Format>,
    values: &BTreeMap<String, String>,
    region: &str,
    stack_name: &str,
) -> anyhow::Result<(Vec<FileTables>, Vec<Uncarried>)> {
    let mut read = Vec::new();
    let mut not_carried = Vec::new();
    let mut problems = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let shown = file.display().to_string();
        if !file.exists() {
            return Err(UsageError(format!("`{shown}` does not exist")).into());
        }
        let format = Format::resolve(format, file).ok_or_else(|| {
            UsageError(format!(
                "cannot tell what `{shown}` is\n  hint: pass `--format`, one of {}",
                <Format as strum::VariantNames>::VARIANTS.join(", ")
            ))
        })?;
        let source = Source {
            path: FieldPath::default().key("file").index(i),
            span: 0..0,
            shown,
            file_span: 0..0,
            file: file.clone(),
            format,
            only: Vec::new(),
            values: values.clone(),
            value_spans: BTreeMap::new(),
            prefix: Some(String::new()),
            settings: Vec::new(),
        };
        let loaded = source.load(region, stack_name);
        if let Some(first) = loaded.manifest.into_iter().next() {
            let hint = first
                .help
                .map(|h| format!("\n  hint: {h}"))
                .unwrap_or_default();
            return Err(UsageError(format!("{}{hint}", first.message)).into());
        }
        read.push(FileTables {
            file: file.clone(),
            format,
            tables: loaded.tables,
            declares: loaded.declares,
        });
        not_carried.extend(loaded.not_carried);
        problems.extend(loaded.files);
    }
    if !problems.is_empty() {
        let first = problems.remove(0);
        return Err(super::Invalid {
            manifest: first,
            others: problems,
        }
        .into());
    }
    for name in values.keys().filter(|name| !name.starts_with("AWS::")) {
        if !read.iter().any(|f| f.declares.contains(name)) {
            return Err(UsageError(format!(
                "`--set {name}=…`: no file given declares a parameter or variable `{name}`"
            ))
            .into());
        }
    }
    Ok((read, not_carried))
}

/// `id` as a TOML key: bare when it can be, else quoted.
pub fn toml_key(id: &str) -> String {
    let bare = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        id.to_string()
    } else {
        toml::Value::String(id.to_string()).to_string()
    }
}
