//! Session commands: TPM2_StartAuthSession, TPM2_PolicyRestart (TPM 2.0 Part 3 §11),
//! TPM2_ContextSave/ContextLoad of sessions and TPM2_FlushContext (§28) and
//! TPM2_PolicyGetDigest (§23.19); libtpms
//! `SessionCommands.c`, `ContextCommands.c`, `PolicyGetDigest.c`.
//!
//! Salted sessions need a loaded asymmetric key, which the engine does not have yet: a tpmKey
//! other than TPM_RH_NULL can today only be a sequence object, which libtpms refuses with
//! TPM_RC_KEY (its type is TPM_ALG_NULL).

use tpm_crypto::hash::HashAlg;
use tpm2_types::{
    Tpm2bDigest, Tpm2bEncryptedSecret, Tpm2bNonce, TpmAlgId, TpmHandle, TpmHt, TpmRc, TpmSe,
    TpmiAlgHash, TpmiDhContext, TpmtSymDef, TpmuSymKeyBits, TpmuSymMode,
};

use crate::exec::Ctx;
use crate::session::{NewSession, SessionKind, SymDef};
use crate::tpm::Tpm2;

fn sym_def(s: &TpmtSymDef<true>) -> SymDef {
    let key_bits = match s.key_bits {
        TpmuSymKeyBits::Aes(b) => b.0,
        TpmuSymKeyBits::Camellia(b) => b.0,
        TpmuSymKeyBits::Xor(h) => h.0.0,
        _ => 0,
    };
    let mode = match s.mode {
        TpmuSymMode::Aes(m) | TpmuSymMode::Camellia(m) => m.0.0,
        _ => 0x0010,
    };
    SymDef {
        alg: s.algorithm.0.0,
        key_bits,
        mode,
    }
}

/// TPM 2.0 Part 3 §11.1 TPM2_StartAuthSession (libtpms `TPM2_StartAuthSession`, checks in
/// its order).
pub(crate) fn start_auth_session(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let nonce_caller: Tpm2bNonce = ctx.param()?;
    let encrypted_salt: Tpm2bEncryptedSecret = ctx.param()?;
    let session_type: TpmSe = ctx.param()?;
    // libtpms `TPM_SE_Unmarshal` accepts only HMAC, POLICY and TRIAL: an unknown type fails
    // before the later parameters are read.
    if !matches!(session_type, TpmSe::HMAC | TpmSe::POLICY | TpmSe::TRIAL) {
        return Err(TpmRc::VALUE.parameter(3));
    }
    let symmetric: TpmtSymDef<true> = ctx.param()?;
    let auth_hash: TpmiAlgHash = ctx.param()?;
    ctx.end()?;
    let [tpm_key, bind, _] = ctx.handles;
    let kind = match session_type {
        TpmSe::HMAC => SessionKind::Hmac,
        TpmSe::POLICY => SessionKind::Policy,
        TpmSe::TRIAL => SessionKind::Trial,
        _ => return Err(TpmRc::VALUE.parameter(3)),
    };
    let alg = HashAlg::from_tpm_alg(auth_hash.0.0).ok_or(TpmRc::HASH.parameter(5))?;
    // The caller's nonce: at least 16 bytes, at most the session hash's digest size.
    if nonce_caller.len() < 16 || nonce_caller.len() > alg.digest_size() {
        return Err(TpmRc::SIZE.parameter(1));
    }
    if tpm_key != TpmHandle::NULL {
        // The only transient objects today are sequence objects, whose type is TPM_ALG_NULL:
        // not an asymmetric key (CryptIsAsymAlgorithm), TPM_RC_KEY for handle 1.
        return Err(TpmRc::KEY.handle(1));
    }
    if !encrypted_salt.is_empty() {
        return Err(TpmRc::VALUE.parameter(2));
    }
    // A bind object must have its sensitive area loaded; sequence objects do.
    // A block cipher must be used in CFB mode.
    let sym = sym_def(&symmetric);
    if sym.alg != TpmAlgId::NULL.0 && sym.alg != TpmAlgId::XOR.0 && sym.mode != TpmAlgId::CFB.0 {
        return Err(TpmRc::MODE.parameter(4));
    }
    let (bind_name, bind_auth) = if bind == TpmHandle::NULL {
        (None, Vec::new())
    } else {
        let name = tpm.entity_name(bind).ok_or(TpmRc::HANDLE.handle(2))?;
        let auth = tpm
            .entity_auth(bind)
            .map(|a| a.as_slice().to_vec())
            .unwrap_or_default();
        (Some(name), auth)
    };
    let bind_auth = zeroize::Zeroizing::new(bind_auth);
    let new = NewSession {
        kind,
        auth_hash: alg,
        nonce_caller: &nonce_caller,
        symmetric: sym,
        bind_auth: &bind_auth,
        bind_name,
        bind_da_exempt: tpm.is_da_exempt(bind),
        bind_is_lockout: bind == TpmHandle::LOCKOUT,
        salt: &[],
        now: tpm.rt.time,
    };
    // SessionCreate checks for a free slot before drawing the nonce; do the same so that a
    // refused session does not consume DRBG output differently.
    if tpm.sessions.loaded() >= crate::properties::MAX_LOADED_SESSIONS {
        return Err(TpmRc::SESSION_MEMORY);
    }
    let mut nonce = vec![0u8; nonce_caller.len()];
    tpm.random(&mut nonce)?;
    let handle = tpm.sessions.create(&new, nonce.clone())?;
    ctx.rhandle = Some(handle);
    ctx.write(&Tpm2bNonce::new(&nonce).map_err(|_| TpmRc::FAILURE)?);
    Ok(())
}

/// TPM 2.0 Part 3 §11.2 TPM2_PolicyRestart.
pub(crate) fn policy_restart(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let h = ctx.handles[0];
    tpm.sessions
        .get_mut(h)
        .ok_or(TpmRc::REFERENCE_H0)?
        .reset_policy();
    Ok(())
}

/// TPM 2.0 Part 3 §23.19 TPM2_PolicyGetDigest.
pub(crate) fn policy_get_digest(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let s = tpm
        .sessions
        .get(ctx.handles[0])
        .ok_or(TpmRc::REFERENCE_H0)?;
    let d = s
        .policy
        .as_ref()
        .map(|p| p.digest.as_slice())
        .unwrap_or(&[]);
    ctx.write(&Tpm2bDigest::new(d).map_err(|_| TpmRc::FAILURE)?);
    Ok(())
}

/// The context blob's keys (this engine's format, opaque to callers): AES-256-CFB key and IV
/// from KDFa(SHA-256, proof, "CONTEXT", sequence, savedHandle), integrity HMAC-SHA512 with the
/// same proof over the reset value, sequence, savedHandle, hierarchy and the ciphertext. The
/// proof is the hierarchy's (nullProof for sessions and null-hierarchy objects): a TPM Reset
/// voids sessions and temporary objects, as it clears libtpms's context array, and a new
/// hierarchy proof (TPM2_Clear, ChangeEPS, ChangePPS) voids that hierarchy's saved objects.
/// The reset value is totalResetCount, and clearCount for stClear objects (savedHandle
/// 0x80000002), which a TPM Restart invalidates (Part 1 §30.3).
fn context_keys(
    tpm: &Tpm2,
    sequence: u64,
    handle: u32,
    hierarchy: u32,
) -> zeroize::Zeroizing<[u8; 48]> {
    let mut k = zeroize::Zeroizing::new([0u8; 48]);
    tpm_crypto::kdf::kdfa(
        HashAlg::Sha256,
        tpm.proof(TpmHandle(hierarchy)),
        b"CONTEXT",
        &sequence.to_be_bytes(),
        &handle.to_be_bytes(),
        384,
        &mut k[..],
    );
    k
}

fn context_integrity(
    tpm: &Tpm2,
    sequence: u64,
    handle: u32,
    hierarchy: u32,
    enc: &[u8],
) -> Vec<u8> {
    let mut m = tpm_crypto::hmac::HmacState::new(HashAlg::Sha512, tpm.proof(TpmHandle(hierarchy)));
    let reset = if handle == 0x8000_0002 {
        tpm.reset.clear_count
    } else {
        tpm.perm.total_reset_count
    };
    m.update(&reset.to_be_bytes());
    m.update(&sequence.to_be_bytes());
    m.update(&handle.to_be_bytes());
    m.update(&hierarchy.to_be_bytes());
    m.update(enc);
    m.finalize().as_slice().to_vec()
}

fn context_cipher(
    tpm: &Tpm2,
    sequence: u64,
    handle: u32,
    hierarchy: u32,
    data: &mut [u8],
    decrypt: bool,
) -> Result<(), TpmRc> {
    use tpm_crypto::sym::{AesKey, SymMode};
    let k = context_keys(tpm, sequence, handle, hierarchy);
    let aes = AesKey::new(k.get(..32).unwrap_or(&[])).map_err(|_| TpmRc::FAILURE)?;
    let mut iv = [0u8; 16];
    iv.copy_from_slice(k.get(32..).unwrap_or(&[0; 16]));
    let r = if decrypt {
        tpm_crypto::sym::decrypt(&aes, SymMode::Cfb, &mut iv, data)
    } else {
        tpm_crypto::sym::encrypt(&aes, SymMode::Cfb, &mut iv, data)
    };
    r.map_err(|_| TpmRc::FAILURE)
}

/// TPM 2.0 Part 3 §28.2 TPM2_ContextSave (libtpms `TPM2_ContextSave`): sessions
/// (`SessionContextSave`) and transient objects (savedHandle 0x80000000 for an object,
/// 0x80000001 for a sequence, 0x80000002 for an stClear object; sequence from the object
/// context counter; the object's hierarchy).
pub(crate) fn context_save(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    // RETURN_IF_ORDERLY: the counters of the reset data change, so an orderly state (after
    // Shutdown(STATE)) is no longer one, whether or not the save succeeds.
    tpm.clear_orderly();
    let h = ctx.handles[0];
    let (sequence, saved, hierarchy, plain) = match h.handle_type() {
        TpmHt::HMAC_SESSION | TpmHt::POLICY_SESSION => {
            let (sequence, session) = tpm.sessions.context_save(h)?;
            let mut plain = zeroize::Zeroizing::new(sequence.to_be_bytes().to_vec());
            session.marshal(&mut tpm_wire::Writer::to_vec(&mut plain));
            (sequence, h.0, TpmHandle::NULL.0, plain)
        }
        TpmHt::TRANSIENT => {
            let o = tpm.object(h).ok_or(TpmRc::HANDLE.handle(1))?;
            let saved = crate::cmd::object::saved_handle(o);
            let hierarchy = o.key().map_or(TpmHandle::NULL, |k| k.hierarchy);
            let body = crate::tpm::encode_object(o);
            let sequence = tpm.reset.object_context_id.wrapping_add(1);
            if sequence == 0 {
                return Err(tpm.fail("object context counter overflow"));
            }
            tpm.reset.object_context_id = sequence;
            let mut plain = zeroize::Zeroizing::new(sequence.to_be_bytes().to_vec());
            plain.extend_from_slice(&body);
            (sequence, saved, hierarchy.0, plain)
        }
        _ => return Err(TpmRc::HANDLE.handle(1)),
    };
    let mut enc = plain.to_vec();
    context_cipher(tpm, sequence, saved, hierarchy, &mut enc, false)?;
    let integrity = context_integrity(tpm, sequence, saved, hierarchy, &enc);
    let blob_len = 2 + integrity.len() + enc.len();
    let out = &mut ctx.out;
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(&saved.to_be_bytes());
    out.extend_from_slice(&hierarchy.to_be_bytes());
    out.extend_from_slice(
        &u16::try_from(blob_len)
            .map_err(|_| TpmRc::FAILURE)?
            .to_be_bytes(),
    );
    out.extend_from_slice(&u16::try_from(integrity.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&integrity);
    out.extend_from_slice(&enc);
    Ok(())
}

/// TPM 2.0 Part 3 §28.3 TPM2_ContextLoad (libtpms `TPM2_ContextLoad`, checks in its order):
/// sessions, and objects (savedHandle 0x80000000-0x80000002) into the first free slot.
pub(crate) fn context_load(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let orig = ctx.remaining();
    let c: tpm2_types::TpmsContext = ctx.param()?;
    // libtpms#217: Windows Server 2019 pads TPMS_CONTEXT up to TPM_PT_MAX_OBJECT_CONTEXT;
    // libtpms consumes the padding only when the parameters have exactly that size.
    if ctx.remaining() > 0
        && u32::try_from(orig).ok() == Some(crate::properties::MAX_OBJECT_CONTEXT)
    {
        ctx.discard_rest();
    }
    ctx.end()?;
    let p1 = |rc: TpmRc| rc.parameter(1);
    let handle = c.saved_handle.0;
    let hierarchy = TpmHandle(c.hierarchy.0.0);
    let blob: &[u8] = &c.context_blob;
    let mut r = tpm_wire::Reader::new(blob);
    // libtpms returns the integrity's unmarshal errors without a parameter number.
    let isize = usize::from(r.read_u16().map_err(|_| TpmRc::INSUFFICIENT)?);
    if isize > 64 {
        return Err(TpmRc::SIZE);
    }
    let integrity = r.take(isize).map_err(|_| TpmRc::INSUFFICIENT)?;
    if integrity.len() != HashAlg::Sha512.digest_size() || r.remaining() < 8 {
        return Err(p1(TpmRc::SIZE));
    }
    let is_object = (0x8000_0000..=0x8000_0002).contains(&handle.0);
    let enc = r.rest();
    let want = context_integrity(tpm, c.sequence, handle.0, hierarchy.0, enc);
    if !tpm_crypto::secret::ct_eq(&want, integrity) {
        return Err(p1(TpmRc::INTEGRITY));
    }
    if !is_object
        && !matches!(
            handle.handle_type(),
            TpmHt::HMAC_SESSION | TpmHt::POLICY_SESSION
        )
    {
        return Err(p1(TpmRc::HANDLE));
    }
    let mut plain = zeroize::Zeroizing::new(enc.to_vec());
    context_cipher(tpm, c.sequence, handle.0, hierarchy.0, &mut plain, true)?;
    let mut pr = tpm_wire::Reader::new(&plain);
    let seq = pr.read_u64().map_err(|_| p1(TpmRc::INTEGRITY))?;
    if seq != c.sequence {
        return Err(p1(TpmRc::INTEGRITY));
    }
    if is_object {
        if !tpm.hierarchy_enabled(hierarchy) {
            return Err(p1(TpmRc::HIERARCHY));
        }
        let o = crate::tpm::decode_object(pr.rest()).ok_or(p1(TpmRc::INTEGRITY))?;
        if crate::cmd::object::saved_handle(&o) != handle.0 {
            return Err(p1(TpmRc::INTEGRITY));
        }
        let h = tpm.load_object(o)?;
        ctx.rhandle = Some(h);
        return Ok(());
    }
    let session = crate::session::Session::unmarshal(&mut pr).map_err(|_| p1(TpmRc::INTEGRITY))?;
    if !pr.is_empty() || session.kind.is_policy() != (handle.handle_type() == TpmHt::POLICY_SESSION)
    {
        return Err(p1(TpmRc::INTEGRITY));
    }
    // RETURN_IF_ORDERLY for a session: its context slot (reset data) changes.
    tpm.clear_orderly();
    tpm.sessions
        .context_load(handle, c.sequence, session)
        .map_err(|rc| if rc == TpmRc::HANDLE { p1(rc) } else { rc })?;
    ctx.rhandle = Some(handle);
    Ok(())
}

/// TPM 2.0 Part 3 §28.4 TPM2_FlushContext (libtpms `TPM2_FlushContext`): a transient object
/// or a loaded or saved session; anything absent is TPM_RC_HANDLE for parameter 1.
pub(crate) fn flush_context(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let h: TpmiDhContext = ctx.param()?;
    ctx.end()?;
    let h = h.0;
    match h.handle_type() {
        TpmHt::HMAC_SESSION | TpmHt::POLICY_SESSION => flush_session(tpm, h),
        _ => {
            if tpm.object(h).is_none() {
                return Err(TpmRc::HANDLE.parameter(1));
            }
            tpm.flush_object(h);
            Ok(())
        }
    }
}

/// The session branch of FlushContext. libtpms parity: the handle's range is not compared
/// with the session's type (a policy-range handle flushes the HMAC session of the same index).
pub(crate) fn flush_session(tpm: &mut Tpm2, h: TpmHandle) -> Result<(), TpmRc> {
    if tpm.sessions.flush(h) {
        Ok(())
    } else {
        Err(TpmRc::HANDLE.parameter(1))
    }
}

#[cfg(test)]
mod tests {
    use tpm_crypto::hmac::hmac;
    use tpm_device::{InitFlags, StateKind, TpmEngine};
    use tpm2_types::TpmRc;

    use crate::Tpm2;
    use crate::platform::ManualPlatform;
    use crate::tests::{ST_NO, ST_SESS, cmd, pw_auth, rc, started};

    const SAS: u32 = 0x176;

    /// StartAuthSession body: tpmKey, bind, nonceCaller, salt, type, symmetric, authHash.
    fn sas_body(bind: u32, nonce: &[u8], salt: &[u8], se: u8, sym: &[u8], hash: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&0x4000_0007u32.to_be_bytes());
        b.extend_from_slice(&bind.to_be_bytes());
        b.extend_from_slice(&(nonce.len() as u16).to_be_bytes());
        b.extend_from_slice(nonce);
        b.extend_from_slice(&(salt.len() as u16).to_be_bytes());
        b.extend_from_slice(salt);
        b.push(se);
        b.extend_from_slice(sym);
        b.extend_from_slice(&hash.to_be_bytes());
        b
    }

    const NULL_SYM: [u8; 2] = [0x00, 0x10];
    const AES128_CFB: [u8; 6] = [0x00, 0x06, 0x00, 0x80, 0x00, 0x43];

    /// Start a session; returns (rc, handle, nonceTPM).
    fn start(t: &mut Tpm2, bind: u32, nonce: &[u8], se: u8, sym: &[u8]) -> (u32, u32, Vec<u8>) {
        let r = t.execute_vec(
            0,
            &cmd(ST_NO, SAS, &sas_body(bind, nonce, &[], se, sym, 0x0B)),
        );
        if rc(&r) != 0 {
            return (rc(&r), 0, Vec::new());
        }
        let h = u32::from_be_bytes(r[10..14].try_into().unwrap());
        let n = usize::from(u16::from_be_bytes([r[14], r[15]]));
        assert_eq!(r.len(), 16 + n);
        (0, h, r[16..16 + n].to_vec())
    }

    fn flush(t: &mut Tpm2, h: u32) -> u32 {
        rc(&t.execute_vec(0, &cmd(ST_NO, 0x165, &h.to_be_bytes())))
    }

    /// KDFa with SHA-256 for a 256-bit output: one HMAC block (TPM 2.0 Part 1 §11.4.10.2),
    /// written out here from the formula rather than through tpm-crypto's KDFa.
    fn kdfa_sha256_one_block(key: &[u8], label: &[u8], u: &[u8], v: &[u8]) -> Vec<u8> {
        let mut m = 1u32.to_be_bytes().to_vec();
        m.extend_from_slice(label);
        m.push(0);
        m.extend_from_slice(u);
        m.extend_from_slice(v);
        m.extend_from_slice(&256u32.to_be_bytes());
        hmac(tpm_crypto::hash::HashAlg::Sha256, key, &m)
            .as_slice()
            .to_vec()
    }

    #[test]
    fn hmac_session_unbound_and_handles() {
        let mut t = started();
        let (r, h, n) = start(&mut t, 0x4000_0007, &[7; 16], 0, &NULL_SYM);
        assert_eq!(r, 0);
        assert_eq!(h, 0x0200_0000);
        assert_eq!(n.len(), 16);
        let s = t.sessions.get(tpm2_types::TpmHandle(h)).unwrap();
        assert!(s.session_key.is_empty());
        assert!(s.bound.is_none());
        let (_, h2, n2) = start(&mut t, 0x4000_0007, &[7; 32], 1, &AES128_CFB);
        assert_eq!(h2, 0x0300_0001);
        assert_eq!(n2.len(), 32);
        let (_, h3, _) = start(&mut t, 0x4000_0007, &[7; 20], 3, &NULL_SYM);
        assert_eq!(h3, 0x0300_0002);
        // A fourth loaded session: TPM_RC_SESSION_MEMORY.
        let (r, _, _) = start(&mut t, 0x4000_0007, &[7; 16], 0, &NULL_SYM);
        assert_eq!(r, TpmRc::SESSION_MEMORY.raw());
        // Flushing frees the slot and the handle is reused.
        assert_eq!(flush(&mut t, h2), 0);
        assert_eq!(flush(&mut t, h2), TpmRc::HANDLE.parameter(1).raw());
        let (_, h4, _) = start(&mut t, 0x4000_0007, &[7; 16], 0, &NULL_SYM);
        assert_eq!(h4, 0x0200_0001);
        // libtpms parity: a policy-range handle flushes the HMAC session of its index.
        assert_eq!(flush(&mut t, 0x0300_0000), 0);
        assert!(t.sessions.get(tpm2_types::TpmHandle(h)).is_none());
        // Not a context handle: TPM_RC_VALUE for parameter 1.
        assert_eq!(flush(&mut t, 0x4000_0001), TpmRc::VALUE.parameter(1).raw());
        assert_eq!(flush(&mut t, 0x8000_0000), TpmRc::HANDLE.parameter(1).raw());
    }

    #[test]
    fn bad_inputs_give_libtpms_codes() {
        let mut t = started();
        let p = |rc: TpmRc, n| rc.parameter(n).raw();
        // nonceCaller shorter than 16 or longer than the digest.
        assert_eq!(
            start(&mut t, 0x4000_0007, &[1; 15], 0, &NULL_SYM).0,
            p(TpmRc::SIZE, 1)
        );
        assert_eq!(
            start(&mut t, 0x4000_0007, &[1; 33], 0, &NULL_SYM).0,
            p(TpmRc::SIZE, 1)
        );
        // Longer than a TPM2B_NONCE can be: unmarshal TPM_RC_SIZE, parameter 1.
        assert_eq!(
            start(&mut t, 0x4000_0007, &[1; 65], 0, &NULL_SYM).0,
            p(TpmRc::SIZE, 1)
        );
        // A salt with tpmKey TPM_RH_NULL.
        let r = t.execute_vec(
            0,
            &cmd(
                ST_NO,
                SAS,
                &sas_body(0x4000_0007, &[1; 16], &[1], 0, &NULL_SYM, 0x0B),
            ),
        );
        assert_eq!(rc(&r), p(TpmRc::VALUE, 2));
        // Session type 2 does not exist.
        assert_eq!(
            start(&mut t, 0x4000_0007, &[1; 16], 2, &NULL_SYM).0,
            p(TpmRc::VALUE, 3)
        );
        // AES in CBC mode.
        let cbc = [0x00, 0x06, 0x00, 0x80, 0x00, 0x42];
        assert_eq!(
            start(&mut t, 0x4000_0007, &[1; 16], 0, &cbc).0,
            p(TpmRc::MODE, 4)
        );
        // authHash TPM_ALG_NULL.
        let r = t.execute_vec(
            0,
            &cmd(
                ST_NO,
                SAS,
                &sas_body(0x4000_0007, &[1; 16], &[], 0, &NULL_SYM, 0x10),
            ),
        );
        assert_eq!(rc(&r), p(TpmRc::HASH, 5));
        // bind to a disabled hierarchy: TPM_RC_HIERARCHY for handle 2.
        let r = t.execute_vec(
            0,
            &cmd(
                ST_SESS,
                0x121,
                &[
                    &0x4000_000Cu32.to_be_bytes()[..],
                    &pw_auth(b""),
                    &0x4000_0001u32.to_be_bytes(),
                    &[0],
                ]
                .concat(),
            ),
        );
        assert_eq!(rc(&r), 0);
        assert_eq!(
            start(&mut t, 0x4000_0001, &[1; 16], 0, &NULL_SYM).0,
            TpmRc::HIERARCHY.handle(2).raw()
        );
        // PolicyRestart / PolicyGetDigest on an absent or an HMAC session.
        let (_, h, _) = start(&mut t, 0x4000_0007, &[1; 16], 0, &NULL_SYM);
        assert_eq!(h, 0x0200_0000);
        let r = t.execute_vec(0, &cmd(ST_NO, 0x180, &0x0300_0000u32.to_be_bytes()));
        assert_eq!(rc(&r), TpmRc::HANDLE.handle(1).raw());
        let r = t.execute_vec(0, &cmd(ST_NO, 0x180, &0x0300_0001u32.to_be_bytes()));
        assert_eq!(rc(&r), TpmRc::REFERENCE_H0.raw());
        let r = t.execute_vec(0, &cmd(ST_NO, 0x180, &0x0200_0000u32.to_be_bytes()));
        assert_eq!(rc(&r), TpmRc::VALUE.handle(1).raw());
    }

    #[test]
    fn bound_session_key_is_kdfa_of_auth() {
        let mut t = started();
        // HierarchyChangeAuth(owner, "secret").
        let body = [
            &0x4000_0001u32.to_be_bytes()[..],
            &pw_auth(b""),
            &6u16.to_be_bytes(),
            b"secret",
        ]
        .concat();
        assert_eq!(rc(&t.execute_vec(0, &cmd(ST_SESS, 0x129, &body))), 0);
        let caller = [0x11u8; 32];
        let (r, h, tpm_nonce) = start(&mut t, 0x4000_0001, &caller, 0, &AES128_CFB);
        assert_eq!(r, 0);
        let s = t.sessions.get(tpm2_types::TpmHandle(h)).unwrap();
        let want = kdfa_sha256_one_block(b"secret", b"ATH", &tpm_nonce, &caller);
        assert_eq!(s.session_key.as_bytes(), &want[..]);
        // Bound value: owner's handle, zero padded to 66 bytes, "secret" XORed into the end.
        let mut b = [0u8; 66];
        b[..4].copy_from_slice(&0x4000_0001u32.to_be_bytes());
        for (i, c) in b"secret".iter().enumerate() {
            b[60 + i] ^= c;
        }
        assert_eq!(s.bound.as_ref().unwrap().as_bytes(), &b[..]);
        // Hierarchies are DA-exempt: not DA-bound. Lockout is not.
        assert!(!s.da_bound);
        let (_, hl, _) = start(&mut t, 0x4000_000A, &caller, 0, &NULL_SYM);
        let s = t.sessions.get(tpm2_types::TpmHandle(hl)).unwrap();
        assert!(s.da_bound && s.lockout_bound);
        // Bound with an empty authValue still has a session key: KDFa with an empty key.
        let (_, he, n) = start(&mut t, 0x4000_000B, &caller, 0, &NULL_SYM);
        let s = t.sessions.get(tpm2_types::TpmHandle(he)).unwrap();
        assert_eq!(
            s.session_key.as_bytes(),
            &kdfa_sha256_one_block(b"", b"ATH", &n, &caller)[..]
        );
    }

    #[test]
    fn policy_digest_restart_capabilities_and_lifetime() {
        let mut t = started();
        let (_, h, _) = start(&mut t, 0x4000_0007, &[3; 16], 1, &NULL_SYM);
        let r = t.execute_vec(0, &cmd(ST_NO, 0x189, &h.to_be_bytes()));
        assert_eq!(rc(&r), 0);
        assert_eq!(&r[10..], &[&[0u8, 32][..], &[0; 32]].concat()[..]);
        t.sessions
            .get_mut(tpm2_types::TpmHandle(h))
            .unwrap()
            .policy
            .as_mut()
            .unwrap()
            .digest[0] = 9;
        assert_eq!(
            rc(&t.execute_vec(0, &cmd(ST_NO, 0x180, &h.to_be_bytes()))),
            0
        );
        let r = t.execute_vec(0, &cmd(ST_NO, 0x189, &h.to_be_bytes()));
        assert_eq!(&r[12..], &[0; 32]);
        let (_, h2, _) = start(&mut t, 0x4000_0007, &[3; 16], 0, &NULL_SYM);
        // GetCapability(TPM_CAP_HANDLES, 0x02000000): every loaded session, under its type.
        let caps = t.execute_vec(
            0,
            &cmd(
                ST_NO,
                0x17A,
                &[
                    &[0, 0, 0, 1][..],
                    &0x0200_0000u32.to_be_bytes(),
                    &[0, 0, 0, 8],
                ]
                .concat(),
            ),
        );
        assert_eq!(rc(&caps), 0);
        assert_eq!(&caps[15..19], &2u32.to_be_bytes());
        assert_eq!(&caps[19..23], &h.to_be_bytes());
        assert_eq!(&caps[23..27], &h2.to_be_bytes());
        // TPM_PT_HR_LOADED (0x203) ... TPM_PT_HR_ACTIVE_AVAIL (0x206).
        let caps = t.execute_vec(
            0,
            &cmd(
                ST_NO,
                0x17A,
                &[&[0, 0, 0, 6][..], &0x203u32.to_be_bytes(), &[0, 0, 0, 4]].concat(),
            ),
        );
        let vals: Vec<u32> = (0..4)
            .map(|i| u32::from_be_bytes(caps[23 + 8 * i..27 + 8 * i].try_into().unwrap()))
            .collect();
        assert_eq!(vals, [2, 1, 2, 62]);
        // The volatile image keeps them; a Startup loses them.
        let perm = t.state(StateKind::Permanent);
        let vol = t.state(StateKind::Volatile);
        let mut u = Tpm2::new(Box::new(ManualPlatform::new()));
        u.set_state(StateKind::Permanent, &perm).unwrap();
        u.set_state(StateKind::Volatile, &vol).unwrap();
        u.init(InitFlags::default()).unwrap();
        assert_eq!(u.state(StateKind::Volatile)[..], vol[..]);
        let r = u.execute_vec(0, &cmd(ST_NO, 0x189, &h.to_be_bytes()));
        assert_eq!(rc(&r), 0);
        assert_eq!(rc(&u.execute_vec(0, &cmd(ST_NO, 0x145, &[0, 0]))), 0);
        u.init(InitFlags::default()).unwrap();
        assert_eq!(rc(&u.execute_vec(0, &cmd(ST_NO, 0x144, &[0, 0]))), 0);
        let r = u.execute_vec(0, &cmd(ST_NO, 0x189, &h.to_be_bytes()));
        assert_eq!(rc(&r), TpmRc::REFERENCE_H0.raw());
    }
}
