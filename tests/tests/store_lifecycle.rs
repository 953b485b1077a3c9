//! store_lifecycle: the state store through our `swtpm` daemon (crate ferrotpm), as libvirt and
//! QEMU use it: `--key`/`--migration-key` in every form with fds inherited the way libvirt
//! passes them, refusals of unreadable state (files hashed before and after), the `.lock`
//! between two daemons, `--migration incoming` with the lock released by the source after
//! GET_STATEBLOB(savestate), `--tpmstate ...,backup` falling back to the previous permanent
//! image, state blobs moved between daemons (chunked, with and without a migration key), and
//! a crash loop that SIGKILLs the daemon while a client changes persistent state.
//!
//! Independent checks: the passphrase-derived key is recomputed here with PBKDF2 / SHA-512 from
//! the `sha2` crate (not tpm-store's KDF), and the daemon's file is opened with it; TPM results
//! are the TPM 2.0 spec's (Part 3 §24.8 HierarchyChangeAuth, §22.4 PCR_Read, §29.1 ReadClock).
//!
//! The binary is built like tests/daemon.rs does it (`FERROTPM_SWTPM_BIN` overrides).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{RH_OWNER, b2, c, cs, pcr_sel, pw, rc};
use swtpm_protocol::client::{Client, ClientError};
use swtpm_protocol::{BlobType, PtmRes};

const CC_HIERARCHY_CHANGE_AUTH: u32 = 0x129;
const CC_PCR_EXTEND: u32 = 0x182;
const CC_PCR_READ: u32 = 0x17E;
const CC_READ_CLOCK: u32 = 0x181;
const CC_STARTUP: u32 = 0x144;
const CC_CLOCK_SET: u32 = 0x128;
/// A clock far beyond anything a test run reaches by itself (ms).
const CLOCK_SET_TO: u64 = 5_000_000_000;
const RC_BAD_AUTH: u32 = 0x9A2;
const RC_AUTH_FAIL: u32 = 0x98E;

fn swtpm_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("FERROTPM_SWTPM_BIN") {
            return PathBuf::from(p);
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
        cmd.args(["build", "--quiet", "-p", "ferrotpm", "--bin", "swtpm"])
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
        assert!(cmd.status().unwrap().success(), "cargo build swtpm failed");
        profile_dir.join("swtpm")
    })
    .clone()
}

fn tmp(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("ferrotpm-sd-{tag}-"))
        .tempdir()
        .unwrap()
}

/// Everything in a directory: name → bytes (the "hash before/after": compared whole).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// One of our daemons on Unix sockets in `sock_dir`.
struct Daemon {
    child: Child,
    ctrl_path: PathBuf,
    data_path: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `exec swtpm ARGS` through bash, with `fds` as `N< <(printf %s TEXT)`: inherited pipe fds,
/// as libvirt hands over the passphrases.
fn spawn(args: &[String], fds: &[(u32, &str)]) -> Child {
    let mut script = String::from("exec \"$0\" \"$@\"");
    for (n, text) in fds {
        script.push_str(&format!(" {n}< <(printf %s '{text}')"));
    }
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(swtpm_bin())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn swtpm")
}

fn base_args(state: &str, socks: &Path, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "socket".into(),
        "--tpm2".into(),
        "--tpmstate".into(),
        state.into(),
        "--server".into(),
        format!("type=unixio,path={}", socks.join("data").display()),
        "--ctrl".into(),
        format!("type=unixio,path={}", socks.join("ctrl").display()),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

impl Daemon {
    /// Start and wait for the control socket; `None` if the process exited first.
    fn start(
        state: &str,
        socks: &Path,
        extra: &[&str],
        fds: &[(u32, &str)],
    ) -> Result<Daemon, (i32, String)> {
        let _ = std::fs::remove_file(socks.join("ctrl"));
        let _ = std::fs::remove_file(socks.join("data"));
        let mut child = spawn(&base_args(state, socks, extra), fds);
        let ctrl_path = socks.join("ctrl");
        let data_path = socks.join("data");
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return Err((st.code().unwrap_or(-1), err));
            }
            if let Ok(c) = UnixStream::connect(&ctrl_path) {
                // A round trip: the daemon has finished starting (with not-need-init the TPM
                // state is loaded before the main loop answers), or it died trying.
                c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                if Client::new(c).get_capability().is_ok() && data_path.exists() {
                    break;
                }
                let st = child.wait().unwrap();
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return Err((st.code().unwrap_or(-1), err));
            }
            assert!(Instant::now() < end, "daemon never opened its sockets");
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(Daemon {
            child,
            ctrl_path,
            data_path,
        })
    }

    fn ctrl(&self) -> Client<UnixStream> {
        let s = UnixStream::connect(&self.ctrl_path).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Client::new(s)
    }

    fn data(&self) -> UnixStream {
        let s = UnixStream::connect(&self.data_path).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }

    /// CMD_SHUTDOWN, then the exit status and stderr.
    fn shutdown(mut self) -> (i32, String) {
        let _ = self.ctrl().shutdown();
        let st = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (st.code().unwrap_or(-1), err)
    }

    /// CMD_SHUTDOWN, then the exit code and stdout.
    fn shutdown_stdout(mut self) -> (i32, String) {
        let _ = self.ctrl().shutdown();
        let st = self.child.wait().unwrap();
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (st.code().unwrap_or(-1), out)
    }

    /// Wait for the process to end by itself; exit code and stderr.
    fn exited(mut self) -> (i32, String) {
        let st = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (st.code().unwrap_or(-1), err)
    }
}

/// One command on a data connection; `None` if the connection broke.
fn tx(s: &mut UnixStream, cmd: &[u8]) -> Option<Vec<u8>> {
    s.write_all(cmd).ok()?;
    let mut hdr = [0u8; 10];
    s.read_exact(&mut hdr).ok()?;
    let len = u32::from_be_bytes(hdr[2..6].try_into().unwrap()) as usize;
    let mut rsp = hdr.to_vec();
    rsp.resize(len.max(10), 0);
    s.read_exact(&mut rsp[10..]).ok()?;
    Some(rsp)
}

fn must(s: &mut UnixStream, cmd: &[u8]) -> Vec<u8> {
    let r = tx(s, cmd).expect("data channel closed");
    assert_eq!(rc(&r), 0, "command {:02x?} failed: {:02x?}", &cmd[6..10], r);
    r
}

fn startup(s: &mut UnixStream, su: u16) -> u32 {
    rc(&tx(s, &c(CC_STARTUP, &su.to_be_bytes())).unwrap())
}

fn change_owner_auth(old: &[u8], new: &[u8]) -> Vec<u8> {
    cs(CC_HIERARCHY_CHANGE_AUTH, &[RH_OWNER], &pw(old), &b2(new))
}

fn extend_pcr(pcr: u32, byte: u8) -> Vec<u8> {
    let mut p = 1u32.to_be_bytes().to_vec();
    p.extend_from_slice(&common::SHA256.to_be_bytes());
    p.extend_from_slice(&[byte; 32]);
    cs(CC_PCR_EXTEND, &[pcr], &pw(b""), &p)
}

fn pcr_read_all() -> Vec<u8> {
    c(
        CC_PCR_READ,
        &pcr_sel(&[
            (common::SHA256, &[0xff, 0xff, 0xff]),
            (common::SHA1, &[0xff, 0xff, 0xff]),
        ]),
    )
}

/// TPMS_CLOCK_INFO.clock of a ReadClock response (after the 8-byte time).
fn clock_of(rsp: &[u8]) -> u64 {
    u64::from_be_bytes(rsp[18..26].try_into().unwrap())
}

fn dir_arg(d: &Path) -> String {
    format!("dir={}", d.display())
}

/// PBKDF2-HMAC-SHA512(passphrase, "swtpm", 1000) truncated to 32 bytes, computed here with
/// the sha2/hmac primitive (swtpm `swtpm_utils.c` / key.c: salt "swtpm", 1000 iterations).
fn pbkdf2_key(pass: &[u8]) -> Vec<u8> {
    // HMAC-SHA512 by hand over sha2 (no extra dependency): RFC 2104.
    fn hmac(key: &[u8], msg: &[u8]) -> [u8; 64] {
        use sha2::{Digest, Sha512};
        let mut k = [0u8; 128];
        if key.len() > 128 {
            k[..64].copy_from_slice(&Sha512::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut ipad = Sha512::new();
        ipad.update(k.map(|b| b ^ 0x36));
        ipad.update(msg);
        let inner = ipad.finalize();
        let mut opad = Sha512::new();
        opad.update(k.map(|b| b ^ 0x5c));
        opad.update(inner);
        opad.finalize().into()
    }
    let mut salt = b"swtpm".to_vec();
    salt.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(pass, &salt);
    let mut t = u;
    for _ in 1..1000 {
        u = hmac(pass, &u);
        for (a, b) in t.iter_mut().zip(u.iter()) {
            *a ^= b;
        }
    }
    t[..32].to_vec()
}

// ---------------------------------------------------------------------------------------
// 1. Keys in every form, libvirt's pwdfd command line, restart, another passphrase
// ---------------------------------------------------------------------------------------

/// Start with `--key`, change the owner auth, shut down; restart with the same key: the auth
/// is still there; a different key refuses at start-up (not-need-init) with one line.
fn key_round_trip(key_arg: &str, fds: &[(u32, &str)], wrong_arg: &str, wrong_fds: &[(u32, &str)]) {
    let st = tmp("key");
    let socks = tmp("keys");
    let flags = ["--flags", "not-need-init,startup-clear", "--key", key_arg];
    let d = Daemon::start(&dir_arg(st.path()), socks.path(), &flags, fds).unwrap();
    let mut s = d.data();
    must(&mut s, &change_owner_auth(b"", b"secret"));
    drop(s);
    assert_eq!(d.shutdown().0, 0);
    let raw = std::fs::read(st.path().join("tpm2-00.permall")).unwrap();
    assert!(
        tpm_store::unwrap_state(&raw, None).is_err(),
        "{key_arg}: the permanent state is not encrypted"
    );

    // Same key: the change is there.
    let d = Daemon::start(&dir_arg(st.path()), socks.path(), &flags, fds).unwrap();
    let mut s = d.data();
    let r = rc(&tx(&mut s, &change_owner_auth(b"", b"x")).unwrap());
    assert!(
        r == RC_BAD_AUTH || r == RC_AUTH_FAIL,
        "old auth accepted: {r:#x}"
    );
    must(&mut s, &change_owner_auth(b"secret", b"secret"));
    drop(s);
    assert_eq!(d.shutdown().0, 0);

    // Another key: refused at start with one line, exit non-zero, files unchanged.
    let before = snapshot(st.path());
    let wflags = ["--flags", "not-need-init,startup-clear", "--key", wrong_arg];
    let (code, err) = Daemon::start(&dir_arg(st.path()), socks.path(), &wflags, wrong_fds)
        .err()
        .expect("a wrong key was accepted");
    assert_ne!(code, 0);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("wrong key or modified data") || err.contains("key"),
        "{err}"
    );
    assert_eq!(snapshot(st.path()), before, "{key_arg}: files changed");
}

#[test]
fn keys_every_form_through_the_daemon() {
    let kd = tmp("keyfiles");
    let hexkey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let other_hex = "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let hexf = kd.path().join("k.hex");
    std::fs::write(&hexf, hexkey).unwrap();
    let otherf = kd.path().join("o.hex");
    std::fs::write(&otherf, other_hex).unwrap();
    let binf = kd.path().join("k.bin");
    std::fs::write(&binf, [7u8; 16]).unwrap();
    let bin2 = kd.path().join("k2.bin");
    std::fs::write(&bin2, [8u8; 16]).unwrap();
    let pwf = kd.path().join("pw");
    std::fs::write(&pwf, "correct horse").unwrap();
    let pwo = kd.path().join("pwo");
    std::fs::write(&pwo, "battery staple").unwrap();

    let h = format!("file={},mode=aes-256-cbc", hexf.display());
    let ho = format!("file={},mode=aes-256-cbc", otherf.display());
    key_round_trip(&h, &[], &ho, &[]);
    let b = format!("file={},format=binary,mode=aes-cbc", binf.display());
    let bo = format!("file={},format=binary,mode=aes-cbc", bin2.display());
    key_round_trip(&b, &[], &bo, &[]);
    for kdf in ["pbkdf2", "sha512"] {
        let p = format!("pwdfile={},mode=aes-256-cbc,kdf={kdf}", pwf.display());
        let po = format!("pwdfile={},mode=aes-256-cbc,kdf={kdf}", pwo.display());
        key_round_trip(&p, &[], &po, &[]);
    }
    // fd= (hex key through an inherited fd) and pwdfd= as libvirt passes them.
    key_round_trip(
        "fd=31,mode=aes-256-cbc",
        &[(31, hexkey)],
        "fd=31,mode=aes-256-cbc",
        &[(31, other_hex)],
    );
    key_round_trip(
        "pwdfd=31,mode=aes-256-cbc",
        &[(31, "correct horse")],
        "pwdfd=31,mode=aes-256-cbc",
        &[(31, "battery staple")],
    );
}

/// libvirt's command line: `--key pwdfd=31,mode=aes-256-cbc --migration-key
/// pwdfd=34,mode=aes-256-cbc` with both fds inherited; CMD_INIT as QEMU sends it; the file is
/// encrypted with PBKDF2(passphrase) computed independently here.
#[test]
fn libvirt_pwdfd_command_line() {
    let st = tmp("lv");
    let socks = tmp("lvs");
    let args = [
        "--terminate",
        "--key",
        "pwdfd=31,mode=aes-256-cbc",
        "--migration-key",
        "pwdfd=34,mode=aes-256-cbc",
    ];
    let fds = [(31, "vm secret"), (34, "migration secret")];
    let d = Daemon::start(&dir_arg(st.path()), socks.path(), &args, &fds).unwrap();
    let mut ctl = d.ctrl();
    assert_eq!(ctl.get_config().unwrap(), 3, "file key and migration key");
    ctl.init(0).unwrap();
    let mut s = d.data();
    assert_eq!(startup(&mut s, 0), 0);
    must(&mut s, &change_owner_auth(b"", b"lv"));
    drop(s);
    drop(ctl);
    assert_eq!(d.shutdown().0, 0);
    let raw = std::fs::read(st.path().join("tpm2-00.permall")).unwrap();
    let key = tpm_store::StateKey::from_bytes(&pbkdf2_key(b"vm secret")).unwrap();
    tpm_store::unwrap_state(&raw, Some(&key)).expect("file opens with PBKDF2(passphrase)");
    let mkey = tpm_store::StateKey::from_bytes(&pbkdf2_key(b"migration secret")).unwrap();
    assert!(
        tpm_store::unwrap_state(&raw, Some(&mkey)).is_err(),
        "migration key must differ"
    );

    // Restart, same passphrases: INIT works and the auth is kept.
    let d = Daemon::start(&dir_arg(st.path()), socks.path(), &args, &fds).unwrap();
    d.ctrl().init(0).unwrap();
    let mut s = d.data();
    assert_eq!(startup(&mut s, 0), 0);
    must(&mut s, &change_owner_auth(b"lv", b"lv"));
    drop(s);
    assert_eq!(d.shutdown().0, 0);

    // Another passphrase: the process starts (no not-need-init), INIT fails as QEMU sees it,
    // one log line, files unchanged.
    let before = snapshot(st.path());
    let bad = [(31, "not the secret"), (34, "migration secret")];
    let d = Daemon::start(&dir_arg(st.path()), socks.path(), &args, &bad).unwrap();
    match d.ctrl().init(0) {
        Err(ClientError::Result(_, r)) => assert_ne!(r, PtmRes::SUCCESS),
        other => panic!("INIT with a wrong passphrase: {other:?}"),
    }
    let (_, err) = d.shutdown();
    assert!(err.contains("HMAC mismatch"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(snapshot(st.path()), before);
}

// ---------------------------------------------------------------------------------------
// 2. Refusals: damaged files
// ---------------------------------------------------------------------------------------

fn make_state(st: &Path, key: Option<&str>) {
    let socks = tmp("mk");
    let mut a = vec!["--flags", "not-need-init,startup-clear"];
    if let Some(k) = key {
        a.extend(["--key", k]);
    }
    let d = Daemon::start(&dir_arg(st), socks.path(), &a, &[]).unwrap();
    let mut s = d.data();
    must(&mut s, &change_owner_auth(b"", b"made"));
    drop(s);
    assert_eq!(d.shutdown().0, 0);
}

/// Each damage makes the daemon refuse at start-up (not-need-init: exit non-zero, one stderr
/// line) and at CMD_INIT (error result, daemon keeps running); the files stay byte-identical.
#[test]
fn damaged_state_is_refused_and_untouched() {
    let kd = tmp("dmgk");
    let kf = kd.path().join("k");
    std::fs::write(&kf, "0123456789abcdef0123456789abcdef").unwrap();
    let key = format!("file={}", kf.display());
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 6] = [
        ("flipped byte in the body", |v| {
            let i = v.len() / 2;
            v[i] ^= 0x01;
        }),
        ("flipped last byte", |v| {
            let i = v.len() - 1;
            v[i] ^= 0x80;
        }),
        ("truncated", |v| v.truncate(v.len() - 7)),
        ("zero length", |v| v.clear()),
        ("header total length beyond the file", |v| {
            let t = u32::from_be_bytes(v[6..10].try_into().unwrap()) + 4096;
            v[6..10].copy_from_slice(&t.to_be_bytes());
        }),
        ("TLV length beyond the file", |v| {
            v[12..16].copy_from_slice(&0x00ff_ff00u32.to_be_bytes());
        }),
    ];
    for encrypted in [false, true] {
        for (what, damage) in damages {
            if !encrypted && what.starts_with("flipped") {
                // A plain swtpm state file carries no MAC (swtpm-interface §7.3): a flipped
                // byte is only detectable with a key.
                continue;
            }
            let st = tmp("dmg");
            make_state(st.path(), encrypted.then_some(key.as_str()));
            let p = st.path().join("tpm2-00.permall");
            let mut v = std::fs::read(&p).unwrap();
            damage(&mut v);
            std::fs::write(&p, &v).unwrap();
            let before = snapshot(st.path());
            let socks = tmp("dmgs");
            let mut a = vec!["--flags", "not-need-init,startup-clear"];
            if encrypted {
                a.extend(["--key", &key]);
            }
            let (code, err) = Daemon::start(&dir_arg(st.path()), socks.path(), &a, &[])
                .err()
                .unwrap_or_else(|| panic!("{what} (encrypted {encrypted}): accepted"));
            assert_ne!(code, 0, "{what}");
            assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
            assert!(err.starts_with("swtpm: "), "{what}: {err}");
            assert_eq!(snapshot(st.path()), before, "{what}: files changed");

            // As QEMU starts it: CMD_INIT fails, the daemon stays up, files unchanged.
            let a2: Vec<&str> = if encrypted {
                vec!["--key", &key]
            } else {
                vec![]
            };
            let d = Daemon::start(&dir_arg(st.path()), socks.path(), &a2, &[]).unwrap();
            assert!(d.ctrl().init(0).is_err(), "{what}: INIT succeeded");
            let mut s = d.data();
            let r = tx(&mut s, &c(CC_STARTUP, &[0, 0])).unwrap();
            assert_eq!(
                rc(&r),
                0x101,
                "{what}: the TPM must stay off after a failed INIT"
            );
            drop(s);
            let (_, err) = d.shutdown();
            assert!(
                err.contains("Could not initialize the TPM"),
                "{what}: {err}"
            );
            assert_eq!(
                snapshot(st.path()),
                before,
                "{what}: files changed after INIT"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3. Crash loop
// ---------------------------------------------------------------------------------------

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// SIGKILL at random moments while HierarchyChangeAuth(owner) walks a counter; after each
/// restart the owner auth is the last acknowledged value or the one in flight, never older
/// and never unreadable.
#[test]
fn crash_loop_keeps_every_acknowledged_change() {
    let kills: u32 = std::env::var("FERROTPM_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let kd = tmp("crk");
    let kf = kd.path().join("k");
    std::fs::write(&kf, "0123456789abcdef0123456789abcdef").unwrap();
    let key = format!("file={}", kf.display());
    let st = tmp("crash");
    let socks = tmp("crashs");
    let args = [
        "--flags",
        "not-need-init,startup-clear",
        "--key",
        key.as_str(),
    ];
    let mut rng = Rng(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1);
    let auth = |n: u64| -> Vec<u8> {
        if n == 0 {
            Vec::new()
        } else {
            format!("a{n}").into_bytes()
        }
    };
    let mut acked: u64 = 0;
    let mut total_changes = 0u64;
    let mut mid_kills = 0u32;
    for round in 0..kills {
        let d = Daemon::start(&dir_arg(st.path()), socks.path(), &args, &[])
            .unwrap_or_else(|(c, e)| panic!("round {round}: restart failed ({c}): {e}"));
        let mut s = d.data();
        // Which value holds: the acknowledged one, or the one in flight when killed.
        let now = if rc(&tx(&mut s, &change_owner_auth(&auth(acked), &auth(acked))).unwrap()) == 0 {
            acked
        } else {
            let r = tx(
                &mut s,
                &change_owner_auth(&auth(acked + 1), &auth(acked + 1)),
            )
            .unwrap();
            assert_eq!(
                rc(&r),
                0,
                "round {round}: owner auth is neither {acked} nor {}",
                acked + 1
            );
            acked + 1
        };
        acked = now;
        let pid = d.child.id();
        let delay = Duration::from_micros(rng.next() % 12_000);
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        });
        loop {
            let next = acked + 1;
            match tx(&mut s, &change_owner_auth(&auth(acked), &auth(next))) {
                Some(r) => {
                    assert_eq!(rc(&r), 0, "round {round}: change {next} failed");
                    acked = next;
                    total_changes += 1;
                }
                None => {
                    mid_kills += 1;
                    break;
                }
            }
        }
        killer.join().unwrap();
        drop(s);
        let mut d = d;
        let st2 = d.child.wait().unwrap();
        assert!(
            st2.code().is_none(),
            "round {round}: the daemon exited by itself: {st2:?}"
        );
    }
    assert!(
        total_changes > u64::from(kills),
        "too few changes: {total_changes}"
    );
    println!(
        "{kills} kills, {total_changes} acknowledged changes, {mid_kills} while a command was in flight"
    );
}

// ---------------------------------------------------------------------------------------
// 4. Two daemons on one state dir
// ---------------------------------------------------------------------------------------

#[test]
fn second_daemon_fails_on_the_lock() {
    let st = tmp("lock");
    let s1 = tmp("lock1");
    let s2 = tmp("lock2");
    let flags = ["--flags", "not-need-init,startup-clear"];
    for lockopt in ["", ",lock", ",lock=true"] {
        let state = format!("dir={}{lockopt}", st.path().display());
        let a = Daemon::start(&state, s1.path(), &flags, &[]).unwrap();
        let before = snapshot(st.path());
        let (code, err) = Daemon::start(&state, s2.path(), &flags, &[])
            .err()
            .unwrap_or_else(|| panic!("{lockopt}: second daemon started"));
        assert_ne!(code, 0);
        assert!(err.contains("Could not lock access to lockfile"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert_eq!(snapshot(st.path()), before);
        // Without not-need-init (QEMU): the process runs, CMD_INIT fails on the lock.
        let b = Daemon::start(&state, s2.path(), &[], &[]).unwrap();
        assert!(
            b.ctrl().init(0).is_err(),
            "{lockopt}: INIT took a held lock"
        );
        assert!(b.ctrl().lock_storage(2).is_err());
        let (_, err) = b.shutdown();
        assert!(err.contains("Could not lock access to lockfile"), "{err}");
        assert_eq!(a.shutdown().0, 0);
    }
    // lock=false (swtpm 0.10): no lock taken; a second daemon starts.
    let state = format!("dir={},lock=false", st.path().display());
    let a = Daemon::start(&state, s1.path(), &flags, &[]).unwrap();
    let b = Daemon::start(&state, s2.path(), &flags, &[]).unwrap();
    assert_eq!(b.shutdown().0, 0);
    assert_eq!(a.shutdown().0, 0);
}

// ---------------------------------------------------------------------------------------
// 5/6. State blobs between daemons; shared-storage migration
// ---------------------------------------------------------------------------------------

/// GET_STATEBLOB in 512-byte chunks with offsets (swtpm_ioctl style), compared with the whole
/// blob QEMU's pre_save reads in one response.
fn get_blob(ctl: &mut Client<UnixStream>, bt: BlobType) -> (u32, Vec<u8>) {
    let (flags, whole) = ctl.get_state_blob(0, bt).unwrap();
    (flags, whole)
}

fn get_blob_chunked(ctl: &mut Client<UnixStream>, bt: BlobType) -> (u32, Vec<u8>) {
    let mut out = Vec::new();
    let mut flags;
    loop {
        let r = ctl.get_state_blob_at(0, bt, out.len() as u32).unwrap();
        if r.result == PtmRes::RETRY {
            return (r.state_flags, Vec::new());
        }
        assert_eq!(r.result, PtmRes::SUCCESS);
        flags = r.state_flags;
        out.extend_from_slice(&r.data[..r.data.len().min(512)]);
        if out.len() as u32 >= r.totlength || r.data.is_empty() {
            break;
        }
    }
    (flags, out)
}

fn pcrs_and_clock(d: &Daemon) -> (Vec<u8>, u64) {
    let mut s = d.data();
    let p = must(&mut s, &pcr_read_all());
    let c = clock_of(&must(&mut s, &c(CC_READ_CLOCK, &[])));
    (p, c)
}

/// A → GET_STATEBLOB ×3 → SET_STATEBLOB ×3 into B → INIT → B has A's PCRs and clock.
fn migrate(akey: Option<&str>, bkey: Option<&str>) -> Result<(), String> {
    let sa = tmp("mga");
    let sb = tmp("mgb");
    let ka = tmp("mgas");
    let kb = tmp("mgbs");
    let mut aa = vec!["--flags", "not-need-init,startup-clear"];
    if let Some(k) = akey {
        aa.extend(["--migration-key", k]);
    }
    let a = Daemon::start(&dir_arg(sa.path()), ka.path(), &aa, &[]).unwrap();
    let mut s = a.data();
    must(&mut s, &extend_pcr(16, 0xab));
    must(&mut s, &extend_pcr(23, 0xcd));
    // TPM 2.0 Part 3 §29.2 TPM2_ClockSet: the new clock is written to NV at once.
    must(
        &mut s,
        &cs(
            CC_CLOCK_SET,
            &[RH_OWNER],
            &pw(b""),
            &CLOCK_SET_TO.to_be_bytes(),
        ),
    );
    must(&mut s, &change_owner_auth(b"", b"moved"));
    drop(s);
    let (pcrs_a, clock_a) = pcrs_and_clock(&a);
    assert!(clock_a >= CLOCK_SET_TO);
    let mut ca = a.ctrl();
    // QEMU pre_save: the VM is stopped; the blobs are read while the TPM runs.
    let blobs: Vec<(BlobType, u32, Vec<u8>)> =
        [BlobType::Permanent, BlobType::Volatile, BlobType::Savestate]
            .into_iter()
            .map(|bt| {
                let (f, whole) = get_blob(&mut ca, bt);
                let (f2, chunked) = get_blob_chunked(&mut ca, bt);
                if bt != BlobType::Volatile {
                    assert_eq!(whole, chunked, "{bt:?}: chunked read differs");
                    assert_eq!(f, f2);
                }
                (bt, f, whole)
            })
            .collect();
    assert!(!blobs[0].2.is_empty() && !blobs[1].2.is_empty());
    assert!(blobs[2].2.is_empty(), "TPM 2 has no savestate");
    if akey.is_some() {
        // PTM_STATE_FLAG_ENCRYPTED is about the state-file key; the migration key's
        // encryption is inside the blob (swtpm's migration TLVs): unreadable without it.
        assert_eq!(blobs[0].1, 0);
        assert!(tpm_store::unwrap_migration(&blobs[0].2, false, None, None).is_err());
    }
    drop(ca);
    drop(a);

    let mut ba = vec![];
    if let Some(k) = bkey {
        ba.extend(["--migration-key", k]);
    }
    let b = Daemon::start(&dir_arg(sb.path()), kb.path(), &ba, &[]).unwrap();
    let mut cb = b.ctrl();
    for (bt, f, data) in &blobs {
        cb.set_state_blob(*f, *bt, data)
            .map_err(|e| format!("SET_STATEBLOB {bt:?}: {e}"))?;
    }
    cb.init(0).map_err(|e| format!("INIT: {e}"))?;
    // The volatile state came along: no Startup needed (TPM2_Shutdown(STATE) was not sent).
    let (pcrs_b, clock_b) = pcrs_and_clock(&b);
    assert_eq!(pcrs_a, pcrs_b, "PCRs differ after migration");
    // The volatile image carries the clock (as libtpms's does; the Debian swtpm continues at
    // the source's clock too): B goes on from A's last reading, not from the last NV write.
    assert!(clock_a >= CLOCK_SET_TO);
    assert!(
        clock_b >= clock_a,
        "clock went back: {clock_a} -> {clock_b}"
    );
    let mut s = b.data();
    must(&mut s, &change_owner_auth(b"moved", b"moved"));
    drop(s);
    drop(cb);
    assert_eq!(b.shutdown().0, 0);
    // The destination wrote the permanent state it received.
    assert!(sb.path().join("tpm2-00.permall").exists());
    Ok(())
}

#[test]
fn migration_between_daemons() {
    let kd = tmp("mgk");
    let k1 = kd.path().join("k1");
    let k2 = kd.path().join("k2");
    std::fs::write(&k1, "0123456789abcdef0123456789abcdef").unwrap();
    std::fs::write(&k2, "f123456789abcdef0123456789abcdef").unwrap();
    let k1 = format!("file={}", k1.display());
    let k2 = format!("file={}", k2.display());
    migrate(None, None).unwrap();
    migrate(Some(&k1), Some(&k1)).unwrap();
    let e = migrate(Some(&k1), Some(&k2)).expect_err("B accepted a blob for another key");
    assert!(e.contains("SET_STATEBLOB"), "{e}");
    let e = migrate(Some(&k1), None).expect_err("B accepted an encrypted blob without a key");
    assert!(e.contains("SET_STATEBLOB"), "{e}");
}

/// Shared storage (one state dir), as libvirt runs it with `--migration
/// release-lock-outgoing` on the source and `--migration incoming` on the destination: the
/// destination does not lock at INIT; the source releases the lock after
/// GET_STATEBLOB(savestate); the destination takes it at SET_STATEBLOB; the source can no
/// longer use the storage.
#[test]
fn shared_storage_migration_hands_over_the_lock() {
    let st = tmp("shared");
    let s1 = tmp("sh1");
    let s2 = tmp("sh2");
    let state = dir_arg(st.path());
    let a = Daemon::start(
        &state,
        s1.path(),
        &[
            "--flags",
            "not-need-init,startup-clear",
            "--migration",
            "release-lock-outgoing",
        ],
        &[],
    )
    .unwrap();
    let mut s = a.data();
    must(&mut s, &extend_pcr(10, 0x5a));
    drop(s);
    let (pcrs_a, _) = pcrs_and_clock(&a);

    // Without `incoming` the destination cannot INIT while the source runs.
    let x = Daemon::start(&state, s2.path(), &[], &[]).unwrap();
    assert!(x.ctrl().init(0).is_err());
    drop(x);

    let b = Daemon::start(&state, s2.path(), &["--migration", "incoming"], &[]).unwrap();
    let mut cb = b.ctrl();
    // QEMU starts the destination TPM before the incoming state: no lock is taken.
    cb.init(0).unwrap();
    cb.stop().unwrap();
    // The source hands out its state; the savestate read releases its lock.
    let mut ca = a.ctrl();
    let blobs: Vec<(BlobType, u32, Vec<u8>)> =
        [BlobType::Permanent, BlobType::Volatile, BlobType::Savestate]
            .into_iter()
            .map(|bt| {
                let (f, v) = get_blob(&mut ca, bt);
                (bt, f, v)
            })
            .collect();
    for (bt, f, data) in &blobs {
        cb.set_state_blob(*f, *bt, data).unwrap();
    }
    cb.init(0).unwrap();
    let (pcrs_b, _) = pcrs_and_clock(&b);
    assert_eq!(pcrs_a, pcrs_b);
    // The source, used again, cannot re-take the lock and terminates (swtpm mainloop.c).
    let mut s = a.data();
    let r = tx(&mut s, &pcr_read_all());
    assert!(r.is_none() || rc(&r.unwrap()) != 0);
    drop(s);
    drop(ca);
    let (code, err) = a.exited();
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("Could not lock access to lockfile"), "{err}");
    drop(cb);
    assert_eq!(b.shutdown().0, 0);
}

// ---------------------------------------------------------------------------------------
// 5. backup / fsync
// ---------------------------------------------------------------------------------------

/// `--tpmstate dir=D,backup,fsync`: the previous permanent image is kept as
/// `tpm2-00.permall.bak`; a damaged primary falls back to it (swtpm master `tpmlib_start`),
/// without `backup` the damage is refused.
#[test]
fn backup_keeps_previous_permanent_image_and_falls_back() {
    let st = tmp("bak");
    let socks = tmp("baks");
    let state = format!("dir={},backup,fsync", st.path().display());
    let flags = ["--flags", "not-need-init,startup-clear"];
    let d = Daemon::start(&state, socks.path(), &flags, &[]).unwrap();
    let mut s = d.data();
    must(&mut s, &change_owner_auth(b"", b"one"));
    must(&mut s, &change_owner_auth(b"one", b"two"));
    drop(s);
    assert_eq!(d.shutdown().0, 0);
    let perm = st.path().join("tpm2-00.permall");
    let bak = st.path().join("tpm2-00.permall.bak");
    assert!(bak.exists(), "no backup kept");
    assert_ne!(std::fs::read(&perm).unwrap(), std::fs::read(&bak).unwrap());

    // Damage the primary: without `backup` it is refused.
    let mut v = std::fs::read(&perm).unwrap();
    let i = v.len() / 2;
    v[i] ^= 1;
    std::fs::write(&perm, &v).unwrap();
    let before = snapshot(st.path());
    assert!(Daemon::start(&dir_arg(st.path()), socks.path(), &flags, &[]).is_err());
    assert_eq!(snapshot(st.path()), before);

    // With `backup`: starts from the previous image (the auto TPM2_Shutdown may have written
    // the permanent state after "two", so the backup holds "one" or "two"), and says so.
    let d = Daemon::start(&state, socks.path(), &flags, &[]).unwrap();
    let mut s = d.data();
    let two = rc(&tx(&mut s, &change_owner_auth(b"two", b"two")).unwrap()) == 0;
    let one = two || rc(&tx(&mut s, &change_owner_auth(b"one", b"one")).unwrap()) == 0;
    assert!(one, "did not start from the backup");
    drop(s);
    let (_, err) = d.shutdown();
    assert!(
        err.contains("attempting to start with the backup state file"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // Both damaged: refused, files restored to their names.
    for p in [&perm, &bak] {
        let mut v = std::fs::read(p).unwrap();
        v[12] ^= 0x40;
        std::fs::write(p, &v).unwrap();
    }
    let before = snapshot(st.path());
    assert!(Daemon::start(&state, socks.path(), &flags, &[]).is_err());
    assert_eq!(snapshot(st.path()), before);
    // A lost primary (crash between rename steps in swtpm) is restored from the backup.
    let st2 = tmp("bak2");
    let d = Daemon::start(
        &format!("dir={},backup", st2.path().display()),
        socks.path(),
        &flags,
        &[],
    )
    .unwrap();
    let mut s = d.data();
    must(&mut s, &change_owner_auth(b"", b"k"));
    drop(s);
    assert_eq!(d.shutdown().0, 0);
    std::fs::remove_file(st2.path().join("tpm2-00.permall")).unwrap();
    let d = Daemon::start(
        &format!("dir={},backup", st2.path().display()),
        socks.path(),
        &flags,
        &[],
    )
    .unwrap();
    let mut s = d.data();
    // The backup is an image from before the last write: owner auth "k" or the empty one.
    if rc(&tx(&mut s, &change_owner_auth(b"k", b"k")).unwrap()) != 0 {
        must(&mut s, &change_owner_auth(b"", b""));
    }
    drop(s);
    assert_eq!(d.shutdown().0, 0);
}

// ---------------------------------------------------------------------------------------
// 5. backend-uri=file:// (the linear backend)
// ---------------------------------------------------------------------------------------

fn le32(v: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(v[at..at + 4].try_into().unwrap())
}

/// All images in one file: created with swtpm's linear header, used again after a restart,
/// listed by `--print-states`, locked with `,lock`, and every damage (offsets or lengths
/// beyond the file, a truncated file, a flipped byte of an encrypted image) refused with the
/// file left byte-identical.
#[test]
fn file_backend_create_restart_damage() {
    let d = tmp("lin");
    let f = d.path().join("tpm-state.img");
    let kf = d.path().join("key");
    std::fs::write(&kf, "0123456789abcdef0123456789abcdef").unwrap();
    let key = format!("file={}", kf.display());
    let socks = tmp("lins");
    let socks2 = tmp("lins2");
    let state = format!("backend-uri=file://{}", f.display());
    let flags = [
        "--flags",
        "not-need-init,startup-clear",
        "--key",
        key.as_str(),
    ];
    let dm = Daemon::start(&state, socks.path(), &flags, &[]).unwrap();
    let mut s = dm.data();
    must(&mut s, &change_owner_auth(b"", b"lin"));
    drop(s);
    let (code, out) = dm.shutdown_stdout();
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "Formatting 'file://{}' as new linear NVRAM store\n",
            f.display()
        ),
        "swtpm's message on stdout"
    );
    let img = std::fs::read(&f).unwrap();
    assert_eq!(&img[..8], b"nilmptws", "swtpm's linear magic");
    assert_eq!(u16::from_le_bytes([img[10], img[11]]), 192);
    let (off, len) = (le32(&img, 12) as usize, le32(&img, 16) as usize);
    assert!(off >= 192 && off + len <= img.len());
    // The slot holds an encrypted swtpm state blob.
    assert!(tpm_store::unwrap_state(&img[off..off + len], None).is_err());
    assert!(d.path().read_dir().unwrap().count() == 2, "no side files");

    // --print-states lists the slot.
    let out = Command::new(swtpm_bin())
        .args(["socket", "--tpm2", "--tpmstate", &state, "--print-states"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("{{\"name\": \"permall\", \"size\": {len}}}")),
        "{text}"
    );

    // Restart: the auth is kept. With `,lock` a second daemon fails on the file's lock.
    let locked = format!("{state},lock");
    let dm = Daemon::start(&locked, socks.path(), &flags, &[]).unwrap();
    let mut s = dm.data();
    must(&mut s, &change_owner_auth(b"lin", b"lin"));
    drop(s);
    let (code, err) = Daemon::start(&locked, socks2.path(), &flags, &[])
        .err()
        .expect("second daemon on a locked file");
    assert_ne!(code, 0);
    assert!(err.contains("Could not lock backend-uri"), "{err}");
    assert_eq!(dm.shutdown().0, 0);

    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 5] = [
        ("slot offset beyond the file", |v| {
            let n = (v.len() as u32 + 64).to_le_bytes();
            v[12..16].copy_from_slice(&n);
        }),
        ("slot length beyond the file", |v| {
            v[16..20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        }),
        ("offset + length wrapping 32 bits", |v| {
            v[16..20].copy_from_slice(&(u32::MAX - 100).to_le_bytes());
        }),
        ("truncated file", |v| v.truncate(v.len() - 7)),
        ("flipped byte in the encrypted image", |v| {
            let off = le32(v, 12) as usize;
            let len = le32(v, 16) as usize;
            v[off + len / 2] ^= 0x04;
        }),
    ];
    let good = std::fs::read(&f).unwrap();
    for (what, damage) in damages {
        let mut v = good.clone();
        damage(&mut v);
        std::fs::write(&f, &v).unwrap();
        let (code, err) = Daemon::start(&state, socks.path(), &flags, &[])
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_ne!(code, 0, "{what}");
        assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
        assert_eq!(std::fs::read(&f).unwrap(), v, "{what}: file changed");
    }
    std::fs::write(&f, &good).unwrap();
    let dm = Daemon::start(&state, socks.path(), &flags, &[]).unwrap();
    assert_eq!(dm.shutdown().0, 0);
}

/// A migration that fails after the source handed out its state: nobody took the lock, so the
/// source's next command re-takes it (swtpm `mainloop_ensure_locked_storage`) and the TPM
/// carries on; a second daemon is then kept out again.
#[test]
fn source_relocks_after_a_failed_migration() {
    let st = tmp("relock");
    let s1 = tmp("rl1");
    let s2 = tmp("rl2");
    let state = dir_arg(st.path());
    let flags = [
        "--flags",
        "not-need-init,startup-clear",
        "--migration",
        "release-lock-outgoing",
    ];
    let a = Daemon::start(&state, s1.path(), &flags, &[]).unwrap();
    let mut ca = a.ctrl();
    for bt in [BlobType::Permanent, BlobType::Volatile, BlobType::Savestate] {
        get_blob(&mut ca, bt);
    }
    // Released: CMD_INIT of another daemon (not incoming) can take the lock now…
    let b = Daemon::start(&state, s2.path(), &[], &[]).unwrap();
    b.ctrl().init(0).unwrap();
    b.ctrl().stop().unwrap();
    drop(b);
    // …and once it is gone, the source's next command re-locks and works.
    let mut s = a.data();
    must(&mut s, &pcr_read_all());
    drop(s);
    let (code, err) = Daemon::start(&state, s2.path(), &["--flags", "not-need-init"], &[])
        .err()
        .expect("the source holds the lock again");
    assert_ne!(code, 0);
    assert!(err.contains("Could not lock access to lockfile"), "{err}");
    drop(ca);
    assert_eq!(a.shutdown().0, 0);
}
