//! `devstack completions SHELL`: a script each shell accepts, offering the
//! subcommands and not the hidden one.

use std::process::Command;

use crate::support::{Home, commands, root, run};

#[test]
fn completion_scripts_name_the_subcommands_and_parse_in_their_shell() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let commands = commands();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(home.devstack(&root()).args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(!out.stdout.trim().is_empty(), "{shell}: empty script");
        for command in &commands {
            assert!(out.stdout.contains(command), "{shell}: no `{command}`");
        }
        assert!(
            !out.stdout.contains("serve-engine"),
            "{shell}: offers the hidden `serve-engine`"
        );
        let script = dir.path().join(format!("devstack.{shell}"));
        std::fs::write(&script, &out.stdout).unwrap();
        match shell {
            "bash" => {
                let checked = run(Command::new("bash").arg("-n").arg(&script));
                assert_eq!(checked.code, 0, "bash -n: {}", checked.stderr);
            }
            // Checked only where fish is installed.
            "fish" if Command::new("fish").arg("--version").output().is_ok() => {
                let checked = run(Command::new("fish").arg("--no-execute").arg(&script));
                assert_eq!(checked.code, 0, "fish --no-execute: {}", checked.stderr);
            }
            _ => {}
        }
    }
}
