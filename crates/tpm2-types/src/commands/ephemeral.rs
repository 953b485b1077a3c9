//! The commands of TPM 2.0 Part 3 §19 Ephemeral EC Keys (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bEccParameter, Tpm2bEccPoint, Tpm2bSensitiveData, TpmiEccCurve};

command! {
    Commit = COMMIT, "TPM2_Commit", "§19.2";
    handles CommitHandles { sign_handle }
    in #enc CommitIn {
        p1: Tpm2bEccPoint,
        s2: Tpm2bSensitiveData,
        y2: Tpm2bEccParameter,
    }
    rsp_handles CommitRspHandles {}
    out #enc CommitOut {
        k: Tpm2bEccPoint,
        l: Tpm2bEccPoint,
        e: Tpm2bEccPoint,
        counter: u16,
    }
}

command! {
    EcEphemeral = EC_EPHEMERAL, "TPM2_EC_Ephemeral", "§19.3";
    handles EcEphemeralHandles {}
    in EcEphemeralIn {
        curve_id: TpmiEccCurve,
    }
    rsp_handles EcEphemeralRspHandles {}
    out #enc EcEphemeralOut {
        q: Tpm2bEccPoint,
        counter: u16,
    }
}
