//! The command line and the environment, turned once into what commands
//! need. Commands see these values and never clap's types; every choice
//! that has a default in the manifest is resolved here too.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use std::time::Duration;

use crate::cli::{self, Cli, Command, Shell, SnapshotCommand};
use crate::dirs::BaseDirs;
use crate::dynamo::items::ItemFormat;
use crate::dynamo::read::{Comparison, Expressions, SortCondition};
use crate::endpoint::{self, Endpoint};
use crate::error::UsageError;
use crate::manifest::imported::{ExportFormat, Format};
use crate::manifest::{self, Manifest, Project, PullPolicy};
use crate::origin::Origin;
use crate::output::Style;
use crate::service::Engine;
use crate::stack::HostOptions;
use crate::variables::EnvFormat;

/// What every command shares.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `-f/--file` or `DEVSTACK_FILE`, if given.
    pub file: Option<PathBuf>,
    /// Where the manifest search starts.
    pub cwd: PathBuf,
    pub style: Style,
    /// `--endpoint`: a DynamoDB endpoint devstack did not start.
    pub endpoint: Option<String>,
    pub allow_remote: bool,
    /// `--engine` or `DEVSTACK_ENGINE`: the engine instead of the manifest's.
    pub engine: Option<Engine>,
    /// `--project` or `DEVSTACK_PROJECT`: the project instead of the manifest's.
    pub project: Option<String>,
    /// Where devstack keeps and remembers things.
    pub dirs: BaseDirs,
}

/// The command to run, with its options.
#[derive(Debug, Clone)]
pub enum Job {
    Up(UpOptions),
    Down {
        volumes: bool,
        /// `--warm`: the home's unused warm engines instead.
        warm: bool,
    },
    Reset(ResetOptions),
    Status {
        json: bool,
    },
    Logs(LogsOptions),
    Env(EnvOptions),
    Scan(ScanOptions),
    Query(QueryOptions),
    Put(PutOptions),
    Get(KeyOptions),
    Delete(KeyOptions),
    Tables {
        json: bool,
    },
    Validate {
        json: bool,
    },
    Init(InitOptions),
    Import(ImportOptions),
    Export {
        format: ExportFormat,
        out: Option<PathBuf>,
    },
    Run(RunOptions),
    Snapshot(SnapshotJob),
    Ls {
        json: bool,
    },
    Gc {
        dry_run: bool,
    },
    Doctor {
        json: bool,
    },
    Completions {
        shell: Shell,
    },
    /// The embedded engine's own process.
    ServeEngine(HostOptions),
    /// The manifest's table names, for the completion scripts.
    TableNames,
    /// A warm engine's keeper.
    KeepWarm {
        name: String,
    },
    /// Tables made ahead on a warm engine.
    PrepareWarm {
        name: String,
    },
}

/// Where `import` and `init` read tables from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableSources {
    /// Files (or Terraform folders), as given.
    pub files: Vec<PathBuf>,
    /// What the files are, when given.
    pub format: Option<Format>,
    /// `--set NAME=VALUE`: parameters or variables.
    pub values: BTreeMap<String, String>,
    /// `--from-endpoint`: a running DynamoDB to read the tables of.
    pub endpoint: Option<String>,
    /// `--seeds`: where to write the endpoint's items as seed files.
    pub seeds: Option<PathBuf>,
    /// The region to ask the endpoint in.
    pub region: String,
    /// The access key id to ask the endpoint with, if not devstack's.
    pub access_key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    pub sources: TableSources,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOptions {
    pub sources: TableSources,
    /// `--name`: the project's name.
    pub name: Option<String>,
    /// `--port`: the engine's port.
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The program and its arguments.
    pub command: Vec<std::ffi::OsString>,
    pub keep: bool,
    /// `--snapshot`: start the tables from it.
    pub snapshot: Option<String>,
    /// `--warm`: the tables on a warm engine, kept this long once unused.
    pub warm: Option<Duration>,
}

/// `snapshot save|load|ls|rm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotJob {
    Save {
        name: String,
        tables: Vec<String>,
        path: Option<PathBuf>,
        force: bool,
    },
    Load {
        snapshot: String,
        tables: Vec<String>,
    },
    Ls {
        path: Option<PathBuf>,
        json: bool,
    },
    Rm {
        names: Vec<String>,
        path: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpOptions {
    /// `--timeout`, else the manifest's `ready_timeout`.
    timeout: Option<Duration>,
    /// `--pull`, else the manifest's `pull`.
    pull: Option<PullPolicy>,
    pub reseed: bool,
    /// `--throwaway`: a fresh stack owned by devstack's caller.
    pub throwaway: bool,
    /// `--format`: how the variables are printed.
    pub format: EnvFormat,
    /// `--snapshot`: bring the tables it holds to its items.
    pub snapshot: Option<String>,
    /// `--throwaway --warm`: the tables on a warm engine, kept this long
    /// once unused.
    pub warm: Option<Duration>,
}

impl UpOptions {
    /// How long each service may take to become usable.
    pub fn timeout(&self, project: &Project) -> Duration {
        self.timeout.unwrap_or(project.ready_timeout)
    }

    /// When to pull images.
    pub fn pull(&self, project: &Project) -> PullPolicy {
        self.pull.unwrap_or(project.pull)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetOptions {
    /// By manifest or physical name; empty means all of the manifest's.
    pub tables: Vec<String>,
    /// Reload the seed data (not with `--no-seed`).
    pub seed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsOptions {
    pub service: Option<String>,
    pub follow: bool,
    pub tail: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvOptions {
    pub format: EnvFormat,
    /// The endpoint as containers on the project network see it.
    pub network: bool,
}

/// What `scan` and `query` share.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOptions {
    pub index: Option<String>,
    pub limit: Option<u64>,
    pub format: ItemFormat,
    pub expressions: Expressions,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    pub table: String,
    pub read: ReadOptions,
    pub segments: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryOptions {
    pub table: String,
    pub key: String,
    pub read: ReadOptions,
    pub sort: Option<SortCondition>,
    pub reverse: bool,
}

/// What `put` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct PutOptions {
    pub table: String,
    /// The item's JSON text; `None`: read the items from stdin.
    pub item: Option<String>,
    pub format: ItemFormat,
}

/// The item `get` and `delete` act on.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyOptions {
    pub table: String,
    /// The key's values, in key order or as `NAME=VALUE`.
    pub values: Vec<String>,
    /// `--key`: the key as a JSON object.
    pub json: Option<String>,
    pub format: ItemFormat,
}

impl KeyOptions {
    fn of(args: cli::KeyArgs, output: cli::ItemOutputArgs) -> KeyOptions {
        KeyOptions {
            table: args.table,
            values: args.values,
            json: args.key,
            format: item_format(output.output),
        }
    }
}

/// `--warm` (or `DEVSTACK_WARM`) with its idle time, for a stack that is
/// `throwaway`. `up` without `--throwaway` makes no stack to warm: said
/// for `--warm`, while `DEVSTACK_WARM` (set for the test runners' `up
/// --throwaway`) leaves it alone.
fn warm(args: &cli::WarmArgs, throwaway: bool) -> Result<Option<Duration>, UsageError> {
    if args.warm && !throwaway && std::env::var_os("DEVSTACK_WARM").is_none() {
        return Err(UsageError(
            "`--warm` puts a throwaway stack's tables on a warm engine: use it with `--throwaway` (or `devstack run --warm`)".to_string(),
        ));
    }
    Ok((args.warm && throwaway).then(|| Duration::from_secs(args.idle)))
}

impl Settings {
    /// Resolves the command line; a bad combination is a usage error.
    pub fn resolve(cli: Cli) -> anyhow::Result<(Settings, Job)> {
        let global = cli.global;
        let settings = Settings {
            file: global.file,
            cwd: std::env::current_dir()?,
            style: Style::detect(global.quiet),
            endpoint: global.endpoint,
            allow_remote: global.allow_remote,
            engine: global.engine,
            project: global.project,
            dirs: BaseDirs::from_env(),
        };
        let job = match cli.command {
            Command::Up(args) => Job::Up(UpOptions {
                timeout: args.timeout.map(Duration::from_secs),
                pull: args.pull,
                reseed: args.reseed,
                warm: warm(&args.warm, args.throwaway)?,
                throwaway: args.throwaway,
                format: args.format,
                snapshot: args.snapshot,
            }),
            Command::Down(args) => Job::Down {
                volumes: args.volumes,
                warm: args.warm,
            },
            Command::Reset(args) => Job::Reset(ResetOptions {
                tables: args.tables,
                seed: !args.no_seed,
            }),
            Command::Status(args) => Job::Status { json: args.json },
            Command::Logs(args) => Job::Logs(LogsOptions {
                service: args.service,
                follow: args.follow,
                tail: args.tail,
            }),
            Command::Env(args) => Job::Env(EnvOptions {
                format: args.format,
                network: args.network,
            }),
            Command::Scan(args) => Job::Scan(ScanOptions {
                table: args.table,
                read: read_options(args.read)?,
                segments: args.segments,
            }),
            Command::Query(args) => Job::Query(QueryOptions {
                sort: sort_condition(&args),
                table: args.table,
                key: args.key,
                read: read_options(args.read)?,
                reverse: args.reverse,
            }),
            Command::Put(args) => Job::Put(PutOptions {
                table: args.table,
                item: args.item.filter(|item| item != "-"),
                format: item_format(args.output.output),
            }),
            Command::Get(args) => Job::Get(KeyOptions::of(args.key, args.output)),
            Command::Delete(args) => Job::Delete(KeyOptions::of(args.key, args.output)),
            Command::Tables(args) => Job::Tables { json: args.json },
            Command::Validate(args) => Job::Validate { json: args.json },
            Command::Init(args) => Job::Init(InitOptions {
                sources: table_sources(args.files, args.source),
                name: args.name,
                port: args.port,
            }),
            Command::Import(args) => Job::Import(ImportOptions {
                sources: table_sources(args.files, args.source),
            }),
            Command::Export(args) => Job::Export {
                format: args.format,
                out: args.out,
            },
            Command::Run(args) => Job::Run(RunOptions {
                command: args.command,
                keep: args.keep,
                snapshot: args.snapshot,
                warm: warm(&args.warm, true)?,
            }),
            Command::Snapshot(command) => Job::Snapshot(match command {
                SnapshotCommand::Save(args) => SnapshotJob::Save {
                    name: args.name,
                    tables: args.tables,
                    path: args.path,
                    force: args.force,
                },
                SnapshotCommand::Load(args) => SnapshotJob::Load {
                    snapshot: args.snapshot,
                    tables: args.tables,
                },
                SnapshotCommand::Ls(args) => SnapshotJob::Ls {
                    path: args.path,
                    json: args.json,
                },
                SnapshotCommand::Rm(args) => SnapshotJob::Rm {
                    names: args.names,
                    path: args.path,
                },
            }),
            Command::Ls(args) => Job::Ls { json: args.json },
            Command::Gc(args) => Job::Gc {
                dry_run: args.dry_run,
            },
            Command::Doctor(args) => Job::Doctor { json: args.json },
            Command::Completions(args) => Job::Completions { shell: args.shell },
            Command::TableNames => Job::TableNames,
            Command::KeepWarm { name } => Job::KeepWarm { name },
            Command::PrepareWarm { name } => Job::PrepareWarm { name },
            Command::ServeEngine(args) => Job::ServeEngine(HostOptions {
                dir: args.dir,
                bind: args.bind,
                port: args.port,
                database: args.database,
                config: args.config,
                ticket: args.ticket,
            }),
        };
        Ok((settings, job))
    }

    /// Finds, reads and validates the manifest. Every manifest problem is
    /// found here, before any Docker or DynamoDB call.
    pub fn manifest(&self) -> anyhow::Result<Manifest> {
        self.load_manifest(true)
    }

    /// The manifest for commands that read no seed data (`down`, `status`,
    /// `logs`, `env`, `scan`, `query`, `tables`, `reset --no-seed`): seed
    /// files need not exist.
    pub fn manifest_without_seed_files(&self) -> anyhow::Result<Manifest> {
        self.load_manifest(false)
    }

    /// The manifest. A project named on the command line (`--project`,
    /// `DEVSTACK_PROJECT`) whose stack was brought up here is taken as it
    /// was brought up: from its manifest file when no manifest is found
    /// here (`devstack -p NAME down` from any folder), with its engine
    /// (unless `--engine` says another) and a run's throwaway settings
    /// when the manifest is that same file (a command inside `run`'s CMD).
    /// A manifest found here that is another file is the one used, as is.
    fn load_manifest(&self, check_files: bool) -> anyhow::Result<Manifest> {
        let origin = self.origin();
        let path = match (self.manifest_path(), &origin) {
            (Ok(path), _) => path,
            (Err(manifest::NotFound::Project { .. }), Some(origin)) => origin.manifest.clone(),
            (Err(err), _) => return Err(err.into()),
        };
        let origin = origin.filter(|origin| same_file(&origin.manifest, &path));
        let engine = self.engine.or_else(|| origin.as_ref()?.engine());
        let load = |path: &Path| {
            if check_files {
                Manifest::load(path, engine)
            } else {
                Manifest::load_without_seed_files(path, engine)
            }
        };
        let mut manifest = match &origin {
            Some(origin) => load(&path).with_context(|| {
                format!(
                    "project `{}` was brought up from `{}`",
                    self.project.as_deref().unwrap_or_default(),
                    origin.manifest.display()
                )
            })?,
            None => load(&path)?,
        };
        if let Some(origin) = &origin {
            origin.apply(&mut manifest);
        }
        self.with_project(manifest)
    }

    /// Where the stack of the project named on the command line came from,
    /// if it was brought up on this machine.
    fn origin(&self) -> Option<Origin> {
        let name = self.project.as_ref()?;
        if !manifest::is_project_name(name) {
            return None;
        }
        self.dirs.project(name).origin()
    }

    fn with_project(&self, mut manifest: Manifest) -> anyhow::Result<Manifest> {
        if let Some(name) = &self.project {
            if !manifest::is_project_name(name) {
                return Err(UsageError(format!(
                    "`--project {name}`: use 1 to 63 characters of `a-z 0-9 _ -`, starting with a letter or digit"
                ))
                .into());
            }
            manifest.project.name = name.clone();
        }
        Ok(manifest)
    }

    /// The endpoint this command talks to: `--endpoint`, else the
    /// project's running engine.
    pub async fn endpoint(&self, manifest: &Manifest) -> anyhow::Result<Endpoint> {
        let project = self.dirs.project(&manifest.project.name);
        endpoint::resolve(self.endpoint.as_deref(), manifest, &project).await
    }

    /// The manifest this command works on.
    pub fn manifest_path(&self) -> Result<PathBuf, manifest::NotFound> {
        manifest::locate(self.file.as_deref(), &self.cwd).map_err(|err| {
            match (err, &self.project) {
                (manifest::NotFound::Searched(dir), Some(project)) => manifest::NotFound::Project {
                    dir,
                    project: project.clone(),
                },
                (err, _) => err,
            }
        })
    }
}

/// Whether two paths name one file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `--output`, else a table for a person and JSON Lines for a program.
fn item_format(output: Option<ItemFormat>) -> ItemFormat {
    match output {
        Some(format) => format,
        None if std::io::stdout().is_terminal() => ItemFormat::Table,
        None => ItemFormat::Jsonl,
    }
}

fn read_options(args: cli::ReadArgs) -> Result<ReadOptions, UsageError> {
    let format = item_format(args.output);
    Ok(ReadOptions {
        expressions: expressions(&args)?,
        index: args.index,
        limit: args.limit,
        format,
    })
}

/// Filter, projection, names and values, checked before any request.
fn expressions(args: &cli::ReadArgs) -> Result<Expressions, UsageError> {
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
                .map_err(|err| {
                    UsageError(format!(
                        "`--values` must be a JSON object, e.g. '{{\":open\": \"open\"}}': {err}"
                    ))
                })?;
            let mut values = HashMap::new();
            for (name, value) in object {
                let converted = crate::item::plain::decode(&name, value)
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

/// The chosen sort key condition (clap lets at most one through).
fn sort_condition(args: &cli::QueryArgs) -> Option<SortCondition> {
    let compare = |op: Comparison, value: &Option<String>| {
        value.clone().map(|v| SortCondition::Compare(op, v))
    };
    args.sort_begins_with
        .clone()
        .map(SortCondition::BeginsWith)
        .or_else(|| match args.sort_between.as_deref() {
            Some([low, high]) => Some(SortCondition::Between(low.clone(), high.clone())),
            _ => None,
        })
        .or_else(|| compare(Comparison::Eq, &args.sort_eq))
        .or_else(|| compare(Comparison::Gt, &args.sort_gt))
        .or_else(|| compare(Comparison::Ge, &args.sort_ge))
        .or_else(|| compare(Comparison::Lt, &args.sort_lt))
        .or_else(|| compare(Comparison::Le, &args.sort_le))
}

fn table_sources(files: Vec<PathBuf>, args: cli::TableSourceArgs) -> TableSources {
    TableSources {
        files,
        format: args.format,
        values: args.values.into_iter().collect(),
        endpoint: args.from_endpoint,
        seeds: args.seeds,
        region: args.region,
        access_key_id: args.access_key_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn job(args: &[&str]) -> Job {
        let cli =
            Cli::try_parse_from(std::iter::once("devstack").chain(args.iter().copied())).unwrap();
        Settings::resolve(cli).unwrap().1
    }

    #[test]
    fn up_takes_the_manifest_defaults_unless_the_command_line_says_otherwise() {
        let project = Manifest::for_test(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\nready_timeout = 7\npull = \"never\"\n",
        )
        .project;
        let Job::Up(plain) = job(&["up"]) else {
            panic!("not up")
        };
        assert_eq!(plain.timeout(&project), Duration::from_secs(7));
        assert_eq!(plain.pull(&project), PullPolicy::Never);
        let Job::Up(given) = job(&["up", "--timeout", "3", "--pull", "always"]) else {
            panic!("not up")
        };
        assert_eq!(given.timeout(&project), Duration::from_secs(3));
        assert_eq!(given.pull(&project), PullPolicy::Always);
    }

    #[test]
    fn every_sort_option_becomes_its_condition() {
        let cases = [
            ("--sort-begins-with", SortCondition::BeginsWith("a".into())),
            (
                "--sort-eq",
                SortCondition::Compare(Comparison::Eq, "a".into()),
            ),
            (
                "--sort-gt",
                SortCondition::Compare(Comparison::Gt, "a".into()),
            ),
            (
                "--sort-ge",
                SortCondition::Compare(Comparison::Ge, "a".into()),
            ),
            (
                "--sort-lt",
                SortCondition::Compare(Comparison::Lt, "a".into()),
            ),
            (
                "--sort-le",
                SortCondition::Compare(Comparison::Le, "a".into()),
            ),
        ];
        for (flag, want) in cases {
            let Job::Query(query) = job(&["query", "t", "k", flag, "a"]) else {
                panic!("not query")
            };
            assert_eq!(query.sort, Some(want), "{flag}");
        }
        let Job::Query(query) = job(&["query", "t", "k", "--sort-between", "a", "b"]) else {
            panic!("not query")
        };
        assert_eq!(
            query.sort,
            Some(SortCondition::Between("a".into(), "b".into()))
        );
    }

    #[test]
    fn bad_expression_values_are_usage_errors() {
        let cli = Cli::try_parse_from(["devstack", "scan", "t", "--values", "[1]"]).unwrap();
        let err = Settings::resolve(cli).unwrap_err();
        assert_eq!(crate::exit_code(&err), crate::error::USAGE);
        assert!(
            err.to_string().contains("`--values` must be a JSON object"),
            "{err}"
        );
    }
}
