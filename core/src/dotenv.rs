//! `.env` files: a parser for what dotenv users write, and writers for the
//! `dotenv` and `shell` export formats. Pure: bytes in, values out.
//!
//! # What the parser reads
//!
//! One `NAME=value` a line. Blank lines and lines whose first non-blank
//! character is `#` are skipped. Around that:
//!
//! - an optional `export ` prefix; spaces and tabs around `=`; `NAME: value`
//!   (a colon and a blank) as the npm `dotenv` package also accepts;
//! - names of `A-Z a-z 0-9 _ . -` (the npm package's `[\w.-]+`);
//! - unquoted values end at the first `#` and are trimmed;
//! - `'single'` and `` `back` `` quotes are literal: the first matching quote
//!   closes the value, which may span lines;
//! - `"double"` quotes may span lines and understand `\n`, `\r`, `\t`,
//!   `\"` and `\\`; any other backslash stays as it is;
//! - after a closing quote only blanks and a `# comment` may follow;
//! - CRLF and lone CR line ends count as LF, also inside quoted values; a
//!   UTF-8 byte-order mark at the start is skipped;
//! - a name given twice: the last value wins, and the duplicate is reported.
//!
//! There is no variable expansion: `$HOME` is five characters.
//!
//! Everything else is an error reported by line number and a fixed reason,
//! never by content: a line without `=`, a name with other characters, an
//! unclosed quote, text after a closing quote, a NUL byte, invalid UTF-8,
//! a line or value longer than [`MAX_LINE_BYTES`]. [`parse`] returns every
//! error of the file, so nothing is half-imported.
//!
//! # What the writer writes
//!
//! [`write`](fn@write) writes a file that three readers read the same way,
//! byte for byte: [`parse`], the npm `dotenv` package's `parse()`, and a
//! POSIX shell that sources it (`set -a; . ./.env` in `sh`, `dash`,
//! `bash`), which must run nothing and expand nothing. Each line is
//! `NAME=` and the value in one of two forms:
//!
//! 1. no `'` and no CR in the value: `'value'`;
//! 2. a `'`, but no CR, `"`, `\`, `$` or `` ` ``: `"value"`.
//!
//! A line feed is written as it is, inside the quotes (all three readers
//! keep it). Nothing is escaped: a shell reads `\n` inside double quotes
//! as two characters where the `.env` readers read a line feed, so no
//! escape means the same thing to all three.
//!
//! Every other value is refused ([`WriteError::NotSourceable`]): one with a
//! CR (both `.env` readers turn a CR inside quotes into a line feed, and
//! only an escape could keep it), and one with a `'` together with `"`,
//! `\`, `$` or `` ` `` (single quotes cannot hold the `'`; in double quotes
//! the shell would expand `$` and `` ` `` and unescape `\`). Backticks are
//! never used: a shell runs what they hold. [`write_shell`] writes every
//! value (`'…'` with `'\''` for a quote).
//!
//! Names must be shell names (`[A-Za-z_][A-Za-z0-9_]*`): a line such as
//! `my.key='value'` is a command, not an assignment, to a shell that
//! sources the file. A value containing NUL cannot be written in either
//! format (environment variables cannot hold one either).

use zeroize::Zeroizing;

use crate::SecretString;

/// Longest physical line, and longest value, accepted: 1 MiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One variable of a parsed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The variable name.
    pub name: String,
    /// Its value (the last one, if the name was given more than once).
    pub value: SecretString,
    /// The line the (last) assignment starts on, from 1.
    pub line: usize,
}

/// A name assigned more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The variable name.
    pub name: String,
    /// Every line that assigns it, in order; the last one won.
    pub lines: Vec<usize>,
}

/// A parsed `.env` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Variables in order of first appearance.
    pub entries: Vec<Entry>,
    /// Names assigned more than once.
    pub duplicates: Vec<Duplicate>,
}

/// A line that could not be read. The reason is fixed text: it never
/// quotes the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineError {
    /// From 1.
    pub line: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl core::fmt::Display for LineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Why a set of variables cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The name is not a `.env` name (or, for shell, not a shell name).
    #[error("'{name}' is not a valid variable name for this format")]
    InvalidName {
        /// The variable name (a name, never a value).
        name: String,
    },
    /// The value contains a NUL character.
    #[error("the value of '{name}' contains a NUL character, which this format cannot carry")]
    Nul {
        /// The variable name.
        name: String,
    },
    /// The value has no `.env` form that a shell sourcing the file also
    /// reads unchanged (see the module documentation).
    #[error(
        "the value of '{name}' {reason}, which a .env file cannot hold in a form that is also safe to source from a shell"
    )]
    NotSourceable {
        /// The variable name.
        name: String,
        /// What in the value is in the way (fixed text, never the value).
        reason: &'static str,
    },
}

/// [`WriteError::NotSourceable`] reasons.
const HAS_CR: &str = "contains a carriage return";
const QUOTE_AND_SPECIAL: &str = "contains a ' together with \", \\, $ or `";

const NOT_UTF8: &str = "not valid UTF-8 text (binary data?)";
const HAS_NUL: &str = "contains a NUL byte (binary data?)";
const TOO_LONG: &str = "longer than the 1 MiB limit";
const NO_EQUALS: &str = "expected NAME=value";
const BAD_NAME: &str =
    "the name has a character other than A-Z, a-z, 0-9, '_', '.' and '-', or no '=' follows it";
const UNCLOSED: &str = "a quoted value starts here and is never closed";
const AFTER_QUOTE: &str = "unexpected text after the closing quote";
const VALUE_TOO_LONG: &str = "the value is longer than the 1 MiB limit";

/// Whether `name` can be assigned in a POSIX shell: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_shell_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Checks the raw bytes line by line (UTF-8, NUL, length) and returns the
/// text with CRLF and CR turned into LF.
fn normalize(bytes: &[u8]) -> Result<Zeroizing<String>, Vec<LineError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut errors = Vec::new();
    let mut text = Zeroizing::new(String::with_capacity(bytes.len()));
    let mut rest = bytes;
    let mut line = 0;
    while !rest.is_empty() {
        line += 1;
        let end = rest
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')
            .unwrap_or(rest.len());
        let raw = &rest[..end];
        let step = match rest.get(end..end + 2) {
            Some(b"\r\n") => end + 2,
            _ => (end + 1).min(rest.len()),
        };
        rest = &rest[step..];
        if raw.len() > MAX_LINE_BYTES {
            errors.push(LineError {
                line,
                reason: TOO_LONG,
            });
        } else if raw.contains(&0) {
            errors.push(LineError {
                line,
                reason: HAS_NUL,
            });
        } else {
            match core::str::from_utf8(raw) {
                Ok(s) => text.push_str(s),
                Err(_) => errors.push(LineError {
                    line,
                    reason: NOT_UTF8,
                }),
            }
        }
        if step > end {
            text.push('\n');
        }
    }
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(errors)
    }
}

/// Parses a `.env` file (see the module documentation). On error, every
/// line that could not be read is returned, in order.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Vec<LineError>> {
    let text = normalize(bytes)?;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut parsed = Parsed::default();
    let mut errors = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let line_no = i + 1;
        match parse_entry(&lines, &mut i) {
            Ok(None) => {}
            Ok(Some((name, value))) => {
                if value.len() > MAX_LINE_BYTES {
                    errors.push(LineError {
                        line: line_no,
                        reason: VALUE_TOO_LONG,
                    });
                } else if let Some(&at) = index.get(&name) {
                    let entry = &mut parsed.entries[at];
                    match parsed.duplicates.iter_mut().find(|d| d.name == name) {
                        Some(d) => d.lines.push(line_no),
                        None => parsed.duplicates.push(Duplicate {
                            name: name.clone(),
                            lines: vec![entry.line, line_no],
                        }),
                    }
                    entry.value = value;
                    entry.line = line_no;
                } else {
                    index.insert(name.clone(), parsed.entries.len());
                    parsed.entries.push(Entry {
                        name,
                        value,
                        line: line_no,
                    });
                }
            }
            Err(reason) => errors.push(LineError {
                line: line_no,
                reason,
            }),
        }
        // parse_entry moves `i` past a multi-line value; always make progress.
        i = i.max(start) + 1;
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// Parses the entry starting at `lines[*i]`; leaves `*i` on its last line.
fn parse_entry(
    lines: &[&str],
    i: &mut usize,
) -> Result<Option<(String, SecretString)>, &'static str> {
    let line = lines[*i].trim_start_matches(is_blank);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let line = match line.strip_prefix("export") {
        Some(rest) if rest.starts_with(is_blank) => rest.trim_start_matches(is_blank),
        _ => line,
    };
    let name_len = line.bytes().take_while(|b| is_name_byte(*b)).count();
    if name_len == 0 {
        return Err(if line.contains('=') {
            BAD_NAME
        } else {
            NO_EQUALS
        });
    }
    let (name, rest) = line.split_at(name_len);
    let rest = rest.trim_start_matches(is_blank);
    let rest = if let Some(r) = rest.strip_prefix('=') {
        r
    } else if let Some(r) = rest
        .strip_prefix(':')
        .filter(|r| r.is_empty() || r.starts_with(is_blank))
    {
        r
    } else {
        return Err(if rest.contains('=') {
            BAD_NAME
        } else {
            NO_EQUALS
        });
    };
    let rest = rest.trim_start_matches(is_blank);
    let value = match rest.chars().next() {
        Some(q @ ('\'' | '"' | '`')) => quoted(lines, i, &rest[1..], q)?,
        _ => {
            let end = rest.find('#').unwrap_or(rest.len());
            SecretString::new(rest[..end].trim().to_owned())
        }
    };
    Ok(Some((name.to_owned(), value)))
}

/// Reads a quoted value that starts with `first` (after the opening
/// quote) on `lines[*i]` and may continue on the following lines.
fn quoted(
    lines: &[&str],
    i: &mut usize,
    first: &str,
    q: char,
) -> Result<SecretString, &'static str> {
    let mut out = Zeroizing::new(String::new());
    let mut current = first;
    loop {
        let mut chars = current.char_indices();
        while let Some((at, c)) = chars.next() {
            if c == q {
                let after = current[at + c.len_utf8()..].trim_start_matches(is_blank);
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(AFTER_QUOTE);
                }
                return Ok(SecretString::new(core::mem::take(&mut *out)));
            }
            if q == '"' && c == '\\' {
                match chars.next().map(|(_, e)| e) {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
                continue;
            }
            out.push(c);
        }
        if out.len() > MAX_LINE_BYTES {
            return Err(VALUE_TOO_LONG);
        }
        // The value continues on the next line.
        match lines.get(*i + 1) {
            // The last element of a text ending in "\n" is an empty
            // string, not a line.
            Some(next) if *i + 2 < lines.len() || !next.is_empty() => {
                out.push('\n');
                *i += 1;
                current = next;
            }
            _ => return Err(UNCLOSED),
        }
    }
}

/// The quote a value is written in (see the module documentation), or
/// why it has none.
fn dotenv_quote(value: &str) -> Result<char, &'static str> {
    if value.contains('\r') {
        Err(HAS_CR)
    } else if !value.contains('\'') {
        Ok('\'')
    } else if value.contains(['"', '\\', '$', '`']) {
        Err(QUOTE_AND_SPECIAL)
    } else {
        Ok('"')
    }
}

/// Whether [`write`](fn@write) can write `value`: it has a form that
/// [`parse`], the npm `dotenv` package and a shell sourcing the file all
/// read back unchanged. NUL aside, which no format carries.
pub fn is_sourceable(value: &str) -> bool {
    dotenv_quote(value).is_ok()
}

/// What both writers refuse: a name their format cannot carry, or NUL in
/// a value (no `.env` reader or shell keeps it).
fn check_entry(name: &str, value: &str) -> Result<(), WriteError> {
    if !is_shell_name(name) {
        return Err(WriteError::InvalidName {
            name: name.to_owned(),
        });
    }
    if value.contains('\0') {
        return Err(WriteError::Nul {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Writes `NAME='value'` lines that [`parse`], the npm `dotenv` package
/// and a shell sourcing the file all read back unchanged (see the module
/// documentation). Fails before returning anything if a name is not a
/// shell name, a value holds NUL, or a value has no such form.
pub fn write<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Zeroizing<String>, WriteError> {
    let mut out = Zeroizing::new(String::new());
    for (name, value) in entries {
        check_entry(name, value)?;
        let quote = dotenv_quote(value).map_err(|reason| WriteError::NotSourceable {
            name: name.to_owned(),
            reason,
        })?;
        reserve(&mut out, name.len() + value.len() + 4);
        out.push_str(name);
        out.push('=');
        out.push(quote);
        out.push_str(value);
        out.push(quote);
        out.push('\n');
    }
    Ok(out)
}

/// Writes `export NAME='value'` lines that a POSIX shell can `eval`: every
/// value single-quoted, a `'` inside written as `'\''`. Names must be shell
/// names.
pub fn write_shell<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Zeroizing<String>, WriteError> {
    let mut out = Zeroizing::new(String::new());
    for (name, value) in entries {
        check_entry(name, value)?;
        reserve(&mut out, name.len() + value.len() + 12);
        out.push_str("export ");
        out.push_str(name);
        out.push_str("='");
        out.push_str(&value.replace('\'', "'\\''"));
        out.push_str("'\n");
    }
    Ok(out)
}

/// Grows a zeroizing buffer without leaving a copy behind: a plain
/// `push_str` may reallocate and free the old buffer unwiped.
fn reserve(out: &mut Zeroizing<String>, more: usize) {
    if out.capacity() - out.len() < more {
        let mut bigger = Zeroizing::new(String::with_capacity((out.len() + more) * 2));
        bigger.push_str(out);
        *out = bigger;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        parse(text.as_bytes())
            .expect("parses")
            .entries
            .into_iter()
            .map(|e| (e.name, e.value.expose().to_owned()))
            .collect()
    }

    fn one(text: &str) -> String {
        let v = values(text);
        assert_eq!(v.len(), 1, "{text:?}");
        v[0].1.clone()
    }

    fn errors(text: &[u8]) -> Vec<(usize, &'static str)> {
        parse(text)
            .expect_err("must fail")
            .into_iter()
            .map(|e| (e.line, e.reason))
            .collect()
    }

    #[test]
    fn the_basics() {
        assert_eq!(one("A=b"), "b");
        assert_eq!(one("A = b  "), "b");
        assert_eq!(one("  export   A=b # comment"), "b");
        assert_eq!(one("A=b#c"), "b");
        assert_eq!(one("A="), "");
        assert_eq!(one("A= "), "");
        assert_eq!(one("A: b"), "b");
        assert_eq!(one("export=1"), "1");
        assert_eq!(one("a.b-c_D=1"), "1");
        assert_eq!(one("A=$HOME ${X}"), "$HOME ${X}");
        assert_eq!(
            values("# c\n\n\t\nA=1\r\nB=2\rC=3"),
            [("A", "1"), ("B", "2"), ("C", "3")].map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(one("\u{feff}A=b"), "b");
    }

    #[test]
    fn quotes() {
        assert_eq!(one("A='b # c'"), "b # c");
        assert_eq!(one("A=' b '  # x"), " b ");
        assert_eq!(one(r#"A="b\nc\"d\\e\tf\x""#), "b\nc\"d\\e\tf\\x");
        assert_eq!(one(r"A='b\nc'"), r"b\nc");
        assert_eq!(one("A=`it's \"x\"`"), "it's \"x\"");
        assert_eq!(one("A=\"line1\nline2\"\n"), "line1\nline2");
        assert_eq!(
            one("A='line1\r\n# not a comment\r\nB=2'"),
            "line1\n# not a comment\nB=2"
        );
        assert_eq!(one("A=\"\""), "");
        assert_eq!(one("A=b'c"), "b'c");
        assert_eq!(one(r#"A="c\rr""#), "c\rr");
        // A backslash that ends a line stays, and so does the line break.
        assert_eq!(one("A=\"ends\\\nnext\"\n"), "ends\\\nnext");
    }

    #[test]
    fn duplicates_last_wins() {
        let p = parse(b"A=1\nB=2\nA=3\nA=4\n").expect("parses");
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.entries[0].value.expose(), "4");
        assert_eq!(p.entries[0].line, 4);
        assert_eq!(
            p.duplicates,
            [Duplicate {
                name: "A".into(),
                lines: vec![1, 3, 4]
            }]
        );
    }

    #[test]
    fn bad_lines_are_reported_by_number() {
        assert_eq!(errors(b"A=1\nnonsense\nB=2"), [(2, NO_EQUALS)]);
        assert_eq!(errors(b"MY KEY=1"), [(1, BAD_NAME)]);
        assert_eq!(errors(b"A=\"open\nB=2\n"), [(1, UNCLOSED)]);
        assert_eq!(errors(b"A='x' y"), [(1, AFTER_QUOTE)]);
        assert_eq!(
            errors(b"A=1\nB=\xff\xfe\nC=\0"),
            [(2, NOT_UTF8), (3, HAS_NUL)]
        );
        let long = format!("A={}", "x".repeat(MAX_LINE_BYTES));
        assert_eq!(errors(long.as_bytes()), [(1, TOO_LONG)]);
        // No name before the '=', or no name at all.
        assert_eq!(
            errors(b"=1\n  = 2\n!\nexport"),
            [(1, BAD_NAME), (2, BAD_NAME), (3, NO_EQUALS), (4, NO_EQUALS)]
        );
        // A quoted value over the limit across lines, each under it: while
        // it continues, or at its closing quote.
        let x = "x".repeat(MAX_LINE_BYTES - 8);
        // (Reading goes on after the line where the value went over.)
        let continued = format!("A=\"{x}\n{x}\nstill open\nB=1\n");
        assert_eq!(
            errors(continued.as_bytes()),
            [(1, VALUE_TOO_LONG), (3, NO_EQUALS)]
        );
        let closed = format!("A=\"{x}\n{}\"\nB=1\n", "y".repeat(16));
        assert_eq!(errors(closed.as_bytes()), [(1, VALUE_TOO_LONG)]);
        let secret = "sk-CANARY-1234";
        for text in [format!("{secret}\n"), format!("A='{secret}' {secret}")] {
            for e in parse(text.as_bytes()).expect_err("fails") {
                assert!(!e.to_string().contains("CANARY"), "{e}");
            }
        }
    }

    #[test]
    fn writer_round_trips() {
        let cases = [
            "",
            "plain",
            " lead and trail ",
            "with # hash and $dollar ${X} $(cmd) `cmd`",
            "it's",
            "say \"hi\"",
            "back\\slash",
            "multi\nline",
            "multi\nline with 'single'",
            "multi\nline \"double\" \\ $ ` #",
            "unicode é 🔑 \u{2028}",
            "\\n literally",
            "trailing backslash\\",
            "'",
            "\"",
            "`",
            "\n",
        ];
        let entries: Vec<(String, &str)> = cases
            .iter()
            .enumerate()
            .map(|(n, v)| (format!("K{n}"), *v))
            .collect();
        let text = write(entries.iter().map(|(k, v)| (k.as_str(), *v))).expect("writes");
        let back = values(&text);
        assert_eq!(back.len(), cases.len());
        for ((k, v), (k2, v2)) in entries.iter().zip(&back) {
            assert_eq!((k.as_str(), *v), (k2.as_str(), v2.as_str()));
        }
        assert_eq!(
            write([("A", "x\0")]),
            Err(WriteError::Nul { name: "A".into() })
        );
        for name in ["A B", "my.key", "my-key", "1A"] {
            assert_eq!(
                write([(name, "x")]),
                Err(WriteError::InvalidName { name: name.into() })
            );
        }
    }

    #[test]
    fn writer_forms_are_single_then_double_quotes_without_escapes() {
        let written = |v: &str| write([("A", v)]).expect("writes").to_string();
        assert_eq!(written("a $b \\ \"c\" `d`"), "A='a $b \\ \"c\" `d`'\n");
        assert_eq!(written("two\nlines"), "A='two\nlines'\n");
        assert_eq!(written("it's\nok"), "A=\"it's\nok\"\n");
    }

    #[test]
    fn writer_refuses_values_a_shell_would_read_otherwise() {
        for (value, reason) in [
            ("crlf\r\nvalue", HAS_CR),
            ("\r", HAS_CR),
            ("it's \"q\"", QUOTE_AND_SPECIAL),
            ("it's \\", QUOTE_AND_SPECIAL),
            ("it's $(touch x)", QUOTE_AND_SPECIAL),
            ("it's `touch x`", QUOTE_AND_SPECIAL),
            ("it's ${HOME}", QUOTE_AND_SPECIAL),
        ] {
            assert!(!is_sourceable(value), "{value:?}");
            let e = write([("OK", "fine"), ("NAME", value)]).expect_err("refused");
            assert_eq!(
                e,
                WriteError::NotSourceable {
                    name: "NAME".into(),
                    reason
                }
            );
            assert!(
                e.to_string().starts_with("the value of 'NAME' contains"),
                "{e}"
            );
        }
        assert!(is_sourceable("it's fine # really"));
    }

    #[test]
    fn shell_writer() {
        let text = write_shell([("A", "it's $x"), ("B", "")]).expect("writes");
        assert_eq!(&*text, "export A='it'\\''s $x'\nexport B=''\n");
        assert!(matches!(
            write_shell([("a.b", "x")]),
            Err(WriteError::InvalidName { .. })
        ));
        assert!(is_shell_name("_A1") && !is_shell_name("1A") && !is_shell_name(""));
    }
}
