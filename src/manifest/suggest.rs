//! Did-you-mean for names: a typo of a known name gets that name back. The
//! readers use it for unknown keys and values, the table rules for billing
//! modes, stream views and projections.

/// The closest known name, if it is close enough to be a typo; case does
/// not count.
pub fn did_you_mean<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The message and help for a `what` named `name` that is none of `valid`.
pub fn not_one_of(what: &str, name: &str, valid: &[&str]) -> (String, String) {
    let help = match did_you_mean(name, valid) {
        Some(best) => format!("did you mean `{best}`? expected one of {}", quoted(valid)),
        None => format!("expected one of {}", quoted(valid)),
    };
    (format!("unknown {what} `{name}`"), help)
}

/// `` `a`, `b`, `c` ``
pub fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion_and_strangers_do_not() {
        let known = ["partition_key", "sort_key", "name"];
        assert_eq!(did_you_mean("partiton_key", &known), Some("partition_key"));
        assert_eq!(did_you_mean("sortkey", &known), Some("sort_key"));
        assert_eq!(did_you_mean("colour", &known), None);
    }
}
