//! Converting the JSON values of seed files to items, by the format the
//! seed's entry gives: plain JSON with its `sets` and `binary`, or DynamoDB
//! JSON, where a line of a DynamoDB export is read as the item it wraps;
//! the items of an export folder come as DynamoDB JSON from its reader.

use serde_json::{Map, Value};

use crate::item::{Decoded, dynamodb_json, export, plain};
use crate::manifest::{SeedFormat, SeedSpec};

/// Converts one item; problems go to `problems`, and the attributes that
/// have them are left out of the item.
pub(super) fn convert_object(
    spec: &SeedSpec,
    object: Map<String, Value>,
    problems: &mut Vec<String>,
) -> Decoded {
    match spec.format {
        SeedFormat::Json => {
            let options = plain::Options {
                sets: &spec.sets,
                binary: &spec.binary,
            };
            plain::decode_item(object, &options, problems)
        }
        SeedFormat::DynamodbJson => dynamodb_json::decode_item(export::unwrap(object), problems),
        // The export's reader hands over the item itself, never a line.
        SeedFormat::DynamodbExport => dynamodb_json::decode_item(object, problems),
        // The CSV reader gives each row as the DynamoDB JSON item it makes.
        SeedFormat::Csv => dynamodb_json::decode_item(object, problems),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;

    use crate::manifest::SeedFormat;
    use crate::seed::testing::*;

    #[test]
    fn each_format_reads_items_at_their_lines() -> TestResult {
        let folder = Folder::new()?;
        let typed = folder.typed(
            "t.json",
            r#"[
{"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "-1.50"}},


{"Item": {"pk": {"S": "c"}, "sk": {"S": "d"}}}
]"#,
        )?;
        let read = items(&typed)?;
        assert_eq!(lines(&read), [2, 5]);
        let expected = item(&[("pk", s("a")), ("sk", s("b")), ("n", n("-1.50"))]);
        assert_eq!(read.first().map(|i| &i.item), Some(&expected));
        // A line of a DynamoDB export is read as the item it wraps.
        let exported = item(&[("pk", s("c")), ("sk", s("d"))]);
        assert_eq!(read.get(1).map(|i| &i.item), Some(&exported));
        assert!(problems(&table(vec![typed])).is_empty());

        let plain = folder.spec(
            "p.jsonl",
            "\n{\"pk\": \"a\", \"sk\": \"b\", \"tags\": [\"x\"], \"thumb\": \"aGk=\", \"n\": 1.50}\n",
            SeedFormat::Json,
            &["tags"],
            &["thumb"],
        )?;
        let read = items(&plain)?;
        assert_eq!(lines(&read), [2]);
        let expected = item(&[
            ("pk", s("a")),
            ("sk", s("b")),
            ("tags", AttributeValue::Ss(vec!["x".into()])),
            ("thumb", AttributeValue::B(Blob::new(b"hi".to_vec()))),
            ("n", n("1.50")),
        ]);
        assert_eq!(read.first().map(|i| &i.item), Some(&expected));
        assert!(problems(&table(vec![plain])).is_empty());
        Ok(())
    }

    #[test]
    fn conversion_problems_are_reported_at_their_line() -> TestResult {
        let folder = Folder::new()?;
        let plain = folder.spec(
            "p.jsonl",
            &[
                r#"{"pk": "a", "sk": "1", "tags": []}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "2"}}"#,
            ]
            .join("\n"),
            SeedFormat::Json,
            &["tags"],
            &[],
        )?;
        let typed = folder.typed("t.jsonl", r#"{"pk": "a", "sk": {"S": "1"}}"#)?;
        assert_eq!(
            problems(&table(vec![plain, typed])),
            [
                "seed/p.jsonl:1: attribute `tags` is an empty set; DynamoDB does not store empty sets",
                "seed/p.jsonl:2: partition key `pk` must be S (string), found M (map); the file looks like DynamoDB JSON: give its seed entry `format = \"dynamodb-json\"`",
                "seed/p.jsonl:2: sort key `sk` must be S (string), found M (map); the file looks like DynamoDB JSON: give its seed entry `format = \"dynamodb-json\"`",
                "seed/t.jsonl:1: attribute `pk` must be a typed value like {\"S\": \"text\"}, found a string",
            ]
        );
        Ok(())
    }
}
