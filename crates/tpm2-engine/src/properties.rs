//! The guest-visible identity of the TPM: TPM_PT values as libtpms 0.9.2 reports them, so that a
//! guest moved from swtpm sees the same TPM (TPM 2.0 Part 2 §6.13; libtpms `PropertyCap.c`
//! `TPMPropertyIsDefined`). Values were read from the Debian swtpm 0.7.1 + libtpms 0.9.2 with
//! TPM2_GetCapability(TPM_PROPERTIES) and agree with libtpms's `TpmProfile.h`.

/// TPM_PT_FAMILY_INDICATOR: "2.0".
pub const FAMILY: u32 = 0x322E_3000;
/// TPM_PT_LEVEL.
pub const LEVEL: u32 = 0;
/// TPM_PT_REVISION: 1.64 (libtpms 0.9 TPM_SPEC_VERSION).
pub const REVISION: u32 = 164;
/// TPM_PT_DAY_OF_YEAR.
pub const DAY_OF_YEAR: u32 = 75;
/// TPM_PT_YEAR.
pub const YEAR: u32 = 2021;
/// TPM_PT_MANUFACTURER: "IBM" (libtpms parity; guests moved from swtpm see the same vendor).
pub const MANUFACTURER: u32 = 0x4942_4D00;
/// TPM_PT_VENDOR_STRING_1: "SW  ".
pub const VENDOR_STRING_1: u32 = 0x5357_2020;
/// TPM_PT_VENDOR_STRING_2: " TPM".
pub const VENDOR_STRING_2: u32 = 0x2054_504D;
/// TPM_PT_VENDOR_STRING_3.
pub const VENDOR_STRING_3: u32 = 0;
/// TPM_PT_VENDOR_STRING_4.
pub const VENDOR_STRING_4: u32 = 0;
/// TPM_PT_VENDOR_TPM_TYPE.
pub const VENDOR_TPM_TYPE: u32 = 1;
/// TPM_PT_FIRMWARE_VERSION_1 written at manufacture (libtpms FIRMWARE_V1).
pub const FIRMWARE_V1: u32 = 0x2019_1023;
/// TPM_PT_FIRMWARE_VERSION_2 written at manufacture (libtpms FIRMWARE_V2).
pub const FIRMWARE_V2: u32 = 0x0016_3636;
/// TPM_PT_INPUT_BUFFER (MAX_DIGEST_BUFFER).
pub const INPUT_BUFFER: u32 = 1024;
/// TPM_PT_HR_TRANSIENT_MIN (MAX_LOADED_OBJECTS).
pub const MAX_LOADED_OBJECTS: u32 = 3;
/// TPM_PT_HR_PERSISTENT_MIN (MIN_EVICT_OBJECTS).
pub const MIN_EVICT_OBJECTS: u32 = 7;
/// TPM_PT_HR_LOADED_MIN (MAX_LOADED_SESSIONS).
pub const MAX_LOADED_SESSIONS: u32 = 3;
/// TPM_PT_ACTIVE_SESSIONS_MAX (MAX_ACTIVE_SESSIONS).
pub const MAX_ACTIVE_SESSIONS: u32 = 64;
/// TPM_PT_PCR_COUNT (IMPLEMENTATION_PCR).
pub const PCR_COUNT: u32 = 24;
/// TPM_PT_PCR_SELECT_MIN.
pub const PCR_SELECT_MIN: u32 = 3;
/// TPM_PT_CONTEXT_GAP_MAX (libtpms 0.9: 0xffff for new state).
pub const CONTEXT_GAP_MAX: u32 = 0xFFFF;
/// TPM_PT_NV_COUNTERS_MAX.
pub const NV_COUNTERS_MAX: u32 = 0;
/// TPM_PT_NV_INDEX_MAX (MAX_NV_INDEX_SIZE).
pub const NV_INDEX_MAX: u32 = 2048;
/// TPM_PT_MEMORY: sharedNV | objectCopiedToRam.
pub const MEMORY: u32 = 0x6;
/// TPM_PT_CLOCK_UPDATE: 2^NV_CLOCK_UPDATE_INTERVAL.
pub const CLOCK_UPDATE: u32 = 1 << crate::clock::NV_CLOCK_UPDATE_INTERVAL;
/// TPM_PT_CONTEXT_HASH: SHA-512.
pub const CONTEXT_HASH: u32 = 0x000D;
/// TPM_PT_CONTEXT_SYM: AES.
pub const CONTEXT_SYM: u32 = 0x0006;
/// TPM_PT_CONTEXT_SYM_SIZE.
pub const CONTEXT_SYM_SIZE: u32 = 256;
/// TPM_PT_ORDERLY_COUNT (MAX_ORDERLY_COUNT).
pub const ORDERLY_COUNT: u32 = 0xFF;
/// TPM_PT_MAX_COMMAND_SIZE.
pub const MAX_COMMAND_SIZE: u32 = 4096;
/// TPM_PT_MAX_RESPONSE_SIZE.
pub const MAX_RESPONSE_SIZE: u32 = 4096;
/// TPM_PT_MAX_DIGEST (sizeof(TPMU_HA)).
pub const MAX_DIGEST: u32 = 64;
/// TPM_PT_MAX_OBJECT_CONTEXT (libtpms: context overhead + sizeof(OBJECT)).
pub const MAX_OBJECT_CONTEXT: u32 = 0xA84;
/// TPM_PT_MAX_SESSION_CONTEXT (libtpms: context overhead + sizeof(SESSION)).
pub const MAX_SESSION_CONTEXT: u32 = 0x194;
/// TPM_PT_PS_FAMILY_INDICATOR (PC Client platform).
pub const PS_FAMILY: u32 = 0x322E_3000;
/// TPM_PT_PS_LEVEL.
pub const PS_LEVEL: u32 = 0;
/// TPM_PT_PS_REVISION.
pub const PS_REVISION: u32 = 164;
/// TPM_PT_PS_DAY_OF_YEAR.
pub const PS_DAY_OF_YEAR: u32 = 75;
/// TPM_PT_PS_YEAR.
pub const PS_YEAR: u32 = 2021;
/// TPM_PT_SPLIT_MAX (sizeof(commitArray) * 8).
pub const SPLIT_MAX: u32 = 128;
/// TPM_PT_VENDOR_COMMANDS.
pub const VENDOR_COMMANDS: u32 = 0;
/// TPM_PT_NV_BUFFER_MAX (MAX_NV_BUFFER_SIZE).
pub const NV_BUFFER_MAX: u32 = 1024;
/// TPM_PT_MODES.
pub const MODES: u32 = 0;
/// TPM_PT_MAX_CAP_BUFFER (MAX_CAP_BUFFER).
pub const MAX_CAP_BUFFER: u32 = 1024;
