//! What a person at a terminal sees, in a real pseudo-terminal (`script`
//! from util-linux), for every command that prints progress (`up`,
//! `reset`, `run`, `down`): spinners and marks on a terminal; one plain
//! line per event, with no cursor or colour codes, under `NO_COLOR`, `CI`,
//! `TERM=dumb` or when stderr is not a terminal; and `--json` output that
//! is JSON alone whatever the terminal.

use crate::support::{Run, Stack, docker, run};

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
    /// stderr a pipe.
    Piped,
}

/// `devstack ARGS` as `shown` says; returns what stderr (or the terminal)
/// showed.
fn shown_by(stack: &Stack, args: &str, shown: Shown) -> String {
    let out = match shown {
        Shown::Fancy => in_terminal(stack, args, &[]),
        Shown::PlainTerminal(name, value) => in_terminal(stack, args, &[(name, value)]),
        Shown::Piped => {
            let words: Vec<&str> = args.split_whitespace().collect();
            let out = stack.run(&words);
            Run {
                code: out.code,
                stdout: out.stderr,
                stderr: String::new(),
            }
        }
    };
    assert_eq!(out.code, 0, "{args} ({shown:?}):\n{}", out.stdout);
    out.stdout
}

/// Asserts what `shown` promises: escape codes on a plain terminal never,
/// on a fancy one always where a task ran, and `plain` as a line of its own
/// (with its mark on a terminal).
fn assert_shown(what: &str, args: &str, shown: Shown, task: Option<(&str, &str)>, line: &str) {
    if shown == Shown::Fancy {
        if let Some((label, message)) = task {
            assert!(
                what.contains("\u{1b}["),
                "{args}: cursor codes on a terminal: {what:?}"
            );
            let marked = format!("✓ {label:<16} {message}");
            assert!(what.contains(&marked), "{args}: `{marked}` in {what:?}");
        }
    } else {
        assert!(
            !what.contains('\u{1b}'),
            "{args} ({shown:?}): escape codes in {what:?}"
        );
        if let Some((label, message)) = task {
            let plain = format!("{label}: {message}");
            assert!(
                what.contains(&plain),
                "{args} ({shown:?}): `{plain}` in {what:?}"
            );
        }
    }
    assert!(
        what.contains(line),
        "{args} ({shown:?}): `{line}` in {what:?}"
    );
}

/// `--json` inside a terminal: stdout is JSON alone, with no escape code.
fn assert_json_alone(stack: &Stack, args: &str) {
    let out = in_terminal(stack, &format!("{args} 2>/dev/null"), &[]);
    assert!(!out.stdout.contains('\u{1b}'), "{args}: {:?}", out.stdout);
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(out.stdout.trim());
    assert!(parsed.is_ok(), "{args}: not JSON alone: {:?}", out.stdout);
}

fn every_progress_command(engine: &str, test: &str) {
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
    ] {
        let up = shown_by(&stack, "up", shown);
        assert_shown(
            &up,
            "up",
            shown,
            Some(("orders", "created, 0 items")),
            "is up (",
        );
        assert!(up.contains(&format!("({engine}, region")), "{up:?}");

        let reset = shown_by(&stack, "reset", shown);
        assert_shown(
            &reset,
            "reset",
            shown,
            Some(("orders", "reset, 0 items")),
            "reset 1 table (0 items)",
        );

        let ran = shown_by(&stack, "run -- true", shown);
        assert_shown(
            &ran,
            "run -- true",
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
        assert_shown(&down, "down", shown, None, stopped);
    }
}

#[test]
fn embedded_progress_on_a_terminal_and_plain_lines_everywhere_else() {
    every_progress_command("embedded", "terminal-emb");
}

#[test]
#[ignore = "needs a Docker daemon"]
fn ministack_progress_on_a_terminal_and_plain_lines_everywhere_else() {
    let _docker = docker();
    every_progress_command("ministack", "terminal");
}
