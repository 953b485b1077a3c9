//! The commands of TPM 2.0 Part 3 §22 Integrity Collection (PCR) (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bDigest, Tpm2bEvent, TpmiAlgHash, TpmiYesNo, TpmlDigest, TpmlDigestValues, TpmlPcrSelection,
};

command! {
    PcrExtend = PCR_EXTEND, "TPM2_PCR_Extend", "§22.2";
    handles PcrExtendHandles { pcr_handle }
    in PcrExtendIn {
        digests: TpmlDigestValues,
    }
    rsp_handles PcrExtendRspHandles {}
    out PcrExtendOut {}
}

command! {
    PcrEvent = PCR_EVENT, "TPM2_PCR_Event", "§22.3";
    handles PcrEventHandles { pcr_handle }
    in PcrEventIn {
        event_data: Tpm2bEvent,
    }
    rsp_handles PcrEventRspHandles {}
    out PcrEventOut {
        digests: TpmlDigestValues,
    }
}

command! {
    PcrRead = PCR_READ, "TPM2_PCR_Read", "§22.4";
    handles PcrReadHandles {}
    in PcrReadIn {
        pcr_selection_in: TpmlPcrSelection,
    }
    rsp_handles PcrReadRspHandles {}
    out PcrReadOut {
        pcr_update_counter: u32,
        pcr_selection_out: TpmlPcrSelection,
        // A selection of no allocated PCR gets no digests: TPML_DIGEST with 0..=8 entries.
        pcr_values: TpmlDigest<0>,
    }
}

command! {
    PcrAllocate = PCR_ALLOCATE, "TPM2_PCR_Allocate", "§22.5";
    handles PcrAllocateHandles { auth_handle }
    in PcrAllocateIn {
        pcr_allocation: TpmlPcrSelection,
    }
    rsp_handles PcrAllocateRspHandles {}
    out PcrAllocateOut {
        allocation_success: TpmiYesNo,
        max_pcr: u32,
        size_needed: u32,
        size_available: u32,
    }
}

command! {
    PcrSetAuthPolicy = PCR_SET_AUTH_POLICY, "TPM2_PCR_SetAuthPolicy", "§22.6";
    handles PcrSetAuthPolicyHandles { auth_handle }
    in PcrSetAuthPolicyIn {
        auth_policy: Tpm2bDigest,
        hash_alg: TpmiAlgHash<true>,
        pcr_num: TpmHandle,
    }
    rsp_handles PcrSetAuthPolicyRspHandles {}
    out PcrSetAuthPolicyOut {}
}

command! {
    PcrSetAuthValue = PCR_SET_AUTH_VALUE, "TPM2_PCR_SetAuthValue", "§22.7";
    handles PcrSetAuthValueHandles { pcr_handle }
    in PcrSetAuthValueIn {
        auth: Tpm2bDigest,
    }
    rsp_handles PcrSetAuthValueRspHandles {}
    out PcrSetAuthValueOut {}
}

command! {
    PcrReset = PCR_RESET, "TPM2_PCR_Reset", "§22.8";
    handles PcrResetHandles { pcr_handle }
    in PcrResetIn {}
    rsp_handles PcrResetRspHandles {}
    out PcrResetOut {}
}
