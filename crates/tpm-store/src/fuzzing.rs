//! Fuzzing entry points of the state store, shared by the cargo-fuzz targets
//! `fuzz/fuzz_targets/store_wrapper.rs` and `store_linear.rs` and the corpus replay in
//! `tests/tests/fuzz_corpus.rs`, plus the seed inputs ([`wrapper_seeds`], [`linear_seeds`]).
//!
//! The oracle: whatever the bytes, nothing panics; a wrapper that opens re-wraps and opens to
//! the same image; a wrapper that opens with one key does not open with another; the linear
//! store's header always validates against the backing size after every operation, and what
//! was stored reads back.
#![allow(clippy::panic, clippy::indexing_slicing, clippy::expect_used)]

use crate::blob::{unwrap_migration, unwrap_state, wrap_migration, wrap_state};
use crate::dir::StateName;
use crate::key::StateKey;
use crate::linear::Linear;

fn key(sel: u8) -> Option<StateKey> {
    match sel % 3 {
        0 => None,
        1 => StateKey::from_bytes(&[0x11; 16]).ok(),
        _ => StateKey::from_bytes(&[0x22; 32]).ok(),
    }
}

/// Byte 0: state key (`% 3`: none, AES-128, AES-256), byte 1: migration key (same), byte 2
/// bit 0: the blob is marked "encrypted" (PTM_STATE_FLAG_ENCRYPTED); the rest is a state file
/// / migration blob.
pub fn state_wrapper(data: &[u8]) {
    let [k, m, f, blob @ ..] = data else {
        return;
    };
    let key = key(*k);
    let mkey = key_other(*m);
    if let Ok(img) = unwrap_state(blob, key.as_ref()) {
        let again = wrap_state(&img, key.as_ref()).expect("re-wrap");
        let back = unwrap_state(&again, key.as_ref()).expect("re-wrapped file opens");
        assert_eq!(&back[..], &img[..], "round trip");
        if let Some(k) = &key {
            let other = StateKey::from_bytes(&vec![0x33; k.len()]).expect("key");
            assert!(
                unwrap_state(&again, Some(&other)).is_err(),
                "opens with another key"
            );
        }
    }
    if let Ok(img) = unwrap_migration(blob, f & 1 != 0, key.as_ref(), mkey.as_ref()) {
        let w = wrap_migration(&img, key.as_ref(), false, mkey.as_ref()).expect("re-wrap");
        let back = unwrap_migration(&w.blob, w.is_encrypted, key.as_ref(), mkey.as_ref())
            .expect("re-wrapped blob opens");
        assert_eq!(&back[..], &img[..], "migration round trip");
    }
}

fn key_other(sel: u8) -> Option<StateKey> {
    match sel % 3 {
        0 => None,
        1 => StateKey::from_bytes(&[0x44; 16]).ok(),
        _ => StateKey::from_bytes(&[0x55; 32]).ok(),
    }
}

/// Byte 0: operations (2 bits each: load, store of a `len` byte blob, delete; slot from the
/// next bits), byte 1: the size of stored blobs / 4; the rest is the file (header included).
pub fn linear_header(data: &[u8]) {
    let [ops, size, file @ ..] = data else {
        return;
    };
    let Ok((mut lin, _formatted)) = Linear::open(file.to_vec()) else {
        return;
    };
    let names = StateName::ALL;
    let mut stored: [Option<Vec<u8>>; 3] = [None, None, None];
    let mut o = *ops;
    for step in 0..4u8 {
        let name = names[usize::from(step % 3)];
        let i = usize::from(step % 3);
        match o & 3 {
            0 | 3 => {
                if let (Ok(Some(v)), Some(want)) = (lin.load(name), &stored[i]) {
                    assert_eq!(&v[..], &want[..], "read back");
                }
            }
            1 => {
                let blob = vec![step.wrapping_add(1); usize::from(*size) * 4 + 1];
                if lin.store(name, &blob).is_ok() {
                    stored[i] = Some(blob);
                }
            }
            _ => {
                if lin.delete(name).is_ok() {
                    stored[i] = None;
                }
            }
        }
        let size_now = crate::linear::Backing::size(lin.backing());
        lin.header()
            .validate(size_now)
            .expect("header valid after an operation");
        o >>= 2;
    }
    for (i, want) in stored.iter().enumerate() {
        if let Some(want) = want {
            let got = lin.load(names[i]).expect("load").expect("present");
            assert_eq!(&got[..], &want[..], "stored blob reads back");
        }
    }
}

/// Seeds for [`state_wrapper`]: plain and encrypted files (both key sizes), migration blobs.
pub fn wrapper_seeds() -> Vec<(String, Vec<u8>)> {
    let image: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    let mut out = Vec::new();
    for k in 0..3u8 {
        let key = key(k);
        if let Ok(w) = wrap_state(&image, key.as_ref()) {
            let mut v = vec![k, 0, 0];
            v.extend_from_slice(&w);
            out.push((format!("state-key{k}"), v));
        }
        for m in 0..3u8 {
            let mkey = key_other(m);
            for decrypt in [false, true] {
                if let Ok(w) = wrap_migration(&image, key.as_ref(), decrypt, mkey.as_ref()) {
                    let mut v = vec![k, m, u8::from(w.is_encrypted)];
                    v.extend_from_slice(&w.blob);
                    out.push((
                        format!("migration-key{k}-mkey{m}-dec{}", u8::from(decrypt)),
                        v,
                    ));
                }
            }
        }
    }
    out
}

/// Seeds for [`linear_header`]: an empty file, a formatted one, one with all three slots.
pub fn linear_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("empty".to_string(), vec![0b0101_0101, 8])];
    if let Ok((mut lin, _)) = Linear::open(Vec::new()) {
        let mut v = vec![0b1110_0100, 3];
        v.extend_from_slice(lin.backing());
        out.push(("formatted".into(), v));
        for (i, name) in StateName::ALL.into_iter().enumerate() {
            let _ = lin.store(name, &vec![i as u8 + 1; 40 + 100 * i]);
        }
        for ops in [0b0000_0000u8, 0b0110_0110, 0b1001_1001] {
            let mut v = vec![ops, 50];
            v.extend_from_slice(lin.backing());
            out.push((format!("three-slots-{ops:08b}"), v));
        }
    }
    out
}
