//! Service, key and variable names, masking, and the password strength
//! rule.
//!
//! Names become file names (`<service>.json`) and AAD strings, so they are
//! checked before anything touches storage: no separators, no `..`, no NUL,
//! no reserved document names. A name is checked once, where it enters
//! (a command-line argument, a wasm binding's argument, a parsed
//! document), by parsing it into [`ServiceName`], [`KeyName`] or
//! [`VarName`]; every function of the core takes those types, so a name
//! that reaches one is valid because it exists. An invalid name is
//! reported by what is wrong with it, never by echoing it: it may be a
//! value typed in the wrong place.

use core::fmt;
use core::str::FromStr;

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
fn check_service(name: &str) -> Result<(), Error> {
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
fn check_key(name: &str) -> Result<(), Error> {
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

/// Checks a variable name of the user mapping: `[A-Za-z_][A-Za-z0-9_]*`,
/// at most 128 characters, and not a variable that never carries a secret
/// ([`crate::reserved_vars`]; [`Error::ReservedVariable`]).
fn check_var(name: &str) -> Result<(), Error> {
    if name.len() > 128 || !crate::dotenv::is_shell_name(name) {
        return Err(Error::InvalidParameter(
            "a variable name is 1 to 128 characters of A-Z, a-z, 0-9 and '_' and does not start with a digit",
        ));
    }
    match crate::reserved_vars::reserved(name) {
        Some(why) => Err(Error::ReservedVariable(why)),
        None => Ok(()),
    }
}

/// What is wrong with a name, from its rule's error (never the name).
fn why(error: &Error) -> String {
    match error {
        Error::InvalidServiceName { reason } | Error::InvalidKeyName { reason } => {
            (*reason).to_owned()
        }
        Error::InvalidParameter(reason) => (*reason).to_owned(),
        Error::ReservedVariable(entry) => format!("{entry}; a secret never sets it"),
        other => other.to_string(),
    }
}

/// A checked name: a `String` that passed its rule, and the conversions a
/// string-like name needs. Built by `parse` (the rule) or, inside the
/// core, from a name a parser or a constant already checked.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $check:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Checks `name` against the rule of a ", $what, " name; the error says what is wrong, never the name.")]
            pub fn parse(name: &str) -> Result<Self, Error> {
                $check(name)?;
                Ok(Self(name.to_owned()))
            }

            /// A name that its rule already passed (a parsed document, a
            /// constant of the core).
            #[allow(dead_code)] // not every kind of name has such a source
            pub(crate) fn from_checked(name: String) -> Self {
                debug_assert!($check(&name).is_ok(), "unchecked name");
                Self(name)
            }

            /// The name.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(name: &str) -> Result<Self, Error> {
                Self::parse(name)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;

            fn try_from(name: &str) -> Result<Self, Error> {
                Self::parse(name)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;

            fn try_from(name: String) -> Result<Self, Error> {
                $check(&name)?;
                Ok(Self(name))
            }
        }

        impl core::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Same order, equality and hash as the string: a map keyed by names
        // can be searched with a `&str`.
        impl core::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        /// Parses with the rule; the error says what is wrong, never the
        /// text read.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).map_err(|e| {
                    serde::de::Error::custom(format_args!(
                        concat!("an invalid ", $what, " name ({})"),
                        why(&e)
                    ))
                })
            }
        }
    };
}

name_type!(
    /// A service name: `^[a-z0-9][a-z0-9_-]{0,63}$`, not `config` or
    /// `state` (the vault's own documents), and not the shape of a known
    /// credential. It names the document `<service>.json`.
    ServiceName,
    check_service,
    "service"
);

name_type!(
    /// A key name within a service: `^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`,
    /// and not the shape of a known credential.
    KeyName,
    check_key,
    "key"
);

name_type!(
    /// An environment variable name of the user mapping: a shell name
    /// (`[A-Za-z_][A-Za-z0-9_]*`) of at most 128 characters that is not a
    /// variable no secret ever sets ([`crate::reserved_vars`]).
    VarName,
    check_var,
    "variable"
);

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
            assert!(ServiceName::parse(ok).is_ok(), "{ok}");
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
            let parsed = ServiceName::parse(bad);
            assert!(
                matches!(parsed, Err(Error::InvalidServiceName { .. })),
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
            assert!(KeyName::parse(ok).is_ok(), "{ok}");
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
                matches!(KeyName::parse(bad), Err(Error::InvalidKeyName { .. })),
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
            let e = KeyName::parse(value)
                .map_err(|e| e.to_string())
                .unwrap_err();
            assert!(
                e.contains("looks like a secret value") && !e.contains(value),
                "{e}"
            );
        }
        assert!(ServiceName::parse("sk-0123456789abcdefghij").is_err());
        for ok in ["sk_key", "api_key", "AKIA", "eyJ", "ghp_token", "sk-short"] {
            assert!(KeyName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn invalid_names_are_not_echoed() {
        let msg = ServiceName::parse("sk-LEAKED/VALUE")
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(!msg.contains("LEAKED"), "{msg}");
        let msg = KeyName::parse("sk LEAKED")
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
            let checked = check_password_strength(&bad.into());
            assert!(matches!(checked, Err(Error::WeakPassword { .. })), "{bad}");
        }
    }

    #[test]
    fn variable_names() {
        assert_eq!(
            VarName::parse("STRIPE_SK")
                .map(String::from)
                .ok()
                .as_deref(),
            Some("STRIPE_SK")
        );
        assert_eq!(
            VarName::parse("PRELOAD_URL").map(|v| v.len()).ok(),
            Some(11)
        );
        for reserved in ["LD_PRELOAD", "NODE_OPTIONS", "AGENT_SECRETS_PASSWORD"] {
            assert!(
                matches!(VarName::parse(reserved), Err(Error::ReservedVariable(_))),
                "{reserved}"
            );
        }
        for bad in ["", "1A", "A-B", "A.B", &"A".repeat(129)] {
            assert!(
                matches!(VarName::parse(bad), Err(Error::InvalidParameter(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_convert_like_strings() {
        let service: ServiceName = "openai".parse().expect("valid");
        let key = KeyName::try_from("api_key".to_owned()).expect("valid");
        assert_eq!(service, "openai");
        assert_eq!(service.as_str(), "openai");
        assert_eq!(&*key, "api_key");
        assert_eq!(format!("{service}/{key}"), "openai/api_key");
        assert_eq!(key.clone().into_string(), "api_key");
        assert!(KeyName::try_from("a b").is_err());
        assert!(KeyName::try_from("a b".to_owned()).is_err());
        let map = std::collections::BTreeMap::from([(key.clone(), 1)]);
        assert_eq!(map.get("api_key"), Some(&1), "searched with a &str");
    }

    #[test]
    fn serde_checks_names_and_never_quotes_them() {
        let ok: KeyName = serde_json::from_str("\"api_key\"").expect("valid");
        assert_eq!(serde_json::to_string(&ok).expect("json"), "\"api_key\"");
        let e = serde_json::from_str::<ServiceName>("\"sk-LEAKED/VALUE\"")
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert!(
            e.starts_with("an invalid service name (it contains a character other than")
                && !e.contains("LEAKED"),
            "{e}"
        );
        assert!(serde_json::from_str::<VarName>("\"LD_PRELOAD\"").is_err());
    }

    #[test]
    fn names_read_from_documents_say_why_without_the_text() {
        let var = serde_json::from_str::<VarName>("\"1BAD\"").expect_err("digit first");
        assert_eq!(
            var.to_string(),
            "an invalid variable name (a variable name is 1 to 128 characters of A-Z, a-z, 0-9 and '_' and does not start with a digit)"
        );
        let reserved = serde_json::from_str::<VarName>("\"LD_PRELOAD\"").expect_err("reserved");
        assert_eq!(
            reserved.to_string(),
            "an invalid variable name (LD_* steers the dynamic loader or the C library; a secret never sets it)"
        );
        // Any other error (no rule gives one today) is described by its message.
        assert_eq!(
            why(&Error::NotInitialized),
            Error::NotInitialized.to_string()
        );
        let name = KeyName::parse("api_key").expect("key");
        assert_eq!(AsRef::<str>::as_ref(&name), "api_key");
    }
}
