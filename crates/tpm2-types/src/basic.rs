//! The basic structures of TPM 2.0 Part 2 §10.1-§10.5: TPMS_EMPTY, the digest union and its
//! tagged form (TPMU_HA, TPMT_HA), the sized byte buffers (TPM2B_DIGEST, TPM2B_DATA,
//! TPM2B_NONCE, TPM2B_OPERAND, TPM2B_EVENT, TPM2B_MAX_BUFFER, TPM2B_MAX_NV_BUFFER,
//! TPM2B_TIMEOUT, TPM2B_IV) and TPM2B_NAME. TPM2B_AUTH is secret and lives in `secret.rs`.
//!
//! Buffer bounds are libtpms's (`Unmarshal.c`): the C `sizeof` of the member each TPM2B is
//! declared over; a larger size field is TPM_RC_SIZE.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer};

use crate::algorithms::{tpm2b_bytes, tpmt, tpmu};
use crate::{
    MAX_DIGEST_BUFFER, MAX_DIGEST_SIZE, MAX_NV_BUFFER_SIZE, MAX_SYM_BLOCK_SIZE, TpmAlgId,
    TpmHandle, TpmiAlgHash,
};

/// sizeof(TPMU_HA): the largest digest (SHA-512).
const TPMU_HA_SIZE: usize = MAX_DIGEST_SIZE;
/// sizeof(TPMT_HA): a hash algorithm ID and the largest digest.
const TPMT_HA_SIZE: usize = 2 + TPMU_HA_SIZE;
/// sizeof(TPMU_NAME) in libtpms: the union of TPMT_HA (66 bytes) and TPM_HANDLE rounds up to
/// the handle's 4-byte alignment. libtpms parity: a TPM2B_NAME of up to 68 bytes unmarshals.
const TPMU_NAME_SIZE: usize = TPMT_HA_SIZE.div_ceil(4) * 4;

/// TPMS_EMPTY (TPM 2.0 Part 2 §10.1, Table 76): a structure with no members, for union
/// members that carry nothing.
#[doc(alias = "TPMS_EMPTY")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsEmpty;

impl Marshal for TpmsEmpty {
    fn marshal(&self, _w: &mut Writer<'_>) {}
}

impl<'a> Unmarshal<'a> for TpmsEmpty {
    fn unmarshal(_r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
        Ok(TpmsEmpty)
    }
}

tpmu! {
    /// TPMU_HA (TPM 2.0 Part 2 §10.3.1, Table 79): a digest whose length the hash algorithm
    /// selects; TPM_ALG_NULL selects nothing; any other selector is TPM_RC_SELECTOR (libtpms
    /// `TPMU_HA_Unmarshal`).
    #[doc(alias = "TPMU_HA")]
    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuHa: TpmAlgId {
        /// SHA-1 digest.
        SHA1 => Sha1([u8; 20]),
        /// SHA-256 digest.
        SHA256 => Sha256([u8; 32]),
        /// SHA-384 digest.
        SHA384 => Sha384([u8; 48]),
        /// SHA-512 digest.
        SHA512 => Sha512([u8; 64]),
        /// SM3-256 digest.
        SM3_256 => Sm3_256([u8; 32]),
        /// No digest (TPM_ALG_NULL).
        NULL => Null,
    }
}

impl TpmuHa {
    /// The digest bytes (empty for `Null`).
    pub fn as_slice(&self) -> &[u8] {
        match self {
            TpmuHa::Sha1(d) => d,
            TpmuHa::Sha256(d) | TpmuHa::Sm3_256(d) => d,
            TpmuHa::Sha384(d) => d,
            TpmuHa::Sha512(d) => d,
            TpmuHa::Null => &[],
        }
    }

    /// The member for hash `alg` holding `digest`.
    ///
    /// # Errors
    /// [`WireError::Selector`] when `alg` is not a hash or TPM_ALG_NULL; [`WireError::Size`]
    /// when `digest` does not have the algorithm's length.
    pub fn new(alg: TpmAlgId, digest: &[u8]) -> Result<Self, WireError> {
        fn arr<const N: usize>(d: &[u8]) -> Result<[u8; N], WireError> {
            <[u8; N]>::try_from(d).map_err(|_| WireError::Size)
        }
        match alg {
            TpmAlgId::SHA1 => Ok(TpmuHa::Sha1(arr(digest)?)),
            TpmAlgId::SHA256 => Ok(TpmuHa::Sha256(arr(digest)?)),
            TpmAlgId::SHA384 => Ok(TpmuHa::Sha384(arr(digest)?)),
            TpmAlgId::SHA512 => Ok(TpmuHa::Sha512(arr(digest)?)),
            TpmAlgId::SM3_256 => Ok(TpmuHa::Sm3_256(arr(digest)?)),
            TpmAlgId::NULL if digest.is_empty() => Ok(TpmuHa::Null),
            TpmAlgId::NULL => Err(WireError::Size),
            _ => Err(WireError::Selector),
        }
    }
}

/// TPMT_HA (TPM 2.0 Part 2 §10.3.2, Table 80): a digest tagged with its hash algorithm
/// (+TPM_ALG_NULL with `TpmtHa<true>`). The algorithm is checked first (TPM_RC_HASH, against
/// the profile), then the digest it selects is read.
///
/// `digest` must be the member `hash_alg` selects; [`TpmtHa::new`] builds a consistent pair.
#[doc(alias = "TPMT_HA")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmtHa<const NULL: bool = false> {
    /// hashAlg: selects the digest's member.
    pub hash_alg: TpmiAlgHash<NULL>,
    /// digest: the digest, `hash_alg`'s length.
    pub digest: TpmuHa,
}

tpmt!(TpmtHa {
    hash_alg: TpmiAlgHash,
    digest: TpmuHa
});

impl<const NULL: bool> TpmtHa<NULL> {
    /// A tagged digest of hash `alg`.
    ///
    /// # Errors
    /// [`WireError::Size`] when `digest` does not have the algorithm's length.
    pub fn new(alg: TpmiAlgHash<NULL>, digest: &[u8]) -> Result<Self, WireError> {
        Ok(TpmtHa {
            hash_alg: alg,
            digest: TpmuHa::new(alg.0, digest)?,
        })
    }
}

tpm2b_bytes! {
    /// TPM2B_DIGEST (TPM 2.0 Part 2 §10.4.2, Table 82): a digest-sized buffer of at most
    /// sizeof(TPMU_HA) = 64 bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_DIGEST")]
    Tpm2bDigest, TPMU_HA_SIZE
}

tpm2b_bytes! {
    /// TPM2B_DATA (TPM 2.0 Part 2 §10.4.3, Table 83): caller data (qualifying data, outside
    /// info) of at most sizeof(TPMT_HA) = 66 bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_DATA")]
    Tpm2bData, TPMT_HA_SIZE
}

/// TPM2B_NONCE (TPM 2.0 Part 2 §10.4.4, Table 84): a session nonce, the same type as
/// TPM2B_DIGEST.
#[doc(alias = "TPM2B_NONCE")]
pub type Tpm2bNonce = Tpm2bDigest;

/// TPM2B_OPERAND (TPM 2.0 Part 2 §10.4.6, Table 86): a TPM2_PolicyCounterTimer operand, the
/// same type as TPM2B_DIGEST.
#[doc(alias = "TPM2B_OPERAND")]
pub type Tpm2bOperand = Tpm2bDigest;

tpm2b_bytes! {
    /// TPM2B_EVENT (TPM 2.0 Part 2 §10.4.7, Table 87): event data for TPM2_PCR_Event, at most
    /// 1024 bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_EVENT")]
    Tpm2bEvent, 1024
}

tpm2b_bytes! {
    /// TPM2B_MAX_BUFFER (TPM 2.0 Part 2 §10.4.8, Table 88): hash/HMAC/cipher input of at most
    /// MAX_DIGEST_BUFFER (1024) bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_MAX_BUFFER")]
    Tpm2bMaxBuffer, MAX_DIGEST_BUFFER
}

tpm2b_bytes! {
    /// TPM2B_MAX_NV_BUFFER (TPM 2.0 Part 2 §10.4.9, Table 89): NV data of at most
    /// MAX_NV_BUFFER_SIZE (1024) bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_MAX_NV_BUFFER")]
    Tpm2bMaxNvBuffer, MAX_NV_BUFFER_SIZE
}

tpm2b_bytes! {
    /// TPM2B_TIMEOUT (TPM 2.0 Part 2 §10.4.10, Table 90): a policy timeout, at most
    /// sizeof(UINT64) = 8 bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_TIMEOUT")]
    Tpm2bTimeout, 8
}

tpm2b_bytes! {
    /// TPM2B_IV (TPM 2.0 Part 2 §10.4.11, Table 91): a symmetric IV of at most
    /// MAX_SYM_BLOCK_SIZE (16) bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_IV")]
    Tpm2bIv, MAX_SYM_BLOCK_SIZE
}

tpm2b_bytes! {
    /// TPM2B_NAME (TPM 2.0 Part 2 §10.5.2, Table 93): an entity's Name — a 4-byte handle for
    /// PCRs, sessions and permanent handles, else a hash algorithm ID and a digest
    /// (TPMU_NAME, §10.5.1). At most sizeof(TPMU_NAME) bytes; larger is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_NAME")]
    #[doc(alias = "TPMU_NAME")]
    Tpm2bName, TPMU_NAME_SIZE
}

impl Tpm2bName {
    /// The Name of an entity named by its handle (TPM 2.0 Part 1 §16: PCR, session,
    /// permanent handle).
    pub fn from_handle(h: TpmHandle) -> Self {
        // 4 bytes always fit.
        Self::new(&h.0.to_be_bytes()).unwrap_or_default()
    }

    /// The Name of an entity named by a digest: nameAlg, then the digest.
    pub fn from_digest<const N: bool>(d: &TpmtHa<N>) -> Self {
        // A TPMT_HA is at most 66 bytes.
        Self::new(&tpm_wire::to_vec(d)).unwrap_or_default()
    }

    /// The handle, when this Name is one (exactly 4 bytes).
    pub fn handle(&self) -> Option<TpmHandle> {
        <[u8; 4]>::try_from(self.as_slice())
            .ok()
            .map(|b| TpmHandle(u32::from_be_bytes(b)))
    }

    /// The name algorithm and digest, when this Name is a digest Name whose length matches
    /// its algorithm.
    pub fn digest(&self) -> Option<(TpmAlgId, &[u8])> {
        let (alg, rest) = self.as_slice().split_first_chunk::<2>()?;
        let alg = TpmAlgId(u16::from_be_bytes(*alg));
        let size = crate::digest_size(alg);
        (size != 0 && rest.len() == size).then_some((alg, rest))
    }
}

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmsEmpty {
    type Parameters = ();
    type Strategy = proptest::strategy::Just<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        proptest::strategy::Just(TpmsEmpty)
    }
}

#[cfg(any(test, feature = "proptest"))]
impl<const NULL: bool> proptest::arbitrary::Arbitrary for TpmtHa<NULL> {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        let mut algs: Vec<TpmAlgId> = TpmiAlgHash::<NULL>::ACCEPTS.to_vec();
        if NULL {
            algs.push(TpmAlgId::NULL);
        }
        (
            proptest::sample::select(algs),
            proptest::collection::vec(any::<u8>(), 64),
        )
            .prop_filter_map("digest of the algorithm's length", |(alg, bytes)| {
                let len = crate::digest_size(alg);
                TpmtHa::new(TpmiAlgHash(alg), bytes.get(..len)?).ok()
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    fn rt<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(&from_bytes::<T>(&bytes, &Profile::ALL).unwrap(), v);
    }

    /// A TPM2B with size field `size` and `n` bytes of payload.
    fn tpm2b(size: u16, n: usize) -> Vec<u8> {
        let mut v = size.to_be_bytes().to_vec();
        v.resize(2 + n, 0xAB);
        v
    }

    #[test]
    fn sizes_are_libtpms() {
        assert_eq!(Tpm2bDigest::MAX, 64);
        assert_eq!(Tpm2bData::MAX, 66);
        assert_eq!(Tpm2bName::MAX, 68);
        assert_eq!(Tpm2bEvent::MAX, 1024);
        assert_eq!(Tpm2bMaxBuffer::MAX, 1024);
        assert_eq!(Tpm2bMaxNvBuffer::MAX, 1024);
        assert_eq!(Tpm2bTimeout::MAX, 8);
        assert_eq!(Tpm2bIv::MAX, 16);
    }

    #[test]
    fn tpm2b_bounds() {
        let p = Profile::ALL;
        macro_rules! check {
            ($t:ty) => {{
                let max = <$t>::MAX;
                let m = u16::try_from(max).unwrap();
                assert!(from_bytes::<$t>(&tpm2b(m, max), &p).is_ok());
                assert!(from_bytes::<$t>(&tpm2b(0, 0), &p).unwrap().is_empty());
                assert_eq!(
                    from_bytes::<$t>(&tpm2b(m + 1, max + 1), &p),
                    Err(WireError::Size)
                );
                assert_eq!(
                    from_bytes::<$t>(&tpm2b(0xFFFF, 0), &p),
                    Err(WireError::Size)
                );
                assert_eq!(
                    from_bytes::<$t>(&tpm2b(2, 1), &p),
                    Err(WireError::Insufficient)
                );
                assert_eq!(from_bytes::<$t>(&[0], &p), Err(WireError::Insufficient));
                assert_eq!(from_bytes::<$t>(&tpm2b(1, 2), &p), Err(WireError::Trailing));
            }};
        }
        check!(Tpm2bDigest);
        check!(Tpm2bData);
        check!(Tpm2bNonce);
        check!(Tpm2bEvent);
        check!(Tpm2bMaxBuffer);
        check!(Tpm2bMaxNvBuffer);
        check!(Tpm2bTimeout);
        check!(Tpm2bIv);
        check!(Tpm2bName);
    }

    #[test]
    fn tagged_digest() {
        let p = Profile::ALL;
        let mut sha256 = vec![0x00, 0x0B];
        sha256.extend_from_slice(&[7; 32]);
        let ha: TpmtHa = from_bytes(&sha256, &p).unwrap();
        assert_eq!(ha.hash_alg, TpmiAlgHash::SHA256);
        assert_eq!(ha.digest.as_slice(), &[7; 32]);
        assert_eq!(to_vec(&ha), sha256);
        // Short digest.
        assert_eq!(
            from_bytes::<TpmtHa>(&sha256[..33], &p),
            Err(WireError::Insufficient)
        );
        // Not a hash: TPM_RC_HASH from the TPMI_ALG_HASH.
        assert_eq!(
            from_bytes::<TpmtHa>(&[0x00, 0x06, 1, 2], &p),
            Err(WireError::Hash)
        );
        // A disabled hash is TPM_RC_HASH too.
        let no_sha1 = Profile::ALL.without_alg(TpmAlgId::SHA1.0);
        let mut sha1 = vec![0x00, 0x04];
        sha1.extend_from_slice(&[1; 20]);
        assert_eq!(from_bytes::<TpmtHa>(&sha1, &no_sha1), Err(WireError::Hash));
        assert!(from_bytes::<TpmtHa>(&sha1, &p).is_ok());
        // TPM_ALG_NULL only with the conditional null, and then no digest.
        assert_eq!(
            from_bytes::<TpmtHa>(&[0x00, 0x10], &p),
            Err(WireError::Hash)
        );
        let null: TpmtHa<true> = from_bytes(&[0x00, 0x10], &p).unwrap();
        assert_eq!(null.digest, TpmuHa::Null);
        // The union alone rejects a non-hash selector with TPM_RC_SELECTOR.
        assert_eq!(
            TpmuHa::unmarshal_selected(TpmAlgId::RSA, &mut Reader::new(&[]), &p),
            Err(WireError::Selector)
        );
        assert_eq!(TpmuHa::new(TpmAlgId::SHA1, &[0; 19]), Err(WireError::Size));
        assert_eq!(TpmuHa::new(TpmAlgId::AES, &[]), Err(WireError::Selector));
    }

    #[test]
    fn names() {
        let h = Tpm2bName::from_handle(TpmHandle::OWNER);
        assert_eq!(h.as_slice(), &[0x40, 0, 0, 1]);
        assert_eq!(h.handle(), Some(TpmHandle::OWNER));
        assert_eq!(h.digest(), None);
        let d = TpmtHa::new(TpmiAlgHash::SHA256, &[3; 32]).unwrap();
        let n = Tpm2bName::from_digest(&d);
        assert_eq!(n.len(), 34);
        assert_eq!(n.digest(), Some((TpmAlgId::SHA256, &[3u8; 32][..])));
        assert_eq!(n.handle(), None);
        assert_eq!(TpmsEmpty.marshalled_len(), 0);
        assert_eq!(from_bytes::<TpmsEmpty>(&[], &Profile::ALL), Ok(TpmsEmpty));
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmtHa>(), b in any::<TpmtHa<true>>(), c in any::<Tpm2bDigest>(),
            d in any::<Tpm2bData>(), e in any::<Tpm2bEvent>(), f in any::<Tpm2bMaxBuffer>(),
            g in any::<Tpm2bMaxNvBuffer>(), h in any::<Tpm2bTimeout>(), i in any::<Tpm2bIv>(),
            j in any::<Tpm2bName>(), k in any::<TpmsEmpty>(),
        ) {
            rt(&a); rt(&b); rt(&c); rt(&d); rt(&e); rt(&f); rt(&g); rt(&h); rt(&i); rt(&j);
            rt(&k);
        }

        #[test]
        fn no_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = from_bytes::<TpmtHa<true>>(&bytes, &Profile::ALL);
            let _ = from_bytes::<Tpm2bName>(&bytes, &Profile::ALL);
        }
    }
}
