//! Where the variables of a `.env` file go: the one plan that
//! `agent secret import --dotenv` and the dashboard's import both follow.
//!
//! Every variable is given its secret before anything is stored: a mapped
//! variable (user mapping, built-ins, a secret already in the vault that
//! maps to it) goes to that secret; any other to the service `app` (or
//! the chosen service) under its own name. Reserved variables
//! ([`crate::reserved_vars`]: the tool's own, loader and interpreter
//! variables), names that are not key names, and secrets that would map
//! only to reserved variables are refused. All or nothing: a file with any
//! problem yields the list of problems, by line number, never by content.

use crate::dotenv::{self, Duplicate};
use crate::env::{self, ReverseMapping, UserMapping};
use crate::reserved_vars::reserved;
use crate::{KeyName, SecretString, ServiceName};

/// One secret to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Service name.
    pub service: ServiceName,
    /// Key name.
    pub key: KeyName,
    /// The variable it came from.
    pub var: String,
    /// The line of the file, from 1.
    pub line: usize,
    /// The value.
    pub value: SecretString,
}

/// Two variables of one file that go to the same secret; the later wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Service name.
    pub service: ServiceName,
    /// Key name.
    pub key: KeyName,
    /// The earlier variable and its line.
    pub earlier: (String, usize),
    /// The later variable (the one kept) and its line.
    pub later: (String, usize),
}

/// What an import will store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The secrets, in the order of the file.
    pub planned: Vec<Planned>,
    /// Names assigned more than once (the last line wins).
    pub duplicates: Vec<Duplicate>,
    /// Variables that went to the same secret (the later line wins).
    pub merged: Vec<Merged>,
}

/// Why nothing can be imported: every problem, as `line N: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// Lines the parser could not read.
    Unreadable(Vec<String>),
    /// Variables that cannot be stored.
    Unstorable(Vec<String>),
}

/// For a secret that maps to no variable but reserved ones
/// (`app/LD_PRELOAD`, `ld/preload`): "maps only to VAR, and REASON". Such a
/// secret is never imported (from a file or the environment).
pub fn unusable(user: &UserMapping, service: &ServiceName, key: &KeyName) -> Option<String> {
    let vars = env::secret_vars(user, service, key);
    if !vars.variables.is_empty() {
        return None;
    }
    let (variable, why) = vars.refused.first()?;
    Some(format!("maps only to {variable}, and {why}"))
}

/// The plan for a `.env` file's `bytes`, given the vault's user mapping and
/// the secrets it already has (`existing`, service and key names); with
/// `service`, every variable goes into that service.
pub fn plan(
    bytes: &[u8],
    user: &UserMapping,
    existing: &[(ServiceName, KeyName)],
    service: Option<&ServiceName>,
) -> Result<Plan, PlanError> {
    let parsed = dotenv::parse(bytes).map_err(|errors| {
        PlanError::Unreadable(errors.iter().map(ToString::to_string).collect())
    })?;
    let reverse = ReverseMapping::new(user, existing);
    let mut errors = Vec::new();
    let mut plan = Plan {
        duplicates: parsed.duplicates,
        ..Plan::default()
    };
    let mut seen: std::collections::HashMap<(ServiceName, KeyName), usize> =
        std::collections::HashMap::new();
    for entry in parsed.entries {
        // Named by the list's entry, not the line's name: nothing of the
        // file is echoed.
        if let Some(why) = reserved(&entry.name) {
            errors.push(format!(
                "line {}: {why}; a secret never sets it. Remove the line or rename the variable",
                entry.line
            ));
            continue;
        }
        let Some((service, key)) = reverse.secret_for_var(&entry.name, service) else {
            errors.push(format!(
                "line {}: the variable name is not a valid key name (1 to 128 characters of A-Z, a-z, 0-9, '_', '.' and '-', starting with a letter or '_')",
                entry.line
            ));
            continue;
        };
        if let Some(why) = unusable(user, &service, &key) {
            errors.push(format!(
                "line {}: it would go to {service}/{key}, which {why}; a secret never sets it. Choose another --service",
                entry.line
            ));
            continue;
        }
        if let Some(&at) = seen.get(&(service.clone(), key.clone())) {
            let earlier = &mut plan.planned[at];
            plan.merged.push(Merged {
                service,
                key,
                earlier: (earlier.var.clone(), earlier.line),
                later: (entry.name.clone(), entry.line),
            });
            earlier.var = entry.name;
            earlier.line = entry.line;
            earlier.value = entry.value;
            continue;
        }
        seen.insert((service.clone(), key.clone()), plan.planned.len());
        plan.planned.push(Planned {
            service,
            key,
            var: entry.name,
            line: entry.line,
            value: entry.value,
        });
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(PlanError::Unstorable(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_find_their_secrets_and_problems_are_listed_by_line() {
        let user = UserMapping::new();
        let name = |s: &str| ServiceName::parse(s).expect("service");
        let existing = vec![(name("stripe"), KeyName::parse("secret_key").expect("key"))];
        let file = b"OPENAI_API_KEY=sk-1\nDATABASE_URL=postgres://x\nSTRIPE_SECRET_KEY=s\nGEMINI_API_KEY=g1\nGOOGLE_GEMINI_API_KEY=g2\n";
        let plan = plan(file, &user, &existing, None).expect("plan");
        let places: Vec<(&str, &str, &str, usize)> = plan
            .planned
            .iter()
            .map(|p| (p.service.as_str(), p.key.as_str(), p.var.as_str(), p.line))
            .collect();
        assert_eq!(
            places,
            [
                ("openai", "api_key", "OPENAI_API_KEY", 1),
                ("app", "DATABASE_URL", "DATABASE_URL", 2),
                ("stripe", "secret_key", "STRIPE_SECRET_KEY", 3),
                ("gemini", "api_key", "GOOGLE_GEMINI_API_KEY", 5),
            ]
        );
        assert_eq!(plan.planned[3].value.expose(), "g2");
        assert_eq!(plan.merged.len(), 1);
        assert_eq!(plan.merged[0].earlier, ("GEMINI_API_KEY".to_owned(), 4));
        let into = super::plan(b"X=1\n", &user, &existing, Some(&name("svc"))).expect("plan");
        assert_eq!(
            (
                into.planned[0].service.as_str(),
                into.planned[0].key.as_str()
            ),
            ("svc", "X")
        );
        assert_eq!(
            super::plan(b"AGENT_SECRETS_PASSWORD=x\n1BAD=y\nOK=z\n", &user, &[], None),
            Err(PlanError::Unstorable(vec![
                format!("line 1: {}; a secret never sets it. Remove the line or rename the variable", reserved("AGENT_SECRETS_PASSWORD").map(|r| r.to_string()).unwrap_or_default()),
                "line 2: the variable name is not a valid key name (1 to 128 characters of A-Z, a-z, 0-9, '_', '.' and '-', starting with a letter or '_')".to_owned(),
            ]))
        );
        let unreadable = super::plan(b"A='open\n", &user, &[], None);
        assert!(
            matches!(&unreadable, Err(PlanError::Unreadable(lines)) if lines[0].starts_with("line 1: ")),
            "{unreadable:?}"
        );
    }

    #[test]
    fn a_variable_whose_secret_only_maps_to_a_reserved_variable_is_refused() {
        let user = UserMapping::new();
        let ld = ServiceName::parse("ld").expect("service");
        let preload = KeyName::parse("preload").expect("key");
        // ld/preload maps to LD_PRELOAD only.
        let why = "maps only to LD_PRELOAD, and LD_* steers the dynamic loader or the C library";
        assert_eq!(unusable(&user, &ld, &preload).as_deref(), Some(why));
        assert_eq!(
            unusable(
                &user,
                &ServiceName::parse("openai").expect("service"),
                &KeyName::parse("api_key").expect("key")
            ),
            None
        );
        assert_eq!(
            super::plan(b"preload=x\nTOKEN=y\n", &user, &[], Some(&ld)),
            Err(PlanError::Unstorable(vec![format!(
                "line 1: it would go to ld/preload, which {why}; a secret never sets it. Choose another --service"
            )]))
        );
    }
}
