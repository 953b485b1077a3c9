//! Engine tests: each command's success path and its documented error codes, driven through
//! the command bytes exactly as a front end sends them.

use tpm_crypto::hash::{HashAlg, digest};
use tpm_device::{InitFlags, StateKind, TpmEngine};

use crate::Tpm2;
use crate::platform::ManualPlatform;

pub(crate) const ST_NO: u16 = 0x8001;
pub(crate) const ST_SESS: u16 = 0x8002;

/// Build a command: tag, size, code, then `body`.
pub(crate) fn cmd(tag: u16, cc: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&((10 + body.len()) as u32).to_be_bytes());
    v.extend_from_slice(&cc.to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// A password session area authorizing with `pw`.
pub(crate) fn pw_auth(pw: &[u8]) -> Vec<u8> {
    let mut a = Vec::new();
    a.extend_from_slice(&0x4000_0009u32.to_be_bytes());
    a.extend_from_slice(&0u16.to_be_bytes());
    a.push(0x01);
    a.extend_from_slice(&(pw.len() as u16).to_be_bytes());
    a.extend_from_slice(pw);
    let mut v = (a.len() as u32).to_be_bytes().to_vec();
    v.extend(a);
    v
}

pub(crate) fn rc(rsp: &[u8]) -> u32 {
    u32::from_be_bytes(rsp[6..10].try_into().unwrap())
}

pub(crate) fn engine() -> Tpm2 {
    let mut t = Tpm2::new(Box::new(ManualPlatform::new()));
    t.init(InitFlags::default()).unwrap();
    t
}

pub(crate) fn started() -> Tpm2 {
    let mut t = engine();
    let r = t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]));
    assert_eq!(rc(&r), 0);
    t
}

fn pcr_read_sha256(t: &mut Tpm2, pcr: usize) -> Vec<u8> {
    let mut sel = [0u8; 3];
    sel[pcr / 8] = 1 << (pcr % 8);
    let body = [
        &1u32.to_be_bytes()[..],
        &0x000Bu16.to_be_bytes(),
        &[3],
        &sel,
    ]
    .concat();
    let r = t.execute_vec(0, &cmd(ST_NO, 0x17E, &body));
    assert_eq!(rc(&r), 0, "{r:02x?}");
    // header 10, counter 4, selection (4+2+1+3), count 4, size 2, digest
    r[10 + 4 + 10 + 4 + 2..].to_vec()
}

fn extend_sha256(t: &mut Tpm2, locality: u8, pcr: u32, d: &[u8]) -> u32 {
    let mut body = pcr.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&0x000Bu16.to_be_bytes());
    body.extend_from_slice(d);
    rc(&t.execute_vec(locality, &cmd(ST_SESS, 0x182, &body)))
}

#[test]
fn initialize_before_startup_and_twice() {
    let mut t = engine();
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x17B, &[0, 8]))), 0x100);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0x100);
}

#[test]
fn header_errors() {
    let mut t = started();
    // Wrong tag: 0x00C1 is no TPM_ST at all, so TPM_RC_VALUE (libtpms `TPM_ST_Unmarshal`).
    assert_eq!(rc(&t.execute_vec(0, &cmd(0x00C1, 0x17B, &[0, 8]))), 0x084);
    // Size field larger / smaller than the bytes.
    let mut c = cmd(ST_NO, 0x17B, &[0, 8]);
    c[5] += 1;
    assert_eq!(rc(&t.execute_vec(0, &c)), 0x142);
    c[5] -= 2;
    assert_eq!(rc(&t.execute_vec(0, &c)), 0x142);
    // Unknown command code.
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x1FF, &[]))), 0x143);
    // Truncated header.
    let r = t.execute_vec(0, &[0x80, 0x01, 0, 0]);
    assert_eq!(rc(&r), 0x09A, "TPM_RC_INSUFFICIENT");
    assert_eq!(r.len(), 10);
    // Trailing parameter bytes: TPM_RC_SIZE without a parameter number.
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x17B, &[0, 8, 0]))), 0x095);
    // Missing parameter bytes: TPM_RC_INSUFFICIENT on parameter 1.
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x17B, &[0]))), 0x1DA);
}

#[test]
fn get_random_caps_at_64() {
    let mut t = started();
    let r = t.execute_vec(0, &cmd(ST_NO, 0x17B, &[0x01, 0x00]));
    assert_eq!(rc(&r), 0);
    assert_eq!(&r[10..12], &[0, 64]);
    assert_eq!(r.len(), 12 + 64);
    let r2 = t.execute_vec(0, &cmd(ST_NO, 0x17B, &[0x00, 0x10]));
    assert_eq!(r2.len(), 12 + 16);
    assert_ne!(r[12..28], r2[12..]);
}

#[test]
fn pcr_extend_read_and_locality() {
    let mut t = started();
    let d = digest(HashAlg::Sha256, b"event").as_slice().to_vec();
    assert_eq!(extend_sha256(&mut t, 0, 7, &d), 0);
    let mut expect = vec![0u8; 32];
    expect.extend_from_slice(&d);
    assert_eq!(
        pcr_read_sha256(&mut t, 7),
        digest(HashAlg::Sha256, &expect).as_slice()
    );
    // PCR 17 cannot be extended from locality 0.
    assert_eq!(extend_sha256(&mut t, 0, 17, &d), 0x907, "TPM_RC_LOCALITY");
}

#[test]
fn password_session_rules() {
    let mut t = started();
    let d = [0u8; 32];
    // No session for a handle that needs one: TPM_RC_AUTH_MISSING.
    let mut body = 0u32.to_be_bytes().to_vec();
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&0x000Bu16.to_be_bytes());
    body.extend_from_slice(&d);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x182, &body))), 0x125);
    // Password session with a nonce: TPM_RC_NONCE on session 1.
    let mut body = 0u32.to_be_bytes().to_vec();
    body.extend_from_slice(&10u32.to_be_bytes());
    body.extend_from_slice(&0x4000_0009u32.to_be_bytes());
    body.extend_from_slice(&[0, 1, 0xAA, 1, 0, 0]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x182, &body))), 0x98F);
    // authorizationSize below 9: TPM_RC_SIZE.
    let mut body = 0u32.to_be_bytes().to_vec();
    body.extend_from_slice(&8u32.to_be_bytes());
    body.extend_from_slice(&[0; 8]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x182, &body))), 0x095);
    // Startup may not carry sessions: checked after the size, TPM_RC_AUTH_CONTEXT.
    let mut t2 = engine();
    let mut body = pw_auth(b"");
    body.extend_from_slice(&[0, 0]);
    assert_eq!(rc(&t2.execute_vec(0, &cmd(ST_SESS, 0x144, &body))), 0x145);
}

#[test]
fn wrong_owner_password_is_bad_auth() {
    let mut t = started();
    // HierarchyChangeAuth(owner, "secret").
    let mut body = 0x4000_0001u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&[0, 6]);
    body.extend_from_slice(b"secret");
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x129, &body))), 0);
    // ClearControl(owner) is not allowed (TPMI_RH_CLEAR): TPM_RC_VALUE on handle 1.
    let mut body = 0x4000_0001u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b"secret"));
    body.push(1);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x127, &body))), 0x184);
    // SetPrimaryPolicy(owner) with the wrong password: TPM_RC_BAD_AUTH on session 1.
    let mut body = 0x4000_0001u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b"wrong"));
    body.extend_from_slice(&[0, 0, 0x00, 0x10]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x12E, &body))), 0x9A2);
    let mut body = 0x4000_0001u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b"secret\0\0"));
    body.extend_from_slice(&[0, 0, 0x00, 0x10]);
    assert_eq!(
        rc(&t.execute_vec(0, &cmd(ST_SESS, 0x12E, &body))),
        0,
        "trailing zeros are ignored"
    );
}

#[test]
fn lockout_auth_failure_locks_lockout() {
    let mut t = started();
    let mut body = 0x4000_000Au32.to_be_bytes().to_vec();
    body.extend(pw_auth(b"nope"));
    // DictionaryAttackLockReset with a wrong lockout password.
    assert_eq!(
        rc(&t.execute_vec(0, &cmd(ST_SESS, 0x139, &body))),
        0x98E,
        "AUTH_FAIL"
    );
    let mut body = 0x4000_000Au32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    assert_eq!(
        rc(&t.execute_vec(0, &cmd(ST_SESS, 0x139, &body))),
        0x921,
        "LOCKOUT"
    );
}

#[test]
fn hash_and_sequences() {
    let mut t = started();
    let body = [
        &[0u8, 3][..],
        b"abc",
        &0x000Bu16.to_be_bytes(),
        &0x4000_0007u32.to_be_bytes(),
    ]
    .concat();
    let r = t.execute_vec(0, &cmd(ST_NO, 0x17D, &body));
    assert_eq!(rc(&r), 0);
    assert_eq!(&r[12..44], digest(HashAlg::Sha256, b"abc").as_slice());
    // NULL ticket: tag, TPM_RH_NULL, empty digest.
    assert_eq!(&r[44..], &[0x80, 0x24, 0x40, 0, 0, 7, 0, 0]);

    // HashSequenceStart(SHA-384) -> 0x80000000.
    let r = t.execute_vec(0, &cmd(ST_NO, 0x186, &[0, 0, 0x00, 0x0C]));
    assert_eq!(rc(&r), 0);
    assert_eq!(&r[10..14], &0x8000_0000u32.to_be_bytes());
    let mut body = 0x8000_0000u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&[0, 2]);
    body.extend_from_slice(b"ab");
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x15C, &body))), 0);
    let mut body = 0x8000_0000u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&[0, 1, b'c']);
    body.extend_from_slice(&0x4000_0007u32.to_be_bytes());
    let r = t.execute_vec(0, &cmd(ST_SESS, 0x13E, &body));
    assert_eq!(rc(&r), 0);
    // parameterSize, then TPM2B digest.
    assert_eq!(&r[16..64], digest(HashAlg::Sha384, b"abc").as_slice());
    // The sequence is gone.
    let mut body = 0x8000_0000u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&[0, 0]);
    assert_eq!(
        rc(&t.execute_vec(0, &cmd(ST_SESS, 0x15C, &body))),
        0x910,
        "REFERENCE_H0"
    );
}

#[test]
fn savestate_round_trip() {
    let mut t = started();
    let d = digest(HashAlg::Sha256, b"x").as_slice().to_vec();
    assert_eq!(extend_sha256(&mut t, 0, 3, &d), 0);
    let before = pcr_read_sha256(&mut t, 3);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x145, &[0, 1]))), 0);
    let perm = t.state(StateKind::Permanent);
    t.shutdown();

    let mut u = Tpm2::new(Box::new(ManualPlatform::new()));
    u.set_state(StateKind::Permanent, &perm).unwrap();
    u.init(InitFlags::default()).unwrap();
    assert_eq!(rc(&u.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 1]))), 0);
    assert_eq!(pcr_read_sha256(&mut u, 3), before);

    // Startup(STATE) after Shutdown(CLEAR) is refused: TPM_RC_VALUE on parameter 1.
    assert_eq!(rc(&u.execute_vec(0, &cmd(ST_NO, 0x145, &[0, 0]))), 0);
    let perm = u.state(StateKind::Permanent);
    let mut w = Tpm2::new(Box::new(ManualPlatform::new()));
    w.set_state(StateKind::Permanent, &perm).unwrap();
    w.init(InitFlags::default()).unwrap();
    assert_eq!(rc(&w.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 1]))), 0x1C4);
    assert_eq!(rc(&w.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0);
    assert_eq!(pcr_read_sha256(&mut w, 3), vec![0; 32]);
}

#[test]
fn read_clock_advances() {
    let mut p = ManualPlatform::new();
    p.now_ms = 1000;
    let mut t = Tpm2::new(Box::new(p));
    t.init(InitFlags::default()).unwrap();
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0);
    let r = t.execute_vec(0, &cmd(ST_NO, 0x181, &[]));
    assert_eq!(rc(&r), 0);
    assert_eq!(r.len(), 10 + 8 + 8 + 4 + 4 + 1);
    // resetCount 1 after the first Startup(CLEAR), restartCount 0, safe.
    assert_eq!(&r[26..35], &[0, 0, 0, 1, 0, 0, 0, 0, 1]);
}

#[test]
fn volatile_state_resumes_running_tpm() {
    let mut t = started();
    let d = digest(HashAlg::Sha256, b"v").as_slice().to_vec();
    assert_eq!(extend_sha256(&mut t, 0, 9, &d), 0);
    let before = pcr_read_sha256(&mut t, 9);
    let perm = t.state(StateKind::Permanent);
    let vol = t.state(StateKind::Volatile);
    let mut u = Tpm2::new(Box::new(ManualPlatform::new()));
    u.set_state(StateKind::Permanent, &perm).unwrap();
    u.set_state(StateKind::Volatile, &vol).unwrap();
    u.init(InitFlags::default()).unwrap();
    // Already started: another Startup is TPM_RC_INITIALIZE, and the PCR is kept.
    assert_eq!(rc(&u.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0x100);
    assert_eq!(pcr_read_sha256(&mut u, 9), before);
}

#[test]
fn h_crtm_before_startup_sets_pcr0() {
    let mut t = engine();
    t.hash_start().unwrap();
    t.hash_data(b"crtm").unwrap();
    t.hash_end().unwrap();
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0);
    let mut init = vec![0u8; 32];
    init[31] = 4;
    init.extend_from_slice(digest(HashAlg::Sha256, b"crtm").as_slice());
    assert_eq!(
        pcr_read_sha256(&mut t, 0),
        digest(HashAlg::Sha256, &init).as_slice()
    );
    assert!(t.established());
}

// ---- parity fixes found by the differential test against swtpm (tests/engine_vs_swtpm.rs) ----

fn pcr_counter(t: &mut Tpm2) -> u32 {
    let body = [
        &1u32.to_be_bytes()[..],
        &0x000Bu16.to_be_bytes(),
        &[3, 1, 0, 0],
    ]
    .concat();
    let r = t.execute_vec(0, &cmd(ST_NO, 0x17E, &body));
    assert_eq!(rc(&r), 0);
    u32::from_be_bytes(r[10..14].try_into().unwrap())
}

/// libtpms `TPM_ST_Unmarshal` runs first: a value that is no TPM_ST is TPM_RC_VALUE, a TPM_ST
/// that is not a command tag is TPM_RC_BAD_TAG.
#[test]
fn tag_that_is_no_tpm_st_is_value() {
    let mut t = started();
    assert_eq!(rc(&t.execute_vec(0, &cmd(0x00C1, 0x17B, &[0, 8]))), 0x084);
    assert_eq!(rc(&t.execute_vec(0, &cmd(0x8003, 0x17B, &[0, 8]))), 0x084);
    assert_eq!(rc(&t.execute_vec(0, &cmd(0x801C, 0x17B, &[0, 8]))), 0x084);
    assert_eq!(rc(&t.execute_vec(0, &cmd(0x00C4, 0x17B, &[0, 8]))), 0x01E);
    assert_eq!(rc(&t.execute_vec(0, &cmd(0x8024, 0x17B, &[0, 8]))), 0x01E);
}

/// StirRandom with more than 48 bytes (up to 128) goes through the derivation function, as
/// libtpms `CryptRandomStir` does; it used to put the engine in failure mode.
#[test]
fn stir_random_128_bytes() {
    let mut t = started();
    let mut body = 128u16.to_be_bytes().to_vec();
    body.extend_from_slice(&[7; 128]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x146, &body))), 0);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x17B, &[0, 8]))), 0);
}

/// A persistent handle not in NV: TPM_RC_HANDLE on handle 1 (libtpms `ObjectLoadEvict`).
#[test]
fn missing_persistent_object_is_handle() {
    let mut t = started();
    let mut body = 0x8100_0001u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&[0, 0]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x15C, &body))), 0x18B);
}

/// SM3_256 is not compiled into libtpms 0.9.2: TPM_RC_HASH on parameter 1 while unmarshaling.
#[test]
fn sm3_is_not_an_algorithm() {
    let mut t = started();
    let body = [
        &1u32.to_be_bytes()[..],
        &0x0012u16.to_be_bytes(),
        &[3, 1, 0, 0],
    ]
    .concat();
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x17E, &body))), 0x1C3);
    let mut body = 4u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&0x0012u16.to_be_bytes());
    body.extend_from_slice(&[0; 32]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x182, &body))), 0x1C3);
}

fn power_cycle(t: Tpm2) -> Tpm2 {
    let perm = t.state(StateKind::Permanent);
    let mut u = Tpm2::new(Box::new(ManualPlatform::new()));
    u.set_state(StateKind::Permanent, &perm).unwrap();
    u.init(InitFlags::default()).unwrap();
    u
}

/// Extending a state-saved PCR after Shutdown(STATE) clears the orderly state (libtpms
/// RETURN_IF_ORDERLY in TPM2_PCR_Extend), so Startup(STATE) is then refused; PCR 16 is not
/// state-saved and does not.
#[test]
fn extend_after_shutdown_state_breaks_resume() {
    let d = [1u8; 32];
    let mut t = started();
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x145, &[0, 1]))), 0);
    assert_eq!(extend_sha256(&mut t, 0, 16, &d), 0);
    let mut t = power_cycle(t);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 1]))), 0);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x145, &[0, 1]))), 0);
    assert_eq!(extend_sha256(&mut t, 0, 3, &d), 0);
    let mut t = power_cycle(t);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 1]))), 0x1C4);
}

/// PCR_Allocate writes NV only: the running TPM keeps its banks (and reports them) until the
/// next _TPM_Init (libtpms `PCRAllocate`).
#[test]
fn pcr_allocate_takes_effect_at_next_init() {
    let mut t = started();
    let caps = |t: &mut Tpm2| {
        let r = t.execute_vec(0, &cmd(ST_NO, 0x17A, &[0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9]));
        assert_eq!(rc(&r), 0);
        r[19..25].to_vec() // first TPMS_PCR_SELECTION: SHA-1
    };
    let mut body = 0x4000_000Cu32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&[0, 4, 3, 0, 0, 0]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x12B, &body))), 0);
    assert_eq!(caps(&mut t), [0, 4, 3, 0xFF, 0xFF, 0xFF]);
    let mut t = power_cycle(t);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0);
    assert_eq!(caps(&mut t), [0, 4, 3, 0, 0, 0]);
}

/// A DRTM sequence after Startup extends PCR 17 in every bank, and each extend counts in
/// pcrUpdateCounter (libtpms `_TPM_Hash_End` -> `PCRExtend` -> `PCRChanged`).
#[test]
fn drtm_counts_pcr_updates() {
    let mut t = started();
    let before = pcr_counter(&mut t);
    t.hash_start().unwrap();
    t.hash_data(b"drtm").unwrap();
    t.hash_end().unwrap();
    assert_eq!(pcr_counter(&mut t), before + 4);
}

#[test]
fn volatile_image_after_pcr_allocate_keeps_running_banks() {
    let mut t = started();
    // PCR_Allocate(platform): SHA-1 bank emptied, effective at the next power-on.
    let mut body = 0x4000_000Cu32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&0x0004u16.to_be_bytes());
    body.extend_from_slice(&[3, 0, 0, 0]);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x12B, &body))), 0);
    let d = digest(HashAlg::Sha256, b"a").as_slice().to_vec();
    assert_eq!(extend_sha256(&mut t, 0, 4, &d), 0);
    let before = pcr_read_sha256(&mut t, 4);
    let perm = t.state(StateKind::Permanent);
    let vol = t.state(StateKind::Volatile);
    let mut u = Tpm2::new(Box::new(ManualPlatform::new()));
    u.set_state(StateKind::Permanent, &perm).unwrap();
    u.set_state(StateKind::Volatile, &vol).unwrap();
    u.init(InitFlags::default()).unwrap();
    assert_eq!(pcr_read_sha256(&mut u, 4), before);
    // The pending allocation survives into the permanent image.
    let again = u.state(StateKind::Permanent);
    assert_eq!(&again[..], &perm[..]);
}

/// TPM2_FlushContext of transient objects (libtpms `TPM2_FlushContext`): slots free up and
/// are reused lowest first; a handle not loaded is TPM_RC_HANDLE + P1; a handle outside the
/// TPMI_DH_CONTEXT ranges is TPM_RC_VALUE + P1.
#[test]
fn flush_context_frees_object_slots() {
    let mut t = started();
    let start = |t: &mut Tpm2| t.execute_vec(0, &cmd(ST_NO, 0x186, &[0, 0, 0x00, 0x0B]));
    let flush = |t: &mut Tpm2, h: u32| rc(&t.execute_vec(0, &cmd(ST_NO, 0x165, &h.to_be_bytes())));
    for i in 0..3u32 {
        let r = start(&mut t);
        assert_eq!(rc(&r), 0);
        assert_eq!(&r[10..14], &(0x8000_0000 + i).to_be_bytes());
    }
    assert_eq!(rc(&start(&mut t)), 0x902, "TPM_RC_OBJECT_MEMORY");
    assert_eq!(flush(&mut t, 0x8000_0001), 0);
    assert_eq!(flush(&mut t, 0x8000_0001), 0x1CB, "HANDLE + P1");
    // libtpms TRANSIENT_LAST is TRANSIENT_FIRST + MAX_LOADED_OBJECTS - 1: beyond is VALUE.
    assert_eq!(flush(&mut t, 0x8000_0003), 0x1C4);
    assert_eq!(flush(&mut t, 0x0200_0000), 0x1CB, "no session is loaded");
    assert_eq!(flush(&mut t, 0x0300_0001), 0x1CB);
    assert_eq!(flush(&mut t, 0x8100_0000), 0x1C4, "VALUE + P1");
    assert_eq!(flush(&mut t, 0x4000_0001), 0x1C4);
    let r = start(&mut t);
    assert_eq!(rc(&r), 0);
    assert_eq!(&r[10..14], &0x8000_0001u32.to_be_bytes());
    // Leftover bytes: TPM_RC_SIZE without a number; a short parameter: INSUFFICIENT + P1.
    let mut body = 0x8000_0000u32.to_be_bytes().to_vec();
    body.push(0);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x165, &body))), 0x095);
    assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, 0x165, &[0x80, 0]))), 0x1DA);
    // NO_SESSIONS: an authorization area is refused.
    let mut body = 0x8000_0000u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b""));
    assert_ne!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x165, &body))), 0);
    assert_eq!(flush(&mut t, 0x8000_0000), 0);
    assert!(t.object(tpm2_types::TpmHandle(0x8000_0000)).is_none());
}

#[test]
fn hash_ticket_is_hmac_sha512_over_tag_alg_and_digest() {
    // libtpms Ticket.c TicketComputeHashCheck: CONTEXT_INTEGRITY_HASH_ALG (SHA-512) keyed
    // with the hierarchy proof, over TPM_ST_HASHCHECK || hashAlg || digest, whatever the
    // algorithm of the digest (the diff_fuzz test found a SHA-1-sized ticket here).
    let mut t = started();
    let body = [
        &[0u8, 3][..],
        b"abc",
        &0x0004u16.to_be_bytes(),
        &0x4000_0001u32.to_be_bytes(),
    ]
    .concat();
    let r = t.execute_vec(0, &cmd(ST_NO, 0x17D, &body));
    assert_eq!(rc(&r), 0);
    let d = digest(HashAlg::Sha1, b"abc");
    assert_eq!(&r[10..12], &[0, 20]);
    assert_eq!(&r[12..32], d.as_slice());
    // tag, hierarchy, TPM2B digest of 64 bytes
    assert_eq!(&r[32..40], &[0x80, 0x24, 0x40, 0, 0, 1, 0, 64]);
    let mut h = tpm_crypto::hmac::HmacState::new(HashAlg::Sha512, &t.perm.sh_proof[..]);
    h.update(&[0x80, 0x24, 0x00, 0x04]);
    h.update(d.as_slice());
    assert_eq!(&r[40..104], h.finalize().as_slice());
}

#[test]
fn sequences_survive_a_volatile_resume() {
    // A hash sequence and an event sequence started on one TPM are completed on another
    // that resumed from its volatile image (migration), as libtpms keeps object slots there.
    let mut t = started();
    // HashSequenceStart(auth "pw", SHA-256) -> 0x80000000; (auth "", NULL) -> 0x80000001.
    let r = t.execute_vec(0, &cmd(ST_NO, 0x186, &[0, 2, b'p', b'w', 0x00, 0x0B]));
    assert_eq!(rc(&r), 0);
    let r = t.execute_vec(0, &cmd(ST_NO, 0x186, &[0, 0, 0x00, 0x10]));
    assert_eq!(rc(&r), 0);
    let data: Vec<u8> = (0..100u8).collect();
    for (h, auth) in [(0x8000_0000u32, &b"pw"[..]), (0x8000_0001, &b""[..])] {
        let mut body = h.to_be_bytes().to_vec();
        body.extend(pw_auth(auth));
        body.extend_from_slice(&[0, 70]);
        body.extend_from_slice(&data[..70]);
        assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x15C, &body))), 0);
    }
    let perm = t.state(StateKind::Permanent);
    let vol = t.state(StateKind::Volatile);
    let mut u = Tpm2::new(Box::new(ManualPlatform::new()));
    u.set_state(StateKind::Permanent, &perm).unwrap();
    u.set_state(StateKind::Volatile, &vol).unwrap();
    u.init(InitFlags::default()).unwrap();
    // SequenceComplete with the rest; the sequence's auth came along.
    let mut body = 0x8000_0000u32.to_be_bytes().to_vec();
    body.extend(pw_auth(b"pw"));
    body.extend_from_slice(&[0, 30]);
    body.extend_from_slice(&data[70..]);
    body.extend_from_slice(&0x4000_0007u32.to_be_bytes());
    let r = u.execute_vec(0, &cmd(ST_SESS, 0x13E, &body));
    assert_eq!(rc(&r), 0, "{r:02x?}");
    assert_eq!(&r[16..48], digest(HashAlg::Sha256, &data).as_slice());
    // EventSequenceComplete(PCR NULL handle 0x40000007 as pcrHandle) with the rest.
    let mut body = 0x4000_0007u32.to_be_bytes().to_vec();
    body.extend_from_slice(&0x8000_0001u32.to_be_bytes());
    let mut area = pw_auth(b"");
    area.drain(..4);
    let mut two = Vec::new();
    two.extend_from_slice(&area);
    two.extend_from_slice(&area);
    body.extend_from_slice(&u32::try_from(two.len()).unwrap().to_be_bytes());
    body.extend_from_slice(&two);
    body.extend_from_slice(&[0, 30]);
    body.extend_from_slice(&data[70..]);
    let r = u.execute_vec(0, &cmd(ST_SESS, 0x185, &body));
    assert_eq!(rc(&r), 0, "{r:02x?}");
    let sha256 = digest(HashAlg::Sha256, &data);
    assert!(
        r.windows(32).any(|w| w == sha256.as_slice()),
        "the event sequence's sha256 digest covers all the data"
    );
    // A damaged object encoding is dropped, not trusted.
    assert!(super::tpm::decode_object_for_tests(&[1, 0, 0, 9]).is_none());
}
