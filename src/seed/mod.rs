//! Seed files: reading, converting and checking the items a table starts with.
//!
//! Seeding must not fail halfway: a bad item found while writing would leave
//! a half-filled table behind. So seeds are read twice. [`validate_table`]
//! reads every seed file of a table, checks every item against the table's
//! keys and DynamoDB's limits and reports every problem with its file and
//! line, before anything is written. [`for_each_item`] then streams the items
//! of one file, converted to DynamoDB attribute values, to whatever writes
//! them.
//!
//! Seed files can be hundreds of megabytes, so neither pass holds a file in
//! memory: JSON Lines are read a line at a time, and a JSON array one element
//! at a time. Duplicate keys are found from a 64-bit hash per key, confirmed
//! by reading the first item again when two hashes meet.
//!
//! The parts live in submodules: `read` streams the values of a seed file,
//! `convert` turns them into attribute values, and `check` checks items
//! against the table and finds duplicate keys; `validate` checks every
//! table's files before anything is written and remembers what passed. This
//! file holds the public types, the two passes and the wording shared by the
//! messages. DynamoDB's own rules (numbers, item sizes) are the `item`
//! module's.

use std::fmt;
use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use crate::item::Item;
use crate::item::json_kind;
use crate::manifest::{KeyAttribute, KeyType, SeedFormat, SeedSpec, TableSpec};
use crate::output::plural;
use crate::snapshot::read as export;

mod check;
mod convert;
mod csv;
mod read;
#[cfg(test)]
mod testing;
mod validate;

pub use validate::{InvalidSeedFiles, SeedCounts, validate_tables};

use check::Checker;
use convert::convert_object;
use read::read_items;

const MAX_PARTITION_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;

/// The most JSON text one item may take. Far above what a 400 KB item needs
/// even as base64 in DynamoDB JSON; it bounds memory on a broken file.
const MAX_ITEM_TEXT: u64 = 16 * 1024 * 1024;

/// Problems kept in memory per table; further ones are only counted.
const MAX_KEPT_PROBLEMS: usize = 1000;

/// Problems listed by [`InvalidSeeds`]'s `Display`.
const SHOWN_PROBLEMS: usize = 50;

/// One item read from a seed file, with the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedItem {
    pub line: usize,
    pub item: Item,
}

/// A problem in a seed file at a line (and column when known).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SeedProblem {
    /// The seed file as written in the manifest, relative to its folder.
    pub file: PathBuf,
    /// 1-based; 0 when the problem is with the whole file (it cannot be opened).
    pub line: usize,
    /// 1-based, in bytes; known for invalid JSON only.
    pub column: Option<usize>,
    /// What is wrong, lowercase, names in backticks.
    pub message: String,
}

impl SeedProblem {
    fn new(spec: &SeedSpec, line: usize, message: impl Into<String>) -> SeedProblem {
        SeedProblem::at(Path::new(&spec.shown), line, message)
    }

    /// A problem in `file`, as shown: the seed file, or a file inside an
    /// export folder.
    pub(crate) fn at(
        file: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
    ) -> SeedProblem {
        SeedProblem {
            file: file.into(),
            line,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SeedProblem {
    /// `file:line[:column]: message`, or `file: message` for a whole-file problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SeedProblem {}

/// Every problem found in a table's seed files; `Display` lists them one per
/// line as `file:line[:column]: message`, at most 50, then `… and N more problems`.
#[derive(Debug, thiserror::Error)]
pub struct InvalidSeeds {
    /// The table's logical name.
    pub table: String,
    /// The problems kept, in file order, then line order.
    pub problems: Vec<SeedProblem>,
    /// Problems found beyond the first 1,000, counted but not kept, so
    /// that a hopeless file does not fill memory.
    pub omitted: usize,
}

impl InvalidSeeds {
    /// How many problems were found in all.
    pub fn count(&self) -> usize {
        self.problems.len() + self.omitted
    }
}

impl fmt::Display for InvalidSeeds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.count();
        write!(
            f,
            "seed data of table `{}` is not valid ({})",
            self.table,
            plural(count, "problem")
        )?;
        for problem in self.problems.iter().take(SHOWN_PROBLEMS) {
            write!(f, "\n{problem}")?;
        }
        let rest = count - self.problems.len().min(SHOWN_PROBLEMS);
        if rest > 0 {
            write!(f, "\n… and {}", plural(rest, "more problem"))?;
        }
        Ok(())
    }
}

/// What the first pass read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    /// Seed files read.
    pub files: usize,
    /// Items found in them.
    pub items: u64,
    /// The files' total size.
    pub bytes: u64,
}

/// Pass 1: reads every seed file of `table` (streaming, bounded memory) and
/// checks every item; returns counts, or every problem found. Nothing is
/// written anywhere.
///
/// Checked for each item: it is a JSON object whose values convert to
/// DynamoDB types (see [`for_each_item`]); the table's key attributes are
/// present, of their declared type and not empty; index key attributes, when
/// present, are of their declared type and not empty; numbers fit DynamoDB
/// (38 significant digits, magnitude 1e-130 to below 1e126); lists and maps
/// nest at most 32 deep; the item is at most 400 KB; no two items of the
/// table share a primary key. After invalid JSON, reading goes on at the
/// next item (the next line of a JSON Lines file; the next line that starts
/// an item of an array, see `read::read_array`), so every problem is
/// reported in one run.
pub fn validate_table(table: &TableSpec) -> Result<SeedSummary, InvalidSeeds> {
    let mut checker = Checker::new(table);
    for (file, spec) in table.seeds.iter().enumerate() {
        checker.summary.files += 1;
        checker.summary.bytes += std::fs::metadata(&spec.path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0, |m| m.len());
        let mut ordinal = 0u64;
        // Problems in the file are noted and the reading goes on, so every
        // bad line is reported at once.
        let mut in_file = check::Problems::default();
        let read = each_value(
            spec,
            table,
            &mut |problem| {
                in_file.push(file, problem);
                Ok(())
            },
            &mut |shown, line, value| {
                checker.check(file, spec, shown, ordinal, line, value);
                ordinal += 1;
                Ok(())
            },
        );
        for (file, problem) in in_file.kept {
            checker.problems.push(file, problem);
        }
        checker.problems.omitted += in_file.omitted;
        if let Err(err) = read {
            let problem = err
                .downcast::<SeedProblem>()
                .unwrap_or_else(|err| SeedProblem::new(spec, 0, format!("{err:#}")));
            checker.problems.push(file, problem);
        }
    }
    checker.confirm_duplicates();
    let Checker {
        problems, summary, ..
    } = checker;
    if problems.kept.is_empty() {
        return Ok(summary);
    }
    let mut kept = problems.kept;
    kept.sort_by(|(a_file, a), (b_file, b)| {
        (a_file, &a.file, a.line, a.column).cmp(&(b_file, &b.file, b.line, b.column))
    });
    Err(InvalidSeeds {
        table: table.name.clone(),
        problems: kept.into_iter().map(|(_, problem)| problem).collect(),
        omitted: problems.omitted,
    })
}

/// What problems found while reading a seed do: noted (`Ok`, the reading
/// goes on at the next item) or returned as the error that stops it.
type OnProblem<'a> = &'a mut dyn FnMut(SeedProblem) -> anyhow::Result<()>;

/// Streams every value of one seed entry to `visit` with the file it was
/// read from (as shown in messages) and its line: the seed file's values,
/// or the final items of an export folder, from the data files inside it.
/// Problems in the files go to `problem`; an error it or `visit` returns
/// stops the reading and is returned.
fn each_value(
    spec: &SeedSpec,
    table: &TableSpec,
    problem: OnProblem<'_>,
    visit: &mut dyn FnMut(&Path, usize, Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let shown = Path::new(&spec.shown);
    if spec.format == SeedFormat::DynamodbExport {
        let keys: Vec<KeyAttribute> = std::iter::once(&table.partition_key)
            .chain(table.sort_key.as_ref())
            .cloned()
            .collect();
        return export::for_each_item(
            &spec.path,
            shown,
            &keys,
            &mut |found| problem(found),
            &mut |file, line, item| visit(file, line, Value::Object(item)),
        );
    }
    let read = read_items(
        table,
        spec,
        &mut |err| match err.problem(spec) {
            Some(found) => problem(found).map_err(read::ReadError::Halted),
            None => Ok(()),
        },
        |line, value| visit(shown, line, value),
    );
    match read {
        Ok(()) => Ok(()),
        Err(read::ReadError::Halted(err)) => Err(err),
        Err(other) => match other.problem(spec) {
            Some(found) => problem(found),
            None => Ok(()),
        },
    }
}

/// Pass 2: streams the items of one seed file to `visit`, in file order,
/// converted to DynamoDB attribute values. Assumes `validate_table` passed,
/// but still returns an error rather than panicking.
///
/// Plain JSON maps strings to `S`, numbers to `N` (their text as written),
/// booleans to `BOOL`, null to `NULL`, arrays to `L` and objects to `M`;
/// top-level attributes named in the seed's `sets` become `SS` or `NS` (or
/// `BS` when also named in `binary`), those named in `binary` become `B` from
/// base64. DynamoDB JSON gives each value's type itself; a DynamoDB export
/// line (`{"Item": {...}}`) is read as the item inside. An export folder
/// gives its final items (see `snapshot::read::for_each_item`), keyed by
/// `table`'s keys. A CSV file's rows take the types of `table`'s key
/// attributes and the entry's `types` (see `csv`).
///
/// An error from `visit` stops the reading and is returned as it is; a
/// problem in the file comes back as a [`SeedProblem`].
pub fn for_each_item(
    table: &TableSpec,
    spec: &SeedSpec,
    mut visit: impl FnMut(SeedItem) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    each_value(
        spec,
        table,
        &mut |problem| Err(problem.into()),
        &mut |shown, line, value| {
            let object = match value {
                Value::Object(object) => object,
                other => return Err(SeedProblem::at(shown, line, not_an_object(&other)).into()),
            };
            let mut problems = Vec::new();
            let converted = convert_object(spec, object, &mut problems);
            if let Some(message) = problems.into_iter().next() {
                return Err(SeedProblem::at(shown, line, message).into());
            }
            visit(SeedItem {
                line,
                item: converted.item,
            })
        },
    )
}

// ---------------------------------------------------------------------------
// Wording

fn not_an_object(value: &Value) -> String {
    format!("item is {}, not a JSON object", json_kind(value))
}

fn key_type_name(ty: KeyType) -> &'static str {
    match ty {
        KeyType::S => "S (string)",
        KeyType::N => "N (number)",
        KeyType::B => "B (binary)",
    }
}

fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S (string)",
        AttributeValue::N(_) => "N (number)",
        AttributeValue::B(_) => "B (binary)",
        AttributeValue::Bool(_) => "BOOL (boolean)",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "M (map)",
        AttributeValue::L(_) => "L (list)",
        AttributeValue::Ss(_) => "SS (string set)",
        AttributeValue::Ns(_) => "NS (number set)",
        AttributeValue::Bs(_) => "BS (binary set)",
        _ => "an unknown type",
    }
}

/// `409600` as `409,600`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::MAX_ITEM_SIZE;
    use crate::seed::testing::*;

    #[test]
    fn every_kind_of_item_problem_is_reported_at_its_line() -> TestResult {
        let folder = Folder::new()?;
        let a = folder.json(
            "a.jsonl",
            &[
                r#"{"pk": "a", "sk": "1"}"#,
                r#"{"sk": "2"}"#,
                r#"{"pk": 1, "sk": "3"}"#,
                r#"{"pk": "", "sk": "4"}"#,
                r#"{"pk": "a", "sk": "5", "price": 1e200}"#,
                r#"{"pk": "a", "sk": "6", "repo": 7}"#,
                r#""just a string""#,
                r#"{"pk": "a", "sk": "1"}"#,
                r#"{"pk": "a", "sk": "9", "score": "high"}"#,
                r#"{"pk": "a", "sk": "10", "repo": ""}"#,
                r#"{"pk": "a", "sk": "11", "repo": "r", "score": 12345678901234567890123456789012345678901}"#,
            ]
            .join("\n"),
        )?;
        let big = "x".repeat(MAX_ITEM_SIZE);
        let b = folder.json(
            "b.jsonl",
            &format!(
                "{{\"pk\": \"a\", \"sk\": \"1\"}}\n{{\"pk\": \"b\", \"sk\": \"2\", \"blob\": \"{big}\"}}\n"
            ),
        )?;
        let c = folder.json(
            "c.json",
            "[\n{\"pk\": \"c\", \"sk\": \"1\"},\n{\"pk\" \"c\"},\n{\"this\": \"is read on\"}\n]",
        )?;
        let d = folder.json("d.jsonl", "{\"pk\": \"d\", \"sk\": }\n{\"sk\": \"2\"}\n")?;
        let e = folder.json("e.jsonl", "{\"pk\": \"e\"}\n")?;
        assert_eq!(
            problems(&table(vec![a, b, c, d, e])),
            [
                "seed/a.jsonl:2: missing partition key `pk` (type S)",
                "seed/a.jsonl:3: partition key `pk` must be S (string), found N (number)",
                "seed/a.jsonl:4: partition key `pk` is an empty string; key values cannot be empty",
                "seed/a.jsonl:5: attribute `price`: number `1e+200` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126",
                "seed/a.jsonl:6: key `repo` of global index `by-repo` must be S (string), found N (number)",
                "seed/a.jsonl:7: item is a string, not a JSON object",
                "seed/a.jsonl:8: duplicate key pk=`a`, sk=`1`; first at seed/a.jsonl:1",
                "seed/a.jsonl:9: key `score` of global index `by-score` must be N (number), found S (string)",
                "seed/a.jsonl:10: key `repo` of global index `by-repo` is an empty string; index key values cannot be empty (leave the attribute out to keep the item out of the index)",
                "seed/a.jsonl:11: attribute `score`: number `12345678901234567890123456789012345678901` has 41 significant digits; DynamoDB keeps at most 38",
                "seed/b.jsonl:1: duplicate key pk=`a`, sk=`1`; first at seed/a.jsonl:1",
                "seed/b.jsonl:2: item is 409,610 bytes; DynamoDB allows at most 409,600 bytes (400 KB)",
                "seed/c.json:3:7: invalid JSON: expected `:`",
                "seed/c.json:4: missing partition key `pk` (type S)",
                "seed/c.json:4: missing sort key `sk` (type S)",
                "seed/d.jsonl:1:19: invalid JSON: expected value",
                "seed/d.jsonl:2: missing partition key `pk` (type S)",
                "seed/e.jsonl:1: missing sort key `sk` (type S)",
            ]
        );
        Ok(())
    }

    #[test]
    fn one_bad_item_among_5000_is_found_at_its_line() -> TestResult {
        let folder = Folder::new()?;
        let good = |i: usize| format!("{{\"pk\": \"p{}\", \"sk\": \"s{i}\", \"n\": {i}}}", i % 7);
        let mut jsonl: Vec<String> = (0..5000).map(good).collect();
        if let Some(line) = jsonl.get_mut(3216) {
            *line = r#"{"pk": "p1", "sk": {"not": "a string"}}"#.to_string();
        }
        let array = folder.json("big.json", &format!("[\n{}\n]", jsonl.join(",\n")))?;
        let jsonl = folder.json("big.jsonl", &(jsonl.join("\n") + "\n"))?;
        let spec_jsonl = table(vec![jsonl]);
        let want = "seed/big.jsonl:3217: sort key `sk` must be S (string), found M (map)";
        assert_eq!(problems(&spec_jsonl), [want]);
        let want = "seed/big.json:3218: sort key `sk` must be S (string), found M (map)";
        assert_eq!(problems(&table(vec![array])), [want]);
        Ok(())
    }

    #[test]
    fn display_lists_at_most_50_problems() {
        let problem = |line| SeedProblem {
            file: PathBuf::from("seed/a.jsonl"),
            line,
            column: None,
            message: "item is null, not a JSON object".to_string(),
        };
        let err = InvalidSeeds {
            table: "issues".to_string(),
            problems: (1..=60).map(problem).collect(),
            omitted: 5,
        };
        let shown = err.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 52);
        assert_eq!(
            lines.first().copied(),
            Some("seed data of table `issues` is not valid (65 problems)")
        );
        assert_eq!(
            lines.get(1).copied(),
            Some("seed/a.jsonl:1: item is null, not a JSON object")
        );
        assert_eq!(lines.last().copied(), Some("… and 15 more problems"));
        let one = InvalidSeeds {
            table: "issues".to_string(),
            problems: vec![SeedProblem {
                column: Some(4),
                ..problem(2)
            }],
            omitted: 0,
        };
        assert_eq!(
            one.to_string(),
            "seed data of table `issues` is not valid (1 problem)\nseed/a.jsonl:2:4: item is null, not a JSON object"
        );
    }
}
