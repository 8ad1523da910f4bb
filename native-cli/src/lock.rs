//! The write lock shared by every front end (docs/format.md, "Write lock").
//!
//! `.lock` is created with exclusive create and holds one JSON line naming
//! its holder. A waiter retries with a growing pause; a lock whose holder
//! died (same host, no such pid), or that is older than [`STALE_AFTER`], is
//! broken under the short-lived `.lock.break` guard, and only if its bytes
//! are still the ones judged stale.
//!
//! Both files are created with exclusive create (which never follows a
//! link) and read like every file of the folder (`fs_store::read_checked`): a
//! FIFO, a socket, a folder or a link as `.lock` is an error at once, not a
//! wait until the timeout, nor a hang.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use agent_secrets_core::files::{self, Access, LOCK_BREAK_FILE, LOCK_FILE};
use agent_secrets_core::{StoreError, Timestamp};
use serde::{Deserialize, Serialize};

use crate::fs_store::read_checked;

/// A lock older than this is stale whoever holds it.
pub const STALE_AFTER: Duration = Duration::from_secs(600);
/// An unparseable lock, or a `.lock.break`, older than this is stale.
const GUARD_STALE_AFTER: Duration = Duration::from_secs(10);
/// Default wait for a live lock.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Holder {
    pid: u32,
    host: String,
    created_at: Timestamp,
    nonce: String,
    tool: String,
}

/// The lock file of one vault folder.
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
    guard: PathBuf,
    display: String,
    timeout: Duration,
}

/// What [`LockFile::inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// No `.lock`.
    Free,
    /// A holder that may be alive: who, in words.
    Held(String),
    /// A lock the next writer will break: why, in words.
    Stale(String),
    /// Something that is no lock of ours in its place (a FIFO, a folder,
    /// a link, someone else's file): the core's message.
    Refused(String),
}

/// Proof that we hold the lock: our own bytes in the file.
#[derive(Debug)]
pub struct Held {
    content: Vec<u8>,
}

fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // Uniqueness, not secrecy: a failing RNG still leaves pid and time apart.
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn age(path: &Path) -> Option<Duration> {
    let modified = fs::symlink_metadata(path).ok()?.modified().ok()?;
    Some(
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default(),
    )
}

fn create_exclusive(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(files::FILE_MODE)
        .open(path)?;
    file.write_all(bytes)
}

impl LockFile {
    /// The lock of the folder `dir`, shown to users as `display`.
    pub fn new(dir: &Path, display: &str, timeout: Duration) -> Self {
        Self {
            path: dir.join(LOCK_FILE),
            guard: dir.join(LOCK_BREAK_FILE),
            display: format!("{display}.lock"),
            timeout,
        }
    }

    /// How long a writer waits for another.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Takes the lock, waiting for a live holder up to the timeout.
    pub fn acquire(&self, tool: &str) -> Result<Held, StoreError> {
        let holder = Holder {
            pid: std::process::id(),
            host: hostname(),
            created_at: now(),
            nonce: random_hex(8),
            tool: tool.to_owned(),
        };
        let mut content = serde_json::to_vec(&holder).unwrap_or_default();
        content.push(b'\n');
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match create_exclusive(&self.path, &content) {
                Ok(()) => return Ok(Held { content }),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(StoreError::CannotWrite {
                        location: self.display.clone(),
                        reason: e.to_string(),
                    })
                }
            }
            let seen = match self.read() {
                Ok(Some(seen)) => seen,
                // Released between our create and read: try again at once.
                Ok(None) => continue,
                // Not a regular file of ours in its place, or unreadable:
                // no waiting fixes that.
                Err(e) => return Err(e),
            };
            if self.is_stale(&seen, &holder.host) && self.break_stale(&seen) {
                continue;
            }
            if started.elapsed() >= self.timeout {
                return Err(StoreError::Busy {
                    detail: self.busy_message(&seen),
                });
            }
            sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// Releases the lock if it still holds our content.
    pub fn release(&self, held: &Held) -> Result<(), StoreError> {
        match self.read() {
            Ok(Some(seen)) if seen == held.content => {
                fs::remove_file(&self.path).map_err(|e| StoreError::CannotWrite {
                    location: self.display.clone(),
                    reason: e.to_string(),
                })
            }
            // Broken by someone who judged us stale, or already gone: nothing of ours to remove.
            _ => Ok(()),
        }
    }

    /// `.lock`'s bytes, read as every file of the folder is.
    fn read(&self) -> Result<Option<Vec<u8>>, StoreError> {
        read_checked(&self.path, LOCK_FILE, &self.display, Access::Read)
    }

    fn is_stale(&self, seen: &[u8], our_host: &str) -> bool {
        self.stale_reason(seen, our_host).is_some()
    }

    /// Why the lock holding `seen` may be broken, or `None` if its holder
    /// must be waited for.
    fn stale_reason(&self, seen: &[u8], our_host: &str) -> Option<String> {
        let Ok(holder) = serde_json::from_slice::<Holder>(seen) else {
            // Being written right now, or garbage: give it a moment first.
            return age(&self.path)
                .is_some_and(|a| a > GUARD_STALE_AFTER)
                .then(|| "it is not a lock this version understands".to_owned());
        };
        if holder.host == our_host && !process_exists(holder.pid) {
            return Some(format!(
                "its holder, pid {} on this host, is no longer running",
                holder.pid
            ));
        }
        let lock_age = now().unix().saturating_sub(holder.created_at.unix());
        (lock_age > STALE_AFTER.as_secs() as i64
            || age(&self.path).is_some_and(|a| a > STALE_AFTER))
        .then(|| {
            format!(
                "it was taken by pid {} on {} at {}, more than {} s ago",
                holder.pid,
                holder.host,
                holder.created_at,
                STALE_AFTER.as_secs()
            )
        })
    }

    /// Looks at the lock without taking or breaking it (for `preflight`).
    pub fn inspect(&self) -> LockState {
        match self.read() {
            Ok(None) => LockState::Free,
            Err(e) => LockState::Refused(e.to_string()),
            Ok(Some(seen)) => match self.stale_reason(&seen, &hostname()) {
                Some(reason) => LockState::Stale(reason),
                None => LockState::Held(self.busy_message(&seen)),
            },
        }
    }

    /// Removes the stale lock if it still holds `seen`; `true` when it is
    /// gone (try again at once), `false` when someone else is breaking it
    /// (wait like for a live lock, within the timeout).
    fn break_stale(&self, seen: &[u8]) -> bool {
        if age(&self.guard).is_some_and(|a| a > GUARD_STALE_AFTER) {
            let _ = fs::remove_file(&self.guard);
        }
        if create_exclusive(&self.guard, b"").is_err() {
            return false;
        }
        let removed = self
            .read()
            .is_ok_and(|now_seen| now_seen.as_deref() == Some(seen))
            && fs::remove_file(&self.path).is_ok();
        let _ = fs::remove_file(&self.guard);
        removed
    }

    fn busy_message(&self, seen: &[u8]) -> String {
        match serde_json::from_slice::<Holder>(seen) {
            Ok(h) => format!(
                "{} is held by pid {} on {} since {} ({}). If no agent process is running, remove it.",
                self.display, h.pid, h.host, h.created_at, h.tool
            ),
            Err(_) => format!(
                "{} exists and is not a lock this version understands. If no agent process is running, remove it.",
                self.display
            ),
        }
    }
}

fn process_exists(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        // EPERM: it exists but belongs to someone else.
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acquire_release_and_busy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_millis(30));
        let held = lock.acquire("cli").expect("free");
        let err = lock.acquire("cli").expect_err("held by a live pid (us)");
        assert!(
            err.to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        lock.release(&held).expect("release");
        assert!(!dir.path().join(".lock").exists());
        let again = lock.acquire("cli").expect("free again");
        lock.release(&again).expect("release");
    }

    #[test]
    fn dead_holder_is_broken() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A pid that cannot exist on Linux (above pid_max's ceiling).
        let dead = Holder {
            pid: 4_194_304 + 7,
            host: hostname(),
            created_at: now(),
            nonce: "00".into(),
            tool: "cli".into(),
        };
        fs::write(
            dir.path().join(".lock"),
            serde_json::to_vec(&dead).expect("json"),
        )
        .expect("write");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_millis(30));
        let held = lock.acquire("cli").expect("stale lock broken");
        lock.release(&held).expect("release");
        assert!(!dir.path().join(".lock.break").exists());
    }

    #[test]
    fn inspect_tells_free_held_and_stale_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_millis(20));
        assert_eq!(lock.inspect(), LockState::Free);
        let held = lock.acquire("cli").expect("free");
        assert!(matches!(lock.inspect(), LockState::Held(_)));
        lock.release(&held).expect("release");
        let dead = Holder {
            pid: 4_194_304 + 7,
            host: hostname(),
            created_at: now(),
            nonce: "00".into(),
            tool: "cli".into(),
        };
        let bytes = serde_json::to_vec(&dead).expect("json");
        fs::write(dir.path().join(".lock"), &bytes).expect("write");
        match lock.inspect() {
            LockState::Stale(why) => assert!(why.contains("no longer running"), "{why}"),
            other => panic!("expected stale, got {other:?}"),
        }
        // Looking does not break it.
        assert_eq!(fs::read(dir.path().join(".lock")).expect("kept"), bytes);
    }

    #[test]
    fn old_lock_of_another_host_is_broken_but_young_one_waits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut other = Holder {
            pid: 1,
            host: "another-host".into(),
            created_at: now(),
            nonce: "00".into(),
            tool: "node".into(),
        };
        let path = dir.path().join(".lock");
        fs::write(&path, serde_json::to_vec(&other).expect("json")).expect("write");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_millis(20));
        let err = lock
            .acquire("cli")
            .expect_err("young foreign lock is respected");
        assert!(err.to_string().contains("another-host"), "{err}");
        other.created_at = Timestamp::from_unix(now().unix() - 601);
        fs::write(&path, serde_json::to_vec(&other).expect("json")).expect("write");
        let held = lock.acquire("cli").expect("old lock broken");
        lock.release(&held).expect("release");
    }

    #[test]
    fn a_folder_in_place_of_the_lock_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir(dir.path().join(".lock")).expect("mkdir");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_secs(3600));
        let err = lock.acquire("cli").expect_err("cannot read a folder");
        assert!(
            err.to_string()
                .starts_with("vault/.lock is a folder, not a regular file"),
            "{err}"
        );
    }

    #[test]
    fn a_fifo_or_a_link_as_the_lock_is_an_error_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = crate::child::command("mkfifo")
            .arg(dir.path().join(".lock"))
            .status()
            .expect("mkfifo")
            .success();
        assert!(ok);
        // An hour's timeout: only an error at once lets this test finish.
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_secs(3600));
        let err = lock.acquire("cli").expect_err("fifo");
        assert!(
            err.to_string()
                .starts_with("vault/.lock is a FIFO (named pipe), not a regular file"),
            "{err}"
        );
        assert!(matches!(lock.inspect(), LockState::Refused(_)));
        fs::remove_file(dir.path().join(".lock")).expect("rm");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join(".lock"))
            .expect("link");
        let err = lock.acquire("cli").expect_err("dangling link");
        assert!(
            err.to_string()
                .starts_with("vault/.lock is a symbolic link"),
            "{err}"
        );
        assert!(!dir.path().join("elsewhere").exists());
    }

    #[test]
    fn a_stuck_break_guard_ends_in_the_timeout() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(".lock"), b"garbage").expect("write");
        // An old garbage lock is stale, but the guard is a folder that
        // cannot be removed as a file: breaking never succeeds.
        let old = SystemTime::now() - Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(dir.path().join(".lock"))
            .and_then(|f| f.set_modified(old))
            .expect("age the lock");
        fs::create_dir(dir.path().join(".lock.break")).expect("mkdir");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_millis(30));
        let err = lock.acquire("cli").expect_err("busy");
        assert!(
            err.to_string()
                .contains("is not a lock this version understands"),
            "{err}"
        );
    }

    #[test]
    fn release_leaves_a_lock_that_is_not_ours() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lock = LockFile::new(dir.path(), "vault/", Duration::from_millis(20));
        let held = lock.acquire("cli").expect("free");
        fs::write(dir.path().join(".lock"), b"someone else").expect("write");
        lock.release(&held).expect("release is a no-op");
        assert_eq!(
            fs::read(dir.path().join(".lock")).expect("still there"),
            b"someone else"
        );
    }
}
