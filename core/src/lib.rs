//! The portable core of agent secrets.
//!
//! Everything that decides how secrets are stored lives here: the serde
//! types of the on-disk format v1 ([`format`](mod@format)), key derivation and AEAD
//! (a private module, reached through [`Vault`] and [`PasswordKey::derive`]),
//! the key ring, name validation
//! ([`names`]), the environment-variable mapping ([`env`](mod@env)), `.env` parsing
//! and writing ([`dotenv`]), the rules for the vault folder's files
//! ([`files`]), the write lock's protocol over a front end's system calls
//! ([`lock`]) and the vault operations ([`Vault`]).
//!
//! The crate performs no I/O of its own: it reaches storage through the
//! [`Store`] trait, takes the current time as a [`Timestamp`] argument and
//! gets randomness from `getrandom`. That is what lets the same code run in
//! the native CLI, in the browser and under Node as WebAssembly.
//!
//! # Features
//!
//! - `hazmat` (off by default; on only for this workspace's test-vector
//!   and interoperability suites): the module `primitives`, the raw
//!   AES-256-GCM with a caller-chosen nonce, raw PBKDF2, HKDF and HMAC, and
//!   the `config.json` MAC computed by hand. Misused, these break what
//!   [`Vault`] guarantees (a nonce used twice under one key gives the key
//!   away), so no build that ships turns them on.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
mod crypto;
pub mod dotenv;
pub mod env;
mod error;
pub mod files;
pub mod format;
pub mod import;
mod keyring;
pub mod lock;
pub mod lockout;
pub mod merge;
pub mod merge_config;
pub mod metrics;
pub mod names;
pub mod operation;
#[cfg(feature = "hazmat")]
pub mod primitives;
pub mod reserved_vars;
pub mod scan;
mod secret;
pub mod session;
pub mod store;
mod time;
pub mod tracked;
pub mod user_config;
mod vault;

pub use env::{provider_config, resolve, Credential, ProviderConfig, Resolved, Source};
pub use error::{Error, ErrorKind, StoreError};
pub use format::{KdfParams, DEFAULT_ITERATIONS, MAX_ITERATIONS, MIN_ITERATIONS};
pub use names::{check_password_strength, mask, KeyName, ServiceName, VarName, MASK};
pub use secret::{AuditKey, Password, PasswordKey, SecretString, VaultKey};
pub use store::{MemoryStore, Store};
pub use time::Timestamp;
pub use vault::{
    begin_unlock, fail_unlock, list, status, AgeEncryptor, AlertThresholds, InitOptions, NoAge,
    RotateSummary, SecretInfo, ServiceInfo, SetOutcome, Status, UnlockStart, Vault,
    MAX_VALUE_BYTES, OWNER,
};

/// Result type of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
