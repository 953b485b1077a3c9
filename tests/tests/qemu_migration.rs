//! QEMU live migration of a guest with a vTPM on our `swtpm`: two QEMU processes on this
//! machine, each with its own daemon started as libvirt starts it. The source QEMU takes
//! the TPM's state blobs (CMD_GET_STATEBLOB), the destination hands them to its daemon
//! (CMD_SET_STATEBLOB) and resumes the guest.
//!
//! The guest extends PCR 16 with the same digest once a second and prints the value after
//! each extend, so what it prints is a hash chain v(k) = SHA-256(v(k-1) || d). The test
//! checks that every value either QEMU's serial port shows is a link of that chain, and that
//! the destination continues the chain where the source left it (a daemon that started from
//! a fresh state would restart it at v(1)) and keeps extending.
//!
//! Variants: local storage (each daemon its own state directory), with and without `--key`
//! on both daemons (the blobs QEMU moves are then the daemon's decrypted state); and shared
//! storage (both daemons on one state directory, as with NFS between two hosts), with
//! `--migration release-lock-outgoing` on the source (it drops the `.lock` once QEMU has taken
//! the state) and `--migration incoming` on the destination (it takes the lock late, when the
//! state arrives), as libvirt does for shared storage with swtpm 0.10.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin};
use sha2::{Digest, Sha256};

const DIGEST: [u8; 32] = [0x5a; 32];

fn skip() -> bool {
    if std::env::var("FERROTPM_SKIP_QEMU").as_deref() == Ok("1") {
        println!("SKIPPED: FERROTPM_SKIP_QEMU=1");
        return true;
    }
    false
}

fn assets() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/qemu-assets");
    let out = Command::new(&script)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(out.status.success(), "scripts/qemu-assets failed");
    assert!(
        Path::new("/usr/bin/qemu-system-x86_64").exists(),
        "qemu-system-x86_64 missing: install qemu-system-x86, or set FERROTPM_SKIP_QEMU=1"
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// The guest's /init: PCR_Extend(16, sha256 = 0x5a * 32) through /dev/tpm0 with a password
/// session, then the PCR from sysfs, once a second, forever.
fn init_script() -> String {
    let mut cmd = Vec::new();
    cmd.extend_from_slice(&0x8002u16.to_be_bytes()); // TPM_ST_SESSIONS
    cmd.extend_from_slice(&65u32.to_be_bytes());
    cmd.extend_from_slice(&0x0000_0182u32.to_be_bytes()); // TPM_CC_PCR_Extend
    cmd.extend_from_slice(&16u32.to_be_bytes());
    cmd.extend_from_slice(&9u32.to_be_bytes());
    cmd.extend_from_slice(&0x4000_0009u32.to_be_bytes()); // TPM_RS_PW
    cmd.extend_from_slice(&[0, 0, 1, 0, 0]);
    cmd.extend_from_slice(&1u32.to_be_bytes());
    cmd.extend_from_slice(&0x000bu16.to_be_bytes());
    cmd.extend_from_slice(&DIGEST);
    assert_eq!(cmd.len(), 65);
    let esc: String = cmd.iter().map(|b| format!("\\x{b:02x}")).collect();
    format!(
        r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "GUEST-UP"
while true; do
  exec 3<>/dev/tpm0
  printf '{esc}' >&3
  rc=$(dd bs=4096 count=1 <&3 2>/dev/null | od -An -v -tx1 | tr -d ' \n' | cut -c13-20)
  exec 3>&-
  echo "EXTEND rc=$rc PCR16 $(cat /sys/class/tpm/tpm0/pcr-sha256/16)"
  sleep 1
done
"#
    )
}

fn initramfs(assets: &Path, dir: &Path) -> PathBuf {
    // newc cpio, as in qemu_boot.rs.
    let mut out = Vec::new();
    let mut ino = 1u32;
    let mut entry = |name: &str, mode: u32, data: &[u8]| {
        let fields = [
            ino,
            mode,
            0,
            0,
            1,
            0,
            u32::try_from(data.len()).unwrap(),
            0,
            0,
            0,
            0,
            u32::try_from(name.len() + 1).unwrap(),
            0,
        ];
        ino += 1;
        out.extend_from_slice(b"070701");
        for f in fields {
            out.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    };
    for d in ["bin", "dev", "proc", "sys"] {
        entry(d, 0o040755, &[]);
    }
    entry(
        "bin/busybox",
        0o100755,
        &std::fs::read(assets.join("busybox")).unwrap(),
    );
    entry("init", 0o100755, init_script().as_bytes());
    entry("TRAILER!!!", 0, &[]);
    let p = dir.join("initramfs.cpio");
    std::fs::write(&p, out).unwrap();
    p
}

struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One side: a daemon and a QEMU whose serial output is collected line by line.
struct Side {
    qemu: Reaper,
    _swtpm: Reaper,
    lines: Arc<Mutex<Vec<String>>>,
    qmp: BufReader<UnixStream>,
}

fn start_side(
    dir: &Path,
    name: &str,
    assets: &Path,
    initrd: &Path,
    incoming: Option<&Path>,
    key: Option<&Path>,
    shared: bool,
) -> Side {
    let state = if shared {
        dir.join("shared-state")
    } else {
        dir.join(format!("{name}-state"))
    };
    std::fs::create_dir_all(&state).unwrap();
    let sock = dir.join(format!("{name}-swtpm.sock"));
    let mut cmd = Command::new(our_bin("swtpm"));
    cmd.arg("socket")
        .arg("--ctrl")
        .arg(format!("type=unixio,path={},mode=0600", sock.display()))
        .arg("--tpmstate")
        .arg(format!("dir={},mode=0600", state.display()))
        .arg("--log")
        .arg(format!(
            "file={}",
            dir.join(format!("{name}-swtpm.log")).display()
        ))
        .arg("--terminate")
        .arg("--tpm2");
    if shared {
        cmd.arg("--migration").arg(if incoming.is_some() {
            "incoming"
        } else {
            "release-lock-outgoing"
        });
    }
    if let Some(k) = key {
        cmd.arg("--key")
            .arg(format!("pwdfile={},mode=aes-256-cbc", k.display()));
    }
    let swtpm = Reaper(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "{name}: swtpm did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    let qmp_path = dir.join(format!("{name}-qmp.sock"));
    let mut q = Command::new("qemu-system-x86_64");
    q.args([
        "-accel",
        "tcg",
        "-m",
        "256",
        "-nodefaults",
        "-display",
        "none",
    ])
    .args(["-serial", "stdio", "-no-reboot"])
    .arg("-qmp")
    .arg(format!("unix:{},server=on,wait=off", qmp_path.display()))
    .arg("-kernel")
    .arg(assets.join("vmlinuz"))
    .arg("-initrd")
    .arg(initrd)
    .args(["-append", "console=ttyS0 quiet panic=-1"])
    .arg("-chardev")
    .arg(format!("socket,id=chrtpm,path={}", sock.display()))
    .args(["-tpmdev", "emulator,id=tpm-tpm0,chardev=chrtpm"])
    .args(["-device", "tpm-tis,tpmdev=tpm-tpm0,id=tpm0"]);
    if let Some(inc) = incoming {
        q.arg("-incoming").arg(format!("unix:{}", inc.display()));
    }
    let mut qemu = Reaper(
        q.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = qemu.0.stdout.take().unwrap();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines() {
            let Ok(l) = l else { break };
            sink.lock()
                .unwrap()
                .push(l.trim_end_matches('\r').to_string());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        if let Ok(s) = UnixStream::connect(&qmp_path) {
            break s;
        }
        assert!(Instant::now() < deadline, "{name}: no QMP socket");
        std::thread::sleep(Duration::from_millis(20));
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut qmp = BufReader::new(stream);
    let mut greeting = String::new();
    qmp.read_line(&mut greeting).unwrap();
    assert!(greeting.contains("QMP"), "{name}: {greeting}");
    let mut side = Side {
        qemu,
        _swtpm: swtpm,
        lines,
        qmp,
    };
    side.qmp(r#"{"execute":"qmp_capabilities"}"#);
    side
}

impl Side {
    /// Sends one QMP command; returns its reply line (events before it are skipped).
    fn qmp(&mut self, cmd: &str) -> String {
        let s = self.qmp.get_mut();
        s.write_all(cmd.as_bytes()).unwrap();
        s.write_all(b"\n").unwrap();
        loop {
            let mut line = String::new();
            let n = self.qmp.read_line(&mut line).unwrap();
            assert!(n > 0, "QMP closed");
            if line.contains("\"return\"") || line.contains("\"error\"") {
                assert!(!line.contains("\"error\""), "QMP {cmd}: {line}");
                return line;
            }
        }
    }

    /// The PCR 16 values printed so far, in order; panics on a failed extend.
    fn values(&self) -> Vec<[u8; 32]> {
        let lines = self.lines.lock().unwrap();
        let mut v = Vec::new();
        for l in lines.iter() {
            if let Some(rest) = l.strip_prefix("EXTEND rc=") {
                let (rc, pcr) = rest.split_once(" PCR16 ").expect("EXTEND line");
                assert_eq!(rc, "00000000", "PCR_Extend in the guest failed: {l}");
                let d = hex::decode(pcr.trim()).expect("PCR hex");
                v.push(d.try_into().expect("32 bytes"));
            }
        }
        v
    }

    fn wait_values(&self, n: usize, what: &str) -> Vec<[u8; 32]> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let v = self.values();
            if v.len() >= n {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: {} of {n} values; serial:\n{}",
                v.len(),
                self.lines.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Position of `v` in the chain (1 = after the first extend), if it is a link of it.
fn chain_index(v: &[u8; 32]) -> Option<usize> {
    let mut cur = [0u8; 32];
    for k in 1..=10_000 {
        let mut h = Sha256::new();
        h.update(cur);
        h.update(DIGEST);
        cur.copy_from_slice(&h.finalize());
        if &cur == v {
            return Some(k);
        }
    }
    None
}

fn migrate(with_key: bool, shared: bool) {
    let assets = assets();
    let dir = TempDir::new(match (with_key, shared) {
        (_, true) => "mig-shared",
        (true, false) => "mig-key",
        (false, false) => "mig",
    });
    let initrd = initramfs(&assets, &dir.0);
    let key = if with_key {
        let k = dir.0.join("passphrase");
        std::fs::write(&k, b"migration test passphrase").unwrap();
        Some(k)
    } else {
        None
    };
    let mut src = start_side(
        &dir.0,
        "src",
        &assets,
        &initrd,
        None,
        key.as_deref(),
        shared,
    );
    // The guest booted and extended a few times on the source.
    let before = src.wait_values(3, "source");

    let mig = dir.0.join("migrate.sock");
    let mut dst = start_side(
        &dir.0,
        "dst",
        &assets,
        &initrd,
        Some(&mig),
        key.as_deref(),
        shared,
    );
    src.qmp(&format!(
        r#"{{"execute":"migrate","arguments":{{"uri":"unix:{}"}}}}"#,
        mig.display()
    ));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = src.qmp(r#"{"execute":"query-migrate"}"#);
        if r.contains("\"completed\"") {
            break;
        }
        assert!(!r.contains("\"failed\""), "migration failed: {r}");
        assert!(Instant::now() < deadline, "migration did not complete: {r}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The source is paused now; let its serial reader drain what it printed before.
    std::thread::sleep(Duration::from_millis(500));
    let src_values = src.values();
    src.qmp(r#"{"execute":"quit"}"#);
    let _ = src.qemu.0.wait();

    // The destination runs the guest on; two more extends at least.
    let dst_values = dst.wait_values(2, "destination");
    let src_idx: Vec<usize> = src_values
        .iter()
        .map(|v| chain_index(v).expect("source value off the chain"))
        .collect();
    let dst_idx: Vec<usize> = dst_values
        .iter()
        .map(|v| {
            chain_index(v).unwrap_or_else(|| {
                panic!(
                    "destination value {} is not a link of the chain: PCR 16 was not migrated",
                    hex::encode(v)
                )
            })
        })
        .collect();
    assert!(before.len() >= 3);
    for w in src_idx.windows(2).chain(dst_idx.windows(2)) {
        assert_eq!(w[1], w[0] + 1, "chain skipped: {src_idx:?} {dst_idx:?}");
    }
    let last_src = *src_idx.last().unwrap();
    assert!(
        dst_idx[0] > last_src,
        "the destination restarted the chain (src ..{last_src}, dst {dst_idx:?})"
    );
    assert!(
        dst_idx[0] <= last_src + 1,
        "the destination skipped links (src ..{last_src}, dst {dst_idx:?})"
    );
    println!("chain links: source {src_idx:?}, destination {dst_idx:?}");
    dst.qmp(r#"{"execute":"quit"}"#);
    let _ = dst.qemu.0.wait();
}

#[test]
fn live_migration_local_storage() {
    if skip() {
        return;
    }
    migrate(false, false);
}

#[test]
fn live_migration_local_storage_encrypted_state() {
    if skip() {
        return;
    }
    migrate(true, false);
}

#[test]
fn live_migration_shared_storage() {
    if skip() {
        return;
    }
    migrate(false, true);
}
