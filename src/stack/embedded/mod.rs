//! The engine that needs no Docker: devstack hosts a DynamoDB-compatible
//! engine (dynoxide, SQLite-backed) in a detached background process of its
//! own binary (the hidden `serve-engine` subcommand, in `host`).
//!
//! Split by job: `files` (its files in the project's folders, the record
//! it writes, finding it), `supervise` (starting and stopping its process),
//! `log` (its log), and here bringing it to the manifest for `up`.

mod files;
#[cfg(feature = "embedded")]
pub mod host;
mod log;
mod supervise;

use std::time::{Duration, Instant};

pub use files::{EngineFiles, Found, Record, find, find_in, remove_database};
pub use log::{read_log, tail};
pub use supervise::{EngineSpec, HostOptions, NotBuiltIn, signal_stop, spawn, stop};

use super::health::{self, Watch};
use crate::manifest::Manifest;
use crate::output::Printer;
use crate::service::ServiceKind;

/// Brings the project's embedded engine to the manifest: keeps one that runs
/// as configured, restarts one that runs otherwise, starts one that does
/// not run; then waits until it answers. Returns its record, and whether
/// it was started now.
pub async fn up(
    manifest: &Manifest,
    files: &EngineFiles,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<(Record, bool)> {
    let wanted = EngineSpec::of(manifest, files);
    let began = Instant::now();
    let say = |message: &str| printer.info(&format!("{}: {message}", ServiceKind::Embedded));
    let what = match &wanted.database {
        Some(path) => format!("database `{}`", path.display()),
        None => "in memory".to_string(),
    };
    let (record, changed) = match supervise::settled(files, timeout).await? {
        Found::Running(record) if record.config == wanted.config => (record, false),
        Found::Running(_) => {
            say(&format!(
                "configuration changed; restarting the engine ({what}; a database file is kept)"
            ));
            stop(files).await?;
            (
                supervise::spawn_or_join(files, &wanted, timeout).await?,
                true,
            )
        }
        Found::Starting | Found::Exiting => {
            return Err(supervise::never_listened(&manifest.project.name, files));
        }
        Found::Stopped => {
            say(&format!("starting the engine ({what})"));
            (
                supervise::spawn_or_join(files, &wanted, timeout).await?,
                true,
            )
        }
    };
    let url = record.url();
    let task = printer.task(
        ServiceKind::Embedded.name(),
        if changed {
            "waiting until usable"
        } else {
            "checking"
        },
    );
    let probes = health::readiness(ServiceKind::Embedded, &url, &manifest.project.region);
    let left = timeout.saturating_sub(began.elapsed());
    match health::wait_ready(ServiceKind::Embedded.name(), &probes, left, Watch::Nothing).await {
        Ok(_) => {
            let what = if changed {
                format!("ready in {:.1}s", began.elapsed().as_secs_f64())
            } else {
                "running".to_string()
            };
            task.finish(&format!("{what} at {url}"));
            Ok((record, changed))
        }
        Err(err) => {
            task.fail("not ready");
            Err(err.into())
        }
    }
}
