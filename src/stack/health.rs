//! Readiness: a service is ready when it does its job, not when its port
//! opens. Polls often under one deadline, and notices at once when the
//! container dies.

use std::fmt;
use std::time::{Duration, Instant};

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::docker::{ContainerState, ContainerStatus, DaemonLost, Docker};
use crate::service::ServiceKind;

/// How often readiness is checked: a probe of a service that is not up yet
/// fails in well under a millisecond (the connection is refused), so often
/// costs nothing and saves up to a poll of waiting.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// How often the container is looked at meanwhile (has it stopped?): an
/// inspection asks the daemon, so less often.
const WATCH_INTERVAL: Duration = Duration::from_millis(250);
/// How long one probe attempt may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Log lines shown when a service does not come up.
pub const LOG_TAIL: usize = 20;

/// One check that a service is usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A signed `ListTables` answers.
    ListTables { endpoint: String, region: String },
    /// `GET url` answers 200.
    Http { url: String },
}

impl Probe {
    pub fn describe(&self) -> String {
        match self {
            Probe::ListTables { endpoint, .. } => format!("a signed ListTables at {endpoint}"),
            Probe::Http { url } => format!("GET {url} answering 200"),
        }
    }

    /// One attempt; `Err` says what went wrong.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Probe::ListTables { endpoint, region } => {
                let client = crate::dynamo::client::client(
                    endpoint,
                    region,
                    crate::dynamo::client::Profile::Probe,
                );
                client
                    .list_tables()
                    .limit(1)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|err| crate::dynamo::client::describe_error(&err))
            }
            Probe::Http { url } => http_status(url).await.and_then(|status| {
                if status == 200 {
                    Ok(())
                } else {
                    Err(format!("status {status}"))
                }
            }),
        }
    }
}

/// The status code of `GET url`.
pub async fn http_status(url: &str) -> Result<u16, String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|err| format!("bad URL `{url}`: {err}"))?;
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    match tokio::time::timeout(PROBE_TIMEOUT, client.get(uri)).await {
        Ok(Ok(response)) => Ok(response.status().as_u16()),
        Ok(Err(err)) => Err(if err.is_connect() {
            "connection refused".to_string()
        } else {
            err.to_string()
        }),
        Err(_) => Err("no answer".to_string()),
    }
}

/// What a service's health check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Every probe passed.
    Ready,
    /// A probe failed; what it said.
    NotReady(String),
    /// Not running, so not checked.
    NotRunning,
}

impl Health {
    /// Runs the probes in order; the first failure decides.
    pub async fn check(probes: &[Probe]) -> Health {
        match failing(probes).await {
            None => Health::Ready,
            Some((_, err)) => Health::NotReady(err),
        }
    }

    pub fn is_ready(&self) -> bool {
        *self == Health::Ready
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Health::Ready => f.write_str("ready"),
            Health::NotReady(why) => write!(f, "not ready: {why}"),
            Health::NotRunning => f.write_str("-"),
        }
    }
}

impl serde::Serialize for Health {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a service did not become ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error(
        "`{service}` exited before it was ready ({exit})\n--- last log lines of `{container}` ---\n{logs}",
        logs = .exit.logs
    )]
    Exited {
        service: String,
        container: String,
        exit: Exit,
    },
    #[error(
        "`{service}` is paused, so it cannot answer\n  hint: `docker unpause {container}`, or run `devstack up` again, which resumes it"
    )]
    Paused { service: String, container: String },
    #[error(
        "`{service}` was not ready after {secs} s: {last}\n  tried: {tried}\n--- last log lines of `{container}` ---\n{logs}"
    )]
    Timeout {
        service: String,
        container: String,
        secs: u64,
        tried: String,
        last: String,
        logs: String,
    },
    #[error(
        "`{service}`: its container `{container}` was removed while devstack waited for it\n  hint: run `devstack up` again"
    )]
    Gone { service: String, container: String },
    #[error("`{service}`: while devstack waited for `{container}`, {why}")]
    Unwatched {
        service: String,
        container: String,
        why: String,
    },
    /// An endpoint devstack did not start never answered.
    #[error("{tried} did not succeed within {secs} s: {last}")]
    Unanswered {
        tried: String,
        secs: u64,
        last: String,
    },
}

impl NotReady {
    /// The one way to say that a container stopped before it was ready:
    /// its exit code, whether it ran out of memory, and its last log lines.
    pub async fn exited(
        docker: &Docker,
        service: &str,
        container: &str,
        state: &ContainerState,
    ) -> NotReady {
        NotReady::Exited {
            service: service.to_string(),
            container: container.to_string(),
            exit: Exit::read(docker, container, state).await,
        }
    }
}

/// How a container ended: its exit code, whether the kernel killed it for
/// memory, and its last log lines. Shows as "exit code 137, killed: out of
/// memory"; the logs are for the message to place.
#[derive(Debug)]
pub struct Exit {
    pub code: i64,
    pub oom_killed: bool,
    pub logs: String,
}

impl Exit {
    pub async fn read(docker: &Docker, container: &str, state: &ContainerState) -> Exit {
        Exit {
            code: state.exit_code.unwrap_or(-1),
            oom_killed: state.oom_killed,
            logs: last_lines(docker, container).await,
        }
    }
}

async fn last_lines(docker: &Docker, container: &str) -> String {
    docker
        .tail_logs(container, LOG_TAIL)
        .await
        .trim_end()
        .to_string()
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit code {}", self.code)?;
        if self.oom_killed {
            f.write_str(", killed: out of memory")?;
        }
        Ok(())
    }
}

/// What else to watch while waiting, so a service that cannot come up any
/// more is reported at once rather than at the deadline.
#[derive(Clone, Copy)]
pub enum Watch<'a> {
    /// An endpoint devstack did not start: only its answers count.
    Nothing,
    /// A container, by name so messages name what the user can look at.
    Container { docker: &'a Docker, name: &'a str },
}

/// Waits until every probe passes, or the watched container stops or is
/// paused, or the deadline passes. Returns how long it took.
pub async fn wait_ready(
    service: &str,
    probes: &[Probe],
    timeout: Duration,
    watch: Watch<'_>,
) -> Result<Duration, NotReady> {
    let started = Instant::now();
    let tried = || {
        probes
            .iter()
            .map(Probe::describe)
            .collect::<Vec<_>>()
            .join(", then ")
    };
    let mut watched: Option<Instant> = None;
    loop {
        let (probe, err) = match failing(probes).await {
            None => return Ok(started.elapsed()),
            Some(failed) => failed,
        };
        let due =
            watched.is_none_or(|at| at.elapsed() >= WATCH_INTERVAL) || started.elapsed() >= timeout;
        if due && let Watch::Container { docker, name } = watch {
            watched = Some(Instant::now());
            let state = match docker.inspect_container(name).await {
                Ok(Some(state)) => state,
                Ok(None) => {
                    return Err(NotReady::Gone {
                        service: service.to_string(),
                        container: name.to_string(),
                    });
                }
                Err(err) => {
                    return Err(NotReady::Unwatched {
                        service: service.to_string(),
                        container: name.to_string(),
                        why: match err.downcast_ref::<DaemonLost>() {
                            Some(lost) => lost.to_string(),
                            None => format!(
                                "Docker failed: {err:#}\n  hint: check the daemon (`docker info`), then run `devstack up` again"
                            ),
                        },
                    });
                }
            };
            match state.status {
                ContainerStatus::Paused => {
                    return Err(NotReady::Paused {
                        service: service.to_string(),
                        container: name.to_string(),
                    });
                }
                ContainerStatus::Running | ContainerStatus::Created => {}
                _ => return Err(NotReady::exited(docker, service, name, &state).await),
            }
        }
        if started.elapsed() >= timeout {
            let secs = timeout.as_secs();
            return Err(match watch {
                Watch::Nothing => NotReady::Unanswered {
                    tried: tried(),
                    secs,
                    last: err,
                },
                Watch::Container { docker, name } => NotReady::Timeout {
                    service: service.to_string(),
                    container: name.to_string(),
                    secs,
                    tried: tried(),
                    last: format!("{}: {err}", probe.describe()),
                    logs: last_lines(docker, name).await,
                },
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The checks that say `service` at `url` is usable.
pub fn readiness(service: ServiceKind, url: &str, region: &str) -> Vec<Probe> {
    let list_tables = Probe::ListTables {
        endpoint: url.to_string(),
        region: region.to_string(),
    };
    match service {
        ServiceKind::DynamodbLocal | ServiceKind::Embedded => vec![list_tables],
        ServiceKind::Ministack => vec![
            Probe::Http {
                url: format!("{url}/_ministack/health"),
            },
            list_tables,
        ],
        ServiceKind::DynamodbAdmin => vec![Probe::Http {
            url: format!("{url}/"),
        }],
    }
}

/// The first probe that fails, with what it said; `None` when all pass.
async fn failing(probes: &[Probe]) -> Option<(&Probe, String)> {
    for probe in probes {
        if let Err(err) = probe.check().await {
            return Some((probe, err));
        }
    }
    None
}
