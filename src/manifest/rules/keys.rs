//! The rules of key attributes: a name of 1 to 255 bytes, a type of S, N
//! or B, and one type for each attribute across a table's keys and
//! indexes.

use std::collections::HashMap;

use super::{Found, KeyDraft, Problem, Rules};
use crate::manifest::path::FieldPath;
use crate::manifest::{KeyAttribute, KeyType};

/// What a table's keys and indexes declared so far, for the rules that look
/// across them.
#[derive(Default)]
pub(super) struct Declared {
    /// Attribute name → its type and the key that first declared it.
    attributes: HashMap<String, (KeyType, FieldPath)>,
    /// Index name → where it was first declared.
    pub(super) index_names: HashMap<String, FieldPath>,
}

impl Declared {
    /// Where `attribute` was first declared as a key attribute.
    pub(super) fn key_attribute(&self, attribute: &str) -> Option<&FieldPath> {
        self.attributes.get(attribute).map(|(_, first)| first)
    }
}

impl Rules<'_> {
    /// Checks a key's attribute name and type, and records the type for the
    /// one-type-per-attribute rule.
    pub(super) fn key(
        &mut self,
        key: &Found<KeyDraft>,
        path: &FieldPath,
        declared: &mut Declared,
    ) -> Option<KeyAttribute> {
        // The reader has said what is wrong with an unreadable key.
        let Found::Read(KeyDraft { attribute, ty }) = key else {
            return None;
        };
        let named = (1..=255).contains(&attribute.len());
        if !named {
            self.push(Problem::value(
                path,
                "key attribute names are 1 to 255 bytes long",
            ));
        }
        let Some(ty) = KeyType::from_name(ty) else {
            self.push(
                Problem::value(path, format!("key type `{ty}` is not S, N or B"))
                    .help("key attributes are strings (S), numbers (N) or binary (B)"),
            );
            return None;
        };
        if !named {
            return None;
        }
        match declared.attributes.get(attribute) {
            Some((first_ty, first)) if *first_ty != ty => {
                let line = self.lines.line(first);
                self.push(
                    Problem::value(
                        path,
                        format!(
                            "attribute `{attribute}` is declared as {ty} here but as {first_ty} in `{first}` (line {line})"
                        ),
                    )
                    .help("an attribute has one type across a table's keys and indexes"),
                );
                return None;
            }
            Some(_) => {}
            None => {
                declared
                    .attributes
                    .insert(attribute.clone(), (ty, path.clone()));
            }
        }
        Some(KeyAttribute {
            name: attribute.clone(),
            ty,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Found;
    use super::super::testing::{check, global, key, local, problems, problems_of, shown, table};

    #[test]
    fn key_attributes_are_1_to_255_bytes_of_type_s_n_or_b() {
        let mut draft = table(0, "orders");
        draft.partition_key = key(":S");
        draft.sort_key = key(&format!("{}:X", "a".repeat(256)));
        assert_eq!(
            problems(&draft),
            [
                "table[0].partition_key (value): key attribute names are 1 to 255 bytes long",
                "table[0].sort_key (value): key attribute names are 1 to 255 bytes long",
                "table[0].sort_key (value): key type `X` is not S, N or B = help: key attributes are strings (S), numbers (N) or binary (B)",
            ]
        );
        let mut draft = table(0, "orders");
        draft.sort_key = key(&format!("{}:B", "a".repeat(255)));
        global(&mut draft, "by-n", "n:N");
        assert_eq!(problems(&draft), Vec::<String>::new());
    }

    #[test]
    fn an_unreadable_key_is_not_missing_and_the_reader_has_said_the_rest() {
        let mut draft = table(0, "orders");
        draft.partition_key = Some(Found::Unreadable);
        global(&mut draft, "by-status", "status:S").partition_key = Some(Found::Unreadable);
        let checked = check(&draft);
        assert_eq!(shown(&checked.problems), Vec::<String>::new());
        assert_eq!(checked.tables, [None]);
    }

    #[test]
    fn an_attribute_has_one_type_across_the_keys_and_indexes_of_its_table() {
        let mut draft = table(0, "orders");
        draft.sort_key = key("updated_at:S");
        global(&mut draft, "by-update", "pk:S").sort_key = key("updated_at:N");
        local(&mut draft, "by-update-too", "updated_at:S");
        let mut other = table(1, "users");
        other.sort_key = key("updated_at:N");
        assert_eq!(
            problems_of(&[draft, other], &[("table[0].sort_key", 9)]),
            [
                "table[0].global_index[0].sort_key (value): attribute `updated_at` is declared as N here but as S in `table[0].sort_key` (line 9) = help: an attribute has one type across a table's keys and indexes"
            ]
        );
    }
}
