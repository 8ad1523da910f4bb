//! Vault operations over a [`Store`]: init, unlock, get, set, delete, and
//! the password-free `list` and `status`.

use std::collections::BTreeMap;

use crate::audit::Auth;
use crate::crypto::{self, SALT_LEN};
use crate::format::{
    self, check_iterations, check_lockout_policy, parse_config, parse_config_signed, parse_service,
    service_file, service_of_file, to_bytes, value_aad, AgeRecipient, AlertPolicy, ConfigDoc,
    Fixed, KdfParams, LockoutPolicy, Recipient, SecretEntry, ServiceDoc, CIPHER, CONFIG_FILE,
    CONFIG_FORMAT, GITIGNORE, GITIGNORE_FILE, KDF_ALGORITHM, VERSION,
};
use crate::keyring::{self, KeyRing, VaultKeys};
use crate::lockout::{self, LockoutState, Reservation, STATE_FILE};
use crate::names::{check_password_strength, KeyName, ServiceName};
use crate::secret::{AuditKey, Key32, PasswordKey, VaultKey};
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
    pub key: KeyName,
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
    pub service: ServiceName,
    /// Its secrets, sorted by key.
    pub secrets: Vec<SecretInfo>,
}

/// The vault's state, readable without the password. Read from a
/// `config.json` whose MAC was not checked: names and metadata, and the
/// policies as the file states them (unverified).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// PBKDF2 iterations of the first password recipient (the salt is not
    /// secret but is left out).
    pub iterations: u32,
    /// The vault key's id.
    pub vault_key_id: String,
    /// Recipient names.
    pub recipients: Vec<String>,
    /// Id of the active data key.
    pub active_key: String,
    /// Ids of every data key.
    pub key_ids: Vec<String>,
    /// Number of service documents.
    pub services: usize,
    /// Number of secrets across them.
    pub secrets: usize,
    /// Lockout policy (unverified).
    pub lockout: LockoutPolicy,
    /// Failed-unlock alert thresholds (unverified); `None`: no alerts.
    pub alerts: Option<AlertThresholds>,
    /// When the vault was made.
    pub created_at: Timestamp,
    /// Last change to `config.json`.
    pub updated_at: Timestamp,
}

/// The thresholds of the failed-unlock alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AlertThresholds {
    /// Failed unlocks within the window that raise an alert.
    pub failed_unlocks: u32,
    /// The window, in seconds.
    pub window_seconds: u64,
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
    // No id in the map parses above `highest`, so this one is free.
    format!("k{}", highest + 1)
}

/// The recipient `init` creates.
pub const OWNER: &str = "owner";

/// An unlocked vault: the verified configuration, the vault key and its
/// subkeys, and the unwrapped data keys.
#[derive(Debug)]
pub struct Vault<S: Store> {
    store: S,
    config: ConfigDoc,
    keys: VaultKeys,
    ring: KeyRing,
    /// The password recipient the vault was opened with and its X25519
    /// identity's secret: kept so that `passwd` can seal it under a new
    /// password. `None` when unlocked otherwise (a held vault key, an age
    /// or SSH identity).
    identity: Option<(String, Key32)>,
    /// How it was opened when not with the password: a vault key held
    /// elsewhere (a session agent's), or an age or SSH identity.
    auth: Option<Auth>,
}

/// Encrypts a payload to an `age` recipient (`age1…`, `ssh-ed25519`,
/// `ssh-rsa`): the one piece of a team vault the core leaves to its front
/// end (native-cli does it with the age crate; docs/adr/0009). The core
/// makes the payload ([`format::VAULT_KEY_PAYLOAD_LEN`] bytes) and checks it
/// on the way back ([`Vault::unlock_with_payload`]).
pub trait AgeEncryptor {
    /// The binary age message of `payload` to `public_key`, or
    /// [`Error::InvalidRecipientKey`] naming `recipient` when the key does
    /// not parse.
    fn encrypt(&self, recipient: &str, public_key: &str, payload: &[u8]) -> Result<Vec<u8>, Error>;
}

/// The [`AgeEncryptor`] of a front end without age support (wasm): a
/// vault with an `age` recipient cannot be rotated there.
#[derive(Debug, Clone, Copy)]
pub struct NoAge;

impl AgeEncryptor for NoAge {
    fn encrypt(&self, recipient: &str, _: &str, _: &[u8]) -> Result<Vec<u8>, Error> {
        Err(Error::AgeUnsupported {
            recipient: recipient.to_owned(),
        })
    }
}

/// Wraps `vault_key` for every recipient of `config`, in place: a new
/// stanza to each password recipient's public key (its sealed identity
/// stays), a new age message to each age recipient.
fn wrap_for_all(
    config: &mut ConfigDoc,
    vault_key: &VaultKey,
    age: &dyn AgeEncryptor,
    now: Timestamp,
) -> Result<(), Error> {
    for (name, recipient) in config.recipients.iter_mut() {
        match recipient {
            Recipient::Password(p) => {
                p.stanza = keyring::stanza_to(&p.public_key.0, name, vault_key)?.ok_or(
                    Error::InvalidRecipientKey {
                        recipient: name.clone(),
                        reason: "the X25519 public key is of low order",
                    },
                )?;
                p.created_at = now;
            }
            Recipient::Age(a) => {
                let wrapping = age.encrypt(name, &a.public_key, &keyring::payload(vault_key))?;
                a.wrapping = format::Base64(wrapping);
                a.created_at = now;
            }
        }
    }
    Ok(())
}

fn read_config_bytes<S: Store + ?Sized>(store: &S) -> Result<Vec<u8>, Error> {
    store.read(CONFIG_FILE)?.ok_or(Error::NotInitialized)
}

/// `config.json` parsed without the password: names and metadata only.
fn read_config<S: Store + ?Sized>(store: &S) -> Result<ConfigDoc, Error> {
    parse_config(&read_config_bytes(store)?)
}

fn read_service<S: Store + ?Sized>(
    store: &S,
    service: &ServiceName,
) -> Result<Option<ServiceDoc>, Error> {
    store
        .read(&service_file(service))?
        .map(|bytes| parse_service(service, &bytes))
        .transpose()
}

/// What a front end that derives password keys itself gets from
/// [`begin_unlock`]: the password recipients' KDF parameters, after the
/// attempt was counted.
#[derive(Debug)]
pub struct UnlockStart {
    /// `(recipient name, KDF parameters)`, in the order to try them.
    pub recipients: Vec<(String, KdfParams)>,
    /// The admitted attempt.
    pub reservation: Reservation,
    /// The lockout policy it was counted under (parse-time bounds only).
    pub policy: LockoutPolicy,
}

/// The first step of an unlock for front ends that derive the password key
/// themselves (WebCrypto): parses `config.json` (bounds checked, nothing
/// else believed), counts the attempt ([`lockout::reserve`]; refused while
/// locked out) and hands out the KDF parameters of the password
/// recipients. Then derive and call [`Vault::unlock_with_password_key`].
pub fn begin_unlock<S: Store + ?Sized>(store: &S, now: Timestamp) -> Result<UnlockStart, Error> {
    let config = read_config(store)?;
    let reservation = lockout::reserve(store, &config.lockout, now)?;
    Ok(UnlockStart {
        recipients: config
            .password_recipients()
            .map(|(name, r)| (name.to_owned(), r.kdf.clone()))
            .collect(),
        reservation,
        policy: config.lockout,
    })
}

/// The last step of an unlock begun with [`begin_unlock`] when no password
/// key opened a recipient: resolves the attempt as a wrong password and
/// returns the error with the attempts left (or the lockout it started).
pub fn fail_unlock<S: Store + ?Sized>(store: &S, now: Timestamp) -> Error {
    match read_config(store) {
        Ok(config) => lockout::fail(store, &config.lockout, now),
        Err(e) => e,
    }
}

impl<S: Store> Vault<S> {
    /// Creates a new vault: a random vault key wrapped for the password
    /// recipient `owner`, a random data key `k1` wrapped under the vault
    /// key, `config.json` (MAC'ed), `.gitignore` and a clean `state.json`.
    /// Refuses a password that breaks the strength rule
    /// ([`crate::check_password_strength`], which a front end may call
    /// first to say so before asking for it again), and refuses to touch a
    /// store that already has a `config.json`, or that holds anything an
    /// `init` of ours did not leave ([`crate::files::check_init_folder`]).
    pub fn init(
        store: S,
        password: &Password,
        options: &InitOptions,
        now: Timestamp,
    ) -> Result<Self, Error> {
        check_password_strength(password)?;
        let iterations = check_iterations(u64::from(options.iterations))?;
        check_lockout_policy(&options.lockout).map_err(Error::InvalidParameter)?;
        let (config, keys, ring, identity) = {
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
            let keys = VaultKeys::random()?;
            let (owner, identity) =
                keyring::new_password_recipient(&password_key, kdf, OWNER, &keys.vault_key, now)?;
            let data_key = crypto::random_key()?;
            let id = "k1".to_owned();
            let wrapped = keyring::wrap(&keys.wrap, &id, &data_key, now)?;
            let mut config = ConfigDoc {
                format: CONFIG_FORMAT.to_owned(),
                version: VERSION,
                vault_key_id: keys.id().to_owned(),
                recipients: BTreeMap::from([(OWNER.to_owned(), Recipient::Password(owner))]),
                cipher: CIPHER.to_owned(),
                active_key: id.clone(),
                keys: BTreeMap::from([(id.clone(), wrapped)]),
                lockout: options.lockout,
                env: BTreeMap::new(),
                alerts: None,
                created_at: now,
                updated_at: now,
                mac: Fixed([0; 32]),
            };
            let bytes = keys.seal_config(&mut config);
            // .gitignore first: the folder never holds a config that git could pick up.
            store.write(GITIGNORE_FILE, GITIGNORE.as_bytes())?;
            store.write(CONFIG_FILE, &bytes)?;
            // After config.json: a crash before it leaves a folder that a
            // second init accepts (a missing state.json means no failures).
            store.write(STATE_FILE, &to_bytes(&LockoutState::default()))?;
            (config, keys, KeyRing::new(id, data_key), identity)
        };
        Ok(Self {
            store,
            config,
            keys,
            ring,
            identity: Some((OWNER.to_owned(), identity)),
            auth: None,
        })
    }

    /// Opens the vault with the password: parses `config.json` (bounds
    /// before any work), counts the attempt before any derivation
    /// ([`lockout::reserve`]; no KDF while locked out), tries each password
    /// recipient in name order, verifies the MAC of `config.json` under the
    /// vault key that opened, then unwraps the data keys. A right password
    /// clears the count; a wrong one stays counted.
    pub fn unlock(store: S, password: &Password, now: Timestamp) -> Result<Self, Error> {
        let start = begin_unlock(&store, now)?;
        for (recipient, kdf) in &start.recipients {
            let key = keyring::password_key(kdf, password);
            match Self::finish(&store, recipient, &key) {
                Ok(Some((config, keys, identity))) => {
                    return Self::opened(store, (config, keys), Some((recipient.clone(), identity)))
                }
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }
        Err(lockout::fail(&store, &start.policy, now))
    }

    /// [`Vault::unlock`] for front ends that derive the password key
    /// themselves, after [`begin_unlock`] (which counted the attempt):
    /// `recipient` is the one whose parameters derived `password_key`. A
    /// right key resolves the attempt; a wrong one is the plain
    /// [`Error::WRONG_PASSWORD`] and leaves it in flight, so that the
    /// caller can try the next recipient, then calls [`fail_unlock`].
    pub fn unlock_with_password_key(
        store: S,
        recipient: &str,
        password_key: &PasswordKey,
        _now: Timestamp,
    ) -> Result<Self, Error> {
        match Self::finish(&store, recipient, password_key)? {
            Some((config, keys, identity)) => Self::opened(
                store,
                (config, keys),
                Some((recipient.to_owned(), identity)),
            ),
            None => Err(Error::WRONG_PASSWORD),
        }
    }

    /// Opens the vault with the decrypted wrapping of an `age` recipient
    /// (the front end decrypted it with the user's age or SSH identity): the
    /// payload must be the vault's current vault key ([`Error::VaultKeyMiss`]
    /// otherwise: a wrapping from before a rotation, or of another vault),
    /// then the MAC must verify under it. No derivation, so no lockout.
    pub fn unlock_with_payload(
        store: S,
        recipient: &str,
        payload: &[u8],
        _now: Timestamp,
    ) -> Result<Self, Error> {
        let bytes = read_config_bytes(&store)?;
        let (config, signed) = parse_config_signed(&bytes)?;
        if !matches!(config.recipients.get(recipient), Some(Recipient::Age(_))) {
            return Err(Error::RecipientNotFound {
                recipient: recipient.to_owned(),
            });
        }
        let vault_key = keyring::vault_key_from_payload(&config.vault_key_id, payload)
            .ok_or(Error::VaultKeyMiss)?;
        let keys = VaultKeys::new(vault_key)?;
        keys.check_mac(&config, &signed)?;
        let mut vault = Self::opened(store, (config, keys), None)?;
        vault.auth = Some(Auth::Identity);
        Ok(vault)
    }

    /// Opens the vault with a vault key held elsewhere (a session agent):
    /// no derivation and no lockout. The key's id must be the vault's
    /// current `vault_key_id` ([`Error::VaultKeyMiss`] otherwise), and the
    /// MAC must verify under it. `now` is not used yet (a held key has no
    /// lockout); it keeps the unlocks' shape.
    pub fn unlock_with_vault_key(
        store: S,
        vault_key: VaultKey,
        _now: Timestamp,
    ) -> Result<Self, Error> {
        let bytes = read_config_bytes(&store)?;
        let (config, signed) = parse_config_signed(&bytes)?;
        if config.vault_key_id != vault_key.id() {
            return Err(Error::VaultKeyMiss);
        }
        let keys = VaultKeys::new(vault_key)?;
        keys.check_mac(&config, &signed)?;
        let ring = KeyRing::open(&config, &keys.wrap)?;
        Ok(Self {
            store,
            config,
            keys,
            ring,
            identity: None,
            auth: Some(Auth::Session),
        })
    }

    /// Tries one recipient: `Ok(None)` when the key does not open it,
    /// else the verified configuration and the vault keys (MAC checked
    /// before anything else in the document is used).
    fn finish<T: Store + ?Sized>(
        store: &T,
        recipient: &str,
        password_key: &PasswordKey,
    ) -> Result<Option<(ConfigDoc, VaultKeys, Key32)>, Error> {
        let bytes = read_config_bytes(store)?;
        let (config, signed) = parse_config_signed(&bytes)?;
        let Some(Recipient::Password(wrapped)) = config.recipients.get(recipient) else {
            return Ok(None);
        };
        let opened = keyring::open_password_recipient(
            password_key,
            &config.vault_key_id,
            recipient,
            wrapped,
        );
        if matches!(opened, keyring::Opened::WrongKey) {
            return Ok(None);
        }
        // The password is right: the count goes, whatever the file says next.
        lockout::clear(store)?;
        let keyring::Opened::Keys(identity, vault_key) = opened else {
            return Err(Error::ConfigMac);
        };
        let keys = VaultKeys::new(vault_key)?;
        keys.check_mac(&config, &signed)?;
        Ok(Some((config, keys, identity)))
    }

    fn opened(
        store: S,
        (config, keys): (ConfigDoc, VaultKeys),
        identity: Option<(String, Key32)>,
    ) -> Result<Self, Error> {
        let ring = KeyRing::open(&config, &keys.wrap)?;
        Ok(Self {
            store,
            config,
            keys,
            ring,
            identity,
            auth: None,
        })
    }

    /// How the vault was opened, for its audit lines: `Some(Session)` with
    /// a held vault key ([`Vault::unlock_with_vault_key`], a session
    /// agent's), `Some(Identity)` with an age or SSH identity
    /// ([`Vault::unlock_with_payload`]), `None` with the password.
    pub fn auth(&self) -> Option<Auth> {
        self.auth
    }

    /// A vault opened with a vault key a caller already verified against
    /// the `config.json` it wrote (a merge's result): `auth` says where
    /// that key came from, for the audit lines.
    pub(crate) fn with_vault_key(
        store: S,
        vault_key: VaultKey,
        auth: Option<Auth>,
        now: Timestamp,
    ) -> Result<Self, Error> {
        let mut vault = Self::unlock_with_vault_key(store, vault_key, now)?;
        vault.auth = auth;
        Ok(vault)
    }

    /// The vault key (for a session agent to hold instead of the password).
    pub fn vault_key(&self) -> &VaultKey {
        &self.keys.vault_key
    }

    /// The audit-line MAC key, for the line a front end writes after a
    /// command ([`crate::audit::append_authenticated`]).
    pub fn audit_key(&self) -> &AuditKey {
        &self.keys.audit
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
    pub fn get(&self, service: &ServiceName, key: &KeyName) -> Result<SecretString, Error> {
        let doc = read_service(&self.store, service)?.ok_or_else(|| Error::ServiceNotFound {
            service: service.to_string(),
        })?;
        let entry = doc.secrets.get(key).ok_or_else(|| Error::SecretNotFound {
            service: service.to_string(),
            key: key.to_string(),
        })?;
        self.open_entry(service, key, entry)
    }

    /// Decrypts every value of a service, in key order (one read, for `run`
    /// and exports).
    pub fn get_service(
        &self,
        service: &ServiceName,
    ) -> Result<Vec<(KeyName, SecretString)>, Error> {
        let doc = read_service(&self.store, service)?.ok_or_else(|| Error::ServiceNotFound {
            service: service.to_string(),
        })?;
        doc.secrets
            .iter()
            .map(|(key, entry)| Ok((key.clone(), self.open_entry(service, key, entry)?)))
            .collect()
    }

    fn open_entry(
        &self,
        service: &ServiceName,
        key: &KeyName,
        entry: &SecretEntry,
    ) -> Result<SecretString, Error> {
        let tampered = || Error::Tampered {
            file: service_file(service),
            key: key.to_string(),
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
        service: &ServiceName,
        key: &KeyName,
        value: &SecretString,
        now: Timestamp,
    ) -> Result<SetOutcome, Error> {
        let outcomes = self.set_many(service, [(key, value)], now)?;
        Ok(outcomes.into_iter().next().unwrap_or(SetOutcome::Created))
    }

    /// Stores several values of one service with one write: under the lock,
    /// checks that the keys did not change since unlock, re-reads the service
    /// document, seals each value under the active key with a fresh nonce
    /// and replaces the document atomically. Every value's size is checked
    /// before anything is read.
    pub fn set_many<'v>(
        &self,
        service: &ServiceName,
        entries: impl IntoIterator<Item = (&'v KeyName, &'v SecretString)>,
        now: Timestamp,
    ) -> Result<Vec<SetOutcome>, Error> {
        let entries: Vec<_> = entries.into_iter().collect();
        for (_, value) in &entries {
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
            let (aad, plain) = (value_aad(service, key), value.expose().as_bytes());
            let sealed = crypto::seal(self.ring.active(), aad.as_bytes(), plain)?;
            let previous = doc.secrets.get(key).map(|e| e.created_at);
            outcomes.push(if previous.is_some() {
                SetOutcome::Updated
            } else {
                SetOutcome::Created
            });
            doc.secrets.insert(
                key.clone(),
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
    pub fn delete(&self, service: &ServiceName, key: &KeyName) -> Result<(), Error> {
        let _lock = WriteLock::take(&self.store)?;
        let mut doc =
            read_service(&self.store, service)?.ok_or_else(|| Error::ServiceNotFound {
                service: service.to_string(),
            })?;
        if doc.secrets.remove(key).is_none() {
            return Err(Error::SecretNotFound {
                service: service.to_string(),
                key: key.to_string(),
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
    /// the password recipient the vault was unlocked with keeps its X25519
    /// identity, sealed again under a new password key (new salt, fresh
    /// nonce); only `config.json` is rewritten (MAC'ed), in one atomic
    /// replace. The vault key, its wrappings and every other file stay as
    /// they are. A crash leaves the old password or the new one working,
    /// never neither. A new password that breaks the strength rule
    /// ([`crate::check_password_strength`]) is refused before anything is
    /// derived.
    pub fn change_password(
        &mut self,
        new_password: &Password,
        iterations: Option<u32>,
        now: Timestamp,
    ) -> Result<(), Error> {
        check_password_strength(new_password)?;
        let (recipient, identity) = self.identity.clone().ok_or(Error::NeedsPassword)?;
        let iterations = match iterations {
            Some(n) => check_iterations(u64::from(n))?,
            None => {
                let current = self.config.password_recipient(&recipient);
                current.ok_or(Error::KeysChanged)?.kdf.iterations
            }
        };
        // Derive before taking the lock: at high iteration counts other
        // writers would otherwise wait for the KDF.
        let kdf = KdfParams {
            algorithm: KDF_ALGORITHM.to_owned(),
            iterations,
            salt: Fixed(crypto::random::<SALT_LEN>()?),
        };
        let password_key = keyring::password_key(&kdf, new_password);
        let sealed = keyring::seal_identity(&password_key, &recipient, &identity)?;
        let _lock = WriteLock::take(&self.store)?;
        // Start from what is on disk now (other fields may have changed),
        // once its MAC verifies under our key.
        let mut config = self.locked_config()?;
        let Some(Recipient::Password(entry)) = config.recipients.get_mut(&recipient) else {
            return Err(Error::KeysChanged);
        };
        // Still our identity (not removed and added again meanwhile).
        if entry.public_key.0 != crypto::x25519_public(&identity) {
            return Err(Error::KeysChanged);
        }
        entry.kdf = kdf;
        entry.identity = sealed;
        entry.created_at = now;
        config.updated_at = now;
        self.store
            .write(CONFIG_FILE, &self.keys.seal_config(&mut config))?;
        self.config = config;
        Ok(())
    }

    /// Adds a password recipient: a new X25519 identity sealed under the
    /// new recipient's password key, and the vault key encrypted to its
    /// public key, in one MAC'ed write of `config.json`. A name already
    /// there is [`Error::RecipientExists`]; a weak password or an iteration
    /// count out of bounds is refused before anything is derived.
    pub fn add_password_recipient(
        &mut self,
        name: &KeyName,
        password: &Password,
        iterations: u32,
        now: Timestamp,
    ) -> Result<(), Error> {
        check_password_strength(password)?;
        let iterations = check_iterations(u64::from(iterations))?;
        self.refuse_existing(name)?;
        let kdf = KdfParams {
            algorithm: KDF_ALGORITHM.to_owned(),
            iterations,
            salt: Fixed(crypto::random::<SALT_LEN>()?),
        };
        let (pk, vk) = (keyring::password_key(&kdf, password), &self.keys.vault_key);
        let (entry, _) = keyring::new_password_recipient(&pk, kdf, name.as_str(), vk, now)?;
        self.add_recipient(name, Recipient::Password(entry), now)
    }

    /// Adds an `age` recipient (`age1…`, or an SSH public key as
    /// `ssh-ed25519 BASE64` / `ssh-rsa BASE64`): the vault key's payload
    /// encrypted to it by `age`, in one MAC'ed write of `config.json`. The
    /// key's shape is checked first ([`format::check_age_public_key`];
    /// [`Error::InvalidRecipientKey`] names the recipient, never the key).
    pub fn add_age_recipient(
        &mut self,
        name: &KeyName,
        public_key: &str,
        age: &dyn AgeEncryptor,
        now: Timestamp,
    ) -> Result<(), Error> {
        format::check_age_public_key(public_key).map_err(|reason| Error::InvalidRecipientKey {
            recipient: name.as_str().to_owned(),
            reason,
        })?;
        self.refuse_existing(name)?;
        let wrapping = age.encrypt(
            name.as_str(),
            public_key,
            &keyring::payload(&self.keys.vault_key),
        )?;
        let entry = AgeRecipient {
            public_key: public_key.to_owned(),
            wrapping: format::Base64(wrapping),
            created_at: now,
        };
        self.add_recipient(name, Recipient::Age(entry), now)
    }

    fn refuse_existing(&self, name: &KeyName) -> Result<(), Error> {
        if self.config.recipients.contains_key(name.as_str()) {
            return Err(Error::RecipientExists {
                recipient: name.as_str().to_owned(),
            });
        }
        Ok(())
    }

    fn add_recipient(
        &mut self,
        name: &KeyName,
        entry: Recipient,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.update_config(now, |config| {
            // Checked again under the lock: another writer may have added it.
            if config.recipients.contains_key(name.as_str()) {
                return Err(Error::RecipientExists {
                    recipient: name.as_str().to_owned(),
                });
            }
            config.recipients.insert(name.as_str().to_owned(), entry);
            Ok(())
        })
    }

    /// Replaces the vault key and the data key ([`Vault::rotate_with`])
    /// in a vault whose recipients are all passwords; one with an `age`
    /// recipient needs an [`AgeEncryptor`] ([`Error::AgeUnsupported`]).
    pub fn rotate(
        &mut self,
        now: Timestamp,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RotateSummary, Error> {
        self.rotate_with(now, &NoAge, progress)
    }

    /// Removes a recipient and rotates in the same command, because that
    /// recipient knew the vault key and the data keys: the entry goes in
    /// the same atomic write of `config.json` that brings a new vault key
    /// (wrapped for every remaining recipient) and a new active data key;
    /// then every value is re-encrypted as [`Vault::rotate_with`] does.
    /// The last recipient cannot be removed ([`Error::LastRecipient`]); a
    /// name not in the file on disk (read again under the lock) is
    /// [`Error::RecipientNotFound`]. Recipients another writer added
    /// meanwhile are kept: the file is re-read and verified under the lock.
    pub fn remove_recipient(
        &mut self,
        name: &KeyName,
        age: &dyn AgeEncryptor,
        now: Timestamp,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RotateSummary, Error> {
        self.rotate_inner(now, age, Some(name.as_str()), progress)
    }

    /// Replaces the vault key and the data key: in one atomic write of
    /// `config.json`, a new vault key (new `vault_key_id`) wrapped for
    /// every recipient (a stanza to each password recipient's public key,
    /// an age message to each age recipient through `age`), every data key
    /// wrapped again under it, and a new data key made active; then every
    /// value under another key is re-encrypted, service by service (each
    /// under the write lock), and the old data keys are dropped at the end.
    ///
    /// No password is needed: every recipient is a public key. Every value
    /// names its `key_id`, so a crash at any point leaves a vault that
    /// opens; running `rotate` again finishes the job (a vault with more
    /// than one data key is taken as a rotation in progress and resumed
    /// rather than started anew). `progress(done, total)` is called after
    /// each service.
    pub fn rotate_with(
        &mut self,
        now: Timestamp,
        age: &dyn AgeEncryptor,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RotateSummary, Error> {
        self.rotate_inner(now, age, None, progress)
    }

    fn rotate_inner(
        &mut self,
        now: Timestamp,
        age: &dyn AgeEncryptor,
        remove: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RotateSummary, Error> {
        let resumed;
        {
            let _lock = WriteLock::take(&self.store)?;
            let mut config = self.locked_config()?;
            if let Some(name) = remove {
                if !config.recipients.contains_key(name) {
                    return Err(Error::RecipientNotFound {
                        recipient: name.to_owned(),
                    });
                }
                if config.recipients.len() == 1 {
                    return Err(Error::LastRecipient {
                        recipient: name.to_owned(),
                    });
                }
                config.recipients.remove(name);
            }
            // A removal always brings a new vault key, even in the middle
            // of a rotation (the removed recipient knew the current one).
            resumed = config.keys.len() > 1 && remove.is_none();
            if !resumed {
                let keys = VaultKeys::random()?;
                wrap_for_all(&mut config, &keys.vault_key, age, now)?;
                let id = next_key_id(&config);
                let data_key = crypto::random_key()?;
                let mut data_keys = self.ring.rewrap(&config, &keys.wrap)?;
                data_keys.insert(id.clone(), keyring::wrap(&keys.wrap, &id, &data_key, now)?);
                config.keys = data_keys;
                config.active_key = id.clone();
                config.updated_at = now;
                self.store
                    .write(CONFIG_FILE, &keys.seal_config(&mut config))?;
                self.keys = keys;
                self.ring.insert(id, data_key);
                if let Some(name) = remove {
                    if self.identity.as_ref().is_some_and(|(n, _)| n == name) {
                        self.identity = None;
                    }
                }
            }
            self.ring.set_active(&config.active_key)?;
            self.config = config;
        }
        let mut services: Vec<ServiceName> = self
            .store
            .list()?
            .iter()
            .filter_map(|n| service_of_file(n))
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
            let mut config = self.locked_config()?;
            // A service written by an older build or restored from a backup
            // between the pass and now would still need an old key.
            for service in self.store.list()?.iter().filter_map(|n| service_of_file(n)) {
                let doc = read_service(&self.store, &service)?;
                if doc.is_some_and(|d| d.secrets.values().any(|e| e.key_id != config.active_key)) {
                    return Err(Error::Corrupt {
                        file: service_file(&service),
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
            self.store
                .write(CONFIG_FILE, &self.keys.seal_config(&mut config))?;
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
    fn reencrypt_service(&self, service: &ServiceName) -> Result<usize, Error> {
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
            let (aad, plain) = (value_aad(service, key), value.expose().as_bytes());
            let sealed = crypto::seal(self.ring.active(), aad.as_bytes(), plain)?;
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

    /// Under the lock: `config.json` as it is on disk now, once its MAC
    /// verifies under this vault's key (another process may have rotated:
    /// then it is [`Error::KeysChanged`]). A writer never re-MACs a file it
    /// has not verified.
    fn locked_config(&self) -> Result<ConfigDoc, Error> {
        let bytes = read_config_bytes(&self.store)?;
        let (config, signed) = parse_config_signed(&bytes)?;
        if config.vault_key_id != self.keys.id() {
            return Err(Error::KeysChanged);
        }
        self.keys.check_mac(&config, &signed)?;
        Ok(config)
    }

    /// Under the lock: the vault key and the active data key on disk are
    /// still those unlocked, and the file still verifies.
    fn check_keys_unchanged(&self) -> Result<(), Error> {
        let current = self.locked_config()?;
        let ours = self.config.keys.get(&self.config.active_key);
        if current.active_key != self.config.active_key
            || current.keys.get(&current.active_key) != ours
        {
            return Err(Error::KeysChanged);
        }
        Ok(())
    }

    /// Changes settings of `config.json` (needs the unlocked vault: the
    /// file is re-MAC'ed): under the write lock, re-reads and verifies the
    /// file, applies `change` to it, checks the result against the format's
    /// rules, sets `updated_at` and replaces the file atomically.
    pub(crate) fn update_config(
        &mut self,
        now: Timestamp,
        change: impl FnOnce(&mut ConfigDoc) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let _lock = WriteLock::take(&self.store)?;
        let mut config = self.locked_config()?;
        change(&mut config)?;
        format::check_config(&config)
            .map_err(|_| Error::InvalidParameter("the change breaks a rule of config.json"))?;
        config.updated_at = now;
        self.store
            .write(CONFIG_FILE, &self.keys.seal_config(&mut config))?;
        self.config = config;
        Ok(())
    }

    /// Sets the lockout policy (bounds: [`check_lockout_policy`]).
    pub fn set_lockout_policy(
        &mut self,
        policy: LockoutPolicy,
        now: Timestamp,
    ) -> Result<(), Error> {
        check_lockout_policy(&policy).map_err(Error::InvalidParameter)?;
        self.update_config(now, |config| {
            config.lockout = policy;
            Ok(())
        })
    }

    /// Sets (`Some((failed_unlocks, window_seconds))`) or removes (`None`)
    /// the failed-unlock alert thresholds (a `command` in `alerts`, never
    /// run, is dropped).
    pub fn set_alert_thresholds(
        &mut self,
        thresholds: Option<(u32, u64)>,
        now: Timestamp,
    ) -> Result<(), Error> {
        if let Some((failures, window)) = thresholds {
            format::check_alert_thresholds(failures, window).map_err(Error::InvalidParameter)?;
        }
        self.update_config(now, |config| {
            // Thresholds only: a `command` the vault may hold is never run,
            // and is dropped by this write.
            config.alerts = thresholds.map(|(failed_unlocks, window_seconds)| AlertPolicy {
                failed_unlocks,
                window_seconds,
                command: None,
            });
            Ok(())
        })
    }
}

/// Names and metadata of the secrets (no password needed). With a service,
/// only that one ([`Error::ServiceNotFound`] if absent). Without, every
/// service: a document that does not parse is reported in the second list
/// and the others are still listed.
pub fn list<S: Store + ?Sized>(
    store: &S,
    service: Option<&ServiceName>,
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
        let doc = read_service(store, service)?.ok_or_else(|| Error::ServiceNotFound {
            service: service.to_string(),
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
        match read_service(store, &service) {
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
    let iterations = config
        .password_recipients()
        .next()
        .map_or(0, |(_, r)| r.kdf.iterations);
    Ok((
        Status {
            iterations,
            vault_key_id: config.vault_key_id.clone(),
            recipients: config.recipients.keys().cloned().collect(),
            active_key: config.active_key,
            key_ids: config.keys.keys().cloned().collect(),
            services: services.len(),
            secrets: services.iter().map(|s| s.secrets.len()).sum(),
            lockout: config.lockout,
            alerts: config.alerts.map(|a| AlertThresholds {
                failed_unlocks: a.failed_unlocks,
                window_seconds: a.window_seconds,
            }),
            created_at: config.created_at,
            updated_at: config.updated_at,
        },
        problems,
    ))
}
