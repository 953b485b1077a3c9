//! The commands of TPM 2.0 Part 3 §31 Non-volatile Storage (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{
    Tpm2bAttest, Tpm2bAuth, Tpm2bData, Tpm2bMaxNvBuffer, Tpm2bName, Tpm2bNvPublic, TpmtSigScheme,
    TpmtSignature,
};

command! {
    NvDefineSpace = NV_DEFINE_SPACE, "TPM2_NV_DefineSpace", "§31.3";
    handles NvDefineSpaceHandles { auth_handle }
    in NvDefineSpaceIn {
        auth: Tpm2bAuth,
        public_info: Tpm2bNvPublic,
    }
    rsp_handles NvDefineSpaceRspHandles {}
    out NvDefineSpaceOut {}
}

command! {
    NvUndefineSpace = NV_UNDEFINE_SPACE, "TPM2_NV_UndefineSpace", "§31.4";
    handles NvUndefineSpaceHandles { auth_handle, nv_index }
    in NvUndefineSpaceIn {}
    rsp_handles NvUndefineSpaceRspHandles {}
    out NvUndefineSpaceOut {}
}

command! {
    NvUndefineSpaceSpecial = NV_UNDEFINE_SPACE_SPECIAL, "TPM2_NV_UndefineSpaceSpecial", "§31.5";
    handles NvUndefineSpaceSpecialHandles { nv_index, platform }
    in NvUndefineSpaceSpecialIn {}
    rsp_handles NvUndefineSpaceSpecialRspHandles {}
    out NvUndefineSpaceSpecialOut {}
}

command! {
    NvReadPublic = NV_READ_PUBLIC, "TPM2_NV_ReadPublic", "§31.6";
    handles NvReadPublicHandles { nv_index }
    in NvReadPublicIn {}
    rsp_handles NvReadPublicRspHandles {}
    out #enc NvReadPublicOut {
        nv_public: Tpm2bNvPublic,
        nv_name: Tpm2bName,
    }
}

command! {
    NvWrite = NV_WRITE, "TPM2_NV_Write", "§31.7";
    handles NvWriteHandles { auth_handle, nv_index }
    in NvWriteIn {
        data: Tpm2bMaxNvBuffer,
        offset: u16,
    }
    rsp_handles NvWriteRspHandles {}
    out NvWriteOut {}
}

command! {
    NvIncrement = NV_INCREMENT, "TPM2_NV_Increment", "§31.8";
    handles NvIncrementHandles { auth_handle, nv_index }
    in NvIncrementIn {}
    rsp_handles NvIncrementRspHandles {}
    out NvIncrementOut {}
}

command! {
    NvExtend = NV_EXTEND, "TPM2_NV_Extend", "§31.9";
    handles NvExtendHandles { auth_handle, nv_index }
    in NvExtendIn {
        data: Tpm2bMaxNvBuffer,
    }
    rsp_handles NvExtendRspHandles {}
    out NvExtendOut {}
}

command! {
    NvSetBits = NV_SET_BITS, "TPM2_NV_SetBits", "§31.10";
    handles NvSetBitsHandles { auth_handle, nv_index }
    in NvSetBitsIn {
        bits: u64,
    }
    rsp_handles NvSetBitsRspHandles {}
    out NvSetBitsOut {}
}

command! {
    NvWriteLock = NV_WRITE_LOCK, "TPM2_NV_WriteLock", "§31.11";
    handles NvWriteLockHandles { auth_handle, nv_index }
    in NvWriteLockIn {}
    rsp_handles NvWriteLockRspHandles {}
    out NvWriteLockOut {}
}

command! {
    NvGlobalWriteLock = NV_GLOBAL_WRITE_LOCK, "TPM2_NV_GlobalWriteLock", "§31.12";
    handles NvGlobalWriteLockHandles { auth_handle }
    in NvGlobalWriteLockIn {}
    rsp_handles NvGlobalWriteLockRspHandles {}
    out NvGlobalWriteLockOut {}
}

command! {
    NvRead = NV_READ, "TPM2_NV_Read", "§31.13";
    handles NvReadHandles { auth_handle, nv_index }
    in NvReadIn {
        size: u16,
        offset: u16,
    }
    rsp_handles NvReadRspHandles {}
    out NvReadOut {
        data: Tpm2bMaxNvBuffer,
    }
}

command! {
    NvReadLock = NV_READ_LOCK, "TPM2_NV_ReadLock", "§31.14";
    handles NvReadLockHandles { auth_handle, nv_index }
    in NvReadLockIn {}
    rsp_handles NvReadLockRspHandles {}
    out NvReadLockOut {}
}

command! {
    NvChangeAuth = NV_CHANGE_AUTH, "TPM2_NV_ChangeAuth", "§31.15";
    handles NvChangeAuthHandles { nv_index }
    in NvChangeAuthIn {
        new_auth: Tpm2bAuth,
    }
    rsp_handles NvChangeAuthRspHandles {}
    out NvChangeAuthOut {}
}

command! {
    NvCertify = NV_CERTIFY, "TPM2_NV_Certify", "§31.16";
    handles NvCertifyHandles { sign_handle, auth_handle, nv_index }
    in NvCertifyIn {
        qualifying_data: Tpm2bData,
        in_scheme: TpmtSigScheme<true>,
        size: u16,
        offset: u16,
    }
    rsp_handles NvCertifyRspHandles {}
    out NvCertifyOut {
        certify_info: Tpm2bAttest,
        signature: TpmtSignature<true>,
    }
}
