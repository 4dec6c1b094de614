//! A minimal port of the behaviour of Go's `text/tabwriter` with the
//! settings pprof's tags report uses: minimum width 0, padding 1, space
//! padding, right-aligned cells.

/// Aligns tab-terminated cells of `text` into columns.
pub(crate) fn align_right(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    format(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn format(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        let cells = lines.get(this).map_or(0, Vec::len);
        if column + 1 >= cells {
            this += 1;
            continue;
        }
        // A column block starts here.
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut w = 0;
        while this < line1 {
            let Some(line) = lines.get(this) else { break };
            if column + 1 >= line.len() {
                break;
            }
            let cw = line.get(column).map_or(0, |c| width(c)) + 1;
            if cw > w {
                w = cw;
            }
            this += 1;
        }
        widths.push(w);
        format(lines, line0, this, widths, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for i in from..to {
        let Some(line) = lines.get(i) else { continue };
        for (j, cell) in line.iter().enumerate() {
            if let Some(&w) = widths.get(j) {
                let pad = w.saturating_sub(width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(cell);
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::align_right;

    #[test]
    fn aligns_like_go() {
        let s = align_right("key:\t Total 3\n \t1 (x):\t a\n \t22 (y):\t b\n\n");
        assert_eq!(s, " key: Total 3\n       1 (x): a\n      22 (y): b\n\n");
    }
}
