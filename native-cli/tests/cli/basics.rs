//! Black-box tests of `agent secret init/set/get/list/delete/status`.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::{Project, PASSWORD};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn init_creates_a_private_folder_whatever_the_umask() {
    let p = Project::new();
    // umask 000 would make a careless implementation's files world-readable.
    let mut c = Command::new("sh");
    c.current_dir(p.root.path())
        .env("AGENT_SECRETS_PASSWORD", PASSWORD)
        .args([
            "-c",
            "umask 000; exec \"$0\" secret init --iterations 100000",
            common::agent_bin(),
        ]);
    let r: common::Run = c.output().expect("spawn").into();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Initialized a vault in .agent/secrets/"),
        "{r:?}"
    );
    assert_eq!(mode(&p.vault()), 0o700);
    assert_eq!(mode(&p.vault().join("config.json")), 0o600);
    assert_eq!(mode(&p.vault().join(".gitignore")), 0o600);
    assert_eq!(
        std::fs::read_to_string(p.vault().join(".gitignore")).expect("gitignore"),
        "*\n!.gitignore\n"
    );
    let names: Vec<String> = p.snapshot().into_keys().collect();
    assert_eq!(
        names,
        [".gitignore", "audit.log", "config.json", "state.json"]
    );
    assert_eq!(mode(&p.vault().join("audit.log")), 0o600);
    assert_eq!(mode(&p.vault().join("state.json")), 0o600);
    let config = p.read_json("config.json");
    assert_eq!(config["recipients"]["owner"]["kdf"]["iterations"], 100_000);
    assert_eq!(config["format"], "agent-secrets/config");

    // set under umask 000 too
    let mut c = Command::new("sh");
    c.current_dir(p.root.path())
        .env("AGENT_SECRETS_PASSWORD", PASSWORD)
        .args([
            "-c",
            "umask 000; echo fake-value | exec \"$0\" secret set openai api_key --value-stdin",
            common::agent_bin(),
        ]);
    let r: common::Run = c.output().expect("spawn").into();
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(mode(&p.vault().join("openai.json")), 0o600);
}

#[test]
fn init_refuses_weak_passwords_and_bad_iterations_without_creating_anything() {
    let p = Project::new();
    for weak in ["short1A!", "alllowercaseletters", "12345678901234"] {
        let r = p.run_with(
            &["secret", "init"],
            &[("AGENT_SECRETS_PASSWORD", weak)],
            None,
        );
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("Password too weak"), "{r:?}");
        assert!(!r.stderr.contains(weak), "the password is echoed: {r:?}");
    }
    for n in ["99999", "10000001"] {
        let r = p.run(&["secret", "init", "--iterations", n]);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("outside the accepted range"), "{r:?}");
    }
    assert!(!p.vault().exists());
}

/// `agent ARGS` on a terminal: a pseudo-terminal made by util-linux
/// `script`, with `input` typed into it. Returns the exit code and what
/// the terminal showed.
fn on_a_terminal(p: &Project, args: &str, input: &str) -> (i32, String) {
    use std::io::Write;
    let command = format!("'{}' {args}", common::agent_bin());
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(p.root.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SHELL", "/bin/sh")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("type");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_weak_new_password_is_refused_before_it_is_asked_again() {
    let p = Project::new();
    let (code, shown) = on_a_terminal(&p, "secret init --iterations 100000", "weakpassword\n");
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("New master password: "), "{shown}");
    assert!(shown.contains("Password too weak"), "{shown}");
    assert!(!shown.contains("Repeat"), "asked again: {shown}");
    assert!(!p.vault().exists());
    // A strong one is asked twice and makes the vault.
    let typed = format!("{PASSWORD}\n{PASSWORD}\n");
    let (code, shown) = on_a_terminal(&p, "secret init --iterations 100000", &typed);
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("Repeat the new master password: "),
        "{shown}"
    );
    assert!(p.vault().join("config.json").is_file());
}

#[test]
fn init_twice_is_refused_and_changes_nothing() {
    let p = Project::initialized();
    let before = p.snapshot();
    let r = p.run(&["secret", "init", "--iterations", "100000"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("already exists"), "{r:?}");
    assert_eq!(p.snapshot(), before);
}

#[test]
fn set_get_list_delete_round_trip() {
    let p = Project::initialized();
    let value = "sk-fake-\u{e9}\u{1f511} with spaces \"quotes\" # and $dollar";
    p.set("openai", "api_key", value);
    p.set("anthropic", "api_key", "fake-anthropic");

    let r = p.run(&["secret", "get", "openai", "api_key"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "********\n"), "{r:?}");
    let r = p.get("openai", "api_key");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, format!("{value}\n").as_str()),
        "{r:?}"
    );

    let r = p.run(&["secret", "get", "openai", "api_key", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["value"], "********");
    assert_eq!(v["masked"], true);
    assert_eq!(v["source"], "vault");
    let r = p.run(&["secret", "get", "openai", "api_key", "--json", "--show"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["value"], value);

    // list needs no password
    let r = p.run_with(&["secret", "list"], &[("AGENT_SECRETS_PASSWORD", "")], None);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{r:?}");
    assert!(lines[1].starts_with("anthropic  api_key"), "{r:?}");
    assert!(lines[2].starts_with("openai     api_key"), "{r:?}");
    assert!(!r.stdout.contains("fake"), "{r:?}");
    let r = p.run(&["secret", "list", "openai", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v[0]["service"], "openai");
    assert_eq!(v[0]["secrets"][0]["key"], "api_key");
    assert_eq!(v[0]["secrets"][0]["key_id"], "k1");

    // update keeps created_at
    let created = p.read_json("openai.json")["secrets"]["api_key"]["created_at"].clone();
    let r = p.run_with(
        &["secret", "set", "openai", "api_key", "--value-stdin"],
        &[],
        Some("second\n"),
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Updated openai/api_key.\n"),
        "{r:?}"
    );
    assert_eq!(
        p.read_json("openai.json")["secrets"]["api_key"]["created_at"],
        created
    );
    assert_eq!(p.get("openai", "api_key").stdout, "second\n");

    let r = p.run(&["secret", "delete", "openai", "api_key"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Deleted openai/api_key.\n"),
        "{r:?}"
    );
    assert!(!p.vault().join("openai.json").exists());
    let r = p.run(&["secret", "delete", "openai", "api_key"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.contains("Service 'openai' not configured."),
        "{r:?}"
    );
    let r = p.run(&["secret", "delete", "anthropic", "nope"]);
    assert_eq!(r.code, 3, "{r:?}");
}

#[test]
fn value_from_argv_warns_and_password_stdin_splits_the_lines() {
    let p = Project::initialized();
    let r = p.run(&["secret", "set", "svc", "k", "--value", "fake-argv-value"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("warning: --value puts the secret on the command line"),
        "{r:?}"
    );
    let r = p.run_with(
        &[
            "secret",
            "set",
            "svc",
            "k2",
            "--value-stdin",
            "--password-stdin",
        ],
        &[("AGENT_SECRETS_PASSWORD", "")],
        Some(&format!("{PASSWORD}\nline one\nline two\n")),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(p.get("svc", "k2").stdout, "line one\nline two\n");
    let r = p.run_with(
        &["secret", "get", "svc", "k", "--show", "--password-stdin"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        Some(&format!("{PASSWORD}\r\n")),
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "fake-argv-value\n"),
        "{r:?}"
    );
}

#[test]
fn no_password_source_is_a_clear_error_not_a_hang() {
    let p = Project::initialized();
    let r = p.run_with(
        &["secret", "get", "a", "b"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        None,
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--password-stdin"), "{r:?}");
    let r = p.run_with(&["secret", "set", "a", "b"], &[], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--value-stdin"), "{r:?}");
}

#[test]
fn wrong_password_exits_4_and_changes_nothing_but_the_lockout_count() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-1");
    let before = p.snapshot();
    let wrong = "Wrong-Horse-Battery-9";
    for (i, args) in [
        &["secret", "get", "openai", "api_key"][..],
        &["secret", "set", "openai", "api_key", "--value", "x"],
        &["secret", "delete", "openai", "api_key"],
    ]
    .into_iter()
    .enumerate()
    {
        let r = p.run_with(args, &[("AGENT_SECRETS_PASSWORD", wrong)], None);
        assert_eq!(r.code, 4, "{r:?}");
        assert!(
            r.stderr.contains(&format!(
                "Incorrect password. {} attempts remaining.",
                4 - i
            )),
            "{r:?}"
        );
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(!r.stderr.contains(wrong), "{r:?}");
    }
    let mut after = p.snapshot();
    let state = after.remove("state.json").expect("the lockout counted");
    after.remove("audit.log");
    let mut before = before;
    before.remove("audit.log");
    before.remove("state.json");
    assert_eq!(after, before);
    let state: serde_json::Value = serde_json::from_slice(&state).expect("json");
    assert_eq!(state["failed_attempts"], 3);
    // the right password resets the count
    assert_eq!(p.get("openai", "api_key").stdout, "fake-1\n");
    assert_eq!(p.read_json("state.json")["failed_attempts"], 0);
}

#[test]
fn invalid_names_exit_2_and_touch_nothing() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-1");
    let before = p.snapshot();
    let long = "a".repeat(65);
    let long_key = "k".repeat(129);
    let services = [
        "../x", "a/b", "", &long, "a\u{1}b", "config", "state", "Upper", ".hidden",
    ];
    for s in services {
        for cmd in [
            vec!["secret", "get", s, "k"],
            vec!["secret", "set", s, "k", "--value", "v"],
            vec!["secret", "delete", s, "k"],
            vec!["secret", "list", s],
        ] {
            let r = p.run(&cmd);
            assert_eq!(r.code, 2, "{cmd:?} {r:?}");
            assert!(r.stderr.contains("Invalid service name"), "{r:?}");
        }
    }
    for k in ["../x", "a/b", "", &long_key, "1abc", "a b"] {
        let r = p.run(&["secret", "set", "openai", k, "--value", "v"]);
        assert_eq!(r.code, 2, "{k:?} {r:?}");
        assert!(r.stderr.contains("Invalid key name"), "{r:?}");
    }
    assert_eq!(p.snapshot(), before);
    assert!(!p.root.path().join(".agent/x.json").exists());
}

#[test]
fn not_initialized_exits_7_with_the_fix() {
    let p = Project::new();
    for cmd in [
        &["secret", "get", "openai", "api_key"][..],
        &["secret", "set", "openai", "api_key", "--value", "v"],
        &["secret", "delete", "openai", "api_key"],
        &["secret", "list"],
        &["secret", "status"],
    ] {
        let r = p.run(cmd);
        assert_eq!(r.code, 7, "{cmd:?} {r:?}");
        assert!(
            r.stderr.contains("agent secret init") || r.stdout.contains("agent secret init"),
            "{r:?}"
        );
    }
    assert!(!p.vault().exists());
}

#[test]
fn a_file_where_the_folder_should_be_exits_1() {
    let p = Project::new();
    std::fs::create_dir_all(p.root.path().join(".agent")).expect("mkdir");
    std::fs::write(p.vault(), b"not a folder").expect("write");
    let r = p.run(&["secret", "init", "--iterations", "100000"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            ".agent/secrets/ is a regular file, not a folder. Fix: move .agent/secrets/ out of the way."
        ),
        "{r:?}"
    );
    assert_eq!(
        std::fs::read(p.vault()).expect("still a file"),
        b"not a folder"
    );

    // --dir and AGENT_SECRETS_DIR pick the folder
    let elsewhere = p.root.path().join("elsewhere");
    let r = p.run(&[
        "--dir",
        elsewhere.to_str().expect("utf8"),
        "secret",
        "init",
        "--iterations",
        "100000",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(elsewhere.join("config.json").exists());
    let r = p.run_with(
        &["secret", "status", "--json"],
        &[("AGENT_SECRETS_DIR", elsewhere.to_str().expect("utf8"))],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["initialized"], true);
    assert_eq!(v["iterations"], 100_000);
}

#[test]
fn missing_secret_falls_back_to_the_mapped_environment_variable() {
    let p = Project::initialized();
    let r = p.run_with(
        &["secret", "get", "gemini", "api_key", "--show"],
        &[("GOOGLE_GEMINI_API_KEY", "fake-gemini-env")],
        None,
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "fake-gemini-env\n"),
        "{r:?}"
    );
    assert!(
        r.stderr
            .contains("using the environment variable GOOGLE_GEMINI_API_KEY"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("fake-gemini-env"), "{r:?}");
    let r = p.run_with(
        &["secret", "get", "openai", "api_key", "--json"],
        &[("OPENAI_API_KEY", "fake-openai-env")],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["source"], "env");
    assert_eq!(v["variable"], "OPENAI_API_KEY");
    assert_eq!(v["value"], "********");
    // the vault wins over the environment
    p.set("openai", "api_key", "fake-from-vault");
    let r = p.run_with(
        &["secret", "get", "openai", "api_key", "--show"],
        &[("OPENAI_API_KEY", "env")],
        None,
    );
    assert_eq!(r.stdout, "fake-from-vault\n");
    assert!(r.stderr.is_empty(), "{r:?}");
    // neither: exit 3, naming where it looked
    let r = p.run(&["secret", "get", "stripe", "secret_key"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.contains("Service 'stripe' not configured."),
        "{r:?}"
    );
    assert!(r.stderr.contains("STRIPE_SECRET_KEY"), "{r:?}");
    // no vault at all: the environment still answers
    let q = Project::new();
    let r = q.run_with(
        &["secret", "get", "openai", "api_key", "--show"],
        &[("OPENAI_API_KEY", "fake-x")],
        None,
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, "fake-x\n"), "{r:?}");
}

#[test]
fn status_reports_counts() {
    let p = Project::initialized();
    p.set("a", "k1", "v");
    p.set("a", "k2", "v");
    p.set("b", "k1", "v");
    let r = p.run_with(
        &["secret", "status", "--json"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["services"], 2);
    assert_eq!(v["secrets"], 3);
    assert_eq!(v["active_key"], "k1");
    let r = p.run(&["secret", "status"]);
    assert!(
        r.stdout.contains("pbkdf2-hmac-sha256, 100000 iterations"),
        "{r:?}"
    );
}

#[test]
fn broken_pipe_is_not_an_error() {
    let p = Project::initialized();
    p.set("svc", "k", "v");
    let mut c = p.command();
    c.args(["secret", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    // Close the only read end before the child writes: its write fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
