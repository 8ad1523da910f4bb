//! The user's own configuration file, read for the core's decision
//! ([`agent_secrets_core::user_config`]): opened without following a
//! symbolic link and without blocking (a FIFO in its place cannot hang
//! the command), its type, owner and mode taken from the open file, at
//! most [`MAX_BYTES`] + 1 bytes read, and only from a regular file.

use std::io::Read;

use agent_secrets_core::session::Limits;
use agent_secrets_core::user_config::{
    self, AlertChoice, FileFacts, FileState, ALERT_COMMAND_ENV, MAX_BYTES,
};
use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;

/// The alert command (from `AGENT_SECRETS_ALERT_COMMAND`, else the user
/// configuration file), and the warning when one was refused.
pub fn alert_command() -> AlertChoice {
    let env_value = std::env::var_os(ALERT_COMMAND_ENV).map(|v| v.to_string_lossy().into_owned());
    with_file(|path, state, user| {
        user_config::alert_command(env_value.as_deref(), path, state, user)
    })
}

/// The session limits of the user configuration file (the defaults when
/// it has none), and the warning when the file was refused.
pub fn session_limits() -> (Limits, Option<String>) {
    with_file(user_config::session_limits)
}

/// Calls `decide` with the file's path, what is there, and the user.
fn with_file<T>(decide: impl FnOnce(Option<&str>, FileState<'_>, u32) -> T) -> T {
    let xdg = std::env::var("XDG_CONFIG_HOME").ok();
    let home = std::env::var("HOME").ok();
    let path = user_config::path(xdg.as_deref(), home.as_deref());
    let user = rustix::process::geteuid().as_raw();
    let mut bytes = Vec::new();
    let mut reason = String::new();
    let state = match &path {
        None => FileState::Absent,
        Some(path) => open(path, &mut bytes, &mut reason),
    };
    decide(path.as_deref(), state, user)
}

/// Opens and reads `path` into `bytes` (the OS reason of a failure into
/// `reason`).
fn open<'a>(path: &str, bytes: &'a mut Vec<u8>, reason: &'a mut String) -> FileState<'a> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT | Errno::NOTDIR) => return FileState::Absent,
        // O_NOFOLLOW on a symbolic link.
        Err(Errno::LOOP) => return FileState::Symlink,
        Err(e) => {
            *reason = e.to_string();
            return FileState::Unreadable(reason);
        }
    };
    let stat = match rustix::fs::fstat(&fd) {
        Ok(stat) => stat,
        Err(e) => {
            *reason = e.to_string();
            return FileState::Unreadable(reason);
        }
    };
    let facts = FileFacts {
        regular: FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile,
        owner: stat.st_uid,
        mode: stat.st_mode & 0o7777,
    };
    if facts.regular {
        let limit = u64::try_from(MAX_BYTES).unwrap_or(u64::MAX) + 1;
        if let Err(e) = std::fs::File::from(fd).take(limit).read_to_end(bytes) {
            *reason = e.to_string();
            return FileState::Unreadable(reason);
        }
    }
    FileState::Opened { facts, bytes }
}
