//! `agent secret providers [NAME] [--json]`: the resolved credentials of
//! the known providers (openai, anthropic, gemini, supabase), vault first
//! and environment second, always masked. The CLI view of the core's
//! [`agent_secrets_core::provider_config`].

use agent_secrets_core::audit::Operation;
use agent_secrets_core::env::providers;
use agent_secrets_core::{mask, provider_config, ServiceName, Source, Vault};
use serde::Serialize;

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this provider.
    pub name: Option<ServiceName>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The audit line this command writes, if any (it decrypts, so it is a `get`).
pub fn audit_target(args: &Args) -> Option<Target> {
    Some(match &args.name {
        Some(name) => Target::secret(Operation::Get, name, None),
        None => Target::vault(Operation::Get),
    })
}

#[derive(Serialize)]
struct CredentialJson<'a> {
    key: &'a str,
    variables: &'a [String],
    configured: bool,
    /// `vault`, `env` or null.
    source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variable: Option<&'a str>,
    /// The mask, or null when not configured.
    value: Option<&'static str>,
}

#[derive(Serialize)]
struct ProviderJson<'a> {
    provider: &'a str,
    complete: bool,
    credentials: Vec<CredentialJson<'a>>,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let names: Vec<ServiceName> = match &args.name {
        Some(name) => vec![name.clone()],
        None => providers(),
    };
    let vault: Option<Vault<&FileStore>> = if super::is_initialized(&ctx.store)? {
        Some(super::unlock(&ctx.store, &mut ctx.inputs)?)
    } else {
        None
    };
    let lookup = |name: &str| std::env::var(name).ok();
    let mut configs = Vec::new();
    for name in &names {
        configs.push(provider_config(name, vault.as_ref(), &lookup)?);
    }
    for config in &configs {
        for c in &config.credentials {
            if let Some(Source::Env(var)) = c.resolved.as_ref().map(|r| &r.source) {
                ctx.env_fallback.set(true);
                output::note(&format!(
                    "{}/{} comes from the environment variable {var}. Move it into the vault with: agent secret import {}",
                    config.provider, c.key, config.provider
                ));
            }
        }
    }
    if args.json {
        let out: Vec<ProviderJson> = configs
            .iter()
            .map(|p| ProviderJson {
                provider: &p.provider,
                complete: p.is_complete(),
                credentials: p
                    .credentials
                    .iter()
                    .map(|c| {
                        let (source, variable) = match c.resolved.as_ref().map(|r| &r.source) {
                            Some(Source::Vault) => (Some("vault"), None),
                            Some(Source::Env(v)) => (Some("env"), Some(v.as_str())),
                            None => (None, None),
                        };
                        CredentialJson {
                            key: &c.key,
                            variables: &c.variables,
                            configured: c.resolved.is_some(),
                            source,
                            variable,
                            value: c.resolved.as_ref().map(|r| mask(&r.value)),
                        }
                    })
                    .collect(),
            })
            .collect();
        output::json(&out)?;
        return Ok(());
    }
    let mut rows = Vec::new();
    for p in &configs {
        for c in &p.credentials {
            let (source, value) = match &c.resolved {
                Some(r) => (
                    match &r.source {
                        Source::Vault => "vault".to_owned(),
                        Source::Env(v) => format!("env {v}"),
                    },
                    mask(&r.value).to_owned(),
                ),
                None => (
                    format!("missing (set it or {})", c.variables.join(" / ")),
                    "-".to_owned(),
                ),
            };
            rows.push(vec![
                p.provider.to_string(),
                c.key.to_string(),
                source,
                value,
            ]);
        }
    }
    output::line(&output::table(
        &["PROVIDER", "KEY", "SOURCE", "VALUE"],
        &rows,
    ))?;
    Ok(())
}
