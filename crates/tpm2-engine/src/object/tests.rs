//! Object tests: the command flows through the engine's front door, and the protection of
//! private areas checked against the Part 1 formulas computed here from first principles.

use tpm_crypto::hash::{HashAlg, digest};
use tpm_device::{InitFlags, StateKind, TpmEngine};

use crate::Tpm2;
use crate::platform::ManualPlatform;
use crate::tests::{ST_NO, ST_SESS, cmd, pw_auth, rc, started};

const CC_CREATE_PRIMARY: u32 = 0x131;
const CC_CREATE: u32 = 0x153;
const CC_LOAD: u32 = 0x157;
const CC_UNSEAL: u32 = 0x15E;
const CC_READ_PUBLIC: u32 = 0x173;
const CC_CONTEXT_SAVE: u32 = 0x162;
const CC_CONTEXT_LOAD: u32 = 0x161;
const CC_FLUSH: u32 = 0x165;
const CC_EVICT: u32 = 0x120;
const CC_GET_CAP: u32 = 0x17A;
const CC_LOAD_EXTERNAL: u32 = 0x167;
const CC_OBJECT_CHANGE_AUTH: u32 = 0x150;

fn b2(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

/// The TCG ECC P-256 storage root key template (TPMT_PUBLIC).
pub(crate) fn srk_ecc() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&0x0023u16.to_be_bytes()); // ECC
    t.extend_from_slice(&0x000Bu16.to_be_bytes()); // SHA-256
    t.extend_from_slice(&0x0003_0472u32.to_be_bytes());
    t.extend_from_slice(&0u16.to_be_bytes()); // authPolicy
    t.extend_from_slice(&[0x00, 0x06, 0x00, 0x80, 0x00, 0x43]); // AES-128-CFB
    t.extend_from_slice(&0x0010u16.to_be_bytes()); // scheme NULL
    t.extend_from_slice(&0x0003u16.to_be_bytes()); // NIST P-256
    t.extend_from_slice(&0x0010u16.to_be_bytes()); // kdf NULL
    t.extend_from_slice(&[0, 0, 0, 0]); // unique
    t
}

/// A sealed-data object template (KEYEDHASH, null scheme, userWithAuth, noDA).
fn sealed() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&0x0008u16.to_be_bytes());
    t.extend_from_slice(&0x000Bu16.to_be_bytes());
    t.extend_from_slice(&0x0000_0452u32.to_be_bytes());
    t.extend_from_slice(&0u16.to_be_bytes());
    t.extend_from_slice(&0x0010u16.to_be_bytes());
    t.extend_from_slice(&0u16.to_be_bytes());
    t
}

/// inSensitive (userAuth, data), inPublic, outsideInfo, creationPCR (empty).
fn create_body(auth: &[u8], data: &[u8], public: &[u8]) -> Vec<u8> {
    let mut s = b2(auth);
    s.extend(b2(data));
    let mut v = b2(&s);
    v.extend(b2(public));
    v.extend(b2(b""));
    v.extend_from_slice(&0u32.to_be_bytes());
    v
}

fn with_auth(handles: &[u32], pw: &[u8], params: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for h in handles {
        v.extend_from_slice(&h.to_be_bytes());
    }
    v.extend(pw_auth(pw));
    v.extend_from_slice(params);
    v
}

fn ok(r: &[u8]) -> &[u8] {
    assert_eq!(rc(r), 0, "response {r:02x?}");
    r
}

/// Split a TPM2B at `at`: (contents, next offset).
fn tpm2b(r: &[u8], at: usize) -> (&[u8], usize) {
    let n = usize::from(u16::from_be_bytes([r[at], r[at + 1]]));
    (&r[at + 2..at + 2 + n], at + 2 + n)
}

fn create_primary(t: &mut Tpm2, hierarchy: u32, template: &[u8]) -> (u32, Vec<u8>, Vec<u8>) {
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_CREATE_PRIMARY,
            &with_auth(&[hierarchy], b"", &create_body(b"", b"", template)),
        ),
    );
    ok(&r);
    let h = u32::from_be_bytes(r[10..14].try_into().unwrap());
    // parameterSize, outPublic, creationData, creationHash, creationTicket, name
    let (public, mut at) = tpm2b(&r, 18);
    let public = public.to_vec();
    let (_, a) = tpm2b(&r, at);
    at = a;
    let (_, a) = tpm2b(&r, at);
    at = a + 2 + 4; // ticket tag, hierarchy
    let (_, a) = tpm2b(&r, at);
    let (name, _) = tpm2b(&r, a);
    (h, public, name.to_vec())
}

/// Create under `parent`: (outPrivate, outPublic).
fn create(t: &mut Tpm2, parent: u32, auth: &[u8], data: &[u8], tmpl: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_CREATE,
            &with_auth(&[parent], b"", &create_body(auth, data, tmpl)),
        ),
    );
    ok(&r);
    let (private, at) = tpm2b(&r, 14);
    let (public, _) = tpm2b(&r, at);
    (private.to_vec(), public.to_vec())
}

fn load(t: &mut Tpm2, parent: u32, private: &[u8], public: &[u8]) -> Vec<u8> {
    let mut p = b2(private);
    p.extend(b2(public));
    t.execute_vec(0, &cmd(ST_SESS, CC_LOAD, &with_auth(&[parent], b"", &p)))
}

fn unseal(t: &mut Tpm2, h: u32, pw: &[u8]) -> Vec<u8> {
    t.execute_vec(0, &cmd(ST_SESS, CC_UNSEAL, &with_auth(&[h], pw, &[])))
}

#[test]
fn primary_create_load_unseal() {
    let mut t = started();
    let (srk, public, name) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    assert_eq!(srk, 0x8000_0000);
    // The Name is nameAlg || SHA-256(public area).
    let mut want = 0x000Bu16.to_be_bytes().to_vec();
    want.extend_from_slice(digest(HashAlg::Sha256, &public).as_slice());
    assert_eq!(name, want);
    // The same template gives the same key (primaries are pure).
    let (srk2, public2, _) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    assert_eq!(public2, public);
    assert_eq!(
        rc(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &srk2.to_be_bytes()))),
        0
    );

    let (private, spub) = create(&mut t, srk, b"secret-pin", b"disk key 1234", &sealed());
    let r = load(&mut t, srk, &private, &spub);
    ok(&r);
    let h = u32::from_be_bytes(r[10..14].try_into().unwrap());
    let r = unseal(&mut t, h, b"secret-pin");
    ok(&r);
    let (data, _) = tpm2b(&r, 14);
    assert_eq!(data, b"disk key 1234");
    // Wrong password: TPM_RC_BAD_AUTH for a noDA object, session 1.
    assert_eq!(rc(&unseal(&mut t, h, b"wrong")), 0x9A2);
    // ReadPublic: public area, Name, qualified Name.
    let r = t.execute_vec(0, &cmd(ST_NO, CC_READ_PUBLIC, &h.to_be_bytes()));
    let (p, at) = tpm2b(ok(&r), 10);
    assert_eq!(p, &spub[..]);
    let (n, at) = tpm2b(&r, at);
    let (qn, _) = tpm2b(&r, at);
    let mut want = 0x000Bu16.to_be_bytes().to_vec();
    want.extend_from_slice(digest(HashAlg::Sha256, &spub).as_slice());
    assert_eq!(n, &want[..]);
    // QN = nameAlg || H(parent QN || Name); the SRK's QN = H(TPM_RH_OWNER || SRK name).
    let mut srk_qn_in = 0x4000_0001u32.to_be_bytes().to_vec();
    srk_qn_in.extend_from_slice(&name);
    let mut srk_qn = 0x000Bu16.to_be_bytes().to_vec();
    srk_qn.extend_from_slice(digest(HashAlg::Sha256, &srk_qn_in).as_slice());
    let mut qn_in = srk_qn.clone();
    qn_in.extend_from_slice(&want);
    let mut want_qn = 0x000Bu16.to_be_bytes().to_vec();
    want_qn.extend_from_slice(digest(HashAlg::Sha256, &qn_in).as_slice());
    assert_eq!(qn, &want_qn[..]);
    // A damaged private area: TPM_RC_INTEGRITY for parameter 1.
    let mut bad = private.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h.to_be_bytes()));
    assert_eq!(rc(&load(&mut t, srk, &bad, &spub)), 0x9F | 0x40 | 0x100);
}

#[test]
fn private_area_follows_part1() {
    let mut t = started();
    let (srk, _, _) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    let (private, spub) = create(&mut t, srk, b"pw", b"payload", &sealed());
    let seed = t
        .key(tpm2_types::TpmHandle(srk))
        .unwrap()
        .seed_value()
        .to_vec();
    assert_eq!(seed.len(), 32);
    let mut name = 0x000Bu16.to_be_bytes().to_vec();
    name.extend_from_slice(digest(HashAlg::Sha256, &spub).as_slice());
    // KDFa(SHA-256, seed, label, u, v, bits), SP 800-108 counter mode with HMAC, written
    // out here: HMAC(seed, i || label || 0 || u || v || bits).
    let kdfa = |label: &[u8], u: &[u8], bits: u32| -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 1u32;
        while out.len() * 8 < bits as usize {
            let mut m = i.to_be_bytes().to_vec();
            m.extend_from_slice(label);
            m.push(0);
            m.extend_from_slice(u);
            m.extend_from_slice(&bits.to_be_bytes());
            out.extend_from_slice(tpm_crypto::hmac::hmac(HashAlg::Sha256, &seed, &m).as_slice());
            i += 1;
        }
        out.truncate(bits as usize / 8);
        out
    };
    let hmac_key = kdfa(b"INTEGRITY", b"", 256);
    let sym_key = kdfa(b"STORAGE", &name, 128);
    let (integrity, at) = tpm2b(&private, 0);
    let covered = &private[at..];
    let mut m = covered.to_vec();
    m.extend_from_slice(&name);
    assert_eq!(
        integrity,
        tpm_crypto::hmac::hmac(HashAlg::Sha256, &hmac_key, &m).as_slice()
    );
    let (iv, at) = tpm2b(covered, 0);
    assert_eq!(iv.len(), 16);
    // AES-128-CFB decryption, block by block.
    let aes = tpm_crypto::sym::AesKey::new(&sym_key).unwrap();
    let mut plain = Vec::new();
    let mut prev: [u8; 16] = iv.try_into().unwrap();
    for chunk in covered[at..].chunks(16) {
        let mut ks = prev;
        aes.encrypt_block(&mut ks);
        let p: Vec<u8> = chunk.iter().zip(ks).map(|(c, k)| c ^ k).collect();
        plain.extend_from_slice(&p);
        if chunk.len() == 16 {
            prev = chunk.try_into().unwrap();
        }
    }
    // u16 size || TPMT_SENSITIVE: type, authValue padded to 32, seedValue (32), data.
    let (sens, end) = tpm2b(&plain, 0);
    assert_eq!(end, plain.len());
    assert_eq!(&sens[..2], &[0x00, 0x08]);
    let (auth, at) = tpm2b(sens, 2);
    let mut want_auth = b"pw".to_vec();
    want_auth.resize(32, 0);
    assert_eq!(auth, &want_auth[..]);
    let (obf, at) = tpm2b(sens, at);
    assert_eq!(obf.len(), 32);
    let (data, at) = tpm2b(sens, at);
    assert_eq!(data, b"payload");
    assert_eq!(at, sens.len());
    // unique = H(seedValue || data) for an object that is not a parent.
    let mut u = obf.to_vec();
    u.extend_from_slice(b"payload");
    assert!(spub.ends_with(digest(HashAlg::Sha256, &u).as_slice()));
}

#[test]
fn context_save_load_and_persistent_objects() {
    let mut t = started();
    let (srk, _, _) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    let (private, spub) = create(&mut t, srk, b"", b"abc", &sealed());
    let r = load(&mut t, srk, &private, &spub);
    let h = u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap());
    // ContextSave, FlushContext, ContextLoad.
    let r = t.execute_vec(0, &cmd(ST_NO, CC_CONTEXT_SAVE, &h.to_be_bytes()));
    let saved = ok(&r)[10..].to_vec();
    assert_eq!(&saved[8..12], &0x8000_0000u32.to_be_bytes());
    assert_eq!(&saved[12..16], &0x4000_0001u32.to_be_bytes());
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h.to_be_bytes())));
    let r = t.execute_vec(0, &cmd(ST_NO, CC_CONTEXT_LOAD, &saved));
    let h2 = u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap());
    let r = unseal(&mut t, h2, b"");
    assert_eq!(tpm2b(ok(&r), 14).0, b"abc");
    // A tampered blob: TPM_RC_INTEGRITY, parameter 1.
    let mut bad = saved.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x80;
    assert_eq!(
        rc(&t.execute_vec(0, &cmd(ST_NO, CC_CONTEXT_LOAD, &bad))),
        0x9F | 0x40 | 0x100
    );
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h2.to_be_bytes())));

    // EvictControl: the SRK at 0x81000001.
    let evict = |t: &mut Tpm2, obj: u32, p: u32| {
        t.execute_vec(
            0,
            &cmd(
                ST_SESS,
                CC_EVICT,
                &with_auth(&[0x4000_0001, obj], b"", &p.to_be_bytes()),
            ),
        )
    };
    ok(&evict(&mut t, srk, 0x8100_0001));
    // Again: TPM_RC_NV_DEFINED.
    assert_eq!(rc(&evict(&mut t, srk, 0x8100_0001)), 0x14C);
    // Owner may not use the platform range: TPM_RC_RANGE, parameter 1.
    assert_eq!(rc(&evict(&mut t, srk, 0x8180_0000)), 0x1CD);
    let caps = t.execute_vec(
        0,
        &cmd(
            ST_NO,
            CC_GET_CAP,
            &[
                &1u32.to_be_bytes()[..],
                &0x8100_0000u32.to_be_bytes(),
                &8u32.to_be_bytes(),
            ]
            .concat(),
        ),
    );
    assert_eq!(&ok(&caps)[15..23], &[0, 0, 0, 1, 0x81, 0, 0, 1]);
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &srk.to_be_bytes())));
    // The persistent SRK is a parent, from the permanent state, across a power cycle.
    let perm = t.state(StateKind::Permanent);
    let mut t2 = Tpm2::new(Box::new(ManualPlatform::new()));
    t2.set_state(StateKind::Permanent, &perm).unwrap();
    t2.init(InitFlags::default()).unwrap();
    ok(&t2.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0])));
    let r = load(&mut t2, 0x8100_0001, &private, &spub);
    let h3 = u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap());
    assert_eq!(tpm2b(ok(&unseal(&mut t2, h3, b"")), 14).0, b"abc");
    // Evicting through the persistent handle removes it.
    ok(&evict(&mut t2, 0x8100_0001, 0x8100_0001));
    assert_eq!(rc(&load(&mut t2, 0x8100_0001, &private, &spub)), 0x18B);
}

#[test]
fn template_checks_and_limits() {
    let mut t = started();
    // A restricted key that both signs and decrypts: TPM_RC_ATTRIBUTES, parameter 2.
    let mut bad = srk_ecc();
    bad[4..8].copy_from_slice(&0x0007_0472u32.to_be_bytes());
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_CREATE_PRIMARY,
            &with_auth(&[0x4000_0001], b"", &create_body(b"", b"", &bad)),
        ),
    );
    assert_eq!(rc(&r), 0x2C2);
    // A storage key without symmetric algorithm: TPM_RC_SYMMETRIC, parameter 2.
    let mut bad = srk_ecc();
    bad.splice(10..16, [0x00, 0x10]);
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_CREATE_PRIMARY,
            &with_auth(&[0x4000_0001], b"", &create_body(b"", b"", &bad)),
        ),
    );
    assert_eq!(rc(&r), 0x2D6);
    // Sealed data with sensitiveDataOrigin: TPM_RC_ATTRIBUTES.
    let (srk, _, _) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    let mut s = sealed();
    s[4..8].copy_from_slice(&0x0000_0472u32.to_be_bytes());
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_CREATE,
            &with_auth(&[srk], b"", &create_body(b"", b"x", &s)),
        ),
    );
    assert_eq!(rc(&r), 0x2C2);
    // Create under a sealed object: TPM_RC_TYPE, handle 1.
    let (private, spub) = create(&mut t, srk, b"", b"x", &sealed());
    let r = load(&mut t, srk, &private, &spub);
    let h = u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap());
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_CREATE,
            &with_auth(&[h], b"", &create_body(b"", b"x", &sealed())),
        ),
    );
    assert_eq!(rc(&r), 0x18A);
    // All three slots used: TPM_RC_OBJECT_MEMORY.
    let (ek, _, _) = create_primary(&mut t, 0x4000_000B, &srk_ecc());
    let r = load(&mut t, srk, &private, &spub);
    assert_eq!(rc(&r), 0x902);
    // ObjectChangeAuth with the wrong parent: TPM_RC_TYPE, handle 2.
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_OBJECT_CHANGE_AUTH,
            &with_auth(&[h, ek], b"", &b2(b"new")),
        ),
    );
    assert_eq!(rc(&r), 0x28A);
    // A hierarchy is no TPMI_DH_OBJECT: TPM_RC_VALUE, handle 2.
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_OBJECT_CHANGE_AUTH,
            &with_auth(&[h, 0x4000_0001], b"", &b2(b"new")),
        ),
    );
    assert_eq!(rc(&r), 0x284);
    // With the right parent: a new private area that loads with the new authValue.
    let r = t.execute_vec(
        0,
        &cmd(
            ST_SESS,
            CC_OBJECT_CHANGE_AUTH,
            &with_auth(&[h, srk], b"", &b2(b"new")),
        ),
    );
    let new_private = tpm2b(ok(&r), 14).0.to_vec();
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &ek.to_be_bytes())));
    let r = load(&mut t, srk, &new_private, &spub);
    let h2 = u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap());
    assert_eq!(tpm2b(ok(&unseal(&mut t, h2, b"new")), 14).0, b"x");
    assert_eq!(rc(&unseal(&mut t, h, b"new")), 0x9A2);
}

#[test]
fn load_external_public_key() {
    let mut t = started();
    let (srk, public, name) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &srk.to_be_bytes())));
    // The SRK's public part, as an external key in the owner hierarchy: same Name.
    let mut p = 0u16.to_be_bytes().to_vec();
    p.extend(b2(&public));
    p.extend_from_slice(&0x4000_0001u32.to_be_bytes());
    let r = t.execute_vec(0, &cmd(ST_NO, CC_LOAD_EXTERNAL, &p));
    assert_eq!(tpm2b(ok(&r), 14).0, &name[..]);
    // Off the curve: TPM_RC_ECC_POINT, parameter 2.
    let mut off = public.clone();
    let last = off.len() - 1;
    off[last] ^= 1;
    let mut p = 0u16.to_be_bytes().to_vec();
    p.extend(b2(&off));
    p.extend_from_slice(&0x4000_0001u32.to_be_bytes());
    let r = t.execute_vec(0, &cmd(ST_NO, CC_LOAD_EXTERNAL, &p));
    assert_eq!(rc(&r), 0x2E7);
}

/// RSA primaries are kept in the permanent state: after a restart the same CreatePrimary
/// answers from the cache with the same key; TPM2_Clear drops the cache.
#[test]
fn rsa_primaries_cached_in_permanent_state() {
    let mut t = started();
    let mut rsa = Vec::new();
    rsa.extend_from_slice(&0x0001u16.to_be_bytes());
    rsa.extend_from_slice(&0x000Bu16.to_be_bytes());
    rsa.extend_from_slice(&0x0003_0472u32.to_be_bytes());
    rsa.extend_from_slice(&0u16.to_be_bytes());
    rsa.extend_from_slice(&[0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10]);
    rsa.extend_from_slice(&2048u16.to_be_bytes());
    rsa.extend_from_slice(&0u32.to_be_bytes());
    rsa.extend_from_slice(&0u16.to_be_bytes());
    let (h, public, _) = create_primary(&mut t, 0x4000_0001, &rsa);
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h.to_be_bytes())));
    assert_eq!(t.perm.primary_cache.len(), 1);
    // ECC primaries are cheap and not written.
    let (h, _, _) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    ok(&t.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h.to_be_bytes())));
    assert_eq!(t.perm.primary_cache.len(), 1);
    let perm = t.state(StateKind::Permanent);
    let mut t2 = Tpm2::new(Box::new(ManualPlatform::new()));
    t2.set_state(StateKind::Permanent, &perm).unwrap();
    t2.init(InitFlags::default()).unwrap();
    ok(&t2.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0])));
    assert_eq!(t2.perm.primary_cache.len(), 1);
    assert!(t2.primary_cache.is_empty());
    let (h, public2, _) = create_primary(&mut t2, 0x4000_0001, &rsa);
    assert_eq!(public2, public);
    assert_eq!(
        t2.primary_cache.len(),
        1,
        "answered from the permanent cache"
    );
    ok(&t2.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h.to_be_bytes())));
    // A damaged cache entry is ignored and the key derived again.
    t2.perm.primary_cache[0].1.truncate(10);
    t2.primary_cache.clear();
    let (h, public3, _) = create_primary(&mut t2, 0x4000_0001, &rsa);
    assert_eq!(public3, public);
    ok(&t2.execute_vec(0, &cmd(ST_NO, CC_FLUSH, &h.to_be_bytes())));
    // TPM2_Clear (lockout authorization) drops it.
    ok(&t2.execute_vec(
        0,
        &cmd(ST_SESS, 0x126, &with_auth(&[0x4000_000A], b"", &[])),
    ));
    assert!(t2.perm.primary_cache.is_empty());
    assert!(t2.primary_cache.is_empty());
}

/// Loaded key objects travel in the volatile image (migration, CMD_STOP with state saving):
/// a sealed object loaded before the export unseals after the import.
#[test]
fn key_objects_in_the_volatile_image() {
    let mut t = started();
    let (srk, _, _) = create_primary(&mut t, 0x4000_0001, &srk_ecc());
    let (private, spub) = create(&mut t, srk, b"pw", b"migrating", &sealed());
    let r = load(&mut t, srk, &private, &spub);
    let h = u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap());
    let perm = t.state(StateKind::Permanent);
    let vol = t.state(StateKind::Volatile);
    let mut t2 = Tpm2::new(Box::new(ManualPlatform::new()));
    t2.set_state(StateKind::Permanent, &perm).unwrap();
    t2.set_state(StateKind::Volatile, &vol).unwrap();
    t2.init(InitFlags::default()).unwrap();
    assert_eq!(tpm2b(ok(&unseal(&mut t2, h, b"pw")), 14).0, b"migrating");
    // The SRK came along too and still parents.
    let r = load(&mut t2, srk, &private, &spub);
    assert_eq!(
        u32::from_be_bytes(ok(&r)[10..14].try_into().unwrap()),
        0x8000_0002
    );
}
