//! Reading seed files a value at a time, JSON Lines or a JSON array, with the
//! line where each value starts, in bounded memory.

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{MAX_ITEM_TEXT, SeedProblem};
use crate::manifest::{SeedFormat, SeedSpec, TableSpec};

/// Why reading a seed file stopped early.
#[derive(Debug)]
pub(super) enum ReadError {
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
    /// A row of a CSV file that gives no item, or a header that names no
    /// table; the message says why.
    Csv {
        line: usize,
        message: String,
    },
    /// The visitor returned an error.
    Halted(anyhow::Error),
}

impl ReadError {
    /// The problem to report; `None` when the visitor stopped the reading.
    pub(super) fn problem(self, spec: &SeedSpec) -> Option<SeedProblem> {
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
            ReadError::Csv { line, message } => SeedProblem::new(spec, line, message),
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

/// What reading does at invalid JSON: the error goes to it, and when it
/// gives it back the reading stops there; when it returns `Ok`, the reading
/// goes on from the next item (see [`read_lines`] and [`read_array`] for
/// where that is), so one run reports every bad line of a file.
pub(super) type AtInvalidJson<'a> = &'a mut dyn FnMut(ReadError) -> Result<(), ReadError>;

/// Streams the top-level values of a seed file to `visit` with the line
/// where each starts: the elements of a JSON array, or the lines of a JSON
/// Lines file. Invalid JSON goes to `invalid`, which stops the reading or
/// lets it go on; anything else wrong with the file, or an error from
/// `visit`, stops it.
pub(super) fn read_values<F>(
    path: &Path,
    invalid: AtInvalidJson<'_>,
    visit: F,
) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    let file = File::open(path).map_err(ReadError::Open)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let start = skip_to_content(&mut reader).map_err(|source| ReadError::Io { line: 1, source })?;
    match start.first {
        None => Ok(()),
        Some(b'[') => read_array(reader, &start, invalid, visit),
        Some(_) => read_lines(reader, &start, invalid, visit),
    }
}

/// Streams the items of one seed file as JSON values, whatever its format:
/// a CSV file's rows as the DynamoDB JSON objects they make (with the
/// table's key types), any other file's values as [`read_values`] reads
/// them.
pub(super) fn read_items<F>(
    table: &TableSpec,
    spec: &SeedSpec,
    invalid: AtInvalidJson<'_>,
    visit: F,
) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    match (spec.format, &spec.csv) {
        (SeedFormat::Csv, Some(options)) => {
            super::csv::read_rows(table, spec, options, invalid, visit)
        }
        _ => read_values(&spec.path, invalid, visit),
    }
}

/// Each line of a JSON Lines file is a value of its own, so reading goes
/// on at the next line after invalid JSON.
fn read_lines<F>(
    mut reader: impl BufRead,
    start: &Start,
    invalid: AtInvalidJson<'_>,
    mut visit: F,
) -> Result<(), ReadError>
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
        match serde_json::from_slice(text) {
            Ok(value) => visit(line, value).map_err(ReadError::Halted)?,
            Err(err) => invalid(syntax_error(&err, line - 1, columns_before))?,
        }
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
    /// Bytes read on the current line, and whether all of them but the
    /// last were blanks: when an element starts (its first byte just
    /// read), whether it begins its line, and after how many blanks.
    on_line: Cell<usize>,
    blank_before_last: Cell<bool>,
    blank: Cell<bool>,
    /// The last byte read.
    last: Cell<u8>,
    /// The blanks before the first element that begins its own line: where
    /// reading looks for the next item after invalid JSON.
    item_indent: Cell<Option<usize>>,
}

impl Tracker {
    /// Notes a byte read.
    fn byte(&self, byte: u8) {
        self.last.set(byte);
        if byte == b'\n' {
            self.newlines.set(self.newlines.get() + 1);
            self.on_line.set(0);
            self.blank.set(true);
            self.blank_before_last.set(true);
        } else {
            self.on_line.set(self.on_line.get() + 1);
            self.blank_before_last.set(self.blank.get());
            self.blank.set(self.blank.get() && is_json_space(byte));
        }
    }

    /// Starts over at the beginning of a line, `newlines` lines in.
    fn restart(&self, newlines: usize) {
        self.newlines.set(newlines);
        self.on_line.set(0);
        self.blank.set(true);
        self.blank_before_last.set(true);
    }
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
        for &byte in buf.get(..read).unwrap_or_default() {
            tracker.byte(byte);
        }
        tracker
            .since_start
            .set(tracker.since_start.get() + read as u64);
        Ok(read)
    }
}

/// Reads a JSON array an element at a time. After invalid JSON, reading
/// goes on at the next line that starts an item, by this rule: the items
/// of an array are written at the indentation of the first element that
/// begins its own line (every common layout: one item per line, or
/// pretty-printed with any indent), and nothing else can begin a line with
/// `{` at that indentation (nested objects are indented deeper; a JSON
/// string holds no line break). So the rest of the line where the error
/// was is skipped, then every line up to one whose first byte after its
/// blanks is `{` at that indentation, and the array is read on from there
/// as if that item were its first. When no element has begun a line yet
/// (an array on one line), there is no such rule, and the reading stops
/// at the error.
fn read_array<R: BufRead, F>(
    mut reader: R,
    start: &Start,
    invalid: AtInvalidJson<'_>,
    mut visit: F,
) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    let tracker = Rc::new(Tracker::default());
    tracker.newlines.set(start.lines);
    // What is read before the rest of the file: nothing at first; after a
    // resynchronisation, `[`, a line break and the item's line, so the
    // parser sees a new array whose first element is on its second line.
    let mut prefix: Vec<u8> = Vec::new();
    let (mut lines_before, mut columns_before) = (start.lines, start.column);
    loop {
        let mut halted = None;
        let result = {
            let mut deserializer = serde_json::Deserializer::from_reader(Counting {
                inner: prefix.as_slice().chain(&mut reader),
                tracker: Rc::clone(&tracker),
            });
            let elements = Elements {
                tracker: &tracker,
                visit: &mut visit,
                halted: &mut halted,
            };
            (&mut deserializer)
                .deserialize_seq(elements)
                .and_then(|()| deserializer.end())
        };
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
        let error = syntax_error(&err, lines_before, columns_before);
        let error_line = match &error {
            ReadError::Syntax { line, .. } => *line,
            _ => current_line,
        };
        invalid(error)?;
        let Some(indent) = tracker.item_indent.get() else {
            return Ok(());
        };
        let found = next_item_line(&mut reader, &tracker, error_line, indent)?;
        let Some((line, text)) = found else {
            return Ok(());
        };
        prefix = b"[\n".to_vec();
        prefix.extend_from_slice(&text);
        // The prefix's line break counts: the item's line is the next one.
        tracker.restart(line - 2);
        (lines_before, columns_before) = (line - 2, 0);
    }
}

/// After invalid JSON at `error_line`: the line where the next item
/// starts at `indent` blanks, and its text (or, when the parser already read
/// into it, the part it read, the rest being still to read); `None` at the
/// end of the file.
///
/// Having failed, serde_json still reads on a little as it closes the
/// objects and the array it was in: blanks, `}`, `,` and `]`, then one byte
/// more, which it keeps. So when the parser stopped on a later line, that
/// line is an item's exactly when what it read of it is `indent` blanks
/// and a `{`; else the rest of the line is skipped, and the lines after it
/// are looked at whole.
fn next_item_line(
    reader: &mut impl BufRead,
    tracker: &Tracker,
    error_line: usize,
    indent: usize,
) -> Result<Option<(usize, Vec<u8>)>, ReadError> {
    let mut line = tracker.newlines.get() + 1;
    let read_into = tracker.on_line.get();
    let item_started =
        read_into == indent + 1 && tracker.blank_before_last.get() && tracker.last.get() == b'{';
    if line > error_line && item_started {
        let mut text = vec![b' '; indent];
        text.push(b'{');
        return Ok(Some((line, text)));
    }
    let mut rest_of_line = read_into > 0;
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = reader
            .take(MAX_ITEM_TEXT + 1)
            .read_until(b'\n', &mut buffer)
            .map_err(|source| ReadError::Io { line, source })?;
        if read == 0 {
            return Ok(None);
        }
        if buffer.len() as u64 > MAX_ITEM_TEXT {
            return Err(ReadError::TooLarge { line });
        }
        if !std::mem::take(&mut rest_of_line) {
            let blanks = buffer
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            if blanks == indent && buffer.get(blanks) == Some(&b'{') {
                return Ok(Some((line, buffer)));
            }
        }
        line += 1;
    }
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
        if self.tracker.item_indent.get().is_none() && self.tracker.blank_before_last.get() {
            let indent = self.tracker.on_line.get().saturating_sub(1);
            self.tracker.item_indent.set(Some(indent));
        }
        self.tracker.since_start.set(1);
        let value = Value::deserialize(deserializer)?;
        (self.visit)(line, value).map_err(|err| {
            *self.halted = Some(err);
            D::Error::custom("stopped")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Item;
    use crate::seed::testing::*;
    use crate::seed::{SeedSummary, for_each_item, validate_table};

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
    fn every_syntax_error_and_the_bad_items_after_them_are_reported() -> TestResult {
        let folder = Folder::new()?;
        let jsonl = folder.json(
            "s.jsonl",
            &[
                r#"{"pk": "a", "sk": "1"}"#,
                r#"{"pk": "a", "sk": }"#,
                r#"{"pk": "a", "sk": "3"}"#,
                r#"{"pk" "a", "sk": "4"}"#,
                r#"{"sk": "5"}"#,
                r#"{"pk": "a", "sk": "6"}"#,
            ]
            .join("\n"),
        )?;
        // One item per line, the second and fourth broken, the fifth
        // without its partition key.
        let per_line = folder.json(
            "s.json",
            "[\n{\"pk\": \"b\", \"sk\": \"1\"},\n{\"pk\": \"b\", \"sk\": },\n{\"pk\": \"b\", \"sk\": \"3\"},\n{\"pk\" \"b\", \"sk\": \"4\"},\n{\"sk\": \"5\"},\n{\"pk\": \"b\", \"sk\": \"6\"}\n]\n",
        )?;
        // Pretty-printed: a broken item, then one whose nested list of
        // maps begins lines with `{` deeper in (never taken for items), a
        // broken last line of an item, and an item without its key.
        let pretty = folder.json(
            "p.json",
            &[
                "[",
                "  {",
                r#"    "pk": "c","#,
                r#"    "sk": "1" "oops""#,
                "  },",
                "  {",
                r#"    "pk": "c","#,
                r#"    "sk": "2","#,
                r#"    "list": ["#,
                "      {",
                r#"        "sk": "not an item""#,
                "      }",
                "    ]",
                "  },",
                "  {",
                r#"    "pk": "c","#,
                r#"    "sk": "3",,"#,
                "  },",
                "  {",
                r#"    "sk": "4""#,
                "  }",
                "]",
            ]
            .join("\n"),
        )?;
        // All on one line: no line starts an item, so the first error ends
        // the file's checks.
        let one_line = folder.json("o.json", "[{\"pk\": \"d\", \"sk\": }, {\"sk\": \"2\"}]")?;
        assert_eq!(
            problems(&table(vec![jsonl, per_line, pretty, one_line])),
            [
                "seed/s.jsonl:2:19: invalid JSON: expected value",
                "seed/s.jsonl:4:7: invalid JSON: expected `:`",
                "seed/s.jsonl:5: missing partition key `pk` (type S)",
                "seed/s.json:3:19: invalid JSON: expected value",
                "seed/s.json:5:7: invalid JSON: expected `:`",
                "seed/s.json:6: missing partition key `pk` (type S)",
                "seed/p.json:4:15: invalid JSON: expected `,` or `}`",
                "seed/p.json:17:15: invalid JSON: key must be a string",
                "seed/p.json:19: missing partition key `pk` (type S)",
                "seed/o.json:1:20: invalid JSON: expected value",
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
        let err = items(&missing).unwrap_err().to_string();
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
            let result = for_each_item(&table(vec![spec.clone()]), &spec, |_| {
                calls += 1;
                anyhow::bail!("the table is gone")
            });
            let err = result.err().map(|e| e.to_string());
            assert_eq!(err.as_deref(), Some("the table is gone"));
            assert_eq!(calls, 1);
        }
        Ok(())
    }
}
