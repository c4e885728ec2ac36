//! devstack: a working local DynamoDB in one command.
//!
//! `run` is the whole program behind a thin `main`: parse, resolve settings,
//! dispatch, and render an error once.

pub mod cache;
pub mod cli;
pub mod commands;
pub mod dirs;
pub mod dynamo;
pub mod endpoint;
pub mod error;
pub mod item;
pub mod lock;
pub mod manifest;
pub mod origin;
pub mod output;
pub mod process;
pub mod runs;
pub mod seed;
pub mod service;
pub mod settings;
pub mod snapshot;
pub mod stack;
pub mod variables;
pub mod wait;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::Cli;
use crate::output::Printer;
use crate::settings::{Job, Settings};

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
    let (settings, job) = match Settings::resolve(cli) {
        Ok(resolved) => resolved,
        Err(err) => {
            Printer::new(output::Style::Plain).error(&err);
            return exit_code(&err);
        }
    };
    let printer = Printer::new(settings.style);
    match dispatch(job, &settings, &printer) {
        Ok(()) => error::SUCCESS,
        Err(err) => {
            if !error::is_pipe_closed(&err)
                && !err.is::<error::Reported>()
                && !err.is::<error::ExitWith>()
            {
                printer.error(&err);
            }
            exit_code(&err)
        }
    }
}

fn dispatch(job: Job, settings: &Settings, printer: &Printer) -> anyhow::Result<()> {
    let command = async {
        match &job {
            Job::Up(options) => commands::up::run(settings, options, printer).await,
            Job::Down { warm: true, .. } => commands::down::warm(settings, printer).await,
            Job::Down { volumes, .. } => commands::down::run(settings, *volumes, printer).await,
            Job::Reset(options) => commands::reset::run(settings, options, printer).await,
            Job::Status { json } => commands::status::run(settings, *json, printer).await,
            Job::Logs(options) => commands::logs::run(settings, options, printer).await,
            Job::Env(options) => commands::env::run(settings, options, printer).await,
            Job::Scan(options) => commands::scan::run(settings, options, printer).await,
            Job::Query(options) => commands::query::run(settings, options, printer).await,
            Job::Put(options) => commands::put::run(settings, options, printer).await,
            Job::Get(options) => commands::get::run(settings, options, printer).await,
            Job::Delete(options) => commands::delete::run(settings, options, printer).await,
            Job::Tables { json } => commands::tables::run(settings, *json, printer).await,
            Job::Validate { json } => commands::validate::run(settings, *json, printer),
            Job::Init(options) => commands::init::run(settings, options, printer).await,
            Job::Import(options) => commands::import::run(settings, options, printer).await,
            Job::Export { format, out } => {
                commands::export::run(settings, *format, out.as_deref(), printer)
            }
            Job::Gc { dry_run } => commands::gc::run(settings, *dry_run, printer).await,
            Job::Snapshot(job) => commands::snapshot::run(settings, job, printer).await,
            Job::Ls { json } => commands::ls::run(settings, *json, printer).await,
            Job::Doctor { json } => commands::doctor::run(settings, *json, printer).await,
            Job::Completions { shell } => commands::completions::run(*shell, printer),
            Job::TableNames => commands::completions::table_names(settings, printer),
            Job::KeepWarm { name } => {
                stack::warm::keep_until_idle(&settings.dirs, name, printer).await
            }
            Job::PrepareWarm { name } => {
                let manifest = settings.manifest()?;
                let seeds = seed::validate_tables(&manifest.tables, &settings.dirs.cache)?;
                stack::warm::prepare(&manifest, &seeds, &settings.dirs, name, printer).await
            }
            // Handled below: they deal with their signals themselves.
            Job::ServeEngine(_) | Job::Run(_) => Ok(()),
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match &job {
        Job::ServeEngine(options) => {
            return runtime.block_on(stack::serve_engine(options, printer));
        }
        Job::Run(options) => {
            return runtime.block_on(commands::run::run(settings, options, printer));
        }
        _ => {}
    }
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

/// The exit code an error stands for: the first classified error in its chain decides.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<manifest::Invalid>()
            || cause.is::<manifest::NotFound>()
            || cause.is::<error::UsageError>()
            || cause.is::<seed::InvalidSeedFiles>()
            || cause.is::<endpoint::Refused>()
        {
            return error::USAGE;
        }
        if cause.is::<error::Interrupted>() {
            return error::INTERRUPTED;
        }
        if let Some(error::ExitWith(code)) = cause.downcast_ref() {
            return *code;
        }
        if error::is_broken_pipe(cause) {
            return error::SUCCESS;
        }
    }
    error::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_classified_cause_decides_the_exit_code() {
        let usage = anyhow::Error::new(error::UsageError("bad".into())).context("while doing x");
        assert_eq!(exit_code(&usage), error::USAGE);
        assert_eq!(
            exit_code(&anyhow::anyhow!("docker said no")),
            error::FAILURE
        );
        assert_eq!(
            exit_code(&anyhow::Error::new(error::Interrupted)),
            error::INTERRUPTED
        );
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(exit_code(&pipe), error::SUCCESS);
    }
}
