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
/// listing) can share one.
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
