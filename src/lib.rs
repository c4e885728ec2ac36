//! devstack: a working local DynamoDB in one command.
//!
//! `run` is the whole program behind a thin `main`: parse, resolve settings,
//! dispatch, and render an error once.

pub mod cli;
pub mod commands;
pub mod docker;
pub mod dynamo;
pub mod engine;
pub mod error;
pub mod health;
pub mod manifest;
pub mod output;
pub mod service;
pub mod settings;

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
    match command {
        Command::Validate(args) => commands::validate::run(settings, args.json, printer),
    }
}
