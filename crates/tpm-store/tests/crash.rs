//! Crash safety of the dir backend: a writer process is SIGKILLed at random points; afterwards
//! `tpm2-00.permall` is always one complete, authenticated version (old or new), never a mix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::process::Command;
use std::time::Duration;

use tpm_store::{DirStore, StateKey, StateName, TpmVersion};

const CHILD_ENV: &str = "TPM_STORE_CRASH_CHILD_DIR";

fn key() -> StateKey {
    StateKey::Aes256([0x42; 32])
}

/// Version `n` of the image: large enough that writes take a while, tagged by its first bytes.
fn image(n: u32) -> Vec<u8> {
    let mut v = n.to_be_bytes().to_vec();
    v.resize(256 * 1024 + (n as usize % 7) * 1000, (n % 251) as u8);
    v
}

#[test]
fn crash_child_writer() {
    // Runs only as the child of `killed_writers_leave_a_complete_file`.
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let s = DirStore::new(dir, TpmVersion::Tpm2, None);
    let k = key();
    for n in 1u32.. {
        s.store(StateName::Permanent, &image(n), Some(&k)).unwrap();
    }
}

#[test]
fn killed_writers_leave_a_complete_file() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let s = DirStore::new(d.path(), TpmVersion::Tpm2, None);
    s.store(StateName::Permanent, &image(0), Some(&key()))
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seen_new = 0;
    for round in 0..12u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_writer",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, d.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Pseudo-random kill points between 5 and 120 ms.
        let ms = 5 + (round * 37 + 11) % 115;
        std::thread::sleep(Duration::from_millis(ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let img = s.load(StateName::Permanent, Some(&key())).unwrap().unwrap();
        let n = u32::from_be_bytes(img[..4].try_into().unwrap());
        assert_eq!(&img[..], &image(n)[..], "round {round}: a complete version");
        if n > 0 {
            seen_new += 1;
        }
    }
    assert!(
        seen_new > 0,
        "the writer never completed a write; the test proved nothing"
    );
}
