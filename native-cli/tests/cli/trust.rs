//! The vault folder is untrusted input, through the real binary: what
//! someone who can write `.agent/secrets/` but does not know the password
//! cannot make the owner's next command do.

use crate::common;

use std::process::Stdio;

use common::Project;

const VALUE: &str = "sk-FAKE-trust-cli-0001";
const ATTACKER: &str = "Attacker-Horse-Battery-1";

fn vault() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    p
}

/// Another vault, made with the attacker's own password.
fn attackers_vault() -> Project {
    let p = Project::new();
    let r = p.run_with(
        &["secret", "init", "--iterations", "100000"],
        &[("AGENT_SECRETS_PASSWORD", ATTACKER)],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    p
}

fn assert_config_refused(r: &common::Run) {
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stderr
            .contains("error: config.json: its MAC does not verify"),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains(VALUE) && !r.stderr.contains(VALUE),
        "{r:?}"
    );
}

#[test]
fn an_old_data_key_made_active_by_hand_is_refused_and_nothing_is_sealed_under_it() {
    let p = vault();
    let theirs = attackers_vault();
    let mut config = p.read_json("config.json");
    config["keys"]["k0"] = theirs.read_json("config.json")["keys"]["k1"].clone();
    config["active_key"] = "k0".into();
    p.write_json("config.json", &config);
    let service = std::fs::read(p.vault().join("openai.json")).expect("read");
    let r = p.run_with(
        &["secret", "set", "openai", "api_key", "--value-stdin"],
        &[],
        Some("sk-FAKE-new-value"),
    );
    assert_config_refused(&r);
    assert_config_refused(&p.get("openai", "api_key"));
    assert_eq!(
        std::fs::read(p.vault().join("openai.json")).expect("read"),
        service,
        "nothing sealed"
    );
    // Password-free commands still read the names.
    let r = p.run(&["secret", "list"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("api_key"), "{r:?}");
    let r = p.run(&["secret", "status"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn an_env_mapping_changed_by_hand_sends_no_value_anywhere() {
    let p = vault();
    let mut config = p.read_json("config.json");
    config["env"] = serde_json::json!({ "openai/api_key": ["PLANTED_VARIABLE"] });
    p.write_json("config.json", &config);
    let r = p.run(&[
        "secret",
        "run",
        "--",
        "sh",
        "-c",
        "echo \"[$PLANTED_VARIABLE]\"",
    ]);
    assert_config_refused(&r);
    let r = p.run(&["secret", "export", "--format", "dotenv"]);
    assert_config_refused(&r);
}

#[test]
fn a_config_copied_from_another_vault_is_refused() {
    let p = vault();
    let theirs = attackers_vault();
    std::fs::copy(
        theirs.vault().join("config.json"),
        p.vault().join("config.json"),
    )
    .expect("copy");
    let service = std::fs::read(p.vault().join("openai.json")).expect("read");
    // The owner's password opens none of its recipients.
    let r = p.run_with(
        &["secret", "set", "openai", "api_key", "--value-stdin"],
        &[],
        Some("sk-FAKE-new-value"),
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(
        std::fs::read(p.vault().join("openai.json")).expect("read"),
        service
    );
}

#[test]
fn a_planted_policy_outside_the_bounds_is_refused() {
    for (member, value) in [
        (
            "lockout",
            serde_json::json!({"max_attempts": 1000000, "base_delay_seconds": 30, "max_delay_seconds": 3600}),
        ),
        (
            "lockout",
            serde_json::json!({"max_attempts": 5, "base_delay_seconds": 30, "max_delay_seconds": 3155760000u64}),
        ),
        (
            "alerts",
            serde_json::json!({"failed_unlocks": 0, "window_seconds": 60}),
        ),
    ] {
        let p = vault();
        let mut config = p.read_json("config.json");
        config[member] = value.clone();
        p.write_json("config.json", &config);
        let r = p.get("openai", "api_key");
        assert_eq!(r.code, 6, "{value}: {r:?}");
        assert!(r.stderr.contains("error: config.json: "), "{r:?}");
        assert!(
            r.stderr.contains("outside") || r.stderr.contains("above 604800"),
            "{r:?}"
        );
    }
}

#[test]
fn a_lockout_until_2099_is_a_corrupt_state_not_a_lockout() {
    let p = vault();
    std::fs::write(
        p.vault().join("state.json"),
        r#"{"format":"agent-secrets/state","version":1,"failed_attempts":0,"in_flight":0,"lockouts":40,"locked_until":"2099-01-01T00:00:00Z","last_failure_at":null,"last_attempt_at":null}"#,
    )
    .expect("write");
    let r = p.get("openai", "api_key");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "sk-FAKE-trust-cli-0001\n"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("warning: state.json: locked_until is more than the policy's longest lockout (3600 s) ahead")
            && r.stderr.contains("starts again from zero"),
        "{r:?}"
    );
    let state = p.read_json("state.json");
    assert_eq!(
        (state["lockouts"].as_u64(), state["locked_until"].is_null()),
        (Some(0), true)
    );
}

#[test]
fn parallel_wrong_passwords_reach_the_kdf_at_most_max_attempts_times() {
    let p = Project::new();
    // A slow KDF, so that every process starts before any has finished.
    let r = p.run(&["secret", "init", "--iterations", "3000000"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = p.run(&[
        "secret",
        "config",
        "--lockout-attempts",
        "3",
        "--lockout-delay",
        "600",
        "--lockout-max-delay",
        "600",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let children: Vec<_> = (0..12)
        .map(|_| {
            let mut c = p.command();
            c.args(["secret", "get", "openai", "api_key"])
                .env("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0")
                .env("AGENT_SECRETS_LOCK_TIMEOUT_MS", "60000")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().expect("spawn")
        })
        .collect();
    let mut derived = 0;
    let mut refused = 0;
    for child in children {
        let r: common::Run = child.wait_with_output().expect("wait").into();
        // Only an attempt that ran the KDF can say the password is wrong.
        if r.stderr.contains("Incorrect password.") {
            assert_eq!(r.code, 4, "{r:?}");
            derived += 1;
        } else {
            assert_eq!(r.code, 5, "{r:?}");
            assert!(
                r.stderr.contains("Too many failed attempts. Try again in"),
                "{r:?}"
            );
            refused += 1;
        }
    }
    assert_eq!(derived + refused, 12);
    assert!(derived <= 3, "{derived} derivations with max_attempts 3");
    assert_eq!(derived, 3, "the three admitted attempts all ran");
    let state = p.read_json("state.json");
    assert_eq!(
        (state["lockouts"].as_u64(), state["in_flight"].as_u64()),
        (Some(1), Some(0))
    );
}

#[test]
fn config_shows_unverified_settings_and_changes_them_only_with_the_password() {
    let p = vault();
    let r = p.run(&["secret", "config"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("after 5 failed attempts, 30 s doubling to 3600 s"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("alerts") && r.stdout.contains("off"),
        "{r:?}"
    );
    assert!(r.stderr.contains("not verified"), "{r:?}");
    let r = p.run(&["secret", "config", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["verified"], false);
    assert_eq!(v["lockout"]["max_attempts"], 5);
    // A wrong password changes nothing.
    let before = std::fs::read(p.vault().join("config.json")).expect("read");
    let r = p.run_with(
        &["secret", "config", "--lockout-attempts", "7"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0")],
        None,
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(
        std::fs::read(p.vault().join("config.json")).expect("read"),
        before
    );
    // Out of bounds: a usage error, nothing changed.
    let r = p.run(&["secret", "config", "--lockout-attempts", "101"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        std::fs::read(p.vault().join("config.json")).expect("read"),
        before
    );
    // With the password: changed and MAC'ed, so the vault still opens.
    let r = p.run(&[
        "secret",
        "config",
        "--lockout-attempts",
        "7",
        "--alert-after",
        "4",
        "--alert-window",
        "120",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (
            v["verified"].as_bool(),
            v["lockout"]["max_attempts"].as_u64(),
            v["alerts"]["failed_unlocks"].as_u64()
        ),
        (Some(true), Some(7), Some(4))
    );
    let config = p.read_json("config.json");
    assert_eq!(config["lockout"]["max_attempts"], 7);
    assert_eq!(config["alerts"]["window_seconds"], 120);
    assert_eq!(p.get("openai", "api_key").stdout, format!("{VALUE}\n"));
    let r = p.run(&["secret", "config", "--no-alerts"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(p.read_json("config.json").get("alerts").is_none());
    // The change is audited, with a MAC.
    let log = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    let last = log.lines().last().expect("a line");
    assert!(
        last.contains("\"operation\":\"config\"") && last.contains("\"mac\":\""),
        "{last}"
    );
    // The same change made by hand is refused, and not re-MAC'ed by the command.
    let mut config = p.read_json("config.json");
    config["lockout"]["max_attempts"] = 100.into();
    p.write_json("config.json", &config);
    let edited = std::fs::read(p.vault().join("config.json")).expect("read");
    let r = p.run(&["secret", "config", "--lockout-attempts", "9"]);
    assert_config_refused(&r);
    assert_eq!(
        std::fs::read(p.vault().join("config.json")).expect("read"),
        edited
    );
    assert_config_refused(&p.get("openai", "api_key"));
}

#[test]
fn env_map_needs_the_password() {
    let p = vault();
    let before = std::fs::read(p.vault().join("config.json")).expect("read");
    let r = p.run_with(
        &["secret", "env", "--map", "openai/api_key=MY_OPENAI"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Horse-Battery-0")],
        None,
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(
        std::fs::read(p.vault().join("config.json")).expect("read"),
        before
    );
    let r = p.run(&["secret", "env", "--map", "openai/api_key=MY_OPENAI"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--",
            "sh",
            "-c",
            "test \"$MY_OPENAI\" = \"$EXPECTED\"",
        ],
        &[("EXPECTED", VALUE)],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
}
