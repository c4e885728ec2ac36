//! What a person at a terminal sees, in a real pseudo-terminal (`script`
//! from util-linux): spinners and marks on a terminal; one plain line per
//! event, with no cursor or colour codes, under `NO_COLOR`, `CI`,
//! `TERM=dumb` or when stderr is not a terminal.

use std::process::Command;

use crate::support::{Run, Stack, docker, run};

/// Runs `devstack ARGS` inside a pseudo-terminal, with `env` set.
fn in_terminal(stack: &Stack, args: &str, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new("script");
    command
        .current_dir(stack.dir.path())
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

#[test]
#[ignore = "needs a Docker daemon"]
fn a_terminal_gets_spinners_and_plain_settings_get_plain_lines() {
    let _docker = docker();
    let stack = Stack::new(
        "terminal",
        "ministack",
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n",
    );
    stack.up();

    let fancy = in_terminal(&stack, "reset", &[]);
    assert_eq!(fancy.code, 0, "{}", fancy.stdout);
    assert!(
        fancy.stdout.contains("\u{1b}["),
        "cursor codes on a terminal: {:?}",
        fancy.stdout
    );
    assert!(fancy.stdout.contains("✓ orders"), "{:?}", fancy.stdout);

    for env in [("NO_COLOR", "1"), ("CI", "true"), ("TERM", "dumb")] {
        let plain = in_terminal(&stack, "reset", &[env]);
        assert_eq!(plain.code, 0, "{env:?}: {}", plain.stdout);
        assert!(
            !plain.stdout.contains('\u{1b}'),
            "{env:?}: escape codes in {:?}",
            plain.stdout
        );
        assert!(
            plain.stdout.contains("orders: reset, 0 items"),
            "{env:?}: {:?}",
            plain.stdout
        );
    }

    // Not a terminal at all.
    let piped = stack.run(&["reset"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!piped.stderr.contains('\u{1b}'), "{:?}", piped.stderr);
    assert!(
        piped.stderr.contains("orders: reset, 0 items"),
        "{:?}",
        piped.stderr
    );
}
