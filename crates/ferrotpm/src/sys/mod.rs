//! The one place where this crate touches raw file descriptor numbers: adopting the fds that
//! the parent process passed by number on the command line (`--server fd=`, `--ctrl fd=`,
//! `--ctrl clientfd=`, `-f`, `--key fd=`/`pwdfd=`, `--log fd=`, `--pid fd=`, swtpm(8)).
//!
//! Also the process-level calls of start-up ([`process`]: `-d`, `--chroot`, `--runas`) and
//! the `--seccomp` filter ([`seccomp`]).
//!
//! What it is not: nothing here runs inside the poll loop.
#![allow(unsafe_code)]

pub mod process;
pub mod seccomp;

use std::collections::BTreeSet;
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::Error;

/// Hands out each inherited fd number at most once, after checking that it is open.
#[derive(Debug, Default)]
pub struct FdAdopter {
    taken: BTreeSet<RawFd>,
}

impl FdAdopter {
    /// Take ownership of inherited fd `n` (named by `what` in errors).
    ///
    /// # Errors
    /// [`Error::Fd`] if `n` is negative, a standard stream, not open, or already adopted.
    pub fn adopt(&mut self, n: RawFd, what: &str) -> Result<OwnedFd, Error> {
        if n < 3 {
            return Err(Error::Fd {
                what: what.to_string(),
                fd: n,
                why: "not an inherited descriptor (0, 1 and 2 are the standard streams)".into(),
            });
        }
        if self.taken.contains(&n) {
            return Err(Error::Fd {
                what: what.to_string(),
                fd: n,
                why: "used twice on the command line".into(),
            });
        }
        // SAFETY: the borrow lives only for this fcntl call; fcntl(F_GETFD) on any number is
        // harmless (EBADF if it is not open).
        let open = rustix::io::fcntl_getfd(unsafe { BorrowedFd::borrow_raw(n) }).is_ok();
        if !open {
            return Err(Error::Fd {
                what: what.to_string(),
                fd: n,
                why: "Bad file descriptor".into(),
            });
        }
        self.taken.insert(n);
        // SAFETY: `n` is open (checked above), was inherited from the parent by number and
        // nothing else in this process owns it: this adopter hands each number out once and
        // is the only code that turns command-line numbers into descriptors.
        Ok(unsafe { OwnedFd::from_raw_fd(n) })
    }
}
