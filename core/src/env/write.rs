//! The config write of the mapping: an unlocked vault changes the user
//! mapping (`"env"` in `config.json`), which is MAC'ed with the rest of
//! the file.

use super::mapping::edit_user_mapping;
use crate::names::{KeyName, ServiceName, VarName};
use crate::{Error, Store, Timestamp, Vault};

impl<S: Store> Vault<S> {
    /// Sets (`Some`) or removes (`None`) the user mapping of one secret
    /// (`"env"` in `config.json`; see [`crate::env`]): at least one
    /// variable, and no variable mapped from two secrets. Only
    /// `config.json` is written, under the write lock, with a new MAC.
    pub fn set_user_mapping(
        &mut self,
        service: &ServiceName,
        key: &KeyName,
        vars: Option<&[VarName]>,
        now: Timestamp,
    ) -> Result<(), Error> {
        if vars.is_some_and(<[VarName]>::is_empty) {
            return Err(Error::InvalidParameter(
                "a mapping names at least one variable",
            ));
        }
        self.update_config(now, |config| {
            edit_user_mapping(&mut config.env, service, key, vars)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::names::{KeyName, ServiceName, VarName};
    use crate::{Store, Timestamp, Vault};

    fn secret(service: &str, key: &str) -> (ServiceName, KeyName) {
        (
            ServiceName::parse(service).expect("service"),
            KeyName::parse(key).expect("key"),
        )
    }

    fn var(name: &str) -> VarName {
        VarName::parse(name).expect("variable")
    }

    #[test]
    fn set_user_mapping_edits_only_env_and_re_macs() {
        let store = crate::MemoryStore::default();
        let now = Timestamp::from_unix(1_800_000_000);
        let options = crate::InitOptions {
            iterations: crate::MIN_ITERATIONS,
            ..Default::default()
        };
        let mut vault =
            Vault::init(&store, &"Fake-Password-123".into(), &options, now).expect("init");
        let before = vault.config().clone();
        let later = Timestamp::from_unix(1_800_000_100);
        let (stripe, secret_key) = secret("stripe", "secret_key");
        vault
            .set_user_mapping(&stripe, &secret_key, Some(&[var("STRIPE_SK")]), later)
            .expect("set");
        let read = || {
            crate::format::parse_config(
                &store
                    .read(crate::format::CONFIG_FILE)
                    .expect("read")
                    .expect("some"),
            )
            .expect("parse")
        };
        let config = read();
        assert_eq!(config.env["stripe/secret_key"], ["STRIPE_SK"]);
        assert_eq!(
            (config.keys.clone(), config.updated_at),
            (before.keys.clone(), later)
        );
        assert_ne!(config.mac, before.mac, "a new MAC over the new content");
        // What was written opens again with the password.
        drop(vault);
        let mut vault = Vault::unlock(&store, &"Fake-Password-123".into(), later)
            .expect("re-MAC'ed file opens");
        assert_eq!(vault.config().env["stripe/secret_key"], ["STRIPE_SK"]);
        let written = store.read(crate::format::CONFIG_FILE).expect("read");
        let (other, k) = secret("other", "k");
        assert!(vault
            .set_user_mapping(&other, &k, Some(&[var("STRIPE_SK")]), later)
            .is_err());
        assert!(vault
            .set_user_mapping(&other, &k, Some(&[]), later)
            .is_err());
        assert_eq!(
            store.read(crate::format::CONFIG_FILE).expect("read"),
            written,
            "a refused change writes nothing"
        );
        vault
            .set_user_mapping(&stripe, &secret_key, None, later)
            .expect("remove");
        assert!(read().env.is_empty());
    }
}
