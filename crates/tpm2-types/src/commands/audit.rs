//! The commands of TPM 2.0 Part 3 §21 Command Audit (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{TpmiAlgHash, TpmlCc};

command! {
    SetCommandCodeAuditStatus = SET_COMMAND_CODE_AUDIT_STATUS, "TPM2_SetCommandCodeAuditStatus", "§21.2";
    handles SetCommandCodeAuditStatusHandles { auth }
    in SetCommandCodeAuditStatusIn {
        audit_alg: TpmiAlgHash<true>,
        set_list: TpmlCc,
        clear_list: TpmlCc,
    }
    rsp_handles SetCommandCodeAuditStatusRspHandles {}
    out SetCommandCodeAuditStatusOut {}
}
