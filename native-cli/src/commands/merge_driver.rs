//! `agent secret merge-driver BASE OURS THEIRS PATH`: git's merge driver
//! for the vault's files (`%O %A %B %P`, set up by `agent secret
//! git-setup`). It merges without any key, never prompts and never runs
//! anything: the core decides ([`agent_secrets_core::merge`]), this only
//! reads the three files git hands over and writes the result into OURS.
//!
//! Exit 0: merged cleanly. Exit 1: a conflict (a conflict document was
//! written into OURS; git marks the path conflicted and keeps it), a side
//! that is not a document of the format (a file no reader accepts was
//! written), or a file that is not the vault's (OURS left as it is).

use std::io::Read;
use std::path::{Path, PathBuf};

use agent_secrets_core::audit::{self, AuditEvent, Auth, Operation, Status};
use agent_secrets_core::files::Document;
use agent_secrets_core::merge::{self, MergeOutcome};
use agent_secrets_core::merge_config;

use crate::context::now;
use crate::fs_store::FileStore;

use crate::error::{exit, CliError};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The common ancestor's version (git's %O).
    pub base: PathBuf,
    /// Our version, where the result is written (git's %A).
    pub ours: PathBuf,
    /// Their version (git's %B).
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P): its name chooses the merge.
    pub path: PathBuf,
}

/// Reads one of git's files, up to the cap of the document kind (a larger
/// one is refused, as the store refuses it).
fn read(path: &Path, max_bytes: u64) -> Result<Vec<u8>, CliError> {
    let cannot = |e: std::io::Error| CliError::Reported {
        message: format!("merge-driver: cannot read {}: {e}", path.display()),
        code: exit::ERROR,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > max_bytes {
        return Err(CliError::Reported {
            message: format!(
                "merge-driver: {} is larger than any file of the vault format; not merged.",
                path.display()
            ),
            code: exit::ERROR,
        });
    }
    Ok(bytes)
}

/// `config.json` changed on both branches. Merging it needs the vault key
/// of each side (each side's MAC is verified, the result gets a new one):
/// when this vault has an open session (`agent secret unlock`) holding it,
/// the core merges ([`merge_config::merge`]); without one, or when the
/// sides disagree, the three versions go into a config conflict document
/// for `agent secret resolve --config`. Never a prompt: git runs this
/// without a terminal.
fn config_both_changed(
    vault: &Path,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
) -> MergeOutcome {
    let store = FileStore::new(
        vault.to_path_buf(),
        agent_secrets_core::lock::DEFAULT_TIMEOUT,
    );
    let keys = crate::session::held_keys(&store, &merge_config::wanted_key_ids(ours, theirs));
    if keys.is_empty() {
        output::note(
            "agent secrets: config.json changed on both branches and no session holds this vault's key; left as a conflict for `agent secret resolve --config`.",
        );
        return merge::config_conflict(base, ours, theirs);
    }
    match merge_config::merge(base, ours, theirs, &keys, &crate::identity::AgeCli, now()) {
        Ok(merge_config::Outcome::Merged(merged)) => {
            // The vault's own trail records the merge, MAC'ed with the
            // result's key (the audit log is local, never merged).
            let event = AuditEvent::new(
                now(),
                Operation::ConfigMerge,
                Status::Success,
                &crate::audit_log::user(),
                "cli",
            )
            .auth(Some(Auth::Session));
            if let Err(e) = audit::append_authenticated(&store, event, &merged.audit_key) {
                output::note(&format!(
                    "agent secrets: warning: the audit line was not written: {e}"
                ));
            }
            output::note("agent secrets: merged config.json with the open session's key.");
            for note in &merged.notes {
                output::note(&format!("agent secrets: config.json: {note}"));
            }
            if !merged.pending_keys.is_empty() {
                output::note(
                    "agent secrets: config.json: the merge kept data keys of a rotated-away vault key; run `agent secret rotate` after the merge to re-encrypt under the active key.",
                );
            }
            MergeOutcome::Clean(merged.config)
        }
        Ok(merge_config::Outcome::Conflict(reasons)) => {
            output::note(&format!(
                "agent secrets: config.json: the two sides disagree ({}).",
                reasons.join("; ")
            ));
            merge::config_conflict(base, ours, theirs)
        }
        Err(e) => {
            output::note(&format!("agent secrets: config.json not merged: {e}"));
            merge::config_conflict(base, ours, theirs)
        }
    }
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let display = args.path.display().to_string();
    let name = args
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let kind = Document::of(name);
    if !matches!(kind, Document::Config | Document::Service) {
        return Err(CliError::Reported {
            message: format!(
                "agent secrets: {display} is not a file the merge driver merges; left as it is for a manual merge."
            ),
            code: exit::ERROR,
        });
    }
    let cap = kind.max_bytes();
    let base = read(&args.base, cap)?;
    let ours = read(&args.ours, cap)?;
    let theirs = read(&args.theirs, cap)?;
    // git passes an empty file when there is no common ancestor.
    let base = (!base.is_empty()).then_some(base.as_slice());
    let mut outcome = merge::merge_file(name, base, &ours, &theirs);
    if outcome == MergeOutcome::ConfigBothChanged {
        let vault = args.path.parent().unwrap_or_else(|| Path::new("."));
        outcome = config_both_changed(vault, base, &ours, &theirs);
    }
    let write = |bytes: &[u8]| {
        std::fs::write(&args.ours, bytes).map_err(|e| CliError::Reported {
            message: format!("merge-driver: cannot write {}: {e}", args.ours.display()),
            code: exit::ERROR,
        })
    };
    let conflict = |message: String| CliError::Reported {
        message,
        code: exit::ERROR,
    };
    match outcome {
        MergeOutcome::Clean(bytes) => {
            write(&bytes)?;
            output::note(&format!("agent secrets: merged {display} entry by entry."));
            Ok(())
        }
        MergeOutcome::Conflict(bytes) => {
            write(&bytes)?;
            Err(conflict(match agent_secrets_core::format::service_of_file(name) {
                Some(service) => {
                    let keys = merge::conflicted_keys(&service, &bytes).unwrap_or_default();
                    let keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
                    format!(
                        "agent secrets: {display}: {} key(s) changed differently on both branches ({}); every command refuses this service until each is resolved with `agent secret resolve {service} KEY --ours` (or `--theirs`).",
                        keys.len(),
                        keys.join(", ")
                    )
                }
                None => format!(
                    "agent secrets: {display} changed on both branches; the vault does not open until `agent secret resolve --config --ours` (or `--theirs`)."
                ),
            }))
        }
        MergeOutcome::Unmergeable(bytes) => {
            write(&bytes)?;
            Err(conflict(format!(
                "agent secrets: {display} was not merged: one side is not a document of the vault format; take one side whole with `git checkout --ours` or `--theirs`."
            )))
        }
        MergeOutcome::NotAVaultFile | MergeOutcome::ConfigBothChanged => Err(conflict(format!(
            "agent secrets: {display} is not a file of the vault format; left as it is for a manual merge."
        ))),
    }
}
