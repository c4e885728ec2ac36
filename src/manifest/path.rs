//! A field's place in a manifest, `table[1].global_index[0].sort_key`: the
//! name every problem is shown under, and the key by which a reader finds
//! where the field is written. The table rules name fields by path and
//! never by position, so any reader can take them.

use std::fmt;

/// A path of keys and array indexes from the manifest's top.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Step>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Index(usize),
}

impl FieldPath {
    /// The field `key` inside this one.
    pub fn key(&self, key: &str) -> FieldPath {
        self.with(Step::Key(key.to_string()))
    }

    /// The item at `index` of this array.
    pub fn index(&self, index: usize) -> FieldPath {
        self.with(Step::Index(index))
    }

    /// The entry that holds this field; the top for the top.
    pub fn parent(&self) -> FieldPath {
        FieldPath(self.0[..self.0.len().saturating_sub(1)].to_vec())
    }

    fn with(&self, step: Step) -> FieldPath {
        let mut steps = self.0.clone();
        steps.push(step);
        FieldPath(steps)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_written_in_the_manifest() {
        let index = FieldPath::default()
            .key("table")
            .index(1)
            .key("global_index")
            .index(0);
        assert_eq!(
            index.key("sort_key").to_string(),
            "table[1].global_index[0].sort_key"
        );
        assert_eq!(index.key("sort_key").parent(), index);
        assert_eq!(FieldPath::default().to_string(), "");
        assert_eq!(FieldPath::default().parent(), FieldPath::default());
    }
}
