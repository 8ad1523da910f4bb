//! Lockout, passwd and rotate through the real binary, including processes
//! killed with SIGKILL at spread-out instants.

use crate::common;

use std::process::Stdio;
use std::time::Duration;

use common::{Project, PASSWORD};

const NEW_PASSWORD: &str = "Second-Horse-Battery-8";

/// Sets the lockout policy the only way it can be set: with the password,
/// through `agent secret config` (config.json is MAC'ed).
fn set_lockout(p: &Project, max_attempts: u32, base: u64, max: u64) {
    let r = p.run(&[
        "secret",
        "config",
        "--lockout-attempts",
        &max_attempts.to_string(),
        "--lockout-delay",
        &base.to_string(),
        "--lockout-max-delay",
        &max.to_string(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let lockout = &p.read_json("config.json")["lockout"];
    assert_eq!(
        (
            lockout["max_attempts"].as_u64(),
            lockout["base_delay_seconds"].as_u64(),
            lockout["max_delay_seconds"].as_u64()
        ),
        (Some(max_attempts.into()), Some(base), Some(max))
    );
}

fn wrong(p: &Project) -> common::Run {
    p.run_with(
        &["secret", "get", "openai", "api_key"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0")],
        None,
    )
}

#[test]
fn lockout_after_max_attempts_then_no_attempt_until_it_ends() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-lockout");
    set_lockout(&p, 3, 30, 3600);
    let r = wrong(&p);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr
            .contains("Incorrect password. 2 attempts remaining."),
        "{r:?}"
    );
    let r = wrong(&p);
    assert!(
        r.stderr
            .contains("Incorrect password. 1 attempt remaining."),
        "{r:?}"
    );
    let r = wrong(&p);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr
            .contains("Too many failed attempts. Try again in 30 s."),
        "{r:?}"
    );
    // Locked: even the right password is not tried.
    let r = p.get("openai", "api_key");
    assert_eq!(r.code, 5, "{r:?}");
    assert!(
        r.stderr.contains("Too many failed attempts. Try again in"),
        "{r:?}"
    );
    assert!(r.stdout.is_empty());
    let state = p.read_json("state.json");
    assert_eq!(state["lockouts"], 1);
    // The audit trail records both kinds of refusal.
    let audit = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    assert!(audit.contains("\"status\":\"unauthorized\""), "{audit}");
    assert!(audit.contains("\"status\":\"locked\""), "{audit}");
    // When the lockout has run out (edited into the past, no waiting), the
    // right password works and resets the counters.
    let mut state = p.read_json("state.json");
    state["locked_until"] = "2000-01-01T00:00:00Z".into();
    p.write_json("state.json", &state);
    let r = p.get("openai", "api_key");
    assert_eq!((r.code, r.stdout.as_str()), (0, "fake-lockout\n"), "{r:?}");
    let state = p.read_json("state.json");
    assert_eq!(
        (
            state["failed_attempts"].as_u64(),
            state["lockouts"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(state["locked_until"], serde_json::Value::Null);
}

#[test]
fn the_second_lockout_is_twice_as_long_and_capped() {
    let p = Project::initialized();
    set_lockout(&p, 1, 40, 60);
    let r = wrong(&p);
    assert!(r.stderr.contains("Try again in 40 s."), "{r:?}");
    let mut state = p.read_json("state.json");
    state["locked_until"] = "2000-01-01T00:00:00Z".into();
    p.write_json("state.json", &state);
    let r = wrong(&p);
    assert!(
        r.stderr.contains("Try again in 60 s."),
        "capped at 60, not 80: {r:?}"
    );
}

#[test]
fn failures_from_concurrent_processes_all_count() {
    let p = Project::initialized();
    set_lockout(&p, 100, 30, 3600);
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut c = p.command();
            c.args(["secret", "get", "openai", "api_key"])
                .env("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c.spawn().expect("spawn")
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().expect("wait").code(), Some(4));
    }
    assert_eq!(p.read_json("state.json")["failed_attempts"], 6);
}

#[test]
fn a_corrupt_or_missing_state_file_means_no_failures_with_a_warning() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-state");
    std::fs::write(p.vault().join("state.json"), b"{ garbage").expect("write");
    let r = p.get("openai", "api_key");
    assert_eq!((r.code, r.stdout.as_str()), (0, "fake-state\n"), "{r:?}");
    assert!(r.stderr.contains("warning: state.json"), "{r:?}");
    let r = wrong(&p);
    assert!(r.stderr.contains("4 attempts remaining"), "{r:?}");
    assert_eq!(p.read_json("state.json")["failed_attempts"], 1);
}

#[test]
fn passwd_changes_only_config_and_the_old_password_stops_working() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-passwd");
    let service = std::fs::read(p.vault().join("openai.json")).expect("read");
    let r = p.run_with(
        &["secret", "passwd", "--iterations", "120000"],
        &[("AGENT_SECRETS_NEW_PASSWORD", NEW_PASSWORD)],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("Master password changed (120000 iterations)"),
        "{r:?}"
    );
    assert!(!r.stdout.contains(NEW_PASSWORD) && !r.stderr.contains(NEW_PASSWORD));
    assert_eq!(
        std::fs::read(p.vault().join("openai.json")).expect("read"),
        service
    );
    assert_eq!(p.get("openai", "api_key").code, 4);
    let r = p.run_with(
        &["secret", "get", "openai", "api_key", "--show"],
        &[("AGENT_SECRETS_PASSWORD", NEW_PASSWORD)],
        None,
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, "fake-passwd\n"), "{r:?}");
    // both passwords on stdin
    let r = p.run_with(
        &["secret", "passwd", "--password-stdin"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        Some(&format!("{NEW_PASSWORD}\n{PASSWORD}\n")),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(p.get("openai", "api_key").stdout, "fake-passwd\n");
}

#[test]
fn passwd_refuses_a_weak_or_missing_new_password_and_a_wrong_old_one() {
    let p = Project::initialized();
    let before = std::fs::read(p.vault().join("config.json")).expect("read");
    let r = p.run_with(
        &["secret", "passwd"],
        &[("AGENT_SECRETS_NEW_PASSWORD", "weak")],
        None,
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Password too weak"), "{r:?}");
    let r = p.run(&["secret", "passwd"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("AGENT_SECRETS_NEW_PASSWORD"), "{r:?}");
    let r = p.run_with(
        &["secret", "passwd"],
        &[
            ("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0"),
            ("AGENT_SECRETS_NEW_PASSWORD", NEW_PASSWORD),
        ],
        None,
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(
        p.read_json("state.json")["failed_attempts"],
        1,
        "counted toward the lockout"
    );
    assert_eq!(
        std::fs::read(p.vault().join("config.json")).expect("read"),
        before
    );
}

#[test]
fn rotate_re_encrypts_everything_and_keeps_the_values() {
    let p = Project::initialized();
    for s in 0..3 {
        for k in 0..3 {
            p.set(
                &format!("svc{s}"),
                &format!("key{k}"),
                &format!("fake-{s}-{k}"),
            );
        }
    }
    let r = p.run(&["secret", "rotate"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "Rotated to data key k2: 9 values in 3 services re-encrypted; dropped k1.\n"
    );
    let config = p.read_json("config.json");
    assert_eq!(config["active_key"], "k2");
    assert_eq!(config["keys"].as_object().expect("keys").len(), 1);
    for s in 0..3 {
        for k in 0..3 {
            assert_eq!(
                p.get(&format!("svc{s}"), &format!("key{k}")).stdout,
                format!("fake-{s}-{k}\n")
            );
        }
    }
    let r = p.run(&["secret", "rotate", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["new_key"], "k3");
    assert_eq!(v["values_moved"], 9);
}

/// Opens with one of the candidate passwords and checks every value.
fn opens_with_all_values(
    p: &Project,
    candidates: &[&str],
    expected: &[(String, String)],
) -> String {
    for pw in candidates {
        let r = p.run_with(
            &["secret", "list", "--json"],
            &[("AGENT_SECRETS_PASSWORD", pw)],
            None,
        );
        assert_eq!(r.code, 0, "every document parses: {r:?}");
        let first = p.run_with(
            &["secret", "get", &expected[0].0, "key", "--show"],
            &[("AGENT_SECRETS_PASSWORD", pw)],
            None,
        );
        if first.code == 4 {
            continue;
        }
        for (service, value) in expected {
            let r = p.run_with(
                &["secret", "get", service, "key", "--show"],
                &[("AGENT_SECRETS_PASSWORD", pw)],
                None,
            );
            assert_eq!((r.code, r.stdout.trim_end()), (0, value.as_str()), "{r:?}");
        }
        return (*pw).to_owned();
    }
    panic!("neither password opens the vault");
}

fn vault_with_services(n: usize) -> (Project, Vec<(String, String)>) {
    let p = Project::initialized();
    // Killed unlocks count (once stale) as failed attempts: room for them.
    set_lockout(&p, 100, 1, 1);
    let expected: Vec<(String, String)> = (0..n)
        .map(|i| (format!("svc{i:02}"), format!("fake-value-{i}")))
        .collect();
    for (s, v) in &expected {
        p.set(s, "key", v);
    }
    (p, expected)
}

fn kill_after(mut c: std::process::Command, delay: Duration) {
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().expect("spawn");
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn passwd_killed_at_any_instant_leaves_the_old_or_the_new_password_working() {
    let (p, expected) = vault_with_services(3);
    let mut current = PASSWORD.to_owned();
    for round in 0..20u64 {
        let next = if current == PASSWORD {
            NEW_PASSWORD
        } else {
            PASSWORD
        };
        let mut c = p.command();
        c.args(["secret", "passwd"])
            .env("AGENT_SECRETS_PASSWORD", &current)
            .env("AGENT_SECRETS_NEW_PASSWORD", next);
        kill_after(c, Duration::from_micros(round * 2_000));
        current = opens_with_all_values(&p, &[&current, next], &expected);
    }
}

#[test]
fn rotate_killed_at_any_instant_leaves_a_vault_that_opens_and_a_rerun_finishes() {
    let (p, expected) = vault_with_services(40);
    for round in 0..16u64 {
        let mut c = p.command();
        c.args(["secret", "rotate"]);
        kill_after(c, Duration::from_micros(round * 3_000));
        opens_with_all_values(&p, &[PASSWORD], &expected);
    }
    let r = p.run(&["secret", "rotate", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let config = p.read_json("config.json");
    assert_eq!(config["keys"].as_object().expect("keys").len(), 1, "{r:?}");
    let active = config["active_key"].as_str().expect("active").to_owned();
    for (s, _) in &expected {
        assert_eq!(
            p.read_json(&format!("{s}.json"))["secrets"]["key"]["key_id"],
            active.as_str()
        );
    }
    opens_with_all_values(&p, &[PASSWORD], &expected);
}
