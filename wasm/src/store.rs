//! [`agent_secrets_core::Store`] on a JavaScript object.
//!
//! The object has synchronous methods: `read(name)` returns a string, a
//! `Uint8Array` (a Node `Buffer` is one) or `null`/`undefined` when there
//! is no such document; `write(name, bytes)`, `remove(name)`, `list()`
//! (an array of names), `lock()` and `unlock()`; optionally
//! `append(name, bytes)` and `readTail(name, max)` (the audit log; without
//! them the core's defaults read and rewrite the whole document) and
//! `writeUnsynced(name, bytes)` (the core's
//! [`Store::write_unsynced`]: a replacement that need not wait for the
//! disk, the lockout's `state.json`; without it, `write`). The Node
//! package passes an object backed by the file system that follows the
//! lock protocol of `docs/format.md`; the browser dashboard passes an
//! in-memory object.
//!
//! An exception thrown by a method becomes a [`StoreError`] whose reason
//! is the exception's message. An exception with a string `location`
//! names the place instead of the document (the Node store gives the
//! file's path, as the CLI's messages do), one with `busy: true` is a
//! lock held by another writer ([`StoreError::Busy`], its message the
//! detail), and one with `refused: true` is a folder or file the core's
//! rules refused ([`StoreError::Refused`], its message the core's, from
//! `fileProblem` or `folderProblem`).

use agent_secrets_core::{Store, StoreError};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const STORE_TS: &'static str = r#"
/** Where a vault's documents live; every method is synchronous and may throw. */
export interface AgentSecretsStore {
  /** The document's contents, or null/undefined if there is none. */
  read(name: string): string | Uint8Array | null | undefined;
  /** Replaces the document atomically. */
  write(name: string, bytes: Uint8Array): void;
  /** Removes the document; absent is not an error. */
  remove(name: string): void;
  /** Names of every document. */
  list(): string[];
  /** Takes the vault's write lock. */
  lock(): void;
  /** Releases the write lock. */
  unlock(): void;
  /** Optional: appends bytes to the document, creating it if absent. */
  append?(name: string, bytes: Uint8Array): void;
  /** Optional: at most the last `max` bytes of the document, or null. */
  readTail?(name: string, max: number): string | Uint8Array | null | undefined;
  /** Optional: replaces the document atomically without waiting for the disk (else `write`). */
  writeUnsynced?(name: string, bytes: Uint8Array): void;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// The JavaScript object behind a [`JsStore`] (TypeScript:
    /// `AgentSecretsStore`).
    #[wasm_bindgen(typescript_type = "AgentSecretsStore")]
    #[derive(Debug, Clone)]
    pub type StoreObject;

    #[wasm_bindgen(method, structural, catch)]
    fn read(this: &StoreObject, name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn write(this: &StoreObject, name: &str, bytes: &Uint8Array) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn remove(this: &StoreObject, name: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn list(this: &StoreObject) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn lock(this: &StoreObject) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn unlock(this: &StoreObject) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn append(this: &StoreObject, name: &str, bytes: &Uint8Array) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch, js_name = readTail)]
    fn read_tail(this: &StoreObject, name: &str, max: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, structural, catch, js_name = writeUnsynced)]
    fn write_unsynced(this: &StoreObject, name: &str, bytes: &Uint8Array) -> Result<(), JsValue>;
}

/// Where a lock failure is reported.
const LOCK_LOCATION: &str = "the vault's write lock (.lock)";
/// Where a listing failure is reported.
const LIST_LOCATION: &str = "the vault's folder";

/// A [`Store`] that calls the methods of a JavaScript object.
#[derive(Debug, Clone)]
pub struct JsStore {
    object: StoreObject,
}

impl JsStore {
    /// Wraps the object; its methods are looked up on each call.
    pub fn new(object: StoreObject) -> Self {
        Self { object }
    }

    /// Whether the object has a method of this name (the optional ones).
    fn has_method(&self, name: &str) -> bool {
        js_sys::Reflect::get(&self.object, &JsValue::from_str(name)).is_ok_and(|m| m.is_function())
    }
}

/// A string property of the exception, if it has one.
fn string_property(exception: &JsValue, name: &str) -> Option<String> {
    if !exception.is_object() {
        return None;
    }
    js_sys::Reflect::get(exception, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// `name: true` on the exception (`busy`, `refused`).
fn flag(exception: &JsValue, name: &str) -> bool {
    exception.is_object()
        && js_sys::Reflect::get(exception, &JsValue::from_str(name))
            .is_ok_and(|v| v.as_bool() == Some(true))
}

/// `busy: true` on the exception: the lock is held by another writer.
fn is_busy(exception: &JsValue) -> bool {
    flag(exception, "busy")
}

/// `refused: true`: the core's rules refused a folder or file; the
/// message is the core's own.
fn refused(exception: &JsValue) -> Option<StoreError> {
    flag(exception, "refused").then(|| StoreError::Refused {
        detail: reason(exception),
    })
}

/// The exception's message, for a [`StoreError`] reason.
fn reason(exception: &JsValue) -> String {
    if let Some(error) = exception.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    exception
        .as_string()
        .unwrap_or_else(|| "the store threw a value that is not an Error".to_owned())
}

fn cannot_read(location: &str, reason: String) -> StoreError {
    StoreError::CannotRead {
        location: location.to_owned(),
        reason,
    }
}

/// A failed read: the exception's own location if it names one.
pub(crate) fn read_error(location: &str, exception: &JsValue) -> StoreError {
    if let Some(e) = refused(exception) {
        return e;
    }
    let location = string_property(exception, "location").unwrap_or_else(|| location.to_owned());
    cannot_read(&location, reason(exception))
}

/// A failed write, remove or lock: busy, or the exception's location.
pub(crate) fn cannot_write(location: &str, exception: &JsValue) -> StoreError {
    if let Some(e) = refused(exception) {
        return e;
    }
    if is_busy(exception) {
        return StoreError::Busy {
            detail: reason(exception),
        };
    }
    StoreError::CannotWrite {
        location: string_property(exception, "location").unwrap_or_else(|| location.to_owned()),
        reason: reason(exception),
    }
}

/// The exception a store method throws for `error`, the inverse of
/// [`cannot_write`] and [`read_error`]: the lock bindings throw it, and a
/// store's `lock()` that lets it pass hands the core its own error back.
pub(crate) fn store_exception(error: &StoreError) -> JsValue {
    let (message, property, value) = match error {
        StoreError::Busy { detail } => (detail, "busy", JsValue::TRUE),
        StoreError::Refused { detail } => (detail, "refused", JsValue::TRUE),
        StoreError::CannotWrite { location, reason }
        | StoreError::CannotRead { location, reason } => {
            (reason, "location", JsValue::from_str(location))
        }
        other => return js_sys::Error::new(&other.to_string()).into(),
    };
    let exception = js_sys::Error::new(message);
    // A property on a fresh Error object.
    let _ = js_sys::Reflect::set(&exception, &JsValue::from_str(property), &value);
    exception.into()
}

/// A document's contents as returned by `read` or `readTail`.
fn document_bytes(name: &str, value: JsValue) -> Result<Option<Vec<u8>>, StoreError> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text.into_bytes()));
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(Some(bytes.to_vec()));
    }
    Err(cannot_read(
        name,
        "read() returned neither a string, a Uint8Array nor null".to_owned(),
    ))
}

#[deny(clippy::missing_trait_methods)]
impl Store for JsStore {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self.object.read(name).map_err(|e| read_error(name, &e))?;
        document_bytes(name, value)
    }

    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if !self.has_method("append") {
            let mut all = self.read(name)?.unwrap_or_default();
            all.extend_from_slice(bytes);
            return self.write(name, &all);
        }
        let bytes = Uint8Array::from(bytes);
        self.object
            .append(name, &bytes)
            .map_err(|e| cannot_write(name, &e))
    }

    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        if !self.has_method("readTail") {
            return Ok(self
                .read(name)?
                .map(|all| all[all.len().saturating_sub(max)..].to_vec()));
        }
        // Exact for every size the core asks for (a few KiB).
        let value = self
            .object
            .read_tail(name, max as f64)
            .map_err(|e| read_error(name, &e))?;
        document_bytes(name, value)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        // A copy owned by JavaScript: a view into wasm memory would change
        // under an object that keeps it.
        let bytes = Uint8Array::from(bytes);
        self.object
            .write(name, &bytes)
            .map_err(|e| cannot_write(name, &e))
    }

    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if !self.has_method("writeUnsynced") {
            return self.write(name, bytes);
        }
        let bytes = Uint8Array::from(bytes);
        self.object
            .write_unsynced(name, &bytes)
            .map_err(|e| cannot_write(name, &e))
    }

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.object.remove(name).map_err(|e| cannot_write(name, &e))
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        let value = self
            .object
            .list()
            .map_err(|e| read_error(LIST_LOCATION, &e))?;
        let not_names = || {
            cannot_read(
                LIST_LOCATION,
                "list() did not return an array of strings".to_owned(),
            )
        };
        let array = value.dyn_into::<Array>().map_err(|_| not_names())?;
        array
            .iter()
            .map(|name| name.as_string().ok_or_else(not_names))
            .collect()
    }

    fn lock(&self) -> Result<(), StoreError> {
        self.object
            .lock()
            .map_err(|e| cannot_write(LOCK_LOCATION, &e))
    }

    fn unlock(&self) -> Result<(), StoreError> {
        self.object
            .unlock()
            .map_err(|e| cannot_write(LOCK_LOCATION, &e))
    }
}
