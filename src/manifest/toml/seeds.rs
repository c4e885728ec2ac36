//! The manifest's `seed = [...]` entries of a table: which files to load and
//! how. Reading the files themselves is `crate::seed`'s job.

use toml::Spanned;
use toml::de::DeValue;

use super::fields::{Fields, Reader, one_of, wrong_type};
use super::seed_csv::CSV_FIELDS;
use crate::manifest::path::FieldPath;
use crate::manifest::{CsvOptions, Diagnostic, SeedFormat, SeedSpec};
use crate::snapshot::layout::looks_like_export;

/// Whether a seed path names a CSV file, read as CSV without a `format`.
fn is_csv(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
}

impl Fields<'_, '_> {
    /// The `seed` list: each entry a path or `{ path, format, sets, binary }`,
    /// with `header`, `delimiter` and `types` for CSV.
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
                    .seed_file(
                        Spanned::new(entry.span(), file.to_string()),
                        &entry_path,
                        None,
                    )
                    .map(|(path, shown, format)| {
                        let csv = (format == SeedFormat::Json && is_csv(&shown))
                            .then(CsvOptions::default);
                        SeedSpec {
                            path,
                            shown,
                            format: if csv.is_some() {
                                SeedFormat::Csv
                            } else {
                                format
                            },
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
                    // `None`: not given; `Some(None)`: given, and wrong.
                    let given = format.map(|fmt| {
                        let read = match fmt.get_ref().as_str() {
                            "json" => Some(SeedFormat::Json),
                            "dynamodb-json" => Some(SeedFormat::DynamodbJson),
                            "dynamodb-export" => Some(SeedFormat::DynamodbExport),
                            "csv" => Some(SeedFormat::Csv),
                            _ => {
                                reader.push(one_of(
                                    &fmt,
                                    entry_path.key("format"),
                                    "seed format",
                                    &["json", "dynamodb-json", "dynamodb-export", "csv"],
                                ));
                                None
                            }
                        };
                        (fmt.span(), read)
                    });
                    // A `.csv` path without `format` is CSV.
                    let csv_path = file.as_ref().is_some_and(|f| is_csv(f.get_ref()));
                    let csv_by_name = given.is_none() && csv_path;
                    let is_csv_entry =
                        csv_by_name || matches!(given, Some((_, Some(SeedFormat::Csv))));
                    let known = !matches!(given, Some((_, None)));
                    if known && !is_csv_entry {
                        f.refuse(
                            &CSV_FIELDS,
                            &entry_path,
                            &|name| format!("`{name}` applies to CSV seeds only"),
                            "give the entry `format = \"csv\"`, or leave the field out",
                            reader,
                        );
                    }
                    let typed = matches!(
                        given,
                        Some((
                            _,
                            Some(SeedFormat::DynamodbJson | SeedFormat::DynamodbExport)
                        ))
                    );
                    let typed_by = if is_csv_entry {
                        Some(
                            "give a CSV column its type in `types`, e.g. `types = { thumb = \"B\" }`",
                        )
                    } else if typed {
                        Some("DynamoDB JSON already says each attribute's type")
                    } else {
                        None
                    };
                    if let Some(help) = typed_by {
                        f.refuse(
                            &["sets", "binary"],
                            &entry_path,
                            &|_| "`sets` and `binary` apply to plain JSON only".to_string(),
                            help,
                            reader,
                        );
                    }
                    let located = match (file, given.clone()) {
                        (_, Some((_, None))) => None,
                        (Some(file), given) => reader.seed_file(
                            file,
                            &entry_path.key("path"),
                            given.and_then(|(span, format)| Some((span, format?))),
                        ),
                        (None, _) => {
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
                    let located = located.map(|(path, shown, format)| match format {
                        SeedFormat::Json if csv_by_name => (path, shown, SeedFormat::Csv),
                        format => (path, shown, format),
                    });
                    match (located, csv) {
                        (Some((path, shown, format)), csv)
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

impl Fields<'_, '_> {
    /// Refuses each of `names` the entry at `entry` writes: `message`
    /// says why, `help` what to do instead.
    fn refuse(
        &self,
        names: &[&str],
        entry: &FieldPath,
        message: &dyn Fn(&str) -> String,
        help: &str,
        reader: &mut Reader<'_>,
    ) {
        for name in names {
            if let Some(key) = self.key_span(name) {
                reader.push(
                    Diagnostic::new(key, entry.key(name).to_string(), message(name)).help(help),
                );
            }
        }
    }
}

impl Reader<'_> {
    /// Checks that a seed file exists, is a readable file (a folder, for
    /// a DynamoDB export), and lies inside the manifest's folder once
    /// symlinks and `..` are resolved; returns it with its format: the one
    /// given (`format`, with where it is written), else a DynamoDB export
    /// for a folder and plain JSON for a file.
    fn seed_file(
        &mut self,
        file: Spanned<String>,
        path: &FieldPath,
        format: Option<(std::ops::Range<usize>, SeedFormat)>,
    ) -> Option<(std::path::PathBuf, String, SeedFormat)> {
        let shown = file.get_ref().clone();
        let joined = self.dir.join(&shown);
        let chosen = match &format {
            Some((_, format)) => *format,
            None if looks_like_export(&joined) => SeedFormat::DynamodbExport,
            None => SeedFormat::Json,
        };
        if !self.check_files {
            return Some((joined, shown, chosen));
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
            (Ok(real), Ok(_)) if real.is_dir() && chosen != SeedFormat::DynamodbExport => {
                if let Some((span, _)) = format {
                    self.push(
                        Diagnostic::new(
                            span,
                            path.parent().key("format").to_string(),
                            format!("seed path `{shown}` is a folder, which only format `dynamodb-export` reads"),
                        )
                        .help("a folder is a DynamoDB export: give `format = \"dynamodb-export\"`, or leave `format` out"),
                    );
                    return None;
                }
                Some((
                    format!("seed file `{shown}` is a directory"),
                    "name a JSON or JSON Lines file, e.g. `seed/items.jsonl`, \
                     or a DynamoDB export's folder (`format = \"dynamodb-export\"`)",
                ))
            }
            (Ok(real), Ok(_)) if real.is_dir() => None,
            (Ok(_), Ok(_)) if chosen == SeedFormat::DynamodbExport => Some((
                format!("seed path `{shown}` is a file; format `dynamodb-export` reads a folder"),
                "name the export's folder (`AWSDynamoDB/<ExportId>/`) or the folder holding `AWSDynamoDB/`",
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
            None => Some((joined, shown, chosen)),
        }
    }
}
