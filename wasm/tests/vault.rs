//! The vault through the wasm build, under Node, on an in-memory
//! JavaScript store: round trip, error objects and their codes.
//!
//! `cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown`

#![cfg(target_arch = "wasm32")]

use agent_secrets_wasm::{audit_status, derive_key, list, status, StoreObject, Vault};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

// Fake, made up for these tests.
const PASSWORD: &str = "Correct-Horse-Battery-9";
const VALUE: &str = "sk-fake-wasm-test-7f3a";
const ITERATIONS: u32 = 100_000;
/// 2026-11-28T12:00:00Z, with a fraction as `Date.now() / 1000` gives.
const NOW: f64 = 1_795_867_200.75;

#[wasm_bindgen(inline_js = r#"
export function memoryStore(initial) {
  const docs = new Map();
  for (const [name, text] of Object.entries(initial || {})) {
    docs.set(name, new TextEncoder().encode(text));
  }
  let locked = false;
  return {
    writes: 0,
    read(name) { return docs.has(name) ? docs.get(name) : null; },
    write(name, bytes) {
      if (!locked) throw new Error("write without the lock");
      this.writes++;
      docs.set(name, new Uint8Array(bytes));
    },
    remove(name) {
      if (!locked) throw new Error("remove without the lock");
      this.writes++;
      docs.delete(name);
    },
    list() { return [...docs.keys()]; },
    lock() { if (locked) throw new Error("already locked"); locked = true; },
    unlock() { locked = false; },
    isLocked() { return locked; },
    text(name) { return docs.has(name) ? new TextDecoder().decode(docs.get(name)) : undefined; },
    setText(name, text) { docs.set(name, new TextEncoder().encode(text)); },
  };
}

export function failingStore(message) {
  const fail = () => { throw new Error(message); };
  return { read: fail, write: fail, remove: fail, list: fail, lock: fail, unlock: fail };
}
"#)]
extern "C" {
    /// The in-memory store above, with test helpers.
    #[derive(Clone)]
    type TestStore;

    #[wasm_bindgen(js_name = memoryStore)]
    fn memory_store(initial: &JsValue) -> TestStore;

    #[wasm_bindgen(js_name = failingStore)]
    fn failing_store(message: &str) -> StoreObject;

    #[wasm_bindgen(method, getter)]
    fn writes(this: &TestStore) -> u32;

    #[wasm_bindgen(method, js_name = isLocked)]
    fn is_locked(this: &TestStore) -> bool;

    #[wasm_bindgen(method)]
    fn text(this: &TestStore, name: &str) -> Option<String>;

    #[wasm_bindgen(method, js_name = setText)]
    fn set_text(this: &TestStore, name: &str, text: &str);
}

impl TestStore {
    fn object(&self) -> StoreObject {
        self.clone().unchecked_into()
    }

    fn json(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.text(name).expect("document present")).expect("JSON")
    }
}

fn new_vault() -> (TestStore, Vault) {
    let store = memory_store(&JsValue::UNDEFINED);
    let vault = Vault::init(store.object(), PASSWORD.to_owned(), ITERATIONS, NOW).expect("init");
    (store, vault)
}

/// The thrown value must be an `AgentSecretsError` with this code; returns
/// its message.
fn error_code<T>(result: Result<T, JsValue>, code: &str) -> String {
    let Err(thrown) = result else {
        panic!("expected an error with code {code}");
    };
    let error: js_sys::Error = thrown.dyn_into().expect("an Error object");
    assert_eq!(String::from(error.name()), "AgentSecretsError");
    let got = js_sys::Reflect::get(&error, &JsValue::from_str("code"))
        .expect("code property")
        .as_string();
    assert_eq!(got.as_deref(), Some(code));
    String::from(error.message())
}

fn to_json(value: &JsValue) -> serde_json::Value {
    let text = js_sys::JSON::stringify(value).expect("stringify");
    serde_json::from_str(&String::from(text)).expect("JSON")
}

#[wasm_bindgen_test]
fn init_set_get_list_delete_round_trip() {
    let (store, vault) = new_vault();
    assert_eq!(store.writes(), 3, ".gitignore, state.json and config.json");
    assert_eq!(
        store.json("config.json")["recipients"]["owner"]["kdf"]["iterations"],
        100_000
    );
    assert_eq!(
        store.json("config.json")["created_at"],
        "2026-11-28T12:00:00Z"
    );

    assert_eq!(
        vault
            .set("openai", "api_key", VALUE.to_owned(), NOW)
            .expect("set"),
        "created"
    );
    assert_eq!(
        vault
            .set("openai", "org", "org-fake".to_owned(), NOW)
            .expect("set"),
        "created"
    );
    assert_eq!(
        vault
            .get("openai", "api_key")
            .expect("get")
            .as_string()
            .as_deref(),
        Some(VALUE)
    );
    assert!(!store.is_locked(), "the lock is released after a write");
    let raw = store.text("openai.json").expect("openai.json written");
    assert!(!raw.contains(VALUE), "the document holds ciphertext only");

    let updated = vault.set(
        "openai",
        "api_key",
        "sk-fake-wasm-second".to_owned(),
        NOW + 60.0,
    );
    assert_eq!(updated.expect("set"), "updated");
    let entry = &store.json("openai.json")["secrets"]["api_key"];
    assert_eq!(entry["created_at"], "2026-11-28T12:00:00Z");
    assert_eq!(entry["updated_at"], "2026-11-28T12:01:00Z");

    // Another unlock of the same store reads what this one wrote.
    let again =
        Vault::unlock(store.object(), PASSWORD.to_owned(), 1_795_867_200.0).expect("unlock");
    let got = again.get("openai", "api_key").expect("get");
    assert_eq!(got.as_string().as_deref(), Some("sk-fake-wasm-second"));

    let listing = to_json(&list(store.object(), None).expect("list"));
    assert_eq!(listing["problems"], serde_json::json!([]));
    assert_eq!(listing["services"][0]["service"], "openai");
    let keys: Vec<&str> = listing["services"][0]["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| s["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["api_key", "org"]);
    assert!(
        !listing.to_string().contains("sk-fake"),
        "no value in a listing"
    );
    let one = to_json(&list(store.object(), Some("openai".to_owned())).expect("list"));
    assert_eq!(one["services"].as_array().map(Vec::len), Some(1));
    assert_eq!(to_json(&vault.list(None).expect("list")), listing);

    let state = to_json(&status(store.object()).expect("status"));
    assert_eq!(state["iterations"], 100_000);
    assert_eq!(
        (state["services"].as_u64(), state["secrets"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(state["active_key"], "k1");

    vault.delete("openai", "api_key").expect("delete");
    error_code(vault.get("openai", "api_key"), "NOT_FOUND");
    vault.delete("openai", "org").expect("delete");
    assert_eq!(
        store.text("openai.json"),
        None,
        "the last secret takes its file along"
    );
    let message = error_code(vault.get("openai", "org"), "NOT_FOUND");
    assert!(message.contains("openai"), "{message}");
}

#[wasm_bindgen_test]
fn wrong_password_is_wrong_password() {
    let (store, _vault) = new_vault();
    let wrong = "Correct-Horse-Battery-8";
    let message = error_code(
        Vault::unlock(store.object(), wrong.to_owned(), 1_795_867_200.0),
        "WRONG_PASSWORD",
    );
    assert!(!message.contains(wrong), "{message}");
}

#[wasm_bindgen_test]
fn tampered_ciphertext_is_integrity() {
    let (store, vault) = new_vault();
    vault
        .set("openai", "api_key", VALUE.to_owned(), NOW)
        .expect("set");
    let mut doc = store.json("openai.json");
    let field = &mut doc["secrets"]["api_key"]["ciphertext"];
    let text = field.as_str().expect("base64").to_owned();
    // A different first base64 digit changes the first ciphertext byte.
    let first = if text.starts_with('A') { "B" } else { "A" };
    *field = serde_json::Value::from(format!("{first}{}", &text[1..]));
    store.set_text("openai.json", &doc.to_string());
    let message = error_code(vault.get("openai", "api_key"), "INTEGRITY");
    assert!(
        message.contains("openai.json") && message.contains("api_key"),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn invalid_names_are_invalid_input_and_not_echoed() {
    let (store, vault) = new_vault();
    let writes = store.writes();
    let bad_service = "../sk-fake-pasted-value";
    let message = error_code(
        vault.set(bad_service, "api_key", VALUE.to_owned(), NOW),
        "INVALID_INPUT",
    );
    assert!(!message.contains("sk-fake"), "{message}");
    error_code(vault.get("openai", "bad key"), "INVALID_INPUT");
    error_code(vault.delete("config", "api_key"), "INVALID_INPUT");
    error_code(
        list(store.object(), Some("Upper".to_owned())),
        "INVALID_INPUT",
    );
    assert_eq!(store.writes(), writes, "nothing was written");
}

#[wasm_bindgen_test]
fn the_audit_status_of_an_outcome_is_the_cores() {
    let status =
        |code: Option<&str>, from_env: bool| audit_status(code.map(str::to_owned), from_env);
    assert_eq!(status(None, false).as_deref(), Some("success"));
    assert_eq!(status(None, true).as_deref(), Some("env_fallback"));
    assert_eq!(
        status(Some("WRONG_PASSWORD"), false).as_deref(),
        Some("unauthorized")
    );
    assert_eq!(status(Some("LOCKED"), false).as_deref(), Some("locked"));
    assert_eq!(
        status(Some("NOT_FOUND"), true).as_deref(),
        Some("not_found")
    );
    assert_eq!(status(Some("INTEGRITY"), false).as_deref(), Some("failed"));
    assert_eq!(status(Some("IO"), false).as_deref(), Some("failed"));
    // An error that is not the core's (a trap, a bug) is a failure too.
    assert_eq!(status(Some("undefined"), false).as_deref(), Some("failed"));
    // Bad input never reached the vault; without a vault there is no log.
    for code in ["INVALID_INPUT", "INVALID_NAME", "NOT_INITIALIZED"] {
        assert_eq!(status(Some(code), false), None, "{code}");
    }
}

#[wasm_bindgen_test]
fn init_refuses_what_the_core_refuses() {
    let store = memory_store(&JsValue::UNDEFINED);
    let weak = "password";
    let message = error_code(
        Vault::init(store.object(), weak.to_owned(), ITERATIONS, NOW),
        "INVALID_INPUT",
    );
    assert!(!message.contains(weak), "{message}");
    error_code(
        Vault::init(store.object(), PASSWORD.to_owned(), 99_999, NOW),
        "INVALID_INPUT",
    );
    error_code(
        Vault::init(store.object(), PASSWORD.to_owned(), ITERATIONS, f64::NAN),
        "INVALID_INPUT",
    );
    assert_eq!(store.writes(), 0);
    let (store, _vault) = new_vault();
    error_code(
        Vault::init(store.object(), PASSWORD.to_owned(), ITERATIONS, NOW),
        "INVALID_INPUT",
    );
    error_code(
        status(memory_store(&JsValue::UNDEFINED).unchecked_into()),
        "NOT_INITIALIZED",
    );
}

#[wasm_bindgen_test]
fn a_throwing_store_becomes_an_io_error_with_its_message() {
    let message = error_code(
        Vault::unlock(
            failing_store("EACCES: permission denied"),
            PASSWORD.to_owned(),
            1_795_867_200.0,
        ),
        "IO",
    );
    assert!(message.contains("config.json"), "{message}");
    assert!(message.contains("EACCES: permission denied"), "{message}");
    let message = error_code(
        Vault::init(
            failing_store("EROFS: read-only file system"),
            PASSWORD.to_owned(),
            ITERATIONS,
            NOW,
        ),
        "IO",
    );
    assert!(message.contains("EROFS"), "{message}");
}

#[wasm_bindgen_test]
fn derive_key_is_pbkdf2_of_the_utf8_password() {
    // PBKDF2-HMAC-SHA256 of the UTF-8 bytes, 100,000 iterations, 32 bytes
    // (Python's hashlib.pbkdf2_hmac gives the same).
    let salt = b"0123456789abcdef";
    let dk = derive_key("p\u{e4}ssw\u{f6}rd".to_owned(), salt, ITERATIONS).expect("derive");
    let expected = "a54b063bc62778a12e4f89a579e57f8fec3198afd852147ed17ee3700afe5e30";
    let hex: String = dk.to_vec().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, expected);
    // Only a recipient's parameters: a 16-byte salt, 100,000 to 10,000,000
    // iterations.
    error_code(
        derive_key("passwd".to_owned(), b"salt", ITERATIONS),
        "INVALID_INPUT",
    );
    error_code(
        derive_key("passwd".to_owned(), salt, 99_999),
        "INVALID_INPUT",
    );
    error_code(
        derive_key("passwd".to_owned(), salt, 10_000_001),
        "INVALID_INPUT",
    );
}
