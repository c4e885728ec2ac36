//! `devstack logs`: the services' output (the containers', or the embedded
//! engine's log file), one service or all of them, each line prefixed with
//! its service when there are several.

use futures_util::StreamExt;

use crate::error::UsageError;
use crate::output::Printer;
use crate::service::Engine;
use crate::settings::{LogsOptions, Settings};
use crate::stack;
use crate::stack::docker::Docker;
use crate::stack::embedded;

pub async fn run(
    settings: &Settings,
    options: &LogsOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let service = options.service.as_deref();
    let manifest = settings.manifest_without_seed_files()?;
    let names: Vec<&str> = manifest.services().iter().map(|s| s.name()).collect();
    if let Some(wanted) = service
        && !names.contains(&wanted)
    {
        return Err(UsageError(format!(
            "project `{}` has no service `{wanted}`; it has {}",
            manifest.project.name,
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    if manifest.project.engine == Engine::Embedded {
        // The embedded engine is the only service: its log file.
        let files = embedded::Files::of(&settings.folders, &manifest.project.name)?;
        return embedded::read_log(&files, options.tail, options.follow, |line| {
            Ok(printer.data(line)?)
        })
        .await;
    }
    let docker = Docker::connect().await?;
    let mut streams = Vec::new();
    for (spec, state) in stack::discover(&docker, &manifest).await? {
        if service.is_some_and(|s| s != spec.service.name()) {
            continue;
        }
        let Some(state) = state else {
            printer.info(&format!(
                "{}: no container (run `devstack up`)",
                spec.service
            ));
            continue;
        };
        let prefix = if service.is_none() && manifest.services().len() > 1 {
            format!("{:<15}| ", spec.service.name())
        } else {
            String::new()
        };
        streams.push(
            docker
                .log_stream(&state.id, options.follow, options.tail)
                .map(move |chunk| chunk.map(|text| (prefix.clone(), text)))
                .boxed(),
        );
    }
    let mut merged = futures_util::stream::select_all(streams);
    let mut pending: std::collections::HashMap<String, String> = Default::default();
    while let Some(chunk) = merged.next().await {
        let (prefix, text) = chunk?;
        // Chunks may split lines; print whole lines with their prefix.
        let buffer = pending.entry(prefix.clone()).or_default();
        buffer.push_str(&text);
        while let Some(end) = buffer.find('\n') {
            let line: String = buffer.drain(..=end).collect();
            printer.data(&format!("{prefix}{}", line.trim_end_matches('\n')))?;
        }
    }
    for (prefix, rest) in pending {
        if !rest.is_empty() {
            printer.data(&format!("{prefix}{rest}"))?;
        }
    }
    Ok(())
}
