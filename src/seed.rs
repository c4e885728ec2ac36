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

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::hash::{DefaultHasher, Hasher};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::manifest::{KeyAttribute, KeyType, SeedFormat, SeedSpec, TableSpec};

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// The largest item DynamoDB stores, in bytes (400 KB), as [`item_size`] counts them.
pub const MAX_ITEM_SIZE: usize = 409_600;

/// How deep lists and maps may nest inside an item.
pub const MAX_NESTING: usize = 32;

/// The most significant digits a DynamoDB number keeps.
pub const MAX_NUMBER_DIGITS: usize = 38;

const MAX_PARTITION_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;

/// The most JSON text one item may take. Far above what a 400 KB item needs
/// even as base64 in DynamoDB JSON; it bounds memory on a broken file.
const MAX_ITEM_TEXT: u64 = 16 * 1024 * 1024;

/// Problems kept in memory per table; further ones are only counted.
const MAX_KEPT_PROBLEMS: usize = 1000;

/// Problems listed by [`InvalidSeeds`]'s `Display`.
const SHOWN_PROBLEMS: usize = 50;

/// The type keys of DynamoDB JSON.
const TYPE_NAMES: [&str; 10] = ["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"];
const TYPE_LIST: &str = "`S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`";

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
        SeedProblem {
            file: PathBuf::from(&spec.shown),
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
            "seed data of table `{}` is not valid ({count} problem{})",
            self.table,
            plural(count)
        )?;
        for problem in self.problems.iter().take(SHOWN_PROBLEMS) {
            write!(f, "\n{problem}")?;
        }
        let rest = count - self.problems.len().min(SHOWN_PROBLEMS);
        if rest > 0 {
            write!(f, "\n… and {rest} more problem{}", plural(rest))?;
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
/// table share a primary key. Invalid JSON stops the reading of that file,
/// not of the others.
pub fn validate_table(table: &TableSpec) -> Result<SeedSummary, InvalidSeeds> {
    let mut checker = Checker::new(table);
    for (file, spec) in table.seeds.iter().enumerate() {
        checker.summary.files += 1;
        checker.summary.bytes += std::fs::metadata(&spec.path).map_or(0, |m| m.len());
        let mut ordinal = 0u64;
        let read = read_values(&spec.path, |line, value| {
            checker.check(file, spec, ordinal, line, value);
            ordinal += 1;
            Ok(())
        });
        if let Err(err) = read
            && let Some(problem) = err.problem(spec)
        {
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
    kept.sort_by_key(|(file, problem)| (*file, problem.line, problem.column));
    Err(InvalidSeeds {
        table: table.name.clone(),
        problems: kept.into_iter().map(|(_, problem)| problem).collect(),
        omitted: problems.omitted,
    })
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
/// line (`{"Item": {...}}`) is read as the item inside.
///
/// An error from `visit` stops the reading and is returned as it is; a
/// problem in the file comes back as a [`SeedProblem`].
pub fn for_each_item(
    spec: &SeedSpec,
    mut visit: impl FnMut(SeedItem) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let read = read_values(&spec.path, |line, value| {
        let object = match value {
            Value::Object(object) => object,
            other => return Err(SeedProblem::new(spec, line, not_an_object(&other)).into()),
        };
        let mut problems = Vec::new();
        let converted = convert_object(spec, object, &mut problems);
        if let Some(message) = problems.into_iter().next() {
            return Err(SeedProblem::new(spec, line, message).into());
        }
        visit(SeedItem {
            line,
            item: converted.item,
        })
    });
    match read {
        Ok(()) => Ok(()),
        Err(ReadError::Halted(err)) => Err(err),
        Err(other) => match other.problem(spec) {
            Some(problem) => Err(problem.into()),
            None => Ok(()),
        },
    }
}

/// The size DynamoDB charges for an item, by its documented rules: the
/// UTF-8 length of every attribute name plus its value's size. Strings count
/// their UTF-8 bytes, binary its raw bytes, a number 1 byte per two
/// significant digits plus 1, a boolean or null 1; a list or map 3 bytes plus
/// each element's size (with its name, in a map) plus 1 byte per element; a
/// set the sum of its elements.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(name, v)| name.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        _ => 0,
    }
}

fn number_size(text: &str) -> usize {
    match Number::scan(text) {
        Some(number) => number.size(),
        None => 1 + text.bytes().filter(u8::is_ascii_digit).count().div_ceil(2),
    }
}

// ---------------------------------------------------------------------------
// Numbers

/// A decimal number reduced to its sign, significant digits and exponent:
/// `digits[0].digits[1..] × 10^exponent`. Zero has no digits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Number {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// Why a number's text is not a DynamoDB number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberProblem {
    Syntax,
    Digits(usize),
    Range,
}

impl Number {
    /// Reads `[+-]digits[.digits][(e|E)[+-]digits]` (digits on at least one
    /// side of the point); `None` for anything else.
    fn scan(text: &str) -> Option<Number> {
        let bytes = text.as_bytes();
        let mut at = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                at = 1;
                true
            }
            Some(b'+') => {
                at = 1;
                false
            }
            _ => false,
        };
        let digits_from = |at: usize| {
            at + bytes
                .get(at..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let integer_end = digits_from(at);
        let integer = text.get(at..integer_end)?;
        at = integer_end;
        let mut fraction = "";
        if bytes.get(at) == Some(&b'.') {
            let end = digits_from(at + 1);
            fraction = text.get(at + 1..end)?;
            at = end;
        }
        if integer.is_empty() && fraction.is_empty() {
            return None;
        }
        let mut exponent: i64 = 0;
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            let exponent_negative = match bytes.get(at) {
                Some(b'-') => {
                    at += 1;
                    true
                }
                Some(b'+') => {
                    at += 1;
                    false
                }
                _ => false,
            };
            let end = digits_from(at);
            let written = text.get(at..end)?;
            if written.is_empty() {
                return None;
            }
            for digit in written.bytes() {
                // Saturates far beyond any exponent DynamoDB accepts.
                exponent = (exponent * 10 + i64::from(digit - b'0')).min(1 << 40);
            }
            if exponent_negative {
                exponent = -exponent;
            }
            at = end;
        }
        if at != bytes.len() {
            return None;
        }
        let all: Vec<u8> = integer.bytes().chain(fraction.bytes()).collect();
        let leading = all.iter().take_while(|&&b| b == b'0').count();
        if leading == all.len() {
            return Some(Number {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        let trailing = all.iter().rev().take_while(|&&b| b == b'0').count();
        let significant = all.get(leading..all.len() - trailing)?;
        Some(Number {
            negative,
            digits: String::from_utf8_lossy(significant).into_owned(),
            exponent: integer.len() as i64 - 1 - leading as i64 + exponent,
        })
    }

    /// Reads a number and checks it against DynamoDB's precision and range.
    fn parse(text: &str) -> Result<Number, NumberProblem> {
        let number = Number::scan(text).ok_or(NumberProblem::Syntax)?;
        if number.digits.len() > MAX_NUMBER_DIGITS {
            return Err(NumberProblem::Digits(number.digits.len()));
        }
        if !number.digits.is_empty() && !(-130..=125).contains(&number.exponent) {
            return Err(NumberProblem::Range);
        }
        Ok(number)
    }

    /// The size DynamoDB documents: 1 byte per two significant digits, plus 1.
    fn size(&self) -> usize {
        1 + self.digits.len().div_ceil(2)
    }

    /// One spelling per value, so `1`, `1.0` and `10e-1` compare equal.
    fn canonical(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_string();
        }
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}{}e{}", self.digits, self.exponent)
    }
}

fn number_message(path: &str, text: &str, problem: NumberProblem) -> String {
    let shown = clip(text);
    match problem {
        NumberProblem::Syntax => format!("attribute `{path}`: `{shown}` is not a number"),
        NumberProblem::Digits(digits) => format!(
            "attribute `{path}`: number `{shown}` has {digits} significant digits; \
             DynamoDB keeps at most {MAX_NUMBER_DIGITS}"
        ),
        NumberProblem::Range => format!(
            "attribute `{path}`: number `{shown}` is out of range; DynamoDB numbers other \
             than 0 have a magnitude from 1e-130 to below 1e126"
        ),
    }
}

/// Checks a number's text, keeping it as written when valid.
fn checked_number(path: &str, text: String, problems: &mut Vec<String>) -> Option<String> {
    match Number::parse(&text) {
        Ok(_) => Some(text),
        Err(problem) => {
            problems.push(number_message(path, &text, problem));
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Reading

/// Why reading a seed file stopped early.
#[derive(Debug)]
enum ReadError {
    Open(io::Error),
    Io {
        line: usize,
        source: io::Error,
    },
    Syntax {
        line: usize,
        column: Option<usize>,
        message: String,
    },
    TooLarge {
        line: usize,
    },
    /// The visitor returned an error.
    Halted(anyhow::Error),
}

impl ReadError {
    /// The problem to report; `None` when the visitor stopped the reading.
    fn problem(self, spec: &SeedSpec) -> Option<SeedProblem> {
        Some(match self {
            ReadError::Open(err) => {
                SeedProblem::new(spec, 0, format!("cannot read seed file: {err}"))
            }
            ReadError::Io { line, source } => {
                SeedProblem::new(spec, line, format!("cannot read seed file: {source}"))
            }
            ReadError::Syntax {
                line,
                column,
                message,
            } => SeedProblem {
                column,
                ..SeedProblem::new(spec, line, format!("invalid JSON: {message}"))
            },
            ReadError::TooLarge { line } => SeedProblem::new(
                spec,
                line,
                format!(
                    "item is more than {} MiB of JSON text; a DynamoDB item is at most 400 KB",
                    MAX_ITEM_TEXT / (1024 * 1024)
                ),
            ),
            ReadError::Halted(_) => return None,
        })
    }
}

/// Where a file's content starts: its first byte that is not JSON
/// whitespace, and how many lines and columns were skipped to reach it.
struct Start {
    first: Option<u8>,
    lines: usize,
    column: usize,
}

fn is_json_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Skips a UTF-8 byte order mark and leading whitespace, leaving the
/// reader on the first byte of content.
fn skip_to_content(reader: &mut impl BufRead) -> io::Result<Start> {
    let mut start = Start {
        first: None,
        lines: 0,
        column: 0,
    };
    let mut beginning = true;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(start);
        }
        let mut skip = 0;
        if std::mem::take(&mut beginning) && buffer.starts_with(b"\xEF\xBB\xBF") {
            skip = 3;
        }
        let mut found = None;
        for (at, &byte) in buffer.iter().enumerate().skip(skip) {
            if byte == b'\n' {
                start.lines += 1;
                start.column = 0;
            } else if is_json_space(byte) {
                start.column += 1;
            } else {
                found = Some((at, byte));
                break;
            }
        }
        match found {
            Some((at, byte)) => {
                reader.consume(at);
                start.first = Some(byte);
                return Ok(start);
            }
            None => {
                let length = buffer.len();
                reader.consume(length);
            }
        }
    }
}

/// Streams the top-level values of a seed file to `visit` with the line
/// where each starts: the elements of a JSON array, or the lines of a JSON
/// Lines file. Stops at invalid JSON, or when `visit` returns an error.
fn read_values<F>(path: &Path, visit: F) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    let file = File::open(path).map_err(ReadError::Open)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let start = skip_to_content(&mut reader).map_err(|source| ReadError::Io { line: 1, source })?;
    match start.first {
        None => Ok(()),
        Some(b'[') => read_array(reader, &start, visit),
        Some(_) => read_lines(reader, &start, visit),
    }
}

fn read_lines<F>(mut reader: impl BufRead, start: &Start, mut visit: F) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    let mut line = start.lines;
    let mut skipped_columns = start.column;
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = (&mut reader)
            .take(MAX_ITEM_TEXT + 1)
            .read_until(b'\n', &mut buffer)
            .map_err(|source| ReadError::Io {
                line: line + 1,
                source,
            })?;
        if read == 0 {
            return Ok(());
        }
        line += 1;
        let columns_before = std::mem::take(&mut skipped_columns);
        if buffer.len() as u64 > MAX_ITEM_TEXT {
            return Err(ReadError::TooLarge { line });
        }
        let text = buffer.trim_ascii_end();
        if text.iter().all(|&b| is_json_space(b)) {
            continue;
        }
        let value: Value = serde_json::from_slice(text)
            .map_err(|err| syntax_error(&err, line - 1, columns_before))?;
        visit(line, value).map_err(ReadError::Halted)?;
    }
}

/// A JSON syntax error with its place in the whole file, given the lines
/// and columns skipped before the parser started.
fn syntax_error(err: &serde_json::Error, lines_before: usize, columns_before: usize) -> ReadError {
    let column = match err.line() {
        1 => err.column() + columns_before,
        _ => err.column(),
    };
    let message = err.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(&message).to_string(),
        None => message,
    };
    ReadError::Syntax {
        line: lines_before + err.line().max(1),
        column: (column > 0).then_some(column),
        message,
    }
}

/// Shared between a [`Counting`] reader and the array visitor, which reads
/// it to learn where each element starts.
#[derive(Default)]
struct Tracker {
    /// Newlines read so far, including those skipped before the array.
    newlines: Cell<usize>,
    /// Bytes read since the current element started.
    since_start: Cell<u64>,
    /// The line where the current element started.
    element_line: Cell<usize>,
    /// Set when an element grew past [`MAX_ITEM_TEXT`].
    too_large: Cell<bool>,
}

/// Counts the newlines serde_json reads. serde_json reads one byte at a
/// time, so when it hands over an element its first byte has just been
/// read, and the newlines read so far give the element's line.
struct Counting<R> {
    inner: R,
    tracker: Rc<Tracker>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let tracker = &self.tracker;
        if tracker.since_start.get() > MAX_ITEM_TEXT {
            tracker.too_large.set(true);
            return Err(io::Error::other("item too large"));
        }
        let read = self.inner.read(buf)?;
        let bytes = buf.get(..read).unwrap_or_default();
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        tracker.newlines.set(tracker.newlines.get() + newlines);
        tracker
            .since_start
            .set(tracker.since_start.get() + read as u64);
        Ok(read)
    }
}

fn read_array<F>(reader: impl Read, start: &Start, mut visit: F) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    let tracker = Rc::new(Tracker::default());
    tracker.newlines.set(start.lines);
    let mut deserializer = serde_json::Deserializer::from_reader(Counting {
        inner: reader,
        tracker: Rc::clone(&tracker),
    });
    let mut halted = None;
    let elements = Elements {
        tracker: &tracker,
        visit: &mut visit,
        halted: &mut halted,
    };
    let result = (&mut deserializer)
        .deserialize_seq(elements)
        .and_then(|()| deserializer.end());
    let Err(err) = result else {
        return Ok(());
    };
    if let Some(halted) = halted {
        return Err(ReadError::Halted(halted));
    }
    let current_line = tracker.newlines.get() + 1;
    if tracker.too_large.get() {
        let line = tracker.element_line.get();
        return Err(ReadError::TooLarge {
            line: if line > 0 { line } else { current_line },
        });
    }
    if err.is_io() {
        return Err(ReadError::Io {
            line: current_line,
            source: io::Error::from(err),
        });
    }
    Err(syntax_error(&err, start.lines, start.column))
}

/// Visits a top-level JSON array one element at a time.
struct Elements<'a, F> {
    tracker: &'a Tracker,
    visit: &'a mut F,
    halted: &'a mut Option<anyhow::Error>,
}

impl<'de, F> Visitor<'de> for Elements<'_, F>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let element = Element {
                tracker: self.tracker,
                visit: &mut *self.visit,
                halted: &mut *self.halted,
            };
            if seq.next_element_seed(element)?.is_none() {
                return Ok(());
            }
        }
    }
}

/// One array element: read as a value, handed to the visitor, dropped.
struct Element<'a, F> {
    tracker: &'a Tracker,
    visit: &'a mut F,
    halted: &'a mut Option<anyhow::Error>,
}

impl<'de, F> DeserializeSeed<'de> for Element<'_, F>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let line = self.tracker.newlines.get() + 1;
        self.tracker.element_line.set(line);
        self.tracker.since_start.set(1);
        let value = Value::deserialize(deserializer)?;
        (self.visit)(line, value).map_err(|err| {
            *self.halted = Some(err);
            D::Error::custom("stopped")
        })
    }
}

// ---------------------------------------------------------------------------
// Converting

/// An item converted as far as it could be.
struct Converted {
    item: Item,
    /// Top-level attributes left out of `item` because of a problem.
    broken: HashSet<String>,
}

/// Converts one item; problems go to `problems`, and the attributes that
/// have them are left out of the item.
fn convert_object(
    spec: &SeedSpec,
    object: Map<String, Value>,
    problems: &mut Vec<String>,
) -> Converted {
    let object = match spec.format {
        SeedFormat::Json => object,
        SeedFormat::DynamodbJson => unwrap_export(object),
    };
    let mut item = Item::with_capacity(object.len());
    let mut broken = HashSet::new();
    for (name, value) in object {
        if name.is_empty() {
            problems.push(
                "an attribute has an empty name; attribute names need at least one character"
                    .to_string(),
            );
            continue;
        }
        let mut path = name.clone();
        let converted = match spec.format {
            SeedFormat::Json => plain_attribute(spec, &mut path, value, problems),
            SeedFormat::DynamodbJson => typed_value(&mut path, value, 0, problems),
        };
        match converted {
            Some(value) => {
                item.insert(name, value);
            }
            None => {
                broken.insert(name);
            }
        }
    }
    Converted { item, broken }
}

/// A line of a DynamoDB export to S3 wraps the item: `{"Item": {...}}`.
fn unwrap_export(mut object: Map<String, Value>) -> Map<String, Value> {
    let wrapped = object.len() == 1
        && matches!(object.get("Item"), Some(Value::Object(inner)) if !is_typed(inner));
    if wrapped && let Some(Value::Object(inner)) = object.remove("Item") {
        return inner;
    }
    object
}

/// Whether an object has the shape of a DynamoDB JSON value: one type key.
fn is_typed(object: &Map<String, Value>) -> bool {
    object.len() == 1 && object.keys().all(|k| TYPE_NAMES.contains(&k.as_str()))
}

fn plain_attribute(
    spec: &SeedSpec,
    path: &mut String,
    value: Value,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let is_set = spec.sets.contains(path);
    let is_binary = spec.binary.contains(path);
    match (is_set, is_binary) {
        (true, _) => plain_set(path, value, is_binary, problems),
        (false, true) => match value {
            Value::String(text) => decode_base64(path, &text, problems)
                .map(|bytes| AttributeValue::B(Blob::new(bytes))),
            other => {
                problems.push(format!(
                    "attribute `{path}` is listed in `binary` but is {}, not a base64 string",
                    kind(&other)
                ));
                None
            }
        },
        (false, false) => plain_value(path, value, 0, problems),
    }
}

/// Converts one plain JSON value (as `--values` takes them) to an attribute
/// value, or says what is wrong with it.
pub fn from_plain_json(name: &str, value: Value) -> Result<AttributeValue, String> {
    let mut path = name.to_string();
    let mut problems = Vec::new();
    plain_value(&mut path, value, 0, &mut problems).ok_or_else(|| problems.join("; "))
}

fn plain_value(
    path: &mut String,
    value: Value,
    depth: usize,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    Some(match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => AttributeValue::N(checked_number(path, n.to_string(), problems)?),
        Value::String(s) => AttributeValue::S(s),
        Value::Array(values) => {
            too_deep(path, depth, problems)?;
            AttributeValue::L(list(path, values, problems, |path, v, problems| {
                plain_value(path, v, depth + 1, problems)
            })?)
        }
        Value::Object(object) => {
            too_deep(path, depth, problems)?;
            AttributeValue::M(map(path, object, problems, |path, v, problems| {
                plain_value(path, v, depth + 1, problems)
            })?)
        }
    })
}

/// `Some(())` when a list or map at `depth` may hold more nesting.
fn too_deep(path: &str, depth: usize, problems: &mut Vec<String>) -> Option<()> {
    if depth < MAX_NESTING {
        return Some(());
    }
    problems.push(format!(
        "attribute `{path}` nests lists and maps more than {MAX_NESTING} levels deep; \
         DynamoDB allows {MAX_NESTING}"
    ));
    None
}

/// Converts every element, so every problem is found; `None` if any had one.
fn list(
    path: &mut String,
    values: Vec<Value>,
    problems: &mut Vec<String>,
    mut convert: impl FnMut(&mut String, Value, &mut Vec<String>) -> Option<AttributeValue>,
) -> Option<Vec<AttributeValue>> {
    let mut out = Vec::with_capacity(values.len());
    let mut ok = true;
    for (index, value) in values.into_iter().enumerate() {
        let length = path.len();
        path.push('[');
        path.push_str(&index.to_string());
        path.push(']');
        match convert(path, value, problems) {
            Some(value) => out.push(value),
            None => ok = false,
        }
        path.truncate(length);
    }
    ok.then_some(out)
}

/// Converts every entry, so every problem is found; `None` if any had one.
fn map(
    path: &mut String,
    object: Map<String, Value>,
    problems: &mut Vec<String>,
    mut convert: impl FnMut(&mut String, Value, &mut Vec<String>) -> Option<AttributeValue>,
) -> Option<HashMap<String, AttributeValue>> {
    let mut out = HashMap::with_capacity(object.len());
    let mut ok = true;
    for (name, value) in object {
        let length = path.len();
        path.push('.');
        path.push_str(&name);
        match convert(path, value, problems) {
            Some(value) => {
                out.insert(name, value);
            }
            None => ok = false,
        }
        path.truncate(length);
    }
    ok.then_some(out)
}

/// A plain JSON array named in `sets`: strings or numbers, or base64
/// strings when the attribute is also named in `binary`.
fn plain_set(
    path: &str,
    value: Value,
    binary: bool,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let values = match value {
        Value::Array(values) => values,
        other => {
            problems.push(format!(
                "attribute `{path}` is listed in `sets` but is {}, not an array",
                kind(&other)
            ));
            return None;
        }
    };
    if values.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    if binary {
        let strings = element_strings(path, "`sets` and `binary`", values, problems)?;
        return binary_set(path, strings, problems);
    }
    if values.iter().all(Value::is_string) {
        let strings = element_strings(path, "`sets`", values, problems)?;
        return string_set(path, strings, problems);
    }
    if values.iter().all(Value::is_number) {
        let numbers = values.into_iter().map(|v| v.to_string()).collect();
        return number_set(path, numbers, problems);
    }
    let message = match values.iter().position(|v| !v.is_string() && !v.is_number()) {
        Some(index) => format!(
            "attribute `{path}` is listed in `sets` but element {index} is {}; \
             a set holds only strings or only numbers",
            values.get(index).map_or("missing", kind)
        ),
        None => format!(
            "attribute `{path}` is listed in `sets` but mixes strings and numbers; \
             a set holds only strings or only numbers"
        ),
    };
    problems.push(message);
    None
}

fn empty_set(path: &str) -> String {
    format!("attribute `{path}` is an empty set; DynamoDB does not store empty sets")
}

/// The elements of a set that must all be strings.
fn element_strings(
    path: &str,
    what: &str,
    values: Vec<Value>,
    problems: &mut Vec<String>,
) -> Option<Vec<String>> {
    let mut strings = Vec::with_capacity(values.len());
    for (index, value) in values.into_iter().enumerate() {
        match value {
            Value::String(s) => strings.push(s),
            other => {
                problems.push(format!(
                    "attribute `{path}`: element {index} of {what} must be a string, found {}",
                    kind(&other)
                ));
                return None;
            }
        }
    }
    Some(strings)
}

fn string_set(
    path: &str,
    strings: Vec<String>,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    if strings.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    if let Some(index) = first_repeat(strings.iter()) {
        problems.push(repeated(
            path,
            strings.get(index).map_or("", String::as_str),
        ));
        return None;
    }
    Some(AttributeValue::Ss(strings))
}

fn number_set(
    path: &str,
    numbers: Vec<String>,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    if numbers.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    let mut canonical = Vec::with_capacity(numbers.len());
    for text in &numbers {
        match Number::parse(text) {
            Ok(number) => canonical.push(number.canonical()),
            Err(problem) => {
                problems.push(number_message(path, text, problem));
                return None;
            }
        }
    }
    if let Some(index) = first_repeat(canonical.iter()) {
        problems.push(repeated(
            path,
            numbers.get(index).map_or("", String::as_str),
        ));
        return None;
    }
    Some(AttributeValue::Ns(numbers))
}

fn binary_set(
    path: &str,
    encoded: Vec<String>,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    if encoded.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    let mut blobs = Vec::with_capacity(encoded.len());
    for text in &encoded {
        blobs.push(decode_base64(path, text, problems)?);
    }
    if let Some(index) = first_repeat(blobs.iter()) {
        problems.push(repeated(
            path,
            encoded.get(index).map_or("", String::as_str),
        ));
        return None;
    }
    Some(AttributeValue::Bs(
        blobs.into_iter().map(Blob::new).collect(),
    ))
}

/// The index of the first element equal to an earlier one.
fn first_repeat<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> Option<usize> {
    let mut seen = HashSet::new();
    items
        .enumerate()
        .find_map(|(index, item)| (!seen.insert(item)).then_some(index))
}

fn repeated(path: &str, element: &str) -> String {
    format!(
        "attribute `{path}` holds `{}` more than once; set elements must be unique",
        clip(element)
    )
}

fn decode_base64(path: &str, text: &str, problems: &mut Vec<String>) -> Option<Vec<u8>> {
    match BASE64.decode(text) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            let reason = err.to_string();
            let reason = reason.trim_end_matches('.');
            let mut chars = reason.chars();
            let reason = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            };
            problems.push(format!("attribute `{path}` is not valid base64: {reason}"));
            None
        }
    }
}

/// One DynamoDB JSON value: an object with exactly one type key.
fn typed_value(
    path: &mut String,
    value: Value,
    depth: usize,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let object = match value {
        Value::Object(object) => object,
        other => {
            problems.push(format!(
                "attribute `{path}` must be a typed value like {{\"S\": \"text\"}}, found {}",
                kind(&other)
            ));
            return None;
        }
    };
    if object.len() != 1 {
        let keys: Vec<String> = object.keys().map(|k| format!("`{}`", clip(k))).collect();
        problems.push(match keys.len() {
            0 => format!(
                "attribute `{path}` is an empty object; a typed value has one key: {TYPE_LIST}"
            ),
            n => format!(
                "attribute `{path}` has {n} keys ({}); a typed value has exactly one: {TYPE_LIST}",
                keys.join(", ")
            ),
        });
        return None;
    }
    let (ty, inner) = object.into_iter().next()?;
    let wrong = |problems: &mut Vec<String>, expected: &str, found: &Value| {
        problems.push(format!(
            "attribute `{path}`: `{ty}` must hold {expected}, found {}",
            kind(found)
        ));
        None
    };
    match (ty.as_str(), inner) {
        ("S", Value::String(s)) => Some(AttributeValue::S(s)),
        ("S", other) => wrong(problems, "a string", &other),
        ("N", Value::String(text)) => checked_number(path, text, problems).map(AttributeValue::N),
        ("N", Value::Number(n)) => {
            problems.push(format!(
                "attribute `{path}`: `N` must hold the number as a string, like {{\"N\": \"{n}\"}}"
            ));
            None
        }
        ("N", other) => wrong(problems, "a string", &other),
        ("B", Value::String(text)) => {
            decode_base64(path, &text, problems).map(|bytes| AttributeValue::B(Blob::new(bytes)))
        }
        ("B", other) => wrong(problems, "a base64 string", &other),
        ("BOOL", Value::Bool(b)) => Some(AttributeValue::Bool(b)),
        ("BOOL", other) => wrong(problems, "`true` or `false`", &other),
        ("NULL", Value::Bool(true)) => Some(AttributeValue::Null(true)),
        ("NULL", other) => wrong(problems, "`true`", &other),
        ("M", Value::Object(object)) => {
            too_deep(path, depth, problems)?;
            map(path, object, problems, |path, v, problems| {
                typed_value(path, v, depth + 1, problems)
            })
            .map(AttributeValue::M)
        }
        ("M", other) => wrong(problems, "an object", &other),
        ("L", Value::Array(values)) => {
            too_deep(path, depth, problems)?;
            list(path, values, problems, |path, v, problems| {
                typed_value(path, v, depth + 1, problems)
            })
            .map(AttributeValue::L)
        }
        ("L", other) => wrong(problems, "an array", &other),
        ("SS" | "NS" | "BS", Value::Array(values)) => {
            let what = format!("`{ty}`");
            let strings = element_strings(path, &what, values, problems)?;
            match ty.as_str() {
                "SS" => string_set(path, strings, problems),
                "NS" => number_set(path, strings, problems),
                _ => binary_set(path, strings, problems),
            }
        }
        ("SS" | "NS" | "BS", other) => wrong(problems, "an array of strings", &other),
        (unknown, _) => {
            let upper = unknown.to_ascii_uppercase();
            let hint = match TYPE_NAMES.iter().find(|name| **name == upper) {
                Some(name) => format!("; did you mean `{name}`?"),
                None => format!("; expected {TYPE_LIST}"),
            };
            problems.push(format!(
                "attribute `{path}` has unknown type `{}`{hint}",
                clip(unknown)
            ));
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Checking

/// A key attribute of the table or of one of its indexes.
struct KeyRule {
    attribute: KeyAttribute,
    /// How messages name it, e.g. "partition key `pk`".
    named: String,
    /// Table keys are required; index keys may be left out (sparse indexes).
    required: bool,
    max_bytes: usize,
}

impl KeyRule {
    /// The rules of a table, one per attribute: table keys first, then index keys.
    fn of(table: &TableSpec) -> Vec<KeyRule> {
        let mut rules: Vec<KeyRule> = Vec::new();
        // An attribute that is a key in several places gets the strictest
        // rule of them all: required if any requires it, the smallest size.
        let mut add = |attribute: &KeyAttribute, named: String, required, max_bytes| match rules
            .iter_mut()
            .find(|rule| rule.attribute.name == attribute.name)
        {
            Some(rule) => {
                rule.required |= required;
                rule.max_bytes = rule.max_bytes.min(max_bytes);
            }
            None => rules.push(KeyRule {
                attribute: attribute.clone(),
                named,
                required,
                max_bytes,
            }),
        };
        let pk = &table.partition_key;
        add(
            pk,
            format!("partition key `{}`", pk.name),
            true,
            MAX_PARTITION_KEY_BYTES,
        );
        if let Some(sk) = &table.sort_key {
            add(
                sk,
                format!("sort key `{}`", sk.name),
                true,
                MAX_SORT_KEY_BYTES,
            );
        }
        let indexes = table
            .global_indexes
            .iter()
            .map(|index| ("global", index))
            .chain(table.local_indexes.iter().map(|index| ("local", index)));
        for (scope, index) in indexes {
            let keys = [
                (Some(&index.partition_key), MAX_PARTITION_KEY_BYTES),
                (index.sort_key.as_ref(), MAX_SORT_KEY_BYTES),
            ];
            for (key, max_bytes) in keys {
                if let Some(key) = key {
                    let named = format!("key `{}` of {scope} index `{}`", key.name, index.name);
                    add(key, named, false, max_bytes);
                }
            }
        }
        rules
    }

    /// Checks a present value's type, emptiness and length.
    fn check(&self, value: &AttributeValue) -> Result<(), String> {
        let named = &self.named;
        let length = match (self.attribute.ty, value) {
            (KeyType::S, AttributeValue::S(s)) => s.len(),
            (KeyType::B, AttributeValue::B(b)) => b.as_ref().len(),
            (KeyType::N, AttributeValue::N(_)) => return Ok(()),
            (expected, found) => {
                let hint = if looks_typed(found) {
                    "; the file looks like DynamoDB JSON: give its seed entry \
                     `format = \"dynamodb-json\"`"
                } else {
                    ""
                };
                return Err(format!(
                    "{named} must be {}, found {}{hint}",
                    key_type_name(expected),
                    type_name(found)
                ));
            }
        };
        if length == 0 {
            let what = match self.attribute.ty {
                KeyType::B => "empty binary",
                _ => "an empty string",
            };
            return Err(if self.required {
                format!("{named} is {what}; key values cannot be empty")
            } else {
                format!(
                    "{named} is {what}; index key values cannot be empty \
                     (leave the attribute out to keep the item out of the index)"
                )
            });
        }
        if length > self.max_bytes {
            return Err(format!(
                "{named} is {length} bytes; DynamoDB allows at most {}",
                self.max_bytes
            ));
        }
        Ok(())
    }
}

/// A map converted from plain JSON that holds a DynamoDB JSON value.
fn looks_typed(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::M(map) => {
            map.len() == 1 && map.keys().all(|k| TYPE_NAMES.contains(&k.as_str()))
        }
        _ => false,
    }
}

/// Where the item that first had a key hash is: its file's index in the
/// top 24 bits, its position among that file's values in the low 40. Eight
/// bytes per key keeps huge tables affordable; its line is found by reading
/// the item again when a duplicate needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen(u64);

impl Seen {
    const ORDINAL_BITS: u32 = 40;

    fn new(file: usize, ordinal: u64) -> Option<Seen> {
        let file = u64::try_from(file)
            .ok()
            .filter(|&file| file < 1 << (64 - Seen::ORDINAL_BITS))?;
        (ordinal < 1 << Seen::ORDINAL_BITS).then_some(Seen(file << Seen::ORDINAL_BITS | ordinal))
    }

    fn file(self) -> usize {
        (self.0 >> Seen::ORDINAL_BITS) as usize
    }

    fn ordinal(self) -> u64 {
        self.0 & ((1 << Seen::ORDINAL_BITS) - 1)
    }
}

/// An item whose key hash was seen before: a duplicate, unless the hashes
/// of two different keys met.
struct Candidate {
    first: Seen,
    file: usize,
    line: usize,
    key: Vec<u8>,
    shown: String,
}

#[derive(Default)]
struct Problems {
    /// With the index of their file, for sorting.
    kept: Vec<(usize, SeedProblem)>,
    omitted: usize,
}

impl Problems {
    fn push(&mut self, file: usize, problem: SeedProblem) {
        if self.kept.len() < MAX_KEPT_PROBLEMS {
            self.kept.push((file, problem));
        } else {
            self.omitted += 1;
        }
    }
}

struct Checker<'t> {
    table: &'t TableSpec,
    rules: Vec<KeyRule>,
    problems: Problems,
    /// Key hash to the item that had it first.
    seen: HashMap<u64, Seen>,
    candidates: Vec<Candidate>,
    summary: SeedSummary,
}

impl<'t> Checker<'t> {
    fn new(table: &'t TableSpec) -> Checker<'t> {
        Checker {
            table,
            rules: KeyRule::of(table),
            problems: Problems::default(),
            seen: HashMap::new(),
            candidates: Vec::new(),
            summary: SeedSummary::default(),
        }
    }

    fn check(&mut self, file: usize, spec: &SeedSpec, ordinal: u64, line: usize, value: Value) {
        self.summary.items += 1;
        let object = match value {
            Value::Object(object) => object,
            other => {
                let problem = SeedProblem::new(spec, line, not_an_object(&other));
                self.problems.push(file, problem);
                return;
            }
        };
        let mut messages = Vec::new();
        let converted = convert_object(spec, object, &mut messages);
        let mut keys_ok = true;
        for rule in &self.rules {
            let name = &rule.attribute.name;
            if converted.broken.contains(name) {
                keys_ok &= !rule.required;
                continue;
            }
            let result = match converted.item.get(name) {
                Some(value) => rule.check(value),
                None if rule.required => Err(format!(
                    "missing {} (type {})",
                    rule.named, rule.attribute.ty
                )),
                None => Ok(()),
            };
            if let Err(message) = result {
                messages.push(message);
                keys_ok &= !rule.required;
            }
        }
        let size = item_size(&converted.item);
        if size > MAX_ITEM_SIZE {
            messages.push(format!(
                "item is {} bytes; DynamoDB allows at most {} bytes (400 KB)",
                thousands(size),
                thousands(MAX_ITEM_SIZE)
            ));
        }
        if keys_ok
            && let Some(key) = primary_key(self.table, &converted.item)
            && let Some(seen) = Seen::new(file, ordinal)
        {
            match self.seen.entry(hash(&key)) {
                Entry::Vacant(entry) => {
                    entry.insert(seen);
                }
                Entry::Occupied(entry) => self.candidates.push(Candidate {
                    first: *entry.get(),
                    file,
                    line,
                    key,
                    shown: show_key(self.table, &converted.item),
                }),
            }
        }
        for message in messages {
            self.problems
                .push(file, SeedProblem::new(spec, line, message));
        }
    }

    /// Reads the first item of every candidate pair again and reports the
    /// pairs whose keys really are equal.
    fn confirm_duplicates(&mut self) {
        let candidates = std::mem::take(&mut self.candidates);
        let mut wanted: BTreeMap<usize, HashMap<u64, Vec<usize>>> = BTreeMap::new();
        for (index, candidate) in candidates.iter().enumerate() {
            wanted
                .entry(candidate.first.file())
                .or_default()
                .entry(candidate.first.ordinal())
                .or_default()
                .push(index);
        }
        let mut confirmed = Vec::new();
        for (file, ordinals) in wanted {
            let Some(spec) = self.table.seeds.get(file) else {
                continue;
            };
            let last = ordinals.keys().copied().max().unwrap_or_default();
            // Ordinal to the item's line and key.
            let mut keys: HashMap<u64, (usize, Vec<u8>)> = HashMap::new();
            let mut ordinal = 0u64;
            // Stops after the last wanted item; an error past the items
            // already seen in the first pass changes nothing.
            let _ = read_values(&spec.path, |line, value| {
                if ordinals.contains_key(&ordinal)
                    && let Value::Object(object) = value
                {
                    let converted = convert_object(spec, object, &mut Vec::new());
                    if let Some(key) = primary_key(self.table, &converted.item) {
                        keys.insert(ordinal, (line, key));
                    }
                }
                ordinal += 1;
                if ordinal > last {
                    anyhow::bail!("done");
                }
                Ok(())
            });
            for (ordinal, indexes) in ordinals {
                for index in indexes {
                    let Some(candidate) = candidates.get(index) else {
                        continue;
                    };
                    if let Some((line, key)) = keys.get(&ordinal)
                        && *key == candidate.key
                    {
                        confirmed.push((candidate, *line));
                    }
                }
            }
        }
        for (candidate, first_line) in confirmed {
            let Some(spec) = self.table.seeds.get(candidate.file) else {
                continue;
            };
            let first = self
                .table
                .seeds
                .get(candidate.first.file())
                .map_or("", |s| s.shown.as_str());
            let message = format!(
                "duplicate key {}; first at {first}:{first_line}",
                candidate.shown
            );
            self.problems.push(
                candidate.file,
                SeedProblem::new(spec, candidate.line, message),
            );
        }
    }
}

/// The primary key's value as bytes that are equal exactly when DynamoDB
/// would see the same key (numbers compare by value).
fn primary_key(table: &TableSpec, item: &Item) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for attribute in std::iter::once(&table.partition_key).chain(table.sort_key.as_ref()) {
        let (tag, bytes) = match (attribute.ty, item.get(&attribute.name)?) {
            (KeyType::S, AttributeValue::S(s)) => (b's', s.as_bytes().to_vec()),
            (KeyType::N, AttributeValue::N(n)) => (b'n', Number::scan(n)?.canonical().into_bytes()),
            (KeyType::B, AttributeValue::B(b)) => (b'b', b.as_ref().to_vec()),
            _ => return None,
        };
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Some(out)
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// `pk=`a`, sk=`b`` for messages.
fn show_key(table: &TableSpec, item: &Item) -> String {
    std::iter::once(&table.partition_key)
        .chain(table.sort_key.as_ref())
        .map(|attribute| {
            let value = match item.get(&attribute.name) {
                Some(AttributeValue::S(s)) => clip(s),
                Some(AttributeValue::N(n)) => clip(n),
                Some(AttributeValue::B(b)) => clip(&BASE64.encode(b.as_ref())),
                _ => String::new(),
            };
            format!("{}=`{value}`", attribute.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Wording

fn not_an_object(value: &Value) -> String {
    format!("item is {}, not a JSON object", kind(value))
}

/// A JSON value's kind, with its article.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
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

/// Long values cut to 60 characters for messages.
fn clip(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or(text)),
        None => text.to_string(),
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Billing, IndexSpec, Projection};

    type TestResult = anyhow::Result<()>;

    /// Seed files in a temporary folder, shown as `seed/NAME`.
    struct Folder(tempfile::TempDir);

    impl Folder {
        fn new() -> anyhow::Result<Folder> {
            Ok(Folder(tempfile::tempdir()?))
        }

        fn json(&self, name: &str, text: &str) -> anyhow::Result<SeedSpec> {
            self.spec(name, text, SeedFormat::Json, &[], &[])
        }

        fn typed(&self, name: &str, text: &str) -> anyhow::Result<SeedSpec> {
            self.spec(name, text, SeedFormat::DynamodbJson, &[], &[])
        }

        fn spec(
            &self,
            name: &str,
            text: &str,
            format: SeedFormat,
            sets: &[&str],
            binary: &[&str],
        ) -> anyhow::Result<SeedSpec> {
            let path = self.0.path().join(name);
            std::fs::write(&path, text)?;
            Ok(SeedSpec {
                path,
                shown: format!("seed/{name}"),
                format,
                sets: sets.iter().map(|s| s.to_string()).collect(),
                binary: binary.iter().map(|s| s.to_string()).collect(),
            })
        }
    }

    fn key(written: &str) -> KeyAttribute {
        let (name, ty) = written
            .split_once(':')
            .unwrap_or_else(|| panic!("bad key `{written}`"));
        KeyAttribute {
            name: name.to_string(),
            ty: KeyType::from_name(ty).unwrap_or_else(|| panic!("bad type in `{written}`")),
        }
    }

    fn index(name: &str, partition_key: &str, sort_key: Option<&str>) -> IndexSpec {
        IndexSpec {
            name: name.to_string(),
            partition_key: key(partition_key),
            sort_key: sort_key.map(key),
            projection: Projection::All,
        }
    }

    /// A table keyed `pk:S` + `sk:S`, with indexes on `repo:S`/`updated_at:S`,
    /// `score:N` and (local) `created_at:S`.
    fn table(seeds: Vec<SeedSpec>) -> TableSpec {
        TableSpec {
            name: "issues".to_string(),
            physical: "Test_issues".to_string(),
            partition_key: key("pk:S"),
            sort_key: Some(key("sk:S")),
            billing: Billing::PayPerRequest,
            ttl: None,
            stream: None,
            global_indexes: vec![
                index("by-repo", "repo:S", Some("updated_at:S")),
                index("by-score", "score:N", None),
            ],
            local_indexes: vec![index("by-created", "pk:S", Some("created_at:S"))],
            seeds,
            line: 1,
        }
    }

    fn items(spec: &SeedSpec) -> anyhow::Result<Vec<SeedItem>> {
        let mut out = Vec::new();
        for_each_item(spec, |item| {
            out.push(item);
            Ok(())
        })?;
        Ok(out)
    }

    fn problems(table: &TableSpec) -> Vec<String> {
        match validate_table(table) {
            Ok(_) => Vec::new(),
            Err(err) => err.problems.iter().map(ToString::to_string).collect(),
        }
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_string())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(text.to_string())
    }

    fn item(attributes: &[(&str, AttributeValue)]) -> Item {
        attributes
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect()
    }

    fn lines(items: &[SeedItem]) -> Vec<usize> {
        items.iter().map(|i| i.line).collect()
    }

    #[test]
    fn json_lines_and_arrays_give_the_same_items_at_their_lines() -> TestResult {
        let folder = Folder::new()?;
        let jsonl = folder.json(
            "a.jsonl",
            "\n{\"pk\": \"a\", \"sk\": \"1\", \"n\": 1}\n\n   \n{\"pk\": \"a\", \"sk\": \"2\", \"n\": 2}\r\n{\"pk\": \"a\", \"sk\": \"3\", \"n\": 3}",
        )?;
        let one_per_line = folder.json(
            "b.json",
            "[\n{\"pk\": \"a\", \"sk\": \"1\", \"n\": 1},\n{\"pk\": \"a\", \"sk\": \"2\", \"n\": 2},\n  {\"pk\": \"a\", \"sk\": \"3\", \"n\": 3}\n]\n",
        )?;
        let pretty = folder.json(
            "c.json",
            "[\n  {\n    \"pk\": \"a\",\n    \"sk\": \"1\",\n    \"n\": 1\n  },\n  {\n    \"pk\": \"a\",\n    \"sk\": \"2\",\n    \"n\": 2\n  },\n  {\n    \"pk\": \"a\",\n    \"sk\": \"3\",\n    \"n\": 3\n  }\n]",
        )?;
        let one_line = folder.json(
            "d.json",
            "\u{feff}\n\n[{\"pk\": \"a\", \"sk\": \"1\", \"n\": 1}, {\"pk\": \"a\", \"sk\": \"2\", \"n\": 2},{\"pk\": \"a\", \"sk\": \"3\", \"n\": 3}]",
        )?;

        let expected: Vec<Item> = ["1", "2", "3"]
            .iter()
            .map(|i| item(&[("pk", s("a")), ("sk", s(i)), ("n", n(i))]))
            .collect();
        for (spec, want_lines) in [
            (&jsonl, vec![2, 5, 6]),
            (&one_per_line, vec![2, 3, 4]),
            (&pretty, vec![2, 7, 12]),
            (&one_line, vec![3, 3, 3]),
        ] {
            let read = items(spec)?;
            assert_eq!(lines(&read), want_lines, "{}", spec.shown);
            let got: Vec<Item> = read.into_iter().map(|i| i.item).collect();
            assert_eq!(got, expected, "{}", spec.shown);
        }

        let summary =
            validate_table(&table(vec![jsonl.clone()])).map_err(|e| anyhow::anyhow!("{e}"))?;
        let bytes = std::fs::metadata(&jsonl.path)?.len();
        assert_eq!(
            summary,
            SeedSummary {
                files: 1,
                items: 3,
                bytes
            }
        );
        // The same keys in two files are duplicates, and nothing else is wrong.
        assert_eq!(
            problems(&table(vec![jsonl, pretty])),
            [
                "seed/c.json:2: duplicate key pk=`a`, sk=`1`; first at seed/a.jsonl:2",
                "seed/c.json:7: duplicate key pk=`a`, sk=`2`; first at seed/a.jsonl:5",
                "seed/c.json:12: duplicate key pk=`a`, sk=`3`; first at seed/a.jsonl:6",
            ]
        );
        Ok(())
    }

    #[test]
    fn empty_files_have_no_items() -> TestResult {
        let folder = Folder::new()?;
        for (name, text) in [("e.jsonl", ""), ("f.jsonl", " \n\n"), ("g.json", "[\n]\n")] {
            assert!(items(&folder.json(name, text)?)?.is_empty(), "{name}");
        }
        Ok(())
    }

    #[test]
    fn plain_json_maps_every_type_and_keeps_numbers_exact() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.spec(
            "p.jsonl",
            r#"{"pk": "a", "sk": "b", "str": "x", "int": 42, "neg": -7, "float": 3.250, "exp": 1.5E3, "big": 12345678901234567890123456789012345678, "tiny": -0.00000000000000000000000000000000000001, "yes": true, "no": false, "nothing": null, "list": [1, "two", [3]], "map": {"inner": {"deep": "v"}, "n": 1.0}, "tags": ["b", "a"], "scores": [1, 2.5], "thumb": "aGVsbG8=", "blobs": ["AQ==", "Ag=="], "not_a_set": ["x", "x"]}"#,
            SeedFormat::Json,
            &["tags", "scores", "blobs"],
            &["thumb", "blobs"],
        )?;
        let read = items(&spec)?;
        let [only] = read.as_slice() else {
            panic!("expected one item, got {read:?}");
        };
        let expected = item(&[
            ("pk", s("a")),
            ("sk", s("b")),
            ("str", s("x")),
            ("int", n("42")),
            ("neg", n("-7")),
            ("float", n("3.250")),
            ("exp", n("1.5e+3")),
            ("big", n("12345678901234567890123456789012345678")),
            ("tiny", n("-0.00000000000000000000000000000000000001")),
            ("yes", AttributeValue::Bool(true)),
            ("no", AttributeValue::Bool(false)),
            ("nothing", AttributeValue::Null(true)),
            (
                "list",
                AttributeValue::L(vec![n("1"), s("two"), AttributeValue::L(vec![n("3")])]),
            ),
            (
                "map",
                AttributeValue::M(item(&[
                    ("inner", AttributeValue::M(item(&[("deep", s("v"))]))),
                    ("n", n("1.0")),
                ])),
            ),
            ("tags", AttributeValue::Ss(vec!["b".into(), "a".into()])),
            ("scores", AttributeValue::Ns(vec!["1".into(), "2.5".into()])),
            ("thumb", AttributeValue::B(Blob::new(b"hello".to_vec()))),
            (
                "blobs",
                AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])]),
            ),
            ("not_a_set", AttributeValue::L(vec![s("x"), s("x")])),
        ]);
        assert_eq!(only.item, expected);
        assert_eq!(only.line, 1);
        assert!(problems(&table(vec![spec])).is_empty());
        Ok(())
    }

    #[test]
    fn dynamodb_json_maps_every_type() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.typed(
            "t.json",
            r#"[
{"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "-1.50"}, "b": {"B": "aGk="}, "t": {"BOOL": true},
 "z": {"NULL": true}, "m": {"M": {"x": {"N": "1"}, "l": {"L": [{"S": "y"}, {"BOOL": false}]}}},
 "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2e3"]}, "bs": {"BS": ["AQ==", "AgM="]}},
{"Item": {"pk": {"S": "c"}, "sk": {"S": "d"}}}
]"#,
        )?;
        let read = items(&spec)?;
        assert_eq!(lines(&read), [2, 5]);
        let expected = item(&[
            ("pk", s("a")),
            ("sk", s("b")),
            ("n", n("-1.50")),
            ("b", AttributeValue::B(Blob::new(b"hi".to_vec()))),
            ("t", AttributeValue::Bool(true)),
            ("z", AttributeValue::Null(true)),
            (
                "m",
                AttributeValue::M(item(&[
                    ("x", n("1")),
                    (
                        "l",
                        AttributeValue::L(vec![s("y"), AttributeValue::Bool(false)]),
                    ),
                ])),
            ),
            ("ss", AttributeValue::Ss(vec!["a".into(), "b".into()])),
            ("ns", AttributeValue::Ns(vec!["1".into(), "2e3".into()])),
            (
                "bs",
                AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2, 3])]),
            ),
        ]);
        assert_eq!(read.first().map(|i| &i.item), Some(&expected));
        // A line of a DynamoDB export is read as the item it wraps.
        let exported = item(&[("pk", s("c")), ("sk", s("d"))]);
        assert_eq!(read.get(1).map(|i| &i.item), Some(&exported));
        assert!(problems(&table(vec![spec])).is_empty());
        Ok(())
    }

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
            "[\n{\"pk\": \"c\", \"sk\": \"1\"},\n{\"pk\" \"c\"},\n{\"this\": \"is never read\"}\n]",
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
                "seed/d.jsonl:1:19: invalid JSON: expected value",
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
    fn conversion_problems_name_the_attribute() -> TestResult {
        let folder = Folder::new()?;
        let plain = folder.spec(
            "p.jsonl",
            &[
                r#"{"pk": "a", "sk": "1", "tags": []}"#,
                r#"{"pk": "a", "sk": "2", "tags": ["a", 1]}"#,
                r#"{"pk": "a", "sk": "3", "tags": ["a", "a"]}"#,
                r#"{"pk": "a", "sk": "4", "nums": [1, 1.0]}"#,
                r#"{"pk": "a", "sk": "5", "tags": "x", "nums": [true]}"#,
                r#"{"pk": "a", "sk": "6", "thumb": 5}"#,
                r#"{"pk": "a", "sk": "7", "thumb": "!!!"}"#,
                r#"{"pk": "a", "sk": "8", "m": {"l": [1, {"x": 1e-131}]}}"#,
                r#"{"pk": "a", "sk": "9", "": 1}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "10"}}"#,
            ]
            .join("\n"),
            SeedFormat::Json,
            &["tags", "nums"],
            &["thumb"],
        )?;
        assert_eq!(
            problems(&table(vec![plain])),
            [
                "seed/p.jsonl:1: attribute `tags` is an empty set; DynamoDB does not store empty sets",
                "seed/p.jsonl:2: attribute `tags` is listed in `sets` but mixes strings and numbers; a set holds only strings or only numbers",
                "seed/p.jsonl:3: attribute `tags` holds `a` more than once; set elements must be unique",
                "seed/p.jsonl:4: attribute `nums` holds `1.0` more than once; set elements must be unique",
                "seed/p.jsonl:5: attribute `tags` is listed in `sets` but is a string, not an array",
                "seed/p.jsonl:5: attribute `nums` is listed in `sets` but element 0 is a boolean; a set holds only strings or only numbers",
                "seed/p.jsonl:6: attribute `thumb` is listed in `binary` but is a number, not a base64 string",
                "seed/p.jsonl:7: attribute `thumb` is not valid base64: invalid symbol 33, offset 0",
                "seed/p.jsonl:8: attribute `m.l[1].x`: number `1e-131` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126",
                "seed/p.jsonl:9: an attribute has an empty name; attribute names need at least one character",
                "seed/p.jsonl:10: partition key `pk` must be S (string), found M (map); the file looks like DynamoDB JSON: give its seed entry `format = \"dynamodb-json\"`",
                "seed/p.jsonl:10: sort key `sk` must be S (string), found M (map); the file looks like DynamoDB JSON: give its seed entry `format = \"dynamodb-json\"`",
            ]
        );

        let typed = folder.typed(
            "t.jsonl",
            &[
                r#"{"pk": "a", "sk": {"S": "1"}}"#,
                r#"{"pk": {"S": "a", "N": "1"}, "sk": {"S": "2"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"s": "3"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "4"}, "n": {"N": 1}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "5"}, "n": {"N": "one"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "6"}, "z": {"NULL": false}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "7"}, "ss": {"SS": []}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "8"}, "ns": {"NS": ["1", "1.0"]}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "9"}, "b": {"B": "%%"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "10"}, "m": {"M": {"x": {"Q": 1}}}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "11"}, "e": {}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "12"}, "ns": {"NS": [1]}}"#,
            ]
            .join("\n"),
        )?;
        assert_eq!(
            problems(&table(vec![typed])),
            [
                "seed/t.jsonl:1: attribute `pk` must be a typed value like {\"S\": \"text\"}, found a string",
                "seed/t.jsonl:2: attribute `pk` has 2 keys (`S`, `N`); a typed value has exactly one: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "seed/t.jsonl:3: attribute `sk` has unknown type `s`; did you mean `S`?",
                "seed/t.jsonl:4: attribute `n`: `N` must hold the number as a string, like {\"N\": \"1\"}",
                "seed/t.jsonl:5: attribute `n`: `one` is not a number",
                "seed/t.jsonl:6: attribute `z`: `NULL` must hold `true`, found a boolean",
                "seed/t.jsonl:7: attribute `ss` is an empty set; DynamoDB does not store empty sets",
                "seed/t.jsonl:8: attribute `ns` holds `1.0` more than once; set elements must be unique",
                "seed/t.jsonl:9: attribute `b` is not valid base64: invalid symbol 37, offset 0",
                "seed/t.jsonl:10: attribute `m.x` has unknown type `Q`; expected `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "seed/t.jsonl:11: attribute `e` is an empty object; a typed value has one key: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "seed/t.jsonl:12: attribute `ns`: element 0 of `NS` must be a string, found a number",
            ]
        );
        Ok(())
    }

    #[test]
    fn lists_and_maps_nest_at_most_32_deep() -> TestResult {
        let folder = Folder::new()?;
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let spec = folder.json(
            "n.jsonl",
            &format!(
                "{{\"pk\": \"a\", \"sk\": \"1\", \"deep\": {}}}\n{{\"pk\": \"a\", \"sk\": \"2\", \"deep\": {}}}\n",
                nested(MAX_NESTING),
                nested(MAX_NESTING + 1)
            ),
        )?;
        let found = problems(&table(vec![spec]));
        let path = format!("deep{}", "[0]".repeat(MAX_NESTING));
        assert_eq!(
            found,
            [format!(
                "seed/n.jsonl:2: attribute `{path}` nests lists and maps more than 32 levels deep; DynamoDB allows 32"
            )]
        );
        Ok(())
    }

    #[test]
    fn numeric_keys_compare_by_value() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json(
            "k.jsonl",
            "{\"id\": 1}\n{\"id\": 1.0}\n{\"id\": 10e-1}\n{\"id\": 2}\n",
        )?;
        let mut numeric = table(vec![spec]);
        numeric.partition_key = key("id:N");
        numeric.sort_key = None;
        numeric.local_indexes.clear();
        assert_eq!(
            problems(&numeric),
            [
                "seed/k.jsonl:2: duplicate key id=`1.0`; first at seed/k.jsonl:1",
                "seed/k.jsonl:3: duplicate key id=`10e-1`; first at seed/k.jsonl:1",
            ]
        );
        Ok(())
    }

    #[test]
    fn duplicates_on_one_line_of_an_array_are_found() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json(
            "o.json",
            r#"[{"pk": "a", "sk": "1"}, {"pk": "a", "sk": "2"}, {"pk": "a", "sk": "2"}]"#,
        )?;
        assert_eq!(
            problems(&table(vec![spec])),
            ["seed/o.json:1: duplicate key pk=`a`, sk=`2`; first at seed/o.json:1"]
        );
        Ok(())
    }

    #[test]
    fn a_hash_match_between_different_keys_is_not_a_duplicate() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json(
            "h.jsonl",
            "{\"pk\": \"a\", \"sk\": \"1\"}\n{\"pk\": \"b\", \"sk\": \"2\"}\n",
        )?;
        let spec = table(vec![spec]);
        let first = Seen::new(0, 0).ok_or_else(|| anyhow::anyhow!("no room for a seen item"))?;
        assert_eq!((first.file(), first.ordinal()), (0, 0));
        let key = |pk: &str, sk: &str| {
            primary_key(&spec, &item(&[("pk", s(pk)), ("sk", s(sk))]))
                .ok_or_else(|| anyhow::anyhow!("no key"))
        };
        let mut checker = Checker::new(&spec);
        for (pk, sk) in [("b", "2"), ("a", "1")] {
            checker.candidates.push(Candidate {
                first,
                file: 0,
                line: 2,
                key: key(pk, sk)?,
                shown: format!("pk=`{pk}`, sk=`{sk}`"),
            });
        }
        checker.confirm_duplicates();
        let found: Vec<String> = checker
            .problems
            .kept
            .iter()
            .map(|(_, problem)| problem.to_string())
            .collect();
        assert_eq!(
            found,
            ["seed/h.jsonl:2: duplicate key pk=`a`, sk=`1`; first at seed/h.jsonl:1"]
        );
        let far = Seen::new(3, (1 << 40) - 1).ok_or_else(|| anyhow::anyhow!("no room"))?;
        assert_eq!((far.file(), far.ordinal()), (3, (1 << 40) - 1));
        assert_eq!(Seen::new(0, 1 << 40), None);
        Ok(())
    }

    #[test]
    fn numbers_follow_dynamodb_precision_and_range() {
        let valid = [
            "0",
            "-0",
            "0.000",
            "1e-130",
            "-1E-130",
            "9.9999999999999999999999999999999999999e125",
            "12345678901234567890123456789012345678",
            "1000000000000000000000000000000000000000000000000000",
            ".5",
            "5.",
            "+1",
            "0.0000000000000000000000000000000000000000001",
        ];
        for text in valid {
            assert!(Number::parse(text).is_ok(), "{text} should be valid");
        }
        let invalid = [
            ("", NumberProblem::Syntax),
            ("-", NumberProblem::Syntax),
            (".", NumberProblem::Syntax),
            ("1e", NumberProblem::Syntax),
            (" 1", NumberProblem::Syntax),
            ("0x10", NumberProblem::Syntax),
            ("NaN", NumberProblem::Syntax),
            ("Infinity", NumberProblem::Syntax),
            ("1e126", NumberProblem::Range),
            ("-1e126", NumberProblem::Range),
            ("1e-131", NumberProblem::Range),
            ("1e99999999999999999999", NumberProblem::Range),
            (
                "123456789012345678901234567890123456789",
                NumberProblem::Digits(39),
            ),
        ];
        for (text, problem) in invalid {
            assert_eq!(Number::parse(text), Err(problem), "{text}");
        }
        let canonical = |text: &str| Number::scan(text).map(|n| n.canonical());
        assert_eq!(canonical("1"), canonical("1.000"));
        assert_eq!(canonical("1"), canonical("0.1e1"));
        assert_eq!(canonical("-0"), canonical("0.0"));
        assert_ne!(canonical("1"), canonical("-1"));
        assert_ne!(canonical("1"), canonical("10"));
    }

    #[test]
    fn item_size_follows_dynamodb_rules() {
        let size = |attributes: &[(&str, AttributeValue)]| item_size(&item(attributes));
        // A string: name + UTF-8 bytes.
        assert_eq!(size(&[("name", s("abc"))]), 7);
        assert_eq!(size(&[("é", s("ü"))]), 4);
        // A number: name + 1 byte per two significant digits + 1.
        assert_eq!(size(&[("age", n("123"))]), 3 + 2 + 1);
        assert_eq!(size(&[("n", n("-12.500"))]), 1 + 2 + 1);
        assert_eq!(size(&[("n", n("1000000"))]), 1 + 1 + 1);
        assert_eq!(size(&[("n", n("0"))]), 1 + 1);
        // Binary counts raw bytes; booleans and null 1 byte.
        assert_eq!(
            size(&[("b", AttributeValue::B(Blob::new(vec![1, 2, 3])))]),
            4
        );
        assert_eq!(size(&[("ok", AttributeValue::Bool(true))]), 3);
        assert_eq!(size(&[("z", AttributeValue::Null(true))]), 2);
        // Lists and maps: 3 bytes, plus each element and 1 byte per element.
        assert_eq!(size(&[("m", AttributeValue::M(HashMap::new()))]), 1 + 3);
        assert_eq!(size(&[("l", AttributeValue::L(Vec::new()))]), 1 + 3);
        assert_eq!(
            size(&[("m", AttributeValue::M(item(&[("a", s("x"))])))]),
            1 + 3 + (1 + 1 + 1)
        );
        assert_eq!(
            size(&[("l", AttributeValue::L(vec![s("ab"), n("1")]))]),
            1 + 3 + (2 + 1) + (2 + 1)
        );
        let nested = AttributeValue::M(item(&[("in", AttributeValue::L(vec![s("x")]))]));
        assert_eq!(size(&[("m", nested)]), 1 + 3 + (2 + (3 + 1 + 1) + 1));
        // Sets: the sum of their elements.
        let set = AttributeValue::Ss(vec!["a".into(), "bc".into()]);
        assert_eq!(size(&[("ss", set)]), 2 + 3);
        let set = AttributeValue::Ns(vec!["1".into(), "1234".into()]);
        assert_eq!(size(&[("ns", set)]), 2 + 2 + 3);
        // Attributes add up.
        assert_eq!(size(&[("pk", s("a")), ("sk", s("bb"))]), 3 + 4);
    }

    #[test]
    fn oversized_json_text_stops_the_file() -> TestResult {
        let folder = Folder::new()?;
        let huge = "x".repeat(usize::try_from(MAX_ITEM_TEXT)? + 10);
        let array = folder.json(
            "h.json",
            &format!("[\n{{\"pk\": \"a\", \"sk\": \"1\"}},\n{{\"pk\": \"a\", \"sk\": \"2\", \"x\": \"{huge}\"}}\n]"),
        )?;
        let lines = folder.json(
            "h.jsonl",
            &format!("{{\"pk\": \"b\", \"sk\": \"1\"}}\n\n{{\"pk\": \"b\", \"sk\": \"2\", \"x\": \"{huge}\"}}\n"),
        )?;
        assert_eq!(
            problems(&table(vec![array, lines])),
            [
                "seed/h.json:3: item is more than 16 MiB of JSON text; a DynamoDB item is at most 400 KB",
                "seed/h.jsonl:3: item is more than 16 MiB of JSON text; a DynamoDB item is at most 400 KB",
            ]
        );
        Ok(())
    }

    #[test]
    fn reading_reports_problems_and_passes_on_the_visitors_error() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json("r.jsonl", "{\"pk\": \"a\"}\n{\"pk\": 1e999}\n")?;
        let err = items(&spec).err().map(|e| e.to_string());
        let want = "seed/r.jsonl:2: attribute `pk`: number `1e+999` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126";
        assert_eq!(err.as_deref(), Some(want));

        let spec = folder.json("j.json", "[{\"pk\": \"a\"},\n {\"pk\": \"b\",}]")?;
        let err = items(&spec).err().map(|e| e.to_string());
        let want = "seed/j.json:2:13: invalid JSON: trailing comma";
        assert_eq!(err.as_deref(), Some(want));

        let mut missing = spec.clone();
        missing.path = folder.0.path().join("missing.jsonl");
        missing.shown = "seed/missing.jsonl".to_string();
        let err = items(&missing)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("seed/missing.jsonl: cannot read seed file: "),
            "{err}"
        );

        for text in [
            "{\"pk\": \"a\"}\n{\"pk\": \"b\"}\n",
            "[{\"pk\": \"a\"},\n{\"pk\": \"b\"}]",
        ] {
            let spec = folder.json("v.json", text)?;
            let mut calls = 0;
            let result = for_each_item(&spec, |_| {
                calls += 1;
                anyhow::bail!("the table is gone")
            });
            let err = result.err().map(|e| e.to_string());
            assert_eq!(err.as_deref(), Some("the table is gone"));
            assert_eq!(calls, 1);
        }
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

    #[test]
    fn problems_beyond_the_kept_ones_are_counted() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json("many.jsonl", &"null\n".repeat(MAX_KEPT_PROBLEMS + 7))?;
        let err = validate_table(&table(vec![spec]))
            .err()
            .ok_or_else(|| anyhow::anyhow!("expected problems"))?;
        assert_eq!(err.problems.len(), MAX_KEPT_PROBLEMS);
        assert_eq!(err.omitted, 7);
        assert_eq!(err.count(), MAX_KEPT_PROBLEMS + 7);
        Ok(())
    }
}
