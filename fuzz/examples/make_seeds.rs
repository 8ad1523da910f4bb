//! Writes the seed corpus `fuzz/corpus/<target>/` from documents the core
//! itself writes, plus a few truncated and edited copies. Run on purpose:
//! `cargo run --example make_seeds` (in `fuzz/`; stable is enough).
//! Seeds are deterministic (fixed nonces and salts) so a re-run changes nothing.

use std::fs;
use std::path::Path;

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status, AUDIT_FILE};
use agent_secrets_core::format::{
    identity_aad, key_aad, parse_config, to_bytes, value_aad, vault_key_aad, Base64, ConfigDoc,
    Fixed, SecretEntry, ServiceDoc, WrappedKey, CIPHER, CONFIG_FORMAT, KDF_ALGORITHM, VERSION,
};
use agent_secrets_core::lockout::{LockoutState, STATE_FILE};
use agent_secrets_core::primitives::{
    aes256gcm_seal, config_mac, hkdf_sha256, x25519_public_key, x25519_stanza_seal,
};
use agent_secrets_core::{
    Error, KeyName, MemoryStore, PasswordKey, ServiceName, Store, Timestamp, Vault,
};
use agent_secrets_fuzz::{
    FUZZ_IDENTITY, FUZZ_PASSWORD_KEY, FUZZ_VAULT_KEY, FUZZ_VAULT_KEY_ID, MARKER,
};

const T0: i64 = 1_795_867_200; // 2026-11-28T12:00:00Z

fn ts(offset: i64) -> Timestamp {
    Timestamp::from_unix(T0 + offset)
}

fn sealed(key: &[u8; 32], nonce: [u8; 12], aad: &str, plain: &[u8]) -> (Vec<u8>, [u8; 16]) {
    aes256gcm_seal(key, &nonce, aad.as_bytes(), plain).expect("seal")
}

fn wrapped(id: &str, data_key: &[u8; 32], n: u8) -> WrappedKey {
    let wrap_key = hkdf_sha256(&FUZZ_VAULT_KEY, b"agent-secrets/v1/wrap").expect("hkdf");
    let (ct, tag) = sealed(&wrap_key, [n; 12], &key_aad(id), data_key);
    WrappedKey {
        nonce: Fixed([n; 12]),
        ciphertext: Fixed(ct.try_into().expect("32 bytes")),
        tag: Fixed(tag),
        created_at: ts(0),
    }
}

/// The recipient `owner`: the X25519 identity [`FUZZ_IDENTITY`] sealed
/// under [`FUZZ_PASSWORD_KEY`], and the vault key's payload (its id's 16
/// bytes, then the key) encrypted to the identity's public key.
fn owner() -> serde_json::Value {
    let (ct, tag) = sealed(
        &FUZZ_PASSWORD_KEY,
        [9; 12],
        &identity_aad("owner"),
        &FUZZ_IDENTITY,
    );
    let public = x25519_public_key(&FUZZ_IDENTITY);
    let mut payload: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&FUZZ_VAULT_KEY_ID[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    payload.extend_from_slice(&FUZZ_VAULT_KEY);
    let (share, body) = x25519_stanza_seal(
        &[0x55; 32],
        &public,
        vault_key_aad(FUZZ_VAULT_KEY_ID, "owner").as_bytes(),
        &payload,
    )
    .expect("sizes")
    .expect("a public key of full order");
    serde_json::json!({
        "type": "password",
        "kdf": { "algorithm": KDF_ALGORITHM, "iterations": 100_000, "salt": Fixed([7u8; 16]) },
        "identity": {
            "nonce": Fixed([9u8; 12]),
            "ciphertext": Fixed::<32>(ct.try_into().expect("32 bytes")),
            "tag": Fixed(tag),
        },
        "public_key": Fixed(public),
        "stanza": {
            "share": Fixed(share),
            "body": Fixed::<64>(body.try_into().expect("64 bytes")),
        },
        "created_at": ts(0),
    })
}

/// A vault whose vault key is encrypted to `owner` ([`owner`]), its data
/// keys wrapped under the vault key's wrap subkey, MAC'ed. With two keys it
/// also has an `age` recipient (a well-formed key and a wrapping no
/// identity here opens). Built as JSON and read back by the core's parser,
/// so optional fields added to `config.json` later do not break this
/// example.
fn config(two_keys: bool) -> ConfigDoc {
    let mut keys = serde_json::Map::new();
    let mut add = |id: &str, data_key: &[u8; 32], n: u8| {
        keys.insert(
            id.to_owned(),
            serde_json::to_value(wrapped(id, data_key, n)).expect("json"),
        );
    };
    add("k1", &[1; 32], 1);
    if two_keys {
        add("k2", &[2; 32], 2);
    }
    let mut recipients = serde_json::Map::new();
    recipients.insert("owner".to_owned(), owner());
    if two_keys {
        recipients.insert(
            "bob".to_owned(),
            serde_json::json!({
                "type": "age",
                "public_key": format!("age1{}", "q".repeat(58)),
                "wrapping": Base64(b"age-encryption.org/v1\n-> X25519 fuzz\n".to_vec()),
                "created_at": ts(0),
            }),
        );
    }
    let mut doc = serde_json::json!({
        "format": CONFIG_FORMAT,
        "version": VERSION,
        "vault_key_id": FUZZ_VAULT_KEY_ID,
        "recipients": recipients,
        "cipher": CIPHER,
        "active_key": if two_keys { "k2" } else { "k1" },
        "keys": keys,
        "lockout": { "max_attempts": 3, "base_delay_seconds": 30, "max_delay_seconds": 3600 },
        "created_at": ts(0),
        "updated_at": ts(60),
        "mac": Fixed([0u8; 32]),
    });
    let mac = config_mac(&FUZZ_VAULT_KEY, doc.to_string().as_bytes()).expect("mac");
    doc["mac"] = serde_json::to_value(Fixed(mac)).expect("json");
    parse_config(doc.to_string().as_bytes()).expect("a valid config")
}

fn service() -> ServiceDoc {
    let openai = ServiceName::parse("openai").expect("a valid name");
    let mut doc = ServiceDoc::new(&openai);
    for (i, (key, value)) in [("api_key", "sk-fuzz-seed-0001"), ("org_id", "")]
        .iter()
        .enumerate()
    {
        let nonce = [10 + i as u8; 12];
        let key = KeyName::parse(key).expect("a valid name");
        let (ct, tag) = sealed(&[1; 32], nonce, &value_aad(&openai, &key), value.as_bytes());
        doc.secrets.insert(
            key,
            SecretEntry {
                key_id: "k1".to_owned(),
                nonce: Fixed(nonce),
                ciphertext: Base64(ct),
                tag: Fixed(tag),
                created_at: ts(120),
                updated_at: ts(180),
            },
        );
    }
    doc
}

fn states() -> Vec<(&'static str, LockoutState)> {
    let failing = LockoutState {
        failed_attempts: 2,
        last_failure_at: Some(ts(10)),
        ..LockoutState::default()
    };
    let locked = LockoutState {
        lockouts: 2,
        locked_until: Some(ts(3600)),
        last_failure_at: Some(ts(3540)),
        ..LockoutState::default()
    };
    vec![
        ("clean", LockoutState::default()),
        ("failing", failing),
        ("locked", locked),
    ]
}

fn audit_log() -> Vec<u8> {
    let store = MemoryStore::new();
    let events = [
        (Operation::Init, Status::Success, None, None),
        (Operation::Unlock, Status::Unauthorized, None, None),
        (
            Operation::Set,
            Status::Success,
            Some("openai"),
            Some("api_key"),
        ),
        (
            Operation::Get,
            Status::EnvFallback,
            Some("anthropic"),
            Some("api_key"),
        ),
        (Operation::Unlock, Status::Locked, None, None),
    ];
    for (i, (op, status, service, key)) in events.into_iter().enumerate() {
        let mut e = AuditEvent::new(ts(i as i64), op, status, "alice", "cli");
        if let Some(s) = service {
            e = e.service(&ServiceName::parse(s).expect("a valid name"));
        }
        if let Some(k) = key {
            e = e.key(&KeyName::parse(k).expect("a valid name"));
        }
        audit::append(&store, e).expect("append");
    }
    store.read(AUDIT_FILE).expect("read").expect("log")
}

fn s(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf8")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join(name), bytes).expect("write");
}

fn main() {
    // config
    let one = s(&to_bytes(&config(false)));
    let two = s(&to_bytes(&config(true)));
    write("config", "ok_one_key.json", one.as_bytes());
    write("config", "ok_two_keys.json", two.as_bytes());
    write(
        "config",
        "fail_truncated.json",
        &one.as_bytes()[..one.len() / 2],
    );
    write(
        "config",
        "fail_newer_version.json",
        one.replace("\"version\": 1", "\"version\": 2").as_bytes(),
    );
    write(
        "config",
        "fail_iterations.json",
        one.replace("100000", "99999").as_bytes(),
    );
    write(
        "config",
        "fail_cipher_canary.json",
        one.replace("aes-256-gcm", MARKER).as_bytes(),
    );
    write(
        "config",
        "fail_unknown_field_canary.json",
        one.replacen('{', &format!("{{\n  \"{MARKER}\": \"{MARKER}\","), 1)
            .as_bytes(),
    );
    write(
        "config",
        "fail_age_key_canary.json",
        two.replacen("age1qqqq", &format!("age1{MARKER}"), 1)
            .as_bytes(),
    );
    write(
        "config",
        "fail_recipient_type_canary.json",
        two.replacen("\"type\": \"age\"", &format!("\"type\": \"{MARKER}\""), 1)
            .as_bytes(),
    );
    write(
        "config",
        "fail_active_key.json",
        one.replace("\"active_key\": \"k1\"", "\"active_key\": \"k9\"")
            .as_bytes(),
    );
    write(
        "config",
        "fail_no_lockout.json",
        {
            let mut v: serde_json::Value = serde_json::from_str(&one).expect("json");
            v.as_object_mut().expect("object").remove("lockout");
            v.to_string()
        }
        .as_bytes(),
    );

    // service
    let svc = s(&to_bytes(&service()));
    write("service", "ok_openai.json", svc.as_bytes());
    write(
        "service",
        "fail_truncated.json",
        &svc.as_bytes()[..svc.len() * 2 / 3],
    );
    write(
        "service",
        "fail_plaintext_canary.json",
        svc.replacen(
            "\"ciphertext\"",
            &format!("\"value\": \"{MARKER}\", \"ciphertext\""),
            1,
        )
        .as_bytes(),
    );
    write(
        "service",
        "fail_key_id_canary.json",
        svc.replacen("\"k1\"", &format!("\"{MARKER} x\""), 1)
            .as_bytes(),
    );
    write(
        "service",
        "fail_service_mismatch.json",
        svc.replace("\"service\": \"openai\"", "\"service\": \"anthropic\"")
            .as_bytes(),
    );
    write(
        "service",
        "fail_tag_size.json",
        svc.replacen("\"tag\": \"", "\"tag\": \"AAAA", 1).as_bytes(),
    );

    // state
    for (name, state) in states() {
        write("state", &format!("ok_{name}.json"), &to_bytes(&state));
    }
    let clean = s(&to_bytes(&LockoutState::default()));
    write(
        "state",
        "fail_truncated.json",
        &clean.as_bytes()[..clean.len() / 2],
    );
    write(
        "state",
        "fail_format_canary.json",
        clean.replace("agent-secrets/state", MARKER).as_bytes(),
    );
    write(
        "state",
        "fail_negative.json",
        clean
            .replace("\"failed_attempts\": 0", "\"failed_attempts\": -1")
            .as_bytes(),
    );

    // audit
    let log = s(&audit_log());
    let lines: Vec<&str> = log.lines().collect();
    write("audit", "ok_five_lines.log", log.as_bytes());
    write(
        "audit",
        "fail_torn_last_line.log",
        &log.as_bytes()[..log.len() - 40],
    );
    write(
        "audit",
        "fail_edited.log",
        log.replacen("\"status\":\"locked\"", "\"status\":\"success\"", 1)
            .as_bytes(),
    );
    write(
        "audit",
        "fail_reordered.log",
        format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1]).as_bytes(),
    );
    write(
        "audit",
        "fail_user_canary.log",
        log.replacen("alice", MARKER, 1).as_bytes(),
    );
    // Regressions (core/tests/fuzz_regressions.rs).
    write("audit", "regression_one_newline.log", b"\n");
    write(
        "audit",
        "regression_seq_max.log",
        format!(
            "{}\n",
            lines[0].replacen("\"seq\":1,", "\"seq\":18446744073709551615,", 1)
        )
        .as_bytes(),
    );

    // unlock: config, then NUL and state.json when there is one
    let with_state = |config: &str, state: &LockoutState| {
        let mut out = config.as_bytes().to_vec();
        out.push(0);
        out.extend_from_slice(&to_bytes(state));
        out
    };
    write("unlock", "ok_one_key.bin", one.as_bytes());
    write("unlock", "ok_two_keys.bin", two.as_bytes());
    for (name, state) in states() {
        write(
            "unlock",
            &format!("ok_{name}_state.bin"),
            &with_state(&one, &state),
        );
    }
    // A byte of the owner's sealed identity, or of its stanza, flipped.
    let flipped = |path: &[&str]| {
        let mut v: serde_json::Value = serde_json::from_str(&one).expect("json");
        let mut slot = &mut v["recipients"]["owner"];
        for p in path {
            slot = &mut slot[*p];
        }
        let mut field: Base64 = serde_json::from_value(slot.clone()).expect("base64");
        field.0[0] ^= 1;
        *slot = serde_json::to_value(field).expect("json");
        v.to_string()
    };
    write(
        "unlock",
        "fail_wrong_key.bin",
        flipped(&["identity", "tag"]).as_bytes(),
    );
    write(
        "unlock",
        "fail_tampered_stanza.bin",
        flipped(&["stanza", "body"]).as_bytes(),
    );
    write(
        "unlock",
        "fail_tampered_k1.bin",
        two.replacen("\"nonce\": \"AQ", "\"nonce\": \"AA", 1)
            .as_bytes(),
    );
    write(
        "unlock",
        "fail_cipher_canary.bin",
        one.replace("aes-256-gcm", MARKER).as_bytes(),
    );
    let mut garbage_state = one.as_bytes().to_vec();
    garbage_state.extend_from_slice(format!("\0{{\"format\":\"{MARKER}\"").as_bytes());
    write("unlock", "fail_garbage_state.bin", &garbage_state);
    let _ = STATE_FILE;

    // The success path is reachable: the owner's seeds open with the
    // target's password key; the tampered ones do not.
    let opens = |config: &str| {
        let store = MemoryStore::new();
        store.insert("config.json", config.as_bytes());
        Vault::unlock_with_password_key(
            store,
            "owner",
            &PasswordKey::from_bytes(FUZZ_PASSWORD_KEY),
            ts(0),
        )
    };
    assert!(opens(&one).is_ok(), "ok_one_key opens");
    assert!(opens(&two).is_ok(), "ok_two_keys opens");
    assert!(matches!(
        opens(&flipped(&["identity", "tag"])),
        Err(Error::WrongPassword { .. })
    ));
    assert!(matches!(
        opens(&flipped(&["stanza", "body"])),
        Err(Error::ConfigMac)
    ));
    session_seeds();
    config_merge_seeds();
}

/// Config conflict documents (docs/format.md §3.3) whose sides are MAC'ed
/// under the seeds' vault key: one that merges (bob added on our side, the
/// lockout changed on theirs), one without a base (a conflict), broken
/// copies.
fn config_merge_seeds() {
    let base: serde_json::Value =
        serde_json::from_slice(&to_bytes(&config(false))).expect("json");
    let ours: serde_json::Value = serde_json::from_slice(&to_bytes(&config(true))).expect("json");
    let mut theirs = base.clone();
    theirs["lockout"]["max_attempts"] = serde_json::json!(7);
    theirs.as_object_mut().expect("object").remove("mac");
    let mac = config_mac(&FUZZ_VAULT_KEY, theirs.to_string().as_bytes()).expect("mac");
    theirs["mac"] = serde_json::to_value(Fixed(mac)).expect("json");
    let doc = |base: serde_json::Value| {
        serde_json::json!({
            "format": "agent-secrets/config-conflict", "version": 1,
            "base": base, "ours": ours, "theirs": theirs,
        })
        .to_string()
    };
    let merged = doc(base.clone());
    write("config_merge", "ok_merges.json", merged.as_bytes());
    write(
        "config_merge",
        "ok_no_base.json",
        doc(serde_json::Value::Null).as_bytes(),
    );
    write(
        "config_merge",
        "fail_truncated.json",
        &merged.as_bytes()[..merged.len() / 2],
    );
    write(
        "config_merge",
        "fail_base_canary.json",
        doc(serde_json::json!(MARKER)).as_bytes(),
    );
    write(
        "config_merge",
        "fail_theirs_mac.json",
        merged
            .replacen("\"max_attempts\":7", "\"max_attempts\":8", 1)
            .as_bytes(),
    );
    let sides = agent_secrets_core::merge_config::conflict_sides(merged.as_bytes())
        .expect("the seed parses");
    let key = agent_secrets_core::VaultKey::from_bytes(FUZZ_VAULT_KEY_ID, FUZZ_VAULT_KEY)
        .expect("key");
    let outcome = agent_secrets_core::merge_config::merge(
        sides.base.as_deref(),
        &sides.ours,
        &sides.theirs,
        &[key],
        &agent_secrets_core::NoAge,
        ts(120),
    )
    .expect("the seed's sides verify");
    assert!(
        matches!(outcome, agent_secrets_core::merge_config::Outcome::Merged(_)),
        "ok_merges merges"
    );
}

/// Frames of every kind, a bare body, and broken copies.
fn session_seeds() {
    use agent_secrets_core::session::{
        encode_request, encode_response, Limits, Miss, Refusal, Request, Response, Start,
        StatusInfo, Times,
    };
    let path = b"/home/fuzz/project/.agent/secrets";
    let times = Times {
        ends_in: 60,
        max_in: 3600,
    };
    let requests = [
        (
            "ok_key_request",
            Request::Key {
                id: FUZZ_VAULT_KEY_ID,
                path,
            },
        ),
        ("ok_status_request", Request::Status),
        ("ok_lock_request", Request::Lock),
        (
            "ok_start",
            Request::Start(Start {
                id: FUZZ_VAULT_KEY_ID,
                key: &FUZZ_VAULT_KEY,
                limits: Limits {
                    idle_seconds: 60,
                    max_seconds: 3600,
                },
                path,
            }),
        ),
    ];
    for (name, request) in requests {
        let frame = encode_request(&request).expect("valid");
        write("session", &format!("{name}.bin"), &frame);
        write("session", &format!("{name}_body.bin"), &frame[4..]);
        write(
            "session",
            &format!("fail_{name}_cut.bin"),
            &frame[..frame.len() - 1],
        );
    }
    let responses = [
        (
            "ok_key",
            Response::Key {
                id: FUZZ_VAULT_KEY_ID,
                key: &FUZZ_VAULT_KEY,
                times,
            },
        ),
        ("ok_miss", Response::Miss(Miss::OtherKey)),
        (
            "ok_status",
            Response::Status(StatusInfo {
                id: FUZZ_VAULT_KEY_ID,
                times,
                pid: 7,
                memory_locked: true,
                path,
            }),
        ),
        ("ok_locked", Response::Locked),
        ("ok_refused", Response::Refused(Refusal::Malformed)),
    ];
    for (name, response) in responses {
        write(
            "session",
            &format!("{name}.bin"),
            &encode_response(&response),
        );
    }
    let mut other_vault = encode_request(&Request::Key {
        id: FUZZ_VAULT_KEY_ID,
        path: b"/elsewhere",
    })
    .expect("valid");
    write(
        "session",
        "ok_key_request_other_vault.bin",
        &other_vault[4..],
    );
    other_vault[4] = 2;
    write("session", "fail_version_2.bin", &other_vault[4..]);
    let mut canary = vec![1, 0x01];
    canary.extend_from_slice(MARKER.as_bytes());
    write("session", "fail_canary_as_id.bin", &canary);
}
