//! The directory backend (`--tpmstate dir=D` / `backend-uri=dir://D`; swtpm-interface §7.2;
//! swtpm `swtpm_nvstore_dir.c`).
//!
//! Files `tpm2-00.permall`, `tpm2-00.volatilestate`, `tpm2-00.savestate` (TPM 1.2: `tpm-00.*`),
//! each a wrapped blob ([`crate::blob`]). A write goes to `TMP2-00.<name>` (`TMP-00.<name>`),
//! created fresh with `O_EXCL | O_NOFOLLOW` and the state mode, is fsynced, renamed over the
//! final name, and the directory is fsynced: after a crash the file is the old one or the new
//! one, never a mix. swtpm fsyncs only with the 0.11 `fsync` option; we always do.
//! Reads refuse symbolic links (CVE-2020-28407 was a write through one; swtpm follows them on
//! read, we do not) and anything but a regular file.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::OFlags;
use zeroize::Zeroizing;

use crate::blob::{unwrap_state, wrap_state};
use crate::key::StateKey;
use crate::lock::StateLock;
use crate::{Error, Result, io_err};

/// Default state file mode (`--tpmstate mode=` absent), before the umask.
pub const DEFAULT_MODE: u32 = 0o640;
/// Name of the lock file in the state directory.
pub const LOCK_FILE: &str = ".lock";

/// Which TPM the directory holds; it selects the file-name prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TpmVersion {
    /// TPM 1.2: `tpm-00.*`, temporary `TMP-00.*`.
    Tpm12,
    /// TPM 2.0: `tpm2-00.*`, temporary `TMP2-00.*`.
    Tpm2,
}

/// The three state blobs (swtpm-interface §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateName {
    /// `permall`: permanent state.
    Permanent,
    /// `volatilestate`: RAM state saved by CMD_STORE_VOLATILE.
    Volatile,
    /// `savestate`: TPM 1.2 TPM_SaveState.
    SaveState,
}

impl StateName {
    /// swtpm's name for it (also the file-name suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            StateName::Permanent => "permall",
            StateName::Volatile => "volatilestate",
            StateName::SaveState => "savestate",
        }
    }

    /// All three, in linear-file slot order.
    pub const ALL: [StateName; 3] = [
        StateName::Permanent,
        StateName::Volatile,
        StateName::SaveState,
    ];
}

/// `tpm2-00.permall` etc.
pub fn file_name(v: TpmVersion, name: StateName) -> String {
    let prefix = match v {
        TpmVersion::Tpm12 => "tpm",
        TpmVersion::Tpm2 => "tpm2",
    };
    format!("{prefix}-00.{}", name.as_str())
}

/// `TMP2-00.permall` etc.
pub fn temp_name(v: TpmVersion, name: StateName) -> String {
    let prefix = match v {
        TpmVersion::Tpm12 => "TMP",
        TpmVersion::Tpm2 => "TMP2",
    };
    format!("{prefix}-00.{}", name.as_str())
}

/// A state directory.
#[derive(Debug)]
pub struct DirStore {
    dir: PathBuf,
    version: TpmVersion,
    mode: Option<u32>,
    lock: Option<StateLock>,
    backup: bool,
}

/// The step at which a simulated failure stops [`DirStore::store_raw_faulty`] (tests only).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No failure.
    None,
    /// After writing this many bytes of the temporary file.
    PartialWrite(usize),
    /// After the temporary file is complete and synced, before the rename.
    BeforeRename,
}

impl DirStore {
    /// A store over `dir` (which must exist). `mode` is `--tpmstate mode=` if given: files are
    /// then created with exactly that mode and existing ones chmod-ed to it on load; without
    /// it files are created 0640 minus the umask and a loaded file lacking owner-write gets it.
    pub fn new(dir: impl Into<PathBuf>, version: TpmVersion, mode: Option<u32>) -> DirStore {
        DirStore {
            dir: dir.into(),
            version,
            mode,
            lock: None,
            backup: false,
        }
    }

    /// `--tpmstate ...,backup` (swtpm master, `swtpm_nvstore_dir.c`): before the permanent
    /// image is replaced, the current one is kept as `<permall>.bak`. swtpm renames the file
    /// away and then writes the new one; here the old file is hard-linked to a temporary name
    /// and renamed over `.bak`, so the permanent file exists at every instant.
    pub fn set_backup(&mut self, backup: bool) {
        self.backup = backup;
    }

    /// Whether `backup` is on.
    pub fn backup(&self) -> bool {
        self.backup
    }

    /// Path of the permanent image's backup (`tpm2-00.permall.bak`).
    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(format!(
            "{}.bak",
            file_name(self.version, StateName::Permanent)
        ))
    }

    /// swtpm `SWTPM_NVRAM_RestoreBackupPreStart_Dir`: if the permanent file is missing and a
    /// backup exists, the backup becomes the permanent file (before anything reads the state,
    /// so that a missing file never starts a fresh TPM while a backup exists).
    ///
    /// # Errors
    /// [`Error::Io`] if the rename fails.
    pub fn restore_backup_pre_start(&self) -> Result<()> {
        let perm = self.path(StateName::Permanent);
        let bak = self.backup_path();
        if std::fs::symlink_metadata(&perm).is_err() && std::fs::symlink_metadata(&bak).is_ok() {
            std::fs::rename(&bak, &perm).map_err(io_err(format!(
                "restoring {} to {}",
                bak.display(),
                perm.display()
            )))?;
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// swtpm `SWTPM_NVRAM_RestoreBackup_Dir`: swap the permanent file and its backup (via
    /// `<permall>.tmp`), so that a second call reverts the first. `Ok(false)` if there is no
    /// backup.
    ///
    /// # Errors
    /// [`Error::Io`] if a rename fails (earlier renames of this call are reverted).
    pub fn swap_backup(&self) -> Result<bool> {
        let perm = self.path(StateName::Permanent);
        let bak = self.backup_path();
        let tmp = self.dir.join(format!(
            "{}.tmp",
            file_name(self.version, StateName::Permanent)
        ));
        if std::fs::symlink_metadata(&bak).is_err() {
            return Ok(false);
        }
        let had_perm = std::fs::symlink_metadata(&perm).is_ok();
        if had_perm {
            std::fs::rename(&perm, &tmp).map_err(io_err(format!("renaming {}", perm.display())))?;
        }
        if let Err(e) = std::fs::rename(&bak, &perm) {
            if had_perm {
                let _ = std::fs::rename(&tmp, &perm);
            }
            return Err(io_err(format!("renaming {}", bak.display()))(e));
        }
        if had_perm {
            if let Err(e) = std::fs::rename(&tmp, &bak) {
                let _ = std::fs::rename(&perm, &bak);
                let _ = std::fs::rename(&tmp, &perm);
                return Err(io_err(format!("renaming {}", tmp.display()))(e));
            }
        }
        sync_dir(&self.dir)?;
        Ok(true)
    }

    /// Keep the current permanent file as `.bak` (hard link to a temporary name, then rename).
    fn keep_backup(&self) -> Result<()> {
        let perm = self.path(StateName::Permanent);
        match std::fs::symlink_metadata(&perm) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(Error::NotRegular(perm)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err(format!("stat {}", perm.display()))(e)),
        }
        let bak = self.backup_path();
        let tmp = self.dir.join(format!(
            "{}.bak",
            temp_name(self.version, StateName::Permanent)
        ));
        match std::fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(format!("removing {}", tmp.display()))(e)),
        }
        std::fs::hard_link(&perm, &tmp).map_err(io_err(format!("linking {}", tmp.display())))?;
        std::fs::rename(&tmp, &bak).map_err(io_err(format!("renaming {}", tmp.display())))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a state file.
    pub fn path(&self, name: StateName) -> PathBuf {
        self.dir.join(file_name(self.version, name))
    }

    /// Take the `.lock` write lock (no-op if held), retrying `retries` times 10 ms apart.
    ///
    /// # Errors
    /// As [`StateLock::acquire`].
    pub fn lock(&mut self, retries: u32) -> Result<()> {
        if self.lock.is_none() {
            self.lock = Some(StateLock::acquire(&self.dir.join(LOCK_FILE), retries)?);
        }
        Ok(())
    }

    /// Release the lock (after GET_STATEBLOB of the savestate, or at exit).
    pub fn unlock(&mut self) {
        if let Some(l) = self.lock.take() {
            l.release();
        }
    }

    /// Whether we hold the lock.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some()
    }

    /// Read a state file as stored (wrapped). `Ok(None)` if it does not exist.
    ///
    /// # Errors
    /// [`Error::Symlink`], [`Error::NotRegular`], [`Error::Io`].
    pub fn load_raw(&self, name: StateName) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let path = self.path(name);
        let mut file = match OpenOptions::new()
            .read(true)
            .custom_flags(OFlags::NOFOLLOW.bits() as i32)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
                return Err(Error::Symlink(path));
            }
            Err(e) => return Err(io_err(format!("reading {}", path.display()))(e)),
        };
        let meta = file
            .metadata()
            .map_err(io_err(format!("stat {}", path.display())))?;
        if !meta.is_file() {
            return Err(Error::NotRegular(path));
        }
        let mut data = Zeroizing::new(Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0)));
        file.read_to_end(&mut data)
            .map_err(io_err(format!("reading {}", path.display())))?;
        // swtpm `file_read`: keep the file writable, or apply the explicit mode.
        let perms = meta.permissions().mode() & 0o7777;
        let want = match self.mode {
            Some(m) => m,
            None => perms | 0o200,
        };
        if want != perms {
            file.set_permissions(Permissions::from_mode(want))
                .map_err(io_err(format!("chmod {}", path.display())))?;
        }
        Ok(Some(data))
    }

    /// Read and unwrap a state file: the image, authenticated and decrypted. `Ok(None)` only if
    /// the file does not exist; a file that exists but cannot be read is an error (never
    /// treat it as absent: that would start a fresh TPM over a guest's secrets).
    ///
    /// # Errors
    /// As [`DirStore::load_raw`] and [`unwrap_state`].
    pub fn load(
        &self,
        name: StateName,
        key: Option<&StateKey>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match self.load_raw(name)? {
            None => Ok(None),
            Some(raw) => unwrap_state(&raw, key).map(Some),
        }
    }

    /// Wrap (and encrypt if `key`) an image and store it atomically.
    ///
    /// # Errors
    /// As [`wrap_state`] and [`DirStore::store_raw`].
    pub fn store(&self, name: StateName, image: &[u8], key: Option<&StateKey>) -> Result<()> {
        let wrapped = wrap_state(image, key)?;
        self.store_raw(name, &wrapped)
    }

    /// Store already-wrapped bytes atomically: temporary file, fsync, rename, directory fsync.
    ///
    /// # Errors
    /// [`Error::Io`]; the previous file is then untouched and the temporary file removed.
    pub fn store_raw(&self, name: StateName, wrapped: &[u8]) -> Result<()> {
        self.store_raw_faulty(name, wrapped, Fault::None)
    }

    #[doc(hidden)]
    pub fn store_raw_faulty(&self, name: StateName, wrapped: &[u8], fault: Fault) -> Result<()> {
        let tmp = self.dir.join(temp_name(self.version, name));
        let path = self.path(name);
        if self.backup && name == StateName::Permanent {
            // The directory fsync after the rename below makes the backup durable too.
            self.keep_backup()?;
        }
        // A stale temporary file (crash) or a planted symlink is unlinked, never followed.
        match std::fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(format!("removing {}", tmp.display()))(e)),
        }
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(self.mode.unwrap_or(DEFAULT_MODE))
                .custom_flags(OFlags::NOFOLLOW.bits() as i32)
                .open(&tmp)
                .map_err(io_err(format!("creating {}", tmp.display())))?;
            if let Some(m) = self.mode {
                // Exactly the requested mode, whatever the umask (swtpm clears the umask).
                f.set_permissions(Permissions::from_mode(m))
                    .map_err(io_err(format!("chmod {}", tmp.display())))?;
            }
            let werr = io_err(format!("writing {}", tmp.display()));
            if let Fault::PartialWrite(n) = fault {
                f.write_all(wrapped.get(..n).unwrap_or(wrapped))
                    .map_err(werr)?;
                return Err(simulated());
            }
            f.write_all(wrapped).map_err(werr)?;
            f.sync_all()
                .map_err(io_err(format!("fsync {}", tmp.display())))?;
            if fault == Fault::BeforeRename {
                return Err(simulated());
            }
            std::fs::rename(&tmp, &path).map_err(io_err(format!(
                "renaming {} to {}",
                tmp.display(),
                path.display()
            )))
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&self.dir)
    }

    /// Delete a state file; `Ok(false)` if it did not exist.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn delete(&self, name: StateName) -> Result<bool> {
        let path = self.path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir).map(|()| true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(format!("removing {}", path.display()))(e)),
        }
    }
}

fn simulated() -> Error {
    Error::Io {
        context: "simulated failure".into(),
        source: std::io::Error::other("fault"),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(format!("fsync directory {}", dir.display())))
}

#[cfg(test)]
mod tests;
