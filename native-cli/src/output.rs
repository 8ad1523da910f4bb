//! Everything the CLI prints goes through here: stdout for results,
//! stderr for notes. A closed pipe on stdout ends the program quietly
//! with success (`agent secret list | head -1`); any other failure to write
//! stdout (a full disk) ends it with exit code 1.

use std::io::{ErrorKind, Write};

use serde::Serialize;

/// Writes `text` and a newline to stdout.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // A full disk or a closed file must not look like a complete export.
        note(&format!("error: cannot write to standard output ({e})."));
        std::process::exit(i32::from(crate::error::exit::ERROR));
    }
}

/// Writes `value` as pretty JSON to stdout.
pub fn json<T: Serialize>(value: &T) {
    line(&serde_json::to_string_pretty(value).unwrap_or_default());
}

/// A note for the person at the terminal (stderr).
#[allow(clippy::print_stderr)]
pub fn note(text: &str) {
    eprintln!("{text}");
}

/// A progress line on stderr that rewrites itself; `last` ends it.
#[allow(clippy::print_stderr)]
pub fn progress(text: &str, last: bool) {
    eprint!("\r{text}{}", if last { "\n" } else { "" });
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
