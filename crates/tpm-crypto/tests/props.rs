//! Property tests: round trips, IV chaining, and the single OAEP decryption error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::OnceLock;

use proptest::prelude::*;
use tpm_crypto::Error;
use tpm_crypto::drbg::{DfMode, Drbg};
use tpm_crypto::ecc::{EccCurve, EccPrivateKey};
use tpm_crypto::hash::HashAlg;
use tpm_crypto::rsa::RsaPrivateKey;
use tpm_crypto::sym::{self, AesKey, SymMode};

fn drbg(seed: u8) -> Drbg {
    Drbg::instantiate(DfMode::NoDf, &[seed; 48], &[], b"props").unwrap()
}

fn rsa_key() -> &'static RsaPrivateKey {
    static K: OnceLock<RsaPrivateKey> = OnceLock::new();
    K.get_or_init(|| RsaPrivateKey::generate(1024, 0, &mut drbg(7)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sym_round_trip_and_chunking(
        key_len in prop::sample::select(vec![16usize, 24, 32]),
        mode in prop::sample::select(SymMode::ALL.to_vec()),
        key in prop::collection::vec(any::<u8>(), 32),
        iv in any::<[u8; 16]>(),
        blocks in 0usize..8,
        tail in 0usize..16,
        split in 0usize..8,
    ) {
        let k = AesKey::new(&key[..key_len]).unwrap();
        let tail = if mode.needs_full_blocks() { 0 } else { tail };
        let data: Vec<u8> = (0..blocks * 16 + tail).map(|i| i as u8).collect();
        let mut one = data.clone();
        let mut iv1 = iv;
        sym::encrypt(&k, mode, &mut iv1, &mut one).unwrap();
        // Two calls split at a block boundary give the same bytes and the same final IV.
        let cut = (split.min(blocks)) * 16;
        let mut two = data.clone();
        let mut iv2 = iv;
        let (a, b) = two.split_at_mut(cut);
        sym::encrypt(&k, mode, &mut iv2, a).unwrap();
        sym::encrypt(&k, mode, &mut iv2, b).unwrap();
        prop_assert_eq!(&one, &two);
        if mode != SymMode::Ecb {
            prop_assert_eq!(iv1, iv2);
        }
        let mut iv3 = iv;
        sym::decrypt(&k, mode, &mut iv3, &mut one).unwrap();
        prop_assert_eq!(one, data);
        if mode != SymMode::Ecb {
            prop_assert_eq!(iv3, iv1);
        }
    }

    #[test]
    fn cbc_ecb_reject_partial_blocks(len in 1usize..64, mode in prop::sample::select(vec![SymMode::Cbc, SymMode::Ecb])) {
        prop_assume!(len % 16 != 0);
        let k = AesKey::new(&[1; 16]).unwrap();
        let mut iv = [0; 16];
        let mut d = vec![0u8; len];
        prop_assert_eq!(sym::encrypt(&k, mode, &mut iv, &mut d), Err(Error::Length));
    }

    #[test]
    fn xor_obfuscation_is_involution(data in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut d = data.clone();
        sym::xor_obfuscate(HashAlg::Sha256, b"key", b"newer", b"older", &mut d).unwrap();
        if data.len() > 8 { prop_assert_ne!(&d, &data); }
        sym::xor_obfuscate(HashAlg::Sha256, b"key", b"newer", b"older", &mut d).unwrap();
        prop_assert_eq!(d, data);
    }

    #[test]
    fn ecdsa_sign_verify(seed in any::<u8>(), dg in prop::collection::vec(any::<u8>(), 20..=64), p384 in any::<bool>()) {
        let c = if p384 { EccCurve::NistP384 } else { EccCurve::NistP256 };
        let mut rng = drbg(seed);
        let k = EccPrivateKey::generate(c, &mut rng).unwrap();
        let s = k.sign_ecdsa(&dg, &mut rng).unwrap();
        prop_assert!(k.public_key().verify_ecdsa(&dg, &s.r, &s.s).is_ok());
        let mut bad = dg.clone();
        bad[0] ^= 1;
        prop_assert_eq!(k.public_key().verify_ecdsa(&bad, &s.r, &s.s), Err(Error::Signature));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn rsa_sign_verify(seed in any::<u8>(), alg in prop::sample::select(HashAlg::ALL.to_vec())) {
        let k = rsa_key();
        let dg = tpm_crypto::hash::digest(alg, &[seed]);
        let s = k.sign_pkcs1v15(alg, dg.as_slice()).unwrap();
        prop_assert!(k.public_key().verify_pkcs1v15(alg, dg.as_slice(), &s).is_ok());
        let s = k.sign_pss(alg, dg.as_slice(), &mut drbg(seed)).unwrap();
        prop_assert!(k.public_key().verify_pss(alg, dg.as_slice(), &s).is_ok());
        prop_assert!(k.public_key().verify_pkcs1v15(alg, dg.as_slice(), &s).is_err());
    }

    #[test]
    fn oaep_round_trip_and_single_error(
        msg in prop::collection::vec(any::<u8>(), 0..40),
        bit in 0usize..1024,
        label in prop::sample::select(vec![&b""[..], b"DUPLICATE", b"SECRET\0", b"IDENTITY"]),
    ) {
        let k = rsa_key();
        let mut rng = drbg(bit as u8);
        let c = k.public_key().encrypt_oaep(HashAlg::Sha256, label, &msg, &mut rng).unwrap();
        let m = k.decrypt_oaep(HashAlg::Sha256, label, &c).unwrap();
        prop_assert_eq!(m.as_bytes(), &msg[..]);
        let mut bad = c.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let r = k.decrypt_oaep(HashAlg::Sha256, label, &bad);
        // Flipping the top bit may push c above n: still the one decryption error.
        prop_assert_eq!(r.err(), Some(Error::Decrypt));
        let pk = k.public_key().encrypt_pkcs1v15(&msg, &mut rng).unwrap();
        let m = k.decrypt_pkcs1v15(&pk).unwrap();
        prop_assert_eq!(m.as_bytes(), &msg[..]);
    }
}

#[test]
fn oaep_label_terminator_is_implicit() {
    let k = rsa_key();
    let c = k
        .public_key()
        .encrypt_oaep(HashAlg::Sha1, b"DUPLICATE", b"seed", &mut drbg(1))
        .unwrap();
    assert_eq!(
        k.decrypt_oaep(HashAlg::Sha1, b"DUPLICATE\0", &c)
            .unwrap()
            .as_bytes(),
        b"seed"
    );
    assert_eq!(
        k.decrypt_oaep(HashAlg::Sha1, b"", &c).err(),
        Some(Error::Decrypt)
    );
}

#[test]
fn drbg_stir_changes_output_and_os_seeding_works() {
    let mut a = drbg(3);
    let mut b = drbg(3);
    b.stir_with_entropy(&[0; 48], b"stir").unwrap();
    let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
    a.generate(&mut x, &[]).unwrap();
    b.generate(&mut y, &[]).unwrap();
    assert_ne!(x, y);
    let mut os = Drbg::from_os_entropy(b"").unwrap();
    os.stir(b"more").unwrap();
    os.fill(&mut [0u8; 70000]).unwrap();
    assert_eq!(os.generate(&mut vec![0u8; 70000], &[]), Err(Error::Length));
}
