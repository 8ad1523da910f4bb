//! Core errors as JavaScript `Error` objects.

use agent_secrets_core::{Error, ErrorKind};
use wasm_bindgen::JsValue;

/// `Error.name` of every error this module throws.
const ERROR_NAME: &str = "AgentSecretsError";

/// The npm package's `code` for an error marked `invalidName` (a core
/// `INVALID_INPUT`).
pub(crate) const INVALID_NAME: &str = "INVALID_NAME";

/// An `Error` with `name = "AgentSecretsError"`, the message, and
/// `code = kind.code()`.
pub(crate) fn js_error(message: &str, kind: ErrorKind) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name(ERROR_NAME);
    // Setting a property on a fresh, ordinary Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &kind.code().into());
    error.into()
}

/// The core's error as a JavaScript `Error`. The core's messages carry
/// names and numbers only, never values. A service or key name that broke
/// the naming rule also gets `invalidName = true`, so that the npm package
/// can give it its own code (`INVALID_NAME`) without parsing the message;
/// an attempt refused only while others run gets `retry = true`.
pub(crate) fn to_js(error: Error) -> JsValue {
    let js = js_error(&error.to_string(), error.kind());
    if matches!(
        error,
        Error::InvalidServiceName { .. } | Error::InvalidKeyName { .. }
    ) {
        // As above: a property on a fresh Error object.
        let _ = js_sys::Reflect::set(&js, &JsValue::from_str("invalidName"), &JsValue::TRUE);
    }
    if matches!(error, Error::UnlocksInFlight) {
        // Refused for now, not locked out: the caller waits and retries.
        let _ = js_sys::Reflect::set(&js, &JsValue::from_str("retry"), &JsValue::TRUE);
    }
    js
}

/// `?`-friendly conversion of core results.
pub(crate) trait IntoJs<T> {
    /// The value, or the error converted by [`to_js`].
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(to_js)
    }
}
