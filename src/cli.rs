//! Command-line syntax: clap derive types and nothing else. The rest of the
//! program sees `Settings`, never these.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// The manifest to use [default: `devstack.toml` in this folder or the nearest parent]
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        env = "DEVSTACK_FILE",
        value_name = "FILE"
    )]
    pub file: Option<PathBuf>,

    /// Only print errors and data; no progress
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the manifest and its seed files without touching Docker
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}
