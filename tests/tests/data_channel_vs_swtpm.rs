//! The data channel's answers to bad and borderline input, ours against the Debian swtpm
//! (0.7.1) with the same command line: frames around the buffer size set with
//! CMD_SET_BUFFERSIZE, short and lying size fields, a client that disconnects mid-frame
//! (the next client is served), a client that connects and sends nothing while another one
//! works.
//!
//! Known, intended difference: a frame larger than the buffer gets TPM_RC_COMMAND_SIZE from
//! both; swtpm then parses whatever followed in its 4096-byte read as a new command, we drop
//! the connection instead (the rest of an oversized frame is not a command).

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin, swtpm_present};

struct Daemon {
    child: Child,
    data: PathBuf,
    ctrl: PathBuf,
    _dir: TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(bin: &Path, tag: &str) -> Daemon {
    let dir = TempDir::new(tag);
    let data = dir.0.join("data");
    let ctrl = dir.0.join("ctrl");
    let child = Command::new(bin)
        .args(["socket", "--tpm2", "--tpmstate"])
        .arg(format!("dir={}", dir.0.display()))
        .arg("--server")
        .arg(format!("type=unixio,path={}", data.display()))
        .arg("--ctrl")
        .arg(format!("type=unixio,path={}", ctrl.display()))
        .args(["--flags", "not-need-init,startup-clear"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(data.exists() && ctrl.exists()) {
        assert!(Instant::now() < deadline, "{tag}: daemon did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    Daemon {
        child,
        data,
        ctrl,
        _dir: dir,
    }
}

impl Daemon {
    fn ioctl(&self, args: &[&str]) -> String {
        let out = Command::new("swtpm_ioctl")
            .arg("--unix")
            .arg(&self.ctrl)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "swtpm_ioctl {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    fn connect(&self) -> UnixStream {
        let s = UnixStream::connect(&self.data).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        s
    }
}

/// One TPM response from `s`, or `None` if the server closed or said nothing in time.
fn response(s: &mut UnixStream) -> Option<Vec<u8>> {
    let mut hdr = [0u8; 10];
    s.read_exact(&mut hdr).ok()?;
    let size = u32::from_be_bytes(hdr[2..6].try_into().unwrap()) as usize;
    let mut rest = vec![0u8; size.checked_sub(10)?];
    s.read_exact(&mut rest).ok()?;
    let mut v = hdr.to_vec();
    v.extend(rest);
    Some(v)
}

/// A GetRandom(8) frame padded to `total` bytes with a size field of `size_field`.
fn frame(total: usize, size_field: u32) -> Vec<u8> {
    let mut f = Vec::with_capacity(total);
    f.extend_from_slice(&0x8001u16.to_be_bytes());
    f.extend_from_slice(&size_field.to_be_bytes());
    f.extend_from_slice(&0x17bu32.to_be_bytes());
    f.extend_from_slice(&8u16.to_be_bytes());
    f.resize(total, 0);
    f
}

/// What a fresh connection gets for `bytes` (first response only; the rest may differ,
/// see the module doc).
fn first_answer(d: &Daemon, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut s = d.connect();
    s.write_all(bytes).unwrap();
    response(&mut s).map(|r| {
        // GetRandom's bytes are random; keep the header.
        r[..10].to_vec()
    })
}

fn both() -> Option<(Daemon, Daemon)> {
    if !swtpm_present() {
        return None;
    }
    let theirs = start(Path::new("swtpm"), "data-theirs");
    let ours = start(&our_bin("swtpm"), "data-ours");
    Some((theirs, ours))
}

#[test]
fn frames_around_the_buffer_size() {
    let Some((theirs, ours)) = both() else { return };
    for d in [&theirs, &ours] {
        d.ioctl(&["--stop"]);
        assert!(
            d.ioctl(&["-b", "3000"])
                .starts_with("TPM buffersize: 3000\n")
        );
        d.ioctl(&["-i"]);
    }
    for n in [12usize, 2990, 3000, 3001, 3500, 4096, 4097, 5000] {
        let f = frame(n, u32::try_from(n).unwrap());
        assert_eq!(
            first_answer(&ours, &f),
            first_answer(&theirs, &f),
            "frame of {n} bytes with buffer size 3000"
        );
    }
    // The buffer size is in force until the next SET_BUFFERSIZE.
    for d in [&theirs, &ours] {
        assert!(d.ioctl(&["-b", "0"]).starts_with("TPM buffersize: 3000\n"));
    }
}

#[test]
fn size_fields_that_lie() {
    let Some((theirs, ours)) = both() else { return };
    // Size field below the header, zero, larger than what is sent (then the client closes
    // its side), and a header alone.
    let cases: Vec<(Vec<u8>, bool)> = vec![
        (frame(12, 9), false),
        (frame(12, 0), false),
        (frame(12, 0xffff_ffff), false),
        (frame(10, 10), false),
        (frame(12, 64), true),
    ];
    for (bytes, half_close) in cases {
        let mut answers = Vec::new();
        for d in [&theirs, &ours] {
            let mut s = d.connect();
            s.write_all(&bytes).unwrap();
            if half_close {
                s.shutdown(std::net::Shutdown::Write).unwrap();
            }
            answers.push(response(&mut s).map(|r| r[..10].to_vec()));
        }
        assert_eq!(
            answers[1], answers[0],
            "{bytes:02x?} half_close={half_close}"
        );
        // Both still serve the next client.
        for d in [&theirs, &ours] {
            let mut s = d.connect();
            s.write_all(&frame(12, 12)).unwrap();
            let r = response(&mut s).expect("next client served");
            assert_eq!(&r[6..10], &[0, 0, 0, 0]);
        }
    }
}

#[test]
fn a_silent_client_does_not_block_the_control_channel() {
    let Some((theirs, ours)) = both() else { return };
    for d in [&theirs, &ours] {
        let _silent = d.connect();
        let _half = {
            let mut s = d.connect();
            s.write_all(&frame(12, 12)[..5]).unwrap();
            s
        };
        // The control channel answers while data clients stall.
        assert!(d.ioctl(&["-e"]).starts_with("tpmEstablished is"));
        assert!(d.ioctl(&["-c"]).starts_with("ptm capability is 0x"));
    }
}
