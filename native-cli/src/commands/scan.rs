//! `agent secret scan [PATH...] [--json]`: files that hold a copy of a
//! stored value, or a well-known key pattern.
//!
//! The matching is the core's ([`agent_secrets_core::scan`]); this module
//! picks the files, reads them and reports. Which files:
//!
//! - the PATHs given, files or folders (folders recursively);
//! - else the files git tracks under the current directory (`git ls-files`);
//! - else (no git, not a repository) the current directory, recursively.
//!
//! Always skipped: `.git` folders, the vault folder, symbolic links met while
//! walking a folder, binary files (a NUL byte in the first 8 KiB) and files
//! larger than [`MAX_FILE_BYTES`] (listed in the report, so none is skipped
//! silently). Values shorter than [`MIN_VALUE_LEN`] bytes are not searched
//! (they match ordinary text); the report names them.
//!
//! A finding names the file, the line, and either the service/key whose
//! value is there and in which form, or the pattern. Never the value, never
//! the matched text.
//!
//! `--json` prints one object:
//!
//! ```json
//! { "source": "git",
//!   "findings": [
//!     { "kind": "value", "file": "src/app.rs", "line": 12, "service": "openai", "key": "api_key", "form": "exact" },
//!     { "kind": "pattern", "file": "notes.md", "line": 3, "pattern": "aws-access-key-id" } ],
//!   "files_scanned": 120, "values_searched": 12, "values_too_short": [ { "service": "x", "key": "pin" } ],
//!   "skipped": { "binary": 4, "too_large": ["dump.sql"], "unreadable": [] } }
//! ```
//!
//! `source` is `paths`, `git` or `tree`; `form` is `exact`, `base64`,
//! `urlencoded` or `hex` (base64 and hex also when wrapped or spaced); `pattern` is `openai-api-key`, `anthropic-api-key`,
//! `aws-access-key-id` or `jwt`. Exit: 0 nothing found, 8 any finding.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use agent_secrets_core::audit::Operation;
use agent_secrets_core::scan::{ValueIndex, What, MIN_VALUE_LEN};
use agent_secrets_core::{KeyName, ServiceName};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::{exit, CliError};
use crate::output;

/// Files larger than this are skipped (and listed): 50 MiB. Lockfiles,
/// dumps and logs beyond that size are rarely hand-edited, and reading them
/// whole would dominate the run.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to search, folders recursively (default: the files git tracks here, else the current folder).
    pub paths: Vec<PathBuf>,
    /// Print a JSON report.
    #[arg(long)]
    pub json: bool,
}

/// The audit line: operation `scan` on the whole vault.
pub fn audit_target(_args: &Args) -> Option<Target> {
    Some(Target::vault(Operation::Scan))
}

#[derive(Serialize)]
struct Name {
    service: ServiceName,
    key: KeyName,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FindingJson<'a> {
    Value {
        file: &'a str,
        line: usize,
        service: &'a str,
        key: &'a str,
        form: &'static str,
    },
    Pattern {
        file: &'a str,
        line: usize,
        pattern: &'static str,
    },
}

#[derive(Serialize, Default)]
struct Skipped {
    binary: usize,
    too_large: Vec<String>,
    unreadable: Vec<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    source: &'static str,
    findings: Vec<FindingJson<'a>>,
    files_scanned: usize,
    values_searched: usize,
    values_too_short: &'a [Name],
    skipped: &'a Skipped,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    // Bad paths are a usage error, found before the password is asked.
    for path in &args.paths {
        if fs::metadata(path).is_err() {
            return Err(CliError::Usage(format!(
                "No such file or folder: {}",
                path.display()
            )));
        }
    }
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    let (services, problems) = agent_secrets_core::list(vault.store(), None)?;
    if let Some(problem) = problems.into_iter().next() {
        // A value that cannot be read cannot be searched for: a clean
        // report would be a false one.
        return Err(problem.into());
    }
    let mut index = ValueIndex::new()?;
    let mut names = Vec::new();
    let mut too_short = Vec::new();
    for service in &services {
        // One service's plaintexts at a time; they are wiped when the Vec drops.
        for (key, value) in vault.get_service(&service.service)? {
            let name = Name {
                service: service.service.clone(),
                key,
            };
            if index.add(names.len(), value.expose()) {
                names.push(name);
            } else {
                too_short.push(name);
            }
        }
    }
    drop(vault);

    let vault_dir = fs::canonicalize(ctx.store.dir()).ok();
    let mut skip = VaultFilter::new(vault_dir);
    let (source, files) = choose_files(&args.paths, &mut skip)?;
    let mut skipped = Skipped::default();
    let mut found: Vec<(String, agent_secrets_core::scan::Finding)> = Vec::new();
    let mut scanned = 0;
    for file in &files {
        if skip.inside_vault(file) {
            continue;
        }
        let shown = file.display().to_string();
        let text = match read_small(file) {
            Ok(Some(text)) => text,
            Ok(None) => {
                skipped.too_large.push(shown);
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => continue, // a submodule
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue, // deleted, still tracked
            Err(_) => {
                skipped.unreadable.push(shown);
                continue;
            }
        };
        if agent_secrets_core::scan::is_binary(&text) {
            skipped.binary += 1;
            continue;
        }
        scanned += 1;
        for finding in index.scan(&text) {
            found.push((shown.clone(), finding));
        }
    }

    let findings: Vec<FindingJson> = found
        .iter()
        .map(|(file, f)| match f.what {
            What::Value { id, form } => FindingJson::Value {
                file,
                line: f.line,
                service: &names[id].service,
                key: &names[id].key,
                form: form.as_str(),
            },
            What::Pattern(p) => FindingJson::Pattern {
                file,
                line: f.line,
                pattern: p.name(),
            },
        })
        .collect();
    let count = findings.len();
    if args.json {
        output::json(&Report {
            source,
            findings,
            files_scanned: scanned,
            values_searched: names.len(),
            values_too_short: &too_short,
            skipped: &skipped,
        })?;
    } else {
        print_human(&findings)?;
        summarize(scanned, names.len(), &too_short, &skipped);
    }
    if count == 0 {
        Ok(())
    } else {
        let files = {
            let mut f: Vec<&str> = found.iter().map(|(file, _)| file.as_str()).collect();
            f.dedup();
            f.len()
        };
        Err(CliError::Reported {
            message: format!(
                "scan found {count} finding(s) in {files} file(s). Remove them; a value that was \
                 committed or pushed must be rotated at its provider."
            ),
            code: exit::FINDINGS,
        })
    }
}

fn print_human(findings: &[FindingJson]) -> std::io::Result<()> {
    for f in findings {
        match f {
            FindingJson::Value {
                file,
                line,
                service,
                key,
                form,
            } => output::line(&format!("{file}:{line}: {service}/{key} ({form})")),
            FindingJson::Pattern {
                file,
                line,
                pattern,
            } => output::line(&format!("{file}:{line}: pattern {pattern}")),
        }?;
    }
    Ok(())
}

fn summarize(scanned: usize, values: usize, too_short: &[Name], skipped: &Skipped) {
    output::note(&format!(
        "Searched {scanned} file(s) for {values} stored value(s) (exact, base64, URL-encoded, hex) and 4 key patterns; \
         skipped {} binary, {} larger than 50 MiB, {} unreadable.",
        skipped.binary,
        skipped.too_large.len(),
        skipped.unreadable.len()
    ));
    for file in &skipped.too_large {
        output::note(&format!("  not searched (larger than 50 MiB): {file}"));
    }
    for file in &skipped.unreadable {
        output::note(&format!("  not searched (cannot be read): {file}"));
    }
    if !too_short.is_empty() {
        let list: Vec<String> = too_short
            .iter()
            .map(|n| format!("{}/{}", n.service, n.key))
            .collect();
        output::note(&format!(
            "Not searched, shorter than {MIN_VALUE_LEN} characters: {}.",
            list.join(", ")
        ));
    }
}

/// The whole file, or `None` if it is larger than [`MAX_FILE_BYTES`]. The
/// buffer is wiped when dropped: it may hold a secret.
fn read_small(path: &Path) -> std::io::Result<Option<Zeroizing<Vec<u8>>>> {
    let mut file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::ErrorKind::IsADirectory.into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Ok(None);
    }
    // Capacity from the size, so that the buffer is never reallocated
    // (a reallocation would leave an unwiped copy behind).
    let mut text = Zeroizing::new(Vec::with_capacity(meta.len() as usize + 1));
    file.by_ref()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Ok(None);
    }
    Ok(Some(text))
}

/// Tells whether a path lies in the vault folder, caching per parent folder.
struct VaultFilter {
    vault: Option<PathBuf>,
    parents: HashMap<PathBuf, bool>,
}

impl VaultFilter {
    fn new(vault: Option<PathBuf>) -> Self {
        Self {
            vault,
            parents: HashMap::new(),
        }
    }

    fn inside_vault(&mut self, path: &Path) -> bool {
        let Some(vault) = &self.vault else {
            return false;
        };
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Some(inside) = self.parents.get(&parent) {
            return *inside;
        }
        let inside = fs::canonicalize(&parent).is_ok_and(|p| p.starts_with(vault));
        self.parents.insert(parent, inside);
        inside
    }
}

fn choose_files(
    paths: &[PathBuf],
    skip: &mut VaultFilter,
) -> Result<(&'static str, Vec<PathBuf>), CliError> {
    if !paths.is_empty() {
        let mut files = Vec::new();
        for path in paths {
            if path.is_dir() {
                walk(path, skip, &mut files);
            } else {
                files.push(path.clone());
            }
        }
        return Ok(("paths", files));
    }
    if let Some(files) = git_files() {
        return Ok(("git", files));
    }
    let mut files = Vec::new();
    walk(Path::new("."), skip, &mut files);
    // "./a/b" reads better as "a/b".
    let files = files
        .into_iter()
        .map(|f| f.strip_prefix(".").map(Path::to_path_buf).unwrap_or(f))
        .collect();
    Ok(("tree", files))
}

/// The files git tracks under the current directory, or `None` without git
/// or outside a repository.
fn git_files() -> Option<Vec<PathBuf>> {
    let output = crate::child::command("git")
        .args(["ls-files", "-z"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    use std::os::unix::ffi::OsStrExt;
    Some(
        output
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(p)))
            .collect(),
    )
}

/// Files under `dir`, sorted, without `.git`, the vault folder and symbolic links.
/// A folder that cannot be listed is passed on as it is: reading it then
/// fails and it is reported as unreadable, never silently left out.
fn walk(dir: &Path, skip: &mut VaultFilter, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        files.push(dir.to_path_buf());
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            let in_vault = skip
                .vault
                .as_ref()
                .is_some_and(|v| fs::canonicalize(&path).is_ok_and(|p| p == *v));
            if entry.file_name() != ".git" && !in_vault {
                walk(&path, skip, files);
            }
        } else if kind.is_file() {
            files.push(path);
        }
    }
}
