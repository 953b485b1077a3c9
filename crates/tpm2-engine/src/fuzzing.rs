//! Fuzzing entry points of the TPM 2.0 engine, shared by the cargo-fuzz targets in `fuzz/`
//! and the corpus replay in `tests/tests/fuzz_corpus.rs`, plus the input encoders the corpus
//! generator (`cargo xtask fuzz-corpus`) uses, so that the input formats live in one place.
//!
//! The oracle (traps-and-bad-inputs: "no panic + response-size == header-size"): whatever the
//! bytes, no command stream and no state image makes the engine panic; every response is
//! well-formed; the state a running engine exports imports into a new engine, which carries
//! on with the stream (libtpms `tests/fuzz.cc` does GetState/SetState after each input). The
//! assertions here are that oracle and the only panics allowed.
#![allow(clippy::panic, clippy::indexing_slicing)]

use tpm_device::{InitFlags, StateKind, TpmEngine, image};
use tpm_wire::Profile;
use tpm2_types::{TpmCc, parse_request, parse_response};

use crate::Tpm2;
use crate::platform::ManualPlatform;

/// At most this many commands run per input, to keep one input's cost bounded.
pub const MAX_COMMANDS: usize = 64;

/// `execute_stream` flag: send TPM2_Startup(CLEAR) at locality 0 before the stream, so that
/// most commands get past TPM_RC_INITIALIZE.
pub const STREAM_STARTUP: u8 = 1;

/// `state_load` flag: recompute the container's body length and CRC-32 of both images
/// before loading, so that mutations reach the sections instead of failing the checksum.
pub const STATE_FIX_CRC: u8 = 1;

/// TPM2_Startup(TPM_SU_CLEAR).
const STARTUP_CLEAR: [u8; 12] = [0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0];

/// Commands that touch what an image carries: fixed properties, PCRs, the DRBG, the clock.
const PROBES: [&[u8]; 5] = [
    // TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_FIXED, 127)
    &[
        0x80, 0x01, 0, 0, 0, 0x16, 0, 0, 0x01, 0x7a, 0, 0, 0, 0x06, 0, 0, 0x01, 0, 0, 0, 0, 0x7f,
    ],
    // TPM2_PCR_Read(sha256: PCRs 0-23)
    &[
        0x80, 0x01, 0, 0, 0, 0x14, 0, 0, 0x01, 0x7e, 0, 0, 0, 0x01, 0, 0x0b, 0x03, 0xff, 0xff, 0xff,
    ],
    // TPM2_GetRandom(16)
    &[0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x7b, 0, 0x10],
    // TPM2_ReadClock
    &[0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x81],
    // TPM2_GetCapability(TPM_CAP_HANDLES, loaded sessions, 64): the sessions an image carries
    &[
        0x80, 0x01, 0, 0, 0, 0x16, 0, 0, 0x01, 0x7a, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0x40,
    ],
];

/// A new engine on a [`ManualPlatform`], powered off and without state.
fn fresh() -> Tpm2 {
    Tpm2::new(Box::new(ManualPlatform::new()))
}

/// The response must be a TPM response: at least a header, its size field equal to its
/// length, tag TPM_ST_NO_SESSIONS or TPM_ST_SESSIONS; if `cmd` parses, a successful response
/// must parse as that command's response.
fn check_response(cmd: &[u8], rsp: &[u8]) {
    assert!(
        rsp.len() >= 10,
        "response shorter than a header: {rsp:02x?}"
    );
    let tag = u16::from_be_bytes([rsp[0], rsp[1]]);
    assert!(
        tag == 0x8001 || tag == 0x8002,
        "response tag {tag:#06x}: {rsp:02x?}"
    );
    let size = u32::from_be_bytes([rsp[2], rsp[3], rsp[4], rsp[5]]);
    assert_eq!(
        usize::try_from(size).ok(),
        Some(rsp.len()),
        "response size field differs from its length"
    );
    let rc = u32::from_be_bytes([rsp[6], rsp[7], rsp[8], rsp[9]]);
    if rc != 0 {
        assert_eq!(rsp.len(), 10, "an error response is the header alone");
        assert_eq!(tag, 0x8001, "an error response has TPM_ST_NO_SESSIONS");
        return;
    }
    if let Ok(c) = parse_request(cmd, &Profile::ALL) {
        let code: TpmCc = c.header.code;
        if let Err(e) = parse_response(code, rsp, &Profile::ALL) {
            panic!("response to {code:?} does not parse ({e:?}): {rsp:02x?}");
        }
    }
}

/// Run `cmd` at `locality` and check the response.
fn run(tpm: &mut Tpm2, locality: u8, cmd: &[u8]) {
    let rsp = tpm.execute_vec(locality, cmd);
    check_response(cmd, &rsp);
}

/// Export `old`'s permanent and volatile images and import them into a new engine, which
/// must accept them, power on, and export the same images again.
fn reload(old: &Tpm2) -> Tpm2 {
    let perm = old.state(StateKind::Permanent);
    let vol = old.state(StateKind::Volatile);
    let mut new = fresh();
    if let Err(e) = new.set_state(StateKind::Permanent, &perm) {
        panic!("exported permanent image refused: {e}");
    }
    if !vol.is_empty() {
        if let Err(e) = new.set_state(StateKind::Volatile, &vol) {
            panic!("exported volatile image refused: {e}");
        }
    }
    if let Err(e) = new.init(InitFlags::default()) {
        panic!("init from exported images failed: {e}");
    }
    assert!(
        new.state(StateKind::Permanent) == perm,
        "permanent image changed across export/import"
    );
    assert!(
        new.state(StateKind::Volatile) == vol,
        "volatile image changed across export/import"
    );
    new
}

/// Encode a command stream for [`execute_stream`]: `flags`, then per command its locality,
/// its length (u16, big-endian) and its bytes.
pub fn stream_input<'a>(flags: u8, cmds: impl IntoIterator<Item = (u8, &'a [u8])>) -> Vec<u8> {
    let mut out = vec![flags];
    for (locality, cmd) in cmds {
        out.push(locality);
        let len = u16::try_from(cmd.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(cmd.get(..usize::from(len)).unwrap_or(cmd));
    }
    out
}

/// Fuzz the engine with a command stream ([`stream_input`]'s format; a last command shorter
/// than its length gets what is left). A fresh engine (manufactured, powered on, optionally
/// started with [`STREAM_STARTUP`]) runs each command at its locality (modulo 5); after each,
/// the response must be well-formed and the engine's images are moved into a new engine that
/// runs the rest.
pub fn execute_stream(data: &[u8]) {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let mut tpm = fresh();
    if let Err(e) = tpm.init(InitFlags::default()) {
        panic!("init of a fresh engine failed: {e}");
    }
    if flags & STREAM_STARTUP != 0 {
        run(&mut tpm, 0, &STARTUP_CLEAR);
    }
    for _ in 0..MAX_COMMANDS {
        let Some((&locality, after)) = rest.split_first() else {
            break;
        };
        let Some((len, after)) = after.split_first_chunk::<2>() else {
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len)).min(after.len());
        let (cmd, after) = after.split_at(len);
        rest = after;
        run(&mut tpm, locality % 5, cmd);
        tpm = reload(&tpm);
    }
}

/// Encode two images for [`state_load`]: `flags`, the permanent image's length (u32,
/// big-endian), the permanent image, the volatile image.
pub fn state_input(flags: u8, permanent: &[u8], volatile: &[u8]) -> Vec<u8> {
    let mut out = vec![flags];
    let len = u32::try_from(permanent.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(permanent);
    out.extend_from_slice(volatile);
    out
}

/// The images after a fresh engine ran `cmds` at locality 0 (for seed corpora).
pub fn images_after(cmds: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    let mut tpm = fresh();
    if tpm.init(InitFlags::default()).is_err() {
        return (Vec::new(), Vec::new());
    }
    for cmd in cmds {
        let _ = tpm.execute_vec(0, cmd);
    }
    (
        tpm.state(StateKind::Permanent).to_vec(),
        tpm.state(StateKind::Volatile).to_vec(),
    )
}

/// Make `img`'s container consistent: body length and CRC-32 recomputed (tpm-device
/// `image` layout: 18-byte header, body, CRC of everything before it).
fn fix_container(img: &mut [u8]) {
    const HEADER: usize = 18;
    let Some(content_len) = img.len().checked_sub(4) else {
        return;
    };
    if content_len < HEADER {
        return;
    }
    let body = u32::try_from(content_len - HEADER).unwrap_or(u32::MAX);
    img[HEADER - 4..HEADER].copy_from_slice(&body.to_be_bytes());
    let crc = image::crc32(&img[..content_len]);
    img[content_len..].copy_from_slice(&crc.to_be_bytes());
}

/// Fuzz state import ([`state_input`]'s format): arbitrary bytes as a permanent and a
/// volatile image into `set_state`. Never panics; when an image is accepted, `init` does not
/// panic, and if it succeeds, the engine answers a few commands with well-formed responses
/// and its images move into a new engine (which must accept them), before and after
/// TPM2_Startup.
pub fn state_load(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((len, rest)) = rest.split_first_chunk::<4>() else {
        return;
    };
    let len = usize::try_from(u32::from_be_bytes(*len))
        .unwrap_or(usize::MAX)
        .min(rest.len());
    let (perm, vol) = rest.split_at(len);
    let (mut perm, mut vol) = (perm.to_vec(), vol.to_vec());
    if flags & STATE_FIX_CRC != 0 {
        fix_container(&mut perm);
        fix_container(&mut vol);
    }
    let mut tpm = fresh();
    let perm_ok = !perm.is_empty() && tpm.set_state(StateKind::Permanent, &perm).is_ok();
    let vol_ok = !vol.is_empty() && tpm.set_state(StateKind::Volatile, &vol).is_ok();
    if !(perm_ok || vol_ok) {
        return;
    }
    if tpm.init(InitFlags::default()).is_err() {
        return;
    }
    let mut tpm = reload(&tpm);
    for probe in core::iter::once(&STARTUP_CLEAR[..]).chain(PROBES) {
        run(&mut tpm, 0, probe);
    }
    let _ = reload(&tpm);
}
