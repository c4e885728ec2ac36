//! The running engine as one value: where it answers, and what was learned
//! when it was found or started (the engine's container, or the embedded
//! engine's record). Commands ask the handle for its URL, to watch the
//! engine while they work on its tables, and why their work failed when
//! the engine is the cause; they never branch on which engine it is.

use super::containers::{EngineContainer, EngineLost};
use super::embedded::Record;
use super::net::container_url;

/// The running engine of a project.
#[derive(Clone)]
pub struct EngineHandle {
    url: String,
    runs_as: RunsAs,
}

#[derive(Clone)]
enum RunsAs {
    Container(Box<EngineContainer>),
    Embedded(Record),
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

    /// The embedded engine that wrote `record`.
    pub(super) fn embedded(record: Record) -> EngineHandle {
        EngineHandle {
            url: record.url(),
            runs_as: RunsAs::Embedded(record),
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
            RunsAs::Embedded(record) => format!("pid {}", record.pid),
        }
    }

    /// Resolves once the engine stops being usable: its container stops, is
    /// paused or is removed; so that table work is cut short with the
    /// reason rather than waiting out its requests' deadlines. Never
    /// resolves for the embedded engine, or while the daemon does not
    /// answer (the tables need only the engine).
    pub async fn lost(&self) -> EngineLost {
        match &self.runs_as {
            RunsAs::Container(container) => container.lost().await,
            RunsAs::Embedded(_) => std::future::pending().await,
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
            RunsAs::Embedded(_) => err,
        }
    }
}

#[cfg(test)]
impl EngineHandle {
    /// An embedded engine's handle at 127.0.0.1:`port`, for tests.
    pub fn embedded_for_test(port: u16) -> EngineHandle {
        EngineHandle::embedded(Record {
            pid: 0,
            process: String::new(),
            bind: std::net::IpAddr::from([127, 0, 0, 1]),
            port,
            config: String::new(),
            database: "memory".to_string(),
        })
    }
}
