//! Black-box tests of `agent secret run`: what the child's environment
//! holds (children print hashes, never values), exit codes, signals.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::Project;

const CANARY: &str = "sk-CANARY-9a0364b9";

/// Hex SHA-256 of `text` by `sha256sum`, as the children compute it.
fn sha256_hex(text: &str) -> String {
    let mut c = Command::new("sha256sum");
    c.arg("-");
    let r = common::run_stdin(c, Some(text));
    r.stdout
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A shell snippet printing `NAME=<sha256 of its value>` or `NAME unset`.
fn hash_of(var: &str) -> String {
    format!(
        "if [ -n \"${{{var}+x}}\" ]; then printf '{var}='; printf %s \"${var}\" | sha256sum | cut -d' ' -f1; else echo '{var} unset'; fi; "
    )
}

fn project() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", CANARY);
    p.set("gemini", "api_key", "fake-gemini");
    p.set("app", "MULTI", "line1\nline2 'q' $HOME");
    p
}

#[test]
fn the_child_gets_mapped_values_and_never_the_password() {
    let p = project();
    let before = p.snapshot();
    let script = [
        "OPENAI_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_GEMINI_API_KEY",
        "MULTI",
        "AGENT_SECRETS_PASSWORD",
    ]
    .map(hash_of)
    .concat();
    let r = p.run(&["secret", "run", "--", "sh", "-c", &script]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        !r.stdout.contains("CANARY") && !r.stderr.contains("CANARY"),
        "{r:?}"
    );
    let want = format!(
        "OPENAI_API_KEY={}\nGEMINI_API_KEY={g}\nGOOGLE_GEMINI_API_KEY={g}\nMULTI={}\nAGENT_SECRETS_PASSWORD unset\n",
        sha256_hex(CANARY),
        sha256_hex("line1\nline2 'q' $HOME"),
        g = sha256_hex("fake-gemini"),
    );
    assert_eq!(r.stdout, want);
    // argv carries no value: the child sees its own argv only
    let r = p.run(&[
        "secret",
        "run",
        "--",
        "sh",
        "-c",
        "cat /proc/$PPID/cmdline /proc/$$/cmdline | tr '\\0' ' '",
    ]);
    assert!(!r.stdout.contains("CANARY"), "{r:?}");
    // one audit line, and nothing else changed
    let mut after = p.snapshot();
    let log = String::from_utf8(after.remove("audit.log").unwrap_or_default()).expect("utf8");
    assert_eq!(log.matches("\"operation\":\"run\"").count(), 2, "{log}");
    let mut before = before;
    before.remove("audit.log");
    assert!(after == before, "run changed the vault");
}

#[test]
fn service_selection_override_and_inheritance() {
    let p = project();
    let script = ["OPENAI_API_KEY", "GEMINI_API_KEY", "MULTI", "HOME_MARK"]
        .map(hash_of)
        .concat();
    let inherited = [("OPENAI_API_KEY", "from-env"), ("HOME_MARK", "mark")];
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--service",
            "gemini",
            "--",
            "sh",
            "-c",
            &script,
        ],
        &inherited,
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        format!(
            "OPENAI_API_KEY={}\nGEMINI_API_KEY={}\nMULTI unset\nHOME_MARK={}\n",
            sha256_hex("from-env"),
            sha256_hex("fake-gemini"),
            sha256_hex("mark")
        )
    );
    // vault overrides by default, --no-override keeps the environment's
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--",
            "sh",
            "-c",
            &hash_of("OPENAI_API_KEY"),
        ],
        &inherited,
        None,
    );
    assert_eq!(
        r.stdout,
        format!("OPENAI_API_KEY={}\n", sha256_hex(CANARY)),
        "{r:?}"
    );
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--no-override",
            "--",
            "sh",
            "-c",
            &hash_of("OPENAI_API_KEY"),
        ],
        &inherited,
        None,
    );
    assert_eq!(
        r.stdout,
        format!("OPENAI_API_KEY={}\n", sha256_hex("from-env")),
        "{r:?}"
    );
    // --no-inherit-env: PATH and the secrets, nothing else
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--no-inherit-env",
            "--",
            "sh",
            "-c",
            "env | cut -d= -f1 | grep -v '^line2' | sort | tr '\\n' ' '",
        ],
        &inherited,
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    // sh itself adds PWD (and may add SHLVL, _)
    let names: Vec<&str> = r
        .stdout
        .split_whitespace()
        .filter(|n| !matches!(*n, "PWD" | "SHLVL" | "_"))
        .collect();
    assert_eq!(
        names,
        [
            "GEMINI_API_KEY",
            "GOOGLE_GEMINI_API_KEY",
            "MULTI",
            "OPENAI_API_KEY",
            "PATH"
        ],
        "{r:?}"
    );
    // a service that is neither in the vault nor in the environment
    let r = p.run(&["secret", "run", "--service", "stripe", "--", "true"]);
    assert_eq!(r.code, 3, "{r:?}");
}

#[test]
fn env_fallback_is_announced_with_the_import_command() {
    let p = Project::initialized();
    p.set("app", "X", "fake");
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--",
            "sh",
            "-c",
            &hash_of("ANTHROPIC_API_KEY"),
        ],
        &[("ANTHROPIC_API_KEY", "fake-anthropic")],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("anthropic/api_key is not in the vault"),
        "{r:?}"
    );
    assert!(r.stderr.contains("agent secret import anthropic"), "{r:?}");
    let log = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    assert!(
        log.lines()
            .last()
            .is_some_and(|l| l.contains("\"operation\":\"run\"") && l.contains("env_fallback")),
        "{log}"
    );
}

#[test]
fn exit_codes_like_a_shell() {
    let p = project();
    let before = {
        let mut s = p.snapshot();
        s.remove("audit.log");
        s
    };
    for (args, code) in [
        (vec!["--", "sh", "-c", "exit 0"], 0),
        (vec!["--", "sh", "-c", "exit 3"], 3),
        (vec!["--", "sh", "-c", "exit 2"], 2),
        (vec!["--", "sh", "-c", "exit 255"], 255),
        (vec!["--", "sh", "-c", "kill -TERM $$"], 128 + 15),
        (vec!["--", "sh", "-c", "kill -KILL $$"], 128 + 9),
        (vec!["--", "definitely-not-a-command-xyz"], 127),
        (vec!["--", "/etc/passwd"], 126),
        (vec![], 2),
        (vec!["--"], 2),
    ] {
        let mut full = vec!["secret", "run"];
        full.extend(&args);
        let r = p.run(&full);
        assert_eq!(r.code, code, "{args:?}: {r:?}");
        if code == 127 {
            assert!(
                r.stderr
                    .contains("definitely-not-a-command-xyz: command not found"),
                "{r:?}"
            );
        }
        if args.len() <= 1 {
            assert!(r.stderr.contains("run needs a command"), "{r:?}");
        }
        assert!(!r.stderr.contains("CANARY"), "{r:?}");
    }
    // a child that fails with 2 is still audited (it got the secrets)
    let log = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    assert_eq!(log.matches("\"operation\":\"run\"").count(), 8, "{log}");
    let mut after = p.snapshot();
    after.remove("audit.log");
    assert!(after == before, "run changed the vault");
    // the password is checked before anything runs
    let r = p.run_with(
        &["secret", "run", "--", "sh", "-c", "echo ran"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Password-123")],
        None,
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert!(!r.stdout.contains("ran"));
}

/// Starts `agent secret run` with a child that says "ready" and traps
/// `signal`, exiting with `code` when it arrives.
fn trapping_child(
    p: &Project,
    signal: &str,
    code: u8,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let script = format!("trap 'exit {code}' {signal}; echo ready; while :; do sleep 0.02; done");
    let mut child = p
        .command()
        .args(["secret", "run", "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read");
    assert_eq!(line, "ready\n");
    (child, out)
}

#[test]
fn sigterm_and_sigint_are_forwarded_to_the_child() {
    let p = project();
    for (signal, flag, code) in [
        ("TERM", "-TERM", 42),
        ("INT", "-INT", 43),
        ("HUP", "-HUP", 44),
    ] {
        let (mut child, _out) = trapping_child(&p, signal, code);
        let killed = Command::new("kill")
            .args([flag, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(i32::from(code)), "{signal}");
    }
}
