//! devstack: a working local DynamoDB in one command.
//!
//! `run` is the whole program behind a thin `main`: parse, resolve settings,
//! dispatch, and render an error once.

pub mod cli;
pub mod commands;
pub mod dynamo;
pub mod endpoint;
pub mod error;
pub mod lock;
pub mod manifest;
pub mod output;
pub mod seed;
pub mod service;
pub mod settings;
pub mod stack;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::output::Printer;
use crate::settings::Settings;

/// Runs devstack with these arguments (the first is the program name) and
/// returns the process exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                error::USAGE
            } else {
                error::SUCCESS
            };
        }
    };
    let settings = match Settings::resolve(&cli.global) {
        Ok(settings) => settings,
        Err(err) => {
            Printer::new(output::Style::Plain).error(&err);
            return error::FAILURE;
        }
    };
    let printer = Printer::new(settings.style);
    match dispatch(cli.command, &settings, &printer) {
        Ok(()) => error::SUCCESS,
        Err(err) => {
            if !error::is_pipe_closed(&err) && !err.is::<error::Reported>() {
                printer.error(&err);
            }
            error::exit_code(&err)
        }
    }
}

fn dispatch(command: Command, settings: &Settings, printer: &Printer) -> anyhow::Result<()> {
    let command = async {
        match &command {
            Command::Up(args) => commands::up::run(settings, args, printer).await,
            Command::Down(args) => commands::down::run(settings, args.volumes, printer).await,
            Command::Reset(args) => {
                commands::reset::run(settings, &args.tables, !args.no_seed, printer).await
            }
            Command::Status(args) => commands::status::run(settings, args.json, printer).await,
            Command::Logs(args) => {
                commands::logs::run(
                    settings,
                    args.service.as_deref(),
                    args.follow,
                    args.tail,
                    printer,
                )
                .await
            }
            Command::Env(args) => {
                commands::env::run(settings, args.format, args.network, printer).await
            }
            Command::Scan(args) => commands::scan::run(settings, args, printer).await,
            Command::Query(args) => commands::query::run(settings, args, printer).await,
            Command::Tables(args) => commands::tables::run(settings, args.json, printer).await,
            Command::Validate(args) => commands::validate::run(settings, args.json, printer),
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // Ctrl-C drops the command where it stands. Every step is safe to
        // cut: objects are labelled as they are made, and the next `up`
        // converges from whatever state is left.
        tokio::select! {
            result = command => result,
            _ = tokio::signal::ctrl_c() => Err(error::Interrupted.into()),
        }
    })
}
