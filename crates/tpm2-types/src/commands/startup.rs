//! The commands of TPM 2.0 Part 3 §9 Start-up (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::TpmSu;

command! {
    Startup = STARTUP, "TPM2_Startup", "§9.3";
    handles StartupHandles {}
    in StartupIn {
        startup_type: TpmSu,
    }
    rsp_handles StartupRspHandles {}
    out StartupOut {}
}

command! {
    Shutdown = SHUTDOWN, "TPM2_Shutdown", "§9.4";
    handles ShutdownHandles {}
    in ShutdownIn {
        shutdown_type: TpmSu,
    }
    rsp_handles ShutdownRspHandles {}
    out ShutdownOut {}
}
