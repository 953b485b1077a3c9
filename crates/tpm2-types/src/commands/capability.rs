//! The commands of TPM 2.0 Part 3 §30 Capability Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{TpmCap, TpmiYesNo, TpmsCapabilityData, TpmtPublicParms};

command! {
    GetCapability = GET_CAPABILITY, "TPM2_GetCapability", "§30.2";
    handles GetCapabilityHandles {}
    in GetCapabilityIn {
        capability: TpmCap,
        property: u32,
        property_count: u32,
    }
    rsp_handles GetCapabilityRspHandles {}
    out GetCapabilityOut {
        more_data: TpmiYesNo,
        capability_data: TpmsCapabilityData,
    }
}

command! {
    TestParms = TEST_PARMS, "TPM2_TestParms", "§30.3";
    handles TestParmsHandles {}
    in TestParmsIn {
        parameters: TpmtPublicParms,
    }
    rsp_handles TestParmsRspHandles {}
    out TestParmsOut {}
}
