//! The commands of TPM 2.0 Part 3 §20 Signing and Signature Verification (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bDigest, TpmtSigScheme, TpmtSignature, TpmtTkHashcheck, TpmtTkVerified};

command! {
    VerifySignature = VERIFY_SIGNATURE, "TPM2_VerifySignature", "§20.1";
    handles VerifySignatureHandles { key_handle }
    in VerifySignatureIn {
        digest: Tpm2bDigest,
        signature: TpmtSignature,
    }
    rsp_handles VerifySignatureRspHandles {}
    out VerifySignatureOut {
        validation: TpmtTkVerified,
    }
}

command! {
    Sign = SIGN, "TPM2_Sign", "§20.2";
    handles SignHandles { key_handle }
    in SignIn {
        digest: Tpm2bDigest,
        in_scheme: TpmtSigScheme<true>,
        validation: TpmtTkHashcheck,
    }
    rsp_handles SignRspHandles {}
    out SignOut {
        signature: TpmtSignature<true>,
    }
}
