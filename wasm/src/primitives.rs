//! The core's raw PBKDF2 and AES-256-GCM (caller-chosen nonces), for the
//! Wycheproof vectors of this crate's tests only: compiled with the
//! `hazmat` feature, which no published build (the npm package, the
//! dashboard's module) turns on. Vault code does not use these.

use agent_secrets_core::{primitives, ErrorKind};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::error::{js_error, IntoJs};

/// Tag length of AES-256-GCM; the JavaScript API carries the tag at the
/// end of the ciphertext, as WebCrypto does.
const TAG_LEN: usize = 16;

/// Copies key material out to JavaScript; the Rust copy is wiped when the
/// caller drops its `Zeroizing` buffer.
fn to_uint8array(bytes: &[u8]) -> Uint8Array {
    Uint8Array::from(bytes)
}

/// PBKDF2-HMAC-SHA256 of `password` (bytes) and `salt`: `length` bytes.
/// Iterations and length must be at least 1.
#[wasm_bindgen(js_name = pbkdf2HmacSha256)]
pub fn pbkdf2_hmac_sha256(
    password: Vec<u8>,
    salt: &[u8],
    iterations: u32,
    length: u32,
) -> Result<Uint8Array, JsValue> {
    let password = Zeroizing::new(password);
    // Never allocate more than the core accepts (+1 so it refuses the rest).
    let length = (length as usize).min(primitives::MAX_PBKDF2_OUTPUT + 1);
    let mut out = Zeroizing::new(vec![0u8; length]);
    primitives::pbkdf2_hmac_sha256(&password, salt, iterations, &mut out).js()?;
    Ok(to_uint8array(&out))
}

/// AES-256-GCM with a caller-chosen 12-byte nonce: `ciphertext || tag`.
/// A key other than 32 bytes or a nonce other than 12 is refused
/// (`code = "INVALID_INPUT"`).
#[wasm_bindgen(js_name = aes256GcmSeal)]
pub fn aes256_gcm_seal(
    key: Vec<u8>,
    nonce: &[u8],
    aad: &[u8],
    plaintext: Vec<u8>,
) -> Result<Vec<u8>, JsValue> {
    let key = Zeroizing::new(key);
    let plaintext = Zeroizing::new(plaintext);
    let (mut ciphertext, tag) = primitives::aes256gcm_seal(&key, nonce, aad, &plaintext).js()?;
    ciphertext.extend_from_slice(&tag);
    Ok(ciphertext)
}

/// AES-256-GCM decryption of `ciphertext || tag`. Throws with
/// `code = "INTEGRITY"` when the tag does not authenticate (wrong key,
/// nonce or AAD, or altered data) and `code = "INVALID_INPUT"` for a key
/// other than 32 bytes or a nonce other than 12.
#[wasm_bindgen(js_name = aes256GcmOpen)]
pub fn aes256_gcm_open(
    key: Vec<u8>,
    nonce: &[u8],
    aad: &[u8],
    #[wasm_bindgen(js_name = ciphertextWithTag)] ciphertext_with_tag: &[u8],
) -> Result<Uint8Array, JsValue> {
    let key = Zeroizing::new(key);
    // Shorter than a tag: the core sees a truncated tag, which never authenticates.
    let split = ciphertext_with_tag.len().saturating_sub(TAG_LEN);
    let (ciphertext, tag) = ciphertext_with_tag.split_at(split);
    match primitives::aes256gcm_open(&key, nonce, aad, ciphertext, tag).js()? {
        Some(plaintext) => {
            let plaintext = Zeroizing::new(plaintext);
            Ok(to_uint8array(&plaintext))
        }
        None => Err(js_error(
            "AES-256-GCM authentication failed (wrong key, nonce or associated data, or altered ciphertext).",
            ErrorKind::Integrity,
        )),
    }
}
