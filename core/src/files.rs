//! The rules for the vault folder and its files, decided from numbers.
//!
//! The vault folder is untrusted input: a synced or shared folder, a clone,
//! another local user can put anything there. Before a front end reads or
//! appends to a file of the folder, it asks this module, passing what
//! `lstat`/`fstat` said ([`FileStat`]) and the effective user id of the
//! process. This module does no I/O; the front ends open every file without
//! following symbolic links and without blocking (`O_NOFOLLOW | O_NONBLOCK`),
//! `fstat` the handle, and refuse what [`check_file`] refuses.
//!
//! The rules (docs/format.md §2, "Ownership and file types"):
//!
//! - The folder must be a real folder (not a symbolic link to one), and
//!   every file in it a regular file: a FIFO, a socket, a device or a link
//!   is refused without being read, so nothing hangs or reads elsewhere.
//! - Both must be owned by the user running the tool or by root, and not
//!   writable by group or others — ssh's `StrictModes`. Otherwise someone
//!   else could swap the files between two commands.
//! - A file the tool appends to in place (`audit.log`) must have one link:
//!   a second hard link would receive the lines somewhere else.
//! - A file is read whole only up to the cap of its kind
//!   ([`Document::max_bytes`]), so a planted 10 GB file is an error that
//!   names it, not an out-of-memory.
//!
//! It also owns the name pattern of temporary files ([`temp_name`],
//! [`is_temp_name`]): writers only ever remove names of that pattern, never
//! a user's `notes.tmp.txt`. And [`check_init_folder`] decides which
//! folders `init` may create a vault in.

use std::fmt;

use crate::format::{CONFIG_FILE, GITIGNORE, GITIGNORE_FILE};
use crate::{Error, Store};

/// The mode the vault folder is created with.
pub const FOLDER_MODE: u32 = 0o700;
/// The mode every file of the vault folder is created with.
pub const FILE_MODE: u32 = 0o600;
/// The start of every temporary file's name: `.agent-tmp-` then 16
/// lower-case hex characters.
pub const TEMP_PREFIX: &str = ".agent-tmp-";
/// The name of the write lock's file.
pub const LOCK_FILE: &str = ".lock";
/// The name of the guard taken while a stale lock is broken.
pub const LOCK_BREAK_FILE: &str = ".lock.break";

const TEMP_HEX_LEN: usize = 16;
const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// The permission bits that let group or others write.
const GROUP_OTHER_WRITE: u32 = 0o022;

/// What `stat(2)` says about a file: the numbers the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// `st_mode`: the file type and the permission bits.
    pub mode: u32,
    /// `st_uid`: the owner.
    pub uid: u32,
    /// `st_nlink`: the number of hard links.
    pub nlink: u64,
    /// `st_size`: the size in bytes.
    pub size: u64,
}

/// A file's type, from the `S_IFMT` bits of `st_mode` (the same values on
/// Linux and macOS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A folder.
    Directory,
    /// A symbolic link (seen by `lstat`, or refused by `O_NOFOLLOW`).
    Symlink,
    /// A FIFO (named pipe).
    Fifo,
    /// A Unix socket.
    Socket,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A type this module does not know.
    Unknown,
}

impl FileType {
    /// The type encoded in `st_mode`.
    pub fn of(mode: u32) -> Self {
        match mode & 0o170_000 {
            0o100_000 => Self::Regular,
            0o040_000 => Self::Directory,
            0o120_000 => Self::Symlink,
            0o010_000 => Self::Fifo,
            0o140_000 => Self::Socket,
            0o020_000 => Self::CharDevice,
            0o060_000 => Self::BlockDevice,
            _ => Self::Unknown,
        }
    }

    /// The type in words, as messages name it (`a symbolic link`).
    pub(crate) fn words(self) -> &'static str {
        match self {
            Self::Regular => "a regular file",
            Self::Directory => "a folder",
            Self::Symlink => "a symbolic link",
            Self::Fifo => "a FIFO (named pipe)",
            Self::Socket => "a socket",
            Self::CharDevice => "a character device",
            Self::BlockDevice => "a block device",
            Self::Unknown => "a file of an unknown type",
        }
    }
}

/// The kinds of file in the vault folder, each with its cap on the bytes
/// read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// `config.json`.
    Config,
    /// `state.json`.
    State,
    /// `<service>.json`.
    Service,
    /// `audit.log`, read whole by `audit` and `preflight` (appends read
    /// only its last few KiB).
    AuditLog,
    /// `.lock` and `.lock.break`.
    Lock,
    /// `.gitignore`.
    GitIgnore,
    /// Any other name: nothing the tools read.
    Other,
}

impl Document {
    /// The kind of the file named `name`.
    pub fn of(name: &str) -> Self {
        match name {
            CONFIG_FILE => Self::Config,
            crate::lockout::STATE_FILE => Self::State,
            crate::audit::AUDIT_FILE => Self::AuditLog,
            LOCK_FILE | LOCK_BREAK_FILE => Self::Lock,
            GITIGNORE_FILE => Self::GitIgnore,
            _ if crate::format::service_of_file(name).is_some() => Self::Service,
            _ => Self::Other,
        }
    }

    /// The most bytes a front end reads of a file of this kind. Each cap is
    /// far above what the tools write (docs/format.md, "Size limits"):
    ///
    /// | kind | cap | largest written |
    /// |---|---|---|
    /// | `config.json` | 1 MiB | about 250 bytes per data key: 1 MiB is over 3,000 rotations |
    /// | `state.json` | 64 KiB | under 300 bytes |
    /// | `<service>.json` | 256 MiB | 100,000 secrets of 1 KiB with 128-character names: 172 MB |
    /// | `audit.log` | 256 MiB | about 250 bytes a line: a million lines |
    /// | `.lock`, `.lock.break` | 4 KiB | one line under 300 bytes |
    /// | `.gitignore` | 64 KiB | 14 bytes |
    /// | other | 64 KiB | nothing is read |
    pub fn max_bytes(self) -> u64 {
        match self {
            Self::Config => MIB,
            Self::State | Self::GitIgnore | Self::Other => 64 * KIB,
            Self::Service | Self::AuditLog => 256 * MIB,
            Self::Lock => 4 * KIB,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::Config => "config.json",
            Self::State => "state.json",
            Self::Service => "a service document",
            Self::AuditLog => "audit.log",
            Self::Lock => "a lock file",
            Self::GitIgnore => ".gitignore",
            Self::Other => "a file of the vault folder",
        }
    }

    fn fix_when_too_large(self, path: &str) -> String {
        match self {
            Self::AuditLog => format!(
                "move it out of the folder to archive it (`mv {path} <archive>`); the next command starts a new log"
            ),
            Self::Lock => format!("if no agent process is running, remove it (`rm {path}`)"),
            _ => format!("restore {path} from a backup"),
        }
    }
}

/// The most bytes read whole of the file named `name` ([`Document::max_bytes`]).
pub fn max_bytes(name: &str) -> u64 {
    Document::of(name).max_bytes()
}

/// How a front end is about to use a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read it whole: the size cap applies.
    Read,
    /// Read only its end (the audit log's last line): no size cap.
    Tail,
    /// Append to it in place: it must have exactly one link.
    Append,
    /// Only look at it (`preflight`'s listing): type, owner and mode.
    Inspect,
    /// Read it whole to report on it (`preflight`): type and size cap.
    /// Owner and mode are reported by the listing, not refused here.
    ReadToReport,
}

/// Why a folder or file is refused. Its message names the path and the fix;
/// it never holds a byte of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileProblem {
    /// The vault folder is a symbolic link to a folder.
    FolderIsLink {
        /// The folder as the user wrote it.
        path: String,
    },
    /// The vault folder's place holds something that is not a folder.
    NotAFolder {
        /// The folder as the user wrote it.
        path: String,
        /// What is there.
        found: FileType,
    },
    /// A file of the folder is not a regular file.
    NotAFile {
        /// The file.
        path: String,
        /// What it is.
        found: FileType,
    },
    /// Owned by someone other than the user and root.
    Owner {
        /// The folder or file.
        path: String,
        /// Its owner.
        uid: u32,
        /// The user running the tool.
        euid: u32,
        /// Whether it is the folder.
        folder: bool,
    },
    /// Writable by group or others.
    Writable {
        /// The folder or file.
        path: String,
        /// Its permission bits.
        mode: u32,
        /// Whether it is the folder.
        folder: bool,
    },
    /// A file appended to in place has more than one hard link.
    HardLinked {
        /// The file.
        path: String,
        /// Its number of links.
        links: u64,
    },
    /// Larger than the cap of its kind.
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// Its kind.
        document: Document,
    },
}

impl FileProblem {
    /// The folder or file it is about.
    pub fn path(&self) -> &str {
        match self {
            Self::FolderIsLink { path }
            | Self::NotAFolder { path, .. }
            | Self::NotAFile { path, .. }
            | Self::Owner { path, .. }
            | Self::Writable { path, .. }
            | Self::HardLinked { path, .. }
            | Self::TooLarge { path, .. } => path,
        }
    }

    /// What is wrong, in words, without the fix.
    pub fn what(&self) -> String {
        match self {
            Self::FolderIsLink { path } => format!(
                "{path} is a symbolic link; the vault folder must be a real folder (whoever can change the link chooses the files)"
            ),
            Self::NotAFolder { path, found } => {
                format!("{path} is {}, not a folder", found.words())
            }
            Self::NotAFile { path, found } => format!(
                "{path} is {}, not a regular file; it was not opened for reading or writing",
                found.words()
            ),
            Self::Owner {
                path, uid, euid, ..
            } => format!(
                "{path} is owned by uid {uid}, not by you (uid {euid}) or root: its owner could change what agent secrets reads"
            ),
            Self::Writable { path, mode, .. } => format!(
                "{path} is writable by {} (mode {:04o}): another user could replace what agent secrets reads",
                who_can_write(*mode),
                mode & 0o7777
            ),
            Self::HardLinked { path, links } => format!(
                "{path} has {links} hard links: lines appended to it would also change another file"
            ),
            Self::TooLarge {
                path,
                size,
                document,
            } => format!(
                "{path} is {size} bytes, more than the {} bytes {} may hold; it was not read",
                document.max_bytes(),
                document.words()
            ),
        }
    }

    /// The fix, as a command or an instruction.
    pub fn fix(&self) -> String {
        match self {
            Self::FolderIsLink { path } => format!(
                "give the real folder's path instead of {path}, or move the folder to where the link is"
            ),
            Self::NotAFolder { path, .. } => format!("move {path} out of the way"),
            Self::NotAFile { path, .. } => format!(
                "remove it (`rm {path}`) or move it out of the folder; restore the file from a backup if it held one"
            ),
            Self::Owner {
                path, euid, folder, ..
            } => {
                let recursive = if *folder { "-R " } else { "" };
                format!("`chown {recursive}{euid} {path}` (as root), or use a vault of your own")
            }
            Self::Writable { path, folder, .. } => {
                let mode = if *folder { FOLDER_MODE } else { FILE_MODE };
                format!("`chmod {mode:o} {path}`")
            }
            Self::HardLinked { path, .. } => format!(
                "give it a link of its own: `cp -p {path} {path}.copy && mv {path}.copy {path}`"
            ),
            Self::TooLarge { path, document, .. } => document.fix_when_too_large(path),
        }
    }

    /// Whether `chmod` alone fixes it (what `preflight --fix` may do).
    pub fn is_fixed_by_chmod(&self) -> bool {
        matches!(self, Self::Writable { .. })
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. Fix: {}.", self.what(), self.fix())
    }
}

impl std::error::Error for FileProblem {}

fn who_can_write(mode: u32) -> &'static str {
    match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => "group and others",
        (true, false) => "its group",
        _ => "others",
    }
}

/// What breaks the ownership rule ([`check_ownership`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Owned by someone other than the user and root.
    Foreign,
    /// Writable by group or others.
    Writable,
}

/// The ownership rule, like ssh's `StrictModes`, for every file the tool
/// trusts (the vault folder and its files, the user's own configuration
/// file): owned by the user `euid` or by root (`uid`), and not writable by
/// group or others (`mode`). The owner is judged first.
pub fn check_ownership(uid: u32, mode: u32, euid: u32) -> Result<(), Ownership> {
    if uid != euid && uid != 0 {
        return Err(Ownership::Foreign);
    }
    if mode & GROUP_OTHER_WRITE != 0 {
        return Err(Ownership::Writable);
    }
    Ok(())
}

/// The ownership rule, worded for the folder or one of its files.
fn check_owner_and_mode(
    path: &str,
    stat: &FileStat,
    euid: u32,
    folder: bool,
) -> Result<(), FileProblem> {
    let path = path.to_owned();
    match check_ownership(stat.uid, stat.mode, euid) {
        Ok(()) => Ok(()),
        Err(Ownership::Foreign) => Err(FileProblem::Owner {
            path,
            uid: stat.uid,
            euid,
            folder,
        }),
        Err(Ownership::Writable) => Err(FileProblem::Writable {
            path,
            mode: stat.mode,
            folder,
        }),
    }
}

/// Whether the vault folder, as `lstat` describes it, may be used by the
/// user `euid`: a real folder (not a link to one), owned by that user or
/// root, not writable by group or others. The folders above it may be
/// links (the user's own layout); only the vault folder itself is judged.
pub fn check_folder(path: &str, stat: &FileStat, euid: u32) -> Result<(), FileProblem> {
    match FileType::of(stat.mode) {
        FileType::Directory => check_owner_and_mode(path, stat, euid, true),
        FileType::Symlink => Err(FileProblem::FolderIsLink {
            path: path.to_owned(),
        }),
        found => Err(FileProblem::NotAFolder {
            path: path.to_owned(),
            found,
        }),
    }
}

/// Whether the file `name` of the vault folder, shown as `path`, may be
/// used as `access` says by the user `euid`, from `fstat` of the opened
/// handle (or `lstat` of the name when opening it failed): a regular file,
/// owned by that user or root, not writable by group or others; one link
/// when appended to; within its cap when read whole. [`Access::ReadToReport`]
/// checks only the type and the cap.
pub fn check_file(
    path: &str,
    name: &str,
    stat: &FileStat,
    euid: u32,
    access: Access,
) -> Result<(), FileProblem> {
    let found = FileType::of(stat.mode);
    if found != FileType::Regular {
        return Err(FileProblem::NotAFile {
            path: path.to_owned(),
            found,
        });
    }
    if access == Access::ReadToReport {
        return check_size(path, name, stat.size);
    }
    check_owner_and_mode(path, stat, euid, false)?;
    match access {
        Access::Append if stat.nlink > 1 => Err(FileProblem::HardLinked {
            path: path.to_owned(),
            links: stat.nlink,
        }),
        Access::Read => check_size(path, name, stat.size),
        _ => Ok(()),
    }
}

/// Whether `size` bytes of the file `name` may be read whole. Front ends
/// check the size `fstat` gave and again the bytes they actually read (a
/// file may grow in between).
pub fn check_size(path: &str, name: &str, size: u64) -> Result<(), FileProblem> {
    let document = Document::of(name);
    if size > document.max_bytes() {
        return Err(FileProblem::TooLarge {
            path: path.to_owned(),
            size,
            document,
        });
    }
    Ok(())
}

/// A fresh temporary file name: [`TEMP_PREFIX`] then 16 random lower-case
/// hex characters. Writers create it with exclusive create, then rename it
/// over the document (docs/format.md §13).
pub fn temp_name() -> Result<String, Error> {
    let mut random = [0u8; TEMP_HEX_LEN / 2];
    getrandom::fill(&mut random).map_err(|_| Error::Random)?;
    let mut name = String::with_capacity(TEMP_PREFIX.len() + TEMP_HEX_LEN);
    name.push_str(TEMP_PREFIX);
    for b in random {
        name.push_str(&format!("{b:02x}"));
    }
    Ok(name)
}

/// Whether `name` is a temporary file of ours: exactly [`TEMP_PREFIX`]
/// then 16 lower-case hex characters. Only such names are ever removed as
/// left-overs.
pub fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX).is_some_and(|hex| {
        hex.len() == TEMP_HEX_LEN && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Whether `init` may create a vault in the folder of `store`: it must be
/// empty, except for what a half-finished `init` of ours leaves — the lock
/// files, temporary files of ours and a `.gitignore` holding exactly our
/// two lines. A `config.json` is [`Error::AlreadyInitialized`]; anything
/// else is [`Error::FolderNotEmpty`] naming (up to five of) the entries.
/// Nothing is removed either way.
pub fn check_init_folder<S: Store + ?Sized>(store: &S) -> Result<(), Error> {
    let mut names = store.list()?;
    if names.iter().any(|n| n == CONFIG_FILE) {
        return Err(Error::AlreadyInitialized);
    }
    names.sort();
    let mut foreign = Vec::new();
    for name in names {
        let ours = match name.as_str() {
            LOCK_FILE | LOCK_BREAK_FILE => true,
            GITIGNORE_FILE => store
                .read(GITIGNORE_FILE)?
                .as_deref()
                .is_some_and(|g| g == GITIGNORE.as_bytes() || crate::format::is_shared(g)),
            other => is_temp_name(other),
        };
        if !ours {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 5;
    let mut entries = foreign
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if foreign.len() > SHOWN {
        entries.push_str(&format!(" and {} more", foreign.len() - SHOWN));
    }
    Err(Error::FolderNotEmpty { entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    const ME: u32 = 1000;
    const DIR: u32 = 0o040_000;
    const REG: u32 = 0o100_000;

    fn stat(mode: u32, uid: u32) -> FileStat {
        FileStat {
            mode,
            uid,
            nlink: 1,
            size: 10,
        }
    }

    #[test]
    fn every_file_type_and_document_is_named_in_words() {
        let types = [
            (FileType::Regular, "a regular file"),
            (FileType::Directory, "a folder"),
            (FileType::Symlink, "a symbolic link"),
            (FileType::Fifo, "a FIFO (named pipe)"),
            (FileType::Socket, "a socket"),
            (FileType::CharDevice, "a character device"),
            (FileType::BlockDevice, "a block device"),
            (FileType::Unknown, "a file of an unknown type"),
        ];
        for (found, words) in types {
            let problem = FileProblem::NotAFile {
                path: "v/x.json".into(),
                found,
            };
            assert_eq!(problem.path(), "v/x.json");
            assert_eq!(
                problem.what(),
                format!("v/x.json is {words}, not a regular file; it was not opened for reading or writing")
            );
        }
        let documents = [
            (
                "config.json",
                Document::Config,
                "config.json",
                "restore v/f from a backup",
            ),
            (
                "state.json",
                Document::State,
                "state.json",
                "restore v/f from a backup",
            ),
            (
                "openai.json",
                Document::Service,
                "a service document",
                "restore v/f from a backup",
            ),
            (
                ".lock",
                Document::Lock,
                "a lock file",
                "if no agent process is running, remove it (`rm v/f`)",
            ),
            (
                ".lock.break",
                Document::Lock,
                "a lock file",
                "if no agent process is running, remove it (`rm v/f`)",
            ),
            (
                ".gitignore",
                Document::GitIgnore,
                ".gitignore",
                "restore v/f from a backup",
            ),
            (
                "notes.txt",
                Document::Other,
                "a file of the vault folder",
                "restore v/f from a backup",
            ),
        ];
        for (name, document, words, fix) in documents {
            assert_eq!(Document::of(name), document, "{name}");
            let problem = FileProblem::TooLarge {
                path: "v/f".into(),
                size: 1 << 40,
                document,
            };
            assert_eq!(problem.path(), "v/f");
            assert_eq!(
                problem.to_string(),
                format!(
                    "v/f is {} bytes, more than the {} bytes {words} may hold; it was not read. Fix: {fix}.",
                    1u64 << 40,
                    max_bytes(name)
                )
            );
        }
    }

    #[test]
    fn a_hard_linked_file_and_every_path() {
        let linked = FileProblem::HardLinked {
            path: "v/audit.log".into(),
            links: 2,
        };
        assert_eq!(
            linked.to_string(),
            "v/audit.log has 2 hard links: lines appended to it would also change another file. \
             Fix: give it a link of its own: `cp -p v/audit.log v/audit.log.copy && mv v/audit.log.copy v/audit.log`."
        );
        assert!(!linked.is_fixed_by_chmod());
        assert_eq!(linked.path(), "v/audit.log");
        let path = || "v/".to_owned();
        let problems = [
            FileProblem::FolderIsLink { path: path() },
            FileProblem::NotAFolder {
                path: path(),
                found: FileType::Regular,
            },
            FileProblem::Owner {
                path: path(),
                uid: 7,
                euid: ME,
                folder: true,
            },
            FileProblem::Writable {
                path: path(),
                mode: 0o777,
                folder: true,
            },
        ];
        for problem in problems {
            assert_eq!(problem.path(), "v/");
        }
    }

    #[test]
    fn file_types_from_st_mode() {
        let cases = [
            (0o100_644, FileType::Regular),
            (0o040_700, FileType::Directory),
            (0o120_777, FileType::Symlink),
            (0o010_600, FileType::Fifo),
            (0o140_755, FileType::Socket),
            (0o020_666, FileType::CharDevice),
            (0o060_660, FileType::BlockDevice),
            (0o000_600, FileType::Unknown),
        ];
        for (mode, expected) in cases {
            assert_eq!(FileType::of(mode), expected, "{mode:o}");
        }
    }

    #[test]
    fn folder_owned_by_the_user_or_root_and_not_writable_by_others() {
        assert_eq!(check_folder("v/", &stat(DIR | 0o700, ME), ME), Ok(()));
        // Readable by others is a preflight finding, not a refusal.
        assert_eq!(check_folder("v/", &stat(DIR | 0o755, ME), ME), Ok(()));
        // Root's folders are trusted, as ssh trusts them.
        assert_eq!(check_folder("v/", &stat(DIR | 0o755, 0), ME), Ok(()));
        let err = check_folder("v/", &stat(DIR | 0o777, ME), ME).expect_err("world-writable");
        assert_eq!(
            err.to_string(),
            "v/ is writable by group and others (mode 0777): another user could replace what \
             agent secrets reads. Fix: `chmod 700 v/`."
        );
        assert!(err.is_fixed_by_chmod());
        let err = check_folder("v/", &stat(DIR | 0o770, ME), ME).expect_err("group-writable");
        assert!(
            err.to_string()
                .contains("writable by its group (mode 0770)"),
            "{err}"
        );
        let err = check_folder("v/", &stat(DIR | 0o702, ME), ME).expect_err("other-writable");
        assert!(
            err.to_string().contains("writable by others (mode 0702)"),
            "{err}"
        );
        let err = check_folder("v/", &stat(DIR | 0o700, 65534), ME).expect_err("other owner");
        assert_eq!(
            err.to_string(),
            "v/ is owned by uid 65534, not by you (uid 1000) or root: its owner could change \
             what agent secrets reads. Fix: `chown -R 1000 v/` (as root), or use a vault of your own."
        );
        assert!(!err.is_fixed_by_chmod());
        // Root running the tool accepts only its own folders.
        assert!(check_folder("v/", &stat(DIR | 0o700, ME), 0).is_err());
    }

    #[test]
    fn folder_must_be_a_real_folder() {
        let err = check_folder("v/", &stat(0o120_777, ME), ME).expect_err("link");
        assert_eq!(err, FileProblem::FolderIsLink { path: "v/".into() });
        assert!(
            err.to_string().starts_with("v/ is a symbolic link"),
            "{err}"
        );
        let err = check_folder("v/", &stat(REG | 0o600, ME), ME).expect_err("file");
        assert_eq!(
            err.to_string(),
            "v/ is a regular file, not a folder. Fix: move v/ out of the way."
        );
    }

    #[test]
    fn files_are_regular_private_and_capped() {
        let ok = stat(REG | 0o600, ME);
        for access in [Access::Read, Access::Tail, Access::Append, Access::Inspect] {
            assert_eq!(check_file("v/a.json", "a.json", &ok, ME, access), Ok(()));
        }
        assert_eq!(
            check_file(
                "v/a.json",
                "a.json",
                &stat(REG | 0o644, 0),
                ME,
                Access::Read
            ),
            Ok(())
        );
        let fifo = stat(0o010_600, ME);
        let err = check_file("v/.lock", ".lock", &fifo, ME, Access::Read).expect_err("fifo");
        assert_eq!(
            err.to_string(),
            "v/.lock is a FIFO (named pipe), not a regular file; it was not opened for reading or \
             writing. Fix: remove it (`rm v/.lock`) or move it out of the folder; restore the file \
             from a backup if it held one."
        );
        for mode in [0o120_777, 0o040_700, 0o140_600, 0o020_600] {
            let err = check_file("v/x", "x", &stat(mode, ME), ME, Access::Inspect)
                .expect_err("not a file");
            assert!(matches!(err, FileProblem::NotAFile { .. }), "{err}");
        }
        let err =
            check_file("v/c", "c", &stat(REG | 0o666, ME), ME, Access::Tail).expect_err("writable");
        assert!(err.to_string().ends_with("Fix: `chmod 600 v/c`."), "{err}");
        // Preflight reads what it reports on: type and cap only.
        let theirs = stat(REG | 0o666, 2);
        assert_eq!(
            check_file("v/c", "c", &theirs, ME, Access::ReadToReport),
            Ok(())
        );
        assert!(check_file("v/c", "c", &fifo, ME, Access::ReadToReport).is_err());
        let err =
            check_file("v/c", "c", &stat(REG | 0o600, 2), ME, Access::Read).expect_err("owner");
        assert!(
            err.to_string().contains("Fix: `chown 1000 v/c` (as root)"),
            "{err}"
        );
    }

    #[test]
    fn the_ownership_rule_alone() {
        assert_eq!(check_ownership(ME, 0o600, ME), Ok(()));
        assert_eq!(check_ownership(0, 0o644, ME), Ok(()));
        assert_eq!(check_ownership(7, 0o600, ME), Err(Ownership::Foreign));
        assert_eq!(check_ownership(7, 0o666, ME), Err(Ownership::Foreign));
        assert_eq!(check_ownership(ME, 0o620, ME), Err(Ownership::Writable));
        assert_eq!(check_ownership(ME, 0o602, ME), Err(Ownership::Writable));
        assert_eq!(check_ownership(ME, 0o100_644, ME), Ok(()));
    }

    #[test]
    fn only_appends_need_a_single_link() {
        let linked = FileStat {
            nlink: 2,
            ..stat(REG | 0o600, ME)
        };
        assert_eq!(
            check_file("v/audit.log", "audit.log", &linked, ME, Access::Read),
            Ok(())
        );
        let err = check_file("v/audit.log", "audit.log", &linked, ME, Access::Append)
            .expect_err("linked");
        assert_eq!(
            err,
            FileProblem::HardLinked {
                path: "v/audit.log".into(),
                links: 2
            }
        );
    }

    #[test]
    fn caps_per_document_kind() {
        assert_eq!(Document::of("config.json"), Document::Config);
        assert_eq!(Document::of("state.json"), Document::State);
        assert_eq!(Document::of("openai.json"), Document::Service);
        assert_eq!(Document::of("audit.log"), Document::AuditLog);
        assert_eq!(Document::of(".lock"), Document::Lock);
        assert_eq!(Document::of(".lock.break"), Document::Lock);
        assert_eq!(Document::of(".gitignore"), Document::GitIgnore);
        assert_eq!(Document::of("Not-A-Service.json"), Document::Other);
        assert_eq!(max_bytes("config.json"), 1 << 20);
        assert_eq!(max_bytes("openai.json"), 256 << 20);
        assert_eq!(max_bytes(".lock"), 4096);
        assert_eq!(check_size("v/config.json", "config.json", 1 << 20), Ok(()));
        let err = check_size("v/config.json", "config.json", (1 << 20) + 1).expect_err("big");
        assert_eq!(
            err.to_string(),
            "v/config.json is 1048577 bytes, more than the 1048576 bytes config.json may hold; it \
             was not read. Fix: restore v/config.json from a backup."
        );
        let big = FileStat {
            size: (256 << 20) + 1,
            ..stat(REG | 0o600, ME)
        };
        assert!(check_file("v/audit.log", "audit.log", &big, ME, Access::Read).is_err());
        // The audit log's tail and appends do not read it whole.
        assert_eq!(
            check_file("v/audit.log", "audit.log", &big, ME, Access::Tail),
            Ok(())
        );
        assert_eq!(
            check_file("v/audit.log", "audit.log", &big, ME, Access::Append),
            Ok(())
        );
        let err = check_size("v/audit.log", "audit.log", 300 << 20).expect_err("big log");
        assert!(
            err.to_string()
                .contains("the next command starts a new log"),
            "{err}"
        );
    }

    #[test]
    fn temp_names_have_a_pattern_no_user_file_has() {
        let a = temp_name().expect("random");
        let b = temp_name().expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with(".agent-tmp-") && a.len() == 27, "{a}");
        assert!(is_temp_name(&a) && is_temp_name(&b));
        for name in [
            "notes.tmp.txt",
            "openai.json.tmp.0011223344556677",
            ".agent-tmp-",
            ".agent-tmp-0011223344556677.json",
            ".agent-tmp-001122334455667",
            ".agent-tmp-00112233445566AA",
            "x.agent-tmp-0011223344556677",
        ] {
            assert!(!is_temp_name(name), "{name}");
        }
        assert!(is_temp_name(".agent-tmp-0011223344556677"));
    }

    #[test]
    fn init_only_in_an_empty_folder_or_one_an_init_of_ours_left() {
        let store = MemoryStore::new();
        assert!(check_init_folder(&store).is_ok());
        store.insert(".lock", b"{}");
        store.insert(".agent-tmp-0011223344556677", b"half");
        store.insert(".gitignore", GITIGNORE.as_bytes());
        assert!(check_init_folder(&store).is_ok());
        store.insert("notes.tmp.txt", b"mine");
        let err = check_init_folder(&store).expect_err("user file");
        assert_eq!(
            err.to_string(),
            "The folder is not empty (notes.tmp.txt); init creates a vault only in an empty \
             folder and removes nothing. Move those files out, or choose another folder."
        );
        assert_eq!(err.kind(), crate::ErrorKind::Usage);
        let store = MemoryStore::new();
        store.insert(".gitignore", b"node_modules\n");
        assert!(matches!(
            check_init_folder(&store),
            Err(Error::FolderNotEmpty { entries }) if entries == ".gitignore"
        ));
        for i in 0..7 {
            store.insert(&format!("f{i}"), b"");
        }
        assert!(matches!(
            check_init_folder(&store),
            Err(Error::FolderNotEmpty { entries }) if entries == ".gitignore, f0, f1, f2, f3 and 3 more"
        ));
        store.insert("config.json", b"{}");
        assert!(matches!(
            check_init_folder(&store),
            Err(Error::AlreadyInitialized)
        ));
        // Nothing was removed.
        assert_eq!(store.documents().len(), 9);
    }

    #[test]
    fn vault_init_refuses_a_folder_with_a_user_file_and_writes_nothing() {
        let options = crate::InitOptions {
            iterations: crate::MIN_ITERATIONS,
            ..crate::InitOptions::default()
        };
        let password = crate::Password::from("Fake-Files-Passw0rd!");
        let store = MemoryStore::new();
        store.insert("notes.tmp.txt", b"mine");
        let err = crate::Vault::init(&store, &password, &options, crate::Timestamp::from_unix(0))
            .expect_err("not empty");
        assert!(matches!(err, Error::FolderNotEmpty { .. }), "{err}");
        assert_eq!(store.write_count(), 0);
        assert!(!store.is_locked());
        assert_eq!(store.documents().len(), 1);
        // What a half-finished init left does not stop the next one.
        let store = MemoryStore::new();
        store.insert(".gitignore", GITIGNORE.as_bytes());
        crate::Vault::init(&store, &password, &options, crate::Timestamp::from_unix(0))
            .expect("init");
        assert!(store.read(CONFIG_FILE).expect("read").is_some());
    }
}
