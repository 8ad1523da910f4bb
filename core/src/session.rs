//! The session agent's rules, without I/O: where its socket lives, which
//! folder and socket may be used, its wire protocol, its timeouts and what
//! it answers. `agent secret unlock` starts the agent (the same `agent`
//! binary); the CLI and the npm package are its clients. `docs/session.md`
//! is the prose form of this module.
//!
//! # Where
//!
//! The socket folder is `$XDG_RUNTIME_DIR/agent-secrets/` when that
//! variable is an absolute path, else `<temp dir>/agent-secrets-<uid>/`
//! ([`socket_dir`]). In it, one socket per vault, named after the SHA-256
//! of the vault folder's canonical path ([`socket_name`]). The folder must
//! be a real folder (not a link) owned by the user with no permission for
//! group or others; the socket a socket owned by the user with no
//! permission for group or others ([`check_socket_folder`],
//! [`check_socket`], on what `lstat` said).
//!
//! # Wire format
//!
//! Every message is one frame: a 4-byte big-endian length `N`
//! (`2 <= N <= MAX_BODY`), then `N` bytes of body. A body starts with the
//! protocol version ([`VERSION`], `1`) and a kind byte; the fields of each
//! kind follow in a fixed order, with no padding and nothing after them.
//! Integers are big-endian. An `id` is the vault key's id as 32 ASCII
//! lower-case hex characters. A `path` is a 2-byte length then that many
//! bytes: an absolute path (starts with `/`), no NUL, at most
//! [`MAX_PATH`] bytes.
//!
//! | kind | name | fields | sent by |
//! |---|---|---|---|
//! | `0x01` | key request | `id`, `path` | client |
//! | `0x02` | status request | — | client |
//! | `0x03` | lock request | — | client |
//! | `0x04` | start | `id`, 32-byte key, idle u32, max u32, `path` | `unlock`, on the agent's standard input only |
//! | `0x81` | key | `id`, 32-byte key, ends u32, max u32 | agent |
//! | `0x82` | miss | reason u8: 1 another vault key, 2 another vault | agent |
//! | `0x83` | status | `id`, ends u32, max u32, pid u32, flags u8 (bit 0: key memory locked), `path` | agent |
//! | `0x84` | locked | — | agent |
//! | `0x85` | refused | reason u8: 1 version, 2 malformed, 3 not on a socket | agent |
//!
//! `ends` is the seconds until the session ends if it is not used again,
//! `max` the seconds until it ends at the latest (`ends <= max`). One
//! request per connection; the agent closes the connection after its
//! answer. Parsers are strict: a wrong length, an unknown kind or reason,
//! a bad id or path, or a byte too many is an error.

use core::fmt;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::files::{FileStat, FileType};

/// The protocol version this build speaks.
pub const VERSION: u8 = 1;
/// The largest body a frame may carry.
pub const MAX_BODY: usize = 8 * 1024;
/// The longest vault path a message may carry.
pub const MAX_PATH: usize = 4096;
/// The length prefix of a frame.
pub const HEADER: usize = 4;
/// The longest socket path this module hands out: `sun_path` holds 108
/// bytes on Linux and 104 on macOS, with its NUL.
pub const MAX_SOCKET_PATH: usize = 103;
/// The folder below `$XDG_RUNTIME_DIR`.
pub const RUNTIME_SUBDIR: &str = "agent-secrets";
/// The ending of a socket's name.
pub const SOCKET_SUFFIX: &str = ".sock";
/// The variable that turns sessions off for one command (`1`).
pub const NO_SESSION_ENV: &str = "AGENT_SECRETS_NO_SESSION";

/// A session ends after this long without use, unless the user's
/// configuration or `--ttl` says otherwise: 15 minutes.
pub const DEFAULT_IDLE_SECONDS: u32 = 15 * 60;
/// A session ends this long after the unlock at the latest: 8 hours.
pub const DEFAULT_MAX_SECONDS: u32 = 8 * 3600;
/// The longest a session may last, whatever the configuration says: 7 days.
pub const LIMIT_SECONDS: u32 = 7 * 24 * 3600;

const ID_LEN: usize = 32;
const KEY_LEN: usize = 32;

const REQ_KEY: u8 = 0x01;
const REQ_STATUS: u8 = 0x02;
const REQ_LOCK: u8 = 0x03;
const REQ_START: u8 = 0x04;
const RESP_KEY: u8 = 0x81;
const RESP_MISS: u8 = 0x82;
const RESP_STATUS: u8 = 0x83;
const RESP_LOCKED: u8 = 0x84;
const RESP_REFUSED: u8 = 0x85;

/// Bit 0 of a status answer's flags: the key's memory is locked (`mlock`).
pub const FLAG_MEMORY_LOCKED: u8 = 1;

/// Whether `AGENT_SECRETS_NO_SESSION` (its value, if set) turns sessions
/// off: any value but empty and `0` does.
pub fn disabled_by_env(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

// ---------------------------------------------------------------- paths

/// The socket folder: `$XDG_RUNTIME_DIR/agent-secrets` when the variable
/// is an absolute path, else `<temp_dir>/agent-secrets-<uid>`.
pub fn socket_dir(xdg_runtime_dir: Option<&str>, temp_dir: &str, uid: u32) -> String {
    match xdg_runtime_dir.filter(|d| d.starts_with('/')) {
        Some(runtime) => format!("{}/{RUNTIME_SUBDIR}", trim_slashes(runtime)),
        None => format!("{}/agent-secrets-{uid}", trim_slashes(temp_dir)),
    }
}

fn trim_slashes(dir: &str) -> &str {
    let trimmed = dir.trim_end_matches('/');
    if trimmed.is_empty() && dir.starts_with('/') {
        ""
    } else if trimmed.is_empty() {
        "/tmp"
    } else {
        trimmed
    }
}

/// The socket's name for a vault folder: the first 32 hex characters of
/// the SHA-256 of its canonical path, then `.sock`.
pub fn socket_name(canonical_vault_path: &[u8]) -> String {
    let digest = Sha256::digest(canonical_vault_path);
    let mut name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(SOCKET_SUFFIX);
    name
}

/// Whether `name` is a socket name of [`socket_name`]'s form (`lock --all`
/// looks at those only).
pub fn is_socket_name(name: &str) -> bool {
    name.strip_suffix(SOCKET_SUFFIX).is_some_and(|hex| {
        hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The socket of the vault at `canonical_vault_path` in `dir`; an error
/// when the path would be too long for a Unix socket.
pub fn socket_path(dir: &str, canonical_vault_path: &[u8]) -> Result<String, PathProblem> {
    let path = format!("{dir}/{}", socket_name(canonical_vault_path));
    if path.len() > MAX_SOCKET_PATH {
        return Err(PathProblem::TooLong { path });
    }
    Ok(path)
}

/// Why a socket folder or socket is not used. The message names the path
/// and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    /// Not a folder (a link, a file) where the socket folder belongs.
    #[error("{path} is {found}, not a folder; sessions are not used. Fix: remove it (`rm {path}`) if you did not make it")]
    NotAFolder {
        /// The folder.
        path: String,
        /// What is there.
        found: &'static str,
    },
    /// Not a socket where this vault's socket belongs.
    #[error(
        "{path} is {found}, not a socket; sessions are not used. Fix: remove it (`rm {path}`)"
    )]
    NotASocket {
        /// The socket.
        path: String,
        /// What is there.
        found: &'static str,
    },
    /// Owned by another user.
    #[error("{path} is owned by uid {uid}, not by you (uid {euid}): someone else made it, so sessions are not used. Fix: remove it as root, or set XDG_RUNTIME_DIR to a folder of your own")]
    Foreign {
        /// The folder or socket.
        path: String,
        /// Its owner.
        uid: u32,
        /// The user running the tool.
        euid: u32,
    },
    /// Group or others have a permission bit on it.
    #[error("{path} has mode {mode:04o}; a session folder must be 0700 and a socket 0600, so sessions are not used. Fix: `chmod {fix:o} {path}`")]
    Open {
        /// The folder or socket.
        path: String,
        /// Its permission bits.
        mode: u32,
        /// The mode to give it.
        fix: u32,
    },
    /// The socket path is longer than a Unix socket allows.
    #[error("{path} is longer than a Unix socket path may be; sessions are not used. Fix: set XDG_RUNTIME_DIR or TMPDIR to a shorter folder")]
    TooLong {
        /// The socket path.
        path: String,
    },
}

fn check_private(path: &str, stat: &FileStat, euid: u32, fix: u32) -> Result<(), PathProblem> {
    // The user's own, not root's: root is trusted for the vault folder, but
    // nothing root made here is needed, and a session is per user.
    if stat.uid != euid {
        return Err(PathProblem::Foreign {
            path: path.to_owned(),
            uid: stat.uid,
            euid,
        });
    }
    if stat.mode & 0o077 != 0 {
        return Err(PathProblem::Open {
            path: path.to_owned(),
            mode: stat.mode & 0o7777,
            fix,
        });
    }
    Ok(())
}

/// The socket folder, from `lstat`: a real folder (not a link), owned by
/// `euid`, with no permission bit for group or others.
pub fn check_socket_folder(path: &str, stat: &FileStat, euid: u32) -> Result<(), PathProblem> {
    match FileType::of(stat.mode) {
        FileType::Directory => check_private(path, stat, euid, 0o700),
        found => Err(PathProblem::NotAFolder {
            path: path.to_owned(),
            found: found.words(),
        }),
    }
}

/// A vault's socket, from `lstat`: a socket (not a link), owned by `euid`,
/// with no permission bit for group or others.
pub fn check_socket(path: &str, stat: &FileStat, euid: u32) -> Result<(), PathProblem> {
    match FileType::of(stat.mode) {
        FileType::Socket => check_private(path, stat, euid, 0o600),
        found => Err(PathProblem::NotASocket {
            path: path.to_owned(),
            found: found.words(),
        }),
    }
}

// ---------------------------------------------------------------- limits

/// How long a session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Seconds without use after which it ends.
    pub idle_seconds: u32,
    /// Seconds after the unlock after which it ends at the latest.
    pub max_seconds: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            idle_seconds: DEFAULT_IDLE_SECONDS,
            max_seconds: DEFAULT_MAX_SECONDS,
        }
    }
}

/// Checks a pair of limits: each 1 s to [`LIMIT_SECONDS`], idle not past max.
pub fn check_limits(limits: &Limits) -> Result<(), &'static str> {
    let bounded = |s: u32| (1..=LIMIT_SECONDS).contains(&s);
    if !bounded(limits.idle_seconds) || !bounded(limits.max_seconds) {
        return Err("a session limit is 1 second to 7 days");
    }
    if limits.idle_seconds > limits.max_seconds {
        return Err("the idle limit is longer than the session's maximum");
    }
    Ok(())
}

/// The limits of a new session: the user's configuration (or the
/// defaults), with `ttl` (seconds, from `--ttl`) as the idle limit. A
/// `ttl` over the maximum is refused with the maximum named.
pub fn limits_for(configured: Limits, ttl: Option<u64>) -> Result<Limits, String> {
    let Some(ttl) = ttl else {
        return Ok(configured);
    };
    if ttl == 0 {
        return Err("--ttl must be at least 1s".to_owned());
    }
    if ttl > u64::from(configured.max_seconds) {
        return Err(format!(
            "--ttl {} is longer than a session may last ({}; \"session\".\"max_seconds\" in your configuration)",
            format_seconds(ttl),
            format_seconds(u64::from(configured.max_seconds))
        ));
    }
    Ok(Limits {
        idle_seconds: u32::try_from(ttl).unwrap_or(configured.max_seconds),
        ..configured
    })
}

/// Seconds for people: `8h 0m`, `14m 10s`, `5s`.
pub fn format_seconds(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {s}s")
    } else {
        format!("{s}s")
    }
}

// ---------------------------------------------------------------- protocol

/// Why a frame or body was refused. Fixed text only: a refused message is
/// never quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The length prefix is below 2 or above [`MAX_BODY`].
    #[error("session message: the length is out of bounds")]
    Length,
    /// The frame's bytes do not match its length prefix.
    #[error("session message: the frame is truncated or has bytes past its end")]
    Frame,
    /// Another protocol version.
    #[error("session message: protocol version {0} (this build speaks version 1)")]
    Version(u8),
    /// An unknown kind.
    #[error("session message: unknown kind")]
    Kind,
    /// Fields missing, too long, or of a wrong form.
    #[error("session message: malformed {0}")]
    Malformed(&'static str),
}

/// Why a key request missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// The vault's `config.json` names another vault key (rotated).
    OtherKey,
    /// The request is for another vault folder.
    OtherVault,
}

/// Why the agent refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Another protocol version.
    Version,
    /// The request did not parse.
    Malformed,
    /// A start message on the socket (it is taken on standard input only).
    NotOnSocket,
}

/// What a client (or `unlock`) sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// The vault key, if it is `id` of the vault at `path`.
    Key {
        /// The `vault_key_id` the client's `config.json` names.
        id: &'a str,
        /// The vault folder's canonical path.
        path: &'a [u8],
    },
    /// The session's state (no key).
    Status,
    /// End the session.
    Lock,
    /// The hand-off from `unlock` to a new agent, on its standard input.
    Start(Start<'a>),
}

/// What `unlock` hands a new agent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Start<'a> {
    /// The vault key's id.
    pub id: &'a str,
    /// The vault key.
    pub key: &'a [u8; 32],
    /// The session's limits.
    pub limits: Limits,
    /// The vault folder's canonical path.
    pub path: &'a [u8],
}

impl fmt::Debug for Start<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Start")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .field("limits", &self.limits)
            .field("path", &String::from_utf8_lossy(self.path))
            .finish()
    }
}

/// What the agent answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Response<'a> {
    /// The vault key.
    Key {
        /// Its id.
        id: &'a str,
        /// The key.
        key: &'a [u8; 32],
        /// The session's times after this use.
        times: Times,
    },
    /// Not this vault's key or not this vault.
    Miss(Miss),
    /// The session's state.
    Status(StatusInfo<'a>),
    /// The session ended; the key is wiped.
    Locked,
    /// The request was refused.
    Refused(Refusal),
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key { id, times, .. } => f
                .debug_struct("Key")
                .field("id", id)
                .field("key", &"[redacted]")
                .field("times", times)
                .finish(),
            Self::Miss(m) => f.debug_tuple("Miss").field(m).finish(),
            Self::Status(s) => f.debug_tuple("Status").field(s).finish(),
            Self::Locked => f.write_str("Locked"),
            Self::Refused(r) => f.debug_tuple("Refused").field(r).finish(),
        }
    }
}

/// When a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// Seconds until it ends if it is not used again.
    pub ends_in: u32,
    /// Seconds until it ends at the latest.
    pub max_in: u32,
}

/// An agent's state as a status answer gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInfo<'a> {
    /// The vault key's id.
    pub id: &'a str,
    /// When the session ends.
    pub times: Times,
    /// The agent's process id.
    pub pid: u32,
    /// Whether the key's memory is locked against swapping.
    pub memory_locked: bool,
    /// The vault folder's canonical path.
    pub path: &'a [u8],
}

/// A reader over a body that refuses to run past its end.
struct Fields<'a> {
    bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ProtocolError> {
        if self.bytes.len() < n {
            return Err(ProtocolError::Malformed(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, ProtocolError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, ProtocolError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn id(&mut self) -> Result<&'a str, ProtocolError> {
        let bytes = self.take(ID_LEN, "vault key id")?;
        let id =
            core::str::from_utf8(bytes).map_err(|_| ProtocolError::Malformed("vault key id"))?;
        crate::format::check_vault_key_id(id)
            .map_err(|_| ProtocolError::Malformed("vault key id"))?;
        Ok(id)
    }

    fn key(&mut self) -> Result<&'a [u8; 32], ProtocolError> {
        self.take(KEY_LEN, "key")?
            .try_into()
            .map_err(|_| ProtocolError::Malformed("key"))
    }

    fn path(&mut self) -> Result<&'a [u8], ProtocolError> {
        let len = self.take(2, "path")?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let path = self.take(len, "path")?;
        check_path(path)?;
        Ok(path)
    }

    fn end(self) -> Result<(), ProtocolError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(ProtocolError::Malformed(
                "message (bytes past its last field)",
            ))
        }
    }
}

fn check_path(path: &[u8]) -> Result<(), ProtocolError> {
    if path.first() != Some(&b'/') || path.len() > MAX_PATH || path.contains(&0) {
        return Err(ProtocolError::Malformed("path"));
    }
    Ok(())
}

/// The body's length from a frame's 4-byte prefix.
pub fn body_len(header: [u8; 4]) -> Result<usize, ProtocolError> {
    let n = usize::try_from(u32::from_be_bytes(header)).map_err(|_| ProtocolError::Length)?;
    if !(2..=MAX_BODY).contains(&n) {
        return Err(ProtocolError::Length);
    }
    Ok(n)
}

/// The body of one whole frame (prefix and body, nothing after).
pub fn frame_body(frame: &[u8]) -> Result<&[u8], ProtocolError> {
    let Some((header, body)) = frame.split_first_chunk::<HEADER>() else {
        return Err(ProtocolError::Frame);
    };
    if body.len() != body_len(*header)? {
        return Err(ProtocolError::Frame);
    }
    Ok(body)
}

/// Version and kind of a body; the fields after them.
fn open_body(body: &[u8]) -> Result<(u8, Fields<'_>), ProtocolError> {
    match body {
        [VERSION, kind, rest @ ..] => Ok((*kind, Fields { bytes: rest })),
        [version, ..] if *version != VERSION => Err(ProtocolError::Version(*version)),
        _ => Err(ProtocolError::Malformed("message (too short)")),
    }
}

/// Parses a request body (strict).
pub fn parse_request(body: &[u8]) -> Result<Request<'_>, ProtocolError> {
    if body.len() > MAX_BODY {
        return Err(ProtocolError::Length);
    }
    let (kind, mut f) = open_body(body)?;
    let request = match kind {
        REQ_KEY => {
            let id = f.id()?;
            let path = f.path()?;
            Request::Key { id, path }
        }
        REQ_STATUS => Request::Status,
        REQ_LOCK => Request::Lock,
        REQ_START => {
            let id = f.id()?;
            let key = f.key()?;
            let limits = Limits {
                idle_seconds: f.u32("idle limit")?,
                max_seconds: f.u32("maximum")?,
            };
            check_limits(&limits).map_err(|_| ProtocolError::Malformed("limits"))?;
            let path = f.path()?;
            Request::Start(Start {
                id,
                key,
                limits,
                path,
            })
        }
        _ => return Err(ProtocolError::Kind),
    };
    f.end()?;
    Ok(request)
}

fn times(f: &mut Fields<'_>) -> Result<Times, ProtocolError> {
    let times = Times {
        ends_in: f.u32("times")?,
        max_in: f.u32("times")?,
    };
    if times.ends_in > times.max_in {
        return Err(ProtocolError::Malformed("times (ends after the maximum)"));
    }
    Ok(times)
}

/// Parses a response body (strict).
pub fn parse_response(body: &[u8]) -> Result<Response<'_>, ProtocolError> {
    if body.len() > MAX_BODY {
        return Err(ProtocolError::Length);
    }
    let (kind, mut f) = open_body(body)?;
    let response = match kind {
        RESP_KEY => {
            let id = f.id()?;
            let key = f.key()?;
            let times = times(&mut f)?;
            Response::Key { id, key, times }
        }
        RESP_MISS => Response::Miss(match f.u8("miss reason")? {
            1 => Miss::OtherKey,
            2 => Miss::OtherVault,
            _ => return Err(ProtocolError::Malformed("miss reason")),
        }),
        RESP_STATUS => {
            let id = f.id()?;
            let times = times(&mut f)?;
            let pid = f.u32("pid")?;
            let flags = f.u8("flags")?;
            if flags & !FLAG_MEMORY_LOCKED != 0 {
                return Err(ProtocolError::Malformed("flags"));
            }
            let path = f.path()?;
            Response::Status(StatusInfo {
                id,
                times,
                pid,
                memory_locked: flags & FLAG_MEMORY_LOCKED != 0,
                path,
            })
        }
        RESP_LOCKED => Response::Locked,
        RESP_REFUSED => Response::Refused(match f.u8("refusal reason")? {
            1 => Refusal::Version,
            2 => Refusal::Malformed,
            3 => Refusal::NotOnSocket,
            _ => return Err(ProtocolError::Malformed("refusal reason")),
        }),
        _ => return Err(ProtocolError::Kind),
    };
    f.end()?;
    Ok(response)
}

/// Builds a frame in a caller's buffer: the prefix is filled in by
/// [`Frame::finish`].
struct Frame<'b>(&'b mut Vec<u8>);

impl<'b> Frame<'b> {
    fn new(out: &'b mut Vec<u8>, kind: u8) -> Self {
        out.zeroize();
        out.extend_from_slice(&[0, 0, 0, 0, VERSION, kind]);
        Self(out)
    }

    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn path(&mut self, path: &[u8]) {
        // Paths are checked before a frame is built; a longer one would not
        // fit the prefix and is cut to an empty (refused) path.
        let len = u16::try_from(path.len()).unwrap_or(0);
        self.put(&len.to_be_bytes());
        if len > 0 {
            self.put(path);
        }
    }

    fn times(&mut self, t: Times) {
        self.put(&t.ends_in.to_be_bytes());
        self.put(&t.max_in.to_be_bytes());
    }

    fn finish(self) {
        let len = u32::try_from(self.0.len() - HEADER).unwrap_or(u32::MAX);
        self.0[..HEADER].copy_from_slice(&len.to_be_bytes());
    }
}

/// A request as one frame. A path that breaks the rules (relative, NUL,
/// longer than [`MAX_PATH`]) is refused here, before anything is sent.
pub fn encode_request(request: &Request<'_>) -> Result<Zeroizing<Vec<u8>>, ProtocolError> {
    let mut out = Zeroizing::new(Vec::with_capacity(128));
    match request {
        Request::Key { id, path } => {
            crate::format::check_vault_key_id(id)
                .map_err(|_| ProtocolError::Malformed("vault key id"))?;
            check_path(path)?;
            let mut f = Frame::new(&mut out, REQ_KEY);
            f.put(id.as_bytes());
            f.path(path);
            f.finish();
        }
        Request::Status => Frame::new(&mut out, REQ_STATUS).finish(),
        Request::Lock => Frame::new(&mut out, REQ_LOCK).finish(),
        Request::Start(s) => {
            crate::format::check_vault_key_id(s.id)
                .map_err(|_| ProtocolError::Malformed("vault key id"))?;
            check_limits(&s.limits).map_err(|_| ProtocolError::Malformed("limits"))?;
            check_path(s.path)?;
            let mut f = Frame::new(&mut out, REQ_START);
            f.put(s.id.as_bytes());
            f.put(s.key);
            f.put(&s.limits.idle_seconds.to_be_bytes());
            f.put(&s.limits.max_seconds.to_be_bytes());
            f.path(s.path);
            f.finish();
        }
    }
    Ok(out)
}

/// A response as one frame (the agent builds only valid ones; the result
/// is wiped when dropped, since a key answer holds the key).
pub fn encode_response(response: &Response<'_>) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(128));
    encode_response_into(response, &mut out);
    out
}

/// [`encode_response`] into `out`, which is wiped first: the agent keeps
/// one buffer, large enough never to grow, in locked memory.
pub fn encode_response_into(response: &Response<'_>, out: &mut Vec<u8>) {
    match response {
        Response::Key { id, key, times } => {
            let mut f = Frame::new(out, RESP_KEY);
            f.put(id.as_bytes());
            f.put(*key);
            f.times(*times);
            f.finish();
        }
        Response::Miss(miss) => {
            let mut f = Frame::new(out, RESP_MISS);
            f.put(&[match miss {
                Miss::OtherKey => 1,
                Miss::OtherVault => 2,
            }]);
            f.finish();
        }
        Response::Status(s) => {
            let mut f = Frame::new(out, RESP_STATUS);
            f.put(s.id.as_bytes());
            f.times(s.times);
            f.put(&s.pid.to_be_bytes());
            f.put(&[if s.memory_locked {
                FLAG_MEMORY_LOCKED
            } else {
                0
            }]);
            f.path(s.path);
            f.finish();
        }
        Response::Locked => Frame::new(out, RESP_LOCKED).finish(),
        Response::Refused(r) => {
            let mut f = Frame::new(out, RESP_REFUSED);
            f.put(&[match r {
                Refusal::Version => 1,
                Refusal::Malformed => 2,
                Refusal::NotOnSocket => 3,
            }]);
            f.finish();
        }
    }
}

// ---------------------------------------------------------------- the agent

/// The agent's decisions: its vault, its limits and the times of its
/// unlock and last use, in milliseconds of a monotonic clock the agent
/// reads (passed in, as every time in the core). The key itself stays
/// with the agent, in memory it locks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    id: String,
    path: Vec<u8>,
    limits: Limits,
    started_ms: u64,
    last_used_ms: u64,
}

/// What the agent does after answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Keep listening.
    Continue,
    /// Wipe the key, remove the socket and exit.
    Exit,
}

impl Agent {
    /// A session begun at `now_ms` from `unlock`'s start message.
    pub fn new(start: &Start<'_>, now_ms: u64) -> Self {
        Self {
            id: start.id.to_owned(),
            path: start.path.to_vec(),
            limits: start.limits,
            started_ms: now_ms,
            last_used_ms: now_ms,
        }
    }

    /// The vault folder it serves.
    pub fn path(&self) -> &[u8] {
        &self.path
    }

    /// When it ends unless used again: the idle limit after the last use,
    /// or the maximum after the unlock, whichever comes first.
    pub fn deadline_ms(&self) -> u64 {
        let idle = self
            .last_used_ms
            .saturating_add(u64::from(self.limits.idle_seconds) * 1000);
        let max = self
            .started_ms
            .saturating_add(u64::from(self.limits.max_seconds) * 1000);
        idle.min(max)
    }

    /// Whether the session is over at `now_ms`.
    pub fn expired(&self, now_ms: u64) -> bool {
        now_ms >= self.deadline_ms()
    }

    fn times(&self, now_ms: u64) -> Times {
        let left = |until: u64| {
            let ms = until.saturating_sub(now_ms);
            u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX)
        };
        let max = self
            .started_ms
            .saturating_add(u64::from(self.limits.max_seconds) * 1000);
        Times {
            ends_in: left(self.deadline_ms()),
            max_in: left(max),
        }
    }

    /// The answer to a request body read from the socket at `now_ms`, and
    /// what to do next. A key request for this vault and key id hands out
    /// `key` and counts as a use; a status leaves the idle time alone; a
    /// lock ends the session; an expired session answers nothing but
    /// `Locked` and ends. `pid` and `memory_locked` go into status answers.
    pub fn answer<'a>(
        &'a mut self,
        body: &[u8],
        key: &'a [u8; 32],
        now_ms: u64,
        pid: u32,
        memory_locked: bool,
    ) -> (Response<'a>, After) {
        if self.expired(now_ms) {
            return (Response::Locked, After::Exit);
        }
        let request = match parse_request(body) {
            Ok(r) => r,
            Err(ProtocolError::Version(_)) => {
                return (Response::Refused(Refusal::Version), After::Continue)
            }
            Err(_) => return (Response::Refused(Refusal::Malformed), After::Continue),
        };
        match request {
            Request::Key { id, path } => {
                if path != self.path.as_slice() {
                    (Response::Miss(Miss::OtherVault), After::Continue)
                } else if id != self.id {
                    (Response::Miss(Miss::OtherKey), After::Continue)
                } else {
                    self.last_used_ms = now_ms;
                    let times = self.times(now_ms);
                    (
                        Response::Key {
                            id: &self.id,
                            key,
                            times,
                        },
                        After::Continue,
                    )
                }
            }
            Request::Status => (
                Response::Status(StatusInfo {
                    id: &self.id,
                    times: self.times(now_ms),
                    pid,
                    memory_locked,
                    path: &self.path,
                }),
                After::Continue,
            ),
            Request::Lock => (Response::Locked, After::Exit),
            Request::Start(_) => (Response::Refused(Refusal::NotOnSocket), After::Continue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";
    const OTHER_ID: &str = "ffffffffffffffffffffffffffffffff";
    const KEY: [u8; 32] = [0x5a; 32];
    const PATH: &[u8] = b"/home/u/p/.agent/secrets";

    fn start() -> Start<'static> {
        Start {
            id: ID,
            key: &KEY,
            limits: Limits {
                idle_seconds: 60,
                max_seconds: 3600,
            },
            path: PATH,
        }
    }

    fn body(frame: &[u8]) -> &[u8] {
        frame_body(frame).expect("a whole frame")
    }

    #[test]
    fn the_socket_lives_in_the_runtime_dir_else_a_per_user_temp_folder() {
        assert_eq!(
            socket_dir(Some("/run/user/1000/"), "/tmp", 1000),
            "/run/user/1000/agent-secrets"
        );
        assert_eq!(
            socket_dir(Some("relative"), "/tmp/", 1000),
            "/tmp/agent-secrets-1000"
        );
        assert_eq!(socket_dir(None, "/var/tmp", 0), "/var/tmp/agent-secrets-0");
        assert_eq!(socket_dir(None, "", 7), "/tmp/agent-secrets-7");
        assert_eq!(socket_dir(Some("/"), "/tmp", 7), "/agent-secrets");
        let name = socket_name(PATH);
        assert!(is_socket_name(&name), "{name}");
        assert_eq!(name.len(), 32 + 5);
        assert_ne!(socket_name(b"/a"), socket_name(b"/b"));
        assert_eq!(socket_name(b"/a"), socket_name(b"/a"));
        for bad in [
            "x.sock",
            "0123456789ABCDEF0123456789abcdef.sock",
            "0123456789abcdef0123456789abcdef",
        ] {
            assert!(!is_socket_name(bad), "{bad}");
        }
        let path = socket_path("/run/user/1000/agent-secrets", PATH).expect("short");
        assert!(path.starts_with("/run/user/1000/agent-secrets/") && path.ends_with(".sock"));
        let long = "/x".repeat(40);
        assert!(matches!(
            socket_path(&long, PATH),
            Err(PathProblem::TooLong { .. })
        ));
    }

    #[test]
    fn folder_and_socket_must_be_the_users_own_and_private() {
        let st = |mode, uid| FileStat {
            mode,
            uid,
            nlink: 1,
            size: 0,
        };
        assert_eq!(
            check_socket_folder("/d", &st(0o040_700, 1000), 1000),
            Ok(())
        );
        assert_eq!(check_socket("/d/s", &st(0o140_600, 1000), 1000), Ok(()));
        // Not even root's: the folder is the user's own.
        let e = check_socket_folder("/d", &st(0o040_700, 0), 1000).expect_err("root's");
        assert!(
            e.to_string()
                .contains("owned by uid 0, not by you (uid 1000)"),
            "{e}"
        );
        let e = check_socket_folder("/d", &st(0o040_750, 1000), 1000).expect_err("group");
        assert!(
            e.to_string().contains("mode 0750") && e.to_string().contains("chmod 700 /d"),
            "{e}"
        );
        let e = check_socket_folder("/d", &st(0o120_777, 1000), 1000).expect_err("link");
        assert!(
            e.to_string().contains("a symbolic link, not a folder"),
            "{e}"
        );
        let e = check_socket("/d/s", &st(0o140_666, 1000), 1000).expect_err("open");
        assert!(e.to_string().contains("chmod 600 /d/s"), "{e}");
        let e = check_socket("/d/s", &st(0o140_600, 65534), 1000).expect_err("theirs");
        assert!(matches!(e, PathProblem::Foreign { uid: 65534, .. }), "{e}");
        let e = check_socket("/d/s", &st(0o100_600, 1000), 1000).expect_err("file");
        assert!(
            e.to_string().contains("a regular file, not a socket"),
            "{e}"
        );
        let e = check_socket("/d/s", &st(0o120_777, 1000), 1000).expect_err("link");
        assert!(matches!(e, PathProblem::NotASocket { .. }), "{e}");
        // Every other type, in the words of the folder rules (files.rs).
        for (mode, words) in [
            (0o010_600, "a FIFO (named pipe)"),
            (0o020_600, "a character device"),
            (0o060_600, "a block device"),
            (0o000_600, "a file of an unknown type"),
        ] {
            let e = check_socket("/d/s", &st(mode, 1000), 1000).expect_err("not a socket");
            assert!(
                e.to_string().contains(&format!("is {words}, not a socket")),
                "{e}"
            );
            let e = check_socket_folder("/d", &st(mode, 1000), 1000).expect_err("not a folder");
            assert!(
                e.to_string().contains(&format!("is {words}, not a folder")),
                "{e}"
            );
        }
        let e = check_socket("/d/s", &st(0o040_700, 1000), 1000).expect_err("a folder");
        assert!(e.to_string().contains("is a folder, not a socket"), "{e}");
        let e = check_socket_folder("/d", &st(0o140_600, 1000), 1000).expect_err("a socket");
        assert!(e.to_string().contains("is a socket, not a folder"), "{e}");
    }

    #[test]
    fn limits_default_to_15_minutes_idle_and_8_hours_at_most() {
        let d = Limits::default();
        assert_eq!((d.idle_seconds, d.max_seconds), (900, 28_800));
        assert_eq!(limits_for(d, None), Ok(d));
        assert_eq!(limits_for(d, Some(1)).map(|l| l.idle_seconds), Ok(1));
        assert_eq!(
            limits_for(d, Some(28_800)).map(|l| l.idle_seconds),
            Ok(28_800)
        );
        let e = limits_for(d, Some(28_801)).expect_err("over the cap");
        assert!(e.contains("8h 0m") && e.contains("max_seconds"), "{e}");
        assert!(limits_for(d, Some(0)).is_err());
        assert!(check_limits(&d).is_ok());
        for bad in [(0, 10), (10, 0), (11, 10), (1, LIMIT_SECONDS + 1)] {
            let l = Limits {
                idle_seconds: bad.0,
                max_seconds: bad.1,
            };
            assert!(check_limits(&l).is_err(), "{bad:?}");
        }
        assert_eq!(format_seconds(850), "14m 10s");
        assert_eq!(format_seconds(28_800), "8h 0m");
        assert_eq!(format_seconds(5), "5s");
        assert_eq!(format_seconds(0), "0s");
    }

    #[test]
    fn no_session_env() {
        assert!(!disabled_by_env(None));
        assert!(!disabled_by_env(Some("")));
        assert!(!disabled_by_env(Some("0")));
        assert!(disabled_by_env(Some("1")));
        assert!(disabled_by_env(Some("yes")));
    }

    #[test]
    fn requests_round_trip_byte_for_byte() {
        let requests = [
            Request::Key { id: ID, path: PATH },
            Request::Status,
            Request::Lock,
            Request::Start(start()),
        ];
        for r in requests {
            let frame = encode_request(&r).expect("valid");
            let parsed = parse_request(body(&frame)).expect("parses");
            assert_eq!(parsed, r);
            assert_eq!(*encode_request(&parsed).expect("valid"), *frame);
        }
        // The exact bytes of a key request.
        let frame = encode_request(&Request::Key {
            id: ID,
            path: b"/v",
        })
        .expect("valid");
        let mut expected = vec![0, 0, 0, 38, 1, 0x01];
        expected.extend_from_slice(ID.as_bytes());
        expected.extend_from_slice(&[0, 2, b'/', b'v']);
        assert_eq!(*frame, expected);
        assert_eq!(
            *encode_request(&Request::Lock).expect("valid"),
            [0, 0, 0, 2, 1, 3]
        );
    }

    #[test]
    fn responses_round_trip_byte_for_byte() {
        let times = Times {
            ends_in: 60,
            max_in: 3600,
        };
        let responses = [
            Response::Key {
                id: ID,
                key: &KEY,
                times,
            },
            Response::Miss(Miss::OtherKey),
            Response::Miss(Miss::OtherVault),
            Response::Status(StatusInfo {
                id: ID,
                times,
                pid: 42,
                memory_locked: true,
                path: PATH,
            }),
            Response::Locked,
            Response::Refused(Refusal::Version),
            Response::Refused(Refusal::Malformed),
            Response::Refused(Refusal::NotOnSocket),
        ];
        for r in responses {
            let frame = encode_response(&r);
            let parsed = parse_response(body(&frame)).expect("parses");
            assert_eq!(parsed, r);
            assert_eq!(*encode_response(&parsed), *frame);
        }
        // What no response is: an unknown kind, a body over the limit.
        let mut kind = body(&encode_response(&Response::Locked)).to_vec();
        kind[1] = 0x7f;
        assert_eq!(parse_response(&kind), Err(ProtocolError::Kind));
        let mut long = body(&encode_response(&Response::Locked)).to_vec();
        long.resize(MAX_BODY + 1, 0);
        assert_eq!(parse_response(&long), Err(ProtocolError::Length));
        assert_eq!(parse_request(&long), Err(ProtocolError::Length));
        // Each response names itself in debug output.
        let debug: Vec<String> = responses.iter().skip(1).map(|r| format!("{r:?}")).collect();
        assert_eq!(
            debug,
            [
                "Miss(OtherKey)",
                "Miss(OtherVault)",
                "Status(StatusInfo { id: \"0123456789abcdef0123456789abcdef\", times: Times { ends_in: 60, max_in: 3600 }, pid: 42, memory_locked: true, path: [47, 104, 111, 109, 101, 47, 117, 47, 112, 47, 46, 97, 103, 101, 110, 116, 47, 115, 101, 99, 114, 101, 116, 115] })",
                "Locked",
                "Refused(Version)",
                "Refused(Malformed)",
                "Refused(NotOnSocket)",
            ]
        );
    }

    #[test]
    fn the_agents_buffer_is_wiped_and_reused() {
        let mut out = Vec::with_capacity(MAX_BODY + HEADER);
        let capacity = out.capacity();
        let times = Times {
            ends_in: 1,
            max_in: 1,
        };
        encode_response_into(
            &Response::Key {
                id: ID,
                key: &KEY,
                times,
            },
            &mut out,
        );
        assert_eq!(out.len(), HEADER + 2 + 32 + 32 + 8);
        encode_response_into(&Response::Locked, &mut out);
        assert_eq!(out, [0, 0, 0, 2, 1, 0x84]);
        assert_eq!(out.capacity(), capacity, "never grown, never moved");
    }

    #[test]
    fn parsers_are_strict() {
        let good = encode_request(&Request::Key { id: ID, path: PATH }).expect("valid");
        let good_body = body(&good).to_vec();
        // Every truncation and one byte too many.
        for cut in 0..good_body.len() {
            assert!(parse_request(&good_body[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = good_body.clone();
        long.push(0);
        assert!(parse_request(&long).is_err());
        // Version and kind.
        let mut v2 = good_body.clone();
        v2[0] = 2;
        assert_eq!(parse_request(&v2), Err(ProtocolError::Version(2)));
        let mut kind = good_body.clone();
        kind[1] = 0x7f;
        assert_eq!(parse_request(&kind), Err(ProtocolError::Kind));
        // Upper-case id, relative path, NUL in the path.
        let mut upper = good_body.clone();
        upper[2] = b'A';
        assert!(parse_request(&upper).is_err());
        for bad_path in [&b"rel"[..], b"/a\0b", b""] {
            let mut b = vec![1, 0x01];
            b.extend_from_slice(ID.as_bytes());
            b.extend_from_slice(&u16::try_from(bad_path.len()).expect("short").to_be_bytes());
            b.extend_from_slice(bad_path);
            assert!(parse_request(&b).is_err(), "{bad_path:?}");
            assert!(encode_request(&Request::Key {
                id: ID,
                path: bad_path
            })
            .is_err());
        }
        // A start with limits outside the bounds.
        let mut s = start();
        s.limits.idle_seconds = 0;
        assert!(encode_request(&Request::Start(s)).is_err());
        // Frames.
        assert_eq!(body_len([0, 0, 0, 1]), Err(ProtocolError::Length));
        assert_eq!(body_len([0, 0, 0x20, 1]), Err(ProtocolError::Length));
        assert_eq!(body_len([0, 0, 0x20, 0]), Ok(MAX_BODY));
        assert_eq!(
            frame_body(&good[..good.len() - 1]),
            Err(ProtocolError::Frame)
        );
        assert_eq!(frame_body(&[0, 0]), Err(ProtocolError::Frame));
        // Responses: unknown reasons and flags, ends past max.
        assert!(parse_response(&[1, 0x82, 3]).is_err());
        assert!(parse_response(&[1, 0x85, 0]).is_err());
        assert!(parse_response(&[1, 0x84, 0]).is_err());
        let status = encode_response(&Response::Status(StatusInfo {
            id: ID,
            times: Times {
                ends_in: 1,
                max_in: 2,
            },
            pid: 1,
            memory_locked: false,
            path: PATH,
        }));
        let mut flags = body(&status).to_vec();
        flags[2 + 32 + 8 + 4] = 2;
        assert_eq!(
            parse_response(&flags),
            Err(ProtocolError::Malformed("flags"))
        );
        let mut late = body(&status).to_vec();
        late[2 + 32 + 3] = 9; // ends_in 9 > max_in 2
        assert!(parse_response(&late).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let s = start();
        let text = format!("{s:?} {:?}", Request::Start(s));
        assert!(
            !text.contains("90, 90") && text.contains("[redacted]"),
            "{text}"
        );
        let r = Response::Key {
            id: ID,
            key: &KEY,
            times: Times {
                ends_in: 1,
                max_in: 1,
            },
        };
        let text = format!("{r:?}");
        assert!(
            !text.contains("90") && text.contains("[redacted]"),
            "{text}"
        );
    }

    #[test]
    fn the_agent_hands_its_key_to_its_vault_and_key_id_only() {
        let mut agent = Agent::new(&start(), 1_000);
        let ask = |id, path| encode_request(&Request::Key { id, path }).expect("valid");
        let frame = ask(ID, PATH);
        let (r, after) = agent.answer(body(&frame), &KEY, 2_000, 7, true);
        assert_eq!(after, After::Continue);
        assert!(
            matches!(r, Response::Key { key, times: Times { ends_in: 60, max_in: 3599 }, .. } if *key == KEY)
        );
        let frame = ask(OTHER_ID, PATH);
        let (r, _) = agent.answer(body(&frame), &KEY, 2_000, 7, true);
        assert_eq!(r, Response::Miss(Miss::OtherKey));
        let frame = ask(ID, b"/elsewhere");
        let (r, _) = agent.answer(body(&frame), &KEY, 2_000, 7, true);
        assert_eq!(r, Response::Miss(Miss::OtherVault));
        let start_frame = encode_request(&Request::Start(start())).expect("valid");
        let (r, after) = agent.answer(body(&start_frame), &KEY, 2_000, 7, true);
        assert_eq!(
            (r, after),
            (Response::Refused(Refusal::NotOnSocket), After::Continue)
        );
        let (r, _) = agent.answer(&[9, 1], &KEY, 2_000, 7, true);
        assert_eq!(r, Response::Refused(Refusal::Version));
        let (r, _) = agent.answer(&[1], &KEY, 2_000, 7, true);
        assert_eq!(r, Response::Refused(Refusal::Malformed));
    }

    #[test]
    fn idle_and_absolute_limits() {
        let mut agent = Agent::new(&start(), 0);
        let key = encode_request(&Request::Key { id: ID, path: PATH }).expect("valid");
        let status = encode_request(&Request::Status).expect("valid");
        assert_eq!(agent.deadline_ms(), 60_000);
        // A status is not a use.
        let (r, _) = agent.answer(body(&status), &KEY, 30_000, 7, false);
        assert!(
            matches!(r, Response::Status(s) if s.times.ends_in == 30 && s.pid == 7 && !s.memory_locked)
        );
        assert_eq!(agent.deadline_ms(), 60_000);
        // A key answer is.
        let _ = agent.answer(body(&key), &KEY, 59_999, 7, false);
        assert_eq!(agent.deadline_ms(), 119_999);
        // Used every minute, it still ends at the maximum.
        for minute in 2..=60u64 {
            let _ = agent.answer(body(&key), &KEY, minute * 59_000, 7, false);
        }
        assert_eq!(agent.deadline_ms(), 3_600_000);
        assert!(!agent.expired(3_599_999));
        assert!(agent.expired(3_600_000));
        let (r, after) = agent.answer(body(&key), &KEY, 3_600_000, 7, false);
        assert_eq!((r, after), (Response::Locked, After::Exit));
        // Lock.
        let mut agent = Agent::new(&start(), 0);
        let lock = encode_request(&Request::Lock).expect("valid");
        assert_eq!(
            agent.answer(body(&lock), &KEY, 1, 7, false),
            (Response::Locked, After::Exit)
        );
        assert_eq!(agent.path(), PATH);
    }
}
