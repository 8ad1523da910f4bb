//! A vault on a JavaScript store reaches the store's own methods, the
//! optional `append`, `readTail` and `writeUnsynced` included, instead of
//! the trait's defaults (`AnyStore` forwards every method); without
//! `writeUnsynced`, the lockout's state goes through `write`.
//!
//! `cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown`

#![cfg(target_arch = "wasm32")]

use agent_secrets_wasm::{StoreObject, Vault};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

// Fake, made up for these tests.
const PASSWORD: &str = "Correct-Horse-Battery-9";
const ITERATIONS: u32 = 100_000;
const NOW: f64 = 1_795_867_200.0;

#[wasm_bindgen(inline_js = r#"
export function recordingStore(unsynced) {
  const docs = new Map();
  const calls = [];
  const concat = (a, b) => { const c = new Uint8Array(a.length + b.length); c.set(a); c.set(b, a.length); return c; };
  const store = {
    read(name) { calls.push(`read ${name}`); return docs.has(name) ? docs.get(name) : null; },
    write(name, bytes) { calls.push(`write ${name}`); docs.set(name, new Uint8Array(bytes)); },
    remove(name) { calls.push(`remove ${name}`); docs.delete(name); },
    list() { calls.push('list'); return [...docs.keys()]; },
    lock() { calls.push('lock'); },
    unlock() { calls.push('unlock'); },
    append(name, bytes) {
      calls.push(`append ${name}`);
      docs.set(name, concat(docs.get(name) || new Uint8Array(0), bytes));
    },
    readTail(name, max) {
      calls.push(`readTail ${name}`);
      const all = docs.get(name);
      return all === undefined ? null : all.subarray(Math.max(0, all.length - max));
    },
    takeCalls() { return calls.splice(0); },
    text(name) { return new TextDecoder().decode(docs.get(name)); },
  };
  if (unsynced) {
    store.writeUnsynced = (name, bytes) => {
      calls.push(`writeUnsynced ${name}`);
      docs.set(name, new Uint8Array(bytes));
    };
  }
  return store;
}
"#)]
extern "C" {
    #[derive(Clone)]
    type RecordingStore;

    #[wasm_bindgen(js_name = recordingStore)]
    fn recording_store_with(unsynced: bool) -> RecordingStore;

    #[wasm_bindgen(method, js_name = takeCalls)]
    fn take_calls(this: &RecordingStore) -> Vec<String>;

    #[wasm_bindgen(method)]
    fn text(this: &RecordingStore, name: &str) -> String;
}

fn recording_store() -> RecordingStore {
    recording_store_with(false)
}

/// The writes of one password unlock (`Vault.unlock`) of a fresh vault.
fn unlock_writes(store: &RecordingStore) -> Vec<String> {
    let object: StoreObject = store.clone().unchecked_into();
    Vault::init(object.clone(), PASSWORD.to_owned(), ITERATIONS, NOW).expect("init");
    store.take_calls();
    Vault::unlock(object, PASSWORD.to_owned(), NOW).expect("unlock");
    store
        .take_calls()
        .into_iter()
        .filter(|c| c.starts_with("write"))
        .collect()
}

#[wasm_bindgen_test]
fn the_lockout_state_goes_through_write_unsynced_when_the_store_has_it() {
    // The attempt counted before the derivation, and cleared after it.
    assert_eq!(
        unlock_writes(&recording_store_with(true)),
        ["writeUnsynced state.json", "writeUnsynced state.json"]
    );
    assert_eq!(
        unlock_writes(&recording_store_with(false)),
        ["write state.json", "write state.json"]
    );
}

#[wasm_bindgen_test]
fn audit_lines_use_the_stores_append_and_read_tail() {
    let store = recording_store();
    let object: StoreObject = store.clone().unchecked_into();
    let vault = Vault::init(object, PASSWORD.to_owned(), ITERATIONS, NOW).expect("init");
    store.take_calls();

    for _ in 0..2 {
        vault
            .append_audit(
                "get",
                "success",
                Some("openai".to_owned()),
                Some("api_key".to_owned()),
                "tester",
                "node",
                NOW,
            )
            .expect("append");
    }
    assert_eq!(
        store.take_calls(),
        [
            "lock",
            "readTail audit.log",
            "append audit.log",
            "unlock",
            "lock",
            "readTail audit.log",
            "append audit.log",
            "unlock",
        ]
    );
    // Two chained lines, the second naming the first.
    let log = store.text("audit.log");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[1]["prev"].is_string(), "{log}");
    assert_ne!(lines[0]["prev"], lines[1]["prev"], "{log}");
}
