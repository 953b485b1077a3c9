//! The command table: one row per implemented command code, from TPM 2.0 Part 3 and libtpms's
//! `CommandAttributeData.h` (handle count and authorization roles, NO_SESSIONS, R_HANDLE, and
//! the TPMA_CC bits that TPM2_GetCapability(TPM_CAP_COMMANDS) reports).
//!
//! A command missing here answers TPM_RC_COMMAND_CODE and is not listed by GetCapability.

use tpm_wire::WireError;
use tpm2_types::{
    TpmCc, TpmHandle, TpmRc, TpmaCc, TpmiDhContext, TpmiDhEntity, TpmiDhObject, TpmiDhParent,
    TpmiDhPcr, TpmiRhClear, TpmiRhEnables, TpmiRhHierarchy, TpmiRhHierarchyAuth,
    TpmiRhHierarchyPolicy, TpmiRhLockout, TpmiRhPlatform, TpmiRhProvision, TpmiShPolicy,
};

use crate::cmd;
use crate::exec::Ctx;
use crate::tpm::Tpm2;

/// Which authorization a handle needs (Part 3 "Auth Role").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthRole {
    /// No authorization.
    None,
    /// USER role.
    User,
    /// ADMIN role.
    #[allow(dead_code)]
    Admin,
    /// DUP role.
    #[allow(dead_code)]
    Dup,
}

/// One request handle: its interface type (as a validator) and its authorization role.
#[derive(Clone, Copy)]
pub(crate) struct HandleSpec {
    pub check: fn(TpmHandle) -> Result<(), WireError>,
    pub auth: AuthRole,
}

/// A command's row.
pub(crate) struct CommandDef {
    pub cc: TpmCc,
    pub handles: &'static [HandleSpec],
    pub response_handle: bool,
    /// NO_SESSIONS: an authorization area is TPM_RC_AUTH_CONTEXT.
    pub no_sessions: bool,
    /// TPMA_CC.nv: the command may write NV.
    pub nv: bool,
    /// TPMA_CC.extensive.
    pub extensive: bool,
    /// TPMA_CC.flushed.
    pub flushed: bool,
    pub handler: fn(&mut Tpm2, &mut Ctx<'_>) -> Result<(), TpmRc>,
}

impl CommandDef {
    /// The TPMA_CC that TPM2_GetCapability(TPM_CAP_COMMANDS) reports (Part 2 §8.9).
    pub fn attributes(&self) -> TpmaCc {
        let mut v = self.cc.0 & 0xFFFF;
        if self.nv {
            v |= 1 << 22;
        }
        if self.extensive {
            v |= 1 << 23;
        }
        if self.flushed {
            v |= 1 << 24;
        }
        v |= (u32::try_from(self.handles.len()).unwrap_or(0) & 7) << 25;
        if self.response_handle {
            v |= 1 << 28;
        }
        TpmaCc(v)
    }
}

macro_rules! h {
    ($ty:ty, $role:ident) => {
        HandleSpec {
            check: |h| <$ty>::new(h).map(|_| ()),
            auth: AuthRole::$role,
        }
    };
}

const PCR_NULL_USER: HandleSpec = h!(TpmiDhPcr<true>, User);

macro_rules! row {
    ($cc:ident, [$($h:expr),*], $handler:path $(, $flag:ident)*) => {{
        #[allow(unused_mut)]
        let mut d = CommandDef {
            cc: TpmCc::$cc,
            handles: &[$($h),*],
            response_handle: false,
            no_sessions: false,
            nv: false,
            extensive: false,
            flushed: false,
            handler: $handler,
        };
        $( row!(@flag d, $flag); )*
        d
    }};
    (@flag $d:ident, rhandle) => { $d.response_handle = true; };
    (@flag $d:ident, no_sessions) => { $d.no_sessions = true; };
    (@flag $d:ident, nv) => { $d.nv = true; };
    (@flag $d:ident, extensive) => { $d.extensive = true; };
    (@flag $d:ident, flushed) => { $d.flushed = true; };
}

/// Every implemented command, sorted by command code.
pub(crate) static COMMANDS: [CommandDef; 65] = [
    row!(
        EVICT_CONTROL,
        [h!(TpmiRhProvision, User), h!(TpmiDhObject, None)],
        cmd::object::evict_control,
        nv
    ),
    row!(
        HIERARCHY_CONTROL,
        [h!(TpmiRhHierarchy, User)],
        cmd::hierarchy::hierarchy_control,
        nv,
        extensive
    ),
    row!(
        CHANGE_EPS,
        [h!(TpmiRhPlatform, User)],
        cmd::hierarchy::change_eps,
        nv,
        extensive
    ),
    row!(
        CHANGE_PPS,
        [h!(TpmiRhPlatform, User)],
        cmd::hierarchy::change_pps,
        nv,
        extensive
    ),
    row!(
        CLEAR,
        [h!(TpmiRhClear, User)],
        cmd::hierarchy::clear,
        nv,
        extensive
    ),
    row!(
        CLEAR_CONTROL,
        [h!(TpmiRhClear, User)],
        cmd::hierarchy::clear_control,
        nv
    ),
    row!(
        CLOCK_SET,
        [h!(TpmiRhProvision, User)],
        cmd::clock::clock_set,
        nv
    ),
    row!(
        HIERARCHY_CHANGE_AUTH,
        [h!(TpmiRhHierarchyAuth, User)],
        cmd::hierarchy::hierarchy_change_auth,
        nv
    ),
    row!(
        PCR_ALLOCATE,
        [h!(TpmiRhPlatform, User)],
        cmd::pcr::pcr_allocate,
        nv
    ),
    row!(
        PCR_SET_AUTH_POLICY,
        [h!(TpmiRhPlatform, User)],
        cmd::pcr::pcr_set_auth_policy,
        nv
    ),
    row!(
        PP_COMMANDS,
        [h!(TpmiRhPlatform, User)],
        cmd::misc::pp_commands,
        nv
    ),
    row!(
        SET_PRIMARY_POLICY,
        [h!(TpmiRhHierarchyPolicy, User)],
        cmd::hierarchy::set_primary_policy,
        nv
    ),
    row!(
        CLOCK_RATE_ADJUST,
        [h!(TpmiRhProvision, User)],
        cmd::clock::clock_rate_adjust
    ),
    row!(
        CREATE_PRIMARY,
        [h!(TpmiRhHierarchy<true>, User)],
        cmd::object::create_primary,
        rhandle
    ),
    row!(
        DICTIONARY_ATTACK_LOCK_RESET,
        [h!(TpmiRhLockout, User)],
        cmd::hierarchy::da_lock_reset,
        nv
    ),
    row!(
        DICTIONARY_ATTACK_PARAMETERS,
        [h!(TpmiRhLockout, User)],
        cmd::hierarchy::da_parameters,
        nv
    ),
    row!(PCR_EVENT, [PCR_NULL_USER], cmd::pcr::pcr_event, nv),
    row!(PCR_RESET, [h!(TpmiDhPcr, User)], cmd::pcr::pcr_reset, nv),
    row!(
        SEQUENCE_COMPLETE,
        [h!(TpmiDhObject, User)],
        cmd::hash::sequence_complete,
        flushed
    ),
    row!(
        SET_ALGORITHM_SET,
        [h!(TpmiRhPlatform, User)],
        cmd::misc::set_algorithm_set,
        nv
    ),
    row!(
        SET_COMMAND_CODE_AUDIT_STATUS,
        [h!(TpmiRhProvision, User)],
        cmd::audit::set_command_code_audit_status,
        nv
    ),
    row!(
        INCREMENTAL_SELF_TEST,
        [],
        cmd::testing::incremental_self_test,
        nv
    ),
    row!(SELF_TEST, [], cmd::testing::self_test, nv),
    row!(STARTUP, [], cmd::startup::startup, no_sessions, nv),
    row!(SHUTDOWN, [], cmd::startup::shutdown, nv),
    row!(STIR_RANDOM, [], cmd::random::stir_random, nv),
    row!(
        OBJECT_CHANGE_AUTH,
        [h!(TpmiDhObject, Admin), h!(TpmiDhObject, None)],
        cmd::object::object_change_auth
    ),
    row!(
        POLICY_SECRET,
        [h!(TpmiDhEntity, User), h!(TpmiShPolicy, None)],
        cmd::policy::policy_secret
    ),
    row!(CREATE, [h!(TpmiDhObject, User)], cmd::object::create),
    row!(LOAD, [h!(TpmiDhObject, User)], cmd::object::load, rhandle),
    row!(
        SEQUENCE_UPDATE,
        [h!(TpmiDhObject, User)],
        cmd::hash::sequence_update
    ),
    row!(UNSEAL, [h!(TpmiDhObject, User)], cmd::object::unseal),
    row!(
        CONTEXT_LOAD,
        [],
        cmd::session::context_load,
        no_sessions,
        rhandle
    ),
    row!(
        CONTEXT_SAVE,
        [h!(TpmiDhContext, None)],
        cmd::session::context_save,
        no_sessions
    ),
    row!(FLUSH_CONTEXT, [], cmd::session::flush_context, no_sessions),
    row!(LOAD_EXTERNAL, [], cmd::object::load_external, rhandle),
    row!(
        POLICY_AUTHORIZE,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_authorize
    ),
    row!(
        POLICY_AUTH_VALUE,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_auth_value
    ),
    row!(
        POLICY_COMMAND_CODE,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_command_code
    ),
    row!(
        POLICY_COUNTER_TIMER,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_counter_timer
    ),
    row!(
        POLICY_CP_HASH,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_cp_hash
    ),
    row!(
        POLICY_LOCALITY,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_locality
    ),
    row!(
        POLICY_NAME_HASH,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_name_hash
    ),
    row!(POLICY_OR, [h!(TpmiShPolicy, None)], cmd::policy::policy_or),
    row!(
        POLICY_TICKET,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_ticket
    ),
    row!(
        READ_PUBLIC,
        [h!(TpmiDhObject, None)],
        cmd::object::read_public
    ),
    row!(
        START_AUTH_SESSION,
        [h!(TpmiDhObject<true>, None), h!(TpmiDhEntity<true>, None)],
        cmd::session::start_auth_session,
        rhandle
    ),
    row!(GET_CAPABILITY, [], cmd::capability::get_capability),
    row!(GET_RANDOM, [], cmd::random::get_random),
    row!(GET_TEST_RESULT, [], cmd::testing::get_test_result),
    row!(HASH, [], cmd::hash::hash),
    row!(PCR_READ, [], cmd::pcr::pcr_read),
    row!(
        POLICY_PCR,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_pcr
    ),
    row!(
        POLICY_RESTART,
        [h!(TpmiShPolicy, None)],
        cmd::session::policy_restart
    ),
    row!(READ_CLOCK, [], cmd::clock::read_clock),
    row!(PCR_EXTEND, [PCR_NULL_USER], cmd::pcr::pcr_extend, nv),
    row!(
        PCR_SET_AUTH_VALUE,
        [h!(TpmiDhPcr, User)],
        cmd::pcr::pcr_set_auth_value
    ),
    row!(
        EVENT_SEQUENCE_COMPLETE,
        [PCR_NULL_USER, h!(TpmiDhObject, User)],
        cmd::hash::event_sequence_complete,
        nv,
        flushed
    ),
    row!(
        HASH_SEQUENCE_START,
        [],
        cmd::hash::hash_sequence_start,
        rhandle
    ),
    row!(
        POLICY_PHYSICAL_PRESENCE,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_physical_presence
    ),
    row!(
        POLICY_GET_DIGEST,
        [h!(TpmiShPolicy, None)],
        cmd::session::policy_get_digest
    ),
    row!(TEST_PARMS, [], cmd::testing::test_parms),
    row!(
        POLICY_PASSWORD,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_password
    ),
    row!(
        POLICY_TEMPLATE,
        [h!(TpmiShPolicy, None)],
        cmd::policy::policy_template
    ),
    row!(
        CREATE_LOADED,
        [h!(TpmiDhParent<true>, User)],
        cmd::object::create_loaded,
        rhandle
    ),
];

/// The row of `cc`, if implemented.
pub(crate) fn lookup(cc: TpmCc) -> Option<&'static CommandDef> {
    COMMANDS
        .binary_search_by_key(&cc.0, |d| d.cc.0)
        .ok()
        .and_then(|i| COMMANDS.get(i))
}

#[allow(dead_code)]
const _ENABLES: Option<TpmiRhEnables> = None;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in COMMANDS.windows(2) {
            assert!(w[0].cc.0 < w[1].cc.0, "{:?} before {:?}", w[0].cc, w[1].cc);
        }
        for d in &COMMANDS {
            assert!(lookup(d.cc).is_some());
        }
        // libtpms 0.9 has no Attached Component commands.
        assert!(lookup(TpmCc::AC_SEND).is_none());
    }

    /// The TPMA_CC values equal libtpms's `s_ccAttr` for these commands
    /// (`CommandAttributeData.h`: commandIndex, nv, extensive, flushed, cHandles, rHandle).
    #[test]
    fn tpma_cc_matches_libtpms() {
        let expect: &[(u32, u32, u32, u32, u32, u32)] = &[
            (0x0120, 1, 0, 0, 2, 0),
            (0x0121, 1, 1, 0, 1, 0),
            (0x0124, 1, 1, 0, 1, 0),
            (0x0125, 1, 1, 0, 1, 0),
            (0x0126, 1, 1, 0, 1, 0),
            (0x0127, 1, 0, 0, 1, 0),
            (0x0128, 1, 0, 0, 1, 0),
            (0x0129, 1, 0, 0, 1, 0),
            (0x012b, 1, 0, 0, 1, 0),
            (0x012c, 1, 0, 0, 1, 0),
            (0x012d, 1, 0, 0, 1, 0),
            (0x012e, 1, 0, 0, 1, 0),
            (0x0130, 0, 0, 0, 1, 0),
            (0x0131, 0, 0, 0, 1, 1),
            (0x0139, 1, 0, 0, 1, 0),
            (0x013a, 1, 0, 0, 1, 0),
            (0x013c, 1, 0, 0, 1, 0),
            (0x013d, 1, 0, 0, 1, 0),
            (0x013e, 0, 0, 1, 1, 0),
            (0x013f, 1, 0, 0, 1, 0),
            (0x0140, 1, 0, 0, 1, 0),
            (0x0142, 1, 0, 0, 0, 0),
            (0x0143, 1, 0, 0, 0, 0),
            (0x0144, 1, 0, 0, 0, 0),
            (0x0145, 1, 0, 0, 0, 0),
            (0x0146, 1, 0, 0, 0, 0),
            (0x0150, 0, 0, 0, 2, 0),
            (0x0151, 0, 0, 0, 2, 0),
            (0x0153, 0, 0, 0, 1, 0),
            (0x0157, 0, 0, 0, 1, 1),
            (0x015c, 0, 0, 0, 1, 0),
            (0x015e, 0, 0, 0, 1, 0),
            (0x0161, 0, 0, 0, 0, 1),
            (0x0162, 0, 0, 0, 1, 0),
            (0x0165, 0, 0, 0, 0, 0),
            (0x0167, 0, 0, 0, 0, 1),
            (0x016a, 0, 0, 0, 1, 0),
            (0x016b, 0, 0, 0, 1, 0),
            (0x016c, 0, 0, 0, 1, 0),
            (0x016d, 0, 0, 0, 1, 0),
            (0x016e, 0, 0, 0, 1, 0),
            (0x016f, 0, 0, 0, 1, 0),
            (0x0170, 0, 0, 0, 1, 0),
            (0x0171, 0, 0, 0, 1, 0),
            (0x0172, 0, 0, 0, 1, 0),
            (0x0173, 0, 0, 0, 1, 0),
            (0x0176, 0, 0, 0, 2, 1),
            (0x017a, 0, 0, 0, 0, 0),
            (0x017b, 0, 0, 0, 0, 0),
            (0x017c, 0, 0, 0, 0, 0),
            (0x017d, 0, 0, 0, 0, 0),
            (0x017e, 0, 0, 0, 0, 0),
            (0x017f, 0, 0, 0, 1, 0),
            (0x0180, 0, 0, 0, 1, 0),
            (0x0181, 0, 0, 0, 0, 0),
            (0x0182, 1, 0, 0, 1, 0),
            (0x0183, 0, 0, 0, 1, 0),
            (0x0185, 1, 0, 1, 2, 0),
            (0x0186, 0, 0, 0, 0, 1),
            (0x0187, 0, 0, 0, 1, 0),
            (0x0189, 0, 0, 0, 1, 0),
            (0x018a, 0, 0, 0, 0, 0),
            (0x018c, 0, 0, 0, 1, 0),
            (0x0190, 0, 0, 0, 1, 0),
            (0x0191, 0, 0, 0, 1, 1),
        ];
        assert_eq!(expect.len(), COMMANDS.len());
        for (d, &(cc, nv, ext, fl, ch, rh)) in COMMANDS.iter().zip(expect) {
            let want = cc | nv << 22 | ext << 23 | fl << 24 | ch << 25 | rh << 28;
            assert_eq!(d.attributes().0, want, "{:?}", d.cc);
        }
    }
}
