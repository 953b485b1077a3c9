//! `cargo xtask bench-compare`: our `swtpm` against the Debian swtpm, one run, same machine.
//!
//! Both daemons get the same command line (`socket --tpm2`, fresh state dir, Unix or TCP data
//! and control sockets, `--flags not-need-init,startup-clear`) and are pinned to CPU 0 with
//! `taskset`, like this client thread (`sched_setaffinity`): on these VMs a cross-CPU wake-up
//! costs about 60 µs and would drown a 5 µs command. Every row sends the same raw TPM 2.0
//! commands to both, alternating A B A B, with inputs that vary per iteration so that no cache
//! or skip-identical path flatters either side; any response code other than success aborts
//! the run (a failing command is not timed). Rows whose command our engine does not implement
//! are printed as "n/a" instead of being dropped.
//!
//! Printed: per row the median and p99 round trip of each side in µs, the ratio ours/swtpm of
//! the medians, the geometric mean of the ratios; a Unix-socket echo round trip on the same
//! CPU as the floor; start-up to first response (fresh and existing state); peak RSS; the
//! state files' sizes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Options of the job.
#[derive(Debug, Clone)]
pub struct Options {
    /// Round trips per row and side.
    pub iterations: usize,
    /// TCP instead of Unix sockets.
    pub tcp: bool,
    /// Start-up measurements per kind.
    pub startups: usize,
}

impl Options {
    /// Parse `--iterations N`, `--quick`, `--transport unix|tcp`.
    pub fn parse(args: impl Iterator<Item = String>) -> Result<Options> {
        let mut o = Options {
            iterations: 2000,
            tcp: false,
            startups: 10,
        };
        let mut args = args;
        while let Some(a) = args.next() {
            match a.as_str() {
                "--iterations" => {
                    o.iterations = args
                        .next()
                        .context("--iterations needs a number")?
                        .parse()
                        .context("--iterations")?;
                }
                "--quick" => {
                    o.iterations = 200;
                    o.startups = 3;
                }
                "--transport" => match args.next().as_deref() {
                    Some("unix") => o.tcp = false,
                    Some("tcp") => o.tcp = true,
                    _ => bail!("--transport unix|tcp"),
                },
                other => bail!("bench-compare: unknown argument {other:?}"),
            }
        }
        if o.iterations == 0 {
            bail!("--iterations must be at least 1");
        }
        Ok(o)
    }
}

// ---- commands ---------------------------------------------------------------------------

fn header(tag: u16, cc: u32, rest: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(10 + rest.len());
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&u32::try_from(10 + rest.len()).unwrap_or(0).to_be_bytes());
    v.extend_from_slice(&cc.to_be_bytes());
    v.extend_from_slice(rest);
    v
}

/// One row of the table: a name and a command generator for iteration `i`.
pub struct Row {
    /// Name printed.
    pub name: &'static str,
    /// The command of iteration `i` (inputs vary with `i`).
    pub command: fn(usize) -> Vec<u8>,
}

fn get_random(i: usize) -> Vec<u8> {
    // 32 bytes, sometimes 31 or 30 so sizes vary a little.
    let n = 32 - (i % 3) as u16;
    header(0x8001, 0x17b, &n.to_be_bytes())
}

fn pcr_extend(i: usize) -> Vec<u8> {
    let mut rest = 16u32.to_be_bytes().to_vec();
    rest.extend_from_slice(&9u32.to_be_bytes());
    rest.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 1, 0, 0]);
    rest.extend_from_slice(&1u32.to_be_bytes());
    rest.extend_from_slice(&0x000bu16.to_be_bytes());
    let mut d = [0u8; 32];
    d[..8].copy_from_slice(&(i as u64).to_be_bytes());
    rest.extend_from_slice(&d);
    header(0x8002, 0x182, &rest)
}

fn pcr_read(i: usize) -> Vec<u8> {
    // sha256 PCRs 0-7, or 8-15 every other time.
    let sel: [u8; 3] = if i % 2 == 0 {
        [0xff, 0, 0]
    } else {
        [0, 0xff, 0]
    };
    let mut rest = 1u32.to_be_bytes().to_vec();
    rest.extend_from_slice(&0x000bu16.to_be_bytes());
    rest.push(3);
    rest.extend_from_slice(&sel);
    header(0x8001, 0x17e, &rest)
}

fn get_capability(i: usize) -> Vec<u8> {
    let mut rest = 6u32.to_be_bytes().to_vec();
    rest.extend_from_slice(&(0x100u32 + (i % 8) as u32).to_be_bytes());
    rest.extend_from_slice(&8u32.to_be_bytes());
    header(0x8001, 0x17a, &rest)
}

fn hash_1k(i: usize) -> Vec<u8> {
    let mut data = vec![0u8; 1024];
    data[..8].copy_from_slice(&(i as u64).to_be_bytes());
    let mut rest = 1024u16.to_be_bytes().to_vec();
    rest.extend_from_slice(&data);
    rest.extend_from_slice(&0x000bu16.to_be_bytes());
    rest.extend_from_slice(&0x4000_0007u32.to_be_bytes());
    header(0x8001, 0x17d, &rest)
}

/// The owner authValue after `k` changes of the state-write row (empty at first).
fn owner_auth(k: usize) -> Vec<u8> {
    if k == 0 {
        Vec::new()
    } else {
        (k as u64).to_be_bytes().to_vec()
    }
}

/// TPM2_HierarchyChangeAuth(owner) from `owner_auth(i)` to `owner_auth(i + 1)`: a change of
/// the permanent state, so the round trip includes writing it (we fsync; swtpm does not).
fn state_write(i: usize) -> Vec<u8> {
    let old = owner_auth(i);
    let new = owner_auth(i + 1);
    let mut rest = 0x4000_0001u32.to_be_bytes().to_vec();
    rest.extend_from_slice(&u32::try_from(9 + old.len()).unwrap_or(0).to_be_bytes());
    rest.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 0]);
    rest.extend_from_slice(&u16::try_from(old.len()).unwrap_or(0).to_be_bytes());
    rest.extend_from_slice(&old);
    rest.extend_from_slice(&u16::try_from(new.len()).unwrap_or(0).to_be_bytes());
    rest.extend_from_slice(&new);
    header(0x8002, 0x129, &rest)
}

/// The rows; later issues add theirs here (sessions, contexts, NV, signing, key creation).
pub const ROWS: &[Row] = &[
    Row {
        name: "GetRandom(32)",
        command: get_random,
    },
    Row {
        name: "PCR_Extend(sha256)",
        command: pcr_extend,
    },
    Row {
        name: "PCR_Read(sha256 x8)",
        command: pcr_read,
    },
    Row {
        name: "GetCapability(properties)",
        command: get_capability,
    },
    Row {
        name: "Hash(1 KiB, sha256)",
        command: hash_1k,
    },
    Row {
        name: "HierarchyChangeAuth (state write)",
        command: state_write,
    },
];

// ---- multi-command flows -----------------------------------------------------------------

/// What each side prepares before the flows: a persistent ECC SRK at 0x81000001 and a
/// sealed-data object created under it (its own blob on each TPM).
pub struct Prepared {
    sealed_private: Vec<u8>,
    sealed_public: Vec<u8>,
}

/// A row of several commands timed together (their responses feed the next command).
pub struct Flow {
    /// Name printed.
    pub name: &'static str,
    /// At most this many iterations (key generation is slow on both sides).
    pub max_iterations: usize,
    /// Iteration `i` on one connection; the responses must succeed.
    pub run: fn(&mut Conn, &mut Vec<u8>, usize, &Prepared) -> Result<()>,
}

fn b2(b: &[u8]) -> Vec<u8> {
    let mut v = u16::try_from(b.len()).unwrap_or(0).to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

/// A command with one password session (empty password) for `handles`.
fn with_pw(cc: u32, handles: &[u32], params: &[u8]) -> Vec<u8> {
    let mut rest = Vec::new();
    for h in handles {
        rest.extend_from_slice(&h.to_be_bytes());
    }
    rest.extend_from_slice(&9u32.to_be_bytes());
    rest.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 1, 0, 0]);
    rest.extend_from_slice(params);
    header(0x8002, cc, &rest)
}

/// inSensitive (no auth, `data`), inPublic, no outsideInfo, no creation PCRs.
fn create_params(data: &[u8], tmpl: &[u8]) -> Vec<u8> {
    let mut sens = b2(b"");
    sens.extend(b2(data));
    let mut v = b2(&sens);
    v.extend(b2(tmpl));
    v.extend(b2(b""));
    v.extend_from_slice(&0u32.to_be_bytes());
    v
}

/// The TCG ECC P-256 SRK template.
const SRK_ECC: &[u8] = &[
    0x00, 0x23, 0x00, 0x0b, 0x00, 0x03, 0x04, 0x72, 0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x00, 0x43,
    0x00, 0x10, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
];
/// The TCG RSA-2048 SRK template.
const SRK_RSA: &[u8] = &[
    0x00, 0x01, 0x00, 0x0b, 0x00, 0x03, 0x04, 0x72, 0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x00, 0x43,
    0x00, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
/// An unrestricted RSA-2048 signing key (RSASSA-SHA256).
const RSA_SIGN: &[u8] = &[
    0x00, 0x01, 0x00, 0x0b, 0x00, 0x04, 0x04, 0x72, 0x00, 0x00, 0x00, 0x10, 0x00, 0x14, 0x00, 0x0b,
    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
/// An ECDSA P-256 signing key.
const ECC_SIGN: &[u8] = &[
    0x00, 0x23, 0x00, 0x0b, 0x00, 0x04, 0x04, 0x72, 0x00, 0x00, 0x00, 0x10, 0x00, 0x18, 0x00, 0x0b,
    0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
];
/// Sealed data (KEYEDHASH, null scheme, userWithAuth, noDA, fixedTPM, fixedParent).
const SEALED: &[u8] = &[
    0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x04, 0x52, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
];

fn ok(conn: &mut Conn, cmd: &[u8], buf: &mut Vec<u8>, what: &str) -> Result<()> {
    let rc = conn.round_trip(cmd, buf)?;
    if rc != 0 {
        bail!("{what}: {rc:#x}");
    }
    Ok(())
}

/// The response's first TPM2B after the parameter size (sessions) at `at`.
fn tpm2b_at(buf: &[u8], at: usize) -> Result<(Vec<u8>, usize)> {
    let n = usize::from(u16::from_be_bytes(
        buf.get(at..at + 2).context("short response")?.try_into()?,
    ));
    Ok((
        buf.get(at + 2..at + 2 + n)
            .context("short response")?
            .to_vec(),
        at + 2 + n,
    ))
}

/// Prepare one side: the SRK made persistent, a sealed blob under it.
fn prepare(conn: &mut Conn, buf: &mut Vec<u8>) -> Result<Prepared> {
    ok(
        conn,
        &with_pw(0x131, &[0x4000_0001], &create_params(b"", SRK_ECC)),
        buf,
        "SRK",
    )?;
    let h = u32::from_be_bytes(buf.get(10..14).context("short")?.try_into()?);
    ok(
        conn,
        &with_pw(0x120, &[0x4000_0001, h], &0x8100_0001u32.to_be_bytes()),
        buf,
        "EvictControl",
    )?;
    ok(conn, &header(0x8001, 0x165, &h.to_be_bytes()), buf, "flush")?;
    ok(
        conn,
        &with_pw(
            0x153,
            &[0x8100_0001],
            &create_params(b"sealed secret", SEALED),
        ),
        buf,
        "Create sealed",
    )?;
    let (sealed_private, at) = tpm2b_at(buf, 14)?;
    let (sealed_public, _) = tpm2b_at(buf, at)?;
    Ok(Prepared {
        sealed_private,
        sealed_public,
    })
}

/// CreatePrimary of `tmpl` with the iteration number as inSensitive.data (so no cache on
/// either side answers it), then FlushContext.
fn create_primary_flush(conn: &mut Conn, buf: &mut Vec<u8>, i: usize, tmpl: &[u8]) -> Result<()> {
    let data = (i as u64).to_be_bytes();
    ok(
        conn,
        &with_pw(0x131, &[0x4000_0001], &create_params(&data, tmpl)),
        buf,
        "CreatePrimary",
    )?;
    let h = u32::from_be_bytes(buf.get(10..14).context("short")?.try_into()?);
    ok(conn, &header(0x8001, 0x165, &h.to_be_bytes()), buf, "flush")
}

fn flow_primary_ecc(c: &mut Conn, buf: &mut Vec<u8>, i: usize, _: &Prepared) -> Result<()> {
    create_primary_flush(c, buf, i, SRK_ECC)
}

fn flow_primary_rsa(c: &mut Conn, buf: &mut Vec<u8>, i: usize, _: &Prepared) -> Result<()> {
    create_primary_flush(c, buf, i, SRK_RSA)
}

fn flow_create(c: &mut Conn, buf: &mut Vec<u8>, tmpl: &[u8]) -> Result<()> {
    ok(
        c,
        &with_pw(0x153, &[0x8100_0001], &create_params(b"", tmpl)),
        buf,
        "Create",
    )
}

fn flow_create_ecc(c: &mut Conn, buf: &mut Vec<u8>, _: usize, _: &Prepared) -> Result<()> {
    flow_create(c, buf, ECC_SIGN)
}

fn flow_create_rsa(c: &mut Conn, buf: &mut Vec<u8>, _: usize, _: &Prepared) -> Result<()> {
    flow_create(c, buf, RSA_SIGN)
}

fn flow_load_unseal(c: &mut Conn, buf: &mut Vec<u8>, _: usize, p: &Prepared) -> Result<()> {
    let mut params = b2(&p.sealed_private);
    params.extend(b2(&p.sealed_public));
    ok(c, &with_pw(0x157, &[0x8100_0001], &params), buf, "Load")?;
    let h = u32::from_be_bytes(buf.get(10..14).context("short")?.try_into()?);
    ok(c, &with_pw(0x15e, &[h], &[]), buf, "Unseal")?;
    ok(c, &header(0x8001, 0x165, &h.to_be_bytes()), buf, "flush")
}

fn flow_session(c: &mut Conn, buf: &mut Vec<u8>, i: usize, _: &Prepared) -> Result<()> {
    // StartAuthSession: no tpmKey, no bind, a 32-byte nonce, no salt, HMAC, AES-128-CFB,
    // SHA-256.
    let mut rest = 0x4000_0007u32.to_be_bytes().to_vec();
    rest.extend_from_slice(&0x4000_0007u32.to_be_bytes());
    let mut nonce = [0x5au8; 32];
    nonce[..8].copy_from_slice(&(i as u64).to_be_bytes());
    rest.extend(b2(&nonce));
    rest.extend(b2(b""));
    rest.push(0);
    rest.extend_from_slice(&[0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x0b]);
    ok(c, &header(0x8001, 0x176, &rest), buf, "StartAuthSession")?;
    let h = u32::from_be_bytes(buf.get(10..14).context("short")?.try_into()?);
    ok(c, &header(0x8001, 0x165, &h.to_be_bytes()), buf, "flush")
}

fn flow_context(c: &mut Conn, buf: &mut Vec<u8>, _: usize, p: &Prepared) -> Result<()> {
    let mut params = b2(&p.sealed_private);
    params.extend(b2(&p.sealed_public));
    ok(c, &with_pw(0x157, &[0x8100_0001], &params), buf, "Load")?;
    let h = u32::from_be_bytes(buf.get(10..14).context("short")?.try_into()?);
    ok(
        c,
        &header(0x8001, 0x162, &h.to_be_bytes()),
        buf,
        "ContextSave",
    )?;
    let blob = buf.get(10..).context("short")?.to_vec();
    ok(c, &header(0x8001, 0x165, &h.to_be_bytes()), buf, "flush")?;
    ok(c, &header(0x8001, 0x161, &blob), buf, "ContextLoad")?;
    let h = u32::from_be_bytes(buf.get(10..14).context("short")?.try_into()?);
    ok(c, &header(0x8001, 0x165, &h.to_be_bytes()), buf, "flush")
}

/// The flows, after [`prepare`].
pub const FLOWS: &[Flow] = &[
    Flow {
        name: "StartAuthSession + FlushContext",
        max_iterations: usize::MAX,
        run: flow_session,
    },
    Flow {
        name: "Load + Unseal + FlushContext",
        max_iterations: usize::MAX,
        run: flow_load_unseal,
    },
    Flow {
        name: "Load + ContextSave + Flush + ContextLoad + Flush",
        max_iterations: usize::MAX,
        run: flow_context,
    },
    Flow {
        name: "CreatePrimary ECC P-256 + Flush",
        max_iterations: 300,
        run: flow_primary_ecc,
    },
    Flow {
        name: "Create ECDSA P-256 key",
        max_iterations: 300,
        run: flow_create_ecc,
    },
    Flow {
        name: "CreatePrimary RSA-2048 + Flush",
        max_iterations: 40,
        run: flow_primary_rsa,
    },
    Flow {
        name: "Create RSA-2048 key",
        max_iterations: 20,
        run: flow_create_rsa,
    },
];

// ---- statistics -------------------------------------------------------------------------

/// Median and 99th percentile (nearest rank) of `v`, in the unit of `v`.
pub fn median_p99(v: &mut [f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    };
    (at(0.5), at(0.99))
}

/// Geometric mean of positive ratios.
pub fn geomean(r: &[f64]) -> f64 {
    if r.is_empty() {
        return f64::NAN;
    }
    (r.iter().map(|x| x.ln()).sum::<f64>() / r.len() as f64).exp()
}

// ---- daemons ----------------------------------------------------------------------------

pub enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Conn {
    fn round_trip(&mut self, cmd: &[u8], buf: &mut Vec<u8>) -> Result<u32> {
        match self {
            Conn::Unix(s) => exchange(s, cmd, buf),
            Conn::Tcp(s) => exchange(s, cmd, buf),
        }
    }
}

fn exchange<S: Read + Write>(s: &mut S, cmd: &[u8], buf: &mut Vec<u8>) -> Result<u32> {
    s.write_all(cmd)?;
    buf.resize(10, 0);
    s.read_exact(&mut buf[..10])?;
    let size = u32::from_be_bytes(buf[2..6].try_into()?) as usize;
    if !(10..=65536).contains(&size) {
        bail!("response size {size}");
    }
    buf.resize(size, 0);
    s.read_exact(&mut buf[10..])?;
    Ok(u32::from_be_bytes(buf[6..10].try_into()?))
}

struct Daemon {
    name: &'static str,
    child: Child,
    dir: tempfile::TempDir,
    data: PathBuf,
    port: u16,
    tcp: bool,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        let p = l.local_addr()?.port();
        drop(l);
        if p < 65000 && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return Ok(p);
        }
    }
}

fn spawn(name: &'static str, bin: &Path, dir: tempfile::TempDir, tcp: bool) -> Result<Daemon> {
    let data = dir.path().join("data");
    let ctrl = dir.path().join("ctrl");
    let port = if tcp { free_port()? } else { 0 };
    let mut c = Command::new("taskset");
    c.args(["-c", "0"])
        .arg(bin)
        .args(["socket", "--tpm2", "--tpmstate"]);
    c.arg(format!("dir={}", dir.path().display()));
    if tcp {
        c.arg("--server")
            .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
            .arg("--ctrl")
            .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1));
    } else {
        c.arg("--server")
            .arg(format!("type=unixio,path={}", data.display()))
            .arg("--ctrl")
            .arg(format!("type=unixio,path={}", ctrl.display()));
    }
    c.args(["--flags", "not-need-init,startup-clear"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = c.spawn().with_context(|| format!("starting {name}"))?;
    Ok(Daemon {
        name,
        child,
        dir,
        data,
        port,
        tcp,
    })
}

impl Daemon {
    fn connect(&self) -> Result<Conn> {
        if self.tcp {
            let s = TcpStream::connect(("127.0.0.1", self.port))?;
            s.set_nodelay(true)?;
            Ok(Conn::Tcp(s))
        } else {
            Ok(Conn::Unix(UnixStream::connect(&self.data)?))
        }
    }

    /// Connect and get one successful GetRandom; returns the time it took from `since`.
    fn first_response(&self, since: Instant) -> Result<Duration> {
        let deadline = since + Duration::from_secs(20);
        let mut buf = Vec::new();
        loop {
            if let Ok(mut c) = self.connect() {
                if let Ok(0) = c.round_trip(&get_random(0), &mut buf) {
                    return Ok(since.elapsed());
                }
            }
            if Instant::now() > deadline {
                bail!("{}: no response within 20 s", self.name);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn peak_rss_kib(&self) -> Option<u64> {
        // taskset execs the daemon: the child's pid is the daemon's.
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        s.lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    fn state_sizes(&self) -> String {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().starts_with("tpm"))
                    .map(|e| {
                        format!(
                            "{} {} B",
                            e.file_name().to_string_lossy(),
                            e.metadata().map(|m| m.len()).unwrap_or(0)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v.join(", ")
    }
}

fn pin_to_cpu0() -> Result<()> {
    let mut set = rustix::thread::CpuSet::new();
    set.set(0);
    rustix::thread::sched_setaffinity(None, &set).context("sched_setaffinity")?;
    Ok(())
}

/// Unix-socket echo round trip of a 10-byte message, both ends on CPU 0: the floor.
fn echo_floor(iterations: usize) -> Result<(f64, f64)> {
    let (mut a, mut b) = UnixStream::pair()?;
    let t = std::thread::spawn(move || -> Result<()> {
        pin_to_cpu0()?;
        let mut m = [0u8; 10];
        while b.read_exact(&mut m).is_ok() {
            b.write_all(&m)?;
        }
        Ok(())
    });
    let mut times = Vec::with_capacity(iterations);
    let mut m = [7u8; 10];
    for _ in 0..iterations {
        let t0 = Instant::now();
        a.write_all(&m)?;
        a.read_exact(&mut m)?;
        times.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    drop(a);
    let _ = t.join();
    Ok(median_p99(&mut times))
}

fn build_ours(root: &Path) -> Result<PathBuf> {
    let st = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "ferrotpm",
            "--bin",
            "swtpm",
        ])
        .current_dir(root)
        .status()?;
    if !st.success() {
        bail!("building our swtpm failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release").join("swtpm"))
}

/// Run the job from the workspace root; returns the printed report.
pub fn run(root: &Path, o: &Options) -> Result<String> {
    let ours_bin = build_ours(root)?;
    let theirs_bin = PathBuf::from("/usr/bin/swtpm");
    if !theirs_bin.exists() {
        bail!("the Debian swtpm is not installed (apt-get install swtpm)");
    }
    pin_to_cpu0()?;
    let mut out = String::new();
    let transport = if o.tcp { "TCP" } else { "Unix" };
    out.push_str(&format!(
        "bench-compare: {} round trips per row and side, {transport} sockets, client and both \
         daemons on CPU 0, alternating\n\n",
        o.iterations
    ));
    out.push_str(&format!(
        "| {:<48} | {:>12} | {:>10} | {:>12} | {:>10} | {:>6} |\n",
        "command", "ours median", "ours p99", "swtpm median", "swtpm p99", "ratio"
    ));
    out.push_str(&format!(
        "| {:-<48} | {:->12} | {:->10} | {:->12} | {:->10} | {:->6} |\n",
        "", "", "", "", "", ""
    ));

    let ours = spawn("ours", &ours_bin, tempfile::tempdir()?, o.tcp)?;
    let theirs = spawn("swtpm", &theirs_bin, tempfile::tempdir()?, o.tcp)?;
    ours.first_response(Instant::now())?;
    theirs.first_response(Instant::now())?;
    let mut oc = ours.connect()?;
    let mut tc = theirs.connect()?;
    let mut buf = Vec::with_capacity(4096);
    let mut ratios = Vec::new();
    // The flows first: the state-write row changes the owner authorization.
    let po = prepare(&mut oc, &mut buf).context("ours: prepare")?;
    let pt = prepare(&mut tc, &mut buf).context("swtpm: prepare")?;
    for flow in FLOWS {
        let n = o.iterations.min(flow.max_iterations);
        let mut ot = Vec::with_capacity(n);
        let mut tt = Vec::with_capacity(n);
        for i in 0..n {
            for (conn, times, prep, who) in [
                (&mut oc, &mut ot, &po, "ours"),
                (&mut tc, &mut tt, &pt, "swtpm"),
            ] {
                let t0 = Instant::now();
                (flow.run)(conn, &mut buf, i + 1, prep)
                    .with_context(|| format!("{}: {who} at iteration {i}", flow.name))?;
                times.push(t0.elapsed().as_secs_f64() * 1e6);
            }
        }
        let (om, op) = median_p99(&mut ot);
        let (tm, tp) = median_p99(&mut tt);
        let ratio = om / tm;
        ratios.push(ratio);
        out.push_str(&format!(
            "| {:<48} | {:>9.1} µs | {:>7.1} µs | {:>9.1} µs | {:>7.1} µs | {:>6.2} |\n",
            flow.name, om, op, tm, tp, ratio
        ));
    }
    for row in ROWS {
        // Warm-up, and the not-implemented check.
        let probe = (row.command)(0);
        let orc = oc.round_trip(&probe, &mut buf)?;
        let trc = tc.round_trip(&probe, &mut buf)?;
        if trc != 0 {
            bail!("{}: the Debian swtpm answered {trc:#x}", row.name);
        }
        if orc == 0x143 {
            out.push_str(&format!(
                "| {:<48} | {:>12} | {:>10} | {:>12} | {:>10} | {:>6} |\n",
                row.name, "n/a", "", "", "", "not implemented"
            ));
            continue;
        }
        if orc != 0 {
            bail!("{}: ours answered {orc:#x}", row.name);
        }
        let mut ot = Vec::with_capacity(o.iterations);
        let mut tt = Vec::with_capacity(o.iterations);
        for i in 0..o.iterations {
            let cmd = (row.command)(i + 1);
            for (conn, times, who) in [(&mut oc, &mut ot, "ours"), (&mut tc, &mut tt, "swtpm")] {
                let t0 = Instant::now();
                let rc = conn.round_trip(&cmd, &mut buf)?;
                let dt = t0.elapsed();
                if rc != 0 {
                    bail!("{}: {who} answered {rc:#x} at iteration {i}", row.name);
                }
                times.push(dt.as_secs_f64() * 1e6);
            }
        }
        let (om, op) = median_p99(&mut ot);
        let (tm, tp) = median_p99(&mut tt);
        let ratio = om / tm;
        ratios.push(ratio);
        out.push_str(&format!(
            "| {:<48} | {:>9.1} µs | {:>7.1} µs | {:>9.1} µs | {:>7.1} µs | {:>6.2} |\n",
            row.name, om, op, tm, tp, ratio
        ));
    }
    let (fm, fp) = echo_floor(o.iterations)?;
    out.push_str(&format!(
        "| {:<48} | {:>9.1} µs | {:>7.1} µs | {:>12} | {:>10} | {:>6} |\n",
        "floor: Unix echo", fm, fp, "", "", ""
    ));
    out.push_str(&format!(
        "\ngeometric mean of the ratios (ours/swtpm): {:.2}\n",
        geomean(&ratios)
    ));
    drop((oc, tc));
    out.push_str(&format!(
        "peak RSS: ours {} KiB, swtpm {} KiB\n",
        ours.peak_rss_kib().unwrap_or(0),
        theirs.peak_rss_kib().unwrap_or(0)
    ));
    out.push_str(&format!(
        "state files: ours [{}], swtpm [{}]\n",
        ours.state_sizes(),
        theirs.state_sizes()
    ));

    // Start-up to first response: a fresh state directory each time, then one directory
    // whose state the first start created.
    let pass = tempfile::NamedTempFile::new()?;
    std::fs::write(pass.path(), b"bench passphrase")?;
    for (label, existing, key) in [
        ("fresh state", false, None),
        ("existing state", true, None),
        ("existing encrypted state", true, Some(pass.path())),
    ] {
        let mut medians = Vec::new();
        for (name, bin) in [("ours", &ours_bin), ("swtpm", &theirs_bin)] {
            let keep = tempfile::tempdir()?;
            let mut v = Vec::new();
            for k in 0..=o.startups {
                let fresh = tempfile::tempdir()?;
                let dir = if existing { keep.path() } else { fresh.path() };
                let t0 = Instant::now();
                let d = spawn_in(name, bin, dir, o.tcp, key)?;
                let dt = d.first_response(t0)?;
                // The first start of the "existing" series creates the state.
                if k > 0 || !existing {
                    v.push(dt.as_secs_f64() * 1e3);
                }
                drop(d);
            }
            medians.push(median_p99(&mut v).0);
        }
        out.push_str(&format!(
            "start to first response, {label}: ours {:.1} ms, swtpm {:.1} ms\n",
            medians[0], medians[1]
        ));
    }
    Ok(out)
}

/// Like [`spawn`] but in an existing directory the caller keeps.
fn spawn_in(
    name: &'static str,
    bin: &Path,
    dir: &Path,
    tcp: bool,
    key: Option<&Path>,
) -> Result<Daemon> {
    let tmp = tempfile::Builder::new().prefix("sock").tempdir_in(dir)?;
    let data = tmp.path().join("data");
    let ctrl = tmp.path().join("ctrl");
    let port = if tcp { free_port()? } else { 0 };
    let mut c = Command::new("taskset");
    c.args(["-c", "0"])
        .arg(bin)
        .args(["socket", "--tpm2", "--tpmstate"]);
    c.arg(format!("dir={}", dir.display()));
    if tcp {
        c.arg("--server")
            .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
            .arg("--ctrl")
            .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1));
    } else {
        c.arg("--server")
            .arg(format!("type=unixio,path={}", data.display()))
            .arg("--ctrl")
            .arg(format!("type=unixio,path={}", ctrl.display()));
    }
    if let Some(k) = key {
        c.arg("--key")
            .arg(format!("pwdfile={},mode=aes-256-cbc", k.display()));
    }
    c.args(["--flags", "not-need-init,startup-clear"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = c.spawn().with_context(|| format!("starting {name}"))?;
    Ok(Daemon {
        name,
        child,
        dir: tmp,
        data,
        port,
        tcp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(median_p99(&mut v), (50.0, 99.0));
        let mut one = vec![3.0];
        assert_eq!(median_p99(&mut one), (3.0, 3.0));
        assert!((geomean(&[2.0, 8.0]) - 4.0).abs() < 1e-12);
        assert!(median_p99(&mut []).0.is_nan());
    }

    #[test]
    fn rows_are_well_formed_and_vary() {
        for row in ROWS {
            let a = (row.command)(1);
            let b = (row.command)(2);
            assert_eq!(
                u32::from_be_bytes(a[2..6].try_into().unwrap()) as usize,
                a.len(),
                "{}",
                row.name
            );
            assert_ne!(a, b, "{}: inputs must vary", row.name);
        }
    }

    #[test]
    fn options() {
        let o = Options::parse(["--quick".to_string()].into_iter()).unwrap();
        assert_eq!(o.iterations, 200);
        let o = Options::parse(
            ["--iterations", "7", "--transport", "tcp"]
                .map(String::from)
                .into_iter(),
        )
        .unwrap();
        assert_eq!((o.iterations, o.tcp), (7, true));
        assert!(Options::parse(["--iterations", "0"].map(String::from).into_iter()).is_err());
        assert!(Options::parse(["--bogus"].map(String::from).into_iter()).is_err());
    }
}
