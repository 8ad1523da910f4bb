//! The dashboard's bindings through the wasm build, under Node: audit
//! lines built and verified, the env mapping, the `.env` import plan.
//!
//! `cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown`

#![cfg(target_arch = "wasm32")]

use agent_secrets_wasm::{
    audit_lines, audit_next_line, audit_verify, import_plan, mapping_of, StoreObject, Vault,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

// Fake, made up for these tests.
const PASSWORD: &str = "Correct-Horse-Battery-9";
const NOW: f64 = 1_795_867_200.0;

#[wasm_bindgen(inline_js = r#"
export function pageStore() {
  const docs = new Map();
  return {
    read(name) { return docs.has(name) ? docs.get(name) : null; },
    write(name, bytes) { docs.set(name, new Uint8Array(bytes)); },
    remove(name) { docs.delete(name); },
    list() { return [...docs.keys()]; },
    lock() {},
    unlock() {},
    bytes(name) { return docs.get(name); },
  };
}
"#)]
extern "C" {
    #[derive(Clone)]
    type PageStore;

    #[wasm_bindgen(js_name = pageStore)]
    fn page_store() -> PageStore;

    #[wasm_bindgen(method)]
    fn bytes(this: &PageStore, name: &str) -> Vec<u8>;
}

fn json(value: &JsValue) -> serde_json::Value {
    let text = js_sys::JSON::stringify(value).expect("stringify");
    serde_json::from_str(&String::from(text)).expect("json")
}

fn message(error: JsValue) -> String {
    error
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn audit_lines_built_in_the_page_chain_and_verify() {
    let first = audit_next_line(&[], "unlock", "success", None, None, "tester", NOW).expect("line");
    let second = audit_next_line(
        first.as_bytes(),
        "get",
        "success",
        Some("openai".into()),
        Some("api_key".into()),
        "tester",
        NOW,
    )
    .expect("line");
    assert!(
        first.ends_with('\n') && first.contains("\"source\":\"ui\"") && first.contains("\"seq\":1")
    );
    assert!(second.contains("\"seq\":2") && second.contains("\"service\":\"openai\""));
    let log = format!("{first}{second}");
    let check = json(&audit_verify(log.as_bytes()).expect("verify"));
    assert_eq!(check["lines"], 2);
    assert_eq!(check["firstBroken"], serde_json::Value::Null);
    let edited = log.replacen("\"unlock\"", "\"get\"", 1);
    let check = json(&audit_verify(edited.as_bytes()).expect("verify"));
    assert_eq!(check["firstBroken"], 2, "the line after the edited one");
    let lines = json(&audit_lines(format!("{first}garbage\n{second}").as_bytes()).expect("lines"));
    assert_eq!(lines["lines"][1]["number"], 3);
    assert_eq!(lines["bad"], serde_json::json!([2]));
    // A value typed where a name belongs is never recorded; bad operations are refused.
    let line = audit_next_line(
        &[],
        "get",
        "success",
        Some("sk-LIVE value".into()),
        None,
        "tester",
        NOW,
    )
    .expect("line");
    assert!(!line.contains("sk-LIVE"));
    assert!(audit_next_line(&[], "steal", "success", None, None, "tester", NOW).is_err());
}

#[wasm_bindgen_test]
fn mapping_and_import_plan_follow_the_core() {
    let store = page_store();
    let object: StoreObject = store.clone().unchecked_into();
    let mut vault = Vault::init(object.clone(), PASSWORD.to_owned(), 100_000, NOW).expect("init");
    vault
        .set("stripe", "secret_key", "sk_fake".to_owned(), NOW)
        .expect("set");
    let config = store.bytes("config.json");
    let m = json(&mapping_of(&config, "openai", "api_key").expect("mapping"));
    assert_eq!(
        m,
        serde_json::json!({"variables": ["OPENAI_API_KEY"], "origin": "builtin"})
    );
    vault
        .set_user_mapping("stripe", "secret_key", Some(vec!["STRIPE_SK".into()]), NOW)
        .expect("map");
    let config = store.bytes("config.json");
    let m = json(&mapping_of(&config, "stripe", "secret_key").expect("mapping"));
    assert_eq!(
        m,
        serde_json::json!({"variables": ["STRIPE_SK"], "origin": "user"})
    );
    let refused = vault.set_user_mapping(
        "stripe",
        "secret_key",
        Some(vec!["AGENT_SECRETS_X".into()]),
        NOW,
    );
    assert!(refused.is_err());
    let existing = js_sys::Array::of1(&js_sys::Array::of2(&"stripe".into(), &"secret_key".into()));
    let plan = json(
        &import_plan(
            b"STRIPE_SK=one\nOPENAI_API_KEY=two\nOTHER=three\n",
            &config,
            existing.clone(),
            None,
        )
        .expect("plan"),
    );
    let places: Vec<String> = plan["planned"]
        .as_array()
        .expect("planned")
        .iter()
        .map(|p| {
            format!(
                "{}/{}:{}",
                p["service"].as_str().unwrap_or(""),
                p["key"].as_str().unwrap_or(""),
                p["line"]
            )
        })
        .collect();
    assert_eq!(
        places,
        ["stripe/secret_key:1", "openai/api_key:2", "app/OTHER:3"]
    );
    let bad = import_plan(
        b"OK=1\nAGENT_SECRETS_PASSWORD=hidden-canary\n'x\n",
        &config,
        existing,
        None,
    )
    .map(|_| ())
    .expect_err("refused");
    let text = message(bad);
    assert!(text.starts_with("Nothing was imported:\n"), "{text}");
    assert!(!text.contains("hidden-canary"), "{text}");
}
