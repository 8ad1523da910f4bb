//! Edges of the `.env` parser and writers that the corpus does not reach.

use agent_secrets_core::dotenv::{self, WriteError, MAX_LINE_BYTES};

fn round_trip(value: &str) {
    let text = dotenv::write([("NAME", value)]).expect("write");
    let parsed = dotenv::parse(text.as_bytes()).expect("parse");
    assert_eq!(parsed.entries.len(), 1, "{value:?}");
    assert_eq!(
        parsed.entries[0].value.expose(),
        value,
        "written as {:?}",
        text.as_str()
    );
}

#[test]
fn every_quoting_form_reads_back() {
    for value in [
        "plain",
        "has 'single'",
        "has \"double\"",
        "has \"double\" and ` and \\ and $",
        "new\nline",
        "new\nline and 'single'",
        "  spaced  ",
        "#hash $dollar \\backslash",
        "",
    ] {
        round_trip(value);
    }
}

#[test]
fn names_and_nul_are_refused_by_both_writers() {
    assert!(matches!(
        dotenv::write([("BAD NAME", "v")]),
        Err(WriteError::InvalidName { .. })
    ));
    assert!(matches!(
        dotenv::write([("OK", "a\0b")]),
        Err(WriteError::Nul { .. })
    ));
    assert!(matches!(
        dotenv::write_shell([("bad-name", "v")]),
        Err(WriteError::InvalidName { .. })
    ));
    assert!(matches!(
        dotenv::write_shell([("OK", "a\0b")]),
        Err(WriteError::Nul { .. })
    ));
    let shell = dotenv::write_shell([("OK", "it's")]).expect("write");
    assert_eq!(shell.as_str(), "export OK='it'\\''s'\n");
}

#[test]
fn lines_without_a_name_are_reported_by_number() {
    let errors = dotenv::parse(b"GOOD=1\n=value\njust text\n").expect_err("bad lines");
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3]);
    assert_ne!(
        errors[0].reason, errors[1].reason,
        "a missing name and a missing '=' are told apart"
    );
}

#[test]
fn an_over_long_quoted_value_is_refused() {
    // Many short lines inside one double-quoted value: no single line is
    // long, the value is.
    let mut text = String::from("BIG=\"");
    let chunk = "x".repeat(1_000);
    while text.len() <= MAX_LINE_BYTES + 10_000 {
        text.push_str(&chunk);
        text.push('\n');
    }
    text.push_str("\"\nNEXT=1\n");
    let errors = dotenv::parse(text.as_bytes()).expect_err("too long");
    assert_eq!(errors[0].line, 1);
}

#[test]
fn escapes_in_double_quotes_and_a_backslash_ending_a_line() {
    let parsed = dotenv::parse(b"A=\"cr\\r tab\\t\"\nB=\"ends\\\nnext\"\n").expect("parse");
    let values: Vec<(&str, &str)> = parsed
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.value.expose()))
        .collect();
    // A backslash with nothing after it on its line stays a backslash.
    assert_eq!(values, [("A", "cr\r tab\t"), ("B", "ends\\\nnext")]);
}

#[test]
fn a_quoted_value_over_the_limit_across_lines_is_refused() {
    // Each line is within the limit; the value they make together is not.
    let half = "x".repeat(MAX_LINE_BYTES - 8);
    let text = format!("OK=1\nA=\"{half}\n{half}\"\nB=2\n");
    let errors = dotenv::parse(text.as_bytes()).expect_err("too long");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert_eq!(errors[0].reason, "the value is longer than the 1 MiB limit");
}
