//! Policy commands (TPM 2.0 Part 3 §23; libtpms `EACommands.c`, `Policy_spt.c`): each extends
//! the session's policyDigest as PolicyDigest' = H(policyDigest || TPM_CC || arguments), a TPM2B argument
//! contributing its bytes without the size (libtpms `CryptDigestUpdate2B`), and
//! records what the use-time checks in `auth.rs` enforce. A trial session only computes the
//! digest (its PCR digest may be supplied, PolicyOR accepts any list).
//!
//! Implemented: PolicyPCR, PolicyLocality, PolicyCommandCode, PolicyPhysicalPresence,
//! PolicyCpHash, PolicyNameHash, PolicyOR, PolicyAuthValue, PolicyPassword, PolicySecret,
//! PolicyTicket (for PolicySecret tickets), PolicyCounterTimer, PolicyTemplate,
//! PolicyAuthorize. Not yet: PolicySigned, PolicyNV, PolicyDuplicationSelect,
//! PolicyNvWritten, PolicyAuthorizeNV.

use tpm_crypto::hash::{HashAlg, Hasher};
use tpm_wire::{Marshal, Writer};
use tpm2_types::{
    Tpm2bDigest, TpmCc, TpmHandle, TpmRc, TpmaLocality, TpmlDigest, TpmlPcrSelection,
};

use crate::auth::flag;
use crate::exec::Ctx;
use crate::session::Session;
use crate::tpm::Tpm2;

/// The command codes libtpms 0.9.2 implements (`CommandAttributeData.h` rows whose CC_ switch
/// `TpmProfile.h` enables), for PolicyCommandCode's `CommandCodeToCommandIndex` check.
const LIBTPMS_CCS: [(u32, u32); 12] = [
    (0x11F, 0x122),
    (0x124, 0x12E),
    (0x130, 0x140),
    (0x142, 0x154),
    (0x156, 0x159),
    (0x15C, 0x15E),
    (0x160, 0x165),
    (0x167, 0x174),
    (0x176, 0x178),
    (0x17A, 0x193),
    (0x197, 0x197),
    (0x199, 0x19A),
];

fn libtpms_implements(cc: u32) -> bool {
    LIBTPMS_CCS.iter().any(|(a, b)| (*a..=*b).contains(&cc))
}

/// The policy session of handle 1 (the dispatcher has checked it is a loaded policy session).
fn session<'t>(tpm: &'t mut Tpm2, ctx: &Ctx<'_>) -> Result<&'t mut Session, TpmRc> {
    let h: TpmHandle = ctx.handles[0];
    tpm.sessions.get_mut(h).ok_or(TpmRc::REFERENCE_H0)
}

/// PolicyDigest' = H(PolicyDigest || cc || parts...).
fn extend(s: &mut Session, cc: TpmCc, parts: &[&[u8]]) {
    let mut h = Hasher::new(s.auth_hash);
    if let Some(p) = s.policy.as_ref() {
        h.update(&p.digest);
    }
    h.update(&cc.0.to_be_bytes());
    for part in parts {
        h.update(part);
    }
    let d = h.finalize();
    if let Some(p) = s.policy.as_mut() {
        p.digest = d.as_slice().to_vec();
    }
}

fn is_trial(s: &Session) -> bool {
    s.kind == crate::session::SessionKind::Trial
}

fn flags(s: &mut Session) -> u16 {
    s.policy.as_ref().map_or(0, |p| p.flags)
}

fn set_flags(s: &mut Session, set: u16, clear: u16) {
    if let Some(p) = s.policy.as_mut() {
        p.flags = (p.flags | set) & !clear;
    }
}

/// TPM 2.0 Part 3 §23.12 TPM2_PolicyAuthValue.
pub(crate) fn policy_auth_value(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let s = session(tpm, ctx)?;
    extend(s, TpmCc::POLICY_AUTH_VALUE, &[]);
    set_flags(s, flag::AUTH_VALUE_NEEDED, flag::PASSWORD_NEEDED);
    Ok(())
}

/// TPM 2.0 Part 3 §23.13 TPM2_PolicyPassword: the digest is that of PolicyAuthValue.
pub(crate) fn policy_password(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let s = session(tpm, ctx)?;
    extend(s, TpmCc::POLICY_AUTH_VALUE, &[]);
    set_flags(s, flag::PASSWORD_NEEDED, flag::AUTH_VALUE_NEEDED);
    Ok(())
}

/// TPM 2.0 Part 3 §23.8 TPM2_PolicyPhysicalPresence.
pub(crate) fn policy_physical_presence(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let s = session(tpm, ctx)?;
    extend(s, TpmCc::POLICY_PHYSICAL_PRESENCE, &[]);
    set_flags(s, flag::PP_REQUIRED, 0);
    Ok(())
}

/// TPM 2.0 Part 3 §23.11 TPM2_PolicyCommandCode.
pub(crate) fn policy_command_code(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let code: TpmCc = ctx.param()?;
    ctx.end()?;
    let s = session(tpm, ctx)?;
    let prev = s.policy.as_ref().map_or(0, |p| p.command_code);
    if prev != 0 && prev != code.0 {
        return Err(TpmRc::VALUE.parameter(1));
    }
    if !libtpms_implements(code.0) {
        return Err(TpmRc::POLICY_CC.parameter(1));
    }
    extend(s, TpmCc::POLICY_COMMAND_CODE, &[&code.0.to_be_bytes()]);
    if let Some(p) = s.policy.as_mut() {
        p.command_code = code.0;
    }
    Ok(())
}

/// TPM 2.0 Part 3 §23.4 TPM2_PolicyLocality (libtpms's canonical-form rules).
pub(crate) fn policy_locality(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let loc: TpmaLocality = ctx.param()?;
    ctx.end()?;
    let s = session(tpm, ctx)?;
    let new = loc.bits();
    if new == 0 {
        return Err(TpmRc::RANGE.parameter(1));
    }
    let mut prev = s.policy.as_ref().map_or(0, |p| p.locality);
    if prev != 0 && ((prev < 32) != (new < 32)) {
        return Err(TpmRc::RANGE.parameter(1));
    }
    if new < 32 {
        if prev == 0 {
            prev = 0x1F;
        }
        prev &= new;
        if prev == 0 {
            return Err(TpmRc::RANGE.parameter(1));
        }
    } else {
        if prev != 0 && prev != new {
            return Err(TpmRc::RANGE.parameter(1));
        }
        prev = new;
    }
    extend(s, TpmCc::POLICY_LOCALITY, &[&[new]]);
    if let Some(p) = s.policy.as_mut() {
        p.locality = prev;
    }
    Ok(())
}

/// TPM 2.0 Part 3 §23.14 TPM2_PolicyCpHash.
pub(crate) fn policy_cp_hash(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let cp: Tpm2bDigest = ctx.param()?;
    ctx.end()?;
    let s = session(tpm, ctx)?;
    if cp.len() != s.auth_hash.digest_size() {
        return Err(TpmRc::SIZE.parameter(1));
    }
    let f = flags(s);
    if let Some(p) = s.policy.as_ref() {
        if !p.cp_hash.is_empty() && (f & flag::CP_HASH_DEFINED == 0 || p.cp_hash[..] != cp[..]) {
            return Err(TpmRc::CPHASH);
        }
    }
    extend(s, TpmCc::POLICY_CP_HASH, &[&cp]);
    if let Some(p) = s.policy.as_mut() {
        p.cp_hash = cp.to_vec();
    }
    set_flags(s, flag::CP_HASH_DEFINED, 0);
    Ok(())
}

/// TPM 2.0 Part 3 §23.15 TPM2_PolicyNameHash.
pub(crate) fn policy_name_hash(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let nh: Tpm2bDigest = ctx.param()?;
    ctx.end()?;
    let s = session(tpm, ctx)?;
    if nh.len() != s.auth_hash.digest_size() {
        return Err(TpmRc::SIZE.parameter(1));
    }
    let f = flags(s);
    if s.policy.as_ref().is_some_and(|p| !p.cp_hash.is_empty())
        || f & (flag::CP_HASH_DEFINED | flag::TEMPLATE_SET) != 0
    {
        return Err(TpmRc::CPHASH);
    }
    extend(s, TpmCc::POLICY_NAME_HASH, &[&nh]);
    if let Some(p) = s.policy.as_mut() {
        p.cp_hash = nh.to_vec();
    }
    Ok(())
}

/// TPM 2.0 Part 3 §23.6 TPM2_PolicyOR: the current digest must be one of the list (any, in
/// a trial session); the digest restarts from zeros and takes in every list entry.
pub(crate) fn policy_or(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let list: TpmlDigest = ctx.param()?;
    ctx.end()?;
    let s = session(tpm, ctx)?;
    let trial = is_trial(s);
    let cur = s
        .policy
        .as_ref()
        .map(|p| p.digest.clone())
        .unwrap_or_default();
    if !trial && !list.iter().any(|d| d[..] == cur[..]) {
        return Err(TpmRc::VALUE.parameter(1));
    }
    let zeros = vec![0u8; s.auth_hash.digest_size()];
    let mut h = Hasher::new(s.auth_hash);
    h.update(&zeros);
    h.update(&TpmCc::POLICY_OR.0.to_be_bytes());
    for d in list.iter() {
        h.update(d);
    }
    let d = h.finalize();
    if let Some(p) = s.policy.as_mut() {
        p.digest = d.as_slice().to_vec();
    }
    Ok(())
}

/// TPM 2.0 Part 3 §23.7 TPM2_PolicyPCR.
pub(crate) fn policy_pcr(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let pcr_digest: Tpm2bDigest = ctx.param()?;
    let pcrs: TpmlPcrSelection = ctx.param()?;
    ctx.end()?;
    let alg = {
        let s = session(tpm, ctx)?;
        s.auth_hash
    };
    // PCRComputeCurrentDigest: FilterPcr drops unallocated PCRs from the selection, which is
    // then also what goes into the policy digest.
    let (current, filtered) = tpm.pcr_digest(alg, &pcrs);
    let counter = tpm.reset.pcr_counter;
    let s = session(tpm, ctx)?;
    let mut value = current;
    if !is_trial(s) {
        let pc = s.policy.as_ref().map_or(0, |p| p.pcr_counter);
        if pc != 0 && pc != counter {
            return Err(TpmRc::PCR_CHANGED);
        }
        if !pcr_digest.is_empty() && pcr_digest[..] != value[..] {
            return Err(TpmRc::VALUE.parameter(1));
        }
    } else if !pcr_digest.is_empty() {
        value = pcr_digest.to_vec();
    }
    extend(s, TpmCc::POLICY_PCR, &[&filtered, &value]);
    if !is_trial(s) {
        if let Some(p) = s.policy.as_mut() {
            p.pcr_counter = counter;
        }
    }
    Ok(())
}

impl Tpm2 {
    /// PCRComputeCurrentDigest: H(selected, allocated PCR values in selection order), and the
    /// filtered selection marshaled.
    pub(crate) fn pcr_digest(&self, alg: HashAlg, pcrs: &TpmlPcrSelection) -> (Vec<u8>, Vec<u8>) {
        let mut h = Hasher::new(alg);
        let mut sel_bytes = Vec::new();
        let mut w = Writer::to_vec(&mut sel_bytes);
        w.u32(u32::try_from(pcrs.len()).unwrap_or(0));
        for sel in pcrs.iter() {
            let bank = HashAlg::from_tpm_alg(sel.hash.0.0);
            let mut bytes = sel.pcr_select.as_bytes().to_vec();
            for (i, b) in bytes.iter_mut().enumerate() {
                for bit in 0..8 {
                    let pcr = i * 8 + bit;
                    let on = *b & (1 << bit) != 0;
                    let allocated =
                        bank.is_some_and(|a| self.perm.pcr_allocated.is_allocated(pcr, a));
                    if on && !allocated {
                        *b &= !(1 << bit);
                    }
                }
            }
            for (i, b) in bytes.iter().enumerate() {
                for bit in 0..8 {
                    if *b & (1 << bit) != 0 {
                        if let Some(v) = bank.and_then(|a| self.pcrs.get(a, i * 8 + bit)) {
                            h.update(v);
                        }
                    }
                }
            }
            sel.hash.marshal(&mut w);
            w.u8(u8::try_from(bytes.len()).unwrap_or(0));
            w.put(&bytes);
        }
        (h.finalize().as_slice().to_vec(), sel_bytes)
    }
}

/// libtpms `EXPIRATION_BIT`: set in a PolicySecret/PolicySigned timeout that ends at TPM
/// Reset (no nonceTPM was given).
const EXPIRATION_BIT: u64 = 1 << 63;

/// libtpms `ComputeAuthTimeout`: the absolute expiry (ms of Time) of an authorization, 0 for
/// none; relative to the session's start when a nonceTPM is given, to now otherwise.
fn auth_timeout(s: &Session, expiration: i32, nonce_given: bool, now: u64) -> u64 {
    if expiration == 0 {
        return 0;
    }
    let secs = u64::from(expiration.unsigned_abs().min(0x7FFF_FFFF));
    if nonce_given {
        s.policy
            .as_ref()
            .map_or(0, |p| p.start_time)
            .saturating_add(secs * 1000)
    } else {
        (secs * 1000).saturating_add(now % 1000)
    }
}

/// libtpms `PolicyParameterChecks`: nonceTPM, expiry and cpHash of PolicySecret,
/// PolicySigned and PolicyTicket; the parameter numbers to blame are given.
fn parameter_checks(
    s: &Session,
    timeout: u64,
    cp_hash: &[u8],
    nonce: Option<&[u8]>,
    now: u64,
    (p_nonce, p_cp, p_exp): (u8, u8, u8),
) -> Result<(), TpmRc> {
    if let Some(n) = nonce {
        if !n.is_empty() && n != s.nonce_tpm.as_slice() {
            return Err(TpmRc::NONCE.parameter(p_nonce));
        }
    }
    if timeout != 0 && timeout < now {
        return Err(TpmRc::EXPIRED.parameter(p_exp));
    }
    if !cp_hash.is_empty() {
        let p = s.policy.as_ref();
        if cp_hash.len() != p.map_or(0, |p| p.digest.len()) {
            return Err(TpmRc::SIZE.parameter(p_cp));
        }
        if p.is_some_and(|p| !p.cp_hash.is_empty() && p.cp_hash[..] != cp_hash[..]) {
            return Err(TpmRc::CPHASH);
        }
    }
    Ok(())
}

/// libtpms `PolicyContextUpdate`: digest' = H(digest || cc || name), then H(digest' ||
/// policyRef); a cpHash becomes the session's; the earliest timeout wins.
fn context_update(
    s: &mut Session,
    cc: TpmCc,
    name: &[u8],
    policy_ref: &[u8],
    cp_hash: &[u8],
    timeout: u64,
) {
    extend(s, cc, &[name]);
    let mut h = Hasher::new(s.auth_hash);
    if let Some(p) = s.policy.as_ref() {
        h.update(&p.digest);
    }
    h.update(policy_ref);
    let d = h.finalize();
    let set_cp = !cp_hash.is_empty();
    if let Some(p) = s.policy.as_mut() {
        p.digest = d.as_slice().to_vec();
        if set_cp {
            p.cp_hash = cp_hash.to_vec();
        }
        if timeout != 0 && (p.timeout == 0 || p.timeout > timeout) {
            p.timeout = timeout;
        }
    }
    if set_cp {
        set_flags(s, flag::CP_HASH_DEFINED, 0);
    }
}

impl Tpm2 {
    /// libtpms `TicketComputeAuth`: HMAC(proof, tag || cpHash || policyRef || name ||
    /// timeout [|| epoch [|| totalResetCount]]) with CONTEXT_INTEGRITY_HASH_ALG.
    #[allow(clippy::too_many_arguments)]
    fn auth_ticket(
        &self,
        tag: tpm2_types::TpmSt,
        hierarchy: TpmHandle,
        timeout: u64,
        expires_on_reset: bool,
        cp_hash: &[u8],
        policy_ref: &[u8],
        name: &[u8],
    ) -> Vec<u8> {
        let mut m = tpm_crypto::hmac::HmacState::new(
            crate::cmd::hash::CONTEXT_INTEGRITY_HASH,
            self.proof(hierarchy),
        );
        m.update(&tag.0.to_be_bytes());
        m.update(cp_hash);
        m.update(policy_ref);
        m.update(name);
        m.update(&timeout.to_be_bytes());
        if timeout != 0 {
            // The time epoch: Time restarts at every _TPM_Init, so a ticket's timeout only
            // means something within one power cycle.
            m.update(&self.rt.time_epoch.to_be_bytes());
            if expires_on_reset {
                m.update(&self.perm.total_reset_count.to_be_bytes());
            }
        }
        m.finalize().as_slice().to_vec()
    }
}

/// TPM 2.0 Part 3 §23.4 TPM2_PolicySecret: the authorization of `authHandle` (checked by the
/// dispatcher) goes into the policy; a negative expiration returns a ticket.
pub(crate) fn policy_secret(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let nonce_tpm: tpm2_types::Tpm2bNonce = ctx.param()?;
    let cp_hash: Tpm2bDigest = ctx.param()?;
    let policy_ref: tpm2_types::Tpm2bNonce = ctx.param()?;
    let expiration: i32 = ctx.param()?;
    ctx.end()?;
    let (auth_h, ps) = (ctx.handles[0], ctx.handles[1]);
    let now = tpm.rt.time;
    let name = tpm.entity_name(auth_h).unwrap_or_default();
    let hierarchy = tpm.entity_hierarchy(auth_h);
    let s = tpm.sessions.get_mut(ps).ok_or(TpmRc::REFERENCE_H0)?;
    let trial = is_trial(s);
    let mut timeout = 0;
    if !trial {
        timeout = auth_timeout(s, expiration, !nonce_tpm.is_empty(), now);
        parameter_checks(s, timeout, &cp_hash, Some(&nonce_tpm), now, (1, 2, 4))?;
    }
    context_update(
        s,
        TpmCc::POLICY_SECRET,
        &name,
        &policy_ref,
        &cp_hash,
        timeout,
    );
    if expiration < 0 && !trial {
        let expires_on_reset = nonce_tpm.is_empty();
        let t = timeout & !EXPIRATION_BIT;
        let digest = tpm.auth_ticket(
            tpm2_types::TpmSt::AUTH_SECRET,
            hierarchy,
            t,
            expires_on_reset,
            &cp_hash,
            &policy_ref,
            &name,
        );
        let shown = if expires_on_reset {
            t | EXPIRATION_BIT
        } else {
            t
        };
        ctx.write(
            &tpm2_types::Tpm2bTimeout::new(&shown.to_be_bytes()).map_err(|_| TpmRc::FAILURE)?,
        );
        ctx.write(&tpm2_types::TpmtTkAuth {
            tag: tpm2_types::TpmSt::AUTH_SECRET,
            hierarchy: tpm2_types::TpmiRhHierarchy(hierarchy),
            digest: Tpm2bDigest::new(&digest).map_err(|_| TpmRc::FAILURE)?,
        });
    } else {
        ctx.write(&tpm2_types::Tpm2bTimeout::default());
        ctx.write(&tpm2_types::TpmtTkAuth {
            tag: tpm2_types::TpmSt::AUTH_SECRET,
            hierarchy: tpm2_types::TpmiRhHierarchy(TpmHandle::NULL),
            digest: Tpm2bDigest::default(),
        });
    }
    Ok(())
}

/// TPM 2.0 Part 3 §23.5 TPM2_PolicyTicket: a ticket of an earlier PolicySecret (or
/// PolicySigned) stands in for the authorization.
pub(crate) fn policy_ticket(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let timeout: tpm2_types::Tpm2bTimeout = ctx.param()?;
    let cp_hash: Tpm2bDigest = ctx.param()?;
    let policy_ref: tpm2_types::Tpm2bNonce = ctx.param()?;
    let auth_name: tpm2_types::Tpm2bName = ctx.param()?;
    let ticket: tpm2_types::TpmtTkAuth = ctx.param()?;
    ctx.end()?;
    let now = tpm.rt.time;
    let ps = ctx.handles[0];
    let s = tpm.sessions.get(ps).ok_or(TpmRc::REFERENCE_H0)?;
    if is_trial(s) {
        return Err(TpmRc::ATTRIBUTES.handle(1));
    }
    let t: [u8; 8] = timeout
        .as_slice()
        .try_into()
        .map_err(|_| TpmRc::SIZE.parameter(1))?;
    let t = u64::from_be_bytes(t);
    let expires_on_reset = t & EXPIRATION_BIT != 0;
    let t = t & !EXPIRATION_BIT;
    parameter_checks(s, t, &cp_hash, None, now, (0, 2, 1))?;
    let want = tpm.auth_ticket(
        ticket.tag,
        ticket.hierarchy.0,
        t,
        expires_on_reset,
        &cp_hash,
        &policy_ref,
        &auth_name,
    );
    if !tpm_crypto::secret::ct_eq(&want, &ticket.digest) {
        return Err(TpmRc::TICKET.parameter(5));
    }
    let cc = if ticket.tag == tpm2_types::TpmSt::AUTH_SIGNED {
        TpmCc::POLICY_SIGNED
    } else {
        TpmCc::POLICY_SECRET
    };
    let s = tpm.sessions.get_mut(ps).ok_or(TpmRc::REFERENCE_H0)?;
    context_update(s, cc, &auth_name, &policy_ref, &cp_hash, t);
    Ok(())
}

impl Tpm2 {
    /// libtpms `TicketComputeVerified`: the digest of a TPMT_TK_VERIFIED,
    /// HMAC(proof, TPM_ST_VERIFIED || digest || keyName) with CONTEXT_INTEGRITY_HASH_ALG.
    pub(crate) fn verified_ticket(
        &self,
        hierarchy: TpmHandle,
        digest: &[u8],
        key_name: &[u8],
    ) -> Vec<u8> {
        let mut m = tpm_crypto::hmac::HmacState::new(
            crate::cmd::hash::CONTEXT_INTEGRITY_HASH,
            self.proof(hierarchy),
        );
        m.update(&tpm2_types::TpmSt::VERIFIED.0.to_be_bytes());
        m.update(digest);
        m.update(key_name);
        m.finalize().as_slice().to_vec()
    }
}

/// TPM 2.0 Part 3 §23.16 TPM2_PolicyAuthorize: the policy so far is replaced by one approved
/// by the signer `keySign` (its TPM2_VerifySignature ticket over H(approvedPolicy ||
/// policyRef) proves the approval).
pub(crate) fn policy_authorize(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let approved: Tpm2bDigest = ctx.param()?;
    let policy_ref: tpm2_types::Tpm2bNonce = ctx.param()?;
    let key_sign: tpm2_types::Tpm2bName = ctx.param()?;
    let ticket: tpm2_types::TpmtTkVerified = ctx.param()?;
    ctx.end()?;
    // The name's hash: its first two bytes (absent ones read as zero).
    let alg = u16::from_be_bytes([
        key_sign.first().copied().unwrap_or(0),
        key_sign.get(1).copied().unwrap_or(0),
    ]);
    let hash = HashAlg::from_tpm_alg(alg).ok_or(TpmRc::HASH.parameter(3))?;
    if key_sign.len() != hash.digest_size() + 2 {
        return Err(TpmRc::SIZE.parameter(3));
    }
    let ps = ctx.handles[0];
    let trial = is_trial(tpm.sessions.get(ps).ok_or(TpmRc::REFERENCE_H0)?);
    if !trial {
        let cur = tpm
            .sessions
            .get(ps)
            .and_then(|s| s.policy.as_ref())
            .map(|p| p.digest.clone())
            .unwrap_or_default();
        if cur[..] != approved[..] {
            return Err(TpmRc::VALUE.parameter(1));
        }
        let mut h = Hasher::new(hash);
        h.update(&approved);
        h.update(&policy_ref);
        let auth_hash = h.finalize();
        let want = tpm.verified_ticket(ticket.hierarchy.0, auth_hash.as_slice(), &key_sign);
        if !tpm_crypto::secret::ct_eq(&want, &ticket.digest) {
            return Err(TpmRc::VALUE.parameter(4));
        }
    }
    let s = tpm.sessions.get_mut(ps).ok_or(TpmRc::REFERENCE_H0)?;
    // PolicyDigestClear, then PolicyContextUpdate with keySign and policyRef.
    let zeros = vec![0u8; s.auth_hash.digest_size()];
    if let Some(p) = s.policy.as_mut() {
        p.digest = zeros;
    }
    context_update(s, TpmCc::POLICY_AUTHORIZE, &key_sign, &policy_ref, &[], 0);
    Ok(())
}

/// The operations of TPM_EO (Part 2 §6.8), compared on big-endian operands of equal size
/// (libtpms `PolicySptCheckCondition`).
fn check_condition(op: u16, a: &[u8], b: &[u8]) -> bool {
    let unsigned = a.cmp(b);
    let signed = {
        let neg_a = a.first().is_some_and(|x| x & 0x80 != 0);
        let neg_b = b.first().is_some_and(|x| x & 0x80 != 0);
        match (neg_a, neg_b) {
            (true, false) => core::cmp::Ordering::Less,
            (false, true) => core::cmp::Ordering::Greater,
            _ => unsigned,
        }
    };
    use core::cmp::Ordering::{Equal, Greater, Less};
    match op {
        0x0000 => unsigned == Equal,
        0x0001 => unsigned != Equal,
        0x0002 => signed == Greater,
        0x0003 => unsigned == Greater,
        0x0004 => signed == Less,
        0x0005 => unsigned == Less,
        0x0006 => signed != Less,
        0x0007 => unsigned != Less,
        0x0008 => signed != Greater,
        0x0009 => unsigned != Greater,
        0x000A => a.iter().zip(b).all(|(x, y)| x & y == *y),
        0x000B => a.iter().zip(b).all(|(x, y)| x & y == 0),
        _ => false,
    }
}

/// TPM 2.0 Part 3 §23.10 TPM2_PolicyCounterTimer: a condition on TPMS_TIME_INFO (Time, Clock,
/// resetCount, restartCount, safe) at `offset`.
pub(crate) fn policy_counter_timer(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let operand_b: tpm2_types::Tpm2bOperand = ctx.param()?;
    let offset: u16 = ctx.param()?;
    let operation: tpm2_types::TpmEo = ctx.param()?;
    if operation.0 > 0x000B {
        return Err(TpmRc::VALUE.parameter(3));
    }
    ctx.end()?;
    let (clock, reset, restart, safe) = tpm.clock_info();
    let mut info = Vec::with_capacity(25);
    info.extend_from_slice(&tpm.rt.time.to_be_bytes());
    info.extend_from_slice(&clock.to_be_bytes());
    info.extend_from_slice(&reset.to_be_bytes());
    info.extend_from_slice(&restart.to_be_bytes());
    info.push(u8::from(safe));
    let off = usize::from(offset);
    if off > info.len() {
        return Err(TpmRc::VALUE.parameter(2));
    }
    let end = off + operand_b.len();
    if end > info.len() {
        return Err(TpmRc::RANGE);
    }
    let s = session(tpm, ctx)?;
    if !is_trial(s) {
        let a = info.get(off..end).unwrap_or(&[]);
        if !check_condition(operation.0, a, &operand_b) {
            return Err(TpmRc::POLICY);
        }
    }
    let mut h = Hasher::new(s.auth_hash);
    h.update(&operand_b);
    h.update(&offset.to_be_bytes());
    h.update(&operation.0.to_be_bytes());
    let arg = h.finalize();
    extend(s, TpmCc::POLICY_COUNTER_TIMER, &[arg.as_slice()]);
    Ok(())
}

/// TPM 2.0 Part 3 §23.21 TPM2_PolicyTemplate: bind the policy to the public template of
/// TPM2_Create, CreatePrimary or CreateLoaded.
pub(crate) fn policy_template(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let template_hash: Tpm2bDigest = ctx.param()?;
    ctx.end()?;
    let s = session(tpm, ctx)?;
    let f = flags(s);
    let bound = s
        .policy
        .as_ref()
        .map(|p| p.cp_hash.clone())
        .unwrap_or_default();
    if f & flag::TEMPLATE_SET != 0 {
        if bound[..] != template_hash[..] {
            return Err(TpmRc::VALUE.parameter(1));
        }
    } else if !bound.is_empty() {
        return Err(TpmRc::CPHASH);
    }
    if template_hash.len() != s.auth_hash.digest_size() {
        return Err(TpmRc::SIZE.parameter(1));
    }
    extend(s, TpmCc::POLICY_TEMPLATE, &[&template_hash]);
    if let Some(p) = s.policy.as_mut() {
        p.cp_hash = template_hash.to_vec();
    }
    set_flags(s, flag::TEMPLATE_SET, 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use tpm_crypto::hash::{HashAlg, digest};

    use crate::tests::{ST_NO, cmd, rc, started};

    fn trial(t: &mut crate::Tpm2) -> u32 {
        let mut b = Vec::new();
        b.extend_from_slice(&0x4000_0007u32.to_be_bytes());
        b.extend_from_slice(&0x4000_0007u32.to_be_bytes());
        b.extend_from_slice(&16u16.to_be_bytes());
        b.extend_from_slice(&[1; 16]);
        b.extend_from_slice(&[0, 0, 3, 0, 0x10, 0, 0x0B]);
        let r = t.execute_vec(0, &cmd(ST_NO, 0x176, &b));
        assert_eq!(rc(&r), 0);
        u32::from_be_bytes(r[10..14].try_into().unwrap())
    }

    fn run(t: &mut crate::Tpm2, cc: u32, h: u32, params: &[u8]) -> Vec<u8> {
        let body = [&h.to_be_bytes()[..], params].concat();
        assert_eq!(rc(&t.execute_vec(0, &cmd(ST_NO, cc, &body))), 0);
        let r = t.execute_vec(0, &cmd(ST_NO, 0x189, &h.to_be_bytes()));
        r[12..].to_vec()
    }

    /// The well-known SHA-256 PolicyAuthValue digest (TPM 2.0 Part 3 §23.17; PolicyPassword
    /// gives the same value), and PolicyCommandCode from the formula.
    #[test]
    fn policy_digest_kats() {
        let mut t = started();
        let h = trial(&mut t);
        let want = hex::decode("8fcd2169ab92694e0c633f1ab772842b8241bbc20288981fc7ac1eddc1fddb0e")
            .unwrap();
        assert_eq!(run(&mut t, 0x16B, h, &[]), want);
        assert_eq!(
            rc(&t.execute_vec(0, &cmd(ST_NO, 0x180, &h.to_be_bytes()))),
            0
        );
        assert_eq!(run(&mut t, 0x18C, h, &[]), want);
        assert_eq!(
            rc(&t.execute_vec(0, &cmd(ST_NO, 0x180, &h.to_be_bytes()))),
            0
        );
        let got = run(&mut t, 0x16C, h, &0x15Eu32.to_be_bytes());
        let m = [
            &[0u8; 32][..],
            &0x16Cu32.to_be_bytes(),
            &0x15Eu32.to_be_bytes(),
        ]
        .concat();
        assert_eq!(got, digest(HashAlg::Sha256, &m).as_slice());
    }
}
