//! The embedded engine's log, the file its process writes to: shown by
//! `logs` (all of it or its last lines, then with `--follow` each line as it
//! comes), and its last lines when the engine does not come up.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::files::EngineFiles;

/// Log lines shown when the engine does not come up.
pub const LOG_TAIL: usize = 20;
/// How often `--follow` looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// The engine's log, line by line: the last `tail` lines (all without a
/// number), then with `follow` each whole new line as it comes, until
/// interrupted.
pub async fn read_log(
    files: &EngineFiles,
    tail: Option<usize>,
    follow: bool,
    mut emit: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let path = files.log();
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!(
                "the embedded engine has no log yet (`{}`)\n  hint: start it with `devstack up`",
                path.display()
            )
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read `{}`", path.display())),
    };
    let mut reader = BufReader::new(file);
    let mut read = async |line: &mut Vec<u8>| {
        reader
            .read_until(b'\n', line)
            .await
            .with_context(|| format!("cannot read `{}`", path.display()))
    };
    // What is there now; a line still being written counts unless following.
    let mut shown = VecDeque::new();
    let mut line = Vec::new();
    while read(&mut line).await? > 0 && line.ends_with(b"\n") {
        shown.push_back(text_of(&line));
        if tail.is_some_and(|n| shown.len() > n) {
            shown.pop_front();
        }
        line.clear();
    }
    if !follow && !line.is_empty() {
        shown.push_back(text_of(&line));
        if tail.is_some_and(|n| shown.len() > n) {
            shown.pop_front();
        }
    }
    for text in &shown {
        emit(text)?;
    }
    if !follow {
        return Ok(());
    }
    loop {
        // `line` keeps a line that is still being written until its end comes.
        if read(&mut line).await? == 0 || !line.ends_with(b"\n") {
            tokio::time::sleep(FOLLOW_POLL).await;
            continue;
        }
        emit(&text_of(&line))?;
        line.clear();
    }
}

fn text_of(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// The last `lines` lines of the log written since byte `from`.
pub fn tail(log: &Path, from: u64, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(log) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.read_to_string(&mut text);
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_shows_only_what_was_written_since() {
        let (_dir, files) = super::super::files::tests::files();
        std::fs::write(files.log(), "old 1\nold 2\n").unwrap();
        let from = std::fs::metadata(files.log()).unwrap().len();
        std::fs::write(files.log(), "old 1\nold 2\nnew 1\nnew 2\nnew 3\n").unwrap();
        assert_eq!(tail(&files.log(), from, 2), "new 2\nnew 3");
        assert_eq!(tail(&files.log(), from, 10), "new 1\nnew 2\nnew 3");
    }

    #[tokio::test]
    async fn the_log_shows_its_last_lines_and_a_line_still_being_written() {
        let (_dir, files) = super::super::files::tests::files();
        std::fs::write(files.log(), "one\ntwo\r\nthree\nfour").unwrap();
        let mut seen = Vec::new();
        read_log(&files, Some(3), false, |line| {
            seen.push(line.to_string());
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(seen, ["two", "three", "four"]);
        seen.clear();
        read_log(&files, None, false, |line| {
            seen.push(line.to_string());
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(seen.len(), 4);
    }
}
