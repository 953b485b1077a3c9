//! The commands of TPM 2.0 Part 3 §15 Symmetric Primitives (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bDigest, Tpm2bIv, Tpm2bMaxBuffer, TpmiAlgCipherMode, TpmiAlgHash, TpmiYesNo,
    TpmtTkHashcheck,
};

command! {
    EncryptDecrypt = ENCRYPT_DECRYPT, "TPM2_EncryptDecrypt", "§15.2";
    handles EncryptDecryptHandles { key_handle }
    in EncryptDecryptIn {
        decrypt: TpmiYesNo,
        mode: TpmiAlgCipherMode<true>,
        iv_in: Tpm2bIv,
        in_data: Tpm2bMaxBuffer,
    }
    rsp_handles EncryptDecryptRspHandles {}
    out EncryptDecryptOut {
        out_data: Tpm2bMaxBuffer,
        iv_out: Tpm2bIv,
    }
}

command! {
    EncryptDecrypt2 = ENCRYPT_DECRYPT2, "TPM2_EncryptDecrypt2", "§15.3";
    handles EncryptDecrypt2Handles { key_handle }
    in EncryptDecrypt2In {
        in_data: Tpm2bMaxBuffer,
        decrypt: TpmiYesNo,
        mode: TpmiAlgCipherMode<true>,
        iv_in: Tpm2bIv,
    }
    rsp_handles EncryptDecrypt2RspHandles {}
    out EncryptDecrypt2Out {
        out_data: Tpm2bMaxBuffer,
        iv_out: Tpm2bIv,
    }
}

command! {
    Hash = HASH, "TPM2_Hash", "§15.4";
    handles HashHandles {}
    in HashIn {
        data: Tpm2bMaxBuffer,
        hash_alg: TpmiAlgHash,
        hierarchy: TpmHandle,
    }
    rsp_handles HashRspHandles {}
    out HashOut {
        out_hash: Tpm2bDigest,
        validation: TpmtTkHashcheck,
    }
}

command! {
    Hmac = HMAC, "TPM2_HMAC", "§15.5";
    handles HmacHandles { handle }
    in HmacIn {
        buffer: Tpm2bMaxBuffer,
        hash_alg: TpmiAlgHash<true>,
    }
    rsp_handles HmacRspHandles {}
    out HmacOut {
        out_hmac: Tpm2bDigest,
    }
}
