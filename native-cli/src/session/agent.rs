//! The session agent: `agent session-agent SOCKET`, started by `agent
//! secret unlock`, never by hand (the subcommand is hidden).
//!
//! It reads the start message (vault key, limits, vault path) from its
//! standard input, a pipe from `unlock`, into memory it locks against
//! swapping; makes itself a session leader; binds its socket (0600, in
//! the user's 0700 folder, renamed into place so a client never sees a
//! half-made one); says on its standard output that it listens, then
//! points standard input and output at `/dev/null`. Then it answers one
//! request per connection, from processes of its own user only, as the
//! core's [`Agent`] decides. It exits — wiping the key and removing its
//! socket — at the idle or absolute timeout, on a lock request, on
//! SIGTERM, SIGINT or SIGHUP, when its socket is removed or replaced, and
//! when its vault folder disappears or is replaced. It writes nothing to
//! disk but the socket, and `main` made it not dumpable before anything
//! was read.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agent_secrets_core::session::{
    self, body_len, encode_response_into, parse_request, After, Agent, Request, HEADER, MAX_BODY,
};
use rustix::event::{PollFd, PollFlags, Timespec};
use zeroize::{Zeroize, Zeroizing};

use crate::error::CliError;
use crate::fs_store::{euid, file_stat};

/// How often the agent looks at its socket and its vault folder.
const TICK: Duration = Duration::from_secs(1);
/// How long one client may take to send its request or read the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long `unlock` waits for a new agent to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The agent's arguments (nothing secret: the key comes on standard input).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The socket to listen on (in the user's session folder).
    pub socket: PathBuf,
}

/// Buffers that hold the key, in memory locked against swapping where
/// the system allows it (`RLIMIT_MEMLOCK`); wiped when dropped.
struct Secrets {
    /// The vault key.
    key: Box<Zeroizing<[u8; 32]>>,
    /// The start message as read, then every answer as written.
    buffer: Box<Zeroizing<Vec<u8>>>,
    /// The locks; dropped (unlocked) after the buffers are wiped.
    locks: Vec<region::LockGuard>,
}

impl Secrets {
    fn new() -> Self {
        let key = Box::new(Zeroizing::new([0u8; 32]));
        let buffer = Box::new(Zeroizing::new(Vec::with_capacity(MAX_BODY + HEADER)));
        let mut locks = Vec::new();
        if let Ok(guard) = region::lock(key.as_ptr(), key.len()) {
            locks.push(guard);
        }
        if let Ok(guard) = region::lock(buffer.as_ptr(), buffer.capacity()) {
            locks.push(guard);
        }
        Self { key, buffer, locks }
    }

    /// Whether both buffers are locked.
    fn locked(&self) -> bool {
        self.locks.len() == 2
    }
}

impl Drop for Secrets {
    fn drop(&mut self) {
        self.key.zeroize();
        self.buffer.zeroize();
        self.locks.clear();
    }
}

/// Reads what a new agent says on its standard output (a status byte,
/// then a reason if it is not 0) until it closes it, for at most
/// [`START_TIMEOUT`].
pub(crate) fn read_ready(
    out: std::process::ChildStdout,
    ready: &mut Vec<u8>,
) -> std::io::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    let mut out = std::fs::File::from(std::os::fd::OwnedFd::from(out));
    let mut chunk = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no answer within 10 s",
            ));
        }
        let mut fds = [PollFd::new(&out, PollFlags::IN)];
        match rustix::event::poll(&mut fds, Some(&timespec(left))) {
            Ok(0) | Err(rustix::io::Errno::INTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        match out.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => ready.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// Says "listening" (or why not) to `unlock` and closes standard input and
/// output (both become `/dev/null`).
fn report(status: Result<(), String>) {
    let mut out = std::io::stdout().lock();
    let message = match &status {
        Ok(()) => vec![0u8],
        Err(why) => {
            let mut m = vec![1u8];
            m.extend_from_slice(why.as_bytes());
            m
        }
    };
    let _ = out.write_all(&message).and_then(|()| out.flush());
    drop(out);
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = rustix::stdio::dup2_stdin(&null);
        let _ = rustix::stdio::dup2_stdout(&null);
    }
}

/// `(dev, ino)` of what is at `path` now, not following a link.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Runs the agent until its session ends.
pub fn run(args: &Args) -> Result<(), CliError> {
    // Out of `unlock`'s terminal session and process group: its end (or
    // a Ctrl-C there) is not ours.
    let _ = rustix::process::setsid();
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let mut secrets = Secrets::new();
    let started = Instant::now();
    let (mut agent, listener, socket_id, vault_id) = match setup(args, &mut secrets) {
        Ok(ready) => ready,
        Err(why) => {
            report(Err(why));
            return Ok(());
        }
    };
    report(Ok(()));
    let stop = signal_pipe();
    serve(
        &mut agent,
        &listener,
        &mut secrets,
        started,
        stop.as_ref(),
        |agent| {
            identity(&args.socket) == Some(socket_id)
                && identity(vault_path(agent)) == Some(vault_id)
        },
    );
    drop(secrets);
    if identity(&args.socket) == Some(socket_id) {
        let _ = std::fs::remove_file(&args.socket);
    }
    Ok(())
}

/// The vault folder the agent serves.
fn vault_path(agent: &Agent) -> &Path {
    Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(agent.path()))
}

type Ready = (Agent, UnixListener, (u64, u64), (u64, u64));

/// Reads the start message, binds the socket; what the loop needs.
fn setup(args: &Args, secrets: &mut Secrets) -> Result<Ready, String> {
    // The start message, into the locked buffer.
    let mut stdin = std::io::stdin().lock();
    let mut header = [0u8; HEADER];
    stdin
        .read_exact(&mut header)
        .map_err(|e| format!("no start message ({e})"))?;
    let len = body_len(header).map_err(|e| e.to_string())?;
    secrets.buffer.resize(len, 0);
    stdin
        .read_exact(&mut secrets.buffer[..])
        .map_err(|e| format!("a truncated start message ({e})"))?;
    drop(stdin);
    let agent = match parse_request(&secrets.buffer) {
        Ok(Request::Start(start)) => {
            secrets.key.copy_from_slice(start.key);
            Agent::new(&start, 0)
        }
        Ok(_) => return Err("the first message was not a start message".to_owned()),
        Err(e) => return Err(e.to_string()),
    };
    secrets.buffer.zeroize();
    let vault_id = identity(vault_path(&agent)).ok_or("the vault folder is gone")?;
    // The folder was made and checked by `unlock`; checked again here.
    let dir = args.socket.parent().ok_or("the socket has no folder")?;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("{} ({e})", dir.display()))?;
    session::check_socket_folder(&dir.to_string_lossy(), &file_stat(&meta), euid())
        .map_err(|e| e.to_string())?;
    // Bound under a name of its own, made private, then renamed over the
    // socket's name: a client sees the old socket or the new one, never
    // one still open to others.
    let name = args
        .socket
        .file_name()
        .ok_or("the socket has no name")?
        .to_string_lossy()
        .into_owned();
    let temp = dir.join(format!(".{name}.{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let listener =
        UnixListener::bind(&temp).map_err(|e| format!("cannot bind {} ({e})", temp.display()))?;
    super::make_private(&temp)
        .and_then(|()| std::fs::rename(&temp, &args.socket))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("cannot put the socket at {} ({e})", args.socket.display())
        })?;
    let meta = std::fs::symlink_metadata(&args.socket)
        .map_err(|e| format!("{} ({e})", args.socket.display()))?;
    session::check_socket(&args.socket.to_string_lossy(), &file_stat(&meta), euid())
        .map_err(|e| e.to_string())?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen ({e})"))?;
    Ok((agent, listener, (meta.dev(), meta.ino()), vault_id))
}

/// A socket that becomes readable when SIGTERM, SIGINT or SIGHUP arrives.
fn signal_pipe() -> Option<UnixStream> {
    let (read, write) = UnixStream::pair().ok()?;
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        let write = write.try_clone().ok()?;
        signal_hook::low_level::pipe::register(signal, write).ok()?;
    }
    read.set_nonblocking(true).ok()?;
    Some(read)
}

fn ms_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Answers connections until the session ends. `still_valid` is asked at
/// every tick whether the socket and the vault folder are still there.
fn serve(
    agent: &mut Agent,
    listener: &UnixListener,
    secrets: &mut Secrets,
    started: Instant,
    stop: Option<&UnixStream>,
    still_valid: impl Fn(&Agent) -> bool,
) {
    let memory_locked = secrets.locked();
    let pid = std::process::id();
    let mut next_tick = Instant::now() + TICK;
    loop {
        let now = ms_since(started);
        if agent.expired(now) {
            return;
        }
        let until_deadline = Duration::from_millis(agent.deadline_ms().saturating_sub(now));
        let until_tick = next_tick.saturating_duration_since(Instant::now());
        let wait = until_deadline.min(until_tick);
        let (ready_listener, ready_stop) = {
            let mut fds = vec![PollFd::new(listener, PollFlags::IN)];
            if let Some(stop) = stop {
                fds.push(PollFd::from_borrowed_fd(stop.as_fd(), PollFlags::IN));
            }
            match rustix::event::poll(&mut fds, Some(&timespec(wait))) {
                Ok(_) => (
                    !fds[0].revents().is_empty(),
                    fds.get(1).is_some_and(|f| !f.revents().is_empty()),
                ),
                Err(rustix::io::Errno::INTR) => (false, false),
                Err(_) => return,
            }
        };
        if ready_stop {
            return;
        }
        if Instant::now() >= next_tick {
            if !still_valid(agent) {
                return;
            }
            next_tick = Instant::now() + TICK;
        }
        if !ready_listener {
            continue;
        }
        let Ok((stream, _)) = listener.accept() else {
            continue;
        };
        if answer(agent, stream, secrets, started, pid, memory_locked) == After::Exit {
            return;
        }
    }
}

/// Reads one request from `stream` and answers it; a process of another
/// user gets nothing.
fn answer(
    agent: &mut Agent,
    mut stream: UnixStream,
    secrets: &mut Secrets,
    started: Instant,
    pid: u32,
    memory_locked: bool,
) -> After {
    match super::peer::uid(&stream) {
        Ok(uid) if uid == euid() => {}
        _ => return After::Continue, // closed without a word
    }
    let configured = stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_read_timeout(Some(CLIENT_TIMEOUT)))
        .and_then(|()| stream.set_write_timeout(Some(CLIENT_TIMEOUT)));
    if configured.is_err() {
        return After::Continue;
    }
    let mut header = [0u8; HEADER];
    if stream.read_exact(&mut header).is_err() {
        return After::Continue;
    }
    let Ok(len) = body_len(header) else {
        return After::Continue;
    };
    let mut request = vec![0u8; len];
    if stream.read_exact(&mut request).is_err() {
        return After::Continue;
    }
    let now = ms_since(started);
    let key: &[u8; 32] = &secrets.key;
    let (response, after) = agent.answer(&request, key, now, pid, memory_locked);
    let buffer: &mut Vec<u8> = &mut secrets.buffer;
    encode_response_into(&response, buffer);
    if after == After::Exit {
        // The key goes before the client hears that it went.
        secrets.key.zeroize();
    }
    let _ = stream.write_all(&secrets.buffer);
    secrets.buffer.zeroize();
    after
}
