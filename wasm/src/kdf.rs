//! The password key for a JavaScript runtime without WebCrypto: the npm
//! package's fallback derivation.

use agent_secrets_core::{Password, PasswordKey};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::error::IntoJs;

/// The 32-byte password key: PBKDF2-HMAC-SHA256 of the password's UTF-8
/// bytes, as the vault derives it, for `Vault.unlockWithPasswordKey`. The
/// parameters must be a recipient's (`unlockParams`): a 16-byte salt and
/// 100,000 to 10,000,000 iterations, else it throws with `code =
/// "INVALID_INPUT"` before any work.
#[wasm_bindgen(js_name = deriveKey)]
pub fn derive_key(password: String, salt: &[u8], iterations: u32) -> Result<Uint8Array, JsValue> {
    let password = Password::new(password);
    let key = PasswordKey::derive(&password, salt, iterations).js()?;
    // The copy that JavaScript owns; the Rust one is wiped with `key`.
    Ok(Uint8Array::from(&key.expose_bytes()[..]))
}
