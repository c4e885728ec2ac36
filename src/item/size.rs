//! What an item weighs: DynamoDB's documented sizes, which its 400 KB
//! limit is measured in.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;
use super::number::Number;

/// The size DynamoDB charges for an item, by its documented rules: the
/// UTF-8 length of every attribute name plus its value's size. Strings count
/// their UTF-8 bytes, binary its raw bytes, a number 1 byte per two
/// significant digits plus 1, a boolean or null 1; a list or map 3 bytes plus
/// each element's size (with its name, in a map) plus 1 byte per element; a
/// set the sum of its elements.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(name, v)| name.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        _ => 0,
    }
}

fn number_size(text: &str) -> usize {
    match Number::scan(text) {
        Some(number) => number.size(),
        None => 1 + text.bytes().filter(u8::is_ascii_digit).count().div_ceil(2),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::primitives::Blob;

    use super::*;
    use crate::item::testing::{item, n, s};

    #[test]
    fn item_size_follows_dynamodb_rules() {
        let size = |attributes: &[(&str, AttributeValue)]| item_size(&item(attributes));
        // A string: name + UTF-8 bytes.
        assert_eq!(size(&[("name", s("abc"))]), 7);
        assert_eq!(size(&[("é", s("ü"))]), 4);
        // A number: name + 1 byte per two significant digits + 1.
        assert_eq!(size(&[("age", n("123"))]), 3 + 2 + 1);
        assert_eq!(size(&[("n", n("-12.500"))]), 1 + 2 + 1);
        assert_eq!(size(&[("n", n("1000000"))]), 1 + 1 + 1);
        assert_eq!(size(&[("n", n("0"))]), 1 + 1);
        // Binary counts raw bytes; booleans and null 1 byte.
        assert_eq!(
            size(&[("b", AttributeValue::B(Blob::new(vec![1, 2, 3])))]),
            4
        );
        assert_eq!(size(&[("ok", AttributeValue::Bool(true))]), 3);
        assert_eq!(size(&[("z", AttributeValue::Null(true))]), 2);
        // Lists and maps: 3 bytes, plus each element and 1 byte per element.
        assert_eq!(size(&[("m", AttributeValue::M(HashMap::new()))]), 1 + 3);
        assert_eq!(size(&[("l", AttributeValue::L(Vec::new()))]), 1 + 3);
        assert_eq!(
            size(&[("m", AttributeValue::M(item(&[("a", s("x"))])))]),
            1 + 3 + (1 + 1 + 1)
        );
        assert_eq!(
            size(&[("l", AttributeValue::L(vec![s("ab"), n("1")]))]),
            1 + 3 + (2 + 1) + (2 + 1)
        );
        let nested = AttributeValue::M(item(&[("in", AttributeValue::L(vec![s("x")]))]));
        assert_eq!(size(&[("m", nested)]), 1 + 3 + (2 + (3 + 1 + 1) + 1));
        // Sets: the sum of their elements.
        let set = AttributeValue::Ss(vec!["a".into(), "bc".into()]);
        assert_eq!(size(&[("ss", set)]), 2 + 3);
        let set = AttributeValue::Ns(vec!["1".into(), "1234".into()]);
        assert_eq!(size(&[("ns", set)]), 2 + 2 + 3);
        // Attributes add up.
        assert_eq!(size(&[("pk", s("a")), ("sk", s("bb"))]), 3 + 4);
    }
}
