//! Reading a DynamoDB export back as a table's items: the folder of one
//! export (`AWSDynamoDB/<ExportId>/`), or a folder holding `AWSDynamoDB/`
//! as an export's S3 prefix is copied down, with one full export and any
//! incremental exports over it.
//!
//! The data files are found by following the manifests, never by listing
//! a folder: `manifest-summary.json` names `manifest-files.json`, whose
//! lines name the data files. Each data file is checked against its entry
//! (MD5 of the bytes as stored, item count) and the summary's item count
//! against the sum, while its lines are read, a line at a time, gunzipped
//! as they stream. Every problem names the file inside the export as the
//! seed entry's path shows it, and the line.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::ion;
use super::layout::{DataFile, EXPORTS_DIR, FILES_FILE, OutputFormat, SUMMARY_FILE, Summary};
use crate::item::json_kind;
use crate::item::number::Number;
use crate::manifest::KeyAttribute;
use crate::seed::SeedProblem;

/// The most text one line of a data file may take; far above a 400 KB
/// item, it bounds memory on a broken file.
const MAX_LINE: u64 = 16 * 1024 * 1024;

/// One export found in a folder: its own folder and its summary.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundExport {
    pub dir: PathBuf,
    pub summary: Summary,
}

/// An export with its folder as shown in messages.
struct Export {
    found: FoundExport,
    shown: PathBuf,
}

/// The exports in `folder`: the folder itself when it is one export's
/// (it holds `manifest-summary.json`), else each folder under its
/// `AWSDynamoDB/` (or under `folder` itself when it is `AWSDynamoDB/`).
/// Sorted: full exports first (by `exportTime`), then incremental ones by
/// `exportFromTime`. Paths in problems are shown as under `folder`.
pub fn exports_in(folder: &Path) -> Result<Vec<FoundExport>, SeedProblem> {
    Ok(find(folder, folder)?
        .into_iter()
        .map(|export| export.found)
        .collect())
}

/// Every file the exports in `folder` are read from, as their manifests
/// name them: each export's two manifest files and its data files. For
/// knowing when an export changed; `None` when the exports cannot be
/// found or a manifest cannot be read.
pub fn files_of(folder: &Path) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    for export in find(folder, folder).ok()? {
        let dir = &export.found.dir;
        let files_file = dir.join(files_name(&export.found.summary));
        let text = std::fs::read_to_string(&files_file).ok()?;
        files.push(dir.join(SUMMARY_FILE));
        files.push(files_file);
        for entry in text.lines().filter(|l| !l.trim().is_empty()) {
            let entry: DataFile = serde_json::from_str(entry).ok()?;
            let inside = entry.path_in_export().filter(|p| is_inside(p))?;
            files.push(dir.join(inside));
        }
    }
    Some(files)
}

/// The file name of `manifestFilesS3Key`, inside the export's folder.
fn files_name(summary: &Summary) -> &str {
    summary
        .manifest_files_s3_key
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty() && *name != ".." && *name != ".")
        .unwrap_or(FILES_FILE)
}

fn find(folder: &Path, shown: &Path) -> Result<Vec<Export>, SeedProblem> {
    let is_export = |dir: &Path| dir.join(SUMMARY_FILE).exists() || dir.join(FILES_FILE).exists();
    if is_export(folder) {
        return Ok(vec![load(folder, shown)?]);
    }
    let (root, shown_root) = if folder.file_name().is_some_and(|name| name == EXPORTS_DIR) {
        (folder.to_path_buf(), shown.to_path_buf())
    } else {
        (folder.join(EXPORTS_DIR), shown.join(EXPORTS_DIR))
    };
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(_) => {
            return Err(SeedProblem::at(
                shown,
                0,
                format!(
                    "holds no DynamoDB export: neither `{SUMMARY_FILE}` nor `{EXPORTS_DIR}/`; \
                     point `path` at an export's folder or at the folder holding `{EXPORTS_DIR}/`"
                ),
            ));
        }
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    let mut exports = Vec::new();
    for dir in dirs {
        let name = dir.file_name().map(PathBuf::from).unwrap_or_default();
        let shown_dir = shown_root.join(name);
        if !is_export(&dir) {
            return Err(SeedProblem::at(
                shown_dir.join(SUMMARY_FILE),
                0,
                "missing: the export is not complete (AWS writes the summary last); \
                 copy it again, or remove its folder",
            ));
        }
        exports.push(load(&dir, &shown_dir)?);
    }
    if exports.is_empty() {
        return Err(SeedProblem::at(
            shown_root,
            0,
            "holds no export folder (`<ExportId>/` with `manifest-summary.json`)",
        ));
    }
    exports.sort_by(|a, b| {
        let order = |e: &Export| {
            let s = &e.found.summary;
            let time = if s.is_incremental() {
                s.export_from_time.clone().unwrap_or_default()
            } else {
                s.export_time.clone()
            };
            (s.is_incremental(), time)
        };
        order(a).cmp(&order(b)).then_with(|| a.shown.cmp(&b.shown))
    });
    Ok(exports)
}

/// Reads one export's summary.
fn load(dir: &Path, shown: &Path) -> Result<Export, SeedProblem> {
    let file = shown.join(SUMMARY_FILE);
    let text = std::fs::read_to_string(dir.join(SUMMARY_FILE))
        .map_err(|err| SeedProblem::at(&file, 0, format!("cannot be read: {err}")))?;
    let summary: Summary = serde_json::from_str(&text).map_err(|err| SeedProblem {
        column: Some(err.column()).filter(|&c| c > 0),
        ..SeedProblem::at(
            &file,
            err.line(),
            format!("not an export summary: {}", without_position(&err)),
        )
    })?;
    Ok(Export {
        found: FoundExport {
            dir: dir.to_path_buf(),
            summary,
        },
        shown: shown.to_path_buf(),
    })
}

/// serde_json's message without its ` at line L column C`.
fn without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(&message).to_string(),
        None => message,
    }
}

/// What the reading of a line asks for next.
enum LineStop {
    /// The line is not what it should be: a problem at it, and the
    /// reading goes on.
    Bad(String),
    /// Stop everything with this error.
    Halt(anyhow::Error),
}

/// What problems found while reading do: noted (`Ok`, the reading goes
/// on) or returned as the error that stops it.
pub type OnProblem<'a> = &'a mut dyn FnMut(SeedProblem) -> anyhow::Result<()>;

/// What takes each final item: the data file it is in (as shown), its
/// line, and the item as a map of DynamoDB JSON values.
pub type OnItem<'a> = &'a mut dyn FnMut(&Path, usize, Map<String, Value>) -> anyhow::Result<()>;

/// What takes each line's value, with its data file and line.
type OnLine<'a> = &'a mut dyn FnMut(&Rc<Path>, usize, Value) -> Result<(), LineStop>;

/// Streams the final items of the export(s) in `folder` (see
/// [`exports_in`]) to `visit`, each with the data file it comes from (as
/// shown under `shown`) and its line, as a map of DynamoDB JSON values.
///
/// `folder` must hold exactly one full export, or none; the incremental
/// exports are applied over it in order of `exportFromTime` (with no full
/// export, over an empty table). The final table is: each key's latest
/// change (by `WriteTimestampMicros`; a `NewImage` puts the item, a change
/// without one deletes it), then every item of the full export whose key
/// no change touched. So the changes are held in memory, a map from key to
/// the latest change, in proportion to the incremental exports only; the
/// full export is streamed. The items of the full export come first, in
/// file order, then the items the changes put, in the order they were read.
///
/// `keys` are the table's key attributes. Every problem (a file missing
/// or unreadable, an MD5 or item count that disagrees, a line that is not
/// DynamoDB JSON or Ion of the subset, a change without its key) goes to
/// `problem`; an error it returns stops the reading and is returned. An
/// error from `visit` is returned as it is.
pub fn for_each_item(
    folder: &Path,
    shown: &Path,
    keys: &[KeyAttribute],
    problem: OnProblem<'_>,
    visit: OnItem<'_>,
) -> anyhow::Result<()> {
    let exports = match find(folder, shown) {
        Ok(exports) => exports,
        Err(found) => return problem(found),
    };
    let (full, changes): (Vec<Export>, Vec<Export>) = exports
        .into_iter()
        .partition(|export| !export.found.summary.is_incremental());
    if full.len() > 1 {
        let names: Vec<String> = full
            .iter()
            .map(|export| format!("`{}`", export.shown.display()))
            .collect();
        return problem(SeedProblem::at(
            shown,
            0,
            format!(
                "holds {} full exports ({}); point `path` at one of them",
                full.len(),
                names.join(", ")
            ),
        ));
    }

    let mut latest: HashMap<Vec<u8>, Change> = HashMap::new();
    let mut order = 0u64;
    for export in &changes {
        read_export(export, problem, &mut |file, line, value| {
            let change = change_of(value, keys).map_err(LineStop::Bad)?;
            order += 1;
            let entry = Change {
                micros: change.micros,
                order,
                image: change.image.map(|image| (Rc::clone(file), line, image)),
            };
            match latest.get(&change.key) {
                Some(seen) if seen.micros > entry.micros => {}
                _ => {
                    latest.insert(change.key, entry);
                }
            }
            Ok(())
        })?;
    }

    if let Some(export) = full.first() {
        read_export(export, problem, &mut |file, line, value| {
            let item = item_of(value).map_err(LineStop::Bad)?;
            if let Some(key) = key_of(&item, keys)
                && latest.contains_key(&key)
            {
                return Ok(());
            }
            visit(file, line, item).map_err(LineStop::Halt)
        })?;
    }

    let mut puts: Vec<Change> = latest.into_values().filter(|c| c.image.is_some()).collect();
    puts.sort_by_key(|change| change.order);
    for change in puts {
        if let Some((file, line, image)) = change.image {
            visit(&file, line, image)?;
        }
    }
    Ok(())
}

/// The latest change of a key.
struct Change {
    micros: u128,
    /// Reading order, which decides between changes of the same instant
    /// and orders the puts.
    order: u64,
    /// The item put, where it was read; `None` for a delete.
    image: Option<(Rc<Path>, usize, Map<String, Value>)>,
}

/// One line of an incremental export, read.
struct ChangeLine {
    key: Vec<u8>,
    micros: u128,
    image: Option<Map<String, Value>>,
}

/// `{"Item": {...}}`: the item.
fn item_of(value: Value) -> Result<Map<String, Value>, String> {
    const SHAPE: &str = "a line of a full export is {\"Item\": {...}}";
    let Value::Object(mut line) = value else {
        return Err(format!("{SHAPE}, found {}", json_kind(&value)));
    };
    match line.remove("Item") {
        Some(Value::Object(item)) => Ok(item),
        Some(other) => Err(format!("{SHAPE}; its `Item` is {}", json_kind(&other))),
        None => Err(format!("{SHAPE}; this line has no `Item`")),
    }
}

/// `{"Metadata": {"WriteTimestampMicros": {"N": "…"}}, "Keys": {...},
/// "NewImage": {...}, "OldImage": {...}}`: the key, the time and the new
/// image (none for a delete).
fn change_of(value: Value, keys: &[KeyAttribute]) -> Result<ChangeLine, String> {
    const SHAPE: &str = "a line of an incremental export is \
                         {\"Metadata\": {...}, \"Keys\": {...}, \"NewImage\": {...}}";
    let Value::Object(mut line) = value else {
        return Err(format!("{SHAPE}, found {}", json_kind(&value)));
    };
    let image = match line.remove("NewImage") {
        Some(Value::Object(image)) => Some(image),
        None | Some(Value::Null) => None,
        Some(other) => {
            return Err(format!(
                "its `NewImage` is {}, not an object",
                json_kind(&other)
            ));
        }
    };
    let micros = line
        .get("Metadata")
        .and_then(|m| m.get("WriteTimestampMicros"))
        .and_then(|t| match t {
            Value::Object(typed) => typed.get("N").and_then(Value::as_str).map(str::to_string),
            Value::String(text) => Some(text.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .and_then(|text| text.parse::<u128>().ok())
        .ok_or_else(|| {
            format!("{SHAPE}; `Metadata.WriteTimestampMicros` is missing or not a whole number")
        })?;
    let key = match line.get("Keys") {
        Some(Value::Object(key_values)) => key_of(key_values, keys),
        Some(other) => return Err(format!("its `Keys` is {}, not an object", json_kind(other))),
        None => image.as_ref().and_then(|image| key_of(image, keys)),
    };
    let Some(key) = key else {
        let names: Vec<String> = keys.iter().map(|k| format!("`{}`", k.name)).collect();
        return Err(format!(
            "change without the table's key ({}) in its `Keys`",
            names.join(", ")
        ));
    };
    Ok(ChangeLine { key, micros, image })
}

/// The table's key of an item in DynamoDB JSON, as bytes equal exactly
/// when DynamoDB sees the same key (numbers by value); `None` when an
/// attribute is missing or not a key type.
fn key_of(item: &Map<String, Value>, keys: &[KeyAttribute]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for attribute in keys {
        let Value::Object(typed) = item.get(&attribute.name)? else {
            return None;
        };
        let (tag, bytes) = match typed.iter().next()? {
            (ty, Value::String(text)) if ty == "S" => (b's', text.as_bytes().to_vec()),
            (ty, Value::String(text)) if ty == "N" => {
                (b'n', Number::scan(text)?.canonical().into_bytes())
            }
            (ty, Value::String(text)) if ty == "B" => (b'b', BASE64.decode(text).ok()?),
            _ => return None,
        };
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Some(out)
}

/// A reader that keeps the MD5 of every byte read through it.
struct Hashing<R> {
    inner: R,
    md5: Md5,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.md5.update(buf.get(..read).unwrap_or_default());
        Ok(read)
    }
}

/// Reads every data file of one export, checking each against its entry
/// in `manifest-files.json` and the sum against the summary; each line's
/// value (typed JSON, from either format) goes to `line`.
fn read_export(export: &Export, problem: OnProblem<'_>, line: OnLine<'_>) -> anyhow::Result<()> {
    let summary = &export.found.summary;
    let summary_file = export.shown.join(SUMMARY_FILE);
    let files_name = files_name(summary);
    let files_shown = export.shown.join(files_name);
    let text = match std::fs::read_to_string(export.found.dir.join(files_name)) {
        Ok(text) => text,
        Err(err) => {
            return problem(SeedProblem::at(
                &files_shown,
                0,
                format!("cannot be read: {err} (`manifestFilesS3Key` names it)"),
            ));
        }
    };
    let mut total = 0u64;
    let mut complete = true;
    for (index, entry_text) in text.lines().enumerate() {
        let entry_line = index + 1;
        if entry_text.trim().is_empty() {
            continue;
        }
        let at_entry = |message: String| SeedProblem::at(&files_shown, entry_line, message);
        let entry: DataFile = match serde_json::from_str(entry_text) {
            Ok(entry) => entry,
            Err(err) => {
                problem(SeedProblem {
                    column: Some(err.column()).filter(|&c| c > 0),
                    ..at_entry(format!("not a data file entry: {}", without_position(&err)))
                })?;
                complete = false;
                continue;
            }
        };
        let Some(inside) = entry.path_in_export().filter(|p| is_inside(p)) else {
            problem(at_entry(format!(
                "`dataFileS3Key` `{}` is not a file under `data/`",
                entry.data_file_s3_key
            )))?;
            complete = false;
            continue;
        };
        let path = export.found.dir.join(inside);
        let shown: Rc<Path> = Rc::from(export.shown.join(inside).as_path());
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                problem(at_entry(format!("data file `{inside}` does not exist")))?;
                complete = false;
                continue;
            }
            Err(err) => {
                problem(at_entry(format!(
                    "data file `{inside}` cannot be read: {err}"
                )))?;
                complete = false;
                continue;
            }
        };
        let read = read_data_file(
            file,
            inside.ends_with(".gz"),
            summary.output_format,
            &shown,
            problem,
            line,
        )?;
        let Some((items, md5)) = read else {
            complete = false;
            continue;
        };
        total += items;
        if md5 != entry.md5_checksum {
            problem(at_entry(format!(
                "data file `{inside}` has MD5 `{md5}`; its `md5Checksum` is `{}`",
                entry.md5_checksum
            )))?;
        }
        if items != entry.item_count {
            problem(at_entry(format!(
                "data file `{inside}` holds {items} items; its `itemCount` is {}",
                entry.item_count
            )))?;
        }
    }
    if complete && total != summary.item_count {
        let line = std::fs::read_to_string(export.found.dir.join(SUMMARY_FILE))
            .ok()
            .and_then(|text| {
                text.lines()
                    .position(|l| l.contains("\"itemCount\""))
                    .map(|at| at + 1)
            })
            .unwrap_or(0);
        problem(SeedProblem::at(
            summary_file,
            line,
            format!(
                "`itemCount` is {}, but the data files `{files_name}` lists hold {total} items",
                summary.item_count
            ),
        ))?;
    }
    Ok(())
}

/// A path under `data/` that stays there.
fn is_inside(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}

/// Streams the lines of one data file to `line`; returns how many values
/// it holds and the base64 MD5 of its bytes as stored, or `None` when it
/// could not be read to its end (the problem reported at the line where
/// reading broke).
fn read_data_file(
    file: File,
    gzip: bool,
    format: OutputFormat,
    shown: &Rc<Path>,
    problem: OnProblem<'_>,
    line: OnLine<'_>,
) -> anyhow::Result<Option<(u64, String)>> {
    let mut hashing = Hashing {
        inner: file,
        md5: Md5::new(),
    };
    let mut items = 0u64;
    let mut number = 0usize;
    let mut buffer = Vec::new();
    let at = |number: usize, message: String| SeedProblem::at(shown.to_path_buf(), number, message);
    {
        let source: Box<dyn Read + '_> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(&mut hashing))
        } else {
            Box::new(&mut hashing)
        };
        let mut reader = BufReader::with_capacity(64 * 1024, source);
        loop {
            buffer.clear();
            let read = match (&mut reader)
                .take(MAX_LINE + 1)
                .read_until(b'\n', &mut buffer)
            {
                Ok(read) => read,
                Err(err) => {
                    let what = if gzip { "gzip data" } else { "file" };
                    let hint = if err.kind() == io::ErrorKind::UnexpectedEof {
                        " (the file looks truncated)"
                    } else {
                        ""
                    };
                    problem(at(number + 1, format!("cannot read {what}: {err}{hint}")))?;
                    return Ok(None);
                }
            };
            if read == 0 {
                break;
            }
            number += 1;
            if buffer.len() as u64 > MAX_LINE {
                problem(at(
                    number,
                    format!(
                        "line is more than {} MiB; a DynamoDB item is at most 400 KB",
                        MAX_LINE / (1024 * 1024)
                    ),
                ))?;
                return Ok(None);
            }
            let text = buffer.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let value = match format {
                OutputFormat::DynamodbJson => match serde_json::from_slice::<Value>(text) {
                    Ok(value) => Some(value),
                    Err(err) => {
                        items += 1;
                        problem(SeedProblem {
                            column: Some(err.column()).filter(|&c| c > 0),
                            ..at(number, format!("invalid JSON: {}", without_position(&err)))
                        })?;
                        continue;
                    }
                },
                OutputFormat::Ion => match std::str::from_utf8(text) {
                    Err(err) => {
                        items += 1;
                        problem(at(number, format!("not UTF-8 text: {err}")))?;
                        continue;
                    }
                    Ok(text) => match ion::read_line(text) {
                        Ok(value) => value,
                        Err(err) => {
                            items += 1;
                            problem(SeedProblem {
                                column: Some(err.column),
                                ..at(number, format!("invalid ION: {}", err.message))
                            })?;
                            continue;
                        }
                    },
                },
            };
            let Some(value) = value else {
                continue;
            };
            items += 1;
            match line(shown, number, value) {
                Ok(()) => {}
                Err(LineStop::Bad(message)) => problem(at(number, message))?,
                Err(LineStop::Halt(err)) => return Err(err),
            }
        }
    }
    // The MD5 covers the file as stored, to its last byte (a gzip trailer
    // the decoder did not need is read here).
    if let Err(err) = io::copy(&mut hashing, &mut io::sink()) {
        problem(at(0, format!("cannot be read: {err}")))?;
        return Ok(None);
    }
    let md5 = BASE64.encode(hashing.md5.finalize());
    Ok(Some((items, md5)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::KeyType;
    use crate::snapshot::testing::{gzip, write_export};

    type TestResult = anyhow::Result<()>;

    fn keys() -> Vec<KeyAttribute> {
        vec![KeyAttribute {
            name: "pk".to_string(),
            ty: KeyType::S,
        }]
    }

    /// The final items as `file:line pk=…` (with `n` when present), and
    /// every problem.
    fn read(folder: &Path) -> (Vec<String>, Vec<String>) {
        let mut items = Vec::new();
        let mut problems = Vec::new();
        let result = for_each_item(
            folder,
            Path::new("exp"),
            &keys(),
            &mut |p| {
                problems.push(p.to_string());
                Ok(())
            },
            &mut |file, line, item| {
                let pk = item
                    .get("pk")
                    .and_then(|v| v.get("S"))
                    .and_then(Value::as_str);
                let n = item
                    .get("n")
                    .and_then(|v| v.get("N"))
                    .and_then(Value::as_str);
                let name = file.file_name().map(|n| n.to_string_lossy().to_string());
                items.push(format!(
                    "{}:{line} {}{}",
                    name.unwrap_or_default(),
                    pk.unwrap_or("-"),
                    n.map(|n| format!(" n={n}")).unwrap_or_default()
                ));
                Ok(())
            },
        );
        if let Err(err) = result {
            problems.push(format!("stopped: {err}"));
        }
        (items, problems)
    }

    fn change(micros: u64, pk: &str, new: Option<&str>) -> String {
        let image = new.map_or(String::new(), |n| {
            format!(r#","NewImage":{{"pk":{{"S":"{pk}"}},"n":{{"N":"{n}"}}}}"#)
        });
        format!(
            r#"{{"Metadata":{{"WriteTimestampMicros":{{"N":"{micros}"}}}},"Keys":{{"pk":{{"S":"{pk}"}}}}{image}}}"#
        )
    }

    #[test]
    fn incremental_exports_apply_over_the_full_one_by_their_latest_change() -> TestResult {
        let dir = tempfile::tempdir()?;
        let full = ["a", "b", "c"]
            .map(|pk| format!(r#"{{"Item":{{"pk":{{"S":"{pk}"}},"n":{{"N":"0"}}}}}}"#))
            .join("\n");
        write_export(
            dir.path(),
            "01-full",
            OutputFormat::DynamodbJson,
            None,
            &[("f.json.gz", &full)],
        )?;
        // The second incremental export, by `exportFromTime`, though its
        // folder sorts first.
        let later = [change(30, "b", Some("2")), change(5, "d", Some("old"))].join("\n");
        write_export(
            dir.path(),
            "00-later",
            OutputFormat::DynamodbJson,
            Some("2024-01-02T00:00:00Z"),
            &[("l.json.gz", &later)],
        )?;
        let earlier = [
            change(10, "d", Some("1")),
            change(10, "b", Some("1")),
            change(10, "c", None),
            change(11, "e", Some("1")),
            change(12, "e", None),
        ]
        .join("\n");
        write_export(
            dir.path(),
            "02-earlier",
            OutputFormat::DynamodbJson,
            Some("2024-01-01T00:00:00Z"),
            &[("e.json.gz", &earlier)],
        )?;
        let (items, problems) = read(dir.path());
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            items,
            [
                "f.json.gz:1 a n=0",
                "e.json.gz:1 d n=1",
                "l.json.gz:1 b n=2"
            ]
        );

        let found = exports_in(dir.path()).map_err(|p| anyhow::anyhow!("{p}"))?;
        let names: Vec<_> = found
            .iter()
            .filter_map(|e| e.dir.file_name().map(|n| n.to_string_lossy().to_string()))
            .collect();
        assert_eq!(names, ["01-full", "02-earlier", "00-later"]);
        Ok(())
    }

    #[test]
    fn an_incremental_export_alone_changes_an_empty_table_and_one_folder_reads_alone() -> TestResult
    {
        let dir = tempfile::tempdir()?;
        let changes = [change(1, "a", Some("1")), change(2, "b", None)].join("\n");
        let export = write_export(
            dir.path(),
            "inc",
            OutputFormat::DynamodbJson,
            Some("t"),
            &[("c.json", &changes)],
        )?;
        assert_eq!(
            read(dir.path()),
            (vec!["c.json:1 a n=1".to_string()], vec![])
        );
        // The export's own folder, and `AWSDynamoDB/` itself.
        assert_eq!(read(&export).0, ["c.json:1 a n=1"]);
        assert_eq!(read(&dir.path().join(EXPORTS_DIR)).0, ["c.json:1 a n=1"]);
        Ok(())
    }

    #[test]
    fn ion_exports_read_as_dynamodb_json_does() -> TestResult {
        let dir = tempfile::tempdir()?;
        let full = "$ion_1_0 {Item:{pk:\"a\",n:1.}}\n$ion_1_0 {Item:{pk:\"b\",n:2e0}}\n";
        write_export(
            dir.path(),
            "full",
            OutputFormat::Ion,
            None,
            &[("f.ion.gz", full)],
        )?;
        let changes = "$ion_1_0 {Metadata:{WriteTimestampMicros:7},Keys:{pk:\"b\"}}\n";
        write_export(
            dir.path(),
            "inc",
            OutputFormat::Ion,
            Some("t"),
            &[("c.ion.gz", changes)],
        )?;
        assert_eq!(
            read(dir.path()),
            (vec!["f.ion.gz:1 a n=1".to_string()], vec![])
        );
        Ok(())
    }

    #[test]
    fn checksums_counts_and_broken_files_are_problems_at_their_line() -> TestResult {
        let dir = tempfile::tempdir()?;
        let line = |pk: &str| format!(r#"{{"Item":{{"pk":{{"S":"{pk}"}}}}}}"#);
        let export = write_export(
            dir.path(),
            "x",
            OutputFormat::DynamodbJson,
            None,
            &[
                ("a.json.gz", &[line("a"), line("b")].join("\n")),
                (
                    "b.json.gz",
                    &[line("c"), "{\"Item\": {".to_string(), "[1]".to_string()].join("\n"),
                ),
                ("c.json.gz", &[line("d"), line("e"), line("f")].join("\n")),
                ("d.json.gz", &line("g")),
            ],
        )?;
        // a: other bytes, same lines (the MD5 disagrees); c: cut short;
        // d: gone.
        std::fs::write(
            export.join("data/a.json.gz"),
            gzip(&format!("{}\n{}\n\n", line("a"), line("b"))),
        )?;
        let whole = std::fs::read(export.join("data/c.json.gz"))?;
        std::fs::write(
            export.join("data/c.json.gz"),
            whole.get(..whole.len() - 12).unwrap_or_default(),
        )?;
        std::fs::remove_file(export.join("data/d.json.gz"))?;
        let (_, problems) = read(dir.path());
        let files = "exp/AWSDynamoDB/x/manifest-files.json";
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(
            problems[0].starts_with(&format!("{files}:1: data file `data/a.json.gz` has MD5 `")),
            "{}",
            problems[0]
        );
        assert_eq!(
            problems[1],
            "exp/AWSDynamoDB/x/data/b.json.gz:2:10: invalid JSON: EOF while parsing an object"
        );
        assert_eq!(
            problems[2],
            "exp/AWSDynamoDB/x/data/b.json.gz:3: a line of a full export is {\"Item\": {...}}, found an array"
        );
        assert!(
            problems[3].starts_with("exp/AWSDynamoDB/x/data/c.json.gz:2: cannot read gzip data: ")
                && problems[3].ends_with("(the file looks truncated)"),
            "{}",
            problems[3]
        );
        assert_eq!(
            problems[4],
            format!("{files}:4: data file `data/d.json.gz` does not exist")
        );

        // Counts: an entry's, and the summary's.
        let dir = tempfile::tempdir()?;
        let export = write_export(
            dir.path(),
            "y",
            OutputFormat::DynamodbJson,
            None,
            &[("a.json", &[line("a"), line("b")].join("\n"))],
        )?;
        let files = std::fs::read_to_string(export.join(FILES_FILE))?;
        std::fs::write(
            export.join(FILES_FILE),
            files.replace("\"itemCount\":2", "\"itemCount\":3"),
        )?;
        let summary = std::fs::read_to_string(export.join(SUMMARY_FILE))?;
        std::fs::write(
            export.join(SUMMARY_FILE),
            summary.replace("\"itemCount\": 2", "\"itemCount\": 5"),
        )?;
        let (items, problems) = read(dir.path());
        assert_eq!(items.len(), 2);
        assert_eq!(
            problems,
            [
                "exp/AWSDynamoDB/y/manifest-files.json:1: data file `data/a.json` holds 2 items; its `itemCount` is 3",
                "exp/AWSDynamoDB/y/manifest-summary.json:11: `itemCount` is 5, but the data files `manifest-files.json` lists hold 2 items",
            ]
        );
        Ok(())
    }

    #[test]
    fn folders_that_are_not_one_export_are_problems() -> TestResult {
        let dir = tempfile::tempdir()?;
        assert_eq!(
            read(dir.path()).1,
            [
                "exp: holds no DynamoDB export: neither `manifest-summary.json` nor `AWSDynamoDB/`; point `path` at an export's folder or at the folder holding `AWSDynamoDB/`"
            ]
        );
        let item = r#"{"Item":{"pk":{"S":"a"}}}"#;
        write_export(
            dir.path(),
            "one",
            OutputFormat::DynamodbJson,
            None,
            &[("a.json", item)],
        )?;
        write_export(
            dir.path(),
            "two",
            OutputFormat::DynamodbJson,
            None,
            &[("a.json", item)],
        )?;
        assert_eq!(
            read(dir.path()).1,
            [
                "exp: holds 2 full exports (`exp/AWSDynamoDB/one`, `exp/AWSDynamoDB/two`); point `path` at one of them"
            ]
        );
        std::fs::write(
            dir.path().join("AWSDynamoDB/two/manifest-summary.json"),
            "{\"version\": 1}",
        )?;
        assert_eq!(
            read(dir.path()).1,
            [
                "exp/AWSDynamoDB/two/manifest-summary.json:1:13: not an export summary: invalid type: integer `1`, expected a string"
            ]
        );
        std::fs::remove_file(dir.path().join("AWSDynamoDB/two/manifest-summary.json"))?;
        std::fs::remove_file(dir.path().join("AWSDynamoDB/two/manifest-files.json"))?;
        assert_eq!(
            read(dir.path()).1,
            [
                "exp/AWSDynamoDB/two/manifest-summary.json: missing: the export is not complete (AWS writes the summary last); copy it again, or remove its folder"
            ]
        );
        Ok(())
    }
}
