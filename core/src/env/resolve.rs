//! Resolution: a secret's value from the vault first, then from the
//! environment variables it maps to, and the provider configuration built
//! on it.

use super::mapping::{vars_for, vars_for_in, BUILTIN, PROVIDERS};
use crate::names::{KeyName, ServiceName};
use crate::{Error, SecretString, Store, Vault};

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
/// counts as unset; the vault's user mapping is honoured). `vault` is
/// `None` when there is no vault to ask (not initialized). `env` looks a
/// variable up; the core never reads the process environment itself. If
/// neither has it, the vault's not-found error is returned.
pub fn resolve<S: Store>(
    vault: Option<&Vault<S>>,
    service: &ServiceName,
    key: &KeyName,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, Error> {
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
            service: service.to_string(),
            key: key.to_string(),
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
    pub key: KeyName,
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
    pub provider: ServiceName,
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
    name: &ServiceName,
    vault: Option<&Vault<S>>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, Error> {
    if !PROVIDERS.contains(&name.as_str()) {
        return Err(Error::ServiceNotFound {
            service: name.to_string(),
        });
    }
    let user = vault.map(|v| v.config().env.clone()).unwrap_or_default();
    let mut credentials = Vec::new();
    for (_, key, _) in BUILTIN.iter().filter(|(s, _, _)| *name == **s) {
        let key = KeyName::from_checked((*key).to_owned());
        let resolved = match resolve(vault, name, &key, env) {
            Ok(r) => Some(r),
            Err(Error::SecretNotFound { .. } | Error::ServiceNotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        credentials.push(Credential {
            variables: vars_for_in(&user, name, &key),
            key,
            resolved,
        });
    }
    Ok(ProviderConfig {
        provider: name.clone(),
        credentials,
    })
}

/// The providers of [`PROVIDERS`] as names.
pub fn providers() -> Vec<ServiceName> {
    PROVIDERS
        .iter()
        .map(|p| ServiceName::from_checked((*p).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn name(service: &str) -> ServiceName {
        ServiceName::parse(service).expect("service")
    }

    fn key(key: &str) -> KeyName {
        KeyName::parse(key).expect("key")
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
    fn resolve_without_vault_uses_env() {
        let env = |name: &str| (name == "GOOGLE_GEMINI_API_KEY").then(|| "fake-gemini".to_owned());
        let (gemini, api_key) = (name("gemini"), key("api_key"));
        let r = resolve::<crate::MemoryStore>(None, &gemini, &api_key, &env).expect("from env");
        assert_eq!(r.value.expose(), "fake-gemini");
        assert_eq!(r.source, Source::Env("GOOGLE_GEMINI_API_KEY".into()));
        let empty = |_: &str| Some(String::new());
        assert!(matches!(
            resolve::<crate::MemoryStore>(None, &gemini, &api_key, &empty),
            Err(Error::SecretNotFound { .. })
        ));
        // Imports never read a reserved variable from the environment
        // either, from an environment that answers every other one.
        let any = |name: &str| Some(format!("fake-{name}"));
        let app = name("app");
        let token = resolve::<crate::MemoryStore>(None, &app, &key("token"), &any).expect("env");
        assert!(token.value.expose().starts_with("fake-"));
        assert!(resolve::<crate::MemoryStore>(None, &app, &key("LD_PRELOAD"), &any).is_err());
    }

    #[test]
    fn provider_config_vault_first_then_env() {
        let store = crate::MemoryStore::default();
        let now = Timestamp::from_unix(1_800_000_000);
        let vault = fresh_vault(&store, now);
        vault
            .set(
                &name("supabase"),
                &key("anon_key"),
                &"fake-anon".into(),
                now,
            )
            .expect("set");
        let env = |name: &str| {
            matches!(name, "SUPABASE_ANON_KEY" | "SUPABASE_SERVICE_ROLE_KEY")
                .then(|| "fake-env".to_owned())
        };
        let c = provider_config(&name("supabase"), Some(&vault), &env);
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
        let c = provider_config::<crate::MemoryStore>(&name("openai"), None, &|_| None)
            .expect("config");
        assert!(!c.is_complete());
        assert!(matches!(
            provider_config::<crate::MemoryStore>(&name("stripe"), None, &|_| None),
            Err(Error::ServiceNotFound { .. })
        ));
        assert_eq!(
            providers()
                .iter()
                .map(ServiceName::as_str)
                .collect::<Vec<_>>(),
            PROVIDERS
        );
    }

    #[test]
    fn provider_config_stops_at_a_damaged_service_file() {
        let store = crate::MemoryStore::default();
        let now = Timestamp::from_unix(1_800_000_000);
        let vault = fresh_vault(&store, now);
        let env = |name: &str| (name == "OPENAI_API_KEY").then(|| "fake-env".to_owned());
        let config = provider_config(&name("openai"), Some(&vault), &env).expect("from env");
        let api_key = config
            .credentials
            .iter()
            .find(|c| c.key.as_str() == "api_key");
        let value = api_key
            .and_then(|c| c.resolved.as_ref())
            .map(|r| r.value.expose());
        assert_eq!(value, Some("fake-env"));
        let nothing = |_: &str| None;
        let config = provider_config(&name("openai"), Some(&vault), &nothing).expect("config");
        assert!(config.credentials.iter().all(|c| c.resolved.is_none()));
        assert!(matches!(
            provider_config(&name("example"), Some(&vault), &nothing),
            Err(Error::ServiceNotFound { service }) if service == "example"
        ));
        store.insert("openai.json", b"not json");
        // The variable would answer, but a damaged file is reported, not
        // papered over by the environment.
        let config = provider_config(&name("openai"), Some(&vault), &env);
        assert!(matches!(&config, Err(Error::Corrupt { file, .. }) if file == "openai.json"));
    }
}
