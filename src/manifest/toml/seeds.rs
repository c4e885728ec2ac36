//! The manifest's `seed = [...]` entries of a table: which files to load and
//! how. Reading the files themselves is `crate::seed`'s job.

use toml::Spanned;
use toml::de::DeValue;

use super::fields::{Fields, Reader, one_of, wrong_type};
use super::seed_csv::CSV_FIELDS;
use crate::manifest::path::FieldPath;
use crate::manifest::{CsvOptions, Diagnostic, SeedFormat, SeedSpec};

/// Whether a seed path names a CSV file, read as CSV without a `format`.
fn is_csv(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
}

impl Fields<'_, '_> {
    /// The `seed` list: each entry a path or `{ path, format, sets, binary }`,
    /// or for CSV `{ path, format, header, delimiter, types }`.
    pub(super) fn seeds(&mut self, reader: &mut Reader<'_>) -> Vec<SeedSpec> {
        let Some(value) = self.get("seed") else {
            return Vec::new();
        };
        let path = self.child("seed");
        let entries: Vec<(FieldPath, &Spanned<DeValue<'_>>)> = match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (path.index(i), item))
                .collect(),
            DeValue::String(_) => vec![(path.clone(), value)],
            other => {
                reader.push(wrong_type(
                    value.span(),
                    &path,
                    "a path or an array of seed files",
                    other,
                ));
                return Vec::new();
            }
        };
        let mut seeds = Vec::new();
        for (entry_path, entry) in entries {
            let seed = match entry.get_ref() {
                DeValue::String(file) => reader
                    .seed_file(Spanned::new(entry.span(), file.to_string()), &entry_path)
                    .map(|(path, shown)| {
                        let csv = is_csv(&shown).then(CsvOptions::default);
                        SeedSpec {
                            path,
                            shown,
                            format: csv.as_ref().map_or(SeedFormat::Json, |_| SeedFormat::Csv),
                            sets: Vec::new(),
                            binary: Vec::new(),
                            csv,
                        }
                    }),
                DeValue::Table(table) => {
                    let mut f = Fields::new(table, entry.span(), entry_path.clone());
                    let file = f.string("path", reader);
                    let format = f.string("format", reader);
                    let sets = f.string_list("sets", reader);
                    let binary = f.string_list("binary", reader);
                    let csv = f.csv_options(&entry_path, reader);
                    f.reject_unknown(
                        &[
                            "path",
                            "format",
                            "sets",
                            "binary",
                            "header",
                            "delimiter",
                            "types",
                        ],
                        reader,
                    );
                    let format = match format {
                        None if file.as_ref().is_some_and(|f| is_csv(f.get_ref())) => {
                            Some(SeedFormat::Csv)
                        }
                        None => Some(SeedFormat::Json),
                        Some(fmt) => match fmt.get_ref().as_str() {
                            "json" => Some(SeedFormat::Json),
                            "dynamodb-json" => Some(SeedFormat::DynamodbJson),
                            "csv" => Some(SeedFormat::Csv),
                            _ => {
                                reader.push(one_of(
                                    &fmt,
                                    entry_path.key("format"),
                                    "seed format",
                                    &["json", "dynamodb-json", "csv"],
                                ));
                                None
                            }
                        },
                    };
                    if format.is_some() && format != Some(SeedFormat::Csv) {
                        for name in CSV_FIELDS {
                            let Some(key) = f.key_span(name) else {
                                continue;
                            };
                            reader.push(
                                Diagnostic::new(
                                    key,
                                    entry_path.key(name).to_string(),
                                    format!("`{name}` applies to CSV seeds only"),
                                )
                                .help("give the entry `format = \"csv\"`, or leave the field out"),
                            );
                        }
                    }
                    if format == Some(SeedFormat::Csv) {
                        for name in ["sets", "binary"] {
                            let Some(key) = f.key_span(name) else {
                                continue;
                            };
                            reader.push(
                                Diagnostic::new(
                                    key,
                                    entry_path.key(name).to_string(),
                                    "`sets` and `binary` apply to plain JSON only",
                                )
                                .help("give a CSV column its type in `types`, e.g. `types = { thumb = \"B\" }`"),
                            );
                        }
                    }
                    if format == Some(SeedFormat::DynamodbJson) {
                        for name in ["sets", "binary"] {
                            let Some(key) = f.key_span(name) else {
                                continue;
                            };
                            reader.push(
                                Diagnostic::new(
                                    key,
                                    entry_path.key(name).to_string(),
                                    "`sets` and `binary` apply to plain JSON only",
                                )
                                .help("DynamoDB JSON already says each attribute's type"),
                            );
                        }
                    }
                    let located = match file {
                        Some(file) => reader.seed_file(file, &entry_path.key("path")),
                        None => {
                            reader.error(
                                entry.span(),
                                entry_path.key("path").to_string(),
                                "missing `path`",
                            );
                            None
                        }
                    };
                    let names = |list: Option<Spanned<Vec<Spanned<String>>>>| -> Vec<String> {
                        list.map(|l| {
                            l.into_inner()
                                .into_iter()
                                .map(Spanned::into_inner)
                                .collect()
                        })
                        .unwrap_or_default()
                    };
                    match (located, format, csv) {
                        (Some((path, shown)), Some(format), csv)
                            if format != SeedFormat::Csv || csv.is_some() =>
                        {
                            Some(SeedSpec {
                                path,
                                shown,
                                format,
                                sets: names(sets),
                                binary: names(binary),
                                csv: (format == SeedFormat::Csv).then_some(csv).flatten(),
                            })
                        }
                        _ => None,
                    }
                }
                other => {
                    reader.push(wrong_type(
                        entry.span(),
                        &entry_path,
                        "a path or a seed table",
                        other,
                    ));
                    None
                }
            };
            seeds.extend(seed);
        }
        seeds
    }
}

impl Reader<'_> {
    /// Checks that a seed file exists, is a readable file, and lies inside
    /// the manifest's folder once symlinks and `..` are resolved.
    fn seed_file(
        &mut self,
        file: Spanned<String>,
        path: &FieldPath,
    ) -> Option<(std::path::PathBuf, String)> {
        let shown = file.get_ref().clone();
        let joined = self.dir.join(&shown);
        if !self.check_files {
            return Some((joined, shown));
        }
        const WHERE: &str =
            "seed paths are relative to the manifest and must stay inside its folder";
        let problem = match (joined.canonicalize(), self.dir.canonicalize()) {
            (Err(_), _) => Some((format!("seed file `{shown}` does not exist"), WHERE)),
            (Ok(_), Err(err)) => Some((
                format!("cannot resolve the manifest's folder: {err}"),
                WHERE,
            )),
            (Ok(real), Ok(dir)) if !real.starts_with(&dir) => Some((
                format!(
                    "seed file `{shown}` is outside the manifest's folder `{}`",
                    self.dir.display()
                ),
                WHERE,
            )),
            (Ok(real), Ok(_)) if real.is_dir() => Some((
                format!("seed file `{shown}` is a directory"),
                "name a JSON or JSON Lines file, e.g. `seed/items.jsonl`",
            )),
            (Ok(real), Ok(_)) => match std::fs::File::open(&real) {
                Ok(_) => None,
                Err(err) => Some((
                    format!("seed file `{shown}` cannot be read: {err}"),
                    "check the file's permissions",
                )),
            },
        };
        match problem {
            Some((message, help)) => {
                self.push(Diagnostic::new(file.span(), path.to_string(), message).help(help));
                None
            }
            None => Some((joined, shown)),
        }
    }
}
