//! `devstack init`: start a project the way a new user expects: a commented
//! `devstack.toml` for this folder, taking its tables from the files that
//! already define them (`--from`) or from a running DynamoDB
//! (`--from-endpoint`). An existing manifest is never overwritten.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use strum::VariantNames;

use super::table_sources;
use crate::error::UsageError;
use crate::manifest::imported::{Format, toml_key};
use crate::manifest::{self, Manifest, is_project_name, write_tables};
use crate::output::{Printer, plural};
use crate::service::Engine;
use crate::settings::{InitOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &InitOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let path = settings
        .file
        .clone()
        .unwrap_or_else(|| settings.cwd.join(manifest::FILE_NAME));
    if path.exists() {
        return Err(UsageError(format!(
            "`{}` already exists; devstack does not overwrite a manifest\n  hint: `devstack import FILE` prints tables to add to it",
            path.display()
        ))
        .into());
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| settings.cwd.clone());
    let name = match &options.name {
        Some(name) if is_project_name(name) => name.clone(),
        Some(name) => {
            return Err(UsageError(format!(
                "`{name}` is not a project name\n  hint: use 1 to 63 characters of `a-z 0-9 _ -`, starting with a letter or digit"
            ))
            .into());
        }
        None => table_sources::folder_name(&std::path::absolute(&folder).unwrap_or(folder.clone())),
    };
    let engine = match settings.engine {
        Some(engine) => engine,
        None => ask_engine()?,
    };
    let found = table_sources::read(&options.sources, &name, printer).await?;
    let text = manifest_text(&name, engine, options, &found, &folder);
    // What would be written is checked as every command will read it, and
    // only then written.
    let manifest = Manifest::from_text(&path, text.clone()).map_err(|invalid| {
        anyhow::Error::new(invalid).context(format!(
            "the manifest for `{}` would not be valid; nothing was written",
            path.display()
        ))
    })?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    drop(file);

    printer.info(&format!(
        "wrote {} for project `{name}` on {engine}, {}",
        path.display(),
        plural(manifest.tables.len(), "table")
    ));
    found.say_not_carried(printer);
    printer.info("next: `devstack up` starts it; `devstack env` prints what your app needs");
    Ok(())
}

/// The manifest's text: the project, then a `[[tables_from]]` entry per
/// file (with the values it declares, and the seed files written for an
/// endpoint's table it also defines), then the endpoint's other tables.
fn manifest_text(
    name: &str,
    engine: Engine,
    options: &InitOptions,
    found: &table_sources::Found,
    folder: &Path,
) -> String {
    let sources = &options.sources;
    let mut text = header(name, engine, &sources.region, options.port);
    let mut in_files = Vec::new();
    for file in &found.files {
        text.push_str(&format!(
            "\n# {} from `{}`; devstack reads them from there on every command.\n[[tables_from]]\npath = {}\n",
            plural(file.tables.len(), "table"),
            file.file.display(),
            toml::Value::String(relative(&file.file, folder)),
        ));
        if let Some(format) = sources.format {
            text.push_str(&format!("format = \"{format}\"\n"));
        }
        let key = match file.format {
            Format::Cloudformation => Some("parameters"),
            Format::Terraform => Some("variables"),
            Format::CreateTable => None,
        };
        let values: Vec<String> = sources
            .values
            .iter()
            .filter(|(k, _)| {
                file.declares.contains(k)
                    || (file.format == Format::Cloudformation && k.starts_with("AWS::"))
            })
            .map(|(k, v)| format!("{} = {}", toml_key(k), toml::Value::String(v.clone())))
            .collect();
        if let Some(key) = key.filter(|_| !values.is_empty()) {
            text.push_str(&format!("{key} = {{ {} }}\n", values.join(", ")));
        }
        // An endpoint's table the file also defines comes from the file;
        // its items are its seed data.
        for table in &file.tables {
            in_files.push(table.physical.clone());
            let seeds: Vec<String> = found
                .seeds_of(table)
                .iter()
                .map(|s| toml::Value::String(relative(Path::new(s), folder)).to_string())
                .collect();
            if !seeds.is_empty() && found.endpoint.iter().any(|t| t.physical == table.physical) {
                text.push_str(&format!(
                    "[tables_from.table.{}]\nseed = [{{ path = {}, format = \"dynamodb-json\" }}]\n",
                    toml_key(&table.physical),
                    seeds.join(", ")
                ));
            }
        }
    }
    let endpoint_only: Vec<_> = found
        .endpoint
        .iter()
        .filter(|t| !in_files.contains(&t.physical))
        .cloned()
        .collect();
    text.push_str(&write_tables(&endpoint_only, &|t| {
        found
            .seeds_of(t)
            .iter()
            .map(|s| relative(Path::new(s), folder))
            .collect()
    }));
    if found.files.is_empty() && endpoint_only.is_empty() {
        text.push_str(EXAMPLE_TABLE);
    }
    text
}

/// The engine: asked when someone is at the terminal, else devstack's own.
fn ask_engine() -> anyhow::Result<Engine> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(Engine::Embedded);
    }
    loop {
        let mut stderr = std::io::stderr();
        write!(
            stderr,
            "engine ({}) [embedded]: ",
            Engine::VARIANTS.join(", ")
        )?;
        stderr.flush()?;
        let mut answer = String::new();
        if stdin.lock().read_line(&mut answer)? == 0 {
            return Ok(Engine::Embedded);
        }
        let answer = answer.trim();
        if answer.is_empty() {
            return Ok(Engine::Embedded);
        }
        if let Some(engine) = Engine::from_name(answer) {
            return Ok(engine);
        }
        writeln!(stderr, "`{answer}` is not an engine")?;
    }
}

fn header(name: &str, engine: Engine, region: &str, port: Option<u16>) -> String {
    let mut text = format!(
        "# devstack.toml: a local DynamoDB for this project.\n\
         # `devstack up` starts it and makes the tables; `devstack env` prints what\n\
         # your app needs; `devstack down` removes it. `devstack validate` checks this file.\n\
         \n\
         [project]\n\
         name = \"{name}\"\n\
         # embedded: devstack's own engine, no Docker. With Docker: dynamodb-local, ministack.\n\
         engine = \"{engine}\"\n\
         region = \"{region}\"\n\
         # table_prefix = \"\"   # put before every table's name\n\
         # persist = false     # keep the data across `down` and `up`\n\
         # admin = false       # the dynamodb-admin web UI (Docker engines)\n"
    );
    let service = engine.service().name();
    match port {
        Some(port) => text.push_str(&format!("\n[services.{service}]\nport = {port}\n")),
        None => text.push_str(&format!(
            "\n# [services.{service}]\n# port = {}   # 0 picks a free one\n",
            engine.service().port()
        )),
    }
    text
}

const EXAMPLE_TABLE: &str = "
# A table; add one `[[table]]` per table, or take them from the files that
# define them: `[[tables_from]] path = \"template.yaml\"` (CloudFormation, SAM,
# CDK's cdk.out, Terraform, CreateTable JSON).
# [[table]]
# name = \"items\"
# partition_key = \"pk:S\"
# sort_key = \"sk:S\"
# seed = [\"seed/items.jsonl\"]
";

/// `path` as the manifest in `folder` should name it: relative to it
/// (`../infra` included), or absolute when the two share nothing.
fn relative(path: &Path, folder: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, folder) = (absolute(path), absolute(folder));
    let (mut to, mut from) = (path.components().peekable(), folder.components().peekable());
    let mut shared = 0;
    while let (Some(a), Some(b)) = (to.peek(), from.peek()) {
        if a != b {
            break;
        }
        to.next();
        from.next();
        shared += 1;
    }
    if shared <= 1 {
        return path.display().to_string();
    }
    let mut relative = PathBuf::new();
    for _ in from {
        relative.push("..");
    }
    relative.extend(to);
    relative.display().to_string()
}
