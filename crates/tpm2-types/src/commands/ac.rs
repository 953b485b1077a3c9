//! The commands of TPM 2.0 Part 3 §32 Attached Components and §33 Authenticated Countdown Timer (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bName, TpmiYesNo};

// Waits for TPML_AC_CAPABILITIES / TPMS_AC_OUTPUT (Part 2 §10.9.14, §10.13.x), owned
// by the interface types; libtpms 0.9 does not implement the AC commands.
// command! {
//     AcGetCapability = AC_GET_CAPABILITY, "TPM2_AC_GetCapability", "§32.2";
//     handles AcGetCapabilityHandles { ac }
//     in AcGetCapabilityIn {
//         capability: TpmAt,
//         count: u32,
//     }
//     rsp_handles AcGetCapabilityRspHandles {}
//     out AcGetCapabilityOut {
//         more_data: TpmiYesNo,
//         capabilities_data: TpmlAcCapabilities,
//     }
// }

// Waits for TPML_AC_CAPABILITIES / TPMS_AC_OUTPUT (Part 2 §10.9.14, §10.13.x), owned
// by the interface types; libtpms 0.9 does not implement the AC commands.
// command! {
//     AcSend = AC_SEND, "TPM2_AC_Send", "§32.3";
//     handles AcSendHandles { send_object, auth_handle, ac }
//     in AcSendIn {
//         ac_data_in: Tpm2bMaxBuffer,
//     }
//     rsp_handles AcSendRspHandles {}
//     out AcSendOut {
//         ac_data_out: TpmsAcOutput,
//     }
// }

command! {
    PolicyAcSendSelect = POLICY_AC_SEND_SELECT, "TPM2_Policy_AC_SendSelect", "§32.4";
    handles PolicyAcSendSelectHandles { policy_session }
    in PolicyAcSendSelectIn {
        object_name: Tpm2bName,
        auth_handle_name: Tpm2bName,
        ac_name: Tpm2bName,
        include_object: TpmiYesNo,
    }
    rsp_handles PolicyAcSendSelectRspHandles {}
    out PolicyAcSendSelectOut {}
}

command! {
    ActSetTimeout = ACT_SET_TIMEOUT, "TPM2_ACT_SetTimeout", "§33.2";
    handles ActSetTimeoutHandles { act_handle }
    in ActSetTimeoutIn {
        start_timeout: u32,
    }
    rsp_handles ActSetTimeoutRspHandles {}
    out ActSetTimeoutOut {}
}
