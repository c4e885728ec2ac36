//! Amazon Ion text as DynamoDB's exports write it (`outputFormat` `ION`),
//! one value per line, turned into the same typed JSON a `DYNAMODB_JSON`
//! line holds, so everything after reading is shared:
//!
//! ```text
//! $ion_1_0 {Item:{pk:"a",n:12.5,b:{{aGVsbG8=}},ss:$dynamodb_SS::["x","y"]}}
//! {"Item":{"pk":{"S":"a"},"n":{"N":"12.5"},"b":{"B":"aGVsbG8="},"ss":{"SS":["x","y"]}}}
//! ```
//!
//! The subset read: the `$ion_1_0` marker; structs (field names as
//! identifiers, 'quoted' symbols or "strings"); lists; strings ("…" with
//! escapes, '''long''' strings, adjacent long strings joined); symbols (as
//! strings); `null` and typed nulls (`null.string`); booleans; ints
//! (`_` separators allowed), decimals (`12.5`, `1.`, `1d2`) and floats
//! (`2e0`), each kept as the exact DynamoDB number (`1.` is `1`, `1d2` is
//! `100`); blobs (`{{base64}}`); the `$dynamodb_SS`, `$dynamodb_NS` and
//! `$dynamodb_BS` annotations on a list for sets; `//` and `/* */`
//! comments. Anything else (timestamps, clobs, s-expressions, other
//! annotations, hexadecimal ints, `nan` and infinities) is a problem at
//! its column.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use crate::item::number::Number;

/// Where a line stopped making sense as the Ion subset, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IonError {
    /// 1-based, in bytes.
    pub column: usize,
    /// Lowercase, names in backticks.
    pub message: String,
}

/// The kinds of set the annotations name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetKind {
    Strings,
    Numbers,
    Binary,
}

impl SetKind {
    fn of(annotation: &str) -> Option<SetKind> {
        match annotation {
            "$dynamodb_SS" => Some(SetKind::Strings),
            "$dynamodb_NS" => Some(SetKind::Numbers),
            "$dynamodb_BS" => Some(SetKind::Binary),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            SetKind::Strings => "SS",
            SetKind::Numbers => "NS",
            SetKind::Binary => "BS",
        }
    }
}

/// An Ion value of the subset.
#[derive(Debug, Clone, PartialEq)]
enum Ion {
    Null,
    Bool(bool),
    /// The DynamoDB number it is.
    Number(String),
    String(String),
    /// A symbol value, kept apart to spot the `$ion_1_0` marker.
    Symbol(String),
    Blob(Vec<u8>),
    List(Vec<Ion>),
    Set(SetKind, Vec<Ion>),
    Struct(Vec<(String, Ion)>),
}

/// Reads one line of an Ion data file: `None` for a line with no value
/// (blank, or the version marker alone), else the value as typed JSON.
/// The record's fields that hold items (`Item`, `Keys`, `NewImage`,
/// `OldImage`) and `Metadata` become objects of DynamoDB JSON values;
/// a record wrapped as `{Record: {...}}` is read as the record inside.
pub fn read_line(line: &str) -> Result<Option<Value>, IonError> {
    let mut parser = Parser {
        text: line,
        at: 0,
        depth: 0,
    };
    let mut found: Option<(usize, Ion)> = None;
    loop {
        parser.skip_blanks()?;
        if parser.at >= line.len() {
            break;
        }
        let start = parser.at;
        let value = parser.value()?;
        if matches!(&value, Ion::Symbol(name) if name == "$ion_1_0") {
            continue;
        }
        if found.is_some() {
            return Err(parser.error_at(start, "more than one ION value on a line"));
        }
        found = Some((start, value));
    }
    let Some((start, value)) = found else {
        return Ok(None);
    };
    record(value)
        .map(Some)
        .map_err(|message| parser.error_at(start, message))
}

/// A record: a struct whose fields are item-holding structs or metadata.
fn record(value: Ion) -> Result<Value, String> {
    let Ion::Struct(fields) = value else {
        return Err(format!(
            "an ION line of an export is a struct like {{Item: {{...}}}}, found {}",
            kind(&value)
        ));
    };
    let wrapped = matches!(fields.as_slice(), [(name, Ion::Struct(_))] if name == "Record");
    let mut fields = fields.into_iter();
    if wrapped && let Some((_, inner)) = fields.next() {
        return record(inner);
    }
    let mut out = Map::new();
    for (name, value) in fields {
        let converted = match value {
            Ion::Struct(attributes) => Value::Object(
                attributes
                    .into_iter()
                    .map(|(name, value)| (name, typed(value)))
                    .collect(),
            ),
            other => typed(other),
        };
        out.insert(name, converted);
    }
    Ok(Value::Object(out))
}

/// One value as DynamoDB JSON.
fn typed(value: Ion) -> Value {
    let tagged = |tag: &str, inner: Value| {
        let mut map = Map::new();
        map.insert(tag.to_string(), inner);
        Value::Object(map)
    };
    match value {
        Ion::Null => tagged("NULL", Value::Bool(true)),
        Ion::Bool(b) => tagged("BOOL", Value::Bool(b)),
        Ion::Number(n) => tagged("N", Value::String(n)),
        Ion::String(s) | Ion::Symbol(s) => tagged("S", Value::String(s)),
        Ion::Blob(bytes) => tagged("B", Value::String(BASE64.encode(bytes))),
        Ion::List(values) => tagged("L", Value::Array(values.into_iter().map(typed).collect())),
        Ion::Set(kind, values) => tagged(
            kind.type_name(),
            Value::Array(
                values
                    .into_iter()
                    .map(|value| match value {
                        Ion::Number(s) | Ion::String(s) | Ion::Symbol(s) => Value::String(s),
                        Ion::Blob(bytes) => Value::String(BASE64.encode(bytes)),
                        // Refused while parsing.
                        _ => Value::Null,
                    })
                    .collect(),
            ),
        ),
        Ion::Struct(fields) => tagged(
            "M",
            Value::Object(
                fields
                    .into_iter()
                    .map(|(name, value)| (name, typed(value)))
                    .collect(),
            ),
        ),
    }
}

fn kind(value: &Ion) -> &'static str {
    match value {
        Ion::Null => "null",
        Ion::Bool(_) => "a boolean",
        Ion::Number(_) => "a number",
        Ion::String(_) => "a string",
        Ion::Symbol(_) => "a symbol",
        Ion::Blob(_) => "a blob",
        Ion::List(_) | Ion::Set(..) => "a list",
        Ion::Struct(_) => "a struct",
    }
}

/// Lists and structs nest at most this deep; DynamoDB allows 32 levels.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    at: usize,
    depth: usize,
}

fn is_identifier_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte == b'$'
}

fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

impl Parser<'_> {
    fn error_at(&self, at: usize, message: impl Into<String>) -> IonError {
        IonError {
            column: at + 1,
            message: message.into(),
        }
    }

    fn error(&self, message: impl Into<String>) -> IonError {
        self.error_at(self.at, message)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.text.as_bytes().get(self.at + offset).copied()
    }

    fn rest(&self) -> &str {
        self.text.get(self.at..).unwrap_or_default()
    }

    /// Skips whitespace and comments.
    fn skip_blanks(&mut self) -> Result<(), IonError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) => self.at += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    self.at = self.text.len();
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    match self.rest().get(2..).and_then(|rest| rest.find("*/")) {
                        Some(end) => self.at += 2 + end + 2,
                        None => return Err(self.error("unclosed `/*` comment")),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), IonError> {
        self.skip_blanks()?;
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn unexpected(&self, what: &str) -> IonError {
        match self.rest().chars().next() {
            Some(found) => self.error(format!("expected {what}, found `{found}`")),
            None => self.error(format!("expected {what}, found the end of the line")),
        }
    }

    /// A value with its annotations.
    fn value(&mut self) -> Result<Ion, IonError> {
        self.skip_blanks()?;
        let start = self.at;
        let mut annotations: Vec<(usize, String)> = Vec::new();
        let value = loop {
            let at = self.at;
            let value = self.bare_value()?;
            let symbol = match &value {
                Ion::Symbol(name) => Some(name.clone()),
                _ => None,
            };
            self.skip_blanks()?;
            match symbol {
                Some(name) if self.rest().starts_with("::") => {
                    self.at += 2;
                    self.skip_blanks()?;
                    annotations.push((at, name));
                }
                _ => break value,
            }
        };
        match annotations.as_slice() {
            [] => Ok(value),
            [(at, name)] => match (SetKind::of(name), value) {
                (Some(kind), Ion::List(values)) => self.set(start, kind, values),
                (Some(_), other) => Err(self.error_at(
                    start,
                    format!("`{name}` annotates a list, found {}", kind(&other)),
                )),
                (None, _) => {
                    Err(self.error_at(*at, format!("ION annotation `{name}` is not read")))
                }
            },
            [_, (at, _), ..] => {
                Err(self.error_at(*at, "ION values with several annotations are not read"))
            }
        }
    }

    /// A set's elements, checked against its kind.
    fn set(&self, start: usize, kind: SetKind, values: Vec<Ion>) -> Result<Ion, IonError> {
        for value in &values {
            let fits = matches!(
                (kind, value),
                (SetKind::Strings, Ion::String(_) | Ion::Symbol(_))
                    | (SetKind::Numbers, Ion::Number(_))
                    | (SetKind::Binary, Ion::Blob(_))
            );
            if !fits {
                let want = match kind {
                    SetKind::Strings => "strings",
                    SetKind::Numbers => "numbers",
                    SetKind::Binary => "blobs",
                };
                return Err(self.error_at(
                    start,
                    format!(
                        "`$dynamodb_{}` holds {want}, found {}",
                        kind.type_name(),
                        self::kind(value)
                    ),
                ));
            }
        }
        Ok(Ion::Set(kind, values))
    }

    /// A value without annotations.
    fn bare_value(&mut self) -> Result<Ion, IonError> {
        self.skip_blanks()?;
        match self.peek() {
            None => Err(self.unexpected("a value")),
            Some(b'{') if self.peek_at(1) == Some(b'{') => self.blob(),
            Some(b'{') => self.nested(|p| p.structure()),
            Some(b'[') => self.nested(|p| p.list()),
            Some(b'(') => Err(self.error("ION s-expressions are not read")),
            Some(b'"') => self.short_string().map(Ion::String),
            Some(b'\'') if self.rest().starts_with("'''") => self.long_string().map(Ion::String),
            Some(b'\'') => self.quoted('\'').map(Ion::Symbol),
            Some(byte) if byte.is_ascii_digit() || byte == b'-' || byte == b'+' => self.number(),
            Some(byte) if is_identifier_start(byte) => self.identifier(),
            Some(_) => Err(self.unexpected("a value")),
        }
    }

    fn nested(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<Ion, IonError>,
    ) -> Result<Ion, IonError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("ION values nest more than {MAX_DEPTH} deep")));
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn structure(&mut self) -> Result<Ion, IonError> {
        self.at += 1;
        let mut fields = Vec::new();
        loop {
            self.skip_blanks()?;
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Ion::Struct(fields));
            }
            let name = match self.peek() {
                Some(b'"') => self.short_string()?,
                Some(b'\'') if self.rest().starts_with("'''") => self.long_string()?,
                Some(b'\'') => self.quoted('\'')?,
                Some(byte) if is_identifier_start(byte) => self.identifier_text(),
                _ => return Err(self.unexpected("a field name or `}`")),
            };
            self.skip_blanks()?;
            if self.rest().starts_with("::") {
                return Err(self.error("ION annotations on field values are read after the `:`"));
            }
            self.expect(b':', "`:`")?;
            let value = self.value()?;
            fields.push((name, value));
            self.skip_blanks()?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn list(&mut self) -> Result<Ion, IonError> {
        self.at += 1;
        let mut values = Vec::new();
        loop {
            self.skip_blanks()?;
            if self.peek() == Some(b']') {
                self.at += 1;
                return Ok(Ion::List(values));
            }
            values.push(self.value()?);
            self.skip_blanks()?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {}
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn blob(&mut self) -> Result<Ion, IonError> {
        let start = self.at;
        self.at += 2;
        self.skip_blanks()?;
        if matches!(self.peek(), Some(b'"' | b'\'')) {
            return Err(self.error_at(start, "ION clob values are not read"));
        }
        let Some(end) = self.rest().find("}}") else {
            return Err(self.error_at(start, "unclosed blob: expected `}}`"));
        };
        let inner = self.rest().get(..end).unwrap_or_default();
        let base64: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = BASE64
            .decode(base64.as_bytes())
            .map_err(|_| self.error_at(start, "blob is not valid base64"))?;
        self.at += end + 2;
        Ok(Ion::Blob(bytes))
    }

    fn short_string(&mut self) -> Result<String, IonError> {
        self.quoted('"')
    }

    /// '''long''' strings; several in a row are one string.
    fn long_string(&mut self) -> Result<String, IonError> {
        let mut out = String::new();
        loop {
            let start = self.at;
            self.at += 3;
            loop {
                if self.rest().starts_with("'''") {
                    self.at += 3;
                    break;
                }
                match self.rest().chars().next() {
                    None => return Err(self.error_at(start, "unclosed `'''` string")),
                    Some('\\') => out.push_str(&self.escape()?),
                    Some(c) => {
                        out.push(c);
                        self.at += c.len_utf8();
                    }
                }
            }
            let after = self.at;
            self.skip_blanks()?;
            if !self.rest().starts_with("'''") {
                self.at = after;
                return Ok(out);
            }
        }
    }

    /// A string or symbol between `quote`s, on one line.
    fn quoted(&mut self, quote: char) -> Result<String, IonError> {
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            match self.rest().chars().next() {
                None => return Err(self.error_at(start, format!("unclosed `{quote}` string"))),
                Some(c) if c == quote => {
                    self.at += 1;
                    return Ok(out);
                }
                Some('\\') => out.push_str(&self.escape()?),
                Some(c) => {
                    out.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
    }

    /// One escape, the parser on its backslash.
    fn escape(&mut self) -> Result<String, IonError> {
        let start = self.at;
        self.at += 1;
        let Some(c) = self.rest().chars().next() else {
            return Err(self.error_at(start, "unfinished escape"));
        };
        self.at += c.len_utf8();
        let simple = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '0' => Some('\0'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'v' => Some('\u{b}'),
            '"' | '\'' | '\\' | '/' | '?' => Some(c),
            _ => None,
        };
        if let Some(simple) = simple {
            return Ok(simple.to_string());
        }
        let digits = match c {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            '\n' => return Ok(String::new()),
            '\r' => {
                if self.peek() == Some(b'\n') {
                    self.at += 1;
                }
                return Ok(String::new());
            }
            other => {
                return Err(self.error_at(start, format!("unknown escape `\\{other}`")));
            }
        };
        let hex = self
            .rest()
            .get(..digits)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error_at(start, format!("`\\{c}` needs {digits} hex digits")))?;
        let code = u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error_at(start, format!("`\\{c}{hex}` is not a character")))?;
        self.at += digits;
        Ok(code.to_string())
    }

    fn identifier_text(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(is_identifier_byte) {
            self.at += 1;
        }
        self.text
            .get(start..self.at)
            .unwrap_or_default()
            .to_string()
    }

    /// A keyword (`null`, `null.TYPE`, `true`, `false`) or a symbol.
    fn identifier(&mut self) -> Result<Ion, IonError> {
        let start = self.at;
        let name = self.identifier_text();
        match name.as_str() {
            "true" => Ok(Ion::Bool(true)),
            "false" => Ok(Ion::Bool(false)),
            "null" => {
                if self.peek() == Some(b'.') {
                    self.at += 1;
                    let ty = self.identifier_text();
                    const TYPES: [&str; 13] = [
                        "null",
                        "bool",
                        "int",
                        "float",
                        "decimal",
                        "timestamp",
                        "string",
                        "symbol",
                        "blob",
                        "clob",
                        "struct",
                        "list",
                        "sexp",
                    ];
                    if !TYPES.contains(&ty.as_str()) {
                        return Err(self.error_at(start, format!("unknown ION type `null.{ty}`")));
                    }
                }
                Ok(Ion::Null)
            }
            "nan" => Err(self.error_at(start, "ION float `nan` is not a DynamoDB number")),
            _ if name.starts_with('$')
                && name
                    .get(1..)
                    .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit())) =>
            {
                Err(self.error_at(start, format!("ION symbol ids like `{name}` are not read")))
            }
            _ => Ok(Ion::Symbol(name)),
        }
    }

    /// An int, decimal or float as a DynamoDB number; timestamps and
    /// other numbers Ion writes are refused.
    fn number(&mut self) -> Result<Ion, IonError> {
        let start = self.at;
        while self.peek().is_some_and(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-' | b':')
        }) {
            self.at += 1;
        }
        let token = self.text.get(start..self.at).unwrap_or_default();
        let error = |message: String| IonError {
            column: start + 1,
            message,
        };
        let unsigned = token.trim_start_matches(['-', '+']);
        let bytes = unsigned.as_bytes();
        let year = bytes.len() >= 5
            && bytes
                .get(..4)
                .is_some_and(|y| y.iter().all(u8::is_ascii_digit))
            && matches!(bytes.get(4), Some(b'-' | b'T'));
        if year {
            return Err(error(format!(
                "ION timestamp values are not read (`{token}`)"
            )));
        }
        if unsigned == "inf" {
            return Err(error(format!(
                "ION float `{token}` is not a DynamoDB number"
            )));
        }
        let lower = unsigned.to_ascii_lowercase();
        if lower.starts_with("0x") || lower.starts_with("0b") {
            return Err(error(format!(
                "ION hexadecimal and binary ints are not read (`{token}`)"
            )));
        }
        if token.starts_with('+') {
            return Err(error(format!(
                "`{token}` is not an ION number: no `+` sign"
            )));
        }
        let text: String = token
            .chars()
            .filter(|&c| c != '_')
            .map(|c| if c == 'd' || c == 'D' { 'e' } else { c })
            .collect();
        let Some(number) = Number::scan(&text) else {
            return Err(error(format!("`{token}` is not an ION number")));
        };
        let plain = !text.contains(['e', 'E']) && !text.ends_with('.');
        Ok(Ion::Number(if plain { text } else { number.decimal() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Value {
        match read_line(line) {
            Ok(Some(value)) => value,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn error(line: &str) -> (usize, String) {
        match read_line(line) {
            Err(err) => (err.column, err.message),
            other => panic!("{line}: expected an error, got {other:?}"),
        }
    }

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn every_construct_of_the_subset_reads_as_dynamodb_json() {
        let line = r#"$ion_1_0 {Item:{pk:"a",n:12.5,b:{{aGVsbG8=}},ss:$dynamodb_SS::["x","y"],ns:$dynamodb_NS::[1.,2e0],bs:$dynamodb_BS::[{{YQ==}}],m:{k:null},l:[true,"s"],nul:null}}"#;
        assert_eq!(
            read(line),
            json(
                r#"{"Item":{"pk":{"S":"a"},"n":{"N":"12.5"},"b":{"B":"aGVsbG8="},
                "ss":{"SS":["x","y"]},"ns":{"NS":["1","2"]},"bs":{"BS":["YQ=="]},
                "m":{"M":{"k":{"NULL":true}}},"l":{"L":[{"BOOL":true},{"S":"s"}]},
                "nul":{"NULL":true}}}"#
            )
        );
        let line = r#"{Item:{'quoted name':'sym', "string name":"a\"b\\c\n\u00e9\x41", long:'''one '''  '''two''', typed:null.string, f:false, sym:plain, neg:-3, big:12345678901234567890123456789012345678, d:1d2, e:1.5d-3, u:1_000, z:0.0, t:'''it's'''}} // trailing"#;
        assert_eq!(
            read(line),
            json(
                r#"{"Item":{"quoted name":{"S":"sym"},"string name":{"S":"a\"b\\c\né\u0041"},
                "long":{"S":"one two"},"typed":{"NULL":true},"f":{"BOOL":false},
                "sym":{"S":"plain"},"neg":{"N":"-3"},
                "big":{"N":"12345678901234567890123456789012345678"},
                "d":{"N":"100"},"e":{"N":"0.0015"},"u":{"N":"1000"},"z":{"N":"0.0"},
                "t":{"S":"it's"}}}"#
            )
        );
    }

    #[test]
    fn changes_and_records_read_with_their_metadata() {
        let line = r#"{Metadata:{WriteTimestampMicros:1684374845117899},Keys:{pk:"a"},NewImage:{pk:"a",n:1}}"#;
        let want = json(
            r#"{"Metadata":{"WriteTimestampMicros":{"N":"1684374845117899"}},
            "Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"n":{"N":"1"}}}"#,
        );
        assert_eq!(read(line), want);
        assert_eq!(read(&format!("$ion_1_0 {{Record:{line}}}")), want);
    }

    #[test]
    fn blank_lines_and_the_marker_alone_hold_no_value() {
        for line in ["", "   ", "$ion_1_0", "$ion_1_0 /* c */ "] {
            assert_eq!(read_line(line), Ok(None), "{line:?}");
        }
    }

    #[test]
    fn values_outside_the_subset_are_problems_at_their_column() {
        let cases = [
            (
                "{Item:{t:2024-01-01T00:00:00Z}}",
                10,
                "ION timestamp values are not read (`2024-01-01T00:00:00Z`)",
            ),
            (
                "{Item:{t:2024T}}",
                10,
                "ION timestamp values are not read (`2024T`)",
            ),
            (
                "{Item:{c:{{\"text\"}}}}",
                10,
                "ION clob values are not read",
            ),
            ("{Item:{s:(a b)}}", 10, "ION s-expressions are not read"),
            (
                "{Item:{a:other::1}}",
                10,
                "ION annotation `other` is not read",
            ),
            (
                "{Item:{h:0x1F}}",
                10,
                "ION hexadecimal and binary ints are not read (`0x1F`)",
            ),
            (
                "{Item:{f:nan}}",
                10,
                "ION float `nan` is not a DynamoDB number",
            ),
            (
                "{Item:{f:-inf}}",
                10,
                "ION float `-inf` is not a DynamoDB number",
            ),
            (
                "{Item:{s:$dynamodb_SS::[1]}}",
                10,
                "`$dynamodb_SS` holds strings, found a number",
            ),
            (
                "{Item:{s:$dynamodb_NS::\"x\"}}",
                10,
                "`$dynamodb_NS` annotates a list, found a string",
            ),
            ("{Item:{b:{{not base64!}}}}", 10, "blob is not valid base64"),
            ("{Item:{s:\"open}}", 10, "unclosed `\"` string"),
            ("{Item:{a 1}}", 10, "expected `:`, found `1`"),
            ("{Item:{a:1 b:2}}", 12, "expected `,` or `}`, found `b`"),
            (
                "{Item:{a:1}} {Item:{}}",
                14,
                "more than one ION value on a line",
            ),
            (
                "[1, 2]",
                1,
                "an ION line of an export is a struct like {Item: {...}}, found a list",
            ),
            ("{Item:{a:\"\\q\"}}", 11, "unknown escape `\\q`"),
            (
                "{Item:{a:$12}}",
                10,
                "ION symbol ids like `$12` are not read",
            ),
            ("{Item:{a:1..2}}", 10, "`1..2` is not an ION number"),
        ];
        for (line, column, message) in cases {
            assert_eq!(error(line), (column, message.to_string()), "{line}");
        }
    }
}
