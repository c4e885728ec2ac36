//! The running engine as one value: where it answers, and what was learned
//! when it was found or started (the engine's container, or the embedded
//! engine's record). Commands ask the handle for its URL, to watch the
//! engine while they work on its tables, and why their work failed when
//! the engine is the cause; they never branch on which engine it is.

use std::path::PathBuf;
use std::time::Duration;

use super::containers::EngineContainer;
use super::embedded::{self, Record};
use super::health;
use super::net::container_url;
use crate::process::{self, Liveness};

/// How often the engine is looked at while devstack works on its tables.
pub(super) const ENGINE_WATCH: Duration = Duration::from_millis(500);

/// The engine stopped being usable while devstack worked on its tables.
#[derive(Debug, thiserror::Error)]
pub enum EngineLost {
    #[error(
        "`{service}` stopped while devstack worked on the tables (its container `{container}` ended: {exit})\n  hint: run `devstack up` again: it starts the container and finishes the tables\n--- last log lines of `{container}` ---\n{logs}",
        logs = .exit.logs
    )]
    Exited {
        service: String,
        container: String,
        exit: health::Exit,
    },
    #[error(
        "`{service}` was paused while devstack worked on the tables, so it cannot answer\n  hint: run `devstack up` again: it resumes the container and finishes the tables (or `docker unpause {container}`)"
    )]
    Paused { service: String, container: String },
    #[error(
        "`{service}`: its container `{container}` was removed while devstack worked on the tables\n  hint: run `devstack up` again"
    )]
    Gone { service: String, container: String },
    #[error(
        "the embedded engine (pid {pid}) ended while devstack worked on the tables\n  hint: run `devstack up` again: it starts the engine and finishes the tables\n--- last lines of its log `{log}` ---\n{lines}"
    )]
    EmbeddedEnded {
        pid: u32,
        log: String,
        lines: String,
    },
    #[error(
        "the embedded engine (pid {pid}) was stopped (SIGSTOP) while devstack worked on the tables, so it cannot answer\n  hint: `kill -CONT {pid}` resumes it; then run `devstack up` again to finish the tables"
    )]
    EmbeddedStopped { pid: u32 },
}

/// The running engine of a project.
#[derive(Clone)]
pub struct EngineHandle {
    url: String,
    runs_as: RunsAs,
}

#[derive(Clone)]
enum RunsAs {
    Container(Box<EngineContainer>),
    Embedded {
        record: Record,
        /// Its log, quoted when it ends.
        log: Option<PathBuf>,
    },
}

impl EngineHandle {
    /// The engine in a container that runs and publishes its port; `None`
    /// when it does not.
    pub(super) fn container(container: EngineContainer) -> Option<EngineHandle> {
        let url = container_url(&container.state, container.spec.service)?;
        Some(EngineHandle::container_at(container, url))
    }

    /// The engine in a container that answers at `url`.
    pub(super) fn container_at(container: EngineContainer, url: String) -> EngineHandle {
        EngineHandle {
            url,
            runs_as: RunsAs::Container(Box::new(container)),
        }
    }

    /// The embedded engine that wrote `record`, logging to `log`.
    pub(super) fn embedded(record: Record, log: Option<PathBuf>) -> EngineHandle {
        EngineHandle {
            url: record.url(),
            runs_as: RunsAs::Embedded { record, log },
        }
    }

    /// How this machine reaches the engine, e.g. `http://127.0.0.1:4566`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What runs it: the container's name, or the engine's pid.
    pub fn instance(&self) -> String {
        match &self.runs_as {
            RunsAs::Container(container) => container.spec.name.clone(),
            RunsAs::Embedded { record, .. } => format!("pid {}", record.pid),
        }
    }

    /// Resolves once the engine stops being usable: its container stops, is
    /// paused or is removed, or the embedded engine's process ends or is
    /// stopped; so that table work is cut short with the reason rather than
    /// waiting out its requests' deadlines. Never while the Docker daemon
    /// does not answer (the tables need only the engine).
    pub async fn lost(&self) -> EngineLost {
        match &self.runs_as {
            RunsAs::Container(container) => container.lost().await,
            RunsAs::Embedded { record, log } => loop {
                tokio::time::sleep(ENGINE_WATCH).await;
                if let Some(lost) = embedded_lost(record, log.as_deref()) {
                    return lost;
                }
            },
        }
    }

    /// Why table work failed, when the engine is the cause: its container
    /// stopped, was paused or removed, or its data volume is full or not
    /// writable (DynamoDB Local answers a full disk by leaving every item
    /// unprocessed, which by itself says nothing). `err` comes back under
    /// the cause, or alone when there is none to tell.
    pub async fn with_cause(&self, err: anyhow::Error) -> anyhow::Error {
        match &self.runs_as {
            RunsAs::Container(container) => container.with_cause(err).await,
            RunsAs::Embedded { record, log } => match embedded_lost(record, log.as_deref()) {
                Some(lost) => err.context(lost),
                None => err,
            },
        }
    }
}

/// Whether the embedded engine's process has ended or is stopped. One that
/// runs where this process cannot see it (another PID namespace) is not
/// judged.
fn embedded_lost(record: &Record, log: Option<&std::path::Path>) -> Option<EngineLost> {
    match record.liveness() {
        Liveness::Gone => Some(EngineLost::EmbeddedEnded {
            pid: record.pid,
            log: log.map(|l| l.display().to_string()).unwrap_or_default(),
            lines: log.map(|l| embedded::tail(l, 0, 20)).unwrap_or_default(),
        }),
        Liveness::Alive if process::is_stopped(record.pid) => {
            Some(EngineLost::EmbeddedStopped { pid: record.pid })
        }
        Liveness::Alive | Liveness::CannotTell(_) => None,
    }
}

#[cfg(test)]
impl EngineHandle {
    /// An embedded engine's handle at 127.0.0.1:`port`, for tests.
    pub fn embedded_for_test(port: u16) -> EngineHandle {
        EngineHandle::embedded(
            Record {
                pid: 0,
                process: String::new(),
                bind: std::net::IpAddr::from([127, 0, 0, 1]),
                port,
                config: String::new(),
                database: "memory".to_string(),
            },
            None,
        )
    }
}
