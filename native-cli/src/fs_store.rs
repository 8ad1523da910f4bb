//! The vault folder as a [`Store`]: folder 0700, files 0600 created with
//! that mode, atomic replace (temp file, fsync, rename, fsync folder), and
//! the shared write lock (the core's protocol over [`crate::lock`]'s
//! system calls).
//!
//! The folder is untrusted input (docs/format.md §2, "Ownership and file
//! types"). Before first use the folder itself is judged from `lstat` (a
//! real folder, the user's or root's, not writable by group or others;
//! the folders above it may be links). Every file is opened with
//! `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY`, so a symbolic link is refused by
//! the kernel and a FIFO or a device cannot block the open; the handle is
//! then `fstat`ed and judged by the core ([`files::check_file`]): regular
//! files only, the owner and mode rule, one link for the audit log we
//! append to, and at most the cap of the document's kind read whole. A
//! refusal is [`StoreError::Refused`] with the core's message, which names
//! the path and the fix.
//!
//! [`Store::list`] returns every name in the folder, whatever its type: the
//! core only reads names it knows, and reading one that is not a regular
//! file reports it (`list` prints that service's problem and lists the
//! others).

use std::cell::{Cell, RefCell};
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use agent_secrets_core::files::{self, Access, FileStat, FileType};
use agent_secrets_core::lock::{Held, Tool, WriteLock};
use agent_secrets_core::{Store, StoreError};

use crate::lock::{write_lock, FsLock};

/// Added to every open of a file in the folder: a symbolic link as the
/// last component fails (`ELOOP`), a FIFO or device opens at once instead
/// of waiting for a peer, and a terminal never becomes ours.
fn no_follow_flags() -> i32 {
    use rustix::fs::OFlags;
    // Small positive flag constants: the cast keeps their bits.
    (OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32
}

/// The numbers the core's rules need, from `stat` or `fstat`.
pub(crate) fn file_stat(meta: &fs::Metadata) -> FileStat {
    FileStat {
        mode: meta.mode(),
        uid: meta.uid(),
        nlink: meta.nlink(),
        size: meta.size(),
    }
}

/// The effective user id the rules compare owners with.
pub(crate) fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// How an open failed, for the caller's own error.
pub(crate) enum OpenFailure {
    /// The core refused the file (its message names the fix).
    Refused(StoreError),
    /// The operating system's error.
    Os(std::io::Error),
}

/// Opens the file `name` at `path` (shown as `shown`) with `options` and
/// the no-follow flags, then judges the handle for `access`. `Ok(None)`
/// when there is no such file. When the open itself fails (a link, a FIFO
/// opened for writing, a folder), `lstat` says what is there and the core
/// words the refusal.
pub(crate) fn open_checked(
    options: &mut OpenOptions,
    path: &Path,
    name: &str,
    shown: &str,
    access: Access,
) -> Result<Option<File>, OpenFailure> {
    let euid = euid();
    let refused = |meta: &fs::Metadata| {
        files::check_file(shown, name, &file_stat(meta), euid, access)
            .err()
            .map(|p| OpenFailure::Refused(p.into()))
    };
    let file = match options.custom_flags(no_follow_flags()).open(path) {
        Ok(file) => file,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(None)
        }
        Err(e) => {
            return Err(fs::symlink_metadata(path)
                .ok()
                .and_then(|m| refused(&m))
                .unwrap_or(OpenFailure::Os(e)))
        }
    };
    let meta = file.metadata().map_err(OpenFailure::Os)?;
    match refused(&meta) {
        Some(problem) => Err(problem),
        None => Ok(Some(file)),
    }
}

/// Reads the file `name` at `path` whole, as the core allows `access`
/// (`Read` or `ReadToReport`): at most the cap of its kind, even if it grows
/// while being read.
pub(crate) fn read_checked(
    path: &Path,
    name: &str,
    shown: &str,
    access: Access,
) -> Result<Option<Vec<u8>>, StoreError> {
    let cannot_read = |e: std::io::Error| StoreError::CannotRead {
        location: shown.to_owned(),
        reason: e.to_string(),
    };
    let file = match open_checked(OpenOptions::new().read(true), path, name, shown, access) {
        Ok(Some(file)) => file,
        Ok(None) => return Ok(None),
        Err(OpenFailure::Refused(e)) => return Err(e),
        Err(OpenFailure::Os(e)) => return Err(cannot_read(e)),
    };
    let cap = files::max_bytes(name);
    let expected = file.metadata().map(|m| m.len()).unwrap_or_default();
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(cap)).unwrap_or_default());
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    files::check_size(shown, name, bytes.len() as u64)?;
    Ok(Some(bytes))
}

/// A vault folder on the local file system.
#[derive(Debug)]
pub struct FileStore {
    /// The folder for system calls: trailing slashes dropped, so that
    /// `lstat` judges the folder itself even when it is a link.
    dir: PathBuf,
    display: String,
    lock: WriteLock<FsLock>,
    held: RefCell<Option<Held>>,
    /// The folder passed the core's rules in this process.
    folder_ok: Cell<bool>,
    /// `tool` of the lock file: `cli`, or `ui` for the dashboard server.
    tool: Tool,
}

/// What is at the folder's place.
enum Folder {
    /// A folder that passed the rules.
    Ok,
    /// Nothing, or something that is no folder and no link (a file in the
    /// way): there is no vault here.
    Absent,
}

impl FileStore {
    /// The store at `dir`; `lock_timeout` bounds the wait for another writer.
    pub fn new(dir: PathBuf, lock_timeout: Duration) -> Self {
        let mut display = dir.display().to_string();
        if !display.ends_with('/') {
            display.push('/');
        }
        let dir: PathBuf = dir.components().collect();
        let lock = write_lock(&dir, &display, lock_timeout);
        Self {
            dir,
            display,
            lock,
            held: RefCell::new(None),
            folder_ok: Cell::new(false),
            tool: Tool::Cli,
        }
    }

    /// The same store, naming `tool` in the lock file ([`Tool::Ui`]: the dashboard server).
    pub fn with_tool(mut self, tool: Tool) -> Self {
        self.tool = tool;
        self
    }

    /// How long a writer waits for another (the lock, and attempts in flight).
    pub fn lock_timeout(&self) -> Duration {
        self.lock.timeout()
    }

    /// The folder as the user wrote it, ending in `/`.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The folder's path (for checks that look at the folder itself:
    /// `preflight`, and `scan` skipping it).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    fn shown(&self, name: &str) -> String {
        format!("{}{name}", self.display)
    }

    fn cannot_write(&self, e: &std::io::Error) -> StoreError {
        StoreError::CannotWrite {
            location: self.display.clone(),
            reason: e.to_string(),
        }
    }

    fn cannot_read(&self, name: &str, e: &std::io::Error) -> StoreError {
        StoreError::CannotRead {
            location: self.shown(name),
            reason: e.to_string(),
        }
    }

    /// Judges the folder from `lstat` (once per process once it passes).
    /// A link is refused; a file in the folder's place means no vault.
    fn folder(&self) -> Result<Folder, StoreError> {
        if self.folder_ok.get() {
            return Ok(Folder::Ok);
        }
        let meta = match fs::symlink_metadata(&self.dir) {
            Ok(meta) => meta,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok(Folder::Absent)
            }
            Err(e) => return Err(self.cannot_read("", &e)),
        };
        let stat = file_stat(&meta);
        if !matches!(
            FileType::of(stat.mode),
            FileType::Directory | FileType::Symlink
        ) {
            return Ok(Folder::Absent);
        }
        files::check_folder(&self.display, &stat, euid())?;
        self.folder_ok.set(true);
        Ok(Folder::Ok)
    }

    /// Creates the folder (and parents) with mode 0700 if it is missing,
    /// and judges it.
    fn ensure_dir(&self) -> Result<(), StoreError> {
        match self.folder()? {
            Folder::Ok => return Ok(()),
            Folder::Absent => {}
        }
        match fs::symlink_metadata(&self.dir) {
            // A file in the way is refused in the core's words; a folder
            // that appeared since is judged below.
            Ok(meta) => files::check_folder(&self.display, &file_stat(&meta), euid())?,
            Err(e) if e.kind() == ErrorKind::NotFound => self.create_dir()?,
            Err(e) => return Err(self.cannot_write(&e)),
        }
        match self.folder()? {
            Folder::Ok => Ok(()),
            Folder::Absent => Err(self.cannot_write(&std::io::Error::new(
                ErrorKind::NotFound,
                "the folder vanished as it was created",
            ))),
        }
    }

    fn create_dir(&self) -> Result<(), StoreError> {
        DirBuilder::new()
            .recursive(true)
            .mode(files::FOLDER_MODE)
            .create(&self.dir)
            .map_err(|e| self.cannot_write(&e))?;
        // A umask can only take bits away from 0700; if it took the owner's
        // own bits, give exactly 0700 back (never more).
        let mode = fs::symlink_metadata(&self.dir)
            .map_err(|e| self.cannot_write(&e))?
            .permissions()
            .mode()
            & 0o777;
        if mode != files::FOLDER_MODE {
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(files::FOLDER_MODE))
                .map_err(|e| self.cannot_write(&e))?;
        }
        Ok(())
    }

    fn sync_dir(&self) -> Result<(), StoreError> {
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.cannot_write(&e))
    }

    /// Atomic replace: temp file, write, (fsync), rename, (fsync folder).
    /// `durable`: wait for the bytes and the rename to reach the disk.
    fn replace(&self, name: &str, bytes: &[u8], durable: bool) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let tmp = self
            .dir
            .join(files::temp_name().map_err(|_| StoreError::CannotWrite {
                location: "a temporary file name".to_owned(),
                reason: "the system random number generator failed".to_owned(),
            })?);
        let result = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(files::FILE_MODE)
                .custom_flags(no_follow_flags())
                .open(&tmp)?;
            file.write_all(bytes)?;
            if durable {
                file.sync_all()?;
            }
            fs::rename(&tmp, self.dir.join(name))
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(self.cannot_write(&e));
        }
        if durable {
            self.sync_dir()?;
        }
        Ok(())
    }

    /// Removes temp files left by writers that died before their rename:
    /// only names of the core's temp pattern, never a user's `*.tmp.*`.
    /// Called with the lock held, so no live writer owns them.
    fn sweep_temp_files(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_str().is_some_and(files::is_temp_name) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Reads a document whole for `preflight`: no link, regular file,
    /// within its cap; owner and mode are reported by preflight itself, so
    /// neither the folder's nor the file's are refused here.
    pub fn read_to_report(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        read_checked(
            &self.dir.join(name),
            name,
            &self.shown(name),
            Access::ReadToReport,
        )
    }
}

#[deny(clippy::missing_trait_methods)]
impl Store for FileStore {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.folder()? {
            Folder::Ok => read_checked(&self.dir.join(name), name, &self.shown(name), Access::Read),
            Folder::Absent => Ok(None),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.replace(name, bytes, true)
    }

    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.replace(name, bytes, false)
    }

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.folder()?;
        // unlink(2) removes a link itself, never what it points to.
        match fs::remove_file(self.dir.join(name)) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.cannot_write(&e)),
        }
    }

    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let shown = self.shown(name);
        let mut file = match open_checked(
            OpenOptions::new()
                .append(true)
                .create(true)
                .mode(files::FILE_MODE),
            &self.dir.join(name),
            name,
            &shown,
            Access::Append,
        ) {
            Ok(Some(file)) => file,
            Ok(None) => {
                return Err(self.cannot_write(&std::io::Error::new(
                    ErrorKind::NotFound,
                    "the folder vanished",
                )))
            }
            Err(OpenFailure::Refused(e)) => return Err(e),
            Err(OpenFailure::Os(e)) => return Err(self.cannot_write(&e)),
        };
        // Empty before this line: most likely just created, so the folder
        // entry must reach the disk too.
        let was_empty = file.metadata().map(|m| m.len() == 0).unwrap_or(true);
        file.write_all(bytes)
            .and_then(|()| file.sync_data())
            .map_err(|e| self.cannot_write(&e))?;
        if was_empty {
            self.sync_dir()?;
        }
        Ok(())
    }

    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        if let Folder::Absent = self.folder()? {
            return Ok(None);
        }
        let shown = self.shown(name);
        let mut file = match open_checked(
            OpenOptions::new().read(true),
            &self.dir.join(name),
            name,
            &shown,
            Access::Tail,
        ) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(None),
            Err(OpenFailure::Refused(e)) => return Err(e),
            Err(OpenFailure::Os(e)) => return Err(self.cannot_read(name, &e)),
        };
        let result = (|| {
            let len = file.metadata()?.len();
            file.seek(SeekFrom::Start(len.saturating_sub(max as u64)))?;
            let mut tail = Vec::with_capacity(max.min(usize::try_from(len).unwrap_or(max)));
            file.take(max as u64).read_to_end(&mut tail)?;
            Ok(tail)
        })();
        result
            .map(Some)
            .map_err(|e: std::io::Error| self.cannot_read(name, &e))
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        if let Folder::Absent = self.folder()? {
            return Ok(Vec::new());
        }
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok(Vec::new())
            }
            Err(e) => return Err(self.cannot_read("", &e)),
        };
        Ok(entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect())
    }

    fn lock(&self) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let held = self.lock.acquire(self.tool)?;
        *self.held.borrow_mut() = Some(held);
        self.sweep_temp_files();
        Ok(())
    }

    fn unlock(&self) -> Result<(), StoreError> {
        match self.held.borrow_mut().take() {
            Some(held) => self.lock.release(&held),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn creates_folder_and_files_private_whatever_the_umask() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("a/b/secrets");
        let store = FileStore::new(dir.clone(), Duration::from_secs(1));
        store.lock().expect("lock");
        store.write("x.json", b"{}").expect("write");
        store.unlock().expect("unlock");
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("x.json")), 0o600);
        assert_eq!(store.read("x.json").expect("read"), Some(b"{}".to_vec()));
        assert_eq!(store.read("missing.json").expect("read"), None);
        let mut names = store.list().expect("list");
        names.sort();
        assert_eq!(names, ["x.json"]);
        store.remove("x.json").expect("remove");
        store.remove("x.json").expect("absent is fine");
        assert_eq!(store.list().expect("list"), Vec::<String>::new());
    }

    #[test]
    fn append_creates_private_files_and_tail_reads_the_end() {
        let root = tempfile::tempdir().expect("tempdir");
        let store = FileStore::new(root.path().join("v"), Duration::from_secs(1));
        assert_eq!(store.read_tail("audit.log", 4).expect("tail"), None);
        store.append("audit.log", b"one\n").expect("append");
        store.append("audit.log", b"two\n").expect("append");
        assert_eq!(mode(&root.path().join("v/audit.log")), 0o600);
        assert_eq!(
            store.read("audit.log").expect("read"),
            Some(b"one\ntwo\n".to_vec())
        );
        assert_eq!(
            store.read_tail("audit.log", 4).expect("tail"),
            Some(b"two\n".to_vec())
        );
        assert_eq!(
            store.read_tail("audit.log", 100).expect("tail"),
            Some(b"one\ntwo\n".to_vec())
        );
    }

    #[test]
    fn a_file_in_the_way_is_a_clear_error() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("secrets");
        fs::write(&dir, b"not a folder").expect("write");
        let store = FileStore::new(dir.clone(), Duration::from_secs(1));
        let err = store.write("x.json", b"{}").expect_err("cannot write");
        assert_eq!(
            err.to_string(),
            format!(
                "{0}/ is a regular file, not a folder. Fix: move {0}/ out of the way.",
                dir.display()
            )
        );
        // Readers see no vault there.
        assert_eq!(store.read("config.json").expect("no vault"), None);
        assert_eq!(store.list().expect("no vault"), Vec::<String>::new());
        assert_eq!(fs::read(&dir).expect("kept"), b"not a folder");
    }

    #[test]
    fn lock_sweeps_only_our_left_over_temp_files() {
        let root = tempfile::tempdir().expect("tempdir");
        let store = FileStore::new(root.path().to_path_buf(), Duration::from_secs(1));
        let ours = root.path().join(".agent-tmp-0011223344556677");
        let users = ["notes.tmp.txt", "openai.json.tmp.0011223344556677"];
        fs::write(&ours, b"half").expect("write");
        for name in users {
            fs::write(root.path().join(name), b"mine").expect("write");
        }
        store.lock().expect("lock");
        store.unlock().expect("unlock");
        assert!(!ours.exists());
        for name in users {
            assert_eq!(fs::read(root.path().join(name)).expect("kept"), b"mine");
        }
        assert!(!root.path().join(".lock").exists());
    }

    #[test]
    fn writes_leave_no_temp_file_and_use_the_core_pattern() {
        let root = tempfile::tempdir().expect("tempdir");
        let store = FileStore::new(root.path().join("v"), Duration::from_secs(1));
        store.write("a.json", b"{}").expect("write");
        assert_eq!(store.list().expect("list"), ["a.json"]);
        // A failed rename (a folder in the way) removes its temp file.
        fs::create_dir(root.path().join("v/b.json")).expect("mkdir");
        fs::write(root.path().join("v/b.json/x"), b"").expect("write");
        store.write("b.json", b"{}").expect_err("folder in the way");
        let mut names = store.list().expect("list");
        names.sort();
        assert_eq!(names, ["a.json", "b.json"]);
    }

    fn mkfifo(path: &Path) {
        let ok = crate::child::command("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo")
            .success();
        assert!(ok, "mkfifo {}", path.display());
    }

    /// Runs `f` on another thread and fails the test if it has not returned
    /// within 10 s (a blocked open would otherwise hang the whole suite).
    fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("returned instead of hanging")
    }

    #[test]
    fn reads_refuse_fifos_links_folders_and_oversized_files_by_name() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("v");
        let store = FileStore::new(dir.clone(), Duration::from_secs(1));
        store.write("config.json", b"{}").expect("write");
        mkfifo(&dir.join("a.json"));
        std::os::unix::fs::symlink(dir.join("config.json"), dir.join("b.json")).expect("link");
        fs::create_dir(dir.join("c.json")).expect("mkdir");
        fs::write(dir.join("state.json"), vec![b' '; 64 * 1024 + 1]).expect("write");
        let d = dir.display().to_string();
        let cases = [
            (
                "a.json",
                format!("{d}/a.json is a FIFO (named pipe), not a regular file"),
            ),
            (
                "b.json",
                format!("{d}/b.json is a symbolic link, not a regular file"),
            ),
            (
                "c.json",
                format!("{d}/c.json is a folder, not a regular file"),
            ),
            (
                "state.json",
                format!(
                    "{d}/state.json is 65537 bytes, more than the 65536 bytes state.json may hold"
                ),
            ),
        ];
        for (name, expected) in cases {
            let dir = dir.clone();
            let err = within_seconds(move || {
                let store = FileStore::new(dir, Duration::from_secs(1));
                store.read(name).expect_err("refused").to_string()
            });
            assert!(err.starts_with(&expected), "{err}");
            assert!(err.contains("Fix: "), "{err}");
        }
        // The tail read and the append refuse them too.
        let err = store.read_tail("a.json", 10).expect_err("fifo tail");
        assert!(err.to_string().contains("is a FIFO"), "{err}");
        let dir2 = dir.clone();
        let err = within_seconds(move || {
            let store = FileStore::new(dir2, Duration::from_secs(1));
            store
                .append("a.json", b"line\n")
                .expect_err("fifo append")
                .to_string()
        });
        assert!(err.contains("is a FIFO"), "{err}");
        assert_eq!(
            store.read("config.json").expect("read"),
            Some(b"{}".to_vec())
        );
    }

    #[test]
    fn append_refuses_a_link_and_a_second_hard_link() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("v");
        let store = FileStore::new(dir.clone(), Duration::from_secs(1));
        store.write("config.json", b"{}").expect("write");
        let outside = root.path().join("outside.txt");
        fs::write(&outside, b"precious\n").expect("write");
        std::os::unix::fs::symlink(&outside, dir.join("audit.log")).expect("link");
        let err = store.append("audit.log", b"line\n").expect_err("link");
        assert!(
            err.to_string().contains("audit.log is a symbolic link"),
            "{err}"
        );
        fs::remove_file(dir.join("audit.log")).expect("rm");
        fs::hard_link(&outside, dir.join("audit.log")).expect("hard link");
        let err = store.append("audit.log", b"line\n").expect_err("hard link");
        assert!(
            err.to_string().contains("audit.log has 2 hard links"),
            "{err}"
        );
        assert_eq!(fs::read(&outside).expect("read"), b"precious\n");
    }

    #[test]
    fn the_folder_must_be_a_real_private_folder_of_ours() {
        let root = tempfile::tempdir().expect("tempdir");
        let real = root.path().join("real");
        let store = FileStore::new(real.clone(), Duration::from_secs(1));
        store.write("config.json", b"{}").expect("write");
        // A link to it is refused, for reads and writes alike.
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        for dir in [link.clone(), PathBuf::from(format!("{}/", link.display()))] {
            let store = FileStore::new(dir, Duration::from_secs(1));
            let err = store.read("config.json").expect_err("link");
            assert!(err.to_string().contains("is a symbolic link"), "{err}");
            assert!(store.list().is_err());
            assert!(store.write("x.json", b"{}").is_err());
        }
        // Parents may be links: the user's own layout.
        let inner = real.join("inner");
        let via_link = FileStore::new(link.join("inner"), Duration::from_secs(1));
        via_link.write("x.json", b"{}").expect("parent link");
        assert!(inner.join("x.json").exists());
        // Group- or world-writable: refused with the chmod fix.
        fs::set_permissions(&real, fs::Permissions::from_mode(0o777)).expect("chmod");
        let store = FileStore::new(real.clone(), Duration::from_secs(1));
        let err = store.read("config.json").expect_err("writable");
        assert!(
            err.to_string()
                .ends_with(&format!("Fix: `chmod 700 {}/`.", real.display())),
            "{err}"
        );
    }
}
