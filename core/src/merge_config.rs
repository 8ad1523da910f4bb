//! The three-way merge of `config.json` (docs/format.md §18, "Merging";
//! docs/adr/0011-merging-config.md).
//!
//! Two branches of a shared vault each changed `config.json` (two people
//! added a recipient each; one removed someone while the other set a
//! mapping). Merging them needs the vault key of each side — to verify each
//! side's MAC before anything in it is used, to open the data keys, and to
//! MAC the result — and never a password or another person's private key:
//! a recipient added on the other side is wrapped for the result's vault
//! key from its public key alone.
//!
//! The keys come from what a front end already has: a session agent's
//! [`VaultKey`], or the password through [`keys_from_password`] (which
//! counts the attempt as every unlock does). [`merge`] decides; the front
//! end only reads the three documents and writes the result.

use std::collections::{BTreeMap, BTreeSet};

use crate::format::{
    self, parse_config_signed, AgeRecipient, ConfigDoc, Fixed, PasswordRecipient, Recipient,
    X25519Stanza, CONFIG_FILE,
};
use crate::keyring::{self, KeyRing, VaultKeys};
use crate::lockout;
use crate::store::Store;
use crate::vault::AgeEncryptor;
use crate::{Error, Password, Timestamp, VaultKey};

pub use crate::merge::Side;

/// `ours` or `theirs`: how messages name a side.
fn side_name(side: Side) -> &'static str {
    match side {
        Side::Ours => "ours",
        Side::Theirs => "theirs",
    }
}

/// A clean merge: the `config.json` to write and what it means.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged `config.json`, MAC'ed under [`Merged::vault_key`], in
    /// the writers' layout.
    pub config: Vec<u8>,
    /// The vault key of the result (the rotated side's when one side
    /// rotated): what opens it afterwards.
    pub vault_key: VaultKey,
    /// The audit-line MAC key of that vault key, for the line recording
    /// the merge.
    pub audit_key: crate::AuditKey,
    /// The side whose vault key the result keeps because it rotated (a
    /// `rotate` or a `recipients remove` on that branch); `None` when both
    /// sides had the same vault key.
    pub rotated: Option<Side>,
    /// The data keys of the result other than the active one. Values
    /// sealed under them still open; finishing the rotation
    /// ([`crate::Vault::rotate_with`] resumes it) re-encrypts them under
    /// the active key and drops these keys, so that a removed recipient's
    /// old keys name nothing afterwards.
    pub pending_keys: Vec<String>,
    /// What the merge decided that someone should be told (a removal that
    /// won over the other side's change, recipients wrapped again for the
    /// rotated vault key): names only.
    pub notes: Vec<String>,
}

/// What [`merge`] found.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Merged cleanly.
    Merged(Merged),
    /// The sides disagree: the reasons, naming members, recipients, key
    /// ids and mapping entries only (never a key or a value). Nothing was
    /// merged.
    Conflict(Vec<String>),
}

/// A side whose MAC verified under a held key, with its data keys open.
struct Opened {
    doc: ConfigDoc,
    keys: VaultKeys,
    ring: KeyRing,
}

/// Parses one side strictly; errors name the side.
fn parse(side: Side, bytes: &[u8]) -> Result<(ConfigDoc, Vec<u8>), Error> {
    parse_config_signed(bytes).map_err(|e| match e {
        Error::Corrupt { detail, .. } => Error::Corrupt {
            file: format!("{CONFIG_FILE} ({} side of the merge)", side_name(side)),
            detail,
        },
        Error::NewerVersion { found, .. } => Error::NewerVersion {
            file: format!("{CONFIG_FILE} ({} side of the merge)", side_name(side)),
            found,
        },
        other => other,
    })
}

/// The held key named by `id`.
fn held<'k>(keys: &'k [VaultKey], id: &str) -> Option<&'k VaultKey> {
    keys.iter().find(|k| k.id() == id)
}

/// Ours or theirs: parsed, then its MAC verified under the held key of its
/// `vault_key_id` before anything else in it is used, then its data keys
/// opened.
fn open_side(side: Side, bytes: &[u8], keys: &[VaultKey]) -> Result<Opened, Error> {
    let (doc, signed) = parse(side, bytes)?;
    let key = held(keys, &doc.vault_key_id).ok_or(Error::MergeNeedsKey {
        side: side_name(side),
    })?;
    let vault_keys = VaultKeys::new(key.clone())?;
    vault_keys
        .check_mac(&doc, &signed)
        .map_err(|_| Error::MergeMac {
            side: side_name(side),
        })?;
    let ring = KeyRing::open(&doc, &vault_keys.wrap).map_err(|_| Error::MergeMac {
        side: side_name(side),
    })?;
    Ok(Opened {
        doc,
        keys: vault_keys,
        ring,
    })
}

/// The base, if it parses and its MAC verifies under a key we hold;
/// anything else counts as no base.
fn open_base(bytes: Option<&[u8]>, keys: &[VaultKey]) -> Option<ConfigDoc> {
    let (doc, signed) = parse_config_signed(bytes?).ok()?;
    let key = held(keys, &doc.vault_key_id)?;
    let vault_keys = VaultKeys::new(key.clone()).ok()?;
    vault_keys.check_mac(&doc, &signed).ok()?;
    Some(doc)
}

/// The vault key ids a merge of `ours` and `theirs` needs (each side's
/// `vault_key_id`, read without verifying: for asking a session agent).
/// Sides that do not parse are left out ([`merge`] reports them).
pub fn wanted_key_ids(ours: &[u8], theirs: &[u8]) -> Vec<String> {
    let mut ids: Vec<String> = [ours, theirs]
        .iter()
        .filter_map(|b| format::parse_config(b).ok())
        .map(|c| c.vault_key_id)
        .collect();
    ids.dedup();
    ids
}

/// The three-way choice of one value: the same on both sides → it;
/// changed on one side only (the other equals the base) → that side;
/// otherwise (changed differently on both, or no base to tell) `None`, a
/// conflict. `base` is `None` when there is no usable base at all.
fn pick<T: PartialEq + Clone>(base: Option<&T>, ours: &T, theirs: &T) -> Option<T> {
    if ours == theirs {
        return Some(ours.clone());
    }
    match base {
        Some(b) if b == ours => Some(theirs.clone()),
        Some(b) if b == theirs => Some(ours.clone()),
        _ => None,
    }
}

/// [`pick`] over a map's entry, where absence is a value (added, removed).
fn pick_entry<V: PartialEq + Clone>(
    base: Option<&BTreeMap<String, V>>,
    ours: &BTreeMap<String, V>,
    theirs: &BTreeMap<String, V>,
    name: &str,
) -> Option<Option<V>> {
    let b = base.map(|m| m.get(name).cloned());
    pick(
        b.as_ref(),
        &ours.get(name).cloned(),
        &theirs.get(name).cloned(),
    )
}

fn names<'a, V>(maps: impl IntoIterator<Item = &'a BTreeMap<String, V>>) -> BTreeSet<String>
where
    V: 'a,
{
    maps.into_iter().flat_map(|m| m.keys().cloned()).collect()
}

/// `env` merged entry by entry, then the whole-file rules checked again
/// (one variable under two secrets is a conflict naming both entries).
fn merge_env(
    base: Option<&ConfigDoc>,
    ours: &ConfigDoc,
    theirs: &ConfigDoc,
    conflicts: &mut Vec<String>,
) -> BTreeMap<String, Vec<String>> {
    let base_env = base.map(|b| &b.env);
    let mut out = BTreeMap::new();
    for name in names(base_env.into_iter().chain([&ours.env, &theirs.env])) {
        match pick_entry(base_env, &ours.env, &theirs.env, &name) {
            Some(Some(vars)) => {
                out.insert(name, vars);
            }
            Some(None) => {}
            None => conflicts.push(format!(
                "env: the mapping of '{name}' was changed differently on both sides"
            )),
        }
    }
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for (entry, vars) in &out {
        for var in vars {
            if let Some(first) = owner.insert(var, entry) {
                conflicts.push(format!(
                    "env: variable '{var}' would be set from two secrets ('{first}' and '{entry}')"
                ));
            }
        }
    }
    // Every other rule of the mapping holds entry by entry, so each side's
    // entries kept it; `finish` checks the whole file again anyway.
    out
}

/// `lockout` and `alerts`: one-sided changes win, both → conflict.
fn merge_policies(
    base: Option<&ConfigDoc>,
    ours: &ConfigDoc,
    theirs: &ConfigDoc,
    out: &mut ConfigDoc,
    conflicts: &mut Vec<String>,
) {
    match pick(base.map(|b| &b.lockout), &ours.lockout, &theirs.lockout) {
        Some(policy) => out.lockout = policy,
        None => conflicts.push("lockout: changed differently on both sides".to_owned()),
    }
    match pick(base.map(|b| &b.alerts), &ours.alerts, &theirs.alerts) {
        Some(alerts) => out.alerts = alerts,
        None => conflicts.push("alerts: changed differently on both sides".to_owned()),
    }
}

/// Merges three versions of `config.json` (see the module docs and
/// docs/format.md §18):
///
/// - `ours` and `theirs` are parsed strictly and their MACs verified under
///   the held key of their `vault_key_id` before anything in them is used
///   ([`Error::MergeNeedsKey`] when no key in `keys` is theirs,
///   [`Error::MergeMac`] when one does not verify: the side is named and
///   nothing is merged);
/// - `base` is used only if it parses and verifies under a held key; else
///   it counts as absent, and then every difference is a conflict;
/// - same `vault_key_id` on both sides: recipients by name, data keys by
///   id (union), `env` per entry then the whole-file rules, `lockout`,
///   `alerts` and `active_key` as single values;
/// - one side rotated (its `vault_key_id` is not the base's): the rotated
///   side, plus the other side's recipient additions and changes wrapped
///   for its vault key (`age` encrypts to age and SSH recipients), minus
///   whatever it removed (removal wins), plus the other side's `env`,
///   `lockout` and `alerts` changes, plus the data keys only the other side
///   has, wrapped again under the rotated vault key ([`Merged::pending_keys`]);
/// - both rotated: a conflict.
///
/// `created_at` comes from the base (else ours), `updated_at` is `now`.
pub fn merge(
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
    keys: &[VaultKey],
    age: &dyn AgeEncryptor,
    now: Timestamp,
) -> Result<Outcome, Error> {
    let ours = open_side(Side::Ours, ours, keys)?;
    let theirs = open_side(Side::Theirs, theirs, keys)?;
    let base = open_base(base, keys);
    let (o_id, t_id) = (&ours.doc.vault_key_id, &theirs.doc.vault_key_id);
    if o_id == t_id {
        return same_key(base.as_ref(), &ours, &theirs, now);
    }
    let Some(base) = base else {
        return Ok(Outcome::Conflict(vec![
            "vault_key_id: the sides have different vault keys and no common base (one that verifies) tells which side rotated".to_owned(),
        ]));
    };
    if *o_id == base.vault_key_id {
        rotated(&base, &theirs, Side::Theirs, &ours, age, now)
    } else if *t_id == base.vault_key_id {
        rotated(&base, &ours, Side::Ours, &theirs, age, now)
    } else {
        Ok(Outcome::Conflict(vec![
            "vault_key_id: both sides changed the vault key (a rotate or a recipients remove on each branch); take one side and repeat the other's change".to_owned(),
        ]))
    }
}

/// Both sides under one vault key.
fn same_key(
    base: Option<&ConfigDoc>,
    ours: &Opened,
    theirs: &Opened,
    now: Timestamp,
) -> Result<Outcome, Error> {
    let (o, t) = (&ours.doc, &theirs.doc);
    let mut conflicts = Vec::new();
    let mut out = o.clone();
    let base_recipients = base.map(|b| &b.recipients);
    out.recipients = BTreeMap::new();
    for name in names(
        base_recipients
            .into_iter()
            .chain([&o.recipients, &t.recipients]),
    ) {
        match pick_entry(base_recipients, &o.recipients, &t.recipients, &name) {
            Some(Some(r)) => {
                out.recipients.insert(name, r);
            }
            Some(None) => {}
            None => conflicts.push(format!(
                "recipient '{name}': added, changed or removed differently on both sides"
            )),
        }
    }
    out.keys = BTreeMap::new();
    for id in names([&o.keys, &t.keys]) {
        // `id` comes from one side or both: `ours.or(theirs)` is always a key.
        let (ours, theirs) = (o.keys.get(&id), t.keys.get(&id));
        match ours.zip(theirs) {
            Some((a, b)) if a != b => {
                conflicts.push(format!("data key '{id}': different on the two sides"))
            }
            both => {
                if both.is_none() && base.is_none() {
                    conflicts.push(format!(
                        "data key '{id}': on one side only, and no common base tells an addition from a removal"
                    ));
                }
                if let Some(entry) = ours.or(theirs) {
                    out.keys.insert(id.clone(), entry.clone());
                }
            }
        }
    }
    out.env = merge_env(base, o, t, &mut conflicts);
    merge_policies(base, o, t, &mut out, &mut conflicts);
    match pick(base.map(|b| &b.active_key), &o.active_key, &t.active_key) {
        Some(active) => out.active_key = active,
        None => conflicts.push("active_key: changed differently on both sides".to_owned()),
    }
    finish(base, out, &ours.keys, None, Vec::new(), conflicts, now)
}

/// What a recipient is, without its wrapping of a vault key (the stanza or
/// the age message and when it was made): who can open, not what they open.
fn holder(recipient: &Recipient) -> Recipient {
    let epoch = Timestamp::from_unix(0);
    match recipient {
        Recipient::Password(p) => Recipient::Password(PasswordRecipient {
            kdf: p.kdf.clone(),
            identity: p.identity.clone(),
            public_key: p.public_key,
            stanza: X25519Stanza {
                share: Fixed([0; 32]),
                body: Fixed([0; 64]),
            },
            created_at: epoch,
        }),
        Recipient::Age(a) => Recipient::Age(AgeRecipient {
            public_key: a.public_key.clone(),
            wrapping: format::Base64(Vec::new()),
            created_at: epoch,
        }),
    }
}

/// `recipient` (a [`holder`]) wrapped for `keys`' vault key: a new stanza
/// to a password recipient's public key, a new age message to an age one.
fn wrap_for(
    name: &str,
    recipient: Recipient,
    keys: &VaultKeys,
    age: &dyn AgeEncryptor,
    now: Timestamp,
) -> Result<Recipient, Error> {
    Ok(match recipient {
        Recipient::Password(mut p) => {
            p.stanza = keyring::stanza_to(&p.public_key.0, name, &keys.vault_key)?.ok_or(
                Error::InvalidRecipientKey {
                    recipient: name.to_owned(),
                    reason: "the X25519 public key is of low order",
                },
            )?;
            p.created_at = now;
            Recipient::Password(p)
        }
        Recipient::Age(mut a) => {
            let wrapping = age.encrypt(name, &a.public_key, &keyring::payload(&keys.vault_key))?;
            a.wrapping = format::Base64(wrapping);
            a.created_at = now;
            Recipient::Age(a)
        }
    })
}

/// `rot` rotated away from `base`; `other` kept the base's vault key.
fn rotated(
    base: &ConfigDoc,
    rot: &Opened,
    rot_side: Side,
    other: &Opened,
    age: &dyn AgeEncryptor,
    now: Timestamp,
) -> Result<Outcome, Error> {
    let (r, o) = (&rot.doc, &other.doc);
    let other_side = if rot_side == Side::Ours {
        Side::Theirs
    } else {
        Side::Ours
    };
    let mut conflicts = Vec::new();
    let mut notes = Vec::new();
    let mut out = r.clone();
    out.recipients = BTreeMap::new();
    let holders = |m: &BTreeMap<String, Recipient>| -> BTreeMap<String, Recipient> {
        m.iter().map(|(n, r)| (n.clone(), holder(r))).collect()
    };
    let (hb, ho, hr) = (
        holders(&base.recipients),
        holders(&o.recipients),
        holders(&r.recipients),
    );
    for name in names([&hb, &ho, &hr]) {
        if hb.contains_key(&name) && !hr.contains_key(&name) {
            // Removed on the rotated side: removal wins, whatever the
            // other side did to the entry.
            if ho.get(&name).is_some_and(|h| Some(h) != hb.get(&name)) {
                notes.push(format!(
                    "recipient '{name}' was removed on {} (which rotated); the change {} made to it is dropped: removal wins",
                    side_name(rot_side),
                    side_name(other_side)
                ));
            }
            continue;
        }
        match pick_entry(Some(&hb), &ho, &hr, &name) {
            Some(Some(h)) => {
                let entry = match r.recipients.get(&name) {
                    Some(kept) if holder(kept) == h => kept.clone(),
                    _ => {
                        notes.push(format!(
                            "recipient '{name}' from {} was wrapped for the vault key of {}",
                            side_name(other_side),
                            side_name(rot_side)
                        ));
                        wrap_for(&name, h, &rot.keys, age, now)?
                    }
                };
                out.recipients.insert(name, entry);
            }
            Some(None) => {}
            None => conflicts.push(format!(
                "recipient '{name}': added, changed or removed differently on both sides"
            )),
        }
    }
    let mut pending = Vec::new();
    for (id, wrapped) in &o.keys {
        // The ring was opened from these very entries.
        let key = other.ring.get(id).ok_or(Error::KeysChanged)?;
        match rot.ring.get(id) {
            Some(mine) => {
                if !bool::from(subtle::ConstantTimeEq::ct_eq(
                    &mine.expose()[..],
                    &key.expose()[..],
                )) {
                    conflicts.push(format!("data key '{id}': different on the two sides"));
                }
            }
            None => {
                out.keys.insert(
                    id.clone(),
                    keyring::wrap(&rot.keys.wrap, id, key, wrapped.created_at)?,
                );
                pending.push(id.clone());
            }
        }
    }
    if !pending.is_empty() {
        notes.push(format!(
            "data key(s) {} of {} were wrapped again under the vault key of {}, so the values sealed under them still open; finishing the rotation (agent secret resolve --config, or rotate) re-encrypts them under '{}' and drops those keys",
            pending.join(", "),
            side_name(other_side),
            side_name(rot_side),
            r.active_key
        ));
    }
    out.env = merge_env(Some(base), o, r, &mut conflicts);
    merge_policies(Some(base), o, r, &mut out, &mut conflicts);
    // active_key is the rotated side's: the new data key of its rotation.
    finish(
        Some(base),
        out,
        &rot.keys,
        Some(rot_side),
        notes,
        conflicts,
        now,
    )
}

/// Dates, checks and MACs the result, or reports the conflicts.
fn finish(
    base: Option<&ConfigDoc>,
    mut out: ConfigDoc,
    keys: &VaultKeys,
    rotated: Option<Side>,
    notes: Vec<String>,
    mut conflicts: Vec<String>,
    now: Timestamp,
) -> Result<Outcome, Error> {
    if conflicts.is_empty() {
        if let Err(rule) = format::check_config(&out) {
            conflicts.push(format!("the merged config.json would break a rule: {rule}"));
        }
    }
    if !conflicts.is_empty() {
        return Ok(Outcome::Conflict(conflicts));
    }
    if let Some(b) = base {
        out.created_at = b.created_at;
    }
    out.updated_at = now;
    let config = keys.seal_config(&mut out);
    let pending_keys = out
        .keys
        .keys()
        .filter(|id| **id != out.active_key)
        .cloned()
        .collect();
    Ok(Outcome::Merged(Merged {
        config,
        vault_key: keys.vault_key.clone(),
        audit_key: keys.audit.clone(),
        rotated,
        pending_keys,
        notes,
    }))
}

/// The vault keys a password opens among the sides of a merge
/// (`sides`: the documents as read, ours first; one that does not parse is
/// skipped), for [`merge`]. Counts one attempt, as an unlock does: before
/// any derivation it is admitted under the lockout policy of the first
/// side that parses ([`lockout::reserve`], against the store's
/// `state.json`); a password that opens a recipient of any side clears
/// it, one that opens none is a wrong password (counted). Each distinct
/// salt and iteration count is derived once.
pub fn keys_from_password<S: Store + ?Sized>(
    store: &S,
    sides: &[&[u8]],
    password: &Password,
    now: Timestamp,
) -> Result<Vec<VaultKey>, Error> {
    let docs: Vec<ConfigDoc> = sides
        .iter()
        .filter_map(|b| format::parse_config(b).ok())
        .collect();
    let policy = docs.first().map(|d| d.lockout).ok_or(Error::Corrupt {
        file: CONFIG_FILE.to_owned(),
        detail: "no side of the merge parses".to_owned(),
    })?;
    lockout::reserve(store, &policy, now)?;
    let mut derived: Vec<(format::KdfParams, crate::PasswordKey)> = Vec::new();
    let mut found: Vec<VaultKey> = Vec::new();
    for doc in &docs {
        for (name, recipient) in doc.password_recipients() {
            let key = match derived.iter().find(|(kdf, _)| *kdf == recipient.kdf) {
                Some((_, key)) => key.clone(),
                None => {
                    let key = keyring::password_key(&recipient.kdf, password);
                    derived.push((recipient.kdf.clone(), key.clone()));
                    key
                }
            };
            if let keyring::Opened::Keys(_, vault_key) =
                keyring::open_password_recipient(&key, &doc.vault_key_id, name, recipient)
            {
                if held(&found, vault_key.id()).is_none() {
                    found.push(vault_key);
                }
                break;
            }
        }
    }
    if found.is_empty() {
        return Err(lockout::fail(store, &policy, now));
    }
    lockout::clear(store)?;
    Ok(found)
}

/// The three `config.json` documents of a config conflict document.
#[derive(Debug, Clone)]
pub struct Sides {
    /// The common ancestor's, if the driver had one.
    pub base: Option<Vec<u8>>,
    /// The branch merged into.
    pub ours: Vec<u8>,
    /// The branch merged in.
    pub theirs: Vec<u8>,
}

/// The sides of a config conflict document (docs/format.md §3.3), as
/// `config.json` bytes. A `config.json` that is not one is
/// [`Error::ConfigNotInConflict`]; one that does not parse as one is the
/// parser's error.
pub fn conflict_sides(bytes: &[u8]) -> Result<Sides, Error> {
    let doc = match format::parse_config_conflict(bytes) {
        Ok(doc) => doc,
        Err(e) => return Err(format::parse_config(bytes).map_or(e, |_| Error::ConfigNotInConflict)),
    };
    Ok(Sides {
        base: doc.base.as_ref().map(format::to_bytes),
        ours: doc.side_bytes(false),
        theirs: doc.side_bytes(true),
    })
}

/// What [`resolve`] did.
#[derive(Debug)]
pub enum Resolution<S: Store> {
    /// The sides disagree (the reasons, names only); `config.json` was
    /// left as it was (the conflict document).
    Conflict(Vec<String>),
    /// The merged `config.json` was written.
    Resolved(Box<Resolved<S>>),
}

/// A `config.json` merged and written by [`resolve`].
#[derive(Debug)]
pub struct Resolved<S: Store> {
    /// The vault, opened with the result's vault key.
    pub vault: crate::Vault<S>,
    /// What the merge decided.
    pub merged: Merged,
    /// The rotation finished after the merge, when the result held more
    /// than one data key: `None` when there was nothing to finish, else
    /// what it did or why it stopped (a service file still in conflict,
    /// say: `rotate` finishes it later).
    pub finished: Option<Result<crate::RotateSummary, Error>>,
}

/// `agent secret resolve --config` without a side: under the write lock,
/// reads the config conflict document in `config.json`, merges its three
/// sides with `keys` ([`merge`]) and, when that is clean, writes the
/// result in its place. Then, if the result holds more than one data key
/// (the other side's keys wrapped again after one side rotated, or a
/// rotation in progress), finishes the rotation as `rotate` does
/// ([`crate::Vault::rotate_with`]: each value under another key
/// re-encrypted under the active one, service by service under the lock,
/// then the other keys dropped; crash-safe and resumable), so that a
/// removed recipient's old keys name nothing afterwards. `auth` says where
/// `keys` came from, for the audit lines (`None`: the password).
pub fn resolve<S: Store>(
    store: S,
    keys: &[VaultKey],
    auth: Option<crate::audit::Auth>,
    age: &dyn AgeEncryptor,
    now: Timestamp,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Resolution<S>, Error> {
    let merged = {
        let _lock = crate::store::WriteLock::take(&store)?;
        let bytes = store.read(CONFIG_FILE)?.ok_or(Error::NotInitialized)?;
        let sides = conflict_sides(&bytes)?;
        match merge(
            sides.base.as_deref(),
            &sides.ours,
            &sides.theirs,
            keys,
            age,
            now,
        )? {
            Outcome::Conflict(reasons) => return Ok(Resolution::Conflict(reasons)),
            Outcome::Merged(merged) => {
                store.write(CONFIG_FILE, &merged.config)?;
                merged
            }
        }
    };
    let mut vault = crate::Vault::with_vault_key(store, merged.vault_key.clone(), auth, now)?;
    let finished = (vault.config().keys.len() > 1).then(|| vault.rotate_with(now, age, progress));
    Ok(Resolution::Resolved(Box::new(Resolved {
        vault,
        merged,
        finished,
    })))
}
