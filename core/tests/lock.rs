//! The write lock's protocol (`agent_secrets_core::lock`) over a fake set
//! of primitives: files in memory, a clock that moves only when the
//! protocol sleeps (or a test says so), a list of live pids. Every test is
//! deterministic; the shared scenarios of `tests/lock/` run here too, as
//! they do on the CLI's and the npm package's real files.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use agent_secrets_core::files::{self, Access, FileStat, LOCK_FILE};
use agent_secrets_core::lock::{
    timeout_from_env, Backoff, Held, Holder, LockIo, LockName, LockState, Tool, WriteLock,
};
use agent_secrets_core::{ErrorKind, StoreError, Timestamp};

#[path = "../../tests/support/lock_suite.rs"]
mod lock_suite;

use lock_suite::{Found, Planted, Runner};

/// A moment on the fake's wall clock when its monotonic clock reads zero.
const EPOCH: i64 = 1_800_000_000;
const HOST: &str = "fake-host";
const PID: u32 = 4242;
const DEAD: u32 = lock_suite::DEAD;
const FOLDER: &str = "vault/";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    File(Vec<u8>),
    Folder,
    Fifo,
    Symlink,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: Kind,
    mode: u32,
    /// Modification time, milliseconds on the fake's wall clock.
    modified_ms: i64,
}

#[derive(Default)]
struct Fake {
    files: RefCell<BTreeMap<&'static str, Entry>>,
    /// Milliseconds since [`EPOCH`]; moves only in `sleep`.
    clock_ms: Cell<u64>,
    sleeps: RefCell<Vec<Duration>>,
    alive: Vec<u32>,
    asked: RefCell<Vec<u32>>,
    /// Put in `.lock` when the guard is created (a writer racing the breaker).
    swap_on_guard: RefCell<Option<Vec<u8>>>,
    /// Remove `.lock` before this many more reads (a holder releasing it
    /// between our create and our read), again and again.
    vanish_reads: Cell<u32>,
    /// Every create of `.lock` fails with this reason.
    create_fails: Option<&'static str>,
    /// Every create of `.lock` finds one there, every read finds none (it
    /// changes hands between the two), and each create takes a millisecond.
    flicker: bool,
}

impl Fake {
    fn new() -> Self {
        Self {
            alive: vec![PID, 1],
            ..Self::default()
        }
    }

    fn wall_ms(&self) -> i64 {
        EPOCH * 1000 + i64::try_from(self.clock_ms.get()).expect("small")
    }

    fn put(&self, name: LockName, kind: Kind, age: Duration) {
        let modified_ms = self.wall_ms() - i64::try_from(age.as_millis()).expect("small");
        self.files.borrow_mut().insert(
            name.file_name(),
            Entry {
                kind,
                mode: 0o100_600,
                modified_ms,
            },
        );
    }

    fn put_bytes(&self, name: LockName, bytes: &[u8], age_s: u64) {
        self.put(name, Kind::File(bytes.to_vec()), Duration::from_secs(age_s));
    }

    fn entry(&self, name: LockName) -> Option<Entry> {
        self.files.borrow().get(name.file_name()).cloned()
    }

    fn bytes(&self, name: LockName) -> Option<Vec<u8>> {
        match self.entry(name)?.kind {
            Kind::File(bytes) => Some(bytes),
            _ => None,
        }
    }
}

impl LockIo for Fake {
    fn create_exclusive(&self, file: LockName, bytes: &[u8]) -> Result<bool, StoreError> {
        if let (LockName::Lock, Some(reason)) = (file, self.create_fails) {
            return Err(StoreError::CannotWrite {
                location: format!("{FOLDER}{}", file.file_name()),
                reason: reason.to_owned(),
            });
        }
        if self.flicker && file == LockName::Lock {
            self.clock_ms.set(self.clock_ms.get() + 1);
            return Ok(false);
        }
        if self.entry(file).is_some() {
            return Ok(false);
        }
        self.put(file, Kind::File(bytes.to_vec()), Duration::ZERO);
        if file == LockName::Guard {
            if let Some(other) = self.swap_on_guard.borrow_mut().take() {
                self.put(LockName::Lock, Kind::File(other), Duration::ZERO);
            }
        }
        Ok(true)
    }

    fn read(&self, file: LockName) -> Result<Option<Vec<u8>>, StoreError> {
        if self.flicker && file == LockName::Lock {
            return Ok(None);
        }
        let left = self.vanish_reads.get();
        if left > 0 {
            self.vanish_reads.set(left - 1);
            self.files.borrow_mut().remove(file.file_name());
        }
        let Some(entry) = self.entry(file) else {
            return Ok(None);
        };
        let (type_bits, size) = match &entry.kind {
            Kind::File(bytes) => (0, bytes.len() as u64),
            Kind::Folder => (0o040_000, 0),
            Kind::Fifo => (0o010_000, 0),
            Kind::Symlink => (0o120_000, 0),
        };
        let mode = match entry.kind {
            Kind::File(_) => entry.mode,
            _ => type_bits | 0o600,
        };
        let stat = FileStat {
            mode,
            uid: 0,
            nlink: 1,
            size,
        };
        let shown = format!("{FOLDER}{}", file.file_name());
        files::check_file(&shown, file.file_name(), &stat, 0, Access::Read)?;
        Ok(self.bytes(file))
    }

    fn remove(&self, file: LockName) -> Result<(), StoreError> {
        let mut files = self.files.borrow_mut();
        match files.get(file.file_name()).map(|e| &e.kind) {
            // unlink(2) cannot remove a folder.
            Some(Kind::Folder) => Err(StoreError::CannotWrite {
                location: format!("{FOLDER}{}", file.file_name()),
                reason: "Is a directory (os error 21)".to_owned(),
            }),
            _ => {
                files.remove(file.file_name());
                Ok(())
            }
        }
    }

    fn age(&self, file: LockName) -> Option<Duration> {
        let entry = self.entry(file)?;
        let ms = self.wall_ms().saturating_sub(entry.modified_ms).max(0);
        Some(Duration::from_millis(u64::try_from(ms).ok()?))
    }

    fn pid_alive(&self, pid: u32) -> bool {
        self.asked.borrow_mut().push(pid);
        self.alive.contains(&pid)
    }

    fn sleep(&self, pause: Duration) {
        self.sleeps.borrow_mut().push(pause);
        let ms = u64::try_from(pause.as_millis()).expect("small");
        self.clock_ms.set(self.clock_ms.get() + ms);
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_unix(self.wall_ms().div_euclid(1000))
    }

    fn monotonic(&self) -> Duration {
        Duration::from_millis(self.clock_ms.get())
    }

    fn host(&self) -> String {
        HOST.to_owned()
    }

    fn pid(&self) -> u32 {
        PID
    }

    fn nonce(&self) -> [u8; 8] {
        [0x9f, 0x2c, 0x4e, 0x1a, 0x7b, 0x3d, 0x5c, 0x60]
    }
}

fn holder(pid: u32, host: &str, created_at: i64) -> Vec<u8> {
    Holder {
        pid,
        host: host.to_owned(),
        created_at: Timestamp::from_unix(created_at),
        nonce: "00".to_owned(),
        tool: "cli".to_owned(),
    }
    .to_line()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn the_lock_line_is_the_documented_json() {
    let fake = Fake::new();
    let lock = WriteLock::new(&fake, FOLDER, ms(30));
    let held = lock.acquire(Tool::Node).expect("free");
    let expected = format!(
        "{{\"pid\":{PID},\"host\":\"{HOST}\",\"created_at\":\"2027-01-15T08:00:00Z\",\"nonce\":\"9f2c4e1a7b3d5c60\",\"tool\":\"node\"}}\n"
    );
    assert_eq!(held.as_bytes(), expected.as_bytes());
    assert_eq!(
        fake.bytes(LockName::Lock).expect("written"),
        expected.as_bytes()
    );
    assert!(fake.sleeps.borrow().is_empty(), "no wait for a free lock");
    lock.release(&held).expect("release");
    assert_eq!(fake.entry(LockName::Lock), None);
}

#[test]
fn the_default_nonce_is_sixteen_hex_characters() {
    struct Real;
    impl LockIo for Real {
        fn create_exclusive(&self, _: LockName, _: &[u8]) -> Result<bool, StoreError> {
            Ok(true)
        }
        fn read(&self, _: LockName) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(None)
        }
        fn remove(&self, _: LockName) -> Result<(), StoreError> {
            Ok(())
        }
        fn age(&self, _: LockName) -> Option<Duration> {
            None
        }
        fn pid_alive(&self, _: u32) -> bool {
            true
        }
        fn sleep(&self, _: Duration) {}
        fn now(&self) -> Timestamp {
            Timestamp::from_unix(EPOCH)
        }
        fn monotonic(&self) -> Duration {
            Duration::ZERO
        }
        fn host(&self) -> String {
            HOST.to_owned()
        }
        fn pid(&self) -> u32 {
            PID
        }
    }
    let a = WriteLock::new(Real, FOLDER, ms(0))
        .acquire(Tool::Cli)
        .expect("free");
    let b = WriteLock::new(Real, FOLDER, ms(0))
        .acquire(Tool::Cli)
        .expect("free");
    let nonce = |held: &Held| Holder::parse(held.as_bytes()).expect("holder").nonce;
    assert_eq!(nonce(&a).len(), 16);
    assert!(nonce(&a)
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    assert_ne!(nonce(&a), nonce(&b), "random per acquisition");
}

#[test]
fn a_live_lock_is_waited_for_with_the_documented_pauses_then_busy() {
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(1, "other", EPOCH), 0);
    let lock = WriteLock::new(&fake, FOLDER, ms(100));
    let err = lock.acquire(Tool::Cli).expect_err("busy");
    // 1 + 2 + 4 + 8 + 16 + 32 = 63 ms < 100; + 50 = 113 ms >= 100.
    assert_eq!(
        *fake.sleeps.borrow(),
        [1, 2, 4, 8, 16, 32, 50].map(ms).to_vec()
    );
    assert_eq!(
        err.to_string(),
        "The vault is busy: vault/.lock is held by pid 1 on other since 2027-01-15T08:00:00Z (cli). If no agent process is running, remove it."
    );
    assert!(matches!(err, StoreError::Busy { .. }));
    assert_eq!(
        fake.bytes(LockName::Lock),
        Some(holder(1, "other", EPOCH)),
        "kept"
    );
    assert!(
        fake.asked.borrow().is_empty(),
        "another host's pid is never probed"
    );
}

#[test]
fn the_backoff_schedule() {
    let pauses: Vec<u128> = Backoff::new().take(10).map(|d| d.as_millis()).collect();
    assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 50, 50, 50, 50]);
}

#[test]
fn a_lock_released_while_waiting_is_taken() {
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(1, "other", EPOCH), 0);
    // The holder releases after our third pause.
    struct Releasing<'a>(&'a Fake);
    impl LockIo for Releasing<'_> {
        fn create_exclusive(&self, f: LockName, b: &[u8]) -> Result<bool, StoreError> {
            self.0.create_exclusive(f, b)
        }
        fn read(&self, f: LockName) -> Result<Option<Vec<u8>>, StoreError> {
            self.0.read(f)
        }
        fn remove(&self, f: LockName) -> Result<(), StoreError> {
            self.0.remove(f)
        }
        fn age(&self, f: LockName) -> Option<Duration> {
            self.0.age(f)
        }
        fn pid_alive(&self, pid: u32) -> bool {
            self.0.pid_alive(pid)
        }
        fn sleep(&self, pause: Duration) {
            self.0.sleep(pause);
            if self.0.sleeps.borrow().len() == 3 {
                self.0.files.borrow_mut().remove(LOCK_FILE);
            }
        }
        fn now(&self) -> Timestamp {
            self.0.now()
        }
        fn monotonic(&self) -> Duration {
            self.0.monotonic()
        }
        fn host(&self) -> String {
            self.0.host()
        }
        fn pid(&self) -> u32 {
            self.0.pid()
        }
        fn nonce(&self) -> [u8; 8] {
            self.0.nonce()
        }
    }
    let lock = WriteLock::new(Releasing(&fake), FOLDER, ms(1_000));
    let held = lock.acquire(Tool::Cli).expect("taken once released");
    assert_eq!(*fake.sleeps.borrow(), [1, 2, 4].map(ms).to_vec());
    assert_eq!(fake.bytes(LockName::Lock).as_deref(), Some(held.as_bytes()));
}

#[test]
fn a_zero_timeout_tries_once() {
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(1, "other", EPOCH), 0);
    let err = WriteLock::new(&fake, FOLDER, Duration::ZERO)
        .acquire(Tool::Cli)
        .expect_err("busy");
    assert!(matches!(err, StoreError::Busy { .. }));
    assert!(fake.sleeps.borrow().is_empty());
    // A stale lock is still broken.
    fake.put_bytes(LockName::Lock, &holder(DEAD, HOST, EPOCH), 0);
    WriteLock::new(&fake, FOLDER, Duration::ZERO)
        .acquire(Tool::Cli)
        .expect("stale lock broken");
}

#[test]
fn staleness_at_the_edges() {
    let at = |created_ago: i64, file_age_s: u64| {
        let fake = Fake::new();
        fake.put_bytes(
            LockName::Lock,
            &holder(1, "other", EPOCH - created_ago),
            file_age_s,
        );
        WriteLock::new(&fake, FOLDER, ms(0)).inspect()
    };
    assert!(
        matches!(at(600, 600), LockState::Held(_)),
        "600 s is not more than 600 s"
    );
    assert!(matches!(at(601, 0), LockState::Stale(_)));
    assert!(matches!(at(0, 601), LockState::Stale(_)));
    // A created_at in the future (a clock ahead) is not old.
    assert!(matches!(at(-3_600, 0), LockState::Held(_)));
    let garbage = |age_s: u64| {
        let fake = Fake::new();
        fake.put_bytes(LockName::Lock, b"{\"pid\":", age_s);
        WriteLock::new(&fake, FOLDER, ms(0)).inspect()
    };
    assert!(matches!(garbage(10), LockState::Held(_)));
    assert_eq!(
        garbage(11),
        LockState::Stale("it is not a lock this version understands".to_owned())
    );
}

#[test]
fn only_real_pids_of_this_host_are_probed() {
    for pid in [0, 2_147_483_648, u32::MAX] {
        let fake = Fake::new();
        fake.put_bytes(LockName::Lock, &holder(pid, HOST, EPOCH), 0);
        assert_eq!(
            WriteLock::new(&fake, FOLDER, ms(0)).inspect(),
            LockState::Stale(format!(
                "its holder, pid {pid} on this host, is no longer running"
            ))
        );
        assert!(fake.asked.borrow().is_empty(), "pid {pid} was probed");
    }
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(2_147_483_647, HOST, EPOCH), 0);
    let _ = WriteLock::new(&fake, FOLDER, ms(0)).inspect();
    assert_eq!(*fake.asked.borrow(), [2_147_483_647]);
}

#[test]
fn a_lock_replaced_while_being_broken_is_left_alone() {
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(DEAD, HOST, EPOCH), 0);
    // Another writer broke it and took a fresh one between our judgement
    // and our guard.
    let fresh = holder(1, "other", EPOCH);
    *fake.swap_on_guard.borrow_mut() = Some(fresh.clone());
    let err = WriteLock::new(&fake, FOLDER, ms(10))
        .acquire(Tool::Cli)
        .expect_err("the fresh lock is live");
    assert!(err.to_string().contains("pid 1 on other"), "{err}");
    assert_eq!(fake.bytes(LockName::Lock), Some(fresh), "not removed");
    assert_eq!(fake.entry(LockName::Guard), None, "guard released");
}

#[test]
fn a_stale_guard_is_cleared_and_a_young_one_respected() {
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(DEAD, HOST, EPOCH), 0);
    fake.put_bytes(LockName::Guard, b"", 9);
    let err = WriteLock::new(&fake, FOLDER, ms(10))
        .acquire(Tool::Cli)
        .expect_err("a breaker is at work");
    assert!(matches!(err, StoreError::Busy { .. }));
    assert!(fake.entry(LockName::Guard).is_some());
    // A second later, its guard is more than 10 s old: that breaker is
    // taken for dead.
    fake.sleep(Duration::from_secs(1));
    WriteLock::new(&fake, FOLDER, ms(10))
        .acquire(Tool::Cli)
        .expect("guard cleared, lock broken");
    assert_eq!(fake.entry(LockName::Guard), None);
}

#[test]
fn a_lock_that_vanishes_between_create_and_read_is_tried_again_at_once() {
    let fake = Fake::new();
    fake.put_bytes(LockName::Lock, &holder(1, "other", EPOCH), 0);
    fake.vanish_reads.set(1);
    WriteLock::new(&fake, FOLDER, ms(0))
        .acquire(Tool::Cli)
        .expect("taken at the second try");
    assert!(fake.sleeps.borrow().is_empty());
}

#[test]
fn a_lock_that_keeps_changing_hands_still_ends_in_the_timeout() {
    // Every read finds it gone, every create finds it there: a writer
    // never gets it and never spins past the timeout.
    let fake = Fake {
        flicker: true,
        ..Fake::new()
    };
    let lock = WriteLock::new(&fake, FOLDER, ms(5));
    assert_eq!(lock.timeout(), ms(5));
    let err = lock.acquire(Tool::Cli).expect_err("busy");
    assert!(fake.monotonic() >= ms(5), "waited for the timeout");
    assert_eq!(
        err.to_string(),
        "The vault is busy: vault/.lock was taken by one writer after another until the wait ran out. If no agent process is running, remove it."
    );
}

#[test]
fn errors_other_than_exists_go_up_at_once() {
    let fake = Fake {
        create_fails: Some("No space left on device (os error 28)"),
        ..Fake::new()
    };
    let err = WriteLock::new(&fake, FOLDER, Duration::from_secs(3_600))
        .acquire(Tool::Cli)
        .expect_err("cannot create");
    assert_eq!(
        err.to_string(),
        "Cannot write to vault/.lock. Check permissions. (No space left on device (os error 28))"
    );
    let fake = Fake::new();
    fake.put(LockName::Lock, Kind::Fifo, Duration::ZERO);
    let err = WriteLock::new(&fake, FOLDER, Duration::from_secs(3_600))
        .acquire(Tool::Cli)
        .expect_err("refused");
    assert!(matches!(err, StoreError::Refused { .. }), "{err}");
    assert!(fake.sleeps.borrow().is_empty(), "no wait for a refusal");
}

#[test]
fn release_removes_only_our_own_lock() {
    let fake = Fake::new();
    let lock = WriteLock::new(&fake, FOLDER, ms(30));
    let held = lock.acquire(Tool::Cli).expect("free");
    // Judged stale and broken, then taken by someone else.
    fake.put_bytes(LockName::Lock, b"someone else", 0);
    lock.release(&held).expect("a no-op");
    assert_eq!(fake.bytes(LockName::Lock), Some(b"someone else".to_vec()));
    // Already gone: nothing to do.
    fake.files.borrow_mut().clear();
    lock.release(&held).expect("a no-op");
    // A proof carried over a binding releases like the original.
    let held = lock.acquire(Tool::Cli).expect("free");
    lock.release(&Held::from_bytes(held.as_bytes().to_vec()))
        .expect("release");
    assert_eq!(fake.entry(LockName::Lock), None);
}

#[test]
fn tools_by_name() {
    for tool in [Tool::Cli, Tool::Node, Tool::Ui] {
        assert_eq!(Tool::parse(tool.as_str()), Some(tool));
    }
    assert_eq!(Tool::parse("CLI"), None);
    assert_eq!(Tool::parse(""), None);
}

#[test]
fn the_shared_timeout_grammar() {
    for (value, expected) in lock_suite::timeout_cases() {
        let got = timeout_from_env(value.as_deref());
        match (expected, got) {
            (Ok(ms), Ok(d)) => assert_eq!(d, Duration::from_millis(ms), "{value:?}"),
            (Err(message), Err(e)) => {
                assert_eq!(e.to_string(), message, "{value:?}");
                assert_eq!(e.kind(), ErrorKind::Usage, "{value:?}");
            }
            (expected, got) => panic!("{value:?}: expected {expected:?}, got {got:?}"),
        }
    }
}

/// The fake as a runner of the shared suite.
struct FakeRunner {
    fake: Fake,
    held: Option<Held>,
}

impl FakeRunner {
    fn lock(&self, timeout: Duration) -> WriteLock<&Fake> {
        WriteLock::new(&self.fake, FOLDER, timeout)
    }
}

impl Runner for FakeRunner {
    fn pid(&self) -> u32 {
        PID
    }
    fn host(&self) -> String {
        HOST.to_owned()
    }
    fn now(&self) -> Timestamp {
        self.fake.now()
    }
    fn shown(&self) -> String {
        format!("{FOLDER}{LOCK_FILE}")
    }
    fn plant(&mut self, file: LockName, what: &Planted) {
        let kind = match &what.found {
            Found::File(bytes) => Kind::File(bytes.clone()),
            Found::Fifo => Kind::Fifo,
            Found::Folder => Kind::Folder,
            Found::Symlink => Kind::Symlink,
        };
        self.fake.put(file, kind, what.age);
        if let Some(entry) = self.fake.files.borrow_mut().get_mut(file.file_name()) {
            if matches!(entry.kind, Kind::File(_)) {
                entry.mode = 0o100_000 | what.mode;
            }
        }
    }
    fn found(&self, file: LockName) -> Option<Found> {
        Some(match self.fake.entry(file)?.kind {
            Kind::File(bytes) => Found::File(bytes),
            Kind::Fifo => Found::Fifo,
            Kind::Folder => Found::Folder,
            Kind::Symlink => Found::Symlink,
        })
    }
    fn inspect(&self) -> LockState {
        self.lock(Duration::ZERO).inspect()
    }
    fn acquire(&mut self, timeout: Duration) -> Result<(), StoreError> {
        self.held = Some(self.lock(timeout).acquire(Tool::Cli)?);
        Ok(())
    }
    fn release(&mut self) {
        let held = self.held.take().expect("held");
        self.lock(Duration::ZERO).release(&held).expect("release");
    }
}

#[test]
fn shared_scenarios_on_the_fake() {
    for name in lock_suite::scenario_names() {
        let mut runner = FakeRunner {
            fake: Fake::new(),
            held: None,
        };
        lock_suite::run_scenario(&name, &mut runner);
    }
}
