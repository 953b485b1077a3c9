//! Command audit and audit sessions (TPM 2.0 Part 1 §19.7 "Audit", Part 3 §21; libtpms
//! `CommandAudit.c`, `SessionProcess.c` `UpdateAuditSessionStatus`, `CommandAudit`).
//!
//! An audited command, and every command an audit session accompanies, extends a digest with
//! `H(digest || cpHash || rpHash)`: the command audit digest (permanent hash algorithm, reset
//! at TPM Reset, `auditCounter` counting the digests begun) and the session's own digest. The
//! cpHash is taken before the command runs (the names of its handles then); the rpHash after
//! the response parameters are encrypted, as libtpms does. What this is not: the reporting
//! commands (TPM2_GetCommandAuditDigest, GetSessionAuditDigest), which sign the digests.

use tpm_crypto::hash::{HashAlg, Hasher};
use tpm2_types::{TpmCc, TpmHandle, TpmaSession};

use crate::auth::{CmdSession, CmdView};
use crate::tpm::Tpm2;

/// The cpHashes an audited command needs, computed before it runs.
#[derive(Default)]
pub(crate) struct AuditPlan {
    /// The audit session: its index and the cpHash with its hash.
    pub session: Option<(usize, Vec<u8>)>,
    /// Command audit: the cpHash with the audit hash.
    pub command: Option<Vec<u8>>,
}

impl Tpm2 {
    /// Is `cc` audited (libtpms `CommandAuditIsRequired`)?
    pub(crate) fn audit_required(&self, cc: TpmCc) -> bool {
        self.perm.audit.commands.binary_search(&cc.0).is_ok()
    }

    /// The cpHashes of `view` for the audit session among `sessions` and for command audit.
    pub(crate) fn audit_plan(&self, sessions: &[CmdSession], view: &CmdView<'_>) -> AuditPlan {
        let mut plan = AuditPlan::default();
        for (i, s) in sessions.iter().enumerate() {
            if !s.is_pw() && s.attributes.contains(TpmaSession::AUDIT) {
                if let Some(sess) = self.sessions.get(TpmHandle(s.handle)) {
                    plan.session = Some((i, self.cp_hash(sess.auth_hash, view)));
                }
            }
        }
        if self.audit_required(view.cc) {
            if let Some(alg) = HashAlg::from_tpm_alg(self.perm.audit.hash_alg) {
                plan.command = Some(self.cp_hash(alg, view));
            }
        }
        plan
    }

    /// After a successful command: the audit session's status and digest
    /// (`UpdateAuditSessionStatus`; the auditExclusive bit of its response attributes is set
    /// or cleared here), then command audit (`CommandAudit`). `rparams` are the response
    /// parameters as sent (encrypted if a session encrypts them).
    pub(crate) fn audit_after(
        &mut self,
        plan: &AuditPlan,
        sessions: &mut [CmdSession],
        cc: TpmCc,
        allows_sessions: bool,
        rparams: &[u8],
    ) {
        let rp = |alg: HashAlg| {
            let mut h = Hasher::new(alg);
            h.update(&0u32.to_be_bytes());
            h.update(&cc.0.to_be_bytes());
            h.update(rparams);
            h.finalize()
        };
        let mut audit_session = None;
        if let Some((i, cp)) = &plan.session {
            if let Some(s) = sessions.get_mut(*i) {
                let h = TpmHandle(s.handle);
                audit_session = Some(h);
                let reset = s.attributes.contains(TpmaSession::AUDIT_RESET);
                if let Some(sess) = self.sessions.get_mut(h) {
                    if sess.audit.is_none() || reset {
                        // InitAuditSession: zeros, no longer bound; the session becomes the
                        // exclusive one.
                        sess.audit = Some(vec![0; sess.auth_hash.digest_size()]);
                        sess.bound = None;
                        self.rt.exclusive_audit = Some(h);
                    } else if self.rt.exclusive_audit != Some(h) {
                        self.rt.exclusive_audit = None;
                    }
                    let exclusive = self.rt.exclusive_audit == Some(h);
                    s.attributes = s.attributes.with(TpmaSession::AUDIT_EXCLUSIVE, exclusive);
                    let alg = sess.auth_hash;
                    let r = rp(alg);
                    if let Some(d) = sess.audit.as_mut() {
                        let mut hh = Hasher::new(alg);
                        hh.update(d);
                        hh.update(cp);
                        hh.update(r.as_slice());
                        *d = hh.finalize().as_slice().to_vec();
                    }
                }
            }
        }
        if audit_session.is_none() && allows_sessions {
            self.rt.exclusive_audit = None;
        }
        if let Some(cp) = &plan.command {
            let Some(alg) = HashAlg::from_tpm_alg(self.perm.audit.hash_alg) else {
                return;
            };
            let d = &mut self.reset.command_audit_digest;
            if d.len() == 1 {
                // The audit hash just changed: this command is not recorded.
                d.clear();
                return;
            }
            if d.is_empty() {
                *d = vec![0; alg.digest_size()];
                self.perm.audit.counter = self.perm.audit.counter.wrapping_add(1);
                self.mark_permanent_dirty();
            }
            let r = rp(alg);
            let mut hh = Hasher::new(alg);
            hh.update(&self.reset.command_audit_digest);
            hh.update(cp);
            hh.update(r.as_slice());
            self.reset.command_audit_digest = hh.finalize().as_slice().to_vec();
        }
    }
}
