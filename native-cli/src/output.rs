//! Everything the CLI prints goes through here: stdout for results,
//! stderr for notes. A failure to write stdout is returned, not handled
//! here: the command's audit line is still written, and `main` decides the
//! exit code in one place (a closed pipe, `agent secret list | head -1`,
//! is a success; a full disk is an error, so a partial export never looks
//! complete). Notes to stderr are best effort: a closed stderr does not
//! stop a command.

use std::io::Write;

use serde::Serialize;

/// Writes `text` and a newline to stdout, flushed.
pub fn line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// Writes `value` as pretty JSON to stdout.
pub fn json<T: Serialize>(value: &T) -> std::io::Result<()> {
    line(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// A note for the person at the terminal (stderr).
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// A progress line on stderr that rewrites itself; `last` ends it.
pub fn progress(text: &str, last: bool) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r{text}{}", if last { "\n" } else { "" });
}

/// Left-aligned columns, two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(cell);
            s.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![render(&mut header.iter().copied())];
    for row in rows {
        out.push(render(&mut row.iter().map(String::as_str)));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_aligns_columns() {
        let t = super::table(
            &["A", "BB"],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["q".into(), "22".into()],
            ],
        );
        assert_eq!(t, "A    BB\nxyz  1\nq    22");
    }
}
