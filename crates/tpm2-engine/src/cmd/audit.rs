//! TPM2_SetCommandCodeAuditStatus (TPM 2.0 Part 3 §21.2; libtpms `AuditCommands.c`,
//! `CommandAudit.c`). The digests themselves are kept by `crate::audit`.

use tpm2_types::{TpmCc, TpmRc, TpmiAlgHash, TpmlCc};

use crate::exec::Ctx;
use crate::tpm::Tpm2;

/// TPM 2.0 Part 3 §21.2 TPM2_SetCommandCodeAuditStatus: change the audit hash (then the lists
/// must be empty, TPM_RC_VALUE for parameter 1 otherwise), or add and remove audited
/// commands. Commands this TPM does not implement are ignored; TPM2_Shutdown is never
/// audited; TPM2_SetCommandCodeAuditStatus always is.
pub(crate) fn set_command_code_audit_status(
    tpm: &mut Tpm2,
    ctx: &mut Ctx<'_>,
) -> Result<(), TpmRc> {
    let alg: TpmiAlgHash<true> = ctx.param()?;
    let set: TpmlCc = ctx.param()?;
    let clear: TpmlCc = ctx.param()?;
    ctx.end()?;
    let alg = alg.0.0;
    if alg != 0x0010 && alg != tpm.perm.audit.hash_alg {
        if !set.is_empty() || !clear.is_empty() {
            return Err(TpmRc::VALUE.parameter(1));
        }
        tpm.perm.audit.hash_alg = alg;
        // libtpms's size-1 marker: the next audited command (this one) is not recorded.
        tpm.reset.command_audit_digest = vec![0];
        tpm.mark_permanent_dirty();
        return Ok(());
    }
    let mut changed = false;
    for cc in set.iter() {
        if crate::table::lookup(*cc).is_some() && *cc != TpmCc::SHUTDOWN {
            if let Err(pos) = tpm.perm.audit.commands.binary_search(&cc.0) {
                tpm.perm.audit.commands.insert(pos, cc.0);
                changed = true;
            }
        }
    }
    for cc in clear.iter() {
        if crate::table::lookup(*cc).is_some() && *cc != TpmCc::SET_COMMAND_CODE_AUDIT_STATUS {
            if let Ok(pos) = tpm.perm.audit.commands.binary_search(&cc.0) {
                tpm.perm.audit.commands.remove(pos);
                changed = true;
            }
        }
    }
    if changed {
        tpm.mark_permanent_dirty();
    }
    Ok(())
}
