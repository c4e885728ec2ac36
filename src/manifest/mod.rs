//! The manifest, `devstack.toml`: where to find it, and the validated model
//! every command works from. Reading the TOML starts in `toml`; the table
//! rules, which tables from any reader meet, are in `rules`.

pub mod cloudformation;
mod diagnostic;
pub mod imported;
mod path;
mod rules;
mod source_map;
mod suggest;
pub mod template;
pub mod terraform;
mod toml;

pub use self::toml::write::tables as write_tables;

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

pub use self::toml::is_project_name;
pub use diagnostic::{Diagnostic, DiagnosticJson, FileProblems, Invalid, Location, Position};
pub use imported::Uncarried;
pub use template::{Placeholder, Template};

use crate::service::{Engine, ServiceKind};

/// The file name looked for in the current directory and its parents.
pub const FILE_NAME: &str = "devstack.toml";

/// A manifest that passed every check.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file as given or found.
    pub path: PathBuf,
    /// The folder seed paths are relative to, and must stay inside.
    pub dir: PathBuf,
    pub project: Project,
    pub services: BTreeMap<ServiceKind, ServiceOverride>,
    /// Extra variables for the application's environment, sorted by name;
    /// their values may name the stack's endpoint, port, tables…
    pub env: Vec<(String, Template)>,
    pub tables: Vec<TableSpec>,
    /// Things a command says before it starts, e.g. what `--engine` left out.
    pub notes: Vec<String>,
    /// Properties of tables taken from other files that have no effect on
    /// a local engine, for `validate` to list.
    pub not_carried: Vec<Uncarried>,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    pub engine: Engine,
    pub region: String,
    pub table_prefix: String,
    pub admin: bool,
    pub persist: bool,
    pub ready_timeout: Duration,
    pub pull: PullPolicy,
    /// Set by `run` (never by the manifest): the `run` process that owns the
    /// stack, labelled on its Docker objects so `gc` can tell an abandoned
    /// run's.
    pub owner: Option<String>,
    /// Set by `run` (never by the manifest): a throwaway stack, in memory
    /// and on ports picked free ([`Manifest::make_throwaway`]).
    pub throwaway: bool,
    /// The access key devstack and the app sign with: the fixed local one,
    /// or (set by `run --warm`) the run's own, which keeps its tables apart
    /// on a warm engine ([`crate::stack::warm`]).
    pub access_key: String,
    /// Set by `run --warm`: the warm engine the stack's tables live on.
    pub warm: Option<Warm>,
    /// Set for a warm engine's own stack: one database per access key and
    /// region (DynamoDB Local without `-sharedDb`), shared by the runs.
    pub warm_engine: bool,
}

/// The warm engine a `run --warm`'s tables live on ([`crate::stack::warm`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warm {
    /// The warm engine's own project.
    pub engine: String,
    /// How long it is kept once no run uses it.
    pub idle: Duration,
}

impl Warm {
    /// How long a warm engine is kept once no run uses it, unless told.
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(600);
}

/// When to pull an image from its registry: the manifest's `pull` and
/// `up --pull`, one name each (its variants' documentation is the help).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    strum::EnumString,
    strum::VariantNames,
    clap::ValueEnum,
)]
#[strum(serialize_all = "lowercase")]
pub enum PullPolicy {
    /// Only when no local image has the name
    #[default]
    Missing,
    /// Every time
    Always,
    /// Never; fail when an image is missing
    Never,
}

impl PullPolicy {
    pub fn from_name(name: &str) -> Option<PullPolicy> {
        name.parse().ok()
    }
}

/// Per-service settings from `[services.NAME]`; `None` means the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceOverride {
    /// Host port; `Some(0)` picks a free one.
    pub port: Option<u16>,
    pub image: Option<String>,
    pub bind: Option<IpAddr>,
    /// DynamoDB Local: the JVM's options, instead of devstack's.
    pub java_options: Option<Vec<String>>,
}

/// A key attribute's scalar type, named as DynamoDB names it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
pub enum KeyType {
    S,
    N,
    B,
}

impl KeyType {
    pub fn from_name(name: &str) -> Option<KeyType> {
        name.parse().ok()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A key attribute: its name and scalar type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyAttribute {
    pub name: String,
    pub ty: KeyType,
}

impl fmt::Display for KeyAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.ty)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    PayPerRequest,
    Provisioned { read: i64, write: i64 },
}

/// What a table's stream carries. The manifest writes it in lower case
/// (`new_and_old_images`, the names listed), DynamoDB in upper case; both
/// are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case", ascii_case_insensitive)]
pub enum StreamView {
    NewImage,
    OldImage,
    NewAndOldImages,
    KeysOnly,
}

impl StreamView {
    pub fn from_name(name: &str) -> Option<StreamView> {
        name.parse().ok()
    }

    /// DynamoDB's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
            StreamView::KeysOnly => "KEYS_ONLY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

/// A global or local secondary index. A local index's partition key is the table's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: String,
    pub partition_key: KeyAttribute,
    pub sort_key: Option<KeyAttribute>,
    pub projection: Projection,
}

/// How a seed file's items are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedFormat {
    /// Plain JSON values mapped to DynamoDB types.
    Json,
    /// Typed DynamoDB JSON: `{"pk": {"S": "a"}}`.
    DynamodbJson,
    /// A DynamoDB export to S3: a folder, the export's own
    /// (`AWSDynamoDB/<ExportId>/`) or one holding `AWSDynamoDB/`, read by
    /// `snapshot::read`.
    DynamodbExport,
    /// CSV as DynamoDB's ImportTable reads it; the seed's `csv` holds its
    /// options.
    Csv,
}

/// How a CSV seed file is read, as ImportTable's `CsvOptions` say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The column names when the file has no header row (ImportTable's
    /// `HeaderList`); `None` when the first row names them.
    pub header: Option<Vec<String>>,
    /// The byte between fields, `,` unless the entry's `delimiter` says.
    pub delimiter: u8,
    /// Types of columns that are no key of the table or its indexes (those
    /// take the table's types); a column not named is a string.
    pub types: Vec<(String, CsvType)>,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            header: None,
            delimiter: b',',
            types: Vec::new(),
        }
    }
}

/// The type a CSV column's cells are read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum CsvType {
    S,
    N,
    /// Base64 text.
    B,
    /// `true` or `false`.
    #[strum(serialize = "BOOL")]
    Bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSpec {
    /// Absolute path of the file (of the folder, for an export).
    pub path: PathBuf,
    /// The path as written in the manifest, for messages.
    pub shown: String,
    pub format: SeedFormat,
    /// Plain JSON: attributes whose arrays become string or number sets.
    pub sets: Vec<String>,
    /// Plain JSON: attributes whose strings are base64 binary.
    pub binary: Vec<String>,
    /// CSV: how the file is read; `Some` exactly when `format` is `Csv`.
    pub csv: Option<CsvOptions>,
}

/// A table as the manifest wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// The logical name, as written.
    pub name: String,
    /// The name on the endpoint: table prefix + logical name.
    pub physical: String,
    pub partition_key: KeyAttribute,
    pub sort_key: Option<KeyAttribute>,
    pub billing: Billing,
    pub ttl: Option<String>,
    pub stream: Option<StreamView>,
    pub global_indexes: Vec<IndexSpec>,
    pub local_indexes: Vec<IndexSpec>,
    pub seeds: Vec<SeedSpec>,
    /// The line where the table's name is written: in the manifest, or in
    /// the file it was taken from.
    pub line: usize,
    /// The file and line a table taken from another file comes from,
    /// `infra/template.yaml:12`; `None` for a `[[table]]` of the manifest.
    pub from: Option<String>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`, with `engine` (from
    /// `--engine`) instead of the manifest's when given. Every problem comes
    /// back at once as an [`Invalid`]; an unreadable file is a plain error.
    pub fn load(path: &Path, engine: Option<Engine>) -> anyhow::Result<Manifest> {
        Manifest::read(path, true, engine)
    }

    /// Like `load`, but seed files need not exist: for commands that read
    /// no seed data (`down`, `status`, `logs`, `env`, `scan`, `query`,
    /// `tables`, `reset --no-seed`), which must work even after a seed file
    /// was moved.
    pub fn load_without_seed_files(
        path: &Path,
        engine: Option<Engine>,
    ) -> anyhow::Result<Manifest> {
        Manifest::read(path, false, engine)
    }

    /// The manifest file as an absolute path, which names it from any
    /// folder.
    pub fn file(&self) -> PathBuf {
        std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone())
    }

    /// The stack as a `run`'s throwaway one: in memory, every port picked
    /// free, labelled with the `run` process that owns it (none for a stack
    /// kept on purpose, which outlives its run).
    pub fn make_throwaway(&mut self, owner: Option<&str>) {
        self.project.persist = false;
        self.project.throwaway = true;
        self.project.owner = owner.map(str::to_string);
        for service in self.services() {
            self.services.entry(service).or_default().port = Some(0);
        }
    }

    fn read(path: &Path, check_files: bool, engine: Option<Engine>) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read manifest `{}`", path.display()))?;
        Manifest::parse(path, text, check_files, engine).map_err(anyhow::Error::new)
    }

    /// Validates manifest text as if it were the file at `path`.
    pub fn from_text(path: &Path, text: String) -> Result<Manifest, Invalid> {
        Manifest::parse(path, text, true, None)
    }

    fn parse(
        path: &Path,
        text: String,
        check_files: bool,
        engine: Option<Engine>,
    ) -> Result<Manifest, Invalid> {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match self::toml::parse(&text, &dir, check_files, engine) {
            Ok(parsed) => Ok(Manifest {
                path: path.to_path_buf(),
                dir,
                project: parsed.project,
                services: parsed.services,
                env: parsed.env,
                tables: parsed.tables,
                notes: parsed.notes,
                not_carried: parsed.not_carried,
            }),
            Err(problems) => {
                Err(Invalid::new(path, text, problems.manifest).with_others(problems.others))
            }
        }
    }

    /// The services this stack runs: the engine, then the admin UI if asked for.
    pub fn services(&self) -> Vec<ServiceKind> {
        let mut services = vec![self.project.engine.service()];
        if self.project.admin {
            services.push(ServiceKind::DynamodbAdmin);
        }
        services
    }

    /// The services that run as Docker containers.
    pub fn containers(&self) -> Vec<ServiceKind> {
        self.services()
            .into_iter()
            .filter(|s| s.is_container())
            .collect()
    }

    pub fn table(&self, name: &str) -> Option<&TableSpec> {
        self.tables
            .iter()
            .find(|t| t.name == name || t.physical == name)
    }
}

#[cfg(test)]
impl Manifest {
    /// A manifest from TOML text, for unit tests: as if it were
    /// `devstack.toml` in the current folder; panics with every problem.
    pub fn for_test(text: &str) -> Manifest {
        Manifest::from_text(Path::new("devstack.toml"), text.to_string())
            .unwrap_or_else(|invalid| panic!("{invalid}"))
    }
}

/// Finds the manifest: an explicit path wins; otherwise `devstack.toml` in
/// `start` or the nearest parent that has one.
pub fn locate(explicit: Option<&Path>, start: &Path) -> Result<PathBuf, NotFound> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(NotFound::Explicit(path.to_path_buf()))
        };
    }
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| NotFound::Searched(start.to_path_buf()))
}

/// No manifest where one was expected. A usage problem: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum NotFound {
    #[error("manifest `{}` does not exist or is not a file", .0.display())]
    Explicit(PathBuf),
    #[error(
        "no `{FILE_NAME}` in `{}` or any parent folder; pass one with `-f FILE` or `DEVSTACK_FILE`",
        .0.display()
    )]
    Searched(PathBuf),
    #[error(
        "no `{FILE_NAME}` in `{}` or any parent folder, and no stack of project `{project}` was brought up on this machine\n  hint: `devstack ls` lists the projects that run; pass a manifest with `-f FILE`",
        .dir.display()
    )]
    Project { dir: PathBuf, project: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_walks_up_to_the_nearest_manifest() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let nested = root.path().join("a/b");
        std::fs::create_dir_all(&nested)?;
        std::fs::write(root.path().join(FILE_NAME), "")?;
        assert_eq!(locate(None, &nested)?, root.path().join(FILE_NAME));
        Ok(())
    }

    #[test]
    fn locate_reports_a_missing_explicit_file() {
        let err = locate(
            Some(Path::new("/nonexistent/devstack.toml")),
            Path::new("/"),
        );
        assert!(matches!(err, Err(NotFound::Explicit(_))));
    }
}
