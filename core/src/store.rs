//! How the core reaches storage: a flat set of named documents plus one
//! write lock. The native CLI implements it on a folder, the wasm build on
//! JavaScript callbacks, tests on memory ([`MemoryStore`]).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::StoreError;

/// A flat namespace of documents (`config.json`, `openai.json`, …).
///
/// Writers call [`Store::lock`] before reading what they will rewrite and
/// [`Store::unlock`] after the write, so that every front end (CLI, Node,
/// dashboard server) follows one lock protocol.
pub trait Store {
    /// The document's bytes, or `None` if there is no such document.
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Replaces the document atomically: a reader sees the old bytes or
    /// the new ones, never a mix, even if the process dies.
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// Replaces the document atomically like [`Store::write`], but without
    /// waiting for it to reach the disk: for documents whose loss in a
    /// crash only resets what they count (the lockout's `state.json`,
    /// written twice per unlock). Readers still see the old bytes or the
    /// new ones. The default is [`Store::write`].
    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.write(name, bytes)
    }
    /// Removes the document; absent is not an error.
    fn remove(&self, name: &str) -> Result<(), StoreError>;
    /// Appends bytes to a document, creating it if absent (the audit log).
    /// The default rewrites the whole document; file stores append.
    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut all = self.read(name)?.unwrap_or_default();
        all.extend_from_slice(bytes);
        self.write(name, &all)
    }
    /// At most the last `max` bytes of a document. The default reads it
    /// whole; file stores seek.
    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .read(name)?
            .map(|all| all[all.len().saturating_sub(max)..].to_vec()))
    }
    /// Names of all documents (any order).
    fn list(&self) -> Result<Vec<String>, StoreError>;
    /// Takes the exclusive write lock, waiting for another holder.
    fn lock(&self) -> Result<(), StoreError>;
    /// Releases the write lock.
    fn unlock(&self) -> Result<(), StoreError>;
}

/// A borrowed store is a store: several vault handles (or a vault and a
/// listing) can share one. Every method forwards (the lint makes sure): a
/// default here would skip the store's own, e.g. a file store's append.
#[deny(clippy::missing_trait_methods)]
impl<S: Store + ?Sized> Store for &S {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).read(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        (**self).write(name, bytes)
    }
    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        (**self).write_unsynced(name, bytes)
    }
    fn remove(&self, name: &str) -> Result<(), StoreError> {
        (**self).remove(name)
    }
    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        (**self).append(name, bytes)
    }
    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).read_tail(name, max)
    }
    fn list(&self) -> Result<Vec<String>, StoreError> {
        (**self).list()
    }
    fn lock(&self) -> Result<(), StoreError> {
        (**self).lock()
    }
    fn unlock(&self) -> Result<(), StoreError> {
        (**self).unlock()
    }
}

/// Holds the store's write lock until dropped.
pub(crate) struct WriteLock<'a, S: Store + ?Sized> {
    store: &'a S,
}

impl<'a, S: Store + ?Sized> WriteLock<'a, S> {
    pub(crate) fn take(store: &'a S) -> Result<Self, StoreError> {
        store.lock()?;
        Ok(Self { store })
    }
}

impl<S: Store + ?Sized> Drop for WriteLock<'_, S> {
    fn drop(&mut self) {
        // A lock left behind by a failed release is recovered as stale by the
        // next writer (see docs/format.md); there is nobody to report to here.
        let _ = self.store.unlock();
    }
}

/// Documents in memory, for tests and for the wasm build's document set.
#[derive(Debug, Default)]
pub struct MemoryStore {
    docs: RefCell<BTreeMap<String, Vec<u8>>>,
    locked: Cell<bool>,
    writes: Cell<usize>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding these documents.
    pub fn from_documents(docs: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        Self {
            docs: RefCell::new(docs.into_iter().collect()),
            ..Self::default()
        }
    }

    /// A copy of every document.
    pub fn documents(&self) -> BTreeMap<String, Vec<u8>> {
        self.docs.borrow().clone()
    }

    /// Puts a document without the lock (for setting up tests).
    pub fn insert(&self, name: &str, bytes: &[u8]) {
        self.docs
            .borrow_mut()
            .insert(name.to_owned(), bytes.to_vec());
    }

    /// How many writes and removes happened (tests count them).
    pub fn write_count(&self) -> usize {
        self.writes.get()
    }

    /// Whether the lock is held now.
    pub fn is_locked(&self) -> bool {
        self.locked.get()
    }
}

#[deny(clippy::missing_trait_methods)]
impl Store for MemoryStore {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.docs.borrow().get(name).cloned())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.writes.set(self.writes.get() + 1);
        self.docs
            .borrow_mut()
            .insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        // Memory has no disk to wait for.
        self.write(name, bytes)
    }

    fn append(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.writes.set(self.writes.get() + 1);
        self.docs
            .borrow_mut()
            .entry(name.to_owned())
            .or_default()
            .extend_from_slice(bytes);
        Ok(())
    }

    fn read_tail(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .docs
            .borrow()
            .get(name)
            .map(|all| all[all.len().saturating_sub(max)..].to_vec()))
    }

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.writes.set(self.writes.get() + 1);
        self.docs.borrow_mut().remove(name);
        Ok(())
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.docs.borrow().keys().cloned().collect())
    }

    fn lock(&self) -> Result<(), StoreError> {
        if self.locked.replace(true) {
            return Err(StoreError::Busy {
                detail: "the in-memory store is already locked".to_owned(),
            });
        }
        Ok(())
    }

    fn unlock(&self) -> Result<(), StoreError> {
        self.locked.set(false);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records which of its methods ran, each with its own answer, so a
    /// caller that reached it through a trait default shows up.
    #[derive(Default)]
    struct Probe {
        calls: RefCell<Vec<&'static str>>,
    }

    impl Probe {
        fn take(&self) -> Vec<&'static str> {
            core::mem::take(&mut *self.calls.borrow_mut())
        }
        fn note(&self, method: &'static str) {
            self.calls.borrow_mut().push(method);
        }
    }

    #[deny(clippy::missing_trait_methods)]
    impl Store for Probe {
        fn read(&self, _: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.note("read");
            Ok(Some(b"whole".to_vec()))
        }
        fn write(&self, _: &str, _: &[u8]) -> Result<(), StoreError> {
            self.note("write");
            Ok(())
        }
        fn write_unsynced(&self, _: &str, _: &[u8]) -> Result<(), StoreError> {
            self.note("write_unsynced");
            Ok(())
        }
        fn remove(&self, _: &str) -> Result<(), StoreError> {
            self.note("remove");
            Ok(())
        }
        fn append(&self, _: &str, _: &[u8]) -> Result<(), StoreError> {
            self.note("append");
            Ok(())
        }
        fn read_tail(&self, _: &str, _: usize) -> Result<Option<Vec<u8>>, StoreError> {
            self.note("read_tail");
            Ok(Some(b"tail".to_vec()))
        }
        fn list(&self) -> Result<Vec<String>, StoreError> {
            self.note("list");
            Ok(vec!["listed".to_owned()])
        }
        fn lock(&self) -> Result<(), StoreError> {
            self.note("lock");
            Ok(())
        }
        fn unlock(&self) -> Result<(), StoreError> {
            self.note("unlock");
            Ok(())
        }
    }

    /// Calls every method once through `store` and returns, per method, the
    /// calls that reached the probe.
    fn each_method<S: Store>(store: S, probe: &Probe) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut seen = Vec::new();
        let mut check = |method: &'static str, answer: bool| {
            assert!(answer, "{method} returned another answer than the probe's");
            seen.push((method, probe.take()));
        };
        check(
            "read",
            store.read("d").ok() == Some(Some(b"whole".to_vec())),
        );
        check("write", store.write("d", b"x").is_ok());
        check("write_unsynced", store.write_unsynced("d", b"x").is_ok());
        check("remove", store.remove("d").is_ok());
        check("append", store.append("d", b"x").is_ok());
        check(
            "read_tail",
            store.read_tail("d", 4).ok() == Some(Some(b"tail".to_vec())),
        );
        check("list", store.list().ok() == Some(vec!["listed".to_owned()]));
        check("lock", store.lock().is_ok());
        check("unlock", store.unlock().is_ok());
        seen
    }

    #[test]
    fn a_borrowed_store_forwards_every_method() {
        let probe = Probe::default();
        for (method, reached) in each_method(&probe, &probe) {
            assert_eq!(reached, [method], "&S::{method}");
        }
        // And twice borrowed, as `Vault<&&S>` would be.
        let twice: &&Probe = &&probe;
        for (method, reached) in each_method(twice, &probe) {
            assert_eq!(reached, [method], "&&S::{method}");
        }
    }

    #[test]
    fn the_memory_store_appends_and_reads_tails_in_place() {
        let store = MemoryStore::new();
        store.append("log", b"one\n").expect("append");
        store.append("log", b"two\n").expect("append");
        assert_eq!(store.write_count(), 2);
        assert_eq!(
            store.read("log").expect("read"),
            Some(b"one\ntwo\n".to_vec())
        );
        assert_eq!(
            store.read_tail("log", 4).expect("tail"),
            Some(b"two\n".to_vec())
        );
        assert_eq!(
            store.read_tail("log", 100).expect("tail"),
            Some(b"one\ntwo\n".to_vec())
        );
        assert_eq!(store.read_tail("absent", 4).expect("tail"), None);
        store.write_unsynced("state", b"s").expect("write");
        assert_eq!(store.read("state").expect("read"), Some(b"s".to_vec()));
        assert_eq!(store.write_count(), 3);
    }

    /// Only the methods a store must write: the trait's defaults do the rest.
    #[derive(Default)]
    struct Plain(MemoryStore);

    #[allow(clippy::missing_trait_methods)]
    impl Store for Plain {
        fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.0.read(name)
        }
        fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
            self.0.write(name, bytes)
        }
        fn remove(&self, name: &str) -> Result<(), StoreError> {
            self.0.remove(name)
        }
        fn list(&self) -> Result<Vec<String>, StoreError> {
            self.0.list()
        }
        fn lock(&self) -> Result<(), StoreError> {
            self.0.lock()
        }
        fn unlock(&self) -> Result<(), StoreError> {
            self.0.unlock()
        }
    }

    #[test]
    fn the_defaults_append_and_read_tails_through_read_and_write() {
        let store = Plain::default();
        store.write_unsynced("audit.log", b"one\n").expect("write");
        store.append("audit.log", b"two\n").expect("append");
        assert_eq!(
            store.read("audit.log").expect("read").as_deref(),
            Some(&b"one\ntwo\n"[..])
        );
        assert_eq!(
            store.read_tail("audit.log", 4).expect("tail").as_deref(),
            Some(&b"two\n"[..])
        );
        assert_eq!(
            store.read_tail("audit.log", 100).expect("tail").as_deref(),
            Some(&b"one\ntwo\n"[..])
        );
        assert_eq!(store.read_tail("missing.log", 4).expect("tail"), None);
        store.lock().expect("lock");
        store.unlock().expect("unlock");
        assert_eq!(store.list().expect("list"), ["audit.log"]);
        store.remove("audit.log").expect("remove");
        assert!(store.list().expect("list").is_empty());
    }
}
