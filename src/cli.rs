//! Command-line syntax: clap derive types and nothing else. The rest of the
//! program sees `Settings` and plain values, never these. The values an
//! option takes are the domain's own enums (`Engine`, `PullPolicy`,
//! `EnvFormat`, `ItemFormat`), which derive their names for clap themselves.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::dynamo::items::ItemFormat;
use crate::manifest::PullPolicy;
use crate::manifest::imported::{ExportFormat, Format};
use crate::service::Engine;
use crate::variables::EnvFormat;

/// A working local DynamoDB in one command.
///
/// devstack runs DynamoDB Local or MiniStack (and optionally dynamodb-admin)
/// in Docker, or an embedded engine that needs no Docker, and creates the
/// tables your project's `devstack.toml` describes.
#[derive(Debug, Parser)]
#[command(
    name = "devstack",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The manifest to use, given before the command as with docker compose
    /// [default: `devstack.toml` in this folder or the nearest parent]
    #[arg(short = 'f', long = "file", env = "DEVSTACK_FILE", value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Work on this project instead of the manifest's `name`, e.g. a stack
    /// `run --keep` left up
    #[arg(
        short = 'p',
        long,
        global = true,
        env = "DEVSTACK_PROJECT",
        value_name = "NAME"
    )]
    pub project: Option<String>,

    /// Only print errors and data; no progress
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Talk to this DynamoDB endpoint instead of the project's containers, e.g. a
    /// compose stack that already runs (`up` then only makes the tables)
    #[arg(long, global = true, env = "DEVSTACK_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,

    /// Allow destructive commands against an `--endpoint` that is not on this
    /// machine's loopback nor a container of the project
    #[arg(long, global = true)]
    pub allow_remote: bool,

    /// Run the stack on this engine instead of the manifest's, e.g. to run one
    /// manifest on every engine
    #[arg(
        long,
        global = true,
        env = "DEVSTACK_ENGINE",
        value_enum,
        value_name = "ENGINE"
    )]
    pub engine: Option<Engine>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the stack and wait until every service is usable
    Up(UpArgs),
    /// Stop and remove the project's services: containers and network, or the embedded engine
    Down(DownArgs),
    /// Bring tables back to the manifest's state and seed data, without restarting anything
    Reset(ResetArgs),
    /// Show each service's state and health, and each table's state and item count
    Status(StatusArgs),
    /// Show the logs of the project's services
    Logs(LogsArgs),
    /// Print the variables an app needs to use the stack
    Env(EnvArgs),
    /// Print the items of a table or index, page after page
    Scan(ScanArgs),
    /// Print the items of one partition, in sort key order
    Query(QueryArgs),
    /// Write an item, or each item on stdin, and print what was written
    Put(PutArgs),
    /// Print the item with a key
    Get(GetArgs),
    /// Delete the item with a key, and print it
    Delete(DeleteArgs),
    /// List every table on the endpoint, the manifest's and the others
    Tables(TablesArgs),
    /// Check the manifest and its seed files without touching Docker
    Validate(ValidateArgs),
    /// Write a `devstack.toml` here, with tables from files or an endpoint if given
    Init(InitArgs),
    /// Print `[[table]]` entries for the tables that templates, Terraform or an endpoint define
    Import(ImportArgs),
    /// Write the manifest's tables for CloudFormation, Terraform or the AWS CLI
    Export(ExportArgs),
    /// Run a command against a fresh stack of its own, removed afterwards
    Run(RunArgs),
    /// Save the tables' items to a snapshot (AWS's export layout), load one back, list or remove them
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// List every devstack project on this machine
    Ls(LsArgs),
    /// Remove what runs that no longer exist left behind (`-p NAME`: its runs only)
    Gc(GcArgs),
    /// Check what `up` needs on this machine, and say how to fix what is missing
    Doctor(DoctorArgs),
    /// Print the shell completion script for bash, zsh or fish
    Completions(CompletionsArgs),
    /// Host the embedded engine (started by `up`, not by hand)
    #[command(name = "serve-engine", hide = true)]
    ServeEngine(ServeEngineArgs),
    /// Print the manifest's table names, one per line (for the completion scripts)
    #[command(name = "table-names", hide = true)]
    TableNames,
    /// Keep a warm engine until it is idle, then remove it (started by `run --warm`)
    #[command(name = "keep-warm", hide = true)]
    KeepWarm {
        /// The warm engine's project
        name: String,
    },
    /// Make and seed the manifest's tables on a warm engine for the next run (started by `run --warm`)
    #[command(name = "prepare-warm", hide = true)]
    PrepareWarm {
        /// The warm engine's project
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Leave the stack up afterwards, and say how to reach and remove it
    #[arg(long)]
    pub keep: bool,

    /// Start the tables from this snapshot (a name, or a folder) instead of their seed data
    #[arg(long, value_name = "SNAPSHOT")]
    pub snapshot: Option<String>,

    #[command(flatten)]
    pub warm: WarmArgs,

    /// The command and its arguments, after `--`
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// A throwaway stack's tables on a warm engine (`run`, `up --throwaway`).
#[derive(Debug, Args)]
pub struct WarmArgs {
    /// Put the tables on a warm engine that outlives this stack: the first stack starts it, later
    /// ones get tables of their own on it in a fraction of a second, kept apart by an access key
    /// of their own; it is removed once unused for `--idle` seconds (container engines only)
    #[arg(long, env = "DEVSTACK_WARM", value_parser = clap::builder::FalseyValueParser::new())]
    pub warm: bool,

    /// With `--warm`: how long the warm engine is kept once no stack uses it
    #[arg(
        long,
        value_name = "SECS",
        env = "DEVSTACK_WARM_IDLE",
        default_value_t = 600,
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub idle: u64,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Print the list as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Only list the runs that would be removed
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_help = concat!(
    "Install them, e.g.:\n",
    "  bash: devstack completions bash > ~/.local/share/bash-completion/completions/devstack\n",
    "  zsh:  devstack completions zsh > ~/.zfunc/_devstack, with `fpath+=~/.zfunc` before\n",
    "        `compinit` in ~/.zshrc\n",
    "  fish: devstack completions fish > ~/.config/fish/completions/devstack.fish",
))]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: Shell,
}

/// A shell devstack prints completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct ServeEngineArgs {
    /// The project's engine folder: lock, record, log
    #[arg(long)]
    pub dir: PathBuf,
    #[arg(long)]
    pub bind: std::net::IpAddr,
    #[arg(long)]
    pub port: u16,
    /// The database file; in memory without one
    #[arg(long)]
    pub database: Option<PathBuf>,
    /// The configuration digest, recorded for the next `up` to compare
    #[arg(long)]
    pub config: String,
    /// What the starter wrote to the engine folder's ticket: serve only
    /// while it still says this (without one, serve once the lock is had)
    #[arg(long)]
    pub ticket: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Scan or query this global or local index instead of the table
    #[arg(long, value_name = "NAME")]
    pub index: Option<String>,

    /// Stop after N items
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Output format [default: `table` on a terminal, else `jsonl`]
    #[arg(long, short = 'o', value_enum)]
    pub output: Option<ItemFormat>,

    /// A DynamoDB filter expression, e.g. `#s = :open`
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// A DynamoDB projection expression: the attributes to return
    #[arg(long, value_name = "EXPR")]
    pub projection: Option<String>,

    /// Expression attribute names as a JSON object, e.g. `{"#s": "state"}`
    #[arg(long, value_name = "JSON")]
    pub names: Option<String>,

    /// Expression attribute values as a plain JSON object, e.g. `{":open": "open"}`
    #[arg(long, value_name = "JSON")]
    pub values: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The table, by its manifest name or its full name
    pub table: String,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Scan in N parallel segments (each item is still printed once)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..=64))]
    pub segments: i32,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("sort").multiple(false))]
pub struct QueryArgs {
    /// The table, by its manifest name or its full name
    pub table: String,

    /// The partition key value
    pub key: String,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Only sort keys that begin with this prefix
    #[arg(long, group = "sort", value_name = "PREFIX")]
    pub sort_begins_with: Option<String>,

    /// Only sort keys between A and B, both included
    #[arg(long, group = "sort", num_args = 2, value_names = ["A", "B"])]
    pub sort_between: Option<Vec<String>>,

    /// Only sort keys equal to this value
    #[arg(long, group = "sort", value_name = "VALUE")]
    pub sort_eq: Option<String>,

    /// Only sort keys greater than this value
    #[arg(long, group = "sort", value_name = "VALUE")]
    pub sort_gt: Option<String>,

    /// Only sort keys greater than or equal to this value
    #[arg(long, group = "sort", value_name = "VALUE")]
    pub sort_ge: Option<String>,

    /// Only sort keys less than this value
    #[arg(long, group = "sort", value_name = "VALUE")]
    pub sort_lt: Option<String>,

    /// Only sort keys less than or equal to this value
    #[arg(long, group = "sort", value_name = "VALUE")]
    pub sort_le: Option<String>,

    /// Highest sort key first
    #[arg(long)]
    pub reverse: bool,
}

/// How `put`, `get` and `delete` print items.
#[derive(Debug, Args)]
pub struct ItemOutputArgs {
    /// Output format [default: `table` on a terminal, else `jsonl`]
    #[arg(long, short = 'o', value_enum)]
    pub output: Option<ItemFormat>,
}

#[derive(Debug, Args)]
#[command(after_help = concat!(
    "Examples:\n",
    "  devstack put orders '{\"pk\": \"ORDER#1\", \"sk\": 1, \"total\": 12.5}'\n",
    "  devstack put orders '{\"pk\": {\"S\": \"ORDER#2\"}, \"sk\": {\"N\": \"1\"}}'\n",
    "  devstack put orders < items.jsonl     (one item per line; all are checked before any is written)\n",
    "  devstack scan orders | devstack put orders-copy",
))]
pub struct PutArgs {
    /// The table, by its manifest name or its full name
    pub table: String,

    /// The item, as plain JSON (`{"pk": "a", "n": 1}`, typed as a plain JSON seed is) or
    /// DynamoDB JSON (`{"pk": {"S": "a"}}`) [default: read from stdin, also with `-`]
    pub item: Option<String>,

    #[command(flatten)]
    pub output: ItemOutputArgs,
}

/// Which item `get` and `delete` act on.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The table, by its manifest name or its full name
    pub table: String,

    /// The key: its values in key order (`a 1`), or `NAME=VALUE` for each key attribute
    /// (`pk=a sk=1`); typed by the table's key schema (numbers as written, binary as base64)
    #[arg(value_name = "KEY")]
    pub values: Vec<String>,

    /// The key as one JSON object instead, plain or DynamoDB JSON: `{"pk": "a", "sk": 1}`
    #[arg(long, value_name = "JSON", conflicts_with = "values")]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = concat!(
    "Examples:\n",
    "  devstack get orders ORDER#1 1\n",
    "  devstack get orders pk=ORDER#1 sk=1 --output dynamodb-json\n",
    "  devstack get orders --key '{\"pk\": \"ORDER#1\", \"sk\": 1}'\n",
    "\n",
    "No item with the key: a message, and exit code 1.",
))]
pub struct GetArgs {
    #[command(flatten)]
    pub key: KeyArgs,

    #[command(flatten)]
    pub output: ItemOutputArgs,
}

#[derive(Debug, Args)]
#[command(after_help = concat!(
    "Examples:\n",
    "  devstack delete orders ORDER#1 1\n",
    "  devstack delete orders --key '{\"pk\": \"ORDER#1\", \"sk\": 1}'\n",
    "\n",
    "No item with the key: nothing is deleted, devstack says so and exits 0. Like `reset`, it refuses\n",
    "an `--endpoint` that is not on this machine without `--allow-remote`.",
))]
pub struct DeleteArgs {
    #[command(flatten)]
    pub key: KeyArgs,

    #[command(flatten)]
    pub output: ItemOutputArgs,
}

#[derive(Debug, Args)]
pub struct TablesArgs {
    /// Print the list as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Seconds each service may take to become usable [default: the manifest's `ready_timeout`, else 60]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,

    /// When to pull images [default: the manifest's `pull`, else `missing`]
    #[arg(long, value_enum)]
    pub pull: Option<PullPolicy>,

    /// Load the seed data into every table again, not only into tables this run creates
    #[arg(long)]
    pub reseed: bool,

    /// A fresh stack of its own, as `run` makes (a new project name, free ports, in memory),
    /// owned by the process that started devstack: `gc` removes it once that process is gone
    #[arg(long)]
    pub throwaway: bool,

    /// Bring the tables a snapshot holds to its items (a name, or a folder), replacing their data
    #[arg(long, value_name = "SNAPSHOT")]
    pub snapshot: Option<String>,

    #[command(flatten)]
    pub warm: WarmArgs,

    /// How to print the variables on stdout
    #[arg(long, value_enum, default_value_t = EnvFormat::Shell)]
    pub format: EnvFormat,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Save the tables' schema and every item as a snapshot
    ///
    /// Each table is written as a DynamoDB export to S3 writes it
    /// (`AWSDynamoDB/<id>/manifest-summary.json`, `manifest-files.json`,
    /// `data/*.json.gz`), so other tools read it. The tables are read with a
    /// scan: an item written while a table is saved may or may not be in the
    /// snapshot, so stop what writes to them for an exact copy.
    Save(SnapshotSaveArgs),
    /// Bring tables back to exactly a snapshot's items, on any engine
    ///
    /// The tables are recreated as the manifest declares them and filled with
    /// the snapshot's items; their data is replaced. A snapshot is a name
    /// (`snapshot ls`), or a folder: one `snapshot save --path` wrote, or a
    /// DynamoDB export copied down from S3 (the folder holding `AWSDynamoDB/`).
    Load(SnapshotLoadArgs),
    /// List the project's snapshots, with their tables, items, size and date
    Ls(SnapshotLsArgs),
    /// Remove snapshots
    Rm(SnapshotRmArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotSaveArgs {
    /// The snapshot's name: letters, digits, `.`, `_` and `-`
    pub name: String,

    /// The tables to save, by manifest or physical name [default: all of the manifest's]
    #[arg(value_name = "TABLE")]
    pub tables: Vec<String>,

    /// Keep it in this folder (as DIR/NAME) instead of the project's snapshots
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Replace a snapshot of that name
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotLoadArgs {
    /// A snapshot's name, or a folder (a path with a `/`: `./exports/orders`)
    #[arg(value_name = "NAME|PATH")]
    pub snapshot: String,

    /// Only these tables, by manifest or physical name [default: every table the snapshot holds]
    #[arg(value_name = "TABLE")]
    pub tables: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotLsArgs {
    /// List the snapshots in this folder instead of the project's
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Print the list as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotRmArgs {
    /// The snapshots to remove
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,

    /// Remove them from this folder instead of the project's snapshots
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The tables to reset, by manifest or physical name [default: all of the manifest's]
    #[arg(value_name = "TABLE")]
    pub tables: Vec<String>,

    /// Recreate the tables empty
    #[arg(long)]
    pub no_seed: bool,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Also delete the project's persistent data (volumes, the embedded engine's database)
    #[arg(long, short = 'v')]
    pub volumes: bool,

    /// Instead: remove every warm engine of this home that no stack uses (see `run --warm`)
    #[arg(long, conflicts_with = "volumes")]
    pub warm: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the status as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only this service (`dynamodb-local`, `ministack`, `embedded` or `dynamodb-admin`)
    pub service: Option<String>,

    /// Keep printing new lines as they come
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Start with the last N lines of each service
    #[arg(long, short = 'n', value_name = "N")]
    pub tail: Option<usize>,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = EnvFormat::Shell)]
    pub format: EnvFormat,

    /// The endpoint as seen from a container on the project's network (`http://aws-local:4566`)
    #[arg(long)]
    pub network: bool,
}

/// Where tables are read from: files, or a running DynamoDB.
#[derive(Debug, Args)]
pub struct TableSourceArgs {
    /// What the files are, when their names do not tell [default: by the file's name and content]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// A template parameter or Terraform variable, e.g. `--set Stage=dev` (repeatable)
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = name_value)]
    pub values: Vec<(String, String)>,

    /// Also read the tables of this running DynamoDB (DescribeTable, TTL), e.g. a compose stack's
    #[arg(long, value_name = "URL")]
    pub from_endpoint: Option<String>,

    /// With `--from-endpoint`: write each table's items to this folder as seed files, and name them
    #[arg(long, value_name = "DIR", requires = "from_endpoint")]
    pub seeds: Option<PathBuf>,

    /// The region: the endpoint is asked in it, templates' `AWS::Region` is it, and `init` writes it
    #[arg(long, value_name = "REGION", default_value = "us-east-1")]
    pub region: String,

    /// With `--from-endpoint`: the access key id to ask with, for an engine that keeps tables per key (DynamoDB Local without `-sharedDb`) [default: `test`]
    #[arg(long, value_name = "ID")]
    pub access_key_id: Option<String>,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Take the tables from these files: a CloudFormation/SAM template, CDK's `cdk.out/*.template.json`, a Terraform module, CreateTable JSON
    #[arg(long = "from", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub source: TableSourceArgs,

    /// The project's name [default: this folder's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The engine's port on this machine [default: the engine's own]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A CloudFormation/SAM template, CDK's `cdk.out/*.template.json`, a Terraform module (file or folder) or `terraform show -json` output, CreateTable JSON
    #[arg(value_name = "FILE", required_unless_present = "from_endpoint")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub source: TableSourceArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,

    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}
