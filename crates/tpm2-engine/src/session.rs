//! Authorization sessions: the loaded-session slots, the context-ID array that maps session
//! handles to slots, and what each HMAC, policy or trial session holds (TPM 2.0 Part 1 §19;
//! libtpms `Session.c`: `SessionCreate`, `ContextIdSessionCreate`, `SessionFlush`,
//! `SessionStartup`, `SessionResetPolicyData`, `SessionComputeBoundEntity`).
//!
//! What it is: the session bookkeeping, with libtpms's limits (MAX_LOADED_SESSIONS 3,
//! MAX_ACTIVE_SESSIONS 64) and its handle assignment (the first free context-array entry),
//! the session key derivation (Part 1 §19.6.8), and saving/loading session contexts with
//! libtpms's context counter and gap rule (`SessionContextSave`, `SessionContextLoad`,
//! `SequenceNumberForSavedContextIsValid`). Authorization with sessions is in `auth.rs`, the
//! commands in `cmd/session.rs` and `cmd/policy.rs`. Not kept (yet): saved-session entries
//! across Shutdown(STATE)/Startup (libtpms keeps them in NV; here they live in the volatile
//! image only and are lost at _TPM_Init).

use tpm_crypto::hash::HashAlg;
use tpm_crypto::secret::SecretBytes;
use tpm_wire::{Reader, Writer};
use tpm2_types::{TpmHandle, TpmHt, TpmRc, hc};

use crate::properties::{MAX_ACTIVE_SESSIONS, MAX_LOADED_SESSIONS};

const LOADED: usize = MAX_LOADED_SESSIONS as usize;
const ACTIVE: usize = MAX_ACTIVE_SESSIONS as usize;
/// sizeof(TPMU_NAME) in libtpms (a TPMT_HA: 2 + 64): the size of a bound-entity value.
pub(crate) const BOUND_SIZE: usize = 66;

/// The kind of a session (TPM_SE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionKind {
    /// TPM_SE_HMAC.
    Hmac,
    /// TPM_SE_POLICY.
    Policy,
    /// TPM_SE_TRIAL: a policy session that only computes a digest.
    Trial,
}

impl SessionKind {
    fn code(self) -> u8 {
        match self {
            SessionKind::Hmac => 0,
            SessionKind::Policy => 1,
            SessionKind::Trial => 3,
        }
    }

    fn from_code(v: u8) -> Option<SessionKind> {
        match v {
            0 => Some(SessionKind::Hmac),
            1 => Some(SessionKind::Policy),
            3 => Some(SessionKind::Trial),
            _ => None,
        }
    }

    /// A policy or trial session (libtpms `attributes.isPolicy`).
    pub fn is_policy(self) -> bool {
        self != SessionKind::Hmac
    }
}

/// The session's symmetric algorithm for parameter encryption (TPMT_SYM_DEF+, kept as the
/// three raw fields: algorithm, keyBits or XOR hash, mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SymDef {
    pub alg: u16,
    pub key_bits: u16,
    pub mode: u16,
}

/// The policy part of a policy or trial session (libtpms SESSION fields reset by
/// `SessionResetPolicyData`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyState {
    /// policyDigest, of the session hash's size.
    pub digest: Vec<u8>,
    /// startTime (g_time when the session started), for policy timeouts.
    pub start_time: u64,
    /// timeout (0: none).
    pub timeout: u64,
    /// commandCode bound by PolicyCommandCode (0: none).
    pub command_code: u32,
    /// commandLocality (TPMA_LOCALITY; 0: none selected).
    pub locality: u8,
    /// cpHash or nameHash bound to the session (empty: none).
    pub cp_hash: Vec<u8>,
    /// pcrCounter recorded by PolicyPCR.
    pub pcr_counter: u32,
    /// Policy attribute flags (isCpHashDefined, isAuthValueNeeded, ... ; see `flag`).
    pub flags: u16,
}

impl PolicyState {
    fn new(alg: HashAlg, now: u64) -> PolicyState {
        PolicyState {
            digest: vec![0; alg.digest_size()],
            start_time: now,
            timeout: 0,
            command_code: 0,
            locality: 0,
            cp_hash: Vec::new(),
            pcr_counter: 0,
            flags: 0,
        }
    }
}

/// One loaded session (libtpms SESSION).
#[derive(Debug)]
pub(crate) struct Session {
    pub kind: SessionKind,
    pub auth_hash: HashAlg,
    /// nonceTPM: the TPM's current nonce, of the caller's first nonce's size.
    pub nonce_tpm: Vec<u8>,
    /// sessionKey (empty for an unbound, unsalted session).
    pub session_key: SecretBytes,
    pub symmetric: SymDef,
    /// The bound-entity value (name with the authValue XORed into its end) of a bound HMAC
    /// session (libtpms `u1.boundEntity`, isBound).
    pub bound: Option<SecretBytes>,
    /// isDaBound: bound to an entity subject to dictionary-attack protection.
    pub da_bound: bool,
    /// isLockoutBound.
    pub lockout_bound: bool,
    /// The policy state (policy and trial sessions).
    pub policy: Option<PolicyState>,
    /// isAudit and the session's audit digest (HMAC sessions used with the audit attribute).
    pub audit: Option<Vec<u8>>,
}

impl Clone for Session {
    /// An explicit copy of the secrets (the volatile image is built from a copy).
    fn clone(&self) -> Self {
        Session {
            kind: self.kind,
            auth_hash: self.auth_hash,
            nonce_tpm: self.nonce_tpm.clone(),
            session_key: self.session_key.duplicate(),
            symmetric: self.symmetric,
            bound: self.bound.as_ref().map(SecretBytes::duplicate),
            da_bound: self.da_bound,
            lockout_bound: self.lockout_bound,
            policy: self.policy.clone(),
            audit: self.audit.clone(),
        }
    }
}

impl Session {
    /// SessionResetPolicyData (TPM2_PolicyRestart): a fresh policy digest and no
    /// assertions; the start time is kept (libtpms resets `timeout`, not `startTime`).
    pub fn reset_policy(&mut self) {
        if let Some(p) = self.policy.as_mut() {
            let start = p.start_time;
            *p = PolicyState::new(self.auth_hash, start);
        }
    }
}

impl Session {
    /// Marshal for the volatile image and saved contexts.
    pub fn marshal(&self, w: &mut Writer<'_>) {
        let s = self;
        w.u8(s.kind.code());
        w.u16(s.auth_hash.tpm_alg());
        put_bytes(w, &s.nonce_tpm);
        put_bytes(w, s.session_key.as_bytes());
        w.u16(s.symmetric.alg);
        w.u16(s.symmetric.key_bits);
        w.u16(s.symmetric.mode);
        match &s.bound {
            None => w.u8(0),
            Some(b) => {
                w.u8(1);
                put_bytes(w, b.as_bytes());
            }
        }
        w.u8(u8::from(s.da_bound)
            | u8::from(s.lockout_bound) << 1
            | u8::from(s.audit.is_some()) << 2);
        if let Some(a) = &s.audit {
            put_bytes(w, a);
        }
        match &s.policy {
            None => w.u8(0),
            Some(p) => {
                w.u8(1);
                put_bytes(w, &p.digest);
                w.u64(p.start_time);
                w.u64(p.timeout);
                w.u32(p.command_code);
                w.u8(p.locality);
                put_bytes(w, &p.cp_hash);
                w.u32(p.pcr_counter);
                w.u16(p.flags);
            }
        }
    }

    /// Read what [`Session::marshal`] wrote, checking its invariants.
    ///
    /// # Errors
    /// A malformed or inconsistent session.
    pub fn unmarshal(r: &mut Reader<'_>) -> Result<Session, &'static str> {
        const BAD: &str = "malformed session section";
        let kind = SessionKind::from_code(r.read_u8().map_err(|_| BAD)?).ok_or(BAD)?;
        let auth_hash = HashAlg::from_tpm_alg(r.read_u16().map_err(|_| BAD)?).ok_or(BAD)?;
        let nonce_tpm = get_bytes(r, 64)?;
        let key = get_bytes(r, 64)?;
        let symmetric = SymDef {
            alg: r.read_u16().map_err(|_| BAD)?,
            key_bits: r.read_u16().map_err(|_| BAD)?,
            mode: r.read_u16().map_err(|_| BAD)?,
        };
        let bound = if get_flag(r)? {
            let b = get_bytes(r, BOUND_SIZE)?;
            if b.len() != BOUND_SIZE {
                return Err(BAD);
            }
            Some(SecretBytes::new(b))
        } else {
            None
        };
        let f = r.read_u8().map_err(|_| BAD)?;
        if f > 7 {
            return Err(BAD);
        }
        let audit = if f & 4 != 0 {
            let d = get_bytes(r, 64)?;
            if d.len() != auth_hash.digest_size() {
                return Err(BAD);
            }
            Some(d)
        } else {
            None
        };
        let policy = if get_flag(r)? {
            let digest = get_bytes(r, 64)?;
            if digest.len() != auth_hash.digest_size() {
                return Err(BAD);
            }
            Some(PolicyState {
                digest,
                start_time: r.read_u64().map_err(|_| BAD)?,
                timeout: r.read_u64().map_err(|_| BAD)?,
                command_code: r.read_u32().map_err(|_| BAD)?,
                locality: r.read_u8().map_err(|_| BAD)?,
                cp_hash: get_bytes(r, 64)?,
                pcr_counter: r.read_u32().map_err(|_| BAD)?,
                flags: r.read_u16().map_err(|_| BAD)?,
            })
        } else {
            None
        };
        if policy.is_some() != kind.is_policy() {
            return Err(BAD);
        }
        Ok(Session {
            kind,
            auth_hash,
            nonce_tpm,
            session_key: SecretBytes::new(key),
            symmetric,
            bound,
            da_bound: f & 1 != 0,
            lockout_bound: f & 2 != 0,
            policy,
            audit,
        })
    }
}

/// What a new session is made of (the checked StartAuthSession inputs).
pub(crate) struct NewSession<'a> {
    pub kind: SessionKind,
    pub auth_hash: HashAlg,
    pub nonce_caller: &'a [u8],
    pub symmetric: SymDef,
    /// The bind entity's authValue (empty when bind is TPM_RH_NULL).
    pub bind_auth: &'a [u8],
    /// The bind entity's Name, when bind is not TPM_RH_NULL.
    pub bind_name: Option<Vec<u8>>,
    pub bind_da_exempt: bool,
    pub bind_is_lockout: bool,
    /// The decrypted salt (empty when unsalted).
    pub salt: &'a [u8],
    /// g_time, the policy start time.
    pub now: u64,
}

/// sessionKey = KDFa(authHash, authValue || salt, "ATH", nonceTPM, nonceCaller,
/// digestSize * 8) (TPM 2.0 Part 1 §19.6.8; libtpms `SessionCreate`). Empty when both the
/// bind authValue and the salt are absent and the session is unbound.
pub(crate) fn session_key(
    alg: HashAlg,
    bind_auth: &[u8],
    salt: &[u8],
    nonce_tpm: &[u8],
    nonce_caller: &[u8],
) -> SecretBytes {
    let mut key = SecretBytes::zeroed(bind_auth.len() + salt.len());
    if let Some(k) = key.as_mut_bytes().get_mut(..bind_auth.len()) {
        k.copy_from_slice(bind_auth);
    }
    if let Some(k) = key.as_mut_bytes().get_mut(bind_auth.len()..) {
        k.copy_from_slice(salt);
    }
    let n = alg.digest_size();
    let mut out = SecretBytes::zeroed(n);
    let bits = u32::try_from(n * 8).unwrap_or(0);
    tpm_crypto::kdf::kdfa(
        alg,
        key.as_bytes(),
        b"ATH",
        nonce_tpm,
        nonce_caller,
        bits,
        out.as_mut_bytes(),
    );
    out
}

/// The bound-entity value (libtpms `SessionComputeBoundEntity`): the Name zero-padded to
/// 66 bytes with the authValue XORed into its last bytes.
pub(crate) fn bound_entity(name: &[u8], auth: &[u8]) -> SecretBytes {
    let mut b = SecretBytes::zeroed(BOUND_SIZE);
    let buf = b.as_mut_bytes();
    for (d, s) in buf.iter_mut().zip(name) {
        *d = *s;
    }
    let start = BOUND_SIZE.saturating_sub(auth.len());
    for (d, s) in buf.iter_mut().skip(start).zip(auth) {
        *d ^= *s;
    }
    b
}

/// The session slots and the context-ID array (libtpms `s_sessions`, `gr.contextArray`,
/// `gr.contextCounter`).
#[derive(Clone, Debug)]
pub(crate) struct Sessions {
    slots: [Option<Session>; LOADED],
    /// contextArray: 0 free; 1..=3 loaded in slot n-1; larger values the low bits of the
    /// contextID of a saved session.
    context_array: [u16; ACTIVE],
    /// contextCounter: the next contextID for ContextSave (reset to MAX_LOADED_SESSIONS + 1
    /// at TPM Reset).
    pub context_counter: u64,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            slots: Default::default(),
            context_array: [0; ACTIVE],
            context_counter: u64::from(MAX_LOADED_SESSIONS) + 1,
        }
    }
}

impl Sessions {
    fn index(h: TpmHandle) -> Option<usize> {
        match h.handle_type() {
            TpmHt::HMAC_SESSION | TpmHt::POLICY_SESSION => {
                let i = usize::try_from(h.0 & hc::HR_HANDLE_MASK).ok()?;
                (i < ACTIVE).then_some(i)
            }
            _ => None,
        }
    }

    /// The loaded session of `h`.
    pub fn get(&self, h: TpmHandle) -> Option<&Session> {
        let v = usize::from(*self.context_array.get(Self::index(h)?)?);
        if v == 0 || v > LOADED {
            return None;
        }
        self.slots.get(v - 1)?.as_ref()
    }

    /// The loaded session of `h`, mutably.
    pub fn get_mut(&mut self, h: TpmHandle) -> Option<&mut Session> {
        let v = usize::from(*self.context_array.get(Self::index(h)?)?);
        if v == 0 || v > LOADED {
            return None;
        }
        self.slots.get_mut(v - 1)?.as_mut()
    }

    /// EntityGetLoadStatus for a session handle: loaded and of the handle's type.
    pub fn load_status(&self, h: TpmHandle) -> Result<(), TpmRc> {
        match self.get(h) {
            None => Err(TpmRc::REFERENCE_H0),
            Some(s) if s.kind.is_policy() != (h.handle_type() == TpmHt::POLICY_SESSION) => {
                Err(TpmRc::HANDLE)
            }
            Some(_) => Ok(()),
        }
    }

    /// Number of loaded sessions (TPM_PT_HR_LOADED).
    pub fn loaded(&self) -> u32 {
        u32::try_from(self.slots.iter().filter(|s| s.is_some()).count()).unwrap_or(0)
    }

    /// Number of active sessions, loaded or saved (TPM_PT_HR_ACTIVE).
    pub fn active(&self) -> u32 {
        u32::try_from(self.context_array.iter().filter(|v| **v != 0).count()).unwrap_or(0)
    }

    /// GetCapability(TPM_CAP_HANDLES) for the session ranges (libtpms `SessionCapGetLoaded`,
    /// `SessionCapGetSaved`): the range 0x02 (TPM_HT_LOADED_SESSION) lists every loaded
    /// session from the index of `start` on, each under the handle of its type; the range
    /// 0x03 (TPM_HT_SAVED_SESSION) lists the saved ones.
    pub fn cap_handles(&self, start: TpmHandle) -> Vec<TpmHandle> {
        let first = usize::try_from(start.0 & hc::HR_HANDLE_MASK).unwrap_or(usize::MAX);
        let saved = start.handle_type() == TpmHt::POLICY_SESSION;
        let mut v = Vec::new();
        for (i, e) in self.context_array.iter().enumerate().skip(first) {
            let Ok(n) = u32::try_from(i) else { continue };
            let e = usize::from(*e);
            if e == 0 {
                continue;
            }
            if saved && e > LOADED {
                v.push(TpmHandle(hc::HMAC_SESSION_FIRST + n));
            } else if !saved && e <= LOADED {
                let policy = self
                    .slots
                    .get(e - 1)
                    .and_then(Option::as_ref)
                    .is_some_and(|s| s.kind.is_policy());
                let base = if policy {
                    hc::POLICY_SESSION_FIRST
                } else {
                    hc::HMAC_SESSION_FIRST
                };
                v.push(TpmHandle(base + n));
            }
        }
        v
    }

    /// SessionCreate: take a slot and a handle, derive the session key. `nonce_tpm` is the
    /// fresh nonce (the caller draws it from the DRBG, of the caller nonce's size).
    ///
    /// # Errors
    /// TPM_RC_SESSION_MEMORY (no free slot), TPM_RC_CONTEXT_GAP, TPM_RC_SESSION_HANDLES.
    pub fn create(&mut self, n: &NewSession<'_>, nonce_tpm: Vec<u8>) -> Result<TpmHandle, TpmRc> {
        let slot = self
            .slots
            .iter()
            .position(Option::is_none)
            .ok_or(TpmRc::SESSION_MEMORY)?;
        // ContextIdSessionCreate: the gap rule only bites with saved sessions, which need
        // ContextSave (not implemented); with none saved s_oldestSavedSession is "none".
        let idx = self
            .context_array
            .iter()
            .position(|v| *v == 0)
            .ok_or(TpmRc::SESSION_HANDLES)?;
        let key = if n.bind_name.is_some() || !n.salt.is_empty() {
            session_key(n.auth_hash, n.bind_auth, n.salt, &nonce_tpm, n.nonce_caller)
        } else {
            SecretBytes::zeroed(0)
        };
        let bound = match (&n.bind_name, n.kind) {
            (Some(name), SessionKind::Hmac) => Some(bound_entity(name, n.bind_auth)),
            _ => None,
        };
        let da_bound = n.bind_name.is_some() && !n.bind_da_exempt;
        let s = Session {
            kind: n.kind,
            auth_hash: n.auth_hash,
            nonce_tpm,
            session_key: key,
            symmetric: n.symmetric,
            bound,
            da_bound,
            lockout_bound: da_bound && n.bind_is_lockout,
            audit: None,
            policy: n
                .kind
                .is_policy()
                .then(|| PolicyState::new(n.auth_hash, n.now)),
        };
        let (Some(entry), Some(place)) =
            (self.context_array.get_mut(idx), self.slots.get_mut(slot))
        else {
            return Err(TpmRc::FAILURE);
        };
        *entry = u16::try_from(slot + 1).map_err(|_| TpmRc::FAILURE)?;
        *place = Some(s);
        let base = if n.kind.is_policy() {
            hc::POLICY_SESSION_FIRST
        } else {
            hc::HMAC_SESSION_FIRST
        };
        Ok(TpmHandle(
            base + u32::try_from(idx).map_err(|_| TpmRc::FAILURE)?,
        ))
    }

    /// ContextIdSetOldest: the context-array index of the oldest saved session.
    fn oldest_saved(&self) -> Option<usize> {
        let low = (self.context_counter & 0xFFFF) as u16;
        let mut best: Option<(u16, usize)> = None;
        for (i, e) in self.context_array.iter().enumerate() {
            if usize::from(*e) > LOADED {
                let d = e.wrapping_sub(low);
                if best.is_none_or(|(b, _)| d <= b) {
                    best = Some((d, i));
                }
            }
        }
        best.map(|(_, i)| i)
    }

    fn masked_counter(&self) -> u16 {
        (self.context_counter & 0xFFFF) as u16
    }

    /// SessionContextSave: the loaded session `h` leaves its slot; its context-array entry
    /// takes the low bits of the new contextID, which is returned with the session.
    ///
    /// # Errors
    /// TPM_RC_CONTEXT_GAP when the oldest saved session would become ambiguous;
    /// TPM_RC_TOO_MANY_CONTEXTS when the counter is exhausted.
    pub fn context_save(&mut self, h: TpmHandle) -> Result<(u64, Session), TpmRc> {
        let idx = Self::index(h).ok_or(TpmRc::FAILURE)?;
        let v = usize::from(*self.context_array.get(idx).ok_or(TpmRc::FAILURE)?);
        if v == 0 || v > LOADED {
            return Err(TpmRc::FAILURE);
        }
        if let Some(o) = self.oldest_saved() {
            if self.context_array.get(o) == Some(&self.masked_counter()) {
                return Err(TpmRc::CONTEXT_GAP);
            }
        }
        let id = self.context_counter;
        let next = id.checked_add(1).ok_or(TpmRc::TOO_MANY_CONTEXTS)?;
        let session = self
            .slots
            .get_mut(v - 1)
            .and_then(Option::take)
            .ok_or(TpmRc::FAILURE)?;
        if let Some(e) = self.context_array.get_mut(idx) {
            *e = (id & 0xFFFF) as u16;
        }
        self.context_counter = next;
        if self.masked_counter() == 0 {
            self.context_counter += u64::from(MAX_LOADED_SESSIONS) + 1;
        }
        Ok((id, session))
    }

    /// SequenceNumberForSavedContextIsValid and SessionContextLoad: `session`, saved as
    /// `h` with contextID `sequence`, goes back into a slot.
    ///
    /// # Errors
    /// TPM_RC_HANDLE (the caller numbers it) when `h` has no saved context of that sequence
    /// (already loaded, flushed, replayed, or too old); TPM_RC_SESSION_MEMORY;
    /// TPM_RC_CONTEXT_GAP.
    pub fn context_load(
        &mut self,
        h: TpmHandle,
        sequence: u64,
        session: Session,
    ) -> Result<(), TpmRc> {
        let idx = Self::index(h).ok_or(TpmRc::HANDLE)?;
        let e = *self.context_array.get(idx).ok_or(TpmRc::HANDLE)?;
        if usize::from(e) <= LOADED
            || e != (sequence & 0xFFFF) as u16
            || sequence > self.context_counter
            || self.context_counter - sequence > 0x1_0000
        {
            return Err(TpmRc::HANDLE);
        }
        let slot = self
            .slots
            .iter()
            .position(Option::is_none)
            .ok_or(TpmRc::SESSION_MEMORY)?;
        let free = self.slots.iter().filter(|s| s.is_none()).count();
        if let Some(o) = self.oldest_saved() {
            if free == 1 && self.context_array.get(o) == Some(&self.masked_counter()) && idx != o {
                return Err(TpmRc::CONTEXT_GAP);
            }
        }
        if let (Some(entry), Some(place)) =
            (self.context_array.get_mut(idx), self.slots.get_mut(slot))
        {
            *entry = u16::try_from(slot + 1).map_err(|_| TpmRc::FAILURE)?;
            *place = Some(session);
        }
        Ok(())
    }

    /// SessionFlush of a loaded or saved session; false when `h` is neither.
    pub fn flush(&mut self, h: TpmHandle) -> bool {
        let Some(i) = Self::index(h) else {
            return false;
        };
        let Some(e) = self.context_array.get_mut(i) else {
            return false;
        };
        let v = usize::from(*e);
        if v == 0 {
            return false;
        }
        *e = 0;
        if v <= LOADED {
            if let Some(slot) = self.slots.get_mut(v - 1) {
                *slot = None;
            }
        }
        true
    }

    /// SessionStartup: loaded sessions are lost at every Startup; at a TPM Reset the saved
    /// ones too and the context counter restarts.
    pub fn startup(&mut self, reset: bool) {
        self.slots = Default::default();
        for e in self.context_array.iter_mut() {
            if reset || usize::from(*e) <= LOADED {
                *e = 0;
            }
        }
        if reset {
            self.context_counter = u64::from(MAX_LOADED_SESSIONS) + 1;
        }
    }

    /// The saved-context bookkeeping (contextCounter, contextArray) that libtpms keeps in
    /// STATE_RESET_DATA, for TPM2_Shutdown(STATE).
    pub fn contexts_image(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8 + 2 * ACTIVE);
        v.extend_from_slice(&self.context_counter.to_be_bytes());
        for e in &self.context_array {
            v.extend_from_slice(&e.to_be_bytes());
        }
        v
    }

    /// Restore what [`Sessions::contexts_image`] wrote (before `startup`); a malformed image
    /// leaves no saved contexts.
    pub fn restore_contexts(&mut self, b: &[u8]) {
        let mut r = Reader::new(b);
        let Ok(counter) = r.read_u64() else {
            return;
        };
        let mut array = [0u16; ACTIVE];
        for e in array.iter_mut() {
            match r.read_u16() {
                Ok(v) => *e = v,
                Err(_) => return,
            }
        }
        if r.is_empty() {
            self.context_counter = counter;
            self.context_array = array;
        }
    }

    // ---- state image -------------------------------------------------------------------

    /// Marshal for the volatile image.
    pub fn marshal(&self, w: &mut Writer<'_>) {
        w.u64(self.context_counter);
        for e in &self.context_array {
            w.u16(*e);
        }
        for s in &self.slots {
            match s {
                None => w.u8(0),
                Some(s) => {
                    w.u8(1);
                    s.marshal(w);
                }
            }
        }
    }

    /// Read what [`Sessions::marshal`] wrote, checking every invariant the engine relies on.
    ///
    /// # Errors
    /// A malformed or inconsistent section.
    pub fn unmarshal(r: &mut Reader<'_>) -> Result<Sessions, &'static str> {
        const BAD: &str = "malformed session section";
        let mut s = Sessions {
            context_counter: r.read_u64().map_err(|_| BAD)?,
            ..Sessions::default()
        };
        for e in s.context_array.iter_mut() {
            *e = r.read_u16().map_err(|_| BAD)?;
        }
        for slot in s.slots.iter_mut() {
            if get_flag(r)? {
                *slot = Some(Session::unmarshal(r)?);
            }
        }
        // Every loaded slot is referenced exactly once, and every reference is to a loaded
        // slot (saved sessions do not exist yet).
        for (i, slot) in s.slots.iter().enumerate() {
            let refs = s
                .context_array
                .iter()
                .filter(|v| usize::from(**v) == i + 1)
                .count();
            if refs != usize::from(slot.is_some()) {
                return Err("session slots and context array disagree");
            }
        }
        Ok(s)
    }
}

fn put_bytes(w: &mut Writer<'_>, b: &[u8]) {
    w.u8(u8::try_from(b.len()).unwrap_or(0));
    w.put(b);
}

fn get_bytes(r: &mut Reader<'_>, max: usize) -> Result<Vec<u8>, &'static str> {
    let n = usize::from(r.read_u8().map_err(|_| "malformed session section")?);
    if n > max {
        return Err("session field too long");
    }
    Ok(r.take(n).map_err(|_| "malformed session section")?.to_vec())
}

fn get_flag(r: &mut Reader<'_>) -> Result<bool, &'static str> {
    match r.read_u8().map_err(|_| "malformed session section")? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err("malformed session section"),
    }
}

/// Recovering the salt of a salted session from StartAuthSession's encryptedSalt (TPM 2.0
/// Part 1 §24 (Secret Sharing), libtpms `CryptSecretDecrypt`). The engine has no loaded
/// asymmetric keys yet; StartAuthSession uses these once tpmKey can name one.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod salt {
    use tpm_crypto::ecc::{EccPoint, EccPrivateKey, EccPublicKey};
    use tpm_crypto::hash::HashAlg;
    use tpm_crypto::rsa::RsaPrivateKey;
    use tpm_crypto::secret::SecretBytes;
    use tpm_wire::Reader;
    use tpm2_types::TpmRc;

    /// The label of secret sharing ("SECRET" with its terminating zero).
    const LABEL: &[u8] = b"SECRET";

    /// RSA: RSAES-OAEP with the key's nameAlg and the label "SECRET"; the salt may be at
    /// most a nameAlg digest long. Any failure is TPM_RC_VALUE (StartAuthSession numbers it
    /// as parameter 2).
    pub(crate) fn rsa(
        key: &RsaPrivateKey,
        name_alg: HashAlg,
        encrypted: &[u8],
    ) -> Result<SecretBytes, TpmRc> {
        let s = key
            .decrypt_oaep(name_alg, LABEL, encrypted)
            .map_err(|_| TpmRc::VALUE)?;
        if s.len() > name_alg.digest_size() {
            return Err(TpmRc::VALUE);
        }
        Ok(s)
    }

    /// ECC: encryptedSalt holds a TPMS_ECC_POINT Qe (bytes after it are ignored, as libtpms
    /// does); Z = d * Qe; salt = KDFe(nameAlg, Z.x, "SECRET", Qe.x, Qs.x, digest bits) where
    /// Qs is the key's public point.
    pub(crate) fn ecc(
        key: &EccPrivateKey,
        name_alg: HashAlg,
        encrypted: &[u8],
    ) -> Result<SecretBytes, TpmRc> {
        let mut r = Reader::new(encrypted);
        let mut part = || -> Result<Vec<u8>, TpmRc> {
            let n = usize::from(r.read_u16().map_err(|_| TpmRc::VALUE)?);
            Ok(r.take(n).map_err(|_| TpmRc::VALUE)?.to_vec())
        };
        let qe = EccPoint {
            x: part()?,
            y: part()?,
        };
        let peer = EccPublicKey::from_point(key.curve(), &qe).map_err(|_| TpmRc::VALUE)?;
        let z = key.ecdh(&peer).map_err(|_| TpmRc::VALUE)?;
        let qs = key.public_key().to_point().map_err(|_| TpmRc::VALUE)?;
        let n = name_alg.digest_size();
        let mut out = SecretBytes::zeroed(n);
        let bits = u32::try_from(n * 8).map_err(|_| TpmRc::VALUE)?;
        tpm_crypto::kdf::kdfe(
            name_alg,
            z.x.as_bytes(),
            LABEL,
            &qe.x,
            &qs.x,
            bits,
            out.as_mut_bytes(),
        );
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use tpm_crypto::drbg::{DfMode, Drbg};
        use tpm_crypto::ecc::EccCurve;
        use tpm_crypto::hash::{HashAlg, digest};

        fn point_bytes(p: &EccPoint) -> Vec<u8> {
            let mut v = Vec::new();
            for c in [&p.x, &p.y] {
                v.extend_from_slice(&(c.len() as u16).to_be_bytes());
                v.extend_from_slice(c);
            }
            v
        }

        /// The ECC salt from the other side of the exchange: the caller's ephemeral key de
        /// and the TPM key's public point give the same Z; the salt is KDFe written out here
        /// as SP 800-56A's one-step KDF (Hash(counter || Z || "SECRET\0" || Qe.x || Qs.x)).
        #[test]
        fn ecc_salt_matches_the_callers_derivation() {
            let tpm_key = EccPrivateKey::from_scalar(EccCurve::NistP256, &[0x11; 32]).unwrap();
            let eph = EccPrivateKey::from_scalar(EccCurve::NistP256, &[0x22; 32]).unwrap();
            let qe = eph.public_key().to_point().unwrap();
            let qs = tpm_key.public_key().to_point().unwrap();
            let z = eph.ecdh(&tpm_key.public_key()).unwrap();
            let m = [
                &1u32.to_be_bytes()[..],
                z.x.as_bytes(),
                b"SECRET\0",
                &qe.x,
                &qs.x,
            ]
            .concat();
            let want = digest(HashAlg::Sha256, &m);
            let got = ecc(&tpm_key, HashAlg::Sha256, &point_bytes(&qe)).unwrap();
            assert_eq!(got.as_bytes(), want.as_slice());
            // A point off the curve, a truncated point: TPM_RC_VALUE.
            let mut bad = qe.clone();
            bad.y[31] ^= 1;
            assert_eq!(
                ecc(&tpm_key, HashAlg::Sha256, &point_bytes(&bad)).err(),
                Some(TpmRc::VALUE)
            );
            assert_eq!(
                ecc(&tpm_key, HashAlg::Sha256, &point_bytes(&qe)[..40]).err(),
                Some(TpmRc::VALUE)
            );
        }

        #[test]
        fn rsa_salt_round_trip_and_limits() {
            let mut rng = Drbg::instantiate(DfMode::NoDf, &[7; 48], &[], b"salt test").unwrap();
            let key = RsaPrivateKey::generate(2048, 65537, &mut rng).unwrap();
            let pubk = key.public_key();
            let salt = [0x5a; 32];
            let c = pubk
                .encrypt_oaep(HashAlg::Sha256, b"SECRET", &salt, &mut rng)
                .unwrap();
            assert_eq!(rsa(&key, HashAlg::Sha256, &c).unwrap().as_bytes(), &salt);
            // Another label, another hash, a corrupted ciphertext, an over-long salt.
            let other = pubk
                .encrypt_oaep(HashAlg::Sha256, b"DUPLICATE", &salt, &mut rng)
                .unwrap();
            assert_eq!(rsa(&key, HashAlg::Sha256, &other).err(), Some(TpmRc::VALUE));
            assert_eq!(rsa(&key, HashAlg::Sha1, &c).err(), Some(TpmRc::VALUE));
            let mut bad = c.clone();
            bad[10] ^= 1;
            assert_eq!(rsa(&key, HashAlg::Sha256, &bad).err(), Some(TpmRc::VALUE));
            let long = pubk
                .encrypt_oaep(HashAlg::Sha256, b"SECRET", &[1; 33], &mut rng)
                .unwrap();
            assert_eq!(rsa(&key, HashAlg::Sha256, &long).err(), Some(TpmRc::VALUE));
        }
    }
}
