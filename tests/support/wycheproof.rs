//! Wycheproof AES-GCM and PBKDF2-HMAC-SHA256 vectors, loaded and checked
//! the same way by every build that runs them: the core natively
//! (`core/tests/wycheproof.rs`) and the wasm build under Node
//! (`wasm/tests/wycheproof.rs`). Each includes this file with `#[path]` and
//! passes closures that reach its own API, so both builds are held to the
//! same assertions and the same counts.
//!
//! The JSON files sit in `tests/data/wycheproof/` (see `SOURCE.md` there)
//! and are compiled in with `include_str!`, which also works on wasm32
//! where there is no file system.

use serde::Deserialize;

const AES_GCM_JSON: &str = include_str!("../data/wycheproof/aes_gcm_test.json");
const PBKDF2_JSON: &str = include_str!("../data/wycheproof/pbkdf2_hmacsha256_test.json");

/// The only parameters the project's cipher accepts.
const KEY_BITS: u32 = 256;
const IV_BITS: u32 = 96;
const TAG_BITS: u32 = 128;
const TAG_LEN: usize = 16;

#[derive(Deserialize)]
struct AeadFile {
    #[serde(rename = "numberOfTests")]
    number_of_tests: usize,
    #[serde(rename = "testGroups")]
    groups: Vec<AeadGroup>,
}

#[derive(Deserialize)]
struct AeadGroup {
    #[serde(rename = "keySize")]
    key_size: u32,
    #[serde(rename = "ivSize")]
    iv_size: u32,
    #[serde(rename = "tagSize")]
    tag_size: u32,
    tests: Vec<AeadCase>,
}

#[derive(Deserialize)]
struct AeadCase {
    #[serde(rename = "tcId")]
    id: u32,
    key: String,
    iv: String,
    aad: String,
    msg: String,
    ct: String,
    tag: String,
    result: String,
}

#[derive(Deserialize)]
struct Pbkdf2File {
    #[serde(rename = "numberOfTests")]
    number_of_tests: usize,
    #[serde(rename = "testGroups")]
    groups: Vec<Pbkdf2Group>,
}

#[derive(Deserialize)]
struct Pbkdf2Group {
    tests: Vec<Pbkdf2Case>,
}

#[derive(Deserialize)]
struct Pbkdf2Case {
    #[serde(rename = "tcId")]
    id: u32,
    password: String,
    salt: String,
    #[serde(rename = "iterationCount")]
    iterations: u32,
    #[serde(rename = "dkLen")]
    dk_len: usize,
    dk: String,
    result: String,
}

/// What an AES-256-GCM seal under test did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sealed {
    /// Ciphertext followed by the 16-byte tag.
    Bytes(Vec<u8>),
    /// The key or nonce size was refused.
    BadParameter,
}

/// What an AES-256-GCM open under test did.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// The tag authenticated; the plaintext.
    Plain(Vec<u8>),
    /// The tag did not authenticate.
    AuthFailed,
    /// The key or nonce size was refused.
    BadParameter,
}

/// How many checks [`check_aes_gcm`] made.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AesGcmCounts {
    /// `valid` cases: decrypted to `msg`, re-encrypted to `ct || tag`.
    pub valid: usize,
    /// `acceptable` cases, checked like valid ones.
    pub acceptable: usize,
    /// `invalid` cases refused as unauthenticated.
    pub invalid: usize,
    /// Tampered copies of valid cases (one bit flipped) refused.
    pub tampered: usize,
    /// Groups with other key or IV sizes, every case refused as a bad parameter.
    pub refused_groups: usize,
    /// Cases in those groups.
    pub refused_cases: usize,
    /// `numberOfTests` declared by the file (every case is visited).
    pub declared: usize,
}

/// Lower-case or upper-case hex to bytes (test data only).
pub fn unhex(text: &str) -> Vec<u8> {
    fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit: {:?}", char::from(c)),
        }
    }
    let bytes = text.as_bytes();
    assert!(bytes.len() % 2 == 0, "odd-length hex string");
    bytes
        .chunks_exact(2)
        .map(|pair| nibble(pair[0]) << 4 | nibble(pair[1]))
        .collect()
}

fn flip_bit(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Runs every AES-GCM vector through `seal(key, iv, aad, msg)` and
/// `open(key, iv, aad, ct, tag)`:
/// - 256-bit key, 96-bit IV, 128-bit tag: `valid` and `acceptable` cases
///   open to `msg` and seal to exactly `ct || tag`, and a copy with one bit
///   flipped in the ciphertext (if any), the tag, the AAD and the IV is
///   refused; `invalid` cases are refused as unauthenticated;
/// - any other key or IV size: every case is refused as a bad parameter,
///   by seal and by open.
pub fn check_aes_gcm(
    seal: impl Fn(&[u8], &[u8], &[u8], &[u8]) -> Sealed,
    open: impl Fn(&[u8], &[u8], &[u8], &[u8], &[u8]) -> Opened,
) -> AesGcmCounts {
    let file: AeadFile = serde_json::from_str(AES_GCM_JSON).expect("aes_gcm_test.json parses");
    let mut counts = AesGcmCounts {
        declared: file.number_of_tests,
        ..AesGcmCounts::default()
    };
    let mut visited = 0;
    for group in &file.groups {
        visited += group.tests.len();
        let supported =
            group.key_size == KEY_BITS && group.iv_size == IV_BITS && group.tag_size == TAG_BITS;
        if !supported {
            for case in &group.tests {
                let (key, iv, aad) = (unhex(&case.key), unhex(&case.iv), unhex(&case.aad));
                let (msg, ct, tag) = (unhex(&case.msg), unhex(&case.ct), unhex(&case.tag));
                assert_eq!(
                    seal(&key, &iv, &aad, &msg),
                    Sealed::BadParameter,
                    "tcId {}: seal must refuse a {}-bit key with a {}-bit IV",
                    case.id,
                    group.key_size,
                    group.iv_size
                );
                assert_eq!(
                    open(&key, &iv, &aad, &ct, &tag),
                    Opened::BadParameter,
                    "tcId {}: open must refuse a {}-bit key with a {}-bit IV",
                    case.id,
                    group.key_size,
                    group.iv_size
                );
                counts.refused_cases += 1;
            }
            counts.refused_groups += 1;
            continue;
        }
        for case in &group.tests {
            let (key, iv, aad) = (unhex(&case.key), unhex(&case.iv), unhex(&case.aad));
            let (msg, ct, tag) = (unhex(&case.msg), unhex(&case.ct), unhex(&case.tag));
            assert_eq!(tag.len(), TAG_LEN, "tcId {}: tag length", case.id);
            match case.result.as_str() {
                "valid" | "acceptable" => {
                    assert_eq!(
                        open(&key, &iv, &aad, &ct, &tag),
                        Opened::Plain(msg.clone()),
                        "tcId {}: must open to msg",
                        case.id
                    );
                    let expected = [ct.as_slice(), tag.as_slice()].concat();
                    assert_eq!(
                        seal(&key, &iv, &aad, &msg),
                        Sealed::Bytes(expected),
                        "tcId {}: must seal to ct || tag",
                        case.id
                    );
                    counts.tampered += check_tampered(&open, case.id, &key, &iv, &aad, &ct, &tag);
                    if case.result == "valid" {
                        counts.valid += 1;
                    } else {
                        counts.acceptable += 1;
                    }
                }
                "invalid" => {
                    assert_eq!(
                        open(&key, &iv, &aad, &ct, &tag),
                        Opened::AuthFailed,
                        "tcId {}: an invalid case must be refused",
                        case.id
                    );
                    counts.invalid += 1;
                }
                other => panic!("tcId {}: unknown result {other:?}", case.id),
            }
        }
    }
    assert_eq!(visited, file.number_of_tests, "every case was visited");
    counts
}

/// One bit flipped in each of ciphertext (when not empty), tag, AAD (a
/// byte appended when it is empty) and IV: every copy must be refused.
fn check_tampered(
    open: &impl Fn(&[u8], &[u8], &[u8], &[u8], &[u8]) -> Opened,
    id: u32,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    ct: &[u8],
    tag: &[u8],
) -> usize {
    let mut checked = 0;
    let mut refuse = |what: &str, iv: &[u8], aad: &[u8], ct: &[u8], tag: &[u8]| {
        assert_eq!(
            open(key, iv, aad, ct, tag),
            Opened::AuthFailed,
            "tcId {id}: a flipped bit in the {what} must be refused"
        );
        checked += 1;
    };
    if !ct.is_empty() {
        let bit = ct.len() * 8 - 1; // the last bit: far from where a bug would look first
        refuse("ciphertext", iv, aad, &flip_bit(ct, 0), tag);
        refuse("ciphertext", iv, aad, &flip_bit(ct, bit), tag);
    }
    refuse("tag", iv, aad, ct, &flip_bit(tag, 0));
    refuse("tag", iv, aad, ct, &flip_bit(tag, TAG_LEN * 8 - 1));
    if aad.is_empty() {
        refuse("aad", iv, &[0], ct, tag);
    } else {
        refuse("aad", iv, &flip_bit(aad, 0), ct, tag);
    }
    refuse("iv", &flip_bit(iv, 0), aad, ct, tag);
    refuse("iv", &flip_bit(iv, IV_BITS as usize - 1), aad, ct, tag);
    checked
}

/// Runs every PBKDF2-HMAC-SHA256 vector through
/// `derive(password, salt, iterations, dk_len)` and compares the output
/// exactly. Passwords are bytes (some are not UTF-8). Returns how many ran.
pub fn check_pbkdf2(derive: impl Fn(&[u8], &[u8], u32, usize) -> Vec<u8>) -> usize {
    let file: Pbkdf2File =
        serde_json::from_str(PBKDF2_JSON).expect("pbkdf2_hmacsha256_test.json parses");
    let mut ran = 0;
    for case in file.groups.iter().flat_map(|g| &g.tests) {
        assert_eq!(
            case.result, "valid",
            "tcId {}: only valid cases expected",
            case.id
        );
        let dk = derive(
            &unhex(&case.password),
            &unhex(&case.salt),
            case.iterations,
            case.dk_len,
        );
        assert_eq!(dk, unhex(&case.dk), "tcId {}: derived key", case.id);
        ran += 1;
    }
    assert_eq!(ran, file.number_of_tests, "every case was visited");
    ran
}

/// The counts the vector files hold for the parameters this project
/// accepts; both builds assert them.
pub const EXPECTED_AES_GCM: AesGcmCounts = AesGcmCounts {
    valid: 39,
    acceptable: 0,
    invalid: 27,
    // 39 valid cases x (2 ciphertext + 2 tag + 1 aad + 2 iv flips), less the
    // 2 ciphertext flips of each of the 2 cases with an empty ciphertext.
    tampered: 39 * 7 - 2 * 2,
    refused_groups: 44,
    refused_cases: 250,
    declared: 316,
};

/// PBKDF2 cases in the file.
pub const EXPECTED_PBKDF2: usize = 60;
