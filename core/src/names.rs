//! Service and key names, masking, and the password strength rule.
//!
//! Names become file names (`<service>.json`) and AAD strings, so they are
//! checked before anything touches storage: no separators, no `..`, no NUL,
//! no reserved document names.

use crate::{Error, Password};

/// The mask shown in place of a value: reveals neither characters nor length.
pub const MASK: &str = "********";

/// Prefixes of well-known credentials. A "name" that starts with one and is
/// long is almost certainly a value typed in the wrong place
/// (`agent secret get openai sk-proj-…`); refusing it keeps it out of the
/// audit trail and out of messages.
const SECRET_PREFIXES: [&str; 16] = [
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "pk_live_",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "AIza",
    "eyJ",
];

/// Whether a would-be name looks like a credential: a known prefix and at
/// least 16 characters, or one of the scanner's key patterns.
fn looks_like_a_secret(name: &str) -> bool {
    (name.len() >= 16 && SECRET_PREFIXES.iter().any(|p| name.starts_with(p)))
        || (name.len() >= 20 && (name.starts_with("AKIA") || name.starts_with("ASIA")))
        || !crate::scan::find_patterns(name.as_bytes()).is_empty()
}

const LOOKS_LIKE_A_SECRET: &str =
    "it looks like a secret value (a known API-key shape), not a name";

/// Service names that would collide with the vault's own documents.
const RESERVED_SERVICES: [&str; 2] = ["config", "state"];

/// Checks `^[a-z0-9][a-z0-9_-]{0,63}$` and the reserved names.
pub fn validate_service(name: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 64 {
        Some("it is longer than 64 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        Some("it contains a character other than a-z, 0-9, '_' or '-'")
    } else if !name.as_bytes()[0].is_ascii_alphanumeric() {
        Some("it must start with a letter or digit")
    } else if RESERVED_SERVICES.contains(&name) {
        Some("it is reserved for the vault's own files")
    } else if looks_like_a_secret(name) {
        Some(LOOKS_LIKE_A_SECRET)
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidServiceName { reason }),
        None => Ok(()),
    }
}

/// Checks `^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`.
pub fn validate_key(name: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 128 {
        Some("it is longer than 128 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        Some("it contains a character other than A-Z, a-z, 0-9, '_', '.' or '-'")
    } else if !(name.as_bytes()[0].is_ascii_alphabetic() || name.as_bytes()[0] == b'_') {
        Some("it must start with a letter or '_'")
    } else if looks_like_a_secret(name) {
        Some(LOOKS_LIKE_A_SECRET)
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidKeyName { reason }),
        None => Ok(()),
    }
}

/// The masked form of a value: always [`MASK`], whatever the value.
pub fn mask(_value: &crate::SecretString) -> &'static str {
    MASK
}

/// The rule for new master passwords: at least 12 characters, from at
/// least 3 of the classes lower case, upper case, digit, symbol (anything
/// else, including spaces and non-ASCII symbols).
pub fn check_password_strength(password: &Password) -> Result<(), Error> {
    let text = password.expose();
    if text.chars().count() < 12 {
        return Err(Error::WeakPassword {
            reason: "it is shorter than 12 characters",
        });
    }
    let (mut lower, mut upper, mut digit, mut symbol) = (false, false, false, false);
    for c in text.chars() {
        if c.is_lowercase() {
            lower = true;
        } else if c.is_uppercase() {
            upper = true;
        } else if c.is_numeric() {
            digit = true;
        } else {
            symbol = true;
        }
    }
    let classes = [lower, upper, digit, symbol].iter().filter(|c| **c).count();
    if classes < 3 {
        return Err(Error::WeakPassword {
            reason: "it uses fewer than 3 kinds of character",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        for ok in ["openai", "a", "0", "my-service_2", &"a".repeat(64)] {
            assert!(validate_service(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "a\\b",
            "a\0b",
            "config",
            "state",
            "OpenAI",
            "-x",
            "_x",
            ".x",
            "a.b",
            "a b",
            "ü",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(validate_service(bad), Err(Error::InvalidServiceName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn key_names() {
        for ok in [
            "api_key",
            "A",
            "_x",
            "OPENAI_API_KEY",
            "a.b-c",
            &"k".repeat(128),
        ] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "a\0",
            "1abc",
            "-a",
            ".a",
            "a b",
            "é",
            &"k".repeat(129),
        ] {
            assert!(
                matches!(validate_key(bad), Err(Error::InvalidKeyName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn values_typed_as_names_are_refused() {
        // Built at run time so that the repository's own scan gate does not
        // take the test's fake key for a leaked one.
        let aws = format!("AKIA{}", "ABCDEFGHIJKLMNOP");
        for value in [
            "sk-proj-0123456789abcdefABCDEF",
            "sk_live_0123456789abcdef",
            "ghp_0123456789abcdefABCDEF0123",
            aws.as_str(),
            "xoxb-0123456789-abcdef",
            "eyJhbGciOiJIUzI1NiJ9",
        ] {
            let e = validate_key(value).map_err(|e| e.to_string()).unwrap_err();
            assert!(
                e.contains("looks like a secret value") && !e.contains(value),
                "{e}"
            );
        }
        assert!(validate_service("sk-0123456789abcdefghij").is_err());
        for ok in ["sk_key", "api_key", "AKIA", "eyJ", "ghp_token", "sk-short"] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn invalid_names_are_not_echoed() {
        let msg = validate_service("sk-LEAKED/VALUE")
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(!msg.contains("LEAKED"), "{msg}");
        let msg = validate_key("sk LEAKED")
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(!msg.contains("LEAKED"), "{msg}");
    }

    #[test]
    fn mask_hides_length() {
        assert_eq!(mask(&"x".into()), MASK);
        assert_eq!(mask(&"a much longer value".into()), MASK);
    }

    #[test]
    fn password_strength() {
        for ok in [
            "Correct-horse-1",
            "abcdefghijK1",
            "ABCDEFGHIJ1!",
            "pässwört ÄÖ 9",
        ] {
            assert!(check_password_strength(&ok.into()).is_ok(), "{ok}");
        }
        for bad in [
            "Short1!",
            "alllowercaseletters",
            "lowerandUPPERonly",
            "12345678901!",
        ] {
            assert!(
                matches!(
                    check_password_strength(&bad.into()),
                    Err(Error::WeakPassword { .. })
                ),
                "{bad}"
            );
        }
    }
}
