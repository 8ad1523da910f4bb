//! `agent preflight [--json] [--fix]`: the vault folder's health, without
//! the password.
//!
//! Checks, in this order (the `check` names are stable):
//!
//! | check | passes when |
//! |---|---|
//! | `folder_mode` | the folder passes the core's rule (a real folder, the user's or root's, not writable by group or others) and its mode is 0700 |
//! | `file_modes` | every entry passes the core's rule (a regular file, the user's or root's, not writable by group or others) and its mode is 0600 |
//! | `gitignore` | `.gitignore` holds exactly `*\n!.gitignore\n` |
//! | `config` | `config.json` passes the core's strict parser |
//! | `alert_command` | `config.json` has no `alerts.command` (never run from the vault folder) |
//! | `kdf_iterations` | the PBKDF2 iteration count is at least 100,000 |
//! | `service_files` | every `<service>.json` passes the core's strict parser: each value has `nonce`, `ciphertext`, `tag` and no other (plaintext) field (a file `merge_conflicts` reports is left to it) |
//! | `merge_conflicts` | no `config.json` or `<service>.json` holds git's conflict markers or a conflict document of the merge driver |
//! | `merge_driver` | in a shared vault inside a git repository: `git check-attr merge` gives `agent-secrets` for `config.json` and the service files, and this clone's local git config has `merge.agent-secrets.driver` (skipped for a private vault, outside a repository or without git) |
//! | `git_tracked` | git tracks no file of the folder but `.gitignore` (skipped outside a repository or without git) |
//! | `tracked_copies` | git tracks no document of the vault format anywhere else in the repository of the current directory or of the folder, except where `.agent-secrets-allow` lists it (skipped outside a repository or without git) |
//! | `audit_chain` | `audit.log`, if present, has an unbroken hash chain |
//! | `lock` | there is no stale `.lock` (dead holder on this host, or older than 600 s) |
//! | `temp_files` | no temporary file (`.agent-tmp-<16 hex>`) is left over (one under a live lock belongs to its writer) |
//!
//! Modes are read from the mode bits, not by trying to open files: CI runs
//! as root, which opens anything. Files are read as the store reads them
//! (no link followed, regular files only, within their size cap), but
//! whoever owns them: owners and modes are reported, not refused.
//!
//! `--json` prints one object:
//!
//! ```json
//! { "dir": ".agent/secrets/", "ok": false, "problems": 1, "fixed": [],
//!   "checks": [ { "check": "folder_mode", "status": "fail",
//!                 "detail": ".agent/secrets/ is 0755, expected 0700",
//!                 "fix": "chmod 700 .agent/secrets/", "fixable": true } ] }
//! ```
//!
//! `status` is `ok`, `fail` or `skipped`; `fix` is present on failures only;
//! `fixable` says whether `--fix` repairs it. `--fix` applies only the safe
//! repairs (modes, `.gitignore`), lists them in `fixed`, then checks again:
//! the report is the second check.
//!
//! Exit: 0 all passed, 8 any failure, 7 no vault in the folder.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use agent_secrets_core::files::{self, Access, FileProblem};
use agent_secrets_core::format::{
    parse_config, parse_service, service_of_file, CONFIG_FILE, GITIGNORE, GITIGNORE_FILE,
};
use agent_secrets_core::lock::{LockState, DEFAULT_TIMEOUT};
use agent_secrets_core::merge::{self, Unresolved};
use agent_secrets_core::KeyName;
use agent_secrets_core::{audit, tracked, Error, Store, MIN_ITERATIONS};
use serde::Serialize;

use crate::audit_log::Target;
use crate::commands::git_setup;
use crate::context::Context;
use crate::error::{exit, CliError};
use crate::fs_store::{self, FileStore};
use crate::lock::write_lock;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON report.
    #[arg(long)]
    pub json: bool,
    /// Apply the safe fixes (folder 0700, files 0600, rewrite .gitignore), then check again.
    #[arg(long)]
    pub fix: bool,
}

/// Preflight reads no secret and has no audit operation of its own.
pub fn audit_target(_args: &Args) -> Option<Target> {
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Ok,
    Fail,
    Skipped,
}

#[derive(Debug, Serialize)]
struct Check {
    check: &'static str,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
    fixable: bool,
}

impl Check {
    fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
            fixable: false,
        }
    }

    fn skipped(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: Status::Skipped,
            ..Self::ok(check, detail)
        }
    }

    fn fail(
        check: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
        fixable: bool,
    ) -> Self {
        Self {
            check,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
            fixable,
        }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    dir: &'a str,
    ok: bool,
    problems: usize,
    fixed: Vec<&'static str>,
    checks: Vec<Check>,
}

/// What is in the folder: names (sorted) and, for each, its metadata
/// without following links.
struct Listing {
    entries: Vec<(String, Option<fs::Metadata>)>,
}

impl Listing {
    fn read(dir: &Path) -> Result<Self, CliError> {
        let mut entries = Vec::new();
        let read = fs::read_dir(dir).map_err(|e| cannot_read(dir, &e))?;
        for entry in read {
            let entry = entry.map_err(|e| cannot_read(dir, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            entries.push((name, fs::symlink_metadata(entry.path()).ok()));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self { entries })
    }
}

fn cannot_read(dir: &Path, e: &std::io::Error) -> CliError {
    CliError::Reported {
        message: format!("Cannot read {}: {e}", dir.display()),
        code: exit::ERROR,
    }
}

fn mode_of(meta: &fs::Metadata) -> u32 {
    meta.permissions().mode() & 0o7777
}

/// A file of the folder, read as the store reads it but whoever owns it.
fn read(dir: &Path, name: &str) -> std::io::Result<Vec<u8>> {
    let path = dir.join(name);
    let shown = path.display().to_string();
    match fs_store::read_checked(&path, name, &shown, Access::ReadToReport) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(std::io::ErrorKind::NotFound.into()),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    }
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let store = &ctx.store;
    // Only whether config.json is there: a folder or file the store would
    // refuse is what this command reports on.
    if fs::symlink_metadata(store.dir().join(CONFIG_FILE)).is_err() {
        return Err(Error::NotInitialized.into());
    }
    let mut checks = check_all(store)?;
    let mut fixed = Vec::new();
    if args.fix {
        for check in checks
            .iter()
            .filter(|c| c.status == Status::Fail && c.fixable)
        {
            match apply_fix(store, check.check) {
                Ok(()) => fixed.push(check.check),
                Err(e) => output::note(&format!("could not fix {}: {e}", check.check)),
            }
        }
        checks = check_all(store)?;
    }
    let problems = checks.iter().filter(|c| c.status == Status::Fail).count();
    if args.json {
        output::json(&Report {
            dir: store.display(),
            ok: problems == 0,
            problems,
            fixed,
            checks,
        })?;
    } else {
        print_human(store.display(), &fixed, &checks, problems)?;
    }
    if problems == 0 {
        Ok(())
    } else {
        Err(CliError::Reported {
            message: format!(
                "preflight found {problems} problem{} in {}",
                if problems == 1 { "" } else { "s" },
                store.display()
            ),
            code: exit::FINDINGS,
        })
    }
}

/// The report of `--json` (without fixing anything), as data: the
/// dashboard server shows the same findings.
pub fn report(store: &FileStore) -> Result<serde_json::Value, CliError> {
    let checks = check_all(store)?;
    let problems = checks.iter().filter(|c| c.status == Status::Fail).count();
    serde_json::to_value(Report {
        dir: store.display(),
        ok: problems == 0,
        problems,
        fixed: Vec::new(),
        checks,
    })
    .map_err(|_| CliError::Reported {
        message: "the preflight report could not be encoded".to_owned(),
        code: exit::ERROR,
    })
}

fn print_human(
    display: &str,
    fixed: &[&str],
    checks: &[Check],
    problems: usize,
) -> std::io::Result<()> {
    if !fixed.is_empty() {
        output::line(&format!("Fixed: {}.", fixed.join(", ")))?;
    }
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            let status = match c.status {
                Status::Ok => "ok",
                Status::Fail => "FAIL",
                Status::Skipped => "skip",
            };
            let detail = match &c.fix {
                Some(fix) => format!("{}; fix: {fix}", c.detail),
                None => c.detail.clone(),
            };
            vec![status.to_owned(), c.check.to_owned(), detail]
        })
        .collect();
    output::line(&format!("Preflight of {display}"))?;
    output::line(&output::table(&["result", "check", "detail"], &rows))?;
    let fixable = checks
        .iter()
        .filter(|c| c.status == Status::Fail && c.fixable)
        .count();
    if problems == 0 {
        output::line("All checks passed.")?;
    } else if fixable > 0 {
        output::line(&format!(
            "{problems} problem(s); `agent preflight --fix` repairs {fixable} of them (modes, .gitignore)."
        ))?;
    } else {
        output::line(&format!("{problems} problem(s)."))?;
    }
    Ok(())
}

fn check_all(store: &FileStore) -> Result<Vec<Check>, CliError> {
    let dir = store.dir();
    let display = store.display();
    let listing = Listing::read(dir)?;
    let lock = write_lock(dir, display, DEFAULT_TIMEOUT).inspect();
    Ok(vec![
        folder_mode(dir, display)?,
        file_modes(&listing, display),
        gitignore(dir),
        config(dir),
        alert_command(dir),
        kdf_iterations(dir),
        service_files(dir, &listing),
        merge_conflicts(dir, &listing, display),
        merge_driver(dir, &listing),
        git_tracked(dir, display),
        tracked_copies(dir),
        audit_chain(dir),
        lock_check(&lock, display),
        temp_files(&listing, &lock, display),
    ])
}

fn folder_mode(dir: &Path, display: &str) -> Result<Check, CliError> {
    let meta = fs::symlink_metadata(dir).map_err(|e| cannot_read(dir, &e))?;
    if let Err(problem) =
        files::check_folder(display, &fs_store::file_stat(&meta), fs_store::euid())
    {
        let fixable = problem.is_fixed_by_chmod();
        return Ok(Check::fail(
            "folder_mode",
            problem.what(),
            problem.fix(),
            fixable,
        ));
    }
    let mode = mode_of(&meta);
    Ok(if mode == files::FOLDER_MODE {
        Check::ok("folder_mode", format!("{display} is 0700"))
    } else {
        Check::fail(
            "folder_mode",
            format!("{display} is {mode:04o}, expected 0700"),
            format!("chmod 700 {display}"),
            true,
        )
    })
}

fn file_modes(listing: &Listing, display: &str) -> Check {
    let mut wrong_mode = Vec::new();
    let mut refused: Vec<FileProblem> = Vec::new();
    let euid = fs_store::euid();
    for (name, meta) in &listing.entries {
        let Some(m) = meta else { continue };
        let shown = format!("{display}{name}");
        match files::check_file(&shown, name, &fs_store::file_stat(m), euid, Access::Inspect) {
            Err(problem) if !problem.is_fixed_by_chmod() => refused.push(problem),
            _ if mode_of(m) != files::FILE_MODE => wrong_mode.push((name.as_str(), mode_of(m))),
            _ => {}
        }
    }
    if wrong_mode.is_empty() && refused.is_empty() {
        return Check::ok(
            "file_modes",
            format!("{} files, all 0600", listing.entries.len()),
        );
    }
    let modes: Vec<String> = wrong_mode
        .iter()
        .map(|(name, mode)| format!("{name} is {mode:04o}"))
        .collect();
    let mut fixes = Vec::new();
    if !wrong_mode.is_empty() {
        let paths: Vec<String> = wrong_mode
            .iter()
            .map(|(name, _)| format!("{display}{name}"))
            .collect();
        fixes.push(format!("chmod 600 {}", paths.join(" ")));
    }
    let mut detail = if modes.is_empty() {
        Vec::new()
    } else {
        vec![format!("{}, expected 0600", modes.join(", "))]
    };
    for problem in &refused {
        detail.push(problem.what());
        fixes.push(problem.fix());
    }
    Check::fail(
        "file_modes",
        detail.join("; "),
        fixes.join("; "),
        refused.is_empty(),
    )
}

fn gitignore(dir: &Path) -> Check {
    let expected = "`*` then `!.gitignore`";
    match read(dir, GITIGNORE_FILE) {
        Ok(bytes) if bytes == GITIGNORE.as_bytes() => {
            Check::ok("gitignore", format!(".gitignore is {expected}"))
        }
        Ok(bytes) if agent_secrets_core::format::is_shared(&bytes) => Check::ok(
            "gitignore",
            ".gitignore is a shared vault's (state.json, audit.log, the lock and temporary files stay out of git)",
        ),
        Ok(_) => Check::fail(
            "gitignore",
            format!(".gitignore differs from {expected}: git may pick up vault files"),
            "agent preflight --fix (rewrites it)",
            true,
        ),
        Err(_) => Check::fail(
            "gitignore",
            ".gitignore is missing: git may pick up vault files",
            "agent preflight --fix (writes it)",
            true,
        ),
    }
}

fn config(dir: &Path) -> Check {
    let parsed = read(dir, CONFIG_FILE)
        .map_err(|e| format!("{CONFIG_FILE} cannot be read: {e}"))
        .and_then(|bytes| parse_config(&bytes).map_err(|e| e.to_string()));
    match parsed {
        Ok(doc) => Check::ok(
            "config",
            format!(
                "{CONFIG_FILE} is valid ({}, {} data key(s))",
                doc.cipher,
                doc.keys.len()
            ),
        ),
        Err(message) => Check::fail(
            "config",
            message,
            format!("restore {CONFIG_FILE} from a backup; every front end refuses it as it is"),
            false,
        ),
    }
}

/// A program named in the vault's `alerts` is never run, but its presence
/// means someone expected it to be (or planted it). Read leniently, so it
/// is reported even when the strict parser refuses the file.
fn alert_command(dir: &Path) -> Check {
    let planted = fs::read(dir.join(CONFIG_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|v| v.get("alerts").and_then(|a| a.get("command")).is_some());
    if planted {
        Check::fail(
            "alert_command",
            format!(
                "{CONFIG_FILE} has an \"alerts\" \"command\", which is never run: a program is never \
                 taken from the vault folder (anyone who can write it could plant one)"
            ),
            "agent secret config --alert-after N --alert-window S (with the password) writes \
             the thresholds without it; name the alert command in \
             ~/.config/agent-secrets/config.json or AGENT_SECRETS_ALERT_COMMAND"
                .to_owned(),
            false,
        )
    } else {
        Check::ok("alert_command", format!("{CONFIG_FILE} names no program"))
    }
}

/// Reads the counts leniently (the lowest of the recipients'), so that a
/// count the strict parser refuses is still reported as what it is.
fn kdf_iterations(dir: &Path) -> Check {
    let iterations = read(dir, CONFIG_FILE)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|v| {
            v.get("recipients")?
                .as_object()?
                .values()
                .filter_map(|r| r.get("kdf")?.get("iterations")?.as_u64())
                .min()
        });
    match iterations {
        None => Check::skipped(
            "kdf_iterations",
            format!("no recipients.*.kdf.iterations number in {CONFIG_FILE}"),
        ),
        Some(n) if n >= u64::from(MIN_ITERATIONS) => Check::ok(
            "kdf_iterations",
            format!("{n} PBKDF2 iterations (floor {MIN_ITERATIONS})"),
        ),
        Some(n) => Check::fail(
            "kdf_iterations",
            format!("{n} PBKDF2 iterations, below the floor of {MIN_ITERATIONS}: {CONFIG_FILE} was edited"),
            format!("restore {CONFIG_FILE} from a backup (a lowered count makes offline guessing cheaper)"),
            false,
        ),
    }
}

/// The first secret entry of a service document that lacks one of the
/// encrypted fields or has a field of its own (a plaintext value), named
/// if its name is a valid key name.
fn plaintext_suspect(bytes: &[u8]) -> Option<String> {
    const ALLOWED: [&str; 6] = [
        "key_id",
        "nonce",
        "ciphertext",
        "tag",
        "created_at",
        "updated_at",
    ];
    let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let top_extra = doc
        .as_object()?
        .keys()
        .any(|k| !["format", "version", "service", "secrets"].contains(&k.as_str()));
    if top_extra {
        return Some("the document has a field that format v1 does not have (plaintext?)".into());
    }
    for (key, entry) in doc.get("secrets")?.as_object()? {
        let Some(fields) = entry.as_object() else {
            return Some(describe_key(key, "is not an encrypted entry (plaintext?)"));
        };
        if ["nonce", "ciphertext", "tag"]
            .iter()
            .any(|f| !fields.contains_key(*f))
        {
            return Some(describe_key(key, "lacks nonce, ciphertext or tag"));
        }
        if fields.keys().any(|f| !ALLOWED.contains(&f.as_str())) {
            return Some(describe_key(
                key,
                "has a field that format v1 does not have (plaintext?)",
            ));
        }
    }
    None
}

fn describe_key(key: &str, what: &str) -> String {
    // A name that is not a valid key name may be a value pasted by hand.
    if KeyName::parse(key).is_ok() {
        format!("secret '{key}' {what}")
    } else {
        format!("a secret with an invalid name {what}")
    }
}

fn service_files(dir: &Path, listing: &Listing) -> Check {
    let mut problems = Vec::new();
    let (mut files, mut values) = (0, 0);
    for (name, _) in &listing.entries {
        let Some(service) = service_of_file(name) else {
            continue;
        };
        files += 1;
        let bytes = match read(dir, name) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{name} cannot be read: {e}"));
                continue;
            }
        };
        if merge::unresolved(name, &bytes).is_some() {
            continue; // `merge_conflicts` names it
        }
        match parse_service(&service, &bytes) {
            Ok(doc) => values += doc.secrets.len(),
            Err(e) => problems.push(match plaintext_suspect(&bytes) {
                Some(why) => format!("{name}: {why}"),
                None => e.to_string(),
            }),
        }
    }
    if problems.is_empty() {
        Check::ok(
            "service_files",
            format!("{files} service file(s), {values} value(s), each with nonce, ciphertext and tag only"),
        )
    } else {
        Check::fail(
            "service_files",
            problems.join("; "),
            "a plaintext value must be considered leaked: rotate it at its provider, \
             `agent secret set` the new one, and restore or rewrite the file",
            false,
        )
    }
}

/// Files an unfinished merge left: git's conflict markers (a text merge)
/// or the merge driver's conflict documents.
fn merge_conflicts(dir: &Path, listing: &Listing, display: &str) -> Check {
    const NAME: &str = "merge_conflicts";
    let mut found = Vec::new();
    let mut fixes = Vec::new();
    for (name, _) in &listing.entries {
        if name != CONFIG_FILE && service_of_file(name).is_none() {
            continue;
        }
        let Ok(bytes) = read(dir, name) else {
            continue; // `file_modes`, `config` and `service_files` say why
        };
        match merge::unresolved(name, &bytes) {
            None => {}
            Some(Unresolved::Markers) => {
                found.push(format!("{name} has git conflict markers (a text merge: the merge driver was not used; `agent secret resolve` cannot finish it)"));
                fixes.push(format!("git checkout --ours -- {display}{name} (or --theirs), then set the other side's values again; run `agent secret git-setup` so the next merge goes entry by entry"));
            }
            Some(Unresolved::Service(keys)) => {
                let service = name.trim_end_matches(".json");
                let keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
                found.push(format!(
                    "{name} is an unresolved merge of {}",
                    keys.join(", ")
                ));
                fixes.push(format!(
                    "agent secret resolve {service} KEY --ours (or --theirs) for each, then commit"
                ));
            }
            Some(Unresolved::Config) => {
                found.push(format!(
                    "{name} is an unresolved merge (changed on both branches)"
                ));
                fixes.push(
                    "agent secret resolve --config --ours (or --theirs), then commit".to_owned(),
                );
            }
        }
    }
    if found.is_empty() {
        Check::ok(NAME, "no file holds an unfinished merge")
    } else {
        Check::fail(NAME, found.join("; "), fixes.join("; "), false)
    }
}

/// In a shared vault inside a git repository: whether this clone merges
/// the vault's files with the merge driver (`.gitattributes` names it and
/// the local config defines it).
fn merge_driver(dir: &Path, listing: &Listing) -> Check {
    const NAME: &str = "merge_driver";
    let shared = read(dir, GITIGNORE_FILE).is_ok_and(|g| agent_secrets_core::format::is_shared(&g));
    if !shared {
        return Check::skipped(NAME, "a private vault: nothing of it is merged by git");
    }
    // config.json and one service file (a name that would be one when
    // there is none yet).
    let service = listing
        .entries
        .iter()
        .map(|(name, _)| name.as_str())
        .find(|name| service_of_file(name).is_some())
        .unwrap_or("service.json");
    let attributes = match git(dir)
        .args(["check-attr", "merge", "--", CONFIG_FILE, service])
        .output()
    {
        Err(_) => return Check::skipped(NAME, "git is not installed; not checked"),
        Ok(o) if !o.status.success() => {
            return Check::skipped(
                NAME,
                "the folder is not in a git repository git can read; not checked",
            )
        }
        Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
    };
    let want = format!("merge: {}", git_setup::DRIVER);
    let missing: Vec<&str> = attributes
        .lines()
        .filter(|line| !line.ends_with(&want))
        .filter_map(|line| line.split(':').next())
        .collect();
    let driver = git(dir)
        .args([
            "config",
            "--local",
            "--get",
            &format!("merge.{}.driver", git_setup::DRIVER),
        ])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.trim_ascii().is_empty());
    let fix = "agent secret git-setup (once per clone), and commit .gitattributes";
    if !missing.is_empty() || attributes.lines().count() < 2 {
        return Check::fail(
            NAME,
            format!(
                "the merge driver is not set up in this clone: .gitattributes does not give {} merge={} (git would merge them as text, leaving conflict markers)",
                missing.join(" and "),
                git_setup::DRIVER
            ),
            fix,
            false,
        );
    }
    if !driver {
        return Check::fail(
            NAME,
            format!(
                "the merge driver is not set up in this clone: its local git config has no merge.{}.driver (git would merge the vault's files as text, leaving conflict markers)",
                git_setup::DRIVER
            ),
            fix,
            false,
        );
    }
    Check::ok(
        NAME,
        "git merges config.json and the service files with agent's merge driver",
    )
}

fn git_tracked(dir: &Path, display: &str) -> Check {
    let output = crate::child::command("git")
        .args(["ls-files", "-z", "--", "."])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let output = match output {
        Err(_) => return Check::skipped("git_tracked", "git is not installed; not checked"),
        Ok(o) if !o.status.success() => {
            return Check::skipped(
                "git_tracked",
                "the folder is not in a git repository git can read; not checked",
            )
        }
        Ok(o) => o.stdout,
    };
    // A shared vault commits its encrypted files; only the local ones
    // (lockout state, audit log, lock, temporary files) are findings there.
    let shared = read(dir, GITIGNORE_FILE).is_ok_and(|g| agent_secrets_core::format::is_shared(&g));
    let tracked: Vec<String> = output
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty() && *p != GITIGNORE_FILE.as_bytes())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| !shared || !(p == CONFIG_FILE || service_of_file(p).is_some()))
        .collect();
    if tracked.is_empty() {
        Check::ok(
            "git_tracked",
            if shared {
                "a shared vault: git tracks only its encrypted files"
            } else {
                "git tracks no vault file"
            },
        )
    } else {
        let files: Vec<String> = tracked.iter().map(|f| format!("{display}{f}")).collect();
        Check::fail(
            "git_tracked",
            format!("git tracks {}", files.join(", ")),
            format!(
                "git rm --cached -- {} and commit; if it was ever pushed, change the master \
                 password and rotate (old ciphertexts stay in the history)",
                files.join(" ")
            ),
            false,
        )
    }
}

/// git in `dir`, made by [`crate::child::command`] (no master password
/// in its environment).
fn git(dir: &Path) -> Command {
    let mut git = crate::child::command("git");
    git.current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    git
}

/// The top folder of the work tree that holds `dir`; `None` outside one.
fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let out = git(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    let top = String::from_utf8(out.stdout).ok()?;
    let top = top.strip_suffix('\n').unwrap_or(&top);
    (out.status.success() && !top.is_empty()).then(|| PathBuf::from(top))
}

/// The first bytes of a tracked file: up to [`tracked::PROBE_BYTES`], and
/// only the first 4 KiB unless those start like a JSON object. `None` for
/// anything but a regular file (a symbolic link, a submodule) or a file
/// that cannot be read.
fn probe(path: &Path) -> Option<Vec<u8>> {
    const HEAD: u64 = 4096;
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let mut file = fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.by_ref().take(HEAD).read_to_end(&mut bytes).ok()?;
    if !tracked::starts_like_json_object(&bytes) {
        return None;
    }
    file.take(tracked::PROBE_BYTES as u64 - HEAD)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// Documents of the vault format that git tracks outside the vault folder,
/// in the repository of the current directory and in the folder's (the
/// same one in the usual layout). Paths are shown as `git rm` takes them
/// from the current directory; in another repository, with `git -C`.
fn tracked_copies(dir: &Path) -> Check {
    const NAME: &str = "tracked_copies";
    let cwd = std::env::current_dir()
        .and_then(fs::canonicalize)
        .unwrap_or_default();
    let vault = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut roots: Vec<PathBuf> = Vec::new();
    for top in [cwd.as_path(), vault.as_path()]
        .into_iter()
        .filter_map(git_toplevel)
    {
        let top = fs::canonicalize(&top).unwrap_or(top);
        if !roots.contains(&top) {
            roots.push(top);
        }
    }
    if roots.is_empty() {
        return Check::skipped(
            NAME,
            "neither the current directory nor the folder is in a git repository git can read; not checked",
        );
    }
    let config = read(dir, CONFIG_FILE).unwrap_or_default();
    let (mut files, mut allowed) = (0, 0);
    let mut found: Vec<(PathBuf, String, tracked::DocumentKind)> = Vec::new();
    for root in &roots {
        let Ok(out) = git(root).args(["ls-files", "-z", "--full-name"]).output() else {
            return Check::skipped(NAME, "git is not installed; not checked");
        };
        if !out.status.success() {
            continue;
        }
        let allow = fs::read(root.join(tracked::ALLOW_FILE))
            .map(|b| tracked::AllowList::parse(&String::from_utf8_lossy(&b)))
            .unwrap_or_default();
        for path in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
            files += 1;
            let path = String::from_utf8_lossy(path).into_owned();
            let full = root.join(&path);
            // The folder's own files are `git_tracked`'s finding.
            if full.starts_with(&vault) {
                continue;
            }
            let Some(kind) = probe(&full).and_then(|b| {
                let kind = tracked::document_kind(&b)?;
                let copy_of_this_vault = tracked::same_vault_config(&b, &config);
                if allow.allows(&path) && !copy_of_this_vault {
                    allowed += 1;
                    return None;
                }
                Some(kind)
            }) else {
                continue;
            };
            found.push((root.clone(), path, kind));
        }
    }
    let listed = if allowed == 0 {
        String::new()
    } else {
        format!(" ({allowed} listed in {})", tracked::ALLOW_FILE)
    };
    if found.is_empty() {
        return Check::ok(
            NAME,
            format!("git tracks {files} file(s); no other document of the vault format{listed}"),
        );
    }
    let cwd_root = roots.iter().find(|r| cwd.starts_with(r));
    let up = cwd_root
        .and_then(|r| cwd.strip_prefix(r).ok())
        .map(|rel| "../".repeat(rel.components().count()))
        .unwrap_or_default();
    let mut shown = Vec::new();
    let mut fixes = Vec::new();
    for root in &roots {
        let here: Vec<&(PathBuf, String, tracked::DocumentKind)> =
            found.iter().filter(|(r, _, _)| r == root).collect();
        if here.is_empty() {
            continue;
        }
        let paths: Vec<String> = if Some(root) == cwd_root {
            here.iter().map(|(_, p, _)| format!("{up}{p}")).collect()
        } else {
            here.iter().map(|(_, p, _)| p.clone()).collect()
        };
        for ((_, _, kind), path) in here.iter().zip(&paths) {
            shown.push(if Some(root) == cwd_root {
                format!("{path} ({})", kind.as_str())
            } else {
                format!("{} ({})", root.join(path).display(), kind.as_str())
            });
        }
        fixes.push(if Some(root) == cwd_root {
            format!("git rm --cached -- {}", paths.join(" "))
        } else {
            format!(
                "git -C {} rm --cached -- {}",
                root.display(),
                paths.join(" ")
            )
        });
    }
    Check::fail(
        NAME,
        format!(
            "git tracks documents of the vault format outside the vault folder: {}{listed}",
            shown.join(", ")
        ),
        format!(
            "{} and commit; if a copy of a real vault was ever pushed, change the master password \
             and rotate (old ciphertexts stay in the history). A test fixture: list its path in {}",
            fixes.join("; "),
            tracked::ALLOW_FILE
        ),
        false,
    )
}

fn audit_chain(dir: &Path) -> Check {
    let bytes = match read(dir, audit::AUDIT_FILE) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::ok("audit_chain", "no audit.log yet")
        }
        Err(e) => {
            return Check::fail(
                "audit_chain",
                format!("audit.log cannot be read: {e}"),
                "chmod 600 it",
                false,
            )
        }
    };
    let verification = audit::verify(&bytes);
    match verification.first_broken {
        None => Check::ok(
            "audit_chain",
            format!("audit.log: {} line(s), chain intact", verification.lines),
        ),
        Some((line, why)) => Check::fail(
            "audit_chain",
            format!("audit.log line {line}: {why}"),
            "keep a copy of audit.log for investigation (the chain cannot be repaired; \
             new lines still append)",
            false,
        ),
    }
}

fn lock_check(lock: &LockState, display: &str) -> Check {
    match lock {
        LockState::Free => Check::ok("lock", "no .lock"),
        LockState::Held(who) => Check::ok("lock", format!("a writer is running: {who}")),
        LockState::Refused(why) => Check::fail(
            "lock",
            why.clone(),
            format!("remove {display}.lock if no agent process runs"),
            false,
        ),
        LockState::Stale(why) => Check::fail(
            "lock",
            format!(".lock is stale: {why}"),
            format!("the next write breaks it; or remove {display}.lock if no agent process runs"),
            false,
        ),
    }
}

fn temp_files(listing: &Listing, lock: &LockState, display: &str) -> Check {
    let temps: Vec<&str> = listing
        .entries
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| files::is_temp_name(name))
        .collect();
    if temps.is_empty() {
        return Check::ok("temp_files", "no left-over temporary files");
    }
    if matches!(lock, LockState::Held(_)) {
        return Check::ok(
            "temp_files",
            format!("{} temporary file(s) of the running writer", temps.len()),
        );
    }
    Check::fail(
        "temp_files",
        format!(
            "left over by a writer that died: {} (never read by the vault)",
            temps.join(", ")
        ),
        format!(
            "the next write removes them; or delete them from {display} if no agent process runs"
        ),
        false,
    )
}

fn apply_fix(store: &FileStore, check: &str) -> Result<(), String> {
    let dir = store.dir();
    let chmod = |path: &Path, mode: u32| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| format!("chmod {mode:o} {}: {e}", path.display()))
    };
    match check {
        // Only a real folder (chmod would follow a link).
        "folder_mode" if fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) => {
            chmod(dir, files::FOLDER_MODE)
        }
        "file_modes" => {
            let listing = Listing::read(dir).map_err(|e| e.to_string())?;
            for (name, meta) in &listing.entries {
                // Regular files only (chmod would follow a link); the
                // owner rule is not a mode to fix.
                if meta
                    .as_ref()
                    .is_some_and(|m| m.file_type().is_file() && mode_of(m) != files::FILE_MODE)
                {
                    chmod(&dir.join(name), files::FILE_MODE)?;
                }
            }
            Ok(())
        }
        "gitignore" => {
            // Under the write lock, like every write to the folder; the
            // store's atomic replace creates it 0600.
            store.lock().map_err(|e| e.to_string())?;
            let written = store.write(GITIGNORE_FILE, GITIGNORE.as_bytes());
            let released = store.unlock();
            written.and(released).map_err(|e| e.to_string())
        }
        _ => Ok(()),
    }
}
