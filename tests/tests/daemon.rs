//! daemon: our `swtpm` binary (crate ferrotpm) driven by real clients: tpm2-tools through the
//! tpm2-tss swtpm TCTI (TCP data + control ports), Debian's `swtpm_ioctl` on the control
//! channel, Unix sockets, a restart on the same state directory, and a stalled data client.
//!
//! Finding the binary: cargo sets `CARGO_BIN_EXE_swtpm` only for tests of the package that
//! owns the binary, and this package does not. So the test runs
//! `cargo build -p ferrotpm --bin swtpm` itself (a no-op when up to date), into the same
//! target directory and profile as this test executable (`<target>/<profile>/deps/daemon-*`
//! → `<target>/<profile>/swtpm`). `FERROTPM_SWTPM_BIN=/path/to/swtpm` skips the build.
//!
//! Needs tpm2-tools and `swtpm_ioctl`; without them the test fails unless
//! FERROTPM_SKIP_SWTPM=1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `true` if the test may run; panics with a clear message if tools are missing.
fn tools_present() -> bool {
    let missing: Vec<&str> = ["tpm2_getrandom", "tpm2_pcrread", "swtpm_ioctl"]
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
        "missing {missing:?}: install tpm2-tools and swtpm-tools (or set FERROTPM_SKIP_SWTPM=1 to skip this test)"
    );
}

/// Our `swtpm`, built once per test run.
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

/// Two free consecutive loopback ports.
fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        if p < 65000 && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no free port pair");
}

struct Swtpm {
    child: Child,
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Swtpm {
    fn spawn(args: &[String]) -> Swtpm {
        let child = Command::new(swtpm_bin())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn swtpm");
        Swtpm { child }
    }

    /// Wait for the process to end by itself (CMD_SHUTDOWN, terminate).
    fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let end = Instant::now() + within;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < end, "swtpm did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn wait_tcp(port: u16) {
    let end = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_path(p: &Path) {
    let end = Instant::now() + Duration::from_secs(10);
    while !p.exists() {
        assert!(Instant::now() < end, "{} never appeared", p.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn tcp_args(dir: &Path, port: u16, flags: &str) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "socket".into(),
        "--tpm2".into(),
        "--tpmstate".into(),
        format!("dir={}", dir.display()),
        "--server".into(),
        format!("type=tcp,port={port},bindaddr=127.0.0.1"),
        "--ctrl".into(),
        format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1),
    ];
    if !flags.is_empty() {
        v.push("--flags".into());
        v.push(flags.into());
    }
    v
}

fn run(tool: &str, args: &[&str]) -> Output {
    Command::new(tool).args(args).output().expect(tool)
}

fn ok(tool: &str, args: &[&str]) -> String {
    let out = run(tool, args);
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tcti(port: u16) -> String {
    format!("swtpm:host=127.0.0.1,port={port}")
}

/// The PCR 0 sha256 line of tpm2_pcrread output.
fn pcr0(text: &str) -> String {
    text.lines()
        .find(|l| l.trim_start().starts_with("0 :"))
        .unwrap_or_else(|| panic!("no PCR 0 in {text}"))
        .trim()
        .to_string()
}

const EXTEND: &str = "0:sha256=0101010101010101010101010101010101010101010101010101010101010101";

#[test]
fn tpm2_tools_over_tcp_and_restart() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let t = tcti(port);
    let ctrl = format!("127.0.0.1:{}", port + 1);
    let mut tpm = Swtpm::spawn(&tcp_args(dir.path(), port, "not-need-init,startup-clear"));
    wait_tcp(port + 1);

    let rnd = ok("tpm2_getrandom", &["-T", &t, "16", "--hex"]);
    assert_eq!(rnd.trim().len(), 32, "{rnd}");
    let before = ok("tpm2_pcrread", &["-T", &t, "sha256:0,1"]);
    assert!(pcr0(&before).ends_with(&"0".repeat(64)), "{before}");
    ok("tpm2_pcrextend", &["-T", &t, EXTEND]);
    let after = ok("tpm2_pcrread", &["-T", &t, "sha256:0,1"]);
    assert_ne!(pcr0(&before), pcr0(&after));
    let fixed = ok("tpm2_getcap", &["-T", &t, "properties-fixed"]);
    assert!(fixed.contains("TPM2_PT_FAMILY_INDICATOR"), "{fixed}");
    let pcrs = ok("tpm2_getcap", &["-T", &t, "pcrs"]);
    assert!(pcrs.contains("sha256"), "{pcrs}");
    let cmds = ok("tpm2_getcap", &["-T", &t, "commands"]);
    assert!(cmds.contains("TPM2_CC_Startup"), "{cmds}");
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"abc").unwrap();
    let h = ok(
        "tpm2_hash",
        &["-T", &t, "-g", "sha256", "--hex", data.to_str().unwrap()],
    );
    assert!(
        h.contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        "{h}"
    );
    ok("tpm2_readclock", &["-T", &t]);
    ok("tpm2_selftest", &["-T", &t, "--fulltest"]);
    // TPM2_Startup again: TPM_RC_INITIALIZE, which tpm2_startup reports as success.
    let st = run("tpm2_startup", &["-T", &t, "-c"]);
    let st_text = format!(
        "{}{}",
        String::from_utf8_lossy(&st.stdout),
        String::from_utf8_lossy(&st.stderr)
    );
    assert!(
        st.status.success() || st_text.contains("0x100") || st_text.contains("INITIALIZE"),
        "{st_text}"
    );

    // The control channel with Debian's swtpm_ioctl.
    let caps = ok("swtpm_ioctl", &["--tcp", &ctrl, "-c"]);
    assert_eq!(caps.trim(), "ptm capability is 0x1ffff");
    let est = ok("swtpm_ioctl", &["--tcp", &ctrl, "-e"]);
    assert!(est.starts_with("tpmEstablished is "), "{est}");
    let info = ok("swtpm_ioctl", &["--tcp", &ctrl, "--info", "1"]);
    assert!(info.contains("\"family\":\"2.0\""), "{info}");
    let blob = dir.path().join("perm.blob");
    ok(
        "swtpm_ioctl",
        &[
            "--tcp",
            &ctrl,
            "--save",
            "permanent",
            blob.to_str().unwrap(),
        ],
    );
    let perm_file = std::fs::read(dir.path().join("tpm2-00.permall")).unwrap();
    // A plain migration blob is the stored file plus one 6-byte TLV header.
    assert_eq!(
        std::fs::metadata(&blob).unwrap().len() as usize,
        perm_file.len() + 6
    );

    // Shutdown(STATE), stop through the control channel: the state must survive.
    ok("tpm2_shutdown", &["-T", &t]);
    ok("swtpm_ioctl", &["--tcp", &ctrl, "-s"]);
    assert!(tpm.wait_exit(Duration::from_secs(10)).success());
    drop(tpm);

    let port2 = free_port_pair();
    let t2 = tcti(port2);
    let mut tpm2 = Swtpm::spawn(&tcp_args(dir.path(), port2, "not-need-init"));
    wait_tcp(port2 + 1);
    ok("tpm2_startup", &["-T", &t2]);
    let resumed = ok("tpm2_pcrread", &["-T", &t2, "sha256:0"]);
    assert_eq!(pcr0(&resumed), pcr0(&after), "PCR 0 after Startup(STATE)");
    ok(
        "swtpm_ioctl",
        &["--tcp", &format!("127.0.0.1:{}", port2 + 1), "-s"],
    );
    assert!(tpm2.wait_exit(Duration::from_secs(10)).success());
}

#[test]
fn init_over_unix_ctrl_and_stalled_data_client() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ctrl_path = dir.path().join("ctrl.sock");
    let data_path = dir.path().join("data.sock");
    let mut tpm = Swtpm::spawn(&[
        "socket".into(),
        "--tpm2".into(),
        "--tpmstate".into(),
        format!("dir={},mode=0600", dir.path().display()),
        "--ctrl".into(),
        format!("type=unixio,path={},mode=0600", ctrl_path.display()),
        "--server".into(),
        format!("type=unixio,path={}", data_path.display()),
    ]);
    wait_path(&ctrl_path);
    wait_path(&data_path);
    let c = ctrl_path.to_str().unwrap();

    // Before INIT: the 10-byte fatal response QEMU's version probe reads (swtpm-interface §5.2).
    let mut data = UnixStream::connect(&data_path).unwrap();
    data.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    data.write_all(&[0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x81])
        .unwrap();
    let mut rsp = [0u8; 10];
    data.read_exact(&mut rsp).unwrap();
    assert_eq!(rsp, [0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x01]);

    // A stalled data client: half a header, then silence. Control commands still work.
    data.write_all(&[0x80, 0x01, 0, 0]).unwrap();
    ok("swtpm_ioctl", &["--unix", c, "-i"]);
    let caps = ok("swtpm_ioctl", &["--unix", c, "-c"]);
    assert_eq!(caps.trim(), "ptm capability is 0x1ffff");
    ok("swtpm_ioctl", &["--unix", c, "-e"]);
    let bs = ok("swtpm_ioctl", &["--unix", c, "-b", "0"]);
    assert!(bs.contains("TPM buffersize: 4096"), "{bs}");
    // The stalled client finishes its command: TPM2_Startup(CLEAR).
    data.write_all(&[0, 0x0c, 0, 0, 0x01, 0x44, 0, 0]).unwrap();
    data.read_exact(&mut rsp).unwrap();
    assert_eq!(rsp, [0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0]);
    ok("swtpm_ioctl", &["--unix", c, "-v"]);
    assert!(dir.path().join("tpm2-00.volatilestate").exists());
    let perm = std::fs::metadata(dir.path().join("tpm2-00.permall")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(perm.permissions().mode() & 0o777, 0o600);
    ok("swtpm_ioctl", &["--unix", c, "--stop"]);
    ok("swtpm_ioctl", &["--unix", c, "-s"]);
    assert!(tpm.wait_exit(Duration::from_secs(10)).success());
    assert!(!ctrl_path.exists(), "control socket path removed at exit");
}

#[test]
fn refusals_and_print_outputs() {
    let out = Command::new(swtpm_bin())
        .args(["socket", "--tpmstate", "dir=/nonexistent"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "swtpm: TPM 1.2 is not supported by this build"
    );
    let out = Command::new(swtpm_bin())
        .args(["socket", "--tpm2", "--print-capabilities"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let caps = String::from_utf8_lossy(&out.stdout);
    assert!(
        caps.starts_with("{ \"type\": \"swtpm\", \"features\": [ \"tpm-2.0\""),
        "{caps}"
    );
    assert!(!caps.contains("tpm-1.2"));
    let out = Command::new(swtpm_bin()).arg("-v").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("TPM emulator version "));
    let out = Command::new(swtpm_bin())
        .args(["socket", "--tpm2", "--pcap", "file=/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'--pcap'"));
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(swtpm_bin())
        .args(["socket", "--tpm2", "--print-states", "--tpmstate"])
        .arg(format!("backend-uri=dir://{}", dir.path().display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{ \"type\": \"swtpm\", \"states\": [] }"
    );
}

/// A state directory written by the Debian swtpm (libtpms format) is never overwritten: our
/// daemon refuses to start with a clear message and leaves the files as they were.
#[test]
fn refuses_to_start_over_libtpms_state() {
    if !tools_present() || !have("swtpm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    // The Debian swtpm creates its permanent state, then stops.
    let mut child = Command::new("swtpm")
        .args(tcp_args(dir.path(), port, "not-need-init,startup-clear"))
        .spawn()
        .unwrap();
    wait_tcp(port + 1);
    let ctrl = format!("127.0.0.1:{}", port + 1);
    ok("swtpm_ioctl", &["--tcp", &ctrl, "-s"]);
    let _ = child.wait();
    let permall = dir.path().join("tpm2-00.permall");
    let before = std::fs::read(&permall).unwrap();

    let port = free_port_pair();
    let out = Command::new(swtpm_bin())
        .args(tcp_args(dir.path(), port, "not-need-init,startup-clear"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "started over libtpms state");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("swtpm/libtpms state"), "{err}");
    assert_eq!(
        std::fs::read(&permall).unwrap(),
        before,
        "the state file changed"
    );
}
