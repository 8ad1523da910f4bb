//! The mapping between secrets and environment variables, and `resolve`:
//! vault first, then the mapped environment variables.

use crate::names::{validate_key, validate_service};
use crate::{Error, SecretString, Store, Vault};

/// Built-in providers: `(service, key, variables)`, first variable preferred.
pub const BUILTIN: &[(&str, &str, &[&str])] = &[
    ("openai", "api_key", &["OPENAI_API_KEY"]),
    ("anthropic", "api_key", &["ANTHROPIC_API_KEY"]),
    (
        "gemini",
        "api_key",
        &["GEMINI_API_KEY", "GOOGLE_GEMINI_API_KEY"],
    ),
    (
        "supabase",
        "service_role_key",
        &["SUPABASE_SERVICE_ROLE_KEY"],
    ),
    ("supabase", "anon_key", &["SUPABASE_ANON_KEY"]),
];

/// The general rule: `SERVICE_KEY`, upper-cased, every character other
/// than A-Z and 0-9 replaced by `_` (`my-api`/`token.v2` → `MY_API_TOKEN_V2`).
pub fn default_var(service: &str, key: &str) -> String {
    format!("{service}_{key}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The variables a secret maps to, preferred first: the built-in list for
/// the providers above, else the general rule.
pub fn vars_for(service: &str, key: &str) -> Vec<String> {
    BUILTIN
        .iter()
        .find(|(s, k, _)| *s == service && *k == key)
        .map(|(_, _, vars)| vars.iter().map(|v| (*v).to_owned()).collect())
        .unwrap_or_else(|| vec![default_var(service, key)])
}

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "variable", rename_all = "snake_case")]
pub enum Source {
    /// The encrypted vault.
    Vault,
    /// An environment variable (named), because the vault lacked the secret.
    Env(String),
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The value.
    pub value: SecretString,
    /// Its origin.
    pub source: Source,
}

/// Vault first, then the mapped environment variables (an empty variable
/// counts as unset). `vault` is `None` when there is no vault to ask (not
/// initialized). `env` looks a variable up; the core never reads the
/// process environment itself. If neither has it, the vault's not-found
/// error is returned.
pub fn resolve<S: Store>(
    vault: Option<&Vault<S>>,
    service: &str,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, Error> {
    validate_service(service)?;
    validate_key(key)?;
    let missing = match vault.map(|v| v.get(service, key)) {
        Some(Ok(value)) => {
            return Ok(Resolved {
                value,
                source: Source::Vault,
            })
        }
        Some(Err(e @ (Error::SecretNotFound { .. } | Error::ServiceNotFound { .. }))) => e,
        Some(Err(e)) => return Err(e),
        None => Error::SecretNotFound {
            service: service.to_owned(),
            key: key.to_owned(),
        },
    };
    for var in vars_for(service, key) {
        if let Some(value) = env(&var).filter(|v| !v.is_empty()) {
            return Ok(Resolved {
                value: SecretString::new(value),
                source: Source::Env(var),
            });
        }
    }
    Err(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(vars_for("openai", "api_key"), ["OPENAI_API_KEY"]);
        assert_eq!(
            vars_for("gemini", "api_key"),
            ["GEMINI_API_KEY", "GOOGLE_GEMINI_API_KEY"]
        );
        assert_eq!(vars_for("supabase", "anon_key"), ["SUPABASE_ANON_KEY"]);
        assert_eq!(
            vars_for("supabase", "service_role_key"),
            ["SUPABASE_SERVICE_ROLE_KEY"]
        );
        assert_eq!(vars_for("anthropic", "api_key"), ["ANTHROPIC_API_KEY"]);
        assert_eq!(vars_for("stripe", "secret_key"), ["STRIPE_SECRET_KEY"]);
        assert_eq!(vars_for("my-api", "token.v2"), ["MY_API_TOKEN_V2"]);
        assert_eq!(vars_for("openai", "org_id"), ["OPENAI_ORG_ID"]);
    }

    #[test]
    fn resolve_without_vault_uses_env() {
        let env = |name: &str| (name == "GOOGLE_GEMINI_API_KEY").then(|| "fake-gemini".to_owned());
        let r = resolve::<crate::MemoryStore>(None, "gemini", "api_key", &env).expect("from env");
        assert_eq!(r.value.expose(), "fake-gemini");
        assert_eq!(r.source, Source::Env("GOOGLE_GEMINI_API_KEY".into()));
        let empty = |_: &str| Some(String::new());
        assert!(matches!(
            resolve::<crate::MemoryStore>(None, "gemini", "api_key", &empty),
            Err(Error::SecretNotFound { .. })
        ));
        assert!(matches!(
            resolve::<crate::MemoryStore>(None, "../x", "api_key", &empty),
            Err(Error::InvalidServiceName { .. })
        ));
        assert!(matches!(
            resolve::<crate::MemoryStore>(None, "x", "", &empty),
            Err(Error::InvalidKeyName { .. })
        ));
    }
}
