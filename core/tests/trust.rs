//! The vault folder is untrusted input: what someone who can write it, but
//! does not know the password, cannot do (docs/security.md). Each test
//! fails on a build without the config MAC, the vault key or the counted
//! lockout.

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status, AUDIT_FILE};
use agent_secrets_core::format::{LockoutPolicy, CONFIG_FILE};
use agent_secrets_core::lockout::{self, STATE_FILE};
use agent_secrets_core::{
    Error, ErrorKind, InitOptions, KeyName, MemoryStore, Password, ServiceName, Store, Timestamp,
    Vault, VaultKey,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// Fake passwords, for these tests only.
const PASSWORD: &str = "Correct-Horse-Battery-9";
const ATTACKER: &str = "Attacker-Horse-Battery-1";

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_795_867_200 + s)
}

fn options() -> InitOptions {
    InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    }
}

fn vault_with(password: &str) -> MemoryStore {
    let store = MemoryStore::new();
    let vault = Vault::init(&store, &Password::from(password), &options(), t(0)).expect("init");
    vault
        .set(
            &sn("openai"),
            &kn("api_key"),
            &"sk-FAKE-trust-0001".into(),
            t(1),
        )
        .expect("set");
    store
}

fn json_of(store: &MemoryStore, name: &str) -> Value {
    serde_json::from_slice(&store.read(name).expect("read").expect("present")).expect("json")
}

fn put(store: &MemoryStore, name: &str, v: &Value) {
    store.insert(name, v.to_string().as_bytes());
}

fn unlock(store: &MemoryStore) -> Result<Vault<&MemoryStore>, Error> {
    Vault::unlock(store, &Password::from(PASSWORD), t(10))
}

#[test]
fn an_old_data_key_put_back_as_active_is_refused_and_nothing_is_sealed_under_it() {
    let store = vault_with(PASSWORD);
    // The attacker knows an old data key (from before a passwd + rotate):
    // here, another vault's, wrapped under that vault's key, which they hold.
    let theirs = vault_with(ATTACKER);
    let mut config = json_of(&store, CONFIG_FILE);
    config["keys"]["k0"] = json_of(&theirs, CONFIG_FILE)["keys"]["k1"].clone();
    config["active_key"] = json!("k0");
    put(&store, CONFIG_FILE, &config);
    let service_before = store.read("openai.json").expect("read");
    let e = unlock(&store).expect_err("refused");
    assert!(matches!(e, Error::ConfigMac), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().starts_with("config.json: "));
    assert_eq!(store.read("openai.json").expect("read"), service_before);
    // A key entry added without changing the active key: refused the same way.
    let mut config = json_of(&vault_with(PASSWORD), CONFIG_FILE);
    config["keys"]["k9"] = json_of(&theirs, CONFIG_FILE)["keys"]["k1"].clone();
    put(&store, CONFIG_FILE, &config);
    assert!(matches!(unlock(&store), Err(Error::ConfigMac)));
}

#[test]
fn an_env_mapping_changed_without_the_password_is_refused_before_it_routes_anything() {
    let store = vault_with(PASSWORD);
    let mut config = json_of(&store, CONFIG_FILE);
    config["env"] = json!({ "openai/api_key": ["PLANTED_VARIABLE"] });
    put(&store, CONFIG_FILE, &config);
    // Password-free readers still parse it (names only) ...
    assert!(agent_secrets_core::list(&store, None).is_ok());
    // ... but nothing that needs the vault believes it.
    let e = unlock(&store).expect_err("refused");
    assert!(matches!(e, Error::ConfigMac), "{e:?}");
}

#[test]
fn the_mac_is_checked_before_any_data_key_is_unwrapped() {
    let store = vault_with(PASSWORD);
    let mut config = json_of(&store, CONFIG_FILE);
    // Garbage in every wrapped data key: a build that unwrapped before the
    // MAC would say TamperedKey.
    config["keys"]["k1"]["ciphertext"] = json!(STANDARD.encode([0u8; 32]));
    put(&store, CONFIG_FILE, &config);
    assert!(matches!(unlock(&store), Err(Error::ConfigMac)));
}

#[test]
fn a_config_from_another_vault_is_refused() {
    let store = vault_with(PASSWORD);
    // Copied whole from the attacker's vault (valid MAC there): the owner's
    // password opens none of its recipients.
    let theirs = vault_with(ATTACKER);
    store.insert(
        CONFIG_FILE,
        &theirs.read(CONFIG_FILE).expect("read").expect("present"),
    );
    let e = unlock(&store).expect_err("refused");
    assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");
    // Its recipients grafted onto ours (their vault key, our MAC): refused.
    let store = vault_with(PASSWORD);
    let mut config = json_of(&store, CONFIG_FILE);
    let other = json_of(&vault_with(PASSWORD), CONFIG_FILE);
    config["recipients"] = other["recipients"].clone();
    config["vault_key_id"] = other["vault_key_id"].clone();
    put(&store, CONFIG_FILE, &config);
    assert!(matches!(unlock(&store), Err(Error::ConfigMac)));
}

#[test]
fn a_planted_lockout_policy_outside_the_bounds_is_refused() {
    let store = vault_with(PASSWORD);
    let mut config = json_of(&store, CONFIG_FILE);
    config["lockout"]["max_attempts"] = json!(1_000_000);
    put(&store, CONFIG_FILE, &config);
    let e = unlock(&store).expect_err("refused");
    assert!(
        matches!(&e, Error::Corrupt { file, detail } if file == "config.json" && detail.contains("max_attempts")),
        "{e:?}"
    );
    // Nothing was counted: the policy was refused before the reservation.
    assert!(lockout::load(&store).0.is_clear());
    // Within the bounds but not MAC'ed: it is used only to count this
    // attempt, then the MAC refuses the file.
    config["lockout"]["max_attempts"] = json!(100);
    put(&store, CONFIG_FILE, &config);
    assert!(matches!(unlock(&store), Err(Error::ConfigMac)));
}

#[test]
fn locked_until_2099_is_a_corrupt_state_not_a_lockout() {
    let store = vault_with(PASSWORD);
    store.insert(
        STATE_FILE,
        br#"{"format":"agent-secrets/state","version":1,"failed_attempts":0,"in_flight":0,"lockouts":9,"locked_until":"2099-01-01T00:00:00Z","last_failure_at":null,"last_attempt_at":null}"#,
    );
    let start = agent_secrets_core::begin_unlock(&store, t(10)).expect("not locked");
    let warning = start.reservation.warning.expect("reported");
    assert!(
        warning
            .to_string()
            .starts_with("state.json: locked_until is more than the policy's longest lockout"),
        "{warning}"
    );
    assert!(lockout::RECOVERY.contains("starts again from zero"));
    lockout::clear(&store).expect("resolve that attempt");
    unlock(&store).expect("the owner gets in");
    assert!(lockout::load(&store).0.is_clear());
}

#[test]
fn parallel_wrong_guesses_reach_the_kdf_at_most_max_attempts_times() {
    // The reservation is what bounds the derivations: interleave many
    // attempts' first steps before any of them finishes.
    let store = MemoryStore::new();
    let policy = LockoutPolicy {
        max_attempts: 3,
        base_delay_seconds: 60,
        max_delay_seconds: 600,
    };
    let opts = InitOptions {
        iterations: 100_000,
        lockout: policy,
    };
    Vault::init(&store, &Password::from(PASSWORD), &opts, t(0)).expect("init");
    let admitted = (0..20)
        .filter(|_| agent_secrets_core::begin_unlock(&store, t(1)).is_ok())
        .count();
    assert_eq!(admitted, 3);
    assert!(matches!(
        agent_secrets_core::begin_unlock(&store, t(2)),
        Err(Error::UnlocksInFlight)
    ));
    // The three turn out wrong: the lockout starts, and refuses the rest.
    for _ in 0..3 {
        agent_secrets_core::fail_unlock(&store, t(3));
    }
    assert!(matches!(
        agent_secrets_core::begin_unlock(&store, t(4)),
        Err(Error::Locked { .. })
    ));
}

/// Vault key bytes of a store whose owner password is [`PASSWORD`].
fn held_key(store: &MemoryStore) -> VaultKey {
    let vault = unlock(store).expect("unlock");
    vault.vault_key().clone()
}

#[test]
fn a_held_vault_key_opens_without_a_kdf_and_misses_after_a_rotation() {
    let store = vault_with(PASSWORD);
    let key = held_key(&store);
    let writes = store.write_count();
    let vault = Vault::unlock_with_vault_key(&store, key.clone(), t(20)).expect("held key");
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        "sk-FAKE-trust-0001"
    );
    assert_eq!(store.write_count(), writes, "no lockout accounting");
    // Its audit lines say so; a password unlock's do not.
    assert_eq!(vault.auth(), Some(agent_secrets_core::audit::Auth::Session));
    assert_eq!(unlock(&store).expect("unlock").auth(), None);
    assert!(format!("{key:?}").contains("[redacted]"));
    // Rebuilt from its parts (as a session agent hands it back).
    let again = VaultKey::from_bytes(key.id(), *key.expose_bytes()).expect("parts");
    Vault::unlock_with_vault_key(&store, again, t(20)).expect("rebuilt");
    // A changed config fails the MAC under the held key too.
    let good = store.read(CONFIG_FILE).expect("read").expect("present");
    let mut config = json_of(&store, CONFIG_FILE);
    config["active_key"] = json!("k0");
    config["keys"]["k0"] = config["keys"]["k1"].clone();
    put(&store, CONFIG_FILE, &config);
    assert!(matches!(
        Vault::unlock_with_vault_key(&store, key.clone(), t(21)),
        Err(Error::ConfigMac)
    ));
    store.insert(CONFIG_FILE, &good);
    // After a rotation the held key is a miss, not an integrity error.
    let mut vault = unlock(&store).expect("unlock");
    vault.rotate(t(22), &mut |_, _| {}).expect("rotate");
    let e = Vault::unlock_with_vault_key(&store, key.clone(), t(23)).expect_err("miss");
    assert!(matches!(e, Error::VaultKeyMiss), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::WrongPassword);
    // The right id with the wrong bytes is a MAC failure.
    let forged = VaultKey::from_bytes(vault.vault_key().id(), [7; 32]).expect("id");
    assert!(matches!(
        Vault::unlock_with_vault_key(&store, forged, t(24)),
        Err(Error::ConfigMac)
    ));
    // A held key cannot change the password (that needs the identity the
    // password opens), but it can rotate: every recipient is a public key.
    let mut held =
        Vault::unlock_with_vault_key(&store, vault.vault_key().clone(), t(25)).expect("held");
    assert!(matches!(
        held.change_password(&Password::from("New-Horse-Battery-22"), None, t(26)),
        Err(Error::NeedsPassword)
    ));
    held.rotate(t(26), &mut |_, _| {})
        .expect("rotate with a held key");
    assert_ne!(held.vault_key().id(), vault.vault_key().id());
    unlock(&store).expect("the password still opens the rotated vault");
}

/// Adds a password recipient `alice` (password [`ATTACKER`]'s text, any
/// second password) through the owner's unlocked vault.
fn add_recipient(store: &MemoryStore, _key: &VaultKey) {
    let mut owner = unlock(store).expect("owner");
    owner
        .add_password_recipient(
            &KeyName::parse("alice").expect("name"),
            &Password::from(ATTACKER),
            100_000,
            t(29),
        )
        .expect("add alice");
}

#[test]
fn every_password_recipient_opens_and_rotate_wraps_for_every_one_without_their_passwords() {
    let store = vault_with(PASSWORD);
    let key = held_key(&store);
    add_recipient(&store, &key);
    let alice = Vault::unlock(&store, &Password::from(ATTACKER), t(30)).expect("second recipient");
    assert_eq!(alice.vault_key().id(), key.id());
    let mut owner = unlock(&store).expect("owner still opens");
    owner.rotate(t(31), &mut |_, _| {}).expect("rotate");
    assert_ne!(owner.vault_key().id(), key.id());
    // Alice's password opens the new vault key, which the owner wrapped
    // for her public key without knowing it.
    let alice = Vault::unlock(&store, &Password::from(ATTACKER), t(32)).expect("alice after");
    assert_eq!(alice.vault_key().id(), owner.vault_key().id());
    // passwd re-seals only the recipient that unlocked.
    owner
        .change_password(&Password::from("New-Horse-Battery-22"), None, t(32))
        .expect("passwd");
    Vault::unlock(&store, &Password::from(ATTACKER), t(33)).expect("alice unchanged");
}

#[test]
fn a_removed_recipient_opens_nothing_and_a_concurrent_add_is_not_lost() {
    let store = vault_with(PASSWORD);
    let key = held_key(&store);
    add_recipient(&store, &key);
    let before = store.documents();
    let mut owner = unlock(&store).expect("owner");
    let mut other = unlock(&store).expect("another writer");
    // Another writer adds carol after `owner` read the config.
    other
        .add_password_recipient(
            &KeyName::parse("carol").expect("name"),
            &Password::from("Carol-Horse-Battery-33"),
            100_000,
            t(34),
        )
        .expect("add carol");
    let alice = KeyName::parse("alice").expect("name");
    let summary = owner
        .remove_recipient(&alice, &agent_secrets_core::NoAge, t(35), &mut |_, _| {})
        .expect("remove alice");
    assert!(!summary.resumed);
    let config = owner.config();
    assert!(config.recipients.contains_key("carol"), "carol kept");
    assert!(!config.recipients.contains_key("alice"));
    // Alice's password opens nothing now (her entry is gone) ...
    let e = Vault::unlock(&store, &Password::from(ATTACKER), t(36)).expect_err("alice gone");
    assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");
    // ... and her old entry, put back by hand, opens only the old vault key,
    // which the new config refuses (its MAC is under the new key).
    let mut with_old = store.documents();
    let old: serde_json::Value = serde_json::from_slice(&before[CONFIG_FILE]).expect("json");
    let mut now_config: serde_json::Value =
        serde_json::from_slice(&with_old[CONFIG_FILE]).expect("json");
    now_config["recipients"]["alice"] = old["recipients"]["alice"].clone();
    with_old.insert(
        CONFIG_FILE.to_owned(),
        serde_json::to_vec(&now_config).expect("json"),
    );
    let planted = MemoryStore::new();
    for (name, bytes) in &with_old {
        planted.insert(name, bytes);
    }
    let e = Vault::unlock(&planted, &Password::from(ATTACKER), t(37)).expect_err("refused");
    assert!(matches!(e, Error::ConfigMac), "{e:?}");
    Vault::unlock(&store, &Password::from("Carol-Horse-Battery-33"), t(38)).expect("carol opens");
    // Alice kept her whole config.json from before the removal: it still
    // opens with her password (the old vault key), but a value set after
    // the removal is under a data key that file never held.
    owner
        .set(
            &sn("openai"),
            &kn("api_key"),
            &"sk-FAKE-after-removal".into(),
            t(38),
        )
        .expect("set after removal");
    let kept = MemoryStore::new();
    for (name, bytes) in store.documents() {
        kept.insert(&name, &bytes);
    }
    kept.insert(CONFIG_FILE, &before[CONFIG_FILE]);
    let old = Vault::unlock(&kept, &Password::from(ATTACKER), t(38)).expect("her old copy opens");
    let e = old
        .get(&sn("openai"), &kn("api_key"))
        .expect_err("not under a key she holds");
    assert_eq!(e.kind(), ErrorKind::Integrity, "{e:?}");
    assert!(!format!("{e} {e:?}").contains("sk-FAKE"), "{e:?}");
    // The last recipient cannot be removed; an unknown one is not found.
    let carol = KeyName::parse("carol").expect("name");
    owner
        .remove_recipient(&carol, &agent_secrets_core::NoAge, t(39), &mut |_, _| {})
        .expect("remove carol");
    let owner_name = KeyName::parse("owner").expect("name");
    let e = owner
        .remove_recipient(
            &owner_name,
            &agent_secrets_core::NoAge,
            t(40),
            &mut |_, _| {},
        )
        .expect_err("last");
    assert!(matches!(e, Error::LastRecipient { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Usage);
    let e = owner
        .remove_recipient(&alice, &agent_secrets_core::NoAge, t(41), &mut |_, _| {})
        .expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn a_forged_rechained_audit_log_fails_verification_with_the_password() {
    let store = vault_with(PASSWORD);
    let vault = unlock(&store).expect("unlock");
    let event = |i: i64, op| AuditEvent::new(t(i), op, Status::Success, "alice", "cli");
    audit::append_authenticated(&store, event(40, Operation::Get), vault.audit_key())
        .expect("append");
    audit::append(&store, event(41, Operation::List)).expect("append");
    let log = store.read(AUDIT_FILE).expect("read").expect("present");
    let v = audit::verify_with_key(&log, vault.audit_key());
    assert_eq!(
        (v.authenticated, v.unauthenticated, v.first_broken),
        (1, 1, None)
    );
    // Rewritten whole, re-chained, no MACs.
    let forged = MemoryStore::new();
    audit::append(&forged, event(40, Operation::Set)).expect("forge");
    audit::append(&forged, event(41, Operation::Get)).expect("forge");
    let forged_log = forged.read(AUDIT_FILE).expect("read").expect("present");
    assert_eq!(
        audit::verify(&forged_log).first_broken,
        None,
        "the chain alone passes"
    );
    let v = audit::verify_with_key(&forged_log, vault.audit_key());
    assert_eq!(v.first_broken.map(|b| b.0), Some(1));
    // No value reaches the log.
    assert!(!String::from_utf8_lossy(&log).contains("sk-FAKE-trust-0001"));
}

/// A service name (test input, valid by construction).
fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}

/// A key name (test input, valid by construction).
fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}
