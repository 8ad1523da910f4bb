//! The plan of an environment: which variables a set of secrets sets, the
//! one decision `run`, `export` and the npm `loadEnv` share.

use std::collections::HashMap;

use super::mapping::{mapping_key, secret_vars, UserMapping};
use crate::names::{KeyName, ServiceName};
use crate::reserved_vars::Reserved;

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

/// The one decision of which variables the secrets `secrets` (in the order
/// their values are held) set in an environment, shared by `run`, `export`
/// and the npm `loadEnv`: each secret's variables from [`secret_vars`]
/// (every one, or the preferred one), without the variables that never
/// carry a secret, and a variable two secrets map to set once, by the
/// first.
pub fn plan_env(user: &UserMapping, secrets: &[(ServiceName, KeyName)], which: Which) -> EnvPlan {
    let mut plan = EnvPlan::default();
    let mut owner: HashMap<String, usize> = HashMap::new();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_plan_for_run_export_and_load_env() {
        let user = UserMapping::from([("stripe/secret_key".to_owned(), vec!["SK".to_owned()])]);
        let secrets: Vec<(ServiceName, KeyName)> = [
            ("app", "LD_PRELOAD"),
            ("app", "OPENAI_API_KEY"),
            ("gemini", "api_key"),
            ("openai", "api_key"),
            ("stripe", "secret_key"),
            ("app", "AGENT_SECRETS_PASSWORD"),
        ]
        .iter()
        .map(|(s, k)| {
            (
                ServiceName::parse(s).expect("service"),
                KeyName::parse(k).expect("key"),
            )
        })
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
}
