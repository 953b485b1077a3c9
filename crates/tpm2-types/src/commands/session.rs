//! The commands of TPM 2.0 Part 3 §11 Session Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bEncryptedSecret, Tpm2bNonce, TpmSe, TpmiAlgHash, TpmtSymDef};

command! {
    StartAuthSession = START_AUTH_SESSION, "TPM2_StartAuthSession", "§11.1";
    handles StartAuthSessionHandles { tpm_key, bind }
    in StartAuthSessionIn {
        nonce_caller: Tpm2bNonce,
        encrypted_salt: Tpm2bEncryptedSecret,
        session_type: TpmSe,
        symmetric: TpmtSymDef<true>,
        auth_hash: TpmiAlgHash,
    }
    rsp_handles StartAuthSessionRspHandles { session_handle }
    out StartAuthSessionOut {
        nonce_tpm: Tpm2bNonce,
    }
}

command! {
    PolicyRestart = POLICY_RESTART, "TPM2_PolicyRestart", "§11.2";
    handles PolicyRestartHandles { session_handle }
    in PolicyRestartIn {}
    rsp_handles PolicyRestartRspHandles {}
    out PolicyRestartOut {}
}
