//! `CreateTable` JSON: the request `aws dynamodb create-table
//! --cli-input-json` takes, or the `describe-table` output
//! `{"Table": {...}}`; one object, or an array of them (as `export`
//! writes several tables). The properties are the template's, without
//! intrinsics. Beside a request, `TimeToLiveSpecification`
//! (`{AttributeName, Enabled}`, as `update-time-to-live` takes it) is read
//! too, as schema scripts keep it there; `describe-table` shows no TTL.

use super::table::{Reader, Shape, TableAt, child};
use super::yaml::{self, Node};
use crate::manifest::Diagnostic;
use crate::manifest::imported::{FileRead, Request};
use crate::manifest::path::FieldPath;

/// Reads the tables of the JSON `text`, from `request.path`.
pub(super) fn read(request: &Request<'_>, text: String) -> FileRead {
    let root = match yaml::parse(&text) {
        Ok(root) => root,
        Err(diagnostic) => return super::template::broken(request, text, diagnostic),
    };
    let mut reader = Reader::new(text, None, request.region);
    match root.list() {
        Some(items) => {
            for (at, item) in items.iter().enumerate() {
                let path = FieldPath::default().index(at);
                one(&mut reader, item, path, &format!("[{at}]"));
            }
        }
        None => one(&mut reader, &root, FieldPath::default(), ""),
    }
    reader.finish(request.path)
}

/// One request, or one `describe-table` output.
fn one(reader: &mut Reader<'_>, node: &Node, path: FieldPath, shown: &str) {
    if node.map().is_none() {
        reader.push(Diagnostic::new(
            node.span.clone(),
            shown,
            format!(
                "expected a `CreateTable` request or `describe-table` output, not {}",
                node.kind()
            ),
        ));
        return;
    }
    let (node, path, shown, shape) = match node.get("Table") {
        Some(table) if node.get("KeySchema").is_none() => (
            &table.value,
            path.key("Table"),
            child(shown, "Table"),
            Shape::Described,
        ),
        _ => (node, path, shown.to_string(), Shape::Request),
    };
    let name = node.get("TableName").and_then(|n| n.value.text());
    let fallback = node.span.start..node.span.start + 1;
    let at = TableAt {
        path,
        id: name.clone().unwrap_or_else(|| shown.clone()),
        shown: shown.clone(),
        fallback,
        default_name: None,
    };
    reader.table(Some(node), &shown, shape, at);
}
