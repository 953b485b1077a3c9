//! The command path, written once (TPM 2.0 Part 3 §5; libtpms `ExecCommand.c`
//! `ExecuteCommand`, `CommandDispatcher.c`, `SessionProcess.c`).
//!
//! Order of checks, each with the response code libtpms gives: tag (TPM_RC_BAD_TAG), size
//! (TPM_RC_COMMAND_SIZE when the size field differs from the bytes received or exceeds the
//! maximum), command code (TPM_RC_COMMAND_CODE when not implemented), Startup state
//! (TPM_RC_INITIALIZE), handle area (handle type, then that the entity exists, numbered
//! `handle[n]`), authorization area (size, then each session, numbered `session[n]`), then the
//! handler, which unmarshals its parameters first (numbered `parameter[n]`; leftover bytes are
//! TPM_RC_SIZE) and then acts. An error response is the bare header with TPM_ST_NO_SESSIONS.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, Writer};
use tpm2_types::{TpmCc, TpmHandle, TpmRc, TpmSt, TpmaSession, hc};

use crate::auth::{CmdSession as Session, CmdView, CryptIdx};
use crate::state::AuthValue;
use crate::table::{self, AuthRole, CommandDef};
use crate::tpm::Tpm2;

/// Size of a command or response header.
pub const HEADER_SIZE: usize = 10;
/// At most three sessions per command (MAX_SESSION_NUM).
const MAX_SESSIONS: usize = 3;

/// What a handler sees of its command, and where it puts its answer.
pub(crate) struct Ctx<'c> {
    /// Locality the command arrived at.
    pub locality: u8,
    /// The request handles, validated and checked to exist.
    pub handles: [TpmHandle; 3],
    params: Reader<'c>,
    pnum: u8,
    /// Response parameters.
    pub out: Vec<u8>,
    /// The response handle, for commands that return one.
    pub rhandle: Option<TpmHandle>,
    /// The algorithm profile used to judge input.
    pub profile: Profile,
}

impl<'c> Ctx<'c> {
    /// Unmarshal the next parameter; a failure carries its parameter number.
    pub fn param<T: Unmarshal<'c>>(&mut self) -> Result<T, TpmRc> {
        self.pnum = self.pnum.saturating_add(1);
        T::unmarshal(&mut self.params, &self.profile)
            .map_err(|e| TpmRc::from(e).parameter(self.pnum))
    }

    /// All parameters must have been read (libtpms `CommandDispatcher`: leftover bytes are
    /// TPM_RC_SIZE with no parameter number).
    pub fn end(&mut self) -> Result<(), TpmRc> {
        if self.params.is_empty() {
            Ok(())
        } else {
            Err(TpmRc::SIZE)
        }
    }

    /// Bytes of parameters not read yet.
    pub fn remaining(&self) -> usize {
        self.params.remaining()
    }

    /// Drop the parameters not read yet (padding a client sends, see TPM2_ContextLoad).
    pub fn discard_rest(&mut self) {
        let _ = self.params.rest();
    }

    /// Append a response parameter.
    pub fn write<T: Marshal + ?Sized>(&mut self, v: &T) {
        v.marshal(&mut Writer::to_vec(&mut self.out));
    }
}

/// The algorithms libtpms 0.9.2 compiles in (`TpmProfile.h`) — the "null" profile a state
/// without a profile gets (T3) — every ID our types know except
/// SM3_256, SM4 and the SHA-3 family, which libtpms leaves out. A TPMI_ALG_* parameter naming one
/// of those is rejected while unmarshaling, with the parameter number (e.g. TPM_RC_HASH +
/// parameter 1 for a PCR_Read selection of the SM3 bank).
pub(crate) const LIBTPMS_PROFILE: Profile = Profile::ALL
    .without_alg(0x0012) // TPM_ALG_SM3_256
    .without_alg(0x0013) // TPM_ALG_SM4
    .without_alg(0x0027) // TPM_ALG_SHA3_256
    .without_alg(0x0028) // TPM_ALG_SHA3_384
    .without_alg(0x0029) // TPM_ALG_SHA3_512
    // libtpms 0.9.2 has neither AES-192 (AES_192 NO) nor RSA-4096 (MAX_RSA_KEY_BITS 3072):
    // its TPMI_AES_KEY_BITS / TPMI_RSA_KEY_BITS reject them with TPM_RC_VALUE.
    .without_key_size(0x0006, 192)
    // ... nor Camellia-192 (CAMELLIA_192 NO; found by the differential runner).
    .without_key_size(0x0026, 192)
    .without_key_size(0x0001, 4096);

/// The TPM_ST values libtpms's `TPM_ST_Unmarshal` accepts (TPM 2.0 Part 2 §6.9, Table 19, as
/// of libtpms 0.9.2: no TPM_ST_ATTEST_NV_DIGEST, no TPM_ST_FU_MANIFEST).
fn is_libtpms_tpm_st(v: u16) -> bool {
    matches!(v, 0x00C4 | 0x8000..=0x8002 | 0x8014..=0x801A | 0x8021..=0x8025)
}

fn number(rc: TpmRc, kind: Kind, i: usize) -> TpmRc {
    let n = u8::try_from(i + 1).unwrap_or(u8::MAX);
    match kind {
        Kind::Handle => rc.handle(n),
        Kind::Session => rc.session(n),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Handle,
    Session,
}

impl Tpm2 {
    /// Run one command; the response goes to `rsp`. Never panics; always a well-formed
    /// response when `rsp` has room for the header.
    pub(crate) fn run(&mut self, locality: u8, cmd: &[u8], rsp: &mut Vec<u8>) {
        rsp.clear();
        if self.is_failed() {
            self.failure_response(cmd, rsp);
            return;
        }
        self.update_time();
        // Any command ends a running _TPM_Hash_Data sequence (libtpms ObjectTerminateEvent).
        self.terminate_drtm_sequence();
        let mut ctx_out = core::mem::take(&mut self.scratch);
        ctx_out.clear();
        let result = self.dispatch(locality, cmd, &mut ctx_out, rsp);
        self.cleanup_evict();
        if let Err(rc) = result {
            rsp.clear();
            write_header(rsp, TpmSt::NO_SESSIONS, HEADER_SIZE, rc.raw());
        }
        ctx_out.clear();
        self.scratch = ctx_out;
        self.after_command();
    }

    fn dispatch(
        &mut self,
        locality: u8,
        cmd: &[u8],
        scratch: &mut Vec<u8>,
        rsp: &mut Vec<u8>,
    ) -> Result<(), TpmRc> {
        let profile = LIBTPMS_PROFILE;
        let mut r = Reader::new(cmd);
        // TPMI_ST_COMMAND_TAG: libtpms parity (`TPMI_ST_COMMAND_TAG_Unmarshal` calls
        // `TPM_ST_Unmarshal` first): a value that is no TPM_ST at all is TPM_RC_VALUE; a TPM_ST
        // other than the two command tags is TPM_RC_BAD_TAG.
        let tag = TpmSt(r.read_u16().map_err(TpmRc::from)?);
        if tag != TpmSt::NO_SESSIONS && tag != TpmSt::SESSIONS {
            return Err(if is_libtpms_tpm_st(tag.0) {
                TpmRc::BAD_TAG
            } else {
                TpmRc::VALUE
            });
        }
        let size = r.read_u32().map_err(TpmRc::from)?;
        if usize::try_from(size).ok() != Some(cmd.len())
            || size > crate::properties::MAX_COMMAND_SIZE
        {
            return Err(TpmRc::COMMAND_SIZE);
        }
        let cc = TpmCc(r.read_u32().map_err(TpmRc::from)?);
        let def = table::lookup(cc).ok_or(TpmRc::COMMAND_CODE)?;
        let started = self.is_started();
        if started == (cc == TpmCc::STARTUP) {
            return Err(TpmRc::INITIALIZE);
        }

        // Handle area: each handle's type, then whether its entity is there.
        let mut handles = [TpmHandle::NULL; 3];
        for (i, spec) in def.handles.iter().enumerate() {
            let raw = r
                .read_u32()
                .map_err(|e| number(TpmRc::from(e), Kind::Handle, i))?;
            (spec.check)(TpmHandle(raw)).map_err(|e| number(TpmRc::from(e), Kind::Handle, i))?;
            if let Some(slot) = handles.get_mut(i) {
                *slot = TpmHandle(raw);
            }
        }
        for (i, h) in handles.iter_mut().take(def.handles.len()).enumerate() {
            if h.handle_type() == tpm2_types::TpmHt::PERSISTENT {
                // libtpms `ObjectLoadEvict`: a persistent object is used from a transient
                // copy for the duration of the command.
                *h = self
                    .load_evict(*h, cc)
                    .map_err(|rc| number(rc, Kind::Handle, i))?;
                continue;
            }
            self.entity_present(*h).map_err(|rc| {
                if rc == TpmRc::REFERENCE_H0 {
                    TpmRc::from_raw(rc.raw().saturating_add(u32::try_from(i).unwrap_or(0)))
                        .unwrap_or(rc)
                } else {
                    number(rc, Kind::Handle, i)
                }
            })?;
        }

        // Authorization area.
        // At most three sessions: kept on the stack, no allocation per command.
        let mut slots: [Session; MAX_SESSIONS] = Default::default();
        let mut decrypted: Option<Vec<u8>> = None;
        let mut count = 0usize;
        let mut plan = crate::audit::AuditPlan::default();
        if tag == TpmSt::SESSIONS {
            let auth_size = r.read_u32().map_err(TpmRc::from)?;
            let auth_size = usize::try_from(auth_size).unwrap_or(usize::MAX);
            if auth_size < 9 || auth_size > r.remaining() {
                return Err(TpmRc::SIZE);
            }
            if def.no_sessions {
                return Err(TpmRc::AUTH_CONTEXT);
            }
            let mut a = r.sub(auth_size).map_err(TpmRc::from)?;
            while !a.is_empty() {
                let i = count;
                if i == MAX_SESSIONS {
                    return Err(number(TpmRc::SIZE, Kind::Session, i));
                }
                let s = parse_session(&mut a, &profile, i)?;
                self.retrieve_check(&s, slots.get(..i).unwrap_or(&[]), i, cc)?;
                if let Some(slot) = slots.get_mut(i) {
                    *slot = s;
                }
                count += 1;
            }
            let sessions = slots.get_mut(..count).unwrap_or(&mut []);
            let crypt = CryptIdx::of(sessions);
            let nonce_store: [Vec<u8>; MAX_SESSIONS] = core::array::from_fn(|i| {
                sessions
                    .get(i)
                    .and_then(|s| self.sessions.get(TpmHandle(s.handle)))
                    .map(|x| x.nonce_tpm.clone())
                    .unwrap_or_default()
            });
            let view = CmdView {
                cc,
                handles: handles.get(..def.handles.len()).unwrap_or(&[]),
                params: r.peek_rest(),
                locality,
                crypt,
                nonces: core::array::from_fn(|i| nonce_store.get(i).map(Vec::as_slice)),
            };
            self.check_sessions(def, &handles, sessions, &view)?;
            plan = self.audit_plan(sessions, &view);
            // Decrypting the first parameter is the last step of session processing.
            if let Some(d) = crypt.decrypt {
                let mut plain = r.peek_rest().to_vec();
                if let Some(s) = sessions.get(d) {
                    self.param_crypt(s, &mut plain, true)
                        .map_err(|rc| number(rc, Kind::Session, d))?;
                }
                decrypted = Some(plain);
            }
        } else {
            // CheckAuthNoSession: a handle that needs authorization needs a session.
            if def.handles.iter().any(|h| h.auth != AuthRole::None) {
                return Err(TpmRc::AUTH_MISSING);
            }
            if self.audit_required(cc) {
                let view = CmdView {
                    cc,
                    handles: handles.get(..def.handles.len()).unwrap_or(&[]),
                    params: r.peek_rest(),
                    locality,
                    crypt: CryptIdx::default(),
                    nonces: [None; MAX_SESSIONS],
                };
                plan = self.audit_plan(&[], &view);
            }
        }

        // Parameters and the handler.
        let params = match decrypted.as_deref() {
            Some(p) => Reader::new(p),
            None => r,
        };
        let mut ctx = Ctx {
            locality,
            handles,
            params,
            pnum: 0,
            out: core::mem::take(scratch),
            rhandle: None,
            profile,
        };
        let result = (def.handler)(self, &mut ctx);
        *scratch = core::mem::take(&mut ctx.out);
        result?;

        let sessions = slots.get_mut(..count).unwrap_or(&mut []);
        let mut auth_area = Vec::new();
        if tag == TpmSt::SESSIONS {
            self.respond_sessions(
                sessions,
                cc,
                scratch.as_mut_slice(),
                &mut auth_area,
                &plan,
                !def.no_sessions,
            )?;
        } else {
            // Audit runs whatever the tag: a command without sessions ends exclusivity.
            self.audit_after(&plan, sessions, cc, !def.no_sessions, scratch);
        }
        // Response: header, handle, [parameterSize], parameters, [sessions].
        let mut body_len = scratch.len();
        let rhandle = if def.response_handle {
            Some(ctx.rhandle.unwrap_or(TpmHandle::NULL))
        } else {
            None
        };
        if rhandle.is_some() {
            body_len += 4;
        }
        let session_bytes = auth_area.len();
        if tag == TpmSt::SESSIONS {
            body_len += 4 + session_bytes;
        }
        let total = HEADER_SIZE + body_len;
        if total > crate::properties::MAX_RESPONSE_SIZE as usize {
            return Err(TpmRc::FAILURE);
        }
        write_header(rsp, tag, total, 0);
        if let Some(h) = rhandle {
            rsp.extend_from_slice(&h.0.to_be_bytes());
        }
        if tag == TpmSt::SESSIONS {
            let psize = u32::try_from(scratch.len()).unwrap_or(0);
            rsp.extend_from_slice(&psize.to_be_bytes());
        }
        rsp.extend_from_slice(scratch);
        rsp.extend_from_slice(&auth_area);
        Ok(())
    }

    /// Authorization checks of the session area (libtpms `ParseSessionBuffer`).
    fn check_sessions(
        &mut self,
        def: &CommandDef,
        handles: &[TpmHandle; 3],
        sessions: &mut [Session],
        view: &CmdView<'_>,
    ) -> Result<(), TpmRc> {
        // Associate sessions with the handles that need authorization.
        let mut associated: [Option<(TpmHandle, AuthRole)>; MAX_SESSIONS] = [None; MAX_SESSIONS];
        for (i, spec) in def.handles.iter().enumerate() {
            if spec.auth != AuthRole::None {
                if i >= sessions.len() {
                    return Err(TpmRc::AUTH_MISSING);
                }
                if let (Some(slot), Some(h)) = (associated.get_mut(i), handles.get(i)) {
                    *slot = Some((*h, spec.auth));
                }
            }
        }
        for (i, s) in sessions.iter_mut().enumerate() {
            let assoc = associated.get(i).copied().flatten();
            s.associated = assoc.map(|(h, _)| h);
            if !s.is_pw() {
                let role = crate::auth::role(def, i);
                self.check_hmac_or_policy(s, i, role, view)?;
                continue;
            }
            match assoc {
                // A password session must authorize a handle.
                None => return Err(number(TpmRc::HANDLE, Kind::Session, i)),
                Some((h, _))
                    if h == TpmHandle::PLATFORM && crate::cmd::misc::pp_required(def.cc) =>
                {
                    // CheckAuthSession: physical presence, never asserted on this platform.
                    return Err(number(TpmRc::PP, Kind::Session, i));
                }
                Some((h, role)) => {
                    self.check_password(h, role, &s.auth)
                        .map_err(|rc| number(rc, Kind::Session, i))?;
                }
            }
        }
        Ok(())
    }

    /// A password authorization of entity `h` (libtpms `CheckAuthSession` for TPM_RS_PW).
    fn check_password(
        &mut self,
        h: TpmHandle,
        role: AuthRole,
        presented: &AuthValue,
    ) -> Result<(), TpmRc> {
        let da_exempt = self.is_da_exempt(h);
        if !da_exempt {
            self.check_locked_out(h == TpmHandle::LOCKOUT)?;
        }
        // CheckAuthSession: no password where a policy is required or the authValue is
        // not available.
        if self.policy_required(h, role) {
            return Err(TpmRc::AUTH_TYPE);
        }
        if !self.auth_value_available(h, role) {
            return Err(TpmRc::AUTH_UNAVAILABLE);
        }
        let ok = match self.entity_auth(h) {
            Some(auth) => auth.matches(presented),
            None => false,
        };
        if ok {
            return Ok(());
        }
        if da_exempt {
            return Err(TpmRc::BAD_AUTH);
        }
        // IncrementLockout.
        self.register_da_failure(h);
        Err(TpmRc::AUTH_FAIL)
    }
}

fn parse_session(a: &mut Reader<'_>, p: &Profile, i: usize) -> Result<Session, TpmRc> {
    let fail = |e| number(TpmRc::from(e), Kind::Session, i);
    let handle = TpmHandle(a.read_u32().map_err(fail)?);
    // TPMI_SH_AUTH_SESSION with TPM_RS_PW allowed.
    let is_session = (hc::HMAC_SESSION_FIRST..=hc::HMAC_SESSION_LAST).contains(&handle.0)
        || (hc::POLICY_SESSION_FIRST..=hc::POLICY_SESSION_LAST).contains(&handle.0);
    if handle != TpmHandle::PW && !is_session {
        return Err(number(TpmRc::VALUE, Kind::Session, i));
    }
    let nonce_len = usize::from(a.read_u16().map_err(fail)?);
    if nonce_len > 64 {
        return Err(number(TpmRc::SIZE, Kind::Session, i));
    }
    let nonce = a.take(nonce_len).map_err(fail)?;
    let attributes = TpmaSession::unmarshal(a, p).map_err(fail)?;
    let hmac_len = usize::from(a.read_u16().map_err(fail)?);
    if hmac_len > 64 {
        return Err(number(TpmRc::SIZE, Kind::Session, i));
    }
    let hmac = a.take(hmac_len).map_err(fail)?;
    if handle != TpmHandle::PW {
        // The loaded/type/repeat checks follow in `retrieve_check`. A policy session with
        // isPasswordNeeded carries the password here.
        return Ok(Session {
            handle: handle.0,
            nonce_caller: nonce.to_vec(),
            attributes,
            auth: AuthValue::new(hmac).unwrap_or_default(),
            hmac: hmac.to_vec(),
            ..Session::default()
        });
    }
    {
        let forbidden = TpmaSession::ENCRYPT
            | TpmaSession::DECRYPT
            | TpmaSession::AUDIT
            | TpmaSession::AUDIT_EXCLUSIVE
            | TpmaSession::AUDIT_RESET;
        if attributes.intersects(forbidden) {
            return Err(number(TpmRc::ATTRIBUTES, Kind::Session, i));
        }
        if !nonce.is_empty() {
            return Err(number(TpmRc::NONCE, Kind::Session, i));
        }
    }
    let auth = AuthValue::new(hmac).ok_or(number(TpmRc::SIZE, Kind::Session, i))?;
    Ok(Session {
        handle: handle.0,
        attributes,
        auth,
        ..Session::default()
    })
}

/// Write a response header with `size` and `rc`.
pub(crate) fn write_header(rsp: &mut Vec<u8>, tag: TpmSt, size: usize, rc: u32) {
    rsp.extend_from_slice(&tag.0.to_be_bytes());
    rsp.extend_from_slice(&u32::try_from(size).unwrap_or(u32::MAX).to_be_bytes());
    rsp.extend_from_slice(&rc.to_be_bytes());
}
