//! What every command gets: the vault folder as a store, the inputs, the clock.

use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use agent_secrets_core::Timestamp;

use crate::cli::Global;
use crate::fs_store::FileStore;
use crate::input::Inputs;
use crate::lock::DEFAULT_TIMEOUT;

/// The vault folder when neither `--dir` nor `AGENT_SECRETS_DIR` says otherwise.
pub const DEFAULT_DIR: &str = ".agent/secrets";

/// Per-invocation state.
#[derive(Debug)]
pub struct Context {
    /// The vault folder.
    pub store: FileStore,
    /// Password and value sources.
    pub inputs: Inputs,
    /// Set when a value came from the environment instead of the vault
    /// (recorded as `env_fallback` in the audit line).
    pub env_fallback: Cell<bool>,
}

impl Context {
    /// From the global options and the environment.
    pub fn new(global: &Global) -> Self {
        let dir = global
            .dir
            .clone()
            .or_else(|| {
                std::env::var_os("AGENT_SECRETS_DIR")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
        let timeout = std::env::var("AGENT_SECRETS_LOCK_TIMEOUT_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        Self {
            store: FileStore::new(dir, timeout),
            inputs: Inputs::new(
                global.password_stdin,
                crate::session::allowed(global.no_session),
            ),
            env_fallback: Cell::new(false),
        }
    }
}

/// The current time for documents.
pub fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}
