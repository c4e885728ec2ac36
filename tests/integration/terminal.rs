//! What a person at a terminal sees, in a real pseudo-terminal (`script`
//! from util-linux), for every command that prints progress (`up`,
//! `reset`, `run`, `down`): spinners and marks on a terminal; one plain
//! line per event, with no cursor or colour codes, under `NO_COLOR`, `CI`,
//! `TERM=dumb` or when stderr is not a terminal (colour allowed or not);
//! and `--json` output that is JSON alone whatever the terminal.

use crate::support::{Run, Stack, per_engine, run};

/// Runs `devstack ARGS` inside a pseudo-terminal, in the stack's folder and
/// home, with `env` set. What the terminal showed comes back as stdout.
fn in_terminal(stack: &Stack, args: &str, env: &[(&str, &str)]) -> Run {
    let mut command = stack.program("script");
    command
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .args([
            "-qec",
            &format!("'{}' {args}", env!("CARGO_BIN_EXE_devstack")),
            "/dev/null",
        ]);
    for (name, value) in env {
        command.env(name, value);
    }
    run(&mut command)
}

/// How one setting shows progress.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shown {
    /// A terminal: spinners, then a mark per finished task.
    Fancy,
    /// A terminal told to be plain (`NO_COLOR`, `CI`, `TERM=dumb`).
    PlainTerminal(&'static str, &'static str),
    /// stderr a pipe (under `NO_COLOR`, as every other test runs).
    Piped,
    /// stderr a pipe, and colour allowed: no `NO_COLOR`, no `CI`, a `TERM`
    /// that has colours. Still plain lines: a pipe is not a terminal.
    PipedColourAllowed,
}

/// `devstack ARGS` as `shown` says, which must succeed; what stderr (or the
/// terminal) showed comes back as stdout.
fn shown_by(stack: &Stack, args: &str, shown: Shown) -> Run {
    let out = match shown {
        Shown::Fancy => in_terminal(stack, args, &[]),
        Shown::PlainTerminal(name, value) => in_terminal(stack, args, &[(name, value)]),
        Shown::Piped | Shown::PipedColourAllowed => {
            let words: Vec<&str> = args.split_whitespace().collect();
            let mut command = stack.command(&words);
            if shown == Shown::PipedColourAllowed {
                command
                    .env_remove("NO_COLOR")
                    .env_remove("CI")
                    .env("TERM", "xterm-256color");
            }
            let out = run(&mut command);
            Run {
                stdout: out.stderr,
                stderr: String::new(),
                ..out
            }
        }
    };
    let out = out.context(format!("{shown:?}"));
    out.assert_code(0);
    out
}

/// Asserts what `shown` promises: escape codes on a plain terminal never,
/// on a fancy one always where a task ran, and `line` in any case (with its
/// mark on a terminal).
fn assert_shown(out: &Run, shown: Shown, task: Option<(&str, &str)>, line: &str) {
    if shown == Shown::Fancy {
        if let Some((label, message)) = task {
            // Cursor codes on a terminal.
            out.assert_stdout_has("\u{1b}[");
            out.assert_stdout_has(format!("✓ {label:<16} {message}"));
        }
    } else {
        out.assert_stdout_lacks("\u{1b}");
        if let Some((label, message)) = task {
            out.assert_stdout_has(format!("{label}: {message}"));
        }
    }
    out.assert_stdout_has(line);
}

/// `--json` inside a terminal: stdout is JSON alone, with no escape code.
fn assert_json_alone(stack: &Stack, args: &str) {
    let out = in_terminal(stack, &format!("{args} 2>/dev/null"), &[]);
    out.assert_stdout_lacks("\u{1b}");
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(out.stdout.trim());
    assert!(parsed.is_ok(), "{args}: not JSON alone: {:?}", out.stdout);
}

fn progress_on_a_terminal_and_plain_lines_everywhere_else(engine: &str, test: &str) {
    let stack = Stack::new(
        test,
        engine,
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    let stopped = if engine == "embedded" {
        "stopped the embedded engine"
    } else {
        "removed container"
    };
    for shown in [
        Shown::Fancy,
        Shown::PlainTerminal("NO_COLOR", "1"),
        Shown::PlainTerminal("CI", "true"),
        Shown::PlainTerminal("TERM", "dumb"),
        Shown::Piped,
        Shown::PipedColourAllowed,
    ] {
        let up = shown_by(&stack, "up", shown);
        assert_shown(&up, shown, Some(("orders", "created, 0 items")), "is up (");
        up.assert_stdout_has(format!("({engine}, region"));

        let reset = shown_by(&stack, "reset", shown);
        assert_shown(
            &reset,
            shown,
            Some(("orders", "reset, 0 items")),
            "reset 1 table (0 items)",
        );

        let ran = shown_by(&stack, "run -- true", shown);
        assert_shown(
            &ran,
            shown,
            Some(("orders", "created, 0 items")),
            "run: removed project",
        );

        for json in [
            "status --json",
            "tables --json",
            "ls --json",
            "validate --json",
        ] {
            assert_json_alone(&stack, json);
        }

        let down = shown_by(&stack, "down", shown);
        assert_shown(&down, shown, None, stopped);
    }
}

per_engine!(
    progress_on_a_terminal_and_plain_lines_everywhere_else,
    "terminal": ministack, embedded
);
