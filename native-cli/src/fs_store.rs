//! The vault folder as a [`Store`]: folder 0700, files 0600 created with
//! that mode, atomic replace (temp file, fsync, rename, fsync folder), and
//! the shared write lock of [`crate::lock`].

use std::cell::RefCell;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::time::Duration;

use agent_secrets_core::{Store, StoreError};

use crate::lock::{Held, LockFile};

/// A vault folder on the local file system.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    display: String,
    lock: LockFile,
    held: RefCell<Option<Held>>,
    /// `tool` of the lock file: `cli`, or `ui` for the dashboard server.
    tool: &'static str,
}

impl FileStore {
    /// The store at `dir`; `lock_timeout` bounds the wait for another writer.
    pub fn new(dir: PathBuf, lock_timeout: Duration) -> Self {
        let mut display = dir.display().to_string();
        if !display.ends_with('/') {
            display.push('/');
        }
        let lock = LockFile::new(&dir, &display, lock_timeout);
        Self {
            dir,
            display,
            lock,
            held: RefCell::new(None),
            tool: "cli",
        }
    }

    /// The same store, naming `tool` in the lock file (`"ui"`: the dashboard server).
    pub fn with_tool(mut self, tool: &'static str) -> Self {
        self.tool = tool;
        self
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

    fn cannot_write(&self, e: &std::io::Error) -> StoreError {
        StoreError::CannotWrite {
            location: self.display.clone(),
            reason: e.to_string(),
        }
    }

    fn cannot_read(&self, name: &str, e: &std::io::Error) -> StoreError {
        StoreError::CannotRead {
            location: format!("{}{name}", self.display),
            reason: e.to_string(),
        }
    }

    /// Creates the folder (and parents) with mode 0700 if it is missing.
    fn ensure_dir(&self) -> Result<(), StoreError> {
        match fs::metadata(&self.dir) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(self.cannot_write(&std::io::Error::new(
                    ErrorKind::NotADirectory,
                    "a file is in the way of the folder",
                )))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(self.cannot_write(&e)),
        }
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| self.cannot_write(&e))?;
        // A umask can only take bits away from 0700; if it took the owner's
        // own bits, give exactly 0700 back (never more).
        let mode = fs::metadata(&self.dir)
            .map_err(|e| self.cannot_write(&e))?
            .permissions()
            .mode()
            & 0o777;
        if mode != 0o700 {
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| self.cannot_write(&e))?;
        }
        Ok(())
    }

    fn sync_dir(&self) -> Result<(), StoreError> {
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.cannot_write(&e))
    }

    /// Removes temp files left by writers that died before their rename.
    /// Called with the lock held, so no live writer owns them.
    fn sweep_temp_files(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().contains(".tmp.") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn random_suffix() -> Result<String, StoreError> {
    let mut buf = [0u8; 8];
    getrandom::fill(&mut buf).map_err(|_| StoreError::CannotWrite {
        location: "a temporary file name".to_owned(),
        reason: "the system random number generator failed".to_owned(),
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

impl Store for FileStore {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match fs::read(self.dir.join(name)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            // The folder path runs through a file: there is no vault there.
            Err(e) if e.kind() == ErrorKind::NotADirectory => Ok(None),
            Err(e) => Err(self.cannot_read(name, &e)),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let tmp = self.dir.join(format!("{name}.tmp.{}", random_suffix()?));
        let result = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, self.dir.join(name))
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(self.cannot_write(&e));
        }
        self.sync_dir()
    }

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        match fs::remove_file(self.dir.join(name)) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.cannot_write(&e)),
        }
    }

    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let path = self.dir.join(name);
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| self.cannot_write(&e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_data())
            .map_err(|e| self.cannot_write(&e))?;
        if created {
            self.sync_dir()?;
        }
        Ok(())
    }

    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        let mut file = match File::open(self.dir.join(name)) {
            Ok(f) => f,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok(None)
            }
            Err(e) => return Err(self.cannot_read(name, &e)),
        };
        let result = (|| {
            let len = file.metadata()?.len();
            file.seek(SeekFrom::Start(len.saturating_sub(max as u64)))?;
            let mut tail = Vec::with_capacity(max.min(len as usize));
            file.read_to_end(&mut tail)?;
            Ok(tail)
        })();
        result
            .map(Some)
            .map_err(|e: std::io::Error| self.cannot_read(name, &e))
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
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
        let store = FileStore::new(dir, Duration::from_secs(1));
        let err = store.write("x.json", b"{}").expect_err("cannot write");
        assert!(err.to_string().starts_with("Cannot write to "), "{err}");
        assert!(err.to_string().contains("Check permissions."), "{err}");
        assert_eq!(store.read("config.json").expect("no vault"), None);
        assert_eq!(store.list().expect("no vault"), Vec::<String>::new());
    }

    #[test]
    fn lock_sweeps_left_over_temp_files() {
        let root = tempfile::tempdir().expect("tempdir");
        let store = FileStore::new(root.path().to_path_buf(), Duration::from_secs(1));
        fs::write(
            root.path().join("openai.json.tmp.0011223344556677"),
            b"half",
        )
        .expect("write");
        store.lock().expect("lock");
        store.unlock().expect("unlock");
        assert!(!root
            .path()
            .join("openai.json.tmp.0011223344556677")
            .exists());
        assert!(!root.path().join(".lock").exists());
    }
}
