//! This machine: free disk space, devstack's folders, and its clock against the daemon's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::settings::Settings;
use crate::stack::docker::{DaemonInfo, Docker};

use super::{Asked, Check, Need, Part, Subject, Verdict};

/// Below this much free space a disk check fails.
const DISK_FAIL_BELOW: u64 = 1_000_000_000;
/// Below this much free space a disk check warns.
const DISK_WARN_BELOW: u64 = 5_000_000_000;
/// SigV4 refuses requests signed more than 15 minutes off; past 5 the
/// clocks are too far apart to trust.
const CLOCK_FAIL_BEYOND: Duration = Duration::from_secs(5 * 60);

/// Free space where the images and containers go (the daemon's data root)
/// and where devstack keeps the embedded engine's files.
pub(super) fn disk_check(
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
                Verdict::Note,
                format!(
                    "Docker's data root `{}` is not on this machine, not measured",
                    root.display()
                ),
            ));
        }
    }
    for dir in [&settings.dirs.state, &settings.dirs.data]
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
                    Verdict::Warning,
                    format!("cannot tell the free space of {name}: {err}"),
                )
                .fix(format!("check it with `df -h {}`", path.display())),
            ),
            None => parts.push(Part::new(
                Verdict::Warning,
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
        parts.push(if status >= Verdict::Warning {
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
        return Check::new(NAME, Verdict::Note, "nothing to measure");
    }
    Check::of_parts(NAME, parts)
}

/// Any unsigned count as a u64, whatever width the platform gives it.
fn wide<T: Into<u64>>(n: T) -> u64 {
    n.into()
}

fn disk_status(free: u64) -> Verdict {
    if free < DISK_FAIL_BELOW {
        Verdict::Failed
    } else if free < DISK_WARN_BELOW {
        Verdict::Warning
    } else {
        Verdict::Ok
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
pub(super) fn folders_check(settings: &Settings) -> Check {
    const NAME: &str = "state folders";
    let dirs = &settings.dirs;
    let list = [
        (
            "cache",
            "XDG_CACHE_HOME",
            dirs.cache.dir().map(Path::to_path_buf),
        ),
        ("state", "XDG_STATE_HOME", dirs.state.clone()),
        ("data", "XDG_DATA_HOME", dirs.data.clone()),
    ];
    let mut fine = Vec::new();
    let mut parts = Vec::new();
    for (what, variable, dir) in list {
        // The cache only saves time; the others hold the embedded engine.
        let bad = if what == "cache" {
            Verdict::Warning
        } else {
            Verdict::Failed
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
            Part::new(Verdict::Ok, format!("{} {verb} writable", fine.join(", "))),
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
pub(super) fn clock_check(subject: &Subject, info: Option<&Asked>) -> Check {
    const NAME: &str = "clock";
    if subject.docker() == Need::NotNeeded {
        return Check::new(
            NAME,
            Verdict::Note,
            "not compared: the `embedded` engine runs on this machine's own clock",
        );
    }
    let Some(info) = info else {
        return Check::new(
            NAME,
            Verdict::Note,
            "not compared: Docker cannot be reached",
        );
    };
    let Some(daemon) = info.daemon.clock else {
        return Check::new(
            NAME,
            Verdict::Note,
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
            Verdict::Failed,
            format!(
                "this machine's clock is {} {way} the Docker daemon's; signed requests are refused past 15 min",
                span(apart)
            ),
        )
        .fix("sync the clock (e.g. `timedatectl set-ntp true`)")
    } else {
        Check::new(
            NAME,
            Verdict::Ok,
            format!("in step with the Docker daemon's ({} apart)", span(apart)),
        )
    }
}

/// A time span for people: `0.3 s`, `7 min 12 s`, `3 h 5 min`.
pub(super) fn span(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 60 {
        format!("{:.1} s", duration.as_secs_f64())
    } else if secs < 3600 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{} h {} min", secs / 3600, secs % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_fails_below_1_gb_and_warns_below_5() {
        assert_eq!(disk_status(0), Verdict::Failed);
        assert_eq!(disk_status(999_999_999), Verdict::Failed);
        assert_eq!(disk_status(1_000_000_000), Verdict::Warning);
        assert_eq!(disk_status(4_999_999_999), Verdict::Warning);
        assert_eq!(disk_status(5_000_000_000), Verdict::Ok);
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
        assert_eq!(close.status, Verdict::Ok);
        assert_eq!(
            close.detail,
            "in step with the Docker daemon's (0.3 s apart)"
        );
        let edge = clock_status(daemon - Duration::from_secs(300), daemon);
        assert_eq!(edge.status, Verdict::Ok, "{}", edge.detail);
        let behind = clock_status(daemon - Duration::from_secs(7 * 60 + 12), daemon);
        assert_eq!(behind.status, Verdict::Failed);
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
}
