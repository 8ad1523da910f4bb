//! The key hierarchy: a recipient's password key unwraps the vault key;
//! the vault key's subkeys (HKDF, [`crate::crypto::subkeys`]) wrap the data
//! keys and key the MACs of `config.json` and of the audit lines.

use std::collections::BTreeMap;

use zeroize::Zeroize;

use crate::crypto::{self, Sealed};
use crate::format::{
    key_aad, signed_bytes_of, to_bytes, vault_key_aad, ConfigDoc, Fixed, KdfParams,
    PasswordRecipient, WrappedKey,
};
use crate::secret::{AuditKey, ConfigMacKey, Key32, PasswordKey, VaultKey, WrapKey};
use crate::{Error, Password, Timestamp};

/// A vault key and its subkeys.
#[derive(Clone, Debug)]
pub(crate) struct VaultKeys {
    pub vault_key: VaultKey,
    pub wrap: WrapKey,
    pub config_mac: ConfigMacKey,
    pub audit: AuditKey,
}

impl VaultKeys {
    pub(crate) fn new(vault_key: VaultKey) -> Result<Self, Error> {
        let (wrap, config_mac, audit) = crypto::subkeys(vault_key.key())?;
        Ok(Self {
            vault_key,
            wrap,
            config_mac,
            audit,
        })
    }

    /// A new random vault key with a new random id.
    pub(crate) fn random() -> Result<Self, Error> {
        let id: String = crypto::random::<16>()?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self::new(VaultKey::new(id, crypto::random_key()?))
    }

    pub(crate) fn id(&self) -> &str {
        self.vault_key.id()
    }

    /// Sets `mac` and returns the bytes to write.
    pub(crate) fn seal_config(&self, config: &mut ConfigDoc) -> Vec<u8> {
        config.vault_key_id = self.id().to_owned();
        config.mac = Fixed(crypto::hmac_sha256(
            &self.config_mac.0,
            &signed_bytes_of(config),
        ));
        to_bytes(config)
    }

    /// The MAC check of a parsed document (`signed`: its bytes without `mac`).
    pub(crate) fn check_mac(&self, config: &ConfigDoc, signed: &[u8]) -> Result<(), Error> {
        if config.vault_key_id != self.id()
            || !crypto::hmac_sha256_verify(&self.config_mac.0, signed, &config.mac.0)
        {
            return Err(Error::ConfigMac);
        }
        Ok(())
    }
}

/// The unwrapped data keys of a vault, by id.
pub(crate) struct KeyRing {
    active: String,
    keys: BTreeMap<String, Key32>,
}

impl core::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// PBKDF2 of the password with a recipient's parameters.
pub(crate) fn password_key(kdf: &KdfParams, password: &Password) -> PasswordKey {
    PasswordKey(crypto::derive_password_key(
        password.expose().as_bytes(),
        &kdf.salt.0,
        kdf.iterations,
    ))
}

/// Wraps the vault key for a password recipient.
pub(crate) fn wrap_vault_key(
    password_key: &PasswordKey,
    kdf: KdfParams,
    recipient: &str,
    vault_key: &VaultKey,
    now: Timestamp,
) -> Result<PasswordRecipient, Error> {
    let aad = vault_key_aad(vault_key.id(), recipient);
    let sealed = crypto::seal(&password_key.0, aad.as_bytes(), vault_key.expose_bytes())?;
    let mut ciphertext = [0u8; 32];
    ciphertext.copy_from_slice(&sealed.ciphertext);
    Ok(PasswordRecipient {
        kdf,
        nonce: Fixed(sealed.nonce),
        ciphertext: Fixed(ciphertext),
        tag: Fixed(sealed.tag),
        created_at: now,
    })
}

/// Unwraps the vault key of a password recipient; `None` when the password
/// key does not open it (a wrong password, or a changed entry).
pub(crate) fn unwrap_vault_key(
    password_key: &PasswordKey,
    vault_key_id: &str,
    recipient: &str,
    wrapped: &PasswordRecipient,
) -> Option<VaultKey> {
    let sealed = Sealed {
        nonce: wrapped.nonce.0,
        ciphertext: wrapped.ciphertext.0.to_vec(),
        tag: wrapped.tag.0,
    };
    let aad = vault_key_aad(vault_key_id, recipient);
    let plain = crypto::open(&password_key.0, aad.as_bytes(), &sealed)?;
    let mut bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
    let key = Key32::from_bytes(bytes);
    bytes.zeroize();
    Some(VaultKey::new(vault_key_id.to_owned(), key))
}

/// Wraps a data key under the wrap subkey.
pub(crate) fn wrap(
    wrap_key: &WrapKey,
    id: &str,
    data_key: &Key32,
    now: Timestamp,
) -> Result<WrappedKey, Error> {
    let sealed = crypto::seal(&wrap_key.0, key_aad(id).as_bytes(), data_key.expose())?;
    let mut ciphertext = [0u8; 32];
    ciphertext.copy_from_slice(&sealed.ciphertext);
    Ok(WrappedKey {
        nonce: Fixed(sealed.nonce),
        ciphertext: Fixed(ciphertext),
        tag: Fixed(sealed.tag),
        created_at: now,
    })
}

fn unwrap(wrap_key: &WrapKey, id: &str, wrapped: &WrappedKey) -> Option<Key32> {
    let sealed = Sealed {
        nonce: wrapped.nonce.0,
        ciphertext: wrapped.ciphertext.0.to_vec(),
        tag: wrapped.tag.0,
    };
    let plain = crypto::open(&wrap_key.0, key_aad(id).as_bytes(), &sealed)?;
    let mut bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
    let key = Key32::from_bytes(bytes);
    bytes.zeroize();
    Some(key)
}

impl KeyRing {
    /// Opens every data key of a configuration whose MAC has verified. A
    /// key that does not open means the file was changed by someone holding
    /// the vault key, or is damaged: reported by id.
    pub(crate) fn open(config: &ConfigDoc, wrap_key: &WrapKey) -> Result<Self, Error> {
        let mut keys = BTreeMap::new();
        for (id, wrapped) in &config.keys {
            let key = unwrap(wrap_key, id, wrapped)
                .ok_or_else(|| Error::TamperedKey { id: id.clone() })?;
            keys.insert(id.clone(), key);
        }
        Ok(Self {
            active: config.active_key.clone(),
            keys,
        })
    }

    pub(crate) fn new(active: String, key: Key32) -> Self {
        let mut keys = BTreeMap::new();
        keys.insert(active.clone(), key);
        Self { active, keys }
    }

    pub(crate) fn active_id(&self) -> &str {
        &self.active
    }

    pub(crate) fn active(&self) -> &Key32 {
        // The constructors always insert the active key.
        &self.keys[&self.active]
    }

    pub(crate) fn insert(&mut self, id: String, key: Key32) {
        self.keys.insert(id, key);
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.keys.remove(id);
    }

    /// Makes `id` the active key; it must be in the ring.
    pub(crate) fn set_active(&mut self, id: &str) -> Result<(), Error> {
        if !self.keys.contains_key(id) {
            return Err(Error::KeysChanged);
        }
        self.active = id.to_owned();
        Ok(())
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Key32> {
        self.keys.get(id)
    }

    /// Every data key, wrapped again under `wrap_key` (a rotation's new
    /// vault key), keeping each entry's `created_at`.
    pub(crate) fn rewrap(
        &self,
        config: &ConfigDoc,
        wrap_key: &WrapKey,
    ) -> Result<BTreeMap<String, WrappedKey>, Error> {
        let mut out = BTreeMap::new();
        for (id, old) in &config.keys {
            let key = self.keys.get(id).ok_or(Error::KeysChanged)?;
            out.insert(id.clone(), wrap(wrap_key, id, key, old.created_at)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_key_of_the_ring_becomes_active() {
        let mut ring = KeyRing {
            active: "k1".to_owned(),
            keys: BTreeMap::from([("k1".to_owned(), Key32::from_bytes([1; 32]))]),
        };
        ring.insert("k2".to_owned(), Key32::from_bytes([2; 32]));
        assert!(matches!(ring.set_active("k3"), Err(Error::KeysChanged)));
        assert_eq!(ring.active_id(), "k1", "unchanged");
        ring.set_active("k2").expect("in the ring");
        assert_eq!(ring.active_id(), "k2");
        assert_eq!(ring.active().expose(), &[2; 32]);
    }
}
