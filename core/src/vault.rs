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
use crate::lockout::{self, Failure, STATE_FILE};
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

/// The largest value the vault stores (1 MiB): API keys and certificates
/// are far smaller, and the bound keeps every front end's memory use small.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// What [`Vault::rotate`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RotateSummary {
    /// The new active key id.
    pub new_key: String,
    /// The key ids dropped at the end.
    pub dropped_keys: Vec<String>,
    /// Service documents visited.
    pub services: usize,
    /// Values re-encrypted.
    pub values_moved: usize,
    /// Whether an interrupted rotation was finished rather than a new one started.
    pub resumed: bool,
}

/// `k<N+1>` for the highest `kN` in use: ids are never reused, so a value
/// restored from an old backup names a key that is gone rather than a
/// different key under the same id.
fn next_key_id(config: &ConfigDoc) -> String {
    let highest = config
        .keys
        .keys()
        .filter_map(|id| id.strip_prefix('k')?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let mut n = highest + 1;
    while config.keys.contains_key(&format!("k{n}")) {
        n += 1;
    }
    format!("k{n}")
}

/// An unlocked vault: the configuration and the unwrapped data keys.
#[derive(Debug)]
pub struct Vault<S: Store> {
    store: S,
    config: ConfigDoc,
    ring: KeyRing,
    /// Kept to wrap a new data key (rotate) without asking again.
    password_key: Key32,
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
    /// store that already has a `config.json`, or that holds anything an
    /// `init` of ours did not leave ([`crate::files::check_init_folder`]).
    /// The caller checks password
    /// strength ([`crate::check_password_strength`]) first.
    pub fn init(
        store: S,
        password: &Password,
        options: &InitOptions,
        now: Timestamp,
    ) -> Result<Self, Error> {
        let iterations = check_iterations(u64::from(options.iterations))?;
        let (config, ring, password_key) = {
            let _lock = WriteLock::take(&store)?;
            if store.read(CONFIG_FILE)?.is_some() {
                return Err(Error::AlreadyInitialized);
            }
            crate::files::check_init_folder(&store)?;
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
                env: BTreeMap::new(),
                alerts: None,
                created_at: now,
                updated_at: now,
            };
            // .gitignore first: the folder never holds a config that git could pick up.
            store.write(GITIGNORE_FILE, GITIGNORE.as_bytes())?;
            store.write(CONFIG_FILE, &to_bytes(&config))?;
            (config, KeyRing::new(id, data_key), password_key)
        };
        Ok(Self {
            store,
            config,
            ring,
            password_key,
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
                if !state.is_clear() {
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
                    password_key,
                })
            }
            Err(Error::WrongPassword { .. }) => {
                let counted = (|| -> Result<Failure, Error> {
                    let _lock = WriteLock::take(&store)?;
                    // Re-read under the lock: other processes count too.
                    let (mut state, _) = lockout::load(&store);
                    let failure = state.record_failure(&config.lockout, now);
                    store.write(STATE_FILE, &to_bytes(&state))?;
                    Ok(failure)
                })();
                // A wrong password is reported as such even when it could not
                // be counted (a busy lock must not turn it into another error).
                Err(match counted {
                    Ok(Failure::Remaining(n)) => Error::WrongPassword {
                        attempts_remaining: Some(n),
                        locked_for_seconds: None,
                    },
                    Ok(Failure::LockedFor(seconds)) => Error::WrongPassword {
                        attempts_remaining: None,
                        locked_for_seconds: Some(seconds),
                    },
                    Err(_) => Error::WRONG_PASSWORD,
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
        for (key, value) in &entries {
            validate_key(key)?;
            if value.len() > MAX_VALUE_BYTES {
                return Err(Error::InvalidParameter("a value is larger than 1 MiB"));
            }
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

    /// Changes the master password (and, if given, the iteration count):
    /// every data key is re-wrapped under the new password key with a new
    /// salt and fresh nonces, and only `config.json` is rewritten, in one
    /// atomic replace. A crash leaves the old password or the new one
    /// working, never neither. The caller checks the new password's
    /// strength first.
    pub fn change_password(
        &mut self,
        new_password: &Password,
        iterations: Option<u32>,
        now: Timestamp,
    ) -> Result<(), Error> {
        let iterations = match iterations {
            Some(n) => check_iterations(u64::from(n))?,
            None => self.config.kdf.iterations,
        };
        // Derive before taking the lock: at high iteration counts other
        // writers would otherwise wait for the KDF.
        let kdf = KdfParams {
            algorithm: KDF_ALGORITHM.to_owned(),
            iterations,
            salt: Fixed(crypto::random::<SALT_LEN>()?),
        };
        let password_key = keyring::password_key(&kdf, new_password);
        let _lock = WriteLock::take(&self.store)?;
        self.check_keys_unchanged()?;
        // Start from what is on disk now: other fields may have changed.
        let mut config = read_config(&self.store)?;
        let mut keys = BTreeMap::new();
        for (id, old) in &config.keys {
            let data_key = self.ring.get(id).ok_or(Error::KeysChanged)?;
            let mut wrapped = keyring::wrap(&password_key, id, data_key, now)?;
            wrapped.created_at = old.created_at;
            keys.insert(id.clone(), wrapped);
        }
        config.kdf = kdf;
        config.keys = keys;
        config.updated_at = now;
        self.store.write(CONFIG_FILE, &to_bytes(&config))?;
        self.config = config;
        self.password_key = password_key;
        Ok(())
    }

    /// Replaces the data key: a new key is added and made active, every
    /// value under another key is re-encrypted, service by service (each
    /// under the write lock), and the old keys are dropped at the end.
    ///
    /// Every value names its `key_id`, so a crash at any point leaves a
    /// vault that opens; running `rotate` again finishes the job (a vault
    /// with more than one key is taken as a rotation in progress and
    /// resumed rather than started anew). `progress(done, total)` is called
    /// after each service.
    pub fn rotate(
        &mut self,
        now: Timestamp,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RotateSummary, Error> {
        let resumed;
        {
            let _lock = WriteLock::take(&self.store)?;
            self.check_keys_unchanged()?;
            let mut config = read_config(&self.store)?;
            resumed = config.keys.len() > 1;
            if !resumed {
                let id = next_key_id(&config);
                let data_key = crypto::random_key()?;
                let wrapped = keyring::wrap(&self.password_key, &id, &data_key, now)?;
                config.keys.insert(id.clone(), wrapped);
                config.active_key = id.clone();
                config.updated_at = now;
                self.store.write(CONFIG_FILE, &to_bytes(&config))?;
                self.ring.insert(id, data_key);
            }
            self.ring.set_active(&config.active_key)?;
            self.config = config;
        }
        let mut services: Vec<String> = self
            .store
            .list()?
            .iter()
            .filter_map(|n| service_of_file(n).map(str::to_owned))
            .collect();
        services.sort();
        let total = services.len();
        let mut moved = 0;
        for (done, service) in services.iter().enumerate() {
            moved += self.reencrypt_service(service)?;
            progress(done + 1, total);
        }
        let dropped = {
            let _lock = WriteLock::take(&self.store)?;
            self.check_keys_unchanged()?;
            let mut config = read_config(&self.store)?;
            // A service written by an older build or restored from a backup
            // between the pass and now would still need an old key.
            for service in self.store.list()?.iter().filter_map(|n| service_of_file(n)) {
                let doc = read_service(&self.store, service)?;
                if doc.is_some_and(|d| d.secrets.values().any(|e| e.key_id != config.active_key)) {
                    return Err(Error::Corrupt {
                        file: service_file(service),
                        detail: "still holds values under an old key after the rotation pass; run rotate again".to_owned(),
                    });
                }
            }
            let old: Vec<String> = config
                .keys
                .keys()
                .filter(|id| **id != config.active_key)
                .cloned()
                .collect();
            for id in &old {
                config.keys.remove(id);
                self.ring.remove(id);
            }
            config.updated_at = now;
            self.store.write(CONFIG_FILE, &to_bytes(&config))?;
            self.config = config;
            old
        };
        Ok(RotateSummary {
            new_key: self.config.active_key.clone(),
            dropped_keys: dropped,
            services: total,
            values_moved: moved,
            resumed,
        })
    }

    /// Re-encrypts the values of one service that are not under the active key.
    fn reencrypt_service(&self, service: &str) -> Result<usize, Error> {
        let _lock = WriteLock::take(&self.store)?;
        self.check_keys_unchanged()?;
        let Some(mut doc) = read_service(&self.store, service)? else {
            return Ok(0); // deleted meanwhile
        };
        let mut moved = 0;
        for (key, entry) in doc.secrets.iter_mut() {
            if entry.key_id == self.ring.active_id() {
                continue;
            }
            let value = self.open_entry(service, key, entry)?;
            let sealed = crypto::seal(
                self.ring.active(),
                value_aad(service, key).as_bytes(),
                value.expose().as_bytes(),
            )?;
            entry.key_id = self.ring.active_id().to_owned();
            entry.nonce = Fixed(sealed.nonce);
            entry.ciphertext = format::Base64(sealed.ciphertext);
            entry.tag = Fixed(sealed.tag);
            // The value did not change, so updated_at stays: the rotation
            // itself is dated in config.json.
            moved += 1;
        }
        if moved > 0 {
            self.store.write(&service_file(service), &to_bytes(&doc))?;
        }
        Ok(moved)
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
