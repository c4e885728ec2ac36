//! The `[[tables_from]]` entries: tables taken from the files that already
//! define them (a CloudFormation or SAM template, a Terraform module,
//! `CreateTable` JSON), with the values for their parameters or variables
//! and, per table, a name of its own and seed files. Reading the files is
//! `manifest::imported`'s job; this reads the entry and says where it is
//! wrong in the manifest.

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::DeValue;

use super::fields::{Fields, Reader, one_of, wrong_type};
use crate::manifest::imported::{Format, Source, TableSettings};
use crate::manifest::{Diagnostic, Project};
use strum::VariantNames;

const SOURCE_FIELDS: &[&str] = &[
    "path",
    "format",
    "only",
    "parameters",
    "variables",
    "prefix",
    "table",
];
const TABLE_FIELDS: &[&str] = &["name", "seed"];

impl Reader<'_> {
    /// Reads one `[[tables_from]]` entry; `None` when it cannot be used.
    pub(super) fn tables_from(
        &mut self,
        mut f: Fields<'_, '_>,
        project: Option<&Project>,
    ) -> Option<Source> {
        let file = f.string("path", self);
        let format = f.string("format", self);
        let only = f.string_list("only", self);
        let parameters = self.values(&mut f, "parameters");
        let variables = self.values(&mut f, "variables");
        let prefix = f.string("prefix", self);
        let settings = f
            .table("table", self)
            .map(|tables| self.table_settings(tables))
            .unwrap_or_default();
        f.reject_unknown(SOURCE_FIELDS, self);

        let Some(file) = file else {
            f.missing(
                "path",
                SOURCE_FIELDS,
                self,
                Diagnostic::new(
                    f.span.clone(),
                    f.child("path").to_string(),
                    "missing `path`",
                )
                .help("name the template, Terraform module or CreateTable JSON file"),
            );
            return None;
        };
        let resolved = self.dir.join(file.get_ref());
        if !resolved.exists() {
            self.push(
                Diagnostic::new(
                    file.span(),
                    f.child("path").to_string(),
                    format!("`{}` does not exist", file.get_ref()),
                )
                .help("paths are relative to the manifest's folder"),
            );
            return None;
        }
        let format = match format {
            Some(format) => match format.get_ref().parse::<Format>() {
                Ok(format) => format,
                Err(_) => {
                    self.push(one_of(
                        &format,
                        f.child("format"),
                        "format",
                        Format::VARIANTS,
                    ));
                    return None;
                }
            },
            None => match Format::resolve(None, &resolved) {
                Some(format) => format,
                None => {
                    self.push(
                        Diagnostic::new(
                            file.span(),
                            f.child("path").to_string(),
                            format!("cannot tell what `{}` is", file.get_ref()),
                        )
                        .help(format!(
                            "add `format = \"…\"`, one of {}",
                            Format::VARIANTS.join(", ")
                        )),
                    );
                    return None;
                }
            },
        };
        let (values, values_key) = match format {
            Format::Cloudformation => (parameters, "variables"),
            Format::Terraform => (variables, "parameters"),
            Format::CreateTable => (None, ""),
        };
        for (key, what) in [("parameters", "CloudFormation"), ("variables", "Terraform")] {
            let misplaced = key == values_key || format == Format::CreateTable;
            if let Some(span) = f.key_span(key).filter(|_| misplaced) {
                let takes = match format {
                    Format::Cloudformation => "a template takes `parameters`",
                    Format::Terraform => "a Terraform module takes `variables`",
                    Format::CreateTable => "CreateTable JSON takes no values",
                };
                self.push(
                    Diagnostic::new(
                        span,
                        f.child(key).to_string(),
                        format!("`{key}` are for {what}, and this is {}", format.describe()),
                    )
                    .help(takes),
                );
            }
        }
        Some(Source {
            path: f.path.clone(),
            span: f.span.clone(),
            shown: file.get_ref().clone(),
            file_span: file.span(),
            file: resolved,
            format,
            only: only.map(Spanned::into_inner).unwrap_or_default(),
            value_spans: values
                .iter()
                .flatten()
                .map(|(name, value)| (name.clone(), value.span()))
                .collect(),
            values: values
                .into_iter()
                .flatten()
                .map(|(name, value)| (name, value.into_inner()))
                .collect(),
            prefix: prefix
                .map(Spanned::into_inner)
                .or_else(|| project.map(|p| p.table_prefix.clone())),
            settings,
        })
    }

    /// `parameters = { Stage = "dev", Shards = 4 }`: names to values, kept
    /// as text as the templates' readers take them.
    fn values(
        &mut self,
        f: &mut Fields<'_, '_>,
        key: &str,
    ) -> Option<BTreeMap<String, Spanned<String>>> {
        let value = f.get(key)?;
        let path = f.child(key);
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                wrong_type(value.span(), &path, "a table of values", value.get_ref())
                    .help(format!("e.g. `{key} = {{ Stage = \"dev\" }}`")),
            );
            return None;
        };
        let mut values = BTreeMap::new();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref().as_ref();
            let text = match value.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i.as_str().replace('_', ""),
                DeValue::Float(x) => x.as_str().to_string(),
                DeValue::Boolean(b) => b.to_string(),
                other => {
                    self.push(wrong_type(
                        value.span(),
                        path.key(name),
                        "a string, number or boolean",
                        other,
                    ));
                    continue;
                }
            };
            // The name's place: a value for a name nobody declares is
            // reported there.
            values.insert(name.to_string(), Spanned::new(key.span(), text));
        }
        Some(values)
    }

    /// `[tables_from.table.OrdersTable]`: settings for one table, by the
    /// file's name for it (logical id, resource address) or its table name.
    fn table_settings(&mut self, tables: Fields<'_, '_>) -> Vec<TableSettings> {
        let mut settings = Vec::new();
        for (key, value) in tables.table.iter() {
            let id: &str = key.get_ref().as_ref();
            let path = tables.child(id);
            // `[tables_from.table.aws_dynamodb_table.orders]` is, in TOML,
            // a table `orders` inside a table `aws_dynamodb_table`.
            if let DeValue::Table(inner) = value.get_ref()
                && !inner.is_empty()
                && inner.iter().all(|(k, v)| {
                    matches!(v.get_ref(), DeValue::Table(_))
                        && !TABLE_FIELDS.contains(&k.get_ref().as_ref())
                })
            {
                for (inner_key, _) in inner.iter() {
                    let address = format!("{id}.{}", inner_key.get_ref());
                    self.push(
                        Diagnostic::new(
                            key.span().start..inner_key.span().end,
                            path.key(inner_key.get_ref()).to_string(),
                            format!(
                                "`{address}` is read as a table `{}` inside a table `{id}`",
                                inner_key.get_ref()
                            ),
                        )
                        .help(format!(
                            "put the address in quotes: `[tables_from.table.\"{address}\"]`"
                        )),
                    );
                }
                continue;
            }
            let Some(mut f) = Fields::of(value, &path, self) else {
                continue;
            };
            let name = f.string("name", self);
            let seeds = f.seeds(self);
            f.reject_unknown(TABLE_FIELDS, self);
            settings.push(TableSettings {
                id: Spanned::new(key.span(), id.to_string()),
                path,
                name,
                seeds,
            });
        }
        settings
    }
}

impl Source {
    /// Where the entry's `path` is written, for problems with the file's
    /// tables as a whole.
    pub(super) fn place(&self) -> (std::ops::Range<usize>, crate::manifest::path::FieldPath) {
        (self.file_span.clone(), self.path.key("path"))
    }
}
