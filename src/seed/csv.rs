//! CSV seed files, read as DynamoDB's ImportTable reads CSV: the first row
//! names the columns unless the entry gives `header`, key attributes of the
//! table and its indexes take the table's types, and every other column is
//! a string unless the entry's `types` says otherwise.
//!
//! Each row becomes the DynamoDB JSON object a typed seed line would be
//! (`{"pk": {"S": "a"}, "price": {"N": "5"}}`), so numbers, base64, keys,
//! sizes and duplicates are checked, and items written, as for any seed.
//!
//! An empty cell is left out of the item: ImportTable's documentation does
//! not say what it makes of one, and an attribute that is absent is what a
//! blank cell means in most exports. The table's own key attributes are
//! the exception: their empty cells are kept, so the check says the key is
//! empty rather than missing.
//!
//! Records are read one at a time (quoted fields may hold newlines), each
//! with the line where it starts. The `csv` crate's own line numbers miss
//! the newlines inside quoted fields, so lines are counted here, from the
//! bytes the reader takes from the file.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};

use serde_json::{Map, Value, json};

use super::MAX_ITEM_TEXT;
use super::read::{AtInvalidJson, ReadError};
use crate::manifest::{CsvOptions, CsvType, KeyType, SeedSpec, TableSpec};
use crate::output::plural;

/// How the cells of one column become a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// A key attribute of the table: kept even when empty, so that the
    /// check can say the key is empty.
    TableKey(KeyType),
    /// A key attribute of an index: left out when empty, which keeps the
    /// item out of the index.
    IndexKey(KeyType),
    /// Any other attribute, of the type the entry's `types` gives.
    Other(CsvType),
}

/// The columns of a file: names from the header, kinds from the table and
/// the entry's `types`.
#[derive(Debug)]
struct Columns {
    names: Vec<String>,
    kinds: Vec<Column>,
}

impl Columns {
    /// Checks the header against the table: each name once, the table's
    /// keys present, `types` naming only columns there are.
    fn new(table: &TableSpec, options: &CsvOptions, names: Vec<String>) -> Result<Columns, String> {
        let from = if options.header.is_some() {
            "the entry's `header`"
        } else {
            "the header row"
        };
        for (at, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(format!("column {} of {from} has no name", at + 1));
            }
            if let Some(first) = names.iter().take(at).position(|n| n == name) {
                return Err(format!(
                    "{from} names column `{name}` twice, as columns {} and {}",
                    first + 1,
                    at + 1
                ));
            }
        }
        let table_keys = std::iter::once((&table.partition_key, "partition key"))
            .chain(table.sort_key.iter().map(|k| (k, "sort key")));
        for (key, what) in table_keys {
            if !names.contains(&key.name) {
                return Err(format!(
                    "{from} has no column `{}`, the table's {what} (type {})",
                    key.name, key.ty
                ));
            }
        }
        for (name, ty) in &options.types {
            if !names.contains(name) {
                return Err(format!(
                    "`types` names column `{name}`, which {from} does not have; it has {}",
                    listed(&names)
                ));
            }
            if let Some(key) = key_type(table, name)
                && Some(key) != same_type(*ty)
            {
                return Err(format!(
                    "`types` makes key attribute `{name}` {}, but the table declares it {key}; \
                     key columns take the table's types, so leave `{name}` out of `types`",
                    <&str>::from(*ty)
                ));
            }
        }
        let kinds = names
            .iter()
            .map(|name| {
                if table.partition_key.name == *name
                    || table.sort_key.as_ref().is_some_and(|k| k.name == *name)
                {
                    key_type(table, name).map_or(Column::Other(CsvType::S), Column::TableKey)
                } else if let Some(ty) = key_type(table, name) {
                    Column::IndexKey(ty)
                } else {
                    let ty = options
                        .types
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(CsvType::S, |(_, ty)| *ty);
                    Column::Other(ty)
                }
            })
            .collect();
        Ok(Columns { names, kinds })
    }

    /// One row as a DynamoDB JSON object.
    fn item(&self, record: &::csv::ByteRecord) -> Result<Value, String> {
        if record.len() != self.names.len() {
            return Err(format!(
                "row has {}; the header names {}: {}",
                plural(record.len(), "field"),
                plural(self.names.len(), "column"),
                listed(&self.names)
            ));
        }
        let mut object = Map::new();
        for ((name, kind), cell) in self.names.iter().zip(&self.kinds).zip(record) {
            let Ok(text) = std::str::from_utf8(cell) else {
                return Err(format!("column `{name}` is not valid UTF-8 text"));
            };
            if text.is_empty() && !matches!(kind, Column::TableKey(_)) {
                continue;
            }
            object.insert(name.clone(), typed(*kind, text));
        }
        Ok(Value::Object(object))
    }
}

/// A cell as a DynamoDB JSON value; what is wrong with its text (a bad
/// number or base64) is for the DynamoDB JSON reader to say.
fn typed(kind: Column, text: &str) -> Value {
    let ty = match kind {
        Column::TableKey(key) | Column::IndexKey(key) => key.as_str(),
        Column::Other(CsvType::Bool) => {
            return match text.to_ascii_lowercase().as_str() {
                "true" => json!({"BOOL": true}),
                "false" => json!({"BOOL": false}),
                _ => json!({"BOOL": text}),
            };
        }
        Column::Other(other) => other.into(),
    };
    let mut object = Map::new();
    object.insert(ty.to_string(), Value::String(text.to_string()));
    Value::Object(object)
}

/// The key type of `name` in the table or any of its indexes.
fn key_type(table: &TableSpec, name: &str) -> Option<KeyType> {
    let indexes = table.global_indexes.iter().chain(&table.local_indexes);
    std::iter::once(&table.partition_key)
        .chain(&table.sort_key)
        .chain(indexes.flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)))
        .find(|k| k.name == name)
        .map(|k| k.ty)
}

/// The key type a column type is, if it is one.
fn same_type(ty: CsvType) -> Option<KeyType> {
    match ty {
        CsvType::S => Some(KeyType::S),
        CsvType::N => Some(KeyType::N),
        CsvType::B => Some(KeyType::B),
        CsvType::Bool => None,
    }
}

/// `` `a`, `b`, `c` ``.
fn listed(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// Streams the rows of a CSV seed file to `visit` as DynamoDB JSON objects,
/// with the line where each row starts. A row that makes no item (the wrong
/// number of fields, text that is not UTF-8) goes to `invalid`, which stops
/// the reading or lets it go on at the next row; a header that cannot name
/// the table's items goes there too and ends the file.
pub(super) fn read_rows<F>(
    table: &TableSpec,
    spec: &SeedSpec,
    options: &CsvOptions,
    invalid: AtInvalidJson<'_>,
    mut visit: F,
) -> Result<(), ReadError>
where
    F: FnMut(usize, Value) -> anyhow::Result<()>,
{
    let file = File::open(&spec.path).map_err(ReadError::Open)?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter)
        .buffer_capacity(64 * 1024)
        .from_reader(Lines::new(file));
    let mut record = ::csv::ByteRecord::new();
    let (names, header_line) = match &options.header {
        Some(names) => (names.clone(), 0),
        None => {
            if !next(&mut reader, &mut record)? {
                return Ok(());
            }
            let line = line_of(&mut reader, &record);
            let mut names = Vec::with_capacity(record.len());
            for (at, cell) in record.iter().enumerate() {
                let cell = if at == 0 {
                    cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
                } else {
                    cell
                };
                match std::str::from_utf8(cell) {
                    Ok(name) => names.push(name.to_string()),
                    Err(_) => {
                        let message = format!(
                            "column {} of the header row is not valid UTF-8 text",
                            at + 1
                        );
                        return invalid(ReadError::Csv { line, message });
                    }
                }
            }
            (names, line)
        }
    };
    let columns = match Columns::new(table, options, names) {
        Ok(columns) => columns,
        Err(message) => {
            return invalid(ReadError::Csv {
                line: header_line,
                message,
            });
        }
    };
    while next(&mut reader, &mut record)? {
        let line = line_of(&mut reader, &record);
        if record.as_slice().len() as u64 > MAX_ITEM_TEXT {
            return Err(ReadError::TooLarge { line });
        }
        match columns.item(&record) {
            Ok(value) => visit(line, value).map_err(ReadError::Halted)?,
            Err(message) => invalid(ReadError::Csv { line, message })?,
        }
    }
    Ok(())
}

/// Reads the next record; `false` at the end of the file.
fn next(
    reader: &mut ::csv::Reader<Lines<File>>,
    record: &mut ::csv::ByteRecord,
) -> Result<bool, ReadError> {
    reader.read_byte_record(record).map_err(|err| {
        let line = err
            .position()
            .map_or(0, |p| reader.get_mut().line_at(p.byte()));
        let message = format!("cannot read CSV: {err}");
        match err.into_kind() {
            ::csv::ErrorKind::Io(source) => ReadError::Io { line, source },
            _ => ReadError::Csv { line, message },
        }
    })
}

/// The line where `record` starts.
fn line_of(reader: &mut ::csv::Reader<Lines<File>>, record: &::csv::ByteRecord) -> usize {
    record
        .position()
        .map_or(0, |p| reader.get_mut().line_at(p.byte()))
}

/// A reader that notes where each line ends, for the lines of records.
/// Only the line ends not yet passed are kept: those in the CSV reader's
/// buffer and the record being read, so memory stays bounded.
struct Lines<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Where each line end not yet passed starts (`\n`, or the `\r` of
    /// `\r\n`) and how long it is.
    ends: VecDeque<(u64, u64)>,
    /// Line ends passed.
    passed: usize,
    /// Whether the last byte read was `\r`.
    after_cr: bool,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            offset: 0,
            ends: VecDeque::new(),
            passed: 0,
            after_cr: false,
        }
    }

    /// The 1-based line of the first content at or after `byte`: blank
    /// lines there, which the CSV reader skips, are passed too. Positions
    /// must come in file order.
    fn line_at(&mut self, byte: u64) -> usize {
        let mut at = byte;
        while let Some(&(start, length)) = self.ends.front() {
            if start < byte {
                // A record may start on the `\n` of a `\r\n`.
                self.ends.pop_front();
                self.passed += 1;
                at = at.max(start + length);
            } else if start == at {
                self.ends.pop_front();
                self.passed += 1;
                at = start + length;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        for (at, &byte) in buffer.iter().take(read).enumerate() {
            let offset = self.offset + at as u64;
            if byte == b'\n' {
                self.ends.push_back(if self.after_cr {
                    (offset - 1, 2)
                } else {
                    (offset, 1)
                });
            }
            self.after_cr = byte == b'\r';
        }
        self.offset += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::item::Item;
    use crate::seed::testing::*;

    fn csv(
        folder: &Folder,
        name: &str,
        text: &str,
        options: CsvOptions,
    ) -> anyhow::Result<SeedSpec> {
        let mut spec = folder.spec(name, text, crate::manifest::SeedFormat::Csv, &[], &[])?;
        spec.csv = Some(options);
        Ok(spec)
    }

    fn typed_options(types: &[(&str, CsvType)]) -> CsvOptions {
        CsvOptions {
            types: types.iter().map(|(n, t)| (n.to_string(), *t)).collect(),
            ..CsvOptions::default()
        }
    }

    fn read(spec: &SeedSpec) -> anyhow::Result<Vec<(usize, Item)>> {
        Ok(items(spec)?.into_iter().map(|i| (i.line, i.item)).collect())
    }

    #[test]
    fn rows_become_items_typed_by_the_table_and_the_entry() -> TestResult {
        let folder = Folder::new()?;
        let spec = csv(
            &folder,
            "a.csv",
            "\u{feff}pk,sk,score,price,active,thumb,note\n\
             a,1,7,1.50,TRUE,aGk=,\"two\nlines, with a comma\"\n\
             \n\
             b,2,,3,false,,\n",
            typed_options(&[
                ("price", CsvType::N),
                ("active", CsvType::Bool),
                ("thumb", CsvType::B),
            ]),
        )?;
        let got = read(&spec)?;
        let first = item(&[
            ("pk", s("a")),
            ("sk", s("1")),
            ("score", n("7")),
            ("price", n("1.50")),
            ("active", AttributeValue::Bool(true)),
            ("thumb", AttributeValue::B(Blob::new(b"hi".to_vec()))),
            ("note", s("two\nlines, with a comma")),
        ]);
        // Empty cells are left out, the index key `score` among them.
        let second = item(&[
            ("pk", s("b")),
            ("sk", s("2")),
            ("price", n("3")),
            ("active", AttributeValue::Bool(false)),
        ]);
        assert_eq!(got, [(2, first), (5, second)]);
        assert!(problems(&table(vec![spec])).is_empty());
        Ok(())
    }

    #[test]
    fn a_header_list_and_another_delimiter_read_every_row_as_data() -> TestResult {
        let folder = Folder::new()?;
        let options = CsvOptions {
            header: Some(vec!["pk".into(), "sk".into(), "n".into()]),
            delimiter: b';',
            types: vec![("n".into(), CsvType::N)],
        };
        let spec = csv(
            &folder,
            "h.csv",
            "a;1;10\r\n\r\na;\"2\r\n\";20\r\na;3;30",
            options,
        )?;
        let got = read(&spec)?;
        let want = |sk: &str, v: &str| item(&[("pk", s("a")), ("sk", s(sk)), ("n", n(v))]);
        assert_eq!(
            got,
            [
                (1, want("1", "10")),
                (3, want("2\r\n", "20")),
                (5, want("3", "30"))
            ]
        );
        Ok(())
    }

    #[test]
    fn every_bad_row_is_reported_at_its_line() -> TestResult {
        let folder = Folder::new()?;
        let spec = csv(
            &folder,
            "b.csv",
            "pk,sk,price,score,thumb,active\n\
             a,1,5,1,,\n\
             a,2,5\n\
             a,3,five,1,,\n\
             a,4,5,x,,\n\
             a,5,5,1,%%%,\n\
             ,6,5,1,,\n\
             a,7,5,1,,maybe\n\
             a,1,5,1,,\n\
             a,\"9\n\
             \",1e999,,,\n",
            typed_options(&[
                ("price", CsvType::N),
                ("thumb", CsvType::B),
                ("active", CsvType::Bool),
            ]),
        )?;
        assert_eq!(
            problems(&table(vec![spec])),
            [
                "seed/b.csv:3: row has 3 fields; the header names 6 columns: `pk`, `sk`, `price`, `score`, `thumb`, `active`",
                "seed/b.csv:4: attribute `price`: `five` is not a number",
                "seed/b.csv:5: attribute `score`: `x` is not a number",
                "seed/b.csv:6: attribute `thumb` is not valid base64: invalid symbol 37, offset 0",
                "seed/b.csv:7: partition key `pk` is an empty string; key values cannot be empty",
                "seed/b.csv:8: attribute `active`: `BOOL` must hold `true` or `false`, found a string",
                "seed/b.csv:9: duplicate key pk=`a`, sk=`1`; first at seed/b.csv:2",
                "seed/b.csv:10: attribute `price`: number `1e999` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126",
            ]
        );
        Ok(())
    }

    #[test]
    fn a_header_that_cannot_name_the_items_is_one_problem() -> TestResult {
        let folder = Folder::new()?;
        let twice = csv(&folder, "t.csv", "pk,sk,pk\na,1,b\n", CsvOptions::default())?;
        let no_key = csv(&folder, "k.csv", "id,sk\na,1\n", CsvOptions::default())?;
        let listed = CsvOptions {
            header: Some(vec!["pk".into(), "other".into()]),
            ..CsvOptions::default()
        };
        let no_sort = csv(&folder, "l.csv", "a,1\n", listed)?;
        let typo = csv(
            &folder,
            "y.csv",
            "pk,sk,price\na,1,2\n",
            typed_options(&[("prcie", CsvType::N)]),
        )?;
        let key_typed = csv(
            &folder,
            "z.csv",
            "pk,sk\na,1\n",
            typed_options(&[("sk", CsvType::N)]),
        )?;
        assert_eq!(
            problems(&table(vec![twice, no_key, no_sort, typo, key_typed])),
            [
                "seed/t.csv:1: the header row names column `pk` twice, as columns 1 and 3",
                "seed/k.csv:1: the header row has no column `pk`, the table's partition key (type S)",
                "seed/l.csv: the entry's `header` has no column `sk`, the table's sort key (type S)",
                "seed/y.csv:1: `types` names column `prcie`, which the header row does not have; it has `pk`, `sk`, `price`",
                "seed/z.csv:1: `types` makes key attribute `sk` N, but the table declares it S; key columns take the table's types, so leave `sk` out of `types`",
            ]
        );
        Ok(())
    }

    #[test]
    fn an_empty_file_has_no_items() -> TestResult {
        let folder = Folder::new()?;
        let spec = csv(&folder, "e.csv", "", CsvOptions::default())?;
        assert!(read(&spec)?.is_empty());
        let spec = csv(&folder, "f.csv", "pk,sk\n", CsvOptions::default())?;
        assert!(read(&spec)?.is_empty());
        Ok(())
    }
}
