//! `agent secret get SERVICE KEY [--show] [--json]`

use agent_secrets_core::{env, mask, resolve, Error, KeyName, ServiceName, Source, Vault};
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Service, e.g. openai.
    pub service: ServiceName,
    /// Key within the service, e.g. api_key.
    pub key: KeyName,
    /// Print the value itself instead of the mask.
    #[arg(long)]
    pub show: bool,
    /// Print a JSON object (value masked unless --show).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct GetJson<'a> {
    service: &'a str,
    key: &'a str,
    value: &'a str,
    masked: bool,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variable: Option<&'a str>,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let vault: Option<Vault<&FileStore>> = if super::is_initialized(&ctx.store)? {
        Some(super::unlock(&ctx.store, &mut ctx.inputs)?)
    } else {
        None
    };
    let lookup = |name: &str| std::env::var(name).ok();
    let resolved = match resolve(vault.as_ref(), &args.service, &args.key, &lookup) {
        Ok(r) => r,
        Err(e) if vault.is_none() && e.kind() == agent_secrets_core::ErrorKind::NotFound => {
            return Err(Error::NotInitialized.into())
        }
        Err(e) => {
            if e.kind() == agent_secrets_core::ErrorKind::NotFound {
                output::note(&format!(
                    "Not in the environment either (looked at {}).",
                    env::vars_for(&args.service, &args.key).join(", ")
                ));
            }
            return Err(e.into());
        }
    };
    if let Source::Env(var) = &resolved.source {
        ctx.env_fallback.set(true);
        // The migration nudge: the one command that imports this variable.
        let user = vault
            .as_ref()
            .map(|v| v.config().env.clone())
            .unwrap_or_default();
        let mapped = env::mapped_secrets(&user, Some(&args.service))
            .iter()
            .any(|(_, k)| *k == args.key);
        let import = if mapped {
            args.service.to_string()
        } else {
            format!("{} {}", args.service, args.key)
        };
        output::note(&format!(
            "{}/{} is not in the vault; using the environment variable {var}. Move it into the vault with: \
             agent secret import {import}",
            args.service, args.key
        ));
    }
    // The one place `get` lets a value out, and only with --show.
    let shown = if args.show {
        resolved.value.expose()
    } else {
        mask(&resolved.value)
    };
    if args.json {
        let (source, variable) = match &resolved.source {
            Source::Vault => ("vault", None),
            Source::Env(var) => ("env", Some(var.as_str())),
        };
        output::json(&GetJson {
            service: &args.service,
            key: &args.key,
            value: shown,
            masked: !args.show,
            source,
            variable,
        })?;
    } else {
        output::line(shown)?;
    }
    Ok(())
}
