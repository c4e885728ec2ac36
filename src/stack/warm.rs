//! Warm engines: a container engine that outlives one `run --warm`, so
//! that later runs get a fresh set of tables on it in a fraction of a
//! second instead of paying the engine's start.
//!
//! Runs on one warm engine are kept apart by the engine itself, never by
//! table names: DynamoDB Local started without `-sharedDb` keeps one
//! database per access key and region, and MiniStack keeps its state per
//! account (a 12-digit access key) and region. Each run signs with an
//! access key of its own, and its command gets that key
//! (`AWS_ACCESS_KEY_ID`), so two runs never see each other's tables or
//! items, whatever names they use. (An app that signs with an access key
//! of its own instead of the environment's steps outside its run.)
//!
//! A warm engine is a devstack project of its own, `warm-ENGINE-HASH`: one
//! per engine, image and JVM options, per home. A run notes which one its
//! tables are on (`RunRecord::warm`), and a keeper process (the hidden
//! `keep-warm` command) removes the engine once no run has used it for
//! its idle time. `down` of a run deletes the run's tables; `gc` deletes
//! those of a run killed before it could, and removes a warm engine whose
//! keeper is gone; `down --warm` removes every warm engine no run uses.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::containers::{self, EngineContainer, STOP_GRACE};
use super::docker::{Docker, LABEL_PROJECT};
use super::net::container_url;
use super::{ServiceUp, TakenDown};
use crate::dirs::{BaseDirs, ProjectDirs};
use crate::dynamo::client::{self, Profile};
use crate::lock::ProjectLock;
use crate::manifest::{Manifest, PullPolicy, Warm};
use crate::output::Printer;
use crate::process::{Identity, Liveness};
use crate::runs::{self, RunState, WarmTables};
use crate::service::{ACCESS_KEY_ID, Engine};

/// How every warm engine's project name begins.
pub const PREFIX: &str = "warm-";
/// The hidden command that keeps a warm engine until it is idle.
pub const KEEPER_COMMAND: &str = "keep-warm";
/// In the warm engine's state folder: its idle time in seconds…
const IDLE: &str = "idle";
/// …a file written whenever a run begins or ends on it…
const USED: &str = "used";
/// …and its keeper process.
const KEEPER: &str = "keeper";
/// How often a keeper looks while runs use the engine.
const LOOK: Duration = Duration::from_secs(5);

/// Makes `manifest`'s throwaway stack a run's on a warm engine: the warm
/// engine of its engine, image and JVM options in this home, and an access
/// key of the run's own. Returns what to tell the user: the embedded
/// engine is never warmed (it starts in-process, in a tenth of a second),
/// and the admin UI is not started on a warm engine.
pub fn adopt(manifest: &mut Manifest, base: &BaseDirs, idle: Duration) -> Option<String> {
    let engine = manifest.project.engine;
    if engine == Engine::Embedded {
        return Some(
            "`--warm`: the embedded engine starts in-process, as fast as a warm one; it is started as usual"
                .to_string(),
        );
    }
    let name = engine_name(manifest, base);
    let project = &mut manifest.project;
    project.warm = Some(Warm { engine: name, idle });
    project.access_key = access_key(engine);
    if std::mem::take(&mut project.admin) {
        return Some(
            "`--warm`: the admin UI is not started on a warm engine (it would sign with another run's access key)"
                .to_string(),
        );
    }
    None
}

/// `warm-ENGINE-HASH`: the same for every run of this engine, image and
/// JVM options in this home (its state folder), another otherwise.
fn engine_name(manifest: &Manifest, base: &BaseDirs) -> String {
    let engine = manifest.project.engine;
    let overrides = manifest
        .services
        .get(&engine.service())
        .cloned()
        .unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [
        engine.to_string(),
        overrides.image.unwrap_or_default(),
        overrides.java_options.unwrap_or_default().join(" "),
        overrides.bind.map(|b| b.to_string()).unwrap_or_default(),
        base.state
            .as_deref()
            .map(|s| s.display().to_string())
            .unwrap_or_default(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let hex: String = hash.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{PREFIX}{engine}-{hex}")
}

/// An access key of the run's own, as the engine keeps state apart by:
/// letters and digits for DynamoDB Local, 12 digits (an account) for
/// MiniStack.
fn access_key(engine: Engine) -> String {
    match engine {
        Engine::Ministack => format!("{}", fastrand::u64(100_000_000_000..1_000_000_000_000)),
        _ => format!("run{:016x}", fastrand::u64(..)),
    }
}

/// The warm engine's own stack: the run's engine, image and JVM options,
/// no tables, in memory on a free port, one database per access key.
pub(super) fn engine_manifest(run: &Manifest, name: &str) -> Manifest {
    let mut manifest = run.clone();
    manifest.project.name = name.to_string();
    manifest.project.warm = None;
    manifest.project.warm_engine = true;
    manifest.project.admin = false;
    manifest.project.access_key = ACCESS_KEY_ID.to_string();
    manifest.tables.clear();
    manifest.env.clear();
    manifest.notes.clear();
    manifest.make_throwaway(None);
    manifest
}

/// Starts the run's warm engine, or finds it running, under its lock;
/// notes that it was used and makes sure its keeper runs.
pub(super) async fn up(
    run: &Manifest,
    run_dirs: &ProjectDirs,
    pull: PullPolicy,
    ready_timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<(EngineContainer, ServiceUp)> {
    let warm = run
        .project
        .warm
        .as_ref()
        .context("not a run on a warm engine")?;
    let manifest = engine_manifest(run, &warm.engine);
    let dirs = run_dirs.base().project(&warm.engine);
    let state = dirs
        .state
        .clone()
        .context("no state folder to note the warm engine in (set HOME)")?;
    let _lock = ProjectLock::take(&dirs, printer).await?;
    let (container, service, _) = containers::up(&manifest, pull, ready_timeout, printer).await?;
    std::fs::create_dir_all(&state)
        .with_context(|| format!("cannot create `{}`", state.display()))?;
    std::fs::write(state.join(IDLE), warm.idle.as_secs().to_string())?;
    mark_used(&dirs);
    if service.changed {
        printer.info(&format!(
            "started the warm engine `{}`: later `run --warm`s use it; removed once unused for {}",
            warm.engine,
            duration(warm.idle)
        ));
    }
    keep(&dirs, &state)?;
    Ok((container, service))
}

/// Notes that a run began or ended on the warm engine: its idle time
/// counts from here.
fn mark_used(dirs: &ProjectDirs) {
    if let Some(state) = &dirs.state {
        let _ = std::fs::write(state.join(USED), b"");
    }
}

/// Starts the warm engine's keeper unless it runs. Called under the warm
/// engine's lock, which the keeper also takes before it decides anything;
/// the keeper is noted here, before the lock is let go, so no second one
/// starts.
fn keep(dirs: &ProjectDirs, state: &Path) -> anyhow::Result<()> {
    if keeper(state).is_some_and(|k| k.judge() == Liveness::Alive) {
        return Ok(());
    }
    let program = std::env::current_exe().context("cannot find devstack's own executable")?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.join("keeper.log"))?;
    let mut command = std::process::Command::new(program);
    command
        .arg(KEEPER_COMMAND)
        .arg(&dirs.name)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DEVSTACK_") {
            command.env_remove(name);
        }
    }
    // Its own process group: a Ctrl-C meant for the run does not reach it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command
        .spawn()
        .context("cannot start the warm engine's keeper")?;
    let identity = Identity::of(child.id()).context("the warm engine's keeper ended at once")?;
    std::fs::write(state.join(KEEPER), identity.to_string())?;
    Ok(())
}

fn keeper(state: &Path) -> Option<Identity> {
    Identity::parse(std::fs::read_to_string(state.join(KEEPER)).ok()?.trim())
}

/// The runs that use (or may use) the warm engine `name`: going on,
/// kept on purpose, or where this process cannot tell.
fn users(base: &BaseDirs, name: &str) -> Vec<String> {
    base.runs_noted()
        .into_iter()
        .filter(|run| run.warm.as_ref().is_some_and(|w| w.engine == name))
        .filter(|run| !matches!(runs::judge(Some(run), None), RunState::Abandoned))
        .map(|run| run.project)
        .collect()
}

/// The keeper: until the warm engine `name` has gone unused for its idle
/// time, then removes it. Every decision is taken under the engine's lock,
/// so a run that starts meanwhile either finds the engine or starts it
/// again. Ends at once when another keeper was noted after it.
pub async fn keep_until_idle(base: &BaseDirs, name: &str, printer: &Printer) -> anyhow::Result<()> {
    let _ = nix::unistd::setsid();
    let dirs = base.project(name);
    let state = dirs.state.clone().context("no state folder (set HOME)")?;
    let me = Identity::own().context("cannot tell this process's start time")?;
    let mut wait = Duration::ZERO;
    loop {
        tokio::time::sleep(wait).await;
        let _lock = ProjectLock::take(&dirs, printer).await?;
        if keeper(&state).as_ref() != Some(&me) {
            return Ok(());
        }
        if !users(base, name).is_empty() {
            wait = LOOK;
            continue;
        }
        let idle = std::fs::read_to_string(state.join(IDLE))
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .map_or(Warm::DEFAULT_IDLE, Duration::from_secs);
        let since = std::fs::metadata(state.join(USED))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|at| SystemTime::now().duration_since(at).ok())
            .unwrap_or(idle);
        if since < idle {
            wait = (idle - since).max(Duration::from_millis(100));
            continue;
        }
        let done = remove_engine(&dirs).await?;
        printer.info(&format!(
            "removed the warm engine `{name}`, unused for {}: {}",
            duration(idle),
            done.lines().join(", ")
        ));
        return Ok(());
    }
}

/// Removes the warm engine's Docker objects and its folders, and stops
/// its keeper (unless that is this process). Called under its lock.
async fn remove_engine(dirs: &ProjectDirs) -> anyhow::Result<TakenDown> {
    if let Some(state) = &dirs.state
        && let Some(keeper) = keeper(state)
        && keeper.pid != std::process::id()
        && keeper.judge() == Liveness::Alive
        && let Ok(pid) = i32::try_from(keeper.pid)
    {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    let mut done = TakenDown::default();
    if let Some(docker) = Docker::connect_if_there().await {
        let removed = docker.remove_project(&dirs.name, STOP_GRACE, true).await?;
        done.containers = removed.containers;
        done.networks = removed.networks;
        done.volumes = removed.volumes;
    }
    for dir in [&dirs.state, &dirs.data].into_iter().flatten() {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(done)
}

/// This home's warm engines, by name.
pub fn engines(base: &BaseDirs) -> Vec<ProjectDirs> {
    base.projects_with_state()
        .into_iter()
        .filter(|dirs| dirs.name.starts_with(PREFIX))
        .filter(|dirs| state_file(dirs, IDLE).is_some_and(|f| f.exists()))
        .collect()
}

fn state_file(dirs: &ProjectDirs, name: &str) -> Option<PathBuf> {
    Some(dirs.state.as_ref()?.join(name))
}

/// What became of a warm engine that was to be removed.
pub enum Removal {
    Removed(TakenDown),
    /// Runs use it: left.
    InUse(Vec<String>),
    /// Its keeper runs and will remove it once it is idle: left.
    Kept,
}

/// Whether nothing would remove the warm engine `dirs`: no stack uses it
/// and its keeper is gone.
pub fn is_abandoned(dirs: &ProjectDirs) -> bool {
    users(dirs.base(), &dirs.name).is_empty() && !keeper_may_run(dirs)
}

/// Whether the warm engine's keeper may still run.
fn keeper_may_run(dirs: &ProjectDirs) -> bool {
    let state = dirs.state.as_deref();
    state
        .and_then(keeper)
        .is_some_and(|k| k.judge() != Liveness::Gone)
}

/// Removes the warm engine `dirs` unless a run uses it, and (with
/// `keeper_gone`, for `gc`) only when its keeper is gone too, so that
/// nothing else would remove it.
pub async fn remove(
    dirs: &ProjectDirs,
    keeper_gone: bool,
    printer: &Printer,
) -> anyhow::Result<Removal> {
    let _lock = ProjectLock::take(dirs, printer).await?;
    let using = users(dirs.base(), &dirs.name);
    if !using.is_empty() {
        return Ok(Removal::InUse(using));
    }
    if keeper_gone && keeper_may_run(dirs) {
        return Ok(Removal::Kept);
    }
    Ok(Removal::Removed(remove_engine(dirs).await?))
}

/// Deletes a warm run's tables (every table under its access key and
/// region on its warm engine) and notes the engine used. Nothing is left
/// to delete when the warm engine no longer runs: its tables went with it.
pub(super) async fn drop_tables(
    run_dirs: &ProjectDirs,
    tables: &WarmTables,
    engine: Engine,
) -> anyhow::Result<Vec<String>> {
    let dirs = run_dirs.base().project(&tables.engine);
    let Some(docker) = Docker::connect_if_there().await else {
        return Ok(Vec::new());
    };
    let service = engine.service();
    let name = super::containers::spec::container_name(&tables.engine, service);
    let found = docker.inspect_container(&name).await?;
    let Some(url) = found
        .filter(|c| c.labels.get(LABEL_PROJECT) == Some(&tables.engine))
        .and_then(|c| container_url(&c, service))
    else {
        return Ok(Vec::new());
    };
    let client =
        client::with_access_key(&url, &tables.region, &tables.access_key, Profile::Command);
    let mut names = Vec::new();
    let mut pages = client.list_tables().into_paginator().items().send();
    while let Some(name) = pages.next().await {
        names.push(name.with_context(|| format!("cannot list the run's tables at {url}"))?);
    }
    let deletes = names.iter().map(|table| {
        let (client, url) = (&client, &url);
        async move {
            match client.delete_table().table_name(table).send().await {
                Ok(_) => Ok(()),
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) =>
                {
                    Ok(())
                }
                Err(err) => Err(anyhow::Error::new(err)
                    .context(format!("cannot delete table `{table}` at {url}"))),
            }
        }
    });
    for result in futures_util::future::join_all(deletes).await {
        result?;
    }
    mark_used(&dirs);
    Ok(names)
}

/// `10 min`, `45 s`.
fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_gets_access_keys_it_keeps_apart() {
        let key = access_key(Engine::Ministack);
        assert_eq!(key.len(), 12, "{key}");
        assert!(key.chars().all(|c| c.is_ascii_digit()), "{key}");
        let key = access_key(Engine::DynamodbLocal);
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
        assert_ne!(access_key(Engine::DynamodbLocal), key);
    }

    #[test]
    fn a_warm_engine_is_one_per_engine_image_and_jvm_options() {
        let base = BaseDirs {
            state: Some(PathBuf::from("/home/a/.local/state/devstack")),
            ..BaseDirs::from_env()
        };
        let name = |text: &str| {
            let mut m = Manifest::for_test(text);
            m.make_throwaway(Some("1:2"));
            adopt(&mut m, &base, Warm::DEFAULT_IDLE);
            m.project.warm.map(|w| w.engine)
        };
        let ddb = name("[project]\nname = \"a\"\nengine = \"dynamodb-local\"\n");
        assert!(ddb.as_deref().unwrap().starts_with("warm-dynamodb-local-"));
        assert_eq!(
            ddb,
            name("[project]\nname = \"other\"\nengine = \"dynamodb-local\"\n"),
            "another project shares it"
        );
        assert_ne!(
            ddb,
            name(
                "[project]\nname = \"a\"\nengine = \"dynamodb-local\"\n[services.dynamodb-local]\njava_options = [\"-Xmx1g\"]\n"
            )
        );
        assert_ne!(
            ddb,
            name("[project]\nname = \"a\"\nengine = \"ministack\"\n")
        );
        assert_eq!(
            name("[project]\nname = \"a\"\nengine = \"embedded\"\n"),
            None,
            "never for the embedded engine"
        );
    }

    #[test]
    fn the_warm_engines_stack_has_no_tables_admin_ui_or_fixed_port() {
        let mut run = Manifest::for_test(
            "[project]\nname = \"a\"\nengine = \"dynamodb-local\"\nadmin = true\n[[table]]\nname = \"things\"\npartition_key = \"pk:S\"\n",
        );
        run.make_throwaway(Some("1:2"));
        let note = adopt(&mut run, &BaseDirs::from_env(), Warm::DEFAULT_IDLE);
        assert!(note.unwrap().contains("admin UI"));
        assert!(!run.project.admin);
        assert_ne!(run.project.access_key, ACCESS_KEY_ID);
        let engine = engine_manifest(&run, "warm-x");
        assert!(engine.tables.is_empty());
        assert!(engine.project.warm_engine && engine.project.owner.is_none());
        assert_eq!(engine.project.access_key, ACCESS_KEY_ID);
        assert_eq!(
            engine.services[&engine.project.engine.service()].port,
            Some(0)
        );
    }
}
