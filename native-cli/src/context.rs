//! What every command gets: the vault folder as a store, the inputs, the clock.

use std::cell::Cell;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use agent_secrets_core::{lock, Error, Store, Timestamp};
use zeroize::Zeroizing;

use crate::cli::Global;
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::input::Inputs;

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
    /// From the global options and the environment; a lock timeout that
    /// breaks the core's grammar is a usage error.
    pub fn new(global: &Global) -> Result<Self, CliError> {
        let dir = global
            .dir
            .clone()
            .or_else(|| {
                std::env::var_os("AGENT_SECRETS_DIR")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
        let timeout = lock_timeout(std::env::var_os(lock::TIMEOUT_VAR).as_deref())?;
        Ok(Self {
            store: FileStore::new(dir, timeout),
            inputs: Inputs::new(
                global.password_stdin,
                crate::session::allowed(global.no_session),
            )
            .with_identities(global.identity.clone()),
            env_fallback: Cell::new(false),
        })
    }
}

/// How long a writer waits for another, from the value of
/// `AGENT_SECRETS_LOCK_TIMEOUT_MS` (the core's grammar; bytes that are not
/// UTF-8 are no digits).
pub fn lock_timeout(value: Option<&OsStr>) -> Result<Duration, Error> {
    lock::timeout_from_env(value.map(OsStr::to_string_lossy).as_deref())
}

/// Whether the folder holds a `config.json`.
pub fn is_initialized(store: &FileStore) -> Result<bool, CliError> {
    let config = store
        .read(agent_secrets_core::format::CONFIG_FILE)
        .map_err(Error::from)?;
    Ok(config.is_some())
}

/// The current time for documents: the CLI's one clock.
pub fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// `bytes` random bytes from the operating system as lower-case hex (names
/// of temporary files, the dashboard's token): the CLI's one such helper.
/// Both the bytes and the text are wiped when dropped, so a token made
/// with it leaves no copy behind.
pub fn random_hex(bytes: usize) -> Result<Zeroizing<String>, Error> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut random = Zeroizing::new(vec![0u8; bytes]);
    getrandom::fill(&mut random).map_err(|_| Error::Random)?;
    let mut text = Zeroizing::new(String::with_capacity(2 * bytes));
    for b in random.iter() {
        text.push(char::from(HEX[usize::from(b >> 4)]));
        text.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_hex_is_lower_case_hex_of_the_length_asked() {
        let a = super::random_hex(6).expect("random");
        let b = super::random_hex(6).expect("random");
        assert_eq!(a.len(), 12);
        let all: std::collections::BTreeSet<char> =
            super::random_hex(256).expect("random").chars().collect();
        assert!(all.len() > 10, "{all:?}");
        assert!(
            a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
            "{}",
            a.as_str()
        );
        assert_ne!(a, b);
        assert_eq!(super::random_hex(0).expect("random").as_str(), "");
    }
}
