//! Text in aligned columns, for the lists `status`, `ls` and `tables`
//! print: one renderer, so every list lines up the same way.

/// How a column's header and cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// One column: its header, how it aligns, and the least width it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column<'a> {
    header: &'a str,
    align: Align,
    min_width: usize,
}

impl<'a> Column<'a> {
    /// A column whose cells start at its left edge.
    pub fn left(header: &'a str) -> Column<'a> {
        Column {
            header,
            align: Align::Left,
            min_width: 0,
        }
    }

    /// A column whose cells end at its right edge, as numbers do.
    pub fn right(header: &'a str) -> Column<'a> {
        Column {
            align: Align::Right,
            ..Column::left(header)
        }
    }

    /// At least `width` characters wide, so that it keeps its width while
    /// its values change.
    pub fn at_least(self, width: usize) -> Column<'a> {
        Column {
            min_width: width,
            ..self
        }
    }
}

/// The header line, then one line per row (one cell per column), each
/// ending in a newline: the columns two spaces apart, each as wide as its
/// widest cell in characters. The last column is not padded when it aligns
/// left, so no line ends in spaces.
pub fn columns(columns: &[Column], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            rows.iter()
                .filter_map(|row| row.get(index))
                .map(|cell| cell.chars().count())
                .chain([column.header.chars().count(), column.min_width])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let last = columns.len().saturating_sub(1);
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (index, ((column, width), cell)) in columns.iter().zip(&widths).zip(cells).enumerate() {
            if index > 0 {
                out.push_str("  ");
            }
            match column.align {
                Align::Left if index == last => out.push_str(cell),
                Align::Left => out.push_str(&format!("{cell:<width$}")),
                Align::Right => out.push_str(&format!("{cell:>width$}")),
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(columns.iter().map(|column| column.header).collect());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|row| row.iter().map(|cell| cell.to_string()).collect())
            .collect()
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_and_the_last_is_not_padded() {
        let text = columns(
            &[
                Column::left("NAME"),
                Column::left("STATE"),
                Column::left("URL"),
            ],
            &rows(&[&["a", "running", "http://x"], &["longer-name", "-", "-"]]),
        );
        assert_eq!(
            text,
            "NAME         STATE    URL\n\
             a            running  http://x\n\
             longer-name  -        -\n"
        );
    }

    #[test]
    fn right_aligned_columns_pad_on_the_left_and_keep_their_least_width() {
        let text = columns(
            &[
                Column::left("TABLE"),
                Column::right("ITEMS"),
                Column::right("SIZE").at_least(9),
                Column::left("OWNER"),
            ],
            &rows(&[
                &["t", "180", "67.5 KiB", "me"],
                &["other", "-", "-", "them"],
            ]),
        );
        assert_eq!(
            text,
            "TABLE  ITEMS       SIZE  OWNER\n\
             t        180   67.5 KiB  me\n\
             other      -          -  them\n"
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let text = columns(
            &[Column::left("K"), Column::left("V")],
            &rows(&[&["é", "1"], &["ab", "2"]]),
        );
        assert_eq!(text, "K   V\né   1\nab  2\n");
    }

    #[test]
    fn no_rows_is_the_header_alone() {
        assert_eq!(
            columns(
                &[Column::left("A"), Column::right("N"), Column::left("B")],
                &[]
            ),
            "A  N  B\n"
        );
    }
}
