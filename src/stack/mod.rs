//! The project's services, behind one door. Commands ask this module to
//! bring a project's stack up, for a handle to its running engine, to take
//! it down, for its logs, and what runs (`status`, `ls`); it decides once
//! which engine that is and asks the part that runs it:
//!
//! - `containers/`: engines and the admin UI as Docker containers (what
//!   each should look like, what to do about it, the orchestration), over
//!   `docker/`, the only Docker client;
//! - `embedded/`: the engine devstack hosts itself, without Docker;
//! - `handle`: the running engine as one value; `health`: readiness;
//!   `report`: what runs, for `status` and `ls`.
//!
//! A new way to run an engine (another process, a remote one) is one more
//! module beside `containers/` and `embedded/`, and a branch in each
//! function here.

pub mod containers;
pub mod docker;
pub mod embedded;
mod handle;
pub mod health;
mod net;
mod ports;
mod report;
pub mod warm;

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;

use crate::dirs::ProjectDirs;
use crate::error::UsageError;
use crate::manifest::{Manifest, PullPolicy};
use crate::output::Printer;
use crate::service::{Engine, ServiceKind};
use containers::Companions;
use docker::Docker;
use embedded::{EngineFiles, Found};

pub use docker::ContainerSpec;
pub use embedded::HostOptions;
pub use handle::{EngineHandle, EngineLost};
pub use net::{PortBusy, PortHolder, host_url, network_url};
pub use ports::holder as port_holder;
pub use report::{ProjectState, ServiceState, projects, services};

/// A service `up` brought to the manifest.
#[derive(Debug, Clone)]
pub struct ServiceUp {
    pub service: ServiceKind,
    /// How this machine reaches it, e.g. `http://127.0.0.1:4566`.
    pub url: String,
    /// Whether `up` changed anything about it.
    pub changed: bool,
}

/// The stack `up` brings to the manifest: the engine, usable, first; the
/// other services (the admin UI) once [`RunningStack::start_companions`]
/// is called, after the tables are made, so they never hold the tables up.
/// Dropped before (the tables failed), it starts none of them.
pub struct RunningStack {
    pub engine: EngineHandle,
    /// Every service started so far, the engine first.
    pub services: Vec<ServiceUp>,
    /// Whether anything was made, started or changed.
    pub changed: bool,
    companions: Option<Companions>,
}

impl RunningStack {
    /// Starts the other services and waits until they are usable too. Cut
    /// short (Ctrl-C), it stops where it is.
    pub async fn start_companions(&mut self) -> anyhow::Result<()> {
        if let Some(companions) = self.companions.take() {
            let started = companions.start().await?;
            self.changed |= started.iter().any(|s| s.changed);
            self.services.extend(started);
        }
        Ok(())
    }
}

/// Brings the project's engine to the manifest (keep, start, restart or
/// create it) and waits until it is usable. The project's stack on another
/// engine (brought up with another `--engine`, or before the manifest's
/// engine changed) is left running, and said so: `up` never removes an
/// engine, as compose never removes an orphan unasked; `down` removes
/// every engine of the project. The other services start in
/// [`RunningStack::start_companions`]. A port it needs that another
/// devstack project holds is named as that project's.
pub async fn up(
    manifest: &Manifest,
    pull: PullPolicy,
    ready_timeout: Duration,
    project: &ProjectDirs,
    printer: &Printer,
) -> anyhow::Result<RunningStack> {
    match up_engine(manifest, pull, ready_timeout, project, printer).await {
        Err(err) => Err(name_port_holder(err, project).await),
        up => up,
    }
}

/// A taken port whose holder the engine's own check could not name (the
/// embedded engine's asks no Docker, and neither knows the embedded
/// engines of other projects), named when it is a devstack project's.
async fn name_port_holder(err: anyhow::Error, project: &ProjectDirs) -> anyhow::Error {
    match err.downcast::<PortBusy>() {
        Ok(busy) if busy.holder == PortHolder::Unknown => {
            let docker = Docker::connect_if_there().await;
            PortBusy {
                holder: ports::holder(busy.port, docker.as_ref(), Some(project)).await,
                ..busy
            }
            .into()
        }
        Ok(busy) => busy.into(),
        Err(err) => err,
    }
}

async fn up_engine(
    manifest: &Manifest,
    pull: PullPolicy,
    ready_timeout: Duration,
    project: &ProjectDirs,
    printer: &Printer,
) -> anyhow::Result<RunningStack> {
    let name = &manifest.project.name;
    let engine = manifest.project.engine;
    let (handle, service, companions) = if manifest.project.warm.is_some() {
        let (container, service) =
            warm::up(manifest, project, pull, ready_timeout, printer).await?;
        let handle = EngineHandle::container_at(container, service.url.clone());
        (handle, service, None)
    } else if engine == Engine::Embedded {
        let files = EngineFiles::of(project)?;
        // Looked for while the engine starts: what runs there is only said.
        let (others, started) = tokio::join!(
            containers::running_engines(name),
            embedded::up(manifest, &files, ready_timeout, printer)
        );
        let (record, changed) = started?;
        for (other, container) in others? {
            let what = format!("container `{container}`");
            printer.info(&left_running(name, other, &what));
        }
        let handle = EngineHandle::embedded(record, Some(files.log()));
        let service = ServiceUp {
            service: ServiceKind::Embedded,
            url: handle.url().to_string(),
            changed,
        };
        (handle, service, None)
    } else {
        if let Found::Running(record) = embedded::find_in(project)? {
            let what = format!("pid {}, {}", record.pid, record.url());
            printer.info(&left_running(name, Engine::Embedded, &what));
        }
        let (container, service, companions) =
            containers::up(manifest, pull, ready_timeout, printer).await?;
        let handle = EngineHandle::container_at(container, service.url.clone());
        (handle, service, Some(companions))
    };
    Ok(RunningStack {
        engine: handle,
        changed: service.changed,
        services: vec![service],
        companions,
    })
}

/// The line that says the project's stack on `engine` is left running.
fn left_running(project: &str, engine: Engine, what: &str) -> String {
    format!(
        "left running: `{engine}` of project `{project}` ({what}); `--engine {engine}` reaches it, `devstack down` removes every engine of the project"
    )
}

/// The project's running engine, or an error that says to run `up`.
pub async fn engine(manifest: &Manifest, project: &ProjectDirs) -> anyhow::Result<EngineHandle> {
    let engine = manifest.project.engine;
    let name = &manifest.project.name;
    if let Some(warm) = &manifest.project.warm {
        let on = warm::engine_manifest(manifest, &warm.engine);
        return match containers::find_engine(&on)
            .await?
            .and_then(EngineHandle::container)
        {
            Some(handle) => Ok(handle),
            None => anyhow::bail!(
                "the warm engine `{}` that run `{name}` used is not running; its tables went with it",
                warm.engine
            ),
        };
    }
    // It runs whatever the manifest says now, if `up` had `--engine embedded`.
    let embedded = match embedded::find_in(project)? {
        Found::Running(record) => Some(record),
        _ => None,
    };
    if engine == Engine::Embedded {
        if let Some(record) = embedded {
            let log = EngineFiles::of(project).ok().map(|files| files.log());
            return Ok(EngineHandle::embedded(record, log));
        }
        let others = containers::running_engines(name).await.unwrap_or_default();
        if let Some((other, _)) = others.into_iter().next() {
            anyhow::bail!(
                "the embedded engine of project `{name}` is not running, but its `{other}` is\n  hint: pass `--engine {other}` (or set `DEVSTACK_ENGINE={other}`) to use it"
            );
        }
        anyhow::bail!(
            "the embedded engine of project `{name}` is not running\n  hint: start it with `devstack up`"
        );
    }
    let container = containers::find_engine(manifest).await?;
    match (container.and_then(EngineHandle::container), embedded) {
        (Some(handle), _) => Ok(handle),
        (None, Some(_)) => anyhow::bail!(
            "`{engine}` of project `{name}` is not running, but its embedded engine is\n  hint: pass `--engine embedded` (or set `DEVSTACK_ENGINE=embedded`) to use it"
        ),
        (None, None) => anyhow::bail!(
            "`{engine}` of project `{name}` is not running\n  hint: start it with `devstack up`"
        ),
    }
}

/// What [`down`] stopped and removed.
#[derive(Debug, Default)]
pub struct TakenDown {
    /// The embedded engine it stopped: its pid and URL.
    pub engine: Option<(u32, String)>,
    /// The embedded engine's database file it deleted.
    pub database: Option<PathBuf>,
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// A warm run's tables it deleted, and the warm engine they were on.
    pub warm_tables: Option<(String, Vec<String>)>,
}

impl TakenDown {
    /// What was done, a line each.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some((pid, url)) = &self.engine {
            lines.push(format!("stopped the embedded engine (pid {pid}, {url})"));
        }
        if let Some(database) = &self.database {
            lines.push(format!("removed the database `{}`", database.display()));
        }
        if let Some((engine, tables)) = &self.warm_tables {
            lines.extend(
                tables
                    .iter()
                    .map(|table| format!("deleted table `{table}` on the warm engine `{engine}`")),
            );
        }
        for (what, names) in [
            ("container", &self.containers),
            ("network", &self.networks),
            ("volume", &self.volumes),
        ] {
            lines.extend(names.iter().map(|name| format!("removed {what} `{name}`")));
        }
        lines
    }

    /// How many Docker objects were removed.
    pub fn docker_objects(&self) -> usize {
        self.containers.len() + self.networks.len() + self.volumes.len()
    }
}

/// Stops and removes every service of the project, whichever engine runs
/// it: its containers and network (volumes with `volumes`) and its embedded
/// engine (its database file with `volumes`). `engine` is the one the
/// manifest names: Docker must answer for a container engine, the engine's
/// folders must be known for the embedded one; with none (a project found
/// left behind), each is taken down where it can be. Takes the project's
/// lock.
pub async fn down(
    project: &ProjectDirs,
    engine: Option<Engine>,
    volumes: bool,
    printer: &Printer,
) -> anyhow::Result<TakenDown> {
    let _lock = crate::lock::ProjectLock::take(project, printer).await?;
    let mut done = TakenDown::default();
    // A warm run's stack is its tables on the warm engine, and nothing else.
    if let Some(run) = project.run()
        && let Some(tables) = &run.warm
        && let Some(engine) = Engine::from_name(&run.engine)
    {
        let deleted = warm::drop_tables(project, tables, engine).await?;
        done.warm_tables = Some((tables.engine.clone(), deleted));
        return Ok(done);
    }
    match EngineFiles::of(project) {
        Ok(files) => {
            if let Some(record) = embedded::stop(&files).await? {
                done.engine = Some((record.pid, record.url()));
            }
            if volumes {
                done.database = embedded::remove_database(&files)?;
            }
        }
        Err(err) if engine == Some(Engine::Embedded) => {
            return Err(UsageError(err.to_string()).into());
        }
        Err(_) => {}
    }
    // With the embedded engine (named by the manifest, or found running),
    // Docker only matters if it answers: an earlier run may have used a
    // container.
    let docker = match engine {
        Some(engine) if engine != Engine::Embedded => match Docker::connect().await {
            Ok(docker) => Some(docker),
            Err(err) if done.engine.is_some() || done.database.is_some() => {
                printer.info(&format!(
                    "no containers were looked for: {}",
                    err.to_string().lines().next().unwrap_or_default()
                ));
                None
            }
            Err(err) => return Err(err.into()),
        },
        _ => Docker::connect_if_there().await,
    };
    if let Some(docker) = &docker {
        let removed = docker
            .remove_project(&project.name, containers::STOP_GRACE, volumes)
            .await?;
        done.containers = removed.containers;
        done.networks = removed.networks;
        done.volumes = removed.volumes;
    }
    Ok(done)
}

/// What `down` without `--volumes` keeps of a persistent `engine`.
pub fn kept_data(engine: Engine) -> &'static str {
    match engine {
        Engine::Embedded => "kept the database file; `devstack down --volumes` deletes it",
        _ => "kept the data volumes; `devstack down --volumes` deletes them",
    }
}

/// One line a service printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub service: ServiceKind,
    pub text: String,
}

/// The output of the project's services (`service`'s, or every one's),
/// a line at a time to `emit`: the last `tail` lines of each (all without
/// a number), and with `follow` each new line as it comes.
pub async fn logs(
    manifest: &Manifest,
    project: &ProjectDirs,
    service: Option<ServiceKind>,
    tail: Option<usize>,
    follow: bool,
    printer: &Printer,
    mut emit: impl FnMut(LogLine) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if manifest.project.engine == Engine::Embedded {
        // The embedded engine is the only service: its log file.
        let files = EngineFiles::of(project)?;
        return embedded::read_log(&files, tail, follow, |text| {
            emit(LogLine {
                service: ServiceKind::Embedded,
                text: text.to_string(),
            })
        })
        .await;
    }
    let on;
    let manifest = match &manifest.project.warm {
        Some(warm) => {
            on = warm::engine_manifest(manifest, &warm.engine);
            &on
        }
        None => manifest,
    };
    let mut lines = containers::logs(manifest, service, tail, follow, printer).await?;
    while let Some(line) = lines.next().await {
        emit(line?)?;
    }
    Ok(())
}

/// Hosts the embedded engine until it is told to stop: the process `up`
/// starts (the hidden `serve-engine` subcommand).
pub async fn serve_engine(options: &HostOptions, printer: &Printer) -> anyhow::Result<()> {
    #[cfg(feature = "embedded")]
    return embedded::host::serve(options, printer).await;
    #[cfg(not(feature = "embedded"))]
    {
        let _ = (options, printer);
        Err(embedded::NotBuiltIn.into())
    }
}

/// The project's containers that a container on the project network
/// reaches by the name `host` (their name or alias); pure.
pub fn containers_named(manifest: &Manifest, host: &str) -> Vec<ContainerSpec> {
    manifest
        .containers()
        .into_iter()
        .filter_map(|service| containers::spec::container_spec(manifest, service))
        .filter(|spec| spec.name == host || spec.aliases.iter().any(|a| a == host))
        .collect()
}

/// Where `port` of the first of `named` that runs as a container of the
/// project is reached, from what Docker reports: its address on the
/// project network, or the host port it is published on.
pub async fn container_address(
    named: &[ContainerSpec],
    manifest: &Manifest,
    port: u16,
) -> Option<std::net::SocketAddr> {
    containers::address_of(named, &manifest.project.name, port).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_down_did_reads_a_line_each_engine_first() {
        let done = TakenDown {
            engine: Some((42, "http://127.0.0.1:8000".into())),
            database: Some(PathBuf::from("/data/embedded.sqlite")),
            containers: vec!["devstack-demo-ministack".into()],
            networks: vec!["devstack-demo".into()],
            volumes: vec!["devstack-demo-ministack-data".into()],
            warm_tables: None,
        };
        assert_eq!(
            done.lines(),
            [
                "stopped the embedded engine (pid 42, http://127.0.0.1:8000)",
                "removed the database `/data/embedded.sqlite`",
                "removed container `devstack-demo-ministack`",
                "removed network `devstack-demo`",
                "removed volume `devstack-demo-ministack-data`",
            ]
        );
        assert_eq!(done.docker_objects(), 3);
        assert!(TakenDown::default().lines().is_empty());
    }

    #[test]
    fn containers_are_named_by_their_name_or_alias_and_nothing_else() {
        let m = Manifest::for_test(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\nadmin = true\n",
        );
        let named = |host: &str| -> Vec<String> {
            containers_named(&m, host)
                .into_iter()
                .map(|spec| spec.name)
                .collect()
        };
        assert_eq!(named("aws-local"), ["devstack-demo-ministack"]);
        assert_eq!(named("dynamodb-admin"), ["devstack-demo-dynamodb-admin"]);
        assert!(named("dynamodb-local").is_empty());
        let embedded = Manifest::for_test("[project]\nname = \"demo\"\nengine = \"embedded\"\n");
        assert!(containers_named(&embedded, "devstack-demo-embedded").is_empty());
    }
}
