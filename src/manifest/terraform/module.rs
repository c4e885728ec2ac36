//! A Terraform module as Terraform loads it: every `.tf` file of its
//! folder (not its subfolders), variables from their defaults, then
//! `terraform.tfvars`, then `*.auto.tfvars` in name order, then the
//! manifest's values; locals from every file. Tables are read from the
//! file asked for, or from every file when a folder is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use hcl::Value;
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::eval::{Scope, Unresolved, no_value};
use super::functions::{number, text};
use super::table::{GSI, Reader, TABLE, Target};
use crate::manifest::imported::{FileRead, ImportedTable, Request};
use crate::manifest::source_map::SourceMap;
use crate::manifest::{Diagnostic, Location};

/// One file of the module, parsed.
struct File {
    path: PathBuf,
    text: String,
    /// `None` when it is not valid HCL.
    body: Option<Body>,
    /// Whether its tables are asked for.
    read: bool,
    out: Reader,
    tables: Vec<ImportedTable>,
}

impl File {
    /// Reads and parses the file; not valid HCL is its one problem.
    fn load(path: PathBuf, read: bool) -> anyhow::Result<File> {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let mut out = Reader::default();
        let body = match hcl_edit::parser::parse_body(&text) {
            Ok(body) => Some(body),
            Err(e) => {
                let at = e.location().offset();
                out.diagnostics.push(Diagnostic::new(
                    at..at,
                    "",
                    format!("not valid HCL: {}", e.message()),
                ));
                None
            }
        };
        Ok(File {
            path,
            text,
            body,
            read,
            out,
            tables: Vec::new(),
        })
    }

    /// The blocks `ident "label" …` of the file, with their first label.
    fn blocks<'f>(&'f self, ident: &'f str) -> impl Iterator<Item = (&'f Block, &'f str)> {
        self.body
            .iter()
            .flat_map(move |body| body.get_blocks(ident))
            .map(|block| {
                let label = block.labels.first().map(|l| l.as_str()).unwrap_or_default();
                (block, label)
            })
    }

    /// What the file gave, if it gave anything.
    fn into_read(mut self) -> Option<FileRead> {
        self.out.not_carried.sort_by_key(|n| n.span.start);
        if self.tables.is_empty() && self.out.diagnostics.is_empty() {
            return None;
        }
        let mut source = SourceMap::new(self.text).with_words(super::WORDS);
        for record in self.out.records {
            source.record_as(record.path, record.shown, record.key, record.value);
        }
        Some(FileRead {
            path: self.path,
            source,
            tables: self.tables,
            diagnostics: self.out.diagnostics,
            not_carried: self.out.not_carried,
            declares: Vec::new(),
        })
    }
}

/// The `.tf` files of `dir`, sorted by name.
fn tf_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder `{}`", dir.display()))?
    {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "tf") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads the module at `request.path`: a folder, or one `.tf` file of it.
pub(super) fn read(request: &Request<'_>) -> anyhow::Result<Vec<FileRead>> {
    let path = request.path;
    let (dir, only) = if path.is_dir() {
        (path.to_path_buf(), None)
    } else {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (dir, Some(path))
    };
    let mut paths = tf_files(&dir)?;
    if let Some(only) = only
        && !paths.iter().any(|p| p == only)
    {
        paths.push(only.to_path_buf());
    }
    let mut files = paths
        .into_iter()
        .map(|p| {
            let read = only.is_none_or(|only| only == p);
            File::load(p, read)
        })
        .collect::<anyhow::Result<Vec<File>>>()?;
    let (mut scope, mut tfvars) = scope(&files, &dir, request.values)?;

    // Tables, and where each is, for the indexes of their own.
    let mut found: Vec<(usize, usize, String, Location)> = Vec::new();
    for (f, file) in files.iter_mut().enumerate().filter(|(_, f)| f.read) {
        let mut out = std::mem::take(&mut file.out);
        let mut tables = Vec::new();
        for (block, ty) in file.blocks("resource") {
            if ty != TABLE {
                continue;
            }
            let label = block.labels.get(1).map(|l| l.as_str()).unwrap_or_default();
            let Some((draft, unnamed)) = out.table(&mut scope, block, label) else {
                continue;
            };
            found.push((
                f,
                tables.len(),
                label.to_string(),
                block.span().unwrap_or_default(),
            ));
            tables.push(ImportedTable {
                id: format!("{TABLE}.{label}"),
                draft,
                unnamed,
            });
        }
        file.tables = tables;
        file.out = out;
    }

    // Indexes of their own, from any file of the module, onto their table.
    for g in 0..files.len() {
        let mut out = std::mem::take(&mut files[g].out);
        let mut attach = Vec::new();
        for (block, ty) in files[g].blocks("resource") {
            if ty != GSI {
                continue;
            }
            let label = block.labels.get(1).map(|l| l.as_str()).unwrap_or_default();
            let mut scratch = Reader::default();
            let target = if files[g].read {
                out.loose_index_target(&mut scope, block, label)
            } else {
                scratch.loose_index_target(&mut scope, block, label)
            };
            let Some(target) = target else { continue };
            let table = found
                .iter()
                .find(|(f, t, table_label, _)| match &target.target {
                    Target::Label(wanted) => table_label == wanted,
                    Target::Name(name) => {
                        files[*f].tables[*t].draft.name.as_deref() == Some(name.as_str())
                    }
                });
            match table {
                Some(at) => attach.push((
                    at.clone(),
                    block.clone(),
                    label.to_string(),
                    scope.count_index,
                )),
                None if files[g].read => out.no_such_table(&target, label),
                None => {}
            }
        }
        for ((f, t, _, table_span), block, label, count_index) in attach {
            scope.count_index = count_index;
            let draft = &files[f].tables[t].draft;
            let path = draft
                .path
                .key("global_index")
                .index(draft.global_indexes.len());
            let mut reader = Reader::default();
            let index = reader.loose_index(&scope, &block, &label, path);
            out.diagnostics.append(&mut reader.diagnostics);
            out.not_carried.append(&mut reader.not_carried);
            let records = reader.records.into_iter().map(|mut record| {
                // Another file's places mean nothing in this one: the
                // table's own stands in.
                if f != g {
                    record.key = None;
                    record.value = table_span.clone();
                }
                record
            });
            if f == g {
                out.records.extend(records);
            } else {
                files[f].out.records.extend(records);
            }
            files[f].tables[t].draft.global_indexes.push(index);
        }
        files[g].out = out;
    }

    let declares: Vec<String> = files
        .iter()
        .flat_map(|f| f.blocks("variable"))
        .map(|(_, name)| name.to_string())
        .collect();
    let mut reads: Vec<FileRead> = files.into_iter().filter_map(File::into_read).collect();
    reads.append(&mut tfvars);
    for read in &mut reads {
        read.declares = declares.clone();
    }
    Ok(reads)
}

/// The variables and locals of the module; and the `.tfvars` files that
/// are not valid, as files with problems.
fn scope(
    files: &[File],
    dir: &Path,
    values: &BTreeMap<String, String>,
) -> anyhow::Result<(Scope, Vec<FileRead>)> {
    let empty = Scope::default();
    let mut scope = Scope::default();
    let mut types: BTreeMap<String, Option<String>> = BTreeMap::new();
    for file in files {
        for (block, name) in file.blocks("variable") {
            let ty = block
                .body
                .get_attribute("type")
                .and_then(|t| match &t.value {
                    Expression::Variable(ident) => Some(ident.as_str().to_string()),
                    _ => None,
                });
            let span = block.span().unwrap_or_default();
            let value = match block.body.get_attribute("default") {
                Some(default) => empty.eval(&default.value),
                None => Err(no_value(name, span)),
            };
            types.insert(name.to_string(), ty);
            scope.vars.insert(name.to_string(), value);
        }
    }

    // As Terraform loads them: `terraform.tfvars`, `terraform.tfvars.json`,
    // then `*.auto.tfvars` and `*.auto.tfvars.json` by name.
    let mut tfvars_paths = vec![
        dir.join("terraform.tfvars"),
        dir.join("terraform.tfvars.json"),
    ];
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read folder `{}`", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
        })
        .collect();
    auto.sort();
    tfvars_paths.append(&mut auto);
    let mut broken = Vec::new();
    for path in tfvars_paths.into_iter().filter(|p| p.is_file()) {
        if path.extension().is_some_and(|e| e == "json") {
            // The JSON form: one object of names and values.
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            let values: BTreeMap<String, Value> = serde_json::from_str(&text)
                .with_context(|| format!("`{}` is not a JSON object of values", path.display()))?;
            for (name, value) in values {
                scope.vars.insert(name, Ok(value));
            }
            continue;
        }
        let file = File::load(path, false)?;
        for attr in file.body.iter().flat_map(|b| b.attributes()) {
            let name = attr.key.as_str();
            let value = empty.eval(&attr.value);
            scope.vars.insert(name.to_string(), value);
        }
        broken.extend(file.into_read());
    }

    for (name, value) in values {
        let ty = types.get(name).cloned().flatten();
        let value = from_text(value, ty.as_deref()).map_err(|message| Unresolved {
            span: 0..0,
            message: format!("variable `{name}`: {message}"),
            help: None,
            missing_variable: None,
        });
        scope.vars.insert(name.clone(), value);
    }
    for (name, ty) in &types {
        if let Some(Ok(value)) = scope.vars.get(name) {
            let converted = convert(value.clone(), ty.as_deref()).map_err(|message| Unresolved {
                span: 0..0,
                message: format!("variable `{name}`: {message}"),
                help: None,
                missing_variable: None,
            });
            scope.vars.insert(name.clone(), converted);
        }
    }

    let mut locals = BTreeMap::new();
    for file in files {
        for (block, _) in file.blocks("locals") {
            for attr in block.body.attributes() {
                locals.insert(attr.key.as_str().to_string(), &attr.value);
            }
        }
    }
    scope.resolve_locals(&locals);
    Ok((scope, broken))
}

/// A value given as text, as Terraform reads `-var`: a string for a
/// string variable, a number or bool for those, HCL for the others.
fn from_text(value: &str, ty: Option<&str>) -> Result<Value, String> {
    match ty {
        None | Some("string" | "number" | "bool" | "any") => convert(Value::from(value), ty),
        Some(_) => {
            let expr = hcl_edit::parser::parse_expr(value)
                .map_err(|e| format!("`{value}` is not valid HCL: {}", e.message()))?;
            Scope::default().eval(&expr).map_err(|why| why.message)
        }
    }
}

/// A value converted to the variable's primitive type, as Terraform does.
fn convert(value: Value, ty: Option<&str>) -> Result<Value, String> {
    match (ty, &value) {
        (_, Value::Null) => Ok(value),
        (Some("string"), Value::Number(_) | Value::Bool(_)) => text(&value).map(Value::from),
        (Some("number"), Value::String(s)) => {
            number(s).ok_or_else(|| format!("`{s}` is not a number"))
        }
        (Some("bool"), Value::String(s)) => match s.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{s}` is not a bool")),
        },
        _ => Ok(value),
    }
}
