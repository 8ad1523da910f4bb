//! The raw primitives, exposed for published test vectors (Wycheproof) and
//! for interoperability checks only. Vault code never calls these: it goes
//! through [`crate::Vault`], which picks nonces and AAD itself.

use zeroize::Zeroizing;

use crate::crypto::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::Error;

/// The longest PBKDF2 output these functions produce (1 MiB): far beyond
/// any key, and a bound for callers that allocate the buffer from a length
/// they were given.
pub const MAX_PBKDF2_OUTPUT: usize = 1 << 20;

/// PBKDF2-HMAC-SHA256 into `out` (1 byte to [`MAX_PBKDF2_OUTPUT`]), any
/// iteration count from 1. The vault itself enforces its own bounds on top
/// of this.
pub fn pbkdf2_hmac_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), Error> {
    if iterations == 0 {
        return Err(Error::InvalidParameter("iterations must be at least 1"));
    }
    if out.is_empty() {
        return Err(Error::InvalidParameter("output length must be at least 1"));
    }
    if out.len() > MAX_PBKDF2_OUTPUT {
        return Err(Error::InvalidParameter(
            "output length must be at most 1 MiB",
        ));
    }
    crypto::pbkdf2_hmac_sha256(password, salt, iterations, out);
    Ok(())
}

fn key_nonce(key: &[u8], nonce: &[u8]) -> Result<([u8; KEY_LEN], [u8; NONCE_LEN]), Error> {
    let key: [u8; KEY_LEN] = key
        .try_into()
        .map_err(|_| Error::InvalidParameter("AES-256-GCM key must be 32 bytes"))?;
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| Error::InvalidParameter("AES-256-GCM nonce must be 12 bytes"))?;
    Ok((key, nonce))
}

/// AES-256-GCM encryption with a caller-chosen nonce: returns
/// `(ciphertext, 16-byte tag)`. Only 32-byte keys and 12-byte nonces.
pub fn aes256gcm_seal(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, [u8; 16]), Error> {
    let (key, nonce) = key_nonce(key, nonce)?;
    let key = Zeroizing::new(key);
    crypto::seal_with_nonce(&key, &nonce, aad, plaintext)
}

/// AES-256-GCM decryption: `Ok(Some(plaintext))`, `Ok(None)` when the tag
/// does not authenticate, [`Error::InvalidParameter`] when the key or nonce
/// has the wrong size.
pub fn aes256gcm_open(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Option<Vec<u8>>, Error> {
    let (key, nonce) = key_nonce(key, nonce)?;
    let key = Zeroizing::new(key);
    let Ok(tag) = <[u8; TAG_LEN]>::try_from(tag) else {
        // A truncated or extended tag never authenticates.
        return Ok(None);
    };
    Ok(crypto::open_with_nonce(&key, &nonce, aad, ciphertext, &tag).map(|p| p.to_vec()))
}

/// HKDF-SHA256 (RFC 5869) with an empty salt and 32 bytes of output: how
/// the vault key's subkeys are made (`info` is their label, e.g.
/// `agent-secrets/v1/config-mac`).
pub fn hkdf_sha256(ikm: &[u8; 32], info: &[u8]) -> Result<[u8; 32], Error> {
    Ok(*crypto::hkdf_sha256(ikm, info)?.expose())
}

/// HMAC-SHA256 with a 32-byte key.
pub fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    crypto::hmac_sha256(&crate::secret::Key32::from_bytes(*key), message)
}

/// The RFC 8785 (JCS) form of a JSON text, without its top-level `mac`
/// member: the bytes the MAC of `config.json` (and of an audit line)
/// covers. Refuses text that is not JSON, or whose numbers are not
/// integers within ±(2^53 − 1).
pub fn signed_bytes(json: &[u8]) -> Result<Vec<u8>, Error> {
    let mut tree: serde_json::Value = serde_json::from_slice(json)
        .map_err(|_| Error::InvalidParameter("the text is not JSON"))?;
    crate::format::check_integers(&tree).map_err(Error::InvalidParameter)?;
    if let Some(object) = tree.as_object_mut() {
        object.remove("mac");
    }
    Ok(crate::format::canonical(&tree))
}

/// The MAC a `config.json` must carry under a vault key:
/// HMAC-SHA256(HKDF-SHA256(vault key, "agent-secrets/v1/config-mac"),
/// [`signed_bytes`] of the document). For independent implementations and
/// their tests; the vault computes it itself.
pub fn config_mac(vault_key: &[u8; 32], config: &[u8]) -> Result<[u8; 32], Error> {
    let key = crypto::hkdf_sha256(vault_key, crypto::CONFIG_MAC_INFO.as_bytes())?;
    Ok(crypto::hmac_sha256(&key, &signed_bytes(config)?))
}

/// The X25519 public key of a 32-byte secret (RFC 7748: the secret is
/// clamped, then multiplied with the base point).
pub fn x25519_public_key(secret: &[u8; 32]) -> [u8; 32] {
    crypto::x25519_public(&crate::secret::Key32::from_bytes(*secret))
}

/// The X25519 stanza a password recipient's vault key is encrypted in
/// (docs/format.md §4), with a caller-chosen ephemeral secret: returns
/// `(share, body)`, the ephemeral public key and ChaCha20-Poly1305 of
/// `plaintext` (zero nonce, `aad`) under HKDF-SHA256(salt `share ||
/// public`, the X25519 shared secret, `agent-secrets/v1/x25519`). `None`
/// when `public` is of low order. For test vectors and deterministic seeds
/// only: the vault draws a fresh ephemeral secret for every stanza.
pub fn x25519_stanza_seal(
    ephemeral: &[u8; 32],
    public: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Option<crypto::X25519Sealed>, Error> {
    crypto::x25519_seal_with(
        &crate::secret::Key32::from_bytes(*ephemeral),
        public,
        aad,
        plaintext,
    )
}

/// Opens an X25519 stanza with the recipient's secret: the plaintext, or
/// `None` when it does not verify.
pub fn x25519_stanza_open(
    secret: &[u8; 32],
    share: &[u8; 32],
    aad: &[u8],
    body: &[u8],
) -> Option<Vec<u8>> {
    crypto::x25519_open(&crate::secret::Key32::from_bytes(*secret), share, aad, body)
        .map(|p| p.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        let mut out = [0u8; 4];
        assert!(pbkdf2_hmac_sha256(b"p", b"s", 0, &mut out).is_err());
        assert!(pbkdf2_hmac_sha256(b"p", b"s", 1, &mut []).is_err());
        assert!(pbkdf2_hmac_sha256(b"p", b"s", 1, &mut out).is_ok());
        let mut huge = vec![0u8; MAX_PBKDF2_OUTPUT + 1];
        assert!(pbkdf2_hmac_sha256(b"p", b"s", 1, &mut huge).is_err());
        assert!(aes256gcm_seal(&[0; 16], &[0; 12], b"", b"").is_err());
        assert!(aes256gcm_seal(&[0; 32], &[0; 8], b"", b"").is_err());
        assert!(aes256gcm_open(&[0; 32], &[0; 16], b"", b"", &[0; 16]).is_err());
        let (ct, tag) = aes256gcm_seal(&[1; 32], &[2; 12], b"a", b"msg").expect("sizes ok");
        assert_eq!(
            aes256gcm_open(&[1; 32], &[2; 12], b"a", &ct, &tag).expect("sizes ok"),
            Some(b"msg".to_vec())
        );
        assert_eq!(
            aes256gcm_open(&[1; 32], &[2; 12], b"a", &ct, &tag[..15]).expect("sizes ok"),
            None
        );
    }

    #[test]
    fn x25519_stanza_round_trip_and_rfc7748_vector() {
        // RFC 7748 §6.1: Alice's private key and public key.
        let hex = |h: &str| -> [u8; 32] {
            core::array::from_fn(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
        };
        let alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assert_eq!(
            x25519_public_key(&alice),
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        let public = x25519_public_key(&[7; 32]);
        let (share, body) = x25519_stanza_seal(&[9; 32], &public, b"aad", b"payload")
            .expect("ok")
            .expect("full order");
        assert_eq!(share, x25519_public_key(&[9; 32]));
        assert_eq!(body.len(), b"payload".len() + 16);
        assert_eq!(
            x25519_stanza_open(&[7; 32], &share, b"aad", &body),
            Some(b"payload".to_vec())
        );
        assert_eq!(x25519_stanza_open(&[7; 32], &share, b"other", &body), None);
        assert_eq!(x25519_stanza_open(&[8; 32], &share, b"aad", &body), None);
        // A share of low order opens nothing.
        assert_eq!(x25519_stanza_open(&[7; 32], &[0; 32], b"aad", &body), None);
        // The all-zero point is of low order: nothing is sealed to it.
        assert_eq!(
            x25519_stanza_seal(&[9; 32], &[0; 32], b"", b"x").expect("ok"),
            None
        );
    }

    #[test]
    fn the_config_mac_is_hmac_under_the_hkdf_subkey() {
        let vault_key = [7u8; 32];
        let config = br#"{"b": 1, "a": "x", "mac": "ignored"}"#;
        let subkey = hkdf_sha256(&vault_key, b"agent-secrets/v1/config-mac").expect("hkdf");
        let signed = signed_bytes(config).expect("json");
        assert_eq!(signed, br#"{"a":"x","b":1}"#);
        assert_eq!(
            config_mac(&vault_key, config).expect("mac"),
            hmac_sha256(&subkey, &signed)
        );
        assert_ne!(hmac_sha256(&subkey, b""), hmac_sha256(&[8u8; 32], b""));
    }
}
