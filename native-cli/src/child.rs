//! Every process the CLI starts is made here: `git` for `scan` and
//! `preflight`, the alert command, `run`'s child.
//!
//! [`command`] is the only caller of `std::process::Command::new` in the
//! CLI (clippy's `disallowed_methods`, set in `clippy.toml`, refuses it
//! anywhere else), so no child inherits the master password: the
//! variables of [`agent_secrets_core::env::NOT_INHERITED`] are removed
//! from every child's environment, whatever a repository's hooks
//! (`core.fsmonitor`) or an alert command would do with them.

use std::ffi::OsStr;
use std::process::Command;

use agent_secrets_core::env::NOT_INHERITED;

/// A [`Command`] for `program` whose environment is this process's
/// without [`NOT_INHERITED`]. Callers may clear the environment further;
/// they never add those variables back.
#[allow(clippy::disallowed_methods)] // the one place a child is made
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    for var in NOT_INHERITED {
        command.env_remove(var);
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_variables_are_removed() {
        assert!(NOT_INHERITED.contains(&crate::input::PASSWORD_ENV));
        assert!(NOT_INHERITED.contains(&crate::input::NEW_PASSWORD_ENV));
        let c = command("true");
        let removed: Vec<&OsStr> = c
            .get_envs()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k)
            .collect();
        for var in NOT_INHERITED {
            assert!(removed.contains(&OsStr::new(var)), "{var}");
        }
    }
}
