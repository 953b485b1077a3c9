//! TPM2_FlushContext (TPM 2.0 Part 3 §28.4; libtpms `ContextCommands.c`).
//!
//! Only the flush is here. ContextSave/ContextLoad are not implemented yet (they answer
//! TPM_RC_COMMAND_CODE), and no session exists yet, so a session handle is never loaded.

use tpm2_types::{TpmHandle, TpmHt, TpmRc, TpmiDhContext};

use crate::exec::Ctx;
use crate::tpm::Tpm2;

/// TPM 2.0 Part 3 §28.4 TPM2_FlushContext. The handle is a parameter (NO_SESSIONS, no
/// handle area): a handle outside the session and transient ranges fails while unmarshaling
/// (TPM_RC_VALUE + parameter 1); a transient or session handle that is not loaded is
/// TPM_RC_HANDLE + parameter 1, as libtpms answers (`TPM_RCS_HANDLE + RC_FlushContext_flushHandle`).
pub(crate) fn flush_context(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let handle: TpmiDhContext = ctx.param()?;
    ctx.end()?;
    let handle = TpmHandle::from(handle);
    let not_loaded = TpmRc::HANDLE.parameter(1);
    match handle.handle_type() {
        TpmHt::TRANSIENT => {
            if tpm.object(handle).is_none() {
                return Err(not_loaded);
            }
            // The slot's secrets are zeroized when the object drops (AuthValue zeroizes).
            tpm.flush_object(handle);
            Ok(())
        }
        // HMAC and policy sessions do not exist in this engine yet (issue 7): none is loaded
        // or saved, which libtpms answers with the same code.
        _ => Err(not_loaded),
    }
}
