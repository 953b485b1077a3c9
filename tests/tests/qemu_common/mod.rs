//! Shared by the QEMU tests (qemu_boot, qemu_migration): the guest assets (a Debian kernel
//! fetched by `scripts/qemu-assets`, the host's static busybox, SeaBIOS and OVMF), a newc cpio
//! writer for the initramfs built at test time, our `swtpm` started exactly as libvirt 9.0
//! starts it, QEMU's command line for the TPM, and a parser + replayer for the TCG crypto-agile
//! firmware event log.
//!
//! It is not a general VM harness: one serial console, no network, no disks. Skipped only when
//! FERROTPM_SKIP_QEMU=1 is set; a missing asset is otherwise a test failure.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

pub const QEMU: &str = "qemu-system-x86_64";
pub const SEABIOS: &str = "/usr/share/seabios/bios-256k.bin";
pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";
pub const BUSYBOX: &str = "/bin/busybox";
/// Kernel command line: serial console, as quiet as possible, power off on panic.
pub const APPEND: &str = "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off";
/// The limit for one boot (the issue's budget is 2 minutes).
pub const BOOT_LIMIT: Duration = Duration::from_secs(120);

/// `false` (with a line on stdout) when FERROTPM_SKIP_QEMU=1; else `true`.
pub fn qemu_enabled() -> bool {
    if std::env::var("FERROTPM_SKIP_QEMU").as_deref() == Ok("1") {
        println!("SKIPPED: FERROTPM_SKIP_QEMU=1");
        return false;
    }
    true
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The guest kernel and the TPM driver modules it needs (empty when built in).
pub struct Assets {
    pub kernel: PathBuf,
    pub modules: Vec<PathBuf>,
}

/// Checks the host tools and fetches (or finds cached) the kernel through
/// `scripts/qemu-assets`. Panics with what to install when something is missing.
pub fn assets() -> &'static Assets {
    static A: OnceLock<Assets> = OnceLock::new();
    A.get_or_init(|| {
        let mut missing = Vec::new();
        if !have(QEMU) {
            missing.push("qemu-system-x86 (qemu-system-x86_64)".to_string());
        }
        for (f, pkg) in [
            (SEABIOS, "seabios"),
            (OVMF_CODE, "ovmf"),
            (OVMF_VARS, "ovmf"),
            (BUSYBOX, "busybox-static"),
        ] {
            if !Path::new(f).exists() {
                missing.push(format!("{pkg} ({f})"));
            }
        }
        assert!(
            missing.is_empty(),
            "QEMU test assets missing: {missing:?}. Install them (scripts/test-all does, as root) \
             or set FERROTPM_SKIP_QEMU=1 to skip the QEMU tests"
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/qemu-assets");
        let out = Command::new(&script)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "scripts/qemu-assets failed (it fetches the Debian kernel with apt-get download); \
             set FERROTPM_SKIP_QEMU=1 to skip the QEMU tests"
        );
        let dir = PathBuf::from(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .last()
                .expect("scripts/qemu-assets printed no directory")
                .trim(),
        );
        let kernel = dir.join("vmlinuz");
        assert!(kernel.exists(), "{} missing", kernel.display());
        let mut modules: Vec<PathBuf> = std::fs::read_dir(dir.join("modules"))
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        // Load order: the core before the interface drivers.
        modules.sort_by_key(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            (
                match n.as_str() {
                    "tpm.ko" => 0,
                    "tpm_tis_core.ko" => 1,
                    _ => 2,
                },
                n,
            )
        });
        Assets { kernel, modules }
    })
}

/// Our `swtpm`, built once per test run into this test's target dir and profile
/// (`FERROTPM_SWTPM_BIN` overrides it).
pub fn swtpm_bin() -> PathBuf {
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
        let st = cmd
            .status()
            .expect("running cargo build for the swtpm binary");
        assert!(st.success(), "cargo build -p ferrotpm --bin swtpm failed");
        let bin = profile_dir.join("swtpm");
        assert!(bin.exists(), "{} missing after the build", bin.display());
        bin
    })
    .clone()
}

// ---------------------------------------------------------------------------------------
// newc cpio
// ---------------------------------------------------------------------------------------

/// A newc ("070701") cpio archive, the format the kernel unpacks as initramfs.
pub struct Cpio {
    buf: Vec<u8>,
    ino: u32,
}

impl Cpio {
    pub fn new() -> Cpio {
        Cpio {
            buf: Vec::new(),
            ino: 1,
        }
    }

    fn pad4(&mut self) {
        while self.buf.len() % 4 != 0 {
            self.buf.push(0);
        }
    }

    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        let fields = [
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            u32::try_from(data.len()).unwrap(),
            0,
            0,
            rdev.0,
            rdev.1,
            u32::try_from(name.len() + 1).unwrap(),
            0,
        ];
        self.ino += 1;
        self.buf.extend_from_slice(b"070701");
        for f in fields {
            self.buf.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(0);
        self.pad4();
        self.buf.extend_from_slice(data);
        self.pad4();
    }

    pub fn dir(&mut self, name: &str) {
        self.entry(name, 0o040_755, (0, 0), &[]);
    }

    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.entry(name, 0o100_000 | mode, (0, 0), data);
    }

    pub fn char_dev(&mut self, name: &str, major: u32, minor: u32) {
        self.entry(name, 0o020_600, (major, minor), &[]);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        while self.buf.len() % 512 != 0 {
            self.buf.push(0);
        }
        self.buf
    }
}

/// Shell lines every guest /init starts with: busybox applets, the pseudo file systems, the
/// TPM driver modules when they are not built in.
pub const INIT_PRELUDE: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
for m in /lib/modules/*.ko; do [ -e "$m" ] && insmod "$m"; done
t=/sys/class/tpm/tpm0
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e $t/tpm_version_major ] && break; sleep 1; done
"#;

/// An initramfs with the host's static busybox, the TPM modules and `init` as /init.
pub fn initramfs(init: &str) -> Vec<u8> {
    let a = assets();
    let mut c = Cpio::new();
    for d in ["bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"] {
        c.dir(d);
    }
    c.char_dev("dev/console", 5, 1);
    c.file("bin/busybox", 0o755, &std::fs::read(BUSYBOX).unwrap());
    for m in &a.modules {
        let name = format!("lib/modules/{}", m.file_name().unwrap().to_string_lossy());
        c.file(&name, 0o644, &std::fs::read(m).unwrap());
    }
    c.file("init", 0o755, init.as_bytes());
    c.finish()
}

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

/// A child killed (and reaped) on drop, so a failing test leaves no QEMU or swtpm behind.
pub struct Proc(pub Child, pub &'static str);

impl Proc {
    /// Waits up to `limit` for the exit; kills it and panics past that.
    pub fn wait_within(&mut self, limit: Duration, what: &str) -> std::process::ExitStatus {
        let t0 = Instant::now();
        loop {
            if let Some(st) = self.0.try_wait().unwrap() {
                return st;
            }
            if t0.elapsed() > limit {
                let _ = self.0.kill();
                let _ = self.0.wait();
                panic!("{} did not finish {what} within {limit:?}; killed", self.1);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Waits until `p` exists (a socket the daemon creates).
pub fn wait_path(p: &Path, who: &mut Proc) {
    let t0 = Instant::now();
    while !p.exists() {
        if let Some(st) = who.0.try_wait().unwrap() {
            panic!("{} exited ({st}) before creating {}", who.1, p.display());
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{} not created",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `swtpm socket` with libvirt 9.0's exact command line for a TPM 2.0 (no --flags, no
/// --server: QEMU hands the data channel over with CMD_SET_DATAFD), plus `extra`.
pub fn start_swtpm(bin: &Path, sock: &Path, state: &Path, log: &Path, extra: &[&str]) -> Proc {
    let mut cmd = Command::new(bin);
    cmd.arg("socket")
        .arg("--ctrl")
        .arg(format!("type=unixio,path={},mode=0600", sock.display()))
        .arg("--tpmstate")
        .arg(format!("dir={},mode=0600", state.display()))
        .arg("--log")
        .arg(format!("file={}", log.display()))
        .arg("--terminate")
        .arg("--tpm2")
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let mut p = Proc(cmd.spawn().expect("spawning swtpm"), "swtpm");
    wait_path(sock, &mut p);
    p
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    SeaBios,
    Ovmf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TpmDev {
    Tis,
    Crb,
}

/// QEMU (TCG, no network, no default devices) booting `initrd` with the TPM emulator backend on
/// `sock`, as libvirt passes it. The caller adds the serial console and any monitor.
pub fn qemu_cmd(fw: Firmware, dev: TpmDev, dir: &Path, initrd: &Path, sock: &Path) -> Command {
    let mut cmd = Command::new(QEMU);
    cmd.args([
        "-accel",
        "tcg",
        "-nodefaults",
        "-display",
        "none",
        "-no-user-config",
    ])
    .args(["-m", "256", "-smp", "1", "-no-reboot"]);
    match fw {
        Firmware::SeaBios => {
            cmd.args(["-machine", "pc", "-bios", SEABIOS]);
        }
        Firmware::Ovmf => {
            let code = dir.join("OVMF_CODE.fd");
            let vars = dir.join("OVMF_VARS.fd");
            if !code.exists() {
                std::fs::copy(OVMF_CODE, &code).unwrap();
                std::fs::copy(OVMF_VARS, &vars).unwrap();
            }
            cmd.args(["-machine", "q35"])
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
    cmd.arg("-kernel")
        .arg(&assets().kernel)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", APPEND])
        .arg("-chardev")
        .arg(format!("socket,id=chrtpm,path={}", sock.display()))
        .args(["-tpmdev", "emulator,id=tpm-tpm0,chardev=chrtpm"])
        .arg("-device")
        .arg(match dev {
            TpmDev::Tis => "tpm-tis,tpmdev=tpm-tpm0,id=tpm0",
            TpmDev::Crb => "tpm-crb,tpmdev=tpm-tpm0,id=tpm0",
        })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Reads a child's stderr to a string (after it exited).
pub fn stderr_of(p: &mut Proc) -> String {
    let mut s = String::new();
    if let Some(mut e) = p.0.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

// ---------------------------------------------------------------------------------------
// TCG crypto-agile event log
// ---------------------------------------------------------------------------------------

pub const EV_NO_ACTION: u32 = 0x3;
pub const TPM_ALG_SHA256: u16 = 0x000b;

#[derive(Debug)]
pub struct Event {
    pub pcr: u32,
    pub event_type: u32,
    pub sha256: Option<[u8; 32]>,
    pub data: Vec<u8>,
}

struct Rd<'a>(&'a [u8], usize);

impl Rd<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.1.checked_add(n).ok_or("length overflow")?;
        let s = self.0.get(self.1..end).ok_or_else(|| {
            format!(
                "event log truncated at offset {} (wanted {n} bytes)",
                self.1
            )
        })?;
        self.1 = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
}

/// Parses a crypto-agile log: the SHA-1-format header event carrying "Spec ID Event03"
/// (TCG PC Client Platform Firmware Profile §10.4.5.1 TCG_EfiSpecIDEvent), then
/// TCG_PCR_EVENT2 records (§10.2.2) whose digest sizes come from the header.
pub fn parse_event_log(log: &[u8]) -> Result<Vec<Event>, String> {
    let mut r = Rd(log, 0);
    let pcr = r.u32()?;
    let ty = r.u32()?;
    r.take(20)?;
    let size = r.u32()? as usize;
    let spec = r.take(size)?.to_vec();
    if pcr != 0 || ty != EV_NO_ACTION || !spec.starts_with(b"Spec ID Event03\0") {
        return Err(format!(
            "no Spec ID Event03 header (pcr {pcr}, type {ty:#x})"
        ));
    }
    let mut s = Rd(&spec, 16);
    s.take(8)?; // platformClass, specVersionMinor/Major, specErrata, uintnSize
    let n = s.u32()?;
    let mut sizes = BTreeMap::new();
    for _ in 0..n {
        let alg = s.u16()?;
        let len = s.u16()?;
        sizes.insert(alg, len as usize);
    }
    if !sizes.contains_key(&TPM_ALG_SHA256) {
        return Err("log has no sha256 bank".into());
    }
    let mut out = Vec::new();
    while r.1 + 12 <= log.len() {
        let at = r.1;
        let pcr = r.u32()?;
        let ty = r.u32()?;
        let count = r.u32()?;
        if count == 0 && ty == 0 {
            break; // padding at the end of a fixed-size log area
        }
        let mut sha256 = None;
        for _ in 0..count {
            let alg = r.u16()?;
            let len = *sizes
                .get(&alg)
                .ok_or_else(|| format!("event at {at}: algorithm {alg:#x} not in the header"))?;
            let d = r.take(len)?;
            if alg == TPM_ALG_SHA256 {
                sha256 = Some(d.try_into().unwrap());
            }
        }
        let size = r.u32()? as usize;
        let data = r.take(size)?.to_vec();
        out.push(Event {
            pcr,
            event_type: ty,
            sha256,
            data,
        });
    }
    Ok(out)
}

/// Replays the sha256 digests: PCR_new = SHA256(PCR_old || digest), EV_NO_ACTION not
/// extended, PCR 0 starting at the locality a StartupLocality event names (PC Client PFP
/// §10.4.5.3), all other PCRs at zero. Only PCRs that appear in the log are returned.
pub fn replay(events: &[Event]) -> BTreeMap<u32, [u8; 32]> {
    let mut pcrs: BTreeMap<u32, [u8; 32]> = BTreeMap::new();
    for e in events {
        if e.event_type == EV_NO_ACTION {
            if e.pcr == 0 && e.data.starts_with(b"StartupLocality\0") && e.data.len() >= 17 {
                let mut init = [0u8; 32];
                init[31] = e.data[16];
                pcrs.insert(0, init);
            }
            continue;
        }
        let d = e.sha256.expect("event without a sha256 digest");
        let cur = pcrs.entry(e.pcr).or_insert([0u8; 32]);
        let mut h = Sha256::new();
        h.update(*cur);
        h.update(d);
        *cur = h.finalize().into();
    }
    pcrs
}
