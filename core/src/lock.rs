//! The write lock every writer takes (docs/format.md §12): every decision
//! of the protocol, over a handful of I/O primitives each front end
//! provides ([`LockIo`]).
//!
//! `.lock` in the vault folder is created with exclusive create and holds
//! one JSON line naming its holder ([`Holder`]). A writer that finds it
//! judges it: a lock whose holder died (same host, no such process), that
//! is older than [`STALE_AFTER`], or that does not parse and is older than
//! [`GUARD_STALE_AFTER`] is **stale** and is broken under the short-lived
//! `.lock.break` guard, and only if its bytes are still the ones judged
//! stale; a live one is waited for with the pauses of [`Backoff`] until the
//! timeout ([`timeout_from_env`]), then the writer gives up with
//! [`StoreError::Busy`]. A release removes `.lock` only if it still holds
//! the releaser's own bytes.
//!
//! The front ends keep only the system calls: the CLI implements
//! [`LockIo`] on the file system with `rustix`/`std`, the npm package as a
//! JavaScript object the wasm build wraps. Both read `.lock` as every file
//! of the folder is read ([`crate::files`]): a FIFO, a socket, a folder, a
//! link or someone else's file in its place is an error at once
//! ([`StoreError::Refused`]), never a wait until the timeout, nor a hang.

use core::fmt;
use core::time::Duration;

use serde::{Deserialize, Serialize};

use crate::files::{LOCK_BREAK_FILE, LOCK_FILE};
use crate::{Error, StoreError, Timestamp};

/// The environment variable that sets how long a writer waits.
pub const TIMEOUT_VAR: &str = "AGENT_SECRETS_LOCK_TIMEOUT_MS";
/// How long a writer waits for a live lock when [`TIMEOUT_VAR`] is unset.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// A lock older than this (by its `created_at` or its modification time)
/// is stale whoever holds it.
pub const STALE_AFTER: Duration = Duration::from_secs(600);
/// A lock that does not parse, or a `.lock.break`, older than this is
/// stale: younger, its writer may not have written it yet.
pub const GUARD_STALE_AFTER: Duration = Duration::from_secs(10);
/// The first pause of a waiting writer ([`Backoff`]).
pub const FIRST_PAUSE: Duration = Duration::from_millis(1);
/// The longest pause of a waiting writer ([`Backoff`]).
pub const MAX_PAUSE: Duration = Duration::from_millis(50);

/// The largest process id a lock may name and be asked about: `pid_t` is
/// a signed 32-bit number, and 0 is no process.
const MAX_PID: u32 = i32::MAX as u32;

/// How long a writer waits for another, from the value of [`TIMEOUT_VAR`]
/// (`None` when it is unset).
///
/// The grammar, the same for every front end:
///
/// - unset, or set to the empty string: [`DEFAULT_TIMEOUT`];
/// - one or more ASCII digits `0`–`9` and nothing else: that many
///   milliseconds (leading zeros allowed; `0` tries once, breaking a stale
///   lock, and never waits for a live one). A number too large to count in
///   64 bits counts as the largest, which is in practice for ever;
/// - anything else — a sign (`+5`, `-1`), white space (` 5`), a point
///   (`5.0`), an exponent (`1e3`), a unit (`5ms`) — is
///   [`Error::LockTimeout`], a usage error: a mistyped setting is reported,
///   not silently replaced by the default.
pub fn timeout_from_env(value: Option<&str>) -> Result<Duration, Error> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::LockTimeout);
    }
    let ms = value.bytes().fold(0u64, |ms, digit| {
        ms.saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    });
    Ok(Duration::from_millis(ms))
}

/// The pauses of a writer waiting for a live lock: 1 ms, doubling after
/// each attempt up to 50 ms (1, 2, 4, 8, 16, 32, 50, 50, … ms). An endless
/// iterator.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    /// The schedule from its first pause.
    pub fn new() -> Self {
        Self { next: FIRST_PAUSE }
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let pause = self.next;
        self.next = (pause * 2).min(MAX_PAUSE);
        Some(pause)
    }
}

/// The front end that takes a lock (the holder's `tool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The `agent` command.
    Cli,
    /// The npm package.
    Node,
    /// The dashboard server.
    Ui,
}

impl Tool {
    /// Its name in the lock file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Node => "node",
            Self::Ui => "ui",
        }
    }

    /// The tool named `name`, if it is one of [`Tool::as_str`]'s names.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Cli, Self::Node, Self::Ui]
            .into_iter()
            .find(|t| t.as_str() == name)
    }
}

/// The two files of the protocol, for the primitives of [`LockIo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockName {
    /// `.lock`: the lock itself.
    Lock,
    /// `.lock.break`: the guard taken while a stale lock is broken.
    Guard,
}

impl LockName {
    /// The file's name in the vault folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Lock => LOCK_FILE,
            Self::Guard => LOCK_BREAK_FILE,
        }
    }
}

/// The content of `.lock`: who holds it. Written as one line of JSON with
/// the members in this order and a trailing newline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The holder's process id.
    pub pid: u32,
    /// The holder's host name.
    pub host: String,
    /// When the lock was taken.
    pub created_at: Timestamp,
    /// Random per acquisition (16 lower-case hex characters when we write
    /// it), so that a holder recognises its own lock.
    pub nonce: String,
    /// The front end: `"cli"`, `"node"` or `"ui"` ([`Tool`]); any string
    /// is accepted when read.
    pub tool: String,
}

impl Holder {
    /// The holder a lock file's bytes name, or `None` if they are not one
    /// (being written right now, or garbage). Members this version does not
    /// know are ignored; a trailing newline is allowed.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    /// The bytes written to `.lock`: one JSON line and a newline.
    pub fn to_line(&self) -> Vec<u8> {
        // A struct of integers and strings always serializes.
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// Why a lock may be broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// It does not parse and is older than [`GUARD_STALE_AFTER`].
    Unparseable,
    /// Its holder was on this host and is no longer running.
    HolderGone {
        /// The holder's pid.
        pid: u32,
    },
    /// It is older than [`STALE_AFTER`].
    TooOld {
        /// The holder's pid.
        pid: u32,
        /// The holder's host.
        host: String,
        /// When it was taken.
        created_at: Timestamp,
    },
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unparseable => f.write_str("it is not a lock this version understands"),
            Self::HolderGone { pid } => write!(
                f,
                "its holder, pid {pid} on this host, is no longer running"
            ),
            Self::TooOld {
                pid,
                host,
                created_at,
            } => write!(
                f,
                "it was taken by pid {pid} on {} at {created_at}, more than {} s ago",
                printable(host),
                STALE_AFTER.as_secs()
            ),
        }
    }
}

/// What [`WriteLock::inspect`] found (for `preflight`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// No `.lock`.
    Free,
    /// A holder that may be alive: who, in the words of the busy message.
    Held(String),
    /// A lock the next writer will break: why, in words.
    Stale(String),
    /// Something that is no lock of ours in its place (a FIFO, a folder, a
    /// link, someone else's file), or `.lock` could not be read: the
    /// error's message.
    Refused(String),
}

/// Proof that we hold the lock: our own bytes in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    content: Vec<u8>,
}

impl Held {
    /// The proof from the bytes [`Held::as_bytes`] gave (a front end that
    /// keeps it on the other side of a binding).
    pub fn from_bytes(content: Vec<u8>) -> Self {
        Self { content }
    }

    /// The bytes we wrote to `.lock`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.content
    }
}

/// The system calls the protocol needs, provided by each front end for one
/// vault folder. The protocol ([`WriteLock`]) makes every decision; these
/// only act and report.
pub trait LockIo {
    /// Creates `file` with exclusive create (`O_CREAT | O_EXCL`, mode
    /// `0600`: never through a link, never opening what is there) and
    /// writes `bytes`. `Ok(false)` when something of any type already has
    /// that name; any other failure is an error naming the file.
    fn create_exclusive(&self, file: LockName, bytes: &[u8]) -> Result<bool, StoreError>;

    /// `file`'s bytes, read as every file of the folder is (no link
    /// followed, regular files of the user's only, at most the cap of
    /// [`crate::files`]): `Ok(None)` when there is no such file; a refusal
    /// is [`StoreError::Refused`] with the core's message.
    fn read(&self, file: LockName) -> Result<Option<Vec<u8>>, StoreError>;

    /// Removes `file` (unlink: a link itself, never what it points to).
    /// Absent is not an error.
    fn remove(&self, file: LockName) -> Result<(), StoreError>;

    /// How long ago `file` was last modified (its `lstat` modification
    /// time against the wall clock; zero if that is in the future), or
    /// `None` if there is no such file or it cannot be told.
    fn age(&self, file: LockName) -> Option<Duration>;

    /// Whether a process with this id exists on this host (`kill(pid, 0)`
    /// succeeds or fails with `EPERM`). Only asked for ids from 1 to
    /// 2^31 − 1; when it cannot be told, answer `true`.
    fn pid_alive(&self, pid: u32) -> bool;

    /// Pauses the calling thread (synchronously).
    fn sleep(&self, pause: Duration);

    /// The wall clock.
    fn now(&self) -> Timestamp;

    /// A monotonic clock: the time since an origin fixed for the life of
    /// this object, never going back.
    fn monotonic(&self) -> Duration;

    /// This machine's host name.
    fn host(&self) -> String;

    /// This process's id.
    fn pid(&self) -> u32;

    /// Eight random bytes for the nonce. Uniqueness, not secrecy: the
    /// default is [`system_nonce`].
    fn nonce(&self) -> [u8; 8] {
        system_nonce()
    }
}

/// Eight bytes from the system's generator for a lock's nonce or, should
/// that fail, zeros (pid and time still tell holders apart).
pub fn system_nonce() -> [u8; 8] {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes
}

impl<T: LockIo + ?Sized> LockIo for &T {
    fn create_exclusive(&self, file: LockName, bytes: &[u8]) -> Result<bool, StoreError> {
        (**self).create_exclusive(file, bytes)
    }
    fn read(&self, file: LockName) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).read(file)
    }
    fn remove(&self, file: LockName) -> Result<(), StoreError> {
        (**self).remove(file)
    }
    fn age(&self, file: LockName) -> Option<Duration> {
        (**self).age(file)
    }
    fn pid_alive(&self, pid: u32) -> bool {
        (**self).pid_alive(pid)
    }
    fn sleep(&self, pause: Duration) {
        (**self).sleep(pause)
    }
    fn now(&self) -> Timestamp {
        (**self).now()
    }
    fn monotonic(&self) -> Duration {
        (**self).monotonic()
    }
    fn host(&self) -> String {
        (**self).host()
    }
    fn pid(&self) -> u32 {
        (**self).pid()
    }
    fn nonce(&self) -> [u8; 8] {
        (**self).nonce()
    }
}

/// The write lock of one vault folder, over that folder's primitives.
#[derive(Debug)]
pub struct WriteLock<I> {
    io: I,
    /// `.lock` as shown to users: the folder as the user wrote it, then
    /// `.lock`.
    shown: String,
    timeout: Duration,
}

impl<I: LockIo> WriteLock<I> {
    /// The lock of the folder shown to users as `folder` (ending in `/`),
    /// waiting up to `timeout` for a live holder.
    pub fn new(io: I, folder: &str, timeout: Duration) -> Self {
        Self {
            io,
            shown: format!("{folder}{LOCK_FILE}"),
            timeout,
        }
    }

    /// How long a writer waits for another.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Takes the lock for `tool`, waiting for a live holder up to the
    /// timeout (docs/format.md §12, "Acquiring").
    pub fn acquire(&self, tool: Tool) -> Result<Held, StoreError> {
        let host = self.io.host();
        let content = Holder {
            pid: self.io.pid(),
            host: host.clone(),
            created_at: self.io.now(),
            nonce: hex(&self.io.nonce()),
            tool: tool.as_str().to_owned(),
        }
        .to_line();
        let started = self.io.monotonic();
        let timed_out = || self.io.monotonic().saturating_sub(started) >= self.timeout;
        let mut pauses = Backoff::new();
        let mut retried = false;
        loop {
            if self.io.create_exclusive(LockName::Lock, &content)? {
                return Ok(Held { content });
            }
            // Not a regular file of ours in its place, or unreadable: no
            // waiting fixes that, so the error goes up at once.
            let seen = self.io.read(LockName::Lock)?;
            match &seen {
                // Released between our create and our read: again at once,
                // and past the timeout only once more.
                None if !(retried && timed_out()) => {
                    retried = true;
                    continue;
                }
                Some(seen) if self.judge(seen, &host).is_some() && self.break_stale(seen) => {
                    continue
                }
                _ => retried = false,
            }
            if timed_out() {
                return Err(StoreError::Busy {
                    detail: self.busy_message(seen.as_deref()),
                });
            }
            // An endless iterator.
            self.io.sleep(pauses.next().unwrap_or(MAX_PAUSE));
        }
    }

    /// Releases the lock if `.lock` still holds our bytes; a lock broken by
    /// someone who judged us stale, or already gone, is left alone.
    pub fn release(&self, held: &Held) -> Result<(), StoreError> {
        match self.io.read(LockName::Lock) {
            Ok(Some(seen)) if seen == held.content => self.io.remove(LockName::Lock),
            _ => Ok(()),
        }
    }

    /// Looks at the lock without taking or breaking it.
    pub fn inspect(&self) -> LockState {
        match self.io.read(LockName::Lock) {
            Ok(None) => LockState::Free,
            Err(e) => LockState::Refused(e.to_string()),
            Ok(Some(seen)) => match self.judge(&seen, &self.io.host()) {
                Some(why) => LockState::Stale(why.to_string()),
                None => LockState::Held(self.busy_message(Some(&seen))),
            },
        }
    }

    /// Why the lock holding `seen` may be broken, or `None` if its holder
    /// must be waited for (docs/format.md §12, step 2).
    fn judge(&self, seen: &[u8], our_host: &str) -> Option<Stale> {
        let Some(holder) = Holder::parse(seen) else {
            // Being written right now, or garbage: give it a moment first.
            return self
                .io
                .age(LockName::Lock)
                .is_some_and(|age| age > GUARD_STALE_AFTER)
                .then_some(Stale::Unparseable);
        };
        if holder.host == our_host && !self.is_running(holder.pid) {
            return Some(Stale::HolderGone { pid: holder.pid });
        }
        let since_created = self
            .io
            .now()
            .unix()
            .saturating_sub(holder.created_at.unix());
        let too_old = u64::try_from(since_created).is_ok_and(|s| s > STALE_AFTER.as_secs())
            || self
                .io
                .age(LockName::Lock)
                .is_some_and(|age| age > STALE_AFTER);
        too_old.then_some(Stale::TooOld {
            pid: holder.pid,
            host: holder.host,
            created_at: holder.created_at,
        })
    }

    /// Whether the process `pid` of this host runs. 0 and ids beyond
    /// `pid_t` are no process; the runtime is never asked about them (`kill`
    /// would read 0 as the caller's process group).
    fn is_running(&self, pid: u32) -> bool {
        (1..=MAX_PID).contains(&pid) && self.io.pid_alive(pid)
    }

    /// Removes the stale lock if it still holds `seen`, under the guard
    /// (docs/format.md §12, "Breaking a stale lock"): `true` when it is
    /// gone (try again at once), `false` when someone else is breaking it
    /// (wait as for a live lock, within the timeout).
    fn break_stale(&self, seen: &[u8]) -> bool {
        if self
            .io
            .age(LockName::Guard)
            .is_some_and(|age| age > GUARD_STALE_AFTER)
        {
            // Left by a breaker that died.
            let _ = self.io.remove(LockName::Guard);
        }
        if !matches!(self.io.create_exclusive(LockName::Guard, b""), Ok(true)) {
            return false;
        }
        let removed = matches!(self.io.read(LockName::Lock), Ok(Some(now)) if now == seen)
            && self.io.remove(LockName::Lock).is_ok();
        let _ = self.io.remove(LockName::Guard);
        removed
    }

    /// The detail of [`StoreError::Busy`]: who holds the lock and how to
    /// clear it.
    fn busy_message(&self, seen: Option<&[u8]>) -> String {
        const REMEDY: &str = "If no agent process is running, remove it.";
        let shown = &self.shown;
        match seen.map(Holder::parse) {
            Some(Some(h)) => format!(
                "{shown} is held by pid {} on {} since {} ({}). {REMEDY}",
                h.pid,
                printable(&h.host),
                h.created_at,
                printable(&h.tool)
            ),
            Some(None) => {
                format!("{shown} exists and is not a lock this version understands. {REMEDY}")
            }
            None => format!(
                "{shown} was taken by one writer after another until the wait ran out. {REMEDY}"
            ),
        }
    }
}

/// A string read from the folder, fit for a message on a terminal: control
/// characters (escape sequences, newlines) written as `\u{…}` escapes.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{printable, Backoff};

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(printable("host-1.example"), "host-1.example");
        assert_eq!(printable("é ü 主机"), "é ü 主机");
        assert_eq!(printable("a\u{1b}[31mb\r\n"), "a\\u{1b}[31mb\\u{d}\\u{a}");
        assert_eq!(printable("\u{9b}"), "\\u{9b}", "C1 controls too");
    }

    #[test]
    fn the_default_backoff_is_the_schedule_from_its_first_pause() {
        let first: Vec<_> = Backoff::default().take(4).collect();
        assert_eq!(first, Backoff::new().take(4).collect::<Vec<_>>());
        assert_eq!(first[0], super::FIRST_PAUSE);
    }
}
