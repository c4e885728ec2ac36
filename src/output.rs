//! The printer: data to stdout, messages and progress to stderr.
//!
//! Nothing else in devstack writes to the terminal. Progress is fancy
//! (indicatif) only when stderr is a terminal and neither `--quiet`, `CI`,
//! `NO_COLOR` nor `TERM=dumb` says otherwise; then it is one plain line per event.

use std::io::{IsTerminal, Write};

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
}

impl Printer {
    pub fn new(style: Style) -> Self {
        Printer { style }
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

    /// A message for the person at the terminal, unless `--quiet`.
    pub fn info(&self, message: &str) {
        if self.style != Style::Quiet {
            let _ = writeln!(std::io::stderr(), "{message}");
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
