//! TPM2_GetCapability (TPM 2.0 Part 3 §30.2; libtpms `CapabilityCommands.c`, `PropertyCap.c`).
//!
//! Only what is implemented is listed: the commands of the command table, the algorithms the
//! engine uses, the PCR banks, no ECC curve until ECC keys exist.

use tpm2_types::{
    TpmAlgId, TpmCap, TpmEccCurve, TpmHandle, TpmHt, TpmPt, TpmPtPcr, TpmRc, TpmaAlgorithm, TpmaCc,
    TpmiAlgHash, TpmiYesNo, TpmlActData, TpmlAlgProperty, TpmlCc, TpmlCca, TpmlEccCurve,
    TpmlHandle, TpmlPcrSelection, TpmlTaggedPcrProperty, TpmlTaggedPolicy, TpmlTaggedTpmProperty,
    TpmsAlgProperty, TpmsCapabilityData, TpmsPcrSelect, TpmsPcrSelection, TpmsTaggedPcrSelect,
    TpmsTaggedPolicy, TpmsTaggedProperty, TpmtHa, TpmuCapabilities, hc,
};

use crate::algorithms;
use crate::exec::Ctx;
use crate::pcr::{self, BANKS, PCR_COUNT};
use crate::properties as p;
use crate::table::COMMANDS;
use crate::tpm::Tpm2;

const MAX_CAP_HANDLES: u32 = 254;
const MAX_TPM_PROPERTIES: u32 = 127;
const MAX_PCR_PROPERTIES: u32 = 127;
const MAX_CAP_ALGS: u32 = 169;
const MAX_TAGGED_POLICIES: u32 = 14;
const MAX_ECC_CURVES: u32 = 508;
const PT_GROUP: u32 = 0x100;
const PT_FIXED: u32 = PT_GROUP;
const PT_VAR: u32 = PT_GROUP * 2;

/// Is `alg` implemented (for IncrementalSelfTest's check)?
pub(crate) fn implemented_alg(alg: TpmAlgId) -> bool {
    algorithms::is_implemented(alg.0)
}

/// TPM 2.0 Part 3 §30.2 TPM2_GetCapability.
///
/// # Errors
/// TPM_RC_VALUE (parameter 1) for an unknown capability; TPM_RC_VALUE (parameter 2) for a
/// bad PCRS or AUTH_POLICIES property; TPM_RC_HANDLE (parameter 2) for a handle range that
/// has no list.
pub(crate) fn get_capability(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let cap: TpmCap = ctx.param()?;
    // libtpms TPM_CAP_Unmarshal accepts only the defined capabilities: anything else is
    // TPM_RC_VALUE on the first parameter before the others are read.
    if !TpmCap::ALL.contains(&cap) {
        return Err(TpmRc::VALUE.parameter(1));
    }
    let property: u32 = ctx.param()?;
    let count: u32 = ctx.param()?;
    ctx.end()?;
    let (more, data) = match cap {
        TpmCap::ALGS => algs(property, count),
        TpmCap::HANDLES => handles(tpm, property, count)?,
        TpmCap::COMMANDS => commands(property, count),
        TpmCap::PP_COMMANDS => pp_commands(property, count),
        TpmCap::AUDIT_COMMANDS => audit_commands(tpm, property, count),
        TpmCap::PCRS => {
            if property != 0 {
                return Err(TpmRc::VALUE.parameter(2));
            }
            pcrs(tpm, count)
        }
        TpmCap::PCR_PROPERTIES => pcr_properties(property, count),
        TpmCap::TPM_PROPERTIES => tpm_properties(tpm, property, count),
        TpmCap::ECC_CURVES => ecc_curves(property, count),
        TpmCap::AUTH_POLICIES => {
            if TpmHandle(property).handle_type() != TpmHt::PERMANENT {
                return Err(TpmRc::VALUE.parameter(2));
            }
            auth_policies(tpm, property, count)
        }
        TpmCap::ACT => {
            // libtpms CapabilityCommands.c: the property must be an ACT handle; no ACT is
            // implemented (libtpms 0.9 RH_ACT_* = NO), so the list is empty.
            if !(TpmHandle::ACT_0.0..=TpmHandle::ACT_F.0).contains(&property) {
                return Err(TpmRc::VALUE.parameter(2));
            }
            (false, TpmuCapabilities::ActData(TpmlActData::new()))
        }
        _ => return Err(TpmRc::VALUE.parameter(1)),
    };
    ctx.write(&TpmiYesNo(more));
    ctx.write(&TpmsCapabilityData { data });
    Ok(())
}

/// Take up to `count` items from `items`; `more` when some were left.
fn take<T>(items: impl Iterator<Item = T>, count: u32) -> (bool, Vec<T>) {
    let mut out = Vec::new();
    let mut more = false;
    for it in items {
        if u32::try_from(out.len()).unwrap_or(u32::MAX) < count {
            out.push(it);
        } else {
            more = true;
            break;
        }
    }
    (more, out)
}

fn algs(start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let items = algorithms::IMPLEMENTED
        .iter()
        .filter(|(a, _)| u32::from(*a) >= start)
        .map(|(a, attr)| TpmsAlgProperty {
            alg: TpmAlgId(*a),
            alg_properties: TpmaAlgorithm(*attr),
        });
    let (more, v) = take(items, count.min(MAX_CAP_ALGS));
    (
        more,
        TpmuCapabilities::Algorithms(TpmlAlgProperty::from_vec(v).unwrap_or_default()),
    )
}

/// libtpms `CryptCapGetECCCurve`: the implemented curves from `start` on.
fn ecc_curves(start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let items = algorithms::CURVES
        .iter()
        .filter(|c| u32::from(**c) >= start)
        .map(|c| TpmEccCurve(*c));
    let (more, v) = take(items, count.min(MAX_ECC_CURVES));
    (
        more,
        TpmuCapabilities::EccCurves(TpmlEccCurve::from_vec(v).unwrap_or_default()),
    )
}

fn commands(start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let items = COMMANDS
        .iter()
        .filter(|d| d.cc.0 >= start)
        .map(|d| d.attributes());
    let (more, v): (bool, Vec<TpmaCc>) = take(items, count);
    (
        more,
        TpmuCapabilities::Command(TpmlCca::from_vec(v).unwrap_or_default()),
    )
}

/// libtpms `PhysicalPresenceCapGetCCList`: the commands that need physical presence when the
/// platform authorizes them, from `start` (see `cmd::misc::PP_LIST`).
fn pp_commands(start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let items = COMMANDS
        .iter()
        .filter(|d| d.cc.0 >= start && crate::cmd::misc::pp_required(d.cc))
        .map(|d| d.cc);
    let (more, v) = take(items, count);
    (
        more,
        TpmuCapabilities::PpCommands(TpmlCc::from_vec(v).unwrap_or_default()),
    )
}

/// libtpms `CommandAuditCapGetCCList`: the audited commands from `start`, ascending.
fn audit_commands(tpm: &Tpm2, start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let items = COMMANDS
        .iter()
        .filter(|d| d.cc.0 >= start && tpm.audit_required(d.cc))
        .map(|d| d.cc);
    let (more, v) = take(items, count);
    (
        more,
        TpmuCapabilities::AuditCommands(TpmlCc::from_vec(v).unwrap_or_default()),
    )
}

/// Permanent handles libtpms lists (`NextPermanentHandle`).
const PERMANENT: &[TpmHandle] = &[
    TpmHandle::OWNER,
    TpmHandle::NULL,
    TpmHandle::PW,
    TpmHandle::LOCKOUT,
    TpmHandle::ENDORSEMENT,
    TpmHandle::PLATFORM,
    TpmHandle::PLATFORM_NV,
];

fn handles(tpm: &Tpm2, start: u32, count: u32) -> Result<(bool, TpmuCapabilities), TpmRc> {
    let count = count.min(MAX_CAP_HANDLES);
    let list: Vec<TpmHandle> = match TpmHandle(start).handle_type() {
        TpmHt::PCR => (start & hc::HR_HANDLE_MASK..u32::try_from(PCR_COUNT).unwrap_or(0))
            .map(TpmHandle)
            .collect(),
        TpmHt::PERMANENT => PERMANENT.iter().copied().filter(|h| h.0 >= start).collect(),
        TpmHt::TRANSIENT => tpm
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| o.is_some())
            .filter_map(|(i, _)| {
                u32::try_from(i)
                    .ok()
                    .map(|i| TpmHandle(hc::TRANSIENT_FIRST + i))
            })
            .filter(|h| h.0 >= start)
            .collect(),
        TpmHt::HMAC_SESSION | TpmHt::POLICY_SESSION => tpm.sessions.cap_handles(TpmHandle(start)),
        TpmHt::PERSISTENT => tpm.persistent_handles().filter(|h| h.0 >= start).collect(),
        TpmHt::NV_INDEX => Vec::new(),
        _ => return Err(TpmRc::HANDLE.parameter(2)),
    };
    let (more, v) = take(list.into_iter(), count);
    Ok((
        more,
        TpmuCapabilities::Handles(TpmlHandle::from_vec(v).unwrap_or_default()),
    ))
}

fn pcrs(tpm: &Tpm2, count: u32) -> (bool, TpmuCapabilities) {
    if count == 0 {
        return (true, TpmuCapabilities::AssignedPcr(TpmlPcrSelection::new()));
    }
    let v: Vec<TpmsPcrSelection> = BANKS
        .iter()
        .map(|alg| {
            let mask = tpm.perm.pcr_allocated.mask(*alg);
            TpmsPcrSelection {
                hash: TpmiAlgHash(TpmAlgId(alg.tpm_alg())),
                pcr_select: TpmsPcrSelect::from_pcrs((0..PCR_COUNT).filter(|i| mask.contains(*i))),
            }
        })
        .collect();
    (
        false,
        TpmuCapabilities::AssignedPcr(TpmlPcrSelection::from_vec(v).unwrap_or_default()),
    )
}

/// libtpms `PCRGetProperty`.
fn pcr_property(tag: u32) -> Option<TpmsTaggedPcrSelect> {
    let pick = |f: &dyn Fn(&pcr::PcrAttributes) -> bool| {
        TpmsPcrSelect::from_pcrs((0..PCR_COUNT).filter(|i| f(&pcr::attributes(*i))))
    };
    let bit = |field: fn(&pcr::PcrAttributes) -> u8, n: u8| {
        move |a: &pcr::PcrAttributes| field(a) & (1 << n) != 0
    };
    let ext = |a: &pcr::PcrAttributes| a.extend_locality;
    let rst = |a: &pcr::PcrAttributes| a.reset_locality;
    let select = match tag {
        0x00 => pick(&|a| a.state_save),                   // TPM_PT_PCR_SAVE
        0x01 => pick(&bit(ext, 0)),                        // EXTEND_L0
        0x02 => pick(&bit(rst, 0)),                        // RESET_L0
        0x03 => pick(&bit(ext, 1)),                        // EXTEND_L1
        0x04 => pick(&bit(rst, 1)),                        // RESET_L1
        0x05 => pick(&bit(ext, 2)),                        // EXTEND_L2
        0x06 => pick(&bit(rst, 2)),                        // RESET_L2
        0x07 => pick(&bit(ext, 3)),                        // EXTEND_L3
        0x08 => pick(&bit(rst, 3)),                        // RESET_L3
        0x09 => pick(&bit(ext, 4)),                        // EXTEND_L4
        0x0A => pick(&bit(rst, 4)),                        // RESET_L4
        0x11 => pick(&|_| false),                          // NO_INCREMENT... see below
        0x12 => pick(&bit(rst, 4)),                        // DRTM_RESET
        0x13 => TpmsPcrSelect::from_pcrs(pcr::AUTH_GROUP), // POLICY
        0x14 => TpmsPcrSelect::from_pcrs(pcr::AUTH_GROUP), // AUTH
        _ => return None,
    };
    let select = if tag == 0x11 {
        // TPM_PT_PCR_NO_INCREMENT: the PCRs whose changes do not bump the update counter.
        TpmsPcrSelect::from_pcrs((0..PCR_COUNT).filter(|i| !pcr::counts_change(*i)))
    } else {
        select
    };
    Some(TpmsTaggedPcrSelect {
        tag: TpmPtPcr(tag),
        pcr_select: select,
    })
}

fn pcr_properties(start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let count = count.min(MAX_PCR_PROPERTIES);
    let mut out = Vec::new();
    let mut more = false;
    // TPM_PT_PCR_LAST is TPM_PT_PCR_AUTH (0x14).
    for tag in start..=0x14 {
        if u32::try_from(out.len()).unwrap_or(u32::MAX) >= count {
            more = true;
            break;
        }
        if let Some(p) = pcr_property(tag) {
            out.push(p);
        }
    }
    (
        more,
        TpmuCapabilities::PcrProperties(TpmlTaggedPcrProperty::from_vec(out).unwrap_or_default()),
    )
}

/// libtpms `TPMPropertyIsDefined`.
fn property(tpm: &Tpm2, pt: u32) -> Option<u32> {
    let v = match TpmPt(pt) {
        TpmPt::FAMILY_INDICATOR => p::FAMILY,
        TpmPt::LEVEL => p::LEVEL,
        TpmPt::REVISION => p::REVISION,
        TpmPt::DAY_OF_YEAR => p::DAY_OF_YEAR,
        TpmPt::YEAR => p::YEAR,
        TpmPt::MANUFACTURER => p::MANUFACTURER,
        TpmPt::VENDOR_STRING_1 => p::VENDOR_STRING_1,
        TpmPt::VENDOR_STRING_2 => p::VENDOR_STRING_2,
        TpmPt::VENDOR_STRING_3 => p::VENDOR_STRING_3,
        TpmPt::VENDOR_STRING_4 => p::VENDOR_STRING_4,
        TpmPt::VENDOR_TPM_TYPE => p::VENDOR_TPM_TYPE,
        TpmPt::FIRMWARE_VERSION_1 => tpm.perm.firmware.0,
        TpmPt::FIRMWARE_VERSION_2 => tpm.perm.firmware.1,
        TpmPt::INPUT_BUFFER => p::INPUT_BUFFER,
        TpmPt::HR_TRANSIENT_MIN => p::MAX_LOADED_OBJECTS,
        TpmPt::HR_PERSISTENT_MIN => p::MIN_EVICT_OBJECTS,
        TpmPt::HR_LOADED_MIN => p::MAX_LOADED_SESSIONS,
        TpmPt::ACTIVE_SESSIONS_MAX => p::MAX_ACTIVE_SESSIONS,
        TpmPt::PCR_COUNT => p::PCR_COUNT,
        TpmPt::PCR_SELECT_MIN => p::PCR_SELECT_MIN,
        TpmPt::CONTEXT_GAP_MAX => p::CONTEXT_GAP_MAX,
        TpmPt::NV_COUNTERS_MAX => p::NV_COUNTERS_MAX,
        TpmPt::NV_INDEX_MAX => p::NV_INDEX_MAX,
        TpmPt::MEMORY => p::MEMORY,
        TpmPt::CLOCK_UPDATE => p::CLOCK_UPDATE,
        TpmPt::CONTEXT_HASH => p::CONTEXT_HASH,
        TpmPt::CONTEXT_SYM => p::CONTEXT_SYM,
        TpmPt::CONTEXT_SYM_SIZE => p::CONTEXT_SYM_SIZE,
        TpmPt::ORDERLY_COUNT => p::ORDERLY_COUNT,
        TpmPt::MAX_COMMAND_SIZE => p::MAX_COMMAND_SIZE,
        TpmPt::MAX_RESPONSE_SIZE => p::MAX_RESPONSE_SIZE,
        TpmPt::MAX_DIGEST => p::MAX_DIGEST,
        TpmPt::MAX_OBJECT_CONTEXT => p::MAX_OBJECT_CONTEXT,
        TpmPt::MAX_SESSION_CONTEXT => p::MAX_SESSION_CONTEXT,
        TpmPt::PS_FAMILY_INDICATOR => p::PS_FAMILY,
        TpmPt::PS_LEVEL => p::PS_LEVEL,
        TpmPt::PS_REVISION => p::PS_REVISION,
        TpmPt::PS_DAY_OF_YEAR => p::PS_DAY_OF_YEAR,
        TpmPt::PS_YEAR => p::PS_YEAR,
        TpmPt::SPLIT_MAX => p::SPLIT_MAX,
        TpmPt::TOTAL_COMMANDS | TpmPt::LIBRARY_COMMANDS => {
            u32::try_from(COMMANDS.len()).unwrap_or(0)
        }
        TpmPt::VENDOR_COMMANDS => p::VENDOR_COMMANDS,
        TpmPt::NV_BUFFER_MAX => p::NV_BUFFER_MAX,
        TpmPt::MODES => p::MODES,
        TpmPt::MAX_CAP_BUFFER => p::MAX_CAP_BUFFER,
        TpmPt::PERMANENT => {
            let mut f = 0u32;
            if !tpm.perm.owner_auth.as_slice().is_empty() {
                f |= 1 << 0;
            }
            if !tpm.perm.endorsement_auth.as_slice().is_empty() {
                f |= 1 << 1;
            }
            if !tpm.perm.lockout_auth.as_slice().is_empty() {
                f |= 1 << 2;
            }
            if tpm.perm.disable_clear {
                f |= 1 << 8;
            }
            if tpm.perm.da.failed_tries >= tpm.perm.da.max_tries {
                f |= 1 << 9;
            }
            f | 1 << 10 // tpmGeneratedEPS
        }
        TpmPt::STARTUP_CLEAR => {
            let mut f = 0u32;
            if tpm.rt.ph_enable {
                f |= 1 << 0;
            }
            if tpm.clear.sh_enable {
                f |= 1 << 1;
            }
            if tpm.clear.eh_enable {
                f |= 1 << 2;
            }
            if tpm.clear.ph_enable_nv {
                f |= 1 << 3;
            }
            if tpm.rt.prev_orderly != crate::state::SU_NONE {
                f |= 1 << 31;
            }
            f
        }
        TpmPt::HR_NV_INDEX => 0,
        TpmPt::HR_LOADED => tpm.sessions.loaded(),
        TpmPt::HR_LOADED_AVAIL => p::MAX_LOADED_SESSIONS.saturating_sub(tpm.sessions.loaded()),
        TpmPt::HR_ACTIVE => tpm.sessions.active(),
        TpmPt::HR_ACTIVE_AVAIL => p::MAX_ACTIVE_SESSIONS.saturating_sub(tpm.sessions.active()),
        TpmPt::HR_TRANSIENT_AVAIL => {
            u32::try_from(tpm.objects.iter().filter(|o| o.is_none()).count()).unwrap_or(0)
        }
        TpmPt::HR_PERSISTENT => u32::try_from(tpm.perm.evict.len()).unwrap_or(0),
        TpmPt::HR_PERSISTENT_AVAIL => u32::try_from(
            crate::cmd::object::MAX_EVICT_OBJECTS.saturating_sub(tpm.perm.evict.len()),
        )
        .unwrap_or(0),
        TpmPt::NV_COUNTERS => 0,
        TpmPt::NV_COUNTERS_AVAIL => 0x19,
        TpmPt::ALGORITHM_SET => tpm.perm.algorithm_set,
        TpmPt::LOADED_CURVES => u32::try_from(algorithms::CURVES.len()).unwrap_or(0),
        TpmPt::LOCKOUT_COUNTER => tpm.perm.da.failed_tries,
        TpmPt::MAX_AUTH_FAIL => tpm.perm.da.max_tries,
        TpmPt::LOCKOUT_INTERVAL => tpm.perm.da.recovery_time,
        TpmPt::LOCKOUT_RECOVERY => tpm.perm.da.lockout_recovery,
        TpmPt::NV_WRITE_RECOVERY => 0,
        TpmPt::AUDIT_COUNTER_0 | TpmPt::AUDIT_COUNTER_1 => 0,
        _ => return None,
    };
    Some(v)
}

/// libtpms `TPMCapGetProperties`: properties from `start` to the end of its group.
fn tpm_properties(tpm: &Tpm2, start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let count = count.min(MAX_TPM_PROPERTIES);
    let mut out = Vec::new();
    let mut more = false;
    let start = start.max(PT_FIXED);
    if start < PT_VAR + PT_GROUP {
        let next_group = (start / PT_GROUP) * PT_GROUP + PT_GROUP;
        for pt in start..next_group {
            if let Some(value) = property(tpm, pt) {
                if u32::try_from(out.len()).unwrap_or(u32::MAX) < count {
                    out.push(TpmsTaggedProperty {
                        property: TpmPt(pt),
                        value,
                    });
                } else {
                    more = true;
                    break;
                }
            }
        }
    }
    (
        more,
        TpmuCapabilities::TpmProperties(TpmlTaggedTpmProperty::from_vec(out).unwrap_or_default()),
    )
}

fn auth_policies(tpm: &Tpm2, start: u32, count: u32) -> (bool, TpmuCapabilities) {
    let count = count.min(MAX_TAGGED_POLICIES);
    let items = PERMANENT
        .iter()
        .copied()
        .filter(|h| h.0 >= start)
        .filter_map(|h| {
            let pol = match h {
                TpmHandle::OWNER => &tpm.perm.owner_policy,
                TpmHandle::ENDORSEMENT => &tpm.perm.endorsement_policy,
                TpmHandle::PLATFORM => &tpm.clear.platform_policy,
                TpmHandle::LOCKOUT => &tpm.perm.lockout_policy,
                _ => return None,
            };
            let ha = TpmtHa::<true>::new(TpmiAlgHash(TpmAlgId(pol.alg)), &pol.digest).ok()?;
            Some(TpmsTaggedPolicy {
                handle: h,
                policy_hash: ha,
            })
        });
    let (more, v) = take(items, count);
    (
        more,
        TpmuCapabilities::AuthPolicies(TpmlTaggedPolicy::from_vec(v).unwrap_or_default()),
    )
}
