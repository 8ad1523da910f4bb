//! The key hierarchy: a recipient's password key unwraps the vault key;
//! the vault key's subkeys (HKDF, [`crate::crypto::subkeys`]) wrap the data
//! keys and key the MACs of `config.json` and of the audit lines.

use std::collections::BTreeMap;

use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{self, Sealed};
use crate::format::{
    check_vault_key_id, identity_aad, key_aad, signed_bytes_of, to_bytes, vault_key_aad, ConfigDoc,
    Fixed, KdfParams, PasswordRecipient, SealedKey, WrappedKey, X25519Stanza,
    VAULT_KEY_PAYLOAD_LEN,
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

/// The payload every recipient's wrapping holds: the vault key's id (the
/// 16 bytes its hex names) then the vault key's 32 bytes.
pub(crate) fn payload(vault_key: &VaultKey) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(VAULT_KEY_PAYLOAD_LEN));
    out.extend(hex_bytes(vault_key.id()));
    out.extend_from_slice(vault_key.expose_bytes());
    out
}

/// The id's bytes (a checked id is 32 lower-case hex characters; anything
/// else gives bytes no payload can match).
fn hex_bytes(id: &str) -> Vec<u8> {
    id.as_bytes()
        .chunks(2)
        .map(|pair| {
            core::str::from_utf8(pair)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or_default()
        })
        .collect()
}

/// The vault key from a decrypted payload, if it is one for the vault key
/// `vault_key_id` (a wrapping of another vault, or of an older vault key of
/// this one, is refused: `None`).
pub(crate) fn vault_key_from_payload(vault_key_id: &str, payload: &[u8]) -> Option<VaultKey> {
    if payload.len() != VAULT_KEY_PAYLOAD_LEN || check_vault_key_id(vault_key_id).is_err() {
        return None;
    }
    let (id, key) = payload.split_at(16);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        id,
        hex_bytes(vault_key_id).as_slice(),
    )) {
        return None;
    }
    let mut bytes: [u8; 32] = key.try_into().ok()?;
    let key = Key32::from_bytes(bytes);
    bytes.zeroize();
    Some(VaultKey::new(vault_key_id.to_owned(), key))
}

/// The vault key encrypted to an X25519 public key, bound to the vault key
/// and the recipient by the AAD [`vault_key_aad`]. `None` for a public key
/// of low order.
pub(crate) fn stanza_to(
    public: &[u8; 32],
    recipient: &str,
    vault_key: &VaultKey,
) -> Result<Option<X25519Stanza>, Error> {
    let aad = vault_key_aad(vault_key.id(), recipient);
    let Some((share, body)) = crypto::x25519_seal(public, aad.as_bytes(), &payload(vault_key))?
    else {
        return Ok(None);
    };
    let body: [u8; 64] = body.as_slice().try_into().map_err(|_| Error::Random)?;
    Ok(Some(X25519Stanza {
        share: Fixed(share),
        body: Fixed(body),
    }))
}

/// The vault key from a password recipient's stanza with its identity.
fn open_stanza(
    secret: &Key32,
    vault_key_id: &str,
    recipient: &str,
    stanza: &X25519Stanza,
) -> Option<VaultKey> {
    let aad = vault_key_aad(vault_key_id, recipient);
    let payload = crypto::x25519_open(secret, &stanza.share.0, aad.as_bytes(), &stanza.body.0)?;
    vault_key_from_payload(vault_key_id, &payload)
}

/// A new password recipient: a new X25519 identity sealed under the
/// password key, and the vault key encrypted to its public key. Returns the
/// identity's secret too (kept by the unlocked vault for `passwd`).
pub(crate) fn new_password_recipient(
    password_key: &PasswordKey,
    kdf: KdfParams,
    recipient: &str,
    vault_key: &VaultKey,
    now: Timestamp,
) -> Result<(PasswordRecipient, Key32), Error> {
    let (secret, public) = crypto::x25519_generate()?;
    // A clamped random scalar never gives a low-order public key.
    let low_order = Error::InvalidParameter("a new X25519 key of low order");
    let stanza = stanza_to(&public, recipient, vault_key)?.ok_or(low_order)?;
    let identity = seal_identity(password_key, recipient, &secret)?;
    Ok((
        PasswordRecipient {
            kdf,
            identity,
            public_key: Fixed(public),
            stanza,
            created_at: now,
        },
        secret,
    ))
}

/// Seals an identity's secret under a password key.
pub(crate) fn seal_identity(
    password_key: &PasswordKey,
    recipient: &str,
    secret: &Key32,
) -> Result<SealedKey, Error> {
    let aad = identity_aad(recipient);
    let sealed = crypto::seal(&password_key.0, aad.as_bytes(), secret.expose())?;
    let ciphertext: [u8; 32] = sealed
        .ciphertext
        .as_slice()
        .try_into()
        .map_err(|_| Error::Random)?;
    Ok(SealedKey {
        nonce: Fixed(sealed.nonce),
        ciphertext: Fixed(ciphertext),
        tag: Fixed(sealed.tag),
    })
}

/// What a password key opens in a password recipient.
pub(crate) enum Opened {
    /// The key does not open the identity: a wrong password.
    WrongKey,
    /// The identity opened but the rest does not hold (its public key is
    /// not the identity's, or the stanza does not open to this vault key):
    /// the entry was changed.
    Tampered,
    /// The identity's secret and the vault key.
    Keys(Key32, VaultKey),
}

/// Opens a password recipient with a password key: the identity, then
/// the stanza with it.
pub(crate) fn open_password_recipient(
    password_key: &PasswordKey,
    vault_key_id: &str,
    recipient: &str,
    wrapped: &PasswordRecipient,
) -> Opened {
    let sealed = Sealed {
        nonce: wrapped.identity.nonce.0,
        ciphertext: wrapped.identity.ciphertext.0.to_vec(),
        tag: wrapped.identity.tag.0,
    };
    let aad = identity_aad(recipient);
    let Some(plain) = crypto::open(&password_key.0, aad.as_bytes(), &sealed) else {
        return Opened::WrongKey;
    };
    // The sealed ciphertext is 32 bytes (`Fixed<32>`), so is what opens.
    let mut bytes: [u8; 32] = core::array::from_fn(|i| plain.get(i).copied().unwrap_or_default());
    let secret = Key32::from_bytes(bytes);
    bytes.zeroize();
    let public = crypto::x25519_public(&secret);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        &public[..],
        &wrapped.public_key.0[..],
    )) {
        return Opened::Tampered;
    }
    match open_stanza(&secret, vault_key_id, recipient, &wrapped.stanza) {
        Some(vault_key) => Opened::Keys(secret, vault_key),
        None => Opened::Tampered,
    }
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
