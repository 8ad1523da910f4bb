//! Unlocking with a password key the caller derives (WebCrypto in Node and
//! the browser): the attempt is counted by the core before any derivation
//! (`unlockParams`), each recipient is tried (`Vault.unlockWithPasswordKey`),
//! and a password that opened none is counted as wrong (`failUnlock`).

use agent_secrets_core::{begin_unlock, fail_unlock, operation, PasswordKey, Vault as CoreVault};
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::convert::set;
use crate::error::IntoJs;
use crate::store::{JsStore, StoreObject};
use crate::vault::{timestamp, AnyStore, Vault};

#[wasm_bindgen(typescript_custom_section)]
const UNLOCK_TS: &'static str = r#"
/** One password recipient's PBKDF2 parameters, in the order to try them. */
export interface AgentSecretsRecipientParams { recipient: string; iterations: number; salt: Uint8Array; }
/** What `unlockParams` returns, after the attempt was counted. */
export interface AgentSecretsUnlockParams { recipients: AgentSecretsRecipientParams[]; }
"#;

/// The first step of an unlock whose key the caller derives (the core's
/// [`begin_unlock`]): `config.json` parsed (bounds only, nothing else
/// believed), the attempt counted before any derivation (refused with
/// `code = "LOCKED"` while locked out, or while as many attempts as the
/// lockout allows are running: retry shortly), then the password
/// recipients' PBKDF2 parameters in the order to try them. A corrupt
/// `state.json` is replaced (`unlockWarnings`, called before, says so).
/// Then derive, call `Vault.unlockWithPasswordKey` per recipient, and
/// `failUnlock` if none opened.
#[wasm_bindgen(js_name = unlockParams, unchecked_return_type = "AgentSecretsUnlockParams")]
pub fn unlock_params(store: StoreObject, now_unix_seconds: f64) -> Result<Object, JsValue> {
    let store = JsStore::new(store);
    let now = timestamp(now_unix_seconds).js()?;
    let start = begin_unlock(&store, now).js()?;
    let recipients = Array::new();
    for (name, kdf) in &start.recipients {
        let r = Object::new();
        set(&r, "recipient", &JsValue::from_str(name))?;
        set(&r, "iterations", &kdf.iterations.into())?;
        set(&r, "salt", &Uint8Array::from(&kdf.salt.0[..]))?;
        recipients.push(&r);
    }
    let out = Object::new();
    set(&out, "recipients", &recipients)?;
    Ok(out)
}

/// The last step of an unlock begun with `unlockParams` when no derived
/// key opened a recipient: the attempt counted as a wrong password; always
/// throws the wrong-password error with the attempts left (or the lockout
/// it started).
#[wasm_bindgen(js_name = failUnlock)]
pub fn fail_unlock_binding(store: StoreObject, now_unix_seconds: f64) -> Result<(), JsValue> {
    let store = JsStore::new(store);
    let now = timestamp(now_unix_seconds).js()?;
    Err(fail_unlock(&store, now)).js()
}

/// The warnings every unlock gives before the password is tried (the
/// core's [`operation::unlock_warnings`], as the CLI's): an
/// `alerts.command` in `config.json`, which is never run, and a corrupt
/// `state.json` (its lockout counter starts again from zero). Empty when
/// there is nothing to say or no readable `config.json` (the unlock itself
/// reports that).
#[wasm_bindgen(js_name = unlockWarnings)]
pub fn unlock_warnings(store: StoreObject, now_unix_seconds: f64) -> Result<Vec<String>, JsValue> {
    let now = timestamp(now_unix_seconds).js()?;
    Ok(operation::unlock_warnings(&JsStore::new(store), now))
}

#[wasm_bindgen]
impl Vault {
    /// Opens the vault in `store` with a password key the caller derived
    /// (PBKDF2-HMAC-SHA256, 32 bytes, with `recipient`'s parameters from
    /// `unlockParams`, which counted the attempt; the npm package uses
    /// WebCrypto). The MAC of `config.json` is verified before anything in
    /// it is used. A key that opens nothing throws the plain
    /// `WRONG_PASSWORD` and leaves the attempt counted: try the next
    /// recipient, then call `failUnlock`. The key bytes handed over are
    /// wiped here; the caller wipes its own copy.
    #[wasm_bindgen(js_name = unlockWithPasswordKey)]
    pub fn unlock_with_password_key(
        store: StoreObject,
        recipient: &str,
        #[wasm_bindgen(js_name = passwordKey)] password_key: Vec<u8>,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<Vault, JsValue> {
        // Owned (not a borrowed slice, which would stay in the module's
        // memory after the call) so that it is wiped when this returns.
        let password_key = Zeroizing::new(password_key);
        let key = PasswordKey::from_slice(&password_key).js()?;
        let now = timestamp(now_unix_seconds).js()?;
        let store = AnyStore::Js(JsStore::new(store));
        let inner = CoreVault::unlock_with_password_key(store, recipient, &key, now).js()?;
        Ok(Vault::on_js_store(inner))
    }
}
