//! Wycheproof AES-GCM and PBKDF2-HMAC-SHA256 vectors through the core's
//! public primitives. The same checks run through the wasm build in
//! `wasm/tests/wycheproof.rs`.

use agent_secrets_core::primitives::{aes256gcm_open, aes256gcm_seal, pbkdf2_hmac_sha256};
use agent_secrets_core::Error;

// `cfg(test)` tells clippy this is test code (expect and panic are the point).
#[cfg(test)]
#[path = "../../tests/support/wycheproof.rs"]
mod wycheproof;

use wycheproof::{Opened, Sealed};

#[test]
fn aes_256_gcm_vectors() {
    let counts = wycheproof::check_aes_gcm(
        |key, iv, aad, msg| match aes256gcm_seal(key, iv, aad, msg) {
            Ok((ct, tag)) => Sealed::Bytes([ct.as_slice(), tag.as_slice()].concat()),
            Err(Error::InvalidParameter(_)) => Sealed::BadParameter,
            Err(other) => panic!("seal: unexpected error: {other}"),
        },
        |key, iv, aad, ct, tag| match aes256gcm_open(key, iv, aad, ct, tag) {
            Ok(Some(plain)) => Opened::Plain(plain),
            Ok(None) => Opened::AuthFailed,
            Err(Error::InvalidParameter(_)) => Opened::BadParameter,
            Err(other) => panic!("open: unexpected error: {other}"),
        },
    );
    assert_eq!(counts, wycheproof::EXPECTED_AES_GCM);
}

#[test]
fn pbkdf2_hmac_sha256_vectors() {
    let ran = wycheproof::check_pbkdf2(|password, salt, iterations, len| {
        let mut dk = vec![0; len];
        pbkdf2_hmac_sha256(password, salt, iterations, &mut dk).expect("valid parameters");
        dk
    });
    assert_eq!(ran, wycheproof::EXPECTED_PBKDF2);
}
