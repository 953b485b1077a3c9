//! Authorization with HMAC and policy sessions in the command path (TPM 2.0 Part 1 §19.6,
//! §19.7; libtpms `SessionProcess.c`: `RetrieveSessionData`, `ParseSessionBuffer`,
//! `CheckAuthSession`, `ComputeCommandHMAC`, `CheckPolicyAuthSession`, `IncrementLockout`,
//! `BuildResponseSession`).
//!
//! What it is: the per-session consistency checks, cpHash/rpHash, the command and response
//! HMACs with the session key and the bound-entity rule, nonce rolling, continueSession, the
//! use-time checks of a policy session (digest, command code, cpHash/nameHash, locality, PCR
//! counter, timeout) and dictionary-attack accounting on a failed HMAC.
//!
//! Parameter encryption (Part 1 §21; libtpms `CryptParameterDecryption`/`Encryption`): the
//! first parameter of a command whose TPMA_CC-side attributes say DECRYPT_2 (response:
//! ENCRYPT_2), a TPM2B with a 2-byte size, is AES-CFB (key and IV from KDFa(sessionAlg,
//! sessionKey || authValue, "CFB", nonceNewer, nonceOlder)) or XOR (KDFa "XOR" mask)
//! protected, with the size checks libtpms got for CVE-2023-1017/1018.
//!
//! What it is not (yet): audit sessions (a session with audit set is refused with
//! TPM_RC_ATTRIBUTES for its session number) and physical presence (never asserted).

use tpm_crypto::hash::{HashAlg, Hasher};
use tpm_crypto::hmac::HmacState;
use tpm2_types::{TpmCc, TpmHandle, TpmHt, TpmRc, TpmaObject, TpmaSession};

use crate::state::AuthValue;
use crate::table::{AuthRole, CommandDef};
use crate::tpm::Tpm2;

/// Policy session flags (libtpms SESSION_ATTRIBUTES that PolicyAuthValue/PolicyPassword and
/// PolicyCpHash/PolicyNameHash set), stored in [`crate::session::PolicyState::flags`].
pub(crate) mod flag {
    /// isAuthValueNeeded (PolicyAuthValue).
    pub const AUTH_VALUE_NEEDED: u16 = 1 << 0;
    /// isPasswordNeeded (PolicyPassword).
    pub const PASSWORD_NEEDED: u16 = 1 << 1;
    /// isCpHashDefined (PolicyCpHash; otherwise a set cpHash is a nameHash).
    pub const CP_HASH_DEFINED: u16 = 1 << 2;
    /// isPPRequired (PolicyPhysicalPresence).
    pub const PP_REQUIRED: u16 = 1 << 3;
    /// isTemplateSet (PolicyTemplate; the bound digest is then a template hash).
    pub const TEMPLATE_SET: u16 = 1 << 4;
}

/// One session of a command's authorization area (TPMS_AUTH_COMMAND), as received.
#[derive(Default)]
pub(crate) struct CmdSession {
    pub handle: u32,
    pub nonce_caller: Vec<u8>,
    pub attributes: TpmaSession,
    /// The password (password sessions, and policy sessions with isPasswordNeeded).
    pub auth: AuthValue,
    /// The hmac field as received.
    pub hmac: Vec<u8>,
    /// The entity this session authorizes (s_associatedHandles), if any.
    pub associated: Option<TpmHandle>,
    /// includeAuth: the entity's authValue is part of the HMAC key.
    pub include_auth: bool,
}

impl CmdSession {
    pub fn is_pw(&self) -> bool {
        self.handle == TpmHandle::PW.0
    }
}

/// Commands whose first parameter is a TPM2B that a decrypt session may protect (libtpms
/// `CommandAttributeData.h` DECRYPT_2; no TPM 2.0 command has DECRYPT_4).
const DECRYPT_2: &[u32] = &[
    0x129, 0x12A, 0x12C, 0x12E, 0x12F, 0x131, 0x133, 0x136, 0x137, 0x13B, 0x13C, 0x13E, 0x141,
    0x146, 0x147, 0x148, 0x149, 0x14A, 0x14B, 0x14C, 0x14D, 0x150, 0x151, 0x152, 0x153, 0x154,
    0x156, 0x157, 0x158, 0x159, 0x15C, 0x15D, 0x160, 0x167, 0x168, 0x16A, 0x16D, 0x16E, 0x170,
    0x172, 0x174, 0x176, 0x177, 0x17D, 0x17F, 0x183, 0x184, 0x185, 0x186, 0x188, 0x18B, 0x18D,
    0x190, 0x191, 0x193, 0x197, 0x199, 0x19A,
];

/// Commands whose first response parameter is a TPM2B that an encrypt session may protect
/// (libtpms ENCRYPT_2).
const ENCRYPT_2: &[u32] = &[
    0x131, 0x133, 0x13E, 0x147, 0x148, 0x14A, 0x14B, 0x14C, 0x14D, 0x14E, 0x150, 0x151, 0x152,
    0x153, 0x154, 0x156, 0x157, 0x158, 0x159, 0x15E, 0x160, 0x163, 0x164, 0x167, 0x168, 0x169,
    0x173, 0x174, 0x176, 0x179, 0x17B, 0x17C, 0x17D, 0x184, 0x189, 0x18B, 0x18D, 0x18E, 0x191,
    0x193, 0x197, 0x199, 0x19A,
];

/// libtpms `CompareTemplateHash`: H(second parameter's bytes) when the command is
/// TPM2_Create, TPM2_CreatePrimary or TPM2_CreateLoaded and its first parameter is a TPM2B.
fn template_hash(cc: TpmCc, params: &[u8], alg: HashAlg) -> Option<Vec<u8>> {
    if !matches!(
        cc,
        TpmCc::CREATE | TpmCc::CREATE_PRIMARY | TpmCc::CREATE_LOADED
    ) {
        return None;
    }
    let mut r = tpm_wire::Reader::new(params);
    let n = usize::from(r.read_u16().ok()?);
    r.take(n).ok()?;
    let n = usize::from(r.read_u16().ok()?);
    let t = r.take(n).ok()?;
    Some(tpm_crypto::hash::digest(alg, t).as_slice().to_vec())
}

/// DecryptSize(cc) != 0.
pub(crate) fn decrypt_allowed(cc: TpmCc) -> bool {
    DECRYPT_2.contains(&cc.0)
}

/// EncryptSize(cc) != 0.
pub(crate) fn encrypt_allowed(cc: TpmCc) -> bool {
    ENCRYPT_2.contains(&cc.0)
}

/// Which sessions of the command decrypt and encrypt (s_decryptSessionIndex,
/// s_encryptSessionIndex).
#[derive(Clone, Copy, Default)]
pub(crate) struct CryptIdx {
    pub decrypt: Option<usize>,
    pub encrypt: Option<usize>,
}

impl CryptIdx {
    pub fn of(sessions: &[CmdSession]) -> CryptIdx {
        CryptIdx {
            decrypt: sessions
                .iter()
                .position(|s| !s.is_pw() && s.attributes.contains(TpmaSession::DECRYPT)),
            encrypt: sessions
                .iter()
                .position(|s| !s.is_pw() && s.attributes.contains(TpmaSession::ENCRYPT)),
        }
    }
}

/// What the HMACs cover of the command.
pub(crate) struct CmdView<'a> {
    pub cc: TpmCc,
    pub handles: &'a [TpmHandle],
    pub params: &'a [u8],
    pub locality: u8,
    pub crypt: CryptIdx,
    /// The nonceTPM of each session (for the extra nonces of session 1's HMAC).
    pub nonces: [Option<&'a [u8]>; 3],
}

impl Tpm2 {
    /// cpHash = H(commandCode || Name(handle)... || parameters) (Part 1 §18.7).
    pub(crate) fn cp_hash(&self, alg: HashAlg, v: &CmdView<'_>) -> Vec<u8> {
        let mut h = Hasher::new(alg);
        h.update(&v.cc.0.to_be_bytes());
        for handle in v.handles {
            if let Some(n) = self.entity_name(*handle) {
                h.update(&n);
            }
        }
        h.update(v.params);
        h.finalize().as_slice().to_vec()
    }

    /// The per-session checks of libtpms `RetrieveSessionData` after unmarshaling session
    /// `i` (`earlier` are the sessions before it): loaded, of its handle's type, not repeated;
    /// decrypt, encrypt and audit are not supported yet.
    pub(crate) fn retrieve_check(
        &self,
        s: &CmdSession,
        earlier: &[CmdSession],
        i: usize,
        cc: TpmCc,
    ) -> Result<(), TpmRc> {
        let n = u8::try_from(i + 1).unwrap_or(u8::MAX);
        if s.is_pw() {
            return Ok(());
        }
        let h = TpmHandle(s.handle);
        let Some(sess) = self.sessions.get(h) else {
            let off = u32::try_from(i).unwrap_or(0);
            return Err(
                TpmRc::from_raw(TpmRc::REFERENCE_S0.raw() + off).unwrap_or(TpmRc::REFERENCE_S0)
            );
        };
        if sess.kind.is_policy() != (h.handle_type() == TpmHt::POLICY_SESSION) {
            return Err(TpmRc::HANDLE.session(n));
        }
        if earlier.iter().any(|e| e.handle == s.handle) {
            return Err(TpmRc::HANDLE.session(n));
        }
        let no_sym = sess.symmetric.alg == 0x0010;
        let earlier_has = |a: TpmaSession| {
            earlier
                .iter()
                .any(|e| !e.is_pw() && e.attributes.contains(a))
        };
        if s.attributes.contains(TpmaSession::DECRYPT) {
            if !decrypt_allowed(cc) || earlier_has(TpmaSession::DECRYPT) {
                return Err(TpmRc::ATTRIBUTES.session(n));
            }
            if no_sym {
                return Err(TpmRc::SYMMETRIC.session(n));
            }
        }
        if s.attributes.contains(TpmaSession::ENCRYPT) {
            if !encrypt_allowed(cc) || earlier_has(TpmaSession::ENCRYPT) {
                return Err(TpmRc::ATTRIBUTES.session(n));
            }
            if no_sym {
                return Err(TpmRc::SYMMETRIC.session(n));
            }
        }
        if s.attributes.contains(TpmaSession::AUDIT) {
            // One audit session per command, never a policy session.
            if earlier_has(TpmaSession::AUDIT) || h.handle_type() == TpmHt::POLICY_SESSION {
                return Err(TpmRc::ATTRIBUTES.session(n));
            }
            // A continuing audit that claims exclusivity must be the exclusive session.
            if !s.attributes.contains(TpmaSession::AUDIT_RESET)
                && sess.audit.is_some()
                && s.attributes.contains(TpmaSession::AUDIT_EXCLUSIVE)
                && self.rt.exclusive_audit != Some(h)
            {
                return Err(TpmRc::EXCLUSIVE);
            }
        }
        Ok(())
    }

    /// CheckLockedOut, with libtpms's USE_DA_USED: the first use of a DA-protected
    /// authValue after Startup records SU_DA_USED as the orderly state (so an unorderly
    /// power loss afterwards counts as a failed try) and answers TPM_RC_RETRY; the caller
    /// sends the command again.
    pub(crate) fn check_locked_out(&mut self, lockout: bool) -> Result<(), TpmRc> {
        if lockout {
            if !self.perm.da.lockout_auth_enabled {
                return Err(TpmRc::LOCKOUT);
            }
        } else {
            if self.perm.da.failed_tries >= self.perm.da.max_tries {
                return Err(TpmRc::LOCKOUT);
            }
            if !self.rt.da_used {
                self.rt.da_used = true;
                self.perm.orderly_state = crate::state::SU_DA_USED;
                self.mark_permanent_dirty();
                return Err(TpmRc::RETRY);
            }
        }
        Ok(())
    }

    /// IncrementLockout for an HMAC or policy session (the password path has its own).
    fn increment_lockout_session(&mut self, s: &CmdSession) -> TpmRc {
        let Some(sess) = self.sessions.get(TpmHandle(s.handle)) else {
            return TpmRc::BAD_AUTH;
        };
        let mut h = s.associated.unwrap_or(TpmHandle::NULL);
        if sess.lockout_bound {
            h = TpmHandle::LOCKOUT;
        }
        if !sess.da_bound && (self.is_da_exempt(h) || !s.include_auth) {
            return TpmRc::BAD_AUTH;
        }
        self.register_da_failure(h);
        TpmRc::AUTH_FAIL
    }

    /// The DA side effect of a failed authorization of `h` (IncrementLockout's tail).
    pub(crate) fn register_da_failure(&mut self, h: TpmHandle) {
        if h == TpmHandle::LOCKOUT {
            self.perm.da.lockout_auth_enabled = false;
            self.rt.lockout_failed_at = Some(self.rt.time);
        } else if self.perm.da.recovery_time != 0 {
            self.perm.da.failed_tries = self.perm.da.failed_tries.saturating_add(1);
        }
        self.mark_permanent_dirty();
    }

    /// The HMAC key: sessionKey || authValue of the associated entity when includeAuth.
    fn hmac_key(&self, s: &CmdSession, key: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
        let mut k = zeroize::Zeroizing::new(key.to_vec());
        if s.include_auth {
            if let Some(a) = s.associated.and_then(|h| self.entity_auth(h)) {
                k.extend_from_slice(a.as_slice());
            }
        }
        k
    }

    /// ComputeCommandHMAC: session 1, when it authorizes, also covers the nonceTPM of a
    /// separate decrypt session and of a separate encrypt session (Part 1 §19.6.5).
    fn command_hmac(&self, s: &CmdSession, i: usize, v: &CmdView<'_>) -> Vec<u8> {
        let Some(sess) = self.sessions.get(TpmHandle(s.handle)) else {
            return Vec::new();
        };
        let key = self.hmac_key(s, sess.session_key.as_bytes());
        if key.is_empty() && s.hmac.is_empty() {
            return Vec::new();
        }
        let cp = self.cp_hash(sess.auth_hash, v);
        let mut m = HmacState::new(sess.auth_hash, &key);
        m.update(&cp);
        m.update(&s.nonce_caller);
        m.update(&sess.nonce_tpm);
        if i == 0 && s.associated.is_some() {
            if let Some(d) = v.crypt.decrypt.filter(|d| *d != i) {
                m.update(v.nonces.get(d).copied().flatten().unwrap_or(&[]));
            }
            if let Some(e) = v
                .crypt
                .encrypt
                .filter(|e| *e != i && Some(*e) != v.crypt.decrypt)
            {
                m.update(v.nonces.get(e).copied().flatten().unwrap_or(&[]));
            }
        }
        m.update(&[s.attributes.bits()]);
        m.finalize().as_slice().to_vec()
    }

    /// CheckSessionHMAC.
    fn check_session_hmac(
        &mut self,
        s: &CmdSession,
        i: usize,
        v: &CmdView<'_>,
    ) -> Result<(), TpmRc> {
        let want = self.command_hmac(s, i, v);
        if want.len() == s.hmac.len() && tpm_crypto::secret::ct_eq(&want, &s.hmac) {
            Ok(())
        } else {
            Err(self.increment_lockout_session(s))
        }
    }

    /// The authPolicy of entity `h` with its hash (libtpms `EntityGetAuthPolicy`), when
    /// IsAuthPolicyAvailable.
    fn auth_policy(&self, h: TpmHandle) -> Option<(u16, &[u8])> {
        let p = match h {
            TpmHandle::OWNER => &self.perm.owner_policy,
            TpmHandle::ENDORSEMENT => &self.perm.endorsement_policy,
            TpmHandle::PLATFORM => &self.clear.platform_policy,
            TpmHandle::LOCKOUT => &self.perm.lockout_policy,
            _ if h.handle_type() == TpmHt::PCR => {
                let pcr = usize::try_from(h.0 & tpm2_types::hc::HR_HANDLE_MASK).ok()?;
                if !crate::pcr::AUTH_GROUP.contains(&pcr) {
                    return None;
                }
                &self.perm.pcr_policy
            }
            _ if h.handle_type() == TpmHt::TRANSIENT => {
                // IsAuthPolicyAvailable: any key object with its sensitive part, even with
                // an empty authPolicy (the policy check then fails); never a sequence.
                let k = self.key(h)?;
                if k.has(crate::object::flag::PUBLIC_ONLY) {
                    return None;
                }
                return Some((k.public.name_alg.0.0, k.public.auth_policy.as_slice()));
            }
            _ => return None,
        };
        if p.digest.is_empty() {
            None
        } else {
            Some((p.alg, &p.digest))
        }
    }

    /// CheckPolicyAuthSession.
    fn check_policy(&self, s: &CmdSession, v: &CmdView<'_>, role: AuthRole) -> Result<(), TpmRc> {
        let h = s.associated.unwrap_or(TpmHandle::NULL);
        let Some(sess) = self.sessions.get(TpmHandle(s.handle)) else {
            return Err(TpmRc::FAILURE);
        };
        let Some(p) = sess.policy.as_ref() else {
            return Err(TpmRc::FAILURE);
        };
        if v.cc == TpmCc::POLICY_SECRET
            && p.flags & (flag::AUTH_VALUE_NEEDED | flag::PASSWORD_NEEDED) == 0
        {
            return Err(TpmRc::MODE);
        }
        // SessionPCRValueIsCurrent.
        if p.pcr_counter != 0 && p.pcr_counter != self.reset.pcr_counter {
            return Err(TpmRc::PCR_CHANGED);
        }
        let (alg, digest) = self.auth_policy(h).unwrap_or((0x0010, &[]));
        if !tpm_crypto::secret::ct_eq(&p.digest, digest) || p.digest.len() != digest.len() {
            return Err(TpmRc::POLICY_FAIL);
        }
        if alg != sess.auth_hash.tpm_alg() {
            return Err(TpmRc::POLICY_FAIL);
        }
        if p.timeout != 0 && p.timeout < self.rt.time {
            return Err(TpmRc::EXPIRED);
        }
        if p.command_code != 0 {
            if p.command_code != v.cc.0 {
                return Err(TpmRc::POLICY_CC);
            }
        } else if matches!(role, AuthRole::Admin | AuthRole::Dup) {
            return Err(TpmRc::POLICY_FAIL);
        }
        if p.locality != 0 {
            let l = v.locality;
            let ok = if l < 5 {
                p.locality & (1 << l) != 0 && p.locality <= 31
            } else if l > 31 {
                p.locality == l
            } else {
                false
            };
            if !ok {
                return Err(TpmRc::LOCALITY);
            }
        }
        if p.flags & flag::PP_REQUIRED != 0 {
            // No physical presence indication on this platform.
            return Err(TpmRc::PP);
        }
        if !p.cp_hash.is_empty() {
            let ok = if p.flags & flag::CP_HASH_DEFINED != 0 {
                p.cp_hash == self.cp_hash(sess.auth_hash, v)
            } else if p.flags & flag::TEMPLATE_SET != 0 {
                // CompareTemplateHash: the hash of the second parameter's contents of
                // TPM2_Create, CreatePrimary or CreateLoaded, before parameter decryption.
                template_hash(v.cc, v.params, sess.auth_hash)
                    .is_some_and(|t| tpm_crypto::secret::ct_eq(&t, &p.cp_hash))
            } else {
                // CompareNameHash: H(names of all handles).
                let mut hh = Hasher::new(sess.auth_hash);
                for handle in v.handles {
                    if let Some(n) = self.entity_name(*handle) {
                        hh.update(&n);
                    }
                }
                p.cp_hash == hh.finalize().as_slice()
            };
            if !ok {
                return Err(TpmRc::POLICY_FAIL);
            }
        }
        Ok(())
    }

    /// IsPolicySessionRequired for the roles and entities that exist today.
    pub(crate) fn policy_required(&self, h: TpmHandle, role: AuthRole) -> bool {
        match role {
            AuthRole::Dup => true,
            // An object whose adminWithPolicy is clear allows ADMIN actions with its
            // authValue (sequence objects have no attributes set).
            AuthRole::Admin => {
                h.handle_type() != TpmHt::TRANSIENT
                    || self
                        .key(h)
                        .is_some_and(|k| k.attrs().contains(TpmaObject::ADMIN_WITH_POLICY))
            }
            _ => {
                h.handle_type() == TpmHt::PCR
                    && self.auth_policy(h).is_some_and(|(alg, _)| alg != 0x0010)
            }
        }
    }

    /// IsAuthValueAvailable for what exists today: hierarchies, TPM_RH_NULL, PCRs and
    /// sequence objects.
    pub(crate) fn auth_value_available(&self, h: TpmHandle, role: AuthRole) -> bool {
        match h.handle_type() {
            TpmHt::PERMANENT => matches!(
                h,
                TpmHandle::OWNER
                    | TpmHandle::ENDORSEMENT
                    | TpmHandle::PLATFORM
                    | TpmHandle::LOCKOUT
                    | TpmHandle::NULL
            ),
            TpmHt::PCR => true,
            // A sequence always; a key with its sensitive part if userWithAuth, or for
            // ADMIN actions without adminWithPolicy.
            TpmHt::TRANSIENT => match self.object(h) {
                Some(o) => match o.key() {
                    None => true,
                    Some(k) => {
                        let a = k.attrs();
                        !k.has(crate::object::flag::PUBLIC_ONLY)
                            && (a.contains(TpmaObject::USER_WITH_AUTH)
                                || (role == AuthRole::Admin
                                    && !a.contains(TpmaObject::ADMIN_WITH_POLICY)))
                    }
                },
                None => false,
            },
            _ => false,
        }
    }

    /// ParseSessionBuffer's second half for HMAC and policy session `i`: trial sessions
    /// refused, DA-bound lockout, then CheckAuthSession or the HMAC of a session that only
    /// encrypts/decrypts/audits.
    pub(crate) fn check_hmac_or_policy(
        &mut self,
        s: &mut CmdSession,
        i: usize,
        role: AuthRole,
        v: &CmdView<'_>,
    ) -> Result<(), TpmRc> {
        let n = u8::try_from(i + 1).unwrap_or(u8::MAX);
        let h = TpmHandle(s.handle);
        let (kind, da_bound, lockout_bound, pflags, bound) = {
            let Some(sess) = self.sessions.get(h) else {
                return Err(TpmRc::FAILURE);
            };
            (
                sess.kind,
                sess.da_bound,
                sess.lockout_bound,
                sess.policy.as_ref().map_or(0, |p| p.flags),
                sess.bound.as_ref().map(|b| b.duplicate()),
            )
        };
        if kind == crate::session::SessionKind::Trial {
            return Err(TpmRc::ATTRIBUTES.session(n));
        }
        if da_bound {
            self.check_locked_out(lockout_bound)?;
        }
        let Some(assoc) = s.associated else {
            let any = TpmaSession::AUDIT | TpmaSession::ENCRYPT | TpmaSession::DECRYPT;
            if !s.attributes.intersects(any) {
                return Err(TpmRc::ATTRIBUTES.session(n));
            }
            s.include_auth = false;
            return self.check_session_hmac(s, i, v).map_err(|rc| rc.session(n));
        };
        // CheckAuthSession: physical presence first (never asserted on this platform).
        if assoc == TpmHandle::PLATFORM && crate::cmd::misc::pp_required(v.cc) {
            return Err(TpmRc::PP.session(n));
        }
        s.include_auth = if kind.is_policy() {
            pflags & (flag::AUTH_VALUE_NEEDED | flag::PASSWORD_NEEDED) != 0
        } else {
            // IsSessionBindEntity.
            match (&bound, self.entity_name(assoc), self.entity_auth(assoc)) {
                (Some(b), Some(name), Some(auth)) => {
                    let e = crate::session::bound_entity(&name, auth.as_slice());
                    !tpm_crypto::secret::ct_eq(e.as_bytes(), b.as_bytes())
                }
                _ => true,
            }
        };
        if s.include_auth && !self.is_da_exempt(assoc) {
            self.check_locked_out(assoc == TpmHandle::LOCKOUT)?;
        }
        if kind.is_policy() {
            if self.auth_policy(assoc).is_none() {
                return Err(TpmRc::AUTH_UNAVAILABLE);
            }
            self.check_policy(s, v, role).map_err(|rc| rc.session(n))?;
        } else {
            if self.policy_required(assoc, role) {
                return Err(TpmRc::AUTH_TYPE);
            }
            if !self.auth_value_available(assoc, role) {
                return Err(TpmRc::AUTH_UNAVAILABLE);
            }
        }
        if kind.is_policy() && pflags & flag::PASSWORD_NEEDED != 0 {
            // CheckPWAuthSession with the hmac field as the password.
            let ok = self.entity_auth(assoc).is_some_and(|a| a.matches(&s.auth));
            if ok {
                return Ok(());
            }
            let rc = self.increment_lockout_session(s);
            return Err(rc.session(n));
        }
        self.check_session_hmac(s, i, v).map_err(|rc| rc.session(n))
    }

    /// BuildResponseSession for HMAC and policy sessions: new nonceTPM for every session,
    /// then each response HMAC over rpHash = H(TPM_RC_SUCCESS || commandCode || parameters),
    /// policy data reset for a continued policy session, and a session without
    /// continueSession flushed. Appends each TPMS_AUTH_RESPONSE to `out`.
    pub(crate) fn respond_sessions(
        &mut self,
        sessions: &mut [CmdSession],
        cc: TpmCc,
        rparams: &mut [u8],
        out: &mut Vec<u8>,
        plan: &crate::audit::AuditPlan,
        allows_sessions: bool,
    ) -> Result<(), TpmRc> {
        // UpdateAllNonceTPM.
        for s in sessions.iter().filter(|s| !s.is_pw()) {
            let len = self
                .sessions
                .get(TpmHandle(s.handle))
                .map_or(0, |x| x.nonce_tpm.len());
            let mut nonce = vec![0u8; len];
            self.random(&mut nonce)?;
            if let Some(x) = self.sessions.get_mut(TpmHandle(s.handle)) {
                x.nonce_tpm = nonce;
            }
        }
        // Encrypt the first response parameter with the new nonceTPM.
        if let Some(e) = CryptIdx::of(sessions).encrypt {
            if let Some(s) = sessions.get(e) {
                self.param_crypt(s, rparams, false)?;
            }
        }
        let rparams: &[u8] = rparams;
        // UpdateAuditSessionStatus and CommandAudit, over the parameters as sent; the audit
        // session's auditExclusive bit is part of its response HMAC.
        self.audit_after(plan, sessions, cc, allows_sessions, rparams);
        for s in sessions.iter() {
            if s.is_pw() {
                let attrs = s.attributes | TpmaSession::CONTINUE_SESSION;
                out.extend_from_slice(&[0, 0, attrs.bits(), 0, 0]);
                continue;
            }
            let h = TpmHandle(s.handle);
            let (mac, nonce) = {
                let Some(sess) = self.sessions.get(h) else {
                    return Err(TpmRc::FAILURE);
                };
                let pw = sess
                    .policy
                    .as_ref()
                    .is_some_and(|p| p.flags & flag::PASSWORD_NEEDED != 0);
                let key = self.hmac_key(s, sess.session_key.as_bytes());
                let mac = if pw || (key.is_empty() && s.hmac.is_empty()) {
                    Vec::new()
                } else {
                    let mut rp = Hasher::new(sess.auth_hash);
                    rp.update(&0u32.to_be_bytes());
                    rp.update(&cc.0.to_be_bytes());
                    rp.update(rparams);
                    let rp = rp.finalize();
                    let mut m = HmacState::new(sess.auth_hash, &key);
                    m.update(rp.as_slice());
                    m.update(&sess.nonce_tpm);
                    m.update(&s.nonce_caller);
                    m.update(&[s.attributes.bits()]);
                    m.finalize().as_slice().to_vec()
                };
                (mac, sess.nonce_tpm.clone())
            };
            // UpdateInternalSession.
            if s.attributes.contains(TpmaSession::CONTINUE_SESSION) {
                let now = self.rt.time;
                if let Some(x) = self.sessions.get_mut(h) {
                    if x.kind.is_policy() {
                        x.reset_policy();
                        if let Some(p) = x.policy.as_mut() {
                            p.start_time = now;
                        }
                    }
                }
            }
            out.extend_from_slice(&u16::try_from(nonce.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(&nonce);
            out.push(s.attributes.bits());
            out.extend_from_slice(&u16::try_from(mac.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(&mac);
            if !s.attributes.contains(TpmaSession::CONTINUE_SESSION) {
                self.sessions.flush(h);
            }
        }
        Ok(())
    }
}

impl Tpm2 {
    /// CryptParameterDecryption (`decrypt`) or CryptParameterEncryption of the TPM2B at the
    /// start of `params` with session `s`: key material sessionKey || authValue of the
    /// session's entity; CFB with KDFa(..., "CFB", nonceNewer, nonceOlder) key and IV, or the
    /// XOR mask KDFa(..., "XOR", nonceNewer, nonceOlder). Command direction: nonceNewer is
    /// nonceCaller; response: nonceTPM.
    ///
    /// # Errors
    /// TPM_RC_INSUFFICIENT when there is no room for the size, TPM_RC_SIZE when the size
    /// exceeds the parameter area (CVE-2023-1017/1018: libtpms 0.9.6, and Debian's 0.9.2).
    pub(crate) fn param_crypt(
        &self,
        s: &CmdSession,
        params: &mut [u8],
        decrypt: bool,
    ) -> Result<(), TpmRc> {
        let sess = self
            .sessions
            .get(TpmHandle(s.handle))
            .ok_or(TpmRc::FAILURE)?;
        let (head, rest) = params
            .split_first_chunk_mut::<2>()
            .ok_or(TpmRc::INSUFFICIENT)?;
        let size = usize::from(u16::from_be_bytes(*head));
        let data = rest.get_mut(..size).ok_or(TpmRc::SIZE)?;
        let mut key = zeroize::Zeroizing::new(sess.session_key.as_bytes().to_vec());
        if let Some(a) = s.associated.and_then(|h| self.entity_auth(h)) {
            key.extend_from_slice(a.as_slice());
        }
        let (newer, older): (&[u8], &[u8]) = if decrypt {
            (&s.nonce_caller, &sess.nonce_tpm)
        } else {
            (&sess.nonce_tpm, &s.nonce_caller)
        };
        param_cipher(
            sess.auth_hash,
            sess.symmetric,
            &key,
            newer,
            older,
            data,
            decrypt,
        )
    }
}

/// The parameter cipher itself (Part 1 §21.2, §21.3), shared with the KATs.
pub(crate) fn param_cipher(
    hash: HashAlg,
    sym: crate::session::SymDef,
    key: &[u8],
    newer: &[u8],
    older: &[u8],
    data: &mut [u8],
    decrypt: bool,
) -> Result<(), TpmRc> {
    use tpm_crypto::sym::{AesKey, SymMode, decrypt as cfb_dec, encrypt as cfb_enc};
    match sym.alg {
        0x000A => {
            tpm_crypto::sym::xor_obfuscate(hash, key, newer, older, data).map_err(|_| TpmRc::SIZE)
        }
        0x0006 => {
            let kbytes = usize::from(sym.key_bits / 8);
            let mut ki = zeroize::Zeroizing::new(vec![0u8; kbytes + 16]);
            let bits = u32::from(sym.key_bits) + 128;
            tpm_crypto::kdf::kdfa(hash, key, b"CFB", newer, older, bits, &mut ki);
            let aes = AesKey::new(ki.get(..kbytes).unwrap_or(&[])).map_err(|_| TpmRc::FAILURE)?;
            let mut iv = [0u8; 16];
            iv.copy_from_slice(ki.get(kbytes..).unwrap_or(&[0; 16]));
            let r = if decrypt {
                cfb_dec(&aes, SymMode::Cfb, &mut iv, data)
            } else {
                cfb_enc(&aes, SymMode::Cfb, &mut iv, data)
            };
            r.map_err(|_| TpmRc::FAILURE)
        }
        // Camellia is accepted by StartAuthSession but not supported for parameter
        // encryption here.
        _ => Err(TpmRc::SYMMETRIC),
    }
}

/// Which role the command gives handle `i` (CommandAuthRole).
pub(crate) fn role(def: &CommandDef, i: usize) -> AuthRole {
    def.handles.get(i).map_or(AuthRole::None, |h| h.auth)
}
