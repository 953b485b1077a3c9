//! The commands of TPM 2.0 Part 3 §26 Miscellaneous Management Functions (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::TpmlCc;

command! {
    PpCommands = PP_COMMANDS, "TPM2_PP_Commands", "§26.2";
    handles PpCommandsHandles { auth }
    in PpCommandsIn {
        set_list: TpmlCc,
        clear_list: TpmlCc,
    }
    rsp_handles PpCommandsRspHandles {}
    out PpCommandsOut {}
}

command! {
    SetAlgorithmSet = SET_ALGORITHM_SET, "TPM2_SetAlgorithmSet", "§26.3";
    handles SetAlgorithmSetHandles { auth_handle }
    in SetAlgorithmSetIn {
        algorithm_set: u32,
    }
    rsp_handles SetAlgorithmSetRspHandles {}
    out SetAlgorithmSetOut {}
}
