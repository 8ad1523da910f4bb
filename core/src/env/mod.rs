//! The mapping between secrets and environment variables, `resolve`
//! (vault first, then the mapped environment variables) and the provider
//! configuration built on it.
//!
//! In layers, each using only those above it: [`mapping`] (the rules, pure
//! functions of names; the format's parser checks `"env"` with them),
//! [`plan`] (which variables a set of secrets sets), [`resolve`](mod@resolve) (a
//! value from the vault or the environment) and `write` (the mapping
//! changed in `config.json`: [`crate::Vault::set_user_mapping`]).
//!
//! Which variables a secret maps to, first match wins:
//!
//! 1. the user mapping (`"env"` in `config.json`: `"service/key"` → list);
//! 2. the built-in providers ([`BUILTIN`]);
//! 3. a secret of the default service [`DEFAULT_SERVICE`], or a key that is
//!    already a variable name in capitals (`A-Z 0-9 _`), maps to the key
//!    itself (`app/DATABASE_URL` ← `DATABASE_URL`);
//! 4. otherwise `SERVICE_KEY` ([`default_var`]).
//!
//! Whatever the rules give, a variable of [`crate::reserved_vars`] (the
//! tool's own settings, the loader, shells, interpreters) is never a
//! secret's: [`secret_vars`] sets it apart, and [`plan_env`] — the one
//! decision of which variables `run`, `export` and the npm `loadEnv` set —
//! skips it with a note.
//!
//! The reverse, used by imports ([`secret_for_var`]), looks for a secret
//! that maps to the variable among the user mapping, the built-ins and the
//! secrets already in the vault, in that order; a variable nobody maps
//! goes to [`DEFAULT_SERVICE`] (or the service asked for) under its own
//! name.

pub mod mapping;
pub mod plan;
pub mod resolve;
mod write;

pub use mapping::{
    check_user_mapping, default_service, default_var, mapped_secrets, mapping_key, mapping_of,
    secret_for_var, secret_vars, split_mapping_key, vars_for, vars_for_in, Origin, ReverseMapping,
    SecretVars, UserMapping, BUILTIN, DEFAULT_SERVICE, PROVIDERS,
};
pub use plan::{plan_env, EnvPlan, PlannedVar, Skipped, Which};
pub use resolve::{
    provider_config, providers, resolve, Credential, ProviderConfig, Resolved, Source,
};

/// Variables no process started by a front end inherits (`git`, the alert
/// command, `run`'s child, …): the master password and the new one.
pub const NOT_INHERITED: &[&str] = &["AGENT_SECRETS_PASSWORD", "AGENT_SECRETS_NEW_PASSWORD"];
