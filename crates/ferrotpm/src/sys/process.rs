//! Process-level system calls of swtpm's start-up: `-d` (double fork with a readiness pipe,
//! swtpm `daemonize.c`), `-R`/`--chroot` and `-r`/`--runas` (swtpm `utils.c` `do_chroot`,
//! `change_process_owner`).
//!
//! What it is not: no thread is ever created here, and nothing here runs once the poll loop
//! has started (the SIGTERM handler is signal-hook's, registered by the daemon).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::Error;

fn last_os_error(what: &str) -> Error {
    Error::Config(format!("{what}: {}", io::Error::last_os_error()))
}

/// A fresh close-on-exec pipe `(read, write)`.
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints that pipe2 fills in on success.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: on success both numbers are fresh descriptors owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The exit status of a waited-for child, or "die like it" (swtpm `wait_or_die_like_it`).
fn wait_or_die_like_it(pid: libc::pid_t) -> i32 {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: `status` is a valid out-pointer; `pid` is our own child.
        let r = unsafe { libc::waitpid(pid, &raw mut status, 0) };
        if r == pid {
            break;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return 1;
        }
    }
    if libc::WIFSIGNALED(status) {
        // SAFETY: re-raising the child's fatal signal on ourselves; kill(getpid()) is always
        // a valid call.
        unsafe {
            libc::signal(libc::WTERMSIG(status), libc::SIG_DFL);
            libc::kill(libc::getpid(), libc::WTERMSIG(status));
        }
    }
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1
    }
}

/// `fork(2)`; `Ok(0)` in the child.
///
/// Sound only while this process has a single thread: the binary calls the functions that
/// fork from `main` before anything (std included) has started a thread.
fn fork() -> Result<libc::pid_t, Error> {
    // SAFETY: the process is single-threaded at this point (see the callers: only `main`,
    // before any thread exists), so the child inherits a consistent copy of all memory and
    // locks; the child only continues the ordinary start-up.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(last_os_error("Failed to daemonize: Failed to fork"));
    }
    Ok(pid)
}

/// The daemon's side of `-d`: tells the waiting parent that start-up succeeded.
#[derive(Debug)]
pub struct DaemonReady {
    pipe: OwnedFd,
}

/// swtpm(8) `-d` (swtpm `daemonize_prep`): fork; the original process waits and exits with
/// 0 once the grandchild reports readiness ([`DaemonReady::finish`]), or with the grandchild's
/// exit status (or signal) if it dies first. The middle process calls `setsid` and forks
/// again so that the daemon never acquires a controlling terminal. Returns in the grandchild.
///
/// Why fork rather than re-exec: swtpm's contract is that the caller can connect to the
/// sockets as soon as the parent returns, and that the pid file holds the daemon's pid; a
/// fork taken here, before any socket, file or thread exists, gives exactly that with one
/// code path, whereas a re-exec would have to hand every option and inherited fd over.
///
/// # Errors
/// fork, setsid or pipe failed (in the original process).
pub fn daemonize_prep() -> Result<DaemonReady, Error> {
    use std::io::Write;
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    let pid = fork()?;
    if pid != 0 {
        // SAFETY: _exit never returns and skips destructors and atexit handlers, which
        // belong to the child now.
        unsafe { libc::_exit(wait_or_die_like_it(pid)) };
    }
    // Middle process: detach from the terminal, then fork the daemon.
    // SAFETY: setsid has no memory-safety preconditions.
    if unsafe { libc::setsid() } < 0 {
        eprintln!(
            "Failed to daemonize: Failed to detach from tty: {}",
            io::Error::last_os_error()
        );
        // SAFETY: as above.
        unsafe { libc::_exit(1) };
    }
    let (rd, wr) = match pipe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Failed to daemonize: Could not make a pipe: {e}");
            // SAFETY: as above.
            unsafe { libc::_exit(1) };
        }
    };
    let pid = match fork() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            // SAFETY: as above.
            unsafe { libc::_exit(1) };
        }
    };
    if pid != 0 {
        drop(wr);
        let mut b = [0u8; 1];
        let n = loop {
            // SAFETY: reading one byte into a valid one-byte buffer from our pipe.
            let n = unsafe { libc::read(rd.as_raw_fd(), b.as_mut_ptr().cast(), 1) };
            if n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break n;
            }
        };
        let code = if n == 1 { 0 } else { wait_or_die_like_it(pid) };
        // SAFETY: as above.
        unsafe { libc::_exit(code) };
    }
    drop(rd);
    Ok(DaemonReady { pipe: wr })
}

impl DaemonReady {
    /// swtpm `daemonize_finish`: standard streams to the null device, then release the
    /// waiting parent (it exits 0). swtpm ≥ 0.8 no longer changes directory to `/`.
    pub fn finish(self) {
        if let Ok(null) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
        {
            for target in 0..3 {
                // SAFETY: dup2 onto the standard stream numbers; `null` is open.
                unsafe { libc::dup2(null.as_raw_fd(), target) };
            }
        }
        // SAFETY: one byte from a valid buffer to our pipe.
        unsafe { libc::write(self.pipe.as_raw_fd(), b"R".as_ptr().cast(), 1) };
    }
}

/// swtpm(8) `--chroot` (swtpm `do_chroot`): chroot(2) then chdir("/"). Every path given on
/// the command line is resolved inside the new root afterwards. (swtpm then checks that
/// OpenSSL still has entropy; our randomness comes from getrandom(2), which needs no file.)
///
/// # Errors
/// The system call failed (message as swtpm's).
pub fn chroot(path: &std::path::Path) -> Result<(), Error> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::Config("chroot failed: path contains NUL".into()))?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    if unsafe { libc::chroot(c.as_ptr()) } < 0 {
        return Err(last_os_error("chroot failed"));
    }
    // SAFETY: a static NUL-terminated string.
    if unsafe { libc::chdir(c"/".as_ptr()) } < 0 {
        return Err(last_os_error("chdir failed"));
    }
    Ok(())
}

/// swtpm(8) `--runas` (swtpm `change_process_owner`): a number is both uid and gid
/// (setgid, setuid; supplementary groups left as they are, as swtpm does); a name is looked
/// up in the user database, then initgroups, setgid(pw_gid), setuid(pw_uid).
///
/// # Errors
/// Unknown user or a failing call, with swtpm's messages.
pub fn change_process_owner(user: &str) -> Result<(), Error> {
    let (uid, gid) = if let Ok(n) = user.parse::<u64>() {
        let n = u32::try_from(n)
            .map_err(|_| Error::Config(format!("Error: uid {user} outside valid range.")))?;
        (n, n)
    } else {
        let c = CString::new(user)
            .map_err(|_| Error::Config(format!("Error: User '{user}' does not exist.")))?;
        // SAFETY: getpwnam with a valid C string; the process is single-threaded here, so
        // the static result buffer is not raced; the fields are copied out at once.
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        if pw.is_null() {
            return Err(Error::Config(format!(
                "Error: User '{user}' does not exist."
            )));
        }
        // SAFETY: `pw` is non-null and points to libc's static passwd record.
        let (uid, gid, name) = unsafe { ((*pw).pw_uid, (*pw).pw_gid, (*pw).pw_name) };
        // SAFETY: `name` is the NUL-terminated name inside the same static record.
        if unsafe { libc::initgroups(name, gid) } < 0 {
            return Err(Error::Config(format!(
                "Error: initgroups({user}, {gid}) failed."
            )));
        }
        (uid, gid)
    };
    // SAFETY: setgid/setuid have no memory-safety preconditions; in a single-threaded
    // process they change the credentials of the whole process.
    if unsafe { libc::setgid(gid) } < 0 {
        return Err(Error::Config(format!("Error: setgid({gid}) failed.")));
    }
    // SAFETY: as above.
    if unsafe { libc::setuid(uid) } < 0 {
        return Err(Error::Config(format!("Error: setuid({uid}) failed.")));
    }
    Ok(())
}
