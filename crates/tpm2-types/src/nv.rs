//! NV index structures (TPM 2.0 Part 2 §13): TPMS_NV_PIN_COUNTER_PARAMETERS, TPMS_NV_PUBLIC and
//! TPM2B_NV_PUBLIC.
//!
//! Checks as libtpms `TPMS_NV_PUBLIC_Unmarshal`: nvIndex outside the NV range is TPM_RC_VALUE,
//! a non-hash nameAlg TPM_RC_HASH, reserved TPMA_NV bits TPM_RC_RESERVED_BITS, dataSize above
//! MAX_NV_INDEX_SIZE TPM_RC_SIZE; TPM2B_NV_PUBLIC's size must be non-zero and match exactly
//! (TPM_RC_SIZE).

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer, wire_sized, wire_struct};

use crate::{MAX_NV_INDEX_SIZE, Tpm2bDigest, TpmaNv, TpmiAlgHash, TpmiRhNvIndex};

/// TPMS_NV_PIN_COUNTER_PARAMETERS (TPM 2.0 Part 2 §13.5, Table 210): the data of a PIN Pass or
/// PIN Fail index.
#[doc(alias = "TPMS_NV_PIN_COUNTER_PARAMETERS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsNvPinCounterParameters {
    /// pinCount: successful (PIN Pass) or failed (PIN Fail) authorizations so far.
    pub pin_count: u32,
    /// pinLimit: the most allowed.
    pub pin_limit: u32,
}

wire_struct!(TpmsNvPinCounterParameters {
    pin_count,
    pin_limit
});

/// TPMS_NV_PUBLIC (TPM 2.0 Part 2 §13.6, Table 212): an NV index's public area.
#[doc(alias = "TPMS_NV_PUBLIC")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsNvPublic {
    /// nvIndex.
    pub nv_index: TpmiRhNvIndex,
    /// nameAlg: the hash of the index's Name (not TPM_ALG_NULL).
    pub name_alg: TpmiAlgHash,
    /// attributes.
    pub attributes: TpmaNv,
    /// authPolicy.
    pub auth_policy: Tpm2bDigest,
    /// dataSize: at most MAX_NV_INDEX_SIZE.
    pub data_size: u16,
}

impl Marshal for TpmsNvPublic {
    fn marshal(&self, w: &mut Writer<'_>) {
        let TpmsNvPublic {
            nv_index,
            name_alg,
            attributes,
            auth_policy,
            data_size,
        } = self;
        nv_index.marshal(w);
        name_alg.marshal(w);
        attributes.marshal(w);
        auth_policy.marshal(w);
        data_size.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmsNvPublic {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let nv_index = Unmarshal::unmarshal(r, p)?;
        let name_alg = Unmarshal::unmarshal(r, p)?;
        let attributes = Unmarshal::unmarshal(r, p)?;
        let auth_policy = Unmarshal::unmarshal(r, p)?;
        let data_size = r.read_u16()?;
        if usize::from(data_size) > MAX_NV_INDEX_SIZE {
            return Err(WireError::Size);
        }
        Ok(TpmsNvPublic {
            nv_index,
            name_alg,
            attributes,
            auth_policy,
            data_size,
        })
    }
}

/// TPM2B_NV_PUBLIC (TPM 2.0 Part 2 §13.7, Table 213): a TPMS_NV_PUBLIC behind its size.
#[doc(alias = "TPM2B_NV_PUBLIC")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Tpm2bNvPublic {
    /// nvPublic.
    pub nv_public: TpmsNvPublic,
}

wire_sized!(Tpm2bNvPublic { nv_public });

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    impl Arbitrary for TpmsNvPinCounterParameters {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<u32>(), any::<u32>())
                .prop_map(|(pin_count, pin_limit)| TpmsNvPinCounterParameters {
                    pin_count,
                    pin_limit,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsNvPublic {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmiRhNvIndex>(),
                proptest::sample::select(TpmiAlgHash::<false>::ACCEPTS),
                any::<u32>(),
                any::<Tpm2bDigest>(),
                0..=u16::try_from(MAX_NV_INDEX_SIZE).unwrap_or(u16::MAX),
            )
                .prop_map(
                    |(nv_index, alg, bits, auth_policy, data_size)| TpmsNvPublic {
                        nv_index,
                        name_alg: TpmiAlgHash(alg),
                        attributes: TpmaNv(bits & !TpmaNv::RESERVED),
                        auth_policy,
                        data_size,
                    },
                )
                .boxed()
        }
    }

    arb_struct!(Tpm2bNvPublic {
        nv_public: any::<TpmsNvPublic>(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    /// A TPMS_NV_PUBLIC for index 0x01C00002 (the RSA EK certificate), SHA-256, with the
    /// given attributes and size.
    fn nv_public(attrs: u32, size: u16) -> Vec<u8> {
        let mut v = vec![0x01, 0xC0, 0x00, 0x02, 0x00, 0x0B];
        v.extend_from_slice(&attrs.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&size.to_be_bytes());
        v
    }

    #[test]
    fn nv_public_checks() {
        let p = Profile::ALL;
        let good = nv_public(0x6200_0002, 1000);
        let n: TpmsNvPublic = from_bytes(&good, &p).unwrap();
        assert_eq!(n.data_size, 1000);
        assert_eq!(to_vec(&n), good);
        assert!(from_bytes::<TpmsNvPublic>(&nv_public(0, 2048), &p).is_ok());
        assert_eq!(
            from_bytes::<TpmsNvPublic>(&nv_public(0, 2049), &p),
            Err(WireError::Size)
        );
        // Reserved bit 8 of TPMA_NV.
        assert_eq!(
            from_bytes::<TpmsNvPublic>(&nv_public(0x0000_0100, 8), &p),
            Err(WireError::ReservedBits)
        );
        // Not an NV index handle.
        let mut bad = good.clone();
        bad[0] = 0x81;
        assert_eq!(from_bytes::<TpmsNvPublic>(&bad, &p), Err(WireError::Value));
        // nameAlg TPM_ALG_NULL.
        let mut bad = good.clone();
        bad[5] = 0x10;
        assert_eq!(from_bytes::<TpmsNvPublic>(&bad, &p), Err(WireError::Hash));

        // TPM2B_NV_PUBLIC: exact size, non-zero.
        let mut sized = u16::try_from(good.len()).unwrap().to_be_bytes().to_vec();
        sized.extend_from_slice(&good);
        let s: Tpm2bNvPublic = from_bytes(&sized, &p).unwrap();
        assert_eq!(s.nv_public, n);
        assert_eq!(to_vec(&s), sized);
        let mut off = sized.clone();
        off[1] += 1;
        off.push(0);
        assert_eq!(from_bytes::<Tpm2bNvPublic>(&off, &p), Err(WireError::Size));
        assert_eq!(
            from_bytes::<Tpm2bNvPublic>(&[0, 0], &p),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<Tpm2bNvPublic>(&sized[..10], &p),
            Err(WireError::Insufficient)
        );
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmsNvPinCounterParameters>(), b in any::<TpmsNvPublic>(),
            c in any::<Tpm2bNvPublic>(),
        ) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmsNvPinCounterParameters>(&to_vec(&a), &p), Ok(a));
            prop_assert_eq!(from_bytes::<TpmsNvPublic>(&to_vec(&b), &p), Ok(b));
            prop_assert_eq!(from_bytes::<Tpm2bNvPublic>(&to_vec(&c), &p), Ok(c));
        }
    }
}
