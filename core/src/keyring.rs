//! The key ring: data keys unwrapped with the password key.

use std::collections::BTreeMap;

use crate::crypto::{self, Sealed};
use crate::format::{key_aad, ConfigDoc, Fixed, KdfParams, WrappedKey};
use crate::secret::Key32;
use crate::{Error, Password, Timestamp};

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

pub(crate) fn password_key(kdf: &KdfParams, password: &Password) -> Key32 {
    crypto::derive_password_key(password.expose().as_bytes(), &kdf.salt.0, kdf.iterations)
}

pub(crate) fn wrap(
    password_key: &Key32,
    id: &str,
    data_key: &Key32,
    now: Timestamp,
) -> Result<WrappedKey, Error> {
    let sealed = crypto::seal(password_key, key_aad(id).as_bytes(), data_key.expose())?;
    let mut ciphertext = [0u8; 32];
    ciphertext.copy_from_slice(&sealed.ciphertext);
    Ok(WrappedKey {
        nonce: Fixed(sealed.nonce),
        ciphertext: Fixed(ciphertext),
        tag: Fixed(sealed.tag),
        created_at: now,
    })
}

fn unwrap(password_key: &Key32, id: &str, wrapped: &WrappedKey) -> Option<Key32> {
    let sealed = Sealed {
        nonce: wrapped.nonce.0,
        ciphertext: wrapped.ciphertext.0.to_vec(),
        tag: wrapped.tag.0,
    };
    let plain = crypto::open(password_key, key_aad(id).as_bytes(), &sealed)?;
    let bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
    Some(Key32::from_bytes(bytes))
}

impl KeyRing {
    /// Opens every data key. The active key failing means a wrong password
    /// (every authentication failure is the same error); another key failing
    /// once the active one opened means `config.json` was tampered with.
    pub(crate) fn open(config: &ConfigDoc, password_key: &Key32) -> Result<Self, Error> {
        let mut keys = BTreeMap::new();
        let active = config
            .keys
            .get(&config.active_key)
            .ok_or(Error::WRONG_PASSWORD)?;
        keys.insert(
            config.active_key.clone(),
            unwrap(password_key, &config.active_key, active).ok_or(Error::WRONG_PASSWORD)?,
        );
        for (id, wrapped) in config
            .keys
            .iter()
            .filter(|(id, _)| **id != config.active_key)
        {
            let key = unwrap(password_key, id, wrapped)
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
}
