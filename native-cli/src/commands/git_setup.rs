//! `agent secret git-setup`: installs the merge driver for the vault's
//! files in the repository that holds the vault folder.
//!
//! - the root `.gitattributes` gets `/<vault path>/*.json merge=agent-secrets`
//!   (created if missing; the exact line is added once);
//! - the repository's **local** git config gets `merge.agent-secrets.name`
//!   and `merge.agent-secrets.driver = '<this agent>' secret merge-driver
//!   %O %A %B %P`.
//!
//! A repository's `.gitattributes` only names a driver; the command git
//! runs comes from the local config, which a clone never receives: each
//! person runs this once per clone (docs/team.md). git is started through
//! [`crate::child::command`] only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use agent_secrets_core::Error;

use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The driver's name in `.gitattributes` and the git config.
pub const DRIVER: &str = "agent-secrets";
/// `merge.agent-secrets.name`.
const DRIVER_NAME: &str = "agent secrets: merge the vault's files entry by entry";

#[derive(Debug, clap::Args)]
pub struct Args {}

/// git in `dir`, no terminal, no master password in its environment.
fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, CliError> {
    crate::child::command("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| CliError::Usage(format!("git-setup needs git ({e}).")))
}

fn not_in_repository(display: &str) -> CliError {
    CliError::Usage(format!(
        "{display} is not in a git repository: git-setup installs the merge driver in the repository that holds the vault. Run it inside a clone (or after `git init`)."
    ))
}

/// The `.gitattributes` line for the vault folder at `relative` (from the
/// repository's root, `/`-separated).
pub fn attributes_line(relative: &str) -> String {
    format!("/{relative}/*.json merge={DRIVER}")
}

/// `'<path>' secret merge-driver %O %A %B %P`, the path shell-quoted.
pub fn driver_command(agent: &Path) -> String {
    let quoted = agent.to_string_lossy().replace('\'', "'\\''");
    format!("'{quoted}' secret merge-driver %O %A %B %P")
}

/// The repository's root and the vault folder relative to it.
fn locate(dir: &Path, display: &str) -> Result<(PathBuf, String), CliError> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = String::from_utf8(out.stdout).unwrap_or_default();
    let top = top.trim_end_matches('\n');
    if !out.status.success() || top.is_empty() {
        return Err(not_in_repository(display));
    }
    let top = PathBuf::from(top);
    let canonical = |p: &Path| {
        p.canonicalize()
            .map_err(|e| CliError::Usage(format!("cannot resolve {}: {e}", p.display())))
    };
    let (top_c, dir_c) = (canonical(&top)?, canonical(dir)?);
    let relative = dir_c
        .strip_prefix(&top_c)
        .map_err(|_| not_in_repository(display))?
        .to_string_lossy()
        .into_owned();
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/');
    if relative.is_empty() || !relative.chars().all(plain) {
        return Err(CliError::Usage(format!(
            "{display}: git-setup writes a .gitattributes pattern for the vault folder, which must be a folder below the repository's root named with letters, digits, '.', '_', '-' and '/' only."
        )));
    }
    Ok((top, relative))
}

/// Adds `line` to `<top>/.gitattributes` unless a line equals it; whether
/// it was added.
fn add_attribute(top: &Path, line: &str) -> Result<bool, CliError> {
    let path = top.join(".gitattributes");
    let failed = |e: std::io::Error| {
        CliError::from(Error::from(agent_secrets_core::StoreError::CannotWrite {
            location: path.display().to_string(),
            reason: e.to_string(),
        }))
    };
    let existing = match std::fs::symlink_metadata(&path) {
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(CliError::Usage(format!(
                "{} is not a regular file; add the line `{line}` to the repository's attributes yourself.",
                path.display()
            )))
        }
        Ok(_) => std::fs::read_to_string(&path).map_err(failed)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(failed(e)),
    };
    if existing.lines().any(|l| l.trim_end_matches('\r') == line) {
        return Ok(false);
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(failed)?;
    let separator = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    file.write_all(format!("{separator}{line}\n").as_bytes())
        .map_err(failed)?;
    Ok(true)
}

/// Sets a key of the repository's local config unless it holds exactly
/// `value`; whether it changed.
fn set_local(top: &Path, key: &str, value: &str) -> Result<bool, CliError> {
    let current = git(top, &["config", "--local", "--get-all", key])?;
    if current.status.success() && String::from_utf8_lossy(&current.stdout) == format!("{value}\n")
    {
        return Ok(false);
    }
    let out = git(top, &["config", "--local", "--replace-all", key, value])?;
    if !out.status.success() {
        return Err(CliError::Usage(format!(
            "git config --local {key} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(true)
}

pub fn run(ctx: &mut Context, _args: &Args) -> Result<(), CliError> {
    if !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    let display = ctx.store.display().to_owned();
    let (top, relative) = locate(ctx.store.dir(), &display)?;
    let agent = std::env::current_exe()
        .map_err(|e| CliError::Usage(format!("cannot find this agent program's path ({e}).")))?;
    let line = attributes_line(&relative);
    let mut did = Vec::new();
    let mut kept = Vec::new();
    if add_attribute(&top, &line)? {
        did.push(format!("added `{line}` to .gitattributes (commit it)"));
    } else {
        kept.push(".gitattributes already names the driver".to_owned());
    }
    let driver = driver_command(&agent);
    let name_changed = set_local(&top, &format!("merge.{DRIVER}.name"), DRIVER_NAME)?;
    if set_local(&top, &format!("merge.{DRIVER}.driver"), &driver)? || name_changed {
        did.push(format!(
            "set merge.{DRIVER}.driver in this clone's git config to: {driver}"
        ));
    } else {
        kept.push(format!(
            "merge.{DRIVER}.driver is already set in this clone's git config"
        ));
    }
    for l in &did {
        output::line(&format!("git-setup: {l}."))?;
    }
    for l in &kept {
        output::line(&format!("git-setup: {l}; unchanged."))?;
    }
    output::line(
        "Every clone runs `agent secret git-setup` once: git never takes a merge command from the repository itself.",
    )?;
    Ok(())
}
