//! The engine: its state, its power cycle, and the [`TpmEngine`] implementation.

use tpm_crypto::drbg::Drbg;
use tpm_crypto::hash::{HashAlg, Hasher};
use tpm_device::{EngineError, InitFlags, StateKind, TpmEngine, TpmFamily};
use tpm2_types::{TpmCc, TpmHandle, TpmHt, TpmRc, TpmSt, hc};
use zeroize::Zeroizing;

use crate::clock::{Timer, crosses_update_interval};
use crate::exec::{HEADER_SIZE, write_header};
use crate::object::KeyObject;
use crate::pcr::{BANKS, DRTM_PCR, HCRTM_PCR, PcrValues};
use crate::platform::Platform;
use crate::properties;
use crate::state::{
    self, AuthValue, Persistent, SEED_COMPAT_LEVEL_LAST, Seed, StateClear, StateReset, Volatile,
};

/// A hash, HMAC or event sequence object occupying a transient slot (libtpms HASH_OBJECT).
#[derive(Clone, Debug)]
pub(crate) enum Sequence {
    /// TPM2_HashSequenceStart with a hash algorithm.
    Hash {
        hasher: Box<Hasher>,
        /// The first block has been seen; `ticket_safe` is decided on it.
        first_block: bool,
        /// The data did not start with TPM_GENERATED_VALUE (a ticket may be produced).
        ticket_safe: bool,
    },
    /// TPM2_HashSequenceStart with TPM_ALG_NULL: one hash per bank algorithm.
    Event { hashers: Vec<Hasher> },
}

/// What a transient slot holds.
#[derive(Debug)]
pub(crate) enum ObjKind {
    /// A hash, HMAC or event sequence.
    Seq(Sequence),
    /// A key, sealed-data or external object.
    Key(Box<KeyObject>),
}

/// A loaded transient object.
#[derive(Debug)]
pub(crate) struct Object {
    /// The USER authValue (for keys a copy of the sensitive area's, trailing zeros removed).
    pub auth: AuthValue,
    pub kind: ObjKind,
}

impl Object {
    /// A sequence object of `auth`.
    pub fn sequence_object(auth: AuthValue, s: Sequence) -> Object {
        Object {
            auth,
            kind: ObjKind::Seq(s),
        }
    }

    /// A key object; its authValue comes from its sensitive area.
    pub fn key_object(k: KeyObject) -> Object {
        Object {
            auth: k.auth(),
            kind: ObjKind::Key(Box::new(k)),
        }
    }

    /// The sequence state, for a sequence object.
    pub fn sequence(&self) -> Option<&Sequence> {
        match &self.kind {
            ObjKind::Seq(s) => Some(s),
            ObjKind::Key(_) => None,
        }
    }

    /// The sequence state, for a sequence object.
    pub fn sequence_mut(&mut self) -> Option<&mut Sequence> {
        match &mut self.kind {
            ObjKind::Seq(s) => Some(s),
            ObjKind::Key(_) => None,
        }
    }

    /// The key, for a key object.
    pub fn key(&self) -> Option<&KeyObject> {
        match &self.kind {
            ObjKind::Key(k) => Some(k),
            ObjKind::Seq(_) => None,
        }
    }
}

/// An object's encoding in the volatile image: auth, then the sequence kind and its hash
/// states (`Hasher::save_state`).
pub(crate) fn encode_object(o: &Object) -> Zeroizing<Vec<u8>> {
    let mut v = Zeroizing::new(Vec::new());
    v.push(u8::try_from(o.auth.as_slice().len()).unwrap_or(0));
    v.extend_from_slice(o.auth.as_slice());
    let put_hasher = |v: &mut Vec<u8>, h: &Hasher| {
        let st = h.save_state();
        v.extend_from_slice(&h.alg().tpm_alg().to_be_bytes());
        v.extend_from_slice(&u16::try_from(st.len()).unwrap_or(0).to_be_bytes());
        v.extend_from_slice(&st);
    };
    let seq = match &o.kind {
        ObjKind::Seq(s) => s,
        ObjKind::Key(k) => {
            v.push(2);
            crate::object::encode(k, &mut v);
            return v;
        }
    };
    match seq {
        Sequence::Hash {
            hasher,
            first_block,
            ticket_safe,
        } => {
            v.push(0);
            v.push(u8::from(*first_block));
            v.push(u8::from(*ticket_safe));
            put_hasher(&mut v, hasher);
        }
        Sequence::Event { hashers } => {
            v.push(1);
            v.push(u8::try_from(hashers.len()).unwrap_or(0));
            for h in hashers {
                put_hasher(&mut v, h);
            }
        }
    }
    v
}

/// The inverse of [`encode_object`]; `None` for anything malformed.
pub(crate) fn decode_object(b: &[u8]) -> Option<Object> {
    let mut r = tpm_wire::Reader::new(b);
    let auth_len = usize::from(r.read_u8().ok()?);
    let auth = AuthValue::new(r.take(auth_len).ok()?)?;
    let get_hasher = |r: &mut tpm_wire::Reader<'_>| -> Option<Hasher> {
        let alg = HashAlg::from_tpm_alg(r.read_u16().ok()?)?;
        let n = usize::from(r.read_u16().ok()?);
        Hasher::restore_state(alg, r.take(n).ok()?)
    };
    let sequence = match r.read_u8().ok()? {
        0 => {
            let first_block = r.read_u8().ok()? != 0;
            let ticket_safe = r.read_u8().ok()? != 0;
            Sequence::Hash {
                hasher: Box::new(get_hasher(&mut r)?),
                first_block,
                ticket_safe,
            }
        }
        1 => {
            let n = r.read_u8().ok()?;
            let mut hashers = Vec::new();
            for _ in 0..n {
                hashers.push(get_hasher(&mut r)?);
            }
            Sequence::Event { hashers }
        }
        2 => {
            let k = crate::object::decode(&mut r)?;
            r.finish().ok()?;
            return Some(Object {
                auth,
                kind: ObjKind::Key(Box::new(k)),
            });
        }
        _ => return None,
    };
    r.finish().ok()?;
    Some(Object::sequence_object(auth, sequence))
}

#[cfg(test)]
pub(crate) fn decode_object_for_tests(b: &[u8]) -> Option<Object> {
    decode_object(b)
}

/// What exists only while the TPM is powered (libtpms globals such as g_time, g_phEnable).
#[derive(Debug, Default)]
pub(crate) struct Runtime {
    /// TPM2_Startup has succeeded since _TPM_Init.
    pub started: bool,
    pub timer: Timer,
    /// Time in ms since _TPM_Init, updated at the start of each command.
    pub time: u64,
    /// A random value chosen at _TPM_Init (libtpms `g_timeEpoch`): Time restarts at every
    /// power cycle, so a policy ticket with a timeout is only good within one.
    pub time_epoch: u64,
    /// g_exclusiveAuditSession: the audit session no other command has run without since
    /// its digest began.
    pub exclusive_audit: Option<TpmHandle>,
    /// g_daUsed: a DA-protected authValue was used since Startup and SU_DA_USED recorded.
    pub da_used: bool,
    pub ph_enable: bool,
    pub startup_locality3: bool,
    pub drtm_pre_startup: bool,
    pub pcr_reconfig: bool,
    /// The orderly state found at Startup (g_prevOrderlyState).
    pub prev_orderly: u16,
    /// The _TPM_Hash_Start sequence, if one runs (g_DRTMHandle).
    pub drtm: Option<Vec<Hasher>>,
    /// Self-heal and lockout timers of the dictionary-attack logic (ms of `time`).
    pub self_heal_timer: u64,
    pub lockout_failed_at: Option<u64>,
    /// Bit `alg` set: algorithm `alg` (< 128) passed its self-test since _TPM_Init.
    pub tested: u128,
    /// The allocation TPM2_PCR_Allocate wrote to NV, in effect from the next _TPM_Init
    /// (libtpms keeps using the RAM copy of gp.pcrAllocated until then).
    pub pcr_next: Option<crate::pcr::Allocation>,
}

impl Runtime {
    /// The algorithms with a self-test that has not run yet, in TPM_ALG_ID order.
    pub fn untested(&self) -> impl Iterator<Item = u16> + '_ {
        crate::selftest::TESTED_ALGS
            .iter()
            .copied()
            .filter(|a| (self.tested >> a) & 1 == 0)
    }

    /// Record that `alg` passed its self-test.
    pub fn mark_tested(&mut self, alg: u16) {
        if alg < 128 {
            self.tested |= 1 << alg;
        }
    }
}

/// The TPM 2.0 engine.
pub struct Tpm2 {
    platform: Box<dyn Platform + Send>,
    powered: bool,
    failure: Option<&'static str>,
    pub(crate) perm: Persistent,
    pub(crate) clear: StateClear,
    pub(crate) reset: StateReset,
    pub(crate) pcrs: PcrValues,
    pub(crate) rt: Runtime,
    pub(crate) objects: [Option<Object>; properties::MAX_LOADED_OBJECTS as usize],
    /// Authorization sessions (HMAC, policy, trial).
    pub(crate) sessions: crate::session::Sessions,
    /// Recently derived primaries (TPM2_CreatePrimary is pure; RSA derivation is slow).
    pub(crate) primary_cache: Vec<crate::cmd::object::CachedPrimary>,
    /// Transient copies of persistent objects for the command in progress:
    /// (slot handle, persistent handle).
    pub(crate) evict_slots: Vec<(TpmHandle, TpmHandle)>,
    drbg: Option<Drbg>,
    pending_perm: Option<Persistent>,
    pending_vol: Option<Volatile>,
    dirty_perm: bool,
    established: bool,
    /// Response-parameter buffer reused across commands.
    pub(crate) scratch: Vec<u8>,
    rsp: Vec<u8>,
}

impl core::fmt::Debug for Tpm2 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tpm2")
            .field("powered", &self.powered)
            .field("started", &self.rt.started)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

impl Tpm2 {
    /// An engine on `platform`, powered off, with no state: the first `init` manufactures a
    /// new TPM unless a permanent image is given first.
    pub fn new(platform: Box<dyn Platform + Send>) -> Self {
        Tpm2 {
            platform,
            powered: false,
            failure: None,
            perm: Persistent::default(),
            clear: StateClear::default(),
            reset: StateReset::default(),
            pcrs: PcrValues::default(),
            rt: Runtime::default(),
            objects: [None, None, None],
            sessions: crate::session::Sessions::default(),
            primary_cache: Vec::new(),
            evict_slots: Vec::new(),
            drbg: None,
            pending_perm: None,
            pending_vol: None,
            dirty_perm: false,
            established: false,
            scratch: Vec::with_capacity(properties::MAX_RESPONSE_SIZE as usize),
            rsp: Vec::with_capacity(properties::MAX_RESPONSE_SIZE as usize),
        }
    }

    /// Execute one command and return the response (a convenience over
    /// [`TpmEngine::execute`] for tests and tools).
    pub fn execute_vec(&mut self, locality: u8, cmd: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; properties::MAX_RESPONSE_SIZE as usize];
        let n = self.execute(locality, cmd, &mut out);
        out.truncate(n);
        out
    }

    // ---- helpers used by the command path and handlers ----------------------------------

    pub(crate) fn is_failed(&self) -> bool {
        self.failure.is_some()
    }

    pub(crate) fn is_started(&self) -> bool {
        self.rt.started
    }

    /// Enter failure mode (a broken invariant): from now on only GetTestResult and
    /// GetCapability answer (TPM 2.0 Part 1 §12.10).
    pub(crate) fn fail(&mut self, why: &'static str) -> TpmRc {
        self.failure = Some(why);
        TpmRc::FAILURE
    }

    pub(crate) fn mark_permanent_dirty(&mut self) {
        self.dirty_perm = true;
    }

    /// Random bytes from the TPM's DRBG; a DRBG failure puts the TPM in failure mode.
    pub(crate) fn random(&mut self, out: &mut [u8]) -> Result<(), TpmRc> {
        let ok = match self.drbg.as_mut() {
            Some(d) => d.fill(out).is_ok(),
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.fail("random number generator failed"))
        }
    }

    /// Mix caller data into the DRBG (TPM2_StirRandom).
    pub(crate) fn stir(&mut self, data: &[u8]) -> Result<(), TpmRc> {
        let mut entropy = Zeroizing::new([0u8; 48]);
        if !self.platform.entropy(&mut entropy[..]) {
            return Err(self.fail("no entropy"));
        }
        let ok = match self.drbg.as_mut() {
            // libtpms `CryptRandomStir`: fresh entropy XOR DfBuffer(data), so any length of
            // stir data up to TPM2B_SENSITIVE_DATA's 128 bytes is fine (a plain reseed would
            // refuse additional input longer than the 48-byte seed).
            Some(d) => d.stir_with_entropy(&entropy, data).is_ok(),
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.fail("random number generator failed"))
        }
    }

    /// TimeUpdate at the start of each command (libtpms `TimeUpdateToCurrent`).
    pub(crate) fn update_time(&mut self) {
        if !self.rt.started {
            return;
        }
        let now = self.platform.monotonic_ms();
        let t = self.rt.timer.read(now);
        let elapsed = t.saturating_sub(self.rt.time);
        self.rt.time = t;
        self.clock_update(self.perm.clock.saturating_add(elapsed));
        self.da_self_heal();
    }

    /// Move Clock to `new` (libtpms `TimeClockUpdate`). Crossing an update interval makes the
    /// clock safe; libtpms parity (0.9.1): a change of the clock alone does not force the
    /// permanent state to be written, it rides along with the next write.
    pub(crate) fn clock_update(&mut self, new: u64) {
        if crosses_update_interval(self.perm.clock, new) {
            self.perm.clock_safe = true;
        }
        self.perm.clock = new;
    }

    /// DASelfHeal: forget one failure per recoveryTime, re-enable lockoutAuth after
    /// lockoutRecovery.
    fn da_self_heal(&mut self) {
        let da = &mut self.perm.da;
        if da.failed_tries != 0 {
            if da.recovery_time == 0 {
                da.failed_tries = 0;
                self.dirty_perm = true;
            } else {
                let period = u64::from(da.recovery_time) * 1000;
                let decrease = self.rt.time.saturating_sub(self.rt.self_heal_timer) / period;
                if decrease != 0 {
                    da.failed_tries = da
                        .failed_tries
                        .saturating_sub(u32::try_from(decrease).unwrap_or(u32::MAX));
                    self.rt.self_heal_timer = self
                        .rt
                        .self_heal_timer
                        .saturating_add(decrease.saturating_mul(period));
                    self.dirty_perm = true;
                }
            }
        }
        if !da.lockout_auth_enabled && da.lockout_recovery != 0 {
            let since = self.rt.lockout_failed_at.unwrap_or(0);
            if self.rt.time.saturating_sub(since) / 1000 >= u64::from(da.lockout_recovery) {
                da.lockout_auth_enabled = true;
                self.dirty_perm = true;
            }
        }
    }

    /// Abandon a running _TPM_Hash_Start sequence (any command ends it).
    pub(crate) fn terminate_drtm_sequence(&mut self) {
        self.rt.drtm = None;
    }

    pub(crate) fn after_command(&mut self) {}

    /// Does the entity of handle `h` exist and is it usable (libtpms `EntityGetLoadStatus`)?
    pub(crate) fn entity_present(&self, h: TpmHandle) -> Result<(), TpmRc> {
        match h.handle_type() {
            TpmHt::PERMANENT => match h {
                TpmHandle::OWNER if !self.clear.sh_enable => Err(TpmRc::HIERARCHY),
                TpmHandle::ENDORSEMENT if !self.clear.eh_enable => Err(TpmRc::HIERARCHY),
                TpmHandle::PLATFORM if !self.rt.ph_enable => Err(TpmRc::HIERARCHY),
                TpmHandle::OWNER
                | TpmHandle::ENDORSEMENT
                | TpmHandle::PLATFORM
                | TpmHandle::NULL
                | TpmHandle::PW
                | TpmHandle::LOCKOUT => Ok(()),
                _ => Err(TpmRc::VALUE),
            },
            TpmHt::TRANSIENT => {
                if self.object(h).is_some() {
                    Ok(())
                } else {
                    Err(TpmRc::REFERENCE_H0)
                }
            }
            TpmHt::PCR => Ok(()),
            TpmHt::HMAC_SESSION | TpmHt::POLICY_SESSION => self.sessions.load_status(h),
            // libtpms parity: `EntityGetLoadStatus` -> `ObjectLoadEvict` answers a persistent
            // handle that is not in NV with TPM_RC_HANDLE (numbered), not REFERENCE_H0.
            TpmHt::PERSISTENT => Err(TpmRc::HANDLE),
            TpmHt::NV_INDEX => Err(TpmRc::HANDLE),
            _ => Err(TpmRc::VALUE),
        }
    }

    /// Is `h` exempt from dictionary-attack protection (libtpms `IsDAExempted`)?
    pub(crate) fn is_da_exempt(&self, h: TpmHandle) -> bool {
        match h.handle_type() {
            TpmHt::PERMANENT => h != TpmHandle::LOCKOUT,
            // Sequence objects are created noDA (libtpms AllocateSequenceSlot).
            TpmHt::TRANSIENT => self.object(h).is_none_or(|o| {
                o.key()
                    .is_none_or(|k| k.attrs().contains(tpm2_types::TpmaObject::NO_DA))
            }),
            TpmHt::PCR => true,
            _ => false,
        }
    }

    /// The authValue of entity `h` (libtpms `EntityGetAuthValue`).
    pub(crate) fn entity_auth(&self, h: TpmHandle) -> Option<&AuthValue> {
        match h.handle_type() {
            TpmHt::PERMANENT => match h {
                TpmHandle::OWNER => Some(&self.perm.owner_auth),
                TpmHandle::ENDORSEMENT => Some(&self.perm.endorsement_auth),
                TpmHandle::PLATFORM => Some(&self.clear.platform_auth),
                TpmHandle::LOCKOUT => Some(&self.perm.lockout_auth),
                TpmHandle::NULL => Some(&EMPTY_AUTH),
                _ => None,
            },
            TpmHt::TRANSIENT => self.object(h).map(|o| &o.auth),
            TpmHt::PCR => {
                let pcr = usize::try_from(h.0 & hc::HR_HANDLE_MASK).unwrap_or(usize::MAX);
                if crate::pcr::AUTH_GROUP.contains(&pcr) {
                    Some(&self.clear.pcr_auth)
                } else {
                    Some(&EMPTY_AUTH)
                }
            }
            _ => None,
        }
    }

    /// The Name of entity `h` (libtpms `EntityGetName`): the handle itself for permanent
    /// handles, PCRs and sessions; for a transient object its Name, which is empty for a
    /// sequence object (nameAlg TPM_ALG_NULL). Loaded key objects, persistent objects and NV
    /// indices add their branches here when they exist. `None` for an absent entity.
    pub(crate) fn entity_name(&self, h: TpmHandle) -> Option<Vec<u8>> {
        match h.handle_type() {
            TpmHt::TRANSIENT => self
                .object(h)
                .map(|o| o.key().map_or_else(Vec::new, |k| k.name.clone())),
            TpmHt::PERSISTENT | TpmHt::NV_INDEX => None,
            _ => Some(h.0.to_be_bytes().to_vec()),
        }
    }

    pub(crate) fn object(&self, h: TpmHandle) -> Option<&Object> {
        let i = h.0.checked_sub(hc::TRANSIENT_FIRST)?;
        self.objects.get(usize::try_from(i).ok()?)?.as_ref()
    }

    pub(crate) fn object_mut(&mut self, h: TpmHandle) -> Option<&mut Object> {
        let i = h.0.checked_sub(hc::TRANSIENT_FIRST)?;
        self.objects.get_mut(usize::try_from(i).ok()?)?.as_mut()
    }

    /// Put `o` in the first free slot (libtpms `FindEmptyObjectSlot`).
    pub(crate) fn load_object(&mut self, o: Object) -> Result<TpmHandle, TpmRc> {
        for (i, slot) in self.objects.iter_mut().enumerate() {
            if slot.is_none() {
                *slot = Some(o);
                let i = u32::try_from(i).map_err(|_| TpmRc::OBJECT_MEMORY)?;
                return Ok(TpmHandle(hc::TRANSIENT_FIRST + i));
            }
        }
        Err(TpmRc::OBJECT_MEMORY)
    }

    pub(crate) fn flush_object(&mut self, h: TpmHandle) {
        if let Some(i) = h.0.checked_sub(hc::TRANSIENT_FIRST) {
            if let Some(slot) = usize::try_from(i)
                .ok()
                .and_then(|i| self.objects.get_mut(i))
            {
                *slot = None;
            }
        }
    }

    /// The proof of hierarchy `h` (libtpms `HierarchyGetProof`).
    pub(crate) fn proof(&self, h: TpmHandle) -> &[u8] {
        match h {
            TpmHandle::PLATFORM => &self.perm.ph_proof[..],
            TpmHandle::OWNER => &self.perm.sh_proof[..],
            TpmHandle::ENDORSEMENT => &self.perm.eh_proof[..],
            _ => &self.reset.null_proof[..],
        }
    }

    /// The current TPMS_CLOCK_INFO fields (libtpms `TimeFillInfo`).
    pub(crate) fn clock_info(&self) -> (u64, u32, u32, bool) {
        (
            self.perm.clock,
            self.perm.reset_count,
            self.reset.restart_count,
            self.perm.clock_safe,
        )
    }

    /// The response to any command in failure mode (libtpms `TpmFailureMode`): only
    /// TPM2_GetTestResult answers; everything else is TPM_RC_FAILURE.
    pub(crate) fn failure_response(&self, cmd: &[u8], rsp: &mut Vec<u8>) {
        let is_get_test_result = cmd.len() == 10
            && cmd.get(0..2) == Some(&TpmSt::NO_SESSIONS.0.to_be_bytes()[..])
            && cmd.get(6..10) == Some(&TpmCc::GET_TEST_RESULT.0.to_be_bytes()[..]);
        if is_get_test_result {
            // outData: 12 bytes of failure detail; testResult TPM_RC_FAILURE.
            write_header(rsp, TpmSt::NO_SESSIONS, HEADER_SIZE + 2 + 12 + 4, 0);
            rsp.extend_from_slice(&12u16.to_be_bytes());
            rsp.extend_from_slice(&[0; 12]);
            rsp.extend_from_slice(&TpmRc::FAILURE.raw().to_be_bytes());
        } else {
            write_header(rsp, TpmSt::NO_SESSIONS, HEADER_SIZE, TpmRc::FAILURE.raw());
        }
    }

    // ---- power cycle --------------------------------------------------------------------

    /// Manufacture a new TPM (libtpms `TPM_Manufacture`): fresh seeds and proofs, default
    /// PCR allocation and DA parameters, Clock 0, orderly.
    fn manufacture(&mut self) -> Result<(), EngineError> {
        let mut p = Persistent::default();
        let mut fill = |buf: &mut [u8]| -> Result<(), EngineError> {
            match self.drbg.as_mut() {
                Some(d) => d.fill(buf).map_err(|_| EngineError::Failure),
                None => Err(EngineError::Failure),
            }
        };
        for seed in [&mut p.eps, &mut p.sps, &mut p.pps] {
            fill(&mut seed.value[..])?;
            seed.compat = SEED_COMPAT_LEVEL_LAST;
        }
        fill(&mut p.ph_proof[..])?;
        fill(&mut p.sh_proof[..])?;
        fill(&mut p.eh_proof[..])?;
        self.perm = p;
        self.dirty_perm = true;
        Ok(())
    }

    fn instantiate_drbg(&mut self) -> Result<(), EngineError> {
        let mut entropy = Zeroizing::new([0u8; 48]);
        if !self.platform.entropy(&mut entropy[..]) {
            return Err(EngineError::Failure);
        }
        let drbg = Drbg::instantiate(
            tpm_crypto::drbg::DfMode::NoDf,
            &entropy[..],
            &[],
            b"ferrotpm TPM 2.0 DRBG",
        )
        .map_err(|_| EngineError::Failure)?;
        self.drbg = Some(drbg);
        Ok(())
    }

    /// _TPM_Init with the images given so far.
    fn power_on(&mut self, flags: InitFlags) -> Result<(), EngineError> {
        // A PCR_Allocate of the last power cycle takes effect now.
        if let Some(next) = self.rt.pcr_next.take() {
            self.perm.pcr_allocated = next;
        }
        self.instantiate_drbg()?;
        self.failure = None;
        self.rt = Runtime::default();
        self.objects = [None, None, None];
        self.sessions = crate::session::Sessions::default();
        self.rt.timer.reset();
        let mut epoch = [0u8; 8];
        if self.random(&mut epoch).is_ok() {
            self.rt.time_epoch = u64::from_be_bytes(epoch);
        }
        // TimePowerOn: the timer starts at 0 now.
        let now = self.platform.monotonic_ms();
        self.rt.time = self.rt.timer.read(now);
        match self.pending_perm.take() {
            Some(p) => self.perm = p,
            None if !self.has_state() => self.manufacture()?,
            None => {}
        }
        self.pcrs = PcrValues::default();
        // A volatile image resumes the running TPM. DELETE_VOLATILE only tells the store to
        // remove the file afterwards (swtpm_ioctls(3) CMD_INIT), which is not the engine's job.
        let _ = flags.delete_volatile;
        if let Some(v) = self.pending_vol.take() {
            self.resume_volatile(v);
        }
        Ok(())
    }

    /// Whether this engine already holds a TPM (manufactured or imported).
    fn has_state(&self) -> bool {
        self.perm.eps.value.iter().any(|b| *b != 0)
    }

    fn resume_volatile(&mut self, v: Volatile) {
        // The running TPM keeps the banks it had; an allocation made since (now in the
        // permanent state) waits for the next power-on, as it would have without the resume.
        if v.alloc != self.perm.pcr_allocated {
            self.rt.pcr_next = Some(self.perm.pcr_allocated);
            self.perm.pcr_allocated = v.alloc;
        }
        self.clear = v.clear;
        self.reset = v.reset;
        self.pcrs = v.pcrs;
        self.rt.started = true;
        self.rt.ph_enable = v.ph_enable;
        self.rt.startup_locality3 = v.startup_locality3;
        self.rt.drtm_pre_startup = v.drtm_pre_startup;
        self.rt.pcr_reconfig = v.pcr_reconfig;
        self.sessions = v.sessions;
        // Loaded sequence objects come back into their slots (libtpms keeps s_objects in the
        // volatile state); one that does not decode is not restored.
        self.objects = Default::default();
        for (slot, bytes) in &v.objects {
            if let (Some(o), Some(s)) = (
                decode_object(bytes),
                self.objects.get_mut(usize::from(*slot)),
            ) {
                *s = Some(o);
            }
        }
        // libtpms VolatileState_Unmarshal restores `go` (the clock) from the volatile state:
        // the clock goes on from where the TPM that wrote the image left it, never back.
        if let Some((clock, safe)) = v.clock {
            if clock > self.perm.clock {
                self.perm.clock = clock;
                self.perm.clock_safe = safe;
            }
        }
    }

    fn volatile(&self) -> Volatile {
        Volatile {
            clear: self.clear.clone(),
            reset: self.reset.clone(),
            pcrs: self.pcrs.clone(),
            ph_enable: self.rt.ph_enable,
            startup_locality3: self.rt.startup_locality3,
            drtm_pre_startup: self.rt.drtm_pre_startup,
            pcr_reconfig: self.rt.pcr_reconfig,
            time: self.rt.time,
            alloc: self.perm.pcr_allocated,
            sessions: self.sessions.clone(),
            clock: Some((self.perm.clock, self.perm.clock_safe)),
            objects: self
                .objects
                .iter()
                .enumerate()
                .filter_map(|(i, o)| Some((u8::try_from(i).ok()?, encode_object(o.as_ref()?))))
                .collect(),
        }
    }

    /// New null seed and proof (HierarchyStartup at TPM Reset).
    pub(crate) fn reseed_null(&mut self) -> Result<(), TpmRc> {
        let mut proof = Zeroizing::new([0u8; 64]);
        let mut seed = Seed::zero();
        self.random(&mut proof[..])?;
        self.random(&mut seed.value[..])?;
        self.reset.null_proof = proof;
        self.reset.null_seed = seed;
        Ok(())
    }

    /// Fresh random bytes for a seed or proof.
    pub(crate) fn fresh64(&mut self) -> Result<Zeroizing<[u8; 64]>, TpmRc> {
        let mut v = Zeroizing::new([0u8; 64]);
        self.random(&mut v[..])?;
        Ok(v)
    }

    /// The hash algorithms of the PCR banks, in libtpms's order.
    pub(crate) fn bank_algs() -> [HashAlg; 4] {
        BANKS
    }

    /// _TPM_Hash_End: finish the H-CRTM/DRTM sequence (libtpms `_TPM_Hash_End`).
    fn hash_end_inner(&mut self) {
        let Some(hashers) = self.rt.drtm.take() else {
            return;
        };
        let started = self.rt.started;
        let pcr = if started {
            self.pcrs.reset_dynamics(&self.perm.pcr_allocated);
            self.reset.restart_count = self.reset.restart_count.wrapping_add(1);
            DRTM_PCR
        } else {
            self.rt.drtm_pre_startup = true;
            HCRTM_PCR
        };
        for h in hashers {
            let alg = h.alg();
            let d = h.finalize();
            // libtpms parity: `_TPM_Hash_End` extends through `PCRExtend`, which calls
            // `PCRChanged` once per bank, so a DRTM bumps pcrUpdateCounter like PCR_Extend.
            if self
                .pcrs
                .drtm(&self.perm.pcr_allocated, pcr, alg, d.as_slice(), started)
            {
                self.pcr_changed(pcr);
            }
        }
        self.established = true;
    }
}

static EMPTY_AUTH: AuthValue = AuthValue::EMPTY;

impl TpmEngine for Tpm2 {
    fn family(&self) -> TpmFamily {
        TpmFamily::Tpm20
    }

    fn execute(&mut self, locality: u8, cmd: &[u8], rsp: &mut [u8]) -> usize {
        let mut out = core::mem::take(&mut self.rsp);
        if !self.powered {
            // Not powered: the front end should not send commands; answer TPM_RC_FAILURE.
            out.clear();
            write_header(
                &mut out,
                TpmSt::NO_SESSIONS,
                HEADER_SIZE,
                TpmRc::FAILURE.raw(),
            );
        } else {
            self.run(locality, cmd, &mut out);
        }
        let n = if out.len() <= rsp.len() {
            if let Some(dst) = rsp.get_mut(..out.len()) {
                dst.copy_from_slice(&out);
            }
            out.len()
        } else if rsp.len() >= HEADER_SIZE {
            let mut small = Vec::with_capacity(HEADER_SIZE);
            write_header(
                &mut small,
                TpmSt::NO_SESSIONS,
                HEADER_SIZE,
                TpmRc::SIZE.raw(),
            );
            if let Some(dst) = rsp.get_mut(..HEADER_SIZE) {
                dst.copy_from_slice(&small);
            }
            HEADER_SIZE
        } else {
            0
        };
        out.clear();
        self.rsp = out;
        n
    }

    fn max_command_size(&self) -> usize {
        properties::MAX_COMMAND_SIZE as usize
    }

    fn max_response_size(&self) -> usize {
        properties::MAX_RESPONSE_SIZE as usize
    }

    fn init(&mut self, flags: InitFlags) -> Result<(), EngineError> {
        self.powered = false;
        self.power_on(flags)?;
        self.powered = true;
        Ok(())
    }

    fn shutdown(&mut self) {
        self.powered = false;
        if let Some(next) = self.rt.pcr_next.take() {
            self.perm.pcr_allocated = next;
        }
        self.rt = Runtime::default();
        self.objects = [None, None, None];
        self.sessions = crate::session::Sessions::default();
        self.drbg = None;
    }

    fn is_running(&self) -> bool {
        self.powered
    }

    fn established(&self) -> bool {
        self.established
    }

    fn reset_established(&mut self, locality: u8) -> Result<(), EngineError> {
        if !self.powered {
            return Err(EngineError::NotRunning);
        }
        if locality < 3 {
            return Err(EngineError::Locality);
        }
        self.established = false;
        Ok(())
    }

    fn hash_start(&mut self) -> Result<(), EngineError> {
        if !self.powered {
            return Err(EngineError::NotRunning);
        }
        // _TPM_Hash_Start: a new event sequence over every bank algorithm.
        self.rt.drtm = Some(BANKS.iter().map(|a| Hasher::new(*a)).collect());
        Ok(())
    }

    fn hash_data(&mut self, data: &[u8]) -> Result<(), EngineError> {
        if !self.powered {
            return Err(EngineError::NotRunning);
        }
        let pcr = if self.rt.started { DRTM_PCR } else { HCRTM_PCR };
        let alloc = self.perm.pcr_allocated;
        if let Some(hs) = self.rt.drtm.as_mut() {
            for h in hs.iter_mut() {
                if alloc.is_allocated(pcr, h.alg()) {
                    h.update(data);
                }
            }
        }
        Ok(())
    }

    fn hash_end(&mut self) -> Result<(), EngineError> {
        if !self.powered {
            return Err(EngineError::NotRunning);
        }
        self.hash_end_inner();
        Ok(())
    }

    fn state(&self, kind: StateKind) -> Zeroizing<Vec<u8>> {
        match kind {
            // The NV copy holds a pending PCR_Allocate; the running TPM does not use it yet.
            StateKind::Permanent => match self.rt.pcr_next {
                Some(next) => {
                    let mut p = self.perm.clone();
                    p.pcr_allocated = next;
                    state::export_permanent(&p)
                }
                None => state::export_permanent(&self.perm),
            },
            StateKind::Volatile if self.rt.started => state::export_volatile(&self.volatile()),
            StateKind::Volatile | StateKind::Savestate => Zeroizing::new(Vec::new()),
        }
    }

    fn set_state(&mut self, kind: StateKind, image: &[u8]) -> Result<(), EngineError> {
        if self.powered {
            return Err(EngineError::Busy);
        }
        match kind {
            StateKind::Permanent if image.is_empty() => {
                self.pending_perm = None;
                self.perm = Persistent::default();
            }
            StateKind::Permanent => self.pending_perm = Some(state::import_permanent(image)?),
            StateKind::Volatile if image.is_empty() => self.pending_vol = None,
            StateKind::Volatile => self.pending_vol = Some(state::import_volatile(image)?),
            // TPM 2.0 keeps Shutdown(STATE) data in the permanent image (libtpms parity).
            StateKind::Savestate if image.is_empty() => {}
            StateKind::Savestate => return Err(EngineError::WrongFamily),
        }
        Ok(())
    }

    fn take_dirty(&mut self) -> Option<StateKind> {
        if self.dirty_perm {
            self.dirty_perm = false;
            Some(StateKind::Permanent)
        } else {
            None
        }
    }
}
