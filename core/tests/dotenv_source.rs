//! The dotenv writer's output is safe to `source`: `set -a; . ./file` in
//! every POSIX shell installed here (`sh`, `dash`, `bash`) gives each value
//! back byte for byte and runs nothing, and [`dotenv::parse`] reads the
//! same values. A value that has no such form is refused, and the refused
//! set is exactly the one the documentation names (an oracle written here,
//! apart from the writer). Fake values only.

// The shells are started here on purpose, with no password around; the
// rule that every child is made by the CLI's child::command is for the CLI.
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::Command;

use agent_secrets_core::dotenv::{self, WriteError};
use proptest::prelude::*;

/// Pieces that values are made of: shell syntax that must stay inert, the
/// characters each quoting form cares about, and ordinary text.
const PIECES: &[&str] = &[
    "'",
    "\"",
    "\\",
    "$",
    "`",
    "$(touch MARKER)",
    "`touch MARKER2`",
    "${HOME}",
    "$HOME",
    "\n",
    "\r",
    "#",
    " ",
    "\t",
    "\\n",
    ";",
    "|",
    "&",
    "*",
    "~",
    "!",
    "fake",
    "é🔑",
];

/// The documented rule, written independently of the writer: no CR, and
/// a `'` only without `"`, `\`, `$` and `` ` ``.
fn writable(value: &str) -> bool {
    let special = ["\"", "\\", "$", "`"].iter().any(|c| value.contains(c));
    let has_cr = value.contains('\r');
    let has_quote = value.contains('\'');
    !has_cr && (!has_quote || !special)
}

/// The shells to source with: `sh` always, `dash` and `bash` when installed.
fn shells() -> Vec<&'static str> {
    let mut found = vec!["sh"];
    for shell in ["dash", "bash"] {
        let there = Command::new(shell)
            .args(["-c", "exit 0"])
            .status()
            .is_ok_and(|s| s.success());
        if there {
            found.push(shell);
        }
    }
    found
}

/// Sources `text` with `shell` in an empty folder and returns each
/// variable's value as the shell sees it, and the names of the files the
/// folder holds afterwards (the file itself and one `got.N` per value:
/// anything else was created by a command that should not have run).
fn source(shell: &str, text: &str, n: usize) -> (Vec<Vec<u8>>, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("out.env"), text).expect("write");
    let mut script = String::from("set -a; . ./out.env");
    for i in 0..n {
        script.push_str(&format!("; printf %s \"$V{i}\" > got.{i}"));
    }
    let status = Command::new(shell)
        .args(["-c", &script])
        .current_dir(dir.path())
        .env("HOME", "/home-of-the-test")
        .status()
        .expect("shell");
    assert!(status.success(), "{shell} failed to source the file");
    let got = (0..n)
        .map(|i| std::fs::read(dir.path().join(format!("got.{i}"))).expect("got"))
        .collect();
    (got, files(dir.path()))
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out.env" && !n.starts_with("got."))
        .collect();
    names.sort();
    names
}

/// Writes `values` as `V0`, `V1`, …: refused, naming the first unwritable
/// one, if the rule says so (and then the writable ones are checked on
/// their own); else parsed back and sourced by every shell.
fn check(values: &[String]) {
    let names: Vec<String> = (0..values.len()).map(|i| format!("V{i}")).collect();
    let pairs = || {
        names
            .iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str))
    };
    let refused = values.iter().position(|v| !writable(v));
    let text = match (dotenv::write(pairs()), refused) {
        (Ok(text), None) => text,
        (Err(WriteError::NotSourceable { name, .. }), Some(i)) => {
            assert_eq!(name, names[i], "the first unwritable value is named");
            let rest: Vec<String> = values.iter().filter(|v| writable(v)).cloned().collect();
            if !rest.is_empty() {
                check(&rest);
            }
            return;
        }
        (got, want) => panic!("writer and rule disagree: {got:?}, unwritable value {want:?}"),
    };
    let parsed = dotenv::parse(text.as_bytes()).expect("parses");
    let back: Vec<&str> = parsed.entries.iter().map(|e| e.value.expose()).collect();
    assert_eq!(back, values, "import --dotenv reads the values back");
    for shell in shells() {
        let (got, extra) = source(shell, &text, values.len());
        for (g, v) in got.iter().zip(values) {
            assert_eq!(g, v.as_bytes(), "{shell} read {v:?} differently");
        }
        assert!(
            extra.is_empty(),
            "{shell} ran a command: it created {extra:?}"
        );
    }
}

#[test]
fn the_canary_value_is_refused_and_its_parts_are_written_safely() {
    let canary = "it's $(touch MARKER) `touch MARKER2` ${HOME} \\ \" \n # x  ";
    assert!(!writable(canary));
    assert!(matches!(
        dotenv::write([("APP_X", canary)]),
        Err(WriteError::NotSourceable { ref name, .. }) if name == "APP_X"
    ));
    let parts: Vec<String> = [
        "$(touch MARKER) `touch MARKER2` ${HOME} \\ \" \n # x  ",
        "it's\n # x  ",
        " lead and trail ",
        "",
    ]
    .map(str::to_owned)
    .to_vec();
    check(&parts);
}

#[test]
fn the_shell_writer_is_safe_to_source_for_every_value() {
    let values = [
        "it's $(touch MARKER) `touch MARKER2` ${HOME} \\ \" \n # x  ",
        "crlf\r\nand ' '' '\\''",
        "",
    ];
    let names = ["V0", "V1", "V2"];
    let text = dotenv::write_shell(names.into_iter().zip(values)).expect("writes");
    for shell in shells() {
        let (got, extra) = source(shell, &text, values.len());
        for (g, v) in got.iter().zip(values) {
            assert_eq!(g, v.as_bytes(), "{shell} read {v:?} differently");
        }
        assert!(extra.is_empty(), "{shell} ran a command: {extra:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn written_values_source_and_parse_back_unchanged(
        values in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(PIECES), 0..8)
                .prop_map(|p| p.concat()),
            1..6,
        )
    ) {
        check(&values);
    }
}
