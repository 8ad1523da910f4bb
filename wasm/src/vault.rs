//! The vault, over a JavaScript store or over documents held in memory.

use agent_secrets_core::{
    Error, InitOptions, MemoryStore, Password, SecretString, ServiceInfo, SetOutcome, Status,
    Store, StoreError, Timestamp, Vault as CoreVault,
};
use js_sys::{Array, Object, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{key, service};
use crate::error::IntoJs;
use crate::store::{JsStore, StoreObject};

/// Either storage a [`Vault`] can sit on.
#[derive(Debug)]
pub(crate) enum AnyStore {
    /// A JavaScript object (Node file system, browser memory).
    Js(JsStore),
    /// Documents handed over by [`open_documents`].
    Memory(MemoryStore),
}

// Every method forwards: a default here would skip the store's own
// (a JavaScript store's `append` and `readTail`, say) for the slow path.
#[deny(clippy::missing_trait_methods)]
impl Store for AnyStore {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Self::Js(s) => s.read(name),
            Self::Memory(s) => s.read(name),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        match self {
            Self::Js(s) => s.write(name, bytes),
            Self::Memory(s) => s.write(name, bytes),
        }
    }

    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        match self {
            Self::Js(s) => s.write_unsynced(name, bytes),
            Self::Memory(s) => s.write_unsynced(name, bytes),
        }
    }

    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        match self {
            Self::Js(s) => s.append(name, bytes),
            Self::Memory(s) => s.append(name, bytes),
        }
    }

    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Self::Js(s) => s.read_tail(name, max),
            Self::Memory(s) => s.read_tail(name, max),
        }
    }

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        match self {
            Self::Js(s) => s.remove(name),
            Self::Memory(s) => s.remove(name),
        }
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Self::Js(s) => s.list(),
            Self::Memory(s) => s.list(),
        }
    }

    fn lock(&self) -> Result<(), StoreError> {
        match self {
            Self::Js(s) => s.lock(),
            Self::Memory(s) => s.lock(),
        }
    }

    fn unlock(&self) -> Result<(), StoreError> {
        match self {
            Self::Js(s) => s.unlock(),
            Self::Memory(s) => s.unlock(),
        }
    }
}

/// JavaScript time (seconds, possibly fractional) as a core timestamp.
pub(crate) fn timestamp(now_unix_seconds: f64) -> Result<Timestamp, Error> {
    if !now_unix_seconds.is_finite() {
        return Err(Error::InvalidParameter(
            "nowUnixSeconds must be a finite number of seconds since 1970",
        ));
    }
    // `as` saturates; whole seconds are all the format keeps, and only the
    // years RFC 3339 can write are accepted.
    Timestamp::from_unix_checked(now_unix_seconds.floor() as i64).ok_or(Error::InvalidParameter(
        "nowUnixSeconds must fall in the years 0000 to 9999",
    ))
}

#[wasm_bindgen(typescript_custom_section)]
const OUTPUT_TS: &'static str = r#"
/** A document the password-free reads could not use; the others were still read. */
export interface AgentSecretsProblem { code: string; message: string; }
/** Names and metadata of secrets, never values. Timestamps are RFC 3339 UTC. */
export interface AgentSecretsListing {
  services: { service: string; secrets: { key: string; key_id: string; created_at: string; updated_at: string }[] }[];
  problems: AgentSecretsProblem[];
}
/** The vault's state, readable without the password. */
export interface AgentSecretsStatus {
  iterations: number;
  vault_key_id: string;
  recipients: string[];
  active_key: string;
  key_ids: string[];
  services: number;
  secrets: number;
  lockout: { max_attempts: number; base_delay_seconds: number; max_delay_seconds: number };
  alerts: { failed_unlocks: number; window_seconds: number } | null;
  created_at: string;
  updated_at: string;
  problems: AgentSecretsProblem[];
}
"#;

/// A problem the password-free reads found in one document; the others
/// were still read.
#[derive(Serialize)]
struct Problem {
    code: &'static str,
    message: String,
}

fn problems(errors: Vec<Error>) -> Vec<Problem> {
    errors
        .into_iter()
        .map(|e| Problem {
            code: e.kind().code(),
            message: e.to_string(),
        })
        .collect()
}

/// `list` output: `{ services: [{ service, secrets: [{ key, key_id,
/// created_at, updated_at }] }], problems: [{ code, message }] }`.
#[derive(Serialize)]
struct ListOutput {
    services: Vec<ServiceInfo>,
    problems: Vec<Problem>,
}

/// `status` output: the core's [`Status`] fields plus `problems`.
#[derive(Serialize)]
struct StatusOutput {
    #[serde(flatten)]
    status: Status,
    problems: Vec<Problem>,
}

/// Serializable output as a plain JavaScript object.
fn to_object<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|_| JsValue::from_str("cannot serialize the listing"))?;
    js_sys::JSON::parse(&json)
}

fn list_of<S: Store + ?Sized>(store: &S, name: Option<String>) -> Result<JsValue, JsValue> {
    let name = name.as_deref().map(service).transpose()?;
    let (services, errors) = agent_secrets_core::list(store, name.as_ref()).js()?;
    to_object(&ListOutput {
        services,
        problems: problems(errors),
    })
}

fn status_of<S: Store + ?Sized>(store: &S) -> Result<JsValue, JsValue> {
    let (status, errors) = agent_secrets_core::status(store).js()?;
    to_object(&StatusOutput {
        status,
        problems: problems(errors),
    })
}

/// Names and metadata of the secrets in `store`, without the password
/// (names are not secret). With `service`, only that one.
///
/// Returns `{ services: [{ service, secrets: [{ key, key_id, created_at,
/// updated_at }] }], problems: [{ code, message }] }`; a service document
/// that does not parse is a problem and the others are still listed.
#[wasm_bindgen(js_name = list, unchecked_return_type = "AgentSecretsListing")]
pub fn list(store: StoreObject, service: Option<String>) -> Result<JsValue, JsValue> {
    list_of(&JsStore::new(store), service)
}

/// The vault's state in `store`, without the password: `{ iterations,
/// active_key, key_ids, services, secrets, lockout, created_at,
/// updated_at, problems }`.
#[wasm_bindgen(js_name = status, unchecked_return_type = "AgentSecretsStatus")]
pub fn status(store: StoreObject) -> Result<JsValue, JsValue> {
    status_of(&JsStore::new(store))
}

/// Opens a vault from its documents (an object of name -> JSON text or
/// bytes, e.g. `{ "config.json": "...", "openai.json": "..." }`), held in
/// memory. Read them back after changes with [`Vault::documents`].
#[wasm_bindgen(js_name = openDocuments)]
pub fn open_documents(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | Uint8Array>")] documents: Object,
    password: String,
    now_unix_seconds: f64,
) -> Result<Vault, JsValue> {
    let password = Password::new(password);
    let now = timestamp(now_unix_seconds).js()?;
    let mut docs = Vec::new();
    for entry in Object::entries(&documents).iter() {
        let pair: Array = entry.unchecked_into();
        let name = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        let bytes = match value.as_string() {
            Some(text) => text.into_bytes(),
            None => match value.dyn_ref::<Uint8Array>() {
                Some(bytes) => bytes.to_vec(),
                None => {
                    return Err(Error::InvalidParameter(
                        "every document must be a string or a Uint8Array",
                    ))
                    .js()
                }
            },
        };
        docs.push((name, bytes));
    }
    let store = AnyStore::Memory(MemoryStore::from_documents(docs));
    let inner = CoreVault::unlock(store, &password, now).js()?;
    Ok(Vault { inner })
}

/// An unlocked vault: the data keys are held inside the wasm module until
/// `free()` is called or the object is collected.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Vault {
    inner: CoreVault<AnyStore>,
}

impl Vault {
    /// Wraps an unlocked core vault on a JavaScript store (the Node bindings).
    pub(crate) fn on_js_store(inner: CoreVault<AnyStore>) -> Self {
        Self { inner }
    }

    /// The core vault (the Node bindings call it).
    pub(crate) fn core(&self) -> &CoreVault<AnyStore> {
        &self.inner
    }

    /// The core vault, to change (the dashboard's mapping edit).
    pub(crate) fn core_mut(&mut self) -> &mut CoreVault<AnyStore> {
        &mut self.inner
    }
}

#[wasm_bindgen]
impl Vault {
    /// Creates a vault in `store` (refused if it has a `config.json`). The
    /// password must pass the core's strength rule (the core's `init`
    /// checks it); `iterations` must be within 100,000 to 10,000,000.
    pub fn init(
        store: StoreObject,
        password: String,
        iterations: u32,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<Vault, JsValue> {
        let password = Password::new(password);
        let options = InitOptions {
            iterations,
            ..InitOptions::default()
        };
        let now = timestamp(now_unix_seconds).js()?;
        let store = AnyStore::Js(JsStore::new(store));
        let inner = CoreVault::init(store, &password, &options, now).js()?;
        Ok(Self { inner })
    }

    /// Opens the vault in `store` with the password. Wrong passwords count
    /// toward the lockout (`state.json` in the store); `nowUnixSeconds` is
    /// the current time.
    pub fn unlock(
        store: StoreObject,
        password: String,
        now_unix_seconds: f64,
    ) -> Result<Vault, JsValue> {
        let password = Password::new(password);
        let now = timestamp(now_unix_seconds).js()?;
        let store = AnyStore::Js(JsStore::new(store));
        let inner = CoreVault::unlock(store, &password, now).js()?;
        Ok(Self { inner })
    }

    /// The value of `service`/`key`.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = service)] service_name: &str,
        #[wasm_bindgen(js_name = key)] key_name: &str,
    ) -> Result<JsValue, JsValue> {
        let (service, key) = (service(service_name)?, key(key_name)?);
        let value = self.inner.get(&service, &key).js()?;
        // Copied out to a JavaScript string; the Rust copy is wiped on drop.
        Ok(JsValue::from_str(value.expose()))
    }

    /// Stores `value` under `service`/`key`: `"created"` or `"updated"`.
    #[wasm_bindgen(unchecked_return_type = "\"created\" | \"updated\"")]
    pub fn set(
        &self,
        #[wasm_bindgen(js_name = service)] service_name: &str,
        #[wasm_bindgen(js_name = key)] key_name: &str,
        value: String,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<String, JsValue> {
        let value = SecretString::new(value);
        let (service, key) = (service(service_name)?, key(key_name)?);
        let now = timestamp(now_unix_seconds).js()?;
        let outcome = self.inner.set(&service, &key, &value, now).js()?;
        Ok(match outcome {
            SetOutcome::Created => "created",
            SetOutcome::Updated => "updated",
        }
        .to_owned())
    }

    /// Removes `service`/`key`.
    pub fn delete(
        &self,
        #[wasm_bindgen(js_name = service)] service_name: &str,
        #[wasm_bindgen(js_name = key)] key_name: &str,
    ) -> Result<(), JsValue> {
        let (service, key) = (service(service_name)?, key(key_name)?);
        self.inner.delete(&service, &key).js()
    }

    /// Like the free function `list`, on this vault's store.
    #[wasm_bindgen(unchecked_return_type = "AgentSecretsListing")]
    pub fn list(&self, service: Option<String>) -> Result<JsValue, JsValue> {
        list_of(self.inner.store(), service)
    }

    /// Like the free function `status`, on this vault's store.
    #[wasm_bindgen(unchecked_return_type = "AgentSecretsStatus")]
    pub fn status(&self) -> Result<JsValue, JsValue> {
        status_of(self.inner.store())
    }

    /// Every document of the store as an object of name -> text, for a
    /// browser to persist after a change. The documents hold ciphertext
    /// only.
    #[wasm_bindgen(unchecked_return_type = "Record<string, string>")]
    pub fn documents(&self) -> Result<Object, JsValue> {
        let store = self.inner.store();
        let out = Object::new();
        let mut names = store.list().map_err(Error::from).js()?;
        names.sort();
        for name in names {
            let Some(bytes) = store.read(&name).map_err(Error::from).js()? else {
                continue; // removed since the listing
            };
            let text = String::from_utf8(bytes)
                .map_err(|_| Error::Corrupt {
                    file: name.clone(),
                    detail: "not UTF-8 text".to_owned(),
                })
                .js()?;
            js_sys::Reflect::set(&out, &JsValue::from_str(&name), &JsValue::from_str(&text))?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_time_becomes_whole_seconds() {
        let at = |t: f64| timestamp(t).map(Timestamp::unix).ok();
        assert_eq!(at(1_795_867_200.999), Some(1_795_867_200));
        assert_eq!(at(0.0), Some(0));
        assert_eq!(at(-0.5), Some(-1));
        assert_eq!(at(f64::NAN), None);
        assert_eq!(at(f64::INFINITY), None);
        assert!(matches!(
            timestamp(f64::NEG_INFINITY),
            Err(Error::InvalidParameter(_))
        ));
    }
}
