//! Readiness: a service is ready when it does its job, not when its port
//! opens. Polls often under one deadline, and notices at once when the
//! container dies.

use std::time::{Duration, Instant};

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::stack::docker::Docker;

/// How often readiness is checked.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
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
                let client = crate::dynamo::client::client(endpoint, region, PROBE_TIMEOUT, 1);
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

/// Why a service did not become ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error(
        "`{service}` exited before it was ready (exit code {code}{oom})\n--- last log lines of `{container}` ---\n{logs}"
    )]
    Exited {
        service: String,
        container: String,
        code: i64,
        oom: &'static str,
        logs: String,
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
}

/// Waits until every probe passes, or the container stops, or the deadline passes.
pub async fn wait_ready(
    docker: &Docker,
    service: &str,
    container: &str,
    probes: &[Probe],
    timeout: Duration,
) -> Result<Duration, NotReady> {
    let started = Instant::now();
    let mut last = "not checked yet".to_string();
    loop {
        let mut all_passed = true;
        for probe in probes {
            if let Err(err) = probe.check().await {
                last = format!("{}: {err}", probe.describe());
                all_passed = false;
                break;
            }
        }
        if all_passed {
            return Ok(started.elapsed());
        }
        let state = docker.inspect_container(container).await.ok().flatten();
        if let Some(state) = &state
            && state.status == "paused"
        {
            return Err(NotReady::Paused {
                service: service.to_string(),
                container: container.to_string(),
            });
        }
        if let Some(state) = state
            && !state.is_running()
            && state.status != "created"
        {
            return Err(NotReady::Exited {
                service: service.to_string(),
                container: container.to_string(),
                code: state.exit_code.unwrap_or(-1),
                oom: if state.oom_killed {
                    ", killed: out of memory"
                } else {
                    ""
                },
                logs: docker
                    .tail_logs(container, LOG_TAIL)
                    .await
                    .trim_end()
                    .to_string(),
            });
        }
        if started.elapsed() >= timeout {
            return Err(NotReady::Timeout {
                service: service.to_string(),
                container: container.to_string(),
                secs: timeout.as_secs(),
                tried: probes
                    .iter()
                    .map(Probe::describe)
                    .collect::<Vec<_>>()
                    .join(", then "),
                last,
                logs: docker
                    .tail_logs(container, LOG_TAIL)
                    .await
                    .trim_end()
                    .to_string(),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
