//! The CLI's lock primitives on real files: the shared suite of
//! `tests/lock/` (the same cases the core runs on a fake and the npm
//! package on its own primitives), then what only real files show.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use agent_secrets_core::lock::{Held, LockState, Tool};
use agent_secrets_core::Store;

use super::*;
use crate::fs_store::FileStore;

#[path = "../../../tests/support/lock_suite.rs"]
mod lock_suite;

use lock_suite::{Found, Planted, Runner};

/// A fresh folder, locked through the CLI's own store.
struct RealFiles {
    root: tempfile::TempDir,
    store: Option<FileStore>,
}

impl RealFiles {
    fn new() -> Self {
        Self {
            root: tempfile::tempdir().expect("tempdir"),
            store: None,
        }
    }

    fn dir(&self) -> PathBuf {
        self.root.path().join("v")
    }

    fn display(&self) -> String {
        format!("{}/", self.dir().display())
    }

    fn path(&self, file: LockName) -> PathBuf {
        self.dir().join(file.file_name())
    }
}

impl Runner for RealFiles {
    fn pid(&self) -> u32 {
        std::process::id()
    }
    fn host(&self) -> String {
        FsLock::new(&self.dir(), &self.display()).host()
    }
    fn now(&self) -> Timestamp {
        crate::context::now()
    }
    fn shown(&self) -> String {
        format!("{}.lock", self.display())
    }
    fn plant(&mut self, file: LockName, what: &Planted) {
        fs::create_dir_all(self.dir()).expect("mkdir");
        fs::set_permissions(self.dir(), fs::Permissions::from_mode(0o700)).expect("chmod");
        let path = self.path(file);
        match &what.found {
            Found::File(bytes) => {
                fs::write(&path, bytes).expect("write");
                fs::set_permissions(&path, fs::Permissions::from_mode(what.mode)).expect("chmod");
            }
            Found::Folder => fs::create_dir(&path).expect("mkdir"),
            Found::Fifo => {
                let ok = crate::child::command("mkfifo")
                    .arg(&path)
                    .status()
                    .expect("mkfifo")
                    .success();
                assert!(ok, "mkfifo");
            }
            Found::Symlink => {
                std::os::unix::fs::symlink(self.dir().join("elsewhere"), &path).expect("link");
            }
        }
        if matches!(what.found, Found::File(_)) {
            let at = SystemTime::now() - what.age;
            fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(at))
                .expect("age");
        }
    }
    fn found(&self, file: LockName) -> Option<Found> {
        let path = self.path(file);
        let meta = fs::symlink_metadata(&path).ok()?;
        let kind = meta.file_type();
        Some(if kind.is_symlink() {
            assert!(
                !self.dir().join("elsewhere").exists(),
                "nothing created through the link"
            );
            Found::Symlink
        } else if kind.is_dir() {
            Found::Folder
        } else if kind.is_file() {
            Found::File(fs::read(&path).expect("read"))
        } else {
            Found::Fifo
        })
    }
    fn inspect(&self) -> LockState {
        write_lock(&self.dir(), &self.display(), Duration::ZERO).inspect()
    }
    fn acquire(&mut self, timeout: Duration) -> Result<(), StoreError> {
        let store = FileStore::new(self.dir(), timeout);
        store.lock()?;
        self.store = Some(store);
        Ok(())
    }
    fn release(&mut self) {
        self.store.take().expect("held").unlock().expect("unlock");
    }
}

#[test]
fn shared_scenarios_on_real_files() {
    for name in lock_suite::scenario_names() {
        lock_suite::run_scenario(&name, &mut RealFiles::new());
    }
}

#[test]
fn the_shared_timeout_grammar_as_the_cli_reads_it() {
    use std::ffi::OsStr;
    for (value, expected) in lock_suite::timeout_cases() {
        let got = crate::context::lock_timeout(value.as_deref().map(OsStr::new));
        match (expected, got) {
            (Ok(ms), Ok(d)) => assert_eq!(d, Duration::from_millis(ms), "{value:?}"),
            (Err(message), Err(e)) => assert_eq!(e.to_string(), message, "{value:?}"),
            (expected, got) => panic!("{value:?}: expected {expected:?}, got {got:?}"),
        }
    }
    // Bytes that are not UTF-8 are not digits either.
    use std::os::unix::ffi::OsStrExt;
    assert!(crate::context::lock_timeout(Some(OsStr::from_bytes(b"5\xff"))).is_err());
}

#[test]
fn the_lock_file_is_private_and_names_us() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lock = write_lock(dir.path(), "vault/", Duration::from_millis(30));
    let held = lock.acquire(Tool::Cli).expect("free");
    let path = dir.path().join(".lock");
    let meta = fs::metadata(&path).expect("lock");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let line = fs::read(&path).expect("read");
    assert_eq!(line, held.as_bytes());
    let holder = agent_secrets_core::lock::Holder::parse(&line).expect("holder");
    assert_eq!(holder.pid, std::process::id());
    assert_eq!(holder.host, FsLock::new(dir.path(), "vault/").host());
    assert!(line.ends_with(b"}\n"));
    lock.release(&held).expect("release");
    assert!(!path.exists());
}

#[test]
fn release_leaves_a_lock_that_is_not_ours() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lock = write_lock(dir.path(), "vault/", Duration::from_millis(20));
    let held = lock.acquire(Tool::Cli).expect("free");
    fs::write(dir.path().join(".lock"), b"someone else").expect("write");
    lock.release(&held).expect("release is a no-op");
    assert_eq!(
        fs::read(dir.path().join(".lock")).expect("still there"),
        b"someone else"
    );
    // A proof that was never ours removes nothing either.
    lock.release(&Held::from_bytes(b"other".to_vec()))
        .expect("no-op");
    assert!(dir.path().join(".lock").exists());
}

#[test]
fn the_primitives_report_what_the_system_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let io = FsLock::new(dir.path(), "vault/");
    assert!(io.pid_alive(std::process::id()));
    assert!(!io.pid_alive(lock_suite::DEAD));
    // pid 1 exists in every pid namespace.
    assert!(io.pid_alive(1));
    assert_eq!(io.age(LockName::Lock), None);
    assert!(io.create_exclusive(LockName::Lock, b"x").expect("create"));
    assert!(!io.create_exclusive(LockName::Lock, b"y").expect("exists"));
    assert_eq!(io.read(LockName::Lock).expect("read"), Some(b"x".to_vec()));
    assert!(io.age(LockName::Lock).expect("age") < Duration::from_secs(5));
    io.remove(LockName::Lock).expect("remove");
    io.remove(LockName::Lock).expect("absent is fine");
    assert_eq!(io.read(LockName::Lock).expect("read"), None);
    let before = io.monotonic();
    io.sleep(Duration::from_millis(2));
    assert!(io.monotonic() >= before + Duration::from_millis(2));
    // A folder where the folder should be: the create fails with the OS's
    // reason, naming the file.
    let blocked = dir.path().join("file");
    fs::write(&blocked, b"").expect("write");
    let err = FsLock::new(&blocked, "file/")
        .create_exclusive(LockName::Guard, b"")
        .expect_err("not a folder");
    assert!(
        err.to_string()
            .starts_with("Cannot write to file/.lock.break. Check permissions. (Not a directory"),
        "{err}"
    );
}
