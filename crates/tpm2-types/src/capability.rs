//! Capability structures (TPM 2.0 Part 2 §10.8 and §10.10): the property records and the
//! TPMU_CAPABILITIES/TPMS_CAPABILITY_DATA that TPM2_GetCapability returns.
//!
//! TPMS_CAPABILITY_DATA keeps its selector (`capability`) in the union's variant, so the two
//! cannot disagree; [`TpmsCapabilityData::capability`] reads it back. A capability the union
//! does not list is TPM_RC_SELECTOR when read.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer, wire_struct};

use crate::algorithms::tpmu;
use crate::{
    TpmAlgId, TpmCap, TpmHandle, TpmPt, TpmaAct, TpmaAlgorithm, TpmlActData, TpmlAlgProperty,
    TpmlCc, TpmlCca, TpmlEccCurve, TpmlHandle, TpmlPcrSelection, TpmlTaggedPcrProperty,
    TpmlTaggedPolicy, TpmlTaggedTpmProperty, TpmtHa,
};

/// TPMS_ALG_PROPERTY (TPM 2.0 Part 2 §10.8.1, Table 96): an algorithm and its attributes.
#[doc(alias = "TPMS_ALG_PROPERTY")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsAlgProperty {
    /// alg.
    pub alg: TpmAlgId,
    /// algProperties.
    pub alg_properties: TpmaAlgorithm,
}

wire_struct!(TpmsAlgProperty {
    alg,
    alg_properties
});

/// TPMS_TAGGED_PROPERTY (TPM 2.0 Part 2 §10.8.2, Table 97): a TPM property and its value.
#[doc(alias = "TPMS_TAGGED_PROPERTY")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsTaggedProperty {
    /// property.
    pub property: TpmPt,
    /// value.
    pub value: u32,
}

wire_struct!(TpmsTaggedProperty { property, value });

/// TPMS_TAGGED_POLICY (TPM 2.0 Part 2 §10.8.4, Table 99): a permanent handle and its
/// authorization policy (TPM_ALG_NULL is not allowed in `policy_hash`).
#[doc(alias = "TPMS_TAGGED_POLICY")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsTaggedPolicy {
    /// handle.
    pub handle: TpmHandle,
    /// policyHash (TPM_ALG_NULL with an empty digest when the handle has no policy, as
    /// libtpms reports it).
    pub policy_hash: TpmtHa<true>,
}

wire_struct!(TpmsTaggedPolicy {
    handle,
    policy_hash
});

/// TPMS_ACT_DATA (TPM 2.0 Part 2 §10.8.5, Table 100): an authenticated countdown timer's
/// state.
#[doc(alias = "TPMS_ACT_DATA")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsActData {
    /// handle: the ACT.
    pub handle: TpmHandle,
    /// timeout: seconds left.
    pub timeout: u32,
    /// attributes.
    pub attributes: TpmaAct,
}

wire_struct!(TpmsActData {
    handle,
    timeout,
    attributes
});

tpmu! {
    /// TPMU_CAPABILITIES (TPM 2.0 Part 2 §10.10.1, Table 116): the list TPM2_GetCapability
    /// returns, selected by TPM_CAP; other selectors are TPM_RC_SELECTOR.
    #[doc(alias = "TPMU_CAPABILITIES")]
    #[derive(Clone, PartialEq, Eq, Debug)]
    pub enum TpmuCapabilities: TpmCap {
        /// TPM_CAP_ALGS: algorithms.
        ALGS => Algorithms(TpmlAlgProperty),
        /// TPM_CAP_HANDLES: handles.
        HANDLES => Handles(TpmlHandle),
        /// TPM_CAP_COMMANDS: command attributes.
        COMMANDS => Command(TpmlCca),
        /// TPM_CAP_PP_COMMANDS: commands needing physical presence.
        PP_COMMANDS => PpCommands(TpmlCc),
        /// TPM_CAP_AUDIT_COMMANDS: audited commands.
        AUDIT_COMMANDS => AuditCommands(TpmlCc),
        /// TPM_CAP_PCRS: the PCR banks and their allocated PCRs.
        PCRS => AssignedPcr(TpmlPcrSelection),
        /// TPM_CAP_TPM_PROPERTIES: TPM properties.
        TPM_PROPERTIES => TpmProperties(TpmlTaggedTpmProperty),
        /// TPM_CAP_PCR_PROPERTIES: PCR properties.
        PCR_PROPERTIES => PcrProperties(TpmlTaggedPcrProperty),
        /// TPM_CAP_ECC_CURVES: implemented curves.
        ECC_CURVES => EccCurves(TpmlEccCurve),
        /// TPM_CAP_AUTH_POLICIES: permanent handles' policies.
        AUTH_POLICIES => AuthPolicies(TpmlTaggedPolicy),
        /// TPM_CAP_ACT: ACT states.
        ACT => ActData(TpmlActData),
    }
}

/// TPMS_CAPABILITY_DATA (TPM 2.0 Part 2 §10.10.2, Table 117): `capability` (a TPM_CAP, here
/// the variant of `data`), then the union it selects.
#[doc(alias = "TPMS_CAPABILITY_DATA")]
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TpmsCapabilityData {
    /// data: the capability's list; its variant is the `capability` field on the wire.
    pub data: TpmuCapabilities,
}

impl TpmsCapabilityData {
    /// capability: the selector of `data`.
    pub fn capability(&self) -> TpmCap {
        self.data.selector()
    }
}

impl Marshal for TpmsCapabilityData {
    fn marshal(&self, w: &mut Writer<'_>) {
        self.data.selector().marshal(w);
        self.data.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmsCapabilityData {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let capability = TpmCap::unmarshal(r, p)?;
        Ok(TpmsCapabilityData {
            data: TpmuCapabilities::unmarshal_selected(capability, r, p)?,
        })
    }
}

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use crate::strategies::{list, list_of};
    use proptest::prelude::*;

    impl Arbitrary for TpmsAlgProperty {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<u16>(), any::<u32>())
                .prop_map(|(a, bits)| TpmsAlgProperty {
                    alg: TpmAlgId(a),
                    alg_properties: TpmaAlgorithm(bits & !TpmaAlgorithm::RESERVED),
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsTaggedProperty {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<u32>(), any::<u32>())
                .prop_map(|(pt, value)| TpmsTaggedProperty {
                    property: TpmPt(pt),
                    value,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsTaggedPolicy {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<u32>(), any::<TpmtHa<true>>())
                .prop_map(|(h, policy_hash)| TpmsTaggedPolicy {
                    handle: TpmHandle(h),
                    policy_hash,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsActData {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<u32>(), any::<u32>(), any::<u32>())
                .prop_map(|(h, timeout, bits)| TpmsActData {
                    handle: TpmHandle(h),
                    timeout,
                    attributes: TpmaAct(bits & !TpmaAct::RESERVED),
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmuCapabilities {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            use TpmuCapabilities as U;
            prop_oneof![
                list(6).prop_map(U::Algorithms),
                list_of(any::<u32>().prop_map(TpmHandle), 6).prop_map(U::Handles),
                list_of(
                    any::<u32>().prop_map(|v| crate::TpmaCc(v & !crate::TpmaCc::RESERVED)),
                    6
                )
                .prop_map(U::Command),
                list_of(any::<u32>().prop_map(crate::TpmCc), 6).prop_map(U::PpCommands),
                list_of(any::<u32>().prop_map(crate::TpmCc), 6).prop_map(U::AuditCommands),
                list(4).prop_map(U::AssignedPcr),
                list(6).prop_map(U::TpmProperties),
                list(6).prop_map(U::PcrProperties),
                list_of(any::<u16>().prop_map(crate::TpmEccCurve), 6).prop_map(U::EccCurves),
                list(3).prop_map(U::AuthPolicies),
                list(6).prop_map(U::ActData),
            ]
            .boxed()
        }
    }

    arb_struct!(TpmsCapabilityData {
        data: any::<TpmuCapabilities>(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    #[test]
    fn capability_data_wire() {
        let p = Profile::ALL;
        // TPM_CAP_TPM_PROPERTIES with one property (TPM_PT_FAMILY_INDICATOR = "2.0").
        let b = [0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 1, 0, 0x32, 0x2E, 0x30, 0x00];
        let c: TpmsCapabilityData = from_bytes(&b, &p).unwrap();
        assert_eq!(c.capability(), TpmCap::TPM_PROPERTIES);
        assert_eq!(to_vec(&c), b);
        // Unknown capability (TPM_CAP_VENDOR_PROPERTY): TPM_RC_SELECTOR.
        assert_eq!(
            from_bytes::<TpmsCapabilityData>(&[0, 0, 1, 0, 0, 0, 0, 0], &p),
            Err(WireError::Selector)
        );
        // Too many handles: TPM_RC_SIZE.
        assert_eq!(
            from_bytes::<TpmsCapabilityData>(&[0, 0, 0, 1, 0, 0, 0, 255], &p),
            Err(WireError::Size)
        );
        // Reserved TPMA_ALGORITHM bits: TPM_RC_RESERVED_BITS.
        let bad = [0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(
            from_bytes::<TpmsCapabilityData>(&bad, &p),
            Err(WireError::ReservedBits)
        );
        // A tagged policy's hash may be TPM_ALG_NULL (libtpms reports unset policies so), but
        // must otherwise be a hash.
        assert!(from_bytes::<TpmsTaggedPolicy>(&[0x40, 0, 0, 1, 0, 0x10], &p).is_ok());
        assert_eq!(
            from_bytes::<TpmsTaggedPolicy>(&[0x40, 0, 0, 1, 0, 0x06], &p),
            Err(WireError::Hash)
        );
        assert_eq!(
            from_bytes::<TpmsActData>(&[0x40, 0, 1, 0x10, 0, 0, 0, 1, 0, 0], &p),
            Err(WireError::Insufficient)
        );
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmsAlgProperty>(), b in any::<TpmsTaggedProperty>(),
            c in any::<TpmsTaggedPolicy>(), d in any::<TpmsActData>(),
            e in any::<TpmsCapabilityData>(),
        ) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmsAlgProperty>(&to_vec(&a), &p), Ok(a));
            prop_assert_eq!(from_bytes::<TpmsTaggedProperty>(&to_vec(&b), &p), Ok(b));
            prop_assert_eq!(from_bytes::<TpmsTaggedPolicy>(&to_vec(&c), &p), Ok(c));
            prop_assert_eq!(from_bytes::<TpmsActData>(&to_vec(&d), &p), Ok(d));
            prop_assert_eq!(from_bytes::<TpmsCapabilityData>(&to_vec(&e), &p), Ok(e));
        }

        #[test]
        fn no_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = from_bytes::<TpmsCapabilityData>(&bytes, &Profile::ALL);
        }
    }
}
