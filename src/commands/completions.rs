//! `devstack completions SHELL`: the shell completion script, made from
//! the command line's own definition, so it always offers what devstack
//! accepts. Hidden subcommands are not offered.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::cli::Shell;
use crate::output::Printer;

pub fn run(shell: Shell, printer: &Printer) -> anyhow::Result<()> {
    printer.data(&script(shell))?;
    Ok(())
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut command = visible(&Cli::command());
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut command, "devstack", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The command line without its hidden subcommands (`serve-engine`), which
/// the generators would offer: clap has no way to drop a subcommand, so the
/// top level is made again from the visible parts.
fn visible(full: &clap::Command) -> clap::Command {
    clap::Command::new("devstack")
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(true)
        .about(full.get_about().cloned().unwrap_or_default())
        .args(full.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hidden_subcommands_are_left_out() {
        let full = Cli::command();
        let names = |command: &clap::Command, hidden: bool| -> Vec<String> {
            command
                .get_subcommands()
                .filter(|s| hidden || !s.is_hide_set())
                .map(|s| s.get_name().to_string())
                .collect()
        };
        let trimmed = visible(&full);
        assert_eq!(names(&trimmed, true), names(&full, false));
        assert!(!names(&trimmed, true).contains(&"serve-engine".to_string()));
        let options = |command: &clap::Command| -> Vec<String> {
            command
                .get_arguments()
                .map(|a| a.get_id().to_string())
                .collect()
        };
        assert_eq!(options(&trimmed), options(&full));
    }

    #[test]
    fn every_shell_gets_the_visible_subcommands_and_not_the_hidden_one() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = script(shell);
            for command in ["up", "down", "run", "doctor", "completions"] {
                assert!(script.contains(command), "{shell:?}: no `{command}`");
            }
            assert!(
                !script.contains("serve-engine"),
                "{shell:?} offers `serve-engine`"
            );
        }
    }
}
