//! `devstack completions SHELL`: the shell completion script, made from
//! the command line's own definition, so it always offers what devstack
//! accepts. Hidden subcommands are not offered. In bash, the commands that
//! take a table first also offer the manifest's table names, which the
//! script asks the hidden `devstack table-names` for.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::cli::Shell;
use crate::output::Printer;
use crate::settings::Settings;

/// The subcommands whose first argument is a table.
const TAKE_A_TABLE: [&str; 6] = ["scan", "query", "reset", "put", "get", "delete"];

/// In bash, after clap's script: table names for the first argument of the
/// commands that take a table, from the manifest `-f` names or the one
/// found here. clap's own completion runs first; its placeholders
/// (`<TABLE>`, `[KEY]...`) give way to the names.
const BASH_TABLES: &str = r#"
_devstack_tables() {
    _devstack "$@"
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    [[ "${cur}" == -* ]] && return 0
    case " TAKE_A_TABLE " in
        *" ${prev} "*) ;;
        *) return 0 ;;
    esac
    local i file=()
    for ((i = 1; i < COMP_CWORD - 1; i++)); do
        case "${COMP_WORDS[i]}" in
            -f|--file) file=(-f "${COMP_WORDS[i+1]}") ;;
        esac
    done
    local names
    names="$(devstack "${file[@]}" table-names 2>/dev/null)" || return 0
    local kept=() word
    for word in "${COMPREPLY[@]}"; do
        [[ "${word}" == \<* || "${word}" == \[* ]] || kept+=("${word}")
    done
    COMPREPLY=("${kept[@]}" $(compgen -W "${names}" -- "${cur}"))
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _devstack_tables -o nosort -o bashdefault -o default devstack
else
    complete -F _devstack_tables -o bashdefault -o default devstack
fi
"#;

/// `devstack table-names`: the manifest's tables, one name per line.
pub fn table_names(settings: &Settings, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let names: Vec<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
    if !names.is_empty() {
        printer.data(&names.join("\n"))?;
    }
    Ok(())
}

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
    let mut script = String::from_utf8_lossy(&out).into_owned();
    if shell == Shell::Bash {
        script.push_str(&BASH_TABLES.replace("TAKE_A_TABLE", &TAKE_A_TABLE.join(" ")));
    }
    script
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
