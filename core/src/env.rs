//! The mapping between secrets and environment variables, `resolve`
//! (vault first, then the mapped environment variables) and the provider
//! configuration built on it.
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

use std::collections::BTreeMap;

use crate::names::{validate_key, validate_service};
use crate::reserved_vars::{reserved, Reserved};
use crate::{Error, SecretString, Store, Vault};

/// Where variables nobody maps are imported to.
pub const DEFAULT_SERVICE: &str = "app";

/// The known providers of [`provider_config`].
pub const PROVIDERS: &[&str] = &["openai", "anthropic", "gemini", "supabase"];

/// The user mapping: `"service/key"` → variable names, preferred first.
pub type UserMapping = BTreeMap<String, Vec<String>>;

/// Variables that never carry a vault value (the CLI's own settings,
/// among them the master password).
pub const RESERVED_VAR_PREFIX: &str = "AGENT_SECRETS_";

/// Variables no process started by a front end inherits (`git`, the alert
/// command, `run`'s child, …): the master password and the new one.
pub const NOT_INHERITED: &[&str] = &["AGENT_SECRETS_PASSWORD", "AGENT_SECRETS_NEW_PASSWORD"];

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

/// The variables a secret maps to without a user mapping, preferred first
/// (rules 2 to 4 of the module documentation).
pub fn vars_for(service: &str, key: &str) -> Vec<String> {
    vars_for_in(&UserMapping::new(), service, key)
}

/// Where a secret's variables come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The user mapping in `config.json`.
    User,
    /// A built-in provider.
    Builtin,
    /// The key is itself the variable name (default service, or capitals).
    Key,
    /// `SERVICE_KEY`.
    Rule,
}

/// The variables a secret maps to, preferred first, and why. Variables
/// that never carry a secret ([`crate::reserved_vars`]: the tool's own
/// `AGENT_SECRETS_*`, the loader's, shells', interpreters') are never
/// among them, whatever the names say: the master password must not be
/// importable, exportable or handed to a child as a secret, and a value
/// must not become a child's `LD_PRELOAD`. [`secret_vars`] also returns
/// the ones set apart.
pub fn mapping_of(user: &UserMapping, service: &str, key: &str) -> (Vec<String>, Origin) {
    let vars = secret_vars(user, service, key);
    (vars.variables, vars.origin)
}

/// A secret's variables: those it may set and those it never sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVars {
    /// The variables it sets, preferred first.
    pub variables: Vec<String>,
    /// The variables the rules name but no secret ever sets, with the
    /// entry of [`crate::reserved_vars`] each falls under.
    pub refused: Vec<(String, Reserved)>,
    /// Where the mapping comes from.
    pub origin: Origin,
}

/// The variables of a secret (see the module documentation), with the
/// reserved ones set apart.
pub fn secret_vars(user: &UserMapping, service: &str, key: &str) -> SecretVars {
    let (vars, origin) = mapping_unfiltered(user, service, key);
    let mut variables = Vec::with_capacity(vars.len());
    let mut refused = Vec::new();
    for var in vars {
        match reserved(&var) {
            Some(why) => refused.push((var, why)),
            None => variables.push(var),
        }
    }
    SecretVars {
        variables,
        refused,
        origin,
    }
}

fn mapping_unfiltered(user: &UserMapping, service: &str, key: &str) -> (Vec<String>, Origin) {
    if let Some(vars) = user.get(&mapping_key(service, key)) {
        return (vars.clone(), Origin::User);
    }
    if let Some((_, _, vars)) = BUILTIN.iter().find(|(s, k, _)| *s == service && *k == key) {
        return (
            vars.iter().map(|v| (*v).to_owned()).collect(),
            Origin::Builtin,
        );
    }
    let capitals = key
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if service == DEFAULT_SERVICE || capitals {
        return (vec![key.to_owned()], Origin::Key);
    }
    (vec![default_var(service, key)], Origin::Rule)
}

/// The variables a secret maps to, preferred first (see the module
/// documentation).
pub fn vars_for_in(user: &UserMapping, service: &str, key: &str) -> Vec<String> {
    mapping_of(user, service, key).0
}

/// The user mapping's name for a secret: `service/key`.
pub fn mapping_key(service: &str, key: &str) -> String {
    format!("{service}/{key}")
}

/// Splits a `service/key` name and checks both halves.
pub fn split_mapping_key(name: &str) -> Result<(&str, &str), Error> {
    let (service, key) = name
        .split_once('/')
        .ok_or(Error::InvalidParameter("a secret is named SERVICE/KEY"))?;
    validate_service(service)?;
    validate_key(key)?;
    Ok((service, key))
}

/// Checks a variable name for the user mapping: `[A-Za-z_][A-Za-z0-9_]*`,
/// at most 128 characters, and not a variable that never carries a secret
/// ([`crate::reserved_vars`]; [`Error::ReservedVariable`]).
pub fn validate_var(name: &str) -> Result<(), Error> {
    if name.len() > 128 || !crate::dotenv::is_shell_name(name) {
        return Err(Error::InvalidParameter(
            "a variable name is 1 to 128 characters of A-Z, a-z, 0-9 and '_' and does not start with a digit",
        ));
    }
    match reserved(name) {
        Some(why) => Err(Error::ReservedVariable(why)),
        None => Ok(()),
    }
}

/// Checks a whole user mapping (on parse of `config.json` and before it is
/// written): valid names, at least one variable per secret, no variable
/// mapped from two secrets. The reason is fixed text without names.
pub fn check_user_mapping(user: &UserMapping) -> Result<(), &'static str> {
    let mut seen = std::collections::BTreeSet::new();
    for (name, vars) in user {
        if split_mapping_key(name).is_err() {
            return Err("\"env\" has an entry that is not a valid SERVICE/KEY");
        }
        if vars.is_empty() {
            return Err("\"env\" has an entry with no variable");
        }
        for var in vars {
            match validate_var(var) {
                Ok(()) => {}
                Err(Error::ReservedVariable(_)) => {
                    return Err("\"env\" maps a secret to a variable that never carries one (the loader's, a shell's, an interpreter's or agent's own)");
                }
                Err(_) => return Err("\"env\" has an invalid variable name"),
            }
            if !seen.insert(var.as_str()) {
                return Err("\"env\" maps one variable from two secrets");
            }
        }
    }
    Ok(())
}

/// The secret a variable belongs to, for imports: the first secret that
/// maps to `var` among the user mapping, the built-ins and `existing` (the
/// vault's secrets), restricted to `service` when given; else `var` itself
/// as a key of `service` or of [`DEFAULT_SERVICE`]. `None` when `var` is
/// not a valid key name. For many variables, build a [`ReverseMapping`]
/// once instead.
pub fn secret_for_var(
    user: &UserMapping,
    var: &str,
    existing: &[(String, String)],
    service: Option<&str>,
) -> Option<(String, String)> {
    ReverseMapping::new(user, existing).secret_for_var(var, service)
}

/// Variable → candidate secrets, in the order of [`secret_for_var`]:
/// built once per import, so a 10,000-line file into a 10,000-secret vault
/// stays linear.
#[derive(Debug, Clone, Default)]
pub struct ReverseMapping {
    by_var: std::collections::HashMap<String, Vec<(String, String)>>,
}

impl ReverseMapping {
    /// Indexes the user mapping, the built-ins and `existing`.
    pub fn new(user: &UserMapping, existing: &[(String, String)]) -> Self {
        let mut by_var: std::collections::HashMap<String, Vec<(String, String)>> =
            std::collections::HashMap::new();
        let from_user = user.keys().filter_map(|n| n.split_once('/'));
        let builtin = BUILTIN.iter().map(|(s, k, _)| (*s, *k));
        let existing = existing.iter().map(|(s, k)| (s.as_str(), k.as_str()));
        for (s, k) in from_user.chain(builtin).chain(existing) {
            for var in vars_for_in(user, s, k) {
                let candidates = by_var.entry(var).or_default();
                if !candidates.iter().any(|(s2, k2)| s2 == s && k2 == k) {
                    candidates.push((s.to_owned(), k.to_owned()));
                }
            }
        }
        Self { by_var }
    }

    /// See [`secret_for_var`].
    pub fn secret_for_var(&self, var: &str, service: Option<&str>) -> Option<(String, String)> {
        if let Some(found) = self.by_var.get(var).and_then(|candidates| {
            candidates
                .iter()
                .find(|(s, _)| service.is_none_or(|wanted| wanted == s))
        }) {
            return Some(found.clone());
        }
        validate_key(var).ok()?;
        Some((
            service.unwrap_or(DEFAULT_SERVICE).to_owned(),
            var.to_owned(),
        ))
    }
}

/// The secrets the user mapping and the built-ins name for `service`
/// (every such secret when `service` is `None`), in order.
pub fn mapped_secrets(user: &UserMapping, service: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let from_user = user.keys().filter_map(|n| n.split_once('/'));
    let builtin = BUILTIN.iter().map(|(s, k, _)| (*s, *k));
    for (s, k) in builtin.chain(from_user) {
        if service.is_some_and(|wanted| wanted != s) {
            continue;
        }
        if !out.iter().any(|(s2, k2)| s2 == s && k2 == k) {
            out.push((s.to_owned(), k.to_owned()));
        }
    }
    out
}

/// Which of a secret's variables [`plan_env`] sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Every variable it maps to (`run`, the npm `loadEnv`).
    Every,
    /// Only the preferred one (`export`: one line per secret).
    Preferred,
}

/// One variable a plan sets, and whose value it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedVar {
    /// The variable.
    pub variable: String,
    /// The index of its secret in the list given to [`plan_env`].
    pub secret: usize,
}

/// A variable a secret maps to that a plan does not set. The text
/// ([`Display`](core::fmt::Display)) names the variable and the secrets,
/// never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// The variable never carries a secret ([`crate::reserved_vars`]).
    Reserved {
        /// The secret, `service/key`.
        secret: String,
        /// The variable.
        variable: String,
        /// The entry of the list it falls under.
        why: Reserved,
    },
    /// An earlier secret of the list sets the variable already.
    Taken {
        /// The variable.
        variable: String,
        /// The secret that does not set it, `service/key`.
        secret: String,
        /// The secret that does, `service/key`.
        by: String,
    },
}

impl core::fmt::Display for Skipped {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Reserved {
                secret,
                variable,
                why,
            } => write!(
                f,
                "{secret}: {variable} is not set ({why}; a secret never sets it). \
                 Map the secret to another variable: agent secret env --map {secret}=OTHER_NAME"
            ),
            Self::Taken {
                variable,
                secret,
                by,
            } => write!(
                f,
                "{variable}: both {by} and {secret} map to it; {by} is used."
            ),
        }
    }
}

/// What a command sets in an environment: the variables, each with its
/// secret, and what it leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvPlan {
    /// The variables to set, in the order of the secrets; no variable twice.
    pub vars: Vec<PlannedVar>,
    /// What is left out, and why (for warnings).
    pub skipped: Vec<Skipped>,
}

/// The one decision of which variables the secrets `secrets`
/// (`(service, key)`, in the order their values are held) set in an
/// environment, shared by `run`, `export` and the npm `loadEnv`: each
/// secret's variables from [`secret_vars`] (every one, or the preferred
/// one), without the variables that never carry a secret, and a variable
/// two secrets map to set once, by the first.
pub fn plan_env(user: &UserMapping, secrets: &[(String, String)], which: Which) -> EnvPlan {
    let mut plan = EnvPlan::default();
    let mut owner: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (index, (service, key)) in secrets.iter().enumerate() {
        let name = mapping_key(service, key);
        let vars = secret_vars(user, service, key);
        for (variable, why) in vars.refused {
            plan.skipped.push(Skipped::Reserved {
                secret: name.clone(),
                variable,
                why,
            });
        }
        let wanted = match which {
            Which::Every => vars.variables,
            Which::Preferred => vars.variables.into_iter().take(1).collect(),
        };
        for variable in wanted {
            if let Some(&first) = owner.get(&variable) {
                let (s, k) = &secrets[first];
                plan.skipped.push(Skipped::Taken {
                    variable,
                    secret: name.clone(),
                    by: mapping_key(s, k),
                });
                continue;
            }
            owner.insert(variable.clone(), index);
            plan.vars.push(PlannedVar {
                variable,
                secret: index,
            });
        }
    }
    plan
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
/// counts as unset; the vault's user mapping is honoured). `vault` is `None` when there is no vault to ask (not
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
    let user = vault.map(|v| &v.config().env);
    let vars = user.map_or_else(|| vars_for(service, key), |u| vars_for_in(u, service, key));
    for var in vars {
        if let Some(value) = env(&var).filter(|v| !v.is_empty()) {
            return Ok(Resolved {
                value: SecretString::new(value),
                source: Source::Env(var),
            });
        }
    }
    Err(missing)
}

/// One credential of a provider, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The key within the provider's service, e.g. `api_key`.
    pub key: String,
    /// The variables it maps to, preferred first.
    pub variables: Vec<String>,
    /// The value and its source; `None` when neither the vault nor the
    /// environment has it.
    pub resolved: Option<Resolved>,
}

/// The resolved credentials of one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The provider (= service) name.
    pub provider: String,
    /// Its credentials, in the order of [`BUILTIN`].
    pub credentials: Vec<Credential>,
}

impl ProviderConfig {
    /// Whether every credential was found.
    pub fn is_complete(&self) -> bool {
        self.credentials.iter().all(|c| c.resolved.is_some())
    }
}

/// The credentials of a known provider ([`PROVIDERS`]): each resolved
/// vault first, environment second ([`resolve`]), with its source. An
/// unknown provider is [`Error::ServiceNotFound`]; a missing credential is
/// not an error (its `resolved` is `None`).
pub fn provider_config<S: Store>(
    name: &str,
    vault: Option<&Vault<S>>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, Error> {
    if !PROVIDERS.contains(&name) {
        validate_service(name)?;
        return Err(Error::ServiceNotFound {
            service: name.to_owned(),
        });
    }
    let user = vault.map(|v| v.config().env.clone()).unwrap_or_default();
    let mut credentials = Vec::new();
    for (_, key, _) in BUILTIN.iter().filter(|(s, _, _)| *s == name) {
        let resolved = match resolve(vault, name, key, env) {
            Ok(r) => Some(r),
            Err(Error::SecretNotFound { .. } | Error::ServiceNotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        credentials.push(Credential {
            key: (*key).to_owned(),
            variables: vars_for_in(&user, name, key),
            resolved,
        });
    }
    Ok(ProviderConfig {
        provider: name.to_owned(),
        credentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

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

    #[test]
    fn default_service_and_capitals_map_to_the_key() {
        assert_eq!(vars_for("app", "DATABASE_URL"), ["DATABASE_URL"]);
        assert_eq!(vars_for("app", "lower.case-x"), ["lower.case-x"]);
        assert_eq!(vars_for("stripe", "STRIPE_KEY"), ["STRIPE_KEY"]);
        // The tool's own variables are never a secret's.
        assert!(vars_for("agent", "secrets_password").is_empty());
        assert!(vars_for("app", "AGENT_SECRETS_PASSWORD").is_empty());
        assert_eq!(
            mapping_of(&UserMapping::new(), "stripe", "key").1,
            Origin::Rule
        );
    }

    #[test]
    fn user_mapping_wins_and_reverses() {
        let user = UserMapping::from([
            (
                "stripe/secret_key".to_owned(),
                vec!["STRIPE_SK".to_owned(), "SK".to_owned()],
            ),
            ("openai/api_key".to_owned(), vec!["MY_OPENAI".to_owned()]),
        ]);
        assert_eq!(
            vars_for_in(&user, "stripe", "secret_key"),
            ["STRIPE_SK", "SK"]
        );
        assert_eq!(mapping_of(&user, "openai", "api_key").1, Origin::User);
        let pair = |s: &str, k: &str| Some((s.to_owned(), k.to_owned()));
        assert_eq!(
            secret_for_var(&user, "SK", &[], None),
            pair("stripe", "secret_key")
        );
        assert_eq!(
            secret_for_var(&user, "MY_OPENAI", &[], None),
            pair("openai", "api_key")
        );
        // remapped away: OPENAI_API_KEY no longer belongs to openai/api_key
        assert_eq!(
            secret_for_var(&user, "OPENAI_API_KEY", &[], None),
            pair("app", "OPENAI_API_KEY")
        );
        let none = UserMapping::new();
        assert_eq!(
            secret_for_var(&none, "OPENAI_API_KEY", &[], None),
            pair("openai", "api_key")
        );
        assert_eq!(
            secret_for_var(&none, "GOOGLE_GEMINI_API_KEY", &[], None),
            pair("gemini", "api_key")
        );
        let existing = [("my-api".to_owned(), "token".to_owned())];
        assert_eq!(
            secret_for_var(&none, "MY_API_TOKEN", &existing, None),
            pair("my-api", "token")
        );
        assert_eq!(
            secret_for_var(&none, "MY_API_TOKEN", &[], None),
            pair("app", "MY_API_TOKEN")
        );
        assert_eq!(
            secret_for_var(&none, "OPENAI_API_KEY", &[], Some("x")),
            pair("x", "OPENAI_API_KEY")
        );
        assert_eq!(secret_for_var(&none, "1BAD", &[], None), None);
        assert_eq!(
            mapped_secrets(&user, Some("stripe")),
            [("stripe".to_owned(), "secret_key".to_owned())]
        );
        assert_eq!(mapped_secrets(&none, None).len(), BUILTIN.len());
    }

    #[test]
    fn reserved_variables_are_never_a_secrets() {
        let none = UserMapping::new();
        assert!(vars_for("app", "LD_PRELOAD").is_empty());
        assert!(
            vars_for("ld", "preload").is_empty(),
            "SERVICE_KEY gives LD_PRELOAD"
        );
        assert!(vars_for("stripe", "PATH").is_empty());
        let v = secret_vars(&none, "git", "ssh_command");
        assert!(v.variables.is_empty());
        assert_eq!(v.refused[0].0, "GIT_SSH_COMMAND");
        assert_eq!(v.refused[0].1.entry, "GIT_");
        assert!(matches!(
            validate_var("LD_PRELOAD"),
            Err(Error::ReservedVariable(r)) if r.entry == "LD_"
        ));
        assert!(matches!(
            validate_var("NODE_OPTIONS"),
            Err(Error::ReservedVariable(_))
        ));
        assert!(matches!(
            validate_var("AGENT_SECRETS_PASSWORD"),
            Err(Error::ReservedVariable(_))
        ));
        assert_eq!(validate_var("PRELOAD_URL").ok(), Some(()));
        let user = UserMapping::from([("app/x".to_owned(), vec!["BASH_ENV".to_owned()])]);
        assert!(check_user_mapping(&user).is_err_and(|e| e.contains("never carries one")));
        // Imports never read them from the environment either.
        let env = |name: &str| (name == "LD_PRELOAD").then(|| "fake".to_owned());
        assert!(resolve::<crate::MemoryStore>(None, "app", "LD_PRELOAD", &env).is_err());
    }

    #[test]
    fn one_plan_for_run_export_and_load_env() {
        let user = UserMapping::from([("stripe/secret_key".to_owned(), vec!["SK".to_owned()])]);
        let secrets: Vec<(String, String)> = [
            ("app", "LD_PRELOAD"),
            ("app", "OPENAI_API_KEY"),
            ("gemini", "api_key"),
            ("openai", "api_key"),
            ("stripe", "secret_key"),
            ("app", "AGENT_SECRETS_PASSWORD"),
        ]
        .iter()
        .map(|(s, k)| ((*s).to_owned(), (*k).to_owned()))
        .collect();
        let plan = plan_env(&user, &secrets, Which::Every);
        let set: Vec<(&str, usize)> = plan
            .vars
            .iter()
            .map(|p| (p.variable.as_str(), p.secret))
            .collect();
        assert_eq!(
            set,
            [
                ("OPENAI_API_KEY", 1),
                ("GEMINI_API_KEY", 2),
                ("GOOGLE_GEMINI_API_KEY", 2),
                ("SK", 4)
            ]
        );
        let notes: Vec<String> = plan.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "app/LD_PRELOAD: LD_PRELOAD is not set (LD_* steers the dynamic loader or the C library; \
                 a secret never sets it). Map the secret to another variable: agent secret env --map app/LD_PRELOAD=OTHER_NAME",
                "OPENAI_API_KEY: both app/OPENAI_API_KEY and openai/api_key map to it; app/OPENAI_API_KEY is used.",
                "app/AGENT_SECRETS_PASSWORD: AGENT_SECRETS_PASSWORD is not set (AGENT_SECRETS_* is a setting of agent \
                 itself (the master password among them); a secret never sets it). Map the secret to another variable: \
                 agent secret env --map app/AGENT_SECRETS_PASSWORD=OTHER_NAME",
            ]
        );
        let preferred = plan_env(&user, &secrets[2..3], Which::Preferred);
        assert_eq!(preferred.vars.len(), 1);
        assert_eq!(preferred.vars[0].variable, "GEMINI_API_KEY");
        assert!(preferred.skipped.is_empty());
    }

    /// A vault at the KDF floor with a fake password.
    fn fresh_vault(store: &crate::MemoryStore, now: Timestamp) -> Vault<&crate::MemoryStore> {
        let options = crate::InitOptions {
            iterations: crate::MIN_ITERATIONS,
            ..Default::default()
        };
        Vault::init(store, &"Fake-Password-123".into(), &options, now).expect("init")
    }

    #[test]
    fn set_user_mapping_edits_only_env_and_re_macs() {
        let store = crate::MemoryStore::default();
        let now = Timestamp::from_unix(1_800_000_000);
        let mut vault = fresh_vault(&store, now);
        let before = vault.config().clone();
        let later = Timestamp::from_unix(1_800_000_100);
        let vars = ["STRIPE_SK".to_owned()];
        vault
            .set_user_mapping("stripe", "secret_key", Some(&vars), later)
            .expect("set");
        let read = || {
            crate::format::parse_config(
                &store
                    .read(crate::format::CONFIG_FILE)
                    .expect("read")
                    .expect("some"),
            )
            .expect("parse")
        };
        let config = read();
        assert_eq!(config.env["stripe/secret_key"], ["STRIPE_SK"]);
        assert_eq!(
            (config.keys.clone(), config.updated_at),
            (before.keys.clone(), later)
        );
        assert_ne!(config.mac, before.mac, "a new MAC over the new content");
        // What was written opens again with the password.
        drop(vault);
        let mut vault = Vault::unlock(&store, &"Fake-Password-123".into(), later)
            .expect("re-MAC'ed file opens");
        assert_eq!(vault.config().env["stripe/secret_key"], ["STRIPE_SK"]);
        let clash = ["STRIPE_SK".to_owned()];
        assert!(vault
            .set_user_mapping("other", "k", Some(&clash), later)
            .is_err());
        assert!(vault
            .set_user_mapping(
                "s",
                "k",
                Some(&["AGENT_SECRETS_PASSWORD".to_owned()]),
                later
            )
            .is_err());
        assert!(vault.set_user_mapping("s", "k", Some(&[]), later).is_err());
        vault
            .set_user_mapping("stripe", "secret_key", None, later)
            .expect("remove");
        assert!(read().env.is_empty());
    }

    #[test]
    fn provider_config_vault_first_then_env() {
        let store = crate::MemoryStore::default();
        let now = Timestamp::from_unix(1_800_000_000);
        let vault = fresh_vault(&store, now);
        vault
            .set("supabase", "anon_key", &"fake-anon".into(), now)
            .expect("set");
        let env = |name: &str| {
            matches!(name, "SUPABASE_ANON_KEY" | "SUPABASE_SERVICE_ROLE_KEY")
                .then(|| "fake-env".to_owned())
        };
        let c = provider_config("supabase", Some(&vault), &env);
        let c = c.expect("config");
        assert!(c.is_complete());
        let sources: Vec<_> = c
            .credentials
            .iter()
            .map(|c| {
                (
                    c.key.as_str(),
                    c.resolved.as_ref().map(|r| r.source.clone()),
                )
            })
            .collect();
        assert_eq!(
            sources,
            [
                (
                    "service_role_key",
                    Some(Source::Env("SUPABASE_SERVICE_ROLE_KEY".into()))
                ),
                ("anon_key", Some(Source::Vault)),
            ]
        );
        let c = provider_config::<crate::MemoryStore>("openai", None, &|_| None).expect("config");
        assert!(!c.is_complete());
        assert!(matches!(
            provider_config::<crate::MemoryStore>("stripe", None, &|_| None),
            Err(Error::ServiceNotFound { .. })
        ));
    }
}
