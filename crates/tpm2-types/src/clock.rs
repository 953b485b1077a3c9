//! Clock and time structures (TPM 2.0 Part 2 §10.11 and §10.12.1): TPMS_CLOCK_INFO,
//! TPMS_TIME_INFO and TPMS_TIME_ATTEST_INFO, as TPM2_ReadClock and the attestation commands
//! return them. `safe` is a TPMI_YES_NO (anything but 0 or 1 is TPM_RC_VALUE).

use tpm_wire::wire_struct;

use crate::TpmiYesNo;

/// TPMS_CLOCK_INFO (TPM 2.0 Part 2 §10.11.1, Table 116): Clock, the reset and restart
/// counters, and whether Clock may have gone backwards.
#[doc(alias = "TPMS_CLOCK_INFO")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsClockInfo {
    /// clock: milliseconds the TPM has been powered since it was last cleared.
    pub clock: u64,
    /// resetCount: TPM Resets since the last TPM2_Clear.
    pub reset_count: u32,
    /// restartCount: TPM Restarts or Resumes since the last TPM Reset or TPM2_Clear.
    pub restart_count: u32,
    /// safe: YES when Clock has not been reported lower than a value already reported.
    pub safe: TpmiYesNo,
}

wire_struct!(TpmsClockInfo {
    clock,
    reset_count,
    restart_count,
    safe
});

/// TPMS_TIME_INFO (TPM 2.0 Part 2 §10.11.6, Table 121): Time since the last TPM Init and the
/// clock information.
#[doc(alias = "TPMS_TIME_INFO")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsTimeInfo {
    /// time: milliseconds since the last _TPM_Init or TPM2_Startup.
    pub time: u64,
    /// clockInfo.
    pub clock_info: TpmsClockInfo,
}

wire_struct!(TpmsTimeInfo { time, clock_info });

/// TPMS_TIME_ATTEST_INFO (TPM 2.0 Part 2 §10.12.2, Table 123): what TPM2_GetTime attests.
#[doc(alias = "TPMS_TIME_ATTEST_INFO")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsTimeAttestInfo {
    /// time.
    pub time: TpmsTimeInfo,
    /// firmwareVersion: a vendor-specific firmware version.
    pub firmware_version: u64,
}

wire_struct!(TpmsTimeAttestInfo {
    time,
    firmware_version
});

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    impl Arbitrary for TpmsClockInfo {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<u64>(), any::<u32>(), any::<u32>(), any::<TpmiYesNo>())
                .prop_map(|(clock, reset_count, restart_count, safe)| TpmsClockInfo {
                    clock,
                    reset_count,
                    restart_count,
                    safe,
                })
                .boxed()
        }
    }

    arb_struct!(TpmsTimeInfo {
        time: any::<u64>(),
        clock_info: any::<TpmsClockInfo>(),
    });

    impl Arbitrary for TpmsTimeAttestInfo {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<TpmsTimeInfo>(), any::<u64>())
                .prop_map(|(time, firmware_version)| TpmsTimeAttestInfo {
                    time,
                    firmware_version,
                })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{Marshal, Profile, WireError, from_bytes, to_vec};

    #[test]
    fn clock_wire() {
        let p = Profile::ALL;
        let mut b = vec![0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 2, 0, 0, 0, 3, 1];
        let c: TpmsClockInfo = from_bytes(&b, &p).unwrap();
        assert_eq!(c.clock, 256);
        assert_eq!(c.reset_count, 2);
        assert_eq!(c.restart_count, 3);
        assert_eq!(c.safe, TpmiYesNo::YES);
        assert_eq!(to_vec(&c), b);
        // safe = 2: TPM_RC_VALUE.
        *b.last_mut().unwrap() = 2;
        assert_eq!(from_bytes::<TpmsClockInfo>(&b, &p), Err(WireError::Value));
        assert_eq!(
            from_bytes::<TpmsClockInfo>(&b[..16], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(TpmsTimeAttestInfo::default().marshalled_len(), 8 + 17 + 8);
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmsClockInfo>(), b in any::<TpmsTimeInfo>(),
            c in any::<TpmsTimeAttestInfo>(),
        ) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmsClockInfo>(&to_vec(&a), &p), Ok(a));
            prop_assert_eq!(from_bytes::<TpmsTimeInfo>(&to_vec(&b), &p), Ok(b));
            prop_assert_eq!(from_bytes::<TpmsTimeAttestInfo>(&to_vec(&c), &p), Ok(c));
        }
    }
}
