//! The `--help` text of `agent` and of every visible command, pinned as
//! data: one file per command in `tests/messages/help/`, named by the words
//! typed (`agent.txt`, `agent-secret.txt`, `agent-secret-get.txt`, ...). The
//! test runs the real binary and fails on any difference, on a command
//! without a file and on a file without a command.
//!
//! After changing a command's help on purpose, regenerate the files and
//! review the diff:
//!
//! ```text
//! UPDATE_HELP=1 cargo test -p agent-cli --test cli help::every
//! git diff tests/messages/help/
//! ```
//!
//! clap wraps help text to the terminal's width (`COLUMNS`, else the
//! terminal, capped at the `max_term_width` of `native-cli/src/cli.rs`): the
//! test sets `COLUMNS` to that cap and clears every other variable, so the
//! files do not depend on who runs it.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{agent_bin, command_paths, Run};

/// The width the files are written at: the cap set in `cli.rs`.
const COLUMNS: &str = "100";

fn help_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/messages/help")
}

/// `agent WORDS --help` with nothing of the caller's environment but `PATH`.
fn help_of(words: &[String], columns: &str) -> Run {
    let cwd = tempfile::tempdir().expect("tempdir");
    let run: Run = Command::new(agent_bin())
        .args(words)
        .arg("--help")
        .current_dir(cwd.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("COLUMNS", columns)
        .stdin(Stdio::null())
        .output()
        .expect("spawn agent")
        .into();
    assert_eq!(run.code, 0, "{words:?}: {run:?}");
    assert_eq!(run.stderr, "", "{words:?}");
    run
}

/// Every command's file name and its help text, the root first.
fn current() -> BTreeMap<String, String> {
    let mut paths = vec![Vec::new()];
    paths.extend(command_paths());
    paths
        .iter()
        .map(|words| (file_name(words), help_of(words, COLUMNS).stdout))
        .collect()
}

/// `agent-secret-get.txt` for `["secret", "get"]`, `agent.txt` for the root.
fn file_name(words: &[String]) -> String {
    let mut name = String::from("agent");
    for w in words {
        name.push('-');
        name.push_str(w);
    }
    format!("{name}.txt")
}

/// The pinned files.
fn pinned() -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(help_dir()) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("read help dir").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read help file"))
        })
        .collect()
}

/// The first line where `want` and `got` part, for the failure message.
fn first_difference(want: &str, got: &str) -> String {
    let (mut w, mut g) = (want.lines(), got.lines());
    for n in 1.. {
        match (w.next(), g.next()) {
            (None, None) => return "the line endings differ".to_owned(),
            (a, b) if a == b => {}
            (a, b) => return format!("line {n}:\n    pinned  {a:?}\n    binary  {b:?}"),
        }
    }
    unreachable!("lines() ends")
}

#[test]
fn every_commands_help_is_the_pinned_text() {
    let now = current();
    if std::env::var_os("UPDATE_HELP").is_some_and(|v| v == "1") {
        let dir = help_dir();
        std::fs::create_dir_all(&dir).expect("mkdir help");
        for stale in pinned().keys().filter(|n| !now.contains_key(*n)) {
            std::fs::remove_file(dir.join(stale)).expect("remove stale help file");
        }
        for (name, text) in &now {
            std::fs::write(dir.join(name), text).expect("write help file");
        }
    }
    let pinned = pinned();
    let mut problems = Vec::new();
    for (name, text) in &now {
        match pinned.get(name) {
            None => problems.push(format!("{name}: no pinned file")),
            Some(want) if want != text => {
                problems.push(format!("{name}: {}", first_difference(want, text)));
            }
            Some(_) => {}
        }
    }
    for name in pinned.keys().filter(|n| !now.contains_key(*n)) {
        problems.push(format!("{name}: no such command"));
    }
    assert!(
        problems.is_empty(),
        "the help differs from tests/messages/help/ (UPDATE_HELP=1 regenerates it; \
         see native-cli/tests/cli/help.rs):\n  {}",
        problems.join("\n  ")
    );
}

/// What is pinned is each command's own help (its usage line names the
/// words typed), and every visible subcommand is listed in its parent's.
/// Checked on the binary's output, which the test above holds equal to
/// the files (and which is never half written while `UPDATE_HELP=1` runs).
#[test]
fn each_commands_help_is_its_own_and_lists_its_subcommands() {
    let now = current();
    let file = |words: &[String]| {
        let name = file_name(words);
        now.get(&name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .as_str()
    };
    let mut paths = vec![Vec::new()];
    paths.extend(command_paths());
    assert!(paths.len() > 20, "{paths:?}");
    for words in &paths {
        let usage = format!(
            "Usage: agent{}",
            words.iter().map(|w| format!(" {w}")).collect::<String>()
        );
        let text = file(words);
        assert!(
            text.lines()
                .any(|l| l == usage || l.starts_with(&format!("{usage} "))),
            "{words:?}: {text}"
        );
        if let Some((last, parent)) = words.split_last() {
            assert!(
                file(parent)
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{last} "))),
                "the help of {parent:?} does not list {last}"
            );
        }
    }
}

/// The width is the binary's, not the caller's terminal: wider than the
/// cap wraps the same; narrower wraps differently (so `COLUMNS` is read,
/// and the pinned files need it forced).
#[test]
fn the_help_is_wrapped_at_the_cap_whatever_the_terminal() {
    let words = ["secret".to_owned(), "get".to_owned()];
    let at_cap = help_of(&words, COLUMNS).stdout;
    assert_eq!(help_of(&words, "300").stdout, at_cap);
    let longest = |text: &str| text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!((61..=100).contains(&longest(&at_cap)), "{at_cap}");
    let narrow = help_of(&words, "60").stdout;
    assert_ne!(narrow, at_cap);
    assert!(longest(&narrow) <= 60, "{narrow}");
}
