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

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32([redacted])")
    }
}

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
