//! Handle ranges (TPM 2.0 Part 2 §7): what kind of entity a [`TpmHandle`] names, from its type
//! octet (TPM_HT, §7.2) and the TPM_HC ranges (§7.5).
//!
//! These are shape checks only. Whether a PCR is implemented, a session or object is loaded, or
//! an NV Index is defined is the engine's business; the TPMI_DH_* types decide which handle
//! types a command field accepts.

use crate::constants::{TpmHandle, TpmHt, hc};

impl TpmHandle {
    /// The handle with type `ht` and index `index` (TPM 2.0 Part 2 §7.1); `None` when `index`
    /// does not fit the low 24 bits.
    pub const fn from_parts(ht: TpmHt, index: u32) -> Option<TpmHandle> {
        if index > hc::HR_HANDLE_MASK {
            return None;
        }
        Some(TpmHandle((ht.0 as u32) << hc::HR_SHIFT | index))
    }

    /// The handle of PCR `n` (TPM 2.0 Part 2 §7.5, HR_PCR + n); `None` when `n` does not fit
    /// the 24-bit index.
    pub const fn pcr(n: u32) -> Option<TpmHandle> {
        TpmHandle::from_parts(TpmHt::PCR, n)
    }

    /// The handle type, the most significant octet (TPM 2.0 Part 2 §7.2, Table 27).
    pub const fn handle_type(self) -> TpmHt {
        // The shift leaves 8 bits: the cast keeps every bit.
        TpmHt((self.0 >> hc::HR_SHIFT) as u8)
    }

    /// The low 24 bits, the index within the handle type's range.
    pub const fn index(self) -> u32 {
        self.0 & hc::HR_HANDLE_MASK
    }

    /// Is this a PCR handle (TPM_HT_PCR)? Whether the PCR is implemented is not checked here;
    /// see [`TpmHandle::pcr_index`].
    pub const fn is_pcr(self) -> bool {
        self.handle_type().0 == TpmHt::PCR.0
    }

    /// The PCR number of a PCR handle in PCR_FIRST..=PCR_LAST (IMPLEMENTATION_PCR PCRs).
    pub const fn pcr_index(self) -> Option<u32> {
        // One unsigned comparison covers both ends (PCR_FIRST is 0, so `>=` would be vacuous).
        let i = self.0.wrapping_sub(hc::PCR_FIRST);
        if i <= hc::PCR_LAST - hc::PCR_FIRST {
            Some(i)
        } else {
            None
        }
    }

    /// Is this an NV Index handle (TPM_HT_NV_INDEX)?
    pub const fn is_nv_index(self) -> bool {
        self.handle_type().0 == TpmHt::NV_INDEX.0
    }

    /// Is this an HMAC session handle (TPM_HT_HMAC_SESSION, also TPM_HT_LOADED_SESSION)?
    pub const fn is_hmac_session(self) -> bool {
        self.handle_type().0 == TpmHt::HMAC_SESSION.0
    }

    /// Is this a policy session handle (TPM_HT_POLICY_SESSION, also TPM_HT_SAVED_SESSION)?
    pub const fn is_policy_session(self) -> bool {
        self.handle_type().0 == TpmHt::POLICY_SESSION.0
    }

    /// Is this an HMAC or policy session handle?
    pub const fn is_session(self) -> bool {
        self.is_hmac_session() || self.is_policy_session()
    }

    /// Is this a permanent handle (TPM_HT_PERMANENT: TPM_RH_*, TPM_RS_PW)? Any handle of the
    /// type counts; [`TpmHandle::is_defined_permanent`] checks the defined range.
    pub const fn is_permanent(self) -> bool {
        self.handle_type().0 == TpmHt::PERMANENT.0
    }

    /// Is this in PERMANENT_FIRST..=PERMANENT_LAST (TPM_RH_FIRST..=TPM_RH_LAST)?
    pub const fn is_defined_permanent(self) -> bool {
        self.0 >= hc::PERMANENT_FIRST && self.0 <= hc::PERMANENT_LAST
    }

    /// Is this a transient object handle (TPM_HT_TRANSIENT)?
    pub const fn is_transient(self) -> bool {
        self.handle_type().0 == TpmHt::TRANSIENT.0
    }

    /// Is this a persistent object handle (TPM_HT_PERSISTENT)?
    pub const fn is_persistent(self) -> bool {
        self.handle_type().0 == TpmHt::PERSISTENT.0
    }

    /// Is this an owner persistent handle, 0x81000000-0x817FFFFF (TPM 2.0 Part 2 §7.5,
    /// PERSISTENT_FIRST up to PLATFORM_PERSISTENT)?
    pub const fn is_owner_persistent(self) -> bool {
        self.0 >= hc::PERSISTENT_FIRST && self.0 < hc::PLATFORM_PERSISTENT
    }

    /// Is this a platform persistent handle, 0x81800000-0x81FFFFFF (PLATFORM_PERSISTENT up to
    /// PERSISTENT_LAST)?
    pub const fn is_platform_persistent(self) -> bool {
        self.0 >= hc::PLATFORM_PERSISTENT && self.0 <= hc::PERSISTENT_LAST
    }

    /// Is this an attached-component handle (TPM_HT_AC)?
    pub const fn is_ac(self) -> bool {
        self.handle_type().0 == TpmHt::AC.0
    }

    /// Is this a vendor authorization handle, TPM_RH_AUTH_00..=TPM_RH_AUTH_FF?
    pub const fn is_vendor_auth(self) -> bool {
        self.0 >= TpmHandle::AUTH_00.0 && self.0 <= TpmHandle::AUTH_FF.0
    }

    /// The timer number (0-15) of an Authenticated Countdown Timer handle,
    /// TPM_RH_ACT_0..=TPM_RH_ACT_F.
    pub const fn act_index(self) -> Option<u8> {
        if self.0 >= TpmHandle::ACT_0.0 && self.0 <= TpmHandle::ACT_F.0 {
            // At most 15: the cast keeps every bit.
            Some((self.0 - TpmHandle::ACT_0.0) as u8)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn types_of_known_handles() {
        assert_eq!(TpmHandle::OWNER.handle_type(), TpmHt::PERMANENT);
        assert!(TpmHandle::PW.is_permanent());
        assert!(TpmHandle::PW.is_defined_permanent());
        assert!(TpmHandle(0x4000_0120).is_permanent());
        assert!(!TpmHandle(0x4000_0120).is_defined_permanent());
        assert!(TpmHandle(0x8000_0000).is_transient());
        assert!(TpmHandle(0x0200_0000).is_hmac_session());
        assert!(TpmHandle(0x0300_0001).is_policy_session());
        assert!(TpmHandle(0x0300_0001).is_session());
        assert!(!TpmHandle(0x8000_0000).is_session());
        assert!(TpmHandle(0x01C0_0002).is_nv_index());
        assert!(TpmHandle(0x9000_0001).is_ac());
        assert!(TpmHandle(0).is_pcr());
    }

    #[test]
    fn persistent_ranges() {
        // swtpm_setup's EKs: 0x81010001 (RSA) and 0x81010016 (ECC) are owner persistent.
        for h in [0x8100_0000, 0x8101_0001, 0x8101_0016, 0x817F_FFFF] {
            let h = TpmHandle(h);
            assert!(h.is_persistent() && h.is_owner_persistent() && !h.is_platform_persistent());
        }
        for h in [0x8180_0000, 0x81FF_FFFF] {
            let h = TpmHandle(h);
            assert!(h.is_persistent() && h.is_platform_persistent() && !h.is_owner_persistent());
        }
        assert!(!TpmHandle(0x8000_0001).is_owner_persistent());
        assert!(!TpmHandle(0x8200_0000).is_platform_persistent());
    }

    #[test]
    fn pcr_index() {
        assert_eq!(TpmHandle::pcr(0).unwrap().pcr_index(), Some(0));
        assert_eq!(TpmHandle::pcr(23).unwrap().pcr_index(), Some(23));
        assert_eq!(TpmHandle::pcr(24).unwrap().pcr_index(), None);
        assert!(TpmHandle::pcr(24).unwrap().is_pcr());
        assert_eq!(TpmHandle::pcr(0x0100_0000), None);
        assert_eq!(TpmHandle::OWNER.pcr_index(), None);
    }

    #[test]
    fn permanent_sub_ranges() {
        assert!(TpmHandle::AUTH_00.is_vendor_auth());
        assert!(TpmHandle(0x4000_0080).is_vendor_auth());
        assert!(TpmHandle::AUTH_FF.is_vendor_auth());
        assert!(!TpmHandle::PLATFORM_NV.is_vendor_auth());
        assert_eq!(TpmHandle::ACT_0.act_index(), Some(0));
        assert_eq!(TpmHandle::ACT_C.act_index(), Some(12));
        assert_eq!(TpmHandle::ACT_F.act_index(), Some(15));
        assert_eq!(TpmHandle::AUTH_FF.act_index(), None);
        assert_eq!(TpmHandle(0x4000_0120).act_index(), None);
    }

    proptest! {
        #[test]
        fn parts_roundtrip(ht in any::<u8>(), index in 0u32..=0x00FF_FFFF) {
            let h = TpmHandle::from_parts(TpmHt(ht), index).unwrap();
            prop_assert_eq!(h.handle_type(), TpmHt(ht));
            prop_assert_eq!(h.index(), index);
        }

        #[test]
        fn index_too_large(ht in any::<u8>(), index in 0x0100_0000u32..) {
            prop_assert_eq!(TpmHandle::from_parts(TpmHt(ht), index), None);
        }

        #[test]
        fn predicates_agree_with_type(v in any::<u32>()) {
            let h = TpmHandle(v);
            let ht = h.handle_type();
            prop_assert_eq!(h.is_pcr(), ht == TpmHt::PCR);
            prop_assert_eq!(h.is_nv_index(), ht == TpmHt::NV_INDEX);
            prop_assert_eq!(h.is_hmac_session(), ht == TpmHt::HMAC_SESSION);
            prop_assert_eq!(h.is_policy_session(), ht == TpmHt::POLICY_SESSION);
            prop_assert_eq!(h.is_permanent(), ht == TpmHt::PERMANENT);
            prop_assert_eq!(h.is_transient(), ht == TpmHt::TRANSIENT);
            prop_assert_eq!(h.is_persistent(), ht == TpmHt::PERSISTENT);
            prop_assert_eq!(h.is_ac(), ht == TpmHt::AC);
            // Owner and platform persistent split the persistent range exactly.
            prop_assert_eq!(
                h.is_persistent(),
                h.is_owner_persistent() || h.is_platform_persistent()
            );
            prop_assert!(!(h.is_owner_persistent() && h.is_platform_persistent()));
            // At most one type predicate holds.
            let n = [
                h.is_pcr(), h.is_nv_index(), h.is_hmac_session(), h.is_policy_session(),
                h.is_permanent(), h.is_transient(), h.is_persistent(), h.is_ac(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            prop_assert!(n <= 1);
            if h.pcr_index().is_some() || h.act_index().is_some() || h.is_vendor_auth() {
                prop_assert!(h.is_pcr() || h.is_defined_permanent());
            }
        }
    }
}
