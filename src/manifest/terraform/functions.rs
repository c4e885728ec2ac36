//! The Terraform functions expressions may call: a small set for building
//! names and picking values. Terraform turns numbers and booleans into
//! strings where a string is wanted; these do the same.

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

/// The functions, by name, as the help lists them.
pub(super) const NAMES: &[&str] = &[
    "coalesce",
    "concat",
    "format",
    "join",
    "length",
    "lookup",
    "lower",
    "merge",
    "replace",
    "tonumber",
    "tostring",
    "trimspace",
    "upper",
];

/// Declares every function in `ctx`.
pub(super) fn declare(ctx: &mut Context<'_>) {
    let fixed = |params: usize, func| {
        FuncDef::builder()
            .params(std::iter::repeat_n(ParamType::Any, params))
            .build(func)
    };
    let variadic = |params: usize, func| {
        FuncDef::builder()
            .params(std::iter::repeat_n(ParamType::Any, params))
            .variadic_param(ParamType::Any)
            .build(func)
    };
    ctx.declare_func("coalesce", variadic(0, coalesce));
    ctx.declare_func("concat", variadic(0, concat));
    ctx.declare_func("format", variadic(1, format));
    ctx.declare_func("join", fixed(2, join));
    ctx.declare_func("length", fixed(1, length));
    ctx.declare_func("lookup", variadic(2, lookup));
    ctx.declare_func(
        "lower",
        fixed(1, |args| Ok(text(&args[0])?.to_lowercase().into())),
    );
    ctx.declare_func("merge", variadic(0, merge));
    ctx.declare_func("replace", fixed(3, replace));
    ctx.declare_func("tonumber", fixed(1, tonumber));
    ctx.declare_func("tostring", fixed(1, tostring));
    ctx.declare_func(
        "trimspace",
        fixed(1, |args| Ok(text(&args[0])?.trim().into())),
    );
    ctx.declare_func(
        "upper",
        fixed(1, |args| Ok(text(&args[0])?.to_uppercase().into())),
    );
}

/// A string, number or boolean as a string, as Terraform converts them.
pub(super) fn text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

/// What a value is, for messages: `a list`, `null`.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The items of a list argument.
fn list(value: &Value) -> Result<&Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected a list, found {}", kind(value)))
}

/// The members of an object argument.
fn object(value: &Value) -> Result<&hcl::Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("expected an object, found {}", kind(value)))
}

/// The first argument that is neither null nor an empty string.
fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "no non-null, non-empty argument".to_string())
}

/// The lists, one after the other.
fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut all = Vec::new();
    for arg in args.iter() {
        all.extend(list(arg)?.iter().cloned());
    }
    Ok(Value::Array(all))
}

/// `format` with the verbs `%s`, `%d`, `%v` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = text(&args[0])?;
    let mut values = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'd' | 'v')) => {
                let value = values
                    .next()
                    .ok_or_else(|| format!("not enough arguments for `%{verb}`"))?;
                if verb == 'd' && !value.is_number() {
                    return Err(format!("`%d` needs a number, found {}", kind(value)));
                }
                out.push_str(&text(value)?);
            }
            Some(other) => return Err(format!("the verb `%{other}` is not supported")),
            None => return Err("the format ends with `%`".to_string()),
        }
    }
    Ok(out.into())
}

/// The list's items as text, with the separator between.
fn join(args: FuncArgs) -> Result<Value, String> {
    let separator = text(&args[0])?;
    let parts = list(&args[1])?
        .iter()
        .map(text)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.join(&separator).into())
}

/// The characters of a string, items of a list or members of an object.
fn length(args: FuncArgs) -> Result<Value, String> {
    let count = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        other => return Err(format!("no length for {}", kind(other))),
    };
    Ok(Value::from(count as u64))
}

/// The member of the object named by the key, or the default.
fn lookup(args: FuncArgs) -> Result<Value, String> {
    let map = object(&args[0])?;
    let key = text(&args[1])?;
    match (map.get(&key), args.get(2)) {
        (Some(value), _) => Ok(value.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("no key `{key}` and no default")),
    }
}

/// The objects' members, later ones winning.
fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut all = hcl::Map::new();
    for arg in args.iter().filter(|v| !v.is_null()) {
        for (key, value) in object(arg)? {
            all.insert(key.clone(), value.clone());
        }
    }
    Ok(Value::Object(all))
}

/// `replace` with a plain substring; Terraform's `/regex/` form is not read.
fn replace(args: FuncArgs) -> Result<Value, String> {
    let [s, from, to] = [&args[0], &args[1], &args[2]].map(text);
    let from = from?;
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return Err("regular expressions are not supported".to_string());
    }
    Ok(s?.replace(&from, &to?).into())
}

/// A number, or a string that holds one, as a number.
fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => number(s).ok_or_else(|| format!("`{s}` is not a number")),
        other => Err(format!("cannot convert {} to a number", kind(other))),
    }
}

/// A number written as text, as Terraform reads it.
pub(super) fn number(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(int) = text.parse::<i64>() {
        return Some(Value::from(int));
    }
    let float = text.parse::<f64>().ok()?;
    hcl::Number::from_f64(float).map(Value::Number)
}

/// A string, number or bool as a string.
fn tostring(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        value => text(value).map(Value::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let parsed: hcl::Expression = expr.parse().map_err(|e| format!("{e}"))?;
        hcl::eval::Evaluate::evaluate(&parsed, &ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn functions_build_names_as_terraform_does() -> Result<(), String> {
        assert_eq!(eval(r#"format("%s-%d%%", "a", 5)"#)?, Value::from("a-5%"));
        assert_eq!(
            eval(r#"join("-", ["a", 1, true])"#)?,
            Value::from("a-1-true")
        );
        assert_eq!(eval(r#"lower("AbC")"#)?, Value::from("abc"));
        assert_eq!(eval(r#"upper(trimspace(" x "))"#)?, Value::from("X"));
        assert_eq!(eval(r#"replace("a-b-c", "-", "_")"#)?, Value::from("a_b_c"));
        assert_eq!(eval(r#"coalesce(null, "", "x")"#)?, Value::from("x"));
        assert_eq!(eval(r#"lookup({a = 1}, "b", 2)"#)?, Value::from(2u64));
        assert_eq!(eval(r#"tostring(5)"#)?, Value::from("5"));
        assert_eq!(eval(r#"tonumber("7")"#)?, Value::from(7u64));
        assert_eq!(eval(r#"length(concat([1], [2, 3]))"#)?, Value::from(3u64));
        assert_eq!(eval(r#"merge({a = 1}, {a = 2})["a"]"#)?, Value::from(2u64));
        assert!(eval(r#"replace("a", "/a/", "b")"#).is_err());
        Ok(())
    }
}
