//! Property tests: hostile bytes never panic the parsers; write/read round trips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use proptest::prelude::*;
use tpm_store::StateName;
use tpm_store::blob::{self, Tlvs};
use tpm_store::key::{KeyOptions, StateKey};
use tpm_store::linear::{Linear, LinearHeader};

fn any_key() -> impl Strategy<Value = StateKey> {
    prop_oneof![
        any::<[u8; 16]>().prop_map(StateKey::Aes128),
        any::<[u8; 32]>().prop_map(StateKey::Aes256),
    ]
}

/// Bytes that often look like a wrapped blob: a plausible header with a matching length.
fn blobish() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u8>(),
        any::<u16>(),
        proptest::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
    )
        .prop_map(|(v, f, body, fix)| {
            let mut b = vec![v % 4, 1, 0, 10];
            b.extend_from_slice(&f.to_be_bytes());
            let len = if fix {
                body.len() as u32 + 10
            } else {
                u32::from(v)
            };
            b.extend_from_slice(&len.to_be_bytes());
            b.extend_from_slice(&body);
            b
        })
}

proptest! {
    #[test]
    fn arbitrary_blobs_never_panic(
        bytes in prop_oneof![proptest::collection::vec(any::<u8>(), 0..200), blobish()],
        k in any_key(),
        m in any_key(),
        enc in any::<bool>(),
    ) {
        let _ = blob::unwrap_state(&bytes, None);
        let _ = blob::unwrap_state(&bytes, Some(&k));
        let _ = blob::unwrap_migration(&bytes, enc, Some(&k), Some(&m));
        let _ = blob::unwrap_migration(&bytes, enc, None, None);
        let _ = Tlvs::parse(&bytes);
    }

    #[test]
    fn tampered_encrypted_blobs_are_rejected(
        img in proptest::collection::vec(any::<u8>(), 0..500),
        k in any_key(),
        pos in any::<usize>(),
        bit in 0u8..8,
    ) {
        let f = blob::wrap_state(&img, Some(&k)).unwrap();
        let mut g = f.to_vec();
        let i = pos % g.len();
        g[i] ^= 1 << bit;
        // Every flipped bit is refused, except the header's minimum-reader-version byte, which
        // swtpm (and so we) accept at any value up to 2 and which changes nothing decrypted.
        match blob::unwrap_state(&g, Some(&k)) {
            Err(_) => {}
            Ok(plain) => {
                prop_assert_eq!(i, 1, "accepted a flip outside min_version");
                prop_assert_eq!(&plain[..], &img[..]);
            }
        }
    }

    #[test]
    fn state_round_trip(img in proptest::collection::vec(any::<u8>(), 0..2000), k in proptest::option::of(any_key())) {
        let f = blob::wrap_state(&img, k.as_ref()).unwrap();
        prop_assert_eq!(&blob::unwrap_state(&f, k.as_ref()).unwrap()[..], &img[..]);
    }

    #[test]
    fn migration_round_trip(
        img in proptest::collection::vec(any::<u8>(), 0..1000),
        sk in proptest::option::of(any_key()),
        mk in proptest::option::of(any_key()),
        decrypt in any::<bool>(),
    ) {
        let m = blob::wrap_migration(&img, sk.as_ref(), decrypt, mk.as_ref()).unwrap();
        let out = blob::unwrap_migration(&m.blob, m.is_encrypted, sk.as_ref(), mk.as_ref()).unwrap();
        prop_assert_eq!(&out[..], &img[..]);
    }

    #[test]
    fn key_options_never_panic(s in "[a-z0-9=,/+ -]{0,60}", material in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(o) = KeyOptions::parse(&s) {
            let _ = o.key_from_material(&material);
        }
    }

    #[test]
    fn linear_arbitrary_headers_never_panic(
        mut head in proptest::collection::vec(any::<u8>(), 0..600),
        magic in any::<bool>(),
        size in any::<u64>(),
    ) {
        if magic && head.len() >= 12 {
            head[..8].copy_from_slice(&tpm_store::linear::MAGIC.to_le_bytes());
            head[8] = 1;
            head[10] = 192;
            head[11] = 0;
        }
        let _ = LinearHeader::parse(&head, size);
        if let Ok((mut l, _)) = Linear::open(head) {
            for n in StateName::ALL {
                let _ = l.load(n);
            }
            let _ = l.store(StateName::Volatile, &[7; 40]);
            let _ = l.delete(StateName::Permanent);
        }
    }

    #[test]
    fn linear_matches_a_model(ops in proptest::collection::vec((0usize..3, proptest::option::of(1usize..700)), 1..40)) {
        let (mut l, _) = Linear::open(Vec::new()).unwrap();
        let mut model: [Option<Vec<u8>>; 3] = [None, None, None];
        for (step, (slot, op)) in ops.into_iter().enumerate() {
            let name = StateName::ALL[slot];
            match op {
                Some(len) => {
                    let data = vec![step as u8; len];
                    l.store(name, &data).unwrap();
                    model[slot] = Some(data);
                }
                None => {
                    prop_assert_eq!(l.delete(name).unwrap(), model[slot].is_some());
                    model[slot] = None;
                }
            }
            for (i, want) in model.iter().enumerate() {
                let got = l.load(StateName::ALL[i]).unwrap();
                prop_assert_eq!(got.as_ref().map(|g| g.to_vec()), want.clone());
            }
            l.header().validate(l.backing().len() as u64).unwrap();
            // Reopening the bytes gives the same store.
            let (l2, formatted) = Linear::open(l.backing().clone()).unwrap();
            prop_assert!(!formatted);
            prop_assert_eq!(l2.header(), l.header());
        }
    }
}
