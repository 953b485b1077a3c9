#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::blob::wrap_state;

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn names() {
    assert_eq!(
        file_name(TpmVersion::Tpm2, StateName::Permanent),
        "tpm2-00.permall"
    );
    assert_eq!(
        file_name(TpmVersion::Tpm2, StateName::Volatile),
        "tpm2-00.volatilestate"
    );
    assert_eq!(
        file_name(TpmVersion::Tpm12, StateName::SaveState),
        "tpm-00.savestate"
    );
    assert_eq!(
        temp_name(TpmVersion::Tpm2, StateName::Permanent),
        "TMP2-00.permall"
    );
    assert_eq!(
        temp_name(TpmVersion::Tpm12, StateName::Volatile),
        "TMP-00.volatilestate"
    );
}

#[test]
fn store_load_delete_and_modes() {
    let d = tempfile::tempdir().unwrap();
    let s = DirStore::new(d.path(), TpmVersion::Tpm2, None);
    assert!(s.load(StateName::Permanent, None).unwrap().is_none());
    s.store(StateName::Permanent, b"image", None).unwrap();
    assert_eq!(
        &s.load(StateName::Permanent, None).unwrap().unwrap()[..],
        b"image"
    );
    let p = d.path().join("tpm2-00.permall");
    assert_eq!(mode_of(&p) & !0o022, 0o640 & !0o022);
    assert!(!d.path().join("TMP2-00.permall").exists());
    // A file without owner-write gets it on load (swtpm file_read).
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o440)).unwrap();
    s.load_raw(StateName::Permanent).unwrap();
    assert_eq!(mode_of(&p), 0o640);
    assert!(s.delete(StateName::Permanent).unwrap());
    assert!(!s.delete(StateName::Permanent).unwrap());

    // Explicit mode: exact, whatever the umask; applied to existing files on load.
    let s = DirStore::new(d.path(), TpmVersion::Tpm2, Some(0o600));
    s.store(StateName::Volatile, b"v", None).unwrap();
    let v = d.path().join("tpm2-00.volatilestate");
    assert_eq!(mode_of(&v), 0o600);
    std::fs::set_permissions(&v, std::fs::Permissions::from_mode(0o644)).unwrap();
    s.load_raw(StateName::Volatile).unwrap();
    assert_eq!(mode_of(&v), 0o600);
}

#[test]
fn symlinks_refused_and_never_followed() {
    let d = tempfile::tempdir().unwrap();
    let victim = d.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let s = DirStore::new(d.path(), TpmVersion::Tpm2, None);
    std::os::unix::fs::symlink(&victim, d.path().join("tpm2-00.permall")).unwrap();
    assert!(matches!(
        s.load_raw(StateName::Permanent),
        Err(Error::Symlink(_))
    ));
    // A planted TMP symlink is unlinked, not written through (CVE-2020-28407).
    std::os::unix::fs::symlink(&victim, d.path().join("TMP2-00.permall")).unwrap();
    s.store(StateName::Permanent, b"new", None).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(
        &s.load(StateName::Permanent, None).unwrap().unwrap()[..],
        b"new"
    );
    // A directory in place of the state file.
    std::fs::create_dir(d.path().join("tpm2-00.volatilestate")).unwrap();
    assert!(s.load_raw(StateName::Volatile).is_err());
}

#[test]
fn failed_writes_leave_the_old_file() {
    let d = tempfile::tempdir().unwrap();
    let s = DirStore::new(d.path(), TpmVersion::Tpm2, None);
    s.store(StateName::Permanent, b"old image", None).unwrap();
    let new = wrap_state(&[0x55; 5000], None).unwrap();
    for fault in [
        Fault::PartialWrite(0),
        Fault::PartialWrite(10),
        Fault::PartialWrite(4000),
        Fault::BeforeRename,
    ] {
        assert!(
            s.store_raw_faulty(StateName::Permanent, &new, fault)
                .is_err()
        );
        assert_eq!(
            &s.load(StateName::Permanent, None).unwrap().unwrap()[..],
            b"old image"
        );
        assert!(!d.path().join("TMP2-00.permall").exists());
    }
    // A stale TMP file from a crash does not disturb the next write.
    std::fs::write(d.path().join("TMP2-00.permall"), b"junk").unwrap();
    s.store_raw(StateName::Permanent, &new).unwrap();
    assert_eq!(
        s.load(StateName::Permanent, None).unwrap().unwrap().len(),
        5000
    );
}

#[test]
fn lock_is_exclusive_across_processes_only() {
    let d = tempfile::tempdir().unwrap();
    let mut s = DirStore::new(d.path(), TpmVersion::Tpm2, None);
    s.lock(0).unwrap();
    assert!(s.is_locked());
    assert!(d.path().join(".lock").exists());
    s.lock(0).unwrap(); // idempotent
    s.unlock();
    assert!(!s.is_locked());
    // A symlinked .lock is refused.
    let e = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(d.path().join("x"), e.path().join(".lock")).unwrap();
    assert!(
        DirStore::new(e.path(), TpmVersion::Tpm2, None)
            .lock(0)
            .is_err()
    );
}
