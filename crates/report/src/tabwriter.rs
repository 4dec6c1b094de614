//! Go's `text/tabwriter` as pprof's tags report sets it up: minimum width
//! 0, padding 1, space padding, right-aligned cells, no other flag.
//!
//! It works on the report's text, where a byte that is not valid UTF-8 is
//! held as one private-use character ([`pprof_model::strings`]), and
//! follows Go's writer in what a label's text can bring: `\t` and `\v` end
//! a cell, `\n` and `\f` end a line (`\f` also flushes, so that the
//! columns after it are aligned anew), and the byte 0xff, tabwriter's
//! escape, starts a segment that runs to the next 0xff (or the end),
//! whose tabs and newlines are text and whose two escape bytes take no
//! width. A cell's width is its count of Go runes: one per character, one
//! per invalid byte.

use pprof_model::strings::{held_byte, to_bytes};

/// Aligns tab-terminated cells of `text` into columns.
pub(crate) fn align_right(text: &str) -> String {
    let mut w = Writer::new(text.len());
    w.write(text);
    w.flush();
    w.out
}

/// A cell: its text, and its width (Go's runes, escape bytes left out).
#[derive(Default)]
struct Cell {
    text: String,
    width: i64,
}

struct Writer {
    /// The lines since the last flush, each a list of terminated cells.
    lines: Vec<Vec<Cell>>,
    /// The cell being filled, and the bytes of its text counted in its
    /// width so far.
    cell: Cell,
    counted: usize,
    /// Inside an escaped segment.
    escaped: bool,
    /// The widths of the columns being formatted.
    widths: Vec<i64>,
    out: String,
}

/// The character holding tabwriter's escape byte, 0xff.
fn is_escape(c: char) -> bool {
    held_byte(c) == Some(0xff)
}

/// Go's `utf8.RuneCount` of the bytes `text` holds.
fn go_runes(text: &str) -> i64 {
    let bytes = to_bytes(text);
    let n: usize = (bytes.utf8_chunks())
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum();
    n as i64
}

impl Writer {
    fn new(room: usize) -> Writer {
        Writer {
            lines: vec![Vec::new()],
            cell: Cell::default(),
            counted: 0,
            escaped: false,
            widths: Vec::new(),
            out: String::with_capacity(room * 2),
        }
    }

    fn update_width(&mut self) {
        let fresh = self.cell.text.get(self.counted..).unwrap_or("");
        self.cell.width += go_runes(fresh);
        self.counted = self.cell.text.len();
    }

    fn end_escape(&mut self) {
        self.update_width();
        // The escape bytes are printed but take no width.
        self.cell.width -= 2;
        self.escaped = false;
    }

    /// Ends the cell being filled; the number of cells of its line.
    fn terminate_cell(&mut self) -> usize {
        let cell = std::mem::take(&mut self.cell);
        self.counted = 0;
        match self.lines.last_mut() {
            Some(line) => {
                line.push(cell);
                line.len()
            }
            None => {
                self.lines.push(vec![cell]);
                1
            }
        }
    }

    fn write(&mut self, text: &str) {
        for c in text.chars() {
            if self.escaped {
                self.cell.text.push(c);
                if is_escape(c) {
                    self.end_escape();
                }
                continue;
            }
            match c {
                '\t' | '\u{b}' | '\n' | '\u{c}' => {
                    self.update_width();
                    let cells = self.terminate_cell();
                    if c == '\n' || c == '\u{c}' {
                        self.lines.push(Vec::new());
                        // A line of one cell takes no part in the columns
                        // after it; a form feed always flushes.
                        if c == '\u{c}' || cells == 1 {
                            self.flush_lines();
                        }
                    }
                }
                c if is_escape(c) => {
                    self.update_width();
                    self.cell.text.push(c);
                    self.escaped = true;
                }
                c => self.cell.text.push(c),
            }
        }
    }

    /// Go's `Flush`: the cell being filled ends (an open escaped segment
    /// with it), and every line is written.
    fn flush(&mut self) {
        if !self.cell.text.is_empty() {
            if self.escaped {
                self.end_escape();
            }
            self.terminate_cell();
        }
        self.flush_lines();
    }

    fn flush_lines(&mut self) {
        let n = self.lines.len();
        self.format(0, n);
        self.lines.clear();
        self.lines.push(Vec::new());
        self.widths.clear();
    }

    /// Writes lines `line0..line1`, the columns left of `self.widths.len()`
    /// having their widths (Go's `format`).
    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            let cells = self.lines.get(this).map_or(0, Vec::len);
            if column + 1 >= cells {
                // (The last cell of a line, before its newline, is in no
                // column.)
                this += 1;
                continue;
            }
            // A block of lines with a cell in this column starts here.
            self.write_lines(line0, this);
            line0 = this;
            let mut width = 0;
            while this < line1 {
                let Some(line) = self.lines.get(this) else {
                    break;
                };
                if column + 1 >= line.len() {
                    break;
                }
                let w = line.get(column).map_or(0, |c| c.width) + 1;
                width = width.max(w);
                this += 1;
            }
            self.widths.push(width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }

    fn write_lines(&mut self, from: usize, to: usize) {
        let last = self.lines.len();
        for i in from..to {
            let Some(line) = self.lines.get(i) else {
                continue;
            };
            for (j, cell) in line.iter().enumerate() {
                if let Some(&w) = self.widths.get(j) {
                    let pad = usize::try_from(w - cell.width).unwrap_or(0);
                    self.out.extend(std::iter::repeat_n(' ', pad));
                }
                self.out.push_str(&cell.text);
            }
            if i + 1 < last {
                self.out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::align_right;
    use pprof_model::strings::from_bytes;

    #[test]
    fn aligns_like_go() {
        let s = align_right("key:\t Total 3\n \t1 (x):\t a\n \t22 (y):\t b\n\n");
        assert_eq!(s, " key: Total 3\n       1 (x): a\n      22 (y): b\n\n");
    }

    /// Outputs of Go's `text/tabwriter` (NewWriter(w, 0, 0, 1, ' ',
    /// AlignRight)) on the same input, made with Go 1.27.3.
    #[test]
    fn control_characters_and_the_escape_byte_as_go() {
        // A vertical tab ends a cell as a tab does.
        assert_eq!(align_right("a\u{b}b\tc\nxx\tyy\tz\n"), "  a  bc\n xx yyz\n");
        // A form feed ends the line and flushes: the columns after it are
        // aligned anew.
        assert_eq!(align_right("a\tb\n\u{c}xxx\tc\n"), " ab\n\n xxxc\n");
        // Byte 0xff starts an escaped segment: its tab is text, and its two
        // escape bytes take no width; unterminated, it runs to the end,
        // newlines and tabs included.
        let esc = from_bytes(b"k\xffa\tb\xff\tv\nxyz\tw\n").into_owned();
        let want = from_bytes(b" k\xffa\tb\xffv\n  xyzw\n").into_owned();
        assert_eq!(align_right(&esc), want);
        let open = from_bytes(b"k:\t T\n \t5:\t \xff\xfe\n\nb:\t T\n").into_owned();
        let want = from_bytes(b" k: T\n    5: \xff\xfe\n\nb:\t T\n").into_owned();
        assert_eq!(align_right(&open), want);
    }
}
