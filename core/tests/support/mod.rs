//! What the core's team tests share (`tests/team.rs`, `tests/merge_config.rs`):
//! a fake age encryptor, age-shaped keys, a fixed clock and name parsers.

use std::cell::Cell;

use agent_secrets_core::{AgeEncryptor, Error, KeyName, ServiceName, Timestamp};

/// What the fake encryptor puts before the payload.
pub const PREFIX: &[u8] = b"fake-age:";

/// Wraps a payload as `fake-age:` then the payload (the core never looks
/// inside a wrapping; the CLI's tests run the real age crate), and counts
/// its calls.
#[derive(Default)]
pub struct FakeAge {
    pub calls: Cell<usize>,
}

impl AgeEncryptor for FakeAge {
    fn encrypt(&self, _: &str, _: &str, payload: &[u8]) -> Result<Vec<u8>, Error> {
        self.calls.set(self.calls.get() + 1);
        Ok([PREFIX, payload].concat())
    }
}

/// A well-formed age public key made of one repeated character (the fake
/// encryptor does not parse it).
pub fn age_key(c: char) -> String {
    format!("age1{}", c.to_string().repeat(58))
}

/// A fixed instant plus `s` seconds.
pub fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_795_867_200 + s)
}

pub fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}

pub fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}
