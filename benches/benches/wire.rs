//! Criterion benches of the codec (group `wire`): tpm-wire's reader and writer, the tpm2-types
//! structures a TPM parses most, and the whole-message parser.
//!
//! Inputs are real bytes: the EK template, the PCR selection, the command attributes and both
//! commands come from `tests/vectors/tpm2-traffic.txt` (recorded from swtpm/libtpms driven by
//! tpm2-tools); the ECC template is the TCG EK Credential Profile's low-range template L-2.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tpm_wire::{Marshal, Profile, Reader, Unmarshal, Writer, from_bytes};
use tpm2_types::{Tpm2bPublic, TpmlPcrSelection, TpmsCapabilityData, parse_request};

/// TPM_ALG_RSA, TPM_ALG_SHA256, TPMA_OBJECT 0x000300b2 and the EK policy (PolicySecret of the
/// endorsement hierarchy): the start of every EK template (TCG EK Credential Profile 2.0 §B.3).
const EK_HEAD: &str = "000b000300b20020\
    837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa\
    000600800043";

/// TPM2B_PUBLIC of the RSA-2048 EK template, as `tpm2_createek -G rsa` sends it (traffic line
/// of `# tpm2_createek -c ek.ctx -G rsa`): AES-128-CFB, no scheme, 2048 bits, exponent 0,
/// a 256-byte zero unique.
fn ek_rsa2048() -> Vec<u8> {
    let mut area = hex::decode(format!("0001{EK_HEAD}0010080000000000")).unwrap();
    area.extend_from_slice(&256u16.to_be_bytes());
    area.extend_from_slice(&[0; 256]);
    sized(&area)
}

/// TPM2B_PUBLIC of the ECC NIST P-256 EK template (L-2): AES-128-CFB, no scheme, curve P-256,
/// no KDF, a unique point of two 32-byte zero coordinates.
fn ek_ecc_p256() -> Vec<u8> {
    let mut area = hex::decode(format!("0023{EK_HEAD}001000030010")).unwrap();
    for _ in 0..2 {
        area.extend_from_slice(&32u16.to_be_bytes());
        area.extend_from_slice(&[0; 32]);
    }
    sized(&area)
}

fn sized(area: &[u8]) -> Vec<u8> {
    let mut v = u16::try_from(area.len()).unwrap().to_be_bytes().to_vec();
    v.extend_from_slice(area);
    v
}

/// TPML_PCR_SELECTION of `tpm2_pcrread sha1:0,1,2+sha256:0,1,2,16`.
const PCR_SELECTION: &str = "00000002000403070000000b03070001";

/// TPMS_CAPABILITY_DATA: TPM_CAP_COMMANDS with the first 30 TPMA_CC of libtpms's answer to
/// `tpm2_getcap commands`.
const CAPABILITY_CC30: &str = "000000020000001e\
    0440011f0440012002c001210440012202c0012402c0012502c001260240012702400128024001290240012a\
    0240012b0240012c0240012d0240012e020001301200013102400132044001330440013404400135044001360440\
    013704400138024001390240013a0240013b0240013c0240013d0300013e";

/// TPM2_PCR_Extend of PCR 16 with a password session and one SHA-256 digest
/// (`tpm2_pcrextend 16:sha256=11..11`), the layout the Linux kernel sends.
const PCR_EXTEND: &str = "80020000004100000182000000100000000940000009000000000000000001000b\
    1111111111111111111111111111111111111111111111111111111111111111";

/// TPM2_CreatePrimary of an RSA-2048 storage key under the owner hierarchy
/// (`tpm2_createprimary -C o -g sha256 -G rsa2048`).
const CREATE_PRIMARY: &str = "80020000008300000131400000010000004902000000002051a529a285f099bc\
    929f04ddef4d11c6a7a9f05cca12f2a6ab5fca97ca48b72a0100207a03f818a510ffcbf41e97453d6a8dca7781\
    92d312a4c87e8e2f90d262673e53000400000000001a0001000b00030072000000060080004300100800000000\
    000000000000000000";

/// Benchmark unmarshalling `bytes` as `T` and marshalling the value back into a buffer.
fn codec<T>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    bytes: &[u8],
) where
    T: for<'a> Unmarshal<'a> + Marshal,
{
    let p = Profile::ALL;
    let value: T = from_bytes(bytes, &p).unwrap();
    let mut out = [0u8; 1024];
    let mut w = Writer::new(&mut out);
    value.marshal(&mut w);
    let n = w.finish().unwrap();
    assert_eq!(&out[..n], bytes, "{name} does not re-marshal to its input");

    g.bench_function(format!("unmarshal {name}"), |b| {
        b.iter(|| from_bytes::<T>(black_box(bytes), &p).unwrap())
    });
    g.bench_function(format!("marshal {name}"), |b| {
        b.iter(|| {
            let mut w = Writer::new(&mut out);
            black_box(&value).marshal(&mut w);
            w.finish().unwrap()
        })
    });
}

fn wire(c: &mut Criterion) {
    let mut g = c.benchmark_group("wire");
    let p = Profile::ALL;

    // Reader and writer basics: a TPM header and a handle area's worth of integers.
    let ints: Vec<u8> = (0u8..64).collect();
    g.bench_function("reader 16 x u32", |b| {
        b.iter(|| {
            let mut r = Reader::new(black_box(&ints));
            let mut acc = 0u32;
            while let Ok(v) = r.read_u32() {
                acc = acc.wrapping_add(v);
            }
            acc
        })
    });
    g.bench_function("reader header + sub + take", |b| {
        b.iter(|| {
            let mut r = Reader::new(black_box(&ints));
            let tag = r.read_u16().unwrap();
            let size = r.read_u32().unwrap();
            let cc = r.read_u32().unwrap();
            let mut sub = r.sub(32).unwrap();
            let head = sub.take(16).unwrap();
            (tag, size, cc, head.len(), sub.rest().len(), r.remaining())
        })
    });
    let mut slice = [0u8; 64];
    g.bench_function("writer 16 x u32 slice", |b| {
        b.iter(|| {
            let mut w = Writer::new(&mut slice);
            for i in 0..16u32 {
                w.u32(black_box(i));
            }
            w.finish().unwrap()
        })
    });
    let mut vec = Vec::with_capacity(64);
    g.bench_function("writer 16 x u32 vec", |b| {
        b.iter(|| {
            vec.clear();
            let mut w = Writer::to_vec(&mut vec);
            for i in 0..16u32 {
                w.u32(black_box(i));
            }
            w.finish().unwrap()
        })
    });

    codec::<Tpm2bPublic>(&mut g, "TPM2B_PUBLIC rsa-2048 ek", &ek_rsa2048());
    codec::<Tpm2bPublic>(&mut g, "TPM2B_PUBLIC ecc p256 ek", &ek_ecc_p256());
    codec::<TpmlPcrSelection>(
        &mut g,
        "TPML_PCR_SELECTION 2 banks",
        &hex::decode(PCR_SELECTION).unwrap(),
    );
    codec::<TpmsCapabilityData>(
        &mut g,
        "TPMS_CAPABILITY_DATA 30 TPMA_CC",
        &hex::decode(CAPABILITY_CC30).unwrap(),
    );

    for (name, hex_cmd) in [
        ("pcr_extend pw", PCR_EXTEND),
        ("create_primary rsa-2048", CREATE_PRIMARY),
    ] {
        let cmd = hex::decode(hex_cmd).unwrap();
        let parsed = parse_request(&cmd, &p).unwrap();
        assert_eq!(
            parsed.to_bytes(),
            cmd,
            "{name} does not re-marshal to its input"
        );
        g.bench_function(format!("parse_request {name}"), |b| {
            b.iter(|| parse_request(black_box(&cmd), &p).unwrap())
        });
        g.bench_function(format!("to_bytes {name}"), |b| {
            b.iter(|| black_box(&parsed).to_bytes())
        });
    }
    g.finish();
}

criterion_group!(benches, wire);
criterion_main!(benches);
