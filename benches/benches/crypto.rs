//! Criterion benches of tpm-crypto primitives (group `crypto`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tpm_crypto::drbg::{DfMode, Drbg};
use tpm_crypto::ecc::{EccCurve, EccPrivateKey};
use tpm_crypto::hash::{HashAlg, digest};
use tpm_crypto::rsa::RsaPrivateKey;
use tpm_crypto::sym::{self, AesKey, SymMode};

fn crypto(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto");
    let data = vec![0x5au8; 1024];
    let mut rng = Drbg::instantiate(DfMode::NoDf, &[7; 48], &[], b"bench").unwrap();

    g.bench_function("sha256 1 KiB", |b| {
        b.iter(|| digest(HashAlg::Sha256, black_box(&data)))
    });
    g.bench_function("hmac-sha256 1 KiB", |b| {
        b.iter(|| tpm_crypto::hmac(HashAlg::Sha256, b"key", black_box(&data)))
    });
    g.bench_function("kdfa 32 bytes", |b| {
        let mut out = [0u8; 32];
        b.iter(|| {
            tpm_crypto::kdfa(
                HashAlg::Sha256,
                b"seed",
                b"STORAGE",
                b"u",
                b"v",
                256,
                &mut out,
            )
        })
    });
    let aes = AesKey::new(&[1; 16]).unwrap();
    g.bench_function("aes-128-cfb 1 KiB", |b| {
        let mut buf = data.clone();
        b.iter(|| {
            let mut iv = [0u8; 16];
            sym::encrypt(&aes, SymMode::Cfb, &mut iv, black_box(&mut buf)).unwrap()
        })
    });
    let rsa = RsaPrivateKey::generate(2048, 0, &mut rng).unwrap();
    let dg = digest(HashAlg::Sha256, b"msg");
    g.bench_function("rsa-2048 sign pkcs1", |b| {
        b.iter(|| {
            rsa.sign_pkcs1v15(HashAlg::Sha256, black_box(dg.as_slice()))
                .unwrap()
        })
    });
    let ecc = EccPrivateKey::generate(EccCurve::NistP256, &mut rng).unwrap();
    let sig = ecc.sign_ecdsa(dg.as_slice(), &mut rng).unwrap();
    let public = ecc.public_key();
    g.bench_function("ecdsa p256 sign", |b| {
        b.iter(|| ecc.sign_ecdsa(black_box(dg.as_slice()), &mut rng).unwrap())
    });
    g.bench_function("ecdsa p256 verify", |b| {
        b.iter(|| {
            public
                .verify_ecdsa(black_box(dg.as_slice()), &sig.r, &sig.s)
                .unwrap()
        })
    });
    g.bench_function("ecdh p256", |b| {
        b.iter(|| ecc.ecdh(black_box(&public)).unwrap())
    });
    let mut rng2 = Drbg::instantiate(DfMode::NoDf, &[9; 48], &[], b"").unwrap();
    g.bench_function("drbg 32 bytes", |b| {
        let mut out = [0u8; 32];
        b.iter(|| rng2.generate(black_box(&mut out), &[]).unwrap())
    });
    g.finish();
}

criterion_group!(benches, crypto);
criterion_main!(benches);
