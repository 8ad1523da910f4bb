//! The audit trail, its verification, metrics, alerts and the JSON log
//! stream, through the real binary.

use crate::common;

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status as AuditStatus};
use common::{Project, PASSWORD};

const VALUE: &str = "fake-audit-canary-value-31337";

fn audit_json(p: &Project) -> Vec<serde_json::Value> {
    let r = p.run_with(
        &["secret", "audit", "--json"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    serde_json::from_str(&r.stdout).expect("json")
}

fn busy_vault() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    p.get("openai", "api_key");
    p.run_with(
        &["secret", "get", "stripe", "key"],
        &[("STRIPE_KEY", "fake-env")],
        None,
    );
    p.run_with(
        &["secret", "get", "openai", "api_key"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0")],
        None,
    );
    p.run(&["secret", "get", "openai", "nope"]);
    p.run(&["secret", "list"]);
    p
}

#[test]
fn every_command_appends_one_chained_line_without_values() {
    let p = busy_vault();
    let events = audit_json(&p);
    let summary: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap_or("").to_owned(),
                e["key"].as_str().unwrap_or("-").to_owned(),
                e["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("init", "-", "success"),
        ("set", "api_key", "success"),
        ("get", "api_key", "success"),
        ("get", "key", "env_fallback"),
        ("get", "api_key", "unauthorized"),
        ("get", "nope", "not_found"),
        ("list", "-", "success"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
        .collect();
    assert_eq!(summary, expected);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["source"], "cli");
        assert_eq!(e["component"], "secret_manager");
    }
    let raw = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    for canary in [VALUE, PASSWORD, "fake-env", "Wrong-Horse-Battery-0"] {
        assert!(!raw.contains(canary), "{canary} in the audit log");
    }
    // no ciphertext or nonce either
    let doc = p.read_json("openai.json");
    for field in ["ciphertext", "nonce", "tag"] {
        let text = doc["secrets"]["api_key"][field].as_str().expect("str");
        assert!(!raw.contains(text), "{field} in the audit log");
    }
    let r = p.run(&["secret", "audit", "--tail", "2"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.lines().count(), 3, "{r:?}");
    assert!(
        r.stdout.contains("not_found") && r.stdout.contains("list"),
        "{r:?}"
    );
}

#[test]
fn verify_names_the_first_edited_deleted_or_reordered_line_and_the_tool_keeps_appending() {
    let p = busy_vault();
    let r = p.run(&["secret", "audit", "--verify"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "audit.log: 7 lines, hash chain intact; 5 authenticated (MAC verified), 2 without a MAC (password-free commands).\n"
        ),
        "{r:?}"
    );
    let r = p.run(&["secret", "audit", "--verify", "--chain-only"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "audit.log: 7 lines, hash chain intact; MACs not checked (no password; run with the password to check them).\n"
        ),
        "{r:?}"
    );
    let path = p.vault().join("audit.log");
    let original = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = original.lines().collect();
    // (what, log, first failing line with the password, without it)
    let cases = [
        (
            "edited",
            original.replacen("\"status\":\"unauthorized\"", "\"status\":\"success\"", 1),
            5,
            6,
        ),
        (
            "deleted",
            format!("{}\n", [&lines[..3], &lines[4..]].concat().join("\n")),
            4,
            4,
        ),
        (
            "reordered",
            {
                let mut l = lines.clone();
                l.swap(2, 3);
                format!("{}\n", l.join("\n"))
            },
            3,
            3,
        ),
    ];
    for (what, text, line, chain_line) in cases {
        std::fs::write(&path, &text).expect("write");
        let r = p.run(&["secret", "audit", "--verify"]);
        assert_eq!(r.code, 6, "{what}: {r:?}");
        assert!(
            r.stderr
                .contains(&format!("audit.log: line {line} fails verification")),
            "{what}: {r:?}"
        );
        let r = p.run(&["secret", "audit", "--verify", "--chain-only"]);
        assert_eq!(r.code, 6, "{what}: {r:?}");
        assert!(
            r.stderr
                .contains(&format!("audit.log: line {chain_line} fails verification")),
            "{what}: {r:?}"
        );
        let r = p.run(&["secret", "audit", "--verify", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(
            (v["ok"].as_bool(), v["first_broken_line"].as_u64()),
            (Some(false), Some(line as u64)),
            "{what}"
        );
        // the tool still works, and appends after the damage
        p.set("after", "key", "fake-after");
        let again = std::fs::read_to_string(&path).expect("read");
        assert!(
            again.starts_with(&text) && again.len() > text.len(),
            "{what}"
        );
        let r = p.run(&["secret", "audit", "--verify"]);
        assert!(
            r.stderr.contains(&format!("line {line} fails")),
            "{what}: the first break is still named: {r:?}"
        );
    }
}

/// A log rewritten whole by someone without the password: every line
/// chained by its hash, none MAC'ed (the core's own chaining, no key).
fn forged_log(operations: &[(Operation, AuditStatus)]) -> String {
    let mut out = String::new();
    let mut last: Option<Vec<u8>> = None;
    for (i, (op, status)) in operations.iter().enumerate() {
        let event = AuditEvent::new(
            agent_secrets_core::Timestamp::from_unix(1_795_867_200 + i as i64),
            *op,
            *status,
            "mallory",
            "cli",
        );
        let line = audit::chain(last.as_deref(), event, None);
        out.push_str(std::str::from_utf8(&line).expect("utf8"));
        last = Some(line[..line.len() - 1].to_vec());
    }
    out
}

#[test]
fn a_forged_rechained_log_fails_verification_with_the_password_and_names_the_line() {
    let p = busy_vault();
    let path = p.vault().join("audit.log");
    let forged = forged_log(&[
        (Operation::Init, AuditStatus::Success),
        (Operation::List, AuditStatus::Success),
        (Operation::Get, AuditStatus::Success),
    ]);
    std::fs::write(&path, &forged).expect("write");
    // The chain alone cannot tell.
    let r = p.run(&["secret", "audit", "--verify", "--chain-only"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("MACs not checked"), "{r:?}");
    // With the password: line 1 claims an init, which only an unlocked
    // command writes, and has no MAC.
    let r = p.run(&["secret", "audit", "--verify"]);
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stderr.contains("audit.log: line 1 fails verification")
            && r.stderr.contains("carries no MAC"),
        "{r:?}"
    );
    let r = p.run(&["secret", "audit", "--verify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["first_broken_line"].as_u64(),
            v["macs_checked"].as_bool()
        ),
        (Some(false), Some(1), Some(true))
    );
}

#[test]
fn an_edited_last_authenticated_line_fails_verification() {
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    let path = p.vault().join("audit.log");
    let original = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = original.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[1].contains("\"mac\":\""), "{original}");
    let edited = format!(
        "{}\n{}\n",
        lines[0],
        lines[1].replacen("\"key\":\"api_key\"", "\"key\":\"org_id\"", 1)
    );
    assert_ne!(edited, original);
    std::fs::write(&path, &edited).expect("write");
    // The last line has no successor whose prev would catch it.
    let r = p.run(&["secret", "audit", "--verify", "--chain-only"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = p.run(&["secret", "audit", "--verify"]);
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stderr.contains("audit.log: line 2 fails verification")
            && r.stderr.contains("MAC does not verify"),
        "{r:?}"
    );
}

#[test]
fn metrics_in_prometheus_and_json() {
    let p = busy_vault();
    let r = p.run_with(
        &["secret", "metrics"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    for expected in [
        "agent_secrets_operations_total{operation=\"get\",service=\"openai\",status=\"success\"} 1",
        "agent_secrets_operations_total{operation=\"get\",service=\"openai\",status=\"unauthorized\"} 1",
        "agent_secrets_operations_total{operation=\"get\",service=\"stripe\",status=\"env_fallback\"} 1",
        "agent_secrets_failed_unlocks_total 1",
        "agent_secrets_audit_events 7",
        "# TYPE agent_secrets_last_access_timestamp_seconds gauge",
    ] {
        assert!(r.stdout.contains(expected), "missing {expected}: {}", r.stdout);
    }
    assert!(!r.stdout.contains(VALUE));
    // every secret counts as stale with a zero-day threshold
    let r = p.run(&["secret", "metrics", "--format", "json", "--stale-days", "0"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["failed_unlocks"], 1);
    assert_eq!(v["stale_secrets"][0]["key"], "api_key");
    assert_eq!(v["last_access"].as_array().map(Vec::len), Some(3));
}

#[test]
fn failed_unlocks_over_the_threshold_raise_one_alert_and_run_the_command() {
    let p = Project::initialized();
    let out = p.root.path().join("alert.json");
    // Thresholds through the password-checked command (config.json is
    // MAC'ed; a hand edit is refused).
    let r = p.run(&[
        "secret",
        "config",
        "--alert-after",
        "2",
        "--alert-window",
        "3600",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    // The command is the user's own (never the vault's): XDG_CONFIG_HOME.
    let xdg = p.root.path().join("xdg");
    std::fs::create_dir_all(xdg.join("agent-secrets")).expect("mkdir");
    let user = serde_json::json!({ "alerts": { "command":
        ["sh", "-c", format!("cat > '{}'", out.display())] } });
    let file = xdg.join("agent-secrets/config.json");
    std::fs::write(&file, user.to_string()).expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let xdg = xdg.to_str().expect("utf8");
    let wrong = [
        ("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0"),
        ("XDG_CONFIG_HOME", xdg),
    ];
    let r = p.run_with(&["secret", "get", "a", "b"], &wrong, None);
    assert!(!r.stderr.contains("ALERT"), "{r:?}");
    let r = p.run_with(&["secret", "get", "a", "b"], &wrong, None);
    assert!(
        r.stderr
            .contains("warning: ALERT: 2 or more failed unlocks within 3600 s"),
        "{r:?}"
    );
    let sent: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the command ran"))
            .expect("json");
    assert_eq!(sent["operation"], "alert");
    assert!(sent["prev"].as_str().is_some_and(|h| h.len() == 64));
    let raw = std::fs::read_to_string(&out).expect("read");
    assert!(!raw.contains("Wrong-Horse-Battery-0") && !raw.contains(PASSWORD));
    // one alert per burst
    let r = p.run_with(&["secret", "get", "a", "b"], &wrong, None);
    assert!(!r.stderr.contains("ALERT"), "{r:?}");
    let alerts = audit_json(&p)
        .iter()
        .filter(|e| e["operation"] == "alert")
        .count();
    assert_eq!(alerts, 1);
}

#[test]
fn log_format_json_streams_the_audit_events_on_stderr() {
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    let r = p.run(&["--log-format", "json", "secret", "get", "openai", "api_key"]);
    assert_eq!(r.code, 0, "{r:?}");
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("agent::audit"))
        .expect("an event line");
    let v: serde_json::Value = serde_json::from_str(line).expect("json");
    assert_eq!(v["target"], "agent::audit");
    assert_eq!(v["fields"]["operation"], "get");
    assert_eq!(v["fields"]["service"], "openai");
    assert_eq!(v["fields"]["status"], "success");
    assert!(!r.stderr.contains(VALUE) && !r.stderr.contains(PASSWORD));
}

/// A pipe whose reader is gone: the standard input of a `true` that has
/// exited (no race with a reader that could still read).
fn closed_pipe() -> std::process::Stdio {
    let mut reader = std::process::Command::new("true")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawn true");
    let writer = reader.stdin.take().expect("pipe");
    assert!(reader.wait().expect("wait").success());
    writer.into()
}

#[test]
fn a_failed_stdout_write_still_leaves_its_audit_line_and_exits_1() {
    // `agent secret export > /dev/full`: the values were decrypted, the
    // write failed; the failure is recorded and the exit code says so.
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    let lines = audit_json(&p).len();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = p
        .command()
        .args(["secret", "export"])
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("spawn agent");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: cannot write to standard output (No space left on device"),
        "{stderr}"
    );
    assert!(!stderr.contains(VALUE), "{stderr}");
    let log = audit_json(&p);
    assert_eq!(log.len(), lines + 1, "one line for the export");
    let last = log.last().expect("line");
    assert_eq!(
        (&last["operation"], &last["status"]),
        (&"export".into(), &"failed".into())
    );
}

#[test]
fn a_closed_pipe_is_a_success_and_is_recorded_as_one() {
    // `agent secret list | head -1`: the reader went away; as ripgrep, no
    // error and exit 0, and the command's line is written.
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    p.set("stripe", "secret_key", "fake-stripe-value");
    for args in [&["secret", "list"][..], &["secret", "export"]] {
        let lines = audit_json(&p).len();
        let out = p
            .command()
            .args(args)
            .stdout(closed_pipe())
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("spawn agent");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
        let log = audit_json(&p);
        assert_eq!(log.len(), lines + 1, "{args:?}");
        let last = log.last().expect("line");
        assert_eq!(
            (&last["operation"], &last["status"]),
            (&args[1].into(), &"success".into())
        );
    }
}
