//! `devstack up`: the stack, running and usable, in one command.

use std::time::Instant;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::reconcile;
use crate::output::Printer;
use crate::seed;
use crate::settings::{Settings, UpOptions};
use crate::stack::health::{self, Probe, Watch};
use crate::variables::{self, EnvFormat};

pub async fn run(
    settings: &Settings,
    options: &UpOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let manifest = settings.manifest()?;
    let project = &manifest.project;
    // Every manifest and seed problem is found before Docker is asked anything.
    let seeds = seed::validate_tables(&manifest.tables, &settings.dirs.cache)?;
    let timeout = options.timeout(project);

    if let Some(url) = &settings.endpoint {
        // An emulator devstack did not start: only its tables are ours to make.
        let probe = Probe::ListTables {
            endpoint: url.clone(),
            region: project.region.clone(),
        };
        health::wait_ready(url, &[probe], timeout, Watch::Nothing).await?;
        let client = client::client(url, &project.region, Profile::Command);
        // devstack's notes only on an engine of this machine: never a
        // table of its own in an account somewhere else.
        let notes = crate::endpoint::is_on_this_machine(url);
        reconcile::reconcile(&client, &manifest, &seeds, options.reseed, notes, printer).await?;
        printer.info(&format!(
            "tables of project `{}` are ready at {url} in {:.1}s",
            project.name,
            started.elapsed().as_secs_f64()
        ));
        printer.data(&variables::render(
            &variables::of(&manifest, url)?,
            EnvFormat::Shell,
        ))?;
        return Ok(());
    }

    for note in &manifest.notes {
        printer.info(note);
    }
    let stack = super::bring_up(
        settings,
        &manifest,
        &seeds,
        options.pull(project),
        timeout,
        options.reseed,
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
        EnvFormat::Shell,
    ))?;
    Ok(())
}
