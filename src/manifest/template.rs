//! `[env]` values that follow the stack: `${endpoint}`, `${port}`,
//! `${table:NAME}` and the rest are resolved when `env`, `up` and `run`
//! print or pass the variables, so an app that reads its own variable names
//! follows ports picked at random. A value without placeholders stays as it
//! is written; `$$` is a literal `$`.

use std::fmt;

/// What a placeholder stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placeholder {
    /// The engine's URL as the app sees it: from this machine, or with
    /// `--network` from a container on the project network.
    Endpoint,
    /// The engine's URL from a container on the project network.
    NetworkEndpoint,
    /// The host part of `${endpoint}`.
    Host,
    /// The port of `${endpoint}`.
    Port,
    Region,
    TablePrefix,
    /// A manifest table's physical name, by its manifest name.
    Table(String),
}

impl Placeholder {
    /// Every placeholder, as written, for messages.
    pub const NAMES: [&'static str; 7] = [
        "endpoint",
        "network_endpoint",
        "host",
        "port",
        "region",
        "table_prefix",
        "table:NAME",
    ];

    fn parse(name: &str) -> Option<Placeholder> {
        Some(match name {
            "endpoint" => Placeholder::Endpoint,
            "network_endpoint" => Placeholder::NetworkEndpoint,
            "host" => Placeholder::Host,
            "port" => Placeholder::Port,
            "region" => Placeholder::Region,
            "table_prefix" => Placeholder::TablePrefix,
            _ => Placeholder::Table(name.strip_prefix("table:")?.to_string()),
        })
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placeholder::Endpoint => f.write_str("${endpoint}"),
            Placeholder::NetworkEndpoint => f.write_str("${network_endpoint}"),
            Placeholder::Host => f.write_str("${host}"),
            Placeholder::Port => f.write_str("${port}"),
            Placeholder::Region => f.write_str("${region}"),
            Placeholder::TablePrefix => f.write_str("${table_prefix}"),
            Placeholder::Table(name) => write!(f, "${{table:{name}}}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Placeholder(Placeholder),
}

/// An `[env]` value: text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub Vec<Part>);

/// A placeholder that is not one, at a byte offset in the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPlaceholder {
    pub offset: usize,
    pub message: String,
    /// The name written, when the placeholder was closed.
    pub name: Option<String>,
}

impl Template {
    /// A value as written: text stays text.
    pub fn literal(text: &str) -> Template {
        Template(vec![Part::Text(text.to_string())])
    }

    pub fn parse(text: &str) -> Result<Template, BadPlaceholder> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut at = 0;
        while let Some(dollar) = rest.find('$') {
            literal.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                literal.push('$');
                at += dollar + 2;
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('{') {
                let Some(end) = inner.find('}') else {
                    return Err(BadPlaceholder {
                        offset: at + dollar,
                        message: "`${` without its closing `}`".to_string(),
                        name: None,
                    });
                };
                let name = &inner[..end];
                let Some(placeholder) = Placeholder::parse(name) else {
                    return Err(BadPlaceholder {
                        offset: at + dollar,
                        message: format!("unknown placeholder `${{{name}}}`"),
                        name: Some(name.to_string()),
                    });
                };
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Placeholder(placeholder));
                at += dollar + 2 + end + 1;
                rest = &inner[end + 1..];
            } else {
                // A `$` before anything else is just a dollar.
                literal.push('$');
                at += dollar + 1;
                rest = after;
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template(parts))
    }

    /// The manifest tables the value names.
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|part| match part {
            Part::Placeholder(Placeholder::Table(name)) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The value with every placeholder replaced by what `value` gives for
    /// it (an error says which one has no value here).
    pub fn render(
        &self,
        mut value: impl FnMut(&Placeholder) -> Result<String, String>,
    ) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Placeholder(placeholder) => out.push_str(&value(placeholder)?),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<Part> {
        Template::parse(text).unwrap().0
    }

    #[test]
    fn text_without_placeholders_stays_as_written() {
        assert_eq!(parts("dynamodb"), [Part::Text("dynamodb".into())]);
        assert_eq!(parts(""), [Part::Text(String::new())]);
        assert_eq!(parts("cost: $5"), [Part::Text("cost: $5".into())]);
        assert_eq!(parts("a$$b"), [Part::Text("a$b".into())]);
        assert_eq!(parts("$${port}"), [Part::Text("${port}".into())]);
    }

    #[test]
    fn placeholders_are_found_among_text() {
        assert_eq!(
            parts("http://${host}:${port}/x"),
            [
                Part::Text("http://".into()),
                Part::Placeholder(Placeholder::Host),
                Part::Text(":".into()),
                Part::Placeholder(Placeholder::Port),
                Part::Text("/x".into()),
            ]
        );
        assert_eq!(
            parts("${table:github-issues}"),
            [Part::Placeholder(Placeholder::Table(
                "github-issues".into()
            ))]
        );
    }

    #[test]
    fn unknown_or_unclosed_placeholders_say_where() {
        let err = Template::parse("x ${prot}").unwrap_err();
        assert_eq!(err.offset, 2);
        assert_eq!(err.message, "unknown placeholder `${prot}`");
        let err = Template::parse("${port").unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(err.message.contains("closing"), "{}", err.message);
        assert!(Template::parse("${table}").is_err(), "a table needs a name");
    }

    #[test]
    fn rendering_fills_in_each_placeholder() {
        let t = Template::parse("${endpoint}/${table:orders}").unwrap();
        let shown = t.render(|p| match p {
            Placeholder::Endpoint => Ok("http://127.0.0.1:1".to_string()),
            Placeholder::Table(name) => Ok(format!("P_{name}")),
            other => Err(format!("{other} has no value")),
        });
        assert_eq!(shown.unwrap(), "http://127.0.0.1:1/P_orders");
        assert_eq!(t.tables().collect::<Vec<_>>(), ["orders"]);
    }
}
