//! The vault-then-environment lookups of [`agent_secrets_core::env`] and
//! the plan of the variables `loadEnv` sets. The environment is always a
//! JavaScript object passed in (`process.env` in Node): the core never
//! reads the process environment itself.

use agent_secrets_core::env::{self, Resolved, Source};
use agent_secrets_core::{KeyName, ServiceName, Vault as CoreVault};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::{key, service, set};
use crate::error::IntoJs;
use crate::vault::{AnyStore, Vault};

#[wasm_bindgen(typescript_custom_section)]
const ENV_TS: &'static str = r#"
/** What `envVars` sets, and the warnings for what it leaves out. */
export interface AgentSecretsEnvPlan { vars: AgentSecretsEnvVar[]; warnings: string[]; }
/** A value and where it came from. */
export interface AgentSecretsResolved { value: string; source: "vault" | "env"; variable?: string; }
/** One variable `envVars` would set. */
export interface AgentSecretsEnvVar { variable: string; service: string; key: string; value: string; }
/** A provider's credentials, vault first, then the environment. */
export interface AgentSecretsProviderConfig {
  provider: string;
  credentials: Record<string, AgentSecretsResolved>;
  missing: string[];
}
"#;

/// The variable `name` of the JavaScript object `env`, if it is a string.
fn lookup(env: &Object) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        Reflect::get(env, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    }
}

/// `{ value, source: "vault" | "env", variable? }`.
fn resolved_object(resolved: &Resolved) -> Result<Object, JsValue> {
    let out = Object::new();
    // Copied out to a JavaScript string; the Rust copy is wiped on drop.
    set(&out, "value", &JsValue::from_str(resolved.value.expose()))?;
    match &resolved.source {
        Source::Vault => set(&out, "source", &"vault".into())?,
        Source::Env(variable) => {
            set(&out, "source", &"env".into())?;
            set(&out, "variable", &JsValue::from_str(variable))?;
        }
    }
    Ok(out)
}

/// The variables no child process inherits (the master passwords).
#[wasm_bindgen(js_name = notInherited)]
pub fn not_inherited() -> Vec<String> {
    env::NOT_INHERITED.iter().map(|v| (*v).to_owned()).collect()
}

/// The variables a secret maps to without a vault's user mapping,
/// preferred first (the CLI's built-ins and rules).
#[wasm_bindgen(js_name = envVarsFor)]
pub fn env_vars_for(service_name: &str, key_name: &str) -> Result<Vec<String>, JsValue> {
    Ok(env::vars_for(&service(service_name)?, &key(key_name)?))
}

/// `resolve` without a vault (none initialized): the mapped environment
/// variables of `env`, or the not-found error.
#[wasm_bindgen(js_name = resolveEnv, unchecked_return_type = "AgentSecretsResolved")]
pub fn resolve_env(
    #[wasm_bindgen(js_name = service)] service_name: &str,
    #[wasm_bindgen(js_name = key)] key_name: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
) -> Result<Object, JsValue> {
    let (service, key) = (service(service_name)?, key(key_name)?);
    let resolved = env::resolve::<AnyStore>(None, &service, &key, &lookup(&env)).js()?;
    resolved_object(&resolved)
}

/// `providerConfig` without a vault: every credential from `env`.
#[wasm_bindgen(js_name = providerConfigEnv, unchecked_return_type = "AgentSecretsProviderConfig")]
pub fn provider_config_env(
    name: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
) -> Result<Object, JsValue> {
    provider_config(None, &service(name)?, &env)
}

/// `{ provider, credentials: { key: { value, source, variable? } },
/// missing: [key] }` from the core's [`env::provider_config`].
fn provider_config(
    vault: Option<&CoreVault<AnyStore>>,
    name: &ServiceName,
    env: &Object,
) -> Result<Object, JsValue> {
    let config = env::provider_config(name, vault, &lookup(env)).js()?;
    let credentials = Object::new();
    let missing = Array::new();
    for credential in &config.credentials {
        match &credential.resolved {
            Some(resolved) => set(
                &credentials,
                &credential.key,
                &resolved_object(resolved)?.into(),
            )?,
            None => {
                missing.push(&JsValue::from_str(&credential.key));
            }
        }
    }
    let out = Object::new();
    set(&out, "provider", &JsValue::from_str(&config.provider))?;
    set(&out, "credentials", &credentials)?;
    set(&out, "missing", &missing)?;
    Ok(out)
}

#[wasm_bindgen]
impl Vault {
    /// The value of `service`/`key` from the vault, else from the mapped
    /// variables of `env`: `{ value, source, variable? }`.
    #[wasm_bindgen(unchecked_return_type = "AgentSecretsResolved")]
    pub fn resolve(
        &self,
        #[wasm_bindgen(js_name = service)] service_name: &str,
        #[wasm_bindgen(js_name = key)] key_name: &str,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
    ) -> Result<Object, JsValue> {
        let (service, key) = (service(service_name)?, key(key_name)?);
        let resolved = env::resolve(Some(self.core()), &service, &key, &lookup(&env)).js()?;
        resolved_object(&resolved)
    }

    /// A known provider's credentials (openai, anthropic, gemini,
    /// supabase), vault first, then `env`; an unknown provider is
    /// `NOT_FOUND`.
    #[wasm_bindgen(js_name = providerConfig, unchecked_return_type = "AgentSecretsProviderConfig")]
    pub fn provider_config(
        &self,
        name: &str,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
    ) -> Result<Object, JsValue> {
        provider_config(Some(self.core()), &service(name)?, &env)
    }

    /// The variables the secrets of `services` (all services when
    /// `undefined`) set, each with its value, by the core's
    /// [`env::plan_env`] (as `agent secret run`): `{ vars, warnings }`,
    /// `warnings` naming what is left out (a variable that never carries
    /// a secret, a variable two secrets map to). A service document that
    /// cannot be read fails the whole call (nothing half-loaded).
    #[wasm_bindgen(js_name = envVars, unchecked_return_type = "AgentSecretsEnvPlan")]
    pub fn env_vars(&self, services: Option<Vec<String>>) -> Result<Object, JsValue> {
        let vault = self.core();
        let services: Vec<ServiceName> = match services {
            Some(names) => names
                .iter()
                .map(|name| service(name))
                .collect::<Result<_, _>>()?,
            None => {
                let (listed, problems) = agent_secrets_core::list(vault.store(), None).js()?;
                if let Some(problem) = problems.into_iter().next() {
                    return Err(problem).js();
                }
                listed.into_iter().map(|s| s.service).collect()
            }
        };
        let mut names: Vec<(ServiceName, KeyName)> = Vec::new();
        let mut values = Vec::new();
        for service in &services {
            for (key, value) in vault.get_service(service).js()? {
                names.push((service.clone(), key));
                values.push(value);
            }
        }
        let plan = env::plan_env(&vault.config().env, &names, env::Which::Every);
        let vars = Array::new();
        for planned in &plan.vars {
            let (service, key) = &names[planned.secret];
            let entry = Object::new();
            set(&entry, "variable", &JsValue::from_str(&planned.variable))?;
            set(&entry, "service", &JsValue::from_str(service))?;
            set(&entry, "key", &JsValue::from_str(key))?;
            // Copied out to a JavaScript string; the Rust copy is wiped on drop.
            set(
                &entry,
                "value",
                &JsValue::from_str(values[planned.secret].expose()),
            )?;
            vars.push(&entry);
        }
        let warnings: Array = plan
            .skipped
            .iter()
            .map(|w| JsValue::from_str(&w.to_string()))
            .collect();
        let out = Object::new();
        set(&out, "vars", &vars)?;
        set(&out, "warnings", &warnings)?;
        Ok(out)
    }
}
