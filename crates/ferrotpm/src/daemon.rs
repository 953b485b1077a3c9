//! The `swtpm socket|chardev` process: start-up in swtpm's order (swtpm(8); swtpm-interface
//! §2.10), then one thread and one poll loop serving the control channel and the data
//! channel together, one client each, as swtpm's `mainloop.c` does.
//!
//! Every socket is non-blocking and every connection has its own buffers; frames are completed
//! incrementally (swtpm-protocol's [`ControlServer`] and [`DataFramer`]), so a client that stalls
//! mid-message never blocks the other channel or the next client. The only timer is the 500 ms
//! control receive window (swtpm_ioctls(3): a partial control message is dropped with its
//! connection).
//!
//! SIGTERM (as swtpm) ends the loop after the command in progress and takes the normal exit
//! path: the automatic TPM2_Shutdown, unlock, removal of the pid file and socket paths, exit
//! status 0. SIGPIPE is ignored (the Rust runtime's default, and swtpm's).
//!
//! What it is not: no TPM 1.2, no CUSE; forking (`-d`), `--chroot` and `--runas` happen
//! before [`Daemon::start`] (crate::sys::process), the seccomp filter in [`Daemon::arm`].

use std::fs::File;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{IpAddr, TcpListener};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, recvmsg};
use swtpm_protocol::data::{DataFramer, Family, FrameError, fatal_error_response};
use swtpm_protocol::{ControlServer, Disposition, ServerConfig};
use tpm_store::key::{KeyOptions, KeySource, read_material};
use tpm_store::{DirStore, FileStore, StateKey, Store, TpmVersion};

use crate::cli::{CtrlSpec, DataSpec, Options, PidOptions, StartupType, UnixPathSpec};
use crate::error::{Error, io_err};
use crate::handler::{Core, CoreConfig, SU_CLEAR, SU_STATE};
use crate::log::Logger;
use crate::sys::FdAdopter;

/// swtpm_ioctls(3): the control receive window.
const CTRL_WINDOW: Duration = Duration::from_millis(500);
/// One control read (swtpm's receive buffer: 4 + 4100 bytes).
const CTRL_READ: usize = swtpm_protocol::consts::CTRL_RECV_BUFFER;
/// TPM_RC_COMMAND_SIZE, for a data frame whose size field is out of range.
const TPM_RC_COMMAND_SIZE: u32 = 0x142;
/// A TPM command header: tag, size, code.
const TPM_HEADER_LEN: usize = 10;

/// A listening socket.
#[derive(Debug)]
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Tcp(l) => l.as_fd(),
            Listener::Unix(l) => l.as_fd(),
        }
    }

    fn accept(&self) -> io::Result<Conn> {
        let (fd, unix): (OwnedFd, bool) = match self {
            Listener::Tcp(l) => (l.accept()?.0.into(), false),
            Listener::Unix(l) => (l.accept()?.0.into(), true),
        };
        Conn::new(fd, unix)
    }
}

/// A connected stream (socket or character device) with its pending output.
#[derive(Debug)]
struct Conn {
    file: File,
    unix: bool,
    out: Vec<u8>,
    close_after_flush: bool,
}

impl Conn {
    fn new(fd: OwnedFd, unix: bool) -> io::Result<Conn> {
        rustix::io::ioctl_fionbio(&fd, true)?;
        Ok(Conn {
            file: File::from(fd),
            unix,
            out: Vec::new(),
            close_after_flush: false,
        })
    }

    /// Write what is pending; `Ok(true)` when all is out.
    fn flush(&mut self) -> io::Result<bool> {
        while !self.out.is_empty() {
            match self.file.write(&self.out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Blocking write of the rest (exit path).
    fn flush_blocking(&mut self) {
        let _ = rustix::io::ioctl_fionbio(&self.file, false);
        let _ = self.file.write_all(&self.out);
        self.out.clear();
    }

    /// One read; with `fds` on a Unix socket, SCM_RIGHTS descriptors are collected.
    fn read(&mut self, buf: &mut [u8], fds: Option<&mut Vec<OwnedFd>>) -> io::Result<usize> {
        match fds {
            Some(fds) if self.unix => {
                let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(4))];
                let mut anc = RecvAncillaryBuffer::new(&mut space);
                let r = recvmsg(
                    &self.file,
                    &mut [io::IoSliceMut::new(buf)],
                    &mut anc,
                    RecvFlags::CMSG_CLOEXEC,
                )?;
                for msg in anc.drain() {
                    if let RecvAncillaryMessage::ScmRights(rights) = msg {
                        fds.extend(rights);
                    }
                }
                Ok(r.bytes)
            }
            _ => self.file.read(buf),
        }
    }
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// Where a poll slot points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    CtrlListen,
    CtrlConn,
    DataListen,
    DataConn,
    Signal,
}

/// The running daemon.
pub struct Daemon {
    core: Core,
    ctrl: ControlServer,
    ctrl_listener: Option<Listener>,
    ctrl_conn: Option<Conn>,
    ctrl_deadline: Option<Instant>,
    ctrl_terminate: bool,
    data_listener: Option<Listener>,
    data_conn: Option<Conn>,
    framer: DataFramer,
    disconnect: bool,
    terminate: bool,
    exiting: bool,
    unlink: Vec<PathBuf>,
    pid_file: Option<PathBuf>,
    /// Read end of the SIGTERM self-pipe: readable once SIGTERM arrived.
    sigterm: Option<std::os::unix::net::UnixStream>,
    /// Data-channel read buffer, allocated once (the bytes read are wiped after use).
    read_buf: Vec<u8>,
}

impl core::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Daemon")
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}

fn bind_unix(spec: &UnixPathSpec) -> Result<UnixListener, Error> {
    let p = &spec.path;
    // swtpm(8): an existing file at the path is unlinked first.
    match std::fs::remove_file(p) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(format!("Could not remove {}", p.display()))(e)),
    }
    let l = UnixListener::bind(p).map_err(io_err(format!("Could not bind to {}", p.display())))?;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(spec.mode))
        .map_err(io_err(format!("Could not chmod {}", p.display())))?;
    if spec.uid.is_some() || spec.gid.is_some() {
        std::os::unix::fs::chown(p, spec.uid, spec.gid)
            .map_err(io_err(format!("Could not chown {}", p.display())))?;
    }
    Ok(l)
}

fn bind_tcp(bindaddr: &str, port: u16) -> Result<TcpListener, Error> {
    let ip: IpAddr = bindaddr
        .parse()
        .map_err(|_| Error::Config(format!("Could not parse the bind address '{bindaddr}'")))?;
    TcpListener::bind((ip, port)).map_err(io_err(format!(
        "Could not open TCP socket on {bindaddr} port {port}"
    )))
}

fn listener_from_fd(fd: OwnedFd, unix: bool) -> Result<Listener, Error> {
    rustix::io::ioctl_fionbio(&fd, true).map_err(|e| io_err("fd")(e.into()))?;
    Ok(if unix {
        Listener::Unix(UnixListener::from(fd))
    } else {
        Listener::Tcp(TcpListener::from(fd))
    })
}

fn check_socket(fd: &OwnedFd, what: &str) -> Result<(), Error> {
    let st = rustix::fs::fstat(fd).map_err(|e| io_err(what.to_string())(e.into()))?;
    let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
    if ft != rustix::fs::FileType::Socket {
        return Err(Error::Config(format!(
            "{what}: the file descriptor is not a socket"
        )));
    }
    Ok(())
}

/// Read a `--key`/`--migration-key` (tpm-store's parser and KDFs), adopting its fds.
fn load_key(value: &str, fds: &mut FdAdopter, what: &str) -> Result<StateKey, Error> {
    let opts = KeyOptions::parse(value)?;
    let mut used = None;
    for n in &opts.named_fds {
        let fd = fds.adopt(*n, what)?;
        if opts.source == KeySource::Fd(*n) && used.is_none() {
            used = Some(fd);
        }
        // Other named fds are closed, as swtpm closes them after reading.
    }
    let material = read_material(&opts, used)?;
    Ok(opts.key_from_material(&material)?)
}

/// The store `--tpmstate` names: the directory (with `backup`) or the `file://` linear store.
fn state_store(t: &crate::cli::TpmStateOptions, version: TpmVersion) -> Store {
    if t.linear {
        Store::File(FileStore::new(&t.dir, t.mode))
    } else {
        let mut s = DirStore::new(&t.dir, version, t.mode);
        s.set_backup(t.backup);
        Store::Dir(s)
    }
}

/// `--print-states` (swtpm-interface §6.4): no trailing newline.
pub fn print_states(opts: &Options) -> Result<String, Error> {
    let Some(ts) = &opts.tpmstate else {
        return Err(Error::Config("Missing backend URI".into()));
    };
    let version = if opts.tpm2 {
        TpmVersion::Tpm2
    } else {
        TpmVersion::Tpm12
    };
    let store = state_store(ts, version);
    let entries: Vec<String> = store
        .stored_sizes()?
        .into_iter()
        .map(|(name, size)| format!("{{\"name\": \"{}\", \"size\": {size}}}", name.as_str()))
        .collect();
    Ok(if entries.is_empty() {
        "{ \"type\": \"swtpm\", \"states\": [] }".to_string()
    } else {
        format!(
            "{{ \"type\": \"swtpm\", \"states\": [ {} ] }}",
            entries.join(", ")
        )
    })
}

fn write_pid(p: &PidOptions, fds: &mut FdAdopter) -> Result<Option<PathBuf>, Error> {
    let pid = std::process::id().to_string();
    match p {
        PidOptions::File(path) => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o644)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                .open(path)
                .map_err(io_err(format!("Could not open pidfile {}", path.display())))?;
            f.write_all(pid.as_bytes()).map_err(io_err(format!(
                "Could not write pidfile {}",
                path.display()
            )))?;
            Ok(Some(path.clone()))
        }
        PidOptions::Fd(n) => {
            let fd = fds.adopt(*n, "--pid fd=")?;
            let path = std::fs::read_link(format!("/proc/self/fd/{n}")).ok();
            let mut f = File::from(fd);
            f.write_all(pid.as_bytes())
                .map_err(io_err("Could not write to pidfile fd"))?;
            Ok(path)
        }
    }
}

impl Daemon {
    /// Set everything up in swtpm's start-up order (swtpm-interface §2.10).
    ///
    /// # Errors
    /// Any start-up failure; the caller prints it and exits 1.
    pub fn start(opts: &Options) -> Result<Daemon, Error> {
        let mut fds = FdAdopter::default();
        let mut log = match &opts.log {
            Some(l) => Logger::open(l, &mut fds)?,
            None => Logger::stderr(),
        };
        if !opts.tpm2 {
            return Err(Error::Config(
                "TPM 1.2 is not supported by this build".into(),
            ));
        }
        let mut unlink = Vec::new();
        let (ctrl_listener, ctrl_conn) = match opts.ctrl.as_ref().map(|c| &c.spec) {
            None => (None, None),
            Some(CtrlSpec::UnixPath(spec)) => {
                let l = bind_unix(spec)?;
                unlink.push(spec.path.clone());
                l.set_nonblocking(true).map_err(io_err("ctrl socket"))?;
                (Some(Listener::Unix(l)), None)
            }
            Some(CtrlSpec::UnixListenFd(n)) => {
                let fd = fds.adopt(*n, "--ctrl fd=")?;
                check_socket(&fd, "--ctrl fd=")?;
                (Some(listener_from_fd(fd, true)?), None)
            }
            Some(CtrlSpec::TcpListenFd(n)) => {
                let fd = fds.adopt(*n, "--ctrl fd=")?;
                check_socket(&fd, "--ctrl fd=")?;
                (Some(listener_from_fd(fd, false)?), None)
            }
            Some(CtrlSpec::UnixClientFd(n)) => {
                let fd = fds.adopt(*n, "--ctrl clientfd=")?;
                check_socket(&fd, "--ctrl clientfd=")?;
                (
                    None,
                    Some(Conn::new(fd, true).map_err(io_err("ctrl clientfd"))?),
                )
            }
            Some(CtrlSpec::Tcp { port, bindaddr }) => {
                let l = bind_tcp(bindaddr, *port)?;
                l.set_nonblocking(true).map_err(io_err("ctrl socket"))?;
                (Some(Listener::Tcp(l)), None)
            }
        };
        let mut terminate = opts.terminate;
        let (data_listener, data_conn) = match opts.server.as_ref().map(|s| &s.data) {
            None => (None, None),
            Some(DataSpec::Tcp { port, bindaddr }) => {
                let l = bind_tcp(bindaddr, *port)?;
                l.set_nonblocking(true).map_err(io_err("data socket"))?;
                (Some(Listener::Tcp(l)), None)
            }
            Some(DataSpec::UnixPath(spec)) => {
                let l = bind_unix(spec)?;
                unlink.push(spec.path.clone());
                l.set_nonblocking(true).map_err(io_err("data socket"))?;
                (Some(Listener::Unix(l)), None)
            }
            Some(DataSpec::UnixListenFd(n)) => {
                let fd = fds.adopt(*n, "--server fd=")?;
                check_socket(&fd, "--server fd=")?;
                (Some(listener_from_fd(fd, true)?), None)
            }
            Some(DataSpec::ConnectedFd(n)) => {
                let fd = fds.adopt(*n, "--fd")?;
                check_socket(&fd, "--fd")?;
                terminate = true;
                (None, Some(Conn::new(fd, true).map_err(io_err("data fd"))?))
            }
            Some(DataSpec::CharDevPath(p)) => {
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(p)
                    .map_err(io_err(format!("Could not open {}", p.display())))?;
                terminate = true;
                (
                    None,
                    Some(Conn::new(f.into(), false).map_err(io_err("chardev"))?),
                )
            }
        };
        let key = opts
            .key
            .as_deref()
            .map(|k| load_key(k, &mut fds, "--key"))
            .transpose()?;
        let migration_key = opts
            .migration_key
            .as_deref()
            .map(|k| load_key(k, &mut fds, "--migration-key"))
            .transpose()?;
        let pid_file = match &opts.pid {
            Some(p) => write_pid(p, &mut fds)?,
            None => None,
        };
        let store = opts
            .tpmstate
            .as_ref()
            .map(|t| state_store(t, TpmVersion::Tpm2));
        let engine = Box::new(tpm2_engine::Tpm2::new(Box::new(
            tpm2_engine::platform::StdPlatform::new(),
        )));
        let cfg = CoreConfig {
            lock_enabled: opts.tpmstate.as_ref().is_some_and(|t| t.lock),
            reject_locality_4: opts.locality.reject_locality_4,
            allow_set_locality: opts.locality.allow_set_locality,
            auto_shutdown: !opts.flags.disable_auto_shutdown,
            incoming_migration: opts.migration.incoming,
        };
        log.info(&format!("ferrotpm swtpm {} starting", crate::cli::VERSION));
        let mut core = Core::new(engine, store, key, migration_key, cfg, log);
        if opts.flags.not_need_init {
            core.start(false)?;
            match opts.flags.startup {
                Some(StartupType::Clear) => core.send_startup(SU_CLEAR)?,
                Some(StartupType::State) => core.send_startup(SU_STATE)?,
                Some(StartupType::None) | None => {}
            }
        }
        let framer = DataFramer::new(core.buffer_size(), true);
        // swtpm installs its SIGTERM handler after the TPM started (swtpm.c
        // install_sighandlers): SIGTERM ends the main loop after the command in progress,
        // then the exit path runs (auto TPM2_Shutdown, unlock, unlink) and the status is 0.
        let sigterm = {
            let (rx, tx) = std::os::unix::net::UnixStream::pair().map_err(io_err("signal pipe"))?;
            rx.set_nonblocking(true).map_err(io_err("signal pipe"))?;
            tx.set_nonblocking(true).map_err(io_err("signal pipe"))?;
            signal_hook::low_level::pipe::register(signal_hook::consts::SIGTERM, tx)
                .map_err(io_err("SIGTERM handler"))?;
            Some(rx)
        };
        Ok(Daemon {
            ctrl: ControlServer::new(ServerConfig {
                tpm_running: core.running(),
                reject_locality_4: opts.locality.reject_locality_4,
                ..ServerConfig::default()
            }),
            core,
            ctrl_listener,
            ctrl_conn,
            ctrl_deadline: None,
            ctrl_terminate: opts.ctrl.as_ref().is_some_and(|c| c.terminate),
            data_listener,
            data_conn,
            framer,
            disconnect: opts.server.as_ref().is_some_and(|s| s.disconnect),
            terminate,
            exiting: false,
            unlink,
            pid_file,
            sigterm,
            read_buf: vec![0u8; 4096 + 16],
        })
    }

    /// The last start-up step of swtpm (swtpm-interface §2.10), after the TPM was started and
    /// the SIGTERM handler installed: the seccomp filter (swtpm `create_seccomp_profile`).
    /// On error the exit path runs (pid file and socket paths removed).
    ///
    /// # Errors
    /// The filter could not be installed.
    pub fn arm(&mut self, seccomp: crate::sys::seccomp::SeccompAction) -> Result<(), Error> {
        let r = crate::sys::seccomp::install(seccomp);
        if r.is_err() {
            self.cleanup();
        }
        r
    }

    /// Serve until CMD_SHUTDOWN, a terminate condition, or a fatal storage error. Returns
    /// the exit status.
    pub fn run(mut self) -> i32 {
        let status = self.serve();
        self.cleanup();
        status
    }

    fn serve(&mut self) -> i32 {
        loop {
            if let Some(msg) = self.core.fatal.take() {
                let _ = msg;
                return 1;
            }
            if self.exiting {
                if let Some(c) = self.ctrl_conn.as_mut() {
                    c.flush_blocking();
                }
                return 0;
            }
            let mut slots: Vec<Slot> = Vec::with_capacity(4);
            let mut pfds: Vec<PollFd<'_>> = Vec::with_capacity(4);
            if let Some(c) = &self.ctrl_conn {
                let ev = if c.out.is_empty() {
                    PollFlags::IN
                } else {
                    PollFlags::OUT
                };
                pfds.push(PollFd::from_borrowed_fd(c.file.as_fd(), ev));
                slots.push(Slot::CtrlConn);
            } else if let Some(l) = &self.ctrl_listener {
                pfds.push(PollFd::from_borrowed_fd(l.fd(), PollFlags::IN));
                slots.push(Slot::CtrlListen);
            }
            if let Some(c) = &self.data_conn {
                let ev = if c.out.is_empty() {
                    PollFlags::IN
                } else {
                    PollFlags::OUT
                };
                pfds.push(PollFd::from_borrowed_fd(c.file.as_fd(), ev));
                slots.push(Slot::DataConn);
            } else if let Some(l) = &self.data_listener {
                pfds.push(PollFd::from_borrowed_fd(l.fd(), PollFlags::IN));
                slots.push(Slot::DataListen);
            }
            if pfds.is_empty() {
                // Nothing can ever reach us again.
                return 0;
            }
            if let Some(s) = &self.sigterm {
                pfds.push(PollFd::from_borrowed_fd(s.as_fd(), PollFlags::IN));
                slots.push(Slot::Signal);
            }
            let timeout = self.ctrl_deadline.map(|d| {
                let left = d.saturating_duration_since(Instant::now());
                Timespec {
                    tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                    tv_nsec: i64::from(left.subsec_nanos()),
                }
            });
            match poll(&mut pfds, timeout.as_ref()) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => {
                    self.core.log.error(&format!("poll failed: {e}"));
                    return 1;
                }
            }
            let ready: Vec<(Slot, PollFlags)> = slots
                .iter()
                .zip(pfds.iter())
                .map(|(s, p)| (*s, p.revents()))
                .filter(|(_, r)| !r.is_empty())
                .collect();
            drop(pfds);
            for (slot, rev) in ready {
                match slot {
                    Slot::CtrlListen => self.accept_ctrl(),
                    Slot::CtrlConn => self.ctrl_event(rev),
                    Slot::DataListen => self.accept_data(),
                    Slot::DataConn => self.data_event(rev),
                    Slot::Signal => {
                        self.core.log.info("SIGTERM: terminating");
                        if let Some(c) = self.ctrl_conn.as_mut() {
                            c.flush_blocking();
                        }
                        return 0;
                    }
                }
            }
            if self.ctrl_deadline.is_some_and(|d| Instant::now() >= d) {
                // swtpm_ioctls(3): the rest of the message did not come within 500 ms.
                self.ctrl_deadline = None;
                if self.ctrl.timed_out() == Disposition::CloseConnection {
                    self.close_ctrl();
                }
            }
        }
    }

    fn accept_ctrl(&mut self) {
        if let Some(l) = &self.ctrl_listener {
            match l.accept() {
                Ok(c) => {
                    self.ctrl.reset_connection();
                    self.ctrl_conn = Some(c);
                }
                Err(e) if would_block(&e) => {}
                Err(e) => self
                    .core
                    .log
                    .error(&format!("accept on the control socket: {e}")),
            }
        }
    }

    fn accept_data(&mut self) {
        if let Some(l) = &self.data_listener {
            match l.accept() {
                Ok(c) => {
                    self.framer = DataFramer::new(self.core.buffer_size(), true);
                    self.data_conn = Some(c);
                }
                Err(e) if would_block(&e) => {}
                Err(e) => self
                    .core
                    .log
                    .error(&format!("accept on the data socket: {e}")),
            }
        }
    }

    fn close_ctrl(&mut self) {
        self.ctrl_conn = None;
        self.ctrl_deadline = None;
        self.ctrl.reset_connection();
        if self.ctrl_terminate {
            // swtpm(8) --ctrl ...,terminate.
            self.exiting = true;
        }
    }

    fn close_data(&mut self, lost: bool) {
        self.data_conn = None;
        self.framer = DataFramer::new(self.core.buffer_size(), true);
        if lost && self.terminate {
            // swtpm(8) -t: the data client is gone.
            self.exiting = true;
        }
    }

    fn ctrl_event(&mut self, rev: PollFlags) {
        let Some(conn) = self.ctrl_conn.as_mut() else {
            return;
        };
        if !conn.out.is_empty() {
            match conn.flush() {
                Ok(true) if conn.close_after_flush => self.close_ctrl(),
                Ok(_) => {}
                Err(_) => self.close_ctrl(),
            }
            return;
        }
        let mut buf = vec![0u8; CTRL_READ];
        let mut fds = Vec::new();
        let n = match conn.read(&mut buf, Some(&mut fds)) {
            Ok(0) => return self.close_ctrl(),
            Ok(n) => n,
            Err(e) if would_block(&e) => {
                if rev.intersects(PollFlags::HUP | PollFlags::ERR) {
                    self.close_ctrl();
                }
                return;
            }
            Err(_) => return self.close_ctrl(),
        };
        let mut fds = fds.into_iter();
        let fd = fds.next();
        // Further fds in the same message are closed here (swtpm uses one).
        drop(fds);
        self.core.data_present = self.data_listener.is_some() || self.data_conn.is_some();
        let fd_attached = fd.is_some();
        self.core.pending_fd = fd;
        let chunk = buf.get(..n).unwrap_or(&[]);
        let step = self.ctrl.feed(&mut self.core, chunk, fd_attached);
        // An fd the message did not use is closed.
        self.core.pending_fd = None;
        if let Some(fd) = self.core.adopted_data_fd.take() {
            match Conn::new(fd, true) {
                Ok(c) => {
                    self.framer = DataFramer::new(self.core.buffer_size(), true);
                    self.data_conn = Some(c);
                }
                Err(e) => self.core.log.error(&format!("CMD_SET_DATAFD: {e}")),
            }
        }
        if !self.ctrl.mid_message() || !self.ctrl.in_receive_window() {
            self.ctrl_deadline = None;
        } else if self.ctrl_deadline.is_none() {
            self.ctrl_deadline = Some(Instant::now() + CTRL_WINDOW);
        }
        self.framer.set_max(self.core.buffer_size());
        let Some(conn) = self.ctrl_conn.as_mut() else {
            return;
        };
        conn.out.extend_from_slice(&step.reply);
        match step.disposition {
            Disposition::Continue => {}
            Disposition::CloseConnection => conn.close_after_flush = true,
            Disposition::Exit => {
                // swtpm_ioctls(3) CMD_SHUTDOWN: answer, then exit.
                self.exiting = true;
                return;
            }
        }
        match conn.flush() {
            Ok(true) if conn.close_after_flush => self.close_ctrl(),
            Ok(_) => {}
            Err(_) => self.close_ctrl(),
        }
    }

    fn data_event(&mut self, rev: PollFlags) {
        let Some(conn) = self.data_conn.as_mut() else {
            return;
        };
        if !conn.out.is_empty() {
            match conn.flush() {
                Ok(true) if conn.close_after_flush => self.close_data(false),
                Ok(_) => {}
                Err(_) => self.close_data(true),
            }
            return;
        }
        let buf = &mut self.read_buf;
        let n = match conn.read(buf, None) {
            Ok(0) => {
                // swtpm parity: a client that ends its stream after a whole header but
                // before the size the header declares gets TPM_RC_COMMAND_SIZE (swtpm's
                // read of the frame body fails); a partial header gets nothing.
                if self.framer.buffered() >= TPM_HEADER_LEN && self.core.running() {
                    let mut v = vec![0x80, 0x01, 0, 0, 0, 0x0a];
                    v.extend_from_slice(&TPM_RC_COMMAND_SIZE.to_be_bytes());
                    conn.out.extend_from_slice(&v);
                    conn.flush_blocking();
                }
                return self.close_data(true);
            }
            Ok(n) => n,
            Err(e) if would_block(&e) => {
                if rev.intersects(PollFlags::HUP | PollFlags::ERR) {
                    self.close_data(true);
                }
                return;
            }
            Err(_) => return self.close_data(true),
        };
        self.framer.push(self.read_buf.get(..n).unwrap_or(&[]));
        // Commands can carry secrets (authValues, sensitive data): no copy stays behind.
        if let Some(used) = self.read_buf.get_mut(..n) {
            zeroize::Zeroize::zeroize(used);
        }
        let mut out = Vec::new();
        let mut close = false;
        loop {
            match self.framer.pop() {
                Ok(Some(frame)) => {
                    out.extend_from_slice(&self.core.data_command(&frame));
                    if self.disconnect || self.core.fatal.is_some() {
                        close = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(FrameError::Skipped { .. }) => {
                    // swtpm: libtpms answers a command above the buffer size (swtpm_ioctls(3)
                    // CMD_SET_BUFFERSIZE) with TPM_RC_COMMAND_SIZE; the connection stays.
                    out.extend_from_slice(&self.oversize_response());
                    if self.disconnect {
                        close = true;
                        break;
                    }
                }
                Err(e) => {
                    self.core.log.error(&format!("data channel: {e}"));
                    let rsp = if self.core.running() {
                        let mut v = vec![0x80, 0x01, 0, 0, 0, 0x0a];
                        v.extend_from_slice(&TPM_RC_COMMAND_SIZE.to_be_bytes());
                        v
                    } else {
                        fatal_error_response(Family::Tpm2).to_vec()
                    };
                    out.extend_from_slice(&rsp);
                    close = true;
                    break;
                }
            }
        }
        let Some(conn) = self.data_conn.as_mut() else {
            return;
        };
        conn.out.extend_from_slice(&out);
        conn.close_after_flush |= close;
        match conn.flush() {
            Ok(true) if conn.close_after_flush => self.close_data(false),
            Ok(_) => {}
            Err(_) => self.close_data(true),
        }
    }

    /// The answer to a data frame above the buffer size: TPM_RC_COMMAND_SIZE from a running
    /// TPM, else the fatal response every command gets before INIT.
    fn oversize_response(&self) -> Vec<u8> {
        if self.core.running() {
            let mut v = vec![0x80, 0x01, 0, 0, 0, 0x0a];
            v.extend_from_slice(&TPM_RC_COMMAND_SIZE.to_be_bytes());
            v
        } else {
            fatal_error_response(Family::Tpm2).to_vec()
        }
    }

    /// Exit path (swtpm-interface §2.10): auto TPM2_Shutdown, power off, unlock, remove the
    /// pid file and socket paths.
    fn cleanup(&mut self) {
        self.core.power_off();
        self.core.unlock();
        for p in &self.unlink {
            let _ = std::fs::remove_file(p);
        }
        if let Some(p) = &self.pid_file {
            let _ = std::fs::remove_file(p);
        }
    }
}
