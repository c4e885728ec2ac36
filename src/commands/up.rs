//! `devstack up`: the stack, running and usable, in one command.

use std::time::{Duration, Instant};

use crate::cli::{EnvFormat, PullArg, UpArgs};
use crate::commands::env;
use crate::docker::Docker;
use crate::lock::ProjectLock;
use crate::manifest::PullPolicy;
use crate::output::Printer;
use crate::plan::Action;
use crate::service::ServiceKind;
use crate::settings::Settings;
use crate::stack;

/// How long an `up` waits for another devstack command on the same project.
const LOCK_WAIT: Duration = Duration::from_secs(300);

pub async fn run(settings: &Settings, args: &UpArgs, printer: &Printer) -> anyhow::Result<()> {
    let started = Instant::now();
    let manifest = settings.manifest()?;
    let project = &manifest.project;
    let docker = Docker::connect().await?;
    let _lock = ProjectLock::acquire(&project.name, LOCK_WAIT, || {
        printer.info(&format!(
            "waiting for another devstack command on project `{}` to finish…",
            project.name
        ));
    })
    .await?;

    let pull = match args.pull {
        Some(PullArg::Missing) => PullPolicy::Missing,
        Some(PullArg::Always) => PullPolicy::Always,
        Some(PullArg::Never) => PullPolicy::Never,
        None => project.pull,
    };
    let timeout = args
        .timeout
        .map_or(project.ready_timeout, Duration::from_secs);
    let running = stack::converge(&docker, &manifest, pull, timeout, printer).await?;

    let changed = running.iter().any(|r| r.action != Action::Keep);
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
    let engine = running
        .iter()
        .find(|r| r.service != ServiceKind::DynamodbAdmin)
        .map(|r| r.url.clone())
        .unwrap_or_default();
    printer.data(&env::render(
        &env::variables(&manifest, &engine),
        EnvFormat::Shell,
    ))?;
    Ok(())
}
