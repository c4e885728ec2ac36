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
use crate::manifest::imported::Format;
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

    let mut text = header(&name, engine, options.port);
    for (file, count) in files_with_counts(&options.sources.files, &found.tables) {
        text.push_str(&format!(
            "\n# {} from `{}`; devstack reads them from there on every command.\n[[tables_from]]\npath = {}\n",
            plural(count, "table"),
            file.display(),
            toml::Value::String(relative(&file, &folder)),
        ));
        if !options.sources.values.is_empty() {
            let values: Vec<String> = options
                .sources
                .values
                .iter()
                .map(|(k, v)| format!("{} = {}", bare_or_quoted(k), toml::Value::String(v.clone())))
                .collect();
            let content = std::fs::read_to_string(&file).ok();
            let format = options
                .sources
                .format
                .or_else(|| Format::guess(&file, content.as_deref()));
            let key = match format {
                Some(Format::Terraform) => "variables",
                _ => "parameters",
            };
            text.push_str(&format!("{key} = {{ {} }}\n", values.join(", ")));
        }
    }
    let endpoint_tables: Vec<_> = found
        .tables
        .iter()
        .filter(|t| t.from.as_deref().is_some_and(|f| f.starts_with("http")))
        .cloned()
        .collect();
    if !endpoint_tables.is_empty() {
        text.push_str(&write_tables(&endpoint_tables, &|t| {
            found
                .seeds_of(t)
                .iter()
                .map(|s| relative(Path::new(s), &folder))
                .collect()
        }));
    }
    if options.sources.files.is_empty() && endpoint_tables.is_empty() {
        text.push_str(EXAMPLE_TABLE);
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    drop(file);

    let tables = found.tables.len();
    printer.info(&format!(
        "wrote {} for project `{name}` on {engine}, {}",
        path.display(),
        plural(tables, "table")
    ));
    // What was written is checked as every command will read it.
    let manifest = Manifest::load(&path, None)
        .context("the manifest was written, but is not valid yet; fix it, then `devstack up`")?;
    for n in &manifest.not_carried {
        printer.info(&format!(
            "not carried (no effect on a local engine): {} {}",
            n.place, n.field
        ));
    }
    printer.info("next: `devstack up` starts it; `devstack env` prints what your app needs");
    Ok(())
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

fn header(name: &str, engine: Engine, port: Option<u16>) -> String {
    let mut text = format!(
        "# devstack.toml: a local DynamoDB for this project.\n\
         # `devstack up` starts it and makes the tables; `devstack env` prints what\n\
         # your app needs; `devstack down` removes it. `devstack validate` checks this file.\n\
         \n\
         [project]\n\
         name = \"{name}\"\n\
         # embedded: devstack's own engine, no Docker. With Docker: dynamodb-local, ministack.\n\
         engine = \"{engine}\"\n\
         region = \"us-east-1\"\n\
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

/// Each file given, with how many tables came from it.
fn files_with_counts(files: &[PathBuf], tables: &[manifest::TableSpec]) -> Vec<(PathBuf, usize)> {
    files
        .iter()
        .map(|file| {
            let shown = file.display().to_string();
            let count = tables
                .iter()
                .filter(|t| t.from.as_deref().is_some_and(|f| f.starts_with(&shown)))
                .count();
            (file.clone(), count)
        })
        .collect()
}

/// `path` as the manifest in `folder` should name it: relative when it is
/// inside, else absolute.
fn relative(path: &Path, folder: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, folder) = (absolute(path), absolute(folder));
    match path.strip_prefix(&folder) {
        Ok(inside) => inside.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// A TOML key: bare when it can be.
fn bare_or_quoted(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}
