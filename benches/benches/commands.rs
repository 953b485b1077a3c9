//! Criterion benches of the TPM 2.0 engine in process (groups `commands` and `state`).
//!
//! Each command goes through `TpmEngine::execute` into a preallocated 4096-byte response
//! buffer, after Startup(CLEAR), as a front door drives the engine. Inputs that a cache could
//! flatter change between iterations (the extended digest, the hashed data).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tpm_device::{InitFlags, StateKind, TpmEngine};
use tpm2_engine::Tpm2;
use tpm2_engine::platform::ManualPlatform;

const STARTUP_CLEAR: &str = concat!("8001", "0000000c", "00000144", "0000");
/// TPM2_PCR_Extend of PCR 10 (IMA's), password session, one SHA-256 digest: the bytes the
/// Linux kernel's `tpm2_pcr_extend` sends on a SHA-256-only TPM. The digest is the last 32
/// bytes.
const PCR_EXTEND_10: &str = concat!(
    "8002", "00000041", "00000182", // header
    "0000000a", // pcrHandle
    "00000009", "40000009", "0000", "00", "0000", // TPM_RS_PW, empty nonce and HMAC
    "00000001", "000b", // digests: one SHA-256
);
/// TPM2_PCR_Read of SHA-256 PCR 10.
const PCR_READ_10: &str = concat!(
    "8001", "00000014", "0000017e", "00000001", "000b", "03", "000400"
);
/// TPM2_GetRandom of 32 bytes.
const GET_RANDOM_32: &str = concat!("8001", "0000000c", "0000017b", "0020");
/// TPM2_ReadClock.
const READ_CLOCK: &str = concat!("8001", "0000000a", "00000181");
/// TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_FIXED, 127), as `tpm2_getcap
/// properties-fixed` sends it.
const GET_CAP_FIXED: &str = concat!(
    "8001", "00000016", "0000017a", "00000006", "00000100", "0000007f"
);

fn cmd(hex_cmd: &str) -> Vec<u8> {
    hex::decode(hex_cmd).unwrap()
}

/// TPM2_Hash of 1 KiB with SHA-256 under the owner hierarchy (a ticket is produced), as
/// `tpm2_hash -C o -g sha256` sends it. The data is bytes 12..1036.
fn hash_1k() -> Vec<u8> {
    let mut c = Vec::with_capacity(1042);
    c.extend_from_slice(&0x8001u16.to_be_bytes());
    c.extend_from_slice(&0u32.to_be_bytes());
    c.extend_from_slice(&0x17du32.to_be_bytes());
    c.extend_from_slice(&1024u16.to_be_bytes());
    c.extend_from_slice(&[0x5a; 1024]);
    c.extend_from_slice(&0x000bu16.to_be_bytes());
    c.extend_from_slice(&0x4000_0001u32.to_be_bytes());
    let len = u32::try_from(c.len()).unwrap().to_be_bytes();
    c[2..6].copy_from_slice(&len);
    c
}

/// A powered-on engine on a manual platform, before Startup.
fn powered() -> Tpm2 {
    let mut tpm = Tpm2::new(Box::new(ManualPlatform::new()));
    tpm.init(InitFlags::default()).unwrap();
    tpm
}

/// A powered-on engine after Startup(CLEAR).
fn started() -> Tpm2 {
    let mut tpm = powered();
    let rsp = tpm.execute_vec(0, &cmd(STARTUP_CLEAR));
    assert_eq!(rc(&rsp), 0, "Startup(CLEAR) failed");
    tpm
}

fn rc(rsp: &[u8]) -> u32 {
    u32::from_be_bytes(rsp[6..10].try_into().unwrap())
}

/// Execute once outside the measurement and check that the command succeeds.
fn check(tpm: &mut Tpm2, c: &[u8], rsp: &mut [u8], name: &str) {
    let n = tpm.execute(0, c, rsp);
    assert!(n >= 10, "{name}: no response");
    assert_eq!(rc(&rsp[..n]), 0, "{name}: TPM_RC {:#x}", rc(&rsp[..n]));
}

fn commands(c: &mut Criterion) {
    let mut g = c.benchmark_group("commands");
    let mut rsp = vec![0u8; 4096];
    let mut tpm = started();

    // A new digest each iteration: the counter goes into the digest's last 8 bytes.
    let mut extend = cmd(PCR_EXTEND_10);
    extend.extend_from_slice(&[0x11; 32]);
    assert_eq!(extend.len(), 0x41);
    check(&mut tpm, &extend, &mut rsp, "PCR_Extend");
    let mut counter = 0u64;
    g.bench_function("pcr_extend sha256 pw-session", |b| {
        b.iter(|| {
            counter = counter.wrapping_add(1);
            extend[57..65].copy_from_slice(&counter.to_be_bytes());
            tpm.execute(0, black_box(&extend), &mut rsp)
        })
    });

    let read = cmd(PCR_READ_10);
    check(&mut tpm, &read, &mut rsp, "PCR_Read");
    g.bench_function("pcr_read 1 sha256", |b| {
        b.iter(|| tpm.execute(0, black_box(&read), &mut rsp))
    });

    let random = cmd(GET_RANDOM_32);
    check(&mut tpm, &random, &mut rsp, "GetRandom");
    g.bench_function("get_random 32", |b| {
        b.iter(|| tpm.execute(0, black_box(&random), &mut rsp))
    });

    let clock = cmd(READ_CLOCK);
    check(&mut tpm, &clock, &mut rsp, "ReadClock");
    g.bench_function("read_clock", |b| {
        b.iter(|| tpm.execute(0, black_box(&clock), &mut rsp))
    });

    let cap = cmd(GET_CAP_FIXED);
    check(&mut tpm, &cap, &mut rsp, "GetCapability");
    g.bench_function("get_capability properties-fixed", |b| {
        b.iter(|| tpm.execute(0, black_box(&cap), &mut rsp))
    });

    let mut hash = hash_1k();
    check(&mut tpm, &hash, &mut rsp, "Hash");
    g.bench_function("hash sha256 1 KiB", |b| {
        b.iter(|| {
            counter = counter.wrapping_add(1);
            hash[12..20].copy_from_slice(&counter.to_be_bytes());
            tpm.execute(0, black_box(&hash), &mut rsp)
        })
    });

    // Startup(CLEAR) alone on a freshly manufactured, powered-on engine.
    let startup = cmd(STARTUP_CLEAR);
    g.bench_function("startup clear", |b| {
        b.iter_batched(
            powered,
            |mut fresh| {
                let n = fresh.execute(0, black_box(&startup), &mut rsp);
                (n, fresh)
            },
            BatchSize::SmallInput,
        )
    });
    // The whole cold start: new engine, _TPM_Init (manufacture), Startup(CLEAR).
    g.bench_function("new + init + startup clear", |b| {
        b.iter(|| {
            let mut fresh = Tpm2::new(Box::new(ManualPlatform::new()));
            fresh.init(InitFlags::default()).unwrap();
            let n = fresh.execute(0, black_box(&startup), &mut rsp);
            (n, fresh)
        })
    });
    g.finish();
}

fn state(c: &mut Criterion) {
    let mut g = c.benchmark_group("state");
    let tpm = started();
    let image = tpm.state(StateKind::Permanent);
    assert!(!image.is_empty());
    g.bench_function("export permanent", |b| {
        b.iter(|| black_box(&tpm).state(StateKind::Permanent))
    });
    // set_state parses and checks the image; the engine must be off.
    let mut off = Tpm2::new(Box::new(ManualPlatform::new()));
    off.set_state(StateKind::Permanent, &image).unwrap();
    g.bench_function("import permanent", |b| {
        b.iter(|| {
            off.set_state(StateKind::Permanent, black_box(&image))
                .unwrap()
        })
    });
    g.finish();
}

fn b2(b: &[u8]) -> Vec<u8> {
    let mut v = u16::try_from(b.len()).unwrap().to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

/// A command with one empty-password session for `handles`.
fn with_pw(cc: u32, handles: &[u32], params: &[u8]) -> Vec<u8> {
    let mut c = 0x8002u16.to_be_bytes().to_vec();
    c.extend_from_slice(&0u32.to_be_bytes());
    c.extend_from_slice(&cc.to_be_bytes());
    for h in handles {
        c.extend_from_slice(&h.to_be_bytes());
    }
    c.extend_from_slice(&9u32.to_be_bytes());
    c.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 1, 0, 0]);
    c.extend_from_slice(params);
    let len = u32::try_from(c.len()).unwrap().to_be_bytes();
    c[2..6].copy_from_slice(&len);
    c
}

/// CreatePrimary/Create parameters: inSensitive (no auth, `data`), inPublic, no outsideInfo,
/// no creation PCRs.
fn create_params(data: &[u8], tmpl: &[u8]) -> Vec<u8> {
    let mut sens = b2(b"");
    sens.extend(b2(data));
    let mut v = b2(&sens);
    v.extend(b2(tmpl));
    v.extend(b2(b""));
    v.extend_from_slice(&0u32.to_be_bytes());
    v
}

/// TCG SRK templates (RSA-2048, ECC P-256, ECC P-384), an RSA-2048 signing key, sealed data.
const SRK_RSA: &str = "0001000b00030472000000060080004300100800000000000000";
const SRK_ECC256: &str = "0023000b00030472000000060080004300100003001000000000";
const SRK_ECC384: &str = "0023000c00030472000000060100004300100004001000000000";
const RSA_SIGN: &str = "0001000b00040472000000100014000b0800000000000000";
const SEALED: &str = "0008000b0000045200000010 0000";

fn tmpl(h: &str) -> Vec<u8> {
    hex::decode(h.replace(' ', "")).unwrap()
}

/// TPM2_CreatePrimary of `t` in the owner hierarchy with `data` as inSensitive.data.
fn create_primary(t: &[u8], data: &[u8]) -> Vec<u8> {
    with_pw(0x131, &[0x4000_0001], &create_params(data, t))
}

fn flush(h: u32) -> Vec<u8> {
    let mut c = hex::decode("8001000000 0e00000165".replace(' ', "")).unwrap();
    c.extend_from_slice(&h.to_be_bytes());
    c
}

/// Key objects: CreatePrimary cold (new sensitive data each time, so the primary cache
/// misses) and cached, Create, Load + Unseal.
fn objects(c: &mut Criterion) {
    let mut g = c.benchmark_group("objects");
    g.sample_size(10);
    let mut rsp = vec![0u8; 4096];
    let mut tpm = started();
    let mut counter = 0u64;
    for (name, t) in [
        ("create_primary ecc p256 cold", SRK_ECC256),
        ("create_primary ecc p384 cold", SRK_ECC384),
        ("create_primary rsa 2048 cold", SRK_RSA),
    ] {
        let t = tmpl(t);
        g.bench_function(name, |b| {
            b.iter(|| {
                counter += 1;
                let c = create_primary(&t, &counter.to_be_bytes());
                let n = tpm.execute(0, black_box(&c), &mut rsp);
                assert_eq!(rc(&rsp[..n]), 0);
                tpm.execute(0, &flush(0x8000_0000), &mut rsp)
            })
        });
    }
    let rsa = tmpl(SRK_RSA);
    let cached = create_primary(&rsa, b"");
    check(&mut tpm, &cached, &mut rsp, "CreatePrimary RSA");
    check(&mut tpm, &flush(0x8000_0000), &mut rsp, "flush");
    g.bench_function("create_primary rsa 2048 cached", |b| {
        b.iter(|| {
            let n = tpm.execute(0, black_box(&cached), &mut rsp);
            assert_eq!(rc(&rsp[..n]), 0);
            tpm.execute(0, &flush(0x8000_0000), &mut rsp)
        })
    });
    // A persistent ECC SRK at 0x81000001 and a sealed blob under it.
    let srk = create_primary(&tmpl(SRK_ECC256), b"");
    check(&mut tpm, &srk, &mut rsp, "SRK");
    let evict = with_pw(
        0x120,
        &[0x4000_0001, 0x8000_0000],
        &0x8100_0001u32.to_be_bytes(),
    );
    check(&mut tpm, &evict, &mut rsp, "EvictControl");
    check(&mut tpm, &flush(0x8000_0000), &mut rsp, "flush");
    let rsa_sign = tmpl(RSA_SIGN);
    g.bench_function("create rsa 2048 signing key", |b| {
        b.iter(|| {
            let c = with_pw(0x153, &[0x8100_0001], &create_params(b"", &rsa_sign));
            tpm.execute(0, black_box(&c), &mut rsp)
        })
    });
    let c = with_pw(
        0x153,
        &[0x8100_0001],
        &create_params(b"the disk key", &tmpl(SEALED)),
    );
    let n = tpm.execute(0, &c, &mut rsp);
    assert_eq!(rc(&rsp[..n]), 0);
    let r = rsp[..n].to_vec();
    let plen = usize::from(u16::from_be_bytes([r[14], r[15]]));
    let private = r[16..16 + plen].to_vec();
    let at = 16 + plen;
    let ulen = usize::from(u16::from_be_bytes([r[at], r[at + 1]]));
    let public = r[at + 2..at + 2 + ulen].to_vec();
    let mut lp = b2(&private);
    lp.extend(b2(&public));
    let load = with_pw(0x157, &[0x8100_0001], &lp);
    // The loaded object's handle: the persistent parent's copy takes the first slot during
    // the Load, so it is 0x80000001 (as in libtpms).
    let n = tpm.execute(0, &load, &mut rsp);
    assert_eq!(rc(&rsp[..n]), 0);
    let h = u32::from_be_bytes(rsp[10..14].try_into().unwrap());
    check(&mut tpm, &flush(h), &mut rsp, "flush");
    let unseal = with_pw(0x15e, &[h], &[]);
    g.bench_function("load + unseal + flush", |b| {
        b.iter(|| {
            let n = tpm.execute(0, black_box(&load), &mut rsp);
            assert_eq!(rc(&rsp[..n]), 0);
            let n = tpm.execute(0, black_box(&unseal), &mut rsp);
            assert_eq!(rc(&rsp[..n]), 0);
            tpm.execute(0, &flush(h), &mut rsp)
        })
    });
    g.finish();
}

criterion_group!(benches, commands, state, objects);
criterion_main!(benches);
