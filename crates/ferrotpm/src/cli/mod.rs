//! The `swtpm` command line (swtpm(8)): `swtpm socket|chardev [options]`, `swtpm -v|--version`,
//! `swtpm -h|--help`, parsed as swtpm parses it (GNU `getopt_long`, then swtpm's sub-option
//! syntax), with swtpm's error texts where they are known (swtpm-interface §2).
//!
//! What it is: pure parsing into [`Options`]; every option swtpm 0.7-0.11 knows is recognised
//! (so prefixes are ambiguous exactly where swtpm's are), and the ones this build does not
//! honour yet are refused by name ([`NOT_SUPPORTED`]), never ignored.
//! What it is not: no fd is adopted, no file opened, nothing printed here (see the daemon).

pub mod getopt;
pub mod subopts;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use getopt::{HasArg, LongOpt, ShortOpt, getopt_long};
use subopts::{SubOpts, Ty};

pub use crate::sys::seccomp::SeccompAction;

/// Package version printed by `--version` and `--print-capabilities`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The front end chosen by the first argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Iface {
    /// `swtpm socket`.
    Socket,
    /// `swtpm chardev`.
    Chardev,
}

impl Iface {
    /// The name as typed.
    pub fn name(self) -> &'static str {
        match self {
            Iface::Socket => "socket",
            Iface::Chardev => "chardev",
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// `swtpm -h|--help`: the general usage on stdout, exit 0.
    GeneralHelp,
    /// `swtpm -v|--version`.
    Version,
    /// `swtpm <iface> -h|--help`.
    Help(Iface),
    /// `swtpm <iface> --print-capabilities`.
    PrintCapabilities {
        /// `--tpm2` was given (adds the TPM 2 features).
        tpm2: bool,
    },
    /// Run (or `--print-states`).
    Run(Box<Options>),
}

/// A command-line error: the text for stderr, and whether the front end's usage follows it
/// (getopt errors print the usage, as swtpm does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The message, without a trailing newline.
    pub message: String,
    /// Print the front end's usage on stderr after the message.
    pub usage: Option<Iface>,
    /// Print the general usage (unknown interface).
    pub general_usage: bool,
}

impl CliError {
    fn plain(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            usage: None,
            general_usage: false,
        }
    }
}

/// Where the data channel comes from (`--server`, `-p`, `-f`, `--chardev`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataSpec {
    /// TCP listener.
    Tcp {
        /// Port.
        port: u16,
        /// Bind address (`127.0.0.1` by default).
        bindaddr: String,
    },
    /// Unix listener on a path.
    UnixPath(UnixPathSpec),
    /// An inherited listening Unix socket (`--server type=unixio,fd=N`).
    UnixListenFd(i32),
    /// An inherited connected socket (`-f N`, `--server type=tcp,fd=N`): no accept, and the
    /// process ends with the connection.
    ConnectedFd(i32),
    /// `swtpm chardev --chardev PATH`.
    CharDevPath(PathBuf),
}

/// A Unix socket path with its file mode and owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixPathSpec {
    /// The path.
    pub path: PathBuf,
    /// `mode=` (default 0770).
    pub mode: u32,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
}

/// The data channel and its connection rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    /// Where it comes from.
    pub data: DataSpec,
    /// `disconnect` (and `-p`): close the connection after every response.
    pub disconnect: bool,
}

/// `--ctrl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtrlSpec {
    /// `type=unixio,path=`.
    UnixPath(UnixPathSpec),
    /// `type=unixio,fd=` (listening).
    UnixListenFd(i32),
    /// `type=unixio,clientfd=` (connected).
    UnixClientFd(i32),
    /// `type=tcp,port=`.
    Tcp {
        /// Port.
        port: u16,
        /// Bind address.
        bindaddr: String,
    },
    /// `type=tcp,fd=` (listening).
    TcpListenFd(i32),
}

/// `--ctrl` with its flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtrlOptions {
    /// The endpoint.
    pub spec: CtrlSpec,
    /// `terminate`: exit when the control client goes away (swtpm 0.8+).
    pub terminate: bool,
}

/// `--tpmstate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TpmStateOptions {
    /// The state directory, or with [`TpmStateOptions::linear`] the file or block device.
    pub dir: PathBuf,
    /// `backend-uri=file://PATH`: the linear backend over `dir` (a file or block device).
    pub linear: bool,
    /// `mode=` for state files.
    pub mode: Option<u32>,
    /// Lock the directory (default on for the dir backend; `lock=false` turns it off).
    pub lock: bool,
    /// `backup` (swtpm master): keep the previous permanent image as `tpm2-00.permall.bak`
    /// and fall back to it when the permanent image cannot be started from.
    pub backup: bool,
}

/// `--migration [incoming][,release-lock-outgoing]` (swtpm 0.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MigrationOptions {
    /// `incoming`: do not lock the storage at start-up or INIT; take the lock on first use
    /// (SET_STATEBLOB, LOCK_STORAGE, a data-channel command).
    pub incoming: bool,
    /// `release-lock-outgoing`: release the lock once the state has been handed out.
    pub release_lock_outgoing: bool,
}

/// `--log`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LogOptions {
    /// `file=` (`-` disables logging).
    pub file: Option<PathBuf>,
    /// `fd=`.
    pub fd: Option<i32>,
    /// `level=` (default 1 with `--log`).
    pub level: u32,
    /// `prefix=`.
    pub prefix: String,
    /// `truncate`.
    pub truncate: bool,
}

/// `--pid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PidOptions {
    /// `file=`.
    File(PathBuf),
    /// `fd=`.
    Fd(i32),
}

/// `--flags startup-*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartupType {
    /// `startup-clear`: TPM2_Startup(SU_CLEAR).
    Clear,
    /// `startup-state`: TPM2_Startup(SU_STATE).
    State,
    /// `startup-none`: no Startup, but the TPM runs without CMD_INIT.
    None,
}

/// `--flags`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags {
    /// `not-need-init` (implied by any `startup-*`).
    pub not_need_init: bool,
    /// `startup-*`.
    pub startup: Option<StartupType>,
    /// `disable-auto-shutdown`.
    pub disable_auto_shutdown: bool,
}

/// `--locality`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Locality {
    /// `reject-locality-4`.
    pub reject_locality_4: bool,
    /// `allow-set-locality`: the in-band vendor command TPM_CC_SetLocality (0x20001000).
    pub allow_set_locality: bool,
}

/// Everything a run needs from the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The front end.
    pub iface: Iface,
    /// `--tpm2`.
    pub tpm2: bool,
    /// `-t`/`--terminate` (or implied by a connected fd).
    pub terminate: bool,
    /// `-d`/`--daemon`.
    pub daemon: bool,
    /// The data channel (`None`: only through CMD_SET_DATAFD).
    pub server: Option<ServerSpec>,
    /// The control channel.
    pub ctrl: Option<CtrlOptions>,
    /// The state directory (`None`: INIT fails with "Missing backend URI").
    pub tpmstate: Option<TpmStateOptions>,
    /// Logging.
    pub log: Option<LogOptions>,
    /// Pid file.
    pub pid: Option<PidOptions>,
    /// Locality options.
    pub locality: Locality,
    /// `--flags`.
    pub flags: Flags,
    /// `--key` value (validated with tpm-store's parser; read at start-up).
    pub key: Option<String>,
    /// `--migration-key` value.
    pub migration_key: Option<String>,
    /// `--print-states`.
    pub print_states: bool,
    /// `--migration`.
    pub migration: MigrationOptions,
    /// `-r`/`--runas`: user name or number to switch to at start-up.
    pub runas: Option<String>,
    /// `-R`/`--chroot`: directory to chroot into at start-up.
    pub chroot: Option<PathBuf>,
    /// `--seccomp action=` (swtpm's default without the option: kill).
    pub seccomp: SeccompAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
    Daemon,
    Help,
    Port,
    Fd,
    Server,
    Chardev,
    Runas,
    Chroot,
    Terminate,
    Locality,
    Log,
    Key,
    MigrationKey,
    Pid,
    TpmState,
    Ctrl,
    Flags,
    Tpm2,
    Seccomp,
    Migration,
    VtpmProxy,
    PrintCapabilities,
    PrintStates,
    Profile,
    PrintProfiles,
    PrintInfo,
    Pcap,
}

const fn lo(name: &'static str, has_arg: HasArg, id: Opt) -> LongOpt<Opt> {
    LongOpt { name, has_arg, id }
}

const fn so(letter: char, has_arg: HasArg, id: Opt) -> ShortOpt<Opt> {
    ShortOpt {
        letter,
        has_arg,
        id,
    }
}

/// swtpm.c `longopts` (socket), in swtpm's order (the order of glibc's "possibilities").
const SOCKET_LONG: &[LongOpt<Opt>] = &[
    lo("daemon", HasArg::No, Opt::Daemon),
    lo("help", HasArg::No, Opt::Help),
    lo("port", HasArg::Required, Opt::Port),
    lo("fd", HasArg::Required, Opt::Fd),
    lo("server", HasArg::Required, Opt::Server),
    lo("runas", HasArg::Required, Opt::Runas),
    lo("chroot", HasArg::Required, Opt::Chroot),
    lo("terminate", HasArg::No, Opt::Terminate),
    lo("locality", HasArg::Required, Opt::Locality),
    lo("log", HasArg::Required, Opt::Log),
    lo("key", HasArg::Required, Opt::Key),
    lo("migration-key", HasArg::Required, Opt::MigrationKey),
    lo("pid", HasArg::Required, Opt::Pid),
    lo("tpmstate", HasArg::Required, Opt::TpmState),
    lo("ctrl", HasArg::Required, Opt::Ctrl),
    lo("flags", HasArg::Required, Opt::Flags),
    lo("tpm2", HasArg::No, Opt::Tpm2),
    lo("seccomp", HasArg::Required, Opt::Seccomp),
    lo("migration", HasArg::Required, Opt::Migration),
    lo("print-capabilities", HasArg::No, Opt::PrintCapabilities),
    lo("print-states", HasArg::No, Opt::PrintStates),
    lo("profile", HasArg::Required, Opt::Profile),
    lo("print-profiles", HasArg::No, Opt::PrintProfiles),
    lo("print-info", HasArg::Required, Opt::PrintInfo),
    lo("pcap", HasArg::Required, Opt::Pcap),
];

/// swtpm_chardev.c `longopts`.
const CHARDEV_LONG: &[LongOpt<Opt>] = &[
    lo("daemon", HasArg::No, Opt::Daemon),
    lo("help", HasArg::No, Opt::Help),
    lo("chardev", HasArg::Required, Opt::Chardev),
    lo("fd", HasArg::Required, Opt::Fd),
    lo("runas", HasArg::Required, Opt::Runas),
    lo("chroot", HasArg::Required, Opt::Chroot),
    lo("locality", HasArg::Required, Opt::Locality),
    lo("log", HasArg::Required, Opt::Log),
    lo("key", HasArg::Required, Opt::Key),
    lo("migration-key", HasArg::Required, Opt::MigrationKey),
    lo("pid", HasArg::Required, Opt::Pid),
    lo("tpmstate", HasArg::Required, Opt::TpmState),
    lo("ctrl", HasArg::Required, Opt::Ctrl),
    lo("flags", HasArg::Required, Opt::Flags),
    lo("tpm2", HasArg::No, Opt::Tpm2),
    lo("vtpm-proxy", HasArg::No, Opt::VtpmProxy),
    lo("seccomp", HasArg::Required, Opt::Seccomp),
    lo("migration", HasArg::Required, Opt::Migration),
    lo("print-capabilities", HasArg::No, Opt::PrintCapabilities),
    lo("print-states", HasArg::No, Opt::PrintStates),
    lo("profile", HasArg::Required, Opt::Profile),
    lo("print-profiles", HasArg::No, Opt::PrintProfiles),
    lo("print-info", HasArg::Required, Opt::PrintInfo),
    lo("pcap", HasArg::Required, Opt::Pcap),
];

/// swtpm.c optstring `dhp:f:tr:R:`.
const SOCKET_SHORT: &[ShortOpt<Opt>] = &[
    so('d', HasArg::No, Opt::Daemon),
    so('h', HasArg::No, Opt::Help),
    so('p', HasArg::Required, Opt::Port),
    so('f', HasArg::Required, Opt::Fd),
    so('t', HasArg::No, Opt::Terminate),
    so('r', HasArg::Required, Opt::Runas),
    so('R', HasArg::Required, Opt::Chroot),
];

/// swtpm_chardev.c optstring `dhc:f:r:R:`.
const CHARDEV_SHORT: &[ShortOpt<Opt>] = &[
    so('d', HasArg::No, Opt::Daemon),
    so('h', HasArg::No, Opt::Help),
    so('c', HasArg::Required, Opt::Chardev),
    so('f', HasArg::Required, Opt::Fd),
    so('r', HasArg::Required, Opt::Runas),
    so('R', HasArg::Required, Opt::Chroot),
];

/// Options swtpm has and this build refuses (named in the error), with the reason.
pub const NOT_SUPPORTED: &[(&str, &str)] = &[
    ("--vtpm-proxy", "the kernel vTPM proxy device"),
    ("--profile", "libtpms TPM 2 profiles"),
    ("--print-profiles", "libtpms TPM 2 profiles"),
    ("--print-info", "TPMLIB_GetInfo output"),
    ("--pcap", "pcapng capture"),
];

fn refuse(name: &str) -> CliError {
    let why = NOT_SUPPORTED
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, w)| *w);
    CliError::plain(format!(
        "option '{name}' is not supported by this build ({why})"
    ))
}

/// Parse `argv` without the program name.
///
/// # Errors
/// A [`CliError`] with swtpm's text.
pub fn parse(
    args: &[String],
    env_tpm_path: Option<String>,
    env_tpm_port: Option<String>,
) -> Result<Invocation, CliError> {
    let Some(first) = args.first() else {
        return Err(CliError::plain("Missing TPM interface type."));
    };
    let iface = match first.as_str() {
        "socket" => Iface::Socket,
        "chardev" => Iface::Chardev,
        "-v" | "--version" => return Ok(Invocation::Version),
        "-h" | "--help" => return Ok(Invocation::GeneralHelp),
        other => {
            return Err(CliError {
                message: format!("Unsupported TPM interface type '{other}'."),
                usage: None,
                general_usage: true,
            });
        }
    };
    let (shorts, longs) = match iface {
        Iface::Socket => (SOCKET_SHORT, SOCKET_LONG),
        Iface::Chardev => (CHARDEV_SHORT, CHARDEV_LONG),
    };
    let rest = args.get(1..).unwrap_or(&[]);
    let parsed = getopt_long(iface.name(), rest, shorts, longs).map_err(|m| CliError {
        message: m,
        usage: Some(iface),
        general_usage: false,
    })?;

    // Raw values: the last occurrence of an option wins (each option stores one string).
    let mut raw = Raw::default();
    for (id, arg) in parsed.opts {
        let arg = arg.unwrap_or_default();
        match id {
            Opt::Help => return Ok(Invocation::Help(iface)),
            Opt::Daemon => raw.daemon = true,
            Opt::Terminate => raw.terminate = true,
            Opt::Tpm2 => raw.tpm2 = true,
            Opt::PrintCapabilities => raw.print_capabilities = true,
            Opt::PrintStates => raw.print_states = true,
            Opt::Port => raw.server = Some(ServerArg::Port(arg)),
            Opt::Fd => raw.server = Some(ServerArg::Fd(arg)),
            Opt::Server => raw.server = Some(ServerArg::Opts(arg)),
            Opt::Chardev => raw.server = Some(ServerArg::Chardev(arg)),
            Opt::Ctrl => raw.ctrl = Some(arg),
            Opt::TpmState => raw.tpmstate = Some(arg),
            Opt::Log => raw.log = Some(arg),
            Opt::Pid => raw.pid = Some(arg),
            Opt::Locality => raw.locality = Some(arg),
            Opt::Flags => raw.flags = Some(arg),
            Opt::Key => raw.key = Some(arg),
            Opt::MigrationKey => raw.migration_key = Some(arg),
            Opt::Runas => raw.runas = Some(arg),
            Opt::Chroot => raw.chroot = Some(arg),
            Opt::Seccomp => raw.seccomp = Some(arg),
            Opt::Migration => raw.migration = Some(arg),
            Opt::VtpmProxy => raw.refused.push("--vtpm-proxy"),
            Opt::Profile => raw.refused.push("--profile"),
            Opt::PrintProfiles => raw.refused.push("--print-profiles"),
            Opt::PrintInfo => raw.refused.push("--print-info"),
            Opt::Pcap => raw.refused.push("--pcap"),
        }
    }
    if let Some(op) = parsed.operands.first() {
        return Err(CliError::plain(format!("Unknown parameter '{op}'")));
    }
    // swtpm(8): --print-capabilities is answered before anything else is looked at.
    if raw.print_capabilities {
        // The log option is still parsed first (swtpm opens the log before printing).
        if let Some(l) = &raw.log {
            parse_log(l)?;
        }
        return Ok(Invocation::PrintCapabilities { tpm2: raw.tpm2 });
    }
    if let Some(name) = raw.refused.first() {
        return Err(refuse(name));
    }

    let log = raw.log.as_deref().map(parse_log).transpose()?;
    let ctrl = raw.ctrl.as_deref().map(parse_ctrl).transpose()?;
    let mut terminate = raw.terminate;
    let server = match raw.server {
        None => None,
        Some(ServerArg::Port(p)) => Some(ServerSpec {
            data: DataSpec::Tcp {
                port: parse_port(&p).ok_or_else(|| {
                    CliError::plain(format!("Cannot parse port '{p}' (invalid number)"))
                })?,
                bindaddr: "127.0.0.1".into(),
            },
            // swtpm(8) -p: implies `--server type=tcp,disconnect`.
            disconnect: true,
        }),
        Some(ServerArg::Fd(f)) => {
            let fd = parse_fd_arg(&f)?;
            // swtpm(8) -f: a connected socket; the process ends with it.
            terminate = true;
            Some(ServerSpec {
                data: DataSpec::ConnectedFd(fd),
                disconnect: false,
            })
        }
        Some(ServerArg::Chardev(p)) => {
            terminate = true;
            Some(ServerSpec {
                data: DataSpec::CharDevPath(PathBuf::from(p)),
                disconnect: false,
            })
        }
        Some(ServerArg::Opts(s)) => {
            let spec = parse_server(&s, env_tpm_port.as_deref())?;
            if matches!(spec.data, DataSpec::ConnectedFd(_)) {
                terminate = true;
            }
            Some(spec)
        }
    };
    if let Some(k) = &raw.key {
        tpm_store::KeyOptions::parse(k).map_err(|e| CliError::plain(e.to_string()))?;
    }
    if let Some(k) = &raw.migration_key {
        tpm_store::KeyOptions::parse(k).map_err(|e| {
            CliError::plain(
                e.to_string()
                    .replace("key options", "migration key options"),
            )
        })?;
    }
    let migration = raw
        .migration
        .as_deref()
        .map(parse_migration)
        .transpose()?
        .unwrap_or_default();
    let pid = raw.pid.as_deref().map(parse_pid).transpose()?;
    let seccomp = match raw.seccomp.as_deref() {
        Some(s) => parse_seccomp(s)?,
        None => SeccompAction::Kill,
    };
    let locality = raw
        .locality
        .as_deref()
        .map(parse_locality)
        .transpose()?
        .unwrap_or_default();
    let tpmstate = match raw.tpmstate.as_deref() {
        Some(s) => Some(parse_tpmstate(s)?),
        // swtpm(8): TPM_PATH stands in for --tpmstate dir=.
        None => env_tpm_path
            .filter(|p| !p.is_empty())
            .map(|p| TpmStateOptions {
                dir: PathBuf::from(p),
                linear: false,
                mode: None,
                lock: true,
                backup: false,
            }),
    };
    let flags = raw
        .flags
        .as_deref()
        .map(|f| parse_flags(f, raw.tpm2))
        .transpose()?
        .unwrap_or_default();
    if iface == Iface::Chardev && server.is_none() && !raw.print_states {
        return Err(CliError::plain(
            "Error: Missing character device or file descriptor",
        ));
    }
    Ok(Invocation::Run(Box::new(Options {
        iface,
        tpm2: raw.tpm2,
        terminate,
        daemon: raw.daemon,
        server,
        ctrl,
        tpmstate,
        log,
        pid,
        locality,
        flags,
        key: raw.key,
        migration_key: raw.migration_key,
        print_states: raw.print_states,
        migration,
        runas: raw.runas,
        chroot: raw.chroot.map(PathBuf::from),
        seccomp,
    })))
}

#[derive(Debug)]
enum ServerArg {
    Port(String),
    Fd(String),
    Opts(String),
    Chardev(String),
}

#[derive(Debug, Default)]
struct Raw {
    daemon: bool,
    terminate: bool,
    tpm2: bool,
    print_capabilities: bool,
    print_states: bool,
    server: Option<ServerArg>,
    ctrl: Option<String>,
    tpmstate: Option<String>,
    log: Option<String>,
    pid: Option<String>,
    locality: Option<String>,
    flags: Option<String>,
    key: Option<String>,
    migration_key: Option<String>,
    migration: Option<String>,
    runas: Option<String>,
    chroot: Option<String>,
    seccomp: Option<String>,
    refused: Vec<&'static str>,
}

/// `strtoul(p, 0, 0)` as swtpm reads `-p` (0x.. accepted), within a port.
fn parse_port(p: &str) -> Option<u16> {
    let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()?
    } else if p.len() > 1 && p.starts_with('0') {
        u32::from_str_radix(p.get(1..)?, 8).ok()?
    } else {
        p.parse::<u32>().ok()?
    };
    u16::try_from(v).ok()
}

fn parse_fd_arg(f: &str) -> Result<i32, CliError> {
    match f.parse::<i32>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(CliError::plain(format!(
            "Cannot parse file descriptor '{f}'"
        ))),
    }
}

fn sub(what: &str, s: &str, names: &[(&'static str, Ty)]) -> Result<SubOpts, CliError> {
    SubOpts::parse(s, names)
        .map_err(|e| CliError::plain(format!("Error parsing {what} options: {e}")))
}

/// A uid/gid value: a number, or a name looked up in the passwd/group database file.
fn parse_id(what: &str, v: &str, db: &str) -> Result<u32, CliError> {
    if let Ok(n) = v.parse::<u32>() {
        return Ok(n);
    }
    let text = std::fs::read_to_string(db).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let _pw = f.next()?;
            let id = f.next()?.parse::<u32>().ok()?;
            (name == v).then_some(id)
        })
        .next()
        .ok_or_else(|| {
            CliError::plain(format!(
                "Error parsing {what} options: unknown user or group '{v}'"
            ))
        })
}

fn unix_path(what: &str, o: &SubOpts, path: &str) -> Result<UnixPathSpec, CliError> {
    Ok(UnixPathSpec {
        path: PathBuf::from(path),
        mode: o.mode("mode").unwrap_or(0o770),
        uid: o
            .str("uid")
            .map(|u| parse_id(what, u, "/etc/passwd"))
            .transpose()?,
        gid: o
            .str("gid")
            .map(|g| parse_id(what, g, "/etc/group"))
            .transpose()?,
    })
}

fn port_of(what: &str, o: &SubOpts, env_port: Option<&str>) -> Result<u16, CliError> {
    let raw = match o.int("port") {
        Some(p) => i64::from(p),
        None => match env_port {
            Some(p) => i64::from(parse_port(p).ok_or_else(|| {
                CliError::plain(format!(
                    "Error parsing {what} options: invalid TPM_PORT '{p}'"
                ))
            })?),
            None => {
                return Err(CliError::plain(
                    "TPM_PORT is not set and no port was given with the port parameter",
                ));
            }
        },
    };
    u16::try_from(raw).map_err(|_| {
        CliError::plain(format!(
            "Error parsing {what} options: port {raw} is out of range"
        ))
    })
}

fn no_ifname(what: &str, o: &SubOpts) -> Result<(), CliError> {
    if o.str("ifname").is_some() {
        return Err(CliError::plain(format!(
            "Error parsing {what} options: option 'ifname' (link-local IPv6) is not supported by this build"
        )));
    }
    Ok(())
}

fn fd_of(o: &SubOpts, name: &str) -> Option<i32> {
    o.int(name).filter(|n| *n >= 0)
}

/// swtpm(8) `--server`.
fn parse_server(s: &str, env_port: Option<&str>) -> Result<ServerSpec, CliError> {
    let o = sub(
        "server",
        s,
        &[
            ("type", Ty::Str),
            ("path", Ty::Str),
            ("port", Ty::Int),
            ("bindaddr", Ty::Str),
            ("ifname", Ty::Str),
            ("fd", Ty::Int),
            ("disconnect", Ty::Bool),
            ("mode", Ty::Mode),
            ("uid", Ty::Id),
            ("gid", Ty::Id),
        ],
    )?;
    let disconnect = o.bool("disconnect");
    let data = match o.str("type").unwrap_or("tcp") {
        "tcp" => {
            no_ifname("server", &o)?;
            if let Some(fd) = fd_of(&o, "fd") {
                DataSpec::ConnectedFd(fd)
            } else {
                DataSpec::Tcp {
                    port: port_of("server", &o, env_port)?,
                    bindaddr: o.str("bindaddr").unwrap_or("127.0.0.1").to_string(),
                }
            }
        }
        "unixio" => {
            if let Some(p) = o.str("path") {
                DataSpec::UnixPath(unix_path("server", &o, p)?)
            } else if let Some(fd) = fd_of(&o, "fd") {
                DataSpec::UnixListenFd(fd)
            } else {
                return Err(CliError::plain(
                    "Error parsing server options: Missing path and file descriptor option for UnixIO socket",
                ));
            }
        }
        other => {
            return Err(CliError::plain(format!(
                "Error parsing server options: Unsupported socket type '{other}'"
            )));
        }
    };
    Ok(ServerSpec { data, disconnect })
}

/// swtpm(8) `--ctrl`.
fn parse_ctrl(s: &str) -> Result<CtrlOptions, CliError> {
    let o = sub(
        "ctrl",
        s,
        &[
            ("type", Ty::Str),
            ("path", Ty::Str),
            ("port", Ty::Int),
            ("bindaddr", Ty::Str),
            ("ifname", Ty::Str),
            ("fd", Ty::Int),
            ("clientfd", Ty::Int),
            ("mode", Ty::Mode),
            ("uid", Ty::Id),
            ("gid", Ty::Id),
            ("terminate", Ty::Bool),
        ],
    )?;
    let spec = match o.str("type") {
        Some("unixio") => {
            let (fd, clientfd) = (fd_of(&o, "fd"), fd_of(&o, "clientfd"));
            if fd.is_some() && clientfd.is_some() {
                return Err(CliError::plain(
                    "Error parsing ctrl options: fd and clientfd are mutually exclusive",
                ));
            }
            if let Some(p) = o.str("path") {
                CtrlSpec::UnixPath(unix_path("ctrl", &o, p)?)
            } else if let Some(fd) = fd {
                CtrlSpec::UnixListenFd(fd)
            } else if let Some(fd) = clientfd {
                CtrlSpec::UnixClientFd(fd)
            } else {
                return Err(CliError::plain(
                    "Error parsing ctrl options: Missing path and file descriptor option for UnixIO socket",
                ));
            }
        }
        Some("tcp") => {
            no_ifname("ctrl", &o)?;
            if let Some(fd) = fd_of(&o, "fd") {
                CtrlSpec::TcpListenFd(fd)
            } else {
                let Some(port) = o.int("port") else {
                    return Err(CliError::plain(
                        "Error parsing ctrl options: Missing port option for TCP socket",
                    ));
                };
                CtrlSpec::Tcp {
                    port: u16::try_from(port).map_err(|_| {
                        CliError::plain(format!(
                            "Error parsing ctrl options: port {port} is out of range"
                        ))
                    })?,
                    bindaddr: o.str("bindaddr").unwrap_or("127.0.0.1").to_string(),
                }
            }
        }
        Some(other) => {
            return Err(CliError::plain(format!(
                "Error parsing ctrl options: Unsupported socket type '{other}'"
            )));
        }
        None => {
            return Err(CliError::plain(
                "Error parsing ctrl options: Missing type parameter for control channel",
            ));
        }
    };
    Ok(CtrlOptions {
        spec,
        terminate: o.bool("terminate"),
    })
}

/// swtpm(8) `--tpmstate` (`dir=`, `backend-uri=dir://` or `backend-uri=file://`).
fn parse_tpmstate(s: &str) -> Result<TpmStateOptions, CliError> {
    let o = sub(
        "tpmstate",
        s,
        &[
            ("dir", Ty::Str),
            ("mode", Ty::Mode),
            ("backend-uri", Ty::Str),
            ("lock", Ty::Bool),
            ("backup", Ty::Bool),
            ("fsync", Ty::Bool),
        ],
    )?;
    let mut linear = false;
    let dir = if let Some(d) = o.str("dir") {
        PathBuf::from(d)
    } else if let Some(uri) = o.str("backend-uri") {
        if let Some(d) = uri.strip_prefix("dir://") {
            PathBuf::from(d)
        } else if let Some(f) = uri.strip_prefix("file://") {
            linear = true;
            PathBuf::from(f)
        } else {
            return Err(CliError::plain(format!(
                "Error parsing tpmstate options: Unsupported backend URI '{uri}'"
            )));
        }
    } else {
        return Err(CliError::plain(
            "Error parsing tpmstate options: Missing dir or backend-uri parameter",
        ));
    };
    // `fsync` (swtpm master) is accepted: the dir backend here always fsyncs the file and the
    // directory. `backup` is honoured by the dir backend only.
    let backup = o.bool("backup");
    // swtpm master `SWTPM_NVRAM_Prepare_Linear`: both are dir-backend options.
    for opt in ["backup", "fsync"] {
        if linear && o.bool(opt) {
            return Err(CliError::plain(format!(
                "Error parsing tpmstate options: The {opt} option is not supported with this storage backend"
            )));
        }
    }
    // swtpm 0.10 `parse_tpmstate_options`: "historically dir backend always locked, file
    // backend did not" — the default follows the backend; `lock`/`lock=false` override it.
    let lock = o.str("lock").map_or(!linear, |_| o.bool("lock"));
    Ok(TpmStateOptions {
        dir,
        linear,
        mode: o.mode("mode"),
        lock,
        backup,
    })
}

/// swtpm(8) `--migration` (swtpm 0.10 `parse_migration_options`).
fn parse_migration(s: &str) -> Result<MigrationOptions, CliError> {
    let o = sub(
        "migration",
        s,
        &[("incoming", Ty::Bool), ("release-lock-outgoing", Ty::Bool)],
    )?;
    Ok(MigrationOptions {
        incoming: o.bool("incoming"),
        release_lock_outgoing: o.bool("release-lock-outgoing"),
    })
}

/// swtpm(8) `--log`.
fn parse_log(s: &str) -> Result<LogOptions, CliError> {
    let o = sub(
        "logging",
        s,
        &[
            ("file", Ty::Str),
            ("fd", Ty::Int),
            ("level", Ty::Int),
            ("prefix", Ty::Str),
            ("truncate", Ty::Bool),
        ],
    )?;
    let level = match o.int("level") {
        None => 1,
        Some(l) => u32::try_from(l).map_err(|_| {
            CliError::plain(format!(
                "Error parsing logging options: invalid log level '{l}'"
            ))
        })?,
    };
    Ok(LogOptions {
        file: o.str("file").map(PathBuf::from),
        fd: fd_of(&o, "fd"),
        level,
        prefix: o.str("prefix").unwrap_or("").to_string(),
        truncate: o.bool("truncate"),
    })
}

/// swtpm(8) `--pid`.
fn parse_pid(s: &str) -> Result<PidOptions, CliError> {
    let o = sub("pid", s, &[("file", Ty::Str), ("fd", Ty::Int)])?;
    if let Some(f) = o.str("file") {
        Ok(PidOptions::File(PathBuf::from(f)))
    } else if let Some(fd) = fd_of(&o, "fd") {
        Ok(PidOptions::Fd(fd))
    } else {
        Err(CliError::plain(
            "Error parsing pid options: Missing file or fd parameter",
        ))
    }
}

/// swtpm(8) `--seccomp action=none|kill|log` (swtpm `parse_seccomp_options`).
fn parse_seccomp(s: &str) -> Result<SeccompAction, CliError> {
    let o = sub("seccomp", s, &[("action", Ty::Str)])?;
    match o.str("action").unwrap_or("kill") {
        "kill" => Ok(SeccompAction::Kill),
        "log" => Ok(SeccompAction::Log),
        "none" => Ok(SeccompAction::None),
        other => Err(CliError::plain(format!(
            "Unsupported seccomp log action {other}"
        ))),
    }
}

/// swtpm(8) `--locality`.
fn parse_locality(s: &str) -> Result<Locality, CliError> {
    let o = sub(
        "locality",
        s,
        &[
            ("reject-locality-4", Ty::Bool),
            ("allow-set-locality", Ty::Bool),
        ],
    )?;
    Ok(Locality {
        reject_locality_4: o.bool("reject-locality-4"),
        allow_set_locality: o.bool("allow-set-locality"),
    })
}

/// swtpm(8) `--flags`.
fn parse_flags(s: &str, tpm2: bool) -> Result<Flags, CliError> {
    let o = sub(
        "flags",
        s,
        &[
            ("not-need-init", Ty::Bool),
            ("startup-clear", Ty::Bool),
            ("startup-state", Ty::Bool),
            ("startup-deactivated", Ty::Bool),
            ("startup-none", Ty::Bool),
            ("disable-auto-shutdown", Ty::Bool),
        ],
    )?;
    let startup = if o.bool("startup-clear") {
        Some(StartupType::Clear)
    } else if o.bool("startup-state") {
        Some(StartupType::State)
    } else if o.bool("startup-deactivated") {
        if tpm2 {
            return Err(CliError::plain(
                "Error parsing flags options: TPM 2 does not support startup-deactivated",
            ));
        }
        return Err(CliError::plain("TPM 1.2 is not supported by this build"));
    } else if o.bool("startup-none") {
        Some(StartupType::None)
    } else {
        None
    };
    Ok(Flags {
        not_need_init: o.bool("not-need-init") || startup.is_some(),
        startup,
        disable_auto_shutdown: o.bool("disable-auto-shutdown"),
    })
}

/// `--print-capabilities` (swtpm(8); swtpm-interface §6.1): only the features this build
/// honours. One line with a newline.
pub fn capabilities_json(tpm2: bool) -> String {
    let mut features: Vec<&str> = vec![
        "tpm-2.0",
        // Data channel accepts the MS-simulator TPM_SEND_COMMAND prefix (TPM 2).
        "tpm-send-command-header",
        "flags-opt-startup",
        "flags-opt-disable-auto-shutdown",
        "ctrl-opt-terminate",
        // --seccomp with a real filter (crate::sys::seccomp).
        "cmdarg-seccomp",
        "cmdarg-key-fd",
        "cmdarg-pwd-fd",
        "cmdarg-print-states",
        // -R/--chroot.
        "cmdarg-chroot",
        "cmdarg-migration",
        "nvram-backend-dir",
        "nvram-backend-file",
    ];
    if tpm2 {
        // tpm2-engine's key sizes (libtpms 0.9.2 parity: no RSA 4096).
        features.extend(["rsa-keysize-1024", "rsa-keysize-2048", "rsa-keysize-3072"]);
    }
    features.extend([
        "tpmstate-opt-lock",
        // swtpm master (capabilities.c): `--tpmstate ...,backup` and `,fsync`.
        "tpmstate-dir-backend-opt-backup",
        "tpmstate-dir-backend-opt-fsync",
    ]);
    let list: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    format!(
        "{{ \"type\": \"swtpm\", \"features\": [ {} ], \"version\": \"{VERSION}\" }}\n",
        list.join(", ")
    )
}

/// `swtpm -v` (swtpm(8) banner, our version).
pub fn version_text() -> String {
    format!("TPM emulator version {VERSION}, Copyright (c) 2014-2022 IBM Corp. and others\n")
}

/// `swtpm --help` and the tail of an unknown-interface error.
pub fn general_usage() -> String {
    "TPM emulator with choice of interface.\n\
     \n\
     Usage: swtpm socket|chardev [options]\n\
     \x20      swtpm -v|--version\n\
     \n\
     Use the --help option to see the help screen for each interface type.\n\
     Use the --version options to see version information.\n"
        .to_string()
}

/// `swtpm <iface> --help`.
pub fn iface_usage(iface: Iface) -> String {
    let mut s = format!(
        "Usage: swtpm {} [options]\n\nThe following options are supported:\n\n",
        iface.name()
    );
    match iface {
        Iface::Socket => s.push_str(
            "-p|--port <port> : use the given port\n\
             -f|--fd <fd>     : use the given socket file descriptor\n\
             -t|--terminate   : terminate the TPM once a connection has been lost\n\
             -d|--daemon      : daemonize the TPM\n\
             --server [type=tcp][,port=port[,bindaddr=address]][,fd=fd][,disconnect]\n\
             \x20                : Expect TCP connections on the given port\n\
             --server type=unixio[,path=path][,fd=fd][,mode=0...][,uid=uid][,gid=gid]\n\
             \x20                : Expect UnixIO connections on the given path\n",
        ),
        Iface::Chardev => s.push_str(
            "-c|--chardev <device>\n\
             \x20                : use the given character device\n\
             -f|--fd <fd>     : use the given character device file descriptor\n",
        ),
    }
    s.push_str(
        "--ctrl type=[unixio|tcp][,path=<path>][,port=<port>[,bindaddr=address]][,fd=<filedescriptor>|clientfd=<filedescriptor>][,mode=0...][,uid=uid][,gid=gid][,terminate]\n\
         \x20                : TPM control channel using either UnixIO or TCP sockets\n\
         --tpmstate dir=<dir>[,mode=0...][,lock=true|false][,backup][,fsync]|backend-uri=dir://<dir>|file://<file>\n\
         \x20                : set the directory where the TPM's state will be written\n\
         \x20                  into; the TPM_PATH environment variable can be used instead\n\
         --log file=<path>|fd=<filedescriptor>[,level=n][,prefix=<prefix>][,truncate]\n\
         \x20                : write the TPM's log into the given file rather than\n\
         \x20                  to the console; provide '-' for path to avoid logging\n\
         --key file=<path>|fd=<fd>[,mode=aes-cbc|aes-256-cbc][,format=hex|binary][,remove=[true|false]]\n\
         --key pwdfile=<path>|pwdfd=<fd>[,mode=aes-cbc|aes-256-cbc][,remove=[true|false]][,kdf=sha512|pbkdf2]\n\
         \x20                : encrypt the TPM's state files with an AES key\n\
         --migration-key (same sub-options as --key)\n\
         \x20                : encrypt state blobs retrieved through the control channel\n\
         --locality [reject-locality-4][,allow-set-locality]\n\
         --pid file=<path>|fd=<filedescriptor>\n\
         \x20                : write the process ID into the given file\n\
         --flags [not-need-init][,startup-clear|startup-state|startup-none][,disable-auto-shutdown]\n\
         -r|--runas <user>: change to the given user\n\
         -R|--chroot <path>\n\
         \x20                : chroot to the given directory at startup\n\
         --tpm2           : choose TPM2 functionality (required: this build emulates TPM 2.0 only)\n\
         --seccomp action=none|kill|log\n\
         \x20                : Choose the action of the seccomp profile when a\n\
         \x20                  blacklisted syscall is executed; default is kill\n\
         --migration [incoming][,release-lock-outgoing]\n\
         \x20                : Incoming migration defers locking of storage backend\n\
         \x20                  until the TPM state is received; release-lock-outgoing\n\
         \x20                  releases the storage lock on outgoing migration\n\
         --print-capabilities\n\
         \x20                : print capabilities and terminate\n\
         --print-states   : print existing TPM states and terminate\n\
         -h|--help        : display this help screen and terminate\n",
    );
    s
}
