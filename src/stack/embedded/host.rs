//! The engine process itself (`devstack serve-engine`): it leaves the
//! terminal's session, takes the project's engine lock for as long as it
//! lives, serves the DynamoDB API with dynoxide, deletes items whose TTL has
//! passed every few seconds, and on SIGTERM or SIGINT finishes its requests,
//! closes the database and removes its record.

use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::{EngineFiles, HostOptions, Record};
use crate::output::Printer;
use crate::process;
use crate::wait::poll_until;

/// How often items whose TTL has passed are deleted.
pub const TTL_SWEEP: Duration = Duration::from_secs(2);
/// How long a starting engine waits for the lock of one that is stopping.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The version of the engine library, for `status`.
pub const ENGINE_VERSION: &str = dynoxide::PRODUCT_VERSION;

/// Runs the engine until it is told to stop. Its output is the log file.
pub async fn serve(options: &HostOptions, printer: &Printer) -> anyhow::Result<()> {
    // A session of its own: Ctrl-C in the terminal that ran `up`, or the
    // terminal closing, does not reach it. (Fails only for a session leader,
    // which is then detached already.)
    let _ = nix::unistd::setsid();
    let files = EngineFiles {
        dir: options.dir.clone(),
        data_dir: options
            .database
            .as_ref()
            .and_then(|d| d.parent().map(PathBuf::from))
            .unwrap_or_default(),
    };
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(files.lock())
        .with_context(|| format!("cannot open `{}`", files.lock().display()))?;
    let locked = poll_until(LOCK_WAIT, Duration::from_millis(20), || {
        let tried = match lock.try_lock() {
            Ok(()) => Ok(Some(())),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(err)) => {
                Err(err).with_context(|| format!("cannot lock `{}`", files.lock().display()))
            }
        };
        async move { tried }
    })
    .await?;
    anyhow::ensure!(
        locked.is_some(),
        "another embedded engine of this project is running (it holds `{}`)",
        files.lock().display()
    );
    // Whatever record is there belongs to an engine that is gone.
    let _ = std::fs::remove_file(files.record());
    let wanted = std::fs::read_to_string(files.ticket()).unwrap_or_default();
    if let Some(ticket) = &options.ticket
        && wanted.trim() != ticket
    {
        printer.info(
            "not started: another engine was started, or the engine stopped, while this one waited for the lock",
        );
        return Ok(());
    }

    let (db, database) = match &options.database {
        Some(path) => {
            let text = path.to_string_lossy();
            let db = dynoxide::Database::new(&text)
                .map_err(|err| anyhow::anyhow!("cannot open the database `{text}`: {err}"))?;
            (db, text.into_owned())
        }
        None => (
            dynoxide::Database::memory()
                .map_err(|err| anyhow::anyhow!("cannot make a database in memory: {err}"))?,
            "memory".to_string(),
        ),
    };
    let listener = tokio::net::TcpListener::bind((options.bind, options.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", options.bind, options.port))?;
    let port = listener.local_addr()?.port();
    let record = Record {
        pid: std::process::id(),
        process: process::own_identity().unwrap_or_default(),
        bind: options.bind,
        port,
        config: options.config.clone(),
        database,
    };
    // Written whole, then renamed: a reader never sees half a record.
    let partial = files.dir.join("engine.json.partial");
    std::fs::write(&partial, serde_json::to_string(&record)?)
        .with_context(|| format!("cannot write `{}`", partial.display()))?;
    std::fs::rename(&partial, files.record())
        .with_context(|| format!("cannot write `{}`", files.record().display()))?;
    printer.info(&format!(
        "devstack {} with dynoxide {ENGINE_VERSION}: listening on {} (pid {}, database {})",
        env!("CARGO_PKG_VERSION"),
        record.url(),
        record.pid,
        record.database
    ));

    let sweeper = tokio::spawn(sweep_expired(db.clone(), printer.clone()));
    let served = dynoxide::server::serve_with_shutdown(listener, db, stop_signal()).await;
    sweeper.abort();
    let _ = std::fs::remove_file(files.record());
    printer.info("stopped");
    drop(lock);
    served.map_err(|err| anyhow::anyhow!("the engine failed: {err}"))
}

/// Resolves on SIGTERM (what `down` sends) or SIGINT.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without handlers the process still ends on the signal, only not
        // gracefully; serving on is better than not serving.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Deletes items whose TTL attribute lies in the past, every few seconds,
/// as DynamoDB does (DynamoDB Local never does).
async fn sweep_expired(db: dynoxide::Database, printer: Printer) {
    loop {
        tokio::time::sleep(TTL_SWEEP).await;
        let db = db.clone();
        match tokio::task::spawn_blocking(move || db.sweep_ttl()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(deleted)) => printer.info(&format!("TTL: deleted {deleted} expired items")),
            Ok(Err(err)) => printer.info(&format!("TTL sweep failed: {err}")),
            Err(_) => return,
        }
    }
}
