//! HMAC (FIPS 198-1, RFC 2104) over the TPM hashes, as TPM 2.0 Part 1 §11.4.5 uses it for
//! session HMACs, KDFa and integrity HMACs.
//!
//! Built directly on [`Hasher`] so that construction cannot fail for any key length: a key
//! longer than the block is hashed first, shorter keys are zero-padded (FIPS 198-1 §4). The
//! padded key is wiped after use and the keyed hash states zeroize on drop; no raw key is kept.

use zeroize::Zeroizing;

use crate::hash::{Digest, HashAlg, Hasher};

/// Largest block size of the supported hashes (SHA-384/512).
const MAX_BLOCK: usize = 128;

/// HMAC of `data` under `key` in one call.
pub fn hmac(alg: HashAlg, key: &[u8], data: &[u8]) -> Digest {
    let mut h = HmacState::new(alg, key);
    h.update(data);
    h.finalize()
}

/// A streaming HMAC. Holds only the two keyed hash states (which zeroize on drop).
/// Deliberately not `Clone`; `HmacState::fork` is the crate-internal way to reuse a keyed
/// state (KDFa computes one HMAC per block under the same key).
pub struct HmacState {
    inner: Hasher,
    outer: Hasher,
}

impl HmacState {
    /// Start an HMAC with `alg` under `key` (any length).
    pub fn new(alg: HashAlg, key: &[u8]) -> HmacState {
        let block = alg.block_size();
        // K0 of FIPS 198-1 §4 steps 1-3, in a buffer that is wiped on drop.
        let mut k0 = Zeroizing::new([0u8; MAX_BLOCK]);
        if key.len() > block {
            let kd = Zeroizing::new(crate::hash::digest(alg, key));
            copy_prefix(&mut k0[..], kd.as_slice());
        } else {
            copy_prefix(&mut k0[..], key);
        }
        let k0 = k0.get(..block).unwrap_or(&[]);
        let mut pad = Zeroizing::new([0u8; MAX_BLOCK]);
        let pad = pad.get_mut(..block).unwrap_or(&mut []);

        let mut inner = Hasher::new(alg);
        for (p, k) in pad.iter_mut().zip(k0) {
            *p = k ^ 0x36;
        }
        inner.update(pad);
        let mut outer = Hasher::new(alg);
        for (p, k) in pad.iter_mut().zip(k0) {
            *p = k ^ 0x5c;
        }
        outer.update(pad);
        HmacState { inner, outer }
    }

    /// A copy of this keyed state, for computing several MACs under one key.
    pub(crate) fn fork(&self) -> HmacState {
        HmacState {
            inner: self.inner.clone(),
            outer: self.outer.clone(),
        }
    }

    /// The hash algorithm of this HMAC.
    pub fn alg(&self) -> HashAlg {
        self.inner.alg()
    }

    /// Absorb `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// Finish and return the MAC (full digest size; truncate at the caller if needed).
    pub fn finalize(self) -> Digest {
        let HmacState { inner, mut outer } = self;
        let ih = Zeroizing::new(inner.finalize());
        outer.update(ih.as_slice());
        outer.finalize()
    }
}

impl core::fmt::Debug for HmacState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HmacState")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

/// Copy as much of `src` as fits into the front of `dst`.
fn copy_prefix(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_matches_one_shot_and_long_keys_are_hashed() {
        for alg in HashAlg::ALL {
            let long_key = vec![0x5au8; 200];
            let hashed = crate::hash::digest(alg, &long_key);
            assert_eq!(
                hmac(alg, &long_key, b"abc"),
                hmac(alg, hashed.as_slice(), b"abc")
            );
            let mut s = HmacState::new(alg, b"key");
            s.update(b"a");
            s.update(b"bc");
            assert_eq!(s.finalize(), hmac(alg, b"key", b"abc"));
        }
    }
}
