//! The uid of the process at the other end of a Unix socket: `SO_PEERCRED`
//! on Linux (rustix), `getpeereid` on macOS. Elsewhere there is no check,
//! so sessions are refused.

use std::os::unix::net::UnixStream;

/// The peer's effective uid.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn uid(stream: &UnixStream) -> std::io::Result<u32> {
    let cred = rustix::net::sockopt::socket_peercred(stream)?;
    Ok(cred.uid.as_raw())
}

/// The peer's effective uid.
#[cfg(target_os = "macos")]
#[allow(unsafe_code)]
pub fn uid(stream: &UnixStream) -> std::io::Result<u32> {
    use std::os::fd::AsRawFd;
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: getpeereid writes one uid_t and one gid_t through the two
    // pointers, which point at the locals above and outlive the call; the
    // descriptor is borrowed from a live stream.
    let rc = unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) };
    if rc == 0 {
        Ok(uid)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The peer's effective uid (not available here: sessions are refused).
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
pub fn uid(_stream: &UnixStream) -> std::io::Result<u32> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no peer credentials on this system",
    ))
}
