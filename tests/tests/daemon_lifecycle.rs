//! Process life cycle of our `swtpm` as operators and libvirt see it: SIGTERM (the command
//! in progress finishes, the automatic TPM2_Shutdown(STATE) is sent, pid file and sockets
//! are removed, exit status 0 — as swtpm 0.8+ does), and the same for a daemon that serves
//! a client at that moment.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin};

struct Daemon {
    child: Child,
    data: PathBuf,
    ctrl: PathBuf,
    pid: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, flags: &str) -> Daemon {
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let data = dir.join("data.sock");
    let ctrl = dir.join("ctrl.sock");
    let pid = dir.join("swtpm.pid");
    let child = Command::new(our_bin("swtpm"))
        .args(["socket", "--tpm2"])
        .arg("--tpmstate")
        .arg(format!("dir={}", state.display()))
        .arg("--server")
        .arg(format!("type=unixio,path={}", data.display()))
        .arg("--ctrl")
        .arg(format!("type=unixio,path={}", ctrl.display()))
        .arg("--pid")
        .arg(format!("file={}", pid.display()))
        .arg("--log")
        .arg(format!("file={},level=20", dir.join("log").display()))
        .args(["--flags", flags])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(data.exists() && ctrl.exists() && pid.exists()) {
        assert!(Instant::now() < deadline, "swtpm did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    Daemon {
        child,
        data,
        ctrl,
        pid,
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

fn rc(rsp: &[u8]) -> u32 {
    u32::from_be_bytes(rsp[6..10].try_into().unwrap())
}

fn pcr_extend_10(digest: [u8; 32]) -> Vec<u8> {
    let mut c = vec![
        0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, 0, 0, 0, 10, 0, 0, 0, 9,
    ];
    c.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0x0b]);
    c.extend_from_slice(&digest);
    assert_eq!(c.len(), 65);
    c
}

/// PCR_Read of sha256 PCR 10 (preserved by Shutdown(STATE); PCR 16 is not): returns the
/// digest.
fn pcr_read_10(s: &mut UnixStream) -> Vec<u8> {
    let cmd = [
        0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0, 0x0b, 3, 0, 4, 0,
    ];
    let r = transact(s, &cmd);
    assert_eq!(rc(&r), 0, "PCR_Read: {r:02x?}");
    // header 10, updateCounter 4, pcrSelectionOut 4+2+1+3, count 4, size 2, digest
    r[30..62].to_vec()
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        assert!(Instant::now() < deadline, "swtpm did not exit");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn sigterm(child: &Child) {
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn sigterm_persists_state_and_cleans_up() {
    let dir = TempDir::new("sigterm");
    let mut d = start(&dir.0, "not-need-init,startup-clear");
    let pid: u32 = std::fs::read_to_string(&d.pid)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, d.child.id(), "pid file names the daemon");
    let mut s = UnixStream::connect(&d.data).unwrap();
    let r = transact(&mut s, &pcr_extend_10([0x11; 32]));
    assert_eq!(rc(&r), 0);
    let extended = pcr_read_10(&mut s);
    assert_ne!(extended, vec![0u8; 32]);
    // A client is connected and idle when SIGTERM comes.
    sigterm(&d.child);
    let st = wait_exit(&mut d.child);
    assert!(st.success(), "exit status after SIGTERM: {st}");
    assert!(!d.pid.exists(), "pid file left behind");
    assert!(
        !d.data.exists() && !d.ctrl.exists(),
        "socket paths left behind"
    );
    drop(s);

    // The automatic TPM2_Shutdown(STATE) ran: Startup(STATE) resumes PCR 10.
    let mut d2 = start(&dir.0, "not-need-init,startup-state");
    let mut s = UnixStream::connect(&d2.data).unwrap();
    assert_eq!(
        pcr_read_10(&mut s),
        extended,
        "PCR 10 not resumed: no TPM2_Shutdown(STATE) on SIGTERM"
    );
    sigterm(&d2.child);
    assert!(wait_exit(&mut d2.child).success());
}

#[test]
fn sigterm_without_tpm_running_exits_cleanly() {
    // Before CMD_INIT the TPM is not running: nothing to shut down, still a clean exit.
    let dir = TempDir::new("sigterm-noinit");
    let mut d = Daemon {
        child: Command::new(our_bin("swtpm"))
            .args(["socket", "--tpm2", "--tpmstate"])
            .arg(format!("dir={}", dir.0.display()))
            .arg("--ctrl")
            .arg(format!("type=unixio,path={}", dir.0.join("c").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        data: dir.0.join("none"),
        ctrl: dir.0.join("c"),
        pid: dir.0.join("none.pid"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !d.ctrl.exists() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    sigterm(&d.child);
    assert!(wait_exit(&mut d.child).success());
    assert!(!d.ctrl.exists());
    assert!(
        !dir.0.join("tpm2-00.permall").exists(),
        "no state is created by a TPM that never ran"
    );
}
