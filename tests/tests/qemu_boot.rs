//! QEMU boots a Linux guest on our `swtpm`, started exactly as libvirt 9.0 starts it, for
//! every firmware/interface pair a cloud uses: SeaBIOS and OVMF (q35, pflash copies of the
//! code and vars), `tpm-tis` and `tpm-crb`. QEMU runs under TCG (no KVM).
//!
//! The guest is a Debian kernel with a busybox initramfs built here; its `/init` prints over
//! the serial port the TPM's major version, `/dev/tpm0`, the sha256 PCRs 0-7 from sysfs and
//! the firmware's event log from securityfs. The test then checks what an independent
//! verifier would: TPM 2.0 found, PCR 0 not zero, and replaying the event log (TCG PC Client
//! crypto-agile format, parsed here) gives exactly the PCR values the guest read. For
//! SeaBIOS+TIS the same boot also runs on the Debian swtpm and the PCRs must be equal.
//!
//! Assets: `scripts/qemu-assets` (run by this test when missing) fetches the kernel and a
//! static busybox with `apt-get download`; QEMU, SeaBIOS and OVMF come from Debian packages
//! that the README test command installs. `FERROTPM_SKIP_QEMU=1` skips; otherwise anything
//! missing is a failure that says what to install.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin};
use sha2::{Digest, Sha256};

/// Longest a boot may take (the issue's bound is 2 minutes).
const BOOT_TIMEOUT: Duration = Duration::from_secs(120);

const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

fn skip() -> bool {
    if std::env::var("FERROTPM_SKIP_QEMU").as_deref() == Ok("1") {
        println!("SKIPPED: FERROTPM_SKIP_QEMU=1");
        return true;
    }
    false
}

/// The asset directory (kernel, busybox), fetched on first use.
fn assets() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/qemu-assets");
    let out = Command::new(&script)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "scripts/qemu-assets failed: it needs apt-get and dpkg (Debian) and the package lists"
    );
    let dir = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    for f in ["vmlinuz", "busybox"] {
        assert!(dir.join(f).exists(), "{} missing", dir.join(f).display());
    }
    for (p, pkg) in [
        ("/usr/bin/qemu-system-x86_64", "qemu-system-x86"),
        (OVMF_CODE, "ovmf"),
        (OVMF_VARS, "ovmf"),
    ] {
        assert!(
            Path::new(p).exists(),
            "{p} missing: install the Debian package {pkg} (scripts/test-all does), or set \
             FERROTPM_SKIP_QEMU=1"
        );
    }
    dir
}

// ---------------------------------------------------------------------------------------
// The guest
// ---------------------------------------------------------------------------------------

/// The guest's /init: everything it prints between the markers is what the test reads.
const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t securityfs securityfs /sys/kernel/security
mount -t devtmpfs devtmpfs /dev
echo "FERROTPM-BEGIN"
echo "TPM-MAJOR $(cat /sys/class/tpm/tpm0/tpm_version_major 2>/dev/null)"
[ -c /dev/tpm0 ] && echo "DEVICE /dev/tpm0"
for i in 0 1 2 3 4 5 6 7; do
  echo "PCR-SHA256 $i $(cat /sys/class/tpm/tpm0/pcr-sha256/$i 2>/dev/null)"
done
echo "EVENTLOG $(od -An -v -tx1 /sys/kernel/security/tpm0/binary_bios_measurements 2>/dev/null | tr -d ' \n')"
echo "FERROTPM-END"
poweroff -f
"#;

/// A newc ("070701") cpio archive, what the kernel unpacks as an initramfs.
struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn new() -> Cpio {
        Cpio {
            out: Vec::new(),
            ino: 1,
        }
    }

    fn entry(&mut self, name: &str, mode: u32, data: &[u8]) {
        let fields = [
            self.ino,
            mode,
            0, // uid
            0, // gid
            1, // nlink
            0, // mtime
            u32::try_from(data.len()).unwrap(),
            0, // devmajor
            0, // devminor
            0, // rdevmajor
            0, // rdevminor
            u32::try_from(name.len() + 1).unwrap(),
            0, // check
        ];
        self.ino += 1;
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, &[]);
        self.out
    }
}

fn initramfs(assets: &Path, dir: &Path) -> PathBuf {
    let busybox = std::fs::read(assets.join("busybox")).unwrap();
    let mut c = Cpio::new();
    for d in ["bin", "dev", "proc", "sys"] {
        c.entry(d, 0o040755, &[]);
    }
    c.entry("bin/busybox", 0o100755, &busybox);
    c.entry("init", 0o100755, INIT.as_bytes());
    let path = dir.join("initramfs.cpio");
    std::fs::write(&path, c.finish()).unwrap();
    path
}

// ---------------------------------------------------------------------------------------
// One boot
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Firmware {
    SeaBios,
    Ovmf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Emulator {
    Ours,
    Debian,
}

/// What the guest printed.
#[derive(Debug)]
struct Report {
    major: String,
    device: bool,
    pcrs: BTreeMap<u32, [u8; 32]>,
    event_log: Vec<u8>,
}

/// Kills a child process on drop (no stray QEMU or swtpm after a failed assertion).
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn boot(firmware: Firmware, device: &str, emulator: Emulator) -> Report {
    let assets = assets();
    let dir = TempDir::new(&format!("qemu-{firmware:?}-{device}"));
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    let sock = dir.0.join("swtpm.sock");
    let log = dir.0.join("swtpm.log");
    let initrd = initramfs(&assets, &dir.0);

    // libvirt 9.0's command line for a TPM 2.0 with a plain state (libvirt-cmdlines §3).
    let bin = match emulator {
        Emulator::Ours => our_bin("swtpm"),
        Emulator::Debian => PathBuf::from("swtpm"),
    };
    let swtpm = Command::new(bin)
        .arg("socket")
        .arg("--ctrl")
        .arg(format!("type=unixio,path={},mode=0600", sock.display()))
        .arg("--tpmstate")
        .arg(format!("dir={},mode=0600", state.display()))
        .arg("--log")
        .arg(format!("file={}", log.display()))
        .arg("--terminate")
        .arg("--tpm2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start swtpm");
    let mut swtpm = Reaper(swtpm);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sock.exists() {
        if let Some(st) = swtpm.0.try_wait().unwrap() {
            let mut e = String::new();
            swtpm
                .0
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut e)
                .unwrap();
            panic!("swtpm exited ({st}) before creating its socket: {e}");
        }
        assert!(
            Instant::now() < deadline,
            "swtpm did not create {}",
            sock.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    let mut qemu = Command::new("qemu-system-x86_64");
    qemu.args([
        "-accel",
        "tcg",
        "-m",
        "256",
        "-nodefaults",
        "-display",
        "none",
    ])
    .args(["-serial", "stdio", "-no-reboot"]);
    match firmware {
        Firmware::SeaBios => {}
        Firmware::Ovmf => {
            let code = dir.0.join("OVMF_CODE.fd");
            let vars = dir.0.join("OVMF_VARS.fd");
            std::fs::copy(OVMF_CODE, &code).unwrap();
            std::fs::copy(OVMF_VARS, &vars).unwrap();
            qemu.args(["-machine", "q35"])
                .arg("-drive")
                .arg(format!(
                    "if=pflash,format=raw,unit=0,readonly=on,file={}",
                    code.display()
                ))
                .arg("-drive")
                .arg(format!(
                    "if=pflash,format=raw,unit=1,file={}",
                    vars.display()
                ));
        }
    }
    qemu.arg("-kernel")
        .arg(assets.join("vmlinuz"))
        .arg("-initrd")
        .arg(&initrd)
        .args(["-append", "console=ttyS0 quiet panic=-1"])
        // What libvirt gives QEMU for the TPM (libvirt-cmdlines §4).
        .arg("-chardev")
        .arg(format!("socket,id=chrtpm,path={}", sock.display()))
        .args(["-tpmdev", "emulator,id=tpm-tpm0,chardev=chrtpm"])
        .arg("-device")
        .arg(format!("{device},tpmdev=tpm-tpm0,id=tpm0"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut qemu = Reaper(qemu.spawn().expect("start qemu-system-x86_64"));

    // Read the serial console on a thread; enforce the deadline here.
    let mut out = qemu.0.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(st) = qemu.0.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > BOOT_TIMEOUT {
            let _ = qemu.0.kill();
            let serial = reader.join().unwrap();
            panic!(
                "{firmware:?}/{device}: no poweroff within {BOOT_TIMEOUT:?}; serial:\n{}",
                String::from_utf8_lossy(&serial)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let serial = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let mut qerr = String::new();
    qemu.0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut qerr)
        .unwrap();
    assert!(status.success(), "qemu failed ({status}): {qerr}\n{serial}");
    println!(
        "{firmware:?}/{device} on {emulator:?}: booted in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // --terminate: the emulator exits when QEMU closes the control connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = swtpm.0.try_wait().unwrap() {
            assert!(st.success(), "swtpm exit status {st}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "swtpm --terminate did not exit after QEMU"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    if emulator == Emulator::Ours {
        assert!(
            state.join("tpm2-00.permall").exists(),
            "no permanent state written"
        );
    }
    parse_report(&serial).unwrap_or_else(|e| panic!("{e}; serial:\n{serial}"))
}

fn parse_report(serial: &str) -> Result<Report, String> {
    let begin = serial
        .find("FERROTPM-BEGIN")
        .ok_or("guest printed no FERROTPM-BEGIN")?;
    let body = serial.get(begin..).unwrap_or_default();
    let end = body.find("FERROTPM-END").ok_or("no FERROTPM-END")?;
    let mut r = Report {
        major: String::new(),
        device: false,
        pcrs: BTreeMap::new(),
        event_log: Vec::new(),
    };
    for line in body.get(..end).unwrap_or_default().lines() {
        let line = line.trim_end_matches('\r');
        if let Some(v) = line.strip_prefix("TPM-MAJOR ") {
            r.major = v.trim().to_string();
        } else if line == "DEVICE /dev/tpm0" {
            r.device = true;
        } else if let Some(v) = line.strip_prefix("PCR-SHA256 ") {
            let (i, hex) = v.split_once(' ').ok_or("bad PCR line")?;
            let d = hex::decode(hex.trim()).map_err(|e| format!("PCR {i}: {e}"))?;
            let d: [u8; 32] = d.try_into().map_err(|_| format!("PCR {i}: not 32 bytes"))?;
            r.pcrs.insert(i.parse().map_err(|_| "bad PCR index")?, d);
        } else if let Some(v) = line.strip_prefix("EVENTLOG ") {
            r.event_log = hex::decode(v.trim()).map_err(|e| format!("event log: {e}"))?;
        }
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------
// The event log (TCG PC Client Platform Firmware Profile §10, crypto-agile format)
// ---------------------------------------------------------------------------------------

const EV_NO_ACTION: u32 = 3;
const TPM_ALG_SHA256: u16 = 0x000b;

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err(format!("event log truncated ({n} > {})", self.0.len()));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
}

/// Replays the sha256 digests of the log; returns the PCR values it predicts and how many
/// events were extended.
fn replay(log: &[u8]) -> Result<(BTreeMap<u32, [u8; 32]>, usize), String> {
    let mut c = Cursor(log);
    // The first event is in the SHA-1 format and carries the Spec ID Event03 header.
    let _pcr = c.u32()?;
    let ev_type = c.u32()?;
    c.take(20)?;
    let size = c.u32()? as usize;
    let spec = c.take(size)?;
    if ev_type != EV_NO_ACTION || spec.get(..16) != Some(b"Spec ID Event03\0") {
        return Err("the log does not start with a Spec ID Event03".into());
    }
    let mut s = Cursor(spec.get(16..).unwrap_or_default());
    s.take(4 + 4)?; // platformClass, specVersion minor/major, errata, uintnSize
    let n_algs = s.u32()?;
    let mut sizes = BTreeMap::new();
    for _ in 0..n_algs {
        let alg = s.u16()?;
        let sz = s.u16()?;
        sizes.insert(alg, usize::from(sz));
    }
    if !sizes.contains_key(&TPM_ALG_SHA256) {
        return Err("the log has no sha256 bank".into());
    }

    let mut pcrs: BTreeMap<u32, [u8; 32]> = BTreeMap::new();
    let mut extended = 0;
    while !c.0.is_empty() {
        let pcr = c.u32()?;
        let ev_type = c.u32()?;
        let count = c.u32()?;
        if count == 0 {
            break; // zero padding after the last event
        }
        let mut sha256 = None;
        for _ in 0..count {
            let alg = c.u16()?;
            let sz = *sizes
                .get(&alg)
                .ok_or_else(|| format!("digest of unknown algorithm {alg:#x}"))?;
            let d = c.take(sz)?;
            if alg == TPM_ALG_SHA256 {
                sha256 = Some(d);
            }
        }
        let size = c.u32()? as usize;
        let data = c.take(size)?;
        if ev_type == EV_NO_ACTION {
            // StartupLocality sets PCR 0's initial value (PFP §10.4.5.3).
            if let Some(loc) = data.strip_prefix(b"StartupLocality\0") {
                let mut init = [0u8; 32];
                init[31] = *loc.first().ok_or("empty StartupLocality")?;
                pcrs.insert(0, init);
            }
            continue;
        }
        let d = sha256.ok_or("event without a sha256 digest")?;
        let cur = pcrs.entry(pcr).or_insert([0u8; 32]);
        let mut h = Sha256::new();
        h.update(*cur);
        h.update(d);
        cur.copy_from_slice(&h.finalize());
        extended += 1;
    }
    Ok((pcrs, extended))
}

fn check(firmware: Firmware, device: &str) -> Report {
    let r = boot(firmware, device, Emulator::Ours);
    assert_eq!(r.major, "2", "{firmware:?}/{device}: no TPM 2.0 in sysfs");
    assert!(r.device, "{firmware:?}/{device}: no /dev/tpm0");
    assert_eq!(
        r.pcrs.len(),
        8,
        "{firmware:?}/{device}: PCRs read: {:?}",
        r.pcrs.keys()
    );
    assert_ne!(
        r.pcrs[&0], [0u8; 32],
        "{firmware:?}/{device}: PCR 0 is zero"
    );
    assert!(
        !r.event_log.is_empty(),
        "{firmware:?}/{device}: the firmware left no event log in securityfs"
    );
    let (predicted, events) =
        replay(&r.event_log).unwrap_or_else(|e| panic!("{firmware:?}/{device}: {e}"));
    assert!(events >= 5, "only {events} measured events");
    for (i, value) in &r.pcrs {
        let want = predicted.get(i).copied().unwrap_or([0u8; 32]);
        assert_eq!(
            hex::encode(value),
            hex::encode(want),
            "{firmware:?}/{device}: PCR {i} read by the guest differs from the event-log replay"
        );
    }
    r
}

#[test]
fn seabios_tpm_tis() {
    if skip() {
        return;
    }
    let ours = check(Firmware::SeaBios, "tpm-tis");
    // The same boot on the Debian swtpm measures the same things into the same PCRs.
    if common::swtpm_present() {
        let theirs = boot(Firmware::SeaBios, "tpm-tis", Emulator::Debian);
        assert_eq!(
            ours.pcrs, theirs.pcrs,
            "PCRs differ from the Debian swtpm's"
        );
        assert_eq!(
            ours.event_log, theirs.event_log,
            "event log differs from the one over the Debian swtpm"
        );
    }
}

#[test]
fn seabios_tpm_crb() {
    if skip() {
        return;
    }
    check(Firmware::SeaBios, "tpm-crb");
}

#[test]
fn ovmf_tpm_tis() {
    if skip() {
        return;
    }
    check(Firmware::Ovmf, "tpm-tis");
}

#[test]
fn ovmf_tpm_crb() {
    if skip() {
        return;
    }
    check(Firmware::Ovmf, "tpm-crb");
}

#[test]
fn event_log_replay_rejects_a_wrong_digest() {
    // The verifier itself must be able to fail: a log whose digest was changed predicts
    // another PCR value.
    let mut log = Vec::new();
    let mut spec = b"Spec ID Event03\0".to_vec();
    spec.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 2]);
    spec.extend_from_slice(&1u32.to_le_bytes());
    spec.extend_from_slice(&TPM_ALG_SHA256.to_le_bytes());
    spec.extend_from_slice(&32u16.to_le_bytes());
    spec.push(0);
    log.extend_from_slice(&0u32.to_le_bytes());
    log.extend_from_slice(&EV_NO_ACTION.to_le_bytes());
    log.extend_from_slice(&[0; 20]);
    log.extend_from_slice(&u32::try_from(spec.len()).unwrap().to_le_bytes());
    log.extend_from_slice(&spec);
    let event = |log: &mut Vec<u8>, digest: [u8; 32]| {
        log.extend_from_slice(&0u32.to_le_bytes());
        log.extend_from_slice(&8u32.to_le_bytes()); // EV_S_CRTM_VERSION
        log.extend_from_slice(&1u32.to_le_bytes());
        log.extend_from_slice(&TPM_ALG_SHA256.to_le_bytes());
        log.extend_from_slice(&digest);
        log.extend_from_slice(&0u32.to_le_bytes());
    };
    let mut a = log.clone();
    event(&mut a, [1; 32]);
    let mut b = log;
    event(&mut b, [2; 32]);
    let (pa, na) = replay(&a).unwrap();
    let (pb, _) = replay(&b).unwrap();
    assert_eq!(na, 1);
    let mut h = Sha256::new();
    h.update([0u8; 32]);
    h.update([1u8; 32]);
    assert_eq!(pa[&0][..], h.finalize()[..]);
    assert_ne!(pa[&0], pb[&0]);
    assert!(
        replay(&a[..a.len() - 3]).is_err(),
        "a truncated log is an error"
    );
}
