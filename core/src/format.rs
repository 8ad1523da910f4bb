//! On-disk format, version 1: the serde types of `config.json` and
//! `<service>.json`, their strict parsers and their writers.
//!
//! `docs/format.md` is the prose form of this module; change both together.
//!
//! Parsing is strict and happens in two steps: the `format`/`version` header
//! is read first, so a file from a newer version is refused as such (and
//! not as "corrupt"); then the whole document is parsed with unknown fields
//! refused, base64 checked (RFC 4648 standard alphabet, padded) and every
//! fixed-size field checked for its size. Parse errors name the file, the
//! field and the position, never the content.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::crypto::{Sealed, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::names::{KeyName, ServiceName};
use crate::{Error, Timestamp};

/// The only format version this build reads and writes.
pub const VERSION: u64 = 1;
/// Default PBKDF2 iteration count (OWASP 2023 for PBKDF2-HMAC-SHA256).
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// Lowest accepted iteration count.
pub const MIN_ITERATIONS: u32 = 100_000;
/// Highest accepted iteration count (refused before any work is done).
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// `format` of `config.json`.
pub const CONFIG_FORMAT: &str = "agent-secrets/config";
/// `format` of `<service>.json`.
pub const SERVICE_FORMAT: &str = "agent-secrets/service";
/// `format` of a `<service>.json` left by a merge with conflicts
/// ([`ServiceConflictDoc`]); every reader refuses it.
pub const SERVICE_CONFLICT_FORMAT: &str = "agent-secrets/service-conflict";
/// `format` of a `config.json` left by a merge that changed it on both
/// sides ([`ConfigConflictDoc`]); every reader refuses it.
pub const CONFIG_CONFLICT_FORMAT: &str = "agent-secrets/config-conflict";
/// The document name of the configuration.
pub const CONFIG_FILE: &str = "config.json";
/// The document name of the `.gitignore` written into the vault folder.
pub const GITIGNORE_FILE: &str = ".gitignore";
/// The `.gitignore` content: nothing in the folder is ever committed.
pub const GITIGNORE: &str = "*\n!.gitignore\n";
/// The `.gitignore` of a shared vault (`init --shared`, `share`): the
/// encrypted files are committed; the lockout state, the audit log, the
/// lock and temporary files stay out (docs/team.md).
pub const GITIGNORE_SHARED: &str = "# A shared vault: config.json and the service files are committed.\nstate.json\naudit.log\n.lock\n.lock.break\n.agent-tmp-*\n";

/// Whether a vault's `.gitignore` says it is shared (is [`GITIGNORE_SHARED`]).
pub fn is_shared(gitignore: &[u8]) -> bool {
    gitignore == GITIGNORE_SHARED.as_bytes()
}

/// The only KDF algorithm of version 1.
pub const KDF_ALGORITHM: &str = "pbkdf2-hmac-sha256";
/// The only cipher of version 1.
pub const CIPHER: &str = "aes-256-gcm";

/// The document name of a service: `<service>.json`.
pub fn service_file(service: &ServiceName) -> String {
    format!("{service}.json")
}

/// The AAD that binds a wrapped data key to its id.
pub fn key_aad(key_id: &str) -> String {
    format!("agent-secrets/v1/key/{key_id}")
}

/// The AAD that binds a recipient's wrapping of the vault key to the vault
/// key's id and the recipient's name.
pub fn vault_key_aad(vault_key_id: &str, recipient: &str) -> String {
    format!("agent-secrets/v1/vault-key/{vault_key_id}/{recipient}")
}

/// The AAD that binds a value's ciphertext to its service and key.
pub fn value_aad(service: &ServiceName, key: &KeyName) -> String {
    format!("agent-secrets/v1/value/{service}/{key}")
}

/// Bytes of a fixed size, written as padded standard base64.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fixed<const N: usize>(pub [u8; N]);

impl<const N: usize> core::fmt::Debug for Fixed<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fixed<{N}>")
    }
}

impl<const N: usize> Serialize for Fixed<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(self.0))
    }
}

impl<'de, const N: usize> Deserialize<'de> for Fixed<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = Base64::deserialize(deserializer)?.0;
        let array: [u8; N] = bytes.try_into().map_err(|_| {
            serde::de::Error::custom(format_args!(
                "a field has the wrong size (expected {N} bytes)"
            ))
        })?;
        Ok(Self(array))
    }
}

/// Bytes of any size, written as padded standard base64.
#[derive(Clone, PartialEq, Eq)]
pub struct Base64(pub Vec<u8>);

impl core::fmt::Debug for Base64 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD.decode(text.as_bytes()).map(Self).map_err(|_| {
            serde::de::Error::custom(
                "a field is not valid base64 (RFC 4648, standard alphabet, padded)",
            )
        })
    }
}

/// Key-derivation parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Always `pbkdf2-hmac-sha256` in version 1.
    pub algorithm: String,
    /// PBKDF2 iteration count, 100,000 to 10,000,000.
    pub iterations: u32,
    /// 16 random bytes.
    pub salt: Fixed<SALT_LEN>,
}

/// A data key wrapped by the vault key's wrap subkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedKey {
    /// 12 random bytes.
    pub nonce: Fixed<NONCE_LEN>,
    /// The encrypted 32-byte data key.
    pub ciphertext: Fixed<32>,
    /// The GCM tag.
    pub tag: Fixed<TAG_LEN>,
    /// When the data key was made.
    pub created_at: Timestamp,
}

/// Lockout policy (the state itself is in `state.json`). Bounds are
/// checked when `config.json` is parsed ([`check_lockout_policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Consecutive wrong passwords before a lockout, 1 to 100.
    pub max_attempts: u32,
    /// First lockout's length, 1 s to 1 day.
    pub base_delay_seconds: u64,
    /// Longest lockout, from `base_delay_seconds` to 7 days.
    pub max_delay_seconds: u64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay_seconds: 30,
            max_delay_seconds: 3_600,
        }
    }
}

/// Fewest attempts a lockout policy may allow.
pub const MIN_LOCKOUT_ATTEMPTS: u32 = 1;
/// Most attempts a lockout policy may allow.
pub const MAX_LOCKOUT_ATTEMPTS: u32 = 100;
/// Shortest first lockout (seconds).
pub const MIN_LOCKOUT_DELAY: u64 = 1;
/// Longest first lockout (seconds): one day.
pub const MAX_LOCKOUT_BASE_DELAY: u64 = 86_400;
/// Longest lockout any policy can set (seconds): seven days. A
/// `locked_until` further ahead than the policy's own maximum is corrupt.
pub const MAX_LOCKOUT_DELAY: u64 = 604_800;
/// Fewest failed unlocks an alert threshold may name.
pub const MIN_ALERT_FAILURES: u32 = 1;
/// Most failed unlocks an alert threshold may name.
pub const MAX_ALERT_FAILURES: u32 = 1_000;
/// Longest alert window (seconds): 30 days.
pub const MAX_ALERT_WINDOW: u64 = 2_592_000;
/// The largest integer any document may hold, 2^53 − 1: every integer is
/// then exact as an IEEE double, so RFC 8785 (and JavaScript) write it as
/// its plain digits.
pub const MAX_JSON_INTEGER: u64 = (1 << 53) - 1;

/// Checks a lockout policy against the bounds; the reason in words.
pub fn check_lockout_policy(policy: &LockoutPolicy) -> Result<(), &'static str> {
    if !(MIN_LOCKOUT_ATTEMPTS..=MAX_LOCKOUT_ATTEMPTS).contains(&policy.max_attempts) {
        return Err("lockout.max_attempts is outside 1 to 100");
    }
    if !(MIN_LOCKOUT_DELAY..=MAX_LOCKOUT_BASE_DELAY).contains(&policy.base_delay_seconds) {
        return Err("lockout.base_delay_seconds is outside 1 to 86400");
    }
    if !(policy.base_delay_seconds..=MAX_LOCKOUT_DELAY).contains(&policy.max_delay_seconds) {
        return Err("lockout.max_delay_seconds is below base_delay_seconds or above 604800");
    }
    Ok(())
}

/// Checks the thresholds of an alert policy against the bounds.
pub fn check_alert_thresholds(
    failed_unlocks: u32,
    window_seconds: u64,
) -> Result<(), &'static str> {
    if !(MIN_ALERT_FAILURES..=MAX_ALERT_FAILURES).contains(&failed_unlocks) {
        return Err("alerts.failed_unlocks is outside 1 to 1000");
    }
    if !(1..=MAX_ALERT_WINDOW).contains(&window_seconds) {
        return Err("alerts.window_seconds is outside 1 to 2592000");
    }
    Ok(())
}

/// When failed unlocks raise an alert (an `alert` audit event, a warning,
/// and the user's own command: [`crate::user_config`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertPolicy {
    /// This many failed unlocks (wrong password or refused by the lockout)
    /// within the window raise an alert.
    pub failed_unlocks: u32,
    /// The window, in seconds.
    pub window_seconds: u64,
    /// Accepted so that a vault holding it still opens, but **never run**:
    /// a program is never taken from the vault folder
    /// ([`crate::user_config::vault_command_warning`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
}

/// A recipient: one way to open the vault key. Every recipient is a public
/// key the vault key is encrypted to, so that a rotation (and the removal
/// of a recipient, which rotates) can wrap a new vault key for all of them
/// without knowing their passwords (docs/adr/0009-team-vaults.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Recipient {
    /// A password: an X25519 identity kept encrypted under the password
    /// key, and the vault key encrypted to its public key.
    Password(PasswordRecipient),
    /// An age recipient (`age1…`) or an SSH public key (`ssh-ed25519`,
    /// `ssh-rsa`): the vault key in an age-encrypted message to it.
    Age(AgeRecipient),
}

/// The recipient types this build knows, as `type` spells them.
pub const RECIPIENT_TYPES: &[&str] = &["password", "age"];

/// Bytes of the payload every recipient's wrapping holds: the vault key's
/// id (16 bytes, the hex of `vault_key_id` decoded) then the vault key.
pub const VAULT_KEY_PAYLOAD_LEN: usize = 48;

/// The longest `public_key` of an `age` recipient (an RSA-4096 SSH key is
/// about 725 characters).
pub const MAX_AGE_PUBLIC_KEY_LEN: usize = 2_048;

/// The longest `wrapping` of an `age` recipient, in bytes (an age message
/// with one RSA-4096 stanza and the payload is under 1,000).
pub const MAX_AGE_WRAPPING_LEN: usize = 4_096;

/// A 32-byte key sealed with AES-256-GCM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedKey {
    /// 12 random bytes.
    pub nonce: Fixed<NONCE_LEN>,
    /// The encrypted 32 bytes.
    pub ciphertext: Fixed<32>,
    /// The GCM tag.
    pub tag: Fixed<TAG_LEN>,
}

/// The vault key encrypted to an X25519 public key (age's X25519 stanza
/// with this project's HKDF label and an AAD: docs/format.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct X25519Stanza {
    /// The ephemeral public key.
    pub share: Fixed<32>,
    /// ChaCha20-Poly1305 of the 48-byte payload, then its 16-byte tag.
    pub body: Fixed<64>,
}

/// A password recipient: AES-256-GCM(password key, X25519 secret key, AAD
/// [`identity_aad`]) and the vault key encrypted to the public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRecipient {
    /// How the password key is derived.
    pub kdf: KdfParams,
    /// The recipient's X25519 secret key, sealed under the password key.
    pub identity: SealedKey,
    /// The X25519 public key of that identity.
    pub public_key: Fixed<32>,
    /// The vault key encrypted to `public_key`.
    pub stanza: X25519Stanza,
    /// When this wrapping was made (init, add, passwd, rotate).
    pub created_at: Timestamp,
}

/// An age or SSH recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRecipient {
    /// `age1…` or `ssh-ed25519 BASE64` / `ssh-rsa BASE64` (no comment).
    pub public_key: String,
    /// The binary age message (age-encryption.org/v1) to `public_key`
    /// whose plaintext is the 48-byte payload.
    pub wrapping: Base64,
    /// When this wrapping was made (add, rotate).
    pub created_at: Timestamp,
}

/// The AAD that binds a password recipient's sealed identity to its name.
pub fn identity_aad(recipient: &str) -> String {
    format!("agent-secrets/v1/identity/{recipient}")
}

/// Checks the shape of an age recipient's public key without parsing the
/// key itself (native-cli parses it with the age crate): `age1` and
/// lower-case bech32 characters, or `ssh-ed25519 ` / `ssh-rsa ` and
/// standard base64, at most [`MAX_AGE_PUBLIC_KEY_LEN`] characters. The
/// reason in words never quotes the key.
pub fn check_age_public_key(key: &str) -> Result<(), &'static str> {
    if key.len() > MAX_AGE_PUBLIC_KEY_LEN {
        return Err("the public key is longer than any age or SSH public key");
    }
    if let Some(rest) = key.strip_prefix("age1") {
        let bech32 = |c: char| c.is_ascii_digit() || c.is_ascii_lowercase();
        if rest.len() >= 50 && rest.chars().all(bech32) {
            return Ok(());
        }
        return Err("an age public key is 'age1' then lower-case bech32 characters");
    }
    for prefix in ["ssh-ed25519 ", "ssh-rsa "] {
        if let Some(rest) = key.strip_prefix(prefix) {
            let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
            if !rest.is_empty() && rest.chars().all(base64) {
                return Ok(());
            }
            return Err("an SSH public key is its type, one space and base64 (no comment)");
        }
    }
    Err("the public key is neither 'age1…' nor 'ssh-ed25519' nor 'ssh-rsa'")
}

/// `config.json`. Authenticated as a whole by `mac` (HMAC-SHA256 under the
/// vault key's config-mac subkey over the RFC 8785 form of the document
/// without `mac`); a reader without the password may use the names and
/// metadata only (docs/format.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    /// `agent-secrets/config`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// The id of the vault key: 32 lower-case hex characters, new with
    /// every vault key.
    pub vault_key_id: String,
    /// Wrappings of the vault key by name (at least one).
    pub recipients: BTreeMap<String, Recipient>,
    /// `aes-256-gcm`.
    pub cipher: String,
    /// The id of the key new values are sealed with.
    pub active_key: String,
    /// Data keys by id.
    pub keys: BTreeMap<String, WrappedKey>,
    /// Lockout policy.
    pub lockout: LockoutPolicy,
    /// The user mapping: `"service/key"` → environment variable names,
    /// preferred first (see [`crate::env`]). Absent when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, Vec<String>>,
    /// Alerting on failed unlocks; absent means no alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertPolicy>,
    /// When the vault was made.
    pub created_at: Timestamp,
    /// Last change to this file.
    pub updated_at: Timestamp,
    /// HMAC-SHA256 of the document without this member (docs/format.md §3.1).
    pub mac: Fixed<32>,
}

impl ConfigDoc {
    /// The password recipients, in name order, with their KDF parameters
    /// (what a front end that derives the password key itself needs).
    pub fn password_recipients(&self) -> impl Iterator<Item = (&str, &PasswordRecipient)> {
        self.recipients.iter().filter_map(|(name, r)| match r {
            Recipient::Password(p) => Some((name.as_str(), p)),
            Recipient::Age(_) => None,
        })
    }

    /// The password recipient named `name`, if there is one.
    pub fn password_recipient(&self, name: &str) -> Option<&PasswordRecipient> {
        self.password_recipients()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r)
    }
}

/// One encrypted value in a service document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretEntry {
    /// The data key that sealed it.
    pub key_id: String,
    /// 12 random bytes.
    pub nonce: Fixed<NONCE_LEN>,
    /// The encrypted UTF-8 value.
    pub ciphertext: Base64,
    /// The GCM tag.
    pub tag: Fixed<TAG_LEN>,
    /// When the key was first set.
    pub created_at: Timestamp,
    /// When its value last changed.
    pub updated_at: Timestamp,
}

impl SecretEntry {
    pub(crate) fn sealed(&self) -> Sealed {
        Sealed {
            nonce: self.nonce.0,
            ciphertext: self.ciphertext.0.clone(),
            tag: self.tag.0,
        }
    }
}

/// `<service>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDoc {
    /// `agent-secrets/service`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// Must equal the file name's stem.
    pub service: ServiceName,
    /// Secrets by key name (checked by the parse).
    pub secrets: BTreeMap<KeyName, SecretEntry>,
}

impl ServiceDoc {
    /// An empty document for `service`.
    pub fn new(service: &ServiceName) -> Self {
        Self {
            format: SERVICE_FORMAT.to_owned(),
            version: VERSION,
            service: service.clone(),
            secrets: BTreeMap::new(),
        }
    }
}

/// One key that changed differently on two branches: each side's entry,
/// `None` (JSON `null`) where that side deleted it. Both members are
/// required, and they are never both `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictSides {
    /// The entry on the branch merged into (git's "ours").
    #[serde(deserialize_with = "present")]
    pub ours: Option<SecretEntry>,
    /// The entry on the branch merged in (git's "theirs").
    #[serde(deserialize_with = "present")]
    pub theirs: Option<SecretEntry>,
}

/// A member that must be present and may be `null` (serde would read a
/// missing `Option` as `None`; `deserialize_with` makes it required).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// A `<service>.json` left by a merge with conflicts (docs/format.md §6.1):
/// what merged cleanly in `secrets`, the keys in conflict with both sides
/// in `conflicts`. Every reader refuses it ([`Error::Conflict`]) until
/// [`crate::merge::resolve_service`] has moved every conflict out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConflictDoc {
    /// `agent-secrets/service-conflict`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// Must equal the file name's stem.
    pub service: ServiceName,
    /// Everything that merged cleanly.
    pub secrets: BTreeMap<KeyName, SecretEntry>,
    /// The keys in conflict (at least one, none of them in `secrets`).
    pub conflicts: BTreeMap<KeyName, ConflictSides>,
}

/// A `config.json` left by a merge that changed it on both branches
/// (docs/format.md §3.3): the three documents, embedded as they were.
/// Every reader refuses it ([`Error::ConfigConflict`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigConflictDoc {
    /// `agent-secrets/config-conflict`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// The common ancestor's `config.json`; `null` when there was none
    /// (or it did not parse).
    #[serde(deserialize_with = "present")]
    pub base: Option<serde_json::Value>,
    /// The `config.json` of the branch merged into.
    pub ours: serde_json::Value,
    /// The `config.json` of the branch merged in.
    pub theirs: serde_json::Value,
}

impl ConfigConflictDoc {
    /// The `config.json` bytes of one side, as a writer lays them out.
    pub fn side_bytes(&self, theirs: bool) -> Vec<u8> {
        to_bytes(if theirs { &self.theirs } else { &self.ours })
    }
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// Only the `type` of each recipient, read before the strict parse so that
/// a type this build does not know is named as such.
#[derive(Deserialize)]
struct RecipientTypes {
    recipients: Option<BTreeMap<String, RecipientType>>,
}

#[derive(Deserialize)]
struct RecipientType {
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
}

fn corrupt(file: &str, detail: impl Into<String>) -> Error {
    Error::Corrupt {
        file: file.to_owned(),
        detail: detail.into(),
    }
}

/// A parse error in words that never quote the document: serde's messages
/// quote string values (`invalid type: string "…"`), so those are replaced.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io | Category::Syntax => "invalid JSON".to_owned(),
        Category::Eof => "truncated JSON".to_owned(),
        Category::Data => {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            if message.starts_with("unknown field") {
                // The name comes from the file, and a value pasted by hand as
                // a field name must not reach the screen.
                "a field that format v1 does not have".to_owned()
            } else if message.contains('"') {
                "a field has the wrong type or value".to_owned()
            } else {
                message.to_owned()
            }
        }
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// What the header of a document said.
#[derive(PartialEq, Eq)]
enum HeaderKind {
    /// The expected format.
    Expected,
    /// The conflict format of that kind of document.
    Conflict,
}

fn check_header(
    file: &str,
    bytes: &[u8],
    expected_format: &str,
    conflict_format: Option<&str>,
) -> Result<HeaderKind, Error> {
    let header: Header = serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    let kind = match header.format {
        Some(serde_json::Value::String(f)) if f == expected_format => HeaderKind::Expected,
        Some(serde_json::Value::String(f)) if Some(f.as_str()) == conflict_format => {
            HeaderKind::Conflict
        }
        _ => {
            return Err(corrupt(
                file,
                format!("\"format\" is not \"{expected_format}\""),
            ))
        }
    };
    let version = header
        .version
        .as_ref()
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| corrupt(file, "\"version\" is missing or not a whole number"))?;
    if version > VERSION {
        return Err(Error::NewerVersion {
            file: file.to_owned(),
            found: version,
        });
    }
    if version < 1 {
        return Err(corrupt(file, "\"version\" is 0"));
    }
    Ok(kind)
}

/// Parses and checks `config.json` without the password: header,
/// recipient types, strict fields, integer range, algorithm, cipher,
/// iteration bounds, names, policy bounds. The MAC is *not* checked here
/// (that needs the vault key): until it is, only the names and metadata of
/// the result may be used (docs/format.md §3.2).
pub fn parse_config(bytes: &[u8]) -> Result<ConfigDoc, Error> {
    parse_config_signed(bytes).map(|(doc, _)| doc)
}

/// [`parse_config`], and the bytes the MAC covers: the RFC 8785 form of
/// the document as read, without `mac`.
pub(crate) fn parse_config_signed(bytes: &[u8]) -> Result<(ConfigDoc, Vec<u8>), Error> {
    let file = CONFIG_FILE;
    if check_header(file, bytes, CONFIG_FORMAT, Some(CONFIG_CONFLICT_FORMAT))?
        == HeaderKind::Conflict
    {
        // Strictly parsed first: a document that only claims the format
        // is corrupt, like any other.
        parse_config_conflict(bytes)?;
        return Err(Error::ConfigConflict);
    }
    let types: RecipientTypes =
        serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    for recipient in types.recipients.iter().flat_map(BTreeMap::values) {
        let known = recipient
            .kind
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .is_some_and(|t| RECIPIENT_TYPES.contains(&t));
        if !known {
            // The name is not repeated: it comes from the file (a value
            // pasted as a name must not reach the screen).
            return Err(corrupt(
                file,
                "a recipient in \"recipients\" is of a type this build does not know (it knows \"password\" and \"age\")",
            ));
        }
    }
    let doc: ConfigDoc = serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    // Parsed again as a tree: for the integer range and the MAC's bytes.
    let mut tree: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    check_integers(&tree).map_err(|detail| corrupt(file, detail))?;
    check_config(&doc).map_err(|detail| corrupt(file, detail))?;
    if let Some(object) = tree.as_object_mut() {
        object.remove("mac");
    }
    let signed = canonical(&tree).ok_or_else(|| corrupt(file, "cannot be put in RFC 8785 form"))?;
    Ok((doc, signed))
}

/// The semantic checks of a parsed `config.json` (also run before writing).
pub(crate) fn check_config(doc: &ConfigDoc) -> Result<(), String> {
    check_vault_key_id(&doc.vault_key_id)?;
    if doc.recipients.is_empty() {
        return Err("\"recipients\" is empty".to_owned());
    }
    if doc
        .recipients
        .keys()
        .any(|name| KeyName::parse(name).is_err())
    {
        return Err("a recipient name in \"recipients\" is not a valid name".to_owned());
    }
    for (name, recipient) in doc.password_recipients() {
        if recipient.kdf.algorithm != KDF_ALGORITHM {
            return Err(format!(
                "recipients.{name}.kdf.algorithm is not \"{KDF_ALGORITHM}\""
            ));
        }
        let iterations = recipient.kdf.iterations;
        if check_iterations(u64::from(iterations)).is_err() {
            return Err(format!(
                "recipients.{name}.kdf.iterations {iterations} is outside the accepted range {MIN_ITERATIONS} to {MAX_ITERATIONS}; refused before any work"
            ));
        }
    }
    for (name, recipient) in &doc.recipients {
        if let Recipient::Age(age) = recipient {
            check_age_public_key(&age.public_key)
                .map_err(|why| format!("recipients.{name}.public_key: {why}"))?;
            if age.wrapping.0.len() > MAX_AGE_WRAPPING_LEN {
                return Err(format!(
                    "recipients.{name}.wrapping is longer than {MAX_AGE_WRAPPING_LEN} bytes"
                ));
            }
        }
    }
    if doc.cipher != CIPHER {
        return Err(format!("cipher is not \"{CIPHER}\""));
    }
    if !doc.keys.contains_key(&doc.active_key) {
        return Err("active_key names no key in \"keys\"".to_owned());
    }
    if doc.keys.keys().any(|id| KeyName::parse(id).is_err()) {
        return Err("a key id in \"keys\" is not a valid name".to_owned());
    }
    check_lockout_policy(&doc.lockout)?;
    if let Some(alerts) = &doc.alerts {
        check_alert_thresholds(alerts.failed_unlocks, alerts.window_seconds)?;
    }
    crate::env::mapping::check_user_mapping(&doc.env)?;
    Ok(())
}

/// A vault key id: exactly 32 lower-case hex characters.
pub fn check_vault_key_id(id: &str) -> Result<(), &'static str> {
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err("vault_key_id is not 32 lower-case hex characters")
    }
}

/// Every number in the tree is an integer within ±(2^53 − 1).
pub(crate) fn check_integers(value: &serde_json::Value) -> Result<(), &'static str> {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            let in_range = n
                .as_u64()
                .map(|u| u <= MAX_JSON_INTEGER)
                .or_else(|| n.as_i64().map(|i| i.unsigned_abs() <= MAX_JSON_INTEGER))
                .unwrap_or(false);
            if in_range {
                Ok(())
            } else {
                Err("a number is not an integer within ±(2^53 − 1)")
            }
        }
        Value::Array(items) => items.iter().try_for_each(check_integers),
        Value::Object(members) => members.values().try_for_each(check_integers),
        _ => Ok(()),
    }
}

/// RFC 8785 (JCS) bytes of a JSON tree; `None` only for values RFC 8785
/// cannot write, which the parsers refuse before this.
pub(crate) fn canonical(value: &serde_json::Value) -> Option<Vec<u8>> {
    use canon_json::CanonJsonSerialize;
    value.to_canon_json_vec().ok()
}

/// The bytes the MAC of a document about to be written covers: its RFC
/// 8785 form without `mac`.
pub(crate) fn signed_bytes_of<T: Serialize>(doc: &T) -> Vec<u8> {
    // Serializing these types (strings, integers, maps with string keys) cannot fail.
    let mut tree = serde_json::to_value(doc).unwrap_or_default();
    if let Some(object) = tree.as_object_mut() {
        object.remove("mac");
    }
    canonical(&tree).unwrap_or_default()
}

/// Checks an iteration count against the accepted bounds.
pub fn check_iterations(iterations: u64) -> Result<u32, Error> {
    if iterations < u64::from(MIN_ITERATIONS) || iterations > u64::from(MAX_ITERATIONS) {
        return Err(Error::KdfOutOfRange { iterations });
    }
    // In range, so it fits.
    Ok(iterations as u32)
}

/// Parses and checks `<service>.json`; `service` is the name the caller
/// expects (the file's stem). The service and every key name are checked
/// as they are read (an invalid one is named by what is wrong with it and
/// its position, never quoted).
pub fn parse_service(service: &ServiceName, bytes: &[u8]) -> Result<ServiceDoc, Error> {
    let file = service_file(service);
    if check_header(&file, bytes, SERVICE_FORMAT, Some(SERVICE_CONFLICT_FORMAT))?
        == HeaderKind::Conflict
    {
        let doc = parse_service_conflict(service, bytes)?;
        return Err(Error::Conflict {
            file,
            service: service.to_string(),
            keys: name_list(doc.conflicts.keys().map(KeyName::as_str)),
        });
    }
    let doc: ServiceDoc =
        serde_json::from_slice(bytes).map_err(|e| corrupt(&file, describe(&e)))?;
    if doc.service != *service {
        return Err(corrupt(&file, "\"service\" does not match the file name"));
    }
    check_key_ids(&file, doc.secrets.iter())?;
    Ok(doc)
}

fn check_key_ids<'a>(
    file: &str,
    entries: impl Iterator<Item = (&'a KeyName, &'a SecretEntry)>,
) -> Result<(), Error> {
    for (key, entry) in entries {
        if KeyName::parse(&entry.key_id).is_err() {
            return Err(corrupt(file, format!("'{key}' has an invalid key_id")));
        }
    }
    Ok(())
}

/// Up to five names quoted, then how many more: for messages.
pub(crate) fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let mut out: Vec<String> = names.iter().take(5).map(|n| format!("'{n}'")).collect();
    if names.len() > 5 {
        out.push(format!("and {} more", names.len() - 5));
    }
    out.join(", ")
}

/// Parses a service conflict document (docs/format.md §6.1) strictly:
/// header, members, entries as in a service document, `service` equal to
/// the file name, `conflicts` not empty, no key both merged and in
/// conflict, no conflict with both sides deleted.
pub fn parse_service_conflict(
    service: &ServiceName,
    bytes: &[u8],
) -> Result<ServiceConflictDoc, Error> {
    let file = service_file(service);
    // Without a conflict format to accept, anything but the expected one
    // is corrupt: the header is the expected one past this line.
    check_header(&file, bytes, SERVICE_CONFLICT_FORMAT, None)?;
    let doc: ServiceConflictDoc =
        serde_json::from_slice(bytes).map_err(|e| corrupt(&file, describe(&e)))?;
    if doc.service != *service {
        return Err(corrupt(&file, "\"service\" does not match the file name"));
    }
    if doc.conflicts.is_empty() {
        return Err(corrupt(&file, "\"conflicts\" is empty"));
    }
    check_key_ids(&file, doc.secrets.iter())?;
    for (key, sides) in &doc.conflicts {
        if doc.secrets.contains_key(key) {
            return Err(corrupt(
                &file,
                format!("'{key}' is both in \"secrets\" and in \"conflicts\""),
            ));
        }
        if sides.ours.is_none() && sides.theirs.is_none() {
            return Err(corrupt(
                &file,
                format!("conflict '{key}' has neither side (both null)"),
            ));
        }
        let sides = [&sides.ours, &sides.theirs];
        check_key_ids(&file, sides.into_iter().flatten().map(|e| (key, e)))?;
    }
    Ok(doc)
}

/// Parses a config conflict document (docs/format.md §3.3) strictly: its
/// own members, and each embedded `config.json` (`base` may be `null`)
/// with every check of [`parse_config`] but the MAC.
pub fn parse_config_conflict(bytes: &[u8]) -> Result<ConfigConflictDoc, Error> {
    let file = CONFIG_FILE;
    check_header(file, bytes, CONFIG_CONFLICT_FORMAT, None)?;
    let doc: ConfigConflictDoc =
        serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    for (side, value) in [
        ("base", doc.base.as_ref()),
        ("ours", Some(&doc.ours)),
        ("theirs", Some(&doc.theirs)),
    ] {
        let Some(value) = value else { continue };
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        parse_config(&bytes).map_err(|e| {
            corrupt(
                file,
                format!("\"{side}\" is not a valid config.json ({})", embedded(&e)),
            )
        })?;
    }
    Ok(doc)
}

/// The reason of a refused embedded document, without its file name
/// (a newer version or a nested conflict document keeps its whole message).
fn embedded(e: &Error) -> String {
    match e {
        Error::Corrupt { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

/// Serializes a document: pretty JSON, keys sorted, trailing newline.
pub fn to_bytes<T: Serialize>(doc: &T) -> Vec<u8> {
    // Serializing these types (strings, integers, maps with string keys) cannot fail.
    let mut out = serde_json::to_vec_pretty(doc).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Whether a document name is a service document, and which service.
pub fn service_of_file(name: &str) -> Option<ServiceName> {
    ServiceName::parse(name.strip_suffix(".json")?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_json() -> String {
        r#"{
  "format": "agent-secrets/config",
  "version": 1,
  "vault_key_id": "0123456789abcdef0123456789abcdef",
  "recipients": {
    "owner": {
      "type": "password",
      "kdf": { "algorithm": "pbkdf2-hmac-sha256", "iterations": 600000, "salt": "AAAAAAAAAAAAAAAAAAAAAA==" },
      "identity": { "nonce": "AAAAAAAAAAAAAAAA", "ciphertext": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "tag": "AAAAAAAAAAAAAAAAAAAAAA==" },
      "public_key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      "stanza": { "share": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "body": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" },
      "created_at": "2026-11-28T12:00:00Z"
    }
  },
  "cipher": "aes-256-gcm",
  "active_key": "k1",
  "keys": {
    "k1": { "nonce": "AAAAAAAAAAAAAAAA", "ciphertext": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "tag": "AAAAAAAAAAAAAAAAAAAAAA==", "created_at": "2026-11-28T12:00:00Z" }
  },
  "lockout": { "max_attempts": 5, "base_delay_seconds": 30, "max_delay_seconds": 3600 },
  "created_at": "2026-11-28T12:00:00Z",
  "updated_at": "2026-11-28T12:00:00Z",
  "mac": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
}"#
        .to_owned()
    }

    #[test]
    fn parses_the_design_example() {
        let doc = parse_config(config_json().as_bytes()).expect("valid");
        let (name, owner) = doc.password_recipients().next().expect("a recipient");
        assert_eq!((name, owner.kdf.iterations), ("owner", 600_000));
        assert_eq!(doc.active_key, "k1");
        assert_eq!(doc.lockout, LockoutPolicy::default());
        let again = parse_config(&to_bytes(&doc)).expect("round trip");
        assert_eq!(again, doc);
    }

    #[test]
    fn user_mapping_is_optional_and_checked() {
        use serde_json::json;
        let doc = parse_config(config_json().as_bytes()).expect("valid");
        assert!(doc.env.is_empty());
        assert!(!String::from_utf8_lossy(&to_bytes(&doc)).contains("\"env\""));
        let doc = edit(|v| v["env"] = json!({"stripe/secret_key": ["STRIPE_KEY", "STRIPE_SK"]}))
            .expect("valid");
        assert_eq!(doc.env["stripe/secret_key"], ["STRIPE_KEY", "STRIPE_SK"]);
        assert_eq!(parse_config(&to_bytes(&doc)).expect("round trip"), doc);
        let corrupt = |r: Result<ConfigDoc, Error>| matches!(r, Err(Error::Corrupt { .. }));
        for bad in [
            json!({"stripe": ["X"]}),
            json!({"Stripe/k": ["X"]}),
            json!({"s/k": []}),
            json!({"s/k": ["1X"]}),
            json!({"s/k": ["A B"]}),
            json!({"s/k": ["AGENT_SECRETS_PASSWORD"]}),
            json!({"s/k": ["LD_PRELOAD"]}),
            json!({"s/k": ["NODE_OPTIONS"]}),
            json!({"s/k": ["X"], "t/k": ["X"]}),
            json!({"s/k": "X"}),
        ] {
            assert!(corrupt(edit(|v| v["env"] = bad.clone())), "{bad}");
        }
    }

    #[test]
    fn lockout_and_alerts_are_bounded() {
        use serde_json::json;
        let corrupt = |r: Result<ConfigDoc, Error>| matches!(r, Err(Error::Corrupt { .. }));
        assert!(corrupt(edit(|v| {
            v.as_object_mut().expect("object").remove("lockout");
        })));
        for (attempts, base, max) in [
            (0, 30, 60),
            (101, 30, 60),
            (5, 0, 60),
            (5, 86_401, 90_000),
            (5, 60, 30),
            (5, 30, 604_801),
        ] {
            assert!(
                corrupt(edit(
                    |v| v["lockout"] = json!({"max_attempts": attempts, "base_delay_seconds": base, "max_delay_seconds": max})
                )),
                "{attempts} {base} {max}"
            );
        }
        for (attempts, base, max) in [(1, 1, 1), (100, 86_400, 604_800)] {
            edit(|v| v["lockout"] = json!({"max_attempts": attempts, "base_delay_seconds": base, "max_delay_seconds": max}))
                .expect("at the bounds");
        }
        let ok = edit(|v| v["alerts"] = json!({"failed_unlocks": 3, "window_seconds": 300}))
            .expect("alerts");
        assert_eq!(
            ok.alerts.map(|a| (a.failed_unlocks, a.window_seconds)),
            Some((3, 300))
        );
        for (n, w) in [(0, 300), (1001, 300), (3, 0), (3, 2_592_001)] {
            assert!(
                corrupt(edit(
                    |v| v["alerts"] = json!({"failed_unlocks": n, "window_seconds": w})
                )),
                "{n} {w}"
            );
        }
    }

    #[test]
    fn integers_stay_within_2_pow_53() {
        use serde_json::json;
        let e = edit(|v| {
            v["alerts"] = json!({"failed_unlocks": 3, "window_seconds": 9_007_199_254_740_992u64})
        })
        .expect_err("2^53");
        assert!(e.to_string().contains("within ±(2^53 − 1)"), "{e}");
        let e = edit(|v| v["version"] = json!(1)).map(|_| ());
        assert!(e.is_ok());
        let e = edit(|v| v["lockout"]["max_delay_seconds"] = json!(9_007_199_254_740_993u64))
            .expect_err("2^53 + 1");
        assert!(e.to_string().contains("within ±(2^53 − 1)"), "{e}");
    }

    #[test]
    fn recipients_are_checked() {
        use serde_json::json;
        let corrupt = |r: Result<ConfigDoc, Error>| matches!(r, Err(Error::Corrupt { .. }));
        let e = edit(|v| v["recipients"]["owner"]["type"] = json!("x25519")).expect_err("type");
        assert!(
            e.to_string()
                .contains("a recipient in \"recipients\" is of a type this build does not know"),
            "{e}"
        );
        let e = edit(|v| {
            v["recipients"]["owner"]
                .as_object_mut()
                .expect("object")
                .remove("type");
        })
        .expect_err("no type");
        assert!(
            e.to_string().contains("of a type this build does not know"),
            "{e}"
        );
        assert!(corrupt(edit(|v| v["recipients"] = json!({}))));
        assert!(corrupt(edit(|v| {
            let r = v["recipients"]["owner"].clone();
            v["recipients"]["bad name"] = r;
        })));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["extra"] = json!(1)
        )));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(99_999)
        )));
        assert!(corrupt(edit(
            |v| v["vault_key_id"] = json!("0123456789ABCDEF0123456789abcdef")
        )));
        assert!(corrupt(edit(|v| v["vault_key_id"] = json!("0123"))));
        assert!(corrupt(edit(|v| {
            v.as_object_mut().expect("object").remove("mac");
        })));
        assert!(corrupt(edit(|v| v["mac"] = json!("AAAA"))));
        // Two recipients parse; name order.
        let two = edit(|v| {
            let r = v["recipients"]["owner"].clone();
            v["recipients"]["alice"] = r;
        })
        .expect("two");
        assert_eq!(
            two.password_recipients()
                .map(|(n, _)| n)
                .collect::<Vec<_>>(),
            ["alice", "owner"]
        );
    }

    #[test]
    fn the_signed_bytes_are_rfc_8785_without_the_mac() {
        let (doc, signed) = parse_config_signed(config_json().as_bytes()).expect("valid");
        let text = String::from_utf8(signed.clone()).expect("utf8");
        assert!(
            text.starts_with("{\"active_key\":\"k1\",\"cipher\":\"aes-256-gcm\","),
            "{text}"
        );
        assert!(!text.contains("\"mac\""));
        assert!(!text.contains(' '));
        // Layout does not matter; content does.
        let compact = serde_json::to_vec(
            &serde_json::from_str::<serde_json::Value>(&config_json()).expect("json"),
        )
        .expect("json");
        assert_eq!(parse_config_signed(&compact).expect("valid").1, signed);
        assert_eq!(signed_bytes_of(&doc), signed);
    }

    fn edit(f: impl FnOnce(&mut serde_json::Value)) -> Result<ConfigDoc, Error> {
        let mut v: serde_json::Value = serde_json::from_str(&config_json()).expect("json");
        f(&mut v);
        parse_config(v.to_string().as_bytes())
    }

    #[test]
    fn refuses_bad_configs() {
        use serde_json::json;
        let corrupt = |r: Result<ConfigDoc, Error>| matches!(r, Err(Error::Corrupt { .. }));
        assert!(corrupt(edit(
            |v| v["format"] = json!("agent-secrets/service")
        )));
        assert!(corrupt(edit(|v| v["version"] = json!(0))));
        assert!(corrupt(edit(|v| v["version"] = json!("1"))));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["kdf"]["algorithm"] = json!("argon2id")
        )));
        assert!(corrupt(edit(|v| v["cipher"] = json!("chacha20"))));
        assert!(corrupt(edit(|v| v["active_key"] = json!("k9"))));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["kdf"]["salt"] = json!("AAAA")
        )));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["kdf"]["salt"] = json!("not base64!")
        )));
        assert!(corrupt(edit(|v| v["extra"] = json!(1))));
        assert!(corrupt(edit(|v| v["keys"]["k1"]["tag"] = json!(5))));
        assert!(corrupt(edit(|v| v["created_at"] = json!("yesterday"))));
        assert!(corrupt(edit(|v| {
            let k = v["keys"]["k1"].clone();
            v["keys"]["bad id"] = k;
        })));
        assert!(corrupt(edit(|v| {
            v.as_object_mut().expect("object").remove("recipients");
        })));
        assert!(corrupt(edit(|v| v["kdf"] = json!({}))));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(99_999)
        )));
        assert!(corrupt(edit(
            |v| v["recipients"]["owner"]["kdf"]["iterations"] = json!(10_000_001)
        )));
        assert!(corrupt(edit(|v| v["recipients"]["owner"]["kdf"]
            ["iterations"] =
            json!(4_294_967_296u64))));
        assert!(matches!(
            edit(|v| v["version"] = json!(2)),
            Err(Error::NewerVersion { found: 2, .. })
        ));
        assert!(corrupt(parse_config(b"")));
        assert!(corrupt(parse_config(b"{\"format\":")));
        assert!(corrupt(parse_config(b"[1,2]")));
        assert!(corrupt(parse_config(&config_json().as_bytes()[..100])));
    }

    #[test]
    fn errors_never_quote_string_content() {
        let r = edit(|v| v["cipher"] = serde_json::json!({"nested": "SECRET-CANARY"}));
        let msg = r.map_err(|e| e.to_string()).unwrap_err();
        assert!(!msg.contains("SECRET-CANARY"), "{msg}");
        let r = edit(|v| {
            v["recipients"]["owner"]["kdf"]["iterations"] = serde_json::json!("SECRET-CANARY")
        });
        let msg = r.map_err(|e| e.to_string()).unwrap_err();
        assert!(!msg.contains("SECRET-CANARY"), "{msg}");
        assert!(msg.contains("config.json"), "{msg}");
    }

    #[test]
    fn service_documents() {
        let json = r#"{"format":"agent-secrets/service","version":1,"service":"openai","secrets":{
            "api_key":{"key_id":"k1","nonce":"AAAAAAAAAAAAAAAA","ciphertext":"","tag":"AAAAAAAAAAAAAAAAAAAAAA==",
            "created_at":"2026-11-28T12:00:00Z","updated_at":"2026-11-28T12:00:00Z"}}}"#;
        let name = |s: &str| ServiceName::parse(s).expect("service");
        let openai = name("openai");
        let doc = parse_service(&openai, json.as_bytes()).expect("valid");
        assert_eq!(doc.secrets.len(), 1);
        assert!(matches!(
            parse_service(&name("anthropic"), json.as_bytes()),
            Err(Error::Corrupt { .. })
        ));
        let bad_key = json.replace("\"api_key\"", "\"../x\"");
        let msg = parse_service(&openai, bad_key.as_bytes())
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(
            msg.starts_with("openai.json: an invalid key name (") && !msg.contains("../x"),
            "{msg}"
        );
        let bad_id = json.replace("\"k1\"", "\"k 1\"");
        assert!(matches!(
            parse_service(&openai, bad_id.as_bytes()),
            Err(Error::Corrupt { .. })
        ));
        let newer = json.replace("\"version\":1", "\"version\":7");
        assert!(matches!(
            parse_service(&openai, newer.as_bytes()),
            Err(Error::NewerVersion { found: 7, .. })
        ));
        let plaintext = json.replace("\"ciphertext\":\"\"", "\"value\":\"sk-CANARY\"");
        let msg = parse_service(&openai, plaintext.as_bytes())
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(
            !msg.contains("sk-CANARY") && msg.contains("openai.json"),
            "{msg}"
        );
        assert_eq!(
            parse_service(&openai, &to_bytes(&doc)).expect("round trip"),
            doc
        );
    }

    #[test]
    fn names_and_aad() {
        let openai = ServiceName::parse("openai").expect("service");
        let api_key = KeyName::parse("api_key").expect("key");
        assert_eq!(service_file(&openai), "openai.json");
        assert_eq!(key_aad("k1"), "agent-secrets/v1/key/k1");
        assert_eq!(
            vault_key_aad("0123456789abcdef0123456789abcdef", "owner"),
            "agent-secrets/v1/vault-key/0123456789abcdef0123456789abcdef/owner"
        );
        assert_eq!(
            value_aad(&openai, &api_key),
            "agent-secrets/v1/value/openai/api_key"
        );
        assert_eq!(service_of_file("openai.json"), Some(openai));
        assert_eq!(service_of_file("config.json"), None);
        assert_eq!(service_of_file("state.json"), None);
        assert_eq!(service_of_file("openai.json.tmp.abc"), None);
        assert_eq!(service_of_file("audit.log"), None);
        assert_eq!(format!("{:?}", Fixed([1u8; 4])), "Fixed<4>");
        assert_eq!(format!("{:?}", Base64(vec![1, 2])), "Base64(2 bytes)");
        assert_eq!(check_iterations(100_000).expect("in range"), 100_000);
    }

    #[test]
    fn conflict_documents_name_their_keys_and_embed_valid_configs() {
        use serde_json::json;
        let openai = ServiceName::parse("openai").expect("service");
        let entry = json!({"key_id": "k1", "nonce": "AAAAAAAAAAAAAAAA", "ciphertext": "",
            "tag": "AAAAAAAAAAAAAAAAAAAAAA==", "created_at": "2026-11-28T12:00:00Z",
            "updated_at": "2026-11-28T12:00:00Z"});
        let mut conflicts = serde_json::Map::new();
        for k in ["a", "b", "c", "d", "e", "f", "g"] {
            conflicts.insert(k.to_owned(), json!({"ours": entry, "theirs": null}));
        }
        let doc = json!({"format": SERVICE_CONFLICT_FORMAT, "version": 1, "service": "openai",
            "secrets": {}, "conflicts": conflicts});
        let e = parse_service(&openai, doc.to_string().as_bytes()).expect_err("refused");
        assert!(
            e.to_string()
                .contains("'a', 'b', 'c', 'd', 'e', and 2 more changed differently"),
            "{e}"
        );
        // The conflict parsers refuse the normal documents.
        let service =
            json!({"format": SERVICE_FORMAT, "version": 1, "service": "openai", "secrets": {}});
        let e =
            parse_service_conflict(&openai, service.to_string().as_bytes()).expect_err("normal");
        assert!(
            e.to_string()
                .contains("is not \"agent-secrets/service-conflict\""),
            "{e}"
        );
        let e = parse_config_conflict(config_json().as_bytes()).expect_err("normal");
        assert!(
            e.to_string()
                .contains("is not \"agent-secrets/config-conflict\""),
            "{e}"
        );
        // Each embedded config is checked, and a refusal names the side.
        let config: serde_json::Value = serde_json::from_str(&config_json()).expect("json");
        let wrap = |base: serde_json::Value, ours: serde_json::Value| {
            json!({"format": CONFIG_CONFLICT_FORMAT, "version": 1, "base": base,
                "ours": ours, "theirs": config.clone()})
            .to_string()
        };
        let ok = parse_config_conflict(wrap(json!(null), config.clone()).as_bytes()).expect("ok");
        assert_eq!(
            parse_config(&ok.side_bytes(true)).expect("theirs"),
            parse_config(config_json().as_bytes()).expect("same")
        );
        assert!(matches!(
            parse_config(wrap(json!(null), config.clone()).as_bytes()),
            Err(Error::ConfigConflict)
        ));
        let mut bad = config.clone();
        bad["cipher"] = json!("chacha20");
        let e = parse_config_conflict(wrap(bad, config.clone()).as_bytes()).expect_err("base");
        assert!(
            e.to_string()
                .contains("\"base\" is not a valid config.json (cipher"),
            "{e}"
        );
        let mut newer = config.clone();
        newer["version"] = json!(2);
        let e = parse_config_conflict(wrap(json!(null), newer).as_bytes()).expect_err("ours");
        assert!(
            e.to_string().contains(
                "\"ours\" is not a valid config.json (config.json was written by a newer version"
            ),
            "{e}"
        );
        let nested: serde_json::Value =
            serde_json::from_str(&wrap(json!(null), config.clone())).expect("json");
        let e = parse_config_conflict(wrap(json!(null), nested).as_bytes()).expect_err("nested");
        assert!(e.to_string().contains("unresolved merge"), "{e}");
        let missing_base = json!({"format": CONFIG_CONFLICT_FORMAT, "version": 1,
            "ours": config, "theirs": config});
        assert!(matches!(
            parse_config_conflict(missing_base.to_string().as_bytes()),
            Err(Error::Corrupt { .. })
        ));
    }
}
