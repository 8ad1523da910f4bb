//! Wycheproof AES-GCM and PBKDF2-HMAC-SHA256 vectors through the wasm
//! build's exported functions, under Node: the same checks and counts as
//! `core/tests/wycheproof.rs`.
//!
//! `cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown`

#![cfg(target_arch = "wasm32")]

use agent_secrets_wasm::{aes256_gcm_open, aes256_gcm_seal, pbkdf2_hmac_sha256};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(test)]
#[path = "../../tests/support/wycheproof.rs"]
mod wycheproof;

use wycheproof::{Opened, Sealed};

fn code(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("code"))
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn aes_256_gcm_vectors() {
    let counts = wycheproof::check_aes_gcm(
        |key, iv, aad, msg| match aes256_gcm_seal(key.to_vec(), iv, aad, msg.to_vec()) {
            Ok(sealed) => Sealed::Bytes(sealed),
            Err(e) if code(&e) == "INVALID_INPUT" => Sealed::BadParameter,
            Err(e) => panic!("seal: unexpected error code {:?}", code(&e)),
        },
        |key, iv, aad, ct, tag| {
            let sealed = [ct, tag].concat();
            match aes256_gcm_open(key.to_vec(), iv, aad, &sealed) {
                Ok(plain) => Opened::Plain(plain.to_vec()),
                Err(e) if code(&e) == "INTEGRITY" => Opened::AuthFailed,
                Err(e) if code(&e) == "INVALID_INPUT" => Opened::BadParameter,
                Err(e) => panic!("open: unexpected error code {:?}", code(&e)),
            }
        },
    );
    assert_eq!(counts, wycheproof::EXPECTED_AES_GCM);
}

#[wasm_bindgen_test]
fn pbkdf2_hmac_sha256_vectors() {
    let ran = wycheproof::check_pbkdf2(|password, salt, iterations, len| {
        let length = u32::try_from(len).expect("small length");
        pbkdf2_hmac_sha256(password.to_vec(), salt, iterations, length)
            .expect("valid parameters")
            .to_vec()
    });
    assert_eq!(ran, wycheproof::EXPECTED_PBKDF2);
}
