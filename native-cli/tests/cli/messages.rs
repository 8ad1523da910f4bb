//! The CLI's error messages against the shared list in
//! `tests/messages/errors.json`, which the npm package's tests check too:
//! each state is reached for real, and its `error: ` line and exit code
//! must be the listed ones.

use crate::common;

use std::collections::BTreeSet;

use common::{Project, Run};
use serde_json::Value;

const WRONG: &str = "Wrong-Fake-Passw0rd";

/// The shared list.
struct Messages {
    prefix: String,
    entries: Vec<Value>,
    checked: BTreeSet<String>,
}

impl Messages {
    fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/messages/errors.json");
        let doc: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
        Self {
            prefix: doc["cli_prefix"].as_str().expect("cli_prefix").to_owned(),
            entries: doc["messages"].as_array().expect("messages").clone(),
            checked: BTreeSet::new(),
        }
    }

    /// Asserts that `run` failed with the entry `id`, its placeholders
    /// filled from `vars` (a placeholder may allow several values).
    fn check(&mut self, run: &Run, id: &str, vars: &[(&str, &[&str])]) {
        let entry = self
            .entries
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in errors.json"));
        let exit = entry["exit"].as_i64().expect("exit");
        assert_eq!(i64::from(run.code), exit, "{id}: {run:?}");
        let line = run
            .stderr
            .lines()
            .find_map(|l| l.strip_prefix(self.prefix.as_str()))
            .unwrap_or_else(|| panic!("{id}: no error line in {run:?}"));
        let wanted = fill(entry["text"].as_str().expect("text"), vars);
        assert!(
            wanted.iter().any(|w| w == line),
            "{id}:\n  got  {line}\n  want {wanted:?}"
        );
        self.checked.insert(id.to_owned());
    }

    /// Every entry of the list was checked by this test.
    fn all_checked(&self) {
        let listed: BTreeSet<String> = self
            .entries
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(listed, self.checked, "every listed message is checked");
    }
}

/// The text with each `{name}` replaced by each value `vars` allows for it.
fn fill(text: &str, vars: &[(&str, &[&str])]) -> Vec<String> {
    let mut out = vec![text.to_owned()];
    for (name, values) in vars {
        let holder = format!("{{{name}}}");
        assert!(text.contains(&holder), "{holder} is not in {text}");
        let holder = holder.as_str();
        out = out
            .iter()
            .flat_map(|t| values.iter().map(move |v| t.replace(holder, v)))
            .collect();
    }
    for t in &out {
        assert!(!t.contains('{'), "a placeholder left unfilled in {t}");
    }
    out
}

fn vault_with_a_secret() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", "sk-fake-messages-0123456789");
    p
}

#[test]
fn every_listed_message_is_what_the_cli_says() {
    let mut m = Messages::load();

    let empty = Project::new();
    m.check(&empty.get("openai", "api_key"), "not_initialized", &[]);
    let weak = empty.run_with(
        &["secret", "init", "--iterations", "100000"],
        &[("AGENT_SECRETS_PASSWORD", "Short-1a")],
        None,
    );
    m.check(&weak, "weak_password", &[]);
    std::fs::create_dir_all(empty.root.path().join(".agent")).expect("mkdir");
    std::fs::write(empty.vault(), b"").expect("a file where the folder goes");
    let init = empty.run(&["secret", "init", "--iterations", "100000"]);
    m.check(&init, "not_a_folder", &[("dir", &[".agent/secrets/"])]);

    let p = vault_with_a_secret();
    m.check(
        &p.get("stripe", "secret_key"),
        "service_not_found",
        &[("service", &["stripe"])],
    );
    m.check(
        &p.get("openai", "org_id"),
        "secret_not_found",
        &[("service", &["openai"]), ("key", &["org_id"])],
    );
    m.check(&p.get("../etc", "api_key"), "invalid_service_name", &[]);
    m.check(&p.get("openai", "bad key"), "invalid_key_name", &[]);

    let stripe = p.vault().join("stripe.json");
    std::fs::create_dir(&stripe).expect("a folder named like a service");
    m.check(
        &p.get("stripe", "secret_key"),
        "not_a_regular_file",
        &[("path", &[".agent/secrets/stripe.json"])],
    );
    std::fs::remove_dir(&stripe).expect("rmdir");

    // A live holder of the lock: this test process, on this host.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let host = host.trim();
    let pid = std::process::id().to_string();
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let since =
        agent_secrets_core::Timestamp::from_unix(i64::try_from(unix).expect("i64")).to_string();
    let since = since.as_str();
    let lock = format!(
        "{{\"pid\":{pid},\"host\":\"{host}\",\"created_at\":\"{since}\",\"nonce\":\"0123456789abcdef\",\"tool\":\"cli\"}}\n"
    );
    std::fs::write(p.vault().join(".lock"), lock).expect("lock");
    let busy = p.run_with(
        &["secret", "set", "openai", "api_key", "--value-stdin"],
        &[("AGENT_SECRETS_LOCK_TIMEOUT_MS", "30")],
        Some("sk-fake-new"),
    );
    m.check(
        &busy,
        "busy",
        &[
            ("lock", &[".agent/secrets/.lock"]),
            ("pid", &[pid.as_str()]),
            ("host", &[host]),
            ("since", &[since]),
            ("tool", &["cli"]),
        ],
    );
    std::fs::remove_file(p.vault().join(".lock")).expect("unlock");

    // Five wrong passwords: the counts, then the lockout.
    let wrong = |p: &Project| {
        p.run_with(
            &["secret", "get", "openai", "api_key"],
            &[("AGENT_SECRETS_PASSWORD", WRONG)],
            None,
        )
    };
    for n in ["4", "3", "2"] {
        m.check(&wrong(&p), "wrong_password", &[("n", &[n])]);
    }
    m.check(&wrong(&p), "wrong_password_last_attempt", &[]);
    m.check(
        &wrong(&p),
        "wrong_password_starts_lockout",
        &[("seconds", &["30"])],
    );
    // The next attempt, even with the right password, waits; a second may pass.
    m.check(
        &p.get("openai", "api_key"),
        "locked",
        &[("seconds", &["30", "29"])],
    );

    let t = vault_with_a_secret();
    let mut doc = t.read_json("openai.json");
    let ct = doc["secrets"]["api_key"]["ciphertext"]
        .as_str()
        .expect("ct")
        .to_owned();
    let flipped = if ct.starts_with('A') { "B" } else { "A" };
    doc["secrets"]["api_key"]["ciphertext"] = Value::from(format!("{flipped}{}", &ct[1..]));
    t.write_json("openai.json", &doc);
    m.check(
        &t.get("openai", "api_key"),
        "tampered_value",
        &[("file", &["openai.json"]), ("key", &["api_key"])],
    );

    let mut config = t.read_json("config.json");
    config["lockout"]["max_attempts"] = Value::from(7);
    t.write_json("config.json", &config);
    m.check(&t.get("anthropic", "api_key"), "config_mac", &[]);
    config["version"] = Value::from(2);
    t.write_json("config.json", &config);
    m.check(
        &t.get("openai", "api_key"),
        "newer_version",
        &[("file", &["config.json"]), ("found", &["2"])],
    );

    // What a merge with conflicts leaves (docs/format.md §3.3, §6.1).
    let c = vault_with_a_secret();
    let entry = c.read_json("openai.json")["secrets"]["api_key"].clone();
    m.check(
        &c.run(&["secret", "resolve", "openai", "api_key", "--ours"]),
        "not_in_conflict",
        &[("service", &["openai"]), ("key", &["api_key"])],
    );
    m.check(
        &c.run(&["secret", "resolve", "--config", "--theirs"]),
        "config_not_in_conflict",
        &[],
    );
    let conflict = serde_json::json!({
        "format": "agent-secrets/service-conflict", "version": 1, "service": "openai",
        "secrets": {}, "conflicts": {"api_key": {"ours": entry, "theirs": null}}
    });
    c.write_json("openai.json", &conflict);
    m.check(
        &c.get("openai", "api_key"),
        "service_conflict",
        &[
            ("file", &["openai.json"]),
            ("keys", &["'api_key'"]),
            ("service", &["openai"]),
        ],
    );
    let config = c.read_json("config.json");
    let conflict = serde_json::json!({
        "format": "agent-secrets/config-conflict", "version": 1,
        "base": null, "ours": config, "theirs": config
    });
    c.write_json("config.json", &conflict);
    m.check(&c.get("openai", "api_key"), "config_conflict", &[]);

    // Recipients (the CLI's only: the npm package has no recipient commands).
    let r = vault_with_a_secret();
    let owner = [("recipient", &["owner"][..])];
    m.check(
        &r.run(&["secret", "recipients", "remove", "owner"]),
        "last_recipient",
        &owner,
    );
    m.check(
        &r.run(&["secret", "recipients", "remove", "zed"]),
        "recipient_not_found",
        &[("recipient", &["zed"])],
    );
    m.check(
        &r.run_with(
            &[
                "secret",
                "recipients",
                "add",
                "owner",
                "--password",
                "--iterations",
                "100000",
            ],
            &[("AGENT_SECRETS_NEW_PASSWORD", "Other-Fake-Passw0rd-2")],
            None,
        ),
        "recipient_exists",
        &owner,
    );
    m.check(
        &r.run(&[
            "secret",
            "recipients",
            "add",
            "eve",
            "--age",
            "age1tooshort",
        ]),
        "invalid_recipient_key",
        &[("recipient", &["eve"])],
    );

    // A three-way merge of config.json (resolve --config without a side).
    let one = vault_with_a_secret();
    let config = one.read_json("config.json");
    let mut forged = config.clone();
    forged["lockout"]["max_attempts"] = Value::from(9);
    // Another vault, another password: the password given opens only ours.
    let stranger = Project::new();
    let init = stranger.run_with(
        &["secret", "init", "--iterations", "100000"],
        &[("AGENT_SECRETS_PASSWORD", "Stranger-Fake-Passw0rd-3")],
        None,
    );
    assert_eq!(init.code, 0, "{init:?}");
    let other = stranger.read_json("config.json");
    for (ours, theirs, id, side) in [
        (&forged, &config, "merge_mac", "ours"),
        (&config, &other, "merge_needs_key", "theirs"),
    ] {
        one.write_json(
            "config.json",
            &serde_json::json!({
                "format": "agent-secrets/config-conflict", "version": 1,
                "base": config, "ours": ours, "theirs": theirs
            }),
        );
        m.check(
            &one.run(&["secret", "resolve", "--config"]),
            id,
            &[("side", &[side])],
        );
    }

    m.all_checked();
}
