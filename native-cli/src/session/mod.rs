//! Sessions, the CLI's side: finding a vault's session agent, checking its
//! folder and socket, asking it for the vault key, and starting one
//! (`agent secret unlock`). Every rule — where the socket is, which folder
//! and socket may be used, the messages, the timeouts — is the core's
//! ([`agent_secrets_core::session`]); this module does the system calls.
//!
//! A session is an optimisation: anything that keeps a client from using
//! one (no agent, a stale socket, a folder someone else made, an agent
//! holding another key) makes the command fall back to the password, with
//! a note when something is wrong.

pub mod agent;
mod peer;

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agent_secrets_core::format::{parse_config, CONFIG_FILE};
use agent_secrets_core::session::{
    self, body_len, check_socket, check_socket_folder, encode_request, parse_response, PathProblem,
    Request, Response, HEADER,
};
use agent_secrets_core::{Error, Store, Vault, VaultKey};
use zeroize::Zeroizing;

use crate::context::now;
use crate::error::CliError;
use crate::fs_store::{euid, file_stat, FileStore};
use crate::output;

/// How long a client waits for an agent's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// The socket folder of this user, from `XDG_RUNTIME_DIR` or the temp dir.
pub fn socket_dir() -> PathBuf {
    let runtime = std::env::var("XDG_RUNTIME_DIR").ok();
    let temp = std::env::temp_dir();
    PathBuf::from(session::socket_dir(
        runtime.as_deref(),
        &temp.to_string_lossy(),
        euid(),
    ))
}

/// Where a vault's session lives.
#[derive(Debug, Clone)]
pub struct Place {
    /// The socket folder.
    pub dir: PathBuf,
    /// The vault's socket.
    pub socket: PathBuf,
    /// The vault folder's canonical path (the session's identity).
    pub vault: Vec<u8>,
}

impl Place {
    /// The place of the vault in `store`; `None` when its folder has no
    /// canonical path (it does not exist).
    pub fn of(store: &FileStore) -> Result<Option<Self>, PathProblem> {
        let Ok(canonical) = std::fs::canonicalize(store.dir()) else {
            return Ok(None);
        };
        let vault = canonical.as_os_str().as_bytes().to_vec();
        let dir = socket_dir();
        let socket = session::socket_path(&dir.to_string_lossy(), &vault)?;
        Ok(Some(Self {
            dir,
            socket: PathBuf::from(socket),
            vault,
        }))
    }

    /// The vault folder, for messages.
    pub fn vault_display(&self) -> String {
        String::from_utf8_lossy(&self.vault).into_owned()
    }
}

/// `lstat` of `path`: `None` when nothing is there.
fn lstat(path: &Path) -> std::io::Result<Option<std::fs::Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Why a session could not be used or started.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The folder or socket broke a rule.
    #[error(transparent)]
    Path(#[from] PathProblem),
    /// A system call failed.
    #[error("{what} ({error})")]
    Io {
        /// What was being done.
        what: String,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// The agent is not the user's own process.
    #[error("the process behind {path} is not yours (uid {uid}); it was not asked")]
    Peer {
        /// The socket.
        path: String,
        /// Its peer's uid.
        uid: u32,
    },
    /// The agent's answer did not parse or made no sense.
    #[error("the session agent's answer was not understood ({0})")]
    Answer(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SessionError {
    let what = what.into();
    move |error| SessionError::Io { what, error }
}

/// Checks the socket folder; `Ok(false)` when it does not exist.
pub fn check_folder(dir: &Path) -> Result<bool, SessionError> {
    let shown = dir.to_string_lossy();
    match lstat(dir).map_err(io(format!("cannot look at {shown}")))? {
        None => Ok(false),
        Some(meta) => {
            check_socket_folder(&shown, &file_stat(&meta), euid())?;
            Ok(true)
        }
    }
}

/// Makes the socket folder (0700) if it is missing, and checks it.
pub fn ensure_folder(dir: &Path) -> Result<(), SessionError> {
    if !check_folder(dir)? {
        let shown = dir.to_string_lossy().into_owned();
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(io(format!("cannot create {shown}")))?;
        }
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(dir) {
            Ok(()) => {}
            // Another unlock made it meanwhile: the check below judges it.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(format!("cannot create {shown}"))(e)),
        }
        check_folder(dir)?;
    }
    Ok(())
}

/// A connection to the agent at `socket`, after the folder, the socket and
/// the peer were checked; `None` when there is no agent (no folder, no
/// socket, or a socket nobody listens on, which is then removed).
fn connect(place: &Place) -> Result<Option<UnixStream>, SessionError> {
    if !check_folder(&place.dir)? {
        return Ok(None);
    }
    let shown = place.socket.to_string_lossy().into_owned();
    let Some(meta) = lstat(&place.socket).map_err(io(format!("cannot look at {shown}")))? else {
        return Ok(None);
    };
    check_socket(&shown, &file_stat(&meta), euid())?;
    let stream = match UnixStream::connect(&place.socket) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            // An agent that was killed left its socket: nobody listens, and
            // it is ours (checked above), so it goes.
            remove_if_same(&place.socket, &meta);
            return Ok(None);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(format!("cannot connect to {shown}"))(e)),
    };
    let uid = peer::uid(&stream).map_err(io(format!("cannot check the peer of {shown}")))?;
    if uid != euid() {
        return Err(SessionError::Peer { path: shown, uid });
    }
    let timeout = Some(ANSWER_TIMEOUT);
    stream
        .set_read_timeout(timeout)
        .and_then(|()| stream.set_write_timeout(timeout))
        .map_err(io(format!("cannot set a timeout on {shown}")))?;
    Ok(Some(stream))
}

/// Removes `path` if it is still the file `meta` describes.
fn remove_if_same(path: &Path, meta: &std::fs::Metadata) {
    if let Ok(Some(now)) = lstat(path) {
        if now.dev() == meta.dev() && now.ino() == meta.ino() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Sends one request and reads the answer's body (wiped when dropped).
fn ask(stream: &mut UnixStream, request: &Request<'_>) -> Result<Zeroizing<Vec<u8>>, SessionError> {
    let frame = encode_request(request).map_err(|e| SessionError::Answer(e.to_string()))?;
    stream
        .write_all(&frame)
        .map_err(io("cannot write to the session agent"))?;
    read_frame(stream)
}

/// One frame's body from `stream`.
pub(crate) fn read_frame(stream: &mut impl Read) -> Result<Zeroizing<Vec<u8>>, SessionError> {
    let mut header = [0u8; HEADER];
    stream
        .read_exact(&mut header)
        .map_err(io("no answer from the session agent"))?;
    let len = body_len(header).map_err(|e| SessionError::Answer(e.to_string()))?;
    let mut body = Zeroizing::new(vec![0u8; len]);
    stream
        .read_exact(&mut body)
        .map_err(io("a truncated answer from the session agent"))?;
    Ok(body)
}

/// Whether this invocation may use a session (`--no-session`,
/// `AGENT_SECRETS_NO_SESSION`).
pub fn allowed(no_session_flag: bool) -> bool {
    let env = std::env::var(session::NO_SESSION_ENV).ok();
    !no_session_flag && !session::disabled_by_env(env.as_deref())
}

/// Opens the vault with its session's key: `Ok(None)` when there is no
/// usable session (the caller asks for the password), with a note when
/// one was there but could not be used. An error of the vault itself (a
/// `config.json` that fails its MAC) is the command's error, as with the
/// password.
pub fn open(store: &FileStore) -> Result<Option<Vault<&FileStore>>, CliError> {
    let place = match Place::of(store) {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(None),
        Err(e) => return fall_back(&e.into()),
    };
    let mut stream = match connect(&place) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(None),
        Err(e) => return fall_back(&e),
    };
    // Which key the folder names now (unverified: the MAC is checked under
    // the key the agent gives, as after a password unlock).
    let Some(id) = store
        .read(CONFIG_FILE)
        .ok()
        .flatten()
        .and_then(|bytes| parse_config(&bytes).ok())
        .map(|c| c.vault_key_id)
    else {
        return Ok(None);
    };
    let body = match ask(
        &mut stream,
        &Request::Key {
            id: &id,
            path: &place.vault,
        },
    ) {
        Ok(b) => b,
        Err(e) => return fall_back(&e),
    };
    let key = match parse_response(&body) {
        Ok(Response::Key { id, key, .. }) => VaultKey::from_bytes(id, *key)?,
        Ok(Response::Miss(_)) => {
            output::note(
                "note: the session holds another key of this vault (it was rotated or \
                 replaced since `agent secret unlock`); using the password.",
            );
            return Ok(None);
        }
        // Ended as we asked.
        Ok(Response::Locked) => return Ok(None),
        Ok(other) => return fall_back(&SessionError::Answer(format!("{other:?}"))),
        Err(e) => return fall_back(&SessionError::Answer(e.to_string())),
    };
    drop(body);
    match Vault::unlock_with_vault_key(store, key, now()) {
        Ok(vault) => Ok(Some(vault)),
        Err(Error::VaultKeyMiss) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The vault keys among `ids` that this vault's open session holds (for a
/// merge of `config.json`, whose sides may be under two vault keys). No
/// session, a refused folder, a miss or any error: fewer keys, never a
/// prompt and never a failure (the caller falls back).
pub fn held_keys(store: &FileStore, ids: &[String]) -> Vec<VaultKey> {
    let Ok(Some(place)) = Place::of(store) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for id in ids {
        // One connection per request, as every other client makes.
        let Ok(Some(mut stream)) = connect(&place) else {
            break;
        };
        let request = Request::Key {
            id,
            path: &place.vault,
        };
        let Ok(body) = ask(&mut stream, &request) else {
            continue;
        };
        if let Ok(Response::Key { id, key, .. }) = parse_response(&body) {
            if let Ok(key) = VaultKey::from_bytes(id, *key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn fall_back<T>(e: &SessionError) -> Result<Option<T>, CliError> {
    output::note(&format!("warning: {e}; using the password."));
    Ok(None)
}

/// A session's state, as `status` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct State {
    /// `unlocked`.
    pub state: &'static str,
    /// Seconds until it ends if not used again.
    pub ends_in_seconds: u32,
    /// Seconds until it ends at the latest.
    pub max_in_seconds: u32,
    /// The agent's process id.
    pub pid: u32,
    /// Whether the key's memory is locked against swapping.
    pub memory_locked: bool,
    /// The vault key's id it holds.
    pub vault_key_id: String,
    /// The vault folder it serves.
    #[serde(skip)]
    pub vault: Vec<u8>,
}

/// The state of the agent behind `place`, if there is one.
pub fn status(place: &Place) -> Result<Option<State>, SessionError> {
    let Some(mut stream) = connect(place)? else {
        return Ok(None);
    };
    let body = ask(&mut stream, &Request::Status)?;
    match parse_response(&body) {
        Ok(Response::Status(s)) => Ok(Some(State {
            state: "unlocked",
            ends_in_seconds: s.times.ends_in,
            max_in_seconds: s.times.max_in,
            pid: s.pid,
            memory_locked: s.memory_locked,
            vault_key_id: s.id.to_owned(),
            vault: s.path.to_vec(),
        })),
        Ok(Response::Locked) => Ok(None),
        Ok(other) => Err(SessionError::Answer(format!("{other:?}"))),
        Err(e) => Err(SessionError::Answer(e.to_string())),
    }
}

/// Ends the session behind `place`: `Ok(true)` when an agent wiped its key.
pub fn lock(place: &Place) -> Result<bool, SessionError> {
    let Some(mut stream) = connect(place)? else {
        return Ok(false);
    };
    let body = ask(&mut stream, &Request::Lock)?;
    match parse_response(&body) {
        Ok(Response::Locked) => Ok(true),
        Ok(other) => Err(SessionError::Answer(format!("{other:?}"))),
        Err(e) => Err(SessionError::Answer(e.to_string())),
    }
}

/// Every socket in this user's socket folder, as places (the vault path is
/// learnt from each agent's status).
pub fn all_places() -> Result<Vec<Place>, SessionError> {
    let dir = socket_dir();
    if !check_folder(&dir)? {
        return Ok(Vec::new());
    }
    let shown = dir.to_string_lossy().into_owned();
    let mut places = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io(format!("cannot list {shown}")))? {
        let entry = entry.map_err(io(format!("cannot list {shown}")))?;
        let name = entry.file_name();
        if session::is_socket_name(&name.to_string_lossy()) {
            places.push(Place {
                dir: dir.clone(),
                socket: entry.path(),
                vault: Vec::new(),
            });
        }
    }
    places.sort_by(|a, b| a.socket.cmp(&b.socket));
    Ok(places)
}

/// Starts an agent for `place` holding `start`'s key, after the socket
/// folder was made and checked; returns once it listens. The key goes to
/// it on its standard input (a pipe), never in its argv or environment;
/// it gets an empty environment, `/` as its folder, and `/dev/null` for
/// standard error.
pub fn start_agent(place: &Place, start: &session::Start<'_>) -> Result<u32, SessionError> {
    use std::process::Stdio;
    let exe = std::env::current_exe().map_err(io("cannot find the agent binary"))?;
    let frame =
        encode_request(&Request::Start(*start)).map_err(|e| SessionError::Answer(e.to_string()))?;
    let mut child = crate::child::command(exe)
        .arg("session-agent")
        .arg(&place.socket)
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io("cannot start the session agent"))?;
    let pid = child.id();
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(&frame))
        .unwrap_or(Ok(()));
    drop(frame);
    // The agent answers on its standard output once it listens (or says
    // why it could not), then closes it; it is not waited for.
    let mut ready = Vec::new();
    let read = child
        .stdout
        .take()
        .map(|out| agent::read_ready(out, &mut ready))
        .unwrap_or(Ok(()));
    written
        .and(read)
        .map_err(io("the session agent did not start"))?;
    match ready.split_first() {
        Some((0, _)) => Ok(pid),
        Some((_, why)) => Err(SessionError::Answer(
            String::from_utf8_lossy(why).into_owned(),
        )),
        None => {
            // It died before saying anything: collect it.
            let _ = child.wait();
            Err(SessionError::Answer(
                "the session agent exited before it listened".to_owned(),
            ))
        }
    }
}

/// Sets a socket's mode to 0600 (its folder is 0700 already; belt and braces).
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}
