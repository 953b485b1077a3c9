//! The commands of TPM 2.0 Part 3 §13 Duplication Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bData, Tpm2bEncryptedSecret, Tpm2bName, Tpm2bPrivate, Tpm2bPublic, TpmtSymDefObject,
};

command! {
    Duplicate = DUPLICATE, "TPM2_Duplicate", "§13.1";
    handles DuplicateHandles { object_handle, new_parent_handle }
    in DuplicateIn {
        encryption_key_in: Tpm2bData,
        symmetric_alg: TpmtSymDefObject<true>,
    }
    rsp_handles DuplicateRspHandles {}
    out DuplicateOut {
        encryption_key_out: Tpm2bData,
        duplicate: Tpm2bPrivate,
        out_sym_seed: Tpm2bEncryptedSecret,
    }
}

command! {
    Rewrap = REWRAP, "TPM2_Rewrap", "§13.2";
    handles RewrapHandles { old_parent, new_parent }
    in RewrapIn {
        in_duplicate: Tpm2bPrivate,
        name: Tpm2bName,
        in_sym_seed: Tpm2bEncryptedSecret,
    }
    rsp_handles RewrapRspHandles {}
    out RewrapOut {
        out_duplicate: Tpm2bPrivate,
        out_sym_seed: Tpm2bEncryptedSecret,
    }
}

command! {
    Import = IMPORT, "TPM2_Import", "§13.3";
    handles ImportHandles { parent_handle }
    in ImportIn {
        encryption_key: Tpm2bData,
        object_public: Tpm2bPublic,
        duplicate: Tpm2bPrivate,
        in_sym_seed: Tpm2bEncryptedSecret,
        symmetric_alg: TpmtSymDefObject<true>,
    }
    rsp_handles ImportRspHandles {}
    out ImportOut {
        out_private: Tpm2bPrivate,
    }
}
