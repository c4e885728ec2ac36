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
//! per engine, image, JVM options and region, per home. A run notes which one its
//! tables are on (`RunRecord::warm`), and a keeper process (the hidden
//! `keep-warm` command) removes the engine once no run has used it for
//! its idle time. `down` of a run deletes the run's tables; `gc` deletes
//! those of a run killed before it could, and removes a warm engine whose
//! keeper is gone; `down --warm` removes every warm engine no run uses.
//! When a run's stack goes, a devstack process (the hidden `prepare-warm`
//! command) makes and seeds the next run's tables ahead under a fresh key,
//! for the same manifest ([`fingerprint`]); the next run claims them.

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
use crate::process::{Elsewhere, Identity, Liveness};
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
/// In the warm engine's state folder: tables made ahead for the next run,
/// a folder per manifest ([`fingerprint`]) holding a file per access key,
/// `.making-KEY` (naming its maker) while they are made.
const SPARES: &str = "spares";
const MAKING: &str = ".making-";
/// The hidden command that makes tables ahead for the next run.
pub const PREPARE_COMMAND: &str = "prepare-warm";
/// How long a run waits for tables being made ahead before it makes its own.
const SPARE_WAIT: Duration = Duration::from_secs(30);

/// Makes `manifest`'s throwaway stack a run's on a warm engine: the warm
/// engine of its engine, image and JVM options in this home, and an access
/// key of the run's own: the key of a set of tables made ahead for this
/// very manifest when there is one ([`prepare`]; with `fresh`, as for a
/// snapshot, never). Returns what to tell the user: the embedded engine is
/// never warmed (it starts in-process, in a tenth of a second), and the
/// admin UI is not started on a warm engine.
pub async fn adopt(
    manifest: &mut Manifest,
    base: &BaseDirs,
    idle: Duration,
    fresh: bool,
) -> Vec<String> {
    let engine = manifest.project.engine;
    if engine == Engine::Embedded {
        return vec![
            "`--warm`: the embedded engine starts in-process, as fast as a warm one; it is started as usual"
                .to_string(),
        ];
    }
    let name = engine_name(manifest, base);
    let dirs = base.project(&name);
    let made_ahead = match fresh {
        true => None,
        false => claim(&dirs, &fingerprint(manifest)).await,
    };
    let mut notes = Vec::new();
    let project = &mut manifest.project;
    project.access_key = match made_ahead {
        Some(key) => {
            notes.push(format!(
                "run: its tables were made ahead on the warm engine `{name}`"
            ));
            key
        }
        None => access_key(engine),
    };
    project.warm = Some(Warm { engine: name, idle });
    if std::mem::take(&mut project.admin) {
        notes.push(
            "`--warm`: the admin UI is not started on a warm engine (it would sign with another run's access key)"
                .to_string(),
        );
    }
    notes
}

/// `warm-ENGINE-HASH`: the same for every run of this engine, image, JVM
/// options and region in this home (its state folder), another otherwise:
/// a run never changes (and so recreates) the warm engine of another.
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
        // MiniStack's container is started for one region.
        manifest.project.region.clone(),
        home_id(base),
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

/// This home's own id, made once in its state folder: two homes never
/// share a warm engine, also when two machines or containers that share a
/// Docker daemon have the same path for it.
fn home_id(base: &BaseDirs) -> String {
    let Some(state) = &base.state else {
        return String::new();
    };
    let path = state.join("home-id");
    if let Ok(id) = std::fs::read_to_string(&path) {
        return id.trim().to_string();
    }
    let id = format!("{:016x}", fastrand::u64(..));
    let _ = std::fs::create_dir_all(state);
    // Two first runs at once: the file written first is the id.
    match std::fs::File::create_new(&path) {
        Ok(mut file) => {
            let _ = std::io::Write::write_all(&mut file, id.as_bytes());
            id
        }
        Err(_) => std::fs::read_to_string(&path)
            .map(|id| id.trim().to_string())
            .unwrap_or(id),
    }
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
    // Noted, and its keeper running, before anything is made: an engine
    // whose first start is cut short is still removed once idle.
    std::fs::create_dir_all(&state)
        .with_context(|| format!("cannot create `{}`", state.display()))?;
    std::fs::write(state.join(IDLE), warm.idle.as_secs().to_string())?;
    mark_used(&dirs);
    keep(&dirs, &state)?;
    // A running warm engine is used as it is, never changed: other runs'
    // tables are on it (`down --warm` makes way for a new image).
    if let Some(container) = containers::find_engine(&manifest).await?
        && let Some(url) = container_url(&container.state, container.spec.service)
    {
        let service = ServiceUp {
            service: container.spec.service,
            url,
            changed: false,
        };
        return Ok((container, service));
    }
    let (container, service, _) = containers::up(&manifest, pull, ready_timeout, printer).await?;
    if service.changed {
        printer.info(&format!(
            "started the warm engine `{}`: later `run --warm`s use it; removed once unused for {}",
            warm.engine,
            duration(warm.idle)
        ));
    }
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
    // It makes a session of its own as it starts: a Ctrl-C meant for the
    // run, or a closed terminal, does not reach it.
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
        .filter(|run| {
            !matches!(
                runs::judge(Some(run), None),
                RunState::Abandoned | RunState::CannotTell(Elsewhere::AnotherBoot)
            )
        })
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
        let done = match remove_engine(&dirs).await {
            Ok(done) => done,
            Err(err) => {
                printer.info(&format!(
                    "cannot remove the warm engine `{name}` yet: {err:#}"
                ));
                wait = LOOK;
                continue;
            }
        };
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
    for folder in dirs
        .state
        .iter()
        .flat_map(|state| std::fs::read_dir(state.join(SPARES)).into_iter().flatten())
        .flatten()
    {
        for entry in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let maker = std::fs::read_to_string(entry.path()).ok();
            if entry.file_name().to_string_lossy().starts_with(MAKING)
                && let Some(maker) = maker.as_deref().and_then(|t| Identity::parse(t.trim()))
                && maker.judge() == Liveness::Alive
                && let Ok(pid) = i32::try_from(maker.pid)
            {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGTERM,
                );
            }
        }
    }
    // Its folders go only once Docker has removed its objects: without
    // them nothing would find the engine again.
    let removed = Docker::connect()
        .await?
        .remove_project(&dirs.name, STOP_GRACE, true)
        .await?;
    let done = TakenDown {
        containers: removed.containers,
        networks: removed.networks,
        volumes: removed.volumes,
        ..TakenDown::default()
    };
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
    state.and_then(keeper).is_some_and(|k| {
        !matches!(
            k.judge(),
            Liveness::Gone | Liveness::CannotTell(Elsewhere::AnotherBoot)
        )
    })
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
    let names = delete_tables(&url, &tables.region, &tables.access_key).await?;
    mark_used(&dirs);
    Ok(names)
}

/// Deletes every table under `access_key` and `region` at `url`; their
/// names.
async fn delete_tables(url: &str, region: &str, access_key: &str) -> anyhow::Result<Vec<String>> {
    let client = client::with_access_key(url, region, access_key, Profile::Command);
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
    Ok(names)
}

/// What a set of tables made for `manifest` rests on: its tables as read,
/// its region and table prefix, and each seed file's size and time. Tables
/// made ahead for one fingerprint are only ever used by a run of the same.
pub fn fingerprint(manifest: &Manifest) -> String {
    // Seed paths as absolute ones: the same manifest named as `-f
    // devstack.toml` or by its whole path is the same.
    let mut tables = manifest.tables.clone();
    for seed in tables.iter_mut().flat_map(|t| &mut t.seeds) {
        if let Ok(path) = std::path::absolute(&seed.path) {
            seed.path = path;
        }
    }
    let mut hash = Sha256::new();
    hash.update(format!(
        "{tables:?}\0{}\0{}",
        manifest.project.region, manifest.project.table_prefix
    ));
    for seed in tables.iter().flat_map(|t| &t.seeds) {
        if let Ok(meta) = std::fs::metadata(&seed.path) {
            hash.update(format!(
                "\0{}\0{}\0{:?}",
                seed.path.display(),
                meta.len(),
                meta.modified().ok()
            ));
        }
    }
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn spares(dirs: &ProjectDirs, fingerprint: &str) -> Option<PathBuf> {
    Some(dirs.state.as_ref()?.join(SPARES).join(fingerprint))
}

/// In a spares folder: the access keys of the sets made ahead, and whether
/// one is being made by a process that runs.
fn look_at_spares(folder: &Path) -> (Vec<String>, bool) {
    let mut ready = Vec::new();
    let mut making = false;
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with(MAKING) {
            let maker = std::fs::read_to_string(entry.path()).ok();
            making |= maker
                .as_deref()
                .and_then(|text| Identity::parse(text.trim()))
                .is_some_and(|p| p.judge() != Liveness::Gone);
        } else if !name.starts_with('.') {
            ready.push(name);
        }
    }
    (ready, making)
}

/// Takes a set of tables made ahead for `fingerprint`, waiting for one
/// being made; its access key. A set is taken by deleting its file: of two
/// runs, one gets it.
async fn claim(dirs: &ProjectDirs, fingerprint: &str) -> Option<String> {
    let folder = spares(dirs, fingerprint)?;
    let started = std::time::Instant::now();
    loop {
        let (ready, making) = look_at_spares(&folder);
        for key in ready {
            if std::fs::remove_file(folder.join(&key)).is_ok() {
                return Some(key);
            }
        }
        if !making || started.elapsed() > SPARE_WAIT {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// After a run on the warm engine `engine` ended (its `down`, before its
/// notes are forgotten): starts a devstack process that makes the next
/// run's tables ahead, from the manifest the run was brought up from (its
/// origin).
pub fn spawn_prepare(run_dirs: &ProjectDirs, engine: &str) {
    let Some(origin) = run_dirs.origin() else {
        return;
    };
    let Some(state) = run_dirs.base().project(engine).state else {
        return;
    };
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let Ok(log) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.join("prepare.log"))
    else {
        return;
    };
    let mut command = std::process::Command::new(program);
    command
        .arg("--quiet")
        .arg("--file")
        .arg(&origin.manifest)
        .arg("--engine")
        .arg(&origin.engine)
        .arg(PREPARE_COMMAND)
        .arg(engine)
        .stdin(std::process::Stdio::null())
        .stderr(log)
        .stdout(std::process::Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DEVSTACK_") {
            command.env_remove(name);
        }
    }
    // A session of its own, made as it starts (see `keep`).
    let _ = command.spawn();
}

/// Removes a `.making-KEY` note when its maker ends, done or not.
struct Making(PathBuf);

impl Drop for Making {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The hidden `prepare-warm` command: makes and seeds one set of the
/// manifest's tables on the running warm engine `name`, under an access key
/// of its own, for the next run to take ([`claim`]); nothing when one is
/// there or being made, or the engine does not run.
pub async fn prepare(
    manifest: &Manifest,
    seeds: &crate::seed::SeedCounts,
    base: &BaseDirs,
    name: &str,
    printer: &Printer,
) -> anyhow::Result<()> {
    let _ = nix::unistd::setsid();
    let dirs = base.project(name);
    let folder = spares(&dirs, &fingerprint(manifest)).context("no state folder (set HOME)")?;
    std::fs::create_dir_all(&folder)?;
    // One maker at a time, and one set ready at most.
    let Ok(_one) = ProjectLock::acquire(&folder.join(".lock"), name, Duration::ZERO, || {}).await
    else {
        return Ok(());
    };
    if !look_at_spares(&folder).0.is_empty() {
        return Ok(());
    }
    let mut spare = manifest.clone();
    spare.make_throwaway(None);
    spare.project.admin = false;
    let key = access_key(spare.project.engine);
    // Noted first: a run that starts now waits for this set.
    let me = Identity::own().context("cannot tell this process's start time")?;
    let making = Making(folder.join(format!("{MAKING}{key}")));
    std::fs::write(&making.0, me.to_string())?;
    let on = engine_manifest(&spare, name);
    let Some(url) = containers::find_engine(&on)
        .await?
        .and_then(|c| container_url(&c.state, c.spec.service))
    else {
        return Ok(());
    };
    let region = &spare.project.region;
    for stale in stale_sets(&dirs, &folder) {
        delete_tables(&url, region, &stale).await?;
    }
    spare.project.access_key = key.clone();
    let client = client::for_project(&url, &spare.project, Profile::Command);
    let made = crate::dynamo::reconcile::reconcile(&client, &spare, seeds, false, true, printer);
    if let Err(err) = made.await {
        let _ = delete_tables(&url, region, &key).await;
        return Err(err);
    }
    std::fs::write(folder.join(&key), b"")?;
    drop(making);
    Ok(())
}

/// The access keys of sets no run will take, taken here to be deleted:
/// those ready for another fingerprint (the manifest or its seed files
/// changed since), and those whose maker ended before they were ready.
fn stale_sets(dirs: &ProjectDirs, current: &Path) -> Vec<String> {
    let mut stale = Vec::new();
    let folders = dirs
        .state
        .iter()
        .flat_map(|state| std::fs::read_dir(state.join(SPARES)).into_iter().flatten())
        .flatten();
    for folder in folders {
        let is_current = folder.path() == current;
        for entry in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let key = match name.strip_prefix(MAKING) {
                Some(key) => {
                    let maker = std::fs::read_to_string(entry.path()).ok();
                    let gone = maker
                        .as_deref()
                        .and_then(|text| Identity::parse(text.trim()))
                        .is_none_or(|p| p.judge() == Liveness::Gone);
                    if !gone {
                        continue;
                    }
                    key
                }
                None if is_current || name.starts_with('.') => continue,
                None => &name,
            };
            if std::fs::remove_file(entry.path()).is_ok() {
                stale.push(key.to_string());
            }
        }
    }
    stale
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

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

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
            block_on(adopt(&mut m, &base, Warm::DEFAULT_IDLE, true));
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
    fn a_run_takes_the_tables_made_ahead_for_its_manifest_once() {
        let home = tempfile::tempdir().unwrap();
        let base = BaseDirs {
            state: Some(home.path().to_path_buf()),
            ..BaseDirs::from_env()
        };
        let text = "[project]\nname = \"a\"\nengine = \"ministack\"\n[[table]]\nname = \"things\"\npartition_key = \"pk:S\"\n";
        let run = || {
            let mut m = Manifest::for_test(text);
            m.make_throwaway(Some("1:2"));
            m
        };
        let mut first = run();
        block_on(adopt(&mut first, &base, Warm::DEFAULT_IDLE, false));
        let dirs = base.project(&first.project.warm.as_ref().unwrap().engine);
        let folder = spares(&dirs, &fingerprint(&first)).unwrap();
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("123456789012"), b"").unwrap();
        // Another manifest's set is not taken.
        let mut other = Manifest::for_test(&text.replace("things", "others"));
        other.make_throwaway(Some("1:2"));
        block_on(adopt(&mut other, &base, Warm::DEFAULT_IDLE, false));
        assert_ne!(other.project.access_key, "123456789012");
        // A snapshot's run makes its own.
        let mut fresh = run();
        block_on(adopt(&mut fresh, &base, Warm::DEFAULT_IDLE, true));
        assert_ne!(fresh.project.access_key, "123456789012");
        let mut second = run();
        let notes = block_on(adopt(&mut second, &base, Warm::DEFAULT_IDLE, false));
        assert_eq!(second.project.access_key, "123456789012");
        assert!(notes[0].contains("made ahead"), "{notes:?}");
        let mut third = run();
        block_on(adopt(&mut third, &base, Warm::DEFAULT_IDLE, false));
        assert_ne!(third.project.access_key, "123456789012", "taken once");
    }

    #[test]
    fn the_warm_engines_stack_has_no_tables_admin_ui_or_fixed_port() {
        let mut run = Manifest::for_test(
            "[project]\nname = \"a\"\nengine = \"dynamodb-local\"\nadmin = true\n[[table]]\nname = \"things\"\npartition_key = \"pk:S\"\n",
        );
        run.make_throwaway(Some("1:2"));
        let notes = block_on(adopt(
            &mut run,
            &BaseDirs::from_env(),
            Warm::DEFAULT_IDLE,
            true,
        ));
        assert!(notes[0].contains("admin UI"), "{notes:?}");
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
