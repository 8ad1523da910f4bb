//! Conversions every binding shares: names parsed once, where they come in
//! from JavaScript, and objects built member by member.

use agent_secrets_core::{KeyName, ServiceName};
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::error::IntoJs;

/// Sets `object[name] = value` on an object a binding just made.
pub(crate) fn set(object: &Object, name: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(object, &JsValue::from_str(name), value).map(|_| ())
}

/// A service name from JavaScript, checked by the core's rule (an
/// `INVALID_INPUT` error with `invalidName`, never echoing it).
pub(crate) fn service(name: &str) -> Result<ServiceName, JsValue> {
    ServiceName::parse(name).js()
}

/// A key name from JavaScript, checked by the core's rule.
pub(crate) fn key(name: &str) -> Result<KeyName, JsValue> {
    KeyName::parse(name).js()
}
