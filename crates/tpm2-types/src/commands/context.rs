//! The commands of TPM 2.0 Part 3 §28 Context Management (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::TpmsContext;

command! {
    ContextSave = CONTEXT_SAVE, "TPM2_ContextSave", "§28.2";
    handles ContextSaveHandles { save_handle }
    in ContextSaveIn {}
    rsp_handles ContextSaveRspHandles {}
    out ContextSaveOut {
        context: TpmsContext,
    }
}

command! {
    ContextLoad = CONTEXT_LOAD, "TPM2_ContextLoad", "§28.3";
    handles ContextLoadHandles {}
    in ContextLoadIn {
        context: TpmsContext,
    }
    rsp_handles ContextLoadRspHandles { loaded_handle }
    out ContextLoadOut {}
}

command! {
    FlushContext = FLUSH_CONTEXT, "TPM2_FlushContext", "§28.4";
    handles FlushContextHandles {}
    in FlushContextIn {
        flush_handle: TpmHandle,
    }
    rsp_handles FlushContextRspHandles {}
    out FlushContextOut {}
}

command! {
    EvictControl = EVICT_CONTROL, "TPM2_EvictControl", "§28.5";
    handles EvictControlHandles { auth, object_handle }
    in EvictControlIn {
        persistent_handle: TpmHandle,
    }
    rsp_handles EvictControlRspHandles {}
    out EvictControlOut {}
}
