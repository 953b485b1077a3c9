//! The commands of TPM 2.0 Part 3 §23 Enhanced Authorization (EA) Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bDigest, Tpm2bName, Tpm2bNonce, Tpm2bOperand, Tpm2bTimeout, TpmCc, TpmEo, TpmaLocality,
    TpmiYesNo, TpmlDigest, TpmlPcrSelection, TpmtSignature, TpmtTkAuth, TpmtTkVerified,
};

command! {
    PolicySigned = POLICY_SIGNED, "TPM2_PolicySigned", "§23.3";
    handles PolicySignedHandles { auth_object, policy_session }
    in PolicySignedIn {
        nonce_tpm: Tpm2bNonce,
        cp_hash_a: Tpm2bDigest,
        policy_ref: Tpm2bNonce,
        expiration: i32,
        auth: TpmtSignature,
    }
    rsp_handles PolicySignedRspHandles {}
    out PolicySignedOut {
        timeout: Tpm2bTimeout,
        policy_ticket: TpmtTkAuth,
    }
}

command! {
    PolicySecret = POLICY_SECRET, "TPM2_PolicySecret", "§23.4";
    handles PolicySecretHandles { auth_handle, policy_session }
    in PolicySecretIn {
        nonce_tpm: Tpm2bNonce,
        cp_hash_a: Tpm2bDigest,
        policy_ref: Tpm2bNonce,
        expiration: i32,
    }
    rsp_handles PolicySecretRspHandles {}
    out PolicySecretOut {
        timeout: Tpm2bTimeout,
        policy_ticket: TpmtTkAuth,
    }
}

command! {
    PolicyTicket = POLICY_TICKET, "TPM2_PolicyTicket", "§23.5";
    handles PolicyTicketHandles { policy_session }
    in PolicyTicketIn {
        timeout: Tpm2bTimeout,
        cp_hash_a: Tpm2bDigest,
        policy_ref: Tpm2bNonce,
        auth_name: Tpm2bName,
        ticket: TpmtTkAuth,
    }
    rsp_handles PolicyTicketRspHandles {}
    out PolicyTicketOut {}
}

command! {
    PolicyOr = POLICY_OR, "TPM2_PolicyOR", "§23.6";
    handles PolicyOrHandles { policy_session }
    in PolicyOrIn {
        p_hash_list: TpmlDigest,
    }
    rsp_handles PolicyOrRspHandles {}
    out PolicyOrOut {}
}

command! {
    PolicyPcr = POLICY_PCR, "TPM2_PolicyPCR", "§23.7";
    handles PolicyPcrHandles { policy_session }
    in PolicyPcrIn {
        pcr_digest: Tpm2bDigest,
        pcrs: TpmlPcrSelection,
    }
    rsp_handles PolicyPcrRspHandles {}
    out PolicyPcrOut {}
}

command! {
    PolicyLocality = POLICY_LOCALITY, "TPM2_PolicyLocality", "§23.8";
    handles PolicyLocalityHandles { policy_session }
    in PolicyLocalityIn {
        locality: TpmaLocality,
    }
    rsp_handles PolicyLocalityRspHandles {}
    out PolicyLocalityOut {}
}

command! {
    PolicyNv = POLICY_NV, "TPM2_PolicyNV", "§23.9";
    handles PolicyNvHandles { auth_handle, nv_index, policy_session }
    in PolicyNvIn {
        operand_b: Tpm2bOperand,
        offset: u16,
        operation: TpmEo,
    }
    rsp_handles PolicyNvRspHandles {}
    out PolicyNvOut {}
}

command! {
    PolicyCounterTimer = POLICY_COUNTER_TIMER, "TPM2_PolicyCounterTimer", "§23.10";
    handles PolicyCounterTimerHandles { policy_session }
    in PolicyCounterTimerIn {
        operand_b: Tpm2bOperand,
        offset: u16,
        operation: TpmEo,
    }
    rsp_handles PolicyCounterTimerRspHandles {}
    out PolicyCounterTimerOut {}
}

command! {
    PolicyCommandCode = POLICY_COMMAND_CODE, "TPM2_PolicyCommandCode", "§23.11";
    handles PolicyCommandCodeHandles { policy_session }
    in PolicyCommandCodeIn {
        code: TpmCc,
    }
    rsp_handles PolicyCommandCodeRspHandles {}
    out PolicyCommandCodeOut {}
}

command! {
    PolicyPhysicalPresence = POLICY_PHYSICAL_PRESENCE, "TPM2_PolicyPhysicalPresence", "§23.12";
    handles PolicyPhysicalPresenceHandles { policy_session }
    in PolicyPhysicalPresenceIn {}
    rsp_handles PolicyPhysicalPresenceRspHandles {}
    out PolicyPhysicalPresenceOut {}
}

command! {
    PolicyCpHash = POLICY_CP_HASH, "TPM2_PolicyCpHash", "§23.13";
    handles PolicyCpHashHandles { policy_session }
    in PolicyCpHashIn {
        cp_hash_a: Tpm2bDigest,
    }
    rsp_handles PolicyCpHashRspHandles {}
    out PolicyCpHashOut {}
}

command! {
    PolicyNameHash = POLICY_NAME_HASH, "TPM2_PolicyNameHash", "§23.14";
    handles PolicyNameHashHandles { policy_session }
    in PolicyNameHashIn {
        name_hash: Tpm2bDigest,
    }
    rsp_handles PolicyNameHashRspHandles {}
    out PolicyNameHashOut {}
}

command! {
    PolicyDuplicationSelect = POLICY_DUPLICATION_SELECT, "TPM2_PolicyDuplicationSelect", "§23.15";
    handles PolicyDuplicationSelectHandles { policy_session }
    in PolicyDuplicationSelectIn {
        object_name: Tpm2bName,
        new_parent_name: Tpm2bName,
        include_object: TpmiYesNo,
    }
    rsp_handles PolicyDuplicationSelectRspHandles {}
    out PolicyDuplicationSelectOut {}
}

command! {
    PolicyAuthorize = POLICY_AUTHORIZE, "TPM2_PolicyAuthorize", "§23.16";
    handles PolicyAuthorizeHandles { policy_session }
    in PolicyAuthorizeIn {
        approved_policy: Tpm2bDigest,
        policy_ref: Tpm2bNonce,
        key_sign: Tpm2bName,
        check_ticket: TpmtTkVerified,
    }
    rsp_handles PolicyAuthorizeRspHandles {}
    out PolicyAuthorizeOut {}
}

command! {
    PolicyAuthValue = POLICY_AUTH_VALUE, "TPM2_PolicyAuthValue", "§23.17";
    handles PolicyAuthValueHandles { policy_session }
    in PolicyAuthValueIn {}
    rsp_handles PolicyAuthValueRspHandles {}
    out PolicyAuthValueOut {}
}

command! {
    PolicyPassword = POLICY_PASSWORD, "TPM2_PolicyPassword", "§23.18";
    handles PolicyPasswordHandles { policy_session }
    in PolicyPasswordIn {}
    rsp_handles PolicyPasswordRspHandles {}
    out PolicyPasswordOut {}
}

command! {
    PolicyGetDigest = POLICY_GET_DIGEST, "TPM2_PolicyGetDigest", "§23.19";
    handles PolicyGetDigestHandles { policy_session }
    in PolicyGetDigestIn {}
    rsp_handles PolicyGetDigestRspHandles {}
    out PolicyGetDigestOut {
        policy_digest: Tpm2bDigest,
    }
}

command! {
    PolicyNvWritten = POLICY_NV_WRITTEN, "TPM2_PolicyNvWritten", "§23.20";
    handles PolicyNvWrittenHandles { policy_session }
    in PolicyNvWrittenIn {
        written_set: TpmiYesNo,
    }
    rsp_handles PolicyNvWrittenRspHandles {}
    out PolicyNvWrittenOut {}
}

command! {
    PolicyTemplate = POLICY_TEMPLATE, "TPM2_PolicyTemplate", "§23.21";
    handles PolicyTemplateHandles { policy_session }
    in PolicyTemplateIn {
        template_hash: Tpm2bDigest,
    }
    rsp_handles PolicyTemplateRspHandles {}
    out PolicyTemplateOut {}
}

command! {
    PolicyAuthorizeNv = POLICY_AUTHORIZE_NV, "TPM2_PolicyAuthorizeNV", "§23.22";
    handles PolicyAuthorizeNvHandles { auth_handle, nv_index, policy_session }
    in PolicyAuthorizeNvIn {}
    rsp_handles PolicyAuthorizeNvRspHandles {}
    out PolicyAuthorizeNvOut {}
}
