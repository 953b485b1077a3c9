#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;

// Known answers computed independently with the OpenSSL command line:
//   openssl enc -aes-128-cbc -nopad -K <key> -iv <iv>   (on the hand-padded plaintext)
//   (ct ‖ iv) | openssl dgst -sha256 -mac hmac -macopt hexkey:<key>
const K128: &str = "000102030405060708090a0b0c0d0e0f";
const IV128: &str = "101112131415161718191a1b1c1d1e1f";
const IMG128: &[u8] = b"hello swtpm state"; // 17 bytes -> 15 pad bytes of 0x0f
const CT128: &str = "1eff1dc84ad6c640efba3a360ce8af85d014c8b4a57ff7a92013e880612d650b";
const MAC128: &str = "b36a404038082f7ba904ca58c05f95361ac8c6b37b96851280375d5dfbec386f";

const K256: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
// A 32-byte IV TLV: only the first 16 bytes are the CBC IV, all 32 are MACed.
const IV256: &str = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
// Image 00..1f (32 bytes) -> 32 pad bytes of 0x20: a full key-length pad block, which PKCS#7
// over 16-byte blocks would reject.
const CT256: &str = "302250587d1212b8d34d0d9b4cd995cbd218ff44d6b10a5af4549823cbc8c8a2\
                     4b55dab98604877f2722d152e7ebbbee5e3eacbe671476887b2c5b5987fe31da";
const MAC256: &str = "7a439224767b9bb154528ce7f744a1aba0f1191bb2550cd5dda7227221a95d6c";

// Legacy v1: AES-128-CBC, zero IV, over SHA-256("legacy") ‖ "legacy", padded.
const V1_CT: &str = "b0d0732ba378ac2e023934688f8464d0b0015ae7743b4be0d0458c064b3d370c\
                     bb23ec10786c2939420f346a13a969a2";

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn key(s: &str) -> StateKey {
    StateKey::from_bytes(&h(s)).unwrap()
}

fn img256() -> Vec<u8> {
    (0u8..32).collect()
}

fn expected_file(flags: u16, ct: &str, mac: &str, iv: &str) -> Vec<u8> {
    let mut body = Vec::new();
    put_tlv(&mut body, 2, &h(ct)).unwrap();
    put_tlv(&mut body, 3, &h(mac)).unwrap();
    put_tlv(&mut body, 6, &h(iv)).unwrap();
    let mut f = vec![2, 1, 0, 10];
    f.extend_from_slice(&flags.to_be_bytes());
    f.extend_from_slice(&u32::try_from(body.len() + 10).unwrap().to_be_bytes());
    f.extend_from_slice(&body);
    f
}

#[test]
fn encrypted_aes128_matches_openssl() {
    let k = key(K128);
    let iv = h(IV128);
    let f = wrap_state_with_iv(IMG128, Some((&k, &iv))).unwrap();
    assert_eq!(&f[..], &expected_file(0x0001, CT128, MAC128, IV128)[..]);
    assert_eq!(f.len(), 108);
    assert_eq!(&unwrap_state(&f, Some(&k)).unwrap()[..], IMG128);
}

#[test]
fn encrypted_aes256_matches_openssl() {
    let k = key(K256);
    let iv = h(IV256);
    let f = wrap_state_with_iv(&img256(), Some((&k, &iv))).unwrap();
    assert_eq!(&f[..], &expected_file(0x0009, CT256, MAC256, IV256)[..]);
    assert_eq!(&unwrap_state(&f, Some(&k)).unwrap()[..], &img256()[..]);
}

#[test]
fn plain_layout() {
    let f = wrap_state(b"abc", None).unwrap();
    assert_eq!(
        &f[..],
        &h("0201000a0000000000130001000000036162 63"
            .replace(' ', "")
            .as_str())[..]
    );
    assert_eq!(&unwrap_state(&f, None).unwrap()[..], b"abc");
}

#[test]
fn random_iv_round_trip_and_fresh_iv() {
    for k in [key(K128), key(K256)] {
        let a = wrap_state(b"state", Some(&k)).unwrap();
        let b = wrap_state(b"state", Some(&k)).unwrap();
        assert_ne!(a, b, "a fresh IV per write");
        assert_eq!(&unwrap_state(&a, Some(&k)).unwrap()[..], b"state");
        // The IV TLV is key-length long.
        let (_, body) = parse_header(&a).unwrap();
        let t = Tlvs::parse(body).unwrap();
        assert_eq!(t.require(tag::IVEC_ENCRYPTED_DATA).unwrap().len(), k.len());
        assert_eq!(t.require(tag::HMAC).unwrap().len(), 32);
    }
}

#[test]
fn wrong_key_and_flipped_bytes_are_one_integrity_error() {
    let k = key(K128);
    let f = wrap_state(b"some state image", Some(&k)).unwrap();
    let mut other = h(K128);
    other[0] ^= 1;
    let wrong = StateKey::from_bytes(&other).unwrap();
    assert!(matches!(
        unwrap_state(&f, Some(&wrong)),
        Err(Error::Integrity)
    ));
    // Every byte of every TLV value flipped: the HMAC catches it before decryption.
    for i in 10..f.len() {
        let mut g = f.to_vec();
        g[i] ^= 0x80;
        let r = unwrap_state(&g, Some(&k));
        assert!(r.is_err(), "flip at {i} accepted");
    }
    // Value bytes (not TLV headers) give exactly Integrity.
    let (_, body) = parse_header(&f).unwrap();
    let ct_start = 10 + 6;
    let ct_len = Tlvs::parse(body).unwrap().require(2).unwrap().len();
    for i in ct_start..ct_start + ct_len {
        let mut g = f.to_vec();
        g[i] ^= 1;
        assert!(
            matches!(unwrap_state(&g, Some(&k)), Err(Error::Integrity)),
            "at {i}"
        );
    }
    // Key size mismatch is named.
    let k256 = key(K256);
    assert!(matches!(
        unwrap_state(&f, Some(&k256)),
        Err(Error::KeySize {
            blob_bits: 128,
            key_bits: 256
        })
    ));
}

#[test]
fn key_presence_mismatch() {
    let k = key(K128);
    let enc = wrap_state(b"x", Some(&k)).unwrap();
    let pln = wrap_state(b"x", None).unwrap();
    assert!(matches!(unwrap_state(&enc, None), Err(Error::KeyRequired)));
    assert!(matches!(
        unwrap_state(&pln, Some(&k)),
        Err(Error::NotEncrypted)
    ));
}

#[test]
fn header_checks() {
    let f = wrap_state(b"abc", None).unwrap();
    // CVE-2026-75900: tiny blobs.
    for n in 0..10 {
        assert!(matches!(parse_header(&f[..n]), Err(Error::ShortBlob(m)) if m == n));
    }
    // CVE-2022-23645: totlen / hdrsize beyond the blob.
    let mut g = f.to_vec();
    g[9] += 1;
    assert!(matches!(parse_header(&g), Err(Error::TotalLength { .. })));
    let mut g = f.to_vec();
    g[3] = 0xff;
    assert!(matches!(parse_header(&g), Err(Error::HeaderSize(0xff))));
    let mut g = f.to_vec();
    g[1] = 3;
    assert!(matches!(
        parse_header(&g),
        Err(Error::Version { min_version: 3, .. })
    ));
    let mut g = f.to_vec();
    g[0] = 3;
    assert!(matches!(
        parse_header(&g),
        Err(Error::Version { version: 3, .. })
    ));
    // A TLV longer than the body.
    let mut g = f.to_vec();
    g[15] = 4;
    assert!(matches!(
        unwrap_state(&g, None),
        Err(Error::MalformedTlv(0))
    ));
    // Duplicate data TLV.
    let mut body = Vec::new();
    put_tlv(&mut body, 1, b"a").unwrap();
    put_tlv(&mut body, 1, b"b").unwrap();
    let g = header_then(0, &body).unwrap();
    assert!(matches!(
        unwrap_state(&g, None),
        Err(Error::DuplicateTlv(1))
    ));
    // Unknown TLVs are skipped.
    let mut body = Vec::new();
    put_tlv(&mut body, 99, b"zz").unwrap();
    put_tlv(&mut body, 1, b"a").unwrap();
    let g = header_then(0, &body).unwrap();
    assert_eq!(&unwrap_state(&g, None).unwrap()[..], b"a");
}

#[test]
fn missing_iv_means_zero_iv_and_mac_over_ciphertext_only() {
    // swtpm accepts an encrypted body without TLV 6 (files from before the IV was added).
    let k = key(K128);
    let ct = cbc_encrypt(&k, &[0; 16], b"old").unwrap();
    let mac = hmac_sha256(&k, &ct, None).unwrap();
    let mut body = Vec::new();
    put_tlv(&mut body, 2, &ct).unwrap();
    put_tlv(&mut body, 3, &mac).unwrap();
    let f = header_then(flags::ENCRYPTED, &body).unwrap();
    assert_eq!(&unwrap_state(&f, Some(&k)).unwrap()[..], b"old");
    // An IV TLV shorter than a block is refused (after the MAC over it verified).
    let iv = [9u8; 8];
    let mac = hmac_sha256(&k, &ct, Some(&iv)).unwrap();
    let mut body = Vec::new();
    put_tlv(&mut body, 2, &ct).unwrap();
    put_tlv(&mut body, 3, &mac).unwrap();
    put_tlv(&mut body, 6, &iv).unwrap();
    let f = header_then(flags::ENCRYPTED, &body).unwrap();
    assert!(matches!(unwrap_state(&f, Some(&k)), Err(Error::BadIv(8))));
}

#[test]
fn legacy_v1() {
    let k = key(K128);
    let ct = h(V1_CT);
    let mut f = vec![1, 1, 0, 10, 0, 1];
    f.extend_from_slice(&u32::try_from(10 + ct.len()).unwrap().to_be_bytes());
    f.extend_from_slice(&ct);
    assert_eq!(&unwrap_state(&f, Some(&k)).unwrap()[..], b"legacy");
    let mut g = f.clone();
    g[12] ^= 1;
    assert!(unwrap_state(&g, Some(&k)).is_err());
    // Plain v1: the body is the image.
    let mut p = vec![1, 1, 0, 10, 0, 0, 0, 0, 0, 13];
    p.extend_from_slice(b"raw");
    assert_eq!(&unwrap_state(&p, None).unwrap()[..], b"raw");
}

#[test]
fn padding_rules() {
    for k in [key(K128), key(K256)] {
        for n in 0..70 {
            let img: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let ct = cbc_encrypt(&k, &[3; 16], &img).unwrap();
            assert_eq!(ct.len() % k.len(), 0);
            let pad = ct.len() - img.len();
            assert!((1..=k.len()).contains(&pad));
            assert_eq!(&cbc_decrypt(&k, &[3; 16], &ct).unwrap()[..], &img[..]);
        }
    }
    let k = key(K128);
    assert!(matches!(
        cbc_decrypt(&k, &[0; 16], &[0; 15]),
        Err(Error::CiphertextLength(15))
    ));
    assert!(matches!(
        cbc_decrypt(&k, &[0; 16], &[]),
        Err(Error::CiphertextLength(0))
    ));
    let k = key(K256);
    assert!(matches!(
        cbc_decrypt(&k, &[0; 16], &[0; 16]),
        Err(Error::CiphertextLength(16))
    ));
}

#[test]
fn migration_blob_all_combinations() {
    let sk = key(K128);
    let mk = key(K256);
    let img = b"permanent image";
    // Plain, no keys: exactly 6 bytes longer than the plain file (the extra TLV(4) header).
    let m = wrap_migration(img, None, false, None).unwrap();
    assert!(!m.is_encrypted);
    assert_eq!(m.blob.len(), wrap_state(img, None).unwrap().len() + 6);
    assert_eq!(
        u16::from_be_bytes([m.blob[4], m.blob[5]]),
        flags::MIGRATION_DATA
    );
    assert_eq!(
        &unwrap_migration(&m.blob, false, None, None).unwrap()[..],
        img
    );

    for (state, decrypt, mig) in [
        (Some(&sk), false, None),
        (Some(&sk), true, None),
        (None, false, Some(&mk)),
        (Some(&sk), false, Some(&mk)),
        (Some(&sk), true, Some(&mk)),
    ] {
        let m = wrap_migration(img, state, decrypt, mig).unwrap();
        let f = u16::from_be_bytes([m.blob[4], m.blob[5]]);
        assert_ne!(f & flags::MIGRATION_DATA, 0);
        assert_eq!(m.is_encrypted, state.is_some() && !decrypt);
        assert_eq!(f & flags::ENCRYPTED != 0, m.is_encrypted);
        assert_eq!(f & flags::MIGRATION_ENCRYPTED != 0, mig.is_some());
        assert_eq!(f & flags::MIGRATION_256BIT_KEY != 0, mig.is_some());
        assert_eq!(f & flags::ENCRYPTED_256BIT_KEY, 0);
        let out = unwrap_migration(&m.blob, m.is_encrypted, state, mig).unwrap();
        assert_eq!(&out[..], img);
        if mig.is_some() {
            assert!(matches!(
                unwrap_migration(&m.blob, m.is_encrypted, state, None),
                Err(Error::KeyRequired)
            ));
            assert!(matches!(
                unwrap_migration(
                    &m.blob,
                    m.is_encrypted,
                    state,
                    Some(&key(K256.replace('2', "7").as_str()))
                ),
                Err(Error::Integrity)
            ));
        }
        if m.is_encrypted {
            assert!(matches!(
                unwrap_migration(&m.blob, true, None, mig),
                Err(Error::KeyRequired)
            ));
        }
    }
    // Empty blob / bare header: no state.
    assert!(unwrap_migration(&[], false, None, None).unwrap().is_empty());
    assert!(
        unwrap_migration(&[2, 1, 0, 10, 0, 4, 0, 0, 0, 10], false, None, None)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        unwrap_migration(&[2, 1, 0, 10, 0, 4, 0, 0], false, None, None),
        Err(Error::ShortBlob(8))
    ));
}

#[test]
fn migration_blob_layout_fixed_iv() {
    // Outer TLV(5) encrypts the inner TLV(1) stream; the outer header carries both flags.
    let mk = key(K128);
    let iv = h(IV128);
    let m = wrap_migration_with_iv(b"abc", None, Some((&mk, &iv))).unwrap();
    let (hdr, body) = parse_header(&m.blob).unwrap();
    assert_eq!(
        hdr.flags,
        flags::MIGRATION_DATA | flags::MIGRATION_ENCRYPTED
    );
    let t = Tlvs::parse(body).unwrap();
    let ct = t.require(tag::ENCRYPTED_MIGRATION_DATA).unwrap();
    assert_eq!(
        t.require(tag::IVEC_ENCRYPTED_MIGRATION_DATA).unwrap(),
        &iv[..]
    );
    let inner = cbc_decrypt(&mk, &h(IV128).try_into().unwrap(), ct).unwrap();
    assert_eq!(&inner[..], &[0, 1, 0, 0, 0, 3, b'a', b'b', b'c'][..]);
}
