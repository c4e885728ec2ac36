//! `devstack doctor`: checks what `up` needs on this machine (the manifest,
//! Docker, the images, the ports, disk space, devstack's folders, the clock
//! and the embedded engine) and says, for each problem, how to fix it.
//! Nothing is pulled, created or changed, except devstack's own folders
//! (made if missing, as `up` would) and a throwaway embedded engine in a
//! temporary folder, removed again. Exits 1 when a check fails.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::manifest::{self, Invalid, Manifest, PullPolicy};
use crate::output::Printer;
use crate::seed::{self, InvalidSeedFiles};
use crate::service::{Engine, ServiceKind};
use crate::settings::Settings;
use crate::stack::docker::{DaemonInfo, Docker};
use crate::stack::health::{self, Watch};
use crate::stack::{embedded, spec};

/// Below this much free space a disk check fails.
const DISK_FAIL_BELOW: u64 = 1_000_000_000;
/// Below this much free space a disk check warns.
const DISK_WARN_BELOW: u64 = 5_000_000_000;
/// SigV4 refuses requests signed more than 15 minutes off; past 5 the
/// clocks are too far apart to trust.
const CLOCK_FAIL_BEYOND: Duration = Duration::from_secs(5 * 60);
/// How long the throwaway embedded engine may take to answer.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(15);

/// How a check came out, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Worth knowing, nothing to do: e.g. Docker, when the engine needs none.
    Note,
    /// `up` may still work, or work more slowly.
    Warning,
    /// `up` will not work until it is fixed.
    Failed,
}

impl Status {
    fn mark(self) -> char {
        match self {
            Status::Ok => '✓',
            Status::Note => '·',
            Status::Warning => '!',
            Status::Failed => '✗',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    check: &'static str,
    status: Status,
    detail: String,
    /// What to do about it; for a warning or a failure.
    fix: Option<String>,
}

impl Check {
    fn new(check: &'static str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            check,
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    /// The parts of one check (one per image, port, folder…) as one line:
    /// the worst status, every detail, the fixes of what is not fine.
    fn of_parts(check: &'static str, parts: Vec<Part>) -> Check {
        let status = parts.iter().map(|p| p.status).max().unwrap_or(Status::Ok);
        let detail = parts
            .iter()
            .map(|p| p.detail.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let fixes: Vec<&str> = parts.iter().filter_map(|p| p.fix.as_deref()).collect();
        Check {
            check,
            status,
            detail,
            fix: (!fixes.is_empty()).then(|| fixes.join("; ")),
        }
    }
}

/// One item of a check.
struct Part {
    status: Status,
    detail: String,
    fix: Option<String>,
}

impl Part {
    fn new(status: Status, detail: impl Into<String>) -> Part {
        Part {
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Part {
        self.fix = Some(fix.into());
        self
    }
}

#[derive(Debug, Serialize)]
struct Report {
    checks: Vec<Check>,
    ok: bool,
}

/// At least one check failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChecksFailed(String);

/// How much a part of the machine matters for the engine `up` would run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The engine needs it: a problem is a failure.
    Needed,
    /// The engine does without it: a problem is only a note (or a warning).
    NotNeeded,
    /// No manifest says which engine: a problem is a warning.
    Unknown,
}

impl Need {
    /// The status of a problem with something this much needed.
    fn problem(self) -> Status {
        match self {
            Need::Needed => Status::Failed,
            Need::Unknown => Status::Warning,
            Need::NotNeeded => Status::Note,
        }
    }
}

/// The manifest the checks work from, and how sure they are of it.
struct Subject {
    manifest: Manifest,
    /// The engine, when a valid manifest or `--engine` names it.
    engine: Option<Engine>,
}

impl Subject {
    fn docker(&self) -> Need {
        match self.engine {
            Some(Engine::Embedded) => Need::NotNeeded,
            Some(_) => Need::Needed,
            None => Need::Unknown,
        }
    }

    fn embedded(&self) -> Need {
        match self.engine {
            Some(Engine::Embedded) => Need::Needed,
            Some(_) => Need::NotNeeded,
            None => Need::Unknown,
        }
    }
}

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let mut checks = Vec::new();
    let mut add = |check: Check| -> std::io::Result<()> {
        if !json {
            printer.data(&render(&check))?;
        }
        checks.push(check);
        Ok(())
    };

    let (check, subject) = manifest_check(settings)?;
    add(check)?;
    let docker = Docker::connect().await;
    let (check, info) = docker_check(&subject, &docker).await;
    add(check)?;
    let docker = docker.ok();
    add(images_check(&subject, docker.as_ref()).await)?;
    add(ports_check(settings, &subject, docker.as_ref()).await)?;
    add(disk_check(
        settings,
        &subject,
        docker.as_ref(),
        info.as_ref().map(|i| &i.daemon),
    ))?;
    add(folders_check(settings))?;
    add(clock_check(&subject, info.as_ref()))?;
    add(embedded_check(&subject).await)?;

    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c.status == Status::Failed)
        .map(|c| format!("`{}`", c.check))
        .collect();
    let report = Report {
        ok: failed.is_empty(),
        checks,
    };
    if json {
        printer.data(&serde_json::to_string_pretty(&report)?)?;
    }
    if failed.is_empty() {
        let warnings = report
            .checks
            .iter()
            .filter(|c| c.status == Status::Warning)
            .count();
        printer.info(&match warnings {
            0 => "everything `up` needs is in place".to_string(),
            n => format!(
                "`up` should work; {n} warning{} above",
                if n == 1 { "" } else { "s" }
            ),
        });
        return Ok(());
    }
    let err = anyhow::Error::new(ChecksFailed(format!(
        "{} check{} failed: {}",
        failed.len(),
        if failed.len() == 1 { "" } else { "s" },
        failed.join(", ")
    )));
    // With --json the report already says it; only the exit code is left.
    Err(if json {
        err.context(crate::error::Reported)
    } else {
        err
    })
}

/// One check as the person reads it: mark, name, detail, and the fix below.
pub fn render(check: &Check) -> String {
    let mut lines = check.detail.lines();
    let mut out = format!(
        "{} {:<16}{}",
        check.status.mark(),
        check.check,
        lines.next().unwrap_or_default()
    );
    for line in lines {
        out.push_str(&format!("\n{:18}{line}", ""));
    }
    if let Some(fix) = &check.fix
        && check.status >= Status::Warning
    {
        out.push_str(&format!("\n  fix: {fix}"));
    }
    out
}

/// The manifest, found and valid with its seed files, as `up` reads it.
/// Without one, the other checks go on with the defaults.
fn manifest_check(settings: &Settings) -> anyhow::Result<(Check, Subject)> {
    const NAME: &str = "manifest";
    let loaded = match settings.manifest_path() {
        Err(manifest::NotFound::Searched(dir)) => Err(Check::new(
            NAME,
            Status::Warning,
            format!(
                "no `{}` in `{}` or any parent folder; checking with the defaults (`{}` on port {})",
                manifest::FILE_NAME,
                dir.display(),
                settings.engine.unwrap_or(Engine::DynamodbLocal),
                settings.engine.unwrap_or(Engine::DynamodbLocal).service().port(),
            ),
        )
        .fix(format!(
            "write a `{}` (`devstack validate` checks it), or pass one with `-f FILE`",
            manifest::FILE_NAME
        ))),
        Err(err) => Err(Check::new(NAME, Status::Failed, err.to_string())
            .fix("pass an existing manifest with `-f FILE`, or unset `DEVSTACK_FILE`")),
        Ok(path) => match settings.manifest() {
            Err(err) => Err(invalid(&err, &path)),
            Ok(manifest) => match seed::validate_tables(&manifest.tables, &settings.folders.cache)
            {
                Err(err) => Err(invalid(&anyhow::Error::new(err), &path)),
                Ok(counts) => {
                    let items: u64 = counts.values().sum();
                    let tables = manifest.tables.len();
                    let detail = format!(
                        "`{}`: project `{}`, engine `{}`, {tables} table{}{}",
                        path.display(),
                        manifest.project.name,
                        manifest.project.engine,
                        if tables == 1 { "" } else { "s" },
                        if counts.is_empty() {
                            String::new()
                        } else {
                            format!(", {items} seed item{}", if items == 1 { "" } else { "s" })
                        },
                    );
                    Ok((Check::new(NAME, Status::Ok, detail), manifest))
                }
            },
        },
    };
    Ok(match loaded {
        Ok((check, manifest)) => {
            let engine = Some(manifest.project.engine);
            (check, Subject { manifest, engine })
        }
        Err(check) => (check, defaults(settings)?),
    })
}

/// What is wrong with a manifest that was found, in a line, and where to see all of it.
fn invalid(err: &anyhow::Error, path: &Path) -> Check {
    let detail = if let Some(invalid) = err.downcast_ref::<Invalid>() {
        first_line(&invalid.to_string())
    } else if let Some(seeds) = err.downcast_ref::<InvalidSeedFiles>() {
        first_line(&seeds.to_string())
            .trim_end_matches("; nothing was written")
            .to_string()
    } else {
        format!("`{}`: {}", path.display(), first_line(&format!("{err:#}")))
    };
    Check::new("manifest", Status::Failed, detail)
        .fix("`devstack validate` shows every problem with its position")
}

/// The manifest the checks assume without a valid one: `--engine` or
/// DynamoDB Local, every default.
fn defaults(settings: &Settings) -> anyhow::Result<Subject> {
    let engine = settings.engine.unwrap_or(Engine::DynamodbLocal);
    let name = settings
        .project
        .as_deref()
        .filter(|name| manifest::is_project_name(name))
        .unwrap_or("devstack");
    let text = format!("[project]\nname = \"{name}\"\nengine = \"{engine}\"\n");
    let manifest = Manifest::from_text(Path::new(manifest::FILE_NAME), text)?;
    Ok(Subject {
        manifest,
        engine: settings.engine,
    })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// What the daemon said, and this machine's clock when it said it.
struct Asked {
    daemon: DaemonInfo,
    /// Halfway through the call.
    local: SystemTime,
}

async fn asked(docker: &Docker) -> anyhow::Result<Asked> {
    let before = SystemTime::now();
    let started = Instant::now();
    let daemon = docker.info().await?;
    Ok(Asked {
        daemon,
        local: before + started.elapsed() / 2,
    })
}

/// The daemon: reachable, allowed, answering, and its version.
async fn docker_check(
    subject: &Subject,
    docker: &Result<Docker, crate::stack::docker::Unreachable>,
) -> (Check, Option<Asked>) {
    const NAME: &str = "docker socket";
    let need = subject.docker();
    match docker {
        Ok(docker) => match asked(docker).await {
            Ok(info) => {
                let detail = format!(
                    "{} answers (Docker {}, API {})",
                    docker.host, info.daemon.version, info.daemon.api_version
                );
                (Check::new(NAME, Status::Ok, detail), Some(info))
            }
            Err(err) => (
                Check::new(
                    NAME,
                    need.problem(),
                    format!("{} answers, but not to `info`: {err:#}", docker.host),
                )
                .fix("check the daemon with `docker info`"),
                None,
            ),
        },
        Err(err) => {
            let text = err.to_string();
            let (what, hint) = match text.split_once("\n  hint: ") {
                Some((what, hint)) => (what.to_string(), hint.to_string()),
                None => (
                    text.clone(),
                    "check that the daemon runs (`docker info`) and that `DOCKER_HOST` points at it"
                        .to_string(),
                ),
            };
            let check = match need {
                Need::NotNeeded => Check::new(
                    NAME,
                    Status::Note,
                    format!("not needed by the `embedded` engine; {what}"),
                ),
                Need::Unknown => Check::new(
                    NAME,
                    Status::Warning,
                    format!(
                        "{what}; `dynamodb-local` and `ministack` need it, `embedded` does not"
                    ),
                )
                .fix(hint),
                Need::Needed => Check::new(NAME, Status::Failed, what).fix(hint),
            };
            (check, None)
        }
    }
}

/// Each container's image: present, or pullable under the pull policy.
/// Nothing is pulled.
async fn images_check(subject: &Subject, docker: Option<&Docker>) -> Check {
    const NAME: &str = "images";
    let manifest = &subject.manifest;
    let specs: Vec<_> = manifest
        .containers()
        .into_iter()
        .filter_map(|service| spec::container_spec(manifest, service))
        .collect();
    if specs.is_empty() {
        return Check::new(
            NAME,
            Status::Note,
            "none needed: the `embedded` engine is part of devstack",
        );
    }
    let Some(docker) = docker else {
        return Check::new(NAME, Status::Note, "not checked: Docker cannot be reached");
    };
    let pull = manifest.project.pull;
    let mut parts = Vec::new();
    for spec in &specs {
        let image = &spec.image;
        parts.push(match docker.image_exists(image).await {
            Err(err) => Part::new(
                Status::Warning,
                format!("`{image}`: cannot tell whether it is present: {err:#}"),
            )
            .fix("check the daemon with `docker info`"),
            Ok(true) if pull == PullPolicy::Always => Part::new(
                Status::Ok,
                format!("`{image}` present (`up` pulls it again: `pull = \"always\"`)"),
            ),
            Ok(true) => Part::new(Status::Ok, format!("`{image}` present")),
            Ok(false) if pull == PullPolicy::Never => Part::new(
                Status::Failed,
                format!("`{image}` is not present and the pull policy is `never`"),
            )
            .fix(format!(
                "pull it (`docker pull {image}`), or set `pull = \"missing\"` under `[project]`"
            )),
            Ok(false) => Part::new(
                Status::Warning,
                format!("`{image}` is not present; `up` will pull it"),
            )
            .fix(format!("pull it ahead with `docker pull {image}`")),
        });
    }
    Check::of_parts(NAME, parts)
}

/// Each service's host port can be bound, unless the project's own
/// container or engine holds it.
async fn ports_check(settings: &Settings, subject: &Subject, docker: Option<&Docker>) -> Check {
    let manifest = &subject.manifest;
    let project = &manifest.project.name;
    let files = embedded::Files::of(&settings.folders, project).ok();
    // Who of the project holds which host port now.
    let mut own: BTreeMap<u16, String> = BTreeMap::new();
    if let Some(docker) = docker
        && let Ok(containers) = docker.project_containers(project).await
    {
        for container in containers.iter().filter(|c| c.is_running()) {
            for (_, _, host) in &container.ports {
                own.insert(
                    *host,
                    format!("the project's own container `{}`", container.name),
                );
            }
        }
    }
    if let Some(files) = &files
        && let Ok(embedded::Found::Running(record)) = embedded::find(files)
    {
        own.insert(
            record.port,
            format!("the project's own embedded engine (pid {})", record.pid),
        );
    }
    let mut wanted: Vec<(ServiceKind, IpAddr, u16)> = Vec::new();
    for service in manifest.services() {
        if let Some(spec) = spec::container_spec(manifest, service) {
            wanted.push((service, spec.host_ip, spec.host_port));
        } else {
            // Only the bind address and port are read; the folders need not exist.
            let files = files.clone().unwrap_or_else(|| embedded::Files {
                dir: PathBuf::new(),
                data_dir: PathBuf::new(),
            });
            let engine = embedded::EngineSpec::of(manifest, &files);
            wanted.push((service, engine.bind, engine.port));
        }
    }
    let mut parts = Vec::new();
    for (service, ip, port) in wanted {
        let at = SocketAddr::new(ip, port);
        let change = format!(
            "stop what holds it, or set another `port` under `[services.{service}]` (0 picks a free one)"
        );
        parts.push(if port == 0 {
            Part::new(Status::Ok, format!("any free port on {ip} for `{service}`"))
        } else if let Some(holder) = own.get(&port) {
            Part::new(
                Status::Ok,
                format!("{at} for `{service}` is in use by {holder}"),
            )
        } else {
            match TcpListener::bind(at) {
                Ok(_) => Part::new(Status::Ok, format!("{at} is free for `{service}`")),
                Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
                    let holder = match docker {
                        Some(docker) => match docker.container_publishing(port).await {
                            Ok(Some(name)) => format!("container `{name}`"),
                            _ => "another program".to_string(),
                        },
                        None => "another program".to_string(),
                    };
                    Part::new(
                        Status::Failed,
                        format!(
                            "port {port} on {ip}, which `{service}` needs, is in use by {holder}"
                        ),
                    )
                    .fix(change)
                }
                Err(err) => Part::new(
                    Status::Failed,
                    format!("cannot listen on port {port} on {ip} for `{service}`: {err}"),
                )
                .fix(format!(
                    "set another `port` or `bind` under `[services.{service}]`"
                )),
            }
        });
    }
    Check::of_parts("ports", parts)
}

/// Free space where the images and containers go (the daemon's data root)
/// and where devstack keeps the embedded engine's files.
fn disk_check(
    settings: &Settings,
    subject: &Subject,
    docker: Option<&Docker>,
    info: Option<&DaemonInfo>,
) -> Check {
    const NAME: &str = "disk space";
    let mut places: Vec<(String, PathBuf, bool)> = Vec::new();
    let mut parts = Vec::new();
    if subject.docker() != Need::NotNeeded
        && let (Some(docker), Some(root)) = (docker, info.and_then(|i| i.root_dir.as_ref()))
    {
        if docker.is_local() && root.exists() {
            places.push((
                format!("`{}` (Docker's data root)", root.display()),
                root.clone(),
                true,
            ));
        } else {
            parts.push(Part::new(
                Status::Note,
                format!(
                    "Docker's data root `{}` is not on this machine, not measured",
                    root.display()
                ),
            ));
        }
    }
    for dir in [&settings.folders.state, &settings.folders.data]
        .into_iter()
        .flatten()
    {
        places.push((format!("`{}`", dir.display()), dir.clone(), false));
    }
    // One line per file system, naming every place on it.
    let mut by_disk: BTreeMap<u64, (u64, Vec<String>, bool)> = BTreeMap::new();
    for (name, path, docker_root) in places {
        let measured = path
            .ancestors()
            .find(|p| p.exists())
            .map(nix::sys::statvfs::statvfs);
        match measured {
            Some(Ok(stat)) => {
                let free = wide(stat.blocks_available()).saturating_mul(wide(stat.fragment_size()));
                let entry =
                    by_disk
                        .entry(wide(stat.filesystem_id()))
                        .or_insert((free, Vec::new(), false));
                entry.1.push(name);
                entry.2 |= docker_root;
            }
            Some(Err(err)) => parts.push(
                Part::new(
                    Status::Warning,
                    format!("cannot tell the free space of {name}: {err}"),
                )
                .fix(format!("check it with `df -h {}`", path.display())),
            ),
            None => parts.push(Part::new(
                Status::Warning,
                format!("cannot tell the free space of {name}: no part of its path exists"),
            )),
        }
    }
    for (free, names, docker_root) in by_disk.into_values() {
        let status = disk_status(free);
        let part = Part::new(
            status,
            format!("{} free for {}", bytes(free), names.join(", ")),
        );
        parts.push(if status >= Status::Warning {
            part.fix(if docker_root {
                "free space, e.g. with `docker system prune` (stopped containers, unused networks and dangling images)".to_string()
            } else {
                format!("free space on the disk of {}", names.join(", "))
            })
        } else {
            part
        });
    }
    if parts.is_empty() {
        return Check::new(NAME, Status::Note, "nothing to measure");
    }
    Check::of_parts(NAME, parts)
}

/// Any unsigned count as a u64, whatever width the platform gives it.
fn wide<T: Into<u64>>(n: T) -> u64 {
    n.into()
}

fn disk_status(free: u64) -> Status {
    if free < DISK_FAIL_BELOW {
        Status::Failed
    } else if free < DISK_WARN_BELOW {
        Status::Warning
    } else {
        Status::Ok
    }
}

/// A size for people, in decimal units: `850 MB`, `12.3 GB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// devstack's cache, state and data folders: made if missing, written
/// and cleaned up again.
fn folders_check(settings: &Settings) -> Check {
    const NAME: &str = "state folders";
    let folders = &settings.folders;
    let list = [
        (
            "cache",
            "XDG_CACHE_HOME",
            folders.cache.dir().map(Path::to_path_buf),
        ),
        ("state", "XDG_STATE_HOME", folders.state.clone()),
        ("data", "XDG_DATA_HOME", folders.data.clone()),
    ];
    let mut fine = Vec::new();
    let mut parts = Vec::new();
    for (what, variable, dir) in list {
        // The cache only saves time; the others hold the embedded engine.
        let bad = if what == "cache" {
            Status::Warning
        } else {
            Status::Failed
        };
        let Some(dir) = dir else {
            parts.push(
                Part::new(
                    bad,
                    format!("no {what} folder: neither `{variable}` nor `HOME` is set"),
                )
                .fix(format!("set `HOME`, or `{variable}` to an absolute path")),
            );
            continue;
        };
        match probe_folder(&dir) {
            Ok(()) => fine.push(format!("`{}`", dir.display())),
            Err(why) => parts.push(
                Part::new(bad, format!("the {what} folder `{}` {why}", dir.display())).fix(
                    format!(
                        "make `{}` a folder you can write to, or point `{variable}` at one",
                        dir.display()
                    ),
                ),
            ),
        }
    }
    if !fine.is_empty() {
        let verb = if fine.len() == 1 { "is" } else { "are" };
        parts.insert(
            0,
            Part::new(Status::Ok, format!("{} {verb} writable", fine.join(", "))),
        );
    }
    Check::of_parts(NAME, parts)
}

/// Makes the folder if missing, writes a file in it and removes it; the
/// error says which step failed.
fn probe_folder(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|err| {
        // Say which part of the path is in the way.
        match dir.ancestors().find(|p| p.exists()) {
            Some(file) if !file.is_dir() => {
                format!(
                    "cannot be created: `{}` is a file, not a folder",
                    file.display()
                )
            }
            _ => format!("cannot be created: {err}"),
        }
    })?;
    let probe = dir.join(format!(".devstack-doctor-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|err| format!("cannot be written to: {err}"))?;
    std::fs::remove_file(&probe).map_err(|err| format!("lets files be made but not removed: {err}"))
}

/// This machine's clock against the daemon's: SigV4 signatures carry the
/// time, and a container engine refuses those too far off.
fn clock_check(subject: &Subject, info: Option<&Asked>) -> Check {
    const NAME: &str = "clock";
    if subject.docker() == Need::NotNeeded {
        return Check::new(
            NAME,
            Status::Note,
            "not compared: the `embedded` engine runs on this machine's own clock",
        );
    }
    let Some(info) = info else {
        return Check::new(NAME, Status::Note, "not compared: Docker cannot be reached");
    };
    let Some(daemon) = info.daemon.clock else {
        return Check::new(
            NAME,
            Status::Note,
            "not compared: the Docker daemon did not say its time",
        );
    };
    clock_status(info.local, daemon)
}

/// How far `local` is from `daemon`, as a check.
fn clock_status(local: SystemTime, daemon: SystemTime) -> Check {
    const NAME: &str = "clock";
    let (apart, way) = match local.duration_since(daemon) {
        Ok(ahead) => (ahead, "ahead of"),
        Err(behind) => (behind.duration(), "behind"),
    };
    if apart > CLOCK_FAIL_BEYOND {
        Check::new(
            NAME,
            Status::Failed,
            format!(
                "this machine's clock is {} {way} the Docker daemon's; signed requests are refused past 15 min",
                span(apart)
            ),
        )
        .fix("sync the clock (e.g. `timedatectl set-ntp true`)")
    } else {
        Check::new(
            NAME,
            Status::Ok,
            format!("in step with the Docker daemon's ({} apart)", span(apart)),
        )
    }
}

/// A time span for people: `0.3 s`, `7 min 12 s`, `3 h 5 min`.
fn span(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 60 {
        format!("{:.1} s", duration.as_secs_f64())
    } else if secs < 3600 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{} h {} min", secs / 3600, secs % 3600 / 60)
    }
}

/// Stops the throwaway engine and removes its folder, also when the check
/// is cut short (Ctrl-C).
struct Throwaway {
    root: PathBuf,
    files: embedded::Files,
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        embedded::signal_stop(&self.files);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The embedded engine: built in, and it starts and answers: a throwaway
/// one on a free port in a temporary folder, stopped and removed after.
async fn embedded_check(subject: &Subject) -> Check {
    const NAME: &str = "embedded engine";
    let need = subject.embedded();
    if !cfg!(feature = "embedded") {
        let check = Check::new(
            NAME,
            need.problem(),
            "this devstack was built without the embedded engine",
        );
        return match need {
            Need::NotNeeded => check,
            _ => check.fix(
                "build devstack with the default features (`cargo install --path .`), or use `engine = \"dynamodb-local\"`",
            ),
        };
    }
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let root =
        std::env::temp_dir().join(format!("devstack-doctor-{}-{nanos:x}", std::process::id()));
    let throwaway = Throwaway {
        files: embedded::Files {
            dir: root.join("state"),
            data_dir: root.join("data"),
        },
        root,
    };
    let files = &throwaway.files;
    let engine = embedded::EngineSpec {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        database: None,
        config: "doctor".to_string(),
    };
    let started = Instant::now();
    let answered = async {
        let record = embedded::start(files, &engine, ENGINE_TIMEOUT).await?;
        let probes = spec::readiness(
            ServiceKind::Embedded,
            &record.url(),
            &subject.manifest.project.region,
        );
        let left = ENGINE_TIMEOUT.saturating_sub(started.elapsed());
        health::wait_ready(ServiceKind::Embedded.name(), &probes, left, Watch::Nothing).await?;
        anyhow::Ok(started.elapsed())
    }
    .await;
    let stopped = embedded::stop(files).await;
    drop(throwaway);
    // Not the manifest's engine: a problem with it does not stop `up`.
    let bad = match need {
        Need::Needed => Status::Failed,
        Need::NotNeeded | Need::Unknown => Status::Warning,
    };
    match (answered, stopped) {
        (Ok(took), Ok(_)) => Check::new(
            NAME,
            Status::Ok,
            format!(
                "a throwaway engine answered ListTables {} after its start; stopped and removed",
                span(took)
            ),
        ),
        (Ok(_), Err(err)) => Check::new(
            NAME,
            bad,
            format!("a throwaway engine answered but did not stop: {err:#}"),
        )
        .fix("look for a `devstack serve-engine` process left running, and end it"),
        (Err(err), _) => Check::new(
            NAME,
            bad,
            format!("a throwaway engine did not answer: {err:#}"),
        )
        .fix(
            "check that devstack's own executable can run here and that the temporary folder (`TMPDIR`) is writable",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_fails_below_1_gb_and_warns_below_5() {
        assert_eq!(disk_status(0), Status::Failed);
        assert_eq!(disk_status(999_999_999), Status::Failed);
        assert_eq!(disk_status(1_000_000_000), Status::Warning);
        assert_eq!(disk_status(4_999_999_999), Status::Warning);
        assert_eq!(disk_status(5_000_000_000), Status::Ok);
    }

    #[test]
    fn sizes_are_shown_in_decimal_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(850_000_000), "850 MB");
        assert_eq!(bytes(12_345_000_000), "12.3 GB");
        assert_eq!(bytes(252_000_000_000), "252 GB");
        assert_eq!(bytes(3_000_000_000_000_000), "3000 TB");
    }

    #[test]
    fn clocks_more_than_5_minutes_apart_fail_with_the_fix() {
        let daemon = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let close = clock_status(daemon + Duration::from_millis(300), daemon);
        assert_eq!(close.status, Status::Ok);
        assert_eq!(
            close.detail,
            "in step with the Docker daemon's (0.3 s apart)"
        );
        let edge = clock_status(daemon - Duration::from_secs(300), daemon);
        assert_eq!(edge.status, Status::Ok, "{}", edge.detail);
        let behind = clock_status(daemon - Duration::from_secs(7 * 60 + 12), daemon);
        assert_eq!(behind.status, Status::Failed);
        assert!(
            behind.detail.contains("7 min 12 s behind"),
            "{}",
            behind.detail
        );
        assert_eq!(
            behind.fix.as_deref(),
            Some("sync the clock (e.g. `timedatectl set-ntp true`)")
        );
        let ahead = clock_status(daemon + Duration::from_secs(3 * 3600 + 300), daemon);
        assert!(
            ahead.detail.contains("3 h 5 min ahead of"),
            "{}",
            ahead.detail
        );
    }

    #[test]
    fn a_check_of_parts_takes_the_worst_status_and_the_fixes_of_the_rest() {
        let check = Check::of_parts(
            "ports",
            vec![
                Part::new(Status::Ok, "a free"),
                Part::new(Status::Failed, "b taken").fix("free b"),
                Part::new(Status::Warning, "c odd").fix("look at c"),
            ],
        );
        assert_eq!(check.status, Status::Failed);
        assert_eq!(check.detail, "a free; b taken; c odd");
        assert_eq!(check.fix.as_deref(), Some("free b; look at c"));
        let fine = Check::of_parts("ports", vec![Part::new(Status::Ok, "a free")]);
        assert_eq!((fine.status, fine.fix), (Status::Ok, None));
    }

    #[test]
    fn a_line_shows_mark_name_and_detail_and_the_fix_below_a_problem() {
        let ok = Check::new(
            "docker socket",
            Status::Ok,
            "unix:///var/run/docker.sock answers",
        );
        assert_eq!(
            render(&ok),
            "✓ docker socket   unix:///var/run/docker.sock answers"
        );
        let failed = Check::new("ports", Status::Failed, "port 8000 is taken").fix("free it");
        assert_eq!(
            render(&failed),
            "✗ ports           port 8000 is taken\n  fix: free it"
        );
        let note = Check::new("clock", Status::Note, "not compared").fix("unused");
        assert_eq!(render(&note), "· clock           not compared");
        let long = Check::new(
            "embedded engine",
            Status::Warning,
            "did not start\nlog line",
        );
        assert_eq!(
            render(&long),
            "! embedded engine did not start\n                  log line"
        );
    }

    #[test]
    fn statuses_read_as_lowercase_words_in_json() {
        let check = Check::new("clock", Status::Note, "x");
        let json = serde_json::to_value(&check).unwrap();
        assert_eq!(json["status"], "note");
        assert_eq!(json["fix"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(Status::Failed).unwrap(),
            serde_json::json!("failed")
        );
    }
}
