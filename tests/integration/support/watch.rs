//! A devstack process read while it runs: its stderr line by line as it
//! comes, so a test can act at one progress line (send a signal, pause or
//! remove the engine) and then see how it ended.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use super::{Run, command_line};

/// A devstack process whose stderr is read line by line as it comes, so a
/// test can act at one progress line (kill it, pause its engine, press
/// Ctrl-C), then see how it ended and everything it said. Dropped early (a
/// failed assertion), it kills the process.
pub struct Watched {
    what: String,
    child: std::process::Child,
    said: std::sync::Arc<std::sync::Mutex<String>>,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watched {
    pub fn spawn(mut command: Command) -> Self {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        let what = command_line(&command);
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run devstack");
        let stderr = child.stderr.take().unwrap();
        let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn({
            let said = said.clone();
            move || {
                let mut stderr = BufReader::new(stderr);
                let mut bytes = Vec::new();
                while stderr.read_until(b'\n', &mut bytes).is_ok_and(|n| n > 0) {
                    let line = String::from_utf8_lossy(&bytes)
                        .trim_end_matches(['\r', '\n'])
                        .to_string();
                    bytes.clear();
                    {
                        let mut said = said.lock().unwrap();
                        said.push_str(&line);
                        said.push('\n');
                    }
                    let _ = send.send(line);
                }
            }
        });
        Self {
            what,
            child,
            said,
            lines,
        }
    }

    /// Everything it said so far.
    pub fn said(&self) -> String {
        self.said.lock().unwrap().clone()
    }

    /// Blocks until it says a line containing `marker`; fails the test if
    /// it ends first or `within` passes.
    pub fn until(&mut self, marker: &str, within: Duration) {
        use std::sync::mpsc::RecvTimeoutError;
        let deadline = std::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(marker) => return,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "{} did not say `{marker}` within {within:?}:\n{}",
                        self.what,
                        self.said()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().unwrap();
                    panic!(
                        "{} ended ({status}) before `{marker}`:\n{}",
                        self.what,
                        self.said()
                    )
                }
            }
        }
    }

    /// Sends it a signal: `"-9"`, `"-INT"`.
    pub fn signal(&self, signal: &str) {
        super::process::send_signal(self.child.id(), signal).assert_code(0);
    }

    /// Waits until it ends; fails the test (killing it) if it still runs
    /// after `within`. Returns how it ended and everything it said, as its
    /// stderr (its stdout went nowhere).
    pub fn wait(mut self, within: Duration) -> Run {
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > within {
                panic!(
                    "{} still ran after {within:?}, killed; it said:\n{}",
                    self.what,
                    self.said()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends when stderr closes, which a process it started
        // (an embedded engine) may keep open: it gets a moment, not more.
        let drained = std::time::Instant::now() + Duration::from_secs(2);
        while self
            .lines
            .recv_timeout(drained.saturating_duration_since(std::time::Instant::now()))
            .is_ok()
        {}
        Run {
            what: self.what.clone(),
            code: status.code().unwrap_or(-1),
            signal: status.signal(),
            stdout: String::new(),
            stderr: self.said(),
        }
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The lines a child writes to a pipe, read on a thread of their own, so a
/// test waits for each with a deadline and never hangs on a child that
/// falls silent.
pub struct Lines {
    what: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Lines {
    /// Reads `pipe` (a child's stdout or stderr); `what` names it in
    /// failures.
    pub fn of(what: &str, pipe: impl std::io::Read + Send + 'static) -> Lines {
        use std::io::BufRead;
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines() {
                let Ok(line) = line else { return };
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        Lines {
            what: what.to_string(),
            lines,
        }
    }

    /// The next line; fails the test if none comes within `within` (a
    /// bound far above the expected time) or the pipe closes first.
    #[track_caller]
    pub fn next_within(&self, within: Duration) -> String {
        use std::sync::mpsc::RecvTimeoutError;
        match self.lines.recv_timeout(within) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!("{} wrote no line within {within:?}", self.what)
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("{} closed before its next line", self.what)
            }
        }
    }
}
