//! `devstack delete TABLE KEY...`: deletes the item with a key and prints
//! it; no item with the key is no error, and says so. Like `reset`, only
//! on the project's own engine or an endpoint on this machine, unless
//! `--allow-remote`.

use crate::dynamo::client::{self, Profile};
use crate::dynamo::items::ItemWriter;
use crate::dynamo::{read, single};
use crate::endpoint;
use crate::output::Printer;
use crate::settings::{KeyOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &KeyOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = settings.endpoint(&manifest).await?;
    // The guard comes before any request, even the read of the key schema.
    let endpoint =
        endpoint::check_destructive(endpoint, &manifest, settings.allow_remote, "delete items")
            .await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    let source = read::source(client, &manifest, endpoint.url(), &options.table, None).await?;
    let schema = single::schema_of(&source)?;
    let table = &source.state.name;
    let key = single::parse_key(&schema, &options.values, options.json.as_deref(), table)?;
    let described = schema.describe(&key);
    let mut writer = ItemWriter::new(options.format, schema.names(), printer);
    let deleted = single::delete(&source.client, table, key).await?;
    let found = deleted.is_some();
    if let Some(old) = deleted {
        writer.write(old)?;
    }
    writer.close()?;
    printer.info(&if found {
        format!("deleted the item {described} from `{table}`")
    } else {
        format!("no item with key {described} in `{table}`; nothing deleted")
    });
    Ok(())
}
