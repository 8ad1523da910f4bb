//! The lockout as `Vault::unlock` applies it, unlock with a key derived
//! elsewhere (the WebCrypto path), and audit appends through a borrowed store.

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status, AUDIT_FILE};
use agent_secrets_core::format::{to_bytes, LockoutPolicy};
use agent_secrets_core::lockout::{self, STATE_FILE};
use agent_secrets_core::{
    begin_unlock, primitives, Error, ErrorKind, InitOptions, KeyName, MemoryStore, Password,
    PasswordKey, ServiceName, Store, StoreError, Timestamp, Vault,
};

const PASSWORD: &str = "Correct-Horse-Battery-9";

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_795_867_200 + s)
}

fn vault_with(policy: LockoutPolicy) -> MemoryStore {
    let store = MemoryStore::new();
    let options = InitOptions {
        iterations: 100_000,
        lockout: policy,
    };
    Vault::init(&store, &Password::from(PASSWORD), &options, t(0)).expect("init");
    store
}

#[test]
fn the_attempt_that_reaches_max_attempts_locks_and_the_next_is_refused_without_a_kdf() {
    let store = vault_with(LockoutPolicy {
        max_attempts: 2,
        base_delay_seconds: 30,
        max_delay_seconds: 100,
    });
    let wrong = Password::from("Wrong-Horse-Battery-0");
    let e = Vault::unlock(&store, &wrong, t(1)).expect_err("wrong");
    assert_eq!(e.to_string(), "Incorrect password. 1 attempt remaining.");
    let e = Vault::unlock(&store, &wrong, t(2)).expect_err("wrong");
    assert_eq!(
        e.to_string(),
        "Incorrect password. Too many failed attempts. Try again in 30 s."
    );
    assert_eq!(e.kind(), ErrorKind::WrongPassword);
    // Locked: the right password is refused too, and nothing is written.
    let writes = store.write_count();
    let e = Vault::unlock(&store, &Password::from(PASSWORD), t(12)).expect_err("locked");
    assert!(
        matches!(
            e,
            Error::Locked {
                retry_after_seconds: 20
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Locked);
    assert_eq!(
        e.to_string(),
        "Too many failed attempts. Try again in 20 s."
    );
    assert_eq!(store.write_count(), writes);
    // After it ends, the right password opens and resets the state.
    Vault::unlock(&store, &Password::from(PASSWORD), t(40)).expect("after the lockout");
    let (state, warning) = lockout::load(&store);
    assert!(warning.is_none());
    assert!(state.is_clear());
    assert_eq!(
        state.last_failure_at,
        Some(t(2)),
        "the last failure is kept"
    );
    // A success counts its attempt first and clears it after: the state
    // ends as it was.
    let before = store.read(STATE_FILE).expect("read");
    Vault::unlock(&store, &Password::from(PASSWORD), t(41)).expect("again");
    assert_eq!(store.read(STATE_FILE).expect("read"), before);
}

#[test]
fn a_key_derived_elsewhere_unlocks_and_a_wrong_one_counts() {
    let store = vault_with(LockoutPolicy::default());
    let derive = |at: i64| {
        let start = begin_unlock(&store, t(at)).expect("params");
        let (recipient, kdf) = start.recipients[0].clone();
        assert_eq!((recipient.as_str(), kdf.iterations), ("owner", 100_000));
        let mut key = [0u8; 32];
        primitives::pbkdf2_hmac_sha256(PASSWORD.as_bytes(), &kdf.salt.0, kdf.iterations, &mut key)
            .expect("derive");
        key
    };
    let key = derive(1);
    // The attempt is counted before the derivation.
    assert_eq!(lockout::load(&store).0.in_flight, 1);
    let vault =
        Vault::unlock_with_password_key(&store, "owner", &PasswordKey::from_bytes(key), t(1))
            .expect("derived key");
    assert!(lockout::load(&store).0.is_clear(), "a right key clears it");
    vault
        .set(&sn("svc"), &kn("k"), &"fake-derived".into(), t(1))
        .expect("set");
    let mut key = derive(2);
    key[0] ^= 1;
    let e = Vault::unlock_with_password_key(&store, "owner", &PasswordKey::from_bytes(key), t(2))
        .expect_err("wrong key");
    // Plain: the caller may try another recipient; the attempt stays in flight.
    assert_eq!(e.to_string(), "Incorrect password.");
    assert_eq!(lockout::load(&store).0.in_flight, 1, "stays counted");
    // The right key, offered for a recipient the vault does not have, opens nothing.
    let right = PasswordKey::from_bytes(derive_key(&store));
    let e = Vault::unlock_with_password_key(&store, "nobody", &right, t(2))
        .expect_err("no such recipient");
    assert_eq!(e.to_string(), "Incorrect password.");
    assert_eq!(
        lockout::load(&store).0.in_flight,
        1,
        "still the one attempt"
    );
    let e = agent_secrets_core::fail_unlock(&store, t(2));
    assert_eq!(e.to_string(), "Incorrect password. 4 attempts remaining.");
    let state = lockout::load(&store).0;
    assert_eq!((state.in_flight, state.failed_attempts), (0, 1));
    assert!(matches!(
        begin_unlock(&MemoryStore::new(), t(3)),
        Err(Error::NotInitialized)
    ));
}

#[test]
fn a_corrupt_state_file_is_overwritten_by_the_next_failure() {
    let store = vault_with(LockoutPolicy::default());
    store.insert(STATE_FILE, b"not json");
    let e =
        Vault::unlock(&store, &Password::from("Wrong-Horse-Battery-0"), t(1)).expect_err("wrong");
    assert_eq!(e.to_string(), "Incorrect password. 4 attempts remaining.");
    let state = lockout::parse_state(&store.read(STATE_FILE).expect("read").expect("present"))
        .expect("rewritten");
    assert_eq!(state.failed_attempts, 1);
    assert_eq!(
        to_bytes(&state),
        store.read(STATE_FILE).expect("read").expect("present")
    );
}

#[test]
fn audit_appends_through_a_borrowed_store_and_after_a_long_torn_line() {
    let store = MemoryStore::new();
    // 5,000 bytes without a newline: the tail holds no line start at all.
    store.insert(AUDIT_FILE, &vec![b'x'; 5_000]);
    let borrowed = &store;
    let event = AuditEvent::new(t(0), Operation::Get, Status::Success, "u", "cli");
    let line = audit::append(&borrowed, event.clone()).expect("append");
    assert_eq!((line.seq, line.prev.as_str()), (1, audit::GENESIS));
    let line = audit::append(&borrowed, event).expect("append");
    assert_eq!(line.seq, 2);
    let log = store.read(AUDIT_FILE).expect("read").expect("present");
    let tail = borrowed
        .read_tail(AUDIT_FILE, 10)
        .expect("tail")
        .expect("present");
    assert_eq!(tail, log[log.len() - 10..]);
    // line 1 is the torn one; the chain after it is whole
    assert_eq!(audit::verify(&log).first_broken.map(|b| b.0), Some(1));
}

#[test]
fn no_attempt_is_made_when_it_cannot_be_counted() {
    // Check and count are one step: a busy (or unwritable) lock refuses the
    // attempt before any derivation, instead of trying it uncounted.
    let store = vault_with(LockoutPolicy::default());
    store.lock().expect("someone else holds the lock");
    let writes = store.write_count();
    let e = Vault::unlock(&store, &Password::from(PASSWORD), t(1)).expect_err("busy");
    assert!(
        matches!(e, Error::Storage(StoreError::Busy { .. })),
        "{e:?}"
    );
    assert_eq!(store.write_count(), writes);
}

#[test]
fn a_value_over_one_mib_is_refused_before_any_write() {
    let store = vault_with(LockoutPolicy::default());
    let vault = Vault::unlock(&store, &Password::from(PASSWORD), t(1)).expect("unlock");
    let writes = store.write_count();
    let big =
        agent_secrets_core::SecretString::new("x".repeat(agent_secrets_core::MAX_VALUE_BYTES + 1));
    let e = vault
        .set(&sn("svc"), &kn("big"), &big, t(2))
        .expect_err("too big");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(!e.to_string().contains("xxxx"));
    assert_eq!(store.write_count(), writes);
    assert!(!store.is_locked());
    let fits =
        agent_secrets_core::SecretString::new("x".repeat(agent_secrets_core::MAX_VALUE_BYTES));
    vault
        .set(&sn("svc"), &kn("big"), &fits, t(2))
        .expect("exactly 1 MiB fits");
}

/// A service name (test input, valid by construction).
fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}

/// A key name (test input, valid by construction).
fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}

#[test]
fn the_policy_and_alert_thresholds_are_changed_under_the_mac_and_shown_by_status() {
    let store = vault_with(LockoutPolicy::default());
    let mut vault = Vault::unlock(&store, &Password::from(PASSWORD), t(1)).expect("unlock");
    let policy = LockoutPolicy {
        max_attempts: 3,
        base_delay_seconds: 10,
        max_delay_seconds: 600,
    };
    vault.set_lockout_policy(policy, t(2)).expect("policy");
    vault
        .set_alert_thresholds(Some((4, 900)), t(2))
        .expect("alerts");
    let out_of_bounds = LockoutPolicy {
        max_attempts: 0,
        ..policy
    };
    let config = store.read("config.json").expect("read");
    assert!(matches!(
        vault.set_lockout_policy(out_of_bounds, t(3)),
        Err(Error::InvalidParameter(_))
    ));
    assert_eq!(
        store.read("config.json").expect("read"),
        config,
        "unchanged"
    );
    let (status, problems) = agent_secrets_core::status(&store).expect("status");
    assert!(problems.is_empty());
    assert_eq!(status.lockout, policy);
    let alerts = status.alerts.expect("thresholds");
    assert_eq!((alerts.failed_unlocks, alerts.window_seconds), (4, 900));
    // The MAC covers them: the next unlock verifies and keeps them.
    let again = Vault::unlock(&store, &Password::from(PASSWORD), t(4)).expect("unlock");
    assert_eq!(again.config().lockout, policy);
}

/// The owner's password key, derived from the parameters in `config.json`.
fn derive_key(store: &MemoryStore) -> [u8; 32] {
    let config: serde_json::Value =
        serde_json::from_slice(&store.read("config.json").expect("read").expect("present"))
            .expect("json");
    let kdf = &config["recipients"]["owner"]["kdf"];
    let salt = kdf["salt"].as_str().expect("salt");
    let salt =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, salt).expect("b64");
    let iterations = u32::try_from(kdf["iterations"].as_u64().expect("n")).expect("u32");
    let mut key = [0u8; 32];
    primitives::pbkdf2_hmac_sha256(PASSWORD.as_bytes(), &salt, iterations, &mut key)
        .expect("derive");
    key
}

#[test]
fn a_password_key_derived_from_a_recipients_parameters_is_the_one_unlock_derives() {
    let store = vault_with(LockoutPolicy::default());
    let config: serde_json::Value =
        serde_json::from_slice(&store.read("config.json").expect("read").expect("present"))
            .expect("json");
    let salt = config["recipients"]["owner"]["kdf"]["salt"]
        .as_str()
        .expect("salt");
    let salt =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, salt).expect("b64");
    let password = Password::from(PASSWORD);
    let key = PasswordKey::derive(&password, &salt, 100_000).expect("derive");
    assert_eq!(key.expose_bytes(), &derive_key(&store));
    assert!(matches!(
        PasswordKey::derive(&password, &salt[..8], 100_000),
        Err(Error::InvalidParameter("a KDF salt is 16 bytes"))
    ));
    assert!(matches!(
        PasswordKey::derive(&password, &salt, 1),
        Err(Error::KdfOutOfRange { iterations: 1 })
    ));
}
