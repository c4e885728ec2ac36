//! Telling a process from one that only got its number, and from one this
//! process cannot see: a process is known by its pid, its start time and
//! where it lives (the boot of the kernel it runs on and its PID
//! namespace), written `pid:start@boot:namespace`. A `run` notes its own
//! process this way, and the embedded engine its own, so `gc`, `ls` and
//! `down` judge every process by one rule: never act on a pid that was
//! reused, nor on a pid that means another process where it was noted.

use std::fmt;

/// Where a process lives: the boot of the kernel it runs on
/// (`/proc/sys/kernel/random/boot_id`) and its PID namespace (the inode of
/// `/proc/self/ns/pid`). Two processes in one place see the same pids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    boot: String,
    pid_namespace: String,
}

impl Place {
    /// Where this process lives; `None` when it cannot tell: no `/proc`
    /// and no boot session to ask, or a `/proc` of another PID namespace
    /// than its own (where the pids it reads are not the ones it sees).
    pub fn here() -> Option<Place> {
        if let Ok(link) = std::fs::read_link("/proc/self/ns/pid") {
            let link = link.to_string_lossy();
            let pid_namespace = link.strip_prefix("pid:[")?.strip_suffix(']')?;
            let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
            let pid: u32 = stat.split_once(' ')?.0.parse().ok()?;
            if pid != std::process::id() {
                return None;
            }
            let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
            return Place::new(boot.trim(), pid_namespace);
        }
        // No /proc (macOS): one PID namespace per boot.
        let out = std::process::Command::new("sysctl")
            .args(["-n", "kern.bootsessionuuid"])
            .output()
            .ok()?;
        Place::new(String::from_utf8_lossy(&out.stdout).trim(), "host")
    }

    /// A place from what names it; `None` when a part is empty or could
    /// not be read back from an identity.
    fn new(boot: &str, pid_namespace: &str) -> Option<Place> {
        let fits = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        (fits(boot) && fits(pid_namespace)).then(|| Place {
            boot: boot.to_string(),
            pid_namespace: pid_namespace.to_string(),
        })
    }
}

/// A process: its pid, its start time and, when noted, where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub pid: u32,
    start: String,
    /// `None` for an identity noted by an earlier devstack (`pid:start`),
    /// or by a process that could not tell where it lives.
    place: Option<Place>,
}

/// Why a process cannot be judged from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elsewhere {
    /// Another kernel boot: another machine or virtual machine, or this
    /// one before it restarted (which cannot be told apart).
    AnotherBoot,
    /// Another PID namespace (another container on this kernel).
    AnotherPidNamespace,
    /// The identity does not say where the process lives.
    NotNoted,
    /// This process cannot tell where it lives itself.
    Unknown,
}

impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Elsewhere::AnotherBoot => "its owner runs on another boot or machine",
            Elsewhere::AnotherPidNamespace => "its owner runs in another PID namespace",
            Elsewhere::NotNoted => "its owner was noted without where it runs",
            Elsewhere::Unknown => "this devstack cannot tell where it runs itself",
        })
    }
}

/// What this process can tell about another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    /// Proved gone: no process has its pid here, or one that started at
    /// another time.
    Gone,
    /// It lives where this process cannot see it.
    CannotTell(Elsewhere),
}

impl Identity {
    /// The process with this pid, as this process sees it; `None` when no
    /// such process runs (a zombie has finished).
    pub fn of(pid: u32) -> Option<Identity> {
        Some(Identity {
            pid,
            start: start_time(&pid.to_string())?,
            place: Place::here(),
        })
    }

    /// This process.
    pub fn own() -> Option<Identity> {
        Some(Identity {
            pid: std::process::id(),
            start: start_time("self")?,
            place: Place::here(),
        })
    }

    /// Reads an identity back: `pid:start@boot:namespace`, or `pid:start`
    /// as an earlier devstack wrote it. The start time is whatever the
    /// system gave (on macOS a date with spaces and colons), never an `@`.
    pub fn parse(text: &str) -> Option<Identity> {
        let (process, place) = match text.rsplit_once('@') {
            Some((process, place)) => {
                let (boot, namespace) = place.split_once(':')?;
                (process, Some(Place::new(boot, namespace)?))
            }
            None => (text, None),
        };
        let (pid, start) = process.split_once(':')?;
        if start.is_empty() {
            return None;
        }
        Some(Identity {
            pid: pid.parse().ok()?,
            start: start.to_string(),
            place,
        })
    }

    /// Whether the process still runs, judged only where this process can
    /// see it: in the same boot and PID namespace, where a pid means the
    /// same process. Anywhere else a pid names another process, or none,
    /// so nothing is concluded.
    pub fn judge(&self) -> Liveness {
        let Some(place) = &self.place else {
            return Liveness::CannotTell(Elsewhere::NotNoted);
        };
        let Some(here) = Place::here() else {
            return Liveness::CannotTell(Elsewhere::Unknown);
        };
        if place.boot != here.boot {
            return Liveness::CannotTell(Elsewhere::AnotherBoot);
        }
        if place.pid_namespace != here.pid_namespace {
            return Liveness::CannotTell(Elsewhere::AnotherPidNamespace);
        }
        self.judge_by_pid_here()
    }

    /// The judgement of an earlier devstack, which noted no place: by pid
    /// and start time in this process's own table.
    pub fn judge_by_pid_here(&self) -> Liveness {
        match start_time(&self.pid.to_string()) {
            Some(start) if start == self.start => Liveness::Alive,
            _ => Liveness::Gone,
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.pid, self.start)?;
        if let Some(place) = &self.place {
            write!(f, "@{}:{}", place.boot, place.pid_namespace)?;
        }
        Ok(())
    }
}

/// When the process `/proc/<which>` started, as the system says it;
/// `None` when none runs.
fn start_time(which: &str) -> Option<String> {
    // Linux: the 22nd field of /proc/PID/stat, in clock ticks since boot
    // (after the command name, which is in parentheses and may hold spaces).
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{which}/stat")) {
        let after_name = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // fields[0] is the state (field 3).
        if fields.first() == Some(&"Z") {
            return None;
        }
        return Some(fields.get(19)?.to_string());
    }
    // No /proc (macOS): ask `ps`.
    let pid = if which == "self" {
        std::process::id().to_string()
    } else {
        which.to_string()
    };
    let out = std::process::Command::new("ps")
        .args(["-o", "lstart=", "-p", &pid])
        .output()
        .ok()?;
    let start = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!start.is_empty() && !start.contains('@')).then_some(start)
}

/// Whether the process `pid` is stopped (`SIGSTOP`, `kill -STOP`): it runs,
/// but answers nothing until it is continued.
pub fn is_stopped(pid: u32) -> bool {
    // Linux: field 3 of /proc/PID/stat; elsewhere `ps -o stat=`.
    let state = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string)),
        Err(_) => std::process::Command::new("ps")
            .args(["-o", "stat=", "-p", &pid.to_string()])
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string()),
    };
    state.is_some_and(|state| state.starts_with(['T', 't']))
}

/// This process's identity, as it is noted.
pub fn own_identity() -> Option<String> {
    Some(Identity::own()?.to_string())
}

/// The pid an identity names.
pub fn pid_of(identity: &str) -> Option<u32> {
    Some(Identity::parse(identity)?.pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_known_by_pid_start_time_and_place() {
        let me = Identity::own().unwrap();
        assert_eq!(me.pid, std::process::id());
        assert!(me.place.is_some(), "this machine tells where it runs");
        assert_eq!(Identity::parse(&me.to_string()), Some(me.clone()));
        assert_eq!(Identity::of(me.pid), Some(me.clone()));
        assert_eq!(me.judge(), Liveness::Alive);
        // The same pid with another start time is another process.
        let reused = Identity {
            start: "0".into(),
            ..me.clone()
        };
        assert_eq!(reused.judge(), Liveness::Gone);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = Identity::of(child.id()).unwrap_or(Identity {
            pid: child.id(),
            ..reused.clone()
        });
        child.wait().unwrap();
        assert_eq!(gone.judge(), Liveness::Gone, "a finished process is gone");
    }

    #[test]
    fn a_process_elsewhere_is_never_judged() {
        let me = Identity::own().unwrap();
        let here = me.place.clone().unwrap();
        let at = |boot: &str, namespace: &str| Identity {
            place: Place::new(boot, namespace),
            ..me.clone()
        };
        // Even this very pid and start time: elsewhere it is another process.
        assert_eq!(
            at(&here.boot, "4026532999").judge(),
            Liveness::CannotTell(Elsewhere::AnotherPidNamespace)
        );
        assert_eq!(
            at("3f1c0b1e-0000-4000-8000-000000000000", &here.pid_namespace).judge(),
            Liveness::CannotTell(Elsewhere::AnotherBoot)
        );
        let unplaced = Identity::parse(&format!("{}:{}", me.pid, me.start)).unwrap();
        assert_eq!(unplaced.judge(), Liveness::CannotTell(Elsewhere::NotNoted));
        assert_eq!(unplaced.judge_by_pid_here(), Liveness::Alive);
    }

    #[test]
    fn identities_are_read_back_as_written() {
        let id =
            Identity::parse("42:1234@a48658cf-5940-4daf-bb53-89d8a4405643:4026531836").unwrap();
        assert_eq!(id.pid, 42);
        assert_eq!(id.start, "1234");
        assert_eq!(
            id.to_string(),
            "42:1234@a48658cf-5940-4daf-bb53-89d8a4405643:4026531836"
        );
        // An earlier devstack's, and macOS's start times.
        assert_eq!(Identity::parse("42:1234").unwrap().place, None);
        let mac = Identity::parse("7:Sat Dec  6 06:47:01 2025@B2C1-77:host").unwrap();
        assert_eq!(mac.start, "Sat Dec  6 06:47:01 2025");
        assert_eq!(mac.place, Place::new("B2C1-77", "host"));
        for bad in [
            "not an identity",
            "x:1",
            "42:",
            "42:1@boot",
            "42:1@:4026531836",
            "42:1@boot:",
            "42:1@bo ot:1",
        ] {
            assert_eq!(Identity::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_stopped_process_is_told_from_a_running_one() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let signal = |name: &str| {
            std::process::Command::new("kill")
                .args([name, &pid.to_string()])
                .status()
                .unwrap()
        };
        assert!(!is_stopped(pid));
        signal("-STOP");
        // A signal takes a moment to land.
        let seen = |stopped: bool| {
            (0..1000).any(|_| {
                std::thread::sleep(std::time::Duration::from_millis(10));
                is_stopped(pid) == stopped
            })
        };
        let stopped = seen(true);
        signal("-CONT");
        let resumed = seen(false);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(stopped, "never seen stopped");
        assert!(resumed, "never seen running again");
        assert!(!is_stopped(pid), "a finished process is not stopped");
    }
}
