//! A state directory that runs out of space (a small tmpfs, filled up): the change that
//! cannot be written is not acknowledged (TPM_RC_FAILURE), one clear log line says why, the
//! TPM stays in failure mode instead of carrying on with a state the disk does not have (as
//! libtpms after a failed NvCommit), the files on disk are the last durable state, untorn,
//! and CMD_INIT after space was freed brings the TPM back with exactly that state.
//!
//! Needs root to mount the tmpfs (CI runs as root); otherwise the test says so and checks
//! nothing.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin};

struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn transact(path: &Path, cmd: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(path).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
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

/// TPM2_HierarchyChangeAuth(owner) from `old` to `new` with a password session.
fn change_owner_auth(old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut auth = vec![0x40, 0, 0, 9, 0, 0, 0];
    auth.extend_from_slice(&u16::try_from(old.len()).unwrap().to_be_bytes());
    auth.extend_from_slice(old);
    let mut c = vec![0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x29, 0x40, 0, 0, 1];
    c.extend_from_slice(&u32::try_from(auth.len()).unwrap().to_be_bytes());
    c.extend_from_slice(&auth);
    c.extend_from_slice(&u16::try_from(new.len()).unwrap().to_be_bytes());
    c.extend_from_slice(new);
    let n = u32::try_from(c.len()).unwrap().to_be_bytes();
    c[2..6].copy_from_slice(&n);
    c
}

const STARTUP_CLEAR: [u8; 12] = [0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0];
const GET_RANDOM_8: [u8; 12] = [0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8];
const TPM_RC_FAILURE: u32 = 0x101;

#[test]
fn a_full_disk_fails_the_change_and_init_recovers() {
    if !rustix::process::geteuid().is_root() {
        println!("SKIPPED: mounting a tmpfs needs root");
        return;
    }
    let dir = TempDir::new("diskfull");
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&state)
        .status()
        .unwrap();
    assert!(st.success(), "mount tmpfs");
    let _m = Mount(state.clone());
    let data = dir.0.join("data");
    let ctrl = dir.0.join("ctrl");
    let log = dir.0.join("log");
    let mut child = Command::new(our_bin("swtpm"))
        .args(["socket", "--tpm2", "--tpmstate"])
        .arg(format!("dir={}", state.display()))
        .arg("--server")
        .arg(format!("type=unixio,path={}", data.display()))
        .arg("--ctrl")
        .arg(format!("type=unixio,path={}", ctrl.display()))
        .arg("--log")
        .arg(format!("file={}", log.display()))
        .args(["--flags", "not-need-init,startup-clear"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(data.exists() && ctrl.exists()) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(rc(&transact(&data, &change_owner_auth(b"", b"one"))), 0);
    let durable = std::fs::read(state.join("tpm2-00.permall")).unwrap();

    // Fill the file system to the last byte.
    let filler = state.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = [0u8; 4096];
        while f.write_all(&block).is_ok() {}
        while f.write_all(&[0]).is_ok() {}
    }

    let r = transact(&data, &change_owner_auth(b"one", b"two"));
    assert_eq!(
        rc(&r),
        TPM_RC_FAILURE,
        "an unwritable change was acknowledged"
    );
    // Failure mode: nothing else runs on a state the disk does not have.
    assert_eq!(rc(&transact(&data, &GET_RANDOM_8)), TPM_RC_FAILURE);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("Could not write the TPM state"),
        "no clear log line: {text}"
    );
    assert_eq!(
        std::fs::read(state.join("tpm2-00.permall")).unwrap(),
        durable,
        "the durable state was touched"
    );
    let leftovers: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "filler" && n != "tpm2-00.permall" && n != ".lock")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // Space again; a VM reset (CMD_INIT) reloads the last durable state.
    std::fs::remove_file(&filler).unwrap();
    let out = Command::new("swtpm_ioctl")
        .arg("--unix")
        .arg(&ctrl)
        .arg("-i")
        .output()
        .unwrap();
    assert!(out.status.success(), "INIT: {out:?}");
    assert_eq!(rc(&transact(&data, &STARTUP_CLEAR)), 0);
    assert_eq!(
        rc(&transact(&data, &change_owner_auth(b"one", b"three"))),
        0,
        "the owner auth is not the last acknowledged one"
    );
    let _ = child.kill();
    let _ = child.wait();
}
