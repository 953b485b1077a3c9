//! TPM2_Startup and TPM2_Shutdown (TPM 2.0 Part 3 §9.3, §9.4; libtpms `StartupCommands.c`).

use tpm2_types::{TpmRc, TpmSu};

use crate::exec::Ctx;
use crate::pcr::StartupKind;
use crate::state::{PRE_STARTUP_FLAG, STARTUP_LOCALITY_3, SU_DA_USED, SU_NONE, StateClear};
use crate::tpm::Tpm2;

/// Orderly states: anything below SU_DA_USED (libtpms IS_ORDERLY).
fn is_orderly(v: u16) -> bool {
    v < SU_DA_USED
}

/// TPM 2.0 Part 3 §9.3 TPM2_Startup.
///
/// # Errors
/// TPM_RC_LOCALITY from a locality other than 0 or 3 (or not the one of the saved state);
/// TPM_RC_VALUE (parameter 1) for Startup(STATE) without a preceding Shutdown(STATE).
pub(crate) fn startup(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let su: TpmSu = ctx.param()?;
    // libtpms TPM_SU_Unmarshal: only CLEAR and STATE unmarshal; the value error comes
    // before any leftover-bytes error.
    if su != TpmSu::CLEAR && su != TpmSu::STATE {
        return Err(TpmRc::VALUE.parameter(1));
    }
    ctx.end()?;
    let mut locality = ctx.locality;
    if locality != 0 && locality != 3 {
        return Err(TpmRc::LOCALITY);
    }
    if tpm.rt.drtm_pre_startup {
        locality = 0;
    }
    tpm.rt.startup_locality3 = locality == 3;
    let orderly = tpm.perm.orderly_state;
    let da_used = orderly == SU_DA_USED;
    let mut prev = if da_used { SU_NONE } else { orderly };
    if is_orderly(prev) {
        prev &= !(PRE_STARTUP_FLAG | STARTUP_LOCALITY_3);
    }
    if su == TpmSu::STATE {
        if prev != TpmSu::STATE.0 || tpm.perm.saved.is_none() {
            return Err(TpmRc::VALUE.parameter(1));
        }
        if tpm.rt.drtm_pre_startup != (orderly & PRE_STARTUP_FLAG != 0) {
            return Err(TpmRc::VALUE.parameter(1));
        }
        if tpm.rt.startup_locality3 != (orderly & STARTUP_LOCALITY_3 != 0) {
            return Err(TpmRc::LOCALITY);
        }
    }
    tpm.rt.prev_orderly = prev;
    let kind = match (prev == TpmSu::STATE.0, su == TpmSu::STATE) {
        (true, true) => StartupKind::Resume,
        (true, false) => StartupKind::Restart,
        _ => StartupKind::Reset,
    };
    let saved = tpm.perm.saved.take();
    match (&kind, saved) {
        (StartupKind::Resume, Some((clear, reset))) => {
            tpm.clear = clear;
            tpm.reset = reset;
        }
        (StartupKind::Restart, Some((_, reset))) => {
            tpm.reset = reset;
        }
        _ => {}
    }

    // TimeStartup: after a non-orderly shutdown the clock is not safe.
    if !is_orderly(prev) {
        tpm.perm.clock_safe = false;
    }
    // DAStartup.
    tpm.rt.self_heal_timer = 0;
    tpm.rt.lockout_failed_at = None;
    if tpm.perm.da.lockout_recovery == 0 {
        tpm.perm.da.lockout_auth_enabled = true;
    }
    // g_daUsed: SET when the last power cycle had used a DA-protected authValue; DAStartup
    // then counts that as a failed try and clears it.
    tpm.rt.da_used = da_used;
    if tpm.perm.da.recovery_time != 0
        && tpm.perm.da.failed_tries < tpm.perm.da.max_tries
        && !is_orderly(prev)
    {
        if da_used {
            tpm.perm.da.failed_tries = tpm.perm.da.failed_tries.saturating_add(1);
        }
        tpm.rt.da_used = false;
    }
    // HierarchyStartup.
    tpm.rt.ph_enable = true;
    if kind != StartupKind::Resume {
        let saved_pcrs = core::mem::take(&mut tpm.clear.pcr_save);
        tpm.clear = StateClear::default();
        tpm.clear.pcr_save = saved_pcrs;
    }
    if kind == StartupKind::Reset {
        tpm.reseed_null()?;
    }
    // SessionStartup: loaded sessions never survive a Startup; saved contexts survive TPM
    // Resume and TPM Restart (gr.contextArray comes back with the reset data).
    if kind != StartupKind::Reset {
        let image = core::mem::take(&mut tpm.reset.session_contexts);
        tpm.sessions.restore_contexts(&image);
    }
    tpm.sessions.startup(kind == StartupKind::Reset);
    // PCRStartup.
    if kind == StartupKind::Reset {
        tpm.reset.pcr_counter = 0;
    }
    let alloc = tpm.perm.pcr_allocated;
    let save = tpm.clear.pcr_save.clone();
    tpm.pcrs
        .startup(&alloc, kind, locality, tpm.rt.drtm_pre_startup, &save);
    for pcr in 0..crate::pcr::PCR_COUNT {
        let restored = kind == StartupKind::Resume && crate::pcr::attributes(pcr).state_save;
        if !restored && (pcr == 0 || crate::pcr::counts_change(pcr)) {
            tpm.reset.pcr_counter = tpm.reset.pcr_counter.wrapping_add(1);
        }
    }
    if kind != StartupKind::Resume {
        tpm.clear.pcr_auth = crate::state::AuthValue::default();
    }
    match kind {
        StartupKind::Resume => {
            tpm.reset.restart_count = tpm.reset.restart_count.wrapping_add(1);
        }
        StartupKind::Restart => {
            tpm.reset.clear_count = tpm.reset.clear_count.wrapping_add(1);
            tpm.reset.restart_count = tpm.reset.restart_count.wrapping_add(1);
        }
        StartupKind::Reset => {
            // CommandAuditStartup: a TPM Reset starts a new audit digest.
            tpm.reset.command_audit_digest.clear();
            tpm.reset.object_context_id = 0;
            tpm.reset.clear_count = 0;
            tpm.perm.reset_count = tpm.perm.reset_count.wrapping_add(1);
            tpm.perm.total_reset_count = tpm.perm.total_reset_count.wrapping_add(1);
            tpm.reset.restart_count = 0;
        }
    }
    tpm.perm.orderly_state = SU_NONE;
    tpm.rt.started = true;
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §9.4 TPM2_Shutdown.
///
/// # Errors
/// TPM_RC_TYPE (parameter 1) for Shutdown(STATE) after a PCR_Allocate; TPM_RC_VALUE
/// (parameter 1) for a type other than CLEAR or STATE.
pub(crate) fn shutdown(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let su: TpmSu = ctx.param()?;
    // libtpms TPM_SU_Unmarshal (see `startup`).
    if su != TpmSu::CLEAR && su != TpmSu::STATE {
        return Err(TpmRc::VALUE.parameter(1));
    }
    ctx.end()?;
    if tpm.rt.pcr_reconfig && su == TpmSu::STATE {
        return Err(TpmRc::TYPE.parameter(1));
    }
    tpm.perm.orderly_state = su.0;
    // USE_DA_USED: after an orderly Shutdown, the next DA-protected authorization must make
    // the state non-orderly again first (TPM_RC_RETRY), so that a DA failure cannot hide
    // behind an orderly state.
    tpm.rt.da_used = false;
    if su == TpmSu::STATE {
        tpm.clear.pcr_save = tpm.pcrs.state_save(&tpm.perm.pcr_allocated);
        let mut reset = tpm.reset.clone();
        reset.session_contexts = tpm.sessions.contexts_image();
        tpm.perm.saved = Some((tpm.clear.clone(), reset));
        if tpm.rt.drtm_pre_startup {
            tpm.perm.orderly_state = TpmSu::STATE.0 | PRE_STARTUP_FLAG;
        } else if tpm.rt.startup_locality3 {
            tpm.perm.orderly_state = TpmSu::STATE.0 | STARTUP_LOCALITY_3;
        }
    } else if su != TpmSu::CLEAR {
        return Err(TpmRc::VALUE.parameter(1));
    }
    tpm.mark_permanent_dirty();
    Ok(())
}
