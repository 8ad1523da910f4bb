//! The mapping rules: which variables a secret maps to, the user
//! mapping's own rules, and the reverse (which secret a variable belongs
//! to). Pure functions of names: the lowest layer of [`crate::env`], which
//! the format's parser uses to check the `"env"` of `config.json`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::names::{KeyName, ServiceName, VarName};
use crate::reserved_vars::{reserved, Reserved};
use crate::Error;

/// Where variables nobody maps are imported to.
pub const DEFAULT_SERVICE: &str = "app";

/// The known providers of [`crate::provider_config`].
pub const PROVIDERS: &[&str] = &["openai", "anthropic", "gemini", "supabase"];

/// The user mapping: `"service/key"` → variable names, preferred first.
/// Kept as strings, as `config.json` holds it: [`check_user_mapping`]
/// checks every name when the file is parsed and before it is written.
pub type UserMapping = BTreeMap<String, Vec<String>>;

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

/// [`DEFAULT_SERVICE`] as a name.
pub fn default_service() -> ServiceName {
    ServiceName::from_checked(DEFAULT_SERVICE.to_owned())
}

/// The secrets of [`BUILTIN`], in order (names the tests check).
fn builtin_secrets() -> impl Iterator<Item = (ServiceName, KeyName)> {
    BUILTIN.iter().map(|(s, k, _)| {
        (
            ServiceName::from_checked((*s).to_owned()),
            KeyName::from_checked((*k).to_owned()),
        )
    })
}

/// The general rule: `SERVICE_KEY`, upper-cased, every character other
/// than A-Z and 0-9 replaced by `_` (`my-api`/`token.v2` → `MY_API_TOKEN_V2`).
pub fn default_var(service: &ServiceName, key: &KeyName) -> String {
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
/// (rules 2 to 4 of the [module documentation](crate::env)).
pub fn vars_for(service: &ServiceName, key: &KeyName) -> Vec<String> {
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
pub fn mapping_of(
    user: &UserMapping,
    service: &ServiceName,
    key: &KeyName,
) -> (Vec<String>, Origin) {
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

/// The variables of a secret (see the [module documentation](crate::env)),
/// with the reserved ones set apart.
pub fn secret_vars(user: &UserMapping, service: &ServiceName, key: &KeyName) -> SecretVars {
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

fn mapping_unfiltered(
    user: &UserMapping,
    service: &ServiceName,
    key: &KeyName,
) -> (Vec<String>, Origin) {
    if let Some(vars) = user.get(&mapping_key(service, key)) {
        return (vars.clone(), Origin::User);
    }
    if let Some((_, _, vars)) = BUILTIN
        .iter()
        .find(|(s, k, _)| *service == **s && *key == **k)
    {
        return (
            vars.iter().map(|v| (*v).to_owned()).collect(),
            Origin::Builtin,
        );
    }
    let capitals = key
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if *service == DEFAULT_SERVICE || capitals {
        return (vec![key.to_string()], Origin::Key);
    }
    (vec![default_var(service, key)], Origin::Rule)
}

/// The variables a secret maps to, preferred first (see the [module
/// documentation](crate::env)).
pub fn vars_for_in(user: &UserMapping, service: &ServiceName, key: &KeyName) -> Vec<String> {
    mapping_of(user, service, key).0
}

/// The user mapping's name for a secret: `service/key`.
pub fn mapping_key(service: &ServiceName, key: &KeyName) -> String {
    format!("{service}/{key}")
}

/// Parses a `service/key` name: both halves checked.
pub fn split_mapping_key(name: &str) -> Result<(ServiceName, KeyName), Error> {
    let (service, key) = name
        .split_once('/')
        .ok_or(Error::InvalidParameter("a secret is named SERVICE/KEY"))?;
    Ok((ServiceName::parse(service)?, KeyName::parse(key)?))
}

/// Checks a whole user mapping (on parse of `config.json` and before it is
/// written): valid names, at least one variable per secret, no variable
/// mapped from two secrets. The reason is fixed text without names.
pub fn check_user_mapping(user: &UserMapping) -> Result<(), &'static str> {
    let mut seen = BTreeSet::new();
    for (name, vars) in user {
        if split_mapping_key(name).is_err() {
            return Err("\"env\" has an entry that is not a valid SERVICE/KEY");
        }
        if vars.is_empty() {
            return Err("\"env\" has an entry with no variable");
        }
        for var in vars {
            match VarName::parse(var) {
                Ok(_) => {}
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

/// Sets (`Some`) or removes (`None`) the user mapping of one secret, if
/// the whole mapping then passes [`check_user_mapping`] (else `user` is
/// left as it was): the edit [`crate::Vault::set_user_mapping`] writes.
pub(crate) fn edit_user_mapping(
    user: &mut UserMapping,
    service: &ServiceName,
    key: &KeyName,
    vars: Option<&[VarName]>,
) -> Result<(), Error> {
    let name = mapping_key(service, key);
    let mut edited = user.clone();
    match vars {
        Some([]) => {
            return Err(Error::InvalidParameter(
                "a mapping names at least one variable",
            ))
        }
        Some(vars) => {
            edited.insert(name, vars.iter().map(ToString::to_string).collect());
        }
        None => {
            edited.remove(&name);
        }
    }
    check_user_mapping(&edited).map_err(|_| {
        Error::InvalidParameter(
            "a variable can be mapped from only one secret; remove its other mapping first",
        )
    })?;
    *user = edited;
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
    existing: &[(ServiceName, KeyName)],
    service: Option<&ServiceName>,
) -> Option<(ServiceName, KeyName)> {
    ReverseMapping::new(user, existing).secret_for_var(var, service)
}

/// Variable → candidate secrets, in the order of [`secret_for_var`]:
/// built once per import, so a 10,000-line file into a 10,000-secret vault
/// stays linear.
#[derive(Debug, Clone, Default)]
pub struct ReverseMapping {
    by_var: HashMap<String, Vec<(ServiceName, KeyName)>>,
}

impl ReverseMapping {
    /// Indexes the user mapping, the built-ins and `existing`.
    pub fn new(user: &UserMapping, existing: &[(ServiceName, KeyName)]) -> Self {
        let mut by_var: HashMap<String, Vec<(ServiceName, KeyName)>> = HashMap::new();
        // A mapping entry that is not a valid name (only an unchecked
        // mapping can hold one) names no secret.
        let from_user = user.keys().filter_map(|n| split_mapping_key(n).ok());
        for (s, k) in from_user
            .chain(builtin_secrets())
            .chain(existing.iter().cloned())
        {
            for var in vars_for_in(user, &s, &k) {
                let candidates = by_var.entry(var).or_default();
                if !candidates.iter().any(|(s2, k2)| *s2 == s && *k2 == k) {
                    candidates.push((s.clone(), k.clone()));
                }
            }
        }
        Self { by_var }
    }

    /// See [`secret_for_var`].
    pub fn secret_for_var(
        &self,
        var: &str,
        service: Option<&ServiceName>,
    ) -> Option<(ServiceName, KeyName)> {
        if let Some(found) = self.by_var.get(var).and_then(|candidates| {
            candidates
                .iter()
                .find(|(s, _)| service.is_none_or(|wanted| wanted == s))
        }) {
            return Some(found.clone());
        }
        let key = KeyName::parse(var).ok()?;
        Some((service.cloned().unwrap_or_else(default_service), key))
    }
}

/// The secrets the user mapping and the built-ins name for `service`
/// (every such secret when `service` is `None`), in order.
pub fn mapped_secrets(
    user: &UserMapping,
    service: Option<&ServiceName>,
) -> Vec<(ServiceName, KeyName)> {
    let mut out: Vec<(ServiceName, KeyName)> = Vec::new();
    let from_user = user.keys().filter_map(|n| split_mapping_key(n).ok());
    for (s, k) in builtin_secrets().chain(from_user) {
        if service.is_some_and(|wanted| *wanted != s) {
            continue;
        }
        if !out.iter().any(|(s2, k2)| *s2 == s && *k2 == k) {
            out.push((s, k));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service and key name (test input, valid by construction).
    pub(crate) fn secret(service: &str, key: &str) -> (ServiceName, KeyName) {
        (
            ServiceName::parse(service).expect("service"),
            KeyName::parse(key).expect("key"),
        )
    }

    fn vars(service: &str, key: &str) -> Vec<String> {
        let (s, k) = secret(service, key);
        vars_for(&s, &k)
    }

    #[test]
    fn builtins_and_the_default_service_are_valid_names() {
        for (s, k, vars) in BUILTIN {
            assert!(
                ServiceName::parse(s).is_ok() && KeyName::parse(k).is_ok(),
                "{s}/{k}"
            );
            assert!(vars.iter().all(|v| VarName::parse(v).is_ok()), "{vars:?}");
        }
        for p in PROVIDERS {
            assert!(BUILTIN.iter().any(|(s, _, _)| s == p), "{p}");
        }
        assert_eq!(
            ServiceName::parse(DEFAULT_SERVICE).ok(),
            Some(default_service())
        );
    }

    #[test]
    fn mapping() {
        assert_eq!(vars("openai", "api_key"), ["OPENAI_API_KEY"]);
        assert_eq!(
            vars("gemini", "api_key"),
            ["GEMINI_API_KEY", "GOOGLE_GEMINI_API_KEY"]
        );
        assert_eq!(vars("supabase", "anon_key"), ["SUPABASE_ANON_KEY"]);
        assert_eq!(
            vars("supabase", "service_role_key"),
            ["SUPABASE_SERVICE_ROLE_KEY"]
        );
        assert_eq!(vars("anthropic", "api_key"), ["ANTHROPIC_API_KEY"]);
        assert_eq!(vars("stripe", "secret_key"), ["STRIPE_SECRET_KEY"]);
        assert_eq!(vars("my-api", "token.v2"), ["MY_API_TOKEN_V2"]);
        assert_eq!(vars("openai", "org_id"), ["OPENAI_ORG_ID"]);
    }

    #[test]
    fn default_service_and_capitals_map_to_the_key() {
        assert_eq!(vars("app", "DATABASE_URL"), ["DATABASE_URL"]);
        assert_eq!(vars("app", "lower.case-x"), ["lower.case-x"]);
        assert_eq!(vars("stripe", "STRIPE_KEY"), ["STRIPE_KEY"]);
        // The tool's own variables are never a secret's.
        assert!(vars("agent", "secrets_password").is_empty());
        assert!(vars("app", "AGENT_SECRETS_PASSWORD").is_empty());
        let (s, k) = secret("stripe", "key");
        assert_eq!(mapping_of(&UserMapping::new(), &s, &k).1, Origin::Rule);
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
        let (s, k) = secret("stripe", "secret_key");
        assert_eq!(vars_for_in(&user, &s, &k), ["STRIPE_SK", "SK"]);
        let (s, k) = secret("openai", "api_key");
        assert_eq!(mapping_of(&user, &s, &k).1, Origin::User);
        let pair = |s: &str, k: &str| Some(secret(s, k));
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
        let existing = [secret("my-api", "token")];
        assert_eq!(
            secret_for_var(&none, "MY_API_TOKEN", &existing, None),
            pair("my-api", "token")
        );
        assert_eq!(
            secret_for_var(&none, "MY_API_TOKEN", &[], None),
            pair("app", "MY_API_TOKEN")
        );
        let x = ServiceName::parse("x").expect("x");
        assert_eq!(
            secret_for_var(&none, "OPENAI_API_KEY", &[], Some(&x)),
            pair("x", "OPENAI_API_KEY")
        );
        assert_eq!(secret_for_var(&none, "1BAD", &[], None), None);
        let stripe = ServiceName::parse("stripe").expect("stripe");
        assert_eq!(
            mapped_secrets(&user, Some(&stripe)),
            [secret("stripe", "secret_key")]
        );
        assert_eq!(mapped_secrets(&none, None).len(), BUILTIN.len());
        // An entry of an unchecked mapping that is not a name names nothing.
        let broken = UserMapping::from([("Bad Name/x".to_owned(), vec!["SK".to_owned()])]);
        assert_eq!(mapped_secrets(&broken, None).len(), BUILTIN.len());
        assert_eq!(secret_for_var(&broken, "SK", &[], None), pair("app", "SK"));
    }

    #[test]
    fn reserved_variables_are_never_a_secrets() {
        let none = UserMapping::new();
        assert!(vars("app", "LD_PRELOAD").is_empty());
        assert!(
            vars("ld", "preload").is_empty(),
            "SERVICE_KEY gives LD_PRELOAD"
        );
        assert!(vars("stripe", "PATH").is_empty());
        let (s, k) = secret("git", "ssh_command");
        let v = secret_vars(&none, &s, &k);
        assert!(v.variables.is_empty());
        assert_eq!(v.refused[0].0, "GIT_SSH_COMMAND");
        assert_eq!(v.refused[0].1.entry, "GIT_");
        let user = UserMapping::from([("app/x".to_owned(), vec!["BASH_ENV".to_owned()])]);
        assert!(check_user_mapping(&user).is_err_and(|e| e.contains("never carries one")));
    }

    #[test]
    fn split_mapping_key_checks_both_halves() {
        assert_eq!(
            split_mapping_key("openai/api_key").ok(),
            Some(secret("openai", "api_key"))
        );
        assert!(matches!(
            split_mapping_key("openai"),
            Err(Error::InvalidParameter(_))
        ));
        assert!(matches!(
            split_mapping_key("Open/api_key"),
            Err(Error::InvalidServiceName { .. })
        ));
        assert!(matches!(
            split_mapping_key("openai/a b"),
            Err(Error::InvalidKeyName { .. })
        ));
    }

    #[test]
    fn edits_keep_the_mapping_valid() {
        let mut user = UserMapping::new();
        let (s, k) = secret("stripe", "secret_key");
        let sk = [VarName::parse("STRIPE_SK").expect("var")];
        edit_user_mapping(&mut user, &s, &k, Some(&sk)).expect("set");
        assert_eq!(user["stripe/secret_key"], ["STRIPE_SK"]);
        let (other, key) = secret("other", "k");
        assert!(matches!(
            edit_user_mapping(&mut user, &other, &key, Some(&sk)),
            Err(Error::InvalidParameter(_))
        ));
        assert_eq!(user.len(), 1, "a refused edit changes nothing");
        assert!(matches!(
            edit_user_mapping(&mut user, &other, &key, Some(&[])),
            Err(Error::InvalidParameter(_))
        ));
        edit_user_mapping(&mut user, &s, &k, None).expect("remove");
        assert!(user.is_empty());
    }
}
