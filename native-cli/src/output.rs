//! Everything the CLI prints goes through here: stdout for results,
//! stderr for notes. A failure to write stdout is returned, not handled
//! here: the command's audit line is still written, and `main` decides the
//! exit code in one place (a closed pipe, `agent secret list | head -1`,
//! is a success; a full disk is an error, so a partial export never looks
//! complete). Notes to stderr are best effort: a closed stderr does not
//! stop a command.

use std::io::{IsTerminal, Write};

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

/// The progress of a re-encryption (`rotate`, `recipients remove`,
/// `resolve`), counted in `unit`: on a
/// terminal's stderr, a line that rewrites itself every 16 services and
/// ends at the last; nothing when stderr is not a terminal.
pub fn reencryption_progress(unit: &'static str) -> impl FnMut(usize, usize) {
    let on_terminal = std::io::stderr().is_terminal();
    move |done, total| {
        if on_terminal {
            if let Some(text) = reencryption_line(done, total, unit) {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "{text}");
            }
        }
    }
}

/// What [`reencryption_progress`] writes after `done` of `total` services.
fn reencryption_line(done: usize, total: usize, unit: &str) -> Option<String> {
    let last = done == total;
    (last || done % 16 == 0).then(|| {
        format!(
            "\rRe-encrypting: {done}/{total} {unit}{}",
            if last { "\n" } else { "" }
        )
    })
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

    #[test]
    fn reencryption_progress_rewrites_every_16_services_and_ends_at_the_last() {
        let lines: Vec<(usize, String)> = (1..=40)
            .filter_map(|done| super::reencryption_line(done, 40, "services").map(|l| (done, l)))
            .collect();
        assert_eq!(
            lines,
            [
                (16, "\rRe-encrypting: 16/40 services".to_owned()),
                (32, "\rRe-encrypting: 32/40 services".to_owned()),
                (40, "\rRe-encrypting: 40/40 services\n".to_owned()),
            ]
        );
        assert_eq!(
            super::reencryption_line(0, 0, "values").as_deref(),
            Some("\rRe-encrypting: 0/0 values\n")
        );
    }
}
