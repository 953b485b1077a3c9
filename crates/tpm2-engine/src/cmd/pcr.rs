//! PCR commands (TPM 2.0 Part 3 §22; libtpms `IntegrityCommands.c`, `PCR.c`).

use tpm_crypto::hash::{HashAlg, digest};
use tpm2_types::{
    Tpm2bDigest, Tpm2bEvent, TpmAlgId, TpmHandle, TpmRc, TpmiAlgHash, TpmiYesNo, TpmlDigestValues,
    TpmlPcrSelection, TpmsPcrSelect, TpmsPcrSelection, TpmtHa, hc,
};

use crate::exec::Ctx;
use crate::pcr::{self, Allocation, PCR_COUNT, PcrMask, bank_index};
use crate::tpm::Tpm2;

fn pcr_index(h: TpmHandle) -> usize {
    usize::try_from(h.0 & hc::HR_HANDLE_MASK).unwrap_or(usize::MAX)
}

fn hash_alg(id: TpmAlgId) -> Result<HashAlg, TpmRc> {
    HashAlg::from_tpm_alg(id.0).ok_or(TpmRc::HASH)
}

impl Tpm2 {
    /// Extend `data` into PCR `pcr` of bank `alg`, counting the change.
    pub(crate) fn pcr_extend(&mut self, pcr: usize, alg: HashAlg, data: &[u8]) {
        let alloc = self.perm.pcr_allocated;
        if self.pcrs.extend(&alloc, pcr, alg, data) {
            self.pcr_changed(pcr);
        }
    }

    /// PCRChanged: bump the PCR update counter unless the PCR is in libtpms's TCB group.
    pub(crate) fn pcr_changed(&mut self, pcr: usize) {
        if pcr::counts_change(pcr) {
            self.reset.pcr_counter = self.reset.pcr_counter.wrapping_add(1);
        }
    }

    /// The checks before changing a PCR: locality, and, for a state-saved PCR, that the
    /// orderly flag is cleared first (libtpms RETURN_IF_ORDERLY).
    fn pcr_may_extend(&mut self, pcr: usize, locality: u8) -> Result<(), TpmRc> {
        if !pcr::extend_allowed(pcr, locality) {
            return Err(TpmRc::LOCALITY);
        }
        self.clear_orderly_if_state_saved(pcr);
        Ok(())
    }

    /// libtpms `RETURN_IF_ORDERLY` for a state-saved PCR (TPM2_PCR_Extend, PCR_Event,
    /// PCR_Reset, EventSequenceComplete): changing it after Shutdown(STATE) makes that
    /// shutdown non-orderly, so a later Startup(STATE) is refused.
    pub(crate) fn clear_orderly_if_state_saved(&mut self, pcr: usize) {
        if pcr < PCR_COUNT && pcr::attributes(pcr).state_save {
            self.clear_orderly();
        }
    }
}

/// TPM 2.0 Part 3 §22.2 TPM2_PCR_Extend.
///
/// # Errors
/// TPM_RC_LOCALITY when the PCR may not be extended from this locality.
pub(crate) fn pcr_extend(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let digests: TpmlDigestValues = ctx.param()?;
    ctx.end()?;
    let h = ctx.handles[0];
    if h == TpmHandle::NULL {
        return Ok(());
    }
    let pcr = pcr_index(h);
    tpm.pcr_may_extend(pcr, ctx.locality)?;
    for d in digests.iter() {
        let alg = hash_alg(d.hash_alg.0)?;
        tpm.pcr_extend(pcr, alg, d.digest.as_slice());
    }
    Ok(())
}

/// TPM 2.0 Part 3 §22.3 TPM2_PCR_Event: hash the event with every bank algorithm and extend
/// the digests; returns them all.
pub(crate) fn pcr_event(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let event: Tpm2bEvent = ctx.param()?;
    ctx.end()?;
    let h = ctx.handles[0];
    let pcr = pcr_index(h);
    if h != TpmHandle::NULL {
        tpm.pcr_may_extend(pcr, ctx.locality)?;
    }
    let mut out = TpmlDigestValues::new();
    for alg in Tpm2::bank_algs() {
        let d = digest(alg, &event);
        if h != TpmHandle::NULL {
            tpm.pcr_extend(pcr, alg, d.as_slice());
        }
        let ha = TpmtHa::new(TpmiAlgHash(TpmAlgId(alg.tpm_alg())), d.as_slice())
            .map_err(|_| TpmRc::FAILURE)?;
        out.push(ha).map_err(|_| TpmRc::FAILURE)?;
    }
    ctx.write(&out);
    Ok(())
}

/// TPM 2.0 Part 3 §22.4 TPM2_PCR_Read: at most 8 digests; the selection returned is what was
/// read (libtpms `PCRRead`: unallocated PCRs and those past the eighth are dropped).
pub(crate) fn pcr_read(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let selection: TpmlPcrSelection = ctx.param()?;
    ctx.end()?;
    let alloc = tpm.perm.pcr_allocated;
    let mut out_sel: Vec<TpmsPcrSelection> = Vec::with_capacity(selection.len());
    let mut digests: Vec<Tpm2bDigest> = Vec::with_capacity(8);
    let mut full = false;
    for sel in selection.iter() {
        let alg = HashAlg::from_tpm_alg(sel.hash.0.0);
        let bytes = sel.pcr_select.as_bytes();
        let mut mask = filter(&alloc, alg, bytes);
        if full {
            mask = PcrMask(0);
        }
        for pcr in 0..PCR_COUNT {
            if !mask.contains(pcr) {
                continue;
            }
            if digests.len() >= 8 {
                // Drop this and every later PCR of the selection.
                for rest in pcr..PCR_COUNT {
                    mask.set(rest, false);
                }
                full = true;
                break;
            }
            let v = alg.and_then(|a| tpm.pcrs.get(a, pcr)).unwrap_or(&[]);
            digests.push(Tpm2bDigest::new(v).map_err(|_| TpmRc::FAILURE)?);
        }
        let select =
            TpmsPcrSelect::from_bytes(&mask.to_select(bytes.len())).map_err(|_| TpmRc::FAILURE)?;
        out_sel.push(TpmsPcrSelection {
            hash: sel.hash,
            pcr_select: select,
        });
    }
    ctx.write(&tpm.reset.pcr_counter);
    ctx.write(&TpmlPcrSelection::from_vec(out_sel).map_err(|_| TpmRc::FAILURE)?);
    ctx.write(&tpm2_types::TpmlDigest::<0>::from_vec(digests).map_err(|_| TpmRc::FAILURE)?);
    Ok(())
}

/// libtpms `FilterPcr`: keep only allocated PCRs of the bank.
fn filter(alloc: &Allocation, alg: Option<HashAlg>, select: &[u8]) -> PcrMask {
    let requested = PcrMask::from_select(select);
    match alg.and_then(bank_index) {
        Some(_) => PcrMask(requested.0 & alloc.mask(alg.unwrap_or(HashAlg::Sha256)).0),
        None => PcrMask(0),
    }
}

/// TPM 2.0 Part 3 §22.8 TPM2_PCR_Reset.
///
/// # Errors
/// TPM_RC_LOCALITY when the PCR may not be reset from this locality.
pub(crate) fn pcr_reset(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let pcr = pcr_index(ctx.handles[0]);
    if !pcr::reset_allowed(pcr, ctx.locality) {
        return Err(TpmRc::LOCALITY);
    }
    tpm.clear_orderly_if_state_saved(pcr);
    let alloc = tpm.perm.pcr_allocated;
    tpm.pcrs.set_value(&alloc, pcr, 0);
    tpm.pcr_changed(pcr);
    Ok(())
}

/// TPM 2.0 Part 3 §22.5 TPM2_PCR_Allocate: the new allocation takes effect at the next
/// TPM Reset; every bank must keep the H-CRTM and DRTM PCRs somewhere (TPM_RC_PCR).
pub(crate) fn pcr_allocate(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let request: TpmlPcrSelection = ctx.param()?;
    ctx.end()?;
    // libtpms `PCRAllocate`: the request is merged into the current allocation and written
    // to NV only; the PCRs in use (and GetCapability(TPM_CAP_PCRS)) keep the current one
    // until the next _TPM_Init.
    let mut new = tpm.perm.pcr_allocated;
    for sel in request.iter() {
        let Some(i) = HashAlg::from_tpm_alg(sel.hash.0.0).and_then(bank_index) else {
            return Err(tpm.fail("PCR_Allocate of a bank that does not exist"));
        };
        if let Some(m) = new.0.get_mut(i) {
            *m = PcrMask::from_select(sel.pcr_select.as_bytes());
        }
    }
    let mut size_needed: u32 = 0;
    let mut drtm = false;
    let mut hcrtm = false;
    for (i, alg) in pcr::BANKS.iter().enumerate() {
        let m = new.0.get(i).copied().unwrap_or_default();
        drtm |= m.contains(pcr::DRTM_PCR);
        hcrtm |= m.contains(pcr::HCRTM_PCR);
        size_needed = size_needed.saturating_add(
            m.0.count_ones()
                .saturating_mul(u32::try_from(alg.digest_size()).unwrap_or(0)),
        );
    }
    if !drtm || !hcrtm {
        return Err(TpmRc::PCR);
    }
    // libtpms reports sizeof(s_pcrs): 24 PCRs of every bank.
    let size_available: u32 = 24 * (20 + 32 + 48 + 64);
    tpm.rt.pcr_next = Some(new);
    tpm.rt.pcr_reconfig = true;
    tpm.mark_permanent_dirty();
    ctx.write(&TpmiYesNo(true));
    ctx.write(&(PCR_COUNT as u32));
    ctx.write(&size_needed);
    ctx.write(&size_available);
    Ok(())
}

/// TPM 2.0 Part 3 §22.7 TPM2_PCR_SetAuthPolicy: the policy of the PCR policy group (PCRs
/// 20-22) that `pcrNum` belongs to.
///
/// # Errors
/// TPM_RC_SIZE (parameter 1) when the policy is not the digest size of `hashAlg`;
/// TPM_RC_VALUE (parameter 3) for a PCR outside the group.
pub(crate) fn pcr_set_auth_policy(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let policy: tpm2_types::Tpm2bDigest = ctx.param()?;
    let alg: tpm2_types::TpmiAlgHash<true> = ctx.param()?;
    let pcr: tpm2_types::TpmiDhPcr = ctx.param()?;
    ctx.end()?;
    let size = HashAlg::from_tpm_alg(alg.0.0).map_or(0, HashAlg::digest_size);
    if policy.len() != size {
        return Err(TpmRc::SIZE.parameter(1));
    }
    let n = usize::try_from(pcr.0.0).unwrap_or(usize::MAX);
    if !pcr::AUTH_GROUP.contains(&n) {
        return Err(TpmRc::VALUE.parameter(3));
    }
    tpm.perm.pcr_policy = crate::state::Policy {
        alg: alg.0.0,
        digest: policy.to_vec(),
    };
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §22.8 TPM2_PCR_SetAuthValue: the authValue of the PCR authorization group
/// (PCRs 20-22), cleared at TPM Reset and TPM Restart.
///
/// # Errors
/// TPM_RC_VALUE (no parameter number, as libtpms) for a PCR outside the group.
pub(crate) fn pcr_set_auth_value(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let auth: tpm2_types::Tpm2bDigest = ctx.param()?;
    ctx.end()?;
    let n = usize::try_from(ctx.handles[0].0).unwrap_or(usize::MAX);
    if !pcr::AUTH_GROUP.contains(&n) {
        return Err(TpmRc::VALUE);
    }
    tpm.clear.pcr_auth = crate::state::AuthValue::new(&auth).unwrap_or_default();
    tpm.clear_orderly();
    Ok(())
}
