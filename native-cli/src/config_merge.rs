//! The three-way merge of `config.json` in the CLI: the merge driver's
//! attempt with an open session (no prompt, ever), and `agent secret
//! resolve --config` without a side (a session, else the password). The
//! core decides everything ([`agent_secrets_core::merge_config`]); this
//! finds the keys, reads and writes, and writes the audit lines.

use std::io::IsTerminal;
use std::path::Path;

use agent_secrets_core::audit::{self, AuditEvent, Auth, Operation, Status};
use agent_secrets_core::format::CONFIG_FILE;
use agent_secrets_core::merge_config::{self, Outcome, Resolution};
use agent_secrets_core::{Error, Store, VaultKey};

use crate::audit_log;
use crate::context::{lock_timeout, now, Context};
use crate::error::{exit, CliError};
use crate::fs_store::FileStore;
use crate::identity::AgeCli;
use crate::output;

/// The vault keys an open session of the vault in `store` holds among
/// `ids` (a session holds one key: a merge across a rotation needs the
/// password).
fn session_keys(store: &FileStore, ids: &[String]) -> Vec<VaultKey> {
    ids.iter()
        .filter_map(|id| crate::session::held_key(store, id))
        .collect()
}

/// The merge driver's hook for a `config.json` changed on both branches:
/// with an open session of the vault (the folder of `path`, relative to
/// the repository root git runs the driver from) holding the key of both
/// sides, the merged `config.json` (the caller writes it, exit 0), after an
/// audit line in that vault's `audit.log` (`config_merge`, `"auth":
/// "session"`). `None` — no session, or it holds another key, a conflict,
/// a side that does not verify — leaves the caller's conflict document;
/// the reason is said on stderr, which git shows.
pub fn driver_merge(
    path: &Path,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
) -> Option<Vec<u8>> {
    if !crate::session::allowed(false) {
        return None;
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let timeout = lock_timeout(std::env::var_os(agent_secrets_core::lock::TIMEOUT_VAR).as_deref())
        .unwrap_or(std::time::Duration::from_secs(10));
    let store = FileStore::new(dir, timeout);
    let keys = session_keys(&store, &merge_config::wanted_key_ids(ours, theirs));
    if keys.is_empty() {
        return None;
    }
    let shown = path.display();
    match merge_config::merge(base, ours, theirs, &keys, &AgeCli, now()) {
        Ok(Outcome::Merged(merged)) => {
            let event = AuditEvent::new(
                now(),
                Operation::ConfigMerge,
                Status::Success,
                &audit_log::user(),
                "cli",
            )
            .auth(Some(Auth::Session));
            if let Err(e) = audit::append_authenticated(&store, event, &merged.audit_key) {
                output::note(&format!("warning: the audit line was not written: {e}"));
            }
            output::note(&format!(
                "agent secrets: merged {shown} with the open session's key."
            ));
            for note in &merged.notes {
                output::note(&format!("agent secrets: {note}"));
            }
            if !merged.pending_keys.is_empty() {
                output::note(
                    "agent secrets: run `agent secret rotate` after the merge to move the other branch's values to the current data key.",
                );
            }
            Some(merged.config)
        }
        Ok(Outcome::Conflict(reasons)) => {
            for reason in reasons {
                output::note(&format!("agent secrets: {shown}: {reason}"));
            }
            None
        }
        Err(e) => {
            output::note(&format!(
                "agent secrets: {shown} was not merged with the session: {e}"
            ));
            None
        }
    }
}

/// `agent secret resolve --config` without a side: the three-way merge of
/// the config conflict document with the session's key when it holds the
/// key of both sides, else with the password (one attempt counted), then
/// the rotation finished when one side rotated. A conflict leaves the
/// document as it was (exit 6, the reasons listed).
pub fn resolve(ctx: &mut Context) -> Result<(), CliError> {
    let bytes = ctx
        .store
        .read(CONFIG_FILE)
        .map_err(Error::from)?
        .ok_or(Error::NotInitialized)?;
    let sides = merge_config::conflict_sides(&bytes)?;
    let ids = merge_config::wanted_key_ids(&sides.ours, &sides.theirs);
    let mut keys = if ctx.inputs.session_allowed() {
        session_keys(&ctx.store, &ids)
    } else {
        Vec::new()
    };
    let mut auth = Some(Auth::Session);
    if keys.len() < ids.len() {
        let password = ctx.inputs.password()?;
        let mut documents: Vec<&[u8]> = vec![&sides.ours, &sides.theirs];
        documents.extend(sides.base.as_deref());
        keys.extend(merge_config::keys_from_password(
            &ctx.store,
            &documents,
            &password,
            now(),
        )?);
        auth = None;
    }
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize| {
        if show_progress && (done == total || done % 16 == 0) {
            output::progress(
                &format!("Re-encrypting: {done}/{total} services"),
                done == total,
            );
        }
    };
    match merge_config::resolve(&ctx.store, &keys, auth, &AgeCli, now(), &mut progress)? {
        Resolution::Conflict(reasons) => Err(CliError::Reported {
            message: format!(
                "config.json was not merged: {}. Take one side with `agent secret resolve --config --ours` (or `--theirs`), then repeat the other side's change.",
                reasons.join("; ")
            ),
            code: exit::INTEGRITY,
        }),
        Resolution::Resolved(resolved) => {
            let (vault, merged, finished) = (resolved.vault, resolved.merged, resolved.finished);
            audit_log::remember_key(vault.audit_key());
            audit_log::remember_auth(vault.auth());
            output::line("config.json: merged both branches' changes (MAC'ed under the vault key); commit it.")?;
            for note in &merged.notes {
                output::line(&format!("- {note}"))?;
            }
            match finished {
                None => {}
                Some(Ok(summary)) => output::line(&format!(
                    "Finished the rotation: {} values in {} services re-encrypted under data key {}; dropped {}.",
                    summary.values_moved,
                    summary.services,
                    summary.new_key,
                    if summary.dropped_keys.is_empty() {
                        "no key".to_owned()
                    } else {
                        summary.dropped_keys.join(", ")
                    }
                ))?,
                Some(Err(e)) => output::note(&format!(
                    "warning: the rotation was not finished ({e}); resolve the service files, then run `agent secret rotate`."
                )),
            }
            Ok(())
        }
    }
}
