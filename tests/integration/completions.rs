//! `devstack completions SHELL`: a script each shell accepts, offering the
//! subcommands and not the hidden one.

use crate::support::{Home, command, commands, root, run};

#[test]
fn completion_scripts_name_the_subcommands_and_parse_in_their_shell() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let commands = commands();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(home.devstack(&root()).args(["completions", shell]));
        out.assert_code(0);
        assert!(!out.stdout.trim().is_empty(), "{shell}: empty script");
        for command in &commands {
            out.assert_stdout_has(command);
        }
        out.assert_stdout_lacks("serve-engine");
        let script = dir.path().join(format!("devstack.{shell}"));
        std::fs::write(&script, &out.stdout).unwrap();
        match shell {
            "bash" => {
                let checked = run(command("bash").arg("-n").arg(&script));
                checked.assert_code(0);
            }
            // Checked only where fish is installed.
            "fish" if command("fish").arg("--version").output().is_ok() => {
                let checked = run(command("fish").arg("--no-execute").arg(&script));
                checked.assert_code(0);
            }
            _ => {}
        }
    }
}
