//! `devstack env`: the variables an app needs to talk to the stack.

use crate::output::Printer;
use crate::settings::{EnvOptions, Settings};
use crate::variables;

pub async fn run(
    settings: &Settings,
    options: &EnvOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let url = if options.network {
        variables::network_url(&manifest)?
    } else {
        settings.endpoint(&manifest).await?.url().to_string()
    };
    printer.data(&variables::render(
        &variables::of(&manifest, &url)?,
        options.format,
    ))?;
    Ok(())
}
