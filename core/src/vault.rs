//! Vault operations over a [`Store`]: init, unlock, get, set, delete, and
//! the password-free `list` and `status`.

use std::collections::BTreeMap;

use crate::crypto::{self, SALT_LEN};
use crate::format::{
    self, check_iterations, parse_config, parse_service, service_file, service_of_file, to_bytes,
    value_aad, ConfigDoc, Fixed, KdfParams, LockoutPolicy, SecretEntry, ServiceDoc, CIPHER,
    CONFIG_FILE, CONFIG_FORMAT, GITIGNORE, GITIGNORE_FILE, KDF_ALGORITHM, VERSION,
};
use crate::keyring::{self, KeyRing};
use crate::lockout::{self, Failure, LockoutState, STATE_FILE};
use crate::names::{validate_key, validate_service};
use crate::secret::Key32;
use crate::store::{Store, WriteLock};
use crate::{Error, Password, SecretString, Timestamp};

/// Options of [`Vault::init`].
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// PBKDF2 iterations (100,000 to 10,000,000).
    pub iterations: u32,
    /// Lockout policy written to `config.json`.
    pub lockout: LockoutPolicy,
}

impl Default for InitOptions {
    fn default() -> Self {
        Self {
            iterations: format::DEFAULT_ITERATIONS,
            lockout: LockoutPolicy::default(),
        }
    }
}

/// What [`Vault::set`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOutcome {
    /// The key did not exist.
    Created,
    /// The key existed; its value was replaced.
    Updated,
}

/// Metadata of one secret (never its value).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretInfo {
    /// Key name.
    pub key: String,
    /// Data key that sealed it.
    pub key_id: String,
    /// First set.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// One service and its secrets' metadata.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceInfo {
    /// Service name.
    pub service: String,
    /// Its secrets, sorted by key.
    pub secrets: Vec<SecretInfo>,
}

/// The vault's state, readable without the password.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// KDF parameters (the salt is not secret but is left out).
    pub iterations: u32,
    /// Id of the active data key.
    pub active_key: String,
    /// Ids of every data key.
    pub key_ids: Vec<String>,
    /// Number of service documents.
    pub services: usize,
    /// Number of secrets across them.
    pub secrets: usize,
    /// Lockout policy.
    pub lockout: LockoutPolicy,
    /// When the vault was made.
    pub created_at: Timestamp,
    /// Last change to `config.json`.
    pub updated_at: Timestamp,
}

/// An unlocked vault: the configuration and the unwrapped data keys.
#[derive(Debug)]
pub struct Vault<S: Store> {
    store: S,
    config: ConfigDoc,
    ring: KeyRing,
}

fn read_config<S: Store + ?Sized>(store: &S) -> Result<ConfigDoc, Error> {
    let bytes = store.read(CONFIG_FILE)?.ok_or(Error::NotInitialized)?;
    parse_config(&bytes)
}

fn read_service<S: Store + ?Sized>(store: &S, service: &str) -> Result<Option<ServiceDoc>, Error> {
    store
        .read(&service_file(service))?
        .map(|bytes| parse_service(service, &bytes))
        .transpose()
}

impl<S: Store> Vault<S> {
    /// Creates a new vault: a random salt, a random data key `k1` wrapped by
    /// the password key, `config.json` and `.gitignore`. Refuses to touch a
    /// store that already has a `config.json`. The caller checks password
    /// strength ([`crate::check_password_strength`]) first.
    pub fn init(
        store: S,
        password: &Password,
        options: &InitOptions,
        now: Timestamp,
    ) -> Result<Self, Error> {
        let iterations = check_iterations(u64::from(options.iterations))?;
        let (config, ring) = {
            let _lock = WriteLock::take(&store)?;
            if store.read(CONFIG_FILE)?.is_some() {
                return Err(Error::AlreadyInitialized);
            }
            let kdf = KdfParams {
                algorithm: KDF_ALGORITHM.to_owned(),
                iterations,
                salt: Fixed(crypto::random::<SALT_LEN>()?),
            };
            let password_key = keyring::password_key(&kdf, password);
            let data_key = crypto::random_key()?;
            let id = "k1".to_owned();
            let wrapped = keyring::wrap(&password_key, &id, &data_key, now)?;
            let config = ConfigDoc {
                format: CONFIG_FORMAT.to_owned(),
                version: VERSION,
                kdf,
                cipher: CIPHER.to_owned(),
                active_key: id.clone(),
                keys: BTreeMap::from([(id.clone(), wrapped)]),
                lockout: options.lockout,
                created_at: now,
                updated_at: now,
            };
            // .gitignore first: the folder never holds a config that git could pick up.
            store.write(GITIGNORE_FILE, GITIGNORE.as_bytes())?;
            store.write(CONFIG_FILE, &to_bytes(&config))?;
            (config, KeyRing::new(id, data_key))
        };
        Ok(Self {
            store,
            config,
            ring,
        })
    }

    /// Opens the vault: reads and checks `config.json` (iteration bounds
    /// before any work), honours the lockout (no KDF while locked out),
    /// derives the password key and unwraps every data key. A wrong
    /// password is counted in `state.json`; a right one resets the count.
    pub fn unlock(store: S, password: &Password, now: Timestamp) -> Result<Self, Error> {
        Self::unlock_with(store, now, |kdf| keyring::password_key(kdf, password))
    }

    /// [`Vault::unlock`] for front ends that derive the password key
    /// themselves with the parameters of [`kdf_params`] (the browser and
    /// Node use WebCrypto's PBKDF2, native speed there). Same checks, same
    /// lockout.
    pub fn unlock_with_password_key(
        store: S,
        password_key: &[u8; 32],
        now: Timestamp,
    ) -> Result<Self, Error> {
        Self::unlock_with(store, now, |_| Key32::from_bytes(*password_key))
    }

    fn unlock_with(
        store: S,
        now: Timestamp,
        derive: impl FnOnce(&KdfParams) -> Key32,
    ) -> Result<Self, Error> {
        let config = read_config(&store)?;
        let (state, _) = lockout::load(&store);
        state.check(now)?;
        let password_key = derive(&config.kdf);
        match KeyRing::open(&config, &password_key) {
            Ok(ring) => {
                if state != LockoutState::default() {
                    let _lock = WriteLock::take(&store)?;
                    let (mut state, _) = lockout::load(&store);
                    if state.record_success() {
                        store.write(STATE_FILE, &to_bytes(&state))?;
                    }
                }
                Ok(Self {
                    store,
                    config,
                    ring,
                })
            }
            Err(Error::WrongPassword { .. }) => {
                let _lock = WriteLock::take(&store)?;
                // Re-read under the lock: other processes count too.
                let (mut state, _) = lockout::load(&store);
                let failure = state.record_failure(&config.lockout, now);
                store.write(STATE_FILE, &to_bytes(&state))?;
                Err(match failure {
                    Failure::Remaining(n) => Error::WrongPassword {
                        attempts_remaining: Some(n),
                        locked_for_seconds: None,
                    },
                    Failure::LockedFor(seconds) => Error::WrongPassword {
                        attempts_remaining: None,
                        locked_for_seconds: Some(seconds),
                    },
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The store this vault reads and writes.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The configuration read at unlock.
    pub fn config(&self) -> &ConfigDoc {
        &self.config
    }

    /// Decrypts one value.
    pub fn get(&self, service: &str, key: &str) -> Result<SecretString, Error> {
        validate_service(service)?;
        validate_key(key)?;
        let doc = read_service(&self.store, service)?.ok_or_else(|| Error::ServiceNotFound {
            service: service.to_owned(),
        })?;
        let entry = doc.secrets.get(key).ok_or_else(|| Error::SecretNotFound {
            service: service.to_owned(),
            key: key.to_owned(),
        })?;
        self.open_entry(service, key, entry)
    }

    /// Decrypts every value of a service, in key order (one read, for `run`
    /// and exports).
    pub fn get_service(&self, service: &str) -> Result<Vec<(String, SecretString)>, Error> {
        validate_service(service)?;
        let doc = read_service(&self.store, service)?.ok_or_else(|| Error::ServiceNotFound {
            service: service.to_owned(),
        })?;
        doc.secrets
            .iter()
            .map(|(key, entry)| Ok((key.clone(), self.open_entry(service, key, entry)?)))
            .collect()
    }

    fn open_entry(
        &self,
        service: &str,
        key: &str,
        entry: &SecretEntry,
    ) -> Result<SecretString, Error> {
        let tampered = || Error::Tampered {
            file: service_file(service),
            key: key.to_owned(),
        };
        let data_key = self.ring.get(&entry.key_id).ok_or_else(|| Error::Corrupt {
            file: service_file(service),
            detail: format!(
                "'{key}' names data key '{}', which config.json does not hold",
                entry.key_id
            ),
        })?;
        let plain = crypto::open(
            data_key,
            value_aad(service, key).as_bytes(),
            &entry.sealed(),
        )
        .ok_or_else(tampered)?;
        SecretString::from_utf8(plain).ok_or_else(tampered)
    }

    /// Stores one value (see [`Vault::set_many`]).
    pub fn set(
        &self,
        service: &str,
        key: &str,
        value: &SecretString,
        now: Timestamp,
    ) -> Result<SetOutcome, Error> {
        let outcomes = self.set_many(service, [(key, value)], now)?;
        Ok(outcomes.into_iter().next().unwrap_or(SetOutcome::Created))
    }

    /// Stores several values of one service with one write: under the lock,
    /// checks that the keys did not change since unlock, re-reads the service
    /// document, seals each value under the active key with a fresh nonce
    /// and replaces the document atomically. All names are checked before
    /// anything is read.
    pub fn set_many<'v>(
        &self,
        service: &str,
        entries: impl IntoIterator<Item = (&'v str, &'v SecretString)>,
        now: Timestamp,
    ) -> Result<Vec<SetOutcome>, Error> {
        validate_service(service)?;
        let entries: Vec<_> = entries.into_iter().collect();
        for (key, _) in &entries {
            validate_key(key)?;
        }
        if entries.is_empty() {
            // Nothing to store; an empty service document would only be
            // something `delete` has to clean up.
            return Ok(Vec::new());
        }
        let _lock = WriteLock::take(&self.store)?;
        self.check_keys_unchanged()?;
        let mut doc =
            read_service(&self.store, service)?.unwrap_or_else(|| ServiceDoc::new(service));
        let mut outcomes = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let sealed = crypto::seal(
                self.ring.active(),
                value_aad(service, key).as_bytes(),
                value.expose().as_bytes(),
            )?;
            let previous = doc.secrets.get(key).map(|e| e.created_at);
            outcomes.push(if previous.is_some() {
                SetOutcome::Updated
            } else {
                SetOutcome::Created
            });
            doc.secrets.insert(
                key.to_owned(),
                SecretEntry {
                    key_id: self.ring.active_id().to_owned(),
                    nonce: Fixed(sealed.nonce),
                    ciphertext: format::Base64(sealed.ciphertext),
                    tag: Fixed(sealed.tag),
                    created_at: previous.unwrap_or(now),
                    updated_at: now,
                },
            );
        }
        self.store.write(&service_file(service), &to_bytes(&doc))?;
        Ok(outcomes)
    }

    /// Removes one secret; the service document goes when its last secret does.
    pub fn delete(&self, service: &str, key: &str) -> Result<(), Error> {
        validate_service(service)?;
        validate_key(key)?;
        let _lock = WriteLock::take(&self.store)?;
        let mut doc =
            read_service(&self.store, service)?.ok_or_else(|| Error::ServiceNotFound {
                service: service.to_owned(),
            })?;
        if doc.secrets.remove(key).is_none() {
            return Err(Error::SecretNotFound {
                service: service.to_owned(),
                key: key.to_owned(),
            });
        }
        if doc.secrets.is_empty() {
            self.store.remove(&service_file(service))?;
        } else {
            self.store.write(&service_file(service), &to_bytes(&doc))?;
        }
        Ok(())
    }

    /// Under the lock: the active key on disk must still be the one unwrapped.
    fn check_keys_unchanged(&self) -> Result<(), Error> {
        let current = read_config(&self.store)?;
        let ours = self.config.keys.get(&self.config.active_key);
        if current.active_key != self.config.active_key
            || current.keys.get(&current.active_key) != ours
        {
            return Err(Error::KeysChanged);
        }
        Ok(())
    }
}

/// The KDF parameters of the vault, for front ends that derive the
/// password key themselves ([`Vault::unlock_with_password_key`]). The
/// iteration bounds are checked here, before any derivation.
pub fn kdf_params<S: Store + ?Sized>(store: &S) -> Result<KdfParams, Error> {
    Ok(read_config(store)?.kdf)
}

/// Names and metadata of the secrets (no password needed). With a service,
/// only that one ([`Error::ServiceNotFound`] if absent). Without, every
/// service: a document that does not parse is reported in the second list
/// and the others are still listed.
pub fn list<S: Store + ?Sized>(
    store: &S,
    service: Option<&str>,
) -> Result<(Vec<ServiceInfo>, Vec<Error>), Error> {
    read_config(store)?;
    let info = |doc: ServiceDoc| ServiceInfo {
        service: doc.service,
        secrets: doc
            .secrets
            .into_iter()
            .map(|(key, e)| SecretInfo {
                key,
                key_id: e.key_id,
                created_at: e.created_at,
                updated_at: e.updated_at,
            })
            .collect(),
    };
    if let Some(service) = service {
        validate_service(service)?;
        let doc = read_service(store, service)?.ok_or_else(|| Error::ServiceNotFound {
            service: service.to_owned(),
        })?;
        return Ok((vec![info(doc)], Vec::new()));
    }
    let mut names: Vec<String> = store.list()?;
    names.sort();
    let mut services = Vec::new();
    let mut problems = Vec::new();
    for name in &names {
        let Some(service) = service_of_file(name) else {
            continue;
        };
        match read_service(store, service) {
            Ok(Some(doc)) => services.push(info(doc)),
            Ok(None) => {} // removed since the listing
            Err(e) => problems.push(e),
        }
    }
    Ok((services, problems))
}

/// The vault's state from `config.json` and the service documents.
pub fn status<S: Store + ?Sized>(store: &S) -> Result<(Status, Vec<Error>), Error> {
    let config = read_config(store)?;
    let (services, problems) = list(store, None)?;
    Ok((
        Status {
            iterations: config.kdf.iterations,
            active_key: config.active_key,
            key_ids: config.keys.keys().cloned().collect(),
            services: services.len(),
            secrets: services.iter().map(|s| s.secrets.len()).sum(),
            lockout: config.lockout,
            created_at: config.created_at,
            updated_at: config.updated_at,
        },
        problems,
    ))
}
