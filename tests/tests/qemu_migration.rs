//! qemu_migration: QEMU live migration of a guest with a TPM between two QEMU processes on
//! this machine, each with its own `swtpm` (ours) started as libvirt starts it. The source
//! guest extends PCR 16 with a raw TPM2_PCR_Extend written to /dev/tpm0 and keeps printing
//! PCR 16 from sysfs; after `migrate` over a Unix socket the destination guest must print the
//! same value, and must still extend (the test checks both values against SHA-256 computed
//! here). Variant 1: local storage (two state directories). Variant 2: shared storage (one
//! state directory) with `--migration release-lock-outgoing` on the source and
//! `--migration incoming` on the destination.
//!
//! Needs the QEMU assets of qemu_boot; FERROTPM_SKIP_QEMU=1 skips it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod qemu_common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qemu_common::*;
use sha2::{Digest, Sha256};

/// The digest the guest extends into PCR 16, each time.
const DIGEST: [u8; 32] = [0x5a; 32];

/// TPM2_PCR_Extend(PCR 16, password session, sha256 = DIGEST).
/// TPM 2.0 Part 3 §22.2 TPM2_PCR_Extend.
fn extend_cmd() -> Vec<u8> {
    let mut c = Vec::new();
    c.extend_from_slice(&0x8002u16.to_be_bytes()); // TPM_ST_SESSIONS
    c.extend_from_slice(&65u32.to_be_bytes());
    c.extend_from_slice(&0x0000_0182u32.to_be_bytes()); // TPM_CC_PCR_Extend
    c.extend_from_slice(&16u32.to_be_bytes());
    c.extend_from_slice(&9u32.to_be_bytes()); // authorizationSize
    c.extend_from_slice(&0x4000_0009u32.to_be_bytes()); // TPM_RS_PW
    c.extend_from_slice(&[0, 0, 0x01, 0, 0]); // nonce, continueSession, hmac
    c.extend_from_slice(&1u32.to_be_bytes());
    c.extend_from_slice(&0x000bu16.to_be_bytes());
    c.extend_from_slice(&DIGEST);
    assert_eq!(c.len(), 65);
    c
}

fn guest_init() -> String {
    let esc: String = extend_cmd().iter().map(|b| format!("\\{b:03o}")).collect();
    format!(
        r#"{INIT_PRELUDE}
extend() {{
  {{ printf '{esc}' >&3; dd bs=4096 count=1 <&3 2>/dev/null | od -An -v -tx1 | tr -d ' \n'; echo; }} 3<>/dev/tpm0
}}
echo "EXTEND-RSP $(extend)"
while :; do
  echo "PCR16 $(cat $t/pcr-sha256/16)"
  if read -t 1 cmd; then
    case "$cmd" in
      *extend*) echo "EXTEND2-RSP $(extend)"; echo "AFTER16 $(cat $t/pcr-sha256/16)";;
      *off*) poweroff -f;;
    esac
  fi
done
"#
    )
}

fn extended(pcr: [u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(pcr);
    h.update(DIGEST);
    h.finalize().into()
}

/// Full lines of a serial log (a line cut by the migration is skipped by the callers' exact
/// matching).
fn serial_lines(p: &Path) -> Vec<String> {
    let raw = std::fs::read(p).unwrap_or_default();
    String::from_utf8_lossy(&raw)
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// Waits until a line starting with `prefix` appears in the serial log; returns its rest.
fn wait_line(serial: &Path, prefix: &str, q: &mut Proc, limit: Duration) -> String {
    let t0 = Instant::now();
    loop {
        let lines = serial_lines(serial);
        if let Some(l) = lines.iter().find(|l| l.starts_with(prefix)) {
            return l[prefix.len()..].trim().to_string();
        }
        if let Some(st) = q.0.try_wait().unwrap() {
            panic!(
                "qemu exited ({st}) before printing {prefix:?}: {}\nserial:\n{}",
                stderr_of(q),
                lines.join("\n")
            );
        }
        assert!(
            t0.elapsed() < limit,
            "no {prefix:?} line within {limit:?}; serial:\n{}",
            lines.join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A QMP connection (capabilities negotiated).
struct Qmp {
    r: BufReader<UnixStream>,
    w: UnixStream,
}

impl Qmp {
    fn connect(p: &Path) -> Qmp {
        let t0 = Instant::now();
        let s = loop {
            match UnixStream::connect(p) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(
                        t0.elapsed() < Duration::from_secs(20),
                        "QMP {}: {e}",
                        p.display()
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut q = Qmp {
            r: BufReader::new(s.try_clone().unwrap()),
            w: s,
        };
        let greeting = q.line();
        assert!(greeting.contains("QMP"), "QMP greeting: {greeting}");
        q.cmd(r#"{"execute":"qmp_capabilities"}"#);
        q
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        let n = self.r.read_line(&mut l).expect("reading QMP");
        assert!(n > 0, "QMP connection closed");
        l
    }

    /// Sends `json` and returns the "return" (or "error") line, skipping events.
    fn cmd(&mut self, json: &str) -> String {
        self.w.write_all(json.as_bytes()).unwrap();
        self.w.write_all(b"\n").unwrap();
        loop {
            let l = self.line();
            if l.contains("\"return\"") || l.contains("\"error\"") {
                assert!(!l.contains("\"error\""), "QMP {json}: {l}");
                return l;
            }
        }
    }
}

struct Vm {
    q: Proc,
    serial: PathBuf,
    ser_sock: PathBuf,
    qmp: PathBuf,
}

fn start_vm(dir: &Path, tag: &str, initrd: &Path, tpm_sock: &Path, incoming: Option<&Path>) -> Vm {
    let serial = dir.join(format!("{tag}-serial.log"));
    let ser_sock = dir.join(format!("{tag}-serial.sock"));
    let qmp = dir.join(format!("{tag}-qmp.sock"));
    let mut cmd = qemu_cmd(Firmware::SeaBios, TpmDev::Tis, dir, initrd, tpm_sock);
    cmd.arg("-chardev")
        .arg(format!(
            "socket,id=ser0,path={},server=on,wait=off,logfile={}",
            ser_sock.display(),
            serial.display()
        ))
        .args(["-serial", "chardev:ser0"])
        .arg("-qmp")
        .arg(format!("unix:{},server=on,wait=off", qmp.display()));
    if let Some(m) = incoming {
        cmd.arg("-incoming").arg(format!("unix:{}", m.display()));
    }
    let q = Proc(cmd.spawn().expect("spawning qemu-system-x86_64"), "qemu");
    Vm {
        q,
        serial,
        ser_sock,
        qmp,
    }
}

fn send_serial(vm: &Vm, text: &str) -> UnixStream {
    let mut s = UnixStream::connect(&vm.ser_sock).expect("connecting to the serial socket");
    s.write_all(text.as_bytes()).unwrap();
    s
}

fn assert_rc_success(rsp: &str, what: &str) {
    let b = hex::decode(rsp).unwrap_or_else(|_| panic!("{what}: response not hex: {rsp:?}"));
    assert!(b.len() >= 10, "{what}: short response {rsp}");
    assert_eq!(
        &b[6..10],
        &[0, 0, 0, 0],
        "{what}: TPM2_PCR_Extend failed: {rsp}"
    );
}

/// Runs one migration. `shared`: both daemons on one state directory, with the `--migration`
/// options for shared storage.
fn migrate(shared: bool) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let initrd = d.join("initrd.cpio");
    std::fs::write(&initrd, initramfs(&guest_init())).unwrap();
    let bin = swtpm_bin();
    let (state_a, state_b) = if shared {
        (d.join("state"), d.join("state"))
    } else {
        (d.join("state-a"), d.join("state-b"))
    };
    std::fs::create_dir_all(&state_a).unwrap();
    std::fs::create_dir_all(&state_b).unwrap();
    let (extra_a, extra_b): (&[&str], &[&str]) = if shared {
        (
            &["--migration", "release-lock-outgoing"],
            &["--migration", "incoming"],
        )
    } else {
        (&[], &[])
    };

    // Source: boot, extend PCR 16 once.
    let sock_a = d.join("a-swtpm.sock");
    let _tpm_a = start_swtpm(&bin, &sock_a, &state_a, &d.join("a-swtpm.log"), extra_a);
    let mut a = start_vm(d, "a", &initrd, &sock_a, None);
    let rsp = wait_line(&a.serial, "EXTEND-RSP ", &mut a.q, BOOT_LIMIT);
    assert_rc_success(&rsp, "source extend");
    let want1 = hex::encode_upper(extended([0; 32]));
    let got = wait_line(&a.serial, "PCR16 ", &mut a.q, Duration::from_secs(30));
    assert_eq!(got, want1, "source PCR 16 after one extend");

    // Destination: its own daemon, QEMU waiting for the incoming migration.
    let sock_b = d.join("b-swtpm.sock");
    let _tpm_b = start_swtpm(&bin, &sock_b, &state_b, &d.join("b-swtpm.log"), extra_b);
    let mig = d.join("migrate.sock");
    let mut b = start_vm(d, "b", &initrd, &sock_b, Some(&mig));
    wait_path(&mig, &mut b.q);

    let mut qa = Qmp::connect(&a.qmp);
    let mut qb = Qmp::connect(&b.qmp);
    qa.cmd(&format!(
        r#"{{"execute":"migrate","arguments":{{"uri":"unix:{}"}}}}"#,
        mig.display()
    ));
    let t0 = Instant::now();
    loop {
        let st = qa.cmd(r#"{"execute":"query-migrate"}"#);
        if st.contains("\"completed\"") {
            break;
        }
        assert!(!st.contains("\"failed\""), "migration failed: {st}");
        assert!(
            t0.elapsed() < BOOT_LIMIT,
            "migration not done within {BOOT_LIMIT:?}: {st}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let st = qb.cmd(r#"{"execute":"query-status"}"#);
    assert!(st.contains("\"running\""), "destination not running: {st}");

    // The destination guest reads the same PCR 16, then extends once more.
    let got = wait_line(&b.serial, "PCR16 ", &mut b.q, Duration::from_secs(60));
    assert_eq!(got, want1, "destination PCR 16 after migration");
    let mut ser = send_serial(&b, "extend\n");
    let rsp = wait_line(&b.serial, "EXTEND2-RSP ", &mut b.q, Duration::from_secs(60));
    assert_rc_success(&rsp, "destination extend");
    let after = wait_line(&b.serial, "AFTER16 ", &mut b.q, Duration::from_secs(30));
    assert_eq!(
        after,
        hex::encode_upper(extended(extended([0; 32]))),
        "destination PCR 16 after a second extend"
    );
    // The serial chardev serves one client at a time: reuse the connection.
    ser.write_all(b"off\n").unwrap();
    let st =
        b.q.wait_within(Duration::from_secs(60), "the destination poweroff");
    assert!(st.success(), "destination qemu exited with {st}");
    let _ = qa.w.write_all(b"{\"execute\":\"quit\"}\n");
    a.q.wait_within(Duration::from_secs(30), "quit on the source");
}

#[test]
fn migration_local_storage() {
    if !qemu_enabled() {
        return;
    }
    let _ = assets();
    migrate(false);
}

#[test]
#[ignore = "needs --migration"]
fn migration_shared_storage() {
    if !qemu_enabled() {
        return;
    }
    let _ = assets();
    migrate(true);
}
