//! Integration tests of the Vault API over an in-memory store.
//!
//! Every value and password here is fake; values are generated per test run
//! so that a leak check cannot pass by accident on a constant.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::rc::Rc;

use agent_secrets_core::format::{self, CONFIG_FILE, GITIGNORE, GITIGNORE_FILE};
use agent_secrets_core::{
    check_password_strength, list, primitives, resolve, status, Error, ErrorKind, InitOptions,
    KeyName, MemoryStore, Password, SecretString, ServiceName, SetOutcome, Source, Store,
    StoreError, Timestamp, Vault, MAX_VALUE_BYTES, MIN_ITERATIONS,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// A fake password used only by these tests.
const PASSWORD: &str = "Correct-Horse-Battery-9";
const T0: i64 = 1_795_867_200; // 2026-11-28T12:00:00Z

fn t(offset: i64) -> Timestamp {
    Timestamp::from_unix(T0 + offset)
}

fn pw() -> Password {
    Password::from(PASSWORD)
}

fn opts() -> InitOptions {
    InitOptions {
        iterations: MIN_ITERATIONS,
        ..InitOptions::default()
    }
}

/// A fake value, different on every call and every run.
fn fake_value(label: &str) -> String {
    let mut h = RandomState::new().build_hasher();
    h.write(label.as_bytes());
    format!("sk-FAKE-{label}-{:016x}", h.finish())
}

/// A store several vault handles share, as two processes share a folder.
#[derive(Clone, Debug, Default)]
struct Shared(Rc<MemoryStore>);

impl Shared {
    fn docs(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        self.0.documents()
    }
    fn doc(&self, name: &str) -> Option<Vec<u8>> {
        self.0.documents().get(name).cloned()
    }
    fn json(&self, name: &str) -> Value {
        serde_json::from_slice(&self.doc(name).expect("document present")).expect("json")
    }
    fn put_json(&self, name: &str, v: &Value) {
        self.0.insert(name, v.to_string().as_bytes());
    }
}

// Every method forwards, or the tests would run the trait's defaults
// instead of the memory store's own methods.
#[deny(clippy::missing_trait_methods)]
impl Store for Shared {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.read(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.0.write(name, bytes)
    }
    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.0.write_unsynced(name, bytes)
    }
    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.0.append(name, bytes)
    }
    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.read_tail(name, max)
    }
    fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.0.remove(name)
    }
    fn list(&self) -> Result<Vec<String>, StoreError> {
        self.0.list()
    }
    fn lock(&self) -> Result<(), StoreError> {
        self.0.lock()
    }
    fn unlock(&self) -> Result<(), StoreError> {
        self.0.unlock()
    }
}

fn init_shared() -> (Shared, Vault<Shared>) {
    let store = Shared::default();
    let vault = Vault::init(store.clone(), &pw(), &opts(), t(0)).expect("init");
    (store, vault)
}

/// Clears the lockout count, for tests that fail many unlocks on purpose.
fn forget_failures(store: &Shared) -> Shared {
    store.0.remove("state.json").expect("remove");
    store.clone()
}

/// Display and Debug of an error hold none of the canaries.
fn assert_clean(e: &Error, canaries: &[&str]) {
    let shown = format!("{e} / {e:?}");
    for c in canaries.iter().chain([&PASSWORD]) {
        assert!(!c.is_empty());
        assert!(!shown.contains(c), "error leaks {c:?}: {shown}");
    }
}

fn assert_tampered(e: &Error, file: &str, key: &str) {
    match e {
        Error::Tampered { file: f, key: k } => {
            assert_eq!((f.as_str(), k.as_str()), (file, key));
        }
        other => panic!("expected Tampered({file}, {key}), got {other:?}"),
    }
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().starts_with(&format!("{file}: ")), "{e}");
}

#[test]
fn init_writes_gitignore_config_and_a_clean_state_only() {
    let store = MemoryStore::new();
    let vault = Vault::init(store, &pw(), &opts(), t(0)).expect("init");
    let store = vault.store();
    let docs = store.documents();
    assert_eq!(
        docs.keys().map(String::as_str).collect::<Vec<_>>(),
        [GITIGNORE_FILE, CONFIG_FILE, "state.json"]
    );
    assert_eq!(docs[GITIGNORE_FILE], b"*\n!.gitignore\n");
    assert_eq!(GITIGNORE, "*\n!.gitignore\n");
    assert!(
        agent_secrets_core::lockout::parse_state(&docs["state.json"])
            .expect("state")
            .is_clear()
    );
    assert_eq!(store.write_count(), 3);
    assert!(!store.is_locked());

    let config = format::parse_config(&docs[CONFIG_FILE]).expect("valid config");
    assert_eq!(&config, vault.config());
    assert_eq!(config.format, "agent-secrets/config");
    assert_eq!(config.version, 1);
    let (name, owner) = config.password_recipients().next().expect("owner");
    assert_eq!(name, "owner");
    assert_eq!(config.recipients.len(), 1);
    assert_eq!(owner.kdf.algorithm, "pbkdf2-hmac-sha256");
    assert_eq!(owner.kdf.iterations, 100_000);
    assert_eq!(owner.created_at, t(0));
    assert_eq!(config.vault_key_id, vault.vault_key().id());
    assert_eq!(config.vault_key_id.len(), 32);
    // The MAC is the one an independent implementation computes.
    assert_eq!(
        config.mac.0,
        primitives::config_mac(vault.vault_key().expose_bytes(), &docs[CONFIG_FILE]).expect("mac")
    );
    assert_eq!(config.cipher, "aes-256-gcm");
    assert_eq!(config.active_key, "k1");
    assert_eq!(config.keys.keys().collect::<Vec<_>>(), ["k1"]);
    assert_eq!(config.keys["k1"].created_at, t(0));
    assert_eq!((config.created_at, config.updated_at), (t(0), t(0)));
    assert_eq!(config.lockout, opts().lockout);
    // Pretty JSON with a trailing newline, exactly what the writer produces.
    assert_eq!(docs[CONFIG_FILE], format::to_bytes(&config));
    let text = String::from_utf8(docs[CONFIG_FILE].clone()).expect("utf-8");
    assert!(!text.contains(PASSWORD));

    // The password opens what init wrote.
    let store = vault.into_store();
    let again = Vault::unlock(store, &pw(), t(0)).expect("unlock");
    assert_eq!(again.config(), &config);
}

#[test]
fn init_salts_and_keys_are_fresh() {
    let a = Vault::init(MemoryStore::new(), &pw(), &opts(), t(0)).expect("init");
    let b = Vault::init(MemoryStore::new(), &pw(), &opts(), t(0)).expect("init");
    let salt = |v: &Vault<MemoryStore>| {
        v.config()
            .password_recipients()
            .next()
            .expect("owner")
            .1
            .kdf
            .salt
    };
    assert_ne!(salt(&a), salt(&b));
    assert_ne!(a.config().vault_key_id, b.config().vault_key_id);
    assert_ne!(a.vault_key().expose_bytes(), b.vault_key().expose_bytes());
    assert_ne!(a.config().keys["k1"], b.config().keys["k1"]);
}

#[test]
fn init_twice_is_refused_and_leaves_the_store_as_it_was() {
    let (store, _vault) = init_shared();
    let before = store.docs();
    let writes = store.0.write_count();
    let e = Vault::init(
        store.clone(),
        &Password::from("Other-Password-77"),
        &opts(),
        t(5),
    )
    .expect_err("second init");
    assert!(matches!(e, Error::AlreadyInitialized), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert_clean(&e, &["Other-Password-77"]);
    assert_eq!(store.docs(), before);
    assert_eq!(store.0.write_count(), writes);
    assert!(!store.0.is_locked());

    // Even a config.json that does not parse counts as "already there".
    let junk = Shared::default();
    junk.0.insert(CONFIG_FILE, b"not json");
    let e = Vault::init(junk.clone(), &pw(), &opts(), t(0)).expect_err("junk config");
    assert!(matches!(e, Error::AlreadyInitialized), "{e:?}");
    assert_eq!(junk.docs().len(), 1);
    assert_eq!(junk.0.write_count(), 0);
}

#[test]
fn init_refuses_iterations_out_of_range_before_any_write() {
    for iterations in [0, 1, 99_999, 10_000_001, u32::MAX] {
        let store = Shared::default();
        let options = InitOptions {
            iterations,
            ..InitOptions::default()
        };
        let e = Vault::init(store.clone(), &pw(), &options, t(0)).expect_err("out of range");
        assert!(
            matches!(e, Error::KdfOutOfRange { iterations: i } if i == u64::from(iterations)),
            "{e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::Usage);
        assert!(e.to_string().contains(&iterations.to_string()), "{e}");
        assert!(store.docs().is_empty());
        assert_eq!(store.0.write_count(), 0);
        assert!(!store.0.is_locked());
    }
    assert_eq!(InitOptions::default().iterations, 600_000);
}

#[test]
fn unlock_with_a_wrong_password_changes_only_the_lockout_state() {
    let (store, vault) = init_shared();
    let value = fake_value("wrongpw");
    vault
        .set(&sn("openai"), &kn("api_key"), &value.as_str().into(), t(1))
        .expect("set");
    drop(vault);
    let before = store.docs();
    let writes = store.0.write_count();
    for (i, wrong) in ["Correct-Horse-Battery-8", "", "correct-horse-battery-9"]
        .into_iter()
        .enumerate()
    {
        let e = Vault::unlock(store.clone(), &Password::from(wrong), t(0)).expect_err("wrong");
        assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::WrongPassword);
        assert_eq!(
            e.to_string(),
            format!("Incorrect password. {} attempts remaining.", 4 - i)
        );
        assert_clean(&e, &[&value, "Correct-Horse-Battery-8"]);
    }
    // Two writes per failure (counted before the derivation, then dated),
    // all of them to state.json.
    assert_eq!(store.0.write_count(), writes + 6);
    let mut after = store.docs();
    let mut before = before;
    before.remove("state.json");
    let state = after.remove("state.json").expect("lockout state");
    assert_eq!(after, before);
    let state = agent_secrets_core::lockout::parse_state(&state).expect("state");
    assert_eq!(state.failed_attempts, 3);
    assert!(!store.0.is_locked());
    // A right password resets the count.
    Vault::unlock(store.clone(), &pw(), t(0)).expect("right password");
    let state = store.json("state.json");
    assert_eq!(state["failed_attempts"], 0);
}

#[test]
fn unlock_and_list_need_a_vault() {
    let store = Shared::default();
    let e = Vault::unlock(store.clone(), &pw(), t(0)).expect_err("empty store");
    assert!(matches!(e, Error::NotInitialized), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::NotInitialized);
    assert!(e.to_string().contains("agent secret init"), "{e}");
    assert!(matches!(list(&store, None), Err(Error::NotInitialized)));
    assert!(matches!(
        list(&store, Some(&sn("openai"))),
        Err(Error::NotInitialized)
    ));
    assert!(matches!(status(&store), Err(Error::NotInitialized)));
    assert_eq!(store.0.write_count(), 0);
    assert!(store.docs().is_empty());
}

#[test]
fn unlock_refuses_a_corrupt_or_newer_config_before_deriving() {
    let (store, vault) = init_shared();
    drop(vault);
    let good = store.json(CONFIG_FILE);

    // 4,000,000,000 iterations would take minutes: it must be refused first.
    let mut v = good.clone();
    v["recipients"]["owner"]["kdf"]["iterations"] = json!(4_000_000_000u32);
    store.put_json(CONFIG_FILE, &v);
    let e = Vault::unlock(store.clone(), &pw(), t(0)).expect_err("huge kdf");
    assert!(
        matches!(&e, Error::Corrupt { file, .. } if file == "config.json"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().contains("4000000000"), "{e}");

    let mut v = good.clone();
    v["version"] = json!(2);
    store.put_json(CONFIG_FILE, &v);
    let e = Vault::unlock(store.clone(), &pw(), t(0)).expect_err("newer");
    assert!(
        matches!(&e, Error::NewerVersion { file, found: 2 } if file == "config.json"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().contains("newer version"), "{e}");
}

#[test]
fn set_get_round_trip() {
    let vault = Vault::init(MemoryStore::new(), &pw(), &opts(), t(0)).expect("init");
    let big: String = (0..100 * 1024)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let fake = fake_value("rt");
    let cases: Vec<(&str, String)> = vec![
        ("api_key", fake.clone()),
        ("empty", String::new()),
        ("unicode", format!("pässwörd-✓-🔑-{fake}")),
        ("multi.line-1", format!("line one\nline two\r\n\t{fake}\n")),
        ("_big", big.clone()),
        ("NUL_inside", "a\0b".to_owned()),
    ];
    for (key, value) in &cases {
        let outcome = vault
            .set(&sn("openai"), &kn(key), &value.as_str().into(), t(1))
            .expect("set");
        assert_eq!(outcome, SetOutcome::Created, "{key}");
    }
    for (key, value) in &cases {
        let got = vault.get(&sn("openai"), &kn(key)).expect("get");
        assert_eq!(got.expose(), value.as_str(), "{key}");
        assert_eq!(got.len(), value.len());
    }
    assert!(vault
        .get(&sn("openai"), &kn("empty"))
        .expect("get")
        .is_empty());
    let all = vault.get_service(&sn("openai")).expect("get_service");
    let mut expected: Vec<(String, String)> = cases
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    expected.sort();
    let all: Vec<(String, String)> = all
        .into_iter()
        .map(|(k, v)| (k.into_string(), v.expose().to_owned()))
        .collect();
    assert_eq!(all, expected);

    // On disk: ciphertext only, its length that of the value, a fresh nonce each.
    let store = vault.store();
    let raw = store.documents()["openai.json"].clone();
    let text = String::from_utf8(raw.clone()).expect("utf-8");
    assert!(!text.contains(&fake));
    assert!(!text.contains("pässwörd"));
    let doc = format::parse_service(&sn("openai"), &raw).expect("valid");
    assert_eq!(doc.secrets["_big"].ciphertext.0.len(), 100 * 1024);
    assert_eq!(doc.secrets["empty"].ciphertext.0.len(), 0);
    assert_eq!(doc.secrets["api_key"].key_id, "k1");
    let mut nonces: Vec<_> = doc.secrets.values().map(|e| e.nonce.0).collect();
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), cases.len());
    assert_eq!(
        store.documents().len(),
        4,
        ".gitignore, config, state, openai"
    );
    assert!(!store.is_locked());
}

#[test]
fn set_reports_created_then_updated_and_keeps_created_at() {
    let (store, vault) = init_shared();
    let first = fake_value("first");
    let second = fake_value("second");
    assert_eq!(
        vault
            .set(&sn("openai"), &kn("api_key"), &first.as_str().into(), t(10))
            .expect("set"),
        SetOutcome::Created
    );
    let nonce_before = store.json("openai.json")["secrets"]["api_key"]["nonce"].clone();
    assert_eq!(
        vault
            .set(
                &sn("openai"),
                &kn("api_key"),
                &second.as_str().into(),
                t(20)
            )
            .expect("set"),
        SetOutcome::Updated
    );
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        second
    );
    let doc = store.json("openai.json");
    let entry = &doc["secrets"]["api_key"];
    assert_eq!(entry["created_at"], json!("2026-11-28T12:00:10Z"));
    assert_eq!(entry["updated_at"], json!("2026-11-28T12:00:20Z"));
    assert_ne!(entry["nonce"], nonce_before);
    let (services, problems) = list(&store, Some(&sn("openai"))).expect("list");
    assert!(problems.is_empty());
    assert_eq!(services[0].secrets[0].created_at, t(10));
    assert_eq!(services[0].secrets[0].updated_at, t(20));
    // Setting the same value again is still an update.
    assert_eq!(
        vault
            .set(
                &sn("openai"),
                &kn("api_key"),
                &second.as_str().into(),
                t(30)
            )
            .expect("set"),
        SetOutcome::Updated
    );
}

#[test]
fn set_many_writes_once() {
    let (store, vault) = init_shared();
    vault
        .set(&sn("svc"), &kn("a"), &"old-a".into(), t(1))
        .expect("set");
    let before = store.0.write_count();
    let (a, b, c) = (fake_value("a"), fake_value("b"), fake_value("c"));
    let (sa, sb, sc) = (
        SecretString::from(a.as_str()),
        SecretString::from(b.as_str()),
        SecretString::from(c.as_str()),
    );
    let outcomes = vault
        .set_many(
            &sn("svc"),
            [(&kn("a"), &sa), (&kn("b"), &sb), (&kn("c"), &sc)],
            t(2),
        )
        .expect("set_many");
    assert_eq!(
        outcomes,
        [
            SetOutcome::Updated,
            SetOutcome::Created,
            SetOutcome::Created
        ]
    );
    assert_eq!(store.0.write_count() - before, 1);
    assert!(!store.0.is_locked());
    for (k, v) in [("a", &a), ("b", &b), ("c", &c)] {
        assert_eq!(
            vault.get(&sn("svc"), &kn(k)).expect("get").expose(),
            v.as_str()
        );
    }

    // One value too large among good ones: nothing is written at all.
    let before_docs = store.docs();
    let before = store.0.write_count();
    let large = SecretString::from("x".repeat(MAX_VALUE_BYTES + 1).as_str());
    let e = vault
        .set_many(&sn("svc"), [(&kn("d"), &sa), (&kn("e"), &large)], t(3))
        .expect_err("too large");
    assert!(matches!(e, Error::InvalidParameter(_)), "{e:?}");
    assert_eq!(store.0.write_count(), before);
    assert_eq!(store.docs(), before_docs);
}

/// The three answers of `set_many` from one kind of list (a `Vec`, as an
/// import builds): too large, nothing, created and updated.
#[test]
fn set_many_from_a_list_refuses_writes_nothing_or_writes_once() {
    let (store, vault) = init_shared();
    let (a, b) = (SecretString::from("fake-a"), SecretString::from("fake-b"));
    let large = SecretString::from("x".repeat(MAX_VALUE_BYTES + 1).as_str());
    let (ka, kb) = (kn("a"), kn("b"));
    let before = store.0.write_count();
    let e = vault
        .set_many(&sn("svc"), vec![(&ka, &a), (&kb, &large)], t(1))
        .expect_err("too large");
    assert!(matches!(e, Error::InvalidParameter(_)), "{e:?}");
    let none = vault
        .set_many(&sn("svc"), Vec::new(), t(1))
        .expect("nothing");
    assert!(none.is_empty());
    assert_eq!(store.0.write_count(), before);
    let first = vault
        .set_many(&sn("svc"), vec![(&ka, &a)], t(2))
        .expect("set");
    let second = vault
        .set_many(&sn("svc"), vec![(&ka, &b), (&kb, &a)], t(3))
        .expect("set");
    assert_eq!(first, [SetOutcome::Created]);
    assert_eq!(second, [SetOutcome::Updated, SetOutcome::Created]);
    assert_eq!(store.0.write_count() - before, 2);
    assert_eq!(vault.get(&sn("svc"), &ka).expect("get").expose(), "fake-b");
}

#[test]
fn set_many_with_nothing_writes_nothing() {
    let (store, vault) = init_shared();
    let before = store.0.write_count();
    let outcomes = vault
        .set_many(
            &sn("empty"),
            std::iter::empty::<(&KeyName, &SecretString)>(),
            t(1),
        )
        .expect("nothing to do");
    assert!(outcomes.is_empty());
    assert_eq!(store.0.write_count(), before);
    assert!(store.0.read("empty.json").expect("read").is_none());
}

#[test]
fn delete_removes_secrets_then_the_service_document() {
    let (store, vault) = init_shared();
    let v1 = fake_value("d1");
    vault
        .set(&sn("openai"), &kn("api_key"), &v1.as_str().into(), t(1))
        .expect("set");
    vault
        .set(&sn("openai"), &kn("org_id"), &"org-fake".into(), t(1))
        .expect("set");

    let before = store.0.write_count();
    vault.delete(&sn("openai"), &kn("org_id")).expect("delete");
    assert_eq!(store.0.write_count() - before, 1);
    let e = vault.get(&sn("openai"), &kn("org_id")).expect_err("gone");
    assert!(
        matches!(&e, Error::SecretNotFound { service, key } if service == "openai" && key == "org_id"),
        "{e:?}"
    );
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("kept")
            .expose(),
        v1
    );

    // Missing key in an existing service, then a missing service: no write.
    let before_docs = store.docs();
    let before = store.0.write_count();
    let e = vault
        .delete(&sn("openai"), &kn("nope"))
        .expect_err("missing key");
    assert!(
        matches!(&e, Error::SecretNotFound { service, key } if service == "openai" && key == "nope"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(
        e.to_string(),
        "Secret 'nope' not found in service 'openai'."
    );
    let e = vault
        .delete(&sn("anthropic"), &kn("api_key"))
        .expect_err("missing service");
    assert!(
        matches!(&e, Error::ServiceNotFound { service } if service == "anthropic"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.to_string(), "Service 'anthropic' not configured.");
    assert_eq!(store.0.write_count(), before);
    assert_eq!(store.docs(), before_docs);
    assert!(!store.0.is_locked());

    // Deleting the last key removes openai.json itself.
    vault
        .delete(&sn("openai"), &kn("api_key"))
        .expect("delete last");
    assert_eq!(store.doc("openai.json"), None);
    assert_eq!(
        store.docs().keys().map(String::as_str).collect::<Vec<_>>(),
        [GITIGNORE_FILE, CONFIG_FILE, "state.json"]
    );
    assert!(matches!(
        vault.get(&sn("openai"), &kn("api_key")),
        Err(Error::ServiceNotFound { .. })
    ));
    assert!(matches!(
        vault.get_service(&sn("openai")),
        Err(Error::ServiceNotFound { .. })
    ));
    assert!(matches!(
        list(&store, Some(&sn("openai"))),
        Err(Error::ServiceNotFound { .. })
    ));
    assert!(!store.0.is_locked());
}

const BAD_SERVICES: [&str; 9] = [
    "../x", "a/b", "", "a\0b", "config", "state", "OpenAI", "-x", "a.b",
];
const BAD_KEYS: [&str; 6] = ["1x", "", "a/b", "../x", "a\0b", "a b"];

#[test]
fn invalid_names_never_become_names() {
    // The core's operations take ServiceName and KeyName only: an invalid
    // name is refused where it is parsed, before any store is reached.
    let (store, vault) = init_shared();
    vault
        .set(&sn("openai"), &kn("api_key"), &"v".into(), t(1))
        .expect("set");
    let before = store.docs();
    let writes = store.0.write_count();
    let long_service = "a".repeat(65);
    let long_key = "k".repeat(129);
    let value = SecretString::from(fake_value("names").as_str());

    let mut services: Vec<&str> = BAD_SERVICES.to_vec();
    services.push(&long_service);
    for s in services {
        let mut errors = vec![
            ServiceName::parse(s).map(|_| ()),
            s.parse::<ServiceName>().map(|_| ()),
            ServiceName::try_from(s.to_owned()).map(|_| ()),
        ];
        if !s.contains('/') {
            let name = format!("{s}/api_key");
            errors.push(agent_secrets_core::env::split_mapping_key(&name).map(|_| ()));
        }
        for r in errors {
            let e = r.expect_err("invalid service");
            assert!(
                matches!(e, Error::InvalidServiceName { .. }),
                "{s:?}: {e:?}"
            );
            assert_eq!(e.kind(), ErrorKind::Usage);
            // The rule's own text names 'config' and 'state'.
            if s.len() > 2 && s != "config" && s != "state" {
                assert!(!e.to_string().contains(s), "{s:?} echoed: {e}");
            }
            assert_clean(&e, &[value.expose()]);
        }
    }
    let mut keys: Vec<&str> = BAD_KEYS.to_vec();
    keys.push(&long_key);
    for k in keys {
        let errors = [
            KeyName::parse(k).map(|_| ()),
            k.parse::<KeyName>().map(|_| ()),
            KeyName::try_from(k.to_owned()).map(|_| ()),
            agent_secrets_core::env::split_mapping_key(&format!("openai/{k}")).map(|_| ()),
        ];
        for r in errors {
            let e = r.expect_err("invalid key");
            assert!(matches!(e, Error::InvalidKeyName { .. }), "{k:?}: {e:?}");
            assert_eq!(e.kind(), ErrorKind::Usage);
            if k.len() > 2 {
                assert!(!e.to_string().contains(k), "{k:?} echoed: {e}");
            }
        }
    }
    assert_eq!(store.docs(), before);
    assert_eq!(store.0.write_count(), writes);
    assert!(!store.0.is_locked());
    // Longest valid names still work.
    let s64 = sn(&"s".repeat(64));
    let k128 = kn(&"K".repeat(128));
    vault.set(&s64, &k128, &value, t(3)).expect("longest names");
    assert_eq!(vault.get(&s64, &k128).expect("get"), value);
}

/// Applies `edit` to the decoded secret entry of `service`/`key`, re-encodes.
fn edit_entry(store: &Shared, service: &str, key: &str, edit: impl FnOnce(&mut Value)) {
    let file = format!("{service}.json");
    let mut doc = store.json(&file);
    edit(&mut doc["secrets"][key]);
    store.put_json(&file, &doc);
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("string"))
        .expect("base64")
}

#[test]
fn every_flipped_byte_of_a_value_is_tampered() {
    let (store, vault) = init_shared();
    let secret = fake_value("tamper");
    let other = fake_value("other");
    vault
        .set(&sn("openai"), &kn("api_key"), &secret.as_str().into(), t(1))
        .expect("set");
    vault
        .set(
            &sn("anthropic"),
            &kn("api_key"),
            &other.as_str().into(),
            t(1),
        )
        .expect("set");
    let original = store.doc("openai.json").expect("doc");
    let entry = store.json("openai.json")["secrets"]["api_key"].clone();
    let sizes = [("nonce", 12), ("ciphertext", secret.len()), ("tag", 16)];
    let mut flips = 0;
    for (field, len) in sizes {
        assert_eq!(b64(&entry[field]).len(), len, "{field}");
        for i in 0..len {
            for bit in [0x01u8, 0x80] {
                store.0.insert("openai.json", &original);
                edit_entry(&store, "openai", "api_key", |e| {
                    let mut bytes = b64(&e[field]);
                    bytes[i] ^= bit;
                    e[field] = json!(STANDARD.encode(&bytes));
                });
                let err = vault
                    .get(&sn("openai"), &kn("api_key"))
                    .expect_err("tampered");
                assert_tampered(&err, "openai.json", "api_key");
                assert_clean(&err, &[&secret, &other]);
                let err = vault.get_service(&sn("openai")).expect_err("tampered");
                assert_tampered(&err, "openai.json", "api_key");
                flips += 1;
            }
        }
        // Other services are unaffected.
        assert_eq!(
            vault
                .get(&sn("anthropic"), &kn("api_key"))
                .expect("other")
                .expose(),
            other
        );
    }
    assert_eq!(flips, 2 * (12 + secret.len() + 16));
    store.0.insert("openai.json", &original);
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("restored")
            .expose(),
        secret
    );
    // The list still works without the password and never needs to decrypt.
    let (services, problems) = list(&store, None).expect("list");
    assert!(problems.is_empty());
    assert_eq!(services.len(), 2);
}

#[test]
fn a_tampered_value_that_is_not_utf8_is_tampered() {
    // Only reachable with the data key: a valid tag over non-UTF-8 bytes.
    // Built through the public primitives from the password.
    let (store, vault) = init_shared();
    let config = store.json(CONFIG_FILE);
    let data_key = unwrap_data_key(&config, "k1");
    let aad = format::value_aad(&sn("openai"), &kn("api_key"));
    let nonce = [7u8; 12];
    let (ct, tag) =
        primitives::aes256gcm_seal(&data_key, &nonce, aad.as_bytes(), &[0xff, 0xfe, 0x00])
            .expect("seal");
    vault
        .set(&sn("openai"), &kn("api_key"), &"placeholder".into(), t(1))
        .expect("set");
    edit_entry(&store, "openai", "api_key", |e| {
        e["nonce"] = json!(STANDARD.encode(nonce));
        e["ciphertext"] = json!(STANDARD.encode(&ct));
        e["tag"] = json!(STANDARD.encode(tag));
    });
    let err = vault
        .get(&sn("openai"), &kn("api_key"))
        .expect_err("not utf-8");
    assert_tampered(&err, "openai.json", "api_key");

    // The same construction with UTF-8 bytes reads back: the check above is
    // about UTF-8, not about the construction.
    let (ct, tag) = primitives::aes256gcm_seal(&data_key, &nonce, aad.as_bytes(), b"built-by-hand")
        .expect("seal");
    edit_entry(&store, "openai", "api_key", |e| {
        e["ciphertext"] = json!(STANDARD.encode(&ct));
        e["tag"] = json!(STANDARD.encode(tag));
    });
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("valid")
            .expose(),
        "built-by-hand"
    );
}

#[test]
fn a_ciphertext_moved_to_another_place_is_tampered() {
    let (store, vault) = init_shared();
    let secret = fake_value("moved");
    vault
        .set(&sn("openai"), &kn("api_key"), &secret.as_str().into(), t(1))
        .expect("set");
    vault
        .set(&sn("openai"), &kn("org_id"), &"org-fake".into(), t(1))
        .expect("set");
    vault
        .set(&sn("anthropic"), &kn("api_key"), &"other-fake".into(), t(1))
        .expect("set");
    let entry = store.json("openai.json")["secrets"]["api_key"].clone();

    // Another key of the same service.
    edit_entry(&store, "openai", "org_id", |e| *e = entry.clone());
    let err = vault
        .get(&sn("openai"), &kn("org_id"))
        .expect_err("moved key");
    assert_tampered(&err, "openai.json", "org_id");
    assert_clean(&err, &[&secret]);
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("source")
            .expose(),
        secret
    );

    // The same key in another service.
    edit_entry(&store, "anthropic", "api_key", |e| *e = entry.clone());
    let err = vault
        .get(&sn("anthropic"), &kn("api_key"))
        .expect_err("moved service");
    assert_tampered(&err, "anthropic.json", "api_key");
    assert_clean(&err, &[&secret]);

    // A whole document renamed to another service is refused as corrupt.
    let doc = store.doc("openai.json").expect("doc");
    store.0.insert("mistral.json", &doc);
    let err = vault
        .get(&sn("mistral"), &kn("api_key"))
        .expect_err("renamed file");
    assert!(
        matches!(&err, Error::Corrupt { file, detail } if file == "mistral.json" && detail.contains("\"service\"")),
        "{err:?}"
    );
}

#[test]
fn a_value_naming_an_unknown_data_key_is_corrupt() {
    let (store, vault) = init_shared();
    vault
        .set(&sn("openai"), &kn("api_key"), &"fake".into(), t(1))
        .expect("set");
    edit_entry(&store, "openai", "api_key", |e| e["key_id"] = json!("k9"));
    let err = vault
        .get(&sn("openai"), &kn("api_key"))
        .expect_err("unknown key id");
    assert!(
        matches!(&err, Error::Corrupt { file, detail } if file == "openai.json" && detail.contains("'k9'")),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Integrity);
}

#[test]
fn a_tampered_recipient_reads_as_a_wrong_password() {
    let (store, vault) = init_shared();
    drop(vault);
    let good = store.json(CONFIG_FILE);
    // The sealed identity: any flipped byte and the password no longer opens it.
    for (field, len) in [("nonce", 12), ("ciphertext", 32), ("tag", 16)] {
        for i in [0, len / 2, len - 1] {
            let mut v = good.clone();
            let mut bytes = b64(&v["recipients"]["owner"]["identity"][field]);
            bytes[i] ^= 0x01;
            v["recipients"]["owner"]["identity"][field] = json!(STANDARD.encode(&bytes));
            store.put_json(CONFIG_FILE, &v);
            let e = Vault::unlock(forget_failures(&store), &pw(), t(0)).expect_err("tampered");
            assert!(
                matches!(e, Error::WrongPassword { .. }),
                "{field}[{i}]: {e:?}"
            );
        }
    }
    // So does a salt or iteration count changed by hand, and the entry
    // moved to another recipient name (the identity's AAD binds it).
    let edits: [fn(&mut Value); 3] = [
        |v| {
            let mut salt = b64(&v["recipients"]["owner"]["kdf"]["salt"]);
            salt[0] ^= 1;
            v["recipients"]["owner"]["kdf"]["salt"] = json!(STANDARD.encode(&salt));
        },
        |v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(100_001),
        |v| {
            let owner = v["recipients"]["owner"].clone();
            v["recipients"] = json!({ "alice": owner });
        },
    ];
    for edit in edits {
        let mut v = good.clone();
        edit(&mut v);
        store.put_json(CONFIG_FILE, &v);
        assert!(matches!(
            Vault::unlock(forget_failures(&store), &pw(), t(0)),
            Err(Error::WrongPassword { .. })
        ));
        // Failed unlocks write only the lockout count: config.json is as
        // the test left it.
        assert_eq!(store.json(CONFIG_FILE), v);
    }
    // The identity opens (the password is right) but the rest does not
    // hold: a public key that is not the identity's, a changed stanza, or
    // the stanza under another vault key id (its AAD binds the id). That is
    // tampering, not a wrong password.
    let edits: [fn(&mut Value); 4] = [
        |v| {
            let mut key = b64(&v["recipients"]["owner"]["public_key"]);
            key[0] ^= 1;
            v["recipients"]["owner"]["public_key"] = json!(STANDARD.encode(&key));
        },
        |v| {
            let mut body = b64(&v["recipients"]["owner"]["stanza"]["body"]);
            body[63] ^= 1;
            v["recipients"]["owner"]["stanza"]["body"] = json!(STANDARD.encode(&body));
        },
        |v| {
            let mut share = b64(&v["recipients"]["owner"]["stanza"]["share"]);
            share[5] ^= 1;
            v["recipients"]["owner"]["stanza"]["share"] = json!(STANDARD.encode(&share));
        },
        |v| v["vault_key_id"] = json!("00000000000000000000000000000000"),
    ];
    for edit in edits {
        let mut v = good.clone();
        edit(&mut v);
        store.put_json(CONFIG_FILE, &v);
        let e = Vault::unlock(forget_failures(&store), &pw(), t(0)).expect_err("tampered");
        assert!(matches!(e, Error::ConfigMac), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Integrity);
        assert_eq!(store.json(CONFIG_FILE), v);
    }
    store.put_json(CONFIG_FILE, &good);
    Vault::unlock(forget_failures(&store), &pw(), t(0)).expect("restored");
}

#[test]
fn a_data_key_changed_without_the_password_fails_the_mac_before_it_is_unwrapped() {
    let (store, vault) = init_shared();
    drop(vault);
    let good = store.json(CONFIG_FILE);
    let mut v = good.clone();
    let mut tag = b64(&v["keys"]["k1"]["tag"]);
    tag[0] ^= 1;
    v["keys"]["k1"]["tag"] = json!(STANDARD.encode(&tag));
    store.put_json(CONFIG_FILE, &v);
    // The broken wrapping is never reached: the MAC fails first.
    let e = Vault::unlock(forget_failures(&store), &pw(), t(0)).expect_err("mac");
    assert!(matches!(e, Error::ConfigMac), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().starts_with("config.json: "), "{e}");
    // Re-MAC'ed by a holder of the vault key, the broken wrapping is found.
    remac(&store);
    let e = Vault::unlock(forget_failures(&store), &pw(), t(0)).expect_err("tampered k1");
    assert!(
        matches!(&e, Error::TamperedKey { id } if id == "k1"),
        "{e:?}"
    );
    // The wrapped key moved to another id: the MAC, or (re-MAC'ed) the AAD.
    let mut v = good.clone();
    let k1 = v["keys"]["k1"].clone();
    v["keys"] = json!({ "k2": k1 });
    v["active_key"] = json!("k2");
    store.put_json(CONFIG_FILE, &v);
    assert!(matches!(
        Vault::unlock(forget_failures(&store), &pw(), t(0)),
        Err(Error::ConfigMac)
    ));
    remac(&store);
    assert!(matches!(
        Vault::unlock(forget_failures(&store), &pw(), t(0)),
        Err(Error::TamperedKey { .. })
    ));
    store.put_json(CONFIG_FILE, &good);
    Vault::unlock(forget_failures(&store), &pw(), t(0)).expect("restored");
}

/// The vault key of `config`, opened from its `owner` recipient with
/// [`PASSWORD`] as an independent implementation would (docs/format.md §4):
/// PBKDF2 and AES-256-GCM from the public primitives, then X25519, HKDF
/// and ChaCha20-Poly1305 from their crates.
fn vault_key_of(config: &Value) -> [u8; 32] {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let owner = &config["recipients"]["owner"];
    let mut pk = [0u8; 32];
    primitives::pbkdf2_hmac_sha256(
        PASSWORD.as_bytes(),
        &b64(&owner["kdf"]["salt"]),
        u32::try_from(owner["kdf"]["iterations"].as_u64().expect("u64")).expect("u32"),
        &mut pk,
    )
    .expect("pbkdf2");
    let id = config["vault_key_id"].as_str().expect("id");
    let identity = &owner["identity"];
    let secret: [u8; 32] = primitives::aes256gcm_open(
        &pk,
        &b64(&identity["nonce"]),
        format::identity_aad("owner").as_bytes(),
        &b64(&identity["ciphertext"]),
        &b64(&identity["tag"]),
    )
    .expect("sizes")
    .expect("opens")
    .try_into()
    .expect("32 bytes");
    let public: [u8; 32] = b64(&owner["public_key"]).try_into().expect("32");
    let share: [u8; 32] = b64(&owner["stanza"]["share"]).try_into().expect("32");
    let shared = x25519_dalek::StaticSecret::from(secret)
        .diffie_hellman(&x25519_dalek::PublicKey::from(share));
    let mut salt = share.to_vec();
    salt.extend_from_slice(&public);
    let mut key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), shared.as_bytes())
        .expand(b"agent-secrets/v1/x25519", &mut key)
        .expect("hkdf");
    let payload = chacha20poly1305::ChaCha20Poly1305::new((&key).into())
        .decrypt(
            &chacha20poly1305::Nonce::default(),
            Payload {
                msg: &b64(&owner["stanza"]["body"]),
                aad: format::vault_key_aad(id, "owner").as_bytes(),
            },
        )
        .expect("stanza opens");
    let hex: String = payload[..16].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, id, "the payload names the vault key");
    payload[16..].try_into().expect("32 bytes")
}

/// The wrap subkey: HKDF-SHA256(vault key, "agent-secrets/v1/wrap").
fn wrap_key_of(config: &Value) -> [u8; 32] {
    primitives::hkdf_sha256(&vault_key_of(config), b"agent-secrets/v1/wrap").expect("hkdf")
}

/// Writes config.json's MAC again, as a holder of the vault key would after
/// an edit (an independent implementation, or another process of ours).
fn remac(store: &Shared) {
    let mut config = store.json(CONFIG_FILE);
    let bytes = store.doc(CONFIG_FILE).expect("config");
    let mac = primitives::config_mac(&vault_key_of(&config), &bytes).expect("mac");
    config["mac"] = json!(STANDARD.encode(mac));
    store.put_json(CONFIG_FILE, &config);
}

/// The data key `id`, unwrapped with the public primitives and [`PASSWORD`].
fn unwrap_data_key(config: &Value, id: &str) -> Vec<u8> {
    let wk = wrap_key_of(config);
    let w = &config["keys"][id];
    primitives::aes256gcm_open(
        &wk,
        &b64(&w["nonce"]),
        format::key_aad(id).as_bytes(),
        &b64(&w["ciphertext"]),
        &b64(&w["tag"]),
    )
    .expect("sizes")
    .expect("opens")
}

/// Adds data key `k2` to config.json, wrapped under the vault key's wrap
/// subkey and re-MAC'ed as docs/format.md says, as a rotation interrupted
/// half-way would leave it. Returns the data key.
fn add_second_key(store: &Shared) -> [u8; 32] {
    let mut config = store.json(CONFIG_FILE);
    let wk = wrap_key_of(&config);
    let data_key = [0x42u8; 32];
    let nonce = [9u8; 12];
    let (ct, tag) =
        primitives::aes256gcm_seal(&wk, &nonce, format::key_aad("k2").as_bytes(), &data_key)
            .expect("seal");
    config["keys"]["k2"] = json!({
        "nonce": STANDARD.encode(nonce),
        "ciphertext": STANDARD.encode(&ct),
        "tag": STANDARD.encode(tag),
        "created_at": "2026-11-28T12:05:00Z",
    });
    store.put_json(CONFIG_FILE, &config);
    remac(store);
    data_key
}

#[test]
fn a_second_data_key_opens_and_its_tampering_names_config_json() {
    let (store, vault) = init_shared();
    vault
        .set(&sn("openai"), &kn("api_key"), &"under-k1".into(), t(1))
        .expect("set");
    drop(vault);
    let k2 = add_second_key(&store);

    // A value sealed under the non-active key still reads (every value names its key).
    let aad = format::value_aad(&sn("anthropic"), &kn("api_key"));
    let (ct, tag) =
        primitives::aes256gcm_seal(&k2, &[3u8; 12], aad.as_bytes(), b"under-k2").expect("seal");
    store.put_json(
        "anthropic.json",
        &json!({
            "format": "agent-secrets/service", "version": 1, "service": "anthropic",
            "secrets": { "api_key": {
                "key_id": "k2", "nonce": STANDARD.encode([3u8; 12]),
                "ciphertext": STANDARD.encode(&ct), "tag": STANDARD.encode(tag),
                "created_at": "2026-11-28T12:05:00Z", "updated_at": "2026-11-28T12:05:00Z" } }
        }),
    );
    let vault = Vault::unlock(store.clone(), &pw(), t(0)).expect("two keys");
    assert_eq!(vault.config().keys.len(), 2);
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("k1")
            .expose(),
        "under-k1"
    );
    assert_eq!(
        vault
            .get(&sn("anthropic"), &kn("api_key"))
            .expect("k2")
            .expose(),
        "under-k2"
    );
    let (st, _) = status(&store).expect("status");
    assert_eq!(st.key_ids, ["k1", "k2"]);
    assert_eq!(st.active_key, "k1");
    // New values go under the active key.
    vault
        .set(&sn("anthropic"), &kn("api_key"), &"now-k1".into(), t(6))
        .expect("set");
    assert_eq!(
        store.json("anthropic.json")["secrets"]["api_key"]["key_id"],
        json!("k1")
    );
    drop(vault);

    // A tampered non-active key: the password was right, so it is tampering.
    let good = store.json(CONFIG_FILE);
    let mut v = good.clone();
    let mut tag = b64(&v["keys"]["k2"]["tag"]);
    tag[15] ^= 0x10;
    v["keys"]["k2"]["tag"] = json!(STANDARD.encode(&tag));
    store.put_json(CONFIG_FILE, &v);
    // Without the key, that is a MAC failure; re-MAC'ed, the key itself fails.
    let e = Vault::unlock(store.clone(), &pw(), t(0)).expect_err("k2 tampered");
    assert!(matches!(e, Error::ConfigMac), "{e:?}");
    remac(&store);
    let e = Vault::unlock(store.clone(), &pw(), t(0)).expect_err("k2 tampered");
    assert!(
        matches!(&e, Error::TamperedKey { id } if id == "k2"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(
        e.to_string().starts_with("config.json: data key 'k2'"),
        "{e}"
    );
    assert_clean(&e, &[]);
    // With a wrong password, it is still only "wrong password".
    let e = Vault::unlock(
        store.clone(),
        &Password::from("Wrong-Horse-Battery-9"),
        t(0),
    )
    .expect_err("wrong");
    assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");

    // Making k2 active by hand is refused (the MAC); done by a holder of
    // the vault key, new values are sealed under k2.
    let mut v = good;
    v["active_key"] = json!("k2");
    store.put_json(CONFIG_FILE, &v);
    assert!(matches!(
        Vault::unlock(forget_failures(&store), &pw(), t(0)),
        Err(Error::ConfigMac)
    ));
    remac(&store);
    let vault = Vault::unlock(store.clone(), &pw(), t(0)).expect("k2 active");
    vault
        .set(&sn("openai"), &kn("api_key"), &"now-k2".into(), t(7))
        .expect("set");
    assert_eq!(
        store.json("openai.json")["secrets"]["api_key"]["key_id"],
        json!("k2")
    );
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        "now-k2"
    );
}

#[test]
fn keys_changed_by_another_process_stop_a_write() {
    let (store, vault) = init_shared();
    vault
        .set(&sn("openai"), &kn("api_key"), &"before".into(), t(1))
        .expect("set");

    let ours = store.doc(CONFIG_FILE).expect("config");
    // Another process re-initialised the folder (or rotated): a new vault key.
    let elsewhere = Vault::init(MemoryStore::new(), &pw(), &opts(), t(2)).expect("init");
    let foreign = elsewhere.store().documents()[CONFIG_FILE].clone();
    store.0.insert(CONFIG_FILE, &foreign);
    let before = store.docs();
    let writes = store.0.write_count();
    let value = fake_value("keys-changed");
    for r in [
        vault
            .set(&sn("openai"), &kn("api_key"), &value.as_str().into(), t(3))
            .map(|_| ()),
        vault
            .set(&sn("newsvc"), &kn("k"), &value.as_str().into(), t(3))
            .map(|_| ()),
    ] {
        let e = r.expect_err("keys changed");
        assert!(matches!(e, Error::KeysChanged), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_clean(&e, &[&value]);
    }
    assert_eq!(store.docs(), before);
    assert_eq!(store.0.write_count(), writes);
    assert!(!store.0.is_locked());

    // Another active key id (by a holder of the vault key) is a change as
    // well; the same edit without the key fails the MAC.
    store.0.insert(CONFIG_FILE, &ours);
    let mut v = store.json(CONFIG_FILE);
    let k1 = v["keys"]["k1"].clone();
    v["keys"] = json!({ "k7": k1 });
    v["active_key"] = json!("k7");
    store.put_json(CONFIG_FILE, &v);
    assert!(matches!(
        vault.set(&sn("openai"), &kn("api_key"), &"x".into(), t(4)),
        Err(Error::ConfigMac)
    ));
    remac(&store);
    assert!(matches!(
        vault.set(&sn("openai"), &kn("api_key"), &"x".into(), t(4)),
        Err(Error::KeysChanged)
    ));

    // config.json removed under us: not initialised any more, nothing written.
    store.0.remove(CONFIG_FILE).expect("remove");
    assert!(matches!(
        vault.set(&sn("openai"), &kn("api_key"), &"x".into(), t(4)),
        Err(Error::NotInitialized)
    ));
    assert!(!store.0.is_locked());
}

#[test]
fn other_config_edits_by_a_key_holder_do_not_stop_a_write() {
    let (store, vault) = init_shared();
    let mut v = store.json(CONFIG_FILE);
    v["lockout"]["max_attempts"] = json!(9);
    v["updated_at"] = json!("2026-11-29T00:00:00Z");
    store.put_json(CONFIG_FILE, &v);
    // Without the key, the edit stops every write ...
    let before = store.docs();
    assert!(matches!(
        vault.set(&sn("openai"), &kn("api_key"), &"fine".into(), t(1)),
        Err(Error::ConfigMac)
    ));
    assert_eq!(store.docs(), before);
    // ... with it, the write goes on.
    remac(&store);
    assert_eq!(
        vault
            .set(&sn("openai"), &kn("api_key"), &"fine".into(), t(1))
            .expect("set"),
        SetOutcome::Created
    );
    assert_eq!(status(&store).expect("status").0.lockout.max_attempts, 9);
}

#[test]
fn a_held_lock_is_reported_and_not_released_by_the_loser() {
    let (store, vault) = init_shared();
    store.0.lock().expect("take the lock as another writer");
    let before = store.docs();
    for r in [
        vault
            .set(&sn("openai"), &kn("api_key"), &"x".into(), t(1))
            .map(|_| ()),
        vault.delete(&sn("openai"), &kn("api_key")),
    ] {
        let e = r.expect_err("busy");
        assert!(
            matches!(e, Error::Storage(StoreError::Busy { .. })),
            "{e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.to_string().starts_with("The vault is busy"), "{e}");
        assert!(store.0.is_locked(), "the other writer's lock must stay");
    }
    let e = Vault::init(store.clone(), &pw(), &opts(), t(0)).expect_err("busy init");
    assert!(
        matches!(e, Error::Storage(StoreError::Busy { .. })),
        "{e:?}"
    );
    assert!(store.0.is_locked());
    assert_eq!(store.docs(), before);
    // Reads do not need the lock.
    assert!(list(&store, None).is_ok());
    store.0.unlock().expect("release");
    vault
        .set(&sn("openai"), &kn("api_key"), &"x".into(), t(1))
        .expect("now free");
}

#[test]
fn list_and_status_need_no_password() {
    let (store, vault) = init_shared();
    let secret = fake_value("list");
    vault
        .set(&sn("openai"), &kn("api_key"), &secret.as_str().into(), t(1))
        .expect("set");
    vault
        .set(&sn("openai"), &kn("org_id"), &"org-fake".into(), t(2))
        .expect("set");
    vault
        .set(&sn("gemini"), &kn("api_key"), &"g-fake".into(), t(3))
        .expect("set");
    drop(vault);
    // Documents that are not services are skipped.
    store.0.insert("state.json", b"{}");
    store.0.insert("audit.log", b"{}\n");
    store.0.insert("openai.json.tmp.abc123", b"partial");
    store.0.insert(".lock", b"123");

    let (services, problems) = list(&store, None).expect("list");
    assert!(problems.is_empty(), "{problems:?}");
    let names: Vec<_> = services.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(names, ["gemini", "openai"]);
    let keys: Vec<_> = services[1].secrets.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["api_key", "org_id"]);
    assert_eq!(services[1].secrets[0].key_id, "k1");
    assert_eq!(services[1].secrets[1].created_at, t(2));
    let shown = format!(
        "{services:?} {}",
        serde_json::to_string(&services).expect("json")
    );
    assert!(!shown.contains(&secret), "{shown}");
    assert!(shown.contains("org_id"));

    let (one, problems) = list(&store, Some(&sn("gemini"))).expect("list one");
    assert!(problems.is_empty());
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].service, "gemini");
    assert_eq!(one[0].secrets.len(), 1);

    let (st, problems) = status(&store).expect("status");
    assert!(problems.is_empty());
    assert_eq!(st.services, 2);
    assert_eq!(st.secrets, 3);
    assert_eq!(st.iterations, 100_000);
    assert_eq!(st.active_key, "k1");
    assert_eq!(st.key_ids, ["k1"]);
    assert_eq!(st.created_at, t(0));
    assert_eq!(st.updated_at, t(0));
    assert_eq!(st.lockout.max_attempts, 5);
    let st_json = serde_json::to_value(&st).expect("json");
    assert_eq!(st_json["secrets"], json!(3));
    assert!(st_json.get("salt").is_none());
    assert_eq!(store.0.write_count(), 6);
}

#[test]
fn list_reports_a_corrupt_document_and_lists_the_others() {
    let (store, vault) = init_shared();
    vault
        .set(&sn("anthropic"), &kn("api_key"), &"a".into(), t(1))
        .expect("set");
    vault
        .set(&sn("openai"), &kn("api_key"), &"b".into(), t(1))
        .expect("set");
    vault
        .set(&sn("zeta"), &kn("k"), &"c".into(), t(1))
        .expect("set");
    let canary = fake_value("corrupt");
    store.0.insert(
        "openai.json",
        format!("{{\"format\":\"agent-secrets/service\",\"version\":1,\"service\":\"openai\",\"secrets\":{{\"api_key\":{{\"value\":\"{canary}\"}}}}}}").as_bytes(),
    );
    let mut newer = store.json("zeta.json");
    newer["version"] = json!(3);
    store.put_json("zeta.json", &newer);

    let (services, problems) = list(&store, None).expect("list");
    assert_eq!(
        services
            .iter()
            .map(|s| s.service.as_str())
            .collect::<Vec<_>>(),
        ["anthropic"]
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        matches!(&problems[0], Error::Corrupt { file, .. } if file == "openai.json"),
        "{:?}",
        problems[0]
    );
    assert!(
        matches!(&problems[1], Error::NewerVersion { file, found: 3 } if file == "zeta.json"),
        "{:?}",
        problems[1]
    );
    for p in &problems {
        assert_eq!(p.kind(), ErrorKind::Integrity);
        assert_clean(p, &[&canary]);
    }
    let (st, problems) = status(&store).expect("status");
    assert_eq!((st.services, st.secrets, problems.len()), (1, 1, 2));
    // Asked for by name, the corrupt one is an error.
    let e = list(&store, Some(&sn("openai"))).expect_err("corrupt");
    assert!(
        matches!(&e, Error::Corrupt { file, .. } if file == "openai.json"),
        "{e:?}"
    );
    assert_clean(&e, &[&canary]);
    let e = vault
        .get(&sn("openai"), &kn("api_key"))
        .expect_err("corrupt");
    assert!(matches!(&e, Error::Corrupt { .. }), "{e:?}");
    assert_clean(&e, &[&canary]);
    // And a write to it is refused rather than overwriting what is there.
    let before = store.doc("openai.json");
    let e = vault
        .set(&sn("openai"), &kn("other"), &"x".into(), t(2))
        .expect_err("corrupt");
    assert!(matches!(&e, Error::Corrupt { .. }), "{e:?}");
    assert_eq!(store.doc("openai.json"), before);
    assert!(!store.0.is_locked());
}

fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn resolve_prefers_the_vault_then_the_environment() {
    let (store, vault) = init_shared();
    let in_vault = fake_value("vault-openai");
    vault
        .set(
            &sn("openai"),
            &kn("api_key"),
            &in_vault.as_str().into(),
            t(1),
        )
        .expect("set");
    vault
        .set(&sn("supabase"), &kn("anon_key"), &"anon-fake".into(), t(1))
        .expect("set");
    let env = env_of(&[
        ("OPENAI_API_KEY", "env-openai-fake"),
        ("GEMINI_API_KEY", ""),
        ("GOOGLE_GEMINI_API_KEY", "env-gemini-fake"),
        ("SUPABASE_SERVICE_ROLE_KEY", "env-role-fake"),
        ("STRIPE_SECRET_KEY", ""),
    ]);

    let r = resolve(Some(&vault), &sn("openai"), &kn("api_key"), &env).expect("vault");
    assert_eq!(r.value.expose(), in_vault);
    assert_eq!(r.source, Source::Vault);

    // Service absent from the vault; empty GEMINI_API_KEY counts as unset.
    let r = resolve(Some(&vault), &sn("gemini"), &kn("api_key"), &env).expect("env");
    assert_eq!(r.value.expose(), "env-gemini-fake");
    assert_eq!(r.source, Source::Env("GOOGLE_GEMINI_API_KEY".to_owned()));
    assert_eq!(
        serde_json::to_value(&r.source).expect("json"),
        json!({"kind": "env", "variable": "GOOGLE_GEMINI_API_KEY"})
    );
    assert_eq!(
        serde_json::to_value(Source::Vault).expect("json"),
        json!({"kind": "vault"})
    );

    // Service present, key absent.
    let r = resolve(Some(&vault), &sn("supabase"), &kn("service_role_key"), &env).expect("env");
    assert_eq!(
        r.source,
        Source::Env("SUPABASE_SERVICE_ROLE_KEY".to_owned())
    );

    // Neither: the vault's own not-found error.
    let e = resolve(Some(&vault), &sn("stripe"), &kn("secret_key"), &env).expect_err("nowhere");
    assert!(
        matches!(&e, Error::ServiceNotFound { service } if service == "stripe"),
        "{e:?}"
    );
    let e = resolve(Some(&vault), &sn("supabase"), &kn("other"), &env).expect_err("nowhere");
    assert!(
        matches!(&e, Error::SecretNotFound { service, key } if service == "supabase" && key == "other"),
        "{e:?}"
    );
    // Without a vault, the environment alone.
    let r = resolve::<Shared>(None, &sn("openai"), &kn("api_key"), &env).expect("env only");
    assert_eq!(r.value.expose(), "env-openai-fake");
    assert_eq!(r.source, Source::Env("OPENAI_API_KEY".to_owned()));
    let e = resolve::<Shared>(None, &sn("stripe"), &kn("secret_key"), &env).expect_err("empty var");
    assert!(matches!(e, Error::SecretNotFound { .. }), "{e:?}");

    // A tampered value is an error, never a silent fall-back to the environment.
    edit_entry(&store, "openai", "api_key", |e| {
        let mut tag = b64(&e["tag"]);
        tag[0] ^= 1;
        e["tag"] = json!(STANDARD.encode(&tag));
    });
    let e = resolve(Some(&vault), &sn("openai"), &kn("api_key"), &env).expect_err("tampered");
    assert_tampered(&e, "openai.json", "api_key");
    assert_clean(&e, &[&in_vault, "env-openai-fake"]);
    // Nor does a corrupt document fall back.
    store.0.insert("gemini.json", b"{");
    let e = resolve(Some(&vault), &sn("gemini"), &kn("api_key"), &env).expect_err("corrupt");
    assert!(
        matches!(&e, Error::Corrupt { file, .. } if file == "gemini.json"),
        "{e:?}"
    );
}

#[test]
fn debug_of_a_vault_and_its_secrets_leaks_nothing() {
    let vault = Vault::init(MemoryStore::new(), &pw(), &opts(), t(0)).expect("init");
    let secret = fake_value("debug");
    vault
        .set(&sn("openai"), &kn("api_key"), &secret.as_str().into(), t(1))
        .expect("set");
    let got = vault.get(&sn("openai"), &kn("api_key")).expect("get");
    let shown = format!("{vault:?} {got:?} {:?}", pw());
    assert!(!shown.contains(&secret), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("[redacted]"));
    assert!(shown.contains("KeyRing"));
    assert_eq!(agent_secrets_core::mask(&got), "********");
}

#[test]
fn every_error_kind_and_code() {
    let weak = check_password_strength(&Password::from("short")).expect_err("weak");
    let mut out = [0u8; 1];
    let param = primitives::pbkdf2_hmac_sha256(b"p", b"s", 0, &mut out).expect_err("param");
    let storage = Error::from(StoreError::CannotWrite {
        location: "/x".into(),
        reason: "read-only".into(),
    });
    let read = Error::from(StoreError::CannotRead {
        location: "/y".into(),
        reason: "denied".into(),
    });
    let cases: Vec<(Error, ErrorKind, &str)> = vec![
        (
            Error::InvalidServiceName { reason: "r" },
            ErrorKind::Usage,
            "INVALID_INPUT",
        ),
        (
            Error::InvalidKeyName { reason: "r" },
            ErrorKind::Usage,
            "INVALID_INPUT",
        ),
        (weak, ErrorKind::Usage, "INVALID_INPUT"),
        (Error::AlreadyInitialized, ErrorKind::Usage, "INVALID_INPUT"),
        (
            Error::KdfOutOfRange { iterations: 1 },
            ErrorKind::Usage,
            "INVALID_INPUT",
        ),
        (param, ErrorKind::Usage, "INVALID_INPUT"),
        (
            Error::NotInitialized,
            ErrorKind::NotInitialized,
            "NOT_INITIALIZED",
        ),
        (
            Error::WRONG_PASSWORD,
            ErrorKind::WrongPassword,
            "WRONG_PASSWORD",
        ),
        (
            Error::ServiceNotFound {
                service: "s".into(),
            },
            ErrorKind::NotFound,
            "NOT_FOUND",
        ),
        (
            Error::SecretNotFound {
                service: "s".into(),
                key: "k".into(),
            },
            ErrorKind::NotFound,
            "NOT_FOUND",
        ),
        (
            Error::Tampered {
                file: "f".into(),
                key: "k".into(),
            },
            ErrorKind::Integrity,
            "INTEGRITY",
        ),
        (
            Error::TamperedKey { id: "k2".into() },
            ErrorKind::Integrity,
            "INTEGRITY",
        ),
        (
            Error::Corrupt {
                file: "f".into(),
                detail: "d".into(),
            },
            ErrorKind::Integrity,
            "INTEGRITY",
        ),
        (
            Error::NewerVersion {
                file: "f".into(),
                found: 2,
            },
            ErrorKind::Integrity,
            "INTEGRITY",
        ),
        (Error::KeysChanged, ErrorKind::Io, "IO"),
        (storage, ErrorKind::Io, "IO"),
        (read, ErrorKind::Io, "IO"),
        (Error::Random, ErrorKind::Io, "IO"),
    ];
    for (e, kind, code) in &cases {
        assert_eq!(e.kind(), *kind, "{e:?}");
        assert_eq!(e.kind().code(), *code, "{e:?}");
        assert!(!e.to_string().is_empty());
    }
    assert_eq!(ErrorKind::Locked.code(), "LOCKED");
    assert_eq!(
        cases[15].0.to_string(),
        "Cannot write to /x. Check permissions. (read-only)"
    );
    assert_eq!(
        cases[16].0.to_string(),
        "Cannot read /y. Check permissions. (denied)"
    );
}

#[test]
fn two_handles_share_a_borrowed_store() {
    let mem = MemoryStore::new();
    let a = Vault::init(&mem, &pw(), &opts(), t(0)).expect("init");
    let b = Vault::unlock(&mem, &pw(), t(0)).expect("unlock");
    let value = fake_value("borrowed");
    a.set(&sn("openai"), &kn("api_key"), &value.as_str().into(), t(1))
        .expect("set through a");
    assert_eq!(
        b.get(&sn("openai"), &kn("api_key"))
            .expect("get through b")
            .expose(),
        value
    );
    b.delete(&sn("openai"), &kn("api_key"))
        .expect("delete through b");
    assert!(matches!(
        a.get(&sn("openai"), &kn("api_key")),
        Err(Error::ServiceNotFound { .. })
    ));

    // A failed unlock does not cost the caller its store.
    let writes = mem.write_count();
    let e = Vault::unlock(&mem, &Password::from("Wrong-Horse-Battery-9"), t(0)).expect_err("wrong");
    assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");
    assert_eq!(
        mem.write_count(),
        writes + 2,
        "only state.json: counted before the derivation, then dated"
    );

    // b holds the lock: a is told the vault is busy.
    mem.lock().expect("lock");
    let e = a
        .set(&sn("openai"), &kn("api_key"), &"x".into(), t(2))
        .expect_err("busy");
    assert!(
        matches!(e, Error::Storage(StoreError::Busy { .. })),
        "{e:?}"
    );
    mem.unlock().expect("unlock");
    assert_eq!(
        a.set(&sn("openai"), &kn("api_key"), &"x".into(), t(2))
            .expect("free"),
        SetOutcome::Created
    );
    // Listing through a handle's borrowed store.
    let (services, problems) = list(a.store(), None).expect("list");
    assert!(problems.is_empty());
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].service, "openai");
}

#[test]
fn change_password_rewraps_the_keys_and_rewrites_only_config() {
    let (store, mut vault) = init_shared();
    let value = fake_value("passwd");
    vault
        .set(&sn("openai"), &kn("api_key"), &value.as_str().into(), t(1))
        .expect("set");
    let service_before = store.0.read("openai.json").expect("read");
    let before = store.json(CONFIG_FILE);
    let new = Password::from("Another-Horse-Battery-7");
    vault
        .change_password(&new, Some(200_000), t(2))
        .expect("passwd");
    assert_eq!(store.0.read("openai.json").expect("read"), service_before);
    let config = store.json(CONFIG_FILE);
    assert_eq!(config["recipients"]["owner"]["kdf"]["iterations"], 200_000);
    assert_eq!(config["updated_at"], t(2).to_string());
    assert_eq!(config["keys"]["k1"]["created_at"], t(0).to_string());
    // Only the vault key's wrapping changed: same vault key, same data keys.
    assert_eq!(config["vault_key_id"], before["vault_key_id"]);
    assert_eq!(config["keys"], before["keys"]);
    assert_ne!(config["recipients"], before["recipients"]);
    drop(vault);
    assert!(matches!(
        Vault::unlock(store.clone(), &pw(), t(3)),
        Err(Error::WrongPassword { .. })
    ));
    let vault = Vault::unlock(store.clone(), &new, t(3)).expect("new password");
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        value
    );
    let mut vault = vault;
    assert!(matches!(
        vault.change_password(&new, Some(99_999), t(4)),
        Err(Error::KdfOutOfRange { .. })
    ));
}

#[test]
fn init_and_passwd_enforce_the_password_rule_themselves() {
    // No caller has to remember the rule: init refuses a weak password
    // before the folder is touched, passwd before anything is derived.
    for weak in ["short-1A", "alllowercaseletters", "12345678901!"] {
        let store = Shared::default();
        let e = Vault::init(store.clone(), &Password::from(weak), &opts(), t(0))
            .expect_err("weak password");
        assert!(matches!(e, Error::WeakPassword { .. }), "{weak}: {e:?}");
        assert_eq!(e.kind(), ErrorKind::Usage);
        assert!(!e.to_string().contains(weak), "{e}");
        assert!(store.docs().is_empty(), "{weak}: nothing written");
        assert_eq!(store.0.write_count(), 0);
    }
    let (store, mut vault) = init_shared();
    let before = store.docs();
    let writes = store.0.write_count();
    let e = vault
        .change_password(&Password::from("weakpassword"), None, t(1))
        .expect_err("weak new password");
    assert!(matches!(e, Error::WeakPassword { .. }), "{e:?}");
    assert_eq!(store.docs(), before);
    assert_eq!(store.0.write_count(), writes);
    drop(vault);
    Vault::unlock(store.clone(), &pw(), t(2)).expect("the old password still opens");
}

#[test]
fn rotate_moves_every_value_to_a_new_key_and_drops_the_old() {
    let (store, mut vault) = init_shared();
    let mut expected = Vec::new();
    for s in 0..5 {
        for k in 0..7 {
            let v = fake_value(&format!("{s}-{k}"));
            vault
                .set(
                    &sn(&format!("svc{s}")),
                    &kn(&format!("k{k}")),
                    &v.as_str().into(),
                    t(1),
                )
                .expect("set");
            expected.push((format!("svc{s}"), format!("k{k}"), v));
        }
    }
    let old_config = store.json(CONFIG_FILE);
    let mut calls = Vec::new();
    let summary = vault
        .rotate(t(2), &mut |done, total| calls.push((done, total)))
        .expect("rotate");
    assert_eq!(summary.values_moved, 35);
    assert_eq!(summary.services, 5);
    assert_eq!(summary.new_key, "k2");
    assert_eq!(summary.dropped_keys, ["k1"]);
    assert!(!summary.resumed);
    assert_eq!(calls.last(), Some(&(5, 5)));
    let config = store.json(CONFIG_FILE);
    assert_eq!(config["active_key"], "k2");
    assert_eq!(config["keys"].as_object().expect("keys").len(), 1);
    // A new vault key: new id, new wrapping, and the old key opens nothing.
    assert_ne!(config["vault_key_id"], old_config["vault_key_id"]);
    assert_ne!(vault_key_of(&config), vault_key_of(&old_config));
    assert_eq!(
        vault.vault_key().id(),
        config["vault_key_id"].as_str().expect("id")
    );
    for s in 0..5 {
        let doc = store.json(&format!("svc{s}.json"));
        for (_, e) in doc["secrets"].as_object().expect("secrets") {
            assert_eq!(e["key_id"], "k2");
        }
    }
    drop(vault);
    let vault = Vault::unlock(store.clone(), &pw(), t(3)).expect("unlock");
    for (s, k, v) in &expected {
        assert_eq!(vault.get(&sn(s), &kn(k)).expect("get").expose(), v.as_str());
    }
    // New values go under the new key; a second rotation makes k3.
    let mut vault = vault;
    let summary = vault.rotate(t(4), &mut |_, _| {}).expect("rotate again");
    assert_eq!((summary.new_key.as_str(), summary.values_moved), ("k3", 35));
}

#[test]
fn an_interrupted_rotation_still_opens_and_is_resumed() {
    let (store, mut vault) = init_shared();
    for s in 0..4 {
        vault
            .set(
                &sn(&format!("svc{s}")),
                &kn("key"),
                &fake_value(&s.to_string()).as_str().into(),
                t(1),
            )
            .expect("set");
    }
    // Interrupt after two services: the progress callback cannot stop the
    // pass, so simulate the crash by restoring two service files to their
    // pre-rotation bytes and re-adding k1, wrapped under the new vault key
    // as the first step of the rotation leaves it, to the config.
    let before: Vec<_> = (0..4)
        .map(|s| store.0.read(&format!("svc{s}.json")).expect("read"))
        .collect();
    let config_before = store.json(CONFIG_FILE);
    let k1 = unwrap_data_key(&config_before, "k1");
    vault.rotate(t(2), &mut |_, _| {}).expect("rotate");
    let mut config = store.json(CONFIG_FILE);
    let nonce = [5u8; 12];
    let (ct, tag) = primitives::aes256gcm_seal(
        &wrap_key_of(&config),
        &nonce,
        format::key_aad("k1").as_bytes(),
        &k1,
    )
    .expect("seal");
    config["keys"]["k1"] = json!({
        "nonce": STANDARD.encode(nonce),
        "ciphertext": STANDARD.encode(&ct),
        "tag": STANDARD.encode(tag),
        "created_at": config_before["keys"]["k1"]["created_at"].clone(),
    });
    store.put_json(CONFIG_FILE, &config);
    remac(&store);
    for s in [2, 3] {
        store.0.insert(
            &format!("svc{s}.json"),
            before[s].as_ref().expect("present"),
        );
    }
    drop(vault);
    // It opens, every value reads (two under k1, two under k2) ...
    let mut vault = Vault::unlock(store.clone(), &pw(), t(3)).expect("unlock mid-rotation");
    for s in 0..4 {
        vault
            .get(&sn(&format!("svc{s}")), &kn("key"))
            .expect("readable mid-rotation");
    }
    // ... and rotate finishes the job instead of starting another.
    let summary = vault.rotate(t(4), &mut |_, _| {}).expect("resume");
    assert!(summary.resumed);
    assert_eq!(summary.new_key, "k2");
    assert_eq!(summary.values_moved, 2);
    assert_eq!(summary.dropped_keys, ["k1"]);
    for s in 0..4 {
        vault
            .get(&sn(&format!("svc{s}")), &kn("key"))
            .expect("readable after");
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
