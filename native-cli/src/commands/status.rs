//! `agent secret status [--json]` — no password needed.

use agent_secrets_core::Error;
use serde::Serialize;

use crate::context::Context;
use crate::error::{exit, CliError};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    dir: &'a str,
    initialized: bool,
    #[serde(flatten)]
    status: Option<&'a agent_secrets_core::Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<SessionJson>,
    problems: Vec<String>,
}

/// `"session"`: `{"state": "locked"}` or the agent's state.
#[derive(Serialize)]
#[serde(untagged)]
enum SessionJson {
    Locked { state: &'static str },
    Unlocked(crate::session::State),
}

/// This vault's session, and its line for people.
fn session_of(ctx: &Context) -> (SessionJson, String) {
    let locked = || (SessionJson::Locked { state: "locked" }, "locked".to_owned());
    let place = match crate::session::Place::of(&ctx.store) {
        Ok(Some(place)) => place,
        Ok(None) => return locked(),
        Err(e) => {
            output::note(&format!("warning: {e}"));
            return locked();
        }
    };
    match crate::session::status(&place) {
        Ok(Some(state)) if state.vault == place.vault => {
            let line = format!(
                "unlocked, ends in {} (at the latest in {})",
                agent_secrets_core::session::format_seconds(u64::from(state.ends_in_seconds)),
                agent_secrets_core::session::format_seconds(u64::from(state.max_in_seconds)),
            );
            (SessionJson::Unlocked(state), line)
        }
        Ok(_) => locked(),
        Err(e) => {
            output::note(&format!("warning: {e}"));
            locked()
        }
    }
}

pub fn run(ctx: &Context, args: &Args) -> Result<(), CliError> {
    let dir = ctx.store.display();
    let (status, problems) = match agent_secrets_core::status(&ctx.store) {
        Ok(found) => found,
        Err(Error::NotInitialized) => {
            if args.json {
                output::json(&StatusJson {
                    dir,
                    initialized: false,
                    status: None,
                    session: None,
                    problems: Vec::new(),
                })?;
            } else {
                output::line(&format!(
                    "No vault in {dir}. Create one with: agent secret init"
                ))?;
            }
            return Err(CliError::Reported {
                message: "Vault not initialized.".to_owned(),
                code: exit::NOT_INITIALIZED,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let (session, session_line) = session_of(ctx);
    if args.json {
        output::json(&StatusJson {
            dir,
            initialized: true,
            status: Some(&status),
            session: Some(session),
            problems: problems.iter().map(ToString::to_string).collect(),
        })?;
    } else {
        let rows = vec![
            vec!["vault".to_owned(), dir.to_owned()],
            vec![
                "kdf".to_owned(),
                format!("pbkdf2-hmac-sha256, {} iterations", status.iterations),
            ],
            vec!["cipher".to_owned(), "aes-256-gcm".to_owned()],
            vec!["vault key".to_owned(), status.vault_key_id.clone()],
            vec!["recipients".to_owned(), status.recipients.join(", ")],
            vec![
                "keys".to_owned(),
                format!(
                    "{} (active: {})",
                    status.key_ids.join(", "),
                    status.active_key
                ),
            ],
            vec!["services".to_owned(), status.services.to_string()],
            vec!["secrets".to_owned(), status.secrets.to_string()],
            vec![
                "lockout".to_owned(),
                format!(
                    "after {} failed attempts, {} s doubling to {} s (unverified: read without the password)",
                    status.lockout.max_attempts,
                    status.lockout.base_delay_seconds,
                    status.lockout.max_delay_seconds
                ),
            ],
            vec!["created".to_owned(), status.created_at.to_string()],
            vec!["updated".to_owned(), status.updated_at.to_string()],
            vec!["session".to_owned(), session_line],
        ];
        output::line(output::table(&["", ""], &rows).trim_start())?;
        for p in &problems {
            output::note(&format!("error: {p}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Reported {
            message: format!("{} service file(s) could not be read.", problems.len()),
            code: exit::INTEGRITY,
        })
    }
}
