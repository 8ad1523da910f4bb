//! Storage failures reach the caller as `Error::Storage`, release the write
//! lock and leave the other documents as they were.

use std::cell::RefCell;

use agent_secrets_core::format::{CONFIG_FILE, GITIGNORE_FILE};
use agent_secrets_core::lockout;
use agent_secrets_core::{
    fail_unlock, list, status, Error, ErrorKind, InitOptions, KeyName, MemoryStore, Password,
    ServiceName, Store, StoreError, Timestamp, Vault, MIN_ITERATIONS,
};

/// A fake password used only by these tests.
const PASSWORD: &str = "Correct-Horse-Battery-9";

#[derive(Debug, Clone, PartialEq)]
enum Fault {
    Read(&'static str),
    Write(&'static str),
    Remove(&'static str),
    List,
    /// `list` names a document that `read` does not find (removed in between).
    Ghost,
    /// `list` first writes these bytes under this name (a document restored
    /// from a backup by another process at that moment).
    Plant(&'static str, Vec<u8>),
}

/// A memory store that fails the operations it is told to.
#[derive(Debug, Default)]
struct Faulty {
    inner: MemoryStore,
    faults: RefCell<Vec<Fault>>,
}

impl Faulty {
    fn set(&self, faults: &[Fault]) {
        *self.faults.borrow_mut() = faults.to_vec();
    }
    fn has(&self, wanted: impl Fn(&Fault) -> bool) -> bool {
        self.faults.borrow().iter().any(wanted)
    }
}

fn read_error(location: &str) -> StoreError {
    StoreError::CannotRead {
        location: location.to_owned(),
        reason: "injected read failure".to_owned(),
    }
}

fn write_error(location: &str) -> StoreError {
    StoreError::CannotWrite {
        location: location.to_owned(),
        reason: "injected write failure".to_owned(),
    }
}

// Every method forwards (a fault on a document applies to each way of
// reading or writing it), or the tests would run the trait's defaults.
#[deny(clippy::missing_trait_methods)]
impl Store for Faulty {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if self.has(|f| matches!(f, Fault::Read(n) if *n == name)) {
            return Err(read_error(name));
        }
        self.inner.read(name)
    }
    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        if self.has(|f| matches!(f, Fault::Read(n) if *n == name)) {
            return Err(read_error(name));
        }
        self.inner.read_tail(name, max)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if self.has(|f| matches!(f, Fault::Write(n) if *n == name)) {
            return Err(write_error(name));
        }
        self.inner.write(name, bytes)
    }
    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if self.has(|f| matches!(f, Fault::Write(n) if *n == name)) {
            return Err(write_error(name));
        }
        self.inner.write_unsynced(name, bytes)
    }
    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if self.has(|f| matches!(f, Fault::Write(n) if *n == name)) {
            return Err(write_error(name));
        }
        self.inner.append(name, bytes)
    }
    fn remove(&self, name: &str) -> Result<(), StoreError> {
        if self.has(|f| matches!(f, Fault::Remove(n) if *n == name)) {
            return Err(write_error(name));
        }
        self.inner.remove(name)
    }
    fn list(&self) -> Result<Vec<String>, StoreError> {
        if self.has(|f| *f == Fault::List) {
            return Err(read_error("the vault folder"));
        }
        for fault in self.faults.borrow().iter() {
            if let Fault::Plant(name, bytes) = fault {
                self.inner.insert(name, bytes);
            }
        }
        let mut names = self.inner.list()?;
        if self.has(|f| *f == Fault::Ghost) {
            names.push("ghost.json".to_owned());
        }
        Ok(names)
    }
    fn lock(&self) -> Result<(), StoreError> {
        self.inner.lock()
    }
    fn unlock(&self) -> Result<(), StoreError> {
        self.inner.unlock()
    }
}

fn opts() -> InitOptions {
    InitOptions {
        iterations: MIN_ITERATIONS,
        ..InitOptions::default()
    }
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_795_867_200 + s)
}

fn vault() -> Vault<Faulty> {
    let v = Vault::init(Faulty::default(), &PASSWORD.into(), &opts(), t(0)).expect("init");
    v.set(&sn("openai"), &kn("api_key"), &"fake-a".into(), t(1))
        .expect("set");
    v.set(&sn("openai"), &kn("org_id"), &"fake-b".into(), t(1))
        .expect("set");
    v
}

fn assert_storage(e: &Error, location: &str, write: bool) {
    match e {
        Error::Storage(StoreError::CannotWrite { location: l, .. }) if write => {
            assert_eq!(l, location)
        }
        Error::Storage(StoreError::CannotRead { location: l, .. }) if !write => {
            assert_eq!(l, location)
        }
        other => panic!("expected a storage error on {location}, got {other:?}"),
    }
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.kind().code(), "IO");
    let shown = format!("{e} {e:?}");
    for leak in ["fake-a", "fake-b", PASSWORD] {
        assert!(!shown.contains(leak), "{shown}");
    }
    assert!(e.to_string().contains(location), "{e}");
}

#[test]
fn init_fails_cleanly_when_a_write_or_read_fails() {
    for (fault, location, write) in [
        (Fault::Write(GITIGNORE_FILE), GITIGNORE_FILE, true),
        (Fault::Write(CONFIG_FILE), CONFIG_FILE, true),
        (Fault::Read(CONFIG_FILE), CONFIG_FILE, false),
    ] {
        let store = Faulty::default();
        store.set(&[fault]);
        let e = Vault::init(store, &PASSWORD.into(), &opts(), t(0)).expect_err("fault");
        assert_storage(&e, location, write);
    }
}

#[test]
fn init_releases_the_lock_and_writes_no_config_when_gitignore_fails() {
    let store = Faulty::default();
    store.set(&[Fault::Write(GITIGNORE_FILE)]);
    // A borrowed store is a store: the test keeps its own handle to look inside.
    let e = Vault::init(&store, &PASSWORD.into(), &opts(), t(0))
        .map(|_| ())
        .expect_err("fault");
    assert_storage(&e, GITIGNORE_FILE, true);
    assert!(store.inner.documents().is_empty());
    assert!(!store.inner.is_locked());
    // Once the fault is gone, init works on the same store.
    store.set(&[]);
    Vault::init(&store, &PASSWORD.into(), &opts(), t(0)).expect("retry");
    assert_eq!(
        store.inner.documents().len(),
        3,
        ".gitignore, state.json, config.json"
    );
}

#[test]
fn reads_that_fail_are_storage_errors() {
    let v = vault();
    v.store().set(&[Fault::Read("openai.json")]);
    for e in [
        v.get(&sn("openai"), &kn("api_key"))
            .map(|_| ())
            .expect_err("get"),
        v.get_service(&sn("openai"))
            .map(|_| ())
            .expect_err("get_service"),
        v.delete(&sn("openai"), &kn("api_key")).expect_err("delete"),
        v.set(&sn("openai"), &kn("api_key"), &"x".into(), t(2))
            .map(|_| ())
            .expect_err("set"),
        list(v.store(), Some(&sn("openai")))
            .map(|_| ())
            .expect_err("list one"),
    ] {
        assert_storage(&e, "openai.json", false);
    }
    // list(None) reports the unreadable document and goes on.
    let (services, problems) = list(v.store(), None).expect("list");
    assert!(services.is_empty());
    assert_eq!(problems.len(), 1);
    assert_storage(&problems[0], "openai.json", false);

    v.store().set(&[Fault::Read(CONFIG_FILE)]);
    for e in [
        v.set(&sn("openai"), &kn("api_key"), &"x".into(), t(2))
            .map(|_| ())
            .expect_err("set checks the keys"),
        list(v.store(), None).map(|_| ()).expect_err("list"),
        status(v.store()).map(|_| ()).expect_err("status"),
    ] {
        assert_storage(&e, CONFIG_FILE, false);
    }
    assert!(!v.store().inner.is_locked());
    // Reads that do not need config.json still work.
    assert_eq!(
        v.get(&sn("openai"), &kn("api_key")).expect("get").expose(),
        "fake-a"
    );

    let store = v.into_store();
    let e = Vault::unlock(
        store,
        &PASSWORD.into(),
        agent_secrets_core::Timestamp::from_unix(1_795_867_200),
    )
    .expect_err("unlock");
    assert_storage(&e, CONFIG_FILE, false);
}

#[test]
fn writes_and_removes_that_fail_leave_the_document_and_release_the_lock() {
    let v = vault();
    let before = v.store().inner.documents();
    v.store()
        .set(&[Fault::Write("openai.json"), Fault::Remove("openai.json")]);
    let e = v
        .set(&sn("openai"), &kn("api_key"), &"new".into(), t(2))
        .expect_err("write");
    assert_storage(&e, "openai.json", true);
    let e = v.delete(&sn("openai"), &kn("org_id")).expect_err("rewrite");
    assert_storage(&e, "openai.json", true);
    assert_eq!(v.store().inner.documents(), before);
    assert!(!v.store().inner.is_locked());

    // The last key: delete removes the document, and that fails.
    v.store().set(&[]);
    v.delete(&sn("openai"), &kn("org_id")).expect("delete");
    v.store().set(&[Fault::Remove("openai.json")]);
    let e = v.delete(&sn("openai"), &kn("api_key")).expect_err("remove");
    assert_storage(&e, "openai.json", true);
    assert_eq!(
        v.get(&sn("openai"), &kn("api_key"))
            .expect("still there")
            .expose(),
        "fake-a"
    );
    assert!(!v.store().inner.is_locked());
}

#[test]
fn listing_failures_and_documents_gone_since_the_listing() {
    let v = vault();
    v.store().set(&[Fault::List]);
    for e in [
        list(v.store(), None).map(|_| ()).expect_err("list"),
        status(v.store()).map(|_| ()).expect_err("status"),
    ] {
        assert_storage(&e, "the vault folder", false);
    }
    // Listed but gone by the time it is read: skipped, not a problem.
    v.store().set(&[Fault::Ghost]);
    assert!(v
        .store()
        .list()
        .expect("list")
        .contains(&"ghost.json".to_owned()));
    let (services, problems) = list(v.store(), None).expect("list");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].service, "openai");
    let (st, problems) = status(v.store()).expect("status");
    assert!(problems.is_empty());
    assert_eq!((st.services, st.secrets), (1, 2));
}

#[test]
fn a_password_is_not_needed_to_see_a_storage_error() {
    let store = Faulty::default();
    store.set(&[Fault::Read(CONFIG_FILE)]);
    let e = Vault::unlock(
        store,
        &Password::from("Anything-Else-12"),
        agent_secrets_core::Timestamp::from_unix(1_795_867_200),
    )
    .expect_err("read");
    assert_storage(&e, CONFIG_FILE, false);
}

/// A service name (test input, valid by construction).
fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}

/// A key name (test input, valid by construction).
fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}

#[test]
fn an_unreadable_state_file_counts_as_no_failures_and_says_why() {
    let v = vault();
    v.store().set(&[Fault::Read("state.json")]);
    let (state, problem) = lockout::load(v.store());
    assert!(state.is_clear());
    assert_storage(&problem.expect("the read failure"), "state.json", false);
    // A wrong password whose config cannot be read reports the read.
    v.store().set(&[Fault::Read(CONFIG_FILE)]);
    assert_storage(&fail_unlock(v.store(), t(5)), CONFIG_FILE, false);
}

#[test]
fn clearing_a_clear_lockout_writes_nothing() {
    let store = MemoryStore::new();
    Vault::init(&store, &PASSWORD.into(), &opts(), t(0)).expect("init");
    let before = store.write_count();
    let state = store.read("state.json").expect("read");
    lockout::clear(&store).expect("clear");
    assert_eq!(store.write_count(), before);
    assert_eq!(store.read("state.json").expect("read"), state);
}

#[test]
fn a_rotation_skips_a_service_deleted_during_its_pass() {
    let mut v = vault();
    v.store().set(&[Fault::Ghost]);
    let mut seen = Vec::new();
    let summary = v
        .rotate(t(5), &mut |done, total| seen.push((done, total)))
        .expect("rotate");
    assert_eq!((summary.services, summary.values_moved), (2, 2));
    assert_eq!(seen, [(1, 2), (2, 2)]);
    v.store().set(&[]);
    assert_eq!(
        v.get(&sn("openai"), &kn("api_key")).expect("get").expose(),
        "fake-a"
    );
}

#[test]
fn a_rotation_refuses_to_drop_a_key_a_restored_service_still_uses() {
    let mut v = vault();
    let old = v
        .store()
        .inner
        .read("openai.json")
        .expect("read")
        .expect("present");
    v.store().set(&[Fault::Plant("openai.json", old)]);
    let e = v
        .rotate(t(5), &mut |_, _| {})
        .expect_err("an old key is still in use");
    assert!(
        matches!(&e, Error::Corrupt { file, detail } if file == "openai.json" && detail.contains("run rotate again")),
        "{e:?}"
    );
    // Nothing was dropped: the restored copy still opens, and the next
    // rotate finishes the job.
    v.store().set(&[]);
    assert_eq!(
        v.get(&sn("openai"), &kn("api_key")).expect("get").expose(),
        "fake-a"
    );
    let summary = v.rotate(t(6), &mut |_, _| {}).expect("rotate again");
    assert!(summary.resumed);
    assert_eq!(
        v.get(&sn("openai"), &kn("org_id")).expect("get").expose(),
        "fake-b"
    );
}
