//! Processes as `/proc` shows them: the embedded engine of a state folder,
//! whether a pid still runs, every process naming a path; and the guard
//! that stops a home's engines when a test ends.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Run, command, run};

/// Stops every embedded engine of a test's home when dropped (the stack's
/// own, and those of its `run`s), each found by the record in its state
/// folder and checked to be that engine by its command line; killed if it
/// does not stop.
pub struct StopEngine(pub PathBuf);

impl Drop for StopEngine {
    fn drop(&mut self) {
        let dirs = std::fs::read_dir(&self.0).into_iter().flatten().flatten();
        for dir in dirs {
            stop_engine(&dir.path());
        }
    }
}

fn stop_engine(dir: &Path) {
    let Some(pid) = engine_pid(dir) else {
        return;
    };
    let signal = |name: &str| {
        send_signal(pid, name);
    };
    signal("-TERM");
    let started = std::time::Instant::now();
    while process_alive(pid) {
        if started.elapsed() > Duration::from_secs(10) {
            signal("-KILL");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (`"-9"`, `"-TERM"`, `"-INT"`) to the process `pid`, and
/// says how `kill` ended. Pid 0 (and anything `kill` would read as a
/// negative number) signals a whole process group, the test's own
/// included: a pid not yet known fails the test instead.
#[track_caller]
pub fn send_signal(pid: u32, signal: &str) -> Run {
    assert!(
        pid > 0 && i32::try_from(pid).is_ok(),
        "refusing to send {signal} to pid {pid}: not one process"
    );
    run(command("kill").args([signal, &pid.to_string()]))
}

/// The pid of the live embedded engine whose state folder is `dir`.
pub fn engine_pid(dir: &Path) -> Option<u32> {
    let record = std::fs::read_to_string(dir.join("engine.json")).ok()?;
    let record: serde_json::Value = serde_json::from_str(&record).ok()?;
    let pid = u32::try_from(record["pid"].as_u64()?).ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    String::from_utf8_lossy(&cmdline)
        .contains(&*dir.to_string_lossy())
        .then_some(pid)
}

/// Whether a process with this pid runs (and is not a zombie).
pub fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

/// Every process whose command line names `needle`.
pub fn processes_naming(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(needle)
            && process_alive(pid)
        {
            found.push(pid);
        }
    }
    found
}
