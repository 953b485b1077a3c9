//! The handle and selector interface types of TPM 2.0 Part 2 §9 (`TPMI_YES_NO`, `TPMI_DH_*`,
//! `TPMI_SH_*`, `TPMI_RH_*`, `TPMI_ST_*`), rev 1.59 as libtpms 0.9 implements them.
//!
//! Each is a newtype over its base type, marshalled as that base and validated on unmarshal
//! exactly as libtpms `Unmarshal.c` does: a value outside the type's ranges is
//! [`WireError::Value`] (TPM_RC_VALUE; the dispatcher adds the handle or parameter number).
//! Types whose Part 2 table has a conditional value (`+TPM_RH_NULL`, or `+TPM_RS_PW` for
//! TPMI_SH_AUTH_SESSION) carry a const generic: `TpmiDhObject<true>` accepts TPM_RH_NULL,
//! `TpmiDhObject` (the default, `false`) rejects it.
//!
//! libtpms parity: the implementation-dependent ends of the ranges are libtpms's
//! (`hc::TRANSIENT_LAST` is 0x8000_0002 since MAX_LOADED_OBJECTS is 3; 64 active sessions;
//! 24 PCRs), so e.g. transient handle 0x8000_0003 is TPM_RC_VALUE at unmarshal, as there.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer};

use crate::{TpmHandle, TpmSt, hc};

/// Declares a TPMI handle type over [`TpmHandle`]: the inclusive ranges it accepts and,
/// optionally, a conditional value behind a const generic.
macro_rules! tpmi_handle {
    (
        $(#[$meta:meta])*
        $name:ident $(<$plus:ident = $cond:path>)?, ranges = [$($range:expr),* $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name$(<const $plus: bool = false>)?(pub TpmHandle);

        impl$(<const $plus: bool>)? $name$(<$plus>)? {
            /// The inclusive handle ranges this type accepts (without the conditional value).
            pub const RANGES: &'static [(u32, u32)] = &[$($range),*];

            /// The conditional value (`+` in Part 2), accepted only with the const generic set.
            pub const CONDITIONAL: Option<TpmHandle> = tpmi_handle!(@cond $($cond)?);

            /// Whether this instantiation accepts the conditional value.
            const ALLOWS_COND: bool = tpmi_handle!(@allows $($plus)?);

            /// Validate `h` as unmarshalling does.
            ///
            /// # Errors
            /// [`WireError::Value`] when `h` is in none of [`Self::RANGES`] and is not the
            /// allowed conditional value.
            pub fn new(h: TpmHandle) -> Result<Self, WireError> {
                let in_range = Self::RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&h.0));
                let cond = Self::ALLOWS_COND && Self::CONDITIONAL == Some(h);
                if in_range || cond {
                    Ok(Self(h))
                } else {
                    Err(WireError::Value)
                }
            }

            /// The handle.
            pub const fn handle(self) -> TpmHandle {
                self.0
            }
        }

        impl$(<const $plus: bool>)? From<$name$(<$plus>)?> for TpmHandle {
            fn from(v: $name$(<$plus>)?) -> TpmHandle {
                v.0
            }
        }

        impl$(<const $plus: bool>)? Marshal for $name$(<$plus>)? {
            fn marshal(&self, w: &mut Writer<'_>) {
                self.0.marshal(w);
            }
        }

        impl<'a $(, const $plus: bool)?> Unmarshal<'a> for $name$(<$plus>)? {
            fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
                Self::new(TpmHandle::unmarshal(r, p)?)
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl$(<const $plus: bool>)? proptest::arbitrary::Arbitrary for $name$(<$plus>)? {
            type Parameters = ();
            type Strategy = proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use proptest::prelude::*;
                let ranges = proptest::sample::select(Self::RANGES)
                    .prop_flat_map(|(lo, hi)| lo..=hi)
                    .prop_map(|h| Self(TpmHandle(h)));
                match Self::CONDITIONAL {
                    Some(c) if Self::ALLOWS_COND => {
                        prop_oneof![3 => ranges, 1 => Just(Self(c))].boxed()
                    }
                    _ => ranges.boxed(),
                }
            }
        }
    };
    (@cond $cond:path) => { Some($cond) };
    (@cond) => { None };
    (@allows $plus:ident) => { $plus };
    (@allows) => { false };
}

/// A single handle as an inclusive range.
const fn one(h: TpmHandle) -> (u32, u32) {
    (h.0, h.0)
}

const TRANSIENT: (u32, u32) = (hc::TRANSIENT_FIRST, hc::TRANSIENT_LAST);
const PERSISTENT: (u32, u32) = (hc::PERSISTENT_FIRST, hc::PERSISTENT_LAST);
const HMAC_SESSION: (u32, u32) = (hc::HMAC_SESSION_FIRST, hc::HMAC_SESSION_LAST);
const POLICY_SESSION: (u32, u32) = (hc::POLICY_SESSION_FIRST, hc::POLICY_SESSION_LAST);
const NV_INDEX: (u32, u32) = (hc::NV_INDEX_FIRST, hc::NV_INDEX_LAST);
const PCR: (u32, u32) = (hc::PCR_FIRST, hc::PCR_LAST);
const ACT: (u32, u32) = (TpmHandle::ACT_0.0, TpmHandle::ACT_F.0);

tpmi_handle! {
    /// TPMI_DH_OBJECT (TPM 2.0 Part 2 §9.3, Table 41): a transient or persistent object
    /// (+TPM_RH_NULL); else TPM_RC_VALUE (libtpms `TPMI_DH_OBJECT_Unmarshal`).
    #[doc(alias = "TPMI_DH_OBJECT")]
    TpmiDhObject<NULL = TpmHandle::NULL>, ranges = [TRANSIENT, PERSISTENT]
}

tpmi_handle! {
    /// TPMI_DH_PARENT (TPM 2.0 Part 2 §9.4, Table 42): a transient or persistent object or a
    /// primary seed hierarchy (+TPM_RH_NULL); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_DH_PARENT")]
    TpmiDhParent<NULL = TpmHandle::NULL>, ranges = [
        TRANSIENT,
        PERSISTENT,
        one(TpmHandle::OWNER),
        one(TpmHandle::PLATFORM),
        one(TpmHandle::ENDORSEMENT),
    ]
}

tpmi_handle! {
    /// TPMI_DH_PERSISTENT (TPM 2.0 Part 2 §9.5, Table 43): a persistent object; else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_DH_PERSISTENT")]
    TpmiDhPersistent, ranges = [PERSISTENT]
}

tpmi_handle! {
    /// TPMI_DH_ENTITY (TPM 2.0 Part 2 §9.6, Table 44): anything with an authorization value —
    /// a hierarchy, lockout, an object, an NV index, a PCR or a vendor authorization handle
    /// (+TPM_RH_NULL); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_DH_ENTITY")]
    TpmiDhEntity<NULL = TpmHandle::NULL>, ranges = [
        one(TpmHandle::OWNER),
        one(TpmHandle::ENDORSEMENT),
        one(TpmHandle::PLATFORM),
        one(TpmHandle::LOCKOUT),
        TRANSIENT,
        PERSISTENT,
        NV_INDEX,
        PCR,
        (TpmHandle::AUTH_00.0, TpmHandle::AUTH_FF.0),
    ]
}

tpmi_handle! {
    /// TPMI_DH_PCR (TPM 2.0 Part 2 §9.7, Table 45): an implemented PCR (+TPM_RH_NULL); else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_DH_PCR")]
    TpmiDhPcr<NULL = TpmHandle::NULL>, ranges = [PCR]
}

tpmi_handle! {
    /// TPMI_SH_AUTH_SESSION (TPM 2.0 Part 2 §9.8, Table 46): an HMAC or policy session
    /// (+TPM_RS_PW: the const generic admits the password session); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_SH_AUTH_SESSION")]
    TpmiShAuthSession<PW = TpmHandle::PW>, ranges = [HMAC_SESSION, POLICY_SESSION]
}

tpmi_handle! {
    /// TPMI_SH_HMAC (TPM 2.0 Part 2 §9.9, Table 47): an HMAC session; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_SH_HMAC")]
    TpmiShHmac, ranges = [HMAC_SESSION]
}

tpmi_handle! {
    /// TPMI_SH_POLICY (TPM 2.0 Part 2 §9.10, Table 48): a policy session; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_SH_POLICY")]
    TpmiShPolicy, ranges = [POLICY_SESSION]
}

tpmi_handle! {
    /// TPMI_DH_CONTEXT (TPM 2.0 Part 2 §9.11, Table 49): a session or transient object whose
    /// context can be saved or flushed; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_DH_CONTEXT")]
    TpmiDhContext, ranges = [HMAC_SESSION, POLICY_SESSION, TRANSIENT]
}

tpmi_handle! {
    /// TPMI_DH_SAVED (TPM 2.0 Part 2 §9.12, Table 50): the savedHandle of a TPMS_CONTEXT — a
    /// session, or 0x8000_0000 (object), 0x8000_0001 (sequence), 0x8000_0002 (stClear object);
    /// else TPM_RC_VALUE. (libtpms passes an allowNull flag here but ignores it.)
    #[doc(alias = "TPMI_DH_SAVED")]
    TpmiDhSaved, ranges = [HMAC_SESSION, POLICY_SESSION, (0x8000_0000, 0x8000_0002)]
}

impl TpmiDhSaved {
    /// An ordinary transient object's saved context.
    pub const TRANSIENT: Self = Self(TpmHandle(0x8000_0000));
    /// A sequence object's saved context.
    pub const SEQUENCE: Self = Self(TpmHandle(0x8000_0001));
    /// A transient object with stClear set.
    pub const TRANSIENT_CLEAR: Self = Self(TpmHandle(0x8000_0002));
}

tpmi_handle! {
    /// TPMI_RH_HIERARCHY (TPM 2.0 Part 2 §9.13, Table 51): owner, platform or endorsement
    /// (+TPM_RH_NULL); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_HIERARCHY")]
    TpmiRhHierarchy<NULL = TpmHandle::NULL>, ranges = [
        one(TpmHandle::OWNER),
        one(TpmHandle::PLATFORM),
        one(TpmHandle::ENDORSEMENT),
    ]
}

tpmi_handle! {
    /// TPMI_RH_ENABLES (TPM 2.0 Part 2 §9.14, Table 52): a hierarchy or platform NV that
    /// TPM2_HierarchyControl switches (+TPM_RH_NULL); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_ENABLES")]
    TpmiRhEnables<NULL = TpmHandle::NULL>, ranges = [
        one(TpmHandle::OWNER),
        one(TpmHandle::PLATFORM),
        one(TpmHandle::ENDORSEMENT),
        one(TpmHandle::PLATFORM_NV),
    ]
}

tpmi_handle! {
    /// TPMI_RH_HIERARCHY_AUTH (TPM 2.0 Part 2 §9.15, Table 53): a hierarchy or lockout whose
    /// authValue TPM2_HierarchyChangeAuth sets; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_HIERARCHY_AUTH")]
    TpmiRhHierarchyAuth, ranges = [
        one(TpmHandle::OWNER),
        one(TpmHandle::PLATFORM),
        one(TpmHandle::ENDORSEMENT),
        one(TpmHandle::LOCKOUT),
    ]
}

tpmi_handle! {
    /// TPMI_RH_HIERARCHY_POLICY (TPM 2.0 Part 2 §9.16, Table 54): a hierarchy, lockout or ACT
    /// whose authPolicy TPM2_SetPrimaryPolicy sets; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_HIERARCHY_POLICY")]
    TpmiRhHierarchyPolicy, ranges = [
        one(TpmHandle::OWNER),
        one(TpmHandle::PLATFORM),
        one(TpmHandle::ENDORSEMENT),
        one(TpmHandle::LOCKOUT),
        ACT,
    ]
}

tpmi_handle! {
    /// TPMI_RH_PLATFORM (TPM 2.0 Part 2 §9.17, Table 55): TPM_RH_PLATFORM only; else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_PLATFORM")]
    TpmiRhPlatform, ranges = [one(TpmHandle::PLATFORM)]
}

tpmi_handle! {
    /// TPMI_RH_OWNER (TPM 2.0 Part 2 §9.18, Table 56): TPM_RH_OWNER (+TPM_RH_NULL); else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_OWNER")]
    TpmiRhOwner<NULL = TpmHandle::NULL>, ranges = [one(TpmHandle::OWNER)]
}

tpmi_handle! {
    /// TPMI_RH_ENDORSEMENT (TPM 2.0 Part 2 §9.19, Table 57): TPM_RH_ENDORSEMENT
    /// (+TPM_RH_NULL); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_ENDORSEMENT")]
    TpmiRhEndorsement<NULL = TpmHandle::NULL>, ranges = [one(TpmHandle::ENDORSEMENT)]
}

tpmi_handle! {
    /// TPMI_RH_PROVISION (TPM 2.0 Part 2 §9.20, Table 58): owner or platform; else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_PROVISION")]
    TpmiRhProvision, ranges = [one(TpmHandle::OWNER), one(TpmHandle::PLATFORM)]
}

tpmi_handle! {
    /// TPMI_RH_CLEAR (TPM 2.0 Part 2 §9.21, Table 59): lockout or platform; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_CLEAR")]
    TpmiRhClear, ranges = [one(TpmHandle::LOCKOUT), one(TpmHandle::PLATFORM)]
}

tpmi_handle! {
    /// TPMI_RH_NV_AUTH (TPM 2.0 Part 2 §9.22, Table 60): owner, platform or an NV index (who
    /// authorizes an NV access); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_NV_AUTH")]
    TpmiRhNvAuth, ranges = [one(TpmHandle::OWNER), one(TpmHandle::PLATFORM), NV_INDEX]
}

tpmi_handle! {
    /// TPMI_RH_LOCKOUT (TPM 2.0 Part 2 §9.23, Table 61): TPM_RH_LOCKOUT only; else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_LOCKOUT")]
    TpmiRhLockout, ranges = [one(TpmHandle::LOCKOUT)]
}

tpmi_handle! {
    /// TPMI_RH_NV_INDEX (TPM 2.0 Part 2 §9.24, Table 62): an NV index handle
    /// (0x0100_0000..=0x01FF_FFFF); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_NV_INDEX")]
    TpmiRhNvIndex, ranges = [NV_INDEX]
}

tpmi_handle! {
    /// TPMI_RH_AC (TPM 2.0 Part 2 §9.25, Table 63): an attached component; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_AC")]
    TpmiRhAc, ranges = [(hc::AC_FIRST, hc::AC_LAST)]
}

tpmi_handle! {
    /// TPMI_RH_ACT (TPM 2.0 Part 2 §9.26, Table 64): an authenticated countdown timer
    /// (TPM_RH_ACT_0..=TPM_RH_ACT_F); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RH_ACT")]
    TpmiRhAct, ranges = [ACT]
}

/// TPMI_YES_NO (TPM 2.0 Part 2 §9.2, Table 40): a BYTE that is 0 (NO) or 1 (YES); any other
/// value is TPM_RC_VALUE (libtpms `TPMI_YES_NO_Unmarshal`).
#[doc(alias = "TPMI_YES_NO")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmiYesNo(pub bool);

impl TpmiYesNo {
    /// YES (1).
    pub const YES: Self = Self(true);
    /// NO (0).
    pub const NO: Self = Self(false);
}

impl From<bool> for TpmiYesNo {
    fn from(b: bool) -> Self {
        Self(b)
    }
}

impl From<TpmiYesNo> for bool {
    fn from(v: TpmiYesNo) -> bool {
        v.0
    }
}

impl Marshal for TpmiYesNo {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.u8(u8::from(self.0));
    }
}

impl<'a> Unmarshal<'a> for TpmiYesNo {
    fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
        match r.read_u8()? {
            0 => Ok(Self::NO),
            1 => Ok(Self::YES),
            _ => Err(WireError::Value),
        }
    }
}

/// Declares a TPMI type over [`TpmSt`] that accepts a fixed list of tags.
macro_rules! tpmi_st {
    (
        $(#[$meta:meta])*
        $name:ident, err = $err:ident, accepts = [$($st:ident),* $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name(pub TpmSt);

        impl $name {
            /// The structure tags this type accepts.
            pub const ACCEPTS: &'static [TpmSt] = &[$(TpmSt::$st),*];

            $(
                #[doc = concat!("TPM_ST_", stringify!($st), ".")]
                pub const $st: Self = Self(TpmSt::$st);
            )*

            /// Validate `st` as unmarshalling does.
            ///
            /// # Errors
            #[doc = concat!("[`WireError::", stringify!($err), "`] when `st` is not listed.")]
            pub fn new(st: TpmSt) -> Result<Self, WireError> {
                if Self::ACCEPTS.contains(&st) {
                    Ok(Self(st))
                } else {
                    Err(WireError::$err)
                }
            }
        }

        impl From<$name> for TpmSt {
            fn from(v: $name) -> TpmSt {
                v.0
            }
        }

        impl Marshal for $name {
            fn marshal(&self, w: &mut Writer<'_>) {
                self.0.marshal(w);
            }
        }

        impl<'a> Unmarshal<'a> for $name {
            fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
                Self::new(TpmSt::unmarshal(r, p)?)
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl proptest::arbitrary::Arbitrary for $name {
            type Parameters = ();
            type Strategy = proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use proptest::prelude::*;
                proptest::sample::select(Self::ACCEPTS).prop_map(Self).boxed()
            }
        }
    };
}

tpmi_st! {
    /// TPMI_ST_COMMAND_TAG (TPM 2.0 Part 2 §9.35, Table 73): the tag of a command header,
    /// TPM_ST_NO_SESSIONS or TPM_ST_SESSIONS; anything else is TPM_RC_BAD_TAG (libtpms
    /// `TPMI_ST_COMMAND_TAG_Unmarshal`).
    #[doc(alias = "TPMI_ST_COMMAND_TAG")]
    TpmiStCommandTag, err = BadTag, accepts = [NO_SESSIONS, SESSIONS]
}

tpmi_st! {
    /// TPMI_ST_ATTEST (TPM 2.0 Part 2 §10.12.10, Table 130): the type of a TPMS_ATTEST, the
    /// selector of TPMU_ATTEST; anything else is TPM_RC_SELECTOR (libtpms
    /// `TPMI_ST_ATTEST_Unmarshal`, which predates TPM_ST_ATTEST_NV_DIGEST; rev 1.59 lists it and
    /// libtpms marshals it).
    #[doc(alias = "TPMI_ST_ATTEST")]
    TpmiStAttest, err = Selector, accepts = [
        ATTEST_CERTIFY,
        ATTEST_CREATION,
        ATTEST_QUOTE,
        ATTEST_COMMAND_AUDIT,
        ATTEST_SESSION_AUDIT,
        ATTEST_TIME,
        ATTEST_NV,
        ATTEST_NV_DIGEST,
    ]
}

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmiYesNo {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        any::<bool>().prop_map(TpmiYesNo).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    fn be(h: u32) -> [u8; 4] {
        h.to_be_bytes()
    }

    fn rt<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(&from_bytes::<T>(&bytes, &Profile::ALL).unwrap(), v);
    }

    /// Parse handle `h` as `T`.
    fn parse<T: for<'a> Unmarshal<'a>>(h: u32) -> Result<T, WireError> {
        from_bytes::<T>(&be(h), &Profile::ALL)
    }

    #[test]
    fn yes_no() {
        let p = Profile::ALL;
        assert_eq!(from_bytes::<TpmiYesNo>(&[0], &p), Ok(TpmiYesNo::NO));
        assert_eq!(from_bytes::<TpmiYesNo>(&[1], &p), Ok(TpmiYesNo::YES));
        assert_eq!(from_bytes::<TpmiYesNo>(&[2], &p), Err(WireError::Value));
        assert_eq!(from_bytes::<TpmiYesNo>(&[0xff], &p), Err(WireError::Value));
        assert_eq!(
            from_bytes::<TpmiYesNo>(&[], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(to_vec(&TpmiYesNo::YES), vec![1]);
    }

    #[test]
    fn object_and_null() {
        assert!(parse::<TpmiDhObject>(0x8000_0000).is_ok());
        assert!(parse::<TpmiDhObject>(0x8000_0002).is_ok());
        // libtpms parity: only MAX_LOADED_OBJECTS (3) transient handles exist.
        assert_eq!(parse::<TpmiDhObject>(0x8000_0003), Err(WireError::Value));
        assert!(parse::<TpmiDhObject>(0x8100_0001).is_ok());
        assert!(parse::<TpmiDhObject>(0x81FF_FFFF).is_ok());
        assert_eq!(parse::<TpmiDhObject>(0x4000_0007), Err(WireError::Value));
        assert_eq!(
            parse::<TpmiDhObject<true>>(0x4000_0007),
            Ok(TpmiDhObject(TpmHandle::NULL))
        );
        assert_eq!(
            parse::<TpmiDhObject<true>>(0x4000_0001),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmiDhObject>(&[0x80, 0, 0], &Profile::ALL),
            Err(WireError::Insufficient)
        );
    }

    #[test]
    fn parent_entity_pcr() {
        for h in [
            0x4000_0001,
            0x4000_000C,
            0x4000_000B,
            0x8000_0001,
            0x8100_0000,
        ] {
            assert!(parse::<TpmiDhParent>(h).is_ok(), "{h:#x}");
        }
        assert_eq!(parse::<TpmiDhParent>(0x4000_000A), Err(WireError::Value));
        assert_eq!(parse::<TpmiDhParent>(0x4000_0007), Err(WireError::Value));
        assert!(parse::<TpmiDhParent<true>>(0x4000_0007).is_ok());

        for h in [
            0x4000_0001,
            0x4000_000A,
            0x0000_0000,
            0x0000_0017,
            0x0100_0000,
            0x4000_0010,
            0x4000_010F,
        ] {
            assert!(parse::<TpmiDhEntity>(h).is_ok(), "{h:#x}");
        }
        assert_eq!(parse::<TpmiDhEntity>(0x0000_0018), Err(WireError::Value));
        assert_eq!(parse::<TpmiDhEntity>(0x4000_000D), Err(WireError::Value));
        assert_eq!(parse::<TpmiDhEntity>(0x0200_0000), Err(WireError::Value));

        assert!(parse::<TpmiDhPcr>(23).is_ok());
        assert_eq!(parse::<TpmiDhPcr>(24), Err(WireError::Value));
        assert_eq!(parse::<TpmiDhPcr>(0x4000_0007), Err(WireError::Value));
        assert!(parse::<TpmiDhPcr<true>>(0x4000_0007).is_ok());
        assert_eq!(
            parse::<TpmiDhPersistent>(0x8000_0000),
            Err(WireError::Value)
        );
        assert!(parse::<TpmiDhPersistent>(0x8100_0000).is_ok());
    }

    #[test]
    fn sessions_and_contexts() {
        assert!(parse::<TpmiShAuthSession>(0x0200_0000).is_ok());
        assert!(parse::<TpmiShAuthSession>(0x0300_003F).is_ok());
        // 64 active sessions in libtpms.
        assert_eq!(
            parse::<TpmiShAuthSession>(0x0300_0040),
            Err(WireError::Value)
        );
        assert_eq!(
            parse::<TpmiShAuthSession>(0x4000_0009),
            Err(WireError::Value)
        );
        assert_eq!(
            parse::<TpmiShAuthSession<true>>(0x4000_0009),
            Ok(TpmiShAuthSession(TpmHandle::PW))
        );
        assert_eq!(
            parse::<TpmiShAuthSession<true>>(0x4000_0007),
            Err(WireError::Value)
        );
        assert!(parse::<TpmiShHmac>(0x0200_0001).is_ok());
        assert_eq!(parse::<TpmiShHmac>(0x0300_0001), Err(WireError::Value));
        assert!(parse::<TpmiShPolicy>(0x0300_0001).is_ok());
        assert_eq!(parse::<TpmiShPolicy>(0x0200_0001), Err(WireError::Value));
        assert!(parse::<TpmiDhContext>(0x8000_0001).is_ok());
        assert_eq!(parse::<TpmiDhContext>(0x8100_0001), Err(WireError::Value));
        assert_eq!(
            parse::<TpmiDhSaved>(0x8000_0002),
            Ok(TpmiDhSaved::TRANSIENT_CLEAR)
        );
        assert_eq!(parse::<TpmiDhSaved>(0x8000_0003), Err(WireError::Value));
        assert!(parse::<TpmiDhSaved>(0x0300_0000).is_ok());
    }

    #[test]
    fn hierarchies() {
        assert!(parse::<TpmiRhHierarchy>(0x4000_0001).is_ok());
        assert_eq!(parse::<TpmiRhHierarchy>(0x4000_0007), Err(WireError::Value));
        assert!(parse::<TpmiRhHierarchy<true>>(0x4000_0007).is_ok());
        assert_eq!(
            parse::<TpmiRhHierarchy<true>>(0x4000_000A),
            Err(WireError::Value)
        );
        assert!(parse::<TpmiRhEnables>(0x4000_000D).is_ok());
        assert_eq!(parse::<TpmiRhEnables>(0x4000_000A), Err(WireError::Value));
        assert!(parse::<TpmiRhHierarchyAuth>(0x4000_000A).is_ok());
        assert_eq!(
            parse::<TpmiRhHierarchyAuth>(0x4000_0110),
            Err(WireError::Value)
        );
        assert!(parse::<TpmiRhHierarchyPolicy>(0x4000_0110).is_ok());
        assert!(parse::<TpmiRhHierarchyPolicy>(0x4000_011F).is_ok());
        assert_eq!(
            parse::<TpmiRhHierarchyPolicy>(0x4000_0120),
            Err(WireError::Value)
        );
        assert!(parse::<TpmiRhPlatform>(0x4000_000C).is_ok());
        assert_eq!(parse::<TpmiRhPlatform>(0x4000_0001), Err(WireError::Value));
        assert_eq!(parse::<TpmiRhOwner>(0x4000_0007), Err(WireError::Value));
        assert!(parse::<TpmiRhOwner<true>>(0x4000_0007).is_ok());
        assert!(parse::<TpmiRhEndorsement<true>>(0x4000_0007).is_ok());
        assert_eq!(
            parse::<TpmiRhEndorsement>(0x4000_0001),
            Err(WireError::Value)
        );
        assert!(parse::<TpmiRhProvision>(0x4000_0001).is_ok());
        assert_eq!(parse::<TpmiRhProvision>(0x4000_000B), Err(WireError::Value));
        assert!(parse::<TpmiRhClear>(0x4000_000A).is_ok());
        assert_eq!(parse::<TpmiRhClear>(0x4000_0001), Err(WireError::Value));
        assert!(parse::<TpmiRhNvAuth>(0x0180_0000).is_ok());
        assert_eq!(parse::<TpmiRhNvAuth>(0x4000_000B), Err(WireError::Value));
        assert!(parse::<TpmiRhLockout>(0x4000_000A).is_ok());
        assert_eq!(parse::<TpmiRhLockout>(0x4000_000C), Err(WireError::Value));
        assert!(parse::<TpmiRhNvIndex>(0x01FF_FFFF).is_ok());
        assert_eq!(parse::<TpmiRhNvIndex>(0x0200_0000), Err(WireError::Value));
        assert!(parse::<TpmiRhAc>(0x9000_FFFF).is_ok());
        assert_eq!(parse::<TpmiRhAc>(0x9001_0000), Err(WireError::Value));
        assert!(parse::<TpmiRhAct>(0x4000_0115).is_ok());
        assert_eq!(parse::<TpmiRhAct>(0x4000_0001), Err(WireError::Value));
    }

    #[test]
    fn structure_tags() {
        let p = Profile::ALL;
        assert_eq!(
            from_bytes::<TpmiStCommandTag>(&[0x80, 0x01], &p),
            Ok(TpmiStCommandTag::NO_SESSIONS)
        );
        assert_eq!(
            from_bytes::<TpmiStCommandTag>(&[0x80, 0x02], &p),
            Ok(TpmiStCommandTag::SESSIONS)
        );
        // TPM 1.2 tag (TPM_TAG_RQU_COMMAND) and TPM_ST_NULL: TPM_RC_BAD_TAG.
        assert_eq!(
            from_bytes::<TpmiStCommandTag>(&[0x00, 0xC1], &p),
            Err(WireError::BadTag)
        );
        assert_eq!(
            from_bytes::<TpmiStCommandTag>(&[0x80, 0x00], &p),
            Err(WireError::BadTag)
        );
        assert_eq!(
            from_bytes::<TpmiStAttest>(&[0x80, 0x18], &p),
            Ok(TpmiStAttest::ATTEST_QUOTE)
        );
        assert_eq!(
            from_bytes::<TpmiStAttest>(&[0x80, 0x1C], &p),
            Ok(TpmiStAttest::ATTEST_NV_DIGEST)
        );
        assert_eq!(
            from_bytes::<TpmiStAttest>(&[0x80, 0x1B], &p),
            Err(WireError::Selector)
        );
        assert_eq!(
            from_bytes::<TpmiStAttest>(&[0x80], &p),
            Err(WireError::Insufficient)
        );
    }

    proptest! {
        #[test]
        fn roundtrip_handles(
            a in any::<TpmiDhObject>(), b in any::<TpmiDhObject<true>>(),
            c in any::<TpmiDhParent<true>>(), d in any::<TpmiDhPersistent>(),
            e in any::<TpmiDhEntity<true>>(), f in any::<TpmiDhPcr<true>>(),
            g in any::<TpmiShAuthSession<true>>(), h in any::<TpmiShHmac>(),
            i in any::<TpmiShPolicy>(), j in any::<TpmiDhContext>(),
            k in any::<TpmiDhSaved>(), l in any::<TpmiRhHierarchy<true>>(),
            m in any::<TpmiRhEnables<true>>(), n in any::<TpmiRhHierarchyAuth>(),
            o in any::<TpmiRhHierarchyPolicy>(), q in any::<TpmiRhPlatform>(),
            s in any::<TpmiRhOwner<true>>(), t in any::<TpmiRhEndorsement<true>>(),
            u in any::<TpmiRhProvision>(), v in any::<TpmiRhClear>(),
            x in any::<TpmiRhNvAuth>(), y in any::<TpmiRhLockout>(),
            z in any::<TpmiRhNvIndex>(), aa in any::<TpmiRhAc>(), ab in any::<TpmiRhAct>(),
        ) {
            rt(&a); rt(&b); rt(&c); rt(&d); rt(&e); rt(&f); rt(&g); rt(&h); rt(&i); rt(&j);
            rt(&k); rt(&l); rt(&m); rt(&n); rt(&o); rt(&q); rt(&s); rt(&t); rt(&u); rt(&v);
            rt(&x); rt(&y); rt(&z); rt(&aa); rt(&ab);
        }

        #[test]
        fn roundtrip_small(
            a in any::<TpmiYesNo>(), b in any::<TpmiStCommandTag>(), c in any::<TpmiStAttest>()
        ) {
            rt(&a); rt(&b); rt(&c);
        }

        /// Acceptance is exactly "in a range, or the allowed conditional value".
        #[test]
        fn object_accepts_exactly(h in any::<u32>()) {
            let ok = (0x8000_0000..=0x8000_0002).contains(&h)
                || (0x8100_0000..=0x81FF_FFFF).contains(&h);
            prop_assert_eq!(parse::<TpmiDhObject>(h).is_ok(), ok);
            prop_assert_eq!(
                parse::<TpmiDhObject<true>>(h).is_ok(),
                ok || h == 0x4000_0007
            );
        }

        /// No input panics; every failure is Value or Insufficient.
        #[test]
        fn no_panic(b in proptest::collection::vec(any::<u8>(), 0..6)) {
            for r in [
                parse_bytes::<TpmiDhEntity<true>>(&b),
                parse_bytes::<TpmiRhHierarchyPolicy>(&b).map(|_| TpmiDhEntity(TpmHandle(0))),
            ] {
                if let Err(e) = r {
                    prop_assert!(matches!(
                        e,
                        WireError::Value | WireError::Insufficient | WireError::Trailing
                    ));
                }
            }
        }
    }

    fn parse_bytes<T: for<'a> Unmarshal<'a>>(b: &[u8]) -> Result<T, WireError> {
        from_bytes::<T>(b, &Profile::ALL)
    }
}
