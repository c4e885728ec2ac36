//! `devstack get TABLE KEY...`: the item with a key, printed as `scan`
//! prints items; no item with the key is a failure (exit code 1) that
//! names the table and the key.

use crate::dynamo::client::{self, Profile};
use crate::dynamo::items::ItemWriter;
use crate::dynamo::{read, single};
use crate::output::Printer;
use crate::settings::{KeyOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &KeyOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = settings.endpoint(&manifest).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    let source = read::source(client, &manifest, endpoint.url(), &options.table, None).await?;
    let schema = single::schema_of(&source)?;
    let table = &source.state.name;
    let key = single::parse_key(&schema, &options.values, options.json.as_deref(), table)?;
    let described = schema.describe(&key);
    let Some(item) = single::get(&source.client, table, key).await? else {
        anyhow::bail!(
            "no item with key {described} in table `{table}` at {}",
            endpoint.url()
        );
    };
    let mut writer = ItemWriter::new(options.format, schema.names(), printer);
    writer.write(item)?;
    writer.close()?;
    printer.info(&format!("item {described} from `{table}`"));
    Ok(())
}
