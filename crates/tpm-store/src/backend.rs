//! One state store over either backend: the directory ([`DirStore`]) or the linear file
//! (`backend-uri=file://PATH`, [`crate::linear`]), as swtpm's `nvram_backend_ops` pick one by
//! the URI (swtpm `swtpm_nvstore.c`).
//!
//! What it is: load/store/delete of the three images (wrapped and encrypted by
//! [`crate::blob`]), the storage lock (the `.lock` file for a directory, an fcntl write lock
//! on the file itself for `file://`, as swtpm `SWTPM_NVRAM_LinearFile_Lock`), and the dir
//! backend's `backup`. What it is not: crash-atomic for `file://` (the linear backend writes
//! in place, as swtpm; a block device cannot rename), and it keeps no backup there (swtpm
//! refuses `backup` with that backend).

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::blob::{unwrap_state, wrap_state};
use crate::dir::{DirStore, StateName};
use crate::key::StateKey;
use crate::linear::{FileBacking, Linear};
use crate::lock::{lock_with_retries, unlock_file};
use crate::{Error, Result};

/// The linear file store, opened on first use (swtpm opens the URI at the first access).
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    mode: Option<u32>,
    linear: Option<Linear<FileBacking>>,
    locked: bool,
    formatted: bool,
}

impl FileStore {
    /// A store over `path` (a regular file, created if missing, or a block device).
    pub fn new(path: impl Into<PathBuf>, mode: Option<u32>) -> FileStore {
        FileStore {
            path: path.into(),
            mode,
            linear: None,
            locked: false,
            formatted: false,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether opening it wrote a fresh header (swtpm prints `Formatting '<uri>' as new linear
    /// NVRAM store`). Reset by reading it.
    pub fn take_formatted(&mut self) -> bool {
        std::mem::take(&mut self.formatted)
    }

    fn open(&mut self) -> Result<&mut Linear<FileBacking>> {
        if self.linear.is_none() {
            let (l, formatted) = crate::linear::open_file(&self.path, self.mode)?;
            self.formatted = formatted;
            self.linear = Some(l);
        }
        self.linear
            .as_mut()
            .ok_or_else(|| Error::Linear("not open".into()))
    }
}

/// The state store of one TPM.
#[derive(Debug)]
pub enum Store {
    /// `dir=` / `backend-uri=dir://`.
    Dir(DirStore),
    /// `backend-uri=file://`.
    File(FileStore),
}

impl Store {
    /// Read and unwrap an image; `Ok(None)` only if it was never stored.
    ///
    /// # Errors
    /// As [`DirStore::load`], [`Linear::load`] and [`unwrap_state`].
    pub fn load(
        &mut self,
        name: StateName,
        key: Option<&StateKey>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match self {
            Store::Dir(d) => d.load(name, key),
            Store::File(f) => match f.open()?.load(name)? {
                None => Ok(None),
                Some(raw) => unwrap_state(&raw, key).map(Some),
            },
        }
    }

    /// Wrap (and encrypt if `key`) and store an image durably.
    ///
    /// # Errors
    /// As [`DirStore::store`] and [`Linear::store`].
    pub fn store(&mut self, name: StateName, image: &[u8], key: Option<&StateKey>) -> Result<()> {
        match self {
            Store::Dir(d) => d.store(name, image, key),
            Store::File(f) => {
                let wrapped = wrap_state(image, key)?;
                f.open()?.store(name, &wrapped)
            }
        }
    }

    /// Delete an image; `Ok(false)` if there was none.
    ///
    /// # Errors
    /// Backend errors.
    pub fn delete(&mut self, name: StateName) -> Result<bool> {
        match self {
            Store::Dir(d) => d.delete(name),
            Store::File(f) => f.open()?.delete(name),
        }
    }

    /// Take the storage lock (no-op if held), retrying `retries` times 10 ms apart.
    ///
    /// # Errors
    /// [`Error::Locked`] (swtpm's texts), open errors.
    pub fn lock(&mut self, retries: u32) -> Result<()> {
        match self {
            Store::Dir(d) => d.lock(retries),
            Store::File(f) => {
                if f.locked {
                    return Ok(());
                }
                let path = f.path.clone();
                let l = f.open()?;
                lock_with_retries(l.backing().file(), &path, retries).map_err(|e| match e {
                    Error::Locked { path, source } => Error::LockedUri { path, source },
                    e => e,
                })?;
                f.locked = true;
                Ok(())
            }
        }
    }

    /// Release the lock.
    pub fn unlock(&mut self) {
        match self {
            Store::Dir(d) => d.unlock(),
            Store::File(f) => {
                if f.locked {
                    if let Some(l) = f.linear.as_ref() {
                        unlock_file(l.backing().file());
                    }
                    f.locked = false;
                }
            }
        }
    }

    /// Whether the lock is held.
    pub fn is_locked(&self) -> bool {
        match self {
            Store::Dir(d) => d.is_locked(),
            Store::File(f) => f.locked,
        }
    }

    /// `backup` is on (dir backend only).
    pub fn backup(&self) -> bool {
        matches!(self, Store::Dir(d) if d.backup())
    }

    /// [`DirStore::restore_backup_pre_start`] (nothing for `file://`).
    ///
    /// # Errors
    /// As there.
    pub fn restore_backup_pre_start(&self) -> Result<()> {
        match self {
            Store::Dir(d) => d.restore_backup_pre_start(),
            Store::File(_) => Ok(()),
        }
    }

    /// [`DirStore::swap_backup`] (`Ok(false)` for `file://`).
    ///
    /// # Errors
    /// As there.
    pub fn swap_backup(&self) -> Result<bool> {
        match self {
            Store::Dir(d) => d.swap_backup(),
            Store::File(_) => Ok(false),
        }
    }

    /// Sizes of the stored (wrapped) images, for `--print-states`, without creating or
    /// formatting anything.
    ///
    /// # Errors
    /// Stat/read errors; an invalid linear header.
    pub fn stored_sizes(&self) -> Result<Vec<(StateName, u64)>> {
        let mut out = Vec::new();
        match self {
            Store::Dir(d) => {
                for name in StateName::ALL {
                    let p = d.path(name);
                    match std::fs::symlink_metadata(&p) {
                        Ok(m) => out.push((name, m.len())),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            return Err(crate::io_err(format!("stat {}", p.display()))(e));
                        }
                    }
                }
            }
            Store::File(f) => {
                let data = match std::fs::read(&f.path) {
                    Ok(d) => d,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                    Err(e) => {
                        return Err(crate::io_err(format!("reading {}", f.path.display()))(e));
                    }
                };
                let head = data.get(..crate::linear::HEADER_LEN).unwrap_or(&[]);
                if let Some(h) = crate::linear::LinearHeader::parse(head, data.len() as u64)? {
                    for (name, slot) in StateName::ALL.into_iter().zip(h.slots.iter()) {
                        if slot.offset != 0 {
                            out.push((name, u64::from(slot.data_length)));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}
