//! `devstack completions SHELL`: a script each shell accepts, offering
//! every subcommand and its options, and not the hidden one. bash (always
//! there) runs its script and is asked for completions, as at a prompt.

use crate::support::{Home, command, commands, root, run};

/// Whether `word` stands in `text` as a word of its own: not inside a
/// longer name or option (`up` in `--pull` or `setup` does not count).
fn has_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// What bash offers after `line` (the words typed so far, the last one
/// being completed) with the script sourced, asking clap's own function.
fn bash_offers(script: &std::path::Path, line: &[&str]) -> Vec<String> {
    offers("_devstack", script, line, &root())
}

/// What the completion function `function` offers after `line`, in `dir`,
/// with devstack on `PATH` (the script runs it for table names): one
/// entry per line bash printed.
fn offers(
    function: &str,
    script: &std::path::Path,
    line: &[&str],
    dir: &std::path::Path,
) -> Vec<String> {
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let last = line.len() - 1;
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={last}; \
         {function} devstack '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.join(" "),
        line[last],
        line[last - 1],
    );
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_devstack"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = run(command("bash")
        .arg("-c")
        .arg(program)
        .current_dir(dir)
        .env("PATH", path));
    out.assert_code(0);
    out.stdout.lines().map(String::from).collect()
}

#[test]
fn completion_scripts_name_the_subcommands_and_parse_in_their_shell() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let commands = commands();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(home.devstack(&root()).args(["completions", shell]));
        out.assert_code(0);
        for command in &commands {
            assert!(has_word(&out.stdout, command), "{shell}: no `{command}`");
        }
        for option in ["timeout", "pull", "volumes", "no-seed", "engine"] {
            // fish names a long option `-l NAME`.
            let written = match shell {
                "fish" => format!("-l {option}"),
                _ => format!("--{option}"),
            };
            assert!(has_word(&out.stdout, &written), "{shell}: no `{written}`");
        }
        out.assert_stdout_lacks("serve-engine");
        let script = dir.path().join(format!("devstack.{shell}"));
        std::fs::write(&script, &out.stdout).unwrap();
        match shell {
            "bash" => {
                run(command("bash").arg("-n").arg(&script)).assert_code(0);
                let mut offered = bash_offers(&script, &["devstack", ""]);
                offered.retain(|word| !word.starts_with('-'));
                let mut expected = commands.clone();
                expected.push("help".to_string());
                expected.sort();
                offered.sort();
                assert_eq!(offered, expected, "bash offers the subcommands");
                let options = bash_offers(&script, &["devstack", "up", "--"]);
                for option in ["--timeout", "--pull", "--reseed"] {
                    assert!(
                        options.iter().any(|o| o == option),
                        "`up {option}`: {options:?}"
                    );
                }
            }
            // Checked only where fish is installed.
            "fish" if command("fish").arg("--version").output().is_ok() => {
                run(command("fish").arg("--no-execute").arg(&script)).assert_code(0);
            }
            _ => {}
        }
    }
}

/// What bash offers after `line`, through the script's own entry (table
/// names included), in `dir`; no entry when it offers nothing.
fn bash_offers_in(dir: &std::path::Path, script: &std::path::Path, line: &[&str]) -> Vec<String> {
    let mut offered = offers("_devstack_tables", script, line, dir);
    offered.retain(|w| !w.is_empty());
    offered
}

#[test]
fn bash_offers_the_manifests_table_names_where_a_table_goes() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devstack.toml"),
        "[project]\nname = \"completing\"\n\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n\
         \n[[table]]\nname = \"order-lines\"\npartition_key = \"pk:S\"\n\
         \n[[table]]\nname = \"users\"\npartition_key = \"id:S\"\n",
    )
    .unwrap();
    let out = run(home.devstack(&root()).args(["completions", "bash"]));
    out.assert_code(0);
    let script = dir.path().join("devstack.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    run(command("bash").arg("-n").arg(&script)).assert_code(0);

    for command in ["scan", "query", "reset", "put", "get", "delete"] {
        let mut offered = bash_offers_in(dir.path(), &script, &["devstack", command, ""]);
        offered.retain(|w| !w.starts_with('-'));
        offered.sort();
        assert_eq!(offered, ["order-lines", "orders", "users"], "{command}");
    }
    let offered = bash_offers_in(dir.path(), &script, &["devstack", "scan", "ord"]);
    assert_eq!(offered, ["orders", "order-lines"]);
    // Not where no table goes: another command, the second argument, an option.
    for line in [
        &["devstack", "up", ""][..],
        &["devstack", "query", "orders", ""][..],
        &["devstack", "scan", "--"][..],
    ] {
        let offered = bash_offers_in(dir.path(), &script, line);
        assert!(
            !offered.iter().any(|w| w == "users"),
            "{line:?}: {offered:?}"
        );
    }
    // With `-f`, from that manifest; without a manifest, nothing and no error.
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("devstack.toml");
    let manifest = manifest.to_str().unwrap();
    let offered = bash_offers_in(
        elsewhere.path(),
        &script,
        &["devstack", "-f", manifest, "get", "u"],
    );
    assert_eq!(offered, ["users"]);
    let offered = bash_offers_in(elsewhere.path(), &script, &["devstack", "get", "u"]);
    assert!(offered.is_empty(), "{offered:?}");
}
