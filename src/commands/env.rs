//! `devstack env`: the variables an app needs to talk to the stack.

use crate::endpoint;
use crate::output::Printer;
use crate::settings::{EnvOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &EnvOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let url = if options.network {
        endpoint::network_url(&manifest)?
    } else {
        endpoint::endpoint(settings.endpoint.as_deref(), &manifest, &settings.folders)
            .await?
            .url
    };
    printer.data(&endpoint::render(
        &endpoint::variables(&manifest, &url)?,
        options.format,
    ))?;
    Ok(())
}
