//! The intrinsic functions a template's table properties may use, worked
//! out as CloudFormation would at deploy time: `Ref` to a parameter or a
//! pseudo parameter, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`,
//! `Fn::FindInMap` and `Fn::If` with the template's `Conditions`. Anything
//! else needs the deployed stack (`Fn::ImportValue`, `Fn::GetAtt`, a `Ref`
//! to a resource…) and is a failure that names it, never a guess.

use std::collections::{BTreeMap, HashSet};

use super::yaml::{Entry, Node, Value};
use crate::manifest::{Diagnostic, Location};

/// The account id `AWS::AccountId` stands for: DynamoDB Local's.
const ACCOUNT_ID: &str = "000000000000";
/// How deep conditions may refer to each other before it is a loop.
const DEEPEST: usize = 64;
const SUPPORTED: &str = "devstack works out `Ref` to parameters and pseudo parameters, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap` and `Fn::If`; write the value itself here";

/// Why a value could not be worked out.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) span: Location,
    pub(super) message: String,
    pub(super) help: Option<String>,
    /// The parameter that has neither a value nor a default, when that is
    /// the reason.
    pub(super) parameter: Option<String>,
}

impl Failure {
    fn new(span: &Location, message: impl Into<String>) -> Failure {
        Failure {
            span: span.clone(),
            message: message.into(),
            help: None,
            parameter: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Failure {
        self.help = Some(help.into());
        self
    }

    /// The failure as a problem of the field shown as `field`.
    pub(super) fn diagnostic(self, field: &str) -> Diagnostic {
        Diagnostic {
            span: self.span,
            field: field.to_string(),
            message: self.message,
            help: self.help,
        }
    }
}

type Worked<T> = Result<T, Failure>;

/// What a template's intrinsics can see: its parameters, mappings,
/// conditions and resource names, and the stack they are deployed as.
pub(super) struct Scope<'t> {
    parameters: Option<&'t Node>,
    mappings: Option<&'t Node>,
    conditions: Option<&'t Node>,
    resources: HashSet<String>,
    values: &'t BTreeMap<String, String>,
    region: &'t str,
    stack_name: &'t str,
}

impl<'t> Scope<'t> {
    /// The scope of the template `root`, deployed in `region` as stack
    /// `stack_name` with the parameter `values`.
    pub(super) fn new(
        root: &'t Node,
        values: &'t BTreeMap<String, String>,
        region: &'t str,
        stack_name: &'t str,
    ) -> Scope<'t> {
        let section = |name: &str| root.get(name).map(|entry| &entry.value);
        let resources = section("Resources")
            .and_then(Node::map)
            .unwrap_or_default()
            .iter()
            .map(|entry| entry.key.clone())
            .collect();
        Scope {
            parameters: section("Parameters"),
            mappings: section("Mappings"),
            conditions: section("Conditions"),
            resources,
            values,
            region,
            stack_name: values
                .get("AWS::StackName")
                .map_or(stack_name, String::as_str),
        }
    }

    /// The value `node` stands for, worked out at its top only: what a
    /// mapping or list holds is left as written. `None` for
    /// `AWS::NoValue`.
    pub(super) fn resolve(&self, node: &Node) -> Worked<Option<Node>> {
        let Some(call) = node.intrinsic() else {
            return Ok(Some(node.clone()));
        };
        let span = &node.span;
        match call.key.as_str() {
            "Ref" => self.reference(span, &call.value),
            "Fn::Sub" => Ok(Some(Node::string(span.clone(), self.sub(call)?))),
            "Fn::Join" => Ok(Some(Node::string(span.clone(), self.join(call)?))),
            "Fn::Split" => self.split(span, call).map(Some),
            "Fn::Select" => self.select(call),
            "Fn::FindInMap" => self.find_in_map(call),
            "Fn::If" => {
                let [condition, yes, no] = arguments(call)?;
                let name = literal(condition, "the condition's name")?;
                let chosen = if self.condition(&name, &condition.span, 0)? {
                    yes
                } else {
                    no
                };
                self.resolve(chosen)
            }
            other => Err(unsupported(span, other)),
        }
    }

    /// The value `node` stands for, worked out all the way down;
    /// `AWS::NoValue` entries and items are left out.
    pub(super) fn deep(&self, node: &Node) -> Worked<Option<Node>> {
        let Some(mut node) = self.resolve(node)? else {
            return Ok(None);
        };
        match &mut node.value {
            Value::Map(entries) => {
                let mut kept = Vec::with_capacity(entries.len());
                for entry in entries.drain(..) {
                    if let Some(value) = self.deep(&entry.value)? {
                        kept.push(Entry { value, ..entry });
                    }
                }
                *entries = kept;
            }
            Value::List(items) => {
                let mut kept = Vec::with_capacity(items.len());
                for item in items.drain(..) {
                    kept.extend(self.deep(&item)?);
                }
                *items = kept;
            }
            _ => {}
        }
        Ok(Some(node))
    }

    /// Whether the condition `name` holds; `span` is where it is named.
    pub(super) fn condition(&self, name: &str, span: &Location, depth: usize) -> Worked<bool> {
        if depth > DEEPEST {
            return Err(Failure::new(
                span,
                format!("condition `{name}` depends on itself"),
            ));
        }
        let Some(entry) = self.conditions.and_then(|c| c.get(name)) else {
            return Err(Failure::new(
                span,
                format!("no condition `{name}` in `Conditions`"),
            ));
        };
        self.holds(&entry.value, depth + 1)
    }

    /// Whether a condition function holds.
    fn holds(&self, node: &Node, depth: usize) -> Worked<bool> {
        let call = match node.map() {
            Some([call]) => call,
            _ => {
                return Err(Failure::new(
                    &node.span,
                    "a condition is one of `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition`",
                ));
            }
        };
        match call.key.as_str() {
            "Fn::Equals" => {
                let [left, right] = arguments(call)?;
                Ok(same(&self.full(left)?, &self.full(right)?))
            }
            "Fn::And" | "Fn::Or" => {
                let Some(conditions) = call.value.list() else {
                    return Err(Failure::new(
                        &call.value.span,
                        format!("`{}` takes a list of conditions", call.key),
                    ));
                };
                let mut all = true;
                let mut any = false;
                for condition in conditions {
                    let holds = self.holds(condition, depth + 1)?;
                    all &= holds;
                    any |= holds;
                }
                Ok(if call.key == "Fn::And" { all } else { any })
            }
            "Fn::Not" => {
                let [condition] = arguments(call)?;
                Ok(!self.holds(condition, depth + 1)?)
            }
            "Condition" => {
                let name = literal(&call.value, "the condition's name")?;
                self.condition(&name, &call.value.span, depth + 1)
            }
            other => Err(unsupported(&node.span, other)),
        }
    }

    /// A value worked out all the way down; `AWS::NoValue` is an empty
    /// string, as CloudFormation compares it.
    fn full(&self, node: &Node) -> Worked<Node> {
        Ok(self
            .deep(node)?
            .unwrap_or_else(|| Node::string(node.span.clone(), "")))
    }

    /// A value worked out to text.
    fn text(&self, node: &Node, what: &str) -> Worked<String> {
        let value = self.full(node)?;
        value.text().ok_or_else(|| {
            Failure::new(
                &node.span,
                format!("{what} must be a string, not {}", value.kind()),
            )
        })
    }

    /// A value worked out to a list.
    fn items(&self, node: &Node, what: &str) -> Worked<Vec<Node>> {
        let value = self.full(node)?;
        match value.value {
            Value::List(items) => Ok(items),
            _ => Err(Failure::new(
                &node.span,
                format!("{what} must be a list, not {}", value.kind()),
            )),
        }
    }

    /// `Ref`: a pseudo parameter, or a parameter's value or default.
    fn reference(&self, span: &Location, target: &Node) -> Worked<Option<Node>> {
        let name = literal(target, "`Ref`'s target")?;
        self.named(span, &name, "`Ref`")
    }

    /// What `name` stands for where `how` names it: a pseudo parameter or
    /// a parameter.
    fn named(&self, span: &Location, name: &str, how: &str) -> Worked<Option<Node>> {
        let pseudo = match name {
            "AWS::NoValue" => return Ok(None),
            "AWS::Region" => Some(self.region.to_string()),
            "AWS::StackName" => Some(self.stack_name.to_string()),
            "AWS::AccountId" => Some(ACCOUNT_ID.to_string()),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            "AWS::StackId" => Some(format!(
                "arn:aws:cloudformation:{}:{ACCOUNT_ID}:stack/{}/00000000-0000-0000-0000-000000000000",
                self.region, self.stack_name
            )),
            _ => None,
        };
        if let Some(value) = pseudo {
            return Ok(Some(Node::string(span.clone(), value)));
        }
        if let Some(declared) = self.parameters.and_then(|p| p.get(name)) {
            return self.parameter(span, name, &declared.value).map(Some);
        }
        Err(self.not_a_parameter(span, name, how))
    }

    /// A `Ref` or `${…}` that names no parameter.
    fn not_a_parameter(&self, span: &Location, name: &str, how: &str) -> Failure {
        if self.resources.contains(name) {
            Failure::new(
                span,
                format!("{how} refers to resource `{name}`, which cannot be worked out before it is deployed"),
            )
            .help(SUPPORTED)
        } else if name.starts_with("AWS::") {
            Failure::new(span, format!("pseudo parameter `{name}` is not supported")).help(
                "supported are `AWS::Region`, `AWS::StackName`, `AWS::StackId`, `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix` and `AWS::NoValue`",
            )
        } else {
            Failure::new(
                span,
                format!("{how} refers to `{name}`, which is neither a parameter nor a resource"),
            )
        }
    }

    /// A parameter's value: the one given, else its default. A list type's
    /// value is split at commas.
    fn parameter(&self, span: &Location, name: &str, declared: &Node) -> Worked<Node> {
        let ty = declared
            .get("Type")
            .and_then(|t| t.value.text())
            .unwrap_or_default();
        let given = self.values.get(name).cloned();
        let text = match given {
            Some(text) => text,
            None if ty.starts_with("AWS::SSM::Parameter::Value") => {
                let default = declared.get("Default").and_then(|d| d.value.text());
                return Err(Failure {
                    parameter: Some(name.to_string()),
                    ..Failure::new(
                        span,
                        format!(
                            "parameter `{name}` is read from SSM parameter `{}` when deployed",
                            default.unwrap_or_default()
                        ),
                    )
                    .help(give_parameter(name))
                });
            }
            None => match declared.get("Default") {
                Some(default) => match &default.value.value {
                    Value::List(items) => items
                        .iter()
                        .filter_map(Node::text)
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => default.value.text().unwrap_or_default(),
                },
                None => {
                    return Err(Failure {
                        parameter: Some(name.to_string()),
                        ..Failure::new(
                            span,
                            format!("parameter `{name}` has no default and no value is given"),
                        )
                        .help(give_parameter(name))
                    });
                }
            },
        };
        if ty == "CommaDelimitedList" || ty.starts_with("List<") {
            let items = text
                .split(',')
                .map(|item| Node::string(span.clone(), item.trim()))
                .collect();
            return Ok(Node {
                span: span.clone(),
                value: Value::List(items),
            });
        }
        Ok(Node::string(span.clone(), text))
    }

    /// `Fn::Sub`: a string with `${Name}` put in, from its own variables,
    /// parameters and pseudo parameters; `${!Name}` stays as `${Name}`.
    fn sub(&self, call: &Entry) -> Worked<String> {
        let (template, variables) = match &call.value.value {
            Value::List(items) => match items.as_slice() {
                [template, variables] => (template, variables.map()),
                _ => {
                    return Err(Failure::new(
                        &call.value.span,
                        "`Fn::Sub` takes a string, or a string and a mapping of variables",
                    ));
                }
            },
            _ => (&call.value, None),
        };
        let text = literal(template, "`Fn::Sub`'s string")?;
        let span = &template.span;
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(open) = rest.find("${") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let name = after[..close].trim();
            rest = &after[close + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            if let Some(variable) = variables.and_then(|v| v.iter().find(|e| e.key == name)) {
                out.push_str(&self.text(&variable.value, &format!("`{name}`"))?);
                continue;
            }
            if let Some((resource, _)) = name.split_once('.') {
                return Err(Failure::new(
                    span,
                    format!(
                        "`${{{name}}}` in `Fn::Sub` is an attribute of resource `{resource}` (`Fn::GetAtt`), which cannot be worked out before it is deployed"
                    ),
                )
                .help(SUPPORTED));
            }
            let how = format!("`${{{name}}}` in `Fn::Sub`");
            let value = self.named(span, name, &how)?;
            let Some(value) = value else { continue };
            let Some(text) = value.text() else {
                return Err(Failure::new(
                    span,
                    format!("`${{{name}}}` in `Fn::Sub` is a list, not a string"),
                ));
            };
            out.push_str(&text);
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `Fn::Join`: a list's strings with a delimiter between them.
    fn join(&self, call: &Entry) -> Worked<String> {
        let [delimiter, list] = arguments(call)?;
        let delimiter = self.text(delimiter, "`Fn::Join`'s delimiter")?;
        let parts = self
            .items(list, "`Fn::Join`'s values")?
            .iter()
            .map(|item| {
                item.text().ok_or_else(|| {
                    Failure::new(
                        &item.span,
                        format!("`Fn::Join` joins strings, not {}", item.kind()),
                    )
                })
            })
            .collect::<Worked<Vec<_>>>()?;
        Ok(parts.join(&delimiter))
    }

    /// `Fn::Split`: a string cut at a delimiter, as a list.
    fn split(&self, span: &Location, call: &Entry) -> Worked<Node> {
        let [delimiter, source] = arguments(call)?;
        let delimiter = self.text(delimiter, "`Fn::Split`'s delimiter")?;
        let source = self.text(source, "`Fn::Split`'s string")?;
        let items = if delimiter.is_empty() {
            vec![Node::string(span.clone(), source)]
        } else {
            source
                .split(delimiter.as_str())
                .map(|part| Node::string(span.clone(), part))
                .collect()
        };
        Ok(Node {
            span: span.clone(),
            value: Value::List(items),
        })
    }

    /// `Fn::Select`: one item of a list, by index.
    fn select(&self, call: &Entry) -> Worked<Option<Node>> {
        let [index, list] = arguments(call)?;
        let at = self.text(index, "`Fn::Select`'s index")?;
        let Ok(at) = at.trim().parse::<usize>() else {
            return Err(Failure::new(
                &index.span,
                format!("`Fn::Select`'s index `{at}` is not a whole number"),
            ));
        };
        let items = self.items(list, "`Fn::Select`'s values")?;
        let count = items.len();
        let Some(item) = items.into_iter().nth(at) else {
            return Err(Failure::new(
                &index.span,
                format!("`Fn::Select`'s index {at} is past the list's {count} items"),
            ));
        };
        self.resolve(&item)
    }

    /// `Fn::FindInMap`: a value from `Mappings`, or the `DefaultValue`
    /// given as a fourth argument.
    fn find_in_map(&self, call: &Entry) -> Worked<Option<Node>> {
        let arguments = call.value.list().unwrap_or_default();
        let (names, default) = match arguments {
            [map, top, second] => ([map, top, second], None),
            [map, top, second, default] => ([map, top, second], Some(default)),
            _ => {
                return Err(Failure::new(
                    &call.value.span,
                    "`Fn::FindInMap` takes a mapping's name, a top-level key and a second-level key",
                ));
            }
        };
        let [map, top, second] = [
            self.text(names[0], "the mapping's name")?,
            self.text(names[1], "the top-level key")?,
            self.text(names[2], "the second-level key")?,
        ];
        let found = self
            .mappings
            .and_then(|m| m.get(&map))
            .and_then(|m| m.value.get(&top))
            .and_then(|t| t.value.get(&second));
        match (found, default) {
            (Some(entry), _) => self.resolve(&entry.value),
            (None, Some(default)) => match default.get("DefaultValue") {
                Some(value) => self.resolve(&value.value),
                None => Err(Failure::new(
                    &default.span,
                    "`Fn::FindInMap`'s fourth argument is `{DefaultValue: …}`",
                )),
            },
            (None, None) => Err(Failure::new(
                &call.value.span,
                format!("`Mappings` has no `{map}.{top}.{second}`"),
            )),
        }
    }
}

/// The help for a parameter that needs a value.
pub(super) fn give_parameter(name: &str) -> String {
    format!(
        "give it a value in the manifest's `[[tables_from]]` entry: `parameters = {{ {name} = \"…\" }}`"
    )
}

/// An intrinsic devstack does not work out.
fn unsupported(span: &Location, name: &str) -> Failure {
    Failure::new(
        span,
        format!("`{name}` cannot be worked out before the stack is deployed"),
    )
    .help(SUPPORTED)
}

/// The `N` arguments of an intrinsic, as written.
fn arguments<const N: usize>(call: &Entry) -> Worked<[&Node; N]> {
    let items = call.value.list().unwrap_or_default();
    let array: Option<[&Node; N]> = items.iter().collect::<Vec<_>>().try_into().ok();
    array.ok_or_else(|| {
        Failure::new(
            &call.value.span,
            format!("`{}` takes a list of {N} values", call.key),
        )
    })
}

/// A string written as such, where CloudFormation allows no function.
fn literal(node: &Node, what: &str) -> Worked<String> {
    match &node.value {
        Value::String(text) => Ok(text.clone()),
        _ => Err(Failure::new(
            &node.span,
            format!("{what} must be a plain string, not {}", node.kind()),
        )),
    }
}

/// Whether two worked-out values are equal, as `Fn::Equals` compares them.
fn same(left: &Node, right: &Node) -> bool {
    match (&left.value, &right.value) {
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        _ => match (left.text(), right.text()) {
            (Some(a), Some(b)) => a == b,
            _ => left.value == right.value,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml;
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Stage: {Type: String, Default: dev}
  Zones: {Type: CommaDelimitedList, Default: "a, b,c"}
  Units: {Type: Number, Default: 5}
  Secret: {Type: String}
  X: {Type: String}
Mappings:
  Sizes:
    dev: {Read: 1}
    prod: {Read: 10}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, {"Fn::Equals": [!Ref "AWS::Region", eu-west-1]}]
Resources:
  Orders: {Type: "AWS::DynamoDB::Table"}
Values:
  sub: !Sub "${AWS::StackName}-${Stage}-${!Literal}-${X}"
  subvars: !Sub ["${A}/${AWS::Region}", {A: !Select [1, !Ref Zones]}]
  join: !Join ["-", [!Ref Stage, !FindInMap [Sizes, !Ref Stage, Read]]]
  split: !Select [2, !Split [",", "x,y,z"]]
  if: !If [Both, yes, no]
  prod: !If [IsProd, yes, !Ref "AWS::NoValue"]
  units: !Ref Units
  secret: !Sub "${Secret}"
  unknown: !Sub "${Nope}"
  import: {"Fn::ImportValue": shared}
  resource: !GetAtt Orders.Arn
  subresource: !Sub "${Orders}"
"#;

    fn value(name: &str, values: &[(&str, &str)]) -> Result<Option<String>, String> {
        let root = yaml::parse(TEMPLATE).map_err(|d| d.message)?;
        let values: BTreeMap<String, String> = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let scope = Scope::new(&root, &values, "eu-west-1", "shop");
        let Some(node) = root.get("Values").and_then(|v| v.value.get(name)) else {
            return Err(format!("no value `{name}`"));
        };
        match scope.deep(&node.value) {
            Ok(found) => Ok(found.and_then(|n| n.text())),
            Err(failure) => Err(failure.message),
        }
    }

    #[test]
    fn supported_intrinsics_are_worked_out() {
        let x = [("X", "x1")];
        assert_eq!(
            value("sub", &x),
            Ok(Some("shop-dev-${Literal}-x1".to_string()))
        );
        let stack = [("X", "x"), ("AWS::StackName", "other"), ("Stage", "qa")];
        assert_eq!(
            value("sub", &stack),
            Ok(Some("other-qa-${Literal}-x".to_string()))
        );
        assert_eq!(value("subvars", &[]), Ok(Some("b/eu-west-1".to_string())));
        assert_eq!(value("join", &[]), Ok(Some("dev-1".to_string())));
        assert_eq!(value("split", &[]), Ok(Some("z".to_string())));
        assert_eq!(value("if", &[]), Ok(Some("yes".to_string())));
        assert_eq!(
            value("if", &[("Stage", "prod")]),
            Ok(Some("no".to_string()))
        );
        assert_eq!(value("prod", &[]), Ok(None));
        assert_eq!(value("units", &[]), Ok(Some("5".to_string())));
    }

    #[test]
    fn what_needs_the_deployed_stack_is_named() {
        assert_eq!(
            value("unknown", &[]),
            Err("`${Nope}` in `Fn::Sub` refers to `Nope`, which is neither a parameter nor a resource".to_string())
        );
        assert_eq!(
            value("secret", &[]),
            Err("parameter `Secret` has no default and no value is given".to_string())
        );
        assert_eq!(
            value("import", &[]),
            Err("`Fn::ImportValue` cannot be worked out before the stack is deployed".to_string())
        );
        assert_eq!(
            value("resource", &[]),
            Err("`Fn::GetAtt` cannot be worked out before the stack is deployed".to_string())
        );
        assert_eq!(
            value("subresource", &[]),
            Err(
                "`${Orders}` in `Fn::Sub` refers to resource `Orders`, which cannot be worked out before it is deployed"
                    .to_string()
            )
        );
    }
}
