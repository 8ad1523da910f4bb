//! The only module that calls the raw primitives: PBKDF2-HMAC-SHA256,
//! AES-256-GCM, HKDF-SHA256, HMAC-SHA256 and the random number generator.
//! The rest of the crate sees [`seal`] / [`open`] on typed keys,
//! [`derive_password_key`], [`subkeys`] and the MAC functions on typed
//! subkeys.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use sha2::digest::generic_array::GenericArray;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::secret::{AuditKey, ConfigMacKey, Key32, WrapKey};
use crate::Error;

/// HKDF `info` of the key that wraps the data keys.
pub(crate) const WRAP_INFO: &str = "agent-secrets/v1/wrap";
/// HKDF `info` of the key of the `config.json` MAC.
pub(crate) const CONFIG_MAC_INFO: &str = "agent-secrets/v1/config-mac";
/// HKDF `info` of the key of the audit-line MACs.
pub(crate) const AUDIT_MAC_INFO: &str = "agent-secrets/v1/audit-mac";
/// HKDF `info` of the key that wraps a payload to an X25519 public key
/// (age's X25519 stanza with this project's label: docs/format.md §4).
pub(crate) const X25519_INFO: &str = "agent-secrets/v1/x25519";
/// Bytes of an HMAC-SHA256 tag.
pub(crate) const MAC_LEN: usize = 32;

pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
pub(crate) const KEY_LEN: usize = 32;
pub(crate) const SALT_LEN: usize = 16;

/// An AES-256-GCM output as the format stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    pub nonce: [u8; NONCE_LEN],
    pub ciphertext: Vec<u8>,
    pub tag: [u8; TAG_LEN],
}

pub(crate) fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|_| Error::Random)?;
    Ok(buf)
}

pub(crate) fn random_key() -> Result<Key32, Error> {
    let mut bytes = random::<KEY_LEN>()?;
    let key = Key32::from_bytes(bytes);
    bytes.zeroize();
    Ok(key)
}

/// Encrypts under a fresh random nonce.
pub(crate) fn seal(key: &Key32, aad: &[u8], plaintext: &[u8]) -> Result<Sealed, Error> {
    let nonce = random::<NONCE_LEN>()?;
    let (ciphertext, tag) = seal_with_nonce(key.expose(), &nonce, aad, plaintext)?;
    Ok(Sealed {
        nonce,
        ciphertext,
        tag,
    })
}

/// Decrypts; `None` when the tag does not verify (wrong key, changed
/// nonce, ciphertext, tag or AAD).
pub(crate) fn open(key: &Key32, aad: &[u8], sealed: &Sealed) -> Option<Zeroizing<Vec<u8>>> {
    open_with_nonce(
        key.expose(),
        &sealed.nonce,
        aad,
        &sealed.ciphertext,
        &sealed.tag,
    )
}

pub(crate) fn seal_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, [u8; TAG_LEN]), Error> {
    let cipher = Aes256Gcm::new(GenericArray::from_slice(key));
    let mut buf = plaintext.to_vec();
    // aes-gcm refuses only plaintexts over 2^36 bytes (values are capped far
    // below): an error, not a panic, should that ever change.
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut buf)
        .map_err(|_| Error::InvalidParameter("plaintext too long for AES-GCM"))?;
    Ok((buf, tag.into()))
}

pub(crate) fn open_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8; TAG_LEN],
) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = Aes256Gcm::new(GenericArray::from_slice(key));
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            aad,
            &mut buf,
            Tag::from_slice(tag),
        )
        .ok()?;
    Some(buf)
}

/// The vault's password key: PBKDF2-HMAC-SHA256, 32 bytes, written
/// straight into the key's wiped buffer.
pub(crate) fn derive_password_key(password: &[u8], salt: &[u8], iterations: u32) -> Key32 {
    Key32::filled(|out| pbkdf2_hmac_sha256(password, salt, iterations, out))
}

/// HKDF-SHA256 (RFC 5869) with an empty salt, 32 bytes of output.
pub(crate) fn hkdf_sha256(ikm: &[u8; KEY_LEN], info: &[u8]) -> Result<Key32, Error> {
    // An absent salt is HashLen zero bytes (RFC 5869 2.2), which keys HMAC
    // exactly as the empty salt does.
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&[]), ikm);
    let mut okm = Zeroizing::new([0u8; KEY_LEN]);
    // HKDF refuses only outputs over 255 * 32 bytes: an error, not a panic,
    // should that ever change.
    hk.expand(info, &mut okm[..])
        .map_err(|_| Error::InvalidParameter("HKDF output too long"))?;
    Ok(Key32::from_bytes(*okm))
}

/// The three subkeys of a vault key, one per purpose (never one key for two).
pub(crate) fn subkeys(vault_key: &Key32) -> Result<(WrapKey, ConfigMacKey, AuditKey), Error> {
    let k = vault_key.expose();
    Ok((
        WrapKey(hkdf_sha256(k, WRAP_INFO.as_bytes())?),
        ConfigMacKey(hkdf_sha256(k, CONFIG_MAC_INFO.as_bytes())?),
        AuditKey(hkdf_sha256(k, AUDIT_MAC_INFO.as_bytes())?),
    ))
}

type HmacSha256 = hmac::Hmac<Sha256>;

fn hmac_of(key: &Key32, message: &[u8]) -> HmacSha256 {
    use hmac::Mac;
    // HMAC pads a key shorter than SHA-256's 64-byte block with zeros
    // (RFC 2104 section 2): padding it here takes the constructor that
    // cannot fail.
    let mut block = Zeroizing::new([0u8; 64]);
    block[..KEY_LEN].copy_from_slice(key.expose());
    let mut mac = <HmacSha256 as KeyInit>::new(GenericArray::from_slice(&block[..]));
    mac.update(message);
    mac
}

/// HMAC-SHA256 of `message`.
pub(crate) fn hmac_sha256(key: &Key32, message: &[u8]) -> [u8; MAC_LEN] {
    use hmac::Mac;
    hmac_of(key, message).finalize().into_bytes().into()
}

/// Whether `tag` is the HMAC-SHA256 of `message`, compared in constant time.
pub(crate) fn hmac_sha256_verify(key: &Key32, message: &[u8], tag: &[u8]) -> bool {
    use hmac::Mac;
    hmac_of(key, message).verify_slice(tag).is_ok()
}

/// PBKDF2-HMAC-SHA256 (RFC 8018) for any output length and `iterations >= 1`,
/// by the `pbkdf2` crate (RustCrypto).
pub(crate) fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, out);
}

/// A new X25519 identity: the secret scalar's 32 bytes and its public key.
pub(crate) fn x25519_generate() -> Result<(Key32, [u8; KEY_LEN]), Error> {
    let secret = random_key()?;
    let public = x25519_public(&secret);
    Ok((secret, public))
}

/// The public key of an X25519 secret (RFC 7748, clamped as X25519 does).
pub(crate) fn x25519_public(secret: &Key32) -> [u8; KEY_LEN] {
    let secret = x25519_dalek::StaticSecret::from(*secret.expose());
    x25519_dalek::PublicKey::from(&secret).to_bytes()
}

/// The ChaCha20-Poly1305 key of an X25519 stanza: HKDF-SHA256 with salt
/// `share || public`, the shared secret as input key, [`X25519_INFO`].
fn x25519_stanza_key(
    shared: &[u8; KEY_LEN],
    share: &[u8; KEY_LEN],
    public: &[u8; KEY_LEN],
) -> Result<Key32, Error> {
    let mut salt = [0u8; 2 * KEY_LEN];
    salt[..KEY_LEN].copy_from_slice(share);
    salt[KEY_LEN..].copy_from_slice(public);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut okm = Zeroizing::new([0u8; KEY_LEN]);
    // HKDF refuses only outputs over 255 * 32 bytes: an error, not a panic.
    hk.expand(X25519_INFO.as_bytes(), &mut okm[..])
        .map_err(|_| Error::InvalidParameter("HKDF output too long"))?;
    Ok(Key32::from_bytes(*okm))
}

/// An X25519 stanza's ephemeral share and its body (ciphertext || tag).
pub(crate) type X25519Sealed = ([u8; KEY_LEN], Vec<u8>);

/// Encrypts `plaintext` to an X25519 public key as age's X25519 stanza
/// does: an ephemeral key, its public share, the stanza key from the shared
/// secret ([`x25519_stanza_key`]) and ChaCha20-Poly1305 with a zero nonce
/// (each key is used once) and `aad`. Returns the share and the body
/// (ciphertext || tag). `None` for a public key of low order (the shared
/// secret would be all zeros).
pub(crate) fn x25519_seal(
    public: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Option<X25519Sealed>, Error> {
    x25519_seal_with(&random_key()?, public, aad, plaintext)
}

/// [`x25519_seal`] with a caller-chosen ephemeral secret (test vectors and
/// deterministic seeds through [`crate::primitives`]; the vault always
/// uses a fresh random one).
pub(crate) fn x25519_seal_with(
    ephemeral: &Key32,
    public: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Option<X25519Sealed>, Error> {
    use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
    let ephemeral = x25519_dalek::StaticSecret::from(*ephemeral.expose());
    let share = x25519_dalek::PublicKey::from(&ephemeral).to_bytes();
    let shared = ephemeral.diffie_hellman(&x25519_dalek::PublicKey::from(*public));
    if !shared.was_contributory() {
        return Ok(None);
    }
    let key = x25519_stanza_key(shared.as_bytes(), &share, public)?;
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(GenericArray::from_slice(key.expose()));
    let msg = Payload {
        msg: plaintext,
        aad,
    };
    // ChaCha20-Poly1305 refuses only messages over 2^38 bytes: an error.
    let body = cipher
        .encrypt(&chacha20poly1305::Nonce::default(), msg)
        .map_err(|_| Error::InvalidParameter("plaintext too long for ChaCha20-Poly1305"))?;
    Ok(Some((share, body)))
}

/// Opens an X25519 stanza with the secret key; `None` when it does not
/// verify (another recipient's stanza, a changed share, body or AAD).
pub(crate) fn x25519_open(
    secret: &Key32,
    share: &[u8; KEY_LEN],
    aad: &[u8],
    body: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
    let public = x25519_public(secret);
    let secret = x25519_dalek::StaticSecret::from(*secret.expose());
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(*share));
    if !shared.was_contributory() {
        return None;
    }
    let key = x25519_stanza_key(shared.as_bytes(), share, &public).ok()?;
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(GenericArray::from_slice(key.expose()));
    cipher
        .decrypt(
            &chacha20poly1305::Nonce::default(),
            Payload { msg: body, aad },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_key_is_pbkdf2_hmac_sha256() {
        // PBKDF2-HMAC-SHA256 of "password" and "salt", 32 bytes, at 1, 2
        // and 4096 iterations (the RFC 6070 inputs, with SHA-256).
        let cases = [
            (
                1,
                "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
            ),
            (
                2,
                "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43",
            ),
            (
                4096,
                "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
            ),
        ];
        for (iterations, expected) in cases {
            let key = derive_password_key(b"password", b"salt", iterations);
            assert_eq!(hex(key.expose()), expected, "{iterations} iterations");
        }
    }

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let key = random_key().expect("rng");
        let sealed = seal(&key, b"aad", b"value").expect("seal");
        assert_eq!(
            open(&key, b"aad", &sealed).as_deref().map(|v| &v[..]),
            Some(&b"value"[..])
        );
        assert!(open(&key, b"other", &sealed).is_none());
        let other = random_key().expect("rng");
        assert!(open(&other, b"aad", &sealed).is_none());
        for i in 0..sealed.ciphertext.len() {
            let mut t = sealed.clone();
            t.ciphertext[i] ^= 1;
            assert!(open(&key, b"aad", &t).is_none());
        }
        for i in 0..NONCE_LEN {
            let mut t = sealed.clone();
            t.nonce[i] ^= 0x80;
            assert!(open(&key, b"aad", &t).is_none());
        }
        for i in 0..TAG_LEN {
            let mut t = sealed.clone();
            t.tag[i] ^= 0x01;
            assert!(open(&key, b"aad", &t).is_none());
        }
    }

    #[test]
    fn hkdf_and_hmac_match_rfc_vectors() {
        // RFC 4231 test case 2 (key "Jefe") is below 32 bytes; HMAC pads
        // keys, so RFC 4231 case 1's 20-byte key padded with zeros to 32
        // gives the same tag.
        let mut key = [0u8; 32];
        key[..20].copy_from_slice(&[0x0b; 20]);
        let tag = hmac_sha256(&Key32::from_bytes(key), b"Hi There");
        assert_eq!(
            hex(&tag),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert!(hmac_sha256_verify(
            &Key32::from_bytes(key),
            b"Hi There",
            &tag
        ));
        let mut bad = tag;
        bad[31] ^= 1;
        assert!(!hmac_sha256_verify(
            &Key32::from_bytes(key),
            b"Hi There",
            &bad
        ));
        assert!(!hmac_sha256_verify(
            &Key32::from_bytes(key),
            b"Hi There",
            &tag[..31]
        ));
        // Empty salt and HashLen zeros are the same HKDF (RFC 5869 2.2).
        let ikm = [0x0b; 32];
        let ours = hkdf_sha256(&ikm, b"info").expect("hkdf");
        let mut zeros = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(Some(&[0u8; 32]), &ikm)
            .expand(b"info", &mut zeros)
            .expect("expand");
        assert_eq!(ours.expose(), &zeros);
        let (w, c, a) = subkeys(&Key32::from_bytes(ikm)).expect("subkeys");
        assert_ne!(w.0.expose(), c.0.expose());
        assert_ne!(c.0.expose(), a.0.expose());
        assert_ne!(w.0.expose(), a.0.expose());
    }

    #[test]
    fn hmac_with_a_padded_key_is_hmac_with_the_key() {
        use hmac::Mac;
        for key in [[0u8; 32], [0x0b; 32], [0xff; 32]] {
            let mut theirs = <HmacSha256 as Mac>::new_from_slice(&key).expect("any length");
            theirs.update(b"message");
            let theirs: [u8; MAC_LEN] = theirs.finalize().into_bytes().into();
            assert_eq!(hmac_sha256(&Key32::from_bytes(key), b"message"), theirs);
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn nonces_are_fresh() {
        let key = random_key().expect("rng");
        let a = seal(&key, b"", b"same").expect("seal");
        let b = seal(&key, b"", b"same").expect("seal");
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }
}
