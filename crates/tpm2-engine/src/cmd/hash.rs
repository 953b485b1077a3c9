//! TPM2_Hash and hash/event sequences (TPM 2.0 Part 3 §15.4, §17; libtpms `HashCommands.c`).

use tpm_crypto::hash::{HashAlg, Hasher};
use tpm_crypto::hmac::HmacState;
use tpm2_types::{
    Tpm2bAuth, Tpm2bDigest, Tpm2bMaxBuffer, TpmAlgId, TpmGenerated, TpmHandle, TpmRc, TpmSt,
    TpmiAlgHash, TpmiRhHierarchy, TpmlDigestValues, TpmtHa, TpmtTkHashcheck,
};

use crate::exec::Ctx;
use crate::state::AuthValue;
use crate::tpm::{Object, Sequence, Tpm2};

/// Data that starts with TPM_GENERATED_VALUE may not get a hash-check ticket (libtpms
/// `TicketIsSafe`): a ticket would let it pass as TPM-generated.
fn ticket_is_safe(data: &[u8]) -> bool {
    match data.get(..4) {
        Some(head) => head != TpmGenerated::VALUE.0.to_be_bytes(),
        None => true,
    }
}

/// libtpms CONTEXT_INTEGRITY_HASH_ALG (GpMacros.h: the largest implemented hash).
pub(crate) const CONTEXT_INTEGRITY_HASH: HashAlg = HashAlg::Sha512;

impl Tpm2 {
    /// TPMT_TK_HASHCHECK for `digest` in `hierarchy` (Part 1 §17.6.5, libtpms Ticket.c
    /// TicketComputeHashCheck): HMAC(proof, TPM_ST_HASHCHECK || hashAlg || digest) with
    /// CONTEXT_INTEGRITY_HASH_ALG, the largest hash implemented (SHA-512 in libtpms 0.9 and
    /// here), whatever the algorithm of `digest`.
    fn hash_check_ticket(
        &self,
        hierarchy: TpmHandle,
        alg: HashAlg,
        digest: &[u8],
    ) -> TpmtTkHashcheck {
        let mut h = HmacState::new(CONTEXT_INTEGRITY_HASH, self.proof(hierarchy));
        h.update(&TpmSt::HASHCHECK.0.to_be_bytes());
        h.update(&alg.tpm_alg().to_be_bytes());
        h.update(digest);
        let mac = h.finalize();
        TpmtTkHashcheck {
            hierarchy: TpmiRhHierarchy(hierarchy),
            digest: Tpm2bDigest::new(mac.as_slice()).unwrap_or_default(),
        }
    }

    fn ticket(
        &self,
        hierarchy: TpmHandle,
        alg: HashAlg,
        digest: &[u8],
        safe: bool,
    ) -> TpmtTkHashcheck {
        if hierarchy == TpmHandle::NULL || !safe {
            TpmtTkHashcheck::null()
        } else {
            self.hash_check_ticket(hierarchy, alg, digest)
        }
    }
}

fn hash_alg(a: TpmAlgId) -> Result<HashAlg, TpmRc> {
    HashAlg::from_tpm_alg(a.0).ok_or(TpmRc::HASH)
}

/// TPM 2.0 Part 3 §15.4 TPM2_Hash.
pub(crate) fn hash(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let data: Tpm2bMaxBuffer = ctx.param()?;
    let alg: TpmiAlgHash = ctx.param()?;
    let hierarchy: TpmiRhHierarchy<true> = ctx.param()?;
    ctx.end()?;
    let alg = hash_alg(alg.0)?;
    let d = tpm_crypto::hash::digest(alg, &data);
    let ticket = tpm.ticket(hierarchy.0, alg, d.as_slice(), ticket_is_safe(&data));
    ctx.write(&Tpm2bDigest::new(d.as_slice()).map_err(|_| TpmRc::FAILURE)?);
    ctx.write(&ticket);
    Ok(())
}

/// TPM 2.0 Part 3 §17.3 TPM2_HashSequenceStart: TPM_ALG_NULL starts an event sequence.
///
/// # Errors
/// TPM_RC_OBJECT_MEMORY when every transient slot is taken.
pub(crate) fn hash_sequence_start(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let auth: Tpm2bAuth = ctx.param()?;
    let alg: TpmiAlgHash<true> = ctx.param()?;
    ctx.end()?;
    let auth = AuthValue::new(auth.expose()).ok_or(TpmRc::SIZE.parameter(1))?;
    let sequence = if alg.0 == TpmAlgId::NULL {
        Sequence::Event {
            hashers: Tpm2::bank_algs().iter().map(|a| Hasher::new(*a)).collect(),
        }
    } else {
        Sequence::Hash {
            hasher: Box::new(Hasher::new(hash_alg(alg.0)?)),
            first_block: false,
            ticket_safe: false,
        }
    };
    let h = tpm.load_object(Object::sequence_object(auth, sequence))?;
    ctx.rhandle = Some(h);
    Ok(())
}

/// TPM 2.0 Part 3 §17.4 TPM2_SequenceUpdate.
pub(crate) fn sequence_update(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let data: Tpm2bMaxBuffer = ctx.param()?;
    ctx.end()?;
    let o = tpm
        .object_mut(ctx.handles[0])
        .and_then(Object::sequence_mut)
        .ok_or(TpmRc::MODE.handle(1))?;
    match o {
        Sequence::Event { hashers } => {
            for h in hashers.iter_mut() {
                h.update(&data);
            }
        }
        Sequence::Hash {
            hasher,
            first_block,
            ticket_safe,
        } => {
            if !*first_block {
                *first_block = true;
                *ticket_safe = ticket_is_safe(&data);
            }
            hasher.update(&data);
        }
    }
    Ok(())
}

/// TPM 2.0 Part 3 §17.5 TPM2_SequenceComplete.
///
/// # Errors
/// TPM_RC_MODE (handle 1) for an event sequence.
pub(crate) fn sequence_complete(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let data: Tpm2bMaxBuffer = ctx.param()?;
    let hierarchy: TpmiRhHierarchy<true> = ctx.param()?;
    ctx.end()?;
    let handle = ctx.handles[0];
    let (alg, digest, safe) = {
        let o = tpm
            .object(handle)
            .and_then(Object::sequence)
            .ok_or(TpmRc::MODE.handle(1))?;
        match o {
            Sequence::Event { .. } => return Err(TpmRc::MODE.handle(1)),
            Sequence::Hash {
                hasher,
                first_block,
                ticket_safe,
            } => {
                let mut h = (**hasher).clone();
                h.update(&data);
                let safe = if *first_block {
                    *ticket_safe
                } else {
                    ticket_is_safe(&data)
                };
                (h.alg(), h.finalize(), safe)
            }
        }
    };
    let ticket = tpm.ticket(hierarchy.0, alg, digest.as_slice(), safe);
    tpm.flush_object(handle);
    ctx.write(&Tpm2bDigest::new(digest.as_slice()).map_err(|_| TpmRc::FAILURE)?);
    ctx.write(&ticket);
    Ok(())
}

/// TPM 2.0 Part 3 §17.6 TPM2_EventSequenceComplete: finish an event sequence, optionally
/// extending a PCR with every bank's digest.
///
/// # Errors
/// TPM_RC_MODE (handle 2) for a hash sequence; TPM_RC_LOCALITY for the PCR.
pub(crate) fn event_sequence_complete(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let data: Tpm2bMaxBuffer = ctx.param()?;
    ctx.end()?;
    let pcr_handle = ctx.handles[0];
    let seq = ctx.handles[1];
    let hashers = match tpm.object(seq).and_then(Object::sequence) {
        Some(Sequence::Event { hashers }) => hashers.clone(),
        _ => return Err(TpmRc::MODE.handle(2)),
    };
    let pcr = usize::try_from(pcr_handle.0).unwrap_or(usize::MAX);
    if pcr_handle != TpmHandle::NULL {
        if !crate::pcr::extend_allowed(pcr, ctx.locality) {
            return Err(TpmRc::LOCALITY);
        }
        tpm.clear_orderly_if_state_saved(pcr);
    }
    let mut results = TpmlDigestValues::new();
    for mut h in hashers {
        h.update(&data);
        let alg = h.alg();
        let d = h.finalize();
        if pcr_handle != TpmHandle::NULL {
            tpm.pcr_extend(pcr, alg, d.as_slice());
        }
        let ha = TpmtHa::new(TpmiAlgHash(TpmAlgId(alg.tpm_alg())), d.as_slice())
            .map_err(|_| TpmRc::FAILURE)?;
        results.push(ha).map_err(|_| TpmRc::FAILURE)?;
    }
    tpm.flush_object(seq);
    ctx.write(&results);
    Ok(())
}
