//! The write lock ([`agent_secrets_core::lock`]) over a JavaScript object
//! of system calls: the npm package passes one backed by `node:fs`
//! (`npm/lib/lock.js`). The protocol — the holder line, staleness, the
//! guard, the back-off, the timeout, the messages — runs here, in the core;
//! the object only acts and reports.
//!
//! Every method of the object is synchronous. `createExclusive`, `read`
//! and `remove` may throw (a refusal with `refused: true` and the core's
//! message, or an error with the file's `location`); the others must not,
//! and if they do, the safe answer is assumed (no age, the pid alive).
//!
//! Errors come back as the exceptions the store object throws
//! (`busy: true`, `refused: true`, or a `location`), so that a store's
//! `lock()` can let them pass and the core sees its own error again
//! ([`crate::store`]).

use core::time::Duration;

use agent_secrets_core::lock::{self, Backoff, Held, LockIo, LockName, LockState, Tool, WriteLock};
use agent_secrets_core::{ErrorKind, StoreError, Timestamp};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{js_error, IntoJs};
use crate::store::{cannot_write, read_error, store_exception};

#[wasm_bindgen(typescript_custom_section)]
const LOCK_TS: &'static str = r#"
/** The system calls of the write lock for one vault folder; every method is synchronous. */
export interface AgentSecretsLockPrimitives {
  /** Exclusive create (O_CREAT|O_EXCL, 0600) of `name` with `bytes`: true, or false if the name exists. */
  createExclusive(name: string, bytes: Uint8Array): boolean;
  /** The file's bytes, read as every file of the folder is (no link, regular, capped), or null. */
  read(name: string): Uint8Array | null;
  /** Unlinks the file; absent is not an error. */
  remove(name: string): void;
  /** Milliseconds since the file was modified, or undefined if there is none. */
  ageMs(name: string): number | undefined;
  /** Whether a process with this id exists on this host (kill(pid, 0)). */
  pidAlive(pid: number): boolean;
  /** Pauses synchronously. */
  sleep(ms: number): void;
  /** The wall clock, milliseconds since the Unix epoch. */
  nowMs(): number;
  /** A monotonic clock in milliseconds. */
  monotonicMs(): number;
  /** This machine's host name. */
  host(): string;
  /** This process's id. */
  pid(): number;
  /**
   * Optional: 8 random bytes for the holder line's nonce (uniqueness, not
   * secrecy). Without it, or if it throws or returns anything else, the
   * nonce comes from `crypto.getRandomValues`.
   */
  nonce?(): Uint8Array;
}
/** What `inspectLock` found. */
export interface AgentSecretsLockState { state: "free" | "held" | "stale" | "refused"; detail?: string; }
"#;

#[wasm_bindgen]
extern "C" {
    /// The JavaScript object behind a [`JsLockIo`] (TypeScript:
    /// `AgentSecretsLockPrimitives`).
    #[wasm_bindgen(typescript_type = "AgentSecretsLockPrimitives")]
    #[derive(Debug, Clone)]
    pub type LockPrimitives;

    #[wasm_bindgen(method, structural, catch, js_name = createExclusive)]
    fn create_exclusive(
        this: &LockPrimitives,
        name: &str,
        bytes: &Uint8Array,
    ) -> Result<bool, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn read(this: &LockPrimitives, name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn remove(this: &LockPrimitives, name: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch, js_name = ageMs)]
    fn age_ms(this: &LockPrimitives, name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, structural, catch, js_name = pidAlive)]
    fn pid_alive(this: &LockPrimitives, pid: u32) -> Result<bool, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn sleep(this: &LockPrimitives, ms: f64) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, catch, js_name = nowMs)]
    fn now_ms(this: &LockPrimitives) -> Result<f64, JsValue>;

    #[wasm_bindgen(method, structural, catch, js_name = monotonicMs)]
    fn monotonic_ms(this: &LockPrimitives) -> Result<f64, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn host(this: &LockPrimitives) -> Result<String, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn pid(this: &LockPrimitives) -> Result<u32, JsValue>;

    #[wasm_bindgen(method, structural, catch)]
    fn nonce(this: &LockPrimitives) -> Result<JsValue, JsValue>;
}

/// [`LockIo`] on a JavaScript object; `shown` is the vault folder as its
/// messages show it (ending in `/`).
#[derive(Debug)]
pub struct JsLockIo {
    object: LockPrimitives,
    shown: String,
}

impl JsLockIo {
    fn shown(&self, file: LockName) -> String {
        format!("{}{}", self.shown, file.file_name())
    }
}

/// Milliseconds from JavaScript as a duration (`as` saturates; NaN and
/// negative numbers are zero).
fn millis(ms: f64) -> Duration {
    Duration::from_millis(ms as u64)
}

impl LockIo for JsLockIo {
    fn create_exclusive(&self, file: LockName, bytes: &[u8]) -> Result<bool, StoreError> {
        self.object
            .create_exclusive(file.file_name(), &Uint8Array::from(bytes))
            .map_err(|e| cannot_write(&self.shown(file), &e))
    }

    fn read(&self, file: LockName) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self
            .object
            .read(file.file_name())
            .map_err(|e| read_error(&self.shown(file), &e))?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        value
            .dyn_ref::<Uint8Array>()
            .map(|bytes| Some(bytes.to_vec()))
            .ok_or_else(|| StoreError::CannotRead {
                location: self.shown(file),
                reason: "read() returned neither a Uint8Array nor null".to_owned(),
            })
    }

    fn remove(&self, file: LockName) -> Result<(), StoreError> {
        self.object
            .remove(file.file_name())
            .map_err(|e| cannot_write(&self.shown(file), &e))
    }

    fn age(&self, file: LockName) -> Option<Duration> {
        let ms = self.object.age_ms(file.file_name()).ok()?.as_f64()?;
        (!ms.is_nan()).then(|| millis(ms))
    }

    fn pid_alive(&self, pid: u32) -> bool {
        self.object.pid_alive(pid).unwrap_or(true)
    }

    fn sleep(&self, pause: Duration) {
        let _ = self.object.sleep(pause.as_secs_f64() * 1000.0);
    }

    fn now(&self) -> Timestamp {
        let seconds = (self.object.now_ms().unwrap_or(0.0) / 1000.0).floor();
        Timestamp::from_unix_checked(seconds as i64).unwrap_or(Timestamp::from_unix(0))
    }

    fn monotonic(&self) -> Duration {
        millis(self.object.monotonic_ms().unwrap_or(0.0))
    }

    fn host(&self) -> String {
        self.object.host().unwrap_or_default()
    }

    fn pid(&self) -> u32 {
        self.object.pid().unwrap_or_default()
    }

    /// The object's own 8 bytes when it has them: in Node, the first
    /// `crypto.getRandomValues` loads the whole WebCrypto module, about
    /// 1.5 ms of a cold `openVault` + `get` (docs/adr/0012).
    fn nonce(&self) -> [u8; 8] {
        self.object
            .nonce()
            .ok()
            .and_then(|value| value.dyn_into::<Uint8Array>().ok())
            .and_then(|bytes| <[u8; 8]>::try_from(bytes.to_vec()).ok())
            .unwrap_or_else(lock::system_nonce)
    }
}

fn write_lock(io: LockPrimitives, folder: &str, timeout: Duration) -> WriteLock<JsLockIo> {
    let io = JsLockIo {
        object: io,
        shown: folder.to_owned(),
    };
    WriteLock::new(io, folder, timeout)
}

/// The wait from the value of `AGENT_SECRETS_LOCK_TIMEOUT_MS`
/// (`undefined` when unset), in milliseconds, by the core's grammar
/// ([`lock::timeout_from_env`]); a value that breaks it throws
/// `INVALID_INPUT`.
#[wasm_bindgen(js_name = lockTimeoutMs)]
pub fn lock_timeout_ms(value: Option<String>) -> Result<f64, JsValue> {
    let timeout = lock::timeout_from_env(value.as_deref()).js()?;
    // Exact up to 2^53 ms; beyond, a few ms off a wait of 285,000 years.
    Ok(timeout.as_millis() as f64)
}

/// The pause before attempt `attempt + 1` of a waiting writer, in
/// milliseconds ([`Backoff`]: 1, 2, 4, …, 50).
#[wasm_bindgen(js_name = lockPauseMs)]
pub fn lock_pause_ms(attempt: u32) -> f64 {
    Backoff::new()
        .nth(attempt as usize)
        .unwrap_or(lock::MAX_PAUSE)
        .as_secs_f64()
        * 1000.0
}

/// Takes the write lock of the folder shown as `folder` (ending in `/`)
/// for `tool` (`"node"` or `"ui"`; `"cli"` too), waiting up to `timeoutMs`
/// (`undefined`: the default) for a live holder. Returns the bytes written
/// to `.lock`, the proof `releaseLock` needs.
#[wasm_bindgen(js_name = acquireLock)]
pub fn acquire_lock(
    io: LockPrimitives,
    folder: &str,
    timeout_ms: Option<f64>,
    tool: &str,
) -> Result<Vec<u8>, JsValue> {
    let tool = Tool::parse(tool)
        .ok_or_else(|| js_error("tool must be cli, node or ui.", ErrorKind::Usage))?;
    let timeout = timeout_ms.map_or(lock::DEFAULT_TIMEOUT, millis);
    write_lock(io, folder, timeout)
        .acquire(tool)
        .map(|held| held.as_bytes().to_vec())
        .map_err(|e| store_exception(&e))
}

/// Releases the lock `acquireLock` took (`held`: the bytes it returned) if
/// `.lock` still holds them.
#[wasm_bindgen(js_name = releaseLock)]
pub fn release_lock(io: LockPrimitives, folder: &str, held: Vec<u8>) -> Result<(), JsValue> {
    write_lock(io, folder, Duration::ZERO)
        .release(&Held::from_bytes(held))
        .map_err(|e| store_exception(&e))
}

/// Looks at the lock without taking or breaking it:
/// `{ state: "free" | "held" | "stale" | "refused", detail? }`.
#[wasm_bindgen(js_name = inspectLock)]
pub fn inspect_lock(io: LockPrimitives, folder: &str) -> Result<JsValue, JsValue> {
    let (state, detail) = match write_lock(io, folder, Duration::ZERO).inspect() {
        LockState::Free => ("free", None),
        LockState::Held(d) => ("held", Some(d)),
        LockState::Stale(d) => ("stale", Some(d)),
        LockState::Refused(d) => ("refused", Some(d)),
    };
    let out = Object::new();
    Reflect::set(&out, &JsValue::from_str("state"), &JsValue::from_str(state))?;
    if let Some(detail) = detail {
        Reflect::set(
            &out,
            &JsValue::from_str("detail"),
            &JsValue::from_str(&detail),
        )?;
    }
    Ok(out.into())
}
