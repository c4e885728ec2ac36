//! Problems found in a manifest or seed file, tied to a place in its text.
//!
//! Validation collects every problem before it gives up, so a user fixes a
//! manifest in one pass instead of one error per run.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::output::plural;

/// A place in a manifest's text: a byte range. Every reader's spans reduce
/// to one.
pub type Location = Range<usize>;

/// One problem at one place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte range in the source text that the problem points at.
    pub span: Location,
    /// Where in the document the problem is, e.g. `table[1].sort_key`.
    pub field: String,
    /// What is wrong, lowercase, names in backticks.
    pub message: String,
    /// What would be valid, when there is something useful to say.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(span: Location, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            field: field.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A 1-based line and column (in characters) inside a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text`; offsets past the end clamp to it.
    pub fn of(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: text[line_start..offset].chars().count() + 1,
        }
    }
}

/// One file's problems, with its text to show them in.
#[derive(Debug, Clone)]
pub struct FileProblems {
    pub path: PathBuf,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileProblems {
    pub fn new(path: &Path, text: String, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        diagnostics.dedup();
        FileProblems {
            path: path.to_path_buf(),
            text,
            diagnostics,
        }
    }

    fn to_json(&self) -> impl Iterator<Item = DiagnosticJson> + '_ {
        self.diagnostics.iter().map(|d| {
            let Position { line, column } = Position::of(&self.text, d.span.start);
            DiagnosticJson {
                file: self.path.display().to_string(),
                line,
                column,
                field: d.field.clone(),
                message: d.message.clone(),
                help: d.help.clone(),
            }
        })
    }

    /// Each problem like a compiler shows it: the place, the line with a
    /// caret under the span, and the help.
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            let at = Position::of(&self.text, d.span.start);
            let source_line = self.text.lines().nth(at.line - 1).unwrap_or("");
            let width = {
                let end = Position::of(&self.text, d.span.end);
                let on_line = source_line.chars().count() + 1 - at.column;
                if end.line == at.line && end.column > at.column {
                    (end.column - at.column).min(on_line)
                } else {
                    on_line
                }
                .max(1)
            };
            let gutter = at.line.to_string().len();
            write!(f, "\n\n{}:{}:{}: ", self.path.display(), at.line, at.column)?;
            if !d.field.is_empty() {
                write!(f, "{}: ", d.field)?;
            }
            write!(f, "{}", d.message)?;
            write!(
                f,
                "\n{:gutter$} |\n{} | {}\n{:gutter$} | {}{}",
                "",
                at.line,
                source_line,
                "",
                " ".repeat(at.column - 1),
                "^".repeat(width),
            )?;
            if let Some(help) = &d.help {
                write!(f, "\n{:gutter$} = help: {}", "", help)?;
            }
        }
        Ok(())
    }
}

/// A manifest's problems, and those of the files it takes tables from,
/// ready to show. This is the error type for every manifest and seed-file
/// problem; it maps to exit code 2.
#[derive(Debug, thiserror::Error)]
pub struct Invalid {
    /// The manifest's own problems (none when all are in other files).
    pub manifest: FileProblems,
    /// Problems in the files the manifest takes tables from.
    pub others: Vec<FileProblems>,
}

impl Invalid {
    pub fn new(path: &Path, text: String, diagnostics: Vec<Diagnostic>) -> Self {
        Invalid {
            manifest: FileProblems::new(path, text, diagnostics),
            others: Vec::new(),
        }
    }

    /// With the problems of the files the manifest takes tables from.
    pub fn with_others(mut self, others: Vec<FileProblems>) -> Self {
        self.others = others;
        self
    }

    /// Every problem, in every file.
    pub fn count(&self) -> usize {
        self.files().map(|f| f.diagnostics.len()).sum()
    }

    fn files(&self) -> impl Iterator<Item = &FileProblems> {
        std::iter::once(&self.manifest).chain(&self.others)
    }

    /// Machine-readable form for `--json`.
    pub fn to_json(&self) -> Vec<DiagnosticJson> {
        self.files().flat_map(FileProblems::to_json).collect()
    }
}

#[derive(Debug, Serialize)]
pub struct DiagnosticJson {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl fmt::Display for Invalid {
    /// Renders like a compiler: a headline, then per problem the place, the
    /// offending line with a caret under the span, and the help.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not valid ({})",
            self.manifest.path.display(),
            plural(self.count(), "problem")
        )?;
        self.files().try_for_each(|file| file.render(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let text = "a = 1\nnamé = \"x\"\n";
        assert_eq!(Position::of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of(text, 6), Position { line: 2, column: 1 });
        let quote = text.find('"').unwrap();
        assert_eq!(Position::of(text, quote), Position { line: 2, column: 8 });
        assert_eq!(Position::of(text, 999), Position { line: 3, column: 1 });
    }

    #[test]
    fn rendering_points_a_caret_at_the_span() {
        let text = "[project]\nnmae = \"x\"\n".to_string();
        let err = Invalid::new(
            Path::new("devstack.toml"),
            text,
            vec![
                Diagnostic::new(10..14, "project.nmae", "unknown field `nmae`")
                    .help("did you mean `name`?"),
            ],
        );
        let shown = err.to_string();
        assert!(shown.contains("devstack.toml:2:1: project.nmae: unknown field `nmae`"));
        assert!(shown.contains("2 | nmae = \"x\"\n  | ^^^^\n  = help: did you mean `name`?"));
    }
}
