//! Telling a process from one that only got its number: a process is known
//! by its pid and its start time, `pid:start`. A `run` notes its own process
//! this way, and the embedded engine its own, so `gc`, `ls` and `down` judge
//! every process by one rule and never act on a pid that was reused.

/// A process's identity, `pid:start`, or `None` when no such process runs
/// (a zombie has finished).
pub fn identity(pid: u32) -> Option<String> {
    // Linux: the 22nd field of /proc/PID/stat, in clock ticks since boot
    // (after the command name, which is in parentheses and may hold spaces).
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        let after_name = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // fields[0] is the state (field 3).
        if fields.first() == Some(&"Z") {
            return None;
        }
        return Some(format!("{pid}:{}", fields.get(19)?));
    }
    // No /proc (macOS): ask `ps`.
    let out = std::process::Command::new("ps")
        .args(["-o", "lstart=", "-p", &pid.to_string()])
        .output()
        .ok()?;
    let start = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!start.is_empty()).then(|| format!("{pid}:{start}"))
}

/// This process's identity.
pub fn own_identity() -> Option<String> {
    identity(std::process::id())
}

/// The pid an identity names.
pub fn pid_of(identity: &str) -> Option<u32> {
    identity.split_once(':')?.0.parse().ok()
}

/// Whether a process runs, is stopped (`SIGSTOP`, `kill -STOP`), or is
/// gone (a zombie has finished).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Running,
    Stopped,
    Gone,
}

/// How the process an identity names is doing; a pid that another process
/// got since counts as gone.
pub fn liveness(identity: &str) -> Liveness {
    match pid_of(identity) {
        Some(pid) if is_alive(identity) => liveness_of_pid(pid),
        _ => Liveness::Gone,
    }
}

/// How the process `pid` is doing.
pub fn liveness_of_pid(pid: u32) -> Liveness {
    // Linux: field 3 of /proc/PID/stat; elsewhere `ps -o stat=`.
    let state = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string)),
        Err(_) => std::process::Command::new("ps")
            .args(["-o", "stat=", "-p", &pid.to_string()])
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .filter(|s| !s.is_empty()),
    };
    match state.as_deref().and_then(|s| s.chars().next()) {
        None | Some('Z' | 'X') => Liveness::Gone,
        Some('T' | 't') => Liveness::Stopped,
        Some(_) => Liveness::Running,
    }
}

/// Whether the process an identity names still runs.
pub fn is_alive(identity: &str) -> bool {
    pid_of(identity)
        .and_then(self::identity)
        .is_some_and(|now| now == identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_known_by_pid_and_start_time() {
        let me = own_identity().unwrap();
        assert!(me.starts_with(&format!("{}:", std::process::id())), "{me}");
        assert_eq!(pid_of(&me), Some(std::process::id()));
        assert!(is_alive(&me));
        // The same pid with another start time is another process.
        assert!(!is_alive(&format!("{}:0", std::process::id())));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = identity(child.id()).unwrap_or_else(|| format!("{}:1", child.id()));
        child.wait().unwrap();
        assert!(!is_alive(&gone), "a finished process is not alive");
        assert!(!is_alive("not an identity"));
        assert_eq!(liveness(&gone), Liveness::Gone);
        assert_eq!(liveness(&me), Liveness::Running);
    }

    #[test]
    fn a_stopped_process_is_told_from_a_running_and_a_finished_one() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let who = identity(pid).unwrap();
        let signal = |name: &str| {
            std::process::Command::new("kill")
                .args([name, &pid.to_string()])
                .status()
                .unwrap()
        };
        signal("-STOP");
        // The signal takes a moment to land.
        let stopped = (0..1000).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            liveness(&who) == Liveness::Stopped
        });
        signal("-CONT");
        let resumed = (0..1000).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            liveness(&who) == Liveness::Running
        });
        assert!(resumed, "never seen running again");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(stopped, "never seen stopped");
        assert_eq!(liveness(&who), Liveness::Gone);
    }
}
