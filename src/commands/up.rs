//! `devstack up`: the stack, running and usable, in one command.

use std::time::{Duration, Instant};

use crate::cli::{EnvFormat, PullArg, UpArgs};
use crate::commands::env;
use crate::dynamo;
use crate::dynamo::reconcile;
use crate::manifest::PullPolicy;
use crate::output::Printer;
use crate::service::ServiceKind;
use crate::settings::Settings;
use crate::stack;
use crate::stack::docker::Docker;
use crate::stack::health;
use crate::stack::plan::Action;

pub async fn run(settings: &Settings, args: &UpArgs, printer: &Printer) -> anyhow::Result<()> {
    let started = Instant::now();
    let manifest = settings.manifest()?;
    let project = &manifest.project;
    // Every manifest and seed problem is found before Docker is asked anything.
    let seeds = reconcile::validate_seeds(&manifest.tables)?;
    let timeout = args
        .timeout
        .map_or(project.ready_timeout, Duration::from_secs);

    if let Some(endpoint) = &settings.endpoint {
        // An emulator devstack did not start: only its tables are ours to make.
        let probe = health::Probe::ListTables {
            endpoint: endpoint.clone(),
            region: project.region.clone(),
        };
        wait_for_endpoint(&probe, timeout).await?;
        let client = dynamo::client::client(endpoint, &project.region, Duration::from_secs(30), 3);
        reconcile::reconcile(&client, &manifest, &seeds, args.reseed, printer).await?;
        printer.info(&format!(
            "tables of project `{}` are ready at {endpoint} in {:.1}s",
            project.name,
            started.elapsed().as_secs_f64()
        ));
        printer.data(&env::render(
            &env::variables(&manifest, endpoint),
            EnvFormat::Shell,
        ))?;
        return Ok(());
    }

    let docker = Docker::connect().await?;
    let _lock = super::lock_project(&project.name, printer).await?;

    let pull = match args.pull {
        Some(PullArg::Missing) => PullPolicy::Missing,
        Some(PullArg::Always) => PullPolicy::Always,
        Some(PullArg::Never) => PullPolicy::Never,
        None => project.pull,
    };
    let running = stack::converge(&docker, &manifest, pull, timeout, printer).await?;

    let engine = running
        .iter()
        .find(|r| r.service != ServiceKind::DynamodbAdmin)
        .map(|r| r.url.clone())
        .unwrap_or_default();
    let client = dynamo::client::client(&engine, &project.region, Duration::from_secs(30), 3);
    let outcomes = reconcile::reconcile(&client, &manifest, &seeds, args.reseed, printer).await?;

    let changed = running.iter().any(|r| r.action != Action::Keep)
        || outcomes
            .iter()
            .any(|(_, o)| !matches!(o, reconcile::Outcome::Unchanged { .. }));
    printer.info(&format!(
        "project `{}` is {} ({}, region {}) in {:.1}s",
        project.name,
        if changed { "up" } else { "already up" },
        project.engine,
        project.region,
        started.elapsed().as_secs_f64()
    ));
    for r in &running {
        printer.info(&format!("  {:<16} {}", r.service.name(), r.url));
    }
    printer.data(&env::render(
        &env::variables(&manifest, &engine),
        EnvFormat::Shell,
    ))?;
    Ok(())
}

/// Waits until an endpoint devstack did not start answers, under the deadline.
async fn wait_for_endpoint(probe: &health::Probe, timeout: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        match probe.check().await {
            Ok(()) => return Ok(()),
            Err(err) if started.elapsed() >= timeout => anyhow::bail!(
                "{} did not succeed within {} s: {err}",
                probe.describe(),
                timeout.as_secs()
            ),
            Err(_) => tokio::time::sleep(health::POLL_INTERVAL).await,
        }
    }
}
