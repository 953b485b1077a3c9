//! Hierarchy and dictionary-attack commands (TPM 2.0 Part 3 §24, §25; libtpms
//! `HierarchyCommands.c`, `DictionaryCommands.c`).

use tpm_crypto::hash::HashAlg;
use tpm2_types::{
    Tpm2bAuth, Tpm2bDigest, TpmAlgId, TpmHandle, TpmRc, TpmiAlgHash, TpmiRhEnables, TpmiYesNo,
};

use crate::exec::Ctx;
use crate::state::{AuthValue, DaState, Policy, SEED_COMPAT_LEVEL_LAST};
use crate::tpm::Tpm2;

/// TPM 2.0 Part 3 §24.6 TPM2_HierarchyControl.
///
/// # Errors
/// TPM_RC_AUTH_TYPE when the authorizing hierarchy may not change `enable`.
pub(crate) fn hierarchy_control(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let enable: TpmiRhEnables = ctx.param()?;
    let state: TpmiYesNo = ctx.param()?;
    ctx.end()?;
    let auth = ctx.handles[0];
    let enable = enable.0;
    let on = state.0;
    match enable {
        TpmHandle::PLATFORM | TpmHandle::PLATFORM_NV if auth != TpmHandle::PLATFORM => {
            return Err(TpmRc::AUTH_TYPE);
        }
        TpmHandle::OWNER => {
            if auth != TpmHandle::PLATFORM && auth != TpmHandle::OWNER {
                return Err(TpmRc::AUTH_TYPE);
            }
            if !tpm.clear.sh_enable && on && auth != TpmHandle::PLATFORM {
                return Err(TpmRc::AUTH_TYPE);
            }
        }
        TpmHandle::ENDORSEMENT => {
            if auth != TpmHandle::PLATFORM && auth != TpmHandle::ENDORSEMENT {
                return Err(TpmRc::AUTH_TYPE);
            }
            if !tpm.clear.eh_enable && on && auth != TpmHandle::PLATFORM {
                return Err(TpmRc::AUTH_TYPE);
            }
        }
        TpmHandle::PLATFORM | TpmHandle::PLATFORM_NV => {}
        _ => return Err(tpm.fail("HierarchyControl of an unknown hierarchy")),
    }
    let flag = match enable {
        TpmHandle::OWNER => &mut tpm.clear.sh_enable,
        TpmHandle::ENDORSEMENT => &mut tpm.clear.eh_enable,
        TpmHandle::PLATFORM => &mut tpm.rt.ph_enable,
        _ => &mut tpm.clear.ph_enable_nv,
    };
    if *flag != on {
        *flag = on;
        // Loaded objects of a disabled hierarchy are flushed (ObjectFlushHierarchy).
        if !on && enable != TpmHandle::PLATFORM_NV {
            tpm.flush_hierarchy_objects(enable);
        }
        tpm.clear_orderly();
    }
    Ok(())
}

/// TPM 2.0 Part 3 §24.7 TPM2_SetPrimaryPolicy.
///
/// # Errors
/// TPM_RC_SIZE (parameter 1) when the policy is not the digest size of `hashAlg`.
pub(crate) fn set_primary_policy(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let policy: Tpm2bDigest = ctx.param()?;
    let alg: TpmiAlgHash<true> = ctx.param()?;
    ctx.end()?;
    let size = HashAlg::from_tpm_alg(alg.0.0).map_or(0, HashAlg::digest_size);
    if policy.len() != size {
        return Err(TpmRc::SIZE.parameter(1));
    }
    let p = Policy {
        alg: alg.0.0,
        digest: policy.to_vec(),
    };
    match ctx.handles[0] {
        TpmHandle::OWNER => tpm.perm.owner_policy = p,
        TpmHandle::ENDORSEMENT => tpm.perm.endorsement_policy = p,
        TpmHandle::LOCKOUT => tpm.perm.lockout_policy = p,
        TpmHandle::PLATFORM => {
            tpm.clear.platform_policy = p;
            tpm.clear_orderly();
            return Ok(());
        }
        _ => return Err(tpm.fail("SetPrimaryPolicy of an unknown hierarchy")),
    }
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §24.5 TPM2_ChangePPS: new platform seed and proof, no platform policy.
pub(crate) fn change_pps(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let seed = tpm.fresh64()?;
    let proof = tpm.fresh64()?;
    tpm.perm.pps.value = seed;
    tpm.perm.pps.compat = SEED_COMPAT_LEVEL_LAST;
    tpm.perm.ph_proof = proof;
    tpm.clear.platform_policy = Policy::none();
    tpm.perm.pcr_policy = Policy::none();
    tpm.flush_hierarchy_objects(TpmHandle::PLATFORM);
    tpm.flush_hierarchy_evict(TpmHandle::PLATFORM);
    tpm.drop_primary_cache();
    tpm.mark_permanent_dirty();
    tpm.clear_orderly();
    Ok(())
}

/// TPM 2.0 Part 3 §24.4 TPM2_ChangeEPS: new endorsement seed and proof; endorsement
/// authorization and policy are reset and the hierarchy enabled.
pub(crate) fn change_eps(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let seed = tpm.fresh64()?;
    let proof = tpm.fresh64()?;
    tpm.perm.eps.value = seed;
    tpm.perm.eps.compat = SEED_COMPAT_LEVEL_LAST;
    tpm.perm.eh_proof = proof;
    tpm.clear.eh_enable = true;
    tpm.perm.endorsement_auth = AuthValue::default();
    tpm.perm.endorsement_policy = Policy::none();
    tpm.flush_hierarchy_objects(TpmHandle::ENDORSEMENT);
    tpm.flush_hierarchy_evict(TpmHandle::ENDORSEMENT);
    tpm.drop_primary_cache();
    tpm.mark_permanent_dirty();
    tpm.clear_orderly();
    Ok(())
}

/// TPM 2.0 Part 3 §24.8 TPM2_Clear: new storage seed, new owner and endorsement proofs,
/// owner/endorsement/lockout authorizations and policies reset, DA reset, Clock 0.
///
/// # Errors
/// TPM_RC_DISABLED when TPM2_ClearControl disabled it.
pub(crate) fn clear(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    if tpm.perm.disable_clear {
        return Err(TpmRc::DISABLED);
    }
    let seed = tpm.fresh64()?;
    let sh = tpm.fresh64()?;
    let eh = tpm.fresh64()?;
    let p = &mut tpm.perm;
    p.sps.value = seed;
    p.sps.compat = SEED_COMPAT_LEVEL_LAST;
    p.sh_proof = sh;
    p.eh_proof = eh;
    tpm.clear.sh_enable = true;
    tpm.clear.eh_enable = true;
    p.owner_auth = AuthValue::default();
    p.endorsement_auth = AuthValue::default();
    p.lockout_auth = AuthValue::default();
    p.owner_policy = Policy::none();
    p.endorsement_policy = Policy::none();
    p.lockout_policy = Policy::none();
    p.da = DaState::default();
    p.clock = 0;
    p.clock_safe = true;
    p.reset_count = 0;
    tpm.reset.restart_count = 0;
    tpm.reset.clear_count = 0;
    tpm.clear.pcr_auth = AuthValue::default();
    // Objects of the storage and endorsement hierarchies go, loaded and persistent
    // (libtpms ObjectFlushHierarchy, NvFlushHierarchy).
    for h in [TpmHandle::OWNER, TpmHandle::ENDORSEMENT] {
        tpm.flush_hierarchy_objects(h);
        tpm.flush_hierarchy_evict(h);
    }
    tpm.drop_primary_cache();
    tpm.pcr_changed(0);
    tpm.mark_permanent_dirty();
    tpm.clear_orderly();
    Ok(())
}

/// TPM 2.0 Part 3 §24.9 TPM2_ClearControl.
///
/// # Errors
/// TPM_RC_AUTH_FAIL when lockout tries to enable TPM2_Clear (only platform may).
pub(crate) fn clear_control(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let disable: TpmiYesNo = ctx.param()?;
    ctx.end()?;
    if ctx.handles[0] == TpmHandle::LOCKOUT && !disable.0 {
        return Err(TpmRc::AUTH_FAIL);
    }
    tpm.perm.disable_clear = disable.0;
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §24.10 TPM2_HierarchyChangeAuth.
///
/// # Errors
/// TPM_RC_SIZE (parameter 1) when the new value, without trailing zeros, is longer than the
/// context integrity digest (64 bytes).
pub(crate) fn hierarchy_change_auth(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let new_auth: Tpm2bAuth = ctx.param()?;
    ctx.end()?;
    let a = AuthValue::new(new_auth.expose()).ok_or(TpmRc::SIZE.parameter(1))?;
    match ctx.handles[0] {
        TpmHandle::OWNER => tpm.perm.owner_auth = a,
        TpmHandle::ENDORSEMENT => tpm.perm.endorsement_auth = a,
        TpmHandle::LOCKOUT => tpm.perm.lockout_auth = a,
        TpmHandle::PLATFORM => {
            tpm.clear.platform_auth = a;
            tpm.clear_orderly();
            return Ok(());
        }
        _ => return Err(tpm.fail("HierarchyChangeAuth of an unknown hierarchy")),
    }
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §25.2 TPM2_DictionaryAttackLockReset.
pub(crate) fn da_lock_reset(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    tpm.perm.da.failed_tries = 0;
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §25.3 TPM2_DictionaryAttackParameters.
pub(crate) fn da_parameters(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let max_tries: u32 = ctx.param()?;
    let recovery_time: u32 = ctx.param()?;
    let lockout_recovery: u32 = ctx.param()?;
    ctx.end()?;
    tpm.perm.da.max_tries = max_tries;
    tpm.perm.da.recovery_time = recovery_time;
    tpm.perm.da.lockout_recovery = lockout_recovery;
    tpm.mark_permanent_dirty();
    Ok(())
}

impl Tpm2 {
    /// g_clearOrderly: a change of state-clear data makes the next shutdown non-orderly unless
    /// a Shutdown(STATE) saves it (libtpms sets orderlyState to SU_NONE when it was orderly).
    /// g_clearOrderly at the end of a command: an orderly state becomes SU_DA_USED or SU_NONE
    /// (libtpms `ExecuteCommand` with USE_DA_USED).
    pub(crate) fn clear_orderly(&mut self) {
        if self.perm.orderly_state < crate::state::SU_DA_USED {
            self.perm.orderly_state = if self.rt.da_used {
                crate::state::SU_DA_USED
            } else {
                crate::state::SU_NONE
            };
            self.mark_permanent_dirty();
        }
    }
}

#[allow(dead_code)]
const _ALG: TpmAlgId = TpmAlgId::NULL;
