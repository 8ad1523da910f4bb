//! Black-box tests of `agent completions SHELL` and `agent man`: both are
//! generated from the clap definitions, so they must name every subcommand
//! of this build, and neither touches a vault.

use crate::common;

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use clap::CommandFactory;
use common::{Project, Run};

/// Every visible command of the clap tree below the root, as the words
/// typed after `agent` (`["secret", "get"]`).
fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&agent_cli::cli::Cli::command(), &[], &mut out);
    out
}

/// The tree is what the tests walk, so it must be the real one.
#[test]
fn the_tree_holds_the_commands_of_the_contract() {
    let paths = command_paths();
    for expected in [
        &["secret"][..],
        &["secret", "init"],
        &["secret", "get"],
        &["secret", "run"],
        &["secret", "scan"],
        &["preflight"],
        &["completions"],
        &["man"],
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected:?} missing from {paths:?}"
        );
    }
    assert!(paths.len() >= 20, "{paths:?}");
}

/// Runs `agent ARGS` in a project without a vault; checks that it
/// succeeded, printed nothing on stderr and left the project empty.
fn run_clean(p: &Project, args: &[&str]) -> Run {
    let r = p.run(args);
    assert_eq!(r.code, 0, "{args:?}: {r:?}");
    assert_eq!(r.stderr, "", "{args:?}");
    assert!(!p.vault().exists(), "{args:?} created the vault folder");
    let left: Vec<_> = std::fs::read_dir(p.root.path())
        .expect("read project")
        .collect();
    assert!(left.is_empty(), "{args:?} left {left:?}");
    r
}

#[test]
fn completions_name_every_subcommand_for_every_shell() {
    let p = Project::new();
    let names: BTreeSet<String> = command_paths().into_iter().flatten().collect();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run_clean(&p, &["completions", shell]);
        assert!(
            r.stdout.ends_with('\n') && !r.stdout.ends_with("\n\n"),
            "{shell}"
        );
        for name in &names {
            assert!(
                r.stdout.contains(name.as_str()),
                "{shell} completion lacks {name}"
            );
        }
        // And options of the deepest level (fish spells `--show` as `-l show`).
        for option in [
            "show",
            "json",
            "password-stdin",
            "value-stdin",
            "iterations",
        ] {
            let spelled = match shell {
                "fish" => format!("-l {option}"),
                _ => format!("--{option}"),
            };
            assert!(
                r.stdout.contains(&spelled),
                "{shell} completion lacks {spelled}"
            );
        }
    }
}

#[test]
fn the_bash_completion_script_parses_and_completes() {
    let p = Project::new();
    let script = run_clean(&p, &["completions", "bash"]).stdout;
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    bash.stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("write script");
    let out = bash.wait_with_output().expect("bash -n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());

    // Sourced, it completes `agent secret g` to `get` and `git-setup`.
    let probe = format!(
        "{script}\nCOMP_WORDS=(agent secret g); COMP_CWORD=2; COMP_LINE='agent secret g'; \
         COMP_POINT=${{#COMP_LINE}}; _agent agent g secret; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replies: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(replies, ["get", "git-setup"]);
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let p = Project::new();
    let r = p.run(&["completions", "tcsh"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(!p.vault().exists());
}

/// `\-\-show`: how roff spells an option.
fn roff(text: &str) -> String {
    text.replace('-', "\\-")
}

#[test]
fn every_command_has_a_manual_page_naming_its_subcommands_and_options() {
    let p = Project::new();
    let root = agent_cli::cli::Cli::command();
    let mut pages = vec![Vec::new()];
    pages.extend(command_paths());
    for path in &pages {
        let mut args = vec!["man"];
        args.extend(path.iter().map(String::as_str));
        let page = run_clean(&p, &args).stdout;
        let title = std::iter::once("agent")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        assert!(
            page.contains(&format!(".TH {title} 1 ")),
            "{path:?}: {}",
            &page[..page.len().min(200)]
        );
        let mut command = &root;
        for name in path {
            command = command
                .get_subcommands()
                .find(|c| c.get_name() == name)
                .expect("in the tree");
        }
        for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
            assert!(
                page.contains(&roff(sub.get_name())),
                "page of {path:?} lacks {}",
                sub.get_name()
            );
        }
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(
                    page.contains(&roff(&format!("--{long}"))),
                    "page of {path:?} lacks --{long}"
                );
            }
        }
    }
}

#[test]
fn the_manual_pages_are_valid_roff() {
    let Ok(status) = Command::new("groff").arg("--version").output() else {
        eprintln!("groff is not installed: the roff check is skipped");
        return;
    };
    assert!(status.status.success());
    let p = Project::new();
    for args in [
        &["man"][..],
        &["man", "secret"],
        &["man", "secret", "import"],
    ] {
        let page = run_clean(&p, args).stdout;
        // -k: the pages are UTF-8 (arrows in the help); -ww: every warning.
        let mut groff = Command::new("groff")
            .args(["-k", "-man", "-ww", "-z"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("groff");
        groff
            .stdin
            .take()
            .expect("stdin")
            .write_all(page.as_bytes())
            .expect("write page");
        let out = groff.wait_with_output().expect("groff");
        assert!(out.status.success(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn man_dir_writes_one_page_per_command_equal_to_the_printed_one() {
    let p = Project::new();
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("man1");
    let r = p.run(&["man", "--dir", dir.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(!p.vault().exists());
    let mut expected: BTreeSet<String> = command_paths()
        .iter()
        .map(|path| format!("agent-{}.1", path.join("-")))
        .collect();
    expected.insert("agent.1".to_owned());
    let written: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("read man1")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    assert_eq!(written, expected);
    assert_eq!(
        r.stderr,
        format!(
            "Wrote {} manual pages to {}.\n",
            expected.len(),
            dir.display()
        )
    );
    for path in [vec![], vec!["secret", "get"]] {
        let mut args = vec!["man"];
        args.extend(path.iter().copied());
        let printed = run_clean(&p, &args).stdout;
        let name = std::iter::once("agent")
            .chain(path.iter().copied())
            .collect::<Vec<_>>()
            .join("-");
        let file = std::fs::read_to_string(dir.join(format!("{name}.1"))).expect("page");
        assert_eq!(file, printed, "{name}");
    }
}

#[test]
fn man_refuses_an_unknown_subcommand_without_repeating_it() {
    let p = Project::new();
    let r = p.run(&["man", "secret", "nope-SECRET-CANARY"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("`agent secret` has no subcommand of that name"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("SECRET-CANARY"), "{r:?}");
    assert!(!p.vault().exists());
}

#[test]
fn man_dir_onto_a_file_is_an_error_that_names_the_folder() {
    let p = Project::new();
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("not-a-folder");
    std::fs::write(&file, "x").expect("write");
    let r = p.run(&["man", "--dir", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains(&format!(
            "Cannot write the manual pages to {}",
            file.display()
        )),
        "{r:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "x");
}
