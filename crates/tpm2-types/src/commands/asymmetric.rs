//! The commands of TPM 2.0 Part 3 §14 Asymmetric Primitives (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bData, Tpm2bDigest, Tpm2bEccPoint, Tpm2bMaxBuffer, Tpm2bPublicKeyRsa, TpmiEccCurve,
    TpmiEccKeyExchange, TpmsAlgorithmDetailEcc, TpmtKdfScheme, TpmtRsaDecrypt,
};

command! {
    RsaEncrypt = RSA_ENCRYPT, "TPM2_RSA_Encrypt", "§14.2";
    handles RsaEncryptHandles { key_handle }
    in RsaEncryptIn {
        message: Tpm2bPublicKeyRsa,
        in_scheme: TpmtRsaDecrypt<true>,
        label: Tpm2bData,
    }
    rsp_handles RsaEncryptRspHandles {}
    out RsaEncryptOut {
        out_data: Tpm2bPublicKeyRsa,
    }
}

command! {
    RsaDecrypt = RSA_DECRYPT, "TPM2_RSA_Decrypt", "§14.3";
    handles RsaDecryptHandles { key_handle }
    in RsaDecryptIn {
        cipher_text: Tpm2bPublicKeyRsa,
        in_scheme: TpmtRsaDecrypt<true>,
        label: Tpm2bData,
    }
    rsp_handles RsaDecryptRspHandles {}
    out RsaDecryptOut {
        message: Tpm2bPublicKeyRsa,
    }
}

command! {
    EcdhKeyGen = ECDH_KEY_GEN, "TPM2_ECDH_KeyGen", "§14.4";
    handles EcdhKeyGenHandles { key_handle }
    in EcdhKeyGenIn {}
    rsp_handles EcdhKeyGenRspHandles {}
    out #enc EcdhKeyGenOut {
        z_point: Tpm2bEccPoint,
        pub_point: Tpm2bEccPoint,
    }
}

command! {
    EcdhZGen = ECDH_ZGEN, "TPM2_ECDH_ZGen", "§14.5";
    handles EcdhZGenHandles { key_handle }
    in #enc EcdhZGenIn {
        in_point: Tpm2bEccPoint,
    }
    rsp_handles EcdhZGenRspHandles {}
    out #enc EcdhZGenOut {
        out_point: Tpm2bEccPoint,
    }
}

command! {
    EccParameters = ECC_PARAMETERS, "TPM2_ECC_Parameters", "§14.6";
    handles EccParametersHandles {}
    in EccParametersIn {
        curve_id: TpmiEccCurve,
    }
    rsp_handles EccParametersRspHandles {}
    out EccParametersOut {
        parameters: TpmsAlgorithmDetailEcc,
    }
}

command! {
    ZGen2Phase = ZGEN_2PHASE, "TPM2_ZGen_2Phase", "§14.7";
    handles ZGen2PhaseHandles { key_a }
    in #enc ZGen2PhaseIn {
        in_qs_b: Tpm2bEccPoint,
        in_qe_b: Tpm2bEccPoint,
        in_scheme: TpmiEccKeyExchange,
        counter: u16,
    }
    rsp_handles ZGen2PhaseRspHandles {}
    out #enc ZGen2PhaseOut {
        out_z1: Tpm2bEccPoint,
        out_z2: Tpm2bEccPoint,
    }
}

command! {
    EccEncrypt = ECC_ENCRYPT, "TPM2_ECC_Encrypt", "§14.8";
    handles EccEncryptHandles { key_handle }
    in EccEncryptIn {
        plain_text: Tpm2bMaxBuffer,
        in_scheme: TpmtKdfScheme<true>,
    }
    rsp_handles EccEncryptRspHandles {}
    out #enc EccEncryptOut {
        c1: Tpm2bEccPoint,
        c2: Tpm2bMaxBuffer,
        c3: Tpm2bDigest,
    }
}

command! {
    EccDecrypt = ECC_DECRYPT, "TPM2_ECC_Decrypt", "§14.9";
    handles EccDecryptHandles { key_handle }
    in #enc EccDecryptIn {
        c1: Tpm2bEccPoint,
        c2: Tpm2bMaxBuffer,
        c3: Tpm2bDigest,
        in_scheme: TpmtKdfScheme<true>,
    }
    rsp_handles EccDecryptRspHandles {}
    out EccDecryptOut {
        plain_text: Tpm2bMaxBuffer,
    }
}
