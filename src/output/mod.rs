//! The printer: data to stdout, messages and progress to stderr.
//!
//! Nothing else in devstack writes to the terminal. Progress is fancy
//! (indicatif) only when stderr is a terminal and neither `--quiet`, `CI`,
//! `NO_COLOR` nor `TERM=dumb` says otherwise; then it is one plain line per event.
//! Lists of rows are laid out by `columns`.

use std::io::{IsTerminal, Write};

mod columns;

pub use columns::{Column, columns};

/// How messages on stderr are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Spinners and bars on a terminal.
    Fancy,
    /// One line per event, no cursor movement, no colour.
    Plain,
    /// Errors only.
    Quiet,
}

impl Style {
    /// Decides the style from the flags and the environment.
    pub fn detect(quiet: bool) -> Style {
        let env_plain = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
            || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var_os("TERM").is_some_and(|v| v == "dumb");
        if quiet {
            Style::Quiet
        } else if env_plain || !std::io::stderr().is_terminal() {
            Style::Plain
        } else {
            Style::Fancy
        }
    }
}

#[derive(Debug, Clone)]
pub struct Printer {
    pub style: Style,
    /// Holds every live spinner so several can share the terminal.
    multi: indicatif::MultiProgress,
}

impl Printer {
    pub fn new(style: Style) -> Self {
        let multi = indicatif::MultiProgress::new();
        if style != Style::Fancy {
            multi.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        Printer { style, multi }
    }

    /// Writes data to stdout. A closed pipe comes back as an error the
    /// caller passes up; it ends the program with exit 0 and no message.
    pub fn data(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Where streamed data goes (stdout, buffered). As with `data`, a closed
    /// pipe comes back as an error from its writes.
    pub fn data_sink(&self) -> std::io::BufWriter<std::io::Stdout> {
        std::io::BufWriter::new(std::io::stdout())
    }

    /// Whether data goes to a terminal (a person) rather than a pipe or file.
    pub fn data_is_terminal(&self) -> bool {
        std::io::stdout().is_terminal()
    }

    /// The width of the terminal data goes to, or 120 when it is not one.
    pub fn terminal_width(&self) -> usize {
        console::Term::stdout()
            .size_checked()
            .map_or(120, |(_, width)| usize::from(width))
    }

    /// A message for the person at the terminal, unless `--quiet`.
    pub fn info(&self, message: &str) {
        match self.style {
            Style::Quiet => {}
            // Printed with the spinners lifted, so neither tears the other.
            Style::Fancy => self.multi.suspend(|| {
                let _ = writeln!(std::io::stderr(), "{message}");
            }),
            Style::Plain => {
                let _ = writeln!(std::io::stderr(), "{message}");
            }
        }
    }

    /// Prints an error once: the message, then each cause on its own line.
    pub fn error(&self, err: &anyhow::Error) {
        let mut text = format!("error: {err}");
        for cause in err.chain().skip(1) {
            text.push_str(&format!("\n  caused by: {cause}"));
        }
        let _ = writeln!(std::io::stderr(), "{text}");
    }
}

/// One unit of work shown to the user: a spinner (or a byte bar) on a
/// terminal, plain lines otherwise. Core code gets one of these and never
/// sees indicatif.
pub struct Task {
    label: String,
    bar: Option<indicatif::ProgressBar>,
    multi: indicatif::MultiProgress,
    style: Style,
}

impl Printer {
    /// A task labelled e.g. with a service name.
    pub fn task(&self, label: &str, message: &str) -> Task {
        let bar = (self.style == Style::Fancy).then(|| {
            let bar = self.multi.add(indicatif::ProgressBar::new_spinner());
            bar.set_style(spinner_style());
            bar.set_prefix(label.to_string());
            bar.set_message(message.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar
        });
        let task = Task {
            label: label.to_string(),
            bar,
            multi: self.multi.clone(),
            style: self.style,
        };
        task.line(message);
        task
    }
}

fn spinner_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} {prefix:<16} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

impl Task {
    fn line(&self, message: &str) {
        if self.style == Style::Plain {
            let _ = writeln!(std::io::stderr(), "{}: {message}", self.label);
        }
    }

    /// A new step of the task.
    pub fn update(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_string()),
            None => self.line(message),
        }
    }

    /// Byte progress, e.g. of an image pull. Shown as a bar on a terminal;
    /// plain output reports only the steps.
    pub fn bytes(&self, current: u64, total: u64) {
        if let Some(bar) = &self.bar {
            if bar.length() != Some(total) {
                bar.set_length(total);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {prefix:<16} {msg} [{bar:30}] {bytes}/{total_bytes}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
            }
            bar.set_position(current);
        }
    }

    /// Item progress, e.g. of seed loading, as a bar on a terminal.
    pub fn items(&self, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            if bar.length() != Some(total) {
                bar.set_length(total);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {prefix:<16} {msg} [{bar:30}] {pos}/{len} items",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
            }
            bar.set_position(done);
        }
    }

    /// The task ended well; the message stays on screen.
    pub fn finish(self, message: &str) {
        self.end('✓', message);
    }

    /// The task failed; the error itself is printed once, at the end.
    pub fn fail(self, message: &str) {
        self.end('✗', message);
    }

    /// Replaces the live bar by a plain line that stays above the others.
    fn end(&self, mark: char, message: &str) {
        match &self.bar {
            Some(bar) => {
                bar.finish_and_clear();
                self.multi.suspend(|| {
                    let _ = writeln!(std::io::stderr(), "{mark} {:<16} {message}", self.label);
                });
            }
            None => self.line(message),
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        // A task dropped mid-way (an error, Ctrl-C) must not leave a spinner.
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

/// `n` and the word, plural unless `n` is 1: `1 table`, `3 tables`,
/// `2 indexes`.
pub fn plural(n: impl TryInto<u64>, word: &str) -> String {
    let n = n.try_into().unwrap_or(u64::MAX);
    let ending = match n {
        1 => "",
        _ if word.ends_with(['s', 'x']) || word.ends_with("ch") || word.ends_with("sh") => "es",
        _ => "s",
    };
    format!("{n} {word}{ending}")
}

/// Bytes in a short human unit: `512 B`, `293.0 KiB`, `1.5 MiB`.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    match n {
        b if b < 1024.0 => format!("{b} B"),
        b if b < 1024.0 * 1024.0 => format!("{:.1} KiB", b / 1024.0),
        b => format!("{:.1} MiB", b / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1usize, "table"), "1 table");
        assert_eq!(plural(0u64, "item"), "0 items");
        assert_eq!(plural(3u64, "object"), "3 objects");
        assert_eq!(plural(1u64, "index"), "1 index");
        assert_eq!(plural(2u64, "index"), "2 indexes");
        assert_eq!(plural(0u64, "batch"), "0 batches");
    }
}
