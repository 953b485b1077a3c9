//! Miscellaneous management (TPM 2.0 Part 3 §26; libtpms `MiscCommands.c`, `PP.c`):
//! TPM2_PP_Commands and TPM2_SetAlgorithmSet.
//!
//! Physical presence: this platform, like swtpm's, never asserts it. The list of commands
//! that need it when the platform authorizes them therefore keeps its manufactured value
//! (TPM2_PP_Commands itself, the only command marked PP_REQUIRED), and TPM2_PP_Commands,
//! which needs physical presence to change the list, always answers TPM_RC_PP.

use tpm2_types::{TpmCc, TpmRc, TpmlCc};

use crate::exec::Ctx;
use crate::tpm::Tpm2;

/// The commands whose platform authorization needs physical presence (libtpms
/// `PhysicalPresencePreInstall_Init`: the implemented PP_REQUIRED commands).
pub(crate) const PP_LIST: &[TpmCc] = &[TpmCc::PP_COMMANDS];

/// libtpms `PhysicalPresenceIsRequired`.
pub(crate) fn pp_required(cc: TpmCc) -> bool {
    PP_LIST.contains(&cc)
}

/// TPM 2.0 Part 3 §26.2 TPM2_PP_Commands. Reached only with physical presence asserted,
/// which this platform never does (the authorization check answers TPM_RC_PP first); the
/// lists are read and then have nothing to change.
pub(crate) fn pp_commands(_tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let _set: TpmlCc = ctx.param()?;
    let _clear: TpmlCc = ctx.param()?;
    ctx.end()?;
    Ok(())
}

/// TPM 2.0 Part 3 §26.3 TPM2_SetAlgorithmSet: a value kept for TPM_PT_ALGORITHM_SET (the
/// algorithm set is vendor-defined; libtpms only stores it).
pub(crate) fn set_algorithm_set(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let set: u32 = ctx.param()?;
    ctx.end()?;
    tpm.perm.algorithm_set = set;
    tpm.mark_permanent_dirty();
    Ok(())
}
