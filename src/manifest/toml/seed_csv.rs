//! The options of a CSV seed entry: `header`, `delimiter` and `types`, the
//! manifest's names for ImportTable's `HeaderList` and `Delimiter`, and the
//! types of the columns that are no key.

use toml::Spanned;
use toml::de::DeValue;

use super::fields::{Fields, Reader, one_of, wrong_type};
use crate::manifest::path::FieldPath;
use crate::manifest::{CsvOptions, CsvType, Diagnostic};

/// The fields only a CSV seed entry takes.
pub(super) const CSV_FIELDS: [&str; 3] = ["header", "delimiter", "types"];

/// The delimiters ImportTable accepts.
const DELIMITERS: [&str; 6] = [",", ";", ":", "|", "\t", " "];

/// The type names `types` takes.
const TYPES: [&str; 4] = ["S", "N", "B", "BOOL"];

impl Fields<'_, '_> {
    /// Reads the CSV options of a seed entry; `None` after a problem.
    pub(super) fn csv_options(
        &mut self,
        entry_path: &FieldPath,
        reader: &mut Reader<'_>,
    ) -> Option<CsvOptions> {
        let mut ok = true;
        let header = match self.string_list("header", reader) {
            None => None,
            Some(list) => {
                let span = list.span();
                let names: Vec<Spanned<String>> = list.into_inner();
                ok &= header_ok(&names, span, entry_path, reader);
                Some(names.into_iter().map(Spanned::into_inner).collect())
            }
        };
        let delimiter = match self.string("delimiter", reader) {
            None => b',',
            Some(text) => match text.get_ref().as_str() {
                one if DELIMITERS.contains(&one) => one.as_bytes().first().copied().unwrap_or(b','),
                _ => {
                    reader.push(
                        Diagnostic::new(
                            text.span(),
                            entry_path.key("delimiter").to_string(),
                            format!(
                                "delimiter `{}` is not one ImportTable takes",
                                text.get_ref().escape_default()
                            ),
                        )
                        .help("use one character of `,`, `;`, `:`, `|`, a tab (`\\t`) or a space"),
                    );
                    ok = false;
                    b','
                }
            },
        };
        let types = self.column_types(entry_path, reader, &mut ok);
        ok.then_some(CsvOptions {
            header,
            delimiter,
            types,
        })
    }

    /// `types = { price = "N", active = "BOOL" }`.
    fn column_types(
        &mut self,
        entry_path: &FieldPath,
        reader: &mut Reader<'_>,
        ok: &mut bool,
    ) -> Vec<(String, CsvType)> {
        let Some(value) = self.get("types") else {
            return Vec::new();
        };
        let path = entry_path.key("types");
        let DeValue::Table(table) = value.get_ref() else {
            reader.push(wrong_type(
                value.span(),
                &path,
                "a table of column types, like { price = \"N\" }",
                value.get_ref(),
            ));
            *ok = false;
            return Vec::new();
        };
        let mut types = Vec::new();
        for (column, ty) in table.iter() {
            let column_path = path.key(column.get_ref());
            let DeValue::String(name) = ty.get_ref() else {
                reader.push(wrong_type(
                    ty.span(),
                    &column_path,
                    "a string",
                    ty.get_ref(),
                ));
                *ok = false;
                continue;
            };
            match name.parse::<CsvType>() {
                Ok(parsed) => types.push((column.get_ref().to_string(), parsed)),
                Err(_) => {
                    let written = Spanned::new(ty.span(), name.to_string());
                    reader.push(one_of(&written, column_path, "column type", &TYPES));
                    *ok = false;
                }
            }
        }
        types
    }
}

/// A header list names each column once, and at least one.
fn header_ok(
    names: &[Spanned<String>],
    span: std::ops::Range<usize>,
    entry_path: &FieldPath,
    reader: &mut Reader<'_>,
) -> bool {
    let path = entry_path.key("header");
    if names.is_empty() {
        reader.push(
            Diagnostic::new(span, path.to_string(), "`header` names no column")
                .help("name the file's columns in order, or leave `header` out when the first row names them"),
        );
        return false;
    }
    let mut ok = true;
    for (i, name) in names.iter().enumerate() {
        if name.get_ref().is_empty() {
            reader.push(Diagnostic::new(
                name.span(),
                path.index(i).to_string(),
                "column name is empty",
            ));
            ok = false;
        } else if let Some(first) = names[..i]
            .iter()
            .position(|n| n.get_ref() == name.get_ref())
        {
            reader.push(Diagnostic::new(
                name.span(),
                path.index(i).to_string(),
                format!(
                    "column `{}` is named twice; first at `{}`",
                    name.get_ref(),
                    path.index(first)
                ),
            ));
            ok = false;
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::manifest::{CsvOptions, CsvType, Invalid, Manifest, SeedFormat};

    /// A manifest with the table `orders` and `seed = [SEED]`, beside
    /// empty seed files `seed/orders.csv` and `seed/orders.jsonl`.
    fn read(seed: &str) -> anyhow::Result<Result<Manifest, Invalid>> {
        let folder = tempfile::tempdir()?;
        std::fs::create_dir(folder.path().join("seed"))?;
        for name in ["orders.csv", "orders.jsonl", "ORDERS.CSV"] {
            std::fs::write(folder.path().join("seed").join(name), "")?;
        }
        let text = format!(
            "[project]\nname = \"shop\"\n\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [{seed}]\n"
        );
        let path = folder.path().join("devstack.toml");
        Ok(Manifest::from_text(Path::new(&path), text))
    }

    fn problems(seed: &str) -> anyhow::Result<Vec<String>> {
        Ok(match read(seed)? {
            Ok(_) => Vec::new(),
            Err(invalid) => invalid
                .manifest
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.field, d.message))
                .collect(),
        })
    }

    #[test]
    fn csv_entries_read_their_options() -> anyhow::Result<()> {
        let manifest = read(
            r#""seed/orders.csv", "seed/ORDERS.CSV", { path = "seed/orders.csv", format = "csv", header = ["pk", "price"], delimiter = ";", types = { price = "N", active = "BOOL" } }, { path = "seed/orders.jsonl", format = "csv", delimiter = "\t" }"#,
        )?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let seeds = &manifest.tables[0].seeds;
        let formats: Vec<SeedFormat> = seeds.iter().map(|s| s.format).collect();
        assert_eq!(formats, [SeedFormat::Csv; 4]);
        assert_eq!(seeds[0].csv, Some(CsvOptions::default()));
        assert_eq!(seeds[1].csv, Some(CsvOptions::default()));
        assert_eq!(
            seeds[2].csv,
            Some(CsvOptions {
                header: Some(vec!["pk".into(), "price".into()]),
                delimiter: b';',
                types: vec![
                    ("active".into(), CsvType::Bool),
                    ("price".into(), CsvType::N)
                ],
            })
        );
        assert_eq!(seeds[3].csv.as_ref().map(|c| c.delimiter), Some(b'\t'));
        Ok(())
    }

    #[test]
    fn each_wrong_csv_option_names_its_field() -> anyhow::Result<()> {
        assert_eq!(
            problems(
                r#"{ path = "seed/orders.csv", delimiter = ",,", header = ["pk", "a", "pk"], types = { price = "number", n = 1 }, sets = ["tags"] }"#
            )?,
            [
                "table[0].seed[0].delimiter: delimiter `,,` is not one ImportTable takes",
                "table[0].seed[0].header[2]: column `pk` is named twice; first at `table[0].seed[0].header[0]`",
                "table[0].seed[0].types.price: unknown column type `number`",
                "table[0].seed[0].types.n: expected a string, found an integer",
                "table[0].seed[0].sets: `sets` and `binary` apply to plain JSON only",
            ]
        );
        assert_eq!(
            problems(r#"{ path = "seed/orders.jsonl", header = [], delimiter = ";" }"#)?,
            [
                "table[0].seed[0].header: `header` applies to CSV seeds only",
                "table[0].seed[0].header: `header` names no column",
                "table[0].seed[0].delimiter: `delimiter` applies to CSV seeds only",
            ]
        );
        Ok(())
    }
}
