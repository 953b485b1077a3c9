//! The commands of TPM 2.0 Part 3 §12 Object Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bAuth, Tpm2bCreationData, Tpm2bData, Tpm2bDigest, Tpm2bEncryptedSecret, Tpm2bIdObject,
    Tpm2bName, Tpm2bPrivate, Tpm2bPublic, Tpm2bSensitive, Tpm2bSensitiveCreate, Tpm2bSensitiveData,
    Tpm2bTemplate, TpmlPcrSelection, TpmtTkCreation,
};

command! {
    Create = CREATE, "TPM2_Create", "§12.1";
    handles CreateHandles { parent_handle }
    in #enc CreateIn {
        in_sensitive: Tpm2bSensitiveCreate,
        in_public: Tpm2bPublic,
        outside_info: Tpm2bData,
        creation_pcr: TpmlPcrSelection,
    }
    rsp_handles CreateRspHandles {}
    out CreateOut {
        out_private: Tpm2bPrivate,
        out_public: Tpm2bPublic,
        creation_data: Tpm2bCreationData,
        creation_hash: Tpm2bDigest,
        creation_ticket: TpmtTkCreation,
    }
}

command! {
    Load = LOAD, "TPM2_Load", "§12.2";
    handles LoadHandles { parent_handle }
    in LoadIn {
        in_private: Tpm2bPrivate,
        in_public: Tpm2bPublic,
    }
    rsp_handles LoadRspHandles { object_handle }
    out LoadOut {
        name: Tpm2bName,
    }
}

command! {
    LoadExternal = LOAD_EXTERNAL, "TPM2_LoadExternal", "§12.3";
    handles LoadExternalHandles {}
    in #enc LoadExternalIn {
        in_private: Tpm2bSensitive,
        in_public: Tpm2bPublic,
        hierarchy: TpmHandle,
    }
    rsp_handles LoadExternalRspHandles { object_handle }
    out LoadExternalOut {
        name: Tpm2bName,
    }
}

command! {
    ReadPublic = READ_PUBLIC, "TPM2_ReadPublic", "§12.4";
    handles ReadPublicHandles { object_handle }
    in ReadPublicIn {}
    rsp_handles ReadPublicRspHandles {}
    out #enc ReadPublicOut {
        out_public: Tpm2bPublic,
        name: Tpm2bName,
        qualified_name: Tpm2bName,
    }
}

command! {
    ActivateCredential = ACTIVATE_CREDENTIAL, "TPM2_ActivateCredential", "§12.5";
    handles ActivateCredentialHandles { activate_handle, key_handle }
    in ActivateCredentialIn {
        credential_blob: Tpm2bIdObject,
        secret: Tpm2bEncryptedSecret,
    }
    rsp_handles ActivateCredentialRspHandles {}
    out ActivateCredentialOut {
        cert_info: Tpm2bDigest,
    }
}

command! {
    MakeCredential = MAKE_CREDENTIAL, "TPM2_MakeCredential", "§12.6";
    handles MakeCredentialHandles { handle }
    in MakeCredentialIn {
        credential: Tpm2bDigest,
        object_name: Tpm2bName,
    }
    rsp_handles MakeCredentialRspHandles {}
    out MakeCredentialOut {
        credential_blob: Tpm2bIdObject,
        secret: Tpm2bEncryptedSecret,
    }
}

command! {
    Unseal = UNSEAL, "TPM2_Unseal", "§12.7";
    handles UnsealHandles { item_handle }
    in UnsealIn {}
    rsp_handles UnsealRspHandles {}
    out UnsealOut {
        out_data: Tpm2bSensitiveData,
    }
}

command! {
    ObjectChangeAuth = OBJECT_CHANGE_AUTH, "TPM2_ObjectChangeAuth", "§12.8";
    handles ObjectChangeAuthHandles { object_handle, parent_handle }
    in ObjectChangeAuthIn {
        new_auth: Tpm2bAuth,
    }
    rsp_handles ObjectChangeAuthRspHandles {}
    out ObjectChangeAuthOut {
        out_private: Tpm2bPrivate,
    }
}

command! {
    CreateLoaded = CREATE_LOADED, "TPM2_CreateLoaded", "§12.9";
    handles CreateLoadedHandles { parent_handle }
    in #enc CreateLoadedIn {
        in_sensitive: Tpm2bSensitiveCreate,
        in_public: Tpm2bTemplate,
    }
    rsp_handles CreateLoadedRspHandles { object_handle }
    out CreateLoadedOut {
        out_private: Tpm2bPrivate,
        out_public: Tpm2bPublic,
        name: Tpm2bName,
    }
}
