//! The `[env]` table: variables for the application, whose values may name
//! the stack's endpoint, port and tables (`template` reads the placeholders).

use std::ops::Range;

use toml::de::DeValue;

use super::fields::{Fields, Reader, wrong_type};
use crate::manifest::suggest::did_you_mean;
use crate::manifest::template::{Placeholder, Template};
use crate::manifest::{Diagnostic, TableSpec};

impl Reader<'_> {
    pub(super) fn env(&mut self, f: Fields<'_, '_>) -> Vec<(String, Template, Range<usize>)> {
        let mut env = Vec::new();
        for (key, value) in f.table.iter() {
            let name = key.get_ref().as_ref();
            let path = format!("env.{name}");
            if !is_env_name(name) {
                self.push(
                    Diagnostic::new(
                        key.span(),
                        &path,
                        format!("`{name}` is not a variable name"),
                    )
                    .help("use letters, digits and `_`, not starting with a digit"),
                );
            }
            match value.get_ref() {
                DeValue::String(s) => match Template::parse(s) {
                    Ok(template) => env.push((name.to_string(), template, value.span())),
                    Err(bad) => {
                        // Inside the quotes; exact for values without escapes.
                        let at = value.span().start + 1 + bad.offset;
                        let all = Placeholder::NAMES.map(|n| format!("`${{{n}}}`")).join(", ");
                        let close = bad
                            .name
                            .as_deref()
                            .and_then(|name| did_you_mean(name, &Placeholder::NAMES));
                        let help = match close {
                            Some(best) => {
                                format!("did you mean `${{{best}}}`? placeholders are {all}")
                            }
                            None => format!("placeholders are {all}; `$$` is a `$`"),
                        };
                        self.push(Diagnostic::new(at..at + 1, &path, bad.message).help(help));
                    }
                },
                other => self.push(wrong_type(value.span(), &path, "a string", other)),
            }
        }
        env.sort_by_key(|(name, _, _)| name.clone());
        env
    }

    /// A `${table:NAME}` names a table of the manifest.
    pub(super) fn check_env_tables(
        &mut self,
        env: &[(String, Template, Range<usize>)],
        tables: &[Option<TableSpec>],
    ) {
        let names: Vec<&str> = tables.iter().flatten().map(|t| t.name.as_str()).collect();
        for (name, template, span) in env {
            for table in template.tables() {
                if !names.contains(&table) {
                    self.push(
                        Diagnostic::new(
                            span.clone(),
                            format!("env.{name}"),
                            format!("`${{table:{table}}}`: the manifest has no table `{table}`"),
                        )
                        .help(match names.is_empty() {
                            true => "declare the table under `[[table]]`".to_string(),
                            false => format!(
                                "its tables are {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        }),
                    );
                }
            }
        }
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
