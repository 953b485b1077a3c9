//! The commands of TPM 2.0 Part 3 §17 Hash/HMAC/Event Sequences (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bAuth, Tpm2bDigest, Tpm2bMaxBuffer, TpmiAlgHash, TpmlDigestValues, TpmtTkHashcheck,
};

command! {
    HmacStart = HMAC_START, "TPM2_HMAC_Start", "§17.2";
    handles HmacStartHandles { handle }
    in HmacStartIn {
        auth: Tpm2bAuth,
        hash_alg: TpmiAlgHash<true>,
    }
    rsp_handles HmacStartRspHandles { sequence_handle }
    out HmacStartOut {}
}

command! {
    HashSequenceStart = HASH_SEQUENCE_START, "TPM2_HashSequenceStart", "§17.3";
    handles HashSequenceStartHandles {}
    in HashSequenceStartIn {
        auth: Tpm2bAuth,
        hash_alg: TpmiAlgHash<true>,
    }
    rsp_handles HashSequenceStartRspHandles { sequence_handle }
    out HashSequenceStartOut {}
}

command! {
    SequenceUpdate = SEQUENCE_UPDATE, "TPM2_SequenceUpdate", "§17.4";
    handles SequenceUpdateHandles { sequence_handle }
    in SequenceUpdateIn {
        buffer: Tpm2bMaxBuffer,
    }
    rsp_handles SequenceUpdateRspHandles {}
    out SequenceUpdateOut {}
}

command! {
    SequenceComplete = SEQUENCE_COMPLETE, "TPM2_SequenceComplete", "§17.5";
    handles SequenceCompleteHandles { sequence_handle }
    in SequenceCompleteIn {
        buffer: Tpm2bMaxBuffer,
        hierarchy: TpmHandle,
    }
    rsp_handles SequenceCompleteRspHandles {}
    out SequenceCompleteOut {
        result: Tpm2bDigest,
        validation: TpmtTkHashcheck,
    }
}

command! {
    EventSequenceComplete = EVENT_SEQUENCE_COMPLETE, "TPM2_EventSequenceComplete", "§17.6";
    handles EventSequenceCompleteHandles { pcr_handle, sequence_handle }
    in EventSequenceCompleteIn {
        buffer: Tpm2bMaxBuffer,
    }
    rsp_handles EventSequenceCompleteRspHandles {}
    out EventSequenceCompleteOut {
        results: TpmlDigestValues,
    }
}
