//! YAML and JSON text (JSON is YAML) as a tree of nodes with byte spans:
//! saphyr's `MarkedYaml` counts characters, the manifest's places are
//! bytes. A short intrinsic tag (`!Ref Stage`, `!If [...]`) becomes the
//! long form it stands for (`{"Ref": "Stage"}`), with the tag as the key,
//! so that the rest reads one form only.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, Tag, YamlData};

use crate::manifest::{Diagnostic, Location};

/// A value as written, and where.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) span: Location,
    pub(super) value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    /// A number, as text: `5`, `2.5`.
    Number(String),
    String(String),
    List(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a mapping and its value.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) key_span: Location,
    pub(super) value: Node,
}

impl Entry {
    /// The key and its value together.
    pub(super) fn span(&self) -> Location {
        self.key_span.start..self.value.span.end.max(self.key_span.end)
    }
}

impl Node {
    pub(super) fn string(span: Location, text: impl Into<String>) -> Node {
        Node {
            span,
            value: Value::String(text.into()),
        }
    }

    pub(super) fn map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub(super) fn list(&self) -> Option<&[Node]> {
        match &self.value {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entry of a mapping under `key`.
    pub(super) fn get(&self, key: &str) -> Option<&Entry> {
        self.map()?.iter().find(|entry| entry.key == key)
    }

    /// A scalar's text: a string, a number or a boolean.
    pub(super) fn text(&self) -> Option<String> {
        match &self.value {
            Value::String(text) | Value::Number(text) => Some(text.clone()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// The intrinsic function this node calls, `Ref` or `Fn::…`: a mapping
    /// with that one key.
    pub(super) fn intrinsic(&self) -> Option<&Entry> {
        match self.map()? {
            [entry] if entry.key == "Ref" || entry.key.starts_with("Fn::") => Some(entry),
            _ => None,
        }
    }

    /// What kind of value this is, for messages: `a mapping`.
    pub(super) fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// The first document of `text`, or where and why it is not YAML.
pub(super) fn parse(text: &str) -> Result<Node, Diagnostic> {
    let bytes = Bytes::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|error| {
        let at = bytes.at(error.marker().index());
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        Diagnostic::new(at..end, "", format!("invalid YAML: {}", error.info()))
    })?;
    let Some(doc) = docs.first() else {
        return Ok(Node {
            span: 0..0,
            value: Value::Null,
        });
    };
    Ok(bytes.node(doc))
}

/// Turns saphyr's character indexes into byte offsets into the text.
struct Bytes<'t> {
    text: &'t str,
    /// The byte offset of each character, and the text's length last.
    offsets: Vec<usize>,
}

impl<'t> Bytes<'t> {
    fn new(text: &'t str) -> Bytes<'t> {
        let mut offsets: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
        offsets.push(text.len());
        Bytes { text, offsets }
    }

    /// The byte offset of character `index`.
    fn at(&self, index: usize) -> usize {
        self.offsets.get(index).copied().unwrap_or(self.text.len())
    }

    fn span(&self, node: &MarkedYaml<'_>) -> Location {
        self.at(node.span.start.index())..self.at(node.span.end.index())
    }

    /// A collection's span: a flow collection's ends before its closing
    /// bracket, a block collection's after the blank space that follows it.
    fn collection(&self, node: &MarkedYaml<'_>) -> Location {
        let Location { start, mut end } = self.span(node);
        if matches!(self.text[end..].chars().next(), Some(']' | '}')) {
            end += 1;
        } else {
            end = start.max(start + self.text[start..end].trim_end().len());
        }
        start..end
    }

    fn node(&self, node: &MarkedYaml<'_>) -> Node {
        let value = match &node.data {
            YamlData::Mapping(mapping) => Value::Map(
                mapping
                    .iter()
                    .map(|(key, value)| Entry {
                        key: self.node(key).text().unwrap_or_default(),
                        key_span: self.span(key),
                        value: self.node(value),
                    })
                    .collect(),
            ),
            YamlData::Sequence(items) => Value::List(items.iter().map(|i| self.node(i)).collect()),
            YamlData::Tagged(tag, inner) => return self.tagged(node, tag, inner),
            YamlData::Value(scalar) => scalar_value(scalar),
            _ => Value::Null,
        };
        let span = match value {
            Value::Map(_) | Value::List(_) => self.collection(node),
            _ => self.span(node),
        };
        Node { span, value }
    }

    /// `!Ref Stage` as `{"Ref": "Stage"}`, the tag's place as the key's.
    fn tagged(&self, node: &MarkedYaml<'_>, tag: &Tag, inner: &MarkedYaml<'_>) -> Node {
        let span = self.span(node);
        let name = match tag.suffix.as_str() {
            "Ref" | "Condition" => tag.suffix.clone(),
            suffix => format!("Fn::{suffix}"),
        };
        let tag_end = (span.start + tag.handle.len() + tag.suffix.len()).min(self.text.len());
        let key_span = span.start..tag_end;
        let mut value = self.node(inner);
        // A tagged scalar carries no place of its own: it is what follows
        // the tag.
        if inner.span.start.index() == 0 && inner.span.end.index() == 0 {
            let rest = &self.text[tag_end..span.end.max(tag_end)];
            let start = tag_end + (rest.len() - rest.trim_start().len());
            value.span = start..span.end.max(start);
        }
        if tag.handle != "!" {
            // Not one of CloudFormation's short forms: keep the value.
            return value;
        }
        let end = span.end.max(value.span.end);
        Node {
            span: span.start..end,
            value: Value::Map(vec![Entry {
                key: name,
                key_span,
                value,
            }]),
        }
    }
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(flag) => Value::Bool(*flag),
        Scalar::Integer(number) => Value::Number(number.to_string()),
        Scalar::FloatingPoint(number) => Value::Number(number.to_string()),
        Scalar::String(text) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Position;

    fn at<'t>(text: &'t str, span: &Location) -> &'t str {
        &text[span.clone()]
    }

    #[test]
    fn spans_are_bytes_even_after_other_characters() -> anyhow::Result<()> {
        let text = "Description: \"Bestellungen für Käufer ✓\"\nName: orders\n";
        let root = parse(text).map_err(|d| anyhow::anyhow!("{}", d.message))?;
        let name = root.get("Name").ok_or_else(|| anyhow::anyhow!("no Name"))?;
        assert_eq!(at(text, &name.key_span), "Name");
        assert_eq!(at(text, &name.value.span), "orders");
        assert_eq!(
            Position::of(text, name.value.span.start),
            Position { line: 2, column: 7 }
        );
        Ok(())
    }

    #[test]
    fn short_tags_read_as_the_long_form() -> anyhow::Result<()> {
        let text = "A: é\nName: !Ref Stage\nL: !If\n  - C\n  - [a, b]\n  - !Ref AWS::NoValue\nM: {\"Fn::Sub\": \"x\"}\n";
        let root = parse(text).map_err(|d| anyhow::anyhow!("{}", d.message))?;
        let name = root.get("Name").ok_or_else(|| anyhow::anyhow!("no Name"))?;
        let call = name
            .value
            .intrinsic()
            .ok_or_else(|| anyhow::anyhow!("no call"))?;
        assert_eq!(call.key, "Ref");
        assert_eq!(at(text, &call.key_span), "!Ref");
        assert_eq!(at(text, &call.value.span), "Stage");
        assert_eq!(at(text, &name.value.span), "!Ref Stage");
        let branches = root.get("L").and_then(|l| l.value.intrinsic());
        let Some(branches) = branches.and_then(|b| b.value.list()) else {
            panic!("`L` is not an `Fn::If` list");
        };
        assert_eq!(at(text, &branches[1].span), "[a, b]");
        let sub = root.get("M").and_then(|m| m.value.intrinsic());
        assert_eq!(sub.map(|s| s.key.as_str()), Some("Fn::Sub"));
        Ok(())
    }

    #[test]
    fn a_syntax_error_is_one_diagnostic_at_its_place() {
        let text = "Name: é\nA: [\n";
        let Err(diagnostic) = parse(text) else {
            panic!("the text parsed");
        };
        assert!(diagnostic.message.starts_with("invalid YAML: "));
        assert_eq!(Position::of(text, diagnostic.span.start).line, 3);
    }
}
