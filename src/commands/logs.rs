//! `devstack logs`: the services' output (the containers', or the embedded
//! engine's log file), one service or all of them, each line prefixed with
//! its service when there are several.

use crate::error::UsageError;
use crate::output::Printer;
use crate::service::ServiceKind;
use crate::settings::{LogsOptions, Settings};
use crate::stack;

pub async fn run(
    settings: &Settings,
    options: &LogsOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let services = manifest.services();
    let service = match options.service.as_deref() {
        None => None,
        Some(wanted) => match ServiceKind::from_name(wanted).filter(|s| services.contains(s)) {
            Some(service) => Some(service),
            None => {
                return Err(UsageError(format!(
                    "project `{}` has no service `{wanted}`; it has {}",
                    manifest.project.name,
                    services
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into());
            }
        },
    };
    let prefixed = service.is_none() && services.len() > 1;
    let project = settings.dirs.project(&manifest.project.name);
    stack::logs(
        &manifest,
        &project,
        service,
        options.tail,
        options.follow,
        printer,
        |line| {
            let prefix = if prefixed {
                format!("{:<15}| ", line.service.name())
            } else {
                String::new()
            };
            Ok(printer.data(&format!("{prefix}{}", line.text))?)
        },
    )
    .await
}
