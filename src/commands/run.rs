//! `devstack run -- CMD`: a fresh stack of its own for one command (a test
//! suite): a project name no other run shares, every port picked free, the
//! tables made and seeded; CMD runs with the stack's variables, and the
//! stack is removed afterwards, pass or fail, also when CMD or devstack is
//! stopped by a signal. Exits with CMD's exit code (128 + N for signal N).

use std::ffi::OsString;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::signal::unix::{Signal as UnixSignal, SignalKind, signal};

use crate::dirs::ProjectDirs;
use crate::error::{ExitWith, UsageError};
use crate::manifest::{Manifest, PullPolicy};
use crate::output::{Printer, plural};
use crate::process;
use crate::runs::{RunRecord, WarmTables};
use crate::seed;
use crate::service::Engine;
use crate::settings::{RunOptions, Settings};
use crate::stack::{self, RunningStack};
use crate::variables;

pub async fn run(
    settings: &Settings,
    options: &RunOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut manifest = settings.manifest()?;
    if let Some(snapshot) = &options.snapshot {
        super::seed_from_snapshot(settings, &mut manifest, snapshot)?;
    }
    let seeds = seed::validate_tables(&manifest.tables, &settings.dirs.cache)?;
    let owner = process::own_identity().context("cannot tell this process's start time")?;
    // A stack kept on purpose outlives its run: its Docker objects carry no
    // owner, so `gc` never takes it for a run's left behind, from any home.
    let fresh = options.snapshot.is_some();
    let warm = options.warm.map(|idle| (idle, fresh));
    let dirs = begin_throwaway(settings, &mut manifest, owner, options.keep, warm).await?;
    let project = manifest.project.name.clone();
    for note in &manifest.notes {
        printer.info(note);
    }
    printer.info(&match &manifest.project.warm {
        Some(warm) => format!(
            "run: project `{project}` ({}, on the warm engine `{}`)",
            manifest.project.engine, warm.engine
        ),
        None => format!("run: project `{project}` ({})", manifest.project.engine),
    });

    // Signals from here on: during set-up they stop it and the stack is
    // removed; while CMD runs they are passed on to CMD first.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let stack = bring_up_throwaway(
        settings,
        &manifest,
        &seeds,
        manifest.project.pull,
        manifest.project.ready_timeout,
        &dirs,
        (&mut terminate, &mut interrupt),
        printer,
    )
    .await?;
    printer.info(&format!(
        "run: stack ready at {} in {:.1}s",
        stack.engine.url(),
        started.elapsed().as_secs_f64()
    ));

    let status = match variables::with_identity(&manifest, stack.engine.url()) {
        Ok(vars) => run_command(&options.command, &vars, &mut terminate, &mut interrupt).await,
        Err(err) => Err(err.into()),
    };
    if options.keep {
        printer.info(&format!(
            "run: kept project `{project}` at {}\n  `eval \"$(devstack --project {project} env)\"` reaches it; `devstack --project {project} down` removes it",
            stack.engine.url()
        ));
    } else {
        clean_up(&dirs, manifest.project.engine, printer).await;
    }
    let code = status?;
    if code == 0 {
        Ok(())
    } else {
        Err(ExitWith(code).into())
    }
}

/// Brings a throwaway stack up ([`super::bring_up`]); when that fails, or
/// SIGTERM or SIGINT stops it while the stack is made, what was made of it
/// is removed.
#[allow(clippy::too_many_arguments)]
pub(super) async fn bring_up_throwaway(
    settings: &Settings,
    manifest: &Manifest,
    seeds: &seed::SeedCounts,
    pull: PullPolicy,
    timeout: Duration,
    dirs: &ProjectDirs,
    (terminate, interrupt): (&mut UnixSignal, &mut UnixSignal),
    printer: &Printer,
) -> anyhow::Result<RunningStack> {
    let stack = tokio::select! {
        stack = super::bring_up(settings, manifest, seeds, pull, timeout, false, printer) => {
            stack.map(|(stack, _)| stack)
        }
        _ = terminate.recv() => Err(ExitWith(128 + Signal::SIGTERM as u8).into()),
        _ = interrupt.recv() => Err(crate::error::Interrupted.into()),
    };
    if stack.is_err() {
        clean_up(dirs, manifest.project.engine, printer).await;
        // A warm run makes no Docker object of its own.
        if manifest.project.warm.is_none() {
            remove_late(dirs, manifest.project.engine).await;
        }
    }
    stack
}

/// After a stack was stopped while it was made: a request the Docker
/// daemon was still carrying out (a container being created) can make an
/// object once the stack was removed. Looked for again for a few seconds,
/// and removed.
async fn remove_late(project: &ProjectDirs, engine: Engine) {
    if engine == Engine::Embedded {
        return;
    }
    let quiet = Printer::new(crate::output::Style::detect(true));
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = stack::down(project, Some(engine), true, &quiet).await;
    }
    // What looking made again (its lock), and what it found.
    project.forget();
}

/// Makes `manifest` a throwaway stack of `owner`'s (kept: with no owner on
/// its Docker objects), its tables on a warm engine with `warm` (kept that
/// long once unused; fresh ones, not made ahead, with its `true`), and
/// notes the run before anything is made, so that a run killed at any
/// point can be collected by `devstack gc`. Returns the run's folders.
pub(super) async fn begin_throwaway(
    settings: &Settings,
    manifest: &mut Manifest,
    owner: String,
    kept: bool,
    warm: Option<(Duration, bool)>,
) -> anyhow::Result<ProjectDirs> {
    make_throwaway(manifest, (!kept).then_some(owner.as_str()));
    if let Some((idle, fresh)) = warm {
        let notes = stack::warm::adopt(manifest, &settings.dirs, idle, fresh).await;
        manifest.notes.extend(notes);
    }
    let dirs = settings.dirs.project(&manifest.project.name);
    let record = RunRecord {
        project: manifest.project.name.clone(),
        engine: manifest.project.engine.to_string(),
        owner,
        // Kept from the start: a run with `--keep` killed before it ends
        // leaves its stack as asked, and `gc` never collects it.
        kept,
        warm: WarmTables::of(manifest),
    };
    dirs.note_run(&record).context("cannot note the run")?;
    Ok(dirs)
}

/// The manifest's stack as one of its own: a fresh project name, every port
/// picked free, in memory, labelled with its owner.
fn make_throwaway(manifest: &mut Manifest, owner: Option<&str>) {
    let prefix = crate::runs::runs_prefix(&manifest.project.name);
    manifest.project.name = format!("{prefix}{:08x}", fastrand::u32(..));
    manifest.make_throwaway(owner);
}

/// Whether devstack's own variable `name` is left out of CMD's environment:
/// the AWS SDKs' and devstack's own, which CMD gets from the stack alone.
fn is_withheld(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("AWS_") || name.starts_with("DEVSTACK_")
}

/// Runs CMD with the variables, stdin, stdout and stderr its own; returns
/// its exit code, 128 + N when a signal N ended it. SIGTERM (and SIGINT
/// when CMD does not share the terminal) is passed on to CMD, which decides
/// when it ends.
async fn run_command(
    command: &[OsString],
    vars: &[(String, String)],
    terminate: &mut tokio::signal::unix::Signal,
    interrupt: &mut tokio::signal::unix::Signal,
) -> anyhow::Result<u8> {
    let Some((program, args)) = command.split_first() else {
        return Err(UsageError("`run` needs a command after `--`".to_string()).into());
    };
    let mut child = tokio::process::Command::new(program);
    for (name, _) in std::env::vars_os().filter(|(name, _)| is_withheld(name)) {
        child.env_remove(name);
    }
    child.args(args).envs(vars.iter().map(|(k, v)| (k, v)));
    // On a terminal, CMD shares devstack's process group: Ctrl-C reaches it
    // from the terminal itself, once. Otherwise it gets a group of its own,
    // and devstack passes SIGINT on.
    let shares_terminal = std::io::stdin().is_terminal();
    if !shares_terminal {
        child.process_group(0);
    }
    let mut child = child
        .spawn()
        .map_err(|err| UsageError(format!("cannot run `{}`: {err}", program.to_string_lossy())))?;
    let pid = child
        .id()
        .map(|id| Pid::from_raw(i32::try_from(id).unwrap_or(i32::MAX)));
    let pass_on = |signal: Signal| {
        if let Some(pid) = pid {
            let _ = kill(pid, signal);
        }
    };
    let status = loop {
        tokio::select! {
            status = child.wait() => break status?,
            _ = terminate.recv() => pass_on(Signal::SIGTERM),
            _ = interrupt.recv() => {
                if !shares_terminal {
                    pass_on(Signal::SIGINT);
                }
            }
        }
    };
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => 128u8.saturating_add(u8::try_from(signal).unwrap_or(0)),
        _ => 1,
    })
}

/// Removes everything of the run, whatever happened: its services, its
/// notes, its lock, its record. Problems are said, not raised: the exit
/// code is CMD's.
pub(super) async fn clean_up(project: &ProjectDirs, engine: Engine, printer: &Printer) {
    match stack::down(project, Some(engine), true, printer).await {
        Ok(done) => {
            printer.info(&format!(
                "run: removed project `{}` ({})",
                project.name,
                plural(done.lines().len(), "object")
            ));
            if let Some((warm, _)) = &done.warm_tables {
                stack::warm::spawn_prepare(project, warm);
            }
        }
        Err(err) => {
            printer.info(&format!(
                "run: could not remove everything of `{}`: {err:#}\n  hint: `devstack gc` removes what is left",
                project.name
            ));
            // A warm run's tables are found by its note alone: kept for `gc`.
            if project.run().is_some_and(|run| run.warm.is_some()) {
                return;
            }
        }
    }
    project.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throwaway_stack_has_a_fresh_name_free_ports_and_its_owner() {
        let mut m = Manifest::for_test(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\nadmin = true\npersist = true\n\
             [services.ministack]\nport = 4566\n",
        );
        make_throwaway(&mut m, Some("1:2"));
        assert!(
            m.project.name.starts_with("demo-run-"),
            "{}",
            m.project.name
        );
        assert_eq!(m.project.name.len(), "demo-run-".len() + 8);
        assert!(!m.project.persist);
        assert_eq!(m.project.owner.as_deref(), Some("1:2"));
        for service in m.services() {
            assert_eq!(m.services[&service].port, Some(0), "{service}");
        }
        let mut again = Manifest::for_test("[project]\nname = \"demo\"\nengine = \"ministack\"\n");
        make_throwaway(&mut again, Some("1:2"));
        assert_ne!(
            again.project.name, m.project.name,
            "no two runs share a name"
        );
    }

    #[test]
    fn cmd_gets_the_runs_identity_and_the_callers_aws_and_devstack_variables_are_withheld() {
        let mut m = Manifest::for_test("[project]\nname = \"demo\"\nengine = \"embedded\"\n");
        make_throwaway(&mut m, Some("1:2"));
        let vars: std::collections::HashMap<String, String> =
            variables::with_identity(&m, "http://127.0.0.1:9")
                .unwrap()
                .into_iter()
                .collect();
        assert_eq!(vars["DEVSTACK_PROJECT"], m.project.name);
        assert_eq!(vars["DEVSTACK_ENGINE"], "embedded");
        assert!(std::path::Path::new(&vars["DEVSTACK_FILE"]).is_absolute());
        assert_eq!(vars["AWS_ENDPOINT_URL"], "http://127.0.0.1:9");
        for name in [
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_PROFILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_CONFIG_FILE",
            "DEVSTACK_ENDPOINT",
        ] {
            assert!(is_withheld(name.as_ref()), "{name}");
        }
        assert!(!is_withheld("PATH".as_ref()));
        assert!(!is_withheld("HOME".as_ref()));
    }
}
