//! Command-line syntax: clap derive types and nothing else. The rest of the
//! program sees `Settings` and plain values, never these.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A working local DynamoDB in one command.
///
/// devstack runs DynamoDB Local or MiniStack (and optionally dynamodb-admin)
/// in Docker and creates the tables your project's `devstack.toml` describes.
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

    /// Only print errors and data; no progress
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Work against this DynamoDB endpoint instead of the project's containers
    /// (for `up`'s tables, `reset`, `status`), e.g. a compose stack that already runs
    #[arg(long, global = true, env = "DEVSTACK_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,

    /// Allow destructive commands against an `--endpoint` that is not on this
    /// machine's loopback nor a container of the project
    #[arg(long, global = true)]
    pub allow_remote: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the stack and wait until every service is usable
    Up(UpArgs),
    /// Stop and remove the project's containers and network
    Down(DownArgs),
    /// Bring tables back to the manifest's state and seed data, without restarting anything
    Reset(ResetArgs),
    /// Show each service's state, health, image and ports
    Status(StatusArgs),
    /// Show the logs of the project's containers
    Logs(LogsArgs),
    /// Print the variables an app needs to use the stack
    Env(EnvArgs),
    /// Check the manifest and its seed files without touching Docker
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Seconds each service may take to become usable [default: the manifest's `ready_timeout`, else 60]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,

    /// When to pull images [default: the manifest's `pull`, else `missing`]
    #[arg(long, value_enum)]
    pub pull: Option<PullArg>,

    /// Load the seed data into every table again, not only into tables this run creates
    #[arg(long)]
    pub reseed: bool,
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PullArg {
    /// Only when no local image has the name
    Missing,
    /// Every time
    Always,
    /// Never; fail when an image is missing
    Never,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Also delete the project's volumes (persistent data)
    #[arg(long, short = 'v')]
    pub volumes: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the status as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only this service (`dynamodb-local`, `ministack` or `dynamodb-admin`)
    pub service: Option<String>,

    /// Keep printing new lines as they come
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Start with the last N lines of each container
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvFormat {
    /// `export NAME='value'` lines, for `eval "$(devstack env)"`
    Shell,
    /// `NAME=value` lines, for `.env` files and `docker run --env-file`
    Dotenv,
    /// One JSON object
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}
