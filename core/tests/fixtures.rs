//! The on-disk format v1 of `docs/format.md` pinned by fixture files.
//!
//! `tests/fixtures/format/` holds `ok_*` files, a real vault written by this
//! crate, `fail_config_*` / `fail_service_*` files that the strict parsers
//! must refuse, and `fail_config_mac_*` files that parse but whose MAC must
//! fail at unlock (changed after MACing, or MAC'ed by another vault). Every file in the folder must be listed in
//! [`FAIL`] or [`OK`] below, and every listed file must exist, so a new
//! fixture cannot slip in unchecked.
//!
//! Regenerate after a deliberate format change (then review the diff):
//! `cargo test -p agent-secrets-core --test fixtures -- --ignored regenerate`

use std::collections::BTreeMap;
use std::path::PathBuf;

use agent_secrets_core::format::{
    self, parse_config, parse_service, CIPHER, CONFIG_FILE, CONFIG_FORMAT, KDF_ALGORITHM,
    SERVICE_FORMAT,
};
use agent_secrets_core::{
    list, primitives, status, Error, ErrorKind, InitOptions, KeyName, MemoryStore, Password,
    ServiceName, Timestamp, Vault,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// The fixture vault's password. FAKE: written in the README on purpose.
const FIXTURE_PASSWORD: &str = "Fixture-Password-FAKE-1";
/// The password of the second recipient (`alice`) of
/// `ok_config_two_recipients.json`. FAKE.
const ALICE_PASSWORD: &str = "Fixture-Password-FAKE-alice";
/// The fixture vault's fake values: (service, key, value).
const VALUES: [(&str, &str, &str); 4] = [
    ("openai", "api_key", "sk-FAKE-fixture-openai-0001"),
    ("openai", "org_id", "org-FAKE-fixture-0002"),
    ("openai", "empty", ""),
    (
        "anthropic",
        "api_key",
        "sk-ant-FAKE-fixture-0003 ✓\nsecond line",
    ),
];
/// The plaintext canary of `fail_service_plaintext_value_field.json`.
const PLAINTEXT_CANARY: &str = "sk-FAKE-plaintext-canary-7f3a9c";
/// The canary of `fail_config_not_object.json`: a value pasted in place of a file.
const PASTED_CANARY: &str = "sk-FAKE-pasted-instead-of-config-51d2";

const T0: i64 = 1_795_867_200; // 2026-11-28T12:00:00Z

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/format")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What a fixture must do.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// `Error::Corrupt` whose message contains this text.
    Corrupt(&'static str),
    /// `Error::NewerVersion` with this version.
    Newer(u64),
    /// Parses; the unlock with the fixture password fails the MAC
    /// (`Error::ConfigMac`) before any data key is unwrapped.
    Mac,
}

use Expect::{Corrupt, Mac, Newer};

/// Every `fail_*` fixture and the refusal it must get.
const FAIL: &[(&str, Expect)] = &[
    (
        "fail_config_empty.json",
        Corrupt("truncated JSON at line 1"),
    ),
    (
        "fail_config_truncated.json",
        Corrupt("truncated JSON at line"),
    ),
    (
        "fail_config_invalid_json.json",
        Corrupt("invalid JSON at line"),
    ),
    (
        "fail_config_trailing_data.json",
        Corrupt("invalid JSON at line"),
    ),
    (
        "fail_config_not_object.json",
        Corrupt("a field has the wrong type or value"),
    ),
    (
        "fail_config_missing_field_recipients.json",
        Corrupt("missing field `recipients`"),
    ),
    (
        "fail_config_old_top_level_kdf.json",
        Corrupt("a field that format v1 does not have"),
    ),
    (
        "fail_config_missing_mac.json",
        Corrupt("missing field `mac`"),
    ),
    (
        "fail_config_short_mac.json",
        Corrupt("wrong size (expected 32 bytes)"),
    ),
    (
        "fail_config_missing_lockout.json",
        Corrupt("missing field `lockout`"),
    ),
    (
        "fail_config_unknown_recipient_type.json",
        Corrupt("a recipient in \"recipients\" is of a type this build does not know"),
    ),
    (
        "fail_config_no_recipients.json",
        Corrupt("\"recipients\" is empty"),
    ),
    (
        "fail_config_bad_vault_key_id.json",
        Corrupt("vault_key_id is not 32 lower-case hex characters"),
    ),
    (
        "fail_config_integer_beyond_2_pow_53.json",
        Corrupt("a number is not an integer within ±(2^53 − 1)"),
    ),
    (
        "fail_config_lockout_attempts_out_of_bounds.json",
        Corrupt("lockout.max_attempts is outside 1 to 100"),
    ),
    (
        "fail_config_lockout_delay_out_of_bounds.json",
        Corrupt("lockout.max_delay_seconds is below base_delay_seconds or above 604800"),
    ),
    (
        "fail_config_alerts_out_of_bounds.json",
        Corrupt("alerts.failed_unlocks is outside 1 to 1000"),
    ),
    ("fail_config_mac_wrong.json", Mac),
    ("fail_config_mac_of_another_vault.json", Mac),
    ("fail_config_mac_active_key_changed.json", Mac),
    ("fail_config_mac_key_added.json", Mac),
    ("fail_config_mac_env_changed.json", Mac),
    ("fail_config_mac_wrapped_key_changed.json", Mac),
    ("fail_config_mac_lockout_changed.json", Mac),
    ("fail_config_mac_alerts_added.json", Mac),
    (
        "fail_config_unknown_field.json",
        Corrupt("a field that format v1 does not have"),
    ),
    (
        "fail_config_unknown_kdf_field.json",
        Corrupt("a field that format v1 does not have"),
    ),
    (
        "fail_config_duplicate_field.json",
        Corrupt("duplicate field `cipher`"),
    ),
    ("fail_config_newer_version.json", Newer(2)),
    ("fail_config_version_zero.json", Corrupt("\"version\" is 0")),
    (
        "fail_config_version_string.json",
        Corrupt("\"version\" is missing or not a whole number"),
    ),
    (
        "fail_config_version_float.json",
        Corrupt("\"version\" is missing or not a whole number"),
    ),
    (
        "fail_config_missing_version.json",
        Corrupt("\"version\" is missing or not a whole number"),
    ),
    (
        "fail_config_format_tag.json",
        Corrupt("\"format\" is not \"agent-secrets/config\""),
    ),
    (
        "fail_config_missing_format.json",
        Corrupt("\"format\" is not \"agent-secrets/config\""),
    ),
    (
        "fail_config_iterations_below_floor.json",
        Corrupt("kdf.iterations 99999 is outside the accepted range 100000 to 10000000"),
    ),
    (
        "fail_config_iterations_above_cap.json",
        Corrupt("kdf.iterations 10000001 is outside the accepted range"),
    ),
    (
        "fail_config_iterations_over_u32.json",
        Corrupt("expected u32"),
    ),
    (
        "fail_config_iterations_negative.json",
        Corrupt("expected u32"),
    ),
    (
        "fail_config_wrong_algorithm.json",
        Corrupt("kdf.algorithm is not \"pbkdf2-hmac-sha256\""),
    ),
    (
        "fail_config_wrong_cipher.json",
        Corrupt("cipher is not \"aes-256-gcm\""),
    ),
    ("fail_config_bad_base64.json", Corrupt("not valid base64")),
    (
        "fail_config_base64_unpadded.json",
        Corrupt("not valid base64"),
    ),
    (
        "fail_config_base64_url_alphabet.json",
        Corrupt("not valid base64"),
    ),
    (
        "fail_config_short_salt.json",
        Corrupt("wrong size (expected 16 bytes)"),
    ),
    (
        "fail_config_short_nonce.json",
        Corrupt("wrong size (expected 12 bytes)"),
    ),
    (
        "fail_config_long_tag.json",
        Corrupt("wrong size (expected 16 bytes)"),
    ),
    (
        "fail_config_short_wrapped_key.json",
        Corrupt("wrong size (expected 32 bytes)"),
    ),
    (
        "fail_config_missing_tag.json",
        Corrupt("missing field `tag`"),
    ),
    (
        "fail_config_active_key_missing.json",
        Corrupt("active_key names no key in \"keys\""),
    ),
    (
        "fail_config_no_keys.json",
        Corrupt("active_key names no key in \"keys\""),
    ),
    (
        "fail_config_bad_key_id.json",
        Corrupt("is not a valid name"),
    ),
    (
        "fail_config_bad_timestamp.json",
        Corrupt("timestamp is not RFC 3339 UTC"),
    ),
    (
        "fail_config_timestamp_with_offset.json",
        Corrupt("timestamp is not RFC 3339 UTC"),
    ),
    (
        "fail_config_lockout_wrong_type.json",
        Corrupt("a field has the wrong type or value"),
    ),
    (
        "fail_service_empty.json",
        Corrupt("truncated JSON at line 1"),
    ),
    (
        "fail_service_truncated.json",
        Corrupt("truncated JSON at line"),
    ),
    (
        "fail_service_invalid_json.json",
        Corrupt("invalid JSON at line"),
    ),
    ("fail_service_newer_version.json", Newer(2)),
    (
        "fail_service_format_tag.json",
        Corrupt("\"format\" is not \"agent-secrets/service\""),
    ),
    (
        "fail_service_unknown_field.json",
        Corrupt("a field that format v1 does not have"),
    ),
    (
        "fail_service_plaintext_value_field.json",
        Corrupt("a field that format v1 does not have"),
    ),
    (
        "fail_service_name_mismatch.json",
        Corrupt("\"service\" does not match the file name"),
    ),
    (
        "fail_service_bad_key_name.json",
        Corrupt("an invalid key name (it contains a character other than"),
    ),
    (
        "fail_service_bad_key_id.json",
        Corrupt("'api_key' has an invalid key_id"),
    ),
    (
        "fail_service_missing_tag.json",
        Corrupt("missing field `tag`"),
    ),
    (
        "fail_service_missing_key_id.json",
        Corrupt("missing field `key_id`"),
    ),
    (
        "fail_service_short_nonce.json",
        Corrupt("wrong size (expected 12 bytes)"),
    ),
    (
        "fail_service_long_tag.json",
        Corrupt("wrong size (expected 16 bytes)"),
    ),
    ("fail_service_bad_base64.json", Corrupt("not valid base64")),
    (
        "fail_service_ciphertext_not_string.json",
        Corrupt("invalid type: integer `42`"),
    ),
    (
        "fail_service_secrets_not_map.json",
        Corrupt("invalid type: sequence, expected a map"),
    ),
    (
        "fail_service_bad_timestamp.json",
        Corrupt("timestamp is not RFC 3339 UTC"),
    ),
];

/// Every `ok_*` fixture.
const OK: &[&str] = &[
    "ok_config.json",
    "ok_config_two_recipients.json",
    "ok_service_openai.json",
    "ok_service_anthropic.json",
];

/// The service a `*_service_*` fixture is parsed as (its file stem).
fn service_of(name: &str) -> ServiceName {
    sn(if name == "ok_service_anthropic.json" {
        "anthropic"
    } else {
        "openai"
    })
}

fn parse(name: &str, bytes: &[u8]) -> Result<(), Error> {
    if name.contains("_config") {
        parse_config(bytes).map(|_| ())
    } else if name.contains("_service_") {
        parse_service(&service_of(name), bytes).map(|_| ())
    } else {
        panic!("{name}: neither a config nor a service fixture")
    }
}

/// Strings of the fixture that may hold content (values, base64,
/// timestamps): an error message must quote none of them. Names (format
/// tags, service, key ids) and the two algorithm names are left out: the
/// messages name those on purpose.
fn content_strings(bytes: &[u8]) -> Vec<String> {
    fn walk(v: &Value, parent: &str, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                let name_field =
                    ["format", "service", "key_id", "active_key", "type"].contains(&parent);
                if !name_field && s != KDF_ALGORITHM && s != CIPHER && s.len() >= 4 {
                    out.push(s.clone());
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, parent, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, k, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => walk(&v, "", &mut out),
        // Not JSON: every quoted run that is not a plain field name.
        Err(_) => {
            let text = String::from_utf8_lossy(bytes);
            for (i, s) in text.split('"').enumerate() {
                let field_like = s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                let constant = [CONFIG_FORMAT, SERVICE_FORMAT, KDF_ALGORITHM, CIPHER].contains(&s);
                if i % 2 == 1 && s.len() >= 8 && !field_like && !constant {
                    out.push(s.to_owned());
                }
            }
        }
    }
    out
}

#[test]
fn the_folder_holds_exactly_the_listed_fixtures() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture folder")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FAIL
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .chain(OK.iter().map(|n| (*n).to_owned()))
        .collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    for name in &on_disk {
        assert!(
            (name.starts_with("ok_")
                || name.starts_with("fail_config_")
                || name.starts_with("fail_service_"))
                && name.ends_with(".json"),
            "{name}: fixture names say ok_ or fail_config_/fail_service_"
        );
    }
}

#[test]
fn every_fail_fixture_is_refused_with_a_message_naming_the_file() {
    for (name, expect) in FAIL {
        let bytes = read(name);
        let file = if name.starts_with("fail_config_") {
            CONFIG_FILE.to_owned()
        } else {
            format::service_file(&service_of(name))
        };
        let e = match expect {
            Mac => {
                parse(name, &bytes).unwrap_or_else(|e| panic!("{name} must parse: {e}"));
                Vault::unlock(
                    fixture_store(name),
                    &Password::from(FIXTURE_PASSWORD),
                    Timestamp::from_unix(T0),
                )
                .expect_err(name)
            }
            _ => parse(name, &bytes).expect_err(name),
        };
        assert_eq!(e.kind(), ErrorKind::Integrity, "{name}: {e:?}");
        let message = e.to_string();
        match (expect, &e) {
            (Corrupt(detail), Error::Corrupt { file: f, detail: d }) => {
                assert_eq!(f, &file, "{name}");
                assert!(d.contains(detail), "{name}: {d:?} lacks {detail:?}");
                assert!(
                    message.contains("corrupt or edited by hand"),
                    "{name}: {message}"
                );
            }
            (Newer(version), Error::NewerVersion { file: f, found }) => {
                assert_eq!((f, found), (&file, version), "{name}");
                assert!(message.contains("newer version"), "{name}: {message}");
            }
            (Mac, Error::ConfigMac) => {
                assert!(message.contains("MAC does not verify"), "{name}: {message}");
            }
            _ => panic!("{name}: expected {expect:?}, got {e:?}"),
        }
        assert!(message.starts_with(&file), "{name}: {message}");
        let debug = format!("{e:?}");
        for s in content_strings(&bytes) {
            assert!(
                !message.contains(&s),
                "{name}: message quotes {s:?}: {message}"
            );
            assert!(!debug.contains(&s), "{name}: debug quotes {s:?}: {debug}");
        }
    }
}

#[test]
fn the_canaries_are_in_their_fixtures_and_never_in_messages() {
    // The leak checks above would pass vacuously if a canary were missing.
    for (name, canary) in [
        ("fail_service_plaintext_value_field.json", PLAINTEXT_CANARY),
        ("fail_config_not_object.json", PASTED_CANARY),
    ] {
        let bytes = read(name);
        assert!(String::from_utf8_lossy(&bytes).contains(canary), "{name}");
        assert!(
            content_strings(&bytes).iter().any(|s| s == canary),
            "{name}"
        );
        let e = parse(name, &bytes).expect_err(name);
        assert!(!format!("{e} {e:?}").contains(canary), "{name}: {e}");
    }
    // The fixture vault's values are nowhere in its files.
    for name in OK {
        let text = String::from_utf8(read(name)).expect("utf-8");
        for (_, _, value) in VALUES.iter().filter(|v| !v.2.is_empty()) {
            assert!(!text.contains(value), "{name} holds a plaintext value");
        }
        assert!(!text.contains(FIXTURE_PASSWORD));
    }
}

#[test]
fn every_ok_fixture_parses_and_is_what_the_writer_writes() {
    let config = parse_config(&read("ok_config.json")).expect("ok_config.json");
    assert_eq!(config.format, CONFIG_FORMAT);
    assert_eq!(config.version, 1);
    let (name, owner) = config.password_recipients().next().expect("owner");
    assert_eq!(name, "owner");
    assert_eq!(owner.kdf.algorithm, KDF_ALGORITHM);
    assert_eq!(owner.kdf.iterations, 100_000);
    assert_eq!(config.cipher, CIPHER);
    assert_eq!(config.active_key, "k1");
    assert_eq!(config.keys.keys().collect::<Vec<_>>(), ["k1"]);
    assert_eq!(config.created_at, Timestamp::from_unix(T0));
    assert_eq!(config.lockout.max_attempts, 5);
    assert_eq!(format::to_bytes(&config), read("ok_config.json"));

    let two = parse_config(&read("ok_config_two_recipients.json")).expect("two recipients");
    assert_eq!(
        two.password_recipients()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        ["alice", "owner"]
    );
    assert_eq!(
        (&two.keys, &two.vault_key_id),
        (&config.keys, &config.vault_key_id)
    );

    for (name, service, keys) in [
        (
            "ok_service_openai.json",
            "openai",
            vec!["api_key", "empty", "org_id"],
        ),
        ("ok_service_anthropic.json", "anthropic", vec!["api_key"]),
    ] {
        assert_eq!(service_of(name), service);
        let doc = parse_service(&sn(service), &read(name)).expect(name);
        assert_eq!(doc.format, SERVICE_FORMAT);
        assert_eq!(doc.service, service);
        assert_eq!(
            doc.secrets.keys().map(KeyName::as_str).collect::<Vec<_>>(),
            keys
        );
        for entry in doc.secrets.values() {
            assert_eq!(entry.key_id, "k1");
            assert_eq!(entry.created_at, Timestamp::from_unix(T0 + 60));
        }
        assert_eq!(format::to_bytes(&doc), read(name), "{name}");
        // Read as another service, a document is refused.
        assert!(matches!(
            parse_service(&sn("mistral"), &read(name)),
            Err(Error::Corrupt { .. })
        ));
    }
    for name in OK {
        parse(name, &read(name)).expect(name);
    }
}

fn fixture_store(config: &str) -> MemoryStore {
    fixture_store_bytes(read(config))
}

fn fixture_store_bytes(config: Vec<u8>) -> MemoryStore {
    MemoryStore::from_documents([
        (CONFIG_FILE.to_owned(), config),
        ("openai.json".to_owned(), read("ok_service_openai.json")),
        (
            "anthropic.json".to_owned(),
            read("ok_service_anthropic.json"),
        ),
    ])
}

#[test]
fn the_ok_vault_opens_with_the_fixture_password() {
    for (config, password) in [
        ("ok_config.json", FIXTURE_PASSWORD),
        ("ok_config_two_recipients.json", FIXTURE_PASSWORD),
        ("ok_config_two_recipients.json", ALICE_PASSWORD),
    ] {
        let vault = Vault::unlock(
            fixture_store(config),
            &Password::from(password),
            agent_secrets_core::Timestamp::from_unix(1_795_867_200),
        )
        .expect("fixture vault opens");
        for (service, key, value) in VALUES {
            assert_eq!(
                vault.get(&sn(service), &kn(key)).expect(key).expose(),
                value,
                "{service}/{key}"
            );
        }
        let (services, problems) = list(vault.store(), None).expect("list");
        assert!(problems.is_empty());
        assert_eq!(
            services
                .iter()
                .map(|s| s.service.as_str())
                .collect::<Vec<_>>(),
            ["anthropic", "openai"]
        );
        let (st, _) = status(vault.store()).expect("status");
        assert_eq!((st.services, st.secrets), (2, 4));
        // Reading changes nothing but the lockout count, cleared again.
        let mut after = vault.store().documents();
        let state = after.remove("state.json").expect("counted");
        assert!(agent_secrets_core::lockout::parse_state(&state)
            .expect("state")
            .is_clear());
        assert_eq!(after, fixture_store(config).documents());
    }
    let e = Vault::unlock(
        fixture_store("ok_config.json"),
        &Password::from("Fixture-Password-FAKE-2"),
        agent_secrets_core::Timestamp::from_unix(1_795_867_200),
    )
    .expect_err("wrong password");
    assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");
}

/// The worked example of docs/format.md §15, with the vault key `00 01 … 1f`.
const WORKED_EXAMPLE: &str = r#"{
  "format": "agent-secrets/config",
  "version": 1,
  "vault_key_id": "00112233445566778899aabbccddeeff",
  "recipients": {
    "owner": {
      "type": "password",
      "kdf": {
        "algorithm": "pbkdf2-hmac-sha256",
        "iterations": 600000,
        "salt": "c2FsdHNhbHRzYWx0c2FsdA=="
      },
      "identity": {
        "nonce": "aWRlbnRub25jZTEy",
        "ciphertext": "c2VhbGVkaWRlbnRpdHlzZWFsZWRpZGVudGl0eSEhISE=",
        "tag": "aWRlbnR0YWdpZGVudHRhZw=="
      },
      "public_key": "cHVibGlja2V5cHVibGlja2V5cHVibGlja2V5cHVibGk=",
      "stanza": {
        "share": "ZXBoZW1lcmFsc2hhcmVlcGhlbWVyYWxzaGFyZWVwaGU=",
        "body": "c3RhbnphYm9keXN0YW56YWJvZHlzdGFuemFib2R5c3RhbnphYm9keXN0YW56YWJvZHlzdGFuemFib2R5c3Rhbg=="
      },
      "created_at": "2026-11-28T12:00:00Z"
    }
  },
  "cipher": "aes-256-gcm",
  "active_key": "k1",
  "keys": {
    "k1": {
      "nonce": "bm9uY2Vub25jZTEy",
      "ciphertext": "d3JhcHBlZGRhdGFrZXl3cmFwcGVkZGF0YWtleXdyYXA=",
      "tag": "dGFndGFndGFndGFndGFnIQ==",
      "created_at": "2026-11-28T12:00:00Z"
    }
  },
  "lockout": {
    "max_attempts": 5,
    "base_delay_seconds": 30,
    "max_delay_seconds": 3600
  },
  "created_at": "2026-11-28T12:00:00Z",
  "updated_at": "2026-11-28T12:00:00Z",
  "mac": "8LSUJ5fnoXROdXfNIpc927Nqz+EYK6uR6KUsswfMU5E="
}
"#;

#[test]
fn the_worked_example_of_the_format_spec_verifies() {
    let spec = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/format.md"),
    )
    .expect("docs/format.md");
    assert!(
        spec.contains(WORKED_EXAMPLE),
        "docs/format.md §15 shows this document"
    );
    let vault_key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for (info, expected) in [
        (
            "agent-secrets/v1/wrap",
            "0df512603979856f659097741a5d341d05ade8263f2e749427054c34739620f1",
        ),
        (
            "agent-secrets/v1/config-mac",
            "67d36aba97c49ab57e524678aad19f4b7e61da9e94d3cecd775a682496aa01a8",
        ),
        (
            "agent-secrets/v1/audit-mac",
            "ed33497490a6227a280af790e6789edab8bd3d1ca62722c4cf4566ee78381491",
        ),
    ] {
        let key = primitives::hkdf_sha256(&vault_key, info.as_bytes()).expect("hkdf");
        assert_eq!(hex(&key), expected, "{info}");
        assert!(spec.contains(expected), "{info} in the spec");
    }
    let signed = primitives::signed_bytes(WORKED_EXAMPLE.as_bytes()).expect("signed bytes");
    assert_eq!(signed.len(), 989);
    assert!(signed.starts_with(br#"{"active_key":"k1","cipher":"aes-256-gcm","#));
    let mac = primitives::config_mac(&vault_key, WORKED_EXAMPLE.as_bytes()).expect("mac");
    assert_eq!(
        STANDARD.encode(mac),
        "8LSUJ5fnoXROdXfNIpc927Nqz+EYK6uR6KUsswfMU5E="
    );
    let config = parse_config(WORKED_EXAMPLE.as_bytes()).expect("parses");
    assert_eq!(config.mac.0, mac);
}

// ---- generator ------------------------------------------------------------

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("json");
    out.push(b'\n');
    out
}

fn edited(base: &Value, f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v = base.clone();
    f(&mut v);
    pretty(&v)
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("string"))
        .expect("base64")
}

fn remove(v: &mut Value, field: &str) {
    v.as_object_mut().expect("object").remove(field);
}

/// Writes the fixture folder from a fresh vault. Random salt, keys and
/// nonces change on each run; review the diff before committing.
#[test]
#[ignore = "writes tests/fixtures/format; run by hand after a format change"]
fn regenerate() {
    let options = InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    };
    let vault = Vault::init(
        MemoryStore::new(),
        &Password::from(FIXTURE_PASSWORD),
        &options,
        Timestamp::from_unix(T0),
    )
    .expect("init");
    for (service, key, value) in VALUES {
        vault
            .set(
                &sn(service),
                &kn(key),
                &value.into(),
                Timestamp::from_unix(T0 + 60),
            )
            .expect("set");
    }
    let docs = vault.store().documents();
    let vault_key = *vault.vault_key().expose_bytes();
    let vault_key_id = vault.vault_key().id().to_owned();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut put = |name: &str, bytes: Vec<u8>| {
        assert!(
            files.insert(name.to_owned(), bytes).is_none(),
            "{name} twice"
        );
    };
    let config_bytes = docs[CONFIG_FILE].clone();
    let openai_bytes = docs["openai.json"].clone();
    put("ok_config.json", config_bytes.clone());
    put("ok_service_openai.json", openai_bytes.clone());
    put("ok_service_anthropic.json", docs["anthropic.json"].clone());
    let config: Value = serde_json::from_slice(&config_bytes).expect("json");
    let openai: Value = serde_json::from_slice(&openai_bytes).expect("json");
    // A second password recipient, added through the vault (its X25519
    // identity and stanza are random, so this file differs at each run).
    let two = {
        let store = MemoryStore::new();
        for (name, bytes) in &docs {
            store.insert(name, bytes);
        }
        let mut owner = Vault::unlock(
            store,
            &Password::from(FIXTURE_PASSWORD),
            Timestamp::from_unix(T0 + 90),
        )
        .expect("unlock");
        owner
            .add_password_recipient(
                &kn("alice"),
                &Password::from(ALICE_PASSWORD),
                100_000,
                Timestamp::from_unix(T0 + 120),
            )
            .expect("add alice");
        let two: Value =
            serde_json::from_slice(&owner.store().documents()[CONFIG_FILE]).expect("json");
        two
    };
    let _ = (&vault_key, &vault_key_id);
    put("ok_config_two_recipients.json", pretty(&two));

    // Changed after MACing (or MAC'ed by another vault): they parse, and the
    // unlock refuses them.
    let other = Vault::init(
        MemoryStore::new(),
        &Password::from(FIXTURE_PASSWORD),
        &options,
        Timestamp::from_unix(T0),
    )
    .expect("another vault");
    let other_config: Value =
        serde_json::from_slice(&other.store().documents()[CONFIG_FILE]).expect("json");
    let mut mac = b64(&config["mac"]);
    mac[0] ^= 1;
    put(
        "fail_config_mac_wrong.json",
        edited(&config, |v| v["mac"] = json!(STANDARD.encode(&mac))),
    );
    put(
        "fail_config_mac_of_another_vault.json",
        edited(&config, |v| v["mac"] = other_config["mac"].clone()),
    );
    put(
        "fail_config_mac_active_key_changed.json",
        edited(&config, |v| {
            let k1 = v["keys"]["k1"].clone();
            v["keys"]["k0"] = k1;
            v["active_key"] = json!("k0");
        }),
    );
    put(
        "fail_config_mac_key_added.json",
        edited(&config, |v| {
            v["keys"]["k9"] = other_config["keys"]["k1"].clone();
        }),
    );
    put(
        "fail_config_mac_env_changed.json",
        edited(&config, |v| {
            v["env"] = json!({ "openai/api_key": ["LEAKED_TO_THIS_VARIABLE"] });
        }),
    );
    put(
        "fail_config_mac_wrapped_key_changed.json",
        edited(&config, |v| {
            let mut tag = b64(&v["keys"]["k1"]["tag"]);
            tag[0] ^= 1;
            v["keys"]["k1"]["tag"] = json!(STANDARD.encode(&tag));
        }),
    );
    put(
        "fail_config_mac_lockout_changed.json",
        edited(&config, |v| v["lockout"]["max_attempts"] = json!(100)),
    );
    put(
        "fail_config_mac_alerts_added.json",
        edited(&config, |v| {
            v["alerts"] = json!({ "failed_unlocks": 1000, "window_seconds": 1 });
        }),
    );

    // config.json
    let c = |f: fn(&mut Value)| edited(&config, f);
    put("fail_config_empty.json", Vec::new());
    put(
        "fail_config_truncated.json",
        config_bytes[..config_bytes.len() / 2].to_vec(),
    );
    put(
        "fail_config_invalid_json.json",
        b"{\"format\": \"agent-secrets/config\", version: 1}\n".to_vec(),
    );
    let mut trailing = config_bytes.clone();
    trailing.extend_from_slice(b"{}\n");
    put("fail_config_trailing_data.json", trailing);
    put(
        "fail_config_not_object.json",
        format!("\"{PASTED_CANARY}\"\n").into_bytes(),
    );
    put(
        "fail_config_missing_field_recipients.json",
        c(|v| remove(v, "recipients")),
    );
    put(
        "fail_config_old_top_level_kdf.json",
        c(|v| {
            let kdf = v["recipients"]["owner"]["kdf"].clone();
            v["kdf"] = kdf;
        }),
    );
    put("fail_config_missing_mac.json", c(|v| remove(v, "mac")));
    put(
        "fail_config_short_mac.json",
        c(|v| v["mac"] = json!("AAAAAAAAAAAAAAAAAAAAAA==")),
    );
    put(
        "fail_config_missing_lockout.json",
        c(|v| remove(v, "lockout")),
    );
    put(
        "fail_config_unknown_recipient_type.json",
        c(|v| v["recipients"]["owner"]["type"] = json!("x25519")),
    );
    put(
        "fail_config_no_recipients.json",
        c(|v| v["recipients"] = json!({})),
    );
    put(
        "fail_config_bad_vault_key_id.json",
        c(|v| v["vault_key_id"] = json!("0123456789ABCDEF0123456789ABCDEF")),
    );
    put(
        "fail_config_integer_beyond_2_pow_53.json",
        c(|v| v["lockout"]["max_delay_seconds"] = json!(9_007_199_254_740_993u64)),
    );
    put(
        "fail_config_lockout_attempts_out_of_bounds.json",
        c(|v| v["lockout"]["max_attempts"] = json!(1_000_000)),
    );
    put(
        "fail_config_lockout_delay_out_of_bounds.json",
        c(|v| v["lockout"]["max_delay_seconds"] = json!(3_155_760_000u64)),
    );
    put(
        "fail_config_alerts_out_of_bounds.json",
        c(|v| v["alerts"] = json!({ "failed_unlocks": 0, "window_seconds": 300 })),
    );
    put(
        "fail_config_unknown_field.json",
        c(|v| v["extra"] = json!("sk-FAKE-unknown-field-value")),
    );
    put(
        "fail_config_unknown_kdf_field.json",
        c(|v| v["recipients"]["owner"]["kdf"]["memory"] = json!(65536)),
    );
    put(
        "fail_config_duplicate_field.json",
        String::from_utf8(config_bytes.clone())
            .expect("utf-8")
            .replacen(
                "  \"cipher\": \"aes-256-gcm\",\n",
                "  \"cipher\": \"aes-256-gcm\",\n  \"cipher\": \"aes-256-gcm\",\n",
                1,
            )
            .into_bytes(),
    );
    put(
        "fail_config_newer_version.json",
        c(|v| v["version"] = json!(2)),
    );
    put(
        "fail_config_version_zero.json",
        c(|v| v["version"] = json!(0)),
    );
    put(
        "fail_config_version_string.json",
        c(|v| v["version"] = json!("1")),
    );
    put(
        "fail_config_version_float.json",
        c(|v| v["version"] = json!(1.5)),
    );
    put(
        "fail_config_missing_version.json",
        c(|v| remove(v, "version")),
    );
    put(
        "fail_config_format_tag.json",
        c(|v| v["format"] = json!("agent-secrets/service")),
    );
    put(
        "fail_config_missing_format.json",
        c(|v| remove(v, "format")),
    );
    put(
        "fail_config_iterations_below_floor.json",
        c(|v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(99_999)),
    );
    put(
        "fail_config_iterations_above_cap.json",
        c(|v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(10_000_001)),
    );
    put(
        "fail_config_iterations_over_u32.json",
        c(|v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(4_294_967_296u64)),
    );
    put(
        "fail_config_iterations_negative.json",
        c(|v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(-600_000)),
    );
    put(
        "fail_config_wrong_algorithm.json",
        c(|v| v["recipients"]["owner"]["kdf"]["algorithm"] = json!("argon2id")),
    );
    put(
        "fail_config_wrong_cipher.json",
        c(|v| v["cipher"] = json!("chacha20-poly1305")),
    );
    put(
        "fail_config_bad_base64.json",
        c(|v| v["recipients"]["owner"]["kdf"]["salt"] = json!("not*base64*at*all!!!!!==")),
    );
    put(
        "fail_config_base64_unpadded.json",
        c(|v| {
            let salt = v["recipients"]["owner"]["kdf"]["salt"]
                .as_str()
                .expect("salt")
                .trim_end_matches('=')
                .to_owned();
            v["recipients"]["owner"]["kdf"]["salt"] = json!(salt);
        }),
    );
    // 16 bytes chosen so that the standard encoding has '+' and '/' and the URL-safe one '-' and '_'.
    put(
        "fail_config_base64_url_alphabet.json",
        c(|v| v["recipients"]["owner"]["kdf"]["salt"] = json!("-_-_-_-_AAAAAAAAAAAAAA==")),
    );
    put(
        "fail_config_short_salt.json",
        c(|v| v["recipients"]["owner"]["kdf"]["salt"] = json!("AAAAAAAAAAAAAAAAAAAA")),
    );
    put(
        "fail_config_short_nonce.json",
        c(|v| v["keys"]["k1"]["nonce"] = json!("AAAAAAAAAAA=")),
    );
    put(
        "fail_config_long_tag.json",
        c(|v| v["keys"]["k1"]["tag"] = json!("AAAAAAAAAAAAAAAAAAAAAAA=")),
    );
    put(
        "fail_config_short_wrapped_key.json",
        c(|v| {
            v["keys"]["k1"]["ciphertext"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
        }),
    );
    put(
        "fail_config_missing_tag.json",
        c(|v| remove(&mut v["keys"]["k1"], "tag")),
    );
    put(
        "fail_config_active_key_missing.json",
        c(|v| v["active_key"] = json!("k2")),
    );
    put("fail_config_no_keys.json", c(|v| v["keys"] = json!({})));
    put(
        "fail_config_bad_key_id.json",
        c(|v| {
            let k1 = v["keys"]["k1"].clone();
            v["keys"]["k/2"] = k1;
        }),
    );
    put(
        "fail_config_bad_timestamp.json",
        c(|v| v["created_at"] = json!("28/11/2026 12:00")),
    );
    put(
        "fail_config_timestamp_with_offset.json",
        c(|v| v["updated_at"] = json!("2026-11-28T13:00:00+01:00")),
    );
    put(
        "fail_config_lockout_wrong_type.json",
        c(|v| v["lockout"]["max_attempts"] = json!("five")),
    );

    // <service>.json, all read as openai.json
    let s = |f: fn(&mut Value)| edited(&openai, f);
    put("fail_service_empty.json", Vec::new());
    put(
        "fail_service_truncated.json",
        openai_bytes[..openai_bytes.len() * 2 / 3].to_vec(),
    );
    put(
        "fail_service_invalid_json.json",
        b"{\"format\": 'agent-secrets/service'}\n".to_vec(),
    );
    put(
        "fail_service_newer_version.json",
        s(|v| v["version"] = json!(2)),
    );
    put(
        "fail_service_format_tag.json",
        s(|v| v["format"] = json!("agent-secrets/config")),
    );
    put(
        "fail_service_unknown_field.json",
        s(|v| v["comment"] = json!("sk-FAKE-comment-value")),
    );
    put(
        "fail_service_plaintext_value_field.json",
        s(|v| {
            let e = &mut v["secrets"]["api_key"];
            remove(e, "ciphertext");
            e["value"] = json!(PLAINTEXT_CANARY);
        }),
    );
    put(
        "fail_service_name_mismatch.json",
        s(|v| v["service"] = json!("anthropic")),
    );
    put(
        "fail_service_bad_key_name.json",
        s(|v| {
            let e = v["secrets"]["api_key"].clone();
            v["secrets"]["../x"] = e;
        }),
    );
    put(
        "fail_service_bad_key_id.json",
        s(|v| v["secrets"]["api_key"]["key_id"] = json!("k 1")),
    );
    put(
        "fail_service_missing_tag.json",
        s(|v| remove(&mut v["secrets"]["api_key"], "tag")),
    );
    put(
        "fail_service_missing_key_id.json",
        s(|v| remove(&mut v["secrets"]["api_key"], "key_id")),
    );
    put(
        "fail_service_short_nonce.json",
        s(|v| v["secrets"]["api_key"]["nonce"] = json!("AAAAAAAA")),
    );
    put(
        "fail_service_long_tag.json",
        s(|v| v["secrets"]["api_key"]["tag"] = json!("AAAAAAAAAAAAAAAAAAAAAAAA")),
    );
    put(
        "fail_service_bad_base64.json",
        s(|v| v["secrets"]["api_key"]["ciphertext"] = json!("c2stRkFLRS1wbGFpbg")),
    );
    put(
        "fail_service_ciphertext_not_string.json",
        s(|v| v["secrets"]["api_key"]["ciphertext"] = json!(42)),
    );
    put(
        "fail_service_secrets_not_map.json",
        s(|v| v["secrets"] = json!([])),
    );
    put(
        "fail_service_bad_timestamp.json",
        s(|v| v["secrets"]["api_key"]["updated_at"] = json!("2026-02-30T00:00:00Z")),
    );

    let dir = dir();
    std::fs::create_dir_all(&dir).expect("mkdir");
    for entry in std::fs::read_dir(&dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("ok_") || name.starts_with("fail_") {
            std::fs::remove_file(&path).expect("remove old fixture");
        }
    }
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("write fixture");
    }
}

/// A service name (test input, valid by construction).
fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}

/// A key name (test input, valid by construction).
fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}
