//! Merging the vault's files without any key: what `agent secret
//! merge-driver` (git's merge driver) and `agent secret resolve` do.
//!
//! A service document is merged entry by entry: each entry is its own
//! ciphertext whose AAD binds it to its service and key, so entries from
//! two branches can be combined without opening any of them. The rules
//! (docs/format.md §6.1), per key, comparing whole entries (key id, nonce,
//! ciphertext, tag, timestamps):
//!
//! | base | ours | theirs | result |
//! |---|---|---|---|
//! | any | X | X | X (also: deleted on both) |
//! | B | B | T | T (changed, added or deleted on their side only) |
//! | B | O | B | O (changed, added or deleted on our side only) |
//! | any | O | T, O ≠ T, neither = base | **conflict** |
//!
//! A base that is absent or does not parse counts as absent (every entry
//! then counts as added). Conflicts give a conflict document
//! ([`ServiceConflictDoc`]) that every reader refuses until
//! [`resolve_service`] has chosen a side for each key.
//!
//! `config.json` is merged only when one side did not change it (compared
//! by parsed content); changed on both sides it needs the vault key to be
//! merged (a new MAC), which this module does not have:
//! [`MergeOutcome::ConfigBothChanged`] tells the caller to try that, or to
//! write [`config_conflict`].

use std::collections::BTreeMap;

use crate::format::{
    parse_config, parse_service, parse_service_conflict, service_file, service_of_file, to_bytes,
    ConfigConflictDoc, ConfigDoc, ConflictSides, SecretEntry, ServiceConflictDoc, ServiceDoc,
    CONFIG_CONFLICT_FORMAT, CONFIG_FILE, SERVICE_CONFLICT_FORMAT, VERSION,
};
use crate::names::{KeyName, ServiceName};
use crate::store::{Store, WriteLock};
use crate::Error;

/// A side of a merge, as git names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The branch merged into (the current branch).
    Ours,
    /// The branch merged in.
    Theirs,
}

/// What a merge of one file gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Merged: write these bytes (a normal document).
    Clean(Vec<u8>),
    /// Conflicts: write these bytes (a conflict document, which every
    /// reader refuses until `resolve`); the path stays conflicted.
    Conflict(Vec<u8>),
    /// A side is not a document of the format (conflict markers of an
    /// earlier text merge, a conflict document, a newer version):
    /// nothing is merged; write these bytes, which no reader accepts, so
    /// that neither side is taken silently.
    Unmergeable(Vec<u8>),
    /// `config.json` changed on both sides: merging it needs the vault key
    /// (a new MAC). The caller tries that, or writes [`config_conflict`].
    ConfigBothChanged,
    /// Not a file of the vault format: nothing is written.
    NotAVaultFile,
}

impl MergeOutcome {
    /// The bytes to write, if the outcome has any.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Clean(b) | Self::Conflict(b) | Self::Unmergeable(b) => Some(b),
            Self::ConfigBothChanged | Self::NotAVaultFile => None,
        }
    }
}

/// Merges one file of the vault folder, by its name (`name` is the file
/// name, without folders): `<service>.json` entry by entry
/// ([`merge_service`]), `config.json` when one side did not change it
/// ([`merge_config`]); any other name is [`MergeOutcome::NotAVaultFile`].
/// `base` is `None` when the file has no common ancestor (added on both
/// branches; git then passes an empty file, which counts as absent too).
pub fn merge_file(name: &str, base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> MergeOutcome {
    if name == CONFIG_FILE {
        return merge_config(base, ours, theirs);
    }
    match service_of_file(name) {
        Some(service) => merge_service(&service, base, ours, theirs),
        None => MergeOutcome::NotAVaultFile,
    }
}

/// The text written in place of a file that cannot be merged: it starts
/// with git's conflict marker and is not JSON, so every reader refuses it
/// and `preflight` names it. The three versions stay in git's index
/// (`git checkout --ours` / `--theirs` on the path).
fn unmergeable(file: &str, side: &str, why: &Error) -> MergeOutcome {
    let reason = match why {
        // Its own message already names the file and the `resolve` command.
        Error::Conflict { .. } | Error::ConfigConflict => {
            "it is itself an unresolved merge".to_owned()
        }
        other => other.to_string(),
    };
    MergeOutcome::Unmergeable(
        format!(
            "<<<<<<< agent-secrets merge driver\n\
             {file} was not merged: {side} is not a document of the vault format ({reason}).\n\
             Take one side whole (`git checkout --ours` or `--theirs` on this file), then set the other side's values again.\n\
             >>>>>>> agent-secrets merge driver\n"
        )
        .into_bytes(),
    )
}

/// The three-way merge of a service document (see the module's table).
pub fn merge_service(
    service: &ServiceName,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
) -> MergeOutcome {
    let file = service_file(service);
    let ours = match parse_service(service, ours) {
        Ok(doc) => doc,
        Err(e) => return unmergeable(&file, "our side", &e),
    };
    let theirs = match parse_service(service, theirs) {
        Ok(doc) => doc,
        Err(e) => return unmergeable(&file, "their side", &e),
    };
    let base = base
        .and_then(|bytes| parse_service(service, bytes).ok())
        .map(|doc| doc.secrets)
        .unwrap_or_default();
    let mut secrets = BTreeMap::new();
    let mut conflicts = BTreeMap::new();
    let keys: std::collections::BTreeSet<&KeyName> =
        ours.secrets.keys().chain(theirs.secrets.keys()).collect();
    for key in keys {
        let (b, o, t) = (
            base.get(key),
            ours.secrets.get(key),
            theirs.secrets.get(key),
        );
        let merged = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            conflicts.insert(
                key.clone(),
                ConflictSides {
                    ours: o.cloned(),
                    theirs: t.cloned(),
                },
            );
            continue;
        };
        if let Some(entry) = merged {
            secrets.insert(key.clone(), entry.clone());
        }
    }
    if conflicts.is_empty() {
        let mut doc = ServiceDoc::new(service);
        doc.secrets = secrets;
        return MergeOutcome::Clean(to_bytes(&doc));
    }
    MergeOutcome::Conflict(to_bytes(&ServiceConflictDoc {
        format: SERVICE_CONFLICT_FORMAT.to_owned(),
        version: VERSION,
        service: service.clone(),
        secrets,
        conflicts,
    }))
}

/// `config.json`: both sides the same, or one side unchanged from the
/// base (all compared by parsed content, not bytes) → that content;
/// changed on both → [`MergeOutcome::ConfigBothChanged`]. A side that
/// does not parse (its MAC cannot be checked here) is unmergeable.
pub fn merge_config(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> MergeOutcome {
    let ours_doc = match parse_config(ours) {
        Ok(doc) => doc,
        Err(e) => return unmergeable(CONFIG_FILE, "our side", &e),
    };
    let theirs_doc = match parse_config(theirs) {
        Ok(doc) => doc,
        Err(e) => return unmergeable(CONFIG_FILE, "their side", &e),
    };
    let base_doc: Option<ConfigDoc> = base.and_then(|b| parse_config(b).ok());
    if ours_doc == theirs_doc || base_doc.as_ref() == Some(&theirs_doc) {
        MergeOutcome::Clean(ours.to_vec())
    } else if base_doc.as_ref() == Some(&ours_doc) {
        MergeOutcome::Clean(theirs.to_vec())
    } else {
        MergeOutcome::ConfigBothChanged
    }
}

/// The config conflict document for a `config.json` changed on both
/// sides: the three documents embedded as JSON (`base` as `null` when
/// absent or not parsing). `ours` and `theirs` must parse
/// ([`merge_config`] checked them); otherwise the result is unmergeable.
pub fn config_conflict(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> MergeOutcome {
    let tree = |bytes: &[u8]| -> Result<serde_json::Value, Error> {
        parse_config(bytes)?;
        serde_json::from_slice(bytes).map_err(|_| Error::InvalidParameter("JSON"))
    };
    let ours = match tree(ours) {
        Ok(v) => v,
        Err(e) => return unmergeable(CONFIG_FILE, "our side", &e),
    };
    let theirs = match tree(theirs) {
        Ok(v) => v,
        Err(e) => return unmergeable(CONFIG_FILE, "their side", &e),
    };
    MergeOutcome::Conflict(to_bytes(&ConfigConflictDoc {
        format: CONFIG_CONFLICT_FORMAT.to_owned(),
        version: VERSION,
        base: base.and_then(|b| tree(b).ok()),
        ours,
        theirs,
    }))
}

/// What resolving one key of a conflict document leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Other keys are still in conflict: the conflict document to write.
    StillInConflict(Vec<u8>),
    /// The last conflict is resolved: the normal service document to write.
    Service(Vec<u8>),
    /// The last conflict is resolved and no secret is left: remove the file.
    Remove,
}

impl Resolved {
    /// The bytes to write; `None` for [`Resolved::Remove`].
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Self::StillInConflict(b) | Self::Service(b) => Some(b),
            Self::Remove => None,
        }
    }
}

/// Resolves `key` of a service conflict document by taking `side`'s entry
/// (or its deletion) into `secrets`. A document that is not a conflict
/// document, or has no conflict for `key`, is [`Error::NotInConflict`].
pub fn resolve_service(
    service: &ServiceName,
    bytes: &[u8],
    key: &KeyName,
    side: Side,
) -> Result<Resolved, Error> {
    let not_in_conflict = || Error::NotInConflict {
        service: service.to_string(),
        key: key.to_string(),
    };
    let mut doc = match parse_service_conflict(service, bytes) {
        Ok(doc) => doc,
        // A normal document has nothing to resolve; anything else is refused
        // with the normal parser's own error (corrupt, newer).
        Err(e) => return Err(parse_service(service, bytes).map_or(e, |_| not_in_conflict())),
    };
    let sides = doc.conflicts.remove(key).ok_or_else(not_in_conflict)?;
    let chosen: Option<SecretEntry> = match side {
        Side::Ours => sides.ours,
        Side::Theirs => sides.theirs,
    };
    if let Some(entry) = chosen {
        doc.secrets.insert(key.clone(), entry);
    }
    if !doc.conflicts.is_empty() {
        return Ok(Resolved::StillInConflict(to_bytes(&doc)));
    }
    if doc.secrets.is_empty() {
        return Ok(Resolved::Remove);
    }
    let mut out = ServiceDoc::new(service);
    out.secrets = doc.secrets;
    Ok(Resolved::Service(to_bytes(&out)))
}

/// The `config.json` of `side` from a config conflict document, whole
/// (its MAC is verified at the next unlock, as always). A `config.json`
/// that is not a conflict document is [`Error::ConfigNotInConflict`].
pub fn resolve_config(bytes: &[u8], side: Side) -> Result<Vec<u8>, Error> {
    let doc = match crate::format::parse_config_conflict(bytes) {
        Ok(doc) => doc,
        Err(e) => return Err(parse_config(bytes).map_or(e, |_| Error::ConfigNotInConflict)),
    };
    Ok(doc.side_bytes(side == Side::Theirs))
}

/// [`resolve_service`] on a vault's file, under the write lock: the
/// document is read, resolved and written (or removed) while the lock is
/// held. Needs no key: entries move whole.
pub fn resolve<S: Store + ?Sized>(
    store: &S,
    service: &ServiceName,
    key: &KeyName,
    side: Side,
) -> Result<Resolved, Error> {
    let _lock = WriteLock::take(store)?;
    let file = service_file(service);
    let bytes = store.read(&file)?.ok_or_else(|| Error::ServiceNotFound {
        service: service.to_string(),
    })?;
    let resolved = resolve_service(service, &bytes, key, side)?;
    match resolved.bytes() {
        Some(out) => store.write(&file, out)?,
        None => store.remove(&file)?,
    }
    Ok(resolved)
}

/// [`resolve_config`] on a vault's `config.json`, under the write lock.
pub fn resolve_config_in<S: Store + ?Sized>(store: &S, side: Side) -> Result<(), Error> {
    let _lock = WriteLock::take(store)?;
    let bytes = store.read(CONFIG_FILE)?.ok_or(Error::NotInitialized)?;
    let out = resolve_config(&bytes, side)?;
    store.write(CONFIG_FILE, &out)?;
    Ok(())
}

/// The keys in conflict of a service conflict document, for `list` and
/// `preflight`; `None` when `bytes` is not one.
pub fn conflicted_keys(service: &ServiceName, bytes: &[u8]) -> Option<Vec<KeyName>> {
    parse_service_conflict(service, bytes)
        .ok()
        .map(|doc| doc.conflicts.into_keys().collect())
}

/// What an unfinished merge left in a file of the vault folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// git's conflict markers (`<<<<<<< `, `=======`, `>>>>>>> ` at the
    /// start of a line): a text merge, the merge driver was not used (or
    /// could not merge). Take one side whole with git.
    Markers,
    /// A service conflict document and its keys in conflict.
    Service(Vec<KeyName>),
    /// A config conflict document.
    Config,
}

/// Whether the file `name` of the vault folder holds an unfinished merge
/// (for `preflight`); `None` when it does not (it may still be corrupt).
pub fn unresolved(name: &str, bytes: &[u8]) -> Option<Unresolved> {
    let marker = |line: &[u8]| {
        line.starts_with(b"<<<<<<< ")
            || line.starts_with(b">>>>>>> ")
            || line == b"======="
            || line == b"=======\r"
    };
    if bytes.split(|b| *b == b'\n').any(marker) {
        return Some(Unresolved::Markers);
    }
    if name == CONFIG_FILE {
        return crate::format::parse_config_conflict(bytes)
            .ok()
            .map(|_| Unresolved::Config);
    }
    let service = service_of_file(name)?;
    conflicted_keys(&service, bytes).map(Unresolved::Service)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Base64, Fixed};
    use crate::Timestamp;

    fn entry(n: u8) -> SecretEntry {
        let t = Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").expect("time");
        SecretEntry {
            key_id: "k1".to_owned(),
            nonce: Fixed([n; 12]),
            ciphertext: Base64(vec![n; 4]),
            tag: Fixed([n; 16]),
            created_at: t,
            updated_at: t,
        }
    }

    fn svc() -> ServiceName {
        ServiceName::parse("stripe").expect("name")
    }

    fn key(k: &str) -> KeyName {
        KeyName::parse(k).expect("key")
    }

    fn doc(entries: &[(&str, u8)]) -> Vec<u8> {
        let mut d = ServiceDoc::new(&svc());
        for (k, n) in entries {
            d.secrets.insert(key(k), entry(*n));
        }
        to_bytes(&d)
    }

    fn clean(outcome: MergeOutcome) -> ServiceDoc {
        assert!(matches!(outcome, MergeOutcome::Clean(_)), "{outcome:?}");
        parse_service(&svc(), outcome.bytes().expect("bytes")).expect("parses")
    }

    fn conflict(outcome: MergeOutcome) -> ServiceConflictDoc {
        assert!(matches!(outcome, MergeOutcome::Conflict(_)), "{outcome:?}");
        parse_service_conflict(&svc(), outcome.bytes().expect("bytes")).expect("parses")
    }

    fn still(r: Result<Resolved, Error>) -> Vec<u8> {
        let r = r.expect("resolves");
        assert!(matches!(r, Resolved::StillInConflict(_)), "{r:?}");
        r.bytes().expect("bytes").to_vec()
    }

    fn done(r: Result<Resolved, Error>) -> Vec<u8> {
        let r = r.expect("resolves");
        assert!(matches!(r, Resolved::Service(_)), "{r:?}");
        r.bytes().expect("bytes").to_vec()
    }

    #[test]
    fn the_rules_key_by_key() {
        let base = doc(&[
            ("same", 1),
            ("ours_changes", 2),
            ("theirs_changes", 3),
            ("ours_deletes", 4),
            ("theirs_deletes", 5),
            ("both_change_alike", 6),
        ]);
        let ours = doc(&[
            ("same", 1),
            ("ours_changes", 20),
            ("theirs_changes", 3),
            ("theirs_deletes", 5),
            ("both_change_alike", 60),
            ("ours_adds", 7),
        ]);
        let theirs = doc(&[
            ("same", 1),
            ("ours_changes", 2),
            ("theirs_changes", 30),
            ("ours_deletes", 4),
            ("both_change_alike", 60),
            ("theirs_adds", 8),
        ]);
        let merged = clean(merge_service(&svc(), Some(&base), &ours, &theirs));
        let got: Vec<(&str, u8)> = merged
            .secrets
            .iter()
            .map(|(k, e)| (k.as_str(), e.nonce.0[0]))
            .collect();
        assert_eq!(
            got,
            [
                ("both_change_alike", 60),
                ("ours_adds", 7),
                ("ours_changes", 20),
                ("same", 1),
                ("theirs_adds", 8),
                ("theirs_changes", 30),
            ]
        );
        // The same whichever side is which.
        let swapped = clean(merge_service(&svc(), Some(&base), &theirs, &ours));
        assert_eq!(swapped, merged);
    }

    #[test]
    fn conflicts_keep_both_sides_and_everything_else() {
        let base = doc(&[("a", 1), ("b", 2), ("c", 3)]);
        let ours = doc(&[("a", 10), ("b", 20), ("x", 40)]);
        let theirs = doc(&[("a", 11), ("c", 3), ("x", 41), ("y", 5)]);
        // a: changed on both; b: changed (ours) vs deleted (theirs);
        // c: deleted (ours), unchanged (theirs) -> deleted; x: added on both.
        let c = conflict(merge_service(&svc(), Some(&base), &ours, &theirs));
        assert_eq!(
            c.secrets.keys().map(KeyName::as_str).collect::<Vec<_>>(),
            ["y"]
        );
        assert_eq!(c.conflicts.len(), 3);
        assert_eq!(c.conflicts[&key("a")].ours, Some(entry(10)));
        assert_eq!(c.conflicts[&key("a")].theirs, Some(entry(11)));
        assert_eq!(c.conflicts[&key("b")].theirs, None);
        assert_eq!(c.conflicts[&key("x")].theirs, Some(entry(41)));
        // Every reader refuses it, naming the keys and the command.
        let bytes = to_bytes(&c);
        let e = parse_service(&svc(), &bytes).expect_err("refused");
        assert_eq!(e.kind(), crate::ErrorKind::Conflict);
        let msg = e.to_string();
        assert!(
            msg.contains("'a', 'b', 'x'") && msg.contains("agent secret resolve stripe KEY --ours"),
            "{msg}"
        );
        // Resolve one by one.
        let bytes = still(resolve_service(&svc(), &bytes, &key("a"), Side::Theirs));
        let bytes = still(resolve_service(&svc(), &bytes, &key("b"), Side::Theirs));
        assert!(matches!(
            resolve_service(&svc(), &bytes, &key("a"), Side::Ours),
            Err(Error::NotInConflict { .. })
        ));
        let bytes = done(resolve_service(&svc(), &bytes, &key("x"), Side::Ours));
        let done = parse_service(&svc(), &bytes).expect("a normal document");
        let got: Vec<(&str, u8)> = done
            .secrets
            .iter()
            .map(|(k, e)| (k.as_str(), e.nonce.0[0]))
            .collect();
        assert_eq!(got, [("a", 11), ("x", 40), ("y", 5)]);
        assert!(matches!(
            resolve_service(&svc(), &bytes, &key("a"), Side::Ours),
            Err(Error::NotInConflict { .. })
        ));
    }

    #[test]
    fn no_base_means_added_on_both_sides() {
        let ours = doc(&[("a", 1), ("b", 2)]);
        let theirs = doc(&[("a", 1), ("b", 3), ("c", 4)]);
        for base in [None, Some(&b""[..]), Some(&b"<<<<<<< not json"[..])] {
            let c = conflict(merge_service(&svc(), base, &ours, &theirs));
            assert_eq!(
                c.conflicts.keys().map(KeyName::as_str).collect::<Vec<_>>(),
                ["b"]
            );
            assert_eq!(
                c.secrets.keys().map(KeyName::as_str).collect::<Vec<_>>(),
                ["a", "c"]
            );
        }
    }

    #[test]
    fn a_side_that_does_not_parse_gives_a_file_nobody_reads() {
        let good = doc(&[("a", 1)]);
        let markers = b"<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> x\n".to_vec();
        let other = ServiceName::parse("other").expect("name");
        let mut wrong_service = ServiceDoc::new(&other);
        wrong_service.secrets.insert(key("a"), entry(1));
        let wrong_service = to_bytes(&wrong_service);
        let c = to_bytes(&conflict(merge_service(
            &svc(),
            None,
            &good,
            &doc(&[("a", 2)]),
        )));
        for bad in [&markers, &wrong_service, &c] {
            for (o, t) in [(&good, bad), (bad, &good)] {
                let outcome = merge_service(&svc(), None, o, t);
                assert!(
                    matches!(outcome, MergeOutcome::Unmergeable(_)),
                    "{outcome:?}"
                );
                let out = outcome.bytes().expect("bytes").to_vec();
                let text = String::from_utf8(out.clone()).expect("text");
                assert!(
                    text.starts_with("<<<<<<< ") && text.contains("stripe.json"),
                    "{text}"
                );
                assert!(parse_service(&svc(), &out).is_err());
                assert_eq!(unresolved("stripe.json", &out), Some(Unresolved::Markers));
            }
        }
    }

    #[test]
    fn removal_when_the_last_secret_goes() {
        let ours = doc(&[("a", 1)]);
        let base = doc(&[("a", 0)]);
        let theirs = doc(&[]);
        let c = to_bytes(&conflict(merge_service(
            &svc(),
            Some(&base),
            &ours,
            &theirs,
        )));
        assert_eq!(
            resolve_service(&svc(), &c, &key("a"), Side::Theirs).expect("r"),
            Resolved::Remove
        );
        let out = done(resolve_service(&svc(), &c, &key("a"), Side::Ours));
        assert_eq!(parse_service(&svc(), &out).expect("doc").secrets.len(), 1);
    }

    #[test]
    fn conflict_documents_are_parsed_strictly() {
        use serde_json::json;
        let good = to_bytes(&conflict(merge_service(
            &svc(),
            None,
            &doc(&[("a", 1)]),
            &doc(&[("a", 2)]),
        )));
        let tree: serde_json::Value = serde_json::from_slice(&good).expect("json");
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut t = tree.clone();
            f(&mut t);
            parse_service_conflict(&svc(), t.to_string().as_bytes())
        };
        assert!(edit(&|_| {}).is_ok());
        for bad in [
            edit(&|t| t["conflicts"] = json!({})),
            edit(&|t| t["extra"] = json!(1)),
            edit(&|t| t["conflicts"]["a"]["mine"] = json!(null)),
            edit(&|t| {
                t["conflicts"]["a"]
                    .as_object_mut()
                    .expect("o")
                    .remove("theirs");
            }),
            edit(&|t| t["conflicts"]["a"] = json!({"ours": null, "theirs": null})),
            edit(&|t| t["secrets"]["a"] = t["conflicts"]["a"]["ours"].clone()),
            edit(&|t| t["service"] = json!("other")),
            edit(&|t| t["conflicts"]["a"]["ours"]["key_id"] = json!("k 1")),
            edit(&|t| t["conflicts"]["../x"] = t["conflicts"]["a"].clone()),
        ] {
            assert!(matches!(bad, Err(Error::Corrupt { .. })), "{bad:?}");
        }
        let newer = edit(&|t| t["version"] = json!(2));
        assert!(matches!(newer, Err(Error::NewerVersion { .. })));
        // The normal parser says corrupt (not conflict) for a broken one.
        let mut t = tree.clone();
        t["conflicts"] = json!({});
        assert!(matches!(
            parse_service(&svc(), t.to_string().as_bytes()),
            Err(Error::Corrupt { .. })
        ));
    }

    #[test]
    fn unfinished_merges_are_recognised() {
        for text in [
            "{\n<<<<<<< HEAD\n",
            "{\n>>>>>>> theirs\n",
            "{\n=======\n}",
            "{\r\n=======\r\n}",
        ] {
            assert_eq!(
                unresolved("stripe.json", text.as_bytes()),
                Some(Unresolved::Markers),
                "{text:?}"
            );
            assert_eq!(
                unresolved("config.json", text.as_bytes()),
                Some(Unresolved::Markers)
            );
        }
        // Not markers: a marker-like text inside a line, a longer rule.
        let plain = doc(&[("a", 1)]);
        for text in [&b"{\"x\": \"<<<<<<< \"}"[..], b"{\n========\n}", &plain] {
            assert_eq!(unresolved("stripe.json", text), None);
        }
        assert_eq!(unresolved("config.json", &plain), None);
        assert_eq!(unresolved("audit.log", &plain), None);
        let c = to_bytes(&conflict(merge_service(
            &svc(),
            None,
            &doc(&[("a", 1)]),
            &doc(&[("a", 2)]),
        )));
        assert_eq!(unresolved("audit.log", &c), None);
        assert_eq!(conflicted_keys(&svc(), &plain), None);
        assert_eq!(
            conflicted_keys(&svc(), &c),
            Some(vec![KeyName::parse("a").expect("name")]),
            "the key in conflict, by name"
        );
        assert_eq!(
            MergeOutcome::ConfigBothChanged.bytes(),
            None,
            "no bytes to write"
        );
        assert_eq!(MergeOutcome::NotAVaultFile.bytes(), None);
        assert_eq!(Resolved::Remove.bytes(), None);
    }

    #[test]
    fn a_config_conflict_needs_two_sides_that_parse() {
        let plain = doc(&[("a", 1)]);
        let not_a_config = b"{}".to_vec();
        for (o, t) in [(&plain, &not_a_config), (&not_a_config, &plain)] {
            let outcome = config_conflict(None, o, t);
            assert!(
                matches!(outcome, MergeOutcome::Unmergeable(_)),
                "{outcome:?}"
            );
            let text = String::from_utf8(outcome.bytes().expect("bytes").to_vec()).expect("text");
            assert!(text.contains("config.json was not merged"), "{text}");
        }
        // A service document is no config: merging it as one is unmergeable too.
        let outcome = merge_file("config.json", None, &plain, &plain);
        assert!(
            matches!(outcome, MergeOutcome::Unmergeable(_)),
            "{outcome:?}"
        );
        let outcome = merge_file("config.json", None, &not_a_config, &not_a_config);
        assert!(
            matches!(outcome, MergeOutcome::Unmergeable(_)),
            "{outcome:?}"
        );
        assert!(matches!(
            resolve_config(&plain, Side::Ours),
            Err(Error::Corrupt { .. })
        ));
    }
}
