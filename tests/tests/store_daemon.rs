//! The encrypted state store through our `swtpm` daemon, as libvirt and QEMU use it:
//! `--key pwdfd=N,mode=aes-256-cbc --migration-key pwdfd=M,...` with inherited fds (libvirt
//! 9.0's command line), restarts with the right and a wrong passphrase, damaged state files
//! (flipped byte, truncated, empty, lengths beyond the file) refused with the files left
//! byte-identical, the `.lock` against a second daemon, and migration between two daemons
//! through GET_STATEBLOB/SET_STATEBLOB (with and without a migration key, and with the
//! wrong one): PCRs, clock and a loaded object (a hash sequence) carry over.

mod common;

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin};
use sha2::{Digest, Sha256};
use swtpm_protocol::client::Client;
use swtpm_protocol::consts::{BlobType, PtmRes, STATE_FLAG_ENCRYPTED};

const PERMALL: &str = "tpm2-00.permall";

/// A passphrase in a pipe whose read end the child inherits at the same fd number (as
/// libvirt hands `pwdfd=` over). Returns the read end (keep it alive until the child runs).
fn passphrase_fd(pass: &[u8]) -> OwnedFd {
    let (r, w) = rustix::pipe::pipe().unwrap();
    let mut w = std::fs::File::from(w);
    w.write_all(pass).unwrap();
    drop(w);
    // Inherited across exec: clear close-on-exec on the read end.
    rustix::io::fcntl_setfd(r.as_fd(), rustix::io::FdFlags::empty()).unwrap();
    r
}

struct Daemon {
    child: Child,
    data: PathBuf,
    ctrl: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(state: &Path, sockdir: &Path, extra: &[String]) -> Command {
    let mut c = Command::new(our_bin("swtpm"));
    c.args(["socket", "--tpm2"])
        .arg("--tpmstate")
        .arg(format!("dir={},mode=0600", state.display()))
        .arg("--server")
        .arg(format!(
            "type=unixio,path={}",
            sockdir.join("data").display()
        ))
        .arg("--ctrl")
        .arg(format!(
            "type=unixio,path={},mode=0600",
            sockdir.join("ctrl").display()
        ))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn start(state: &Path, sockdir: &Path, extra: &[String]) -> Daemon {
    let _ = std::fs::remove_file(sockdir.join("data"));
    let _ = std::fs::remove_file(sockdir.join("ctrl"));
    let mut child = command(state, sockdir, extra).spawn().unwrap();
    let data = sockdir.join("data");
    let ctrl = sockdir.join("ctrl");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(data.exists() && ctrl.exists()) {
        if let Some(st) = child.try_wait().unwrap() {
            let mut e = String::new();
            child.stderr.take().unwrap().read_to_string(&mut e).unwrap();
            panic!("swtpm exited at start ({st}): {e}");
        }
        assert!(Instant::now() < deadline, "swtpm did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    Daemon { child, data, ctrl }
}

/// Runs a daemon that is expected to refuse to start; returns its output.
fn refuse(state: &Path, sockdir: &Path, extra: &[String]) -> Output {
    let child = command(state, sockdir, extra).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut child = child;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "swtpm did not refuse to start: {extra:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "swtpm started: {extra:?}");
    out
}

impl Daemon {
    fn data(&self) -> UnixStream {
        let s = UnixStream::connect(&self.data).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    fn ctrl(&self) -> Client<UnixStream> {
        let s = UnixStream::connect(&self.ctrl).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Client::new(s)
    }

    /// CMD_SHUTDOWN (auto TPM2_Shutdown(STATE) first) and wait for the exit.
    fn shutdown(mut self) {
        self.ctrl().shutdown().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                assert!(st.success(), "exit status {st}");
                return;
            }
            assert!(Instant::now() < deadline, "swtpm did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn transact(s: &mut UnixStream, cmd: &[u8]) -> Vec<u8> {
    s.write_all(cmd).unwrap();
    let mut hdr = [0u8; 10];
    s.read_exact(&mut hdr).unwrap();
    let size = u32::from_be_bytes(hdr[2..6].try_into().unwrap()) as usize;
    let mut rest = vec![0u8; size - 10];
    s.read_exact(&mut rest).unwrap();
    let mut v = hdr.to_vec();
    v.extend(rest);
    v
}

fn rc(r: &[u8]) -> u32 {
    u32::from_be_bytes(r[6..10].try_into().unwrap())
}

fn extend_pcr10(s: &mut UnixStream, byte: u8) {
    let mut c = vec![
        0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, 0, 0, 0, 10, 0, 0, 0, 9,
    ];
    c.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0x0b]);
    c.extend_from_slice(&[byte; 32]);
    assert_eq!(rc(&transact(s, &c)), 0);
}

fn read_pcr10(s: &mut UnixStream) -> Vec<u8> {
    let c = [
        0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0, 0x0b, 3, 0, 4, 0,
    ];
    let r = transact(s, &c);
    assert_eq!(rc(&r), 0, "PCR_Read {r:02x?}");
    r[30..62].to_vec()
}

/// TPM2_ReadClock: clock (ms).
fn read_clock(s: &mut UnixStream) -> u64 {
    let r = transact(s, &[0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x81]);
    assert_eq!(rc(&r), 0);
    u64::from_be_bytes(r[18..26].try_into().unwrap())
}

/// Name and SHA-256 of every file in `dir` but the (empty) `.lock`, which a daemon creates
/// before it reads the state, as swtpm does.
fn hash_dir(dir: &Path) -> Vec<(String, [u8; 32])> {
    let lock = dir.join(".lock");
    if lock.exists() {
        assert_eq!(
            std::fs::metadata(&lock).unwrap().len(),
            0,
            ".lock not empty"
        );
    }
    let mut v: Vec<(String, [u8; 32])> = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name() != ".lock"))
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let data = std::fs::read(e.path()).unwrap_or_default();
            (name, Sha256::digest(&data).into())
        })
        .collect();
    v.sort();
    v
}

fn key_args(key: &OwnedFd, mkey: Option<&OwnedFd>) -> Vec<String> {
    let mut v = vec![
        "--key".to_string(),
        format!("pwdfd={},mode=aes-256-cbc", key.as_raw_fd()),
    ];
    if let Some(m) = mkey {
        v.push("--migration-key".into());
        v.push(format!("pwdfd={},mode=aes-256-cbc", m.as_raw_fd()));
    }
    v
}

fn flags(f: &str) -> Vec<String> {
    vec!["--flags".into(), f.into()]
}

/// A state dir holding an encrypted state (passphrase `pass`) with PCR 10 extended and
/// saved by Shutdown(STATE). Returns the PCR value.
fn make_encrypted_state(state: &Path, socks: &Path, pass: &[u8]) -> Vec<u8> {
    let k = passphrase_fd(pass);
    let m = passphrase_fd(b"migration passphrase");
    let mut args = key_args(&k, Some(&m));
    args.extend(flags("not-need-init,startup-clear"));
    let d = start(state, socks, &args);
    drop((k, m));
    let mut s = d.data();
    extend_pcr10(&mut s, 0x42);
    let pcr = read_pcr10(&mut s);
    drop(s);
    d.shutdown();
    pcr
}

#[test]
fn libvirt_key_fds_restart_with_right_and_wrong_passphrase() {
    let dir = TempDir::new("store-key");
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    let pcr = make_encrypted_state(&state, &dir.0, b"the right passphrase");
    let perm = std::fs::read(state.join(PERMALL)).unwrap();
    // Encrypted at rest: no trace of our plain image container.
    assert!(
        !perm.windows(8).any(|w| w == b"FERROTPM"),
        "the permanent state is not encrypted"
    );

    // The same passphrase: the state opens and Startup(STATE) resumes PCR 10.
    let k = passphrase_fd(b"the right passphrase");
    let mut args = key_args(&k, None);
    args.extend(flags("not-need-init,startup-state"));
    let d = start(&state, &dir.0, &args);
    drop(k);
    assert_eq!(read_pcr10(&mut d.data()), pcr);
    d.shutdown();

    // Another passphrase: refused, one clear message, files untouched.
    let before = hash_dir(&state);
    let k = passphrase_fd(b"a wrong passphrase");
    let mut args = key_args(&k, None);
    args.extend(flags("not-need-init,startup-state"));
    let out = refuse(&state, &dir.0, &args);
    drop(k);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(PERMALL) || err.to_lowercase().contains("key"),
        "unclear message: {err}"
    );
    assert_eq!(
        hash_dir(&state),
        before,
        "a refused start changed the files"
    );

    // No key at all for an encrypted state: refused too.
    let out = refuse(&state, &dir.0, &flags("not-need-init,startup-state"));
    assert!(!out.stderr.is_empty());
    assert_eq!(hash_dir(&state), before);
}

#[test]
fn damaged_state_files_are_refused_and_left_alone() {
    let dir = TempDir::new("store-damage");
    let good = dir.0.join("good");
    std::fs::create_dir(&good).unwrap();
    make_encrypted_state(&good, &dir.0, b"pass");
    let perm = std::fs::read(good.join(PERMALL)).unwrap();
    let mut flipped = perm.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    let mut last_flipped = perm.clone();
    *last_flipped.last_mut().unwrap() ^= 0x80;
    // swtpm's file header: version, min_version, hdrsize u16, flags u16, totlen u32; then
    // TLVs: tag u16, length u32.
    let mut header_len_beyond = perm.clone();
    header_len_beyond[6..10].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
    let mut tlv_len_beyond = perm.clone();
    tlv_len_beyond[12..16].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("one flipped byte in the middle", flipped),
        ("last byte flipped", last_flipped),
        ("truncated to half", perm[..perm.len() / 2].to_vec()),
        ("truncated by one byte", perm[..perm.len() - 1].to_vec()),
        ("zero length", Vec::new()),
        ("a total length beyond the file", header_len_beyond),
        ("a TLV length beyond the file", tlv_len_beyond),
    ];
    for (what, bytes) in cases {
        let state = dir.0.join("case");
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir(&state).unwrap();
        std::fs::write(state.join(PERMALL), &bytes).unwrap();
        let before = hash_dir(&state);
        // Started by a setup tool (the TPM runs at once) ...
        let k = passphrase_fd(b"pass");
        let mut args = key_args(&k, None);
        args.extend(flags("not-need-init,startup-clear"));
        let out = refuse(&state, &dir.0, &args);
        drop(k);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.trim().is_empty(), "{what}: no message");
        assert!(
            err.lines().count() <= 3,
            "{what}: the message should be short: {err}"
        );
        assert_eq!(hash_dir(&state), before, "{what}: files changed");

        // ... and started by libvirt (INIT from QEMU): CMD_INIT fails, nothing written.
        let k = passphrase_fd(b"pass");
        let d = start(&state, &dir.0, &key_args(&k, None));
        drop(k);
        let r = d.ctrl().init(0);
        assert!(r.is_err(), "{what}: INIT accepted a damaged state");
        assert_eq!(hash_dir(&state), before, "{what}: files changed after INIT");
    }
}

#[test]
fn a_second_daemon_on_the_same_state_fails_on_the_lock() {
    let dir = TempDir::new("store-lock");
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    let socks_a = dir.0.join("a");
    let socks_b = dir.0.join("b");
    std::fs::create_dir(&socks_a).unwrap();
    std::fs::create_dir(&socks_b).unwrap();
    let a = start(&state, &socks_a, &flags("not-need-init,startup-clear"));
    // The sockets exist before the TPM (and its lock) is up; an answered command means
    // the start-up, lock included, is over.
    extend_pcr10(&mut a.data(), 0);
    let out = refuse(&state, &socks_b, &flags("not-need-init,startup-clear"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.to_lowercase().contains("lock"),
        "unclear message: {err}"
    );
    // The first one is unaffected.
    let mut s = a.data();
    extend_pcr10(&mut s, 1);
    drop(s);
    a.shutdown();
    // Once it is gone, the state can be used again.
    let b = start(&state, &socks_b, &flags("not-need-init,startup-state"));
    b.shutdown();
}

/// GET_STATEBLOB of all three blobs from `src` (running, as QEMU takes them from a paused
/// guest; swtpm refuses GET_STATEBLOB from a stopped TPM), reading on at an offset while the
/// blob is longer than one reply, then SET_STATEBLOB into `dst` (stopped) and INIT.
fn migrate(src: &Daemon, dst: &Daemon, decrypted: bool) -> Result<(), String> {
    let mut c = src.ctrl();
    let mut blobs = Vec::new();
    for bt in BlobType::ALL {
        let flags = if decrypted { 1 } else { 0 };
        let first = c.get_state_blob_at(flags, bt, 0).unwrap();
        if first.result == PtmRes::RETRY {
            blobs.push((bt, 0, Vec::new()));
            continue;
        }
        assert_eq!(first.result, PtmRes::SUCCESS, "{bt:?}");
        let mut data = first.data.clone();
        while data.len() < first.totlength as usize {
            let more = c
                .get_state_blob_at(flags, bt, u32::try_from(data.len()).unwrap())
                .unwrap();
            assert_eq!(more.result, PtmRes::SUCCESS);
            assert!(!more.data.is_empty());
            data.extend_from_slice(&more.data);
        }
        blobs.push((bt, first.state_flags, data));
    }
    let mut d = dst.ctrl();
    d.stop().unwrap();
    for (bt, flags, data) in &blobs {
        d.set_state_blob(*flags, *bt, data)
            .map_err(|e| format!("SET_STATEBLOB {bt:?}: {e}"))?;
    }
    d.init(0).map_err(|e| format!("INIT: {e}"))
}

fn migration_case(src_key: Option<&[u8]>, dst_key: Option<&[u8]>) -> Result<(), String> {
    let dir = TempDir::new("store-mig");
    let (sa, sb) = (dir.0.join("a"), dir.0.join("b"));
    for p in [&sa, &sb] {
        std::fs::create_dir(p).unwrap();
    }
    let args = |k: Option<&[u8]>| -> (Vec<String>, Vec<OwnedFd>) {
        let mut v = flags("not-need-init,startup-clear");
        let mut keep = Vec::new();
        if let Some(pass) = k {
            let fd = passphrase_fd(pass);
            v.push("--migration-key".into());
            v.push(format!("pwdfd={},mode=aes-256-cbc", fd.as_raw_fd()));
            keep.push(fd);
        }
        (v, keep)
    };
    let (a_args, a_keep) = args(src_key);
    let a = start(&sa, &sa, &a_args);
    drop(a_keep);
    let (b_args, b_keep) = args(dst_key);
    let b = start(&sb, &sb, &b_args);
    drop(b_keep);
    let mut s = a.data();
    extend_pcr10(&mut s, 7);
    let pcr = read_pcr10(&mut s);
    let clock = read_clock(&mut s);
    // A loaded object: a SHA-256 hash sequence with half of its data.
    let r = transact(
        &mut s,
        &[0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x86, 0, 0, 0, 0x0b],
    );
    assert_eq!(rc(&r), 0);
    let seq = r[10..14].to_vec();
    let mut upd = vec![0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x5c];
    upd.extend_from_slice(&seq);
    upd.extend_from_slice(&[0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 1, 0, 0, 0, 3]);
    upd.extend_from_slice(b"abc");
    let n = u32::try_from(upd.len()).unwrap().to_be_bytes();
    upd[2..6].copy_from_slice(&n);
    assert_eq!(rc(&transact(&mut s, &upd)), 0);
    drop(s);
    // The blobs QEMU moves: encrypted with the migration key when one is set (swtpm marks
    // that in the blob's header, not in state_flags, which is about the state-file key).
    let r = a
        .ctrl()
        .get_state_blob_at(0, BlobType::Permanent, 0)
        .unwrap();
    assert_eq!(
        r.state_flags & STATE_FLAG_ENCRYPTED,
        0,
        "no state-file key here"
    );
    let plain = r.data.windows(8).any(|w| w == b"FERROTPM");
    assert_eq!(plain, src_key.is_none(), "migration encryption");
    migrate(&a, &b, false)?;
    let mut s = b.data();
    assert_eq!(read_pcr10(&mut s), pcr, "PCR 10 not migrated");
    let after = read_clock(&mut s);
    assert!(after >= clock, "clock went back: {clock} -> {after}");
    extend_pcr10(&mut s, 8);
    // The sequence came along: complete it with "def" on B.
    let mut done = vec![0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x3e];
    done.extend_from_slice(&seq);
    done.extend_from_slice(&[0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 1, 0, 0, 0, 3]);
    done.extend_from_slice(b"def");
    done.extend_from_slice(&0x4000_0007u32.to_be_bytes());
    let n = u32::try_from(done.len()).unwrap().to_be_bytes();
    done[2..6].copy_from_slice(&n);
    let r = transact(&mut s, &done);
    assert_eq!(
        rc(&r),
        0,
        "SequenceComplete of a migrated sequence: {r:02x?}"
    );
    assert_eq!(
        &r[16..48],
        &Sha256::digest(b"abcdef")[..],
        "migrated sequence digest"
    );
    Ok(())
}

#[test]
fn migration_between_daemons() {
    migration_case(None, None).unwrap();
    migration_case(Some(b"mk"), Some(b"mk")).unwrap();
    let e = migration_case(Some(b"mk"), Some(b"another mk")).unwrap_err();
    assert!(e.contains("SET_STATEBLOB"), "{e}");
    // An encrypted blob to a daemon without a migration key is refused too.
    assert!(migration_case(Some(b"mk"), None).is_err());
}
