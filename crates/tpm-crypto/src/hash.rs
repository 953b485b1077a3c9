//! Hash algorithms of TPM 2.0 Part 2 §6.3 (TPM_ALG_ID): SHA-1, SHA-256, SHA-384, SHA-512
//! (FIPS 180-4), one-shot and streaming.

use sha1::Sha1;
use sha2::digest::Digest as _;
use sha2::digest::common::hazmat::{SerializableState, SerializedState};
use sha2::{Sha256, Sha384, Sha512};

/// A TPM hash algorithm (TPMI_ALG_HASH without the `+` null; Part 2 §9.27).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "TPMI_ALG_HASH")]
pub enum HashAlg {
    /// TPM_ALG_SHA1 (0x0004).
    Sha1,
    /// TPM_ALG_SHA256 (0x000B).
    Sha256,
    /// TPM_ALG_SHA384 (0x000C).
    Sha384,
    /// TPM_ALG_SHA512 (0x000D).
    Sha512,
}

impl HashAlg {
    /// Every supported algorithm, in TPM_ALG_ID order.
    pub const ALL: [HashAlg; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// Digest size in bytes (TPM_SHA*_DIGEST_SIZE, Part 2 §5.3).
    pub const fn digest_size(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Block size in bytes (TPM_SHA*_BLOCK_SIZE, Part 2 §5.3); HMAC pads keys to it.
    pub const fn block_size(self) -> usize {
        match self {
            Self::Sha1 | Self::Sha256 => 64,
            Self::Sha384 | Self::Sha512 => 128,
        }
    }

    /// The algorithm with TPM_ALG_ID `id` (Part 2 §6.3, Table 9), if it is a supported hash.
    pub fn from_tpm_alg(id: u16) -> Option<HashAlg> {
        match id {
            0x0004 => Some(Self::Sha1),
            0x000B => Some(Self::Sha256),
            0x000C => Some(Self::Sha384),
            0x000D => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The TPM_ALG_ID of this algorithm (Part 2 §6.3, Table 9).
    pub const fn tpm_alg(self) -> u16 {
        match self {
            Self::Sha1 => 0x0004,
            Self::Sha256 => 0x000B,
            Self::Sha384 => 0x000C,
            Self::Sha512 => 0x000D,
        }
    }
}

/// Maximum digest size of any supported hash (SHA-512).
pub const MAX_DIGEST_SIZE: usize = 64;

/// A digest on the stack: `len` valid bytes of a 64-byte buffer. Plain digests are public
/// values; HMACs that authenticate are compared with [`crate::secret::ct_eq`].
#[derive(Clone, Copy)]
pub struct Digest {
    buf: [u8; MAX_DIGEST_SIZE],
    len: usize,
}

impl Digest {
    /// Wrap `bytes` (at most 64 are kept; callers only pass hash outputs).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Digest {
        let mut buf = [0u8; MAX_DIGEST_SIZE];
        let mut len = 0;
        for (d, s) in buf.iter_mut().zip(bytes) {
            *d = *s;
            len += 1;
        }
        Digest { buf, len }
    }

    /// The digest bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Number of digest bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty digest (never produced by a hash).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Digest {}

impl zeroize::Zeroize for Digest {
    fn zeroize(&mut self) {
        self.buf.zeroize();
        self.len = 0;
    }
}

impl core::fmt::Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Digest(")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// Hash `data` with `alg` in one call.
pub fn digest(alg: HashAlg, data: &[u8]) -> Digest {
    let mut h = Hasher::new(alg);
    h.update(data);
    h.finalize()
}

/// A streaming hash (TPM2_HashSequenceStart / the reference code's HASH_STATE). The inner
/// states zeroize on drop (sha1/sha2 `zeroize` feature) because HMAC keys pass through them.
#[derive(Clone)]
pub struct Hasher(State);

#[derive(Clone)]
enum State {
    Sha1(Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    /// Start a hash with `alg`.
    pub fn new(alg: HashAlg) -> Hasher {
        Hasher(match alg {
            HashAlg::Sha1 => State::Sha1(Sha1::new()),
            HashAlg::Sha256 => State::Sha256(Sha256::new()),
            HashAlg::Sha384 => State::Sha384(Sha384::new()),
            HashAlg::Sha512 => State::Sha512(Sha512::new()),
        })
    }

    /// The algorithm of this hash.
    pub fn alg(&self) -> HashAlg {
        match self.0 {
            State::Sha1(_) => HashAlg::Sha1,
            State::Sha256(_) => HashAlg::Sha256,
            State::Sha384(_) => HashAlg::Sha384,
            State::Sha512(_) => HashAlg::Sha512,
        }
    }

    /// Absorb `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
            State::Sha384(h) => h.update(data),
            State::Sha512(h) => h.update(data),
        }
    }

    /// The running state (chaining value, length, buffered bytes) as bytes, so that a hash
    /// sequence can live in a saved TPM state (libtpms marshals its HASH_STATE likewise).
    /// The bytes are as secret as the data hashed so far.
    pub fn save_state(&self) -> zeroize::Zeroizing<Vec<u8>> {
        zeroize::Zeroizing::new(match &self.0 {
            State::Sha1(h) => h.serialize().to_vec(),
            State::Sha256(h) => h.serialize().to_vec(),
            State::Sha384(h) => h.serialize().to_vec(),
            State::Sha512(h) => h.serialize().to_vec(),
        })
    }

    /// A hash resumed from [`Hasher::save_state`] bytes of algorithm `alg`; `None` when the
    /// bytes are not such a state (wrong length, impossible buffer position).
    pub fn restore_state(alg: HashAlg, bytes: &[u8]) -> Option<Hasher> {
        fn load<T: SerializableState>(bytes: &[u8]) -> Option<T> {
            let s = SerializedState::<T>::try_from(bytes).ok()?;
            T::deserialize(&s).ok()
        }
        Some(Hasher(match alg {
            HashAlg::Sha1 => State::Sha1(load(bytes)?),
            HashAlg::Sha256 => State::Sha256(load(bytes)?),
            HashAlg::Sha384 => State::Sha384(load(bytes)?),
            HashAlg::Sha512 => State::Sha512(load(bytes)?),
        }))
    }

    /// Finish and return the digest.
    pub fn finalize(self) -> Digest {
        match self.0 {
            State::Sha1(h) => Digest::from_bytes(&h.finalize()),
            State::Sha256(h) => Digest::from_bytes(&h.finalize()),
            State::Sha384(h) => Digest::from_bytes(&h.finalize()),
            State::Sha512(h) => Digest::from_bytes(&h.finalize()),
        }
    }
}

impl core::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Hasher")
            .field(&self.alg())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alg_ids_round_trip() {
        for alg in HashAlg::ALL {
            assert_eq!(HashAlg::from_tpm_alg(alg.tpm_alg()), Some(alg));
            assert_eq!(digest(alg, b"").len(), alg.digest_size());
        }
        assert_eq!(HashAlg::from_tpm_alg(0x0010), None);
    }

    #[test]
    fn saved_state_resumes() {
        let data: Vec<u8> = (0..=255u8).cycle().take(777).collect();
        for alg in HashAlg::ALL {
            for cut in [0, 1, 63, 64, 65, 200, 777] {
                let mut h = Hasher::new(alg);
                h.update(&data[..cut]);
                let saved = h.save_state();
                let mut r = Hasher::restore_state(alg, &saved).unwrap();
                r.update(&data[cut..]);
                assert_eq!(r.finalize(), digest(alg, &data), "{alg:?} cut at {cut}");
            }
            let h = Hasher::new(alg);
            let saved = h.save_state();
            assert!(Hasher::restore_state(alg, &saved[1..]).is_none());
            let mut bad = saved.to_vec();
            // The buffered-bytes position is the last byte: beyond the block size is refused.
            if let Some(last) = bad.last_mut() {
                *last = 0xff;
            }
            assert!(Hasher::restore_state(alg, &bad).is_none(), "{alg:?}");
        }
    }

    #[test]
    fn streaming_matches_one_shot() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for alg in HashAlg::ALL {
            let mut h = Hasher::new(alg);
            for c in data.chunks(7) {
                h.update(c);
            }
            assert_eq!(h.finalize(), digest(alg, &data));
        }
    }
}
