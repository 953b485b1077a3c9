//! The storage lock: an fcntl `F_SETLK` whole-file write lock, as swtpm takes it
//! (swtpm `swtpm_nvstore_dir.c` `SWTPM_NVRAM_Lock_Dir`; swtpm-interface §7.2).
//!
//! POSIX record locks belong to the process: closing *any* descriptor of the lock file in this
//! process drops the lock, and a second lock by the same process succeeds. So the lock file is
//! opened only here and the [`StateLock`] is kept for as long as the state is ours. rustix
//! wraps the system calls; this module needs no `unsafe`.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::{FlockOperation, OFlags, fcntl_lock};

use crate::{Error, Result, io_err};

/// QEMU's LOCK_STORAGE retry count (swtpm-interface §5.6): 300 retries ...
pub const LOCK_STORAGE_RETRIES: u32 = 300;
/// ... 10 ms apart (swtpm `usleep(10000)`).
pub const LOCK_RETRY_INTERVAL: Duration = Duration::from_millis(10);

/// A held write lock; dropping it closes the file and releases the lock.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// Open (create, truncate, no-follow, mode 0660 before umask) `path` and take the write
    /// lock, trying `retries` more times [`LOCK_RETRY_INTERVAL`] apart (0 = one attempt).
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be opened (a symlink is refused: ELOOP);
    /// [`Error::Locked`] ("Could not lock access to lockfile") if it stays locked.
    pub fn acquire(path: &Path, retries: u32) -> Result<StateLock> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o660)
            .custom_flags(OFlags::NOFOLLOW.bits() as i32)
            .open(path)
            .map_err(io_err(format!(
                "Could not open lockfile {}",
                path.display()
            )))?;
        lock_with_retries(&file, path, retries)?;
        Ok(StateLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Release the lock explicitly (also done by drop).
    pub fn release(self) {
        let _ = fcntl_lock(&self.file, FlockOperation::NonBlockingUnlock);
    }
}

/// Take the fcntl `F_SETLK` whole-file write lock on an open file, retrying `retries` more
/// times [`LOCK_RETRY_INTERVAL`] apart (the linear backend locks its state file this way).
///
/// # Errors
/// [`Error::Locked`] if it stays locked.
pub fn lock_with_retries(file: &File, path: &Path, retries: u32) -> Result<()> {
    let mut left = retries;
    loop {
        match fcntl_lock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(()),
            Err(e) if left == 0 => {
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                    source: e.into(),
                });
            }
            Err(_) => {
                left -= 1;
                std::thread::sleep(LOCK_RETRY_INTERVAL);
            }
        }
    }
}

/// Release an fcntl lock taken with [`lock_with_retries`] (errors ignored: the lock goes with
/// the file anyway).
pub fn unlock_file(file: &File) {
    let _ = fcntl_lock(file, FlockOperation::NonBlockingUnlock);
}
