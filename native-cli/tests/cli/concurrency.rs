//! Many writers at once, and writers killed at any instant.

use crate::common;

use std::process::Stdio;
use std::time::Duration;

use common::{Project, PASSWORD};

#[test]
fn eight_writers_of_25_keys_each_keep_all_200() {
    let p = Project::initialized();
    let children: Vec<_> = (0..8)
        .map(|w| {
            // Each writer is a shell loop of 25 separate `agent` processes,
            // all writing the same service file.
            let script = format!(
                "i=0; while [ $i -lt 25 ]; do echo \"fake-{w}-$i\" | \"$0\" secret set shared w{w}_k$i --value-stdin >/dev/null || exit 1; i=$((i+1)); done"
            );
            let mut c = std::process::Command::new("sh");
            c.current_dir(p.root.path())
                .env("AGENT_SECRETS_PASSWORD", PASSWORD)
                .env("AGENT_SECRETS_LOCK_TIMEOUT_MS", "60000")
                .args(["-c", &script, common::agent_bin()])
                .stdin(Stdio::null());
            c.spawn().expect("spawn writer")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("wait").success());
    }
    let r = p.run(&["secret", "list", "shared", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let keys = v[0]["secrets"].as_array().expect("array");
    assert_eq!(keys.len(), 200, "{r:?}");
    // and every value is the one its writer wrote
    for (w, i) in [(0, 0), (3, 17), (7, 24)] {
        assert_eq!(
            p.get("shared", &format!("w{w}_k{i}")).stdout,
            format!("fake-{w}-{i}\n")
        );
    }
    assert!(!p.vault().join(".lock").exists());
}

#[test]
fn a_writer_killed_at_any_instant_leaves_a_vault_that_opens() {
    let p = Project::initialized();
    // A writer killed during its unlock leaves its attempt counted (as a
    // failure once stale): room for 24 of them.
    let r = p.run(&["secret", "config", "--lockout-attempts", "100"]);
    assert_eq!(r.code, 0, "{r:?}");
    p.set("svc", "before", "fake-before");
    let value = "v".repeat(64 * 1024);
    // Kill points spread from "before the KDF ends" to "after the rename".
    for round in 0..24u64 {
        let mut c = p.command();
        c.args([
            "secret",
            "set",
            "svc",
            &format!("k{round}"),
            "--value-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let mut child = c.spawn().expect("spawn");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            let _ = stdin.write_all(value.as_bytes());
        }
        std::thread::sleep(Duration::from_micros(round * 1_500));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // Every document parses, the vault opens, and the next writer is not
        // blocked by the dead one's lock.
        let r = p.run(&["secret", "list", "--json"]);
        assert_eq!(r.code, 0, "round {round}: {r:?}");
        assert_eq!(
            p.get("svc", "before").stdout,
            "fake-before\n",
            "round {round}"
        );
        let r = p.run_with(
            &["secret", "set", "svc", "after", "--value-stdin"],
            &[],
            Some("fake-after"),
        );
        assert_eq!(r.code, 0, "round {round}: {r:?}");
    }
    let leftovers: Vec<String> = p
        .snapshot()
        .into_keys()
        .filter(|n| n.starts_with(".agent-tmp-") || n.starts_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
