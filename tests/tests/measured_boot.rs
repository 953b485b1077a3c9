//! A firmware-like measured boot on the TPM 2.0 engine, checked against an independent replay
//! of its event log (plain `sha1`/`sha2`, not tpm-crypto), and the same boot on swtpm.
//!
//! Two boots: (1) Startup(CLEAR) at locality 0, then measurements into PCRs 0-7 with
//! TPM2_PCR_Extend (SHA-1 and SHA-256 digests of each logged event, as TCG PC Client firmware
//! logs them) and TPM2_PCR_Event (the TPM hashes the event into every bank); (2) the same after
//! an H-CRTM sequence at locality 4 before Startup (_TPM_Hash_Start/Data/End: PCR 0 starts
//! from 0...04 and is extended with the digest of the H-CRTM data; PC Client PTP §5.2). On
//! swtpm the H-CRTM part is swtpm_ioctls(3) CMD_HASH_START/DATA/END (`swtpm_ioctl -h -`).
//!
//! The swtpm half needs `swtpm` and `swtpm_ioctl`; without them it fails unless
//! FERROTPM_SKIP_SWTPM=1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use common::*;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tpm_device::TpmEngine;

const CC_STARTUP: u32 = 0x144;
const CC_PCR_EVENT: u32 = 0x13C;
const CC_PCR_READ: u32 = 0x17E;
const CC_PCR_EXTEND: u32 = 0x182;

/// How an event reaches its PCR.
#[derive(Clone, Copy)]
enum How {
    /// The firmware hashes the event and sends TPM2_PCR_Extend with SHA-1 and SHA-256.
    Extend,
    /// The firmware sends the event data in TPM2_PCR_Event; the TPM hashes it.
    Event,
}

/// One event-log entry: PCR, what was measured, how.
struct LogEntry {
    pcr: u32,
    data: Vec<u8>,
    how: How,
}

/// The event log of a small UEFI-like boot.
fn event_log() -> Vec<LogEntry> {
    let e = |pcr: u32, data: &[u8], how: How| LogEntry {
        pcr,
        data: data.to_vec(),
        how,
    };
    let mut log = vec![
        e(
            0,
            b"EV_S_CRTM_VERSION: ferrotpm test firmware 1.0",
            How::Extend,
        ),
        e(0, &[0xAB; 512], How::Extend), // EV_EFI_PLATFORM_FIRMWARE_BLOB
        e(1, b"EV_EFI_HANDOFF_TABLES: SMBIOS", How::Event),
        e(1, b"EV_EFI_VARIABLE_BOOT: BootOrder 0001", How::Extend),
        e(2, &[0x11; 1024], How::Event), // option ROM, largest PCR_Event
        e(3, b"", How::Event),
        e(
            4,
            b"EV_EFI_BOOT_SERVICES_APPLICATION: \\EFI\\BOOT\\BOOTX64.EFI",
            How::Extend,
        ),
        e(5, b"EV_EFI_GPT_EVENT", How::Extend),
        e(6, b"EV_COMPACT_HASH: platform specific", How::Event),
        e(
            7,
            b"EV_EFI_VARIABLE_DRIVER_CONFIG: SecureBoot=1",
            How::Extend,
        ),
        e(7, b"EV_EFI_VARIABLE_DRIVER_CONFIG: PK", How::Event),
    ];
    // EV_SEPARATOR: four zero bytes into each of PCRs 0-7.
    for pcr in 0..8 {
        log.push(e(pcr, &[0, 0, 0, 0], How::Extend));
    }
    log.push(e(
        4,
        b"EV_EFI_BOOT_SERVICES_APPLICATION: grubx64.efi",
        How::Extend,
    ));
    log.push(e(
        5,
        b"EV_EFI_ACTION: Exit Boot Services Invocation",
        How::Event,
    ));
    log
}

/// A PCR value replayed from the log: start value, then extend by each event's digest.
fn replay<D: Digest>(log: &[LogEntry], pcr: u32, start: Vec<u8>) -> Vec<u8> {
    let mut v = start;
    for ev in log.iter().filter(|e| e.pcr == pcr) {
        let d = D::digest(&ev.data);
        let mut h = D::new();
        h.update(&v);
        h.update(&d);
        v = h.finalize().to_vec();
    }
    v
}

/// PCR 0 after an H-CRTM: 0...04 extended with the digest of the H-CRTM data.
fn hcrtm_start<D: Digest>(size: usize, data: &[u8]) -> Vec<u8> {
    let mut init = vec![0u8; size];
    init[size - 1] = 4;
    let mut h = D::new();
    h.update(&init);
    h.update(D::digest(data));
    h.finalize().to_vec()
}

/// What a boot talks to.
trait Tpm {
    fn send(&mut self, locality: u8, cmd: &[u8]) -> Vec<u8>;
    /// _TPM_Hash_Start, _TPM_Hash_Data(data), _TPM_Hash_End at locality 4.
    fn hcrtm(&mut self, data: &[u8]);
}

impl Tpm for Ours {
    fn send(&mut self, locality: u8, cmd: &[u8]) -> Vec<u8> {
        Ours::send(self, locality, cmd)
    }

    fn hcrtm(&mut self, data: &[u8]) {
        self.tpm.hash_start().unwrap();
        self.tpm.hash_data(data).unwrap();
        self.tpm.hash_end().unwrap();
    }
}

/// swtpm with the locality it was last set to.
struct Sw {
    sw: Swtpm,
    locality: u8,
}

impl Tpm for Sw {
    fn send(&mut self, locality: u8, cmd: &[u8]) -> Vec<u8> {
        if locality != self.locality {
            self.sw.set_locality(locality);
            self.locality = locality;
        }
        self.sw.send(cmd).expect("swtpm answers")
    }

    fn hcrtm(&mut self, data: &[u8]) {
        self.sw.set_locality(4);
        self.sw.hcrtm(data);
        self.sw.set_locality(self.locality);
    }
}

fn ok(tpm: &mut dyn Tpm, locality: u8, cmd: &[u8], what: &str) -> Vec<u8> {
    let r = tpm.send(locality, cmd);
    assert_eq!(rc(&r), 0, "{what}: {}", hexs(&r));
    r
}

/// Run the firmware's measurements at locality 0.
fn measure(tpm: &mut dyn Tpm, log: &[LogEntry]) {
    for (i, ev) in log.iter().enumerate() {
        let what = format!("event {i} (PCR {})", ev.pcr);
        match ev.how {
            How::Extend => {
                let d1 = Sha1::digest(&ev.data);
                let d256 = Sha256::digest(&ev.data);
                ok(
                    tpm,
                    0,
                    &cs(
                        CC_PCR_EXTEND,
                        &[ev.pcr],
                        &pw(b""),
                        &digests(&[(SHA1, &d1), (SHA256, &d256)]),
                    ),
                    &what,
                );
            }
            How::Event => {
                let r = ok(
                    tpm,
                    0,
                    &cs(CC_PCR_EVENT, &[ev.pcr], &pw(b""), &b2(&ev.data)),
                    &what,
                );
                // The returned digests are the event's hash in every bank (SHA-1 first, then
                // SHA-256 in libtpms's bank order); check the two we replay.
                let mut want = 4u32.to_be_bytes().to_vec();
                want.extend_from_slice(&SHA1.to_be_bytes());
                want.extend_from_slice(&Sha1::digest(&ev.data));
                want.extend_from_slice(&SHA256.to_be_bytes());
                want.extend_from_slice(&Sha256::digest(&ev.data));
                assert_eq!(hexs(&r[14..14 + want.len()]), hexs(&want), "{what} digests");
            }
        }
    }
}

/// PCRs 0-7 of `alg` (8 digests: one PCR_Read).
fn read_pcrs(tpm: &mut dyn Tpm, alg: u16) -> Vec<Vec<u8>> {
    let r = ok(
        tpm,
        0,
        &c(CC_PCR_READ, &pcr_sel(&[(alg, &[0xFF, 0, 0])])),
        "PCR_Read",
    );
    // counter 4, selection out (4 + 2 + 1 + 3), count 4, then TPM2B digests.
    let mut o = 10 + 4 + 10;
    let n = u32::from_be_bytes(r[o..o + 4].try_into().unwrap()) as usize;
    assert_eq!(n, 8);
    o += 4;
    (0..n)
        .map(|_| {
            let len = u16::from_be_bytes(r[o..o + 2].try_into().unwrap()) as usize;
            let d = r[o + 2..o + 2 + len].to_vec();
            o += 2 + len;
            d
        })
        .collect()
}

/// One boot: optional H-CRTM, Startup(CLEAR), measurements; PCRs must equal the replay.
fn boot(tpm: &mut dyn Tpm, hcrtm: Option<&[u8]>, who: &str) {
    let log = event_log();
    if let Some(data) = hcrtm {
        tpm.hcrtm(data);
    }
    ok(tpm, 0, &c(CC_STARTUP, &[0, 0]), "Startup(CLEAR)");
    measure(tpm, &log);
    let got1 = read_pcrs(tpm, SHA1);
    let got256 = read_pcrs(tpm, SHA256);
    for pcr in 0..8u32 {
        let (s1, s256) = match (pcr, hcrtm) {
            (0, Some(data)) => (
                hcrtm_start::<Sha1>(20, data),
                hcrtm_start::<Sha256>(32, data),
            ),
            _ => (vec![0; 20], vec![0; 32]),
        };
        let want1 = replay::<Sha1>(&log, pcr, s1);
        let want256 = replay::<Sha256>(&log, pcr, s256);
        assert_eq!(
            hexs(&got1[pcr as usize]),
            hexs(&want1),
            "{who}: SHA-1 PCR {pcr}"
        );
        assert_eq!(
            hexs(&got256[pcr as usize]),
            hexs(&want256),
            "{who}: SHA-256 PCR {pcr}"
        );
    }
}

const HCRTM_DATA: &[u8] = b"H-CRTM: first-stage boot block measured by the platform";

#[test]
fn measured_boot_on_the_engine() {
    boot(&mut Ours::new(), None, "engine");
}

#[test]
fn measured_boot_with_hcrtm_on_the_engine() {
    boot(&mut Ours::new(), Some(HCRTM_DATA), "engine, H-CRTM");
}

#[test]
fn measured_boot_on_swtpm_matches() {
    if !swtpm_present() {
        return;
    }
    for hcrtm in [None, Some(HCRTM_DATA)] {
        let mut sw = Sw {
            sw: Swtpm::start("measured-boot"),
            locality: 0,
        };
        boot(&mut sw, hcrtm, "swtpm");
        // The engine's PCRs equal swtpm's, bank by bank, including the banks not replayed.
        let mut ours = Ours::new();
        boot(&mut ours, hcrtm, "engine");
        for alg in [SHA1, SHA256, SHA384, SHA512] {
            assert_eq!(
                read_pcrs(&mut sw, alg),
                read_pcrs(&mut ours, alg),
                "bank {alg:#06x}, H-CRTM {}",
                hcrtm.is_some()
            );
        }
    }
}
