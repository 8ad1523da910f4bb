//! The audit trail: one JSON object a line in `audit.log`, chained by the
//! SHA-256 of the previous line so that an edited, deleted or reordered
//! line is found by [`verify`].
//!
//! Line format (field order fixed, one line, `\n`-terminated):
//!
//! ```json
//! {"timestamp":"2026-11-28T12:00:00Z","operation":"get","service":"openai","key":"api_key","status":"success","user":"alice","source":"cli","component":"secret_manager","seq":42,"prev":"<64 hex>"}
//! ```
//!
//! `service` and `key` are omitted when the operation has none. A command
//! that opened the vault with a session agent's key instead of the
//! password adds `"auth":"session"` after `component`, one that opened it
//! with an age or SSH identity `"auth":"identity"` (absent: the
//! password, or no unlock at all). `seq`
//! starts at 1; `prev` is the lower-case hex SHA-256 of the previous
//! line's bytes without its newline, or 64 zeros on the first line.
//!
//! A line written by a command that holds the vault key ends with
//! `"mac":"<base64>"`: HMAC-SHA256 under the audit subkey of the vault key
//! over the RFC 8785 form of the line without `mac`. Since `prev` is inside
//! what the MAC covers and the next line's `prev` hashes this line with its
//! MAC, the MACs are chained with the hashes: nobody without the password
//! can change, insert or remove a line before an authenticated one. Lines
//! of password-free commands (`list`, failed unlocks, alerts) carry none;
//! [`requires_mac`] says which lines must.
//!
//! No field can hold a value: [`AuditEvent`] takes service and key names
//! only through [`AuditEvent::service`]/[`AuditEvent::key`], as a
//! [`ServiceName`]/[`KeyName`], which a string that is not a valid name
//! never becomes (a value typed where a name belongs never reaches the
//! log).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto;
use crate::format::{canonical, signed_bytes_of, Fixed};
use crate::names::{KeyName, ServiceName};
use crate::secret::AuditKey;
use crate::store::{Store, WriteLock};
use crate::{Error, Timestamp};

/// The document name of the audit log.
pub const AUDIT_FILE: &str = "audit.log";
/// `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Operation {
    Init,
    Unlock,
    Set,
    Get,
    Delete,
    List,
    Import,
    Export,
    Run,
    Passwd,
    Rotate,
    Ui,
    Alert,
    Scan,
    Config,
    Lock,
    /// A recipient added (`key` names it).
    RecipientAdd,
    /// A recipient removed, with the rotation it brings (`key` names it).
    RecipientRemove,
    /// A merge conflict resolved by taking our side (`service`/`key` name
    /// the secret; neither for `config.json`). No key needed.
    ResolveOurs,
    /// A merge conflict resolved by taking their side.
    ResolveTheirs,
    /// `config.json` changed on two branches, merged three-way with the
    /// vault key(s) (by the merge driver with a session's key, or by
    /// `resolve --config` with the password or a session;
    /// [`crate::merge_config`]).
    ConfigMerge,
}

/// How a command that opened the vault got its key, when not from the
/// password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// From a session agent (`agent secret unlock`): no password, no KDF.
    Session,
    /// With an age or SSH identity (`--identity`, `AGENT_SECRETS_IDENTITY`,
    /// a default SSH key): no password, no KDF.
    Identity,
}

impl Operation {
    /// Every operation, in the order of the enum.
    pub const ALL: [Operation; 21] = [
        Self::Init,
        Self::Unlock,
        Self::Set,
        Self::Get,
        Self::Delete,
        Self::List,
        Self::Import,
        Self::Export,
        Self::Run,
        Self::Passwd,
        Self::Rotate,
        Self::Ui,
        Self::Alert,
        Self::Scan,
        Self::Config,
        Self::Lock,
        Self::RecipientAdd,
        Self::RecipientRemove,
        Self::ResolveOurs,
        Self::ResolveTheirs,
        Self::ConfigMerge,
    ];

    /// Its name in the audit format (`"get"`, `"passwd"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Unlock => "unlock",
            Self::Set => "set",
            Self::Get => "get",
            Self::Delete => "delete",
            Self::List => "list",
            Self::Import => "import",
            Self::Export => "export",
            Self::Run => "run",
            Self::Passwd => "passwd",
            Self::Rotate => "rotate",
            Self::Ui => "ui",
            Self::Alert => "alert",
            Self::Scan => "scan",
            Self::Config => "config",
            Self::Lock => "lock",
            Self::RecipientAdd => "recipient_add",
            Self::RecipientRemove => "recipient_remove",
            Self::ResolveOurs => "resolve_ours",
            Self::ResolveTheirs => "resolve_theirs",
            Self::ConfigMerge => "config_merge",
        }
    }

    /// The operation named `name` in the audit format.
    pub fn parse(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == name)
            .ok_or(Error::InvalidParameter("unknown audit operation"))
    }
}

impl core::fmt::Display for Operation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Done.
    Success,
    /// Failed for a reason other than those below.
    Failed,
    /// Wrong password.
    Unauthorized,
    /// Refused by the lockout.
    Locked,
    /// No such secret.
    NotFound,
    /// Served from an environment variable instead of the vault.
    EnvFallback,
}

impl Status {
    /// Every status, in the order of the enum.
    pub const ALL: [Status; 6] = [
        Self::Success,
        Self::Failed,
        Self::Unauthorized,
        Self::Locked,
        Self::NotFound,
        Self::EnvFallback,
    ];

    /// Its name in the audit format (`"success"`, `"env_fallback"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Unauthorized => "unauthorized",
            Self::Locked => "locked",
            Self::NotFound => "not_found",
            Self::EnvFallback => "env_fallback",
        }
    }

    /// The status named `name` in the audit format.
    pub fn parse(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or(Error::InvalidParameter("unknown audit status"))
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    /// When.
    pub timestamp: Timestamp,
    /// What.
    pub operation: Operation,
    /// Service name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Key name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Outcome.
    pub status: Status,
    /// The operating-system user (or "unknown").
    pub user: String,
    /// Front end: `cli`, `node`, `ui`.
    pub source: String,
    /// Always `secret_manager` for vault operations.
    pub component: String,
    /// `session` when the vault was opened with a session agent's key;
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
}

impl AuditEvent {
    /// An event without service or key.
    pub fn new(
        timestamp: Timestamp,
        operation: Operation,
        status: Status,
        user: &str,
        source: &str,
    ) -> Self {
        Self {
            timestamp,
            operation,
            service: None,
            key: None,
            status,
            user: sanitize_label(user),
            source: sanitize_label(source),
            component: "secret_manager".to_owned(),
            auth: None,
        }
    }

    /// Records how the vault was opened ([`crate::Vault::auth`]).
    pub fn auth(mut self, auth: Option<Auth>) -> Self {
        self.auth = auth;
        self
    }

    /// Adds the service name.
    pub fn service(mut self, service: &ServiceName) -> Self {
        self.service = Some(service.to_string());
        self
    }

    /// Adds the key name.
    pub fn key(mut self, key: &KeyName) -> Self {
        self.key = Some(key.to_string());
        self
    }
}

/// User and source labels: short, printable, no quotes or controls.
fn sanitize_label(label: &str) -> String {
    let clean: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        .take(64)
        .collect();
    if clean.is_empty() {
        "unknown".to_owned()
    } else {
        clean
    }
}

/// A chained line as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLine {
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Position in the chain, from 1.
    pub seq: u64,
    /// SHA-256 (hex) of the previous line.
    pub prev: String,
    /// HMAC-SHA256 of the line without this member, under the audit
    /// subkey; absent on lines of password-free commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<Fixed<32>>,
}

/// Whether a line of this operation and status can only have been written
/// after a successful unlock, so that it must carry a MAC: a success (or a
/// value served from the environment) of every operation that opens the
/// vault. `list`, `scan`, `ui`, `alert` and `lock` lines, and failures, are
/// written without the password too. The one rule `verify_with_key` applies.
pub fn requires_mac(operation: Operation, status: Status) -> bool {
    let unlocked_operation = matches!(
        operation,
        Operation::Init
            | Operation::Unlock
            | Operation::Set
            | Operation::Get
            | Operation::Delete
            | Operation::Import
            | Operation::Export
            | Operation::Run
            | Operation::Passwd
            | Operation::Rotate
            | Operation::RecipientAdd
            | Operation::RecipientRemove
            | Operation::Config
            | Operation::ConfigMerge
    );
    unlocked_operation && matches!(status, Status::Success | Status::EnvFallback)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The line (with its newline) that follows `previous` (the last line of
/// the log without its newline, or `None` for an empty log), MAC'ed when a
/// key is given. A previous line that does not parse still chains by its
/// hash; its `seq` is then unknown and the new line continues from 0.
pub fn chain(previous: Option<&[u8]>, event: AuditEvent, key: Option<&AuditKey>) -> Vec<u8> {
    line_bytes(&chained(previous, event, key))
}

/// The line that follows `previous` (see [`chain`]), before it is written.
fn chained(previous: Option<&[u8]>, event: AuditEvent, key: Option<&AuditKey>) -> AuditLine {
    let (seq, prev) = match previous {
        None => (1, GENESIS.to_owned()),
        Some(line) => {
            let seq = serde_json::from_slice::<AuditLine>(line).map_or(0, |l| l.seq);
            (seq.saturating_add(1), hex_sha256(line))
        }
    };
    let mut line = AuditLine {
        event,
        seq,
        prev,
        mac: None,
    };
    if let Some(key) = key {
        line.mac = Some(Fixed(crypto::hmac_sha256(&key.0, &signed_bytes_of(&line))));
    }
    line
}

/// A line as the log holds it: its JSON and a newline.
fn line_bytes(line: &AuditLine) -> Vec<u8> {
    let mut out = serde_json::to_vec(line).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The last complete line of `tail` (bytes from the end of the log).
fn last_line(tail: &[u8]) -> Option<&[u8]> {
    // Blank lines are not part of the chain (see `verify`).
    tail.split(|b| *b == b'\n').rev().find(|l| !l.is_empty())
}

/// How many bytes from the end are read to find the last line (a line is
/// far shorter: names are at most 64 + 128 bytes).
const TAIL_BYTES: usize = 4096;

/// Appends one event under the store's write lock, without a MAC (a
/// command that does not hold the vault key).
pub fn append<S: Store + ?Sized>(store: &S, event: AuditEvent) -> Result<AuditLine, Error> {
    let _lock = WriteLock::take(store)?;
    append_locked(store, event, None)
}

/// Appends one event under the store's write lock, MAC'ed with the audit
/// key of an unlocked vault ([`crate::Vault::audit_key`]).
pub fn append_authenticated<S: Store + ?Sized>(
    store: &S,
    event: AuditEvent,
    key: &AuditKey,
) -> Result<AuditLine, Error> {
    let _lock = WriteLock::take(store)?;
    append_locked(store, event, Some(key))
}

/// The line (with its newline) that `event` becomes after the log whose
/// last bytes are `tail` (at most the last 4 KiB are looked at), MAC'ed
/// when a key is given. The dashboard page builds its lines with this,
/// from the tail the server gives it.
pub fn next_line(tail: &[u8], event: AuditEvent, key: Option<&AuditKey>) -> Vec<u8> {
    line_bytes(&next_after(tail, event, key))
}

/// The line [`next_line`] writes, before it is written.
fn next_after(tail: &[u8], event: AuditEvent, key: Option<&AuditKey>) -> AuditLine {
    let tail = &tail[tail.len().saturating_sub(TAIL_BYTES)..];
    let mut previous = last_line(tail);
    // A tail that starts mid-line only matters if it holds no newline at all.
    if previous.is_some() && tail.len() >= TAIL_BYTES && !tail[..tail.len() - 1].contains(&b'\n') {
        previous = None;
    }
    chained(previous, event, key)
}

/// Appends one event, MAC'ed when a key is given; the caller holds the
/// write lock.
pub fn append_locked<S: Store + ?Sized>(
    store: &S,
    event: AuditEvent,
    key: Option<&AuditKey>,
) -> Result<AuditLine, Error> {
    let tail = store.read_tail(AUDIT_FILE, TAIL_BYTES)?.unwrap_or_default();
    let line = next_after(&tail, event, key);
    write_line(store, &tail, &line_bytes(&line))?;
    Ok(line)
}

/// Appends a line built elsewhere (the dashboard page builds and MACs its
/// own with [`next_line`]) if, but for its MAC, it is exactly the line its
/// event becomes after the log as it is now, and it carries a MAC where
/// [`requires_mac`] wants one; `Ok(false)`, and nothing written, when it
/// is not (the log moved on since the page read it, or the line is not
/// one of ours). The MAC itself is checked by readers that hold the key
/// (`audit --verify`). The caller holds the write lock.
pub fn append_built_locked<S: Store + ?Sized>(store: &S, line: &[u8]) -> Result<bool, Error> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let Ok(parsed) = serde_json::from_slice::<AuditLine>(body) else {
        return Ok(false);
    };
    if requires_mac(parsed.event.operation, parsed.event.status) && parsed.mac.is_none() {
        return Ok(false);
    }
    let tail = store.read_tail(AUDIT_FILE, TAIL_BYTES)?.unwrap_or_default();
    let unsigned = next_after(&tail, parsed.event.clone(), None);
    let canonical = serde_json::to_vec(&parsed).unwrap_or_default();
    if unsigned.seq != parsed.seq || unsigned.prev != parsed.prev || canonical != body {
        return Ok(false);
    }
    let mut out = canonical;
    out.push(b'\n');
    write_line(store, &tail, &out)?;
    Ok(true)
}

/// Appends `line` after a log ending in `tail`.
fn write_line<S: Store + ?Sized>(store: &S, tail: &[u8], line: &[u8]) -> Result<(), Error> {
    // A crash mid-append can leave a last line without its newline: end it
    // first, so the new line stands on its own (and --verify names the torn one).
    if tail.last().is_some_and(|b| *b != b'\n') {
        let mut fixed = Vec::with_capacity(line.len() + 1);
        fixed.push(b'\n');
        fixed.extend_from_slice(line);
        store.append(AUDIT_FILE, &fixed)?;
    } else {
        store.append(AUDIT_FILE, line)?;
    }
    Ok(())
}

/// What [`verify`] or [`verify_with_key`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Lines read.
    pub lines: usize,
    /// Whether MACs were checked (a key was given).
    pub macs_checked: bool,
    /// Lines whose MAC verified under the key.
    pub authenticated: usize,
    /// Lines with a MAC made under an earlier vault key (before a
    /// rotation): not checkable with today's key, but fixed by the chain,
    /// since a later authenticated line covers them.
    pub earlier_key: usize,
    /// Lines without a MAC (password-free commands).
    pub unauthenticated: usize,
    /// The first line (1-based) that fails, and why.
    pub first_broken: Option<(usize, String)>,
}

impl Verification {
    /// What the verification found, in one sentence for people (names and
    /// counts only): the CLI's `audit --verify` prints it after
    /// `audit.log: `, the dashboard shows it above the trail.
    pub fn summary(&self) -> String {
        if let Some((line, why)) = &self.first_broken {
            return format!("line {line} fails verification: {why}.");
        }
        let lines = match self.lines {
            1 => "1 line".to_owned(),
            n => format!("{n} lines"),
        };
        if !self.macs_checked {
            return format!(
                "{lines}, hash chain intact; MACs not checked (no password; run with the password to check them)."
            );
        }
        let mut out = format!(
            "{lines}, hash chain intact; {} authenticated (MAC verified), {} without a MAC (password-free commands)",
            self.authenticated, self.unauthenticated
        );
        if self.earlier_key > 0 {
            out.push_str(&format!(
                ", {} under an earlier vault key (fixed by the chain)",
                self.earlier_key
            ));
        }
        out.push('.');
        out
    }
}

/// Checks the hash chain only: every line parses, `seq` is the previous
/// one plus one, and `prev` is the hash of the previous line. Stops at the
/// first break. MACs are not checked (that needs the password); someone
/// who can write the folder can rewrite a chain that passes this.
pub fn verify(log: &[u8]) -> Verification {
    walk(log, None)
}

/// [`verify`], and the MACs under `key`: a line with a MAC that verifies is
/// authenticated; one whose MAC does not verify fails, unless it comes
/// before the first line that verifies (then it was made under an earlier
/// vault key, before a rotation, and that line's MAC fixes it through the
/// chain); a line without a MAC fails when [`requires_mac`] says it needs
/// one. A forged re-chained log and an edited authenticated line
/// are found; lines cut from the end, and password-free lines after the
/// last authenticated one, are not (docs/compliance.md).
pub fn verify_with_key(log: &[u8], key: &AuditKey) -> Verification {
    walk(log, Some(key))
}

fn walk(log: &[u8], key: Option<&AuditKey>) -> Verification {
    let mut result = Verification {
        lines: 0,
        macs_checked: key.is_some(),
        authenticated: 0,
        earlier_key: 0,
        unauthenticated: 0,
        first_broken: None,
    };
    let mut prev_hash = GENESIS.to_owned();
    let mut prev_seq = 0u64;
    // Lines with a MAC that did not verify, waiting for a later line that
    // does (then they were made under an earlier vault key): the first
    // one's number, and how many.
    let mut pending: Option<usize> = None;
    let mut pending_count = 0;
    // Once a line verifies under the key, every later MAC must too: an
    // earlier vault key's lines all come before the current key's first.
    let mut current_key_seen = false;
    // Blank lines carry nothing and are skipped (a log of only newlines is
    // empty); every other line must continue the chain.
    for (i, line) in log.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        result.lines += 1;
        let number = i + 1;
        let Ok(parsed) = serde_json::from_slice::<AuditLine>(line) else {
            return broken(result, number, "the line is not an audit event");
        };
        if parsed.prev != prev_hash {
            return broken(
                result,
                number,
                "its prev hash does not match the line before it (edited, deleted or reordered)",
            );
        }
        if Some(parsed.seq) != prev_seq.checked_add(1) {
            return broken(
                result,
                number,
                &format!("seq {} follows seq {prev_seq}", parsed.seq),
            );
        }
        prev_hash = hex_sha256(line);
        prev_seq = parsed.seq;
        let Some(key) = key else {
            continue;
        };
        match &parsed.mac {
            Some(mac) => {
                let verified = mac_input(line)
                    .is_some_and(|bytes| crypto::hmac_sha256_verify(&key.0, &bytes, &mac.0));
                if verified {
                    result.authenticated += 1;
                    result.earlier_key += pending_count;
                    pending = None;
                    pending_count = 0;
                    current_key_seen = true;
                } else if current_key_seen {
                    return broken(
                        result,
                        number,
                        "its MAC does not verify under this vault's key, which earlier lines already use (forged or edited, or written by a command that unlocked before a rotate)",
                    );
                } else {
                    pending.get_or_insert(number);
                    pending_count += 1;
                }
            }
            None if requires_mac(parsed.event.operation, parsed.event.status) => {
                return broken(
                    result,
                    number,
                    "it records an operation that only an unlocked command writes, but carries no MAC (forged)",
                );
            }
            None => result.unauthenticated += 1,
        }
    }
    if let Some(number) = pending {
        return broken(
            result,
            number,
            "its MAC does not verify under this vault's key, and no later line does (forged or edited)",
        );
    }
    result
}

/// The bytes a line's MAC covers: its RFC 8785 form without `mac`.
fn mac_input(line: &[u8]) -> Option<Vec<u8>> {
    let mut tree: serde_json::Value = serde_json::from_slice(line).ok()?;
    tree.as_object_mut()?.remove("mac");
    canonical(&tree)
}

fn broken(mut result: Verification, number: usize, why: &str) -> Verification {
    result.first_broken = Some((number, why.to_owned()));
    result
}

/// Parses every line that parses (for `audit --tail`, metrics); the
/// numbers of lines that do not are returned apart.
pub fn parse_lines(log: &[u8]) -> (Vec<AuditLine>, Vec<usize>) {
    let (good, bad) = parse_numbered_lines(log);
    (good.into_iter().map(|(_, l)| l).collect(), bad)
}

/// [`parse_lines`] with each line's number (from 1, as [`verify`] counts),
/// so that a viewer can point at the line that breaks the chain.
pub fn parse_numbered_lines(log: &[u8]) -> (Vec<(usize, AuditLine)>, Vec<usize>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in log.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice(line) {
            Ok(l) => good.push((i + 1, l)),
            Err(_) => bad.push(i + 1),
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[test]
    fn operation_and_status_names_are_the_format_names() {
        // as_str, Display and parse agree with what serde writes into a line.
        for op in Operation::ALL {
            let json = serde_json::to_string(&op).expect("json");
            assert_eq!(json, format!("\"{}\"", op.as_str()));
            assert_eq!(op.to_string(), op.as_str());
            assert_eq!(Operation::parse(op.as_str()).expect("parse"), op);
        }
        for status in Status::ALL {
            let json = serde_json::to_string(&status).expect("json");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(status.to_string(), status.as_str());
            assert_eq!(Status::parse(status.as_str()).expect("parse"), status);
        }
        assert_eq!(Operation::ALL.map(Operation::as_str)[11], "ui");
        assert_eq!(Status::ALL.map(Status::as_str)[5], "env_fallback");
        for bad in ["", "GET", "get ", "unknown"] {
            assert!(matches!(
                Operation::parse(bad),
                Err(Error::InvalidParameter("unknown audit operation"))
            ));
            assert!(matches!(
                Status::parse(bad),
                Err(Error::InvalidParameter("unknown audit status"))
            ));
        }
    }

    fn event(i: i64) -> AuditEvent {
        AuditEvent::new(
            Timestamp::from_unix(1_795_867_200 + i),
            Operation::Get,
            Status::Success,
            "alice",
            "cli",
        )
        .service(&ServiceName::parse("openai").expect("service"))
        .key(&KeyName::parse("api_key").expect("key"))
    }

    fn chain_ok(lines: usize) -> Verification {
        Verification {
            lines,
            macs_checked: false,
            authenticated: 0,
            earlier_key: 0,
            unauthenticated: 0,
            first_broken: None,
        }
    }

    fn log_of(n: i64) -> Vec<u8> {
        let store = MemoryStore::new();
        for i in 0..n {
            append(&store, event(i)).expect("append");
        }
        assert!(!store.is_locked());
        store.read(AUDIT_FILE).expect("read").expect("present")
    }

    #[test]
    fn lines_have_the_documented_shape() {
        let log = log_of(2);
        let text = String::from_utf8(log.clone()).expect("utf8");
        let first = text.lines().next().expect("line");
        assert_eq!(
            first,
            format!(
                "{{\"timestamp\":\"2026-11-28T12:00:00Z\",\"operation\":\"get\",\"service\":\"openai\",\"key\":\"api_key\",\
                 \"status\":\"success\",\"user\":\"alice\",\"source\":\"cli\",\"component\":\"secret_manager\",\"seq\":1,\"prev\":\"{GENESIS}\"}}"
            )
        );
        let second: AuditLine =
            serde_json::from_str(text.lines().nth(1).expect("line")).expect("parse");
        assert_eq!(second.seq, 2);
        assert_eq!(second.prev, hex_sha256(first.as_bytes()));
        assert_eq!(verify(&log), chain_ok(2));
        assert_eq!(verify(b""), chain_ok(0));
    }

    #[test]
    fn verify_names_the_first_broken_line() {
        let log = String::from_utf8(log_of(5)).expect("utf8");
        let lines: Vec<&str> = log.lines().collect();
        let join = |ls: &[&str]| format!("{}\n", ls.join("\n"));
        // edited
        let edited = log.replacen("\"status\":\"success\",\"user\":\"alice\",\"source\":\"cli\",\"component\":\"secret_manager\",\"seq\":3", "\"status\":\"failed\",\"user\":\"alice\",\"source\":\"cli\",\"component\":\"secret_manager\",\"seq\":3", 1);
        assert_ne!(edited, log);
        assert_eq!(verify(edited.as_bytes()).first_broken.map(|b| b.0), Some(4));
        // deleted
        let deleted = join(&[lines[0], lines[1], lines[3], lines[4]]);
        assert_eq!(
            verify(deleted.as_bytes()).first_broken.map(|b| b.0),
            Some(3)
        );
        // reordered
        let reordered = join(&[lines[0], lines[2], lines[1], lines[3], lines[4]]);
        assert_eq!(
            verify(reordered.as_bytes()).first_broken.map(|b| b.0),
            Some(2)
        );
        // garbage and blank lines
        let garbage = join(&[lines[0], "not json", lines[1]]);
        assert_eq!(
            verify(garbage.as_bytes()).first_broken.map(|b| b.0),
            Some(2)
        );
        // blank lines carry nothing and are skipped
        let blank = join(&[lines[0], "", lines[1]]);
        assert_eq!(verify(blank.as_bytes()), chain_ok(2));
        // the first line must start the chain
        let headless = join(&lines[1..]);
        assert_eq!(
            verify(headless.as_bytes()).first_broken.map(|b| b.0),
            Some(1)
        );
        let (good, bad) = parse_lines(garbage.as_bytes());
        assert_eq!((good.len(), bad), (2, vec![2]));
    }

    fn key(byte: u8) -> AuditKey {
        AuditKey(crate::secret::Key32::from_bytes([byte; 32]))
    }

    /// Lines: (event, MAC'ed with this key or not).
    fn log_with(events: &[(AuditEvent, Option<&AuditKey>)]) -> String {
        let store = MemoryStore::new();
        for (event, key) in events {
            let _lock = WriteLock::take(&store).expect("lock");
            append_locked(&store, event.clone(), *key).expect("append");
        }
        String::from_utf8(store.read(AUDIT_FILE).expect("read").expect("present")).expect("utf8")
    }

    fn listed(i: i64) -> AuditEvent {
        AuditEvent::new(
            Timestamp::from_unix(1_795_867_200 + i),
            Operation::List,
            Status::Success,
            "alice",
            "cli",
        )
    }

    #[test]
    fn macs_are_chained_and_checked_with_the_key() {
        let k = key(1);
        let log = log_with(&[
            (event(0), Some(&k)),
            (listed(1), None),
            (event(2), Some(&k)),
        ]);
        let lines: Vec<&str> = log.lines().collect();
        assert!(lines[0].ends_with("\"}") && lines[0].contains(",\"mac\":\""));
        assert!(!lines[1].contains("\"mac\""));
        let v = verify_with_key(log.as_bytes(), &k);
        assert_eq!(
            (
                v.lines,
                v.authenticated,
                v.unauthenticated,
                v.earlier_key,
                v.first_broken
            ),
            (3, 2, 1, 0, None)
        );
        assert!(v.macs_checked);
        // Without the key: the chain only, and it says so.
        let v = verify(log.as_bytes());
        assert_eq!(
            (v.macs_checked, v.authenticated, v.first_broken),
            (false, 0, None)
        );
        // Another vault's key authenticates nothing, and the last MAC'ed line fails.
        let v = verify_with_key(log.as_bytes(), &key(2));
        assert_eq!(v.first_broken.map(|b| b.0), Some(1));
    }

    #[test]
    fn a_forged_rechained_log_is_found_by_its_missing_macs() {
        // Rewritten whole by someone without the key: chains, no MACs.
        let forged = log_with(&[(listed(0), None), (event(1), None), (listed(2), None)]);
        assert_eq!(verify(forged.as_bytes()).first_broken, None);
        let v = verify_with_key(forged.as_bytes(), &key(1));
        let (line, why) = v.first_broken.expect("found");
        assert_eq!(line, 2);
        assert!(why.contains("carries no MAC"), "{why}");
        // With made-up MACs instead: they do not verify.
        let garbage = log_with(&[(event(0), Some(&key(9))), (event(1), Some(&key(9)))]);
        let v = verify_with_key(garbage.as_bytes(), &key(1));
        assert_eq!(v.first_broken.map(|b| b.0), Some(1));
    }

    #[test]
    fn an_edited_last_authenticated_line_is_found() {
        let k = key(1);
        let log = log_with(&[(event(0), Some(&k)), (event(1), Some(&k))]);
        let lines: Vec<&str> = log.lines().collect();
        let edited = format!(
            "{}\n{}\n",
            lines[0],
            lines[1].replacen("\"status\":\"success\"", "\"status\":\"not_found\"", 1)
        );
        assert_ne!(edited, log);
        // The chain cannot see it: it is the last line.
        assert_eq!(verify(edited.as_bytes()).first_broken, None);
        let v = verify_with_key(edited.as_bytes(), &k);
        assert_eq!(v.first_broken.map(|b| b.0), Some(2));
        assert_eq!(v.authenticated, 1);
    }

    #[test]
    fn session_lines_say_so_and_the_mac_covers_it() {
        let k = key(1);
        let session = event(1).auth(Some(Auth::Session));
        let log = log_with(&[(event(0), Some(&k)), (session.clone(), Some(&k))]);
        let lines: Vec<&str> = log.lines().collect();
        assert!(!lines[0].contains("auth"), "{}", lines[0]);
        assert!(
            lines[1].contains("\"component\":\"secret_manager\",\"auth\":\"session\",\"seq\":2"),
            "{}",
            lines[1]
        );
        let parsed: AuditLine = serde_json::from_str(lines[1]).expect("parses");
        assert_eq!(parsed.event, session);
        let v = verify_with_key(log.as_bytes(), &k);
        assert_eq!((v.authenticated, v.first_broken), (2, None));
        // Taking the member out, or putting it in, breaks the MAC.
        let removed = log.replacen(",\"auth\":\"session\"", "", 1);
        let added = log.replacen(
            "\"secret_manager\",\"seq\":1",
            "\"secret_manager\",\"auth\":\"session\",\"seq\":1",
            1,
        );
        for edited in [removed, added] {
            assert_ne!(edited, log);
            let v = verify_with_key(edited.as_bytes(), &k);
            assert!(v.first_broken.is_some(), "{edited}");
        }
        // An unknown auth is not an audit event.
        let unknown = log.replacen("\"auth\":\"session\"", "\"auth\":\"token\"", 1);
        assert_eq!(
            verify(unknown.as_bytes()).first_broken.map(|b| b.0),
            Some(2)
        );
    }

    #[test]
    fn identity_lines_say_so_and_the_mac_covers_it() {
        let k = key(1);
        let identity = event(1).auth(Some(Auth::Identity));
        let log = log_with(&[(identity.clone(), Some(&k))]);
        assert!(
            log.contains("\"component\":\"secret_manager\",\"auth\":\"identity\",\"seq\":1"),
            "{log}"
        );
        let parsed: AuditLine = serde_json::from_str(log.trim_end()).expect("parses");
        assert_eq!(parsed.event, identity);
        assert_eq!(verify_with_key(log.as_bytes(), &k).first_broken, None);
        // Said as a session, or not said, the MAC fails.
        for edited in [
            log.replacen("\"auth\":\"identity\"", "\"auth\":\"session\"", 1),
            log.replacen(",\"auth\":\"identity\"", "", 1),
        ] {
            assert!(
                verify_with_key(edited.as_bytes(), &k)
                    .first_broken
                    .is_some(),
                "{edited}"
            );
        }
    }

    #[test]
    fn lines_of_an_earlier_vault_key_are_fixed_by_a_later_authenticated_line() {
        let (old, new) = (key(1), key(2));
        let log = log_with(&[
            (event(0), Some(&old)),
            (event(1), Some(&old)),
            (event(2), Some(&new)),
        ]);
        let v = verify_with_key(log.as_bytes(), &new);
        assert_eq!(
            (v.authenticated, v.earlier_key, v.first_broken),
            (1, 2, None)
        );
        // An old key's line after the new key's: refused.
        let late = log_with(&[(event(0), Some(&new)), (event(1), Some(&old))]);
        let v = verify_with_key(late.as_bytes(), &new);
        assert_eq!(v.first_broken.map(|b| b.0), Some(2));
        let late = log_with(&[
            (event(0), Some(&new)),
            (event(1), Some(&old)),
            (event(2), Some(&new)),
        ]);
        assert_eq!(
            verify_with_key(late.as_bytes(), &new)
                .first_broken
                .map(|b| b.0),
            Some(2)
        );
    }

    #[test]
    fn the_summary_says_what_was_checked_in_counts_and_names_only() {
        let (old, new) = (key(1), key(2));
        let one = log_with(&[(event(0), Some(&new))]);
        assert_eq!(
            verify(one.as_bytes()).summary(),
            "1 line, hash chain intact; MACs not checked (no password; run with the password to check them)."
        );
        let log = log_with(&[(event(0), Some(&old)), (event(1), Some(&new))]);
        assert_eq!(
            verify_with_key(log.as_bytes(), &new).summary(),
            "2 lines, hash chain intact; 1 authenticated (MAC verified), 0 without a MAC (password-free commands), 1 under an earlier vault key (fixed by the chain)."
        );
        let late = log_with(&[(event(0), Some(&new)), (event(1), Some(&old))]);
        let v = verify_with_key(late.as_bytes(), &new);
        let (_, why) = v.first_broken.clone().expect("broken");
        assert_eq!(v.summary(), format!("line 2 fails verification: {why}."));
    }

    #[test]
    fn which_lines_must_carry_a_mac() {
        assert!(requires_mac(Operation::Get, Status::Success));
        assert!(requires_mac(Operation::Get, Status::EnvFallback));
        assert!(requires_mac(Operation::Rotate, Status::Success));
        assert!(requires_mac(Operation::Init, Status::Success));
        assert!(!requires_mac(Operation::Get, Status::Unauthorized));
        assert!(!requires_mac(Operation::Get, Status::Locked));
        assert!(!requires_mac(Operation::Get, Status::Failed));
        assert!(!requires_mac(Operation::List, Status::Success));
        assert!(!requires_mac(Operation::Alert, Status::Failed));
        assert!(!requires_mac(Operation::Scan, Status::Success));
        // `lock` needs no password; `unlock` succeeds only with it.
        assert!(!requires_mac(Operation::Lock, Status::Success));
        assert!(!requires_mac(Operation::ResolveOurs, Status::Success));
        assert!(!requires_mac(Operation::ResolveTheirs, Status::Success));
        assert!(requires_mac(Operation::Unlock, Status::Success));
    }

    #[test]
    fn appending_after_a_broken_log_keeps_working() {
        let store = MemoryStore::new();
        store.insert(AUDIT_FILE, b"garbage without newline");
        let line = append(&store, event(0)).expect("append");
        assert_eq!(line.seq, 1);
        assert_eq!(line.prev, hex_sha256(b"garbage without newline"));
        let line = append(&store, event(1)).expect("append");
        assert_eq!(line.seq, 2);
        let log = store.read(AUDIT_FILE).expect("read").expect("present");
        assert!(log.starts_with(b"garbage without newline\n{"));
        assert_eq!(verify(&log).first_broken.map(|b| b.0), Some(1));
    }

    #[test]
    fn a_line_built_elsewhere_is_appended_only_where_it_chains() {
        let store = MemoryStore::new();
        let page_key = key(7);
        append(&store, event(0)).expect("append");
        let tail = store.read(AUDIT_FILE).expect("read").expect("present");
        let built = next_line(&tail, event(1), Some(&page_key));
        // Another writer appends first: the built line no longer chains.
        append(&store, event(2)).expect("append");
        let before = store.read(AUDIT_FILE).expect("read");
        assert!(!append_built_locked(&store, &built).expect("checked"));
        assert_eq!(store.read(AUDIT_FILE).expect("read"), before);
        assert!(!append_built_locked(&store, b"not a line").expect("checked"));
        let tail = store.read(AUDIT_FILE).expect("read").expect("present");
        // A get that succeeded was unlocked: without a MAC it is refused.
        let unsigned = next_line(&tail, event(3), None);
        assert!(!append_built_locked(&store, &unsigned).expect("checked"));
        let built = next_line(&tail, event(3), Some(&page_key));
        assert!(append_built_locked(&store, &built).expect("appended"));
        let log = store.read(AUDIT_FILE).expect("read").expect("present");
        assert!(log.ends_with(&built));
        assert_eq!(verify(&log).lines, 3);
        assert_eq!(verify(&log).first_broken, None);
    }

    #[test]
    fn a_long_log_is_chained_from_its_tail() {
        let log = log_of(60);
        assert!(log.len() > TAIL_BYTES);
        assert_eq!(verify(&log).lines, 60);
        assert_eq!(verify(&log).first_broken, None);
    }

    #[test]
    fn odd_labels_are_cleaned_and_invalid_names_cannot_be_recorded() {
        let e = AuditEvent::new(
            Timestamp::from_unix(0),
            Operation::Set,
            Status::Failed,
            "a\"b\nc",
            "",
        );
        // Only a ServiceName or a KeyName can be recorded, and these never become one.
        assert!(ServiceName::parse("sk-LIVE/VALUE").is_err());
        assert!(KeyName::parse("has space").is_err());
        assert_eq!(e.service, None);
        assert_eq!(e.key, None);
        assert_eq!(e.user, "abc");
        assert_eq!(e.source, "unknown");
        assert_eq!(last_line(b""), None);
        assert_eq!(last_line(b"a\nb\n"), Some(&b"b"[..]));
        assert_eq!(last_line(b"only"), Some(&b"only"[..]));
    }
}
