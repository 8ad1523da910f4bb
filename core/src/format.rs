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
use crate::names::{validate_key, validate_service};
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
/// The document name of the configuration.
pub const CONFIG_FILE: &str = "config.json";
/// The document name of the `.gitignore` written into the vault folder.
pub const GITIGNORE_FILE: &str = ".gitignore";
/// The `.gitignore` content: nothing in the folder is ever committed.
pub const GITIGNORE: &str = "*\n!.gitignore\n";
/// The only KDF algorithm of version 1.
pub const KDF_ALGORITHM: &str = "pbkdf2-hmac-sha256";
/// The only cipher of version 1.
pub const CIPHER: &str = "aes-256-gcm";

/// The document name of a service: `<service>.json`.
pub fn service_file(service: &str) -> String {
    format!("{service}.json")
}

/// The AAD that binds a wrapped data key to its id.
pub fn key_aad(key_id: &str) -> String {
    format!("agent-secrets/v1/key/{key_id}")
}

/// The AAD that binds a value's ciphertext to its service and key.
pub fn value_aad(service: &str, key: &str) -> String {
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

/// A data key wrapped by the password key.
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

/// Lockout policy (the state itself is in `state.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Consecutive wrong passwords before a lockout.
    pub max_attempts: u32,
    /// First lockout's length.
    pub base_delay_seconds: u64,
    /// Longest lockout.
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

/// `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    /// `agent-secrets/config`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// How the password key is derived.
    pub kdf: KdfParams,
    /// `aes-256-gcm`.
    pub cipher: String,
    /// The id of the key new values are sealed with.
    pub active_key: String,
    /// Data keys by id.
    pub keys: BTreeMap<String, WrappedKey>,
    /// Lockout policy.
    #[serde(default)]
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
    pub service: String,
    /// Secrets by key name.
    pub secrets: BTreeMap<String, SecretEntry>,
}

impl ServiceDoc {
    /// An empty document for `service`.
    pub fn new(service: &str) -> Self {
        Self {
            format: SERVICE_FORMAT.to_owned(),
            version: VERSION,
            service: service.to_owned(),
            secrets: BTreeMap::new(),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
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

fn check_header(file: &str, bytes: &[u8], expected_format: &str) -> Result<(), Error> {
    let header: Header = serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    match header.format {
        Some(serde_json::Value::String(f)) if f == expected_format => {}
        _ => {
            return Err(corrupt(
                file,
                format!("\"format\" is not \"{expected_format}\""),
            ))
        }
    }
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
    Ok(())
}

/// Parses and checks `config.json`: header, strict fields, algorithm,
/// cipher, iteration bounds, active key present, key ids valid.
pub fn parse_config(bytes: &[u8]) -> Result<ConfigDoc, Error> {
    let file = CONFIG_FILE;
    check_header(file, bytes, CONFIG_FORMAT)?;
    let doc: ConfigDoc = serde_json::from_slice(bytes).map_err(|e| corrupt(file, describe(&e)))?;
    if doc.kdf.algorithm != KDF_ALGORITHM {
        return Err(corrupt(
            file,
            format!("kdf.algorithm is not \"{KDF_ALGORITHM}\""),
        ));
    }
    if check_iterations(u64::from(doc.kdf.iterations)).is_err() {
        return Err(corrupt(
            file,
            format!(
                "kdf.iterations {} is outside the accepted range {MIN_ITERATIONS} to {MAX_ITERATIONS}; refused before any work",
                doc.kdf.iterations
            ),
        ));
    }
    if doc.cipher != CIPHER {
        return Err(corrupt(file, format!("cipher is not \"{CIPHER}\"")));
    }
    if !doc.keys.contains_key(&doc.active_key) {
        return Err(corrupt(file, "active_key names no key in \"keys\""));
    }
    if doc.keys.keys().any(|id| validate_key(id).is_err()) {
        return Err(corrupt(file, "a key id in \"keys\" is not a valid name"));
    }
    crate::env::check_user_mapping(&doc.env).map_err(|detail| corrupt(file, detail))?;
    Ok(doc)
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
/// expects (the file's stem).
pub fn parse_service(service: &str, bytes: &[u8]) -> Result<ServiceDoc, Error> {
    let file = service_file(service);
    check_header(&file, bytes, SERVICE_FORMAT)?;
    let doc: ServiceDoc =
        serde_json::from_slice(bytes).map_err(|e| corrupt(&file, describe(&e)))?;
    if doc.service != service {
        return Err(corrupt(&file, "\"service\" does not match the file name"));
    }
    for (key, entry) in &doc.secrets {
        if validate_key(key).is_err() {
            return Err(corrupt(&file, "a secret has an invalid key name"));
        }
        if validate_key(&entry.key_id).is_err() {
            return Err(corrupt(&file, format!("'{key}' has an invalid key_id")));
        }
    }
    Ok(doc)
}

/// Serializes a document: pretty JSON, keys sorted, trailing newline.
pub fn to_bytes<T: Serialize>(doc: &T) -> Vec<u8> {
    // Serializing these types (strings, integers, maps with string keys) cannot fail.
    let mut out = serde_json::to_vec_pretty(doc).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Whether a document name is a service document, and which service.
pub fn service_of_file(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".json")?;
    validate_service(stem).ok().map(|()| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_json() -> String {
        r#"{
  "format": "agent-secrets/config",
  "version": 1,
  "kdf": { "algorithm": "pbkdf2-hmac-sha256", "iterations": 600000, "salt": "AAAAAAAAAAAAAAAAAAAAAA==" },
  "cipher": "aes-256-gcm",
  "active_key": "k1",
  "keys": {
    "k1": { "nonce": "AAAAAAAAAAAAAAAA", "ciphertext": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "tag": "AAAAAAAAAAAAAAAAAAAAAA==", "created_at": "2026-11-28T12:00:00Z" }
  },
  "lockout": { "max_attempts": 5, "base_delay_seconds": 30, "max_delay_seconds": 3600 },
  "created_at": "2026-11-28T12:00:00Z",
  "updated_at": "2026-11-28T12:00:00Z"
}"#
        .to_owned()
    }

    #[test]
    fn parses_the_design_example() {
        let doc = parse_config(config_json().as_bytes()).expect("valid");
        assert_eq!(doc.kdf.iterations, 600_000);
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
    fn lockout_defaults_when_absent() {
        let mut v: serde_json::Value = serde_json::from_str(&config_json()).expect("json");
        v.as_object_mut().expect("object").remove("lockout");
        let doc = parse_config(v.to_string().as_bytes()).expect("valid");
        assert_eq!(doc.lockout.max_attempts, 5);
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
        assert!(corrupt(edit(|v| v["kdf"]["algorithm"] = json!("argon2id"))));
        assert!(corrupt(edit(|v| v["cipher"] = json!("chacha20"))));
        assert!(corrupt(edit(|v| v["active_key"] = json!("k9"))));
        assert!(corrupt(edit(|v| v["kdf"]["salt"] = json!("AAAA"))));
        assert!(corrupt(edit(|v| v["kdf"]["salt"] = json!("not base64!"))));
        assert!(corrupt(edit(|v| v["extra"] = json!(1))));
        assert!(corrupt(edit(|v| v["keys"]["k1"]["tag"] = json!(5))));
        assert!(corrupt(edit(|v| v["created_at"] = json!("yesterday"))));
        assert!(corrupt(edit(|v| {
            let k = v["keys"]["k1"].clone();
            v["keys"]["bad id"] = k;
        })));
        assert!(corrupt(edit(|v| {
            v.as_object_mut().expect("object").remove("kdf");
        })));
        assert!(corrupt(edit(|v| v["kdf"]["iterations"] = json!(99_999))));
        assert!(corrupt(
            edit(|v| v["kdf"]["iterations"] = json!(10_000_001))
        ));
        assert!(corrupt(edit(
            |v| v["kdf"]["iterations"] = json!(4_294_967_296u64)
        )));
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
        let r = edit(|v| v["kdf"]["iterations"] = serde_json::json!("SECRET-CANARY"));
        let msg = r.map_err(|e| e.to_string()).unwrap_err();
        assert!(!msg.contains("SECRET-CANARY"), "{msg}");
        assert!(msg.contains("config.json"), "{msg}");
    }

    #[test]
    fn service_documents() {
        let json = r#"{"format":"agent-secrets/service","version":1,"service":"openai","secrets":{
            "api_key":{"key_id":"k1","nonce":"AAAAAAAAAAAAAAAA","ciphertext":"","tag":"AAAAAAAAAAAAAAAAAAAAAA==",
            "created_at":"2026-11-28T12:00:00Z","updated_at":"2026-11-28T12:00:00Z"}}}"#;
        let doc = parse_service("openai", json.as_bytes()).expect("valid");
        assert_eq!(doc.secrets.len(), 1);
        assert!(matches!(
            parse_service("anthropic", json.as_bytes()),
            Err(Error::Corrupt { .. })
        ));
        let bad_key = json.replace("\"api_key\"", "\"../x\"");
        assert!(matches!(
            parse_service("openai", bad_key.as_bytes()),
            Err(Error::Corrupt { .. })
        ));
        let bad_id = json.replace("\"k1\"", "\"k 1\"");
        assert!(matches!(
            parse_service("openai", bad_id.as_bytes()),
            Err(Error::Corrupt { .. })
        ));
        let newer = json.replace("\"version\":1", "\"version\":7");
        assert!(matches!(
            parse_service("openai", newer.as_bytes()),
            Err(Error::NewerVersion { found: 7, .. })
        ));
        let plaintext = json.replace("\"ciphertext\":\"\"", "\"value\":\"sk-CANARY\"");
        let msg = parse_service("openai", plaintext.as_bytes())
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(
            !msg.contains("sk-CANARY") && msg.contains("openai.json"),
            "{msg}"
        );
        assert_eq!(
            parse_service("openai", &to_bytes(&doc)).expect("round trip"),
            doc
        );
    }

    #[test]
    fn names_and_aad() {
        assert_eq!(service_file("openai"), "openai.json");
        assert_eq!(key_aad("k1"), "agent-secrets/v1/key/k1");
        assert_eq!(
            value_aad("openai", "api_key"),
            "agent-secrets/v1/value/openai/api_key"
        );
        assert_eq!(service_of_file("openai.json"), Some("openai"));
        assert_eq!(service_of_file("config.json"), None);
        assert_eq!(service_of_file("state.json"), None);
        assert_eq!(service_of_file("openai.json.tmp.abc"), None);
        assert_eq!(service_of_file("audit.log"), None);
        assert_eq!(format!("{:?}", Fixed([1u8; 4])), "Fixed<4>");
        assert_eq!(format!("{:?}", Base64(vec![1, 2])), "Base64(2 bytes)");
        assert_eq!(check_iterations(100_000).expect("in range"), 100_000);
    }
}
