//! Shared by the differential tests: a Debian `swtpm socket` driven over its raw TCP data
//! channel (what QEMU's tpm-emulator backend does with the chardev) and its control channel
//! through `swtpm_ioctl`, our engine driven through `TpmEngine`, and TPM command builders.
#![allow(dead_code)]

pub mod libtpms_state;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tpm_device::{InitFlags, StateKind, TpmEngine};
use tpm2_engine::Tpm2;
use tpm2_engine::platform::ManualPlatform;

// ---------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// True when swtpm and swtpm_ioctl are installed. Without them: false when
/// FERROTPM_SKIP_SWTPM=1, else a panic that says what to install.
pub fn swtpm_present() -> bool {
    let missing: Vec<&str> = ["swtpm", "swtpm_ioctl"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("FERROTPM_SKIP_SWTPM").as_deref() == Ok("1") {
        println!("SKIPPED: FERROTPM_SKIP_SWTPM=1 and missing {missing:?}");
        return false;
    }
    panic!(
        "missing {missing:?}: install swtpm and swtpm-tools (Debian: swtpm 0.7 with libtpms \
         0.9.2), or set FERROTPM_SKIP_SWTPM=1 to skip this test"
    );
}

/// One of our binaries (`swtpm`, `swtpm_ioctl`), built once per test process into this test's
/// own target directory and profile (cargo sets `CARGO_BIN_EXE_*` only for tests of the
/// binary's own package). `FERROTPM_BIN_DIR=/dir` skips the build.
pub fn our_bin(name: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        if let Ok(d) = std::env::var("FERROTPM_BIN_DIR") {
            return PathBuf::from(d);
        }
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let profile = profile_dir
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "-p", "ferrotpm", "--bins"])
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        assert!(
            cmd.status().unwrap().success(),
            "building our binaries failed"
        );
        profile_dir
    });
    dir.join(name)
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("ferrotpm-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Two consecutive free loopback ports (data, control).
fn free_port_pair() -> u16 {
    for _ in 0..200 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        if p >= 65534 {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no pair of free loopback ports");
}

// ---------------------------------------------------------------------------------------
// swtpm
// ---------------------------------------------------------------------------------------

/// A running `swtpm socket --tpm2` on a fresh state directory, and one data connection.
pub struct Swtpm {
    child: Child,
    pub port: u16,
    conn: TcpStream,
    _dir: TempDir,
}

/// How long to wait for a response before deciding swtpm sends none.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

impl Swtpm {
    /// Start swtpm (already initialised: `--flags not-need-init`; no Startup sent).
    pub fn start(tag: &str) -> Swtpm {
        let dir = TempDir::new(tag);
        for attempt in 0..5 {
            let port = free_port_pair();
            let mut child = Command::new("swtpm")
                .args(["socket", "--tpm2", "--tpmstate"])
                .arg(format!("dir={}", dir.0.display()))
                .arg("--server")
                .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
                .arg("--ctrl")
                .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1))
                .args(["--flags", "not-need-init"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start swtpm");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(conn) = TcpStream::connect(("127.0.0.1", port)) {
                    conn.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
                    conn.set_nodelay(true).unwrap();
                    return Swtpm {
                        child,
                        port,
                        conn,
                        _dir: dir,
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken in between: try another pair
                }
                assert!(Instant::now() < deadline, "swtpm did not listen on {port}");
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(attempt < 4, "swtpm failed to start five times");
        }
        unreachable!()
    }

    /// Send `cmd` in one write; return the response, or `None` when none came (timeout or
    /// closed connection; the connection is then replaced by a new one).
    pub fn send(&mut self, cmd: &[u8]) -> Option<Vec<u8>> {
        self.conn.write_all(cmd).unwrap();
        let r = self.read_response();
        if r.is_none() {
            self.reconnect();
        }
        r
    }

    /// Send `cmd` (a partial header: swtpm waits for 10 bytes), then close the connection.
    /// Returns what swtpm answered before it saw the end of the stream (expected: nothing).
    pub fn send_and_close(&mut self, cmd: &[u8]) -> Option<Vec<u8>> {
        self.conn.write_all(cmd).unwrap();
        let _ = self.conn.shutdown(Shutdown::Write);
        let r = self.read_response();
        self.reconnect();
        r
    }

    fn read_response(&mut self) -> Option<Vec<u8>> {
        let mut hdr = [0u8; 10];
        self.conn.read_exact(&mut hdr).ok()?;
        let size = u32::from_be_bytes(hdr[2..6].try_into().unwrap()) as usize;
        assert!(
            (10..=65536).contains(&size),
            "swtpm response size {size}: {hdr:02x?}"
        );
        let mut rest = vec![0u8; size - 10];
        self.conn.read_exact(&mut rest).ok()?;
        let mut v = hdr.to_vec();
        v.extend(rest);
        Some(v)
    }

    fn reconnect(&mut self) {
        let _ = self.conn.shutdown(Shutdown::Both);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(c) = TcpStream::connect(("127.0.0.1", self.port)) {
                c.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
                c.set_nodelay(true).unwrap();
                self.conn = c;
                return;
            }
            assert!(Instant::now() < deadline, "cannot reconnect to swtpm");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Run `swtpm_ioctl --tcp 127.0.0.1:<ctrl> <args>`, feeding `stdin` when given.
    pub fn ioctl(&self, args: &[&str], stdin: Option<&[u8]>) {
        let mut cmd = Command::new("swtpm_ioctl");
        cmd.arg("--tcp")
            .arg(format!("127.0.0.1:{}", self.port + 1))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn().expect("run swtpm_ioctl");
        if let Some(data) = stdin {
            let mut si = child.stdin.take().unwrap();
            si.write_all(data).unwrap();
            drop(si);
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "swtpm_ioctl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The state directory (`tpm2-00.permall` lives there).
    pub fn state_dir(&self) -> &std::path::Path {
        &self._dir.0
    }

    /// swtpm_ioctls(3) CMD_SET_LOCALITY.
    pub fn set_locality(&self, loc: u8) {
        self.ioctl(&["-l", &loc.to_string()], None);
    }

    /// swtpm_ioctls(3) CMD_INIT: _TPM_Init, reloading the state from the state directory.
    pub fn power_cycle(&mut self) {
        self.ioctl(&["-i"], None);
    }

    /// CMD_HASH_START, CMD_HASH_DATA (data from stdin), CMD_HASH_END.
    pub fn hcrtm(&self, data: &[u8]) {
        self.ioctl(&["-h", "-"], Some(data));
    }
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.conn.shutdown(Shutdown::Both);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Our engine
// ---------------------------------------------------------------------------------------

/// Our engine, powered on, with a fixed-entropy platform.
pub struct Ours {
    pub tpm: Tpm2,
}

impl Ours {
    pub fn new() -> Ours {
        let mut tpm = Tpm2::new(Box::new(ManualPlatform::new()));
        tpm.init(InitFlags::default()).unwrap();
        Ours { tpm }
    }

    pub fn send(&mut self, locality: u8, cmd: &[u8]) -> Vec<u8> {
        let r = self.tpm.execute_vec(locality, cmd);
        assert!(r.len() >= 10, "short engine response {r:02x?}");
        assert_eq!(
            u32::from_be_bytes(r[2..6].try_into().unwrap()) as usize,
            r.len(),
            "engine response size field"
        );
        r
    }

    /// Our engine with the hierarchy seeds, proofs and SEED_COMPAT_LEVELs of a running
    /// Debian swtpm (read from its plaintext `tpm2-00.permall`): from then on both derive the
    /// same primaries and tickets, and blobs made by one load in the other. Not started.
    pub fn with_seeds_of(sw: &Swtpm) -> Ours {
        // swtpm writes its state file while it initialises the TPM, which may finish after
        // the data socket accepts connections.
        let path = sw.state_dir().join("tpm2-00.permall");
        let deadline = Instant::now() + Duration::from_secs(10);
        let file = loop {
            match std::fs::read(&path) {
                Ok(f) if f.len() > 100 => break f,
                _ => {
                    assert!(Instant::now() < deadline, "swtpm wrote no state file");
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        };
        let pd = libtpms_state::parse_permall(&file);
        let ours = Ours::new();
        let mut perm =
            tpm2_engine::state::import_permanent(&ours.tpm.state(StateKind::Permanent)).unwrap();
        let seed64 = |v: &[u8]| -> zeroize::Zeroizing<[u8; 64]> {
            assert_eq!(v.len(), 64, "libtpms seed/proof size");
            let mut a = zeroize::Zeroizing::new([0u8; 64]);
            a.copy_from_slice(v);
            a
        };
        perm.eps.value = seed64(&pd.ep_seed);
        perm.sps.value = seed64(&pd.sp_seed);
        perm.pps.value = seed64(&pd.pp_seed);
        perm.eps.compat = pd.ep_compat;
        perm.sps.compat = pd.sp_compat;
        perm.pps.compat = pd.pp_compat;
        perm.ph_proof = seed64(&pd.ph_proof);
        perm.sh_proof = seed64(&pd.sh_proof);
        perm.eh_proof = seed64(&pd.eh_proof);
        let image = tpm2_engine::state::export_permanent(&perm);
        let mut tpm = Tpm2::new(Box::new(ManualPlatform::new()));
        tpm.set_state(StateKind::Permanent, &image).unwrap();
        tpm.init(InitFlags::default()).unwrap();
        Ours { tpm }
    }

    /// Power off and on with the exported permanent image, as a daemon restart does.
    pub fn power_cycle(&mut self) {
        let perm = self.tpm.state(StateKind::Permanent);
        self.tpm.shutdown();
        let mut t = Tpm2::new(Box::new(ManualPlatform::new()));
        t.set_state(StateKind::Permanent, &perm).unwrap();
        t.init(InitFlags::default()).unwrap();
        self.tpm = t;
    }
}

// ---------------------------------------------------------------------------------------
// Command builders
// ---------------------------------------------------------------------------------------

pub const ST_NO: u16 = 0x8001;
pub const ST_SESS: u16 = 0x8002;

pub const RH_OWNER: u32 = 0x4000_0001;
pub const RH_NULL: u32 = 0x4000_0007;
pub const RS_PW: u32 = 0x4000_0009;
pub const RH_LOCKOUT: u32 = 0x4000_000A;
pub const RH_ENDORSEMENT: u32 = 0x4000_000B;
pub const RH_PLATFORM: u32 = 0x4000_000C;
pub const RH_PLATFORM_NV: u32 = 0x4000_000D;

pub const SHA1: u16 = 0x0004;
pub const SHA256: u16 = 0x000B;
pub const SHA384: u16 = 0x000C;
pub const SHA512: u16 = 0x000D;
pub const ALG_NULL: u16 = 0x0010;

/// tag, size, code, body.
pub fn cmd_tag(tag: u16, cc: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(10 + body.len());
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&((10 + body.len()) as u32).to_be_bytes());
    v.extend_from_slice(&cc.to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// A TPM_ST_NO_SESSIONS command.
pub fn c(cc: u32, body: &[u8]) -> Vec<u8> {
    cmd_tag(ST_NO, cc, body)
}

/// A TPM_ST_SESSIONS command: handles, authorization area (with its size), parameters.
pub fn cs(cc: u32, handles: &[u32], auth: &[u8], params: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for h in handles {
        body.extend_from_slice(&h.to_be_bytes());
    }
    body.extend_from_slice(auth);
    body.extend_from_slice(params);
    cmd_tag(ST_SESS, cc, &body)
}

/// One TPMS_AUTH_COMMAND.
pub fn session(handle: u32, nonce: &[u8], attrs: u8, hmac: &[u8]) -> Vec<u8> {
    let mut a = handle.to_be_bytes().to_vec();
    a.extend_from_slice(&(nonce.len() as u16).to_be_bytes());
    a.extend_from_slice(nonce);
    a.push(attrs);
    a.extend_from_slice(&(hmac.len() as u16).to_be_bytes());
    a.extend_from_slice(hmac);
    a
}

/// An authorization area: authorizationSize, then the sessions.
pub fn area(sessions: &[Vec<u8>]) -> Vec<u8> {
    let all: Vec<u8> = sessions.concat();
    let mut v = (all.len() as u32).to_be_bytes().to_vec();
    v.extend(all);
    v
}

/// A password-session authorization area (continueSession set).
pub fn pw(p: &[u8]) -> Vec<u8> {
    area(&[session(RS_PW, &[], 0x01, p)])
}

/// TPM2B: size, bytes.
pub fn b2(data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(data);
    v
}

/// TPML_PCR_SELECTION from (alg, select bytes).
pub fn pcr_sel(banks: &[(u16, &[u8])]) -> Vec<u8> {
    let mut v = (banks.len() as u32).to_be_bytes().to_vec();
    for (alg, sel) in banks {
        v.extend_from_slice(&alg.to_be_bytes());
        v.push(sel.len() as u8);
        v.extend_from_slice(sel);
    }
    v
}

/// A 3-byte pcrSelect with PCR `i` set.
pub fn one_pcr(i: usize) -> [u8; 3] {
    let mut s = [0u8; 3];
    s[i / 8] = 1 << (i % 8);
    s
}

/// TPML_DIGEST_VALUES from (alg, digest).
pub fn digests(ds: &[(u16, &[u8])]) -> Vec<u8> {
    let mut v = (ds.len() as u32).to_be_bytes().to_vec();
    for (alg, d) in ds {
        v.extend_from_slice(&alg.to_be_bytes());
        v.extend_from_slice(d);
    }
    v
}

pub fn rc(rsp: &[u8]) -> u32 {
    rsp.get(6..10)
        .map(|b| u32::from_be_bytes(b.try_into().unwrap()))
        .unwrap_or(u32::MAX)
}

pub fn hexs(b: &[u8]) -> String {
    hex::encode(b)
}
