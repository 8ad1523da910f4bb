//! Types that hold secrets: wiped on drop, printed as `[redacted]`.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// A secret value (an API key, a token). Zeroized on drop; `Debug` prints
/// `[redacted]`; equality is constant-time.
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Takes ownership of `value`; its buffer is wiped when this is dropped.
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The plaintext. Call it only where the value must leave the vault
    /// (printing with `--show`, a child's environment, the caller's API).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes (for metrics and tests; never printed).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn from_utf8(mut bytes: Zeroizing<Vec<u8>>) -> Option<Self> {
        let taken = core::mem::take(&mut *bytes);
        match String::from_utf8(taken) {
            Ok(s) => Some(Self::new(s)),
            Err(e) => {
                e.into_bytes().zeroize();
                None
            }
        }
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A master password. Same guarantees as [`SecretString`].
#[derive(Clone, PartialEq, Eq)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password typed by the user.
    pub fn new(password: String) -> Self {
        Self(SecretString::new(password))
    }

    /// The password text, for key derivation and the strength check only.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl From<&str> for Password {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// 32 bytes of key material (a password key or a data key).
#[derive(Clone)]
pub(crate) struct Key32(Zeroizing<[u8; 32]>);

impl Key32 {
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A key that `fill` writes in place (a KDF's output), so the bytes
    /// are never in a buffer that is not wiped.
    pub(crate) fn filled(fill: impl FnOnce(&mut [u8; 32])) -> Self {
        let mut key = Self(Zeroizing::new([0u8; 32]));
        fill(&mut key.0);
        key
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32([redacted])")
    }
}

/// Writes a redacted `Debug` for a key newtype.
macro_rules! redacted_debug {
    ($t:ident) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "([redacted])"))
            }
        }
    };
}

/// The vault key: one random 32-byte key per vault, made at `init` and
/// replaced by every rotation, with its public id (`vault_key_id` in
/// `config.json`). Every recipient (a password today) holds a wrapping of
/// it; its subkeys wrap the data keys and key the MACs. A session agent
/// holds this, never the password.
#[derive(Clone)]
pub struct VaultKey {
    id: String,
    key: Key32,
}

impl VaultKey {
    /// A vault key from its id (32 lower-case hex characters) and bytes,
    /// e.g. handed back by a session agent. The bytes are not checked: a
    /// wrong key fails [`crate::Vault::unlock_with_vault_key`].
    pub fn from_bytes(id: &str, bytes: [u8; 32]) -> Result<Self, crate::Error> {
        crate::format::check_vault_key_id(id).map_err(|_| {
            crate::Error::InvalidParameter("a vault key id is 32 lower-case hex characters")
        })?;
        let mut bytes = bytes;
        let key = Key32::from_bytes(bytes);
        bytes.zeroize();
        Ok(Self {
            id: id.to_owned(),
            key,
        })
    }

    pub(crate) fn new(id: String, key: Key32) -> Self {
        Self { id, key }
    }

    /// Its id, as `vault_key_id` in `config.json` (not secret).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key bytes. Only for handing the key to a session agent over a
    /// private channel; never print, log or store them.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        self.key.expose()
    }

    pub(crate) fn key(&self) -> &Key32 {
        &self.key
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// A password key: PBKDF2-HMAC-SHA256 of the password with a recipient's
/// KDF parameters, derived by a front end (WebCrypto in Node and the
/// browser) for [`crate::Vault::unlock_with_password_key`].
#[derive(Clone)]
pub struct PasswordKey(pub(crate) Key32);

impl PasswordKey {
    /// The 32 derived bytes; the caller wipes its own copy.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut bytes = bytes;
        let key = Key32::from_bytes(bytes);
        bytes.zeroize();
        Self(key)
    }

    /// Derives the key as the vault does (PBKDF2-HMAC-SHA256 of the
    /// password's UTF-8 bytes, 32 bytes), for a front end without a native
    /// PBKDF2 of its own. The parameters must be a recipient's: a 16-byte
    /// salt ([`crate::Error::InvalidParameter`] otherwise) and 100,000 to
    /// 10,000,000 iterations ([`crate::Error::KdfOutOfRange`]), checked
    /// before any work.
    pub fn derive(password: &Password, salt: &[u8], iterations: u32) -> Result<Self, crate::Error> {
        if salt.len() != crate::crypto::SALT_LEN {
            return Err(crate::Error::InvalidParameter("a KDF salt is 16 bytes"));
        }
        crate::format::check_iterations(u64::from(iterations))?;
        Ok(Self(crate::crypto::derive_password_key(
            password.expose().as_bytes(),
            salt,
            iterations,
        )))
    }

    /// The 32 bytes, for a front end that hands the key on to its other
    /// runtime (the npm package's fallback derivation). Nothing else needs
    /// them.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        self.0.expose()
    }

    /// The derived bytes as a front end holds them (a JavaScript
    /// `Uint8Array`): exactly 32, else [`crate::Error::InvalidParameter`].
    /// Copied straight into the wiped buffer; the caller wipes its own copy.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, crate::Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return Err(crate::Error::InvalidParameter(
                "the password key must be 32 bytes",
            ));
        }
        key.copy_from_slice(bytes);
        Ok(Self(Key32(key)))
    }
}

redacted_debug!(PasswordKey);

/// The subkey that wraps the data keys (HKDF `agent-secrets/v1/wrap`).
#[derive(Clone)]
pub(crate) struct WrapKey(pub(crate) Key32);
redacted_debug!(WrapKey);

/// The subkey of the `config.json` MAC (HKDF `agent-secrets/v1/config-mac`).
#[derive(Clone)]
pub(crate) struct ConfigMacKey(pub(crate) Key32);
redacted_debug!(ConfigMacKey);

/// The subkey of the audit-line MACs (HKDF `agent-secrets/v1/audit-mac`).
/// Handed out by an unlocked vault ([`crate::Vault::audit_key`]) so that a
/// front end can authenticate the audit line it writes after a command.
#[derive(Clone)]
pub struct AuditKey(pub(crate) Key32);
redacted_debug!(AuditKey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretString::from("sk-canary-1234");
        assert_eq!(format!("{s:?}"), "[redacted]");
        let p = Password::from("hunter2-canary");
        assert_eq!(format!("{p:?}"), "[redacted]");
        let k = Key32::from_bytes([7; 32]);
        assert_eq!(format!("{k:?}"), "Key32([redacted])");
        let v = VaultKey::from_bytes("0123456789abcdef0123456789abcdef", [7; 32]).expect("id");
        assert_eq!(
            format!("{v:?}"),
            "VaultKey { id: \"0123456789abcdef0123456789abcdef\", key: \"[redacted]\" }"
        );
        assert!(VaultKey::from_bytes("0123456789ABCDEF0123456789abcdef", [7; 32]).is_err());
        assert_eq!(
            format!("{:?}", PasswordKey::from_bytes([7; 32])),
            "PasswordKey([redacted])"
        );
        let from_slice = PasswordKey::from_slice(&[7; 32]).expect("32 bytes");
        assert_eq!(from_slice.0.expose(), &[7; 32]);
        for len in [0, 31, 33] {
            assert!(matches!(
                PasswordKey::from_slice(&vec![7; len]),
                Err(crate::Error::InvalidParameter(_))
            ));
        }
        assert_eq!(
            format!("{:?}", AuditKey(Key32::from_bytes([7; 32]))),
            "AuditKey([redacted])"
        );
        assert_eq!(
            format!("{:?}", WrapKey(Key32::from_bytes([7; 32]))),
            "WrapKey([redacted])"
        );
        assert_eq!(
            format!("{:?}", ConfigMacKey(Key32::from_bytes([7; 32]))),
            "ConfigMacKey([redacted])"
        );
    }

    #[test]
    fn equality_compares_content() {
        assert_eq!(SecretString::from("a"), SecretString::from("a"));
        assert_ne!(SecretString::from("a"), SecretString::from("b"));
        assert_ne!(SecretString::from("a"), SecretString::from("ab"));
        assert!(SecretString::default().is_empty());
        assert_eq!(SecretString::from(String::from("abc")).len(), 3);
        assert_eq!(Password::from("x"), Password::new("x".into()));
    }

    #[test]
    fn from_utf8_refuses_invalid_bytes() {
        assert!(SecretString::from_utf8(Zeroizing::new(vec![0xff, 0xfe])).is_none());
        let ok = SecretString::from_utf8(Zeroizing::new(b"ok".to_vec()));
        assert_eq!(ok.map(|s| s.expose().to_owned()).as_deref(), Some("ok"));
    }
}
