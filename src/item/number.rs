//! Numbers as DynamoDB keeps them: 38 significant digits, a bounded range,
//! and one spelling per value so that keys and set elements compare by value.

use super::{MAX_NUMBER_DIGITS, clip};

/// A decimal number reduced to its sign, significant digits and exponent:
/// `digits[0].digits[1..] × 10^exponent`. Zero has no digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// Why a number's text is not a DynamoDB number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    Syntax,
    Digits(usize),
    Range,
}

impl Number {
    /// Reads `[+-]digits[.digits][(e|E)[+-]digits]` (digits on at least one
    /// side of the point); `None` for anything else.
    pub fn scan(text: &str) -> Option<Number> {
        let bytes = text.as_bytes();
        let mut at = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                at = 1;
                true
            }
            Some(b'+') => {
                at = 1;
                false
            }
            _ => false,
        };
        let digits_from = |at: usize| {
            at + bytes
                .get(at..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let integer_end = digits_from(at);
        let integer = text.get(at..integer_end)?;
        at = integer_end;
        let mut fraction = "";
        if bytes.get(at) == Some(&b'.') {
            let end = digits_from(at + 1);
            fraction = text.get(at + 1..end)?;
            at = end;
        }
        if integer.is_empty() && fraction.is_empty() {
            return None;
        }
        let mut exponent: i64 = 0;
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            let exponent_negative = match bytes.get(at) {
                Some(b'-') => {
                    at += 1;
                    true
                }
                Some(b'+') => {
                    at += 1;
                    false
                }
                _ => false,
            };
            let end = digits_from(at);
            let written = text.get(at..end)?;
            if written.is_empty() {
                return None;
            }
            for digit in written.bytes() {
                // Saturates far beyond any exponent DynamoDB accepts.
                exponent = (exponent * 10 + i64::from(digit - b'0')).min(1 << 40);
            }
            if exponent_negative {
                exponent = -exponent;
            }
            at = end;
        }
        if at != bytes.len() {
            return None;
        }
        let all: Vec<u8> = integer.bytes().chain(fraction.bytes()).collect();
        let leading = all.iter().take_while(|&&b| b == b'0').count();
        if leading == all.len() {
            return Some(Number {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        let trailing = all.iter().rev().take_while(|&&b| b == b'0').count();
        let significant = all.get(leading..all.len() - trailing)?;
        Some(Number {
            negative,
            digits: String::from_utf8_lossy(significant).into_owned(),
            exponent: integer.len() as i64 - 1 - leading as i64 + exponent,
        })
    }

    /// Reads a number and checks it against DynamoDB's precision and range.
    pub(super) fn parse(text: &str) -> Result<Number, NumberProblem> {
        let number = Number::scan(text).ok_or(NumberProblem::Syntax)?;
        if number.digits.len() > MAX_NUMBER_DIGITS {
            return Err(NumberProblem::Digits(number.digits.len()));
        }
        if !number.digits.is_empty() && !(-130..=125).contains(&number.exponent) {
            return Err(NumberProblem::Range);
        }
        Ok(number)
    }

    /// The size DynamoDB documents: 1 byte per two significant digits, plus 1.
    pub(super) fn size(&self) -> usize {
        1 + self.digits.len().div_ceil(2)
    }

    /// One spelling per value, so `1`, `1.0` and `10e-1` compare equal.
    pub fn canonical(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_string();
        }
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}{}e{}", self.digits, self.exponent)
    }

    /// The same value written out without an exponent (`1e2` as `100`,
    /// `1.5e-3` as `0.0015`), the spelling every engine takes; a number
    /// outside DynamoDB's range keeps its [`Number::canonical`] spelling
    /// rather than hundreds of zeros, and is refused by the number check.
    pub fn decimal(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_string();
        }
        if self.digits.len() > MAX_NUMBER_DIGITS || !(-130..=125).contains(&self.exponent) {
            return self.canonical();
        }
        let sign = if self.negative { "-" } else { "" };
        let digits = self.digits.as_str();
        let length = digits.len() as i64;
        let text = if self.exponent >= length - 1 {
            let zeros = (self.exponent - (length - 1)) as usize;
            format!("{digits}{}", "0".repeat(zeros))
        } else if self.exponent >= 0 {
            let (whole, fraction) = digits.split_at(self.exponent as usize + 1);
            format!("{whole}.{fraction}")
        } else {
            let zeros = (-self.exponent - 1) as usize;
            format!("0.{}{digits}", "0".repeat(zeros))
        };
        format!("{sign}{text}")
    }
}

impl NumberProblem {
    /// What is wrong, as the end of a sentence about the number.
    pub fn describe(self) -> String {
        match self {
            NumberProblem::Syntax => "is not a number".to_string(),
            NumberProblem::Digits(digits) => format!(
                "has {digits} significant digits; DynamoDB keeps at most {MAX_NUMBER_DIGITS}"
            ),
            NumberProblem::Range => "is out of range; DynamoDB numbers other than 0 have a \
                                     magnitude from 1e-130 to below 1e126"
                .to_string(),
        }
    }
}

/// Checks that `text` is a number DynamoDB keeps: its syntax, 38
/// significant digits and its range. Seed items and query keys use this
/// one rule.
pub fn check(text: &str) -> Result<(), NumberProblem> {
    Number::parse(text).map(|_| ())
}

pub(super) fn number_message(path: &str, text: &str, problem: NumberProblem) -> String {
    let shown = clip(text);
    match problem {
        NumberProblem::Syntax => format!("attribute `{path}`: `{shown}` {}", problem.describe()),
        _ => format!(
            "attribute `{path}`: number `{shown}` {}",
            problem.describe()
        ),
    }
}

/// Checks a number's text, keeping it as written when valid.
pub(super) fn checked_number(
    path: &str,
    text: String,
    problems: &mut Vec<String>,
) -> Option<String> {
    match Number::parse(&text) {
        Ok(_) => Some(text),
        Err(problem) => {
            problems.push(number_message(path, &text, problem));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_dynamodb_precision_and_range() {
        let valid = [
            "0",
            "-0",
            "0.000",
            "1e-130",
            "-1E-130",
            "9.9999999999999999999999999999999999999e125",
            "12345678901234567890123456789012345678",
            "1000000000000000000000000000000000000000000000000000",
            ".5",
            "5.",
            "+1",
            "0.0000000000000000000000000000000000000000001",
        ];
        for text in valid {
            assert!(Number::parse(text).is_ok(), "{text} should be valid");
        }
        let invalid = [
            ("", NumberProblem::Syntax),
            ("-", NumberProblem::Syntax),
            (".", NumberProblem::Syntax),
            ("1e", NumberProblem::Syntax),
            (" 1", NumberProblem::Syntax),
            ("0x10", NumberProblem::Syntax),
            ("NaN", NumberProblem::Syntax),
            ("Infinity", NumberProblem::Syntax),
            ("1e126", NumberProblem::Range),
            ("-1e126", NumberProblem::Range),
            ("1e-131", NumberProblem::Range),
            ("1e99999999999999999999", NumberProblem::Range),
            (
                "123456789012345678901234567890123456789",
                NumberProblem::Digits(39),
            ),
        ];
        for (text, problem) in invalid {
            assert_eq!(Number::parse(text), Err(problem), "{text}");
        }
        let canonical = |text: &str| Number::scan(text).map(|n| n.canonical());
        assert_eq!(canonical("1"), canonical("1.000"));
        assert_eq!(canonical("1"), canonical("0.1e1"));
        assert_eq!(canonical("-0"), canonical("0.0"));
        assert_ne!(canonical("1"), canonical("-1"));
        assert_ne!(canonical("1"), canonical("10"));
    }

    #[test]
    fn a_number_is_written_out_without_its_exponent() {
        let decimal = |text: &str| Number::scan(text).map(|n| n.decimal());
        for (text, want) in [
            ("1e2", "100"),
            ("2e0", "2"),
            ("1.", "1"),
            ("12.5", "12.5"),
            ("-1.5e-3", "-0.0015"),
            ("0.0e5", "0"),
            ("123.45e1", "1234.5"),
            ("1e200", "1e200"),
        ] {
            assert_eq!(decimal(text).as_deref(), Some(want), "{text}");
        }
    }
}
