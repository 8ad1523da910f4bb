//! The wasm build opens the vault the native core wrote
//! (`tests/data/vault-v1/`), changes it, and hands back documents that
//! open again.
//!
//! `cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown`

#![cfg(target_arch = "wasm32")]

use agent_secrets_wasm::{open_documents, Vault};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(test)]
#[path = "../../tests/support/vault_v1.rs"]
mod vault_v1;

fn fixture_documents() -> Object {
    let documents = Object::new();
    for (name, text) in vault_v1::DOCUMENTS {
        Reflect::set(
            &documents,
            &JsValue::from_str(name),
            &JsValue::from_str(text),
        )
        .expect("set a property");
    }
    documents
}

fn code(result: Result<Vault, JsValue>) -> Option<String> {
    let thrown = result.err()?;
    Reflect::get(&thrown, &JsValue::from_str("code"))
        .ok()?
        .as_string()
}

fn assert_values(vault: &Vault, secrets: &[(&str, &str, &str)]) {
    for (service, key, value) in secrets {
        let got = vault.get(service, key).expect("get").as_string();
        assert!(
            got.as_deref() == Some(*value),
            "{service}/{key}: value differs"
        );
    }
}

#[wasm_bindgen_test]
fn opens_the_vault_the_native_core_wrote() {
    let vault = open_documents(
        fixture_documents(),
        vault_v1::PASSWORD.to_owned(),
        1_795_867_200.0,
    )
    .expect("open");
    assert_values(&vault, vault_v1::SECRETS);
    let status = vault.status().expect("status");
    let field = |name: &str| Reflect::get(&status, &JsValue::from_str(name)).expect(name);
    assert_eq!(
        field("iterations").as_f64(),
        Some(f64::from(vault_v1::ITERATIONS))
    );
    let created = field("created_at").as_string().expect("created_at");
    assert_eq!(
        js_sys::Date::parse(&created),
        vault_v1::CREATED_AT as f64 * 1000.0
    );
    assert_eq!(
        field("secrets").as_f64(),
        Some(vault_v1::SECRETS.len() as f64)
    );
}

#[wasm_bindgen_test]
fn refuses_the_fixture_with_a_wrong_password() {
    let wrong = open_documents(
        fixture_documents(),
        "Correct-Horse-Battery-8".to_owned(),
        1_795_867_200.0,
    );
    assert_eq!(code(wrong).as_deref(), Some("WRONG_PASSWORD"));
}

#[wasm_bindgen_test]
fn documents_after_a_change_open_again() {
    let vault = open_documents(
        fixture_documents(),
        vault_v1::PASSWORD.to_owned(),
        1_795_867_200.0,
    )
    .expect("open");
    let outcome = vault.set(
        "openai",
        "org",
        "org-fake-interop".to_owned(),
        1_795_900_000.0,
    );
    assert_eq!(outcome.expect("set"), "created");
    vault.delete("anthropic", "api_key").expect("delete");
    let documents = vault.documents().expect("documents");
    let names: Vec<String> = Object::keys(&documents)
        .iter()
        .filter_map(|n| n.as_string())
        .collect();
    // The fixture has no .gitignore (see tests/data/vault-v1/README.md);
    // the unlock counted its attempt in a state.json of its own.
    assert_eq!(
        names,
        [
            "config.json",
            "my-app_2.json",
            "openai.json",
            "state.json",
            "supabase.json"
        ]
    );
    // config.json is untouched by a set: byte for byte what the native core wrote.
    let config = Reflect::get(&documents, &JsValue::from_str("config.json")).expect("config");
    let native = vault_v1::DOCUMENTS
        .iter()
        .find(|(n, _)| *n == "config.json");
    assert_eq!(config.as_string().as_deref(), native.map(|(_, t)| *t));

    let reopened =
        open_documents(documents, vault_v1::PASSWORD.to_owned(), 1_795_867_200.0).expect("reopen");
    assert_values(&reopened, &[("openai", "org", "org-fake-interop")]);
    assert_values(&reopened, &vault_v1::SECRETS[..1]);
    assert_values(&reopened, &vault_v1::SECRETS[2..]);
    let gone = reopened.get("anthropic", "api_key").err().map(|e| {
        Reflect::get(&e, &JsValue::from_str("code"))
            .ok()
            .and_then(|c| c.as_string())
    });
    assert_eq!(gone, Some(Some("NOT_FOUND".to_owned())));
}

#[wasm_bindgen_test]
fn documents_must_be_text_or_bytes() {
    let documents = fixture_documents();
    Reflect::set(
        &documents,
        &JsValue::from_str("openai.json"),
        &JsValue::from_f64(1.0),
    )
    .expect("set a property");
    let result = open_documents(documents, vault_v1::PASSWORD.to_owned(), 1_795_867_200.0);
    assert_eq!(code(result).as_deref(), Some("INVALID_INPUT"));
}
