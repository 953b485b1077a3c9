//! qemu_boot: QEMU (TCG) boots a Debian kernel with a busybox initramfs against our `swtpm`,
//! started exactly as libvirt 9.0 starts it, for SeaBIOS and OVMF with tpm-tis and tpm-crb.
//! The guest prints over serial the TPM version, the sha256 PCRs from sysfs and the firmware
//! event log from securityfs; the test checks TPM 2.0 at /dev/tpm0, PCR 0 not zero, and that
//! replaying the log gives exactly the PCR values the guest read. SeaBIOS+TIS is also booted
//! against the Debian swtpm, and both must give the same PCRs (a differential check).
//!
//! Needs qemu-system-x86, seabios, ovmf, busybox-static and the kernel that
//! `scripts/qemu-assets` fetches (scripts/test-all installs all of them). Missing assets fail
//! the test; FERROTPM_SKIP_QEMU=1 skips it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod qemu_common;

use std::collections::BTreeMap;
use std::path::Path;

use qemu_common::*;

const GUEST_REPORT: &str = r#"echo FERRO-BEGIN
echo "TPM-VERSION $(cat $t/tpm_version_major 2>/dev/null)"
[ -c /dev/tpm0 ] && echo "DEV-TPM0 present"
for f in $t/pcr-sha256/*; do echo "PCR-SHA256 ${f##*/} $(cat $f)"; done
log=/sys/kernel/security/tpm0/binary_bios_measurements
if [ -e $log ]; then echo EVENTLOG-BEGIN; od -An -v -tx1 $log; echo EVENTLOG-END; else echo EVENTLOG-NONE; fi
echo FERRO-END
poweroff -f
"#;

/// What the guest reported.
#[derive(Debug)]
struct Report {
    version: String,
    dev_tpm0: bool,
    pcrs: BTreeMap<u32, [u8; 32]>,
    log: Option<Vec<u8>>,
}

fn parse_report(serial: &str) -> Report {
    let body = serial
        .split("FERRO-BEGIN")
        .nth(1)
        .and_then(|s| s.split("FERRO-END").next())
        .unwrap_or_else(|| panic!("guest report markers missing; serial output:\n{serial}"));
    let mut r = Report {
        version: String::new(),
        dev_tpm0: false,
        pcrs: BTreeMap::new(),
        log: None,
    };
    let mut in_log = false;
    let mut log_hex = String::new();
    for line in body.lines().map(str::trim) {
        if in_log {
            if line == "EVENTLOG-END" {
                in_log = false;
                r.log = Some(hex::decode(log_hex.replace(' ', "")).expect("event log hex"));
            } else {
                log_hex.push_str(line);
            }
        } else if line == "EVENTLOG-BEGIN" {
            in_log = true;
        } else if let Some(v) = line.strip_prefix("TPM-VERSION") {
            r.version = v.trim().to_string();
        } else if line == "DEV-TPM0 present" {
            r.dev_tpm0 = true;
        } else if let Some(p) = line.strip_prefix("PCR-SHA256 ") {
            let (i, v) = p.split_once(' ').unwrap();
            let v: [u8; 32] = hex::decode(v.trim()).unwrap().try_into().unwrap();
            r.pcrs.insert(i.parse().unwrap(), v);
        }
    }
    assert!(!in_log, "event log not terminated in the serial output");
    r
}

/// Boots one guest against `swtpm` and returns its report.
fn boot(fw: Firmware, dev: TpmDev, swtpm: &Path) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let state = d.join("state");
    std::fs::create_dir(&state).unwrap();
    let sock = d.join("swtpm.sock");
    let initrd = d.join("initrd.cpio");
    std::fs::write(&initrd, initramfs(&format!("{INIT_PRELUDE}{GUEST_REPORT}"))).unwrap();
    let mut tpm = start_swtpm(swtpm, &sock, &state, &d.join("swtpm.log"), &[]);
    let serial = d.join("serial.log");
    let mut q = Proc(
        qemu_cmd(fw, dev, d, &initrd, &sock)
            .arg("-serial")
            .arg(format!("file:{}", serial.display()))
            .spawn()
            .expect("spawning qemu-system-x86_64"),
        "qemu",
    );
    let st = q.wait_within(BOOT_LIMIT, &format!("the {fw:?}+{dev:?} boot"));
    let err = stderr_of(&mut q);
    let out = std::fs::read_to_string(&serial).unwrap_or_default();
    assert!(st.success(), "qemu exited with {st}: {err}\nserial:\n{out}");
    // --terminate: swtpm exits once QEMU closed the control connection.
    let tst = tpm.wait_within(std::time::Duration::from_secs(20), "after QEMU exit");
    let log = std::fs::read_to_string(d.join("swtpm.log")).unwrap_or_default();
    assert!(tst.success(), "swtpm exited with {tst}; log:\n{log}");
    parse_report(&out)
}

/// Everything the guest must see, whatever the firmware and interface.
fn check(fw: Firmware, dev: TpmDev, r: &Report, expect_log: bool) {
    let what = format!("{fw:?}+{dev:?}");
    assert_eq!(r.version, "2", "{what}: tpm_version_major");
    assert!(r.dev_tpm0, "{what}: /dev/tpm0 missing");
    assert_eq!(
        r.pcrs.len(),
        24,
        "{what}: sha256 PCRs read: {:?}",
        r.pcrs.keys()
    );
    assert_ne!(r.pcrs[&0], [0u8; 32], "{what}: PCR 0 is zero");
    match (&r.log, expect_log) {
        (Some(log), true) => {
            let events = parse_event_log(log).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(events.len() > 1, "{what}: log holds only its header");
            let replayed = replay(&events);
            assert!(
                replayed.contains_key(&0),
                "{what}: nothing logged for PCR 0"
            );
            for (i, v) in &replayed {
                assert_eq!(
                    hex::encode(v),
                    hex::encode(r.pcrs[i]),
                    "{what}: replaying the event log gives another PCR {i}"
                );
            }
            println!(
                "{what}: {} events replayed into PCRs {:?}",
                events.len(),
                replayed.keys()
            );
        }
        (None, false) => println!("{what}: no event log exposed (expected)"),
        (log, _) => panic!(
            "{what}: event log present = {}, expected {expect_log}",
            log.is_some()
        ),
    }
}

fn run(fw: Firmware, dev: TpmDev, expect_log: bool) -> Report {
    let r = boot(fw, dev, &swtpm_bin());
    check(fw, dev, &r, expect_log);
    r
}

#[test]
fn seabios_tis_and_debian_swtpm_agrees() {
    if !qemu_enabled() {
        return;
    }
    let _ = assets();
    let ours = run(Firmware::SeaBios, TpmDev::Tis, true);
    // The same boot against the Debian swtpm: same firmware, kernel and initramfs, so the
    // PCRs and the log must be the same bytes.
    let theirs = boot(Firmware::SeaBios, TpmDev::Tis, Path::new("swtpm"));
    check(Firmware::SeaBios, TpmDev::Tis, &theirs, true);
    assert_eq!(
        ours.pcrs, theirs.pcrs,
        "PCRs differ from the Debian swtpm's"
    );
    assert_eq!(
        ours.log, theirs.log,
        "event log differs from the Debian swtpm's"
    );
}

#[test]
fn seabios_crb() {
    if !qemu_enabled() {
        return;
    }
    run(Firmware::SeaBios, TpmDev::Crb, true);
}

#[test]
fn ovmf_tis() {
    if !qemu_enabled() {
        return;
    }
    run(Firmware::Ovmf, TpmDev::Tis, true);
}

#[test]
fn ovmf_crb() {
    if !qemu_enabled() {
        return;
    }
    run(Firmware::Ovmf, TpmDev::Crb, true);
}
