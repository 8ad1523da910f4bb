//! `agent secret resolve SERVICE KEY --ours|--theirs` and `agent secret
//! resolve --config --ours|--theirs`: finish a merge the merge driver left
//! with conflicts. No password: entries (and a whole `config.json`) move
//! as they are; the core does it under the write lock
//! ([`agent_secrets_core::merge`]).

use std::io::IsTerminal;

use agent_secrets_core::audit::{Auth, Operation};
use agent_secrets_core::format::CONFIG_FILE;
use agent_secrets_core::merge::{self, Resolved, Side};
use agent_secrets_core::merge_config;
use agent_secrets_core::{Error, KeyName, ServiceName, Store};

use crate::audit_log::{self, Target};
use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("side").args(["ours", "theirs"])))]
pub struct Args {
    /// The service whose file is in conflict (not with --config).
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub service: Option<ServiceName>,
    /// The key to resolve.
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub key: Option<KeyName>,
    /// Resolve config.json: merge both sides with the vault key (a session's, or the
    /// password), or take one side's file whole with --ours/--theirs.
    #[arg(long)]
    pub config: bool,
    /// Take the side of the branch merged into (the current branch).
    #[arg(long)]
    pub ours: bool,
    /// Take the side of the branch merged in.
    #[arg(long)]
    pub theirs: bool,
}

impl Args {
    fn side(&self) -> Option<Side> {
        match (self.ours, self.theirs) {
            (true, _) => Some(Side::Ours),
            (_, true) => Some(Side::Theirs),
            _ => None,
        }
    }
}

/// The line names the service, the key and (by its operation) the side;
/// `resolve --config` without a side is `config_merge`.
pub fn audit_target(args: &Args) -> Option<Target> {
    let operation = match args.side() {
        Some(Side::Ours) => Operation::ResolveOurs,
        Some(Side::Theirs) => Operation::ResolveTheirs,
        None if args.config => Operation::ConfigMerge,
        None => return None, // a usage error: nothing touched
    };
    Some(match &args.service {
        Some(service) if !args.config => Target::secret(operation, service, args.key.as_ref()),
        _ => Target::vault(operation),
    })
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let Some(side) = args.side() else {
        if args.config {
            return merge_config_with_key(ctx);
        }
        return Err(CliError::Usage(
            "resolve SERVICE KEY needs --ours or --theirs.".to_owned(),
        ));
    };
    if args.config {
        merge::resolve_config_in(&ctx.store, side)?;
        output::line(&format!(
            "config.json: took {} side whole; its MAC is verified at the next unlock. Repeat the other side's change if it is still wanted (e.g. `agent secret recipients add`), then commit.",
            side_words(side)
        ))?;
        return Ok(());
    }
    let (Some(service), Some(key)) = (&args.service, &args.key) else {
        return Err(Error::InvalidParameter("resolve needs SERVICE and KEY, or --config").into());
    };
    let what = match merge::resolve(&ctx.store, service, key, side)? {
        Resolved::StillInConflict(bytes) => {
            let left = merge::conflicted_keys(service, &bytes).unwrap_or_default();
            let left: Vec<&str> = left.iter().map(|k| k.as_str()).collect();
            format!("still in conflict: {}", left.join(", "))
        }
        Resolved::Service(_) => format!("{service}.json has no conflict left; commit it"),
        Resolved::Remove => format!("no secret was left, so {service}.json was removed; commit it"),
    };
    output::line(&format!(
        "{service}/{key}: took {} side ({what}).",
        side_words(side)
    ))?;
    Ok(())
}

fn side_words(side: Side) -> &'static str {
    match side {
        Side::Ours => "our",
        Side::Theirs => "their",
    }
}

/// `resolve --config` without a side: the three-way merge of the config
/// conflict document's versions with the vault key (the open session's,
/// else the password's: one counted attempt), done by the core under the
/// write lock ([`merge_config::resolve`]), which then finishes a rotation
/// one side had made. The audit line (`config_merge`) is MAC'ed with the
/// result's key.
fn merge_config_with_key(ctx: &mut Context) -> Result<(), CliError> {
    let store = &ctx.store;
    let bytes = store
        .read(CONFIG_FILE)
        .map_err(Error::from)?
        .ok_or(Error::NotInitialized)?;
    let sides = merge_config::conflict_sides(&bytes)?;
    let ids = merge_config::wanted_key_ids(&sides.ours, &sides.theirs);
    let held = if ctx.inputs.session_allowed() {
        crate::session::held_keys(store, &ids)
    } else {
        Vec::new()
    };
    // A session holds one vault key: when one side rotated, the other
    // side's key comes from the password.
    let (keys, auth) = if held.len() < ids.len() {
        let password = ctx.inputs.password()?;
        let mut all: Vec<&[u8]> = vec![&sides.ours, &sides.theirs];
        if let Some(b) = &sides.base {
            all.push(b);
        }
        let mut keys = merge_config::keys_from_password(store, &all, &password, now())?;
        keys.extend(held);
        (keys, None)
    } else {
        (held, Some(Auth::Session))
    };
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize| {
        if show_progress && (done == total || done % 16 == 0) {
            output::progress(
                &format!("Re-encrypting values: {done}/{total}"),
                done == total,
            );
        }
    };
    let resolution = merge_config::resolve(
        store,
        &keys,
        auth,
        &crate::identity::AgeCli,
        now(),
        &mut progress,
    )?;
    let (vault, merged, finished) = match resolution {
        merge_config::Resolution::Conflict(reasons) => {
            return Err(CliError::Reported {
                message: format!(
                    "config.json: the two sides disagree ({}); nothing was written. Take one side whole with `agent secret resolve --config --ours` (or `--theirs`), then repeat the other side's change.",
                    reasons.join("; ")
                ),
                code: crate::error::exit::INTEGRITY,
            })
        }
        merge_config::Resolution::Resolved(resolved) => {
            (resolved.vault, resolved.merged, resolved.finished)
        }
    };
    audit_log::remember_key(vault.audit_key());
    audit_log::remember_auth(vault.auth());
    for note in &merged.notes {
        output::note(&format!("note: {note}"));
    }
    output::line(
        "config.json: both sides merged (each side's MAC verified, the result MAC'ed); commit it.",
    )?;
    match finished {
        None => {}
        Some(Ok(summary)) => output::line(&format!(
            "The rotation is finished: {} value(s) re-encrypted under data key {}.",
            summary.values_moved, summary.new_key
        ))?,
        Some(Err(e)) => output::note(&format!(
            "warning: the rotation is not finished ({e}); run `agent secret rotate` once that is fixed."
        )),
    }
    Ok(())
}
