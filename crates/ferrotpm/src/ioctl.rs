//! `swtpm_ioctl`: the control-channel command-line client, a drop-in for swtpm's
//! `swtpm_ioctl` (swtpm 0.7 `src/swtpm_ioctl/tpm_ioctl.c`) as libvirt (`-s`), swtpm_setup and
//! operators use it.
//!
//! What it is: the option parsing of swtpm_ioctl (glibc `getopt_long_only` with an empty
//! short-option string, so `-stop` and `--stop` are the same option and any unambiguous prefix
//! matches), its quirks (the command is the literal word on the command line: a prefix such as
//! `--sto` is parsed but then matches no command and prints the usage), its messages and exit
//! codes (0 success, 1 any error), and the requests it sends over a Unix or TCP control socket,
//! through [`swtpm_protocol::client::Client`].
//!
//! What it is not: a CUSE client. `--tpm-device` (or a device path operand) names a character
//! device driven by ioctls; ferrotpm has no CUSE front end, so a device that opens is refused
//! with a clear message instead of being sent socket framing.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;

use swtpm_protocol::client::{Client, ClientError};
use swtpm_protocol::consts::{BlobType, CtrlCmd, PtmRes};
use swtpm_protocol::messages::{HashDataRequest, Request, Response};

/// swtpm_ioctl's default TCP port (the code's `DEFAULT_TCP_PORT`; its man page says 6545).
pub const DEFAULT_TCP_PORT: u16 = 6546;

/// `PTM_INIT_FLAG_DELETE_VOLATILE`, sent by `-i`.
const INIT_FLAG_DELETE_VOLATILE: u32 = 1;
/// `PTM_STATE_FLAG_DECRYPTED`, sent by `--save`.
const STATE_FLAG_DECRYPTED: u32 = 1;
/// Size of `ptm_hdata.u.req.data`: the pieces `-h` sends.
const HASH_PIECE: usize = 4096;
/// `TPM_NON_FATAL`: results with this bit are warnings for `--save` (e.g. TPM_RETRY).
const TPM_NON_FATAL: u32 = 0x800;

/// The version banner (swtpm_ioctl's `versioninfo`), for the version of swtpm we match.
pub fn version_text() -> String {
    format!(
        "TPM emulator control tool version {}, Copyright (c) 2015 IBM Corp.\n",
        crate::cli::VERSION
    )
}

/// swtpm_ioctl's help screen (printed to stdout by `--help` and for an unknown command word).
pub fn usage_text(prog: &str) -> String {
    let mut s = version_text();
    let _ = write!(
        s,
        "\n\
Usage: {prog} command <device path>\n\
\n\
The following commands are supported:\n\
--tpm-device <device> : use the given device; default is /dev/tpm0\n\
--tcp [<host>]:[<prt>]: connect to TPM on given host and port;\n\
\x20                       default host is 127.0.0.1, default port is {DEFAULT_TCP_PORT}\n\
--unix <path>         : connect to TPM using UnixIO socket\n\
-c                    : get ptm capabilities\n\
-i                    : do a hardware TPM_Init; if volatile state is found,\n\
\x20                       it will resume the TPM with it and delete it\n\
\x20                       afterwards\n\
--stop                : stop the TPM without exiting\n\
-s                    : shutdown the TPM; stops and exists\n\
-e                    : get the tpmEstablished bit\n\
-r <loc>              : reset the tpmEstablished bit; use the given locality\n\
-v                    : store the TPM's volatile data\n\
-C                    : cancel an ongoing TPM command\n\
-l <loc>              : set the locality to the given number; valid\n\
\x20                       localities are 0-4\n\
-h <data>             : hash the given data; if data is '-' then data are\n\
\x20                       read from stdin\n\
--save <type> <file>  : store the TPM state blob of given type in a file;\n\
\x20                       type may be one of volatile, permanent, or savestate\n\
--load <type> <file>  : load the TPM state blob of given type from a file;\n\
\x20                       type may be one of volatile, permanent, or savestate\n\
-g                    : get configuration flags indicating which keys are in\n\
\x20                       use\n\
-b <buffersize>       : set the buffer size of the TPM and get its current\n\
\x20                       size; get minimum and maximum supported sizes\n\
--info <flags>        : get TPM implementation specific information;\n\
\x20                       flags must be an integer value\n\
--version             : display version and exit\n\
--help                : display help screen and exit\n\
\n"
    );
    s
}

/// The options of swtpm_ioctl's `long_options` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
    TpmDevice,
    Tcp,
    Unix,
    C,
    I,
    Stop,
    S,
    E,
    R,
    V,
    Cancel,
    L,
    H,
    G,
    B,
    Save,
    Load,
    Version,
    Info,
    Help,
}

/// `(name, takes an argument, id)` in swtpm_ioctl's table order (the order matters for the
/// ambiguity message).
const LONG_OPTIONS: &[(&str, bool, Opt)] = &[
    ("tpm-device", true, Opt::TpmDevice),
    ("tcp", true, Opt::Tcp),
    ("unix", true, Opt::Unix),
    ("c", false, Opt::C),
    ("i", false, Opt::I),
    ("stop", false, Opt::Stop),
    ("s", false, Opt::S),
    ("e", false, Opt::E),
    ("r", true, Opt::R),
    ("v", false, Opt::V),
    ("C", false, Opt::Cancel),
    ("l", true, Opt::L),
    ("h", true, Opt::H),
    ("g", false, Opt::G),
    ("b", true, Opt::B),
    ("save", true, Opt::Save),
    ("load", true, Opt::Load),
    ("version", false, Opt::Version),
    ("info", true, Opt::Info),
    ("help", false, Opt::Help),
];

/// Where the control channel is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A CUSE character device (not served by ferrotpm).
    Device(String),
    /// `--tcp host:port`.
    Tcp(String, u16),
    /// `--unix path`.
    Unix(String),
}

/// What one invocation does, after parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Print this to stdout and exit 0 (`--version`, `--help`).
    Print(String),
    /// Talk to the TPM.
    Run(Run),
}

/// A parsed command: the literal command word (as swtpm_ioctl dispatches on it) and its
/// arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The command word as typed (`-c`, `--stop`, ...).
    pub command: String,
    /// The control channel.
    pub target: Target,
    /// `-r`/`-l` locality.
    pub locality: u8,
    /// `-h` data (`-` = stdin).
    pub hash_data: Option<String>,
    /// `--save`/`--load` type and file.
    pub blob: Option<(String, String)>,
    /// `-b` size.
    pub buffer_size: u32,
    /// `--info` flags.
    pub info_flags: u64,
}

/// A parse failure: the message for stderr (already formatted like swtpm_ioctl's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

/// C `sscanf("%u")`: optional whitespace and sign, then digits; the value wraps as C's does.
fn scan_u32(s: &str) -> Option<u32> {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..)?),
        Some(b'+') => (false, t.get(1..)?),
        _ => (false, t),
    };
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for d in digits.bytes() {
        v = v.wrapping_mul(10).wrapping_add(u32::from(d - b'0'));
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// C `strtoul(s, &end, 0)` with the "whole string" check swtpm_ioctl makes.
fn strtoul_all(s: &str) -> Option<u64> {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..)?),
        Some(b'+') => (false, t.get(1..)?),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, t.get(1..)?)
    } else {
        (10, t)
    };
    if digits.is_empty() {
        // "0x" alone: strtoul parses the "0" and stops at 'x' → trailing garbage.
        return if t == "0" { Some(0) } else { None };
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// swtpm_ioctl's `parse_tcp_optarg`.
fn parse_tcp(arg: &str) -> Result<(String, u16), ParseError> {
    let port_of = |p: &str, shown: &str| -> Result<u16, ParseError> {
        let v = scan_u32(p).ok_or_else(|| ParseError(format!("Invalid port '{p}'")))?;
        // The C code stores into an int and checks >= 65536 only.
        let as_int = v as i32;
        if as_int >= 65536 {
            return Err(ParseError(format!("Port '{shown}' outside valid range.")));
        }
        Ok(as_int as u16)
    };
    // The range message prints the argument from its second character (`&optarg[1]`).
    let shown = arg.get(1..).unwrap_or("");
    match arg.rfind(':') {
        None => Ok((arg.to_string(), DEFAULT_TCP_PORT)),
        Some(0) => {
            let rest = arg.get(1..).unwrap_or("");
            let port = if rest.is_empty() {
                DEFAULT_TCP_PORT
            } else {
                port_of(rest, shown)?
            };
            Ok(("127.0.0.1".to_string(), port))
        }
        Some(i) => {
            let rest = arg.get(i + 1..).unwrap_or("");
            let port = port_of(rest, shown)?;
            Ok((arg.get(..i).unwrap_or("").to_string(), port))
        }
    }
}

/// Looks up a long option by exact name or unique prefix, as glibc's `getopt_long_only`.
/// Returns `Err(message)` for an ambiguous or unknown name.
fn find_long(prog: &str, dashes: &str, name: &str) -> Result<(bool, Opt), String> {
    if let Some(&(_, arg, id)) = LONG_OPTIONS.iter().find(|(n, _, _)| *n == name) {
        return Ok((arg, id));
    }
    let matches: Vec<&(&str, bool, Opt)> = LONG_OPTIONS
        .iter()
        .filter(|(n, _, _)| n.starts_with(name))
        .collect();
    match matches.as_slice() {
        [] => Err(format!("{prog}: unrecognized option '{dashes}{name}'")),
        [(_, arg, id)] => Ok((*arg, *id)),
        many => {
            let mut m = format!("{prog}: option '{dashes}{name}' is ambiguous; possibilities:");
            for (n, _, _) in many {
                let _ = write!(m, " '{dashes}{n}'");
            }
            Err(m)
        }
    }
}

/// The parse outcome: an action, or an error message; getopt's own complaints about
/// unknown options go to `warnings` and do not stop the parse (swtpm_ioctl ignores them).
#[derive(Debug)]
pub struct Parsed {
    /// What to do, or why not.
    pub result: Result<Action, ParseError>,
    /// getopt messages printed on the way.
    pub warnings: Vec<String>,
}

/// Parses swtpm_ioctl's command line (`args` without the program name).
pub fn parse(prog: &str, args: &[String]) -> Parsed {
    let mut warnings = Vec::new();
    let result = parse_inner(prog, args, &mut warnings);
    Parsed { result, warnings }
}

fn parse_inner(
    prog: &str,
    args: &[String],
    warnings: &mut Vec<String>,
) -> Result<Action, ParseError> {
    // tokens[0] is the program name so that "the token before" exists, as argv[0] does.
    let mut tokens: Vec<&str> = Vec::with_capacity(args.len() + 1);
    tokens.push(prog);
    tokens.extend(args.iter().map(String::as_str));

    let mut operands: Vec<&str> = Vec::new();
    let mut command: Option<String> = None;
    let mut device: Option<String> = None;
    let mut tcp: Option<(String, u16)> = None;
    let mut unix: Option<String> = None;
    let mut run = Run {
        command: String::new(),
        target: Target::Device(String::new()),
        locality: 0,
        hash_data: None,
        blob: None,
        buffer_size: 0,
        info_flags: 0,
    };

    let mut i = 1;
    while i < tokens.len() {
        let tok = tokens.get(i).copied().unwrap_or("");
        if tok == "--" {
            operands.extend(tokens.iter().skip(i + 1).copied());
            break;
        }
        if !tok.starts_with('-') || tok == "-" {
            operands.push(tok);
            i += 1;
            continue;
        }
        let dashes = if tok.starts_with("--") { "--" } else { "-" };
        let body = tok.get(dashes.len()..).unwrap_or("");
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let (takes_arg, opt) = match find_long(prog, dashes, name) {
            Ok(found) => found,
            Err(msg) => {
                warnings.push(msg);
                i += 1;
                continue;
            }
        };
        // (word that names the command, argument, index of the last consumed token)
        let (word, arg, last): (&str, Option<&str>, usize) = if !takes_arg {
            if inline.is_some() {
                warnings.push(format!(
                    "{prog}: option '{dashes}{}' doesn't allow an argument",
                    long_name(opt)
                ));
                i += 1;
                continue;
            }
            (tok, None, i)
        } else if let Some(v) = inline {
            // argv[optind - 2] is then the token before this one.
            (tokens.get(i - 1).copied().unwrap_or(""), Some(v), i)
        } else if let Some(v) = tokens.get(i + 1).copied() {
            (tok, Some(v), i + 1)
        } else {
            warnings.push(format!(
                "{prog}: option '{dashes}{}' requires an argument",
                long_name(opt)
            ));
            i += 1;
            continue;
        };
        // The raw argument token (what argv[optind - 1] is).
        let arg_token = tokens.get(last).copied().unwrap_or("");
        let mut this_command: Option<String> = None;
        match opt {
            Opt::TpmDevice => device = arg.map(str::to_string),
            Opt::Tcp => tcp = Some(parse_tcp(arg.unwrap_or(""))?),
            Opt::Unix => unix = arg.map(str::to_string),
            Opt::C | Opt::I | Opt::Stop | Opt::S | Opt::E | Opt::V | Opt::Cancel | Opt::G => {
                this_command = Some(word.to_string());
            }
            Opt::H => {
                this_command = Some(word.to_string());
                run.hash_data = Some(arg_token.to_string());
            }
            Opt::R | Opt::L => {
                this_command = Some(word.to_string());
                let loc = scan_u32(arg_token).ok_or_else(|| {
                    ParseError(format!("Could not get locality number from {arg_token}."))
                })?;
                if loc > 4 {
                    return Err(ParseError(
                        "Locality outside valid range of [0..4].".to_string(),
                    ));
                }
                run.locality = loc as u8;
            }
            Opt::Save | Opt::Load => {
                let next = tokens.get(last + 1).copied();
                let what = if opt == Opt::Save { "--save" } else { "--load" };
                match next {
                    Some(f) if !f.starts_with('-') => {
                        this_command = Some(word.to_string());
                        run.blob = Some((arg_token.to_string(), f.to_string()));
                        i = last + 2;
                    }
                    _ => {
                        return Err(ParseError(format!(
                            "Missing filename argument for {what} option"
                        )));
                    }
                }
            }
            Opt::B => {
                this_command = Some(word.to_string());
                run.buffer_size = scan_u32(arg_token).ok_or_else(|| {
                    ParseError(format!("Could not get buffersize from {arg_token}."))
                })?;
            }
            Opt::Info => {
                this_command = Some(word.to_string());
                run.info_flags = strtoul_all(arg_token)
                    .ok_or_else(|| ParseError("Cannot parse info flags.".to_string()))?;
            }
            Opt::Version => return Ok(Action::Print(version_text())),
            Opt::Help => return Ok(Action::Print(usage_text(prog))),
        }
        if let Some(c) = this_command {
            match &command {
                None => command = Some(c),
                // swtpm_ioctl compares the argv pointers: the same word at another position
                // is another command.
                Some(_) => return Err(ParseError("Only one command may be given.".to_string())),
            }
        }
        if !matches!(opt, Opt::Save | Opt::Load) {
            i = last + 1;
        }
    }

    let Some(command) = command else {
        return Err(ParseError("No valid command.".to_string()));
    };
    run.command = command;
    run.target = if let Some(d) = device {
        Target::Device(d)
    } else if let Some((h, p)) = tcp {
        Target::Tcp(h, p)
    } else if let Some(u) = unix {
        Target::Unix(u)
    } else {
        match operands.first() {
            Some(d) => Target::Device((*d).to_string()),
            None => return Err(ParseError("Error: Missing device name.".to_string())),
        }
    };
    Ok(Action::Run(run))
}

fn long_name(opt: Opt) -> &'static str {
    LONG_OPTIONS
        .iter()
        .find(|(_, _, id)| *id == opt)
        .map_or("", |(n, _, _)| n)
}

/// A connected control channel.
pub enum Conn {
    /// TCP.
    Tcp(TcpStream),
    /// Unix socket.
    Unix(UnixStream),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Tcp(s) => s.flush(),
            Conn::Unix(s) => s.flush(),
        }
    }
}

/// strerror-style text of an I/O error (without Rust's " (os error N)" suffix).
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}

/// swtpm_ioctl's reply timeout (`DEFAULT_POLL_TIMEOUT`, 10 s... it uses poll with this
/// bound before each read).
const REPLY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Opens the control channel as swtpm_ioctl's `open_connection`.
///
/// # Errors
/// The message swtpm_ioctl prints.
pub fn connect(target: &Target) -> Result<Conn, String> {
    match target {
        Target::Device(path) => match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(0)
            .open(path)
        {
            Err(_) => Err(format!("Unable to open device '{path}'.")),
            Ok(_) => Err(format!(
                "'{path}' is a CUSE device; this swtpm_ioctl speaks only to control sockets \
                 (--unix, --tcp)."
            )),
        },
        Target::Tcp(host, port) => {
            let addrs = (host.as_str(), *port)
                .to_socket_addrs()
                .map_err(|e| format!("getaddrinfo failed on host '{host}': {}", strerror(&e)))?;
            let mut last = std::io::Error::from(std::io::ErrorKind::NotFound);
            for a in addrs {
                match TcpStream::connect(a) {
                    Ok(s) => {
                        let _ = s.set_read_timeout(Some(REPLY_TIMEOUT));
                        return Ok(Conn::Tcp(s));
                    }
                    Err(e) => last = e,
                }
            }
            Err(format!(
                "Could not connect to host '{host}' on port '{port}' using TCP socket: {}",
                strerror(&last)
            ))
        }
        Target::Unix(path) => {
            // sizeof(sockaddr_un.sun_path) is 108 including the NUL.
            if path.len() + 1 > 108 {
                return Err("Socket path is too long.".to_string());
            }
            match UnixStream::connect(path) {
                Ok(s) => {
                    let _ = s.set_read_timeout(Some(REPLY_TIMEOUT));
                    Ok(Conn::Unix(s))
                }
                Err(e) => Err(format!("Connect failed: {}", strerror(&e))),
            }
        }
    }
}

/// The name swtpm_ioctl uses for a command in its messages.
fn ptm_name(cmd: CtrlCmd) -> &'static str {
    match cmd {
        CtrlCmd::GET_CAPABILITY => "PTM_GET_CAPABILITY",
        CtrlCmd::INIT => "PTM_INIT",
        CtrlCmd::SHUTDOWN => "PTM_SHUTDOWN",
        CtrlCmd::GET_TPMESTABLISHED => "PTM_GET_TPMESTABLISHED",
        CtrlCmd::SET_LOCALITY => "PTM_SET_LOCALITY",
        CtrlCmd::HASH_START => "PTM_HASH_START",
        CtrlCmd::HASH_DATA => "PTM_HASH_DATA",
        CtrlCmd::HASH_END => "PTM_HASH_END",
        CtrlCmd::CANCEL_TPM_CMD => "PTM_CANCEL_TPM_CMD",
        CtrlCmd::STORE_VOLATILE => "PTM_STORE_VOLATILE",
        CtrlCmd::RESET_TPMESTABLISHED => "PTM_RESET_TPMESTABLISHED",
        CtrlCmd::GET_STATEBLOB => "PTM_GET_STATEBLOB",
        CtrlCmd::SET_STATEBLOB => "PTM_SET_STATEBLOB",
        CtrlCmd::STOP => "PTM_STOP",
        CtrlCmd::GET_CONFIG => "PTM_GET_CONFIG",
        CtrlCmd::SET_BUFFERSIZE => "PTM_SET_BUFFERSIZE",
        CtrlCmd::GET_INFO => "PTM_GET_INFO",
        _ => "PTM_?",
    }
}

/// The name swtpm_ioctl uses in its "Could not execute" message (it differs for a few).
fn exec_name(cmd: CtrlCmd) -> &'static str {
    match cmd {
        CtrlCmd::GET_TPMESTABLISHED => "PTM_GET_ESTABLISHED",
        CtrlCmd::RESET_TPMESTABLISHED => "PTM_RESET_ESTABLISHED",
        CtrlCmd::HASH_START => "ioctl PTM_HASH_START",
        CtrlCmd::HASH_DATA => "ioctl PTM_HASH_DATA",
        CtrlCmd::HASH_END => "ioctl PTM_HASH_END",
        CtrlCmd::GET_STATEBLOB => "ioctl PTM_GET_STATEBLOB",
        CtrlCmd::SET_STATEBLOB => "ioctl PTM_SET_STATEBLOB",
        c => ptm_name(c),
    }
}

/// One exchange with swtpm_ioctl's messages: a transport failure is "Could not execute
/// ...", a non-zero result "TPM result from ...: 0x..".
fn exchange(client: &mut Client<Conn>, req: &Request) -> Result<Response, String> {
    let cmd = req.cmd();
    let resp = client.raw(req).map_err(|e| match e {
        ClientError::Io(io) => format!("Could not execute {}: {}", exec_name(cmd), strerror(&io)),
        other => format!("Could not execute {}: {other}", exec_name(cmd)),
    })?;
    let res = resp.result();
    if res != PtmRes::SUCCESS {
        return Err(format!("TPM result from {}: 0x{:x}", ptm_name(cmd), res.0));
    }
    Ok(resp)
}

fn blob_type(name: &str) -> Option<BlobType> {
    match name {
        "permanent" => Some(BlobType::Permanent),
        "volatile" => Some(BlobType::Volatile),
        "savestate" => Some(BlobType::Savestate),
        _ => None,
    }
}

/// Runs a parsed command over `conn`; returns what to print on stdout.
///
/// # Errors
/// The message for stderr; the exit code is then 1. `Ok(None)` with `usage` means the
/// command word matched nothing (swtpm_ioctl prints its usage and exits 1).
pub fn execute(run: &Run, conn: Conn, stdin: &mut dyn Read) -> Result<Outcome, String> {
    let mut client = Client::new(conn);
    let out = match run.command.as_str() {
        "-c" => match client.raw(&Request::GetCapability) {
            // "no tpm_result here": swtpm_ioctl prints whatever came back.
            Ok(Response::Capability(c)) => format!("ptm capability is 0x{:x}\n", c.caps),
            Ok(_) => return Err("Could not execute PTM_GET_CAPABILITY: bad reply".to_string()),
            Err(e) => return Err(format!("Could not execute PTM_GET_CAPABILITY: {e}")),
        },
        "-i" => {
            exchange(
                &mut client,
                &Request::Init(swtpm_protocol::messages::InitRequest {
                    init_flags: INIT_FLAG_DELETE_VOLATILE,
                }),
            )?;
            String::new()
        }
        "-e" => match exchange(&mut client, &Request::GetTpmEstablished)? {
            Response::Established(e) => format!("tpmEstablished is {}\n", e.bit),
            _ => return Err("Could not execute PTM_GET_ESTABLISHED: bad reply".to_string()),
        },
        "-r" => {
            exchange(
                &mut client,
                &Request::ResetTpmEstablished(swtpm_protocol::messages::ResetEstablishedRequest {
                    locality: run.locality,
                }),
            )?;
            String::new()
        }
        "-s" => {
            exchange(&mut client, &Request::Shutdown)?;
            String::new()
        }
        "--stop" => {
            exchange(&mut client, &Request::Stop)?;
            String::new()
        }
        "-l" => {
            exchange(
                &mut client,
                &Request::SetLocality(swtpm_protocol::messages::SetLocalityRequest {
                    locality: run.locality,
                }),
            )?;
            String::new()
        }
        "-h" => {
            hash(&mut client, run.hash_data.as_deref().unwrap_or(""), stdin)?;
            String::new()
        }
        "-C" => {
            exchange(&mut client, &Request::CancelTpmCmd)?;
            String::new()
        }
        "-v" => {
            exchange(&mut client, &Request::StoreVolatile)?;
            String::new()
        }
        "--save" => {
            let (t, f) = run.blob.clone().unwrap_or_default();
            save(&mut client, &t, &f)?;
            String::new()
        }
        "--load" => {
            let (t, f) = run.blob.clone().unwrap_or_default();
            load(&mut client, &t, &f)?;
            String::new()
        }
        "-g" => match exchange(&mut client, &Request::GetConfig)? {
            Response::Config(c) => format!("ptm configuration flags: 0x{:x}\n", c.flags),
            _ => return Err("Could not execute PTM_GET_CONFIG: bad reply".to_string()),
        },
        "-b" => match exchange(
            &mut client,
            &Request::SetBufferSize(swtpm_protocol::messages::SetBufferSizeRequest {
                buffer_size: run.buffer_size,
            }),
        )? {
            Response::BufferSize(b) => format!(
                "TPM buffersize: {}\nminimum size  : {}\nmaximum size  : {}\n",
                b.buffer_size, b.min_size, b.max_size
            ),
            _ => return Err("Could not execute PTM_SET_BUFFERSIZE: bad reply".to_string()),
        },
        "--info" => {
            // swtpm_ioctl 0.7 sends one request at offset 0 and prints the buffer as a string.
            let req = Request::GetInfo(swtpm_protocol::messages::GetInfoRequest {
                flags: run.info_flags,
                offset: 0,
            });
            match exchange(&mut client, &req)? {
                Response::Info(i) => {
                    let text = i.data.split(|&b| b == 0).next().unwrap_or(&[]);
                    format!("{}\n", String::from_utf8_lossy(text))
                }
                _ => return Err("Could not execute PTM_GET_INFO: bad reply".to_string()),
            }
        }
        _ => return Ok(Outcome::Usage),
    };
    Ok(Outcome::Stdout(out))
}

/// A successful run: text for stdout, or the usage screen with exit 1.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Print and exit 0.
    Stdout(String),
    /// Print the usage and exit 1 (an option prefix that is no command word).
    Usage,
}

fn hash(client: &mut Client<Conn>, data: &str, stdin: &mut dyn Read) -> Result<(), String> {
    exchange(client, &Request::HashStart)?;
    let send = |client: &mut Client<Conn>, piece: &[u8]| {
        exchange(
            client,
            &Request::HashData(HashDataRequest {
                data: piece.to_vec(),
            }),
        )
    };
    if data == "-" {
        // Pieces of 4096 bytes; the last piece may be empty (swtpm_ioctl sends it too).
        loop {
            let mut piece = vec![0u8; HASH_PIECE];
            let mut n = 0;
            while n < HASH_PIECE {
                match stdin.read(piece.get_mut(n..).unwrap_or(&mut [])) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(format!("Could not read stdin: {}", strerror(&e))),
                }
            }
            piece.truncate(n);
            send(client, &piece)?;
            if n < HASH_PIECE {
                break;
            }
        }
    } else {
        for piece in data.as_bytes().chunks(HASH_PIECE) {
            send(client, piece)?;
        }
    }
    exchange(client, &Request::HashEnd)?;
    Ok(())
}

fn save(client: &mut Client<Conn>, type_name: &str, file: &str) -> Result<(), String> {
    let Some(bt) = blob_type(type_name) else {
        // swtpm_ioctl prints this one without a newline.
        return Err(format!("Unknown TPM state type '{type_name}'\u{0}"));
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| format!("Could not open file '{file}' for writing: {}", strerror(&e)))?;
    let r = client
        .get_state_blob_at(STATE_FLAG_DECRYPTED, bt, 0)
        .map_err(|e| format!("Could not execute ioctl PTM_GET_STATEBLOB: {e}"))?;
    if r.result != PtmRes::SUCCESS && r.result.0 & TPM_NON_FATAL == 0 {
        return Err(format!(
            "TPM result from PTM_GET_STATEBLOB: 0x{:x}",
            r.result.0
        ));
    }
    f.write_all(&r.data)
        .map_err(|e| format!("Could not write to file '{file}': {}", strerror(&e)))?;
    let remain = i64::from(r.totlength) - r.data.len() as i64;
    if remain != 0 {
        return Err(format!("Unexpected number of remaining bytes: {remain}"));
    }
    Ok(())
}

fn load(client: &mut Client<Conn>, type_name: &str, file: &str) -> Result<(), String> {
    let Some(bt) = blob_type(type_name) else {
        return Err(format!("Unknown TPM state type '{type_name}'\u{0}"));
    };
    let data = std::fs::read(file)
        .map_err(|e| format!("Could not open file '{file}' for reading: {}", strerror(&e)))?;
    client.set_state_blob(0, bt, &data).map_err(|e| match e {
        ClientError::Result(_, r) => {
            format!("TPM result from PTM_SET_STATEBLOB: 0x{:x}", r.0)
        }
        ClientError::Io(io) => format!(
            "Could not execute ioctl PTM_SET_STATEBLOB: {}",
            strerror(&io)
        ),
        other => format!("Could not execute ioctl PTM_SET_STATEBLOB: {other}"),
    })
}

/// The whole program: parse, connect, run; returns (stdout, stderr, exit code).
pub fn main_with(prog: &str, args: &[String], stdin: &mut dyn Read) -> (String, String, u8) {
    let parsed = parse(prog, args);
    let mut err = String::new();
    for w in &parsed.warnings {
        err.push_str(w);
        err.push('\n');
    }
    let run = match parsed.result {
        Ok(Action::Print(text)) => return (text, err, 0),
        Ok(Action::Run(r)) => r,
        Err(ParseError(m)) => {
            err.push_str(&m);
            err.push('\n');
            return (String::new(), err, 1);
        }
    };
    let conn = match connect(&run.target) {
        Ok(c) => c,
        Err(m) => {
            err.push_str(&m);
            err.push('\n');
            return (String::new(), err, 1);
        }
    };
    match execute(&run, conn, stdin) {
        Ok(Outcome::Stdout(s)) => (s, err, 0),
        Ok(Outcome::Usage) => (usage_text(prog), err, 1),
        Err(m) => {
            // A message ending in NUL is printed without its newline (as swtpm_ioctl does).
            if let Some(m) = m.strip_suffix('\u{0}') {
                err.push_str(m);
            } else {
                err.push_str(&m);
                err.push('\n');
            }
            (String::new(), err, 1)
        }
    }
}

#[cfg(test)]
mod tests;
