//! `agent secret audit [--verify [--chain-only]] [--tail N] [--json]` — the
//! log holds names, never values. `--verify` checks the hash chain, and
//! with the password (when one is given or can be asked for) the MACs of
//! the lines written by unlocked commands.

use agent_secrets_core::audit::{self, AuditLine, AUDIT_FILE};
use agent_secrets_core::{Error, Store};
use serde::Serialize;

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::{exit, CliError};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check the hash chain and, with the password, the lines' MACs; name the first line that fails (exit 6).
    #[arg(long)]
    pub verify: bool,
    /// With --verify: check the hash chain only, without asking for the password.
    #[arg(long, requires = "verify")]
    pub chain_only: bool,
    /// Only the last N events.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    /// JSON: the events as stored (array), or the verification result.
    #[arg(long)]
    pub json: bool,
}

/// Reading the trail is not itself recorded.
pub fn audit_target(_args: &Args) -> Option<Target> {
    None
}

#[derive(Serialize)]
struct VerifyJson {
    ok: bool,
    lines: usize,
    macs_checked: bool,
    authenticated: usize,
    unauthenticated: usize,
    earlier_key: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_broken_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    let log = ctx
        .store
        .read(AUDIT_FILE)
        .map_err(Error::from)?
        .unwrap_or_default();
    if args.verify {
        // The MACs need the vault key: from an open session, else the
        // password when there is a source for it.
        let session = if args.chain_only {
            None
        } else {
            super::open_session(&ctx.store, &ctx.inputs)?
        };
        let result = match session {
            Some(vault) => audit::verify_with_key(&log, vault.audit_key()),
            None if !args.chain_only && ctx.inputs.has_password_source() => {
                let vault = super::unlock_with_password(&ctx.store, &mut ctx.inputs)?;
                audit::verify_with_key(&log, vault.audit_key())
            }
            None => audit::verify(&log),
        };
        if args.json {
            output::json(&VerifyJson {
                ok: result.first_broken.is_none(),
                lines: result.lines,
                macs_checked: result.macs_checked,
                authenticated: result.authenticated,
                unauthenticated: result.unauthenticated,
                earlier_key: result.earlier_key,
                first_broken_line: result.first_broken.as_ref().map(|b| b.0),
                reason: result.first_broken.as_ref().map(|b| b.1.clone()),
            })?;
        }
        return match result.first_broken {
            None => {
                if !args.json {
                    output::line(&format!("audit.log: {}", result.summary()))?;
                }
                Ok(())
            }
            Some(_) => Err(CliError::Reported {
                message: format!("audit.log: {}", result.summary()),
                code: exit::INTEGRITY,
            }),
        };
    }
    let (lines, bad) = audit::parse_lines(&log);
    let shown: &[AuditLine] = match args.tail {
        Some(n) => &lines[lines.len().saturating_sub(n)..],
        None => &lines,
    };
    if args.json {
        output::json(&shown)?;
    } else if shown.is_empty() {
        output::note("The audit trail is empty.");
    } else {
        let rows: Vec<Vec<String>> = shown
            .iter()
            .map(|l| {
                let e = &l.event;
                let target = match (&e.service, &e.key) {
                    (Some(s), Some(k)) => format!("{s}/{k}"),
                    (Some(s), None) => s.clone(),
                    _ => "-".to_owned(),
                };
                vec![
                    l.seq.to_string(),
                    e.timestamp.to_string(),
                    e.operation.as_str().to_owned(),
                    target,
                    e.status.as_str().to_owned(),
                    e.user.clone(),
                    e.source.clone(),
                ]
            })
            .collect();
        output::line(&output::table(
            &[
                "SEQ",
                "TIME",
                "OPERATION",
                "SECRET",
                "STATUS",
                "USER",
                "SOURCE",
            ],
            &rows,
        ))?;
    }
    if !bad.is_empty() {
        output::note(&format!(
            "warning: {} line(s) of audit.log are not audit events (first: line {}); run `agent secret audit --verify`.",
            bad.len(),
            bad[0]
        ));
    }
    Ok(())
}
