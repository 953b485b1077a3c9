//! The commands of TPM 2.0 Part 3 §18 Attestation Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bAttest, Tpm2bData, Tpm2bDigest, Tpm2bMaxBuffer, TpmlPcrSelection, TpmtSigScheme,
    TpmtSignature, TpmtTkCreation,
};

command! {
    Certify = CERTIFY, "TPM2_Certify", "§18.2";
    handles CertifyHandles { object_handle, sign_handle }
    in CertifyIn {
        qualifying_data: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
    }
    rsp_handles CertifyRspHandles {}
    out CertifyOut {
        certify_info: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}

command! {
    CertifyCreation = CERTIFY_CREATION, "TPM2_CertifyCreation", "§18.3";
    handles CertifyCreationHandles { sign_handle, object_handle }
    in CertifyCreationIn {
        qualifying_data: Tpm2bData,
        creation_hash: Tpm2bDigest,
        in_scheme: TpmtSigScheme<true>,
        creation_ticket: TpmtTkCreation,
    }
    rsp_handles CertifyCreationRspHandles {}
    out CertifyCreationOut {
        certify_info: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}

command! {
    Quote = QUOTE, "TPM2_Quote", "§18.4";
    handles QuoteHandles { sign_handle }
    in QuoteIn {
        qualifying_data: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
        pcr_select: TpmlPcrSelection,
    }
    rsp_handles QuoteRspHandles {}
    out QuoteOut {
        quoted: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}

command! {
    GetSessionAuditDigest = GET_SESSION_AUDIT_DIGEST, "TPM2_GetSessionAuditDigest", "§18.5";
    handles GetSessionAuditDigestHandles { privacy_admin_handle, sign_handle, session_handle }
    in GetSessionAuditDigestIn {
        qualifying_data: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
    }
    rsp_handles GetSessionAuditDigestRspHandles {}
    out GetSessionAuditDigestOut {
        audit_info: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}

command! {
    GetCommandAuditDigest = GET_COMMAND_AUDIT_DIGEST, "TPM2_GetCommandAuditDigest", "§18.6";
    handles GetCommandAuditDigestHandles { privacy_handle, sign_handle }
    in GetCommandAuditDigestIn {
        qualifying_data: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
    }
    rsp_handles GetCommandAuditDigestRspHandles {}
    out GetCommandAuditDigestOut {
        audit_info: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}

command! {
    GetTime = GET_TIME, "TPM2_GetTime", "§18.7";
    handles GetTimeHandles { privacy_admin_handle, sign_handle }
    in GetTimeIn {
        qualifying_data: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
    }
    rsp_handles GetTimeRspHandles {}
    out GetTimeOut {
        time_info: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}

command! {
    CertifyX509 = CERTIFY_X509, "TPM2_CertifyX509", "§18.8";
    handles CertifyX509Handles { object_handle, sign_handle }
    in CertifyX509In {
        reserved: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
        partial_certificate: Tpm2bMaxBuffer,
    }
    rsp_handles CertifyX509RspHandles {}
    out CertifyX509Out {
        added_to_certificate: Tpm2bMaxBuffer,
        tbs_digest: Tpm2bDigest,
        signature: TpmtSignature<true>,
    }
}
