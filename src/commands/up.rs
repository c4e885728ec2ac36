//! `devstack up`: the stack, running and usable, in one command.

use std::time::Instant;

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

use crate::dynamo::client::{self, Profile};
use crate::dynamo::reconcile;
use crate::error::UsageError;
use crate::manifest::Manifest;
use crate::output::Printer;
use crate::process;
use crate::seed;
use crate::settings::{Settings, UpOptions};
use crate::stack::health::{self, Probe, Watch};
use crate::variables;

pub async fn run(
    settings: &Settings,
    options: &UpOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut manifest = settings.manifest()?;
    let from_snapshot = match &options.snapshot {
        Some(snapshot) => super::seed_from_snapshot(settings, &mut manifest, snapshot)?,
        None => Vec::new(),
    };
    let project = &manifest.project;
    // Every manifest and seed problem is found before Docker is asked anything.
    let seeds = seed::validate_tables(&manifest.tables, &settings.dirs.cache)?;
    let timeout = options.timeout(project);

    if let (Some(url), true) = (&settings.endpoint, options.throwaway) {
        return Err(UsageError(format!(
            "`up --throwaway` starts a stack of its own, and `--endpoint {url}` names an engine devstack did not start\n  hint: leave out `--endpoint` (or `DEVSTACK_ENDPOINT`)"
        ))
        .into());
    }
    if let Some(url) = &settings.endpoint {
        // An emulator devstack did not start: only its tables are ours to make.
        if !from_snapshot.is_empty() {
            // Loading a snapshot replaces data: the guard comes before
            // anything is asked of the endpoint.
            let given = crate::endpoint::Endpoint::Given(url.clone());
            crate::endpoint::check_destructive(
                given,
                &manifest,
                settings.allow_remote,
                "load a snapshot",
            )
            .await?;
        }
        let probe = Probe::ListTables {
            endpoint: url.clone(),
            region: project.region.clone(),
        };
        health::wait_ready(url, &[probe], timeout, Watch::Nothing).await?;
        let client = client::for_project(url, project, Profile::Command);
        // devstack's notes only on an engine of this machine: never a
        // table of its own in an account somewhere else.
        let notes = crate::endpoint::is_on_this_machine(url);
        let outcomes =
            reconcile::reconcile(&client, &manifest, &seeds, options.reseed, notes, printer)
                .await?;
        super::load_into_existing(
            settings,
            &manifest,
            &from_snapshot,
            &outcomes,
            &seeds,
            printer,
        )
        .await?;
        printer.info(&format!(
            "tables of project `{}` are ready at {url} in {:.1}s",
            project.name,
            started.elapsed().as_secs_f64()
        ));
        printer.data(&variables::render(
            &variables::of(&manifest, url)?,
            options.format,
        ))?;
        return Ok(());
    }
    if options.throwaway {
        return throwaway(settings, options, manifest, &seeds, started, printer).await;
    }

    for note in &manifest.notes {
        printer.info(note);
    }
    let (mut stack, outcomes) = super::bring_up(
        settings,
        &manifest,
        &seeds,
        options.pull(project),
        timeout,
        options.reseed,
        printer,
    )
    .await?;
    stack.changed |= super::load_into_existing(
        settings,
        &manifest,
        &from_snapshot,
        &outcomes,
        &seeds,
        printer,
    )
    .await?;
    printer.info(&format!(
        "project `{}` is {} ({}, region {}) in {:.1}s",
        project.name,
        if stack.changed { "up" } else { "already up" },
        project.engine,
        project.region,
        started.elapsed().as_secs_f64()
    ));
    for service in &stack.services {
        printer.info(&format!("  {:<16} {}", service.service.name(), service.url));
    }
    printer.data(&variables::render(
        &variables::of(&manifest, stack.engine.url())?,
        options.format,
    ))?;
    Ok(())
}

/// `up --throwaway`: the manifest's stack as `run` makes it (a fresh project
/// name, free ports, in memory), for a test runner that starts a stack and
/// removes it itself (`devstack -p NAME down`). It is owned by the process
/// that started devstack: if that process dies without removing it, `gc`
/// collects it. Its variables name it (`DEVSTACK_PROJECT`), so that devstack
/// commands run with them act on it.
async fn throwaway(
    settings: &Settings,
    options: &UpOptions,
    mut manifest: Manifest,
    seeds: &seed::SeedCounts,
    started: Instant,
    printer: &Printer,
) -> anyhow::Result<()> {
    let owner = process::Identity::of(nix::unistd::getppid().as_raw().unsigned_abs())
        .context("cannot tell the start time of the process that started devstack")?;
    let dirs = super::run::begin_throwaway(
        settings,
        &mut manifest,
        owner.to_string(),
        false,
        options.warm.map(|idle| (idle, options.snapshot.is_some())),
    )
    .await?;
    for note in &manifest.notes {
        printer.info(note);
    }
    let project = &manifest.project;
    // Stopped while it is made (Ctrl-C, SIGTERM from a test runner that
    // gives up), the stack is removed, as `run`'s is.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let stack = super::run::bring_up_throwaway(
        settings,
        &manifest,
        seeds,
        options.pull(project),
        options.timeout(project),
        &dirs,
        (&mut terminate, &mut interrupt),
        printer,
    )
    .await?;
    printer.info(&format!(
        "project `{}` is up ({}, region {}) in {:.1}s; `devstack -p {} down` removes it",
        project.name,
        project.engine,
        project.region,
        started.elapsed().as_secs_f64(),
        project.name
    ));
    printer.data(&variables::render(
        &variables::with_identity(&manifest, stack.engine.url())?,
        options.format,
    ))?;
    Ok(())
}
