//! Working out expressions as Terraform would before it plans: `var.*`
//! from defaults, `.tfvars` and the manifest's values, `local.*` in the
//! order they need each other, `terraform.workspace` (always `default`),
//! `count.index` and the functions of `functions`. Anything that is only
//! known once Terraform talks to AWS (other resources, data sources,
//! module outputs) or that devstack does not model (`for_each`'s `each`)
//! is refused, at its place, with what would work instead.

use std::collections::{BTreeMap, HashSet};

use hcl::Value;
use hcl::eval::{Context, Evaluate};
use hcl_edit::Span;
use hcl_edit::expr::{Expression, ForExpr, FuncCall, Traversal, TraversalOperator};
use hcl_edit::visit::{self, Visit};

use super::functions;
use crate::manifest::Location;
use crate::manifest::suggest::quoted;

/// Why an expression cannot be worked out, at its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unresolved {
    pub span: Location,
    pub message: String,
    pub help: Option<String>,
    /// The variable without a value that stands in the way, if that is it.
    pub missing_variable: Option<String>,
}

/// The values an expression may name.
#[derive(Debug, Default)]
pub(super) struct Scope {
    pub vars: BTreeMap<String, Result<Value, Unresolved>>,
    pub locals: BTreeMap<String, Result<Value, Unresolved>>,
    /// `count.index`, inside a resource that has `count`.
    pub count_index: Option<u64>,
}

/// A name an expression refers to: `var.env` is `["var", "env"]`.
struct Reference {
    names: Vec<String>,
    span: Location,
}

/// The references and function calls of an expression, outside the names
/// its `for` expressions bind.
#[derive(Default)]
struct References {
    found: Vec<Reference>,
    calls: Vec<(String, Location)>,
    bound: Vec<String>,
}

impl Visit for References {
    /// A bare name: `each`, `aws_s3_bucket`.
    fn visit_expr(&mut self, node: &Expression) {
        if let Expression::Variable(ident) = node {
            self.push(vec![ident.as_str().to_string()], node.span());
        } else {
            visit::visit_expr(self, node);
        }
    }

    /// A name and its attributes, `var.env`, as one reference.
    fn visit_traversal(&mut self, node: &Traversal) {
        let Expression::Variable(root) = &node.expr else {
            visit::visit_traversal(self, node);
            return;
        };
        let mut names = vec![root.as_str().to_string()];
        names.extend(node.operators.iter().map_while(|op| match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str().to_string()),
            _ => None,
        }));
        self.push(names, node.span());
        for op in &node.operators {
            self.visit_traversal_operator(op);
        }
    }

    /// A call, by its full name (`provider::aws::arn_parse`).
    fn visit_func_call(&mut self, node: &FuncCall) {
        let name = node
            .name
            .namespace
            .iter()
            .chain([&node.name.name])
            .map(|part| part.as_str())
            .collect::<Vec<_>>()
            .join("::");
        self.calls.push((name, node.span().unwrap_or_default()));
        visit::visit_func_call(self, node);
    }

    /// The names a `for` binds are its own, not references.
    fn visit_for_expr(&mut self, node: &ForExpr) {
        self.visit_expr(&node.intro.collection_expr);
        let before = self.bound.len();
        self.bound
            .extend(node.intro.key_var.iter().map(|k| k.as_str().to_string()));
        self.bound.push(node.intro.value_var.as_str().to_string());
        if let Some(key) = &node.key_expr {
            self.visit_expr(key);
        }
        self.visit_expr(&node.value_expr);
        if let Some(cond) = &node.cond {
            self.visit_expr(&cond.expr);
        }
        self.bound.truncate(before);
    }
}

impl References {
    /// The references and calls of `expr`.
    fn of(expr: &Expression) -> References {
        let mut refs = References::default();
        refs.visit_expr(expr);
        refs
    }

    /// Adds a reference, unless a `for` binds its name.
    fn push(&mut self, names: Vec<String>, span: Option<Location>) {
        if self.bound.contains(&names[0]) {
            return;
        }
        self.found.push(Reference {
            names,
            span: span.unwrap_or_default(),
        });
    }
}

/// The help for a variable that has no value.
pub(super) fn variable_help(name: &str) -> String {
    format!(
        "give it a value in the manifest's `[[tables_from]]` entry, `variables = {{ {name} = \"…\" }}`, or in `terraform.tfvars`"
    )
}

impl Scope {
    /// The locals `expr` names.
    pub(super) fn locals_named(expr: &Expression) -> HashSet<String> {
        References::of(expr)
            .found
            .into_iter()
            .filter(|r| r.names[0] == "local")
            .filter_map(|r| r.names.get(1).cloned())
            .collect()
    }

    /// The value of `expr`, or why it has none.
    pub(super) fn eval(&self, expr: &Expression) -> Result<Value, Unresolved> {
        let span = expr.span().unwrap_or_default();
        let refs = References::of(expr);
        for reference in &refs.found {
            self.check(reference)?;
        }
        for (name, at) in refs.calls {
            if !functions::NAMES.contains(&name.as_str()) {
                return Err(unresolved(
                    at,
                    format!("function `{name}` is not supported"),
                    Some(format!("devstack knows {}", quoted(functions::NAMES))),
                ));
            }
        }
        let mut ctx = Context::new();
        let resolved = |values: &BTreeMap<String, Result<Value, Unresolved>>| {
            Value::Object(
                values
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_ref().ok()?.clone())))
                    .collect(),
            )
        };
        ctx.declare_var("var", resolved(&self.vars));
        ctx.declare_var("local", resolved(&self.locals));
        let mut terraform = hcl::Map::new();
        terraform.insert("workspace".to_string(), Value::from("default"));
        ctx.declare_var("terraform", Value::Object(terraform));
        if let Some(index) = self.count_index {
            let mut count = hcl::Map::new();
            count.insert("index".to_string(), Value::from(index));
            ctx.declare_var("count", Value::Object(count));
        }
        functions::declare(&mut ctx);
        let converted = hcl::Expression::from(expr.clone());
        converted.evaluate(&ctx).map_err(|e| {
            unresolved(
                span,
                format!("cannot work out the value: {}", e.kind()),
                None,
            )
        })
    }

    /// Whether the reference names a value this scope has.
    fn check(&self, reference: &Reference) -> Result<(), Unresolved> {
        let names = &reference.names;
        let span = reference.span.clone();
        let shown = names.join(".");
        let second = names.get(1).map(String::as_str);
        let value_help = "put the value in a variable and give it in the manifest's `[[tables_from]]` entry, `variables = { … }`";
        match (names[0].as_str(), second) {
            ("var", Some(name)) => match self.vars.get(name) {
                Some(Ok(_)) => Ok(()),
                Some(Err(why)) => Err(Unresolved {
                    span,
                    ..why.clone()
                }),
                None => Err(unresolved(
                    span,
                    format!("no variable `{name}` is declared"),
                    Some(format!("declare it: `variable \"{name}\" {{}}`")),
                )),
            },
            ("local", Some(name)) => match self.locals.get(name) {
                Some(Ok(_)) => Ok(()),
                Some(Err(why)) => Err(Unresolved {
                    span,
                    message: format!("`local.{name}` has no value: {}", why.message),
                    ..why.clone()
                }),
                None => Err(unresolved(
                    span,
                    format!("no local value `{name}` is declared"),
                    None,
                )),
            },
            ("terraform", Some("workspace")) => Ok(()),
            ("count", Some("index")) if self.count_index.is_some() => Ok(()),
            ("count", _) => Err(unresolved(
                span,
                format!("`{shown}` is only set in a resource with `count`"),
                None,
            )),
            ("each", _) => Err(unresolved(
                span,
                format!("`{shown}` comes from `for_each`, which is not supported"),
                None,
            )),
            ("data", _) => Err(unresolved(
                span,
                format!("data sources are not read: `{shown}`"),
                Some(value_help.to_string()),
            )),
            ("module", _) => Err(unresolved(
                span,
                format!("module outputs are not read: `{shown}`"),
                Some(value_help.to_string()),
            )),
            ("var" | "local" | "terraform" | "path" | "self", _) => Err(unresolved(
                span,
                format!("`{shown}` is not supported"),
                None,
            )),
            (_, Some(_)) => Err(unresolved(
                span,
                format!("references to other resources are not read: `{shown}`"),
                Some(value_help.to_string()),
            )),
            (_, None) => Err(unresolved(
                span,
                format!("`{shown}` is not a value devstack knows"),
                Some("write a string in quotes, or name `var.…` or `local.…`".to_string()),
            )),
        }
    }

    /// Works out `locals` (name → expression) in the order they need each
    /// other; a local that cannot be worked out keeps why.
    pub(super) fn resolve_locals(&mut self, locals: &BTreeMap<String, &Expression>) {
        let mut pending: Vec<&String> = locals.keys().collect();
        loop {
            let before = pending.len();
            pending.retain(|name| {
                let expr = locals[*name];
                let needs = Scope::locals_named(expr);
                let ready = needs
                    .iter()
                    .all(|n| self.locals.contains_key(n) || !locals.contains_key(n));
                if ready {
                    let value = self.eval(expr);
                    self.locals.insert((*name).clone(), value);
                }
                !ready
            });
            if pending.len() == before {
                break;
            }
        }
        for name in pending {
            let span = locals[name].span().unwrap_or_default();
            self.locals.insert(
                name.clone(),
                Err(unresolved(
                    span,
                    format!("`local.{name}` depends on itself"),
                    None,
                )),
            );
        }
    }
}

/// Why, at `span`, with no variable to blame.
fn unresolved(span: Location, message: String, help: Option<String>) -> Unresolved {
    Unresolved {
        span,
        message,
        help,
        missing_variable: None,
    }
}

/// A variable with no value: why, to keep in the scope.
pub(super) fn no_value(name: &str, span: Location) -> Unresolved {
    Unresolved {
        span,
        message: format!("variable `{name}` has no value"),
        help: Some(variable_help(name)),
        missing_variable: Some(name.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> Expression {
        hcl_edit::parser::parse_expr(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope.vars.insert("env".into(), Ok(Value::from("dev")));
        scope
            .vars
            .insert("prefix".into(), Err(no_value("prefix", 0..0)));
        let locals = [
            ("b".to_string(), expr(r#""${local.a}-b""#)),
            ("a".to_string(), expr(r#"upper(var.env)"#)),
            ("c".to_string(), expr(r#"local.d"#)),
            ("d".to_string(), expr(r#"local.c"#)),
        ];
        let locals: BTreeMap<String, &Expression> =
            locals.iter().map(|(k, v)| (k.clone(), v)).collect();
        scope.resolve_locals(&locals);
        scope
    }

    fn message(scope: &Scope, text: &str) -> String {
        match scope.eval(&expr(text)) {
            Ok(value) => format!("ok {value}"),
            Err(why) => why.message,
        }
    }

    #[test]
    fn variables_locals_and_workspace_are_worked_out() {
        let scope = scope();
        assert_eq!(message(&scope, "local.b"), r#"ok "DEV-b""#);
        assert_eq!(
            message(&scope, r#""${terraform.workspace}-${var.env}""#),
            r#"ok "default-dev""#
        );
        assert_eq!(
            message(&scope, "[for s in [var.env] : upper(s)][0]"),
            r#"ok "DEV""#
        );
        assert_eq!(message(&scope, "var.env == \"dev\" ? 1 : 0"), "ok 1");
    }

    #[test]
    fn what_cannot_be_worked_out_says_why() {
        let scope = scope();
        assert_eq!(
            message(&scope, "var.prefix"),
            "variable `prefix` has no value"
        );
        assert_eq!(
            message(&scope, "var.nope"),
            "no variable `nope` is declared"
        );
        assert_eq!(
            message(&scope, "local.c"),
            "`local.c` has no value: `local.c` depends on itself"
        );
        assert_eq!(
            message(&scope, "aws_s3_bucket.b.id"),
            "references to other resources are not read: `aws_s3_bucket.b.id`"
        );
        assert_eq!(
            message(&scope, "data.aws_region.current.name"),
            "data sources are not read: `data.aws_region.current.name`"
        );
        assert_eq!(
            message(&scope, "module.db.name"),
            "module outputs are not read: `module.db.name`"
        );
        assert_eq!(
            message(&scope, "each.key"),
            "`each.key` comes from `for_each`, which is not supported"
        );
        assert_eq!(
            message(&scope, "timestamp()"),
            "function `timestamp` is not supported"
        );
        let at = scope
            .eval(&expr(r#""a-${var.prefix}""#))
            .err()
            .map(|u| u.span);
        assert_eq!(at, Some(5..15));
    }
}
