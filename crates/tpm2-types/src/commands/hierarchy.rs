//! The commands of TPM 2.0 Part 3 §24 Hierarchy Commands (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bAuth, Tpm2bCreationData, Tpm2bData, Tpm2bDigest, Tpm2bName, Tpm2bPublic,
    Tpm2bSensitiveCreate, TpmiAlgHash, TpmiYesNo, TpmlPcrSelection, TpmtTkCreation,
};

command! {
    CreatePrimary = CREATE_PRIMARY, "TPM2_CreatePrimary", "§24.1";
    handles CreatePrimaryHandles { primary_handle }
    in #enc CreatePrimaryIn {
        in_sensitive: Tpm2bSensitiveCreate,
        in_public: Tpm2bPublic,
        outside_info: Tpm2bData,
        creation_pcr: TpmlPcrSelection,
    }
    rsp_handles CreatePrimaryRspHandles { object_handle }
    out #enc CreatePrimaryOut {
        out_public: Tpm2bPublic,
        creation_data: Tpm2bCreationData,
        creation_hash: Tpm2bDigest,
        creation_ticket: TpmtTkCreation,
        name: Tpm2bName,
    }
}

command! {
    HierarchyControl = HIERARCHY_CONTROL, "TPM2_HierarchyControl", "§24.2";
    handles HierarchyControlHandles { auth_handle }
    in HierarchyControlIn {
        enable: TpmHandle,
        state: TpmiYesNo,
    }
    rsp_handles HierarchyControlRspHandles {}
    out HierarchyControlOut {}
}

command! {
    SetPrimaryPolicy = SET_PRIMARY_POLICY, "TPM2_SetPrimaryPolicy", "§24.3";
    handles SetPrimaryPolicyHandles { auth_handle }
    in SetPrimaryPolicyIn {
        auth_policy: Tpm2bDigest,
        hash_alg: TpmiAlgHash<true>,
    }
    rsp_handles SetPrimaryPolicyRspHandles {}
    out SetPrimaryPolicyOut {}
}

command! {
    ChangePps = CHANGE_PPS, "TPM2_ChangePPS", "§24.4";
    handles ChangePpsHandles { auth_handle }
    in ChangePpsIn {}
    rsp_handles ChangePpsRspHandles {}
    out ChangePpsOut {}
}

command! {
    ChangeEps = CHANGE_EPS, "TPM2_ChangeEPS", "§24.5";
    handles ChangeEpsHandles { auth_handle }
    in ChangeEpsIn {}
    rsp_handles ChangeEpsRspHandles {}
    out ChangeEpsOut {}
}

command! {
    Clear = CLEAR, "TPM2_Clear", "§24.6";
    handles ClearHandles { auth_handle }
    in ClearIn {}
    rsp_handles ClearRspHandles {}
    out ClearOut {}
}

command! {
    ClearControl = CLEAR_CONTROL, "TPM2_ClearControl", "§24.7";
    handles ClearControlHandles { auth }
    in ClearControlIn {
        disable: TpmiYesNo,
    }
    rsp_handles ClearControlRspHandles {}
    out ClearControlOut {}
}

command! {
    HierarchyChangeAuth = HIERARCHY_CHANGE_AUTH, "TPM2_HierarchyChangeAuth", "§24.8";
    handles HierarchyChangeAuthHandles { auth_handle }
    in HierarchyChangeAuthIn {
        new_auth: Tpm2bAuth,
    }
    rsp_handles HierarchyChangeAuthRspHandles {}
    out HierarchyChangeAuthOut {}
}
