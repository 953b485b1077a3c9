//! The TPM's state in the specification's lifetimes (TPM 2.0 Part 1 §36-§37; libtpms
//! `Global.h` PERSISTENT_DATA, ORDERLY_DATA, STATE_CLEAR_DATA, STATE_RESET_DATA), and its
//! export and import as versioned images.
//!
//! - [`Persistent`]: survives everything but TPM2_Clear/ChangeEPS/ChangePPS (seeds, proofs,
//!   hierarchy authorizations and policies, PCR allocation, dictionary-attack state, reset
//!   counters, Clock, the orderly-shutdown marker, and the data Shutdown(STATE) saved).
//! - [`StateClear`]: reset by every Startup(CLEAR) (hierarchy enables, platform authorization,
//!   saved PCR values, PCR authValues).
//! - [`StateReset`]: reset only by a TPM Reset (null seed and proof, PCR update counter,
//!   restart count, clear count).
//!
//! libtpms parity: like libtpms, the data of TPM2_Shutdown(STATE) lives in the permanent image
//! (swtpm never writes a TPM 2.0 `savestate` file); the volatile image is what swtpm's
//! `volatilestate` holds, everything needed to resume a running TPM.

use tpm_device::StateKind;
use tpm_device::image::{CRITICAL, ImageReader, ImageWriter};
use tpm_device::{EngineError, TpmFamily};
use tpm_wire::{Reader, Writer};
use zeroize::{Zeroize, Zeroizing};

use crate::pcr::{Allocation, BANKS, PCR_COUNT, PcrMask, PcrValues, SAVED_COUNT, SavedPcrs};

/// Size of hierarchy seeds (libtpms PRIMARY_SEED_SIZE).
pub const SEED_SIZE: usize = 64;
/// Size of hierarchy proofs (libtpms PROOF_SIZE: the SHA-512 context integrity digest).
pub const PROOF_SIZE: usize = 64;

/// The orderly-shutdown marker when no orderly shutdown happened (libtpms SU_NONE_VALUE).
pub const SU_NONE: u16 = 0xFFFF;
/// libtpms SU_DA_USED_VALUE: not orderly, and DA state was in use.
pub const SU_DA_USED: u16 = 0xFFFE;
/// Flag in the orderly marker: an H-CRTM sequence preceded the Startup (PRE_STARTUP_FLAG).
pub const PRE_STARTUP_FLAG: u16 = 0x8000;
/// Flag in the orderly marker: Startup came from locality 3 (STARTUP_LOCALITY_3).
pub const STARTUP_LOCALITY_3: u16 = 0x4000;

/// A 64-byte secret that erases itself.
pub type Secret64 = Zeroizing<[u8; 64]>;

/// An authorization value (at most 64 bytes), erased on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthValue {
    len: u8,
    bytes: [u8; 64],
}

impl Drop for AuthValue {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl Default for AuthValue {
    fn default() -> Self {
        AuthValue::EMPTY
    }
}

impl core::fmt::Debug for AuthValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AuthValue(<{} bytes>)", self.len)
    }
}

impl AuthValue {
    /// The empty authValue.
    pub const EMPTY: AuthValue = AuthValue {
        len: 0,
        bytes: [0; 64],
    };

    /// An authValue of `bytes` with trailing zeros removed, as the TPM stores them (Part 1
    /// §19.6.4; libtpms `MemoryRemoveTrailingZeros`). `None` when longer than 64 bytes.
    pub fn new(bytes: &[u8]) -> Option<AuthValue> {
        let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        let trimmed = bytes.get(..end)?;
        let mut v = AuthValue::default();
        v.bytes.get_mut(..trimmed.len())?.copy_from_slice(trimmed);
        v.len = u8::try_from(trimmed.len()).ok()?;
        Some(v)
    }

    /// The value.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Constant-time comparison with a presented value.
    pub fn matches(&self, presented: &AuthValue) -> bool {
        tpm_crypto::secret::ct_eq(self.as_slice(), presented.as_slice())
    }
}

/// A hierarchy's authorization policy: its hash algorithm (TPM_ALG_NULL when none) and digest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The TPM_ALG_ID of the policy's hash, or TPM_ALG_NULL (0x0010) when unset.
    pub alg: u16,
    /// The policy digest (empty when unset).
    pub digest: Vec<u8>,
}

impl Policy {
    /// No policy.
    pub fn none() -> Policy {
        Policy {
            alg: 0x0010,
            digest: Vec::new(),
        }
    }
}

/// Dictionary-attack protection state (TPM 2.0 Part 1 §19.8.6; libtpms gp DA fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaState {
    /// failedTries: the current count of authorization failures.
    pub failed_tries: u32,
    /// maxTries: failures before lockout (libtpms default 3).
    pub max_tries: u32,
    /// recoveryTime: seconds after which one failure is forgotten (default 1000).
    pub recovery_time: u32,
    /// lockoutRecovery: seconds after a lockoutAuth failure before it may be tried again.
    pub lockout_recovery: u32,
    /// lockOutAuthEnabled: lockoutAuth may be used.
    pub lockout_auth_enabled: bool,
}

impl Default for DaState {
    /// libtpms `DAPreInstall_Init`.
    fn default() -> Self {
        DaState {
            failed_tries: 0,
            max_tries: 3,
            recovery_time: 1000,
            lockout_recovery: 1000,
            lockout_auth_enabled: true,
        }
    }
}

/// Which derivation variant a seed's primaries use (libtpms SEED_COMPAT_LEVEL: 0 original,
/// 1 with the fixed RSA prime adjustment). New seeds get the newest.
pub const SEED_COMPAT_LEVEL_LAST: u8 = 1;

/// A hierarchy seed with its derivation compatibility level.
#[derive(Clone, Debug)]
pub struct Seed {
    /// The seed bytes.
    pub value: Secret64,
    /// SEED_COMPAT_LEVEL of the primaries derived from it.
    pub compat: u8,
}

impl Seed {
    /// A seed of zeros (replaced by random bytes at manufacture).
    pub fn zero() -> Seed {
        Seed {
            value: Zeroizing::new([0; SEED_SIZE]),
            compat: SEED_COMPAT_LEVEL_LAST,
        }
    }
}

/// PERSISTENT_DATA + ORDERLY_DATA: what the permanent image holds.
#[derive(Clone, Debug)]
pub struct Persistent {
    /// disableClear (TPM2_ClearControl).
    pub disable_clear: bool,
    /// ownerAuth, endorsementAuth, lockoutAuth.
    pub owner_auth: AuthValue,
    /// endorsementAuth.
    pub endorsement_auth: AuthValue,
    /// lockoutAuth.
    pub lockout_auth: AuthValue,
    /// ownerPolicy with ownerAlg.
    pub owner_policy: Policy,
    /// endorsementPolicy with endorsementAlg.
    pub endorsement_policy: Policy,
    /// lockoutPolicy with lockoutAlg.
    pub lockout_policy: Policy,
    /// The endorsement primary seed.
    pub eps: Seed,
    /// The storage primary seed.
    pub sps: Seed,
    /// The platform primary seed.
    pub pps: Seed,
    /// phProof, shProof, ehProof.
    pub ph_proof: Secret64,
    /// shProof.
    pub sh_proof: Secret64,
    /// ehProof.
    pub eh_proof: Secret64,
    /// totalResetCount.
    pub total_reset_count: u32,
    /// resetCount (TPMS_CLOCK_INFO.resetCount).
    pub reset_count: u32,
    /// pcrAllocated: which PCRs each bank has (effective at the next Startup(CLEAR)).
    pub pcr_allocated: Allocation,
    /// pcrPolicies for the policy group (PCR 20-22): hash alg and digest.
    pub pcr_policy: Policy,
    /// Dictionary-attack state.
    pub da: DaState,
    /// orderlyState: the TPM_SU of the last orderly shutdown, with flags, or SU_NONE.
    pub orderly_state: u16,
    /// Clock (go.clock), in milliseconds.
    pub clock: u64,
    /// clockSafe (go.clockSafe).
    pub clock_safe: bool,
    /// firmwareV1 / V2 as reported in TPM_PT_FIRMWARE_VERSION_1/2.
    pub firmware: (u32, u32),
    /// What Shutdown(STATE) saved, consumed by the next Startup.
    pub saved: Option<(StateClear, StateReset)>,
    /// Persistent objects made by TPM2_EvictControl: (persistent handle, the engine's
    /// encoding of the object), sorted by handle (libtpms keeps them in NV RAM as OBJECTs).
    pub evict: Vec<(u32, Zeroizing<Vec<u8>>)>,
    /// Derived RSA primaries kept across restarts (TPM2_CreatePrimary is pure but an RSA
    /// prime search is slow): (digest of everything the derivation depends on, the engine's
    /// encoding of the public and sensitive areas), newest first. A cache: an image without
    /// it derives again.
    pub primary_cache: Vec<([u8; 32], Zeroizing<Vec<u8>>)>,
    /// Command audit (libtpms gp.auditCommands, auditHashAlg, auditCounter).
    pub audit: AuditState,
    /// gp.algorithmSet (TPM2_SetAlgorithmSet; TPM_PT_ALGORITHM_SET).
    pub algorithm_set: u32,
}

/// The command-audit settings of the permanent state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditState {
    /// Audited command codes, ascending.
    pub commands: Vec<u32>,
    /// The audit digest's hash (TPM_ALG_ID).
    pub hash_alg: u16,
    /// auditCounter: incremented when a new audit digest starts.
    pub counter: u64,
}

impl Default for AuditState {
    /// As manufactured (libtpms `CommandAuditPreInstall_Init`): TPM2_SetCommandCodeAuditStatus
    /// audited, SHA-512 (CONTEXT_INTEGRITY_HASH_ALG), counter 0.
    fn default() -> Self {
        AuditState {
            commands: vec![0x0000_0140],
            hash_alg: 0x000D,
            counter: 0,
        }
    }
}

/// STATE_CLEAR_DATA.
#[derive(Clone, Debug)]
pub struct StateClear {
    /// shEnable.
    pub sh_enable: bool,
    /// ehEnable.
    pub eh_enable: bool,
    /// phEnableNV.
    pub ph_enable_nv: bool,
    /// platformAuth.
    pub platform_auth: AuthValue,
    /// platformPolicy with platformAlg.
    pub platform_policy: Policy,
    /// pcrSave: the state-saved PCRs (Shutdown(STATE)).
    pub pcr_save: SavedPcrs,
    /// pcrAuthValues for the auth group (PCR 20-22).
    pub pcr_auth: AuthValue,
}

impl Default for StateClear {
    fn default() -> Self {
        StateClear {
            sh_enable: true,
            eh_enable: true,
            ph_enable_nv: true,
            platform_auth: AuthValue::default(),
            platform_policy: Policy::none(),
            pcr_save: SavedPcrs::default(),
            pcr_auth: AuthValue::default(),
        }
    }
}

/// STATE_RESET_DATA.
#[derive(Clone, Debug)]
pub struct StateReset {
    /// nullProof.
    pub null_proof: Secret64,
    /// nullSeed with its compat level.
    pub null_seed: Seed,
    /// clearCount: TPM Restarts since the last TPM Reset.
    pub clear_count: u32,
    /// objectContextID.
    pub object_context_id: u64,
    /// pcrCounter: the PCR update counter.
    pub pcr_counter: u32,
    /// restartCount (TPMS_CLOCK_INFO.restartCount).
    pub restart_count: u32,
    /// gr.commandAuditDigest: empty before the first audited command since a TPM Reset;
    /// one zero byte after TPM2_SetCommandCodeAuditStatus changed the hash (libtpms's size-1
    /// marker: the next audited command is not recorded).
    pub command_audit_digest: Vec<u8>,
    /// gr.contextCounter and gr.contextArray: the bookkeeping of saved session contexts,
    /// kept across TPM Resume and TPM Restart (the engine's encoding; empty for none).
    pub session_contexts: Vec<u8>,
}

impl Default for StateReset {
    fn default() -> Self {
        StateReset {
            null_proof: Zeroizing::new([0; PROOF_SIZE]),
            null_seed: Seed::zero(),
            clear_count: 0,
            object_context_id: 0,
            pcr_counter: 0,
            restart_count: 0,
            command_audit_digest: Vec::new(),
            session_contexts: Vec::new(),
        }
    }
}

impl Default for Persistent {
    fn default() -> Self {
        Persistent {
            disable_clear: false,
            owner_auth: AuthValue::default(),
            endorsement_auth: AuthValue::default(),
            lockout_auth: AuthValue::default(),
            owner_policy: Policy::none(),
            endorsement_policy: Policy::none(),
            lockout_policy: Policy::none(),
            eps: Seed::zero(),
            sps: Seed::zero(),
            pps: Seed::zero(),
            ph_proof: Zeroizing::new([0; PROOF_SIZE]),
            sh_proof: Zeroizing::new([0; PROOF_SIZE]),
            eh_proof: Zeroizing::new([0; PROOF_SIZE]),
            total_reset_count: 0,
            reset_count: 0,
            pcr_allocated: Allocation::default(),
            pcr_policy: Policy::none(),
            da: DaState::default(),
            orderly_state: 0x0000, // TPM_SU_CLEAR: manufacture ends orderly.
            clock: 0,
            clock_safe: true,
            firmware: (
                crate::properties::FIRMWARE_V1,
                crate::properties::FIRMWARE_V2,
            ),
            saved: None,
            evict: Vec::new(),
            primary_cache: Vec::new(),
            audit: AuditState::default(),
            algorithm_set: 0,
        }
    }
}

// ---- Image format ---------------------------------------------------------------------------

/// Format version of the images this build writes and the newest it reads.
pub const IMAGE_VERSION: u32 = 1;

/// Section tags of the permanent image.
mod tag {
    use super::CRITICAL;
    pub const PERSISTENT: u16 = CRITICAL | 0x0001;
    pub const SAVED_CLEAR: u16 = CRITICAL | 0x0002;
    pub const SAVED_RESET: u16 = CRITICAL | 0x0003;
    /// Persistent objects (TPM2_EvictControl); absent when there are none.
    pub const EVICT: u16 = CRITICAL | 0x0005;
    /// Cached RSA primaries; not critical (a reader that skips it derives again).
    pub const PRIMARY_CACHE: u16 = 0x0006;
    /// Command-audit settings when they differ from manufacture's.
    pub const AUDIT: u16 = CRITICAL | 0x0007;
    /// gp.algorithmSet when not zero.
    pub const ALGORITHM_SET: u16 = CRITICAL | 0x0008;
    pub const VOL_CLEAR: u16 = CRITICAL | 0x0010;
    pub const VOL_RESET: u16 = CRITICAL | 0x0011;
    pub const VOL_RUNTIME: u16 = CRITICAL | 0x0012;
    pub const VOL_PCRS: u16 = CRITICAL | 0x0013;
    /// Clock of the running TPM (libtpms keeps `go`, the orderly data with the clock, in
    /// its volatile state). Not critical: an older build ignores it and resumes with the
    /// permanent image's clock.
    pub const VOL_CLOCK: u16 = 0x0014;
    /// Loaded authorization sessions; optional (an image without it has none).
    pub const VOL_SESSIONS: u16 = CRITICAL | 0x0015;
    /// Loaded transient objects of the running TPM (hash and event sequences), each encoded
    /// by the engine. Not critical: an older build resumes without them, as after a flush.
    pub const VOL_OBJECTS: u16 = 0x0016;
}

fn put_auth(w: &mut Writer<'_>, a: &AuthValue) {
    w.u8(a.len);
    w.put(a.as_slice());
}

fn get_auth(r: &mut Reader<'_>) -> Result<AuthValue, EngineError> {
    let len = usize::from(r.read_u8().map_err(bad)?);
    let bytes = r.take(len).map_err(bad)?;
    AuthValue::new(bytes).ok_or(EngineError::BadState("authValue too long"))
}

fn put_policy(w: &mut Writer<'_>, p: &Policy) {
    w.u16(p.alg);
    w.u8(u8::try_from(p.digest.len()).unwrap_or(0));
    w.put(&p.digest);
}

fn get_policy(r: &mut Reader<'_>) -> Result<Policy, EngineError> {
    let alg = r.read_u16().map_err(bad)?;
    let len = usize::from(r.read_u8().map_err(bad)?);
    if len > 64 {
        return Err(EngineError::BadState("policy digest too long"));
    }
    Ok(Policy {
        alg,
        digest: r.take(len).map_err(bad)?.to_vec(),
    })
}

fn put_seed(w: &mut Writer<'_>, s: &Seed) {
    w.u8(s.compat);
    w.put(&s.value[..]);
}

fn get_seed(r: &mut Reader<'_>) -> Result<Seed, EngineError> {
    let compat = r.read_u8().map_err(bad)?;
    if compat > SEED_COMPAT_LEVEL_LAST {
        return Err(EngineError::BadState("unknown seed compatibility level"));
    }
    Ok(Seed {
        compat,
        value: get64(r)?,
    })
}

fn get64(r: &mut Reader<'_>) -> Result<Secret64, EngineError> {
    let mut v = Zeroizing::new([0u8; 64]);
    v.copy_from_slice(r.take(64).map_err(bad)?);
    Ok(v)
}

fn get_bool(r: &mut Reader<'_>) -> Result<bool, EngineError> {
    match r.read_u8().map_err(bad)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(EngineError::BadState("boolean out of range")),
    }
}

fn bad(_: tpm_wire::WireError) -> EngineError {
    EngineError::BadState("truncated or malformed section")
}

fn finish(r: Reader<'_>) -> Result<(), EngineError> {
    r.finish()
        .map_err(|_| EngineError::BadState("trailing bytes in a section"))
}

fn put_allocation(w: &mut Writer<'_>, a: &Allocation) {
    for m in a.0 {
        w.u32(m.0);
    }
}

fn get_allocation(r: &mut Reader<'_>) -> Result<Allocation, EngineError> {
    let mut a = Allocation::default();
    for m in a.0.iter_mut() {
        let v = r.read_u32().map_err(bad)?;
        if v & !PcrMask::ALL.0 != 0 {
            return Err(EngineError::BadState(
                "PCR allocation names PCRs that do not exist",
            ));
        }
        *m = PcrMask(v);
    }
    Ok(a)
}

impl Persistent {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.u8(u8::from(self.disable_clear));
        put_auth(w, &self.owner_auth);
        put_auth(w, &self.endorsement_auth);
        put_auth(w, &self.lockout_auth);
        put_policy(w, &self.owner_policy);
        put_policy(w, &self.endorsement_policy);
        put_policy(w, &self.lockout_policy);
        put_seed(w, &self.eps);
        put_seed(w, &self.sps);
        put_seed(w, &self.pps);
        w.put(&self.ph_proof[..]);
        w.put(&self.sh_proof[..]);
        w.put(&self.eh_proof[..]);
        w.u32(self.total_reset_count);
        w.u32(self.reset_count);
        put_allocation(w, &self.pcr_allocated);
        put_policy(w, &self.pcr_policy);
        w.u32(self.da.failed_tries);
        w.u32(self.da.max_tries);
        w.u32(self.da.recovery_time);
        w.u32(self.da.lockout_recovery);
        w.u8(u8::from(self.da.lockout_auth_enabled));
        w.u16(self.orderly_state);
        w.u64(self.clock);
        w.u8(u8::from(self.clock_safe));
        w.u32(self.firmware.0);
        w.u32(self.firmware.1);
    }

    fn unmarshal(r: &mut Reader<'_>) -> Result<Persistent, EngineError> {
        Ok(Persistent {
            disable_clear: get_bool(r)?,
            owner_auth: get_auth(r)?,
            endorsement_auth: get_auth(r)?,
            lockout_auth: get_auth(r)?,
            owner_policy: get_policy(r)?,
            endorsement_policy: get_policy(r)?,
            lockout_policy: get_policy(r)?,
            eps: get_seed(r)?,
            sps: get_seed(r)?,
            pps: get_seed(r)?,
            ph_proof: get64(r)?,
            sh_proof: get64(r)?,
            eh_proof: get64(r)?,
            total_reset_count: r.read_u32().map_err(bad)?,
            reset_count: r.read_u32().map_err(bad)?,
            pcr_allocated: get_allocation(r)?,
            pcr_policy: get_policy(r)?,
            da: DaState {
                failed_tries: r.read_u32().map_err(bad)?,
                max_tries: r.read_u32().map_err(bad)?,
                recovery_time: r.read_u32().map_err(bad)?,
                lockout_recovery: r.read_u32().map_err(bad)?,
                lockout_auth_enabled: get_bool(r)?,
            },
            orderly_state: r.read_u16().map_err(bad)?,
            clock: r.read_u64().map_err(bad)?,
            clock_safe: get_bool(r)?,
            firmware: (r.read_u32().map_err(bad)?, r.read_u32().map_err(bad)?),
            saved: None,
            evict: Vec::new(),
            primary_cache: Vec::new(),
            audit: AuditState::default(),
            algorithm_set: 0,
        })
    }
}

fn put_saved_pcrs(w: &mut Writer<'_>, s: &SavedPcrs) {
    for alg in BANKS {
        for pcr in 0..SAVED_COUNT {
            if let Some(v) = s.get(alg, pcr) {
                w.put(v);
            }
        }
    }
}

fn get_saved_pcrs(r: &mut Reader<'_>) -> Result<SavedPcrs, EngineError> {
    let mut s = SavedPcrs::default();
    for alg in BANKS {
        for pcr in 0..SAVED_COUNT {
            if let Some(v) = s.get_mut(alg, pcr) {
                let n = v.len();
                v.copy_from_slice(r.take(n).map_err(bad)?);
            }
        }
    }
    Ok(s)
}

impl StateClear {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.u8(u8::from(self.sh_enable));
        w.u8(u8::from(self.eh_enable));
        w.u8(u8::from(self.ph_enable_nv));
        put_auth(w, &self.platform_auth);
        put_policy(w, &self.platform_policy);
        put_saved_pcrs(w, &self.pcr_save);
        put_auth(w, &self.pcr_auth);
    }

    fn unmarshal(r: &mut Reader<'_>) -> Result<StateClear, EngineError> {
        Ok(StateClear {
            sh_enable: get_bool(r)?,
            eh_enable: get_bool(r)?,
            ph_enable_nv: get_bool(r)?,
            platform_auth: get_auth(r)?,
            platform_policy: get_policy(r)?,
            pcr_save: get_saved_pcrs(r)?,
            pcr_auth: get_auth(r)?,
        })
    }
}

impl StateReset {
    /// Read the optional trailing fields (see `marshal`); unknown tags are an error.
    fn with_trailing(mut self, r: &mut Reader<'_>) -> Result<StateReset, EngineError> {
        while !r.is_empty() {
            let tag = r.read_u8().map_err(bad)?;
            let n = usize::from(r.read_u16().map_err(bad)?);
            let v = r.take(n).map_err(bad)?.to_vec();
            match tag {
                1 if n <= 64 => self.command_audit_digest = v,
                2 => self.session_contexts = v,
                _ => return Err(EngineError::BadState("unknown field in the reset data")),
            }
        }
        Ok(self)
    }

    fn marshal(&self, w: &mut Writer<'_>) {
        w.put(&self.null_proof[..]);
        put_seed(w, &self.null_seed);
        w.u32(self.clear_count);
        w.u64(self.object_context_id);
        w.u32(self.pcr_counter);
        w.u32(self.restart_count);
        // Optional trailing fields as (tag u8, length u16, bytes): an image without them
        // stays readable by builds that predate them.
        for (tag, v) in [
            (1u8, &self.command_audit_digest),
            (2u8, &self.session_contexts),
        ] {
            if !v.is_empty() {
                w.u8(tag);
                w.u16(u16::try_from(v.len()).unwrap_or(0));
                w.put(v);
            }
        }
    }

    fn unmarshal(r: &mut Reader<'_>) -> Result<StateReset, EngineError> {
        StateReset {
            null_proof: get64(r)?,
            null_seed: get_seed(r)?,
            clear_count: r.read_u32().map_err(bad)?,
            object_context_id: r.read_u64().map_err(bad)?,
            pcr_counter: r.read_u32().map_err(bad)?,
            restart_count: r.read_u32().map_err(bad)?,
            command_audit_digest: Vec::new(),
            session_contexts: Vec::new(),
        }
        .with_trailing(r)
    }
}

/// The permanent image of `p`.
pub fn export_permanent(p: &Persistent) -> Zeroizing<Vec<u8>> {
    let mut img = ImageWriter::new(TpmFamily::Tpm20, StateKind::Permanent, IMAGE_VERSION);
    img.section(tag::PERSISTENT, |w| p.marshal(w));
    if let Some((c, r)) = &p.saved {
        img.section(tag::SAVED_CLEAR, |w| c.marshal(w));
        img.section(tag::SAVED_RESET, |w| r.marshal(w));
    }
    if p.algorithm_set != 0 {
        img.section(tag::ALGORITHM_SET, |w| w.u32(p.algorithm_set));
    }
    if p.audit != AuditState::default() {
        img.section(tag::AUDIT, |w| {
            w.u16(p.audit.hash_alg);
            w.u64(p.audit.counter);
            w.u16(u16::try_from(p.audit.commands.len()).unwrap_or(0));
            for cc in &p.audit.commands {
                w.u32(*cc);
            }
        });
    }
    if !p.primary_cache.is_empty() {
        img.section(tag::PRIMARY_CACHE, |w| {
            w.u8(u8::try_from(p.primary_cache.len()).unwrap_or(0));
            for (key, bytes) in &p.primary_cache {
                w.put(key);
                w.u32(u32::try_from(bytes.len()).unwrap_or(0));
                w.put(bytes);
            }
        });
    }
    if !p.evict.is_empty() {
        img.section(tag::EVICT, |w| {
            w.u32(u32::try_from(p.evict.len()).unwrap_or(0));
            for (h, bytes) in &p.evict {
                w.u32(*h);
                w.u32(u32::try_from(bytes.len()).unwrap_or(0));
                w.put(bytes);
            }
        });
    }
    img.finish()
}

/// Read a permanent image.
///
/// # Errors
/// The image is damaged, of another family or kind, or newer than this build.
pub fn import_permanent(image: &[u8]) -> Result<Persistent, EngineError> {
    let img = ImageReader::parse(
        image,
        TpmFamily::Tpm20,
        StateKind::Permanent,
        IMAGE_VERSION,
        &[
            tag::PERSISTENT,
            tag::SAVED_CLEAR,
            tag::SAVED_RESET,
            tag::EVICT,
            tag::PRIMARY_CACHE,
            tag::AUDIT,
            tag::ALGORITHM_SET,
        ],
    )?;
    let mut r = img.required(tag::PERSISTENT)?;
    let mut p = Persistent::unmarshal(&mut r)?;
    finish(r)?;
    if let Some(mut e) = img.section(tag::EVICT) {
        let n = e.read_u32().map_err(bad)?;
        let mut last = 0u32;
        for _ in 0..n {
            let h = e.read_u32().map_err(bad)?;
            if h >> 24 != 0x81 || h <= last {
                return Err(EngineError::BadState(
                    "persistent object handles out of order",
                ));
            }
            last = h;
            let len = usize::try_from(e.read_u32().map_err(bad)?).unwrap_or(usize::MAX);
            p.evict
                .push((h, Zeroizing::new(e.take(len).map_err(bad)?.to_vec())));
        }
        finish(e)?;
    }
    if let Some(mut a) = img.section(tag::ALGORITHM_SET) {
        p.algorithm_set = a.read_u32().map_err(bad)?;
        finish(a)?;
    }
    if let Some(mut a) = img.section(tag::AUDIT) {
        let hash_alg = a.read_u16().map_err(bad)?;
        let counter = a.read_u64().map_err(bad)?;
        let n = a.read_u16().map_err(bad)?;
        let mut commands = Vec::new();
        for _ in 0..n {
            let cc = a.read_u32().map_err(bad)?;
            if commands.last().is_some_and(|l| *l >= cc) {
                return Err(EngineError::BadState("audited commands out of order"));
            }
            commands.push(cc);
        }
        finish(a)?;
        p.audit = AuditState {
            commands,
            hash_alg,
            counter,
        };
    }
    if let Some(mut c) = img.section(tag::PRIMARY_CACHE) {
        // A damaged cache is dropped, not an error: it only saves time.
        let mut entries = Vec::new();
        let ok = (|| -> Option<()> {
            let n = c.read_u8().ok()?;
            for _ in 0..n {
                let mut key = [0u8; 32];
                key.copy_from_slice(c.take(32).ok()?);
                let len = usize::try_from(c.read_u32().ok()?).ok()?;
                entries.push((key, Zeroizing::new(c.take(len).ok()?.to_vec())));
            }
            c.is_empty().then_some(())
        })();
        if ok.is_some() {
            p.primary_cache = entries;
        }
    }
    p.saved = match (img.section(tag::SAVED_CLEAR), img.section(tag::SAVED_RESET)) {
        (Some(mut c), Some(mut r)) => {
            let clear = StateClear::unmarshal(&mut c)?;
            finish(c)?;
            let reset = StateReset::unmarshal(&mut r)?;
            finish(r)?;
            Some((clear, reset))
        }
        (None, None) => None,
        _ => {
            return Err(EngineError::BadState(
                "half of the Shutdown(STATE) data is missing",
            ));
        }
    };
    Ok(p)
}

/// What the volatile image adds to the permanent one: the running TPM.
#[derive(Clone, Debug)]
pub struct Volatile {
    /// STATE_CLEAR_DATA of the running TPM.
    pub clear: StateClear,
    /// STATE_RESET_DATA of the running TPM.
    pub reset: StateReset,
    /// Current PCR values.
    pub pcrs: PcrValues,
    /// phEnable (g_phEnable).
    pub ph_enable: bool,
    /// Startup came from locality 3.
    pub startup_locality3: bool,
    /// An H-CRTM sequence ran before Startup.
    pub drtm_pre_startup: bool,
    /// PCR_Allocate succeeded since Startup (Shutdown(STATE) is then refused).
    pub pcr_reconfig: bool,
    /// Time (milliseconds since _TPM_Init) when the image was taken.
    pub time: u64,
    /// The PCR allocation the running TPM used (and `pcrs` holds); it can differ from the
    /// permanent image's after a TPM2_PCR_Allocate, which takes effect only at power-on.
    pub alloc: Allocation,
    /// Clock and clockSafe when the image was taken (None in images of older builds). The
    /// permanent image's clock lags: libtpms writes it to NV only when it crosses an update
    /// interval, so a TPM resumed elsewhere (migration) takes the clock from here.
    pub clock: Option<(u64, bool)>,
    /// The authorization sessions (lost at the next Startup, as libtpms loses them).
    pub(crate) sessions: crate::session::Sessions,
    /// Loaded transient objects: (slot, the engine's encoding of the object). libtpms keeps
    /// its object slots in the volatile state, so a sequence survives a migration.
    pub objects: Vec<(u8, Zeroizing<Vec<u8>>)>,
}

/// The volatile image.
pub fn export_volatile(v: &Volatile) -> Zeroizing<Vec<u8>> {
    let alloc = &v.alloc;
    let mut img = ImageWriter::new(TpmFamily::Tpm20, StateKind::Volatile, IMAGE_VERSION);
    img.section(tag::VOL_CLEAR, |w| v.clear.marshal(w));
    img.section(tag::VOL_RESET, |w| v.reset.marshal(w));
    img.section(tag::VOL_RUNTIME, |w| {
        w.u8(u8::from(v.ph_enable));
        w.u8(u8::from(v.startup_locality3));
        w.u8(u8::from(v.drtm_pre_startup));
        w.u8(u8::from(v.pcr_reconfig));
        w.u64(v.time);
        put_allocation(w, alloc);
    });
    if let Some((clock, safe)) = v.clock {
        img.section(tag::VOL_CLOCK, |w| {
            w.u64(clock);
            w.u8(u8::from(safe));
        });
    }
    img.section(tag::VOL_SESSIONS, |w| v.sessions.marshal(w));
    if !v.objects.is_empty() {
        img.section(tag::VOL_OBJECTS, |w| {
            w.u8(u8::try_from(v.objects.len()).unwrap_or(0));
            for (slot, bytes) in &v.objects {
                w.u8(*slot);
                w.u32(u32::try_from(bytes.len()).unwrap_or(0));
                w.put(bytes);
            }
        });
    }
    img.section(tag::VOL_PCRS, |w| {
        for alg in BANKS {
            for pcr in 0..PCR_COUNT {
                if alloc.is_allocated(pcr, alg) {
                    if let Some(val) = v.pcrs.get(alg, pcr) {
                        w.put(val);
                    }
                }
            }
        }
    });
    img.finish()
}

/// Read a volatile image.
///
/// # Errors
/// The image is damaged, of another family or kind, or newer than this build.
pub fn import_volatile(image: &[u8]) -> Result<Volatile, EngineError> {
    let img = ImageReader::parse(
        image,
        TpmFamily::Tpm20,
        StateKind::Volatile,
        IMAGE_VERSION,
        &[
            tag::VOL_CLEAR,
            tag::VOL_RESET,
            tag::VOL_RUNTIME,
            tag::VOL_PCRS,
            tag::VOL_CLOCK,
            tag::VOL_SESSIONS,
            tag::VOL_OBJECTS,
        ],
    )?;
    let mut c = img.required(tag::VOL_CLEAR)?;
    let clear = StateClear::unmarshal(&mut c)?;
    finish(c)?;
    let mut r = img.required(tag::VOL_RESET)?;
    let reset = StateReset::unmarshal(&mut r)?;
    finish(r)?;
    let mut rt = img.required(tag::VOL_RUNTIME)?;
    let ph_enable = get_bool(&mut rt)?;
    let startup_locality3 = get_bool(&mut rt)?;
    let drtm_pre_startup = get_bool(&mut rt)?;
    let pcr_reconfig = get_bool(&mut rt)?;
    let time = rt.read_u64().map_err(bad)?;
    let alloc = get_allocation(&mut rt)?;
    finish(rt)?;
    let mut p = img.required(tag::VOL_PCRS)?;
    let mut pcrs = PcrValues::default();
    for alg in BANKS {
        for pcr in 0..PCR_COUNT {
            if alloc.is_allocated(pcr, alg) {
                if let Some(val) = pcrs.value_mut(alg, pcr) {
                    let n = val.len();
                    val.copy_from_slice(p.take(n).map_err(bad)?);
                }
            }
        }
    }
    finish(p)?;
    let clock = match img.section(tag::VOL_CLOCK) {
        Some(mut c) => {
            let clock = c.read_u64().map_err(bad)?;
            let safe = get_bool(&mut c)?;
            finish(c)?;
            Some((clock, safe))
        }
        None => None,
    };
    let sessions = match img.section(tag::VOL_SESSIONS) {
        Some(mut s) => {
            let v = crate::session::Sessions::unmarshal(&mut s).map_err(EngineError::BadState)?;
            finish(s)?;
            v
        }
        None => crate::session::Sessions::default(),
    };
    let mut objects = Vec::new();
    if let Some(mut o) = img.section(tag::VOL_OBJECTS) {
        let n = o.read_u8().map_err(bad)?;
        for _ in 0..n {
            let slot = o.read_u8().map_err(bad)?;
            let len = o.read_u32().map_err(bad)?;
            let len = usize::try_from(len).map_err(|_| EngineError::BadState("object size"))?;
            objects.push((slot, Zeroizing::new(o.take(len).map_err(bad)?.to_vec())));
        }
        finish(o)?;
    }
    Ok(Volatile {
        sessions,
        clear,
        reset,
        pcrs,
        ph_enable,
        startup_locality3,
        drtm_pre_startup,
        pcr_reconfig,
        time,
        alloc,
        clock,
        objects,
    })
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use super::*;

    fn sample() -> Persistent {
        let mut p = Persistent::default();
        p.owner_auth = AuthValue::new(b"owner").unwrap();
        p.eps.value[0] = 7;
        p.sps.compat = 0;
        p.reset_count = 9;
        p.clock = 123_456;
        p.pcr_allocated.0[0] = PcrMask(0);
        p.owner_policy = Policy {
            alg: 0x000B,
            digest: vec![1; 32],
        };
        let mut c = StateClear::default();
        c.sh_enable = false;
        let mut r = StateReset::default();
        r.restart_count = 4;
        p.saved = Some((c, r));
        p
    }

    #[test]
    fn permanent_round_trip() {
        let p = sample();
        let img = export_permanent(&p);
        let q = import_permanent(&img).unwrap();
        assert_eq!(export_permanent(&q)[..], img[..]);
        assert_eq!(q.owner_auth.as_slice(), b"owner");
        assert_eq!(q.sps.compat, 0);
        assert_eq!(q.saved.as_ref().unwrap().1.restart_count, 4);
        assert!(!q.saved.as_ref().unwrap().0.sh_enable);
    }

    #[test]
    fn damaged_permanent_is_refused() {
        let img = export_permanent(&sample());
        for n in [0, 10, img.len() / 2, img.len() - 1] {
            assert!(import_permanent(&img[..n]).is_err());
        }
        let mut d = img.to_vec();
        d[40] ^= 0x10;
        assert!(import_permanent(&d).is_err());
    }

    #[test]
    fn auth_values_drop_trailing_zeros() {
        let a = AuthValue::new(&[1, 2, 0, 0]).unwrap();
        assert_eq!(a.as_slice(), &[1, 2]);
        assert!(a.matches(&AuthValue::new(&[1, 2]).unwrap()));
        assert!(!a.matches(&AuthValue::new(&[1]).unwrap()));
        assert!(AuthValue::new(&[1; 65]).is_none());
    }
}
