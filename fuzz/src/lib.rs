//! Helpers shared by the fuzz targets.
//!
//! The project rule checked here: an error message never repeats a value
//! from the document it is about. Inputs that hold [`MARKER`] in a JSON
//! string value (the place a secret value, a password or a pasted token
//! would sit) must produce messages without it. Object keys are names
//! (service, key, data-key id) and messages may name them.

use serde_json::Value;

/// The planted string. The seed corpus and `fuzz/canary.dict` carry it so
/// the fuzzer moves it around.
pub const MARKER: &str = "CANARY-VALUE";

/// The password key the `unlock` seeds' identity is sealed under, for the
/// recipient `owner` (the target skips the KDF by passing it to
/// `Vault::unlock_with_password_key`).
pub const FUZZ_PASSWORD_KEY: [u8; 32] = [0x42; 32];

/// The X25519 identity of the `unlock` seeds' recipient `owner`: sealed
/// under [`FUZZ_PASSWORD_KEY`]; the vault key is encrypted to its public key.
pub const FUZZ_IDENTITY: [u8; 32] = [0x33; 32];

/// The vault key of the `unlock` seeds (their data keys are wrapped under
/// its wrap subkey, their config MAC'ed under its config-mac subkey).
pub const FUZZ_VAULT_KEY: [u8; 32] = [0x24; 32];

/// The id of [`FUZZ_VAULT_KEY`].
pub const FUZZ_VAULT_KEY_ID: &str = "0123456789abcdef0123456789abcdef";

/// The password of the full-KDF path of the `unlock` target.
pub const FUZZ_PASSWORD: &str = "Fuzz-Password-123";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether the marker sits in a string value anywhere in `value`.
fn in_string_value(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains(MARKER),
        Value::Array(items) => items.iter().any(in_string_value),
        Value::Object(map) => map.values().any(in_string_value),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Whether a message quoting the marker would quote a value of `input`.
///
/// JSON documents: only when the marker is in a string value (a marker
/// in object keys only is a name, which messages may repeat). Anything
/// that is not one JSON document (truncated, garbage, several lines):
/// whenever the marker occurs at all, since no message about such input
/// has a reason to quote it.
fn marker_is_a_value(input: &[u8]) -> bool {
    if !contains(input, MARKER.as_bytes()) {
        // Escaped forms (`\u0041…`) decode to the marker: look at the parse.
        return serde_json::from_slice::<Value>(input).is_ok_and(|v| in_string_value(&v));
    }
    match serde_json::from_slice::<Value>(input) {
        Ok(v) => in_string_value(&v),
        Err(_) => true,
    }
}

/// The object keys (names) of `value` that hold the marker, longest first.
fn names_with_marker(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| names_with_marker(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                if k.contains(MARKER) {
                    out.push(k.clone());
                }
                names_with_marker(v, out);
            }
        }
        _ => {}
    }
}

/// `message` with every name of `inputs` that holds the marker taken out:
/// a message may quote a name (a recipient, a key) even when the same
/// document also holds the marker in a value somewhere else.
fn without_names(inputs: &[&[u8]], message: &str) -> String {
    let mut names = Vec::new();
    for input in inputs {
        if let Ok(v) = serde_json::from_slice::<Value>(input) {
            names_with_marker(&v, &mut names);
        }
    }
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut rest = message.to_owned();
    for name in &names {
        rest = rest.replace(name.as_str(), "");
    }
    rest
}

/// Panics if `message` (an error's Display or Debug) repeats the marker
/// while one of `inputs` holds it as a value (names that hold it, which
/// messages may quote, are taken out of the message first).
pub fn assert_no_value_in(inputs: &[&[u8]], message: &str) {
    if message.contains(MARKER)
        && inputs.iter().any(|i| marker_is_a_value(i))
        && without_names(inputs, message).contains(MARKER)
    {
        panic!("an error message repeats a value from its input: {message}");
    }
}

/// [`assert_no_value_in`] on an error's Display and Debug forms.
pub fn check_error(inputs: &[&[u8]], error: &agent_secrets_core::Error) {
    assert_no_value_in(inputs, &error.to_string());
    assert_no_value_in(inputs, &format!("{error:?}"));
}
