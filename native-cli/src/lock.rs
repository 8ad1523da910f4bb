//! The system calls of the write lock, for the core's protocol
//! ([`agent_secrets_core::lock`], docs/format.md §12): exclusive create,
//! the checked read every file of the folder gets, unlink, the file's age,
//! `kill(pid, 0)`, sleep, the clocks, the host name and the pid. Every
//! decision (the holder line, staleness, the back-off, the timeout, the
//! messages) is the core's.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use agent_secrets_core::files::{self, Access};
use agent_secrets_core::lock::{LockIo, LockName, WriteLock};
use agent_secrets_core::{StoreError, Timestamp};

use crate::fs_store::read_checked;

/// The lock files of one vault folder on the local file system.
#[derive(Debug)]
pub struct FsLock {
    dir: PathBuf,
    /// The folder as shown to users, ending in `/`.
    display: String,
    /// The origin of the monotonic clock.
    origin: Instant,
}

impl FsLock {
    /// The lock files of the folder `dir`, shown to users as `display`.
    pub fn new(dir: &Path, display: &str) -> Self {
        Self {
            dir: dir.to_path_buf(),
            display: display.to_owned(),
            origin: Instant::now(),
        }
    }

    fn path(&self, file: LockName) -> PathBuf {
        self.dir.join(file.file_name())
    }

    fn shown(&self, file: LockName) -> String {
        format!("{}{}", self.display, file.file_name())
    }

    fn cannot_write(&self, file: LockName, e: &std::io::Error) -> StoreError {
        StoreError::CannotWrite {
            location: self.shown(file),
            reason: e.to_string(),
        }
    }
}

/// The write lock of the folder `dir` (shown as `display`), waiting up to
/// `timeout` for another writer.
pub fn write_lock(dir: &Path, display: &str, timeout: Duration) -> WriteLock<FsLock> {
    WriteLock::new(FsLock::new(dir, display), display, timeout)
}

impl LockIo for FsLock {
    fn create_exclusive(&self, file: LockName, bytes: &[u8]) -> Result<bool, StoreError> {
        // O_CREAT | O_EXCL: whatever has the name (a link included) is
        // never followed nor opened.
        let created = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(files::FILE_MODE)
            .open(self.path(file));
        match created {
            Ok(mut handle) => handle
                .write_all(bytes)
                .map(|()| true)
                .map_err(|e| self.cannot_write(file, &e)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(self.cannot_write(file, &e)),
        }
    }

    fn read(&self, file: LockName) -> Result<Option<Vec<u8>>, StoreError> {
        read_checked(
            &self.path(file),
            file.file_name(),
            &self.shown(file),
            Access::Read,
        )
    }

    fn remove(&self, file: LockName) -> Result<(), StoreError> {
        match fs::remove_file(self.path(file)) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(self.cannot_write(file, &e)),
            _ => Ok(()),
        }
    }

    fn age(&self, file: LockName) -> Option<Duration> {
        let modified = fs::symlink_metadata(self.path(file))
            .ok()?
            .modified()
            .ok()?;
        Some(
            SystemTime::now()
                .duration_since(modified)
                .unwrap_or_default(),
        )
    }

    fn pid_alive(&self, pid: u32) -> bool {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return true;
        };
        match rustix::process::test_kill_process(pid) {
            Ok(()) => true,
            // EPERM: it exists but belongs to someone else.
            Err(e) => e != rustix::io::Errno::SRCH,
        }
    }

    fn sleep(&self, pause: Duration) {
        std::thread::sleep(pause);
    }

    fn now(&self) -> Timestamp {
        crate::context::now()
    }

    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }

    fn host(&self) -> String {
        rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned()
    }

    fn pid(&self) -> u32 {
        std::process::id()
    }
}

#[cfg(test)]
mod tests;
