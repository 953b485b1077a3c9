//! Differential test of HMAC and policy sessions against libtpms 0.9.2 in the Debian swtpm.
//!
//! StartAuthSession nonces are random, so the same script runs on each TPM through a small
//! HMAC client written here from TPM 2.0 Part 1 §19.6 (session key = KDFa(..., "ATH", ...),
//! cpHash, command HMAC, rpHash, response HMAC), computing every HMAC from that TPM's own
//! nonces. The script records, per step, the response code and, where it applies, whether
//! the TPM's response HMAC verified under the keys the spec names; the two records must be
//! identical. Deterministic answers (policy digests, capability lists) are recorded whole.
//!
//! Needs `swtpm`; without it the test fails unless FERROTPM_SKIP_SWTPM=1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use common::*;
use tpm_crypto::hash::{HashAlg, digest};
use tpm_crypto::hmac::hmac;

trait Side {
    fn tx(&mut self, cmd: &[u8]) -> Vec<u8>;
    /// _TPM_Init with the state as the TPM left it.
    fn init(&mut self);
}

impl Side for Swtpm {
    fn tx(&mut self, cmd: &[u8]) -> Vec<u8> {
        self.send(cmd).expect("swtpm answered")
    }
    fn init(&mut self) {
        self.power_cycle();
    }
}

impl Side for Ours {
    fn tx(&mut self, cmd: &[u8]) -> Vec<u8> {
        self.send(0, cmd)
    }
    fn init(&mut self) {
        self.power_cycle();
    }
}

const CC_SAS: u32 = 0x176;
const CC_FLUSH: u32 = 0x165;
const CC_CHANGE_AUTH: u32 = 0x129;
const CC_PCR_RESET: u32 = 0x13D;
const CC_SET_PRIMARY_POLICY: u32 = 0x12E;
const CC_DA_LOCK_RESET: u32 = 0x139;
const CC_GET_RANDOM: u32 = 0x17B;
const CC_POLICY_RESTART: u32 = 0x180;
const CC_POLICY_GET_DIGEST: u32 = 0x189;
const CC_GET_CAP: u32 = 0x17A;

const NULL_SYM: &[u8] = &[0x00, 0x10];
const AES128_CFB: &[u8] = &[0x00, 0x06, 0x00, 0x80, 0x00, 0x43];

/// A client-side session.
#[derive(Clone)]
struct Sess {
    /// 0x0006 AES-128-CFB, 0x000A XOR(SHA-256), 0x0010 none.
    sym: u16,
    handle: u32,
    nonce_tpm: Vec<u8>,
    nonce_caller: Vec<u8>,
    key: Vec<u8>,
}

fn sas(bind: u32, nonce: &[u8], salt: &[u8], se: u8, sym: &[u8], hash: u16) -> Vec<u8> {
    let body = [
        &RH_NULL.to_be_bytes()[..],
        &bind.to_be_bytes(),
        &b2(nonce),
        &b2(salt),
        &[se],
        sym,
        &hash.to_be_bytes(),
    ]
    .concat();
    c(CC_SAS, &body)
}

/// KDFa(SHA-256, key, "ATH", nonceTPM, nonceCaller, 256): one HMAC block (Part 1 §11.4.10.2).
fn session_key(auth: &[u8], nonce_tpm: &[u8], nonce_caller: &[u8]) -> Vec<u8> {
    let m = [
        &1u32.to_be_bytes()[..],
        b"ATH\0",
        nonce_tpm,
        nonce_caller,
        &256u32.to_be_bytes(),
    ]
    .concat();
    hmac(HashAlg::Sha256, auth, &m).as_slice().to_vec()
}

/// The parameter cipher of Part 1 §21: AES-128-CFB with key || IV = KDFa(SHA-256, key,
/// "CFB", nonceNewer, nonceOlder, 256), or the XOR mask KDFa(SHA-256, key, "XOR", nonceNewer,
/// nonceOlder, 8 * len).
fn param_cipher(sym: u16, key: &[u8], newer: &[u8], older: &[u8], data: &mut [u8], decrypt: bool) {
    use tpm_crypto::sym::{AesKey, SymMode};
    match sym {
        0x000A => {
            let mut mask = vec![0u8; data.len()];
            tpm_crypto::kdf::kdfa(
                HashAlg::Sha256,
                key,
                b"XOR",
                newer,
                older,
                (data.len() * 8) as u32,
                &mut mask,
            );
            for (d, m) in data.iter_mut().zip(mask) {
                *d ^= m;
            }
        }
        0x0006 => {
            let mut ki = [0u8; 32];
            tpm_crypto::kdf::kdfa(HashAlg::Sha256, key, b"CFB", newer, older, 256, &mut ki);
            let aes = AesKey::new(&ki[..16]).unwrap();
            let mut iv: [u8; 16] = ki[16..].try_into().unwrap();
            if decrypt {
                tpm_crypto::sym::decrypt(&aes, SymMode::Cfb, &mut iv, data).unwrap();
            } else {
                tpm_crypto::sym::encrypt(&aes, SymMode::Cfb, &mut iv, data).unwrap();
            }
        }
        _ => {}
    }
}

struct Run<'a> {
    t: &'a mut dyn Side,
    log: Vec<String>,
    /// The authValue of the entity an encrypting/decrypting session authorizes (always part
    /// of the parameter-encryption key, bound or not).
    crypt_auth: Vec<u8>,
    /// Names of object handles for cpHash (other handles are their own names).
    names: Vec<(u32, Vec<u8>)>,
}

impl Run<'_> {
    fn note(&mut self, step: &str, what: String) {
        self.log.push(format!("{step}: {what}"));
    }

    /// StartAuthSession; on failure a session with an absent handle, so the script goes on.
    fn start(&mut self, step: &str, bind: u32, bind_auth: &[u8], se: u8, sym: &[u8]) -> Sess {
        self.start_bound(step, bind, bind_auth, bind != RH_NULL, se, sym)
    }

    /// StartAuthSession bound to `bind` (keyed with `bind_auth` when `keyed`).
    fn start_bound(
        &mut self,
        step: &str,
        bind: u32,
        bind_auth: &[u8],
        keyed: bool,
        se: u8,
        sym: &[u8],
    ) -> Sess {
        let caller: Vec<u8> = (0..32u8).collect();
        let r = self.t.tx(&sas(bind, &caller, &[], se, sym, SHA256));
        self.note(step, format!("rc {:#x}", rc(&r)));
        if rc(&r) != 0 {
            return Sess {
                sym: 0x10,
                handle: 0x0200_003F,
                nonce_tpm: Vec::new(),
                nonce_caller: caller,
                key: Vec::new(),
            };
        }
        let handle = u32::from_be_bytes(r[10..14].try_into().unwrap());
        let n = u16::from_be_bytes([r[14], r[15]]) as usize;
        let nonce_tpm = r[16..16 + n].to_vec();
        self.note(step, format!("handle {handle:#x} nonce len {n}"));
        let key = if keyed {
            session_key(bind_auth, &nonce_tpm, &caller)
        } else {
            Vec::new()
        };
        Sess {
            sym: u16::from_be_bytes([sym[0], sym[1]]),
            handle,
            nonce_tpm,
            nonce_caller: caller,
            key,
        }
    }

    /// A command authorized by `s` for entity `name` (auth `auth`, included in the key when
    /// `include`); checks the response HMAC under `resp_auths` (each a candidate authValue).
    #[allow(clippy::too_many_arguments)]
    fn hmac_cmd(
        &mut self,
        step: &str,
        s: &mut Sess,
        cc: u32,
        handles: &[u32],
        params: &[u8],
        auth: &[u8],
        attrs: u8,
        corrupt: bool,
        resp_auths: &[&[u8]],
    ) -> u32 {
        // Fresh caller nonce each command.
        s.nonce_caller = digest(HashAlg::Sha256, &s.nonce_caller).as_slice()[..16].to_vec();
        let mut params = params.to_vec();
        if attrs & 0x20 != 0 && params.len() >= 2 {
            let n = (u16::from_be_bytes([params[0], params[1]]) as usize).min(params.len() - 2);
            let key = [&s.key[..], &self.crypt_auth].concat();
            param_cipher(
                s.sym,
                &key,
                &s.nonce_caller,
                &s.nonce_tpm,
                &mut params[2..2 + n],
                false,
            );
        }
        let params = &params[..];
        let mut cp = cc.to_be_bytes().to_vec();
        for h in handles {
            match self.names.iter().find(|(x, _)| x == h) {
                Some((_, n)) => cp.extend_from_slice(n),
                None => cp.extend_from_slice(&h.to_be_bytes()),
            }
        }
        cp.extend_from_slice(params);
        let cp_hash = digest(HashAlg::Sha256, &cp);
        let key = [&s.key[..], auth].concat();
        let mut mac = if key.is_empty() {
            Vec::new()
        } else {
            let m = [cp_hash.as_slice(), &s.nonce_caller, &s.nonce_tpm, &[attrs]].concat();
            hmac(HashAlg::Sha256, &key, &m).as_slice().to_vec()
        };
        if corrupt {
            if mac.is_empty() {
                mac = vec![0x55; 32];
            } else {
                mac[0] ^= 1;
            }
        }
        let auth_area = area(&[session(s.handle, &s.nonce_caller, attrs, &mac)]);
        let r = self.t.tx(&cs(cc, handles, &auth_area, params));
        let code = rc(&r);
        self.note(step, format!("rc {code:#x}"));
        if code != 0 {
            return code;
        }
        let psize = u32::from_be_bytes(r[10..14].try_into().unwrap()) as usize;
        let rparams = &r[14..14 + psize];
        let mut p = 14 + psize;
        let n = u16::from_be_bytes([r[p], r[p + 1]]) as usize;
        let nonce = r[p + 2..p + 2 + n].to_vec();
        p += 2 + n;
        let rattrs = r[p];
        let m = u16::from_be_bytes([r[p + 1], r[p + 2]]) as usize;
        let rmac = r[p + 3..p + 3 + m].to_vec();
        self.note(
            step,
            format!(
                "nonce len {n} fresh {} attrs {rattrs:#x} mac len {m}",
                nonce != s.nonce_tpm
            ),
        );
        let rp = digest(
            HashAlg::Sha256,
            &[&0u32.to_be_bytes()[..], &cc.to_be_bytes(), rparams].concat(),
        );
        for a in resp_auths {
            let key = [&s.key[..], a].concat();
            let want = hmac(
                HashAlg::Sha256,
                &key,
                &[rp.as_slice(), &nonce, &s.nonce_caller, &[rattrs]].concat(),
            );
            self.note(
                step,
                format!(
                    "response hmac with auth {:?}: {}",
                    hexs(a),
                    want.as_slice() == &rmac[..]
                ),
            );
        }
        if attrs & 0x40 != 0 && rparams.len() >= 2 {
            let mut plain = rparams.to_vec();
            let n = (u16::from_be_bytes([plain[0], plain[1]]) as usize).min(plain.len() - 2);
            let key = [&s.key[..], &self.crypt_auth].concat();
            param_cipher(
                s.sym,
                &key,
                &nonce,
                &s.nonce_caller,
                &mut plain[2..2 + n],
                true,
            );
            if cc == CC_GET_RANDOM {
                // Random bytes: only their count is comparable.
                self.note(
                    step,
                    format!("decrypted response size {}", hexs(&plain[..2])),
                );
            } else {
                self.note(step, format!("decrypted response {}", hexs(&plain)));
            }
        }
        s.nonce_tpm = nonce;
        code
    }

    fn raw(&mut self, step: &str, cmd: &[u8], whole: bool) -> Vec<u8> {
        let r = self.t.tx(cmd);
        if whole {
            self.note(step, hexs(&r));
        } else {
            self.note(step, format!("rc {:#x}", rc(&r)));
        }
        r
    }
}

fn script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);

    // StartAuthSession failure modes.
    let caller = [9u8; 16];
    run.raw(
        "nonce 15",
        &sas(RH_NULL, &caller[..15], &[], 0, NULL_SYM, SHA256),
        false,
    );
    run.raw(
        "nonce 33",
        &sas(RH_NULL, &[1; 33], &[], 0, NULL_SYM, SHA256),
        false,
    );
    run.raw(
        "nonce 65",
        &sas(RH_NULL, &[1; 65], &[], 0, NULL_SYM, SHA256),
        false,
    );
    run.raw(
        "sha1 nonce 32",
        &sas(RH_NULL, &[1; 32], &[], 0, NULL_SYM, SHA1),
        false,
    );
    run.raw(
        "salt without key",
        &sas(RH_NULL, &caller, &[1, 2], 0, NULL_SYM, SHA256),
        false,
    );
    run.raw(
        "type 2",
        &sas(RH_NULL, &caller, &[], 2, NULL_SYM, SHA256),
        false,
    );
    let cbc = [0x00, 0x06, 0x00, 0x80, 0x00, 0x42];
    run.raw(
        "aes cbc",
        &sas(RH_NULL, &caller, &[], 0, &cbc, SHA256),
        false,
    );
    let aes192 = [0x00, 0x06, 0x00, 0xC0, 0x00, 0x43];
    run.raw(
        "aes 192",
        &sas(RH_NULL, &caller, &[], 0, &aes192, SHA256),
        false,
    );
    run.raw(
        "hash null",
        &sas(RH_NULL, &caller, &[], 0, NULL_SYM, ALG_NULL),
        false,
    );
    run.raw(
        "tpmKey owner",
        &{
            let mut v = sas(RH_NULL, &caller, &[], 0, NULL_SYM, SHA256);
            v[10..14].copy_from_slice(&RH_OWNER.to_be_bytes());
            v
        },
        false,
    );
    let r = run.raw(
        "bind pcr 3",
        &sas(3, &caller, &[], 0, NULL_SYM, SHA256),
        false,
    );
    if rc(&r) == 0 {
        run.raw("flush pcr 3 session", &c(CC_FLUSH, &r[10..14]), false);
    }
    run.raw(
        "bind 0x81000000",
        &sas(0x8100_0000, &caller, &[], 0, NULL_SYM, SHA256),
        false,
    );

    // Unbound HMAC session: empty key, empty HMACs.
    let mut s = run.start("unbound", RH_NULL, &[], 0, NULL_SYM);
    let pcr16 = 16u32;
    run.hmac_cmd(
        "pcr reset empty hmac",
        &mut s,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        &[],
        1,
        false,
        &[],
    );
    run.hmac_cmd(
        "pcr reset junk hmac",
        &mut s,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        &[],
        1,
        true,
        &[],
    );
    // Owner gets a password, then an unbound HMAC session authorizes with it.
    run.raw(
        "owner auth",
        &cs(CC_CHANGE_AUTH, &[RH_OWNER], &pw(b""), &b2(b"secret")),
        false,
    );
    run.hmac_cmd(
        "change auth hmac",
        &mut s,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"second"),
        b"secret",
        1,
        false,
        &[b"secret", b"second"],
    );
    run.hmac_cmd(
        "bad hmac owner",
        &mut s,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"x"),
        b"second",
        1,
        true,
        &[],
    );
    // Bound to the owner: the authValue is not in the key for the owner, but is for others.
    let mut b = run.start("bound owner", RH_OWNER, b"second", 0, AES128_CFB);
    run.hmac_cmd(
        "bound use on owner",
        &mut b,
        CC_SET_PRIMARY_POLICY,
        &[RH_OWNER],
        &[&b2(&[0; 32])[..], &SHA256.to_be_bytes()].concat(),
        b"",
        1,
        false,
        &[b""],
    );
    run.hmac_cmd(
        "bound use on pcr",
        &mut b,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        b"",
        1,
        false,
        &[b""],
    );
    // Decrypt on a command without a TPM2B first parameter.
    run.hmac_cmd(
        "decrypt pcr reset",
        &mut b,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        b"",
        0x21,
        false,
        &[],
    );
    // A session that authorizes nothing and neither encrypts nor audits.
    run.hmac_cmd(
        "session on get random",
        &mut b,
        CC_GET_RANDOM,
        &[],
        &8u16.to_be_bytes(),
        b"",
        1,
        false,
        &[],
    );
    // Session handle errors.
    let other = area(&[session(0x0200_0005, &[1; 16], 1, &[])]);
    run.raw(
        "unloaded session",
        &cs(CC_PCR_RESET, &[pcr16], &other, &[]),
        false,
    );
    let wrong = area(&[session(s.handle | 0x0100_0000, &[1; 16], 1, &[])]);
    run.raw(
        "policy range for hmac session",
        &cs(CC_PCR_RESET, &[pcr16], &wrong, &[]),
        false,
    );
    let twice = area(&[
        session(s.handle, &[1; 16], 1, &[]),
        session(s.handle, &[1; 16], 1, &[]),
    ]);
    run.raw(
        "same session twice",
        &cs(CC_PCR_RESET, &[pcr16], &twice, &[]),
        false,
    );
    // Policy sessions: trial refused, owner policy (32 zero bytes, set above) matched by a
    // fresh policy session; no policy on the endorsement hierarchy.
    let trial = run.start("trial", RH_NULL, &[], 3, NULL_SYM);
    run.raw(
        "full",
        &sas(RH_NULL, &caller, &[], 0, NULL_SYM, SHA256),
        false,
    );
    run.raw(
        "flush trial",
        &c(CC_FLUSH, &trial.handle.to_be_bytes()),
        false,
    );
    let mut trial = run.start("trial again", RH_NULL, &[], 3, NULL_SYM);
    run.hmac_cmd(
        "trial in auth",
        &mut trial,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        b"",
        1,
        false,
        &[],
    );
    run.raw(
        "flush trial 2",
        &c(CC_FLUSH, &trial.handle.to_be_bytes()),
        false,
    );
    let mut p = run.start("policy", RH_NULL, &[], 1, NULL_SYM);
    run.raw(
        "policy digest",
        &c(CC_POLICY_GET_DIGEST, &p.handle.to_be_bytes()),
        true,
    );
    run.raw(
        "policy restart",
        &c(CC_POLICY_RESTART, &p.handle.to_be_bytes()),
        false,
    );
    run.raw(
        "policy restart hmac",
        &c(CC_POLICY_RESTART, &s.handle.to_be_bytes()),
        false,
    );
    run.hmac_cmd(
        "policy on endorsement",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_ENDORSEMENT],
        &b2(b""),
        b"",
        1,
        false,
        &[],
    );
    run.hmac_cmd(
        "policy on owner",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"third"),
        b"",
        1,
        false,
        &[b""],
    );
    // Capabilities while three sessions are loaded.
    let cap = |prop: u32, cap: u32| {
        c(
            CC_GET_CAP,
            &[&cap.to_be_bytes()[..], &prop.to_be_bytes(), &[0, 0, 0, 4]].concat(),
        )
    };
    run.raw("cap handles", &cap(0x0200_0000, 1), true);
    run.raw("cap policy handles", &cap(0x0300_0000, 1), true);
    run.raw("cap loaded", &cap(0x203, 6), true);
    // continueSession clear: the session is gone afterwards.
    run.hmac_cmd(
        "no continue",
        &mut b,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        b"",
        0,
        false,
        &[b""],
    );
    run.hmac_cmd(
        "after no continue",
        &mut b,
        CC_PCR_RESET,
        &[pcr16],
        &[],
        b"",
        1,
        false,
        &[],
    );
    // Flush errors.
    run.raw(
        "flush absent",
        &c(CC_FLUSH, &0x0200_0007u32.to_be_bytes()),
        false,
    );
    run.raw("flush owner", &c(CC_FLUSH, &RH_OWNER.to_be_bytes()), false);
    run.raw(
        "flush policy range of hmac",
        &c(CC_FLUSH, &(s.handle | 0x0100_0000).to_be_bytes()),
        false,
    );
    run.raw(
        "flush hmac range of policy",
        &c(CC_FLUSH, &(p.handle & !0x0100_0000).to_be_bytes()),
        false,
    );
    // Dictionary attack: a bad HMAC on lockoutAuth with an unbound session.
    let mut l = run.start("for lockout", RH_NULL, &[], 0, NULL_SYM);
    run.hmac_cmd(
        "bad hmac lockout",
        &mut l,
        CC_DA_LOCK_RESET,
        &[RH_LOCKOUT],
        &[],
        b"",
        1,
        true,
        &[],
    );
    run.hmac_cmd(
        "lockout after failure",
        &mut l,
        CC_DA_LOCK_RESET,
        &[RH_LOCKOUT],
        &[],
        b"",
        1,
        false,
        &[],
    );
    run.raw(
        "lockout pw",
        &cs(CC_DA_LOCK_RESET, &[RH_LOCKOUT], &pw(b""), &[]),
        false,
    );
    // ContextSave / ContextLoad of sessions (blobs differ; response codes and handles match).
    let sv = run.t.tx(&c(0x162, &l.handle.to_be_bytes()));
    run.note("context save", format!("rc {:#x}", rc(&sv)));
    run.raw(
        "use saved session",
        &cs(
            CC_DA_LOCK_RESET,
            &[RH_LOCKOUT],
            &area(&[session(l.handle, &[1; 16], 1, &[])]),
            &[],
        ),
        false,
    );
    run.raw(
        "cap saved",
        &c(
            CC_GET_CAP,
            &[
                &1u32.to_be_bytes()[..],
                &0x0300_0000u32.to_be_bytes(),
                &[0, 0, 0, 8],
            ]
            .concat(),
        ),
        true,
    );
    run.raw(
        "cap loaded after save",
        &c(
            CC_GET_CAP,
            &[
                &6u32.to_be_bytes()[..],
                &0x203u32.to_be_bytes(),
                &[0, 0, 0, 4],
            ]
            .concat(),
        ),
        true,
    );
    if rc(&sv) == 0 {
        let ctx = sv[10..].to_vec();
        run.raw(
            "context save again",
            &c(0x162, &l.handle.to_be_bytes()),
            false,
        );
        let mut bad = ctx.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        run.raw("context load corrupted", &c(0x161, &bad), false);
        let mut short = ctx.clone();
        short[21] = 0x20; // integrity size 32
        run.raw("context load short integrity", &c(0x161, &short), false);
        let mut other = ctx.clone();
        other[8..12].copy_from_slice(&0x0200_0005u32.to_be_bytes());
        run.raw("context load other handle", &c(0x161, &other), false);
        let r = run.raw("context load", &c(0x161, &ctx), true);
        let _ = r;
        run.raw("context load replay", &c(0x161, &ctx), false);
        let sv2 = run.t.tx(&c(0x162, &l.handle.to_be_bytes()));
        run.note("context save 2", format!("rc {:#x}", rc(&sv2)));
        run.raw("flush saved", &c(CC_FLUSH, &l.handle.to_be_bytes()), false);
        if sv2.len() > 10 {
            run.raw("load flushed", &c(0x161, &sv2[10..]), false);
        }
    }
    run.raw(
        "context save pcr",
        &c(0x162, &0x8000_0000u32.to_be_bytes()),
        false,
    );
    run.raw(
        "context save absent",
        &c(0x162, &0x0200_0009u32.to_be_bytes()),
        false,
    );
    // A session bound to lockout is DA-bound: refused while lockoutAuth is locked out.
    run.raw(
        "bind lockout",
        &sas(RH_LOCKOUT, &caller, &[], 0, NULL_SYM, SHA256),
        false,
    );
    run.log
}

const XOR_SHA256: &[u8] = &[0x00, 0x0A, 0x00, 0x0B];
const CC_HASH: u32 = 0x17D;

fn crypt_script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    let hash_params =
        |data: &[u8]| [&b2(data)[..], &SHA256.to_be_bytes(), &RH_NULL.to_be_bytes()].concat();
    let mut a = run.start("aes unbound", RH_NULL, &[], 0, AES128_CFB);
    // A session that only decrypts and encrypts: no authValue in the key; an unbound,
    // unsalted session has an empty key, which libtpms still uses.
    run.hmac_cmd(
        "hash aes dec+enc",
        &mut a,
        CC_HASH,
        &[],
        &hash_params(b"abc"),
        b"",
        0x61,
        false,
        &[b""],
    );
    run.hmac_cmd(
        "hash aes enc",
        &mut a,
        CC_HASH,
        &[],
        &hash_params(b"abcd"),
        b"",
        0x41,
        false,
        &[b""],
    );
    run.hmac_cmd(
        "get random aes enc",
        &mut a,
        CC_GET_RANDOM,
        &[],
        &8u16.to_be_bytes(),
        b"",
        0x41,
        false,
        &[],
    );
    run.raw(
        "owner auth",
        &cs(CC_CHANGE_AUTH, &[RH_OWNER], &pw(b""), &b2(b"own")),
        false,
    );
    let mut b = run.start("aes bound owner", RH_OWNER, b"own", 0, AES128_CFB);
    run.hmac_cmd(
        "hash aes bound dec+enc",
        &mut b,
        CC_HASH,
        &[],
        &hash_params(&[7; 100]),
        b"",
        0x61,
        false,
        &[b""],
    );
    run.crypt_auth = b"own".to_vec();
    run.hmac_cmd(
        "change auth decrypt",
        &mut b,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"new owner"),
        b"",
        0x21,
        false,
        &[b""],
    );
    run.crypt_auth.clear();
    run.raw(
        "new owner auth works",
        &cs(CC_CHANGE_AUTH, &[RH_OWNER], &pw(b"new owner"), &b2(b"")),
        false,
    );
    let mut x = run.start("xor unbound", RH_NULL, &[], 0, XOR_SHA256);
    run.hmac_cmd(
        "hash xor dec+enc",
        &mut x,
        CC_HASH,
        &[],
        &hash_params(&[9; 70]),
        b"",
        0x61,
        false,
        &[b""],
    );
    run.hmac_cmd(
        "pcr16 with xor decrypt",
        &mut x,
        CC_PCR_RESET,
        &[16],
        &[],
        b"",
        0x21,
        false,
        &[],
    );
    run.raw("flush xor", &c(CC_FLUSH, &x.handle.to_be_bytes()), false);
    let mut n = run.start("null sym", RH_NULL, &[], 0, NULL_SYM);
    run.hmac_cmd(
        "decrypt with null sym",
        &mut n,
        CC_HASH,
        &[],
        &hash_params(b"a"),
        b"",
        0x21,
        false,
        &[],
    );
    run.hmac_cmd(
        "encrypt with null sym",
        &mut n,
        CC_HASH,
        &[],
        &hash_params(b"a"),
        b"",
        0x41,
        false,
        &[],
    );
    // Size checks of the decrypted parameter (CVE-2023-1017/1018 shapes).
    let auth_a = |s: &Sess| area(&[session(s.handle, &[3; 16], 0x21, &[])]);
    let over = [&[0x00, 0x10][..], b"abc"].concat();
    run.raw(
        "tpm2b size beyond command",
        &cs(CC_HASH, &[], &auth_a(&a), &over),
        false,
    );
    let exact = [&[0x00, 0x03][..], b"abc"].concat();
    run.raw(
        "tpm2b size to the end",
        &cs(CC_HASH, &[], &auth_a(&a), &exact),
        false,
    );
    run.raw(
        "one byte of parameters",
        &cs(CC_HASH, &[], &auth_a(&a), &[0x00]),
        false,
    );
    run.raw("no parameters", &cs(CC_HASH, &[], &auth_a(&a), &[]), false);
    let two = area(&[
        session(a.handle, &[3; 16], 0x21, &[]),
        session(b.handle, &[3; 16], 0x21, &[]),
    ]);
    run.raw(
        "two decrypt sessions",
        &cs(CC_HASH, &[], &two, &hash_params(b"a")),
        false,
    );
    let two_enc = area(&[
        session(a.handle, &[3; 16], 0x41, &[]),
        session(b.handle, &[3; 16], 0x41, &[]),
    ]);
    run.raw(
        "two encrypt sessions",
        &cs(CC_HASH, &[], &two_enc, &hash_params(b"a")),
        false,
    );
    // Two sessions: session 1 (HMAC, authorizes the owner) covers the nonceTPM of session 2,
    // which decrypts the new authValue (Part 1 §19.6.5); a session that authorizes nothing
    // uses no authValue, neither in its HMAC nor in its parameter key.
    run.raw("flush b", &c(CC_FLUSH, &b.handle.to_be_bytes()), false);
    run.raw("flush n", &c(CC_FLUSH, &n.handle.to_be_bytes()), false);
    let mut h1 = run.start("auth session", RH_NULL, &[], 0, NULL_SYM);
    let mut d2 = run.start("decrypt session", RH_NULL, &[], 0, AES128_CFB);
    for (step, include_extra) in [
        ("extra nonce omitted", false),
        ("extra nonce included", true),
    ] {
        h1.nonce_caller = vec![0x21; 16];
        d2.nonce_caller = vec![0x22; 16];
        let mut params = b2(b"two sessions");
        param_cipher(
            d2.sym,
            &d2.key,
            &d2.nonce_caller,
            &d2.nonce_tpm,
            &mut params[2..],
            false,
        );
        let cp = digest(
            HashAlg::Sha256,
            &[
                &CC_CHANGE_AUTH.to_be_bytes()[..],
                &RH_OWNER.to_be_bytes(),
                &params,
            ]
            .concat(),
        );
        let mut m = [cp.as_slice(), &h1.nonce_caller, &h1.nonce_tpm].concat();
        if include_extra {
            m.extend_from_slice(&d2.nonce_tpm);
        }
        m.push(0x01);
        // Unbound session, owner authValue reset to "" above: the HMAC key is empty, but a
        // presented HMAC is still checked (computed with the empty key).
        let mac = hmac(HashAlg::Sha256, b"", &m).as_slice().to_vec();
        let a = area(&[
            session(h1.handle, &h1.nonce_caller, 0x01, &mac),
            session(d2.handle, &d2.nonce_caller, 0x21, &[]),
        ]);
        let r = run.raw(step, &cs(CC_CHANGE_AUTH, &[RH_OWNER], &a, &params), false);
        if rc(&r) == 0 {
            h1.nonce_tpm = r[16..48].to_vec();
            d2.nonce_tpm = r[53..85].to_vec();
        }
    }
    run.raw(
        "owner auth is the decrypted value",
        &cs(CC_CHANGE_AUTH, &[RH_OWNER], &pw(b"two sessions"), &b2(b"")),
        false,
    );
    run.raw(
        "encrypt on pcr reset",
        &cs(
            CC_PCR_RESET,
            &[16],
            &area(&[session(a.handle, &[3; 16], 0x41, &[])]),
            &[],
        ),
        false,
    );
    run.log
}

#[test]
fn parameter_encryption_matches_libtpms() {
    compare_with_libtpms("crypt", crypt_script);
}

#[test]
fn sessions_match_libtpms() {
    compare_with_libtpms("sessions", script);
}

const CC_POLICY_PCR: u32 = 0x17F;
const CC_POLICY_LOCALITY: u32 = 0x16F;
const CC_POLICY_COMMAND_CODE: u32 = 0x16C;
const CC_POLICY_AUTH_VALUE: u32 = 0x16B;
const CC_POLICY_PASSWORD: u32 = 0x18C;
const CC_POLICY_PP: u32 = 0x187;
const CC_POLICY_CP_HASH: u32 = 0x16E;
const CC_POLICY_NAME_HASH: u32 = 0x170;
const CC_POLICY_OR: u32 = 0x171;
const CC_PCR_EXTEND: u32 = 0x182;

fn pol(cc: u32, h: u32, params: &[u8]) -> Vec<u8> {
    c(cc, &[&h.to_be_bytes()[..], params].concat())
}

/// Run policy command `cc` on session `h` and record its response code and the digest.
fn assert_policy(run: &mut Run<'_>, step: &str, cc: u32, h: u32, params: &[u8]) -> Vec<u8> {
    run.raw(step, &pol(cc, h, params), false);
    let d = run.raw(
        &format!("{step} digest"),
        &pol(CC_POLICY_GET_DIGEST, h, &[]),
        true,
    );
    d.get(12..).map(<[u8]>::to_vec).unwrap_or_default()
}

fn policy_script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    let sel = pcr_sel(&[
        (SHA256, &[0x07, 0, 0]),
        (SHA1, &[0x80, 0, 0]),
        (SHA384, &[0, 0, 0x01]),
    ]);
    let t1 = run.start("trial", RH_NULL, &[], 3, NULL_SYM).handle;
    assert_policy(
        &mut run,
        "pcr",
        CC_POLICY_PCR,
        t1,
        &[&b2(&[])[..], &sel].concat(),
    );
    assert_policy(
        &mut run,
        "pcr explicit",
        CC_POLICY_PCR,
        t1,
        &[&b2(&[0xAB; 32])[..], &sel].concat(),
    );
    assert_policy(
        &mut run,
        "pcr short digest",
        CC_POLICY_PCR,
        t1,
        &[&b2(&[0xAB; 5])[..], &sel].concat(),
    );
    assert_policy(&mut run, "locality 3", CC_POLICY_LOCALITY, t1, &[0x03]);
    assert_policy(&mut run, "locality 1", CC_POLICY_LOCALITY, t1, &[0x01]);
    assert_policy(&mut run, "locality 4", CC_POLICY_LOCALITY, t1, &[0x04]);
    assert_policy(&mut run, "locality 0", CC_POLICY_LOCALITY, t1, &[0x00]);
    assert_policy(&mut run, "locality 0x40", CC_POLICY_LOCALITY, t1, &[0x40]);
    assert_policy(
        &mut run,
        "cc unseal",
        CC_POLICY_COMMAND_CODE,
        t1,
        &0x15Eu32.to_be_bytes(),
    );
    assert_policy(
        &mut run,
        "cc other",
        CC_POLICY_COMMAND_CODE,
        t1,
        &0x153u32.to_be_bytes(),
    );
    assert_policy(&mut run, "authvalue", CC_POLICY_AUTH_VALUE, t1, &[]);
    assert_policy(&mut run, "password", CC_POLICY_PASSWORD, t1, &[]);
    assert_policy(&mut run, "pp", CC_POLICY_PP, t1, &[]);
    assert_policy(&mut run, "cphash", CC_POLICY_CP_HASH, t1, &b2(&[0x11; 32]));
    assert_policy(
        &mut run,
        "cphash same",
        CC_POLICY_CP_HASH,
        t1,
        &b2(&[0x11; 32]),
    );
    assert_policy(
        &mut run,
        "cphash other",
        CC_POLICY_CP_HASH,
        t1,
        &b2(&[0x12; 32]),
    );
    assert_policy(
        &mut run,
        "cphash short",
        CC_POLICY_CP_HASH,
        t1,
        &b2(&[0x12; 20]),
    );
    assert_policy(
        &mut run,
        "namehash after cphash",
        CC_POLICY_NAME_HASH,
        t1,
        &b2(&[0x13; 32]),
    );
    let or2 = [&2u32.to_be_bytes()[..], &b2(&[1; 32]), &b2(&[2; 32])].concat();
    assert_policy(&mut run, "or trial", CC_POLICY_OR, t1, &or2);
    let or1 = [&1u32.to_be_bytes()[..], &b2(&[1; 32])].concat();
    assert_policy(&mut run, "or one", CC_POLICY_OR, t1, &or1);
    run.raw("restart", &pol(CC_POLICY_RESTART, t1, &[]), false);
    assert_policy(
        &mut run,
        "namehash",
        CC_POLICY_NAME_HASH,
        t1,
        &b2(&[0x13; 32]),
    );
    assert_policy(
        &mut run,
        "namehash again",
        CC_POLICY_NAME_HASH,
        t1,
        &b2(&[0x13; 32]),
    );
    run.raw("restart 2", &pol(CC_POLICY_RESTART, t1, &[]), false);
    assert_policy(
        &mut run,
        "cc unimplemented",
        CC_POLICY_COMMAND_CODE,
        t1,
        &0x123u32.to_be_bytes(),
    );
    assert_policy(
        &mut run,
        "cc vendor",
        CC_POLICY_COMMAND_CODE,
        t1,
        &0x2000_0000u32.to_be_bytes(),
    );
    // Policies for the owner: each computed in the trial session, then satisfied (or not)
    // by a real policy session.
    run.raw("restart 3", &pol(CC_POLICY_RESTART, t1, &[]), false);
    let want_cc = assert_policy(
        &mut run,
        "trial cc change auth",
        CC_POLICY_COMMAND_CODE,
        t1,
        &CC_CHANGE_AUTH.to_be_bytes(),
    );
    let set_policy = |d: &[u8]| {
        cs(
            CC_SET_PRIMARY_POLICY,
            &[RH_OWNER],
            &pw(b""),
            &[&b2(d)[..], &SHA256.to_be_bytes()].concat(),
        )
    };
    run.raw("owner policy cc", &set_policy(&want_cc), false);
    let mut p = run.start("policy", RH_NULL, &[], 1, NULL_SYM);
    run.raw(
        "real or mismatch",
        &pol(CC_POLICY_OR, p.handle, &or2),
        false,
    );
    run.raw(
        "real pcr wrong digest",
        &pol(
            CC_POLICY_PCR,
            p.handle,
            &[&b2(&[0xAB; 32])[..], &sel].concat(),
        ),
        false,
    );
    run.raw(
        "real cc",
        &pol(
            CC_POLICY_COMMAND_CODE,
            p.handle,
            &CC_CHANGE_AUTH.to_be_bytes(),
        ),
        false,
    );
    run.hmac_cmd(
        "cc mismatch at use",
        &mut p,
        CC_SET_PRIMARY_POLICY,
        &[RH_OWNER],
        &[&b2(&want_cc)[..], &SHA256.to_be_bytes()].concat(),
        b"",
        1,
        false,
        &[],
    );
    run.hmac_cmd(
        "cc match at use",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"pw1"),
        b"",
        1,
        false,
        &[b""],
    );
    run.hmac_cmd(
        "digest reset after use",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"pw1"),
        b"",
        1,
        false,
        &[],
    );
    // PolicyPassword: the hmac field carries the owner's password.
    run.raw("restart 4", &pol(CC_POLICY_RESTART, t1, &[]), false);
    let want_pw = assert_policy(&mut run, "trial password", CC_POLICY_PASSWORD, t1, &[]);
    run.raw(
        "owner policy pw",
        &cs(
            CC_SET_PRIMARY_POLICY,
            &[RH_OWNER],
            &pw(b"pw1"),
            &[&b2(&want_pw)[..], &SHA256.to_be_bytes()].concat(),
        ),
        false,
    );
    run.raw(
        "real password",
        &pol(CC_POLICY_PASSWORD, p.handle, &[]),
        false,
    );
    let bad = area(&[session(p.handle, &[5; 16], 1, b"nope")]);
    run.raw(
        "password wrong",
        &cs(CC_CHANGE_AUTH, &[RH_OWNER], &bad, &b2(b"pw2")),
        false,
    );
    let good = area(&[session(p.handle, &[5; 16], 1, b"pw1")]);
    let r = run.raw(
        "password right",
        &cs(CC_CHANGE_AUTH, &[RH_OWNER], &good, &b2(b"pw2")),
        false,
    );
    run.note(
        "password right tail",
        hexs(r.get(14 + 32 + 2..).unwrap_or(&[])),
    );
    if let Some(n) = r.get(16..48) {
        p.nonce_tpm = n.to_vec();
    }
    // PolicyAuthValue: the HMAC key includes the owner's authValue.
    run.raw("restart 5", &pol(CC_POLICY_RESTART, t1, &[]), false);
    let want_av = assert_policy(&mut run, "trial authvalue", CC_POLICY_AUTH_VALUE, t1, &[]);
    run.raw(
        "owner policy av",
        &cs(
            CC_SET_PRIMARY_POLICY,
            &[RH_OWNER],
            &pw(b"pw2"),
            &[&b2(&want_av)[..], &SHA256.to_be_bytes()].concat(),
        ),
        false,
    );
    let pol_d = run.raw(
        "policy digest after use",
        &pol(CC_POLICY_GET_DIGEST, p.handle, &[]),
        true,
    );
    let _ = pol_d;
    run.raw(
        "real authvalue",
        &pol(CC_POLICY_AUTH_VALUE, p.handle, &[]),
        false,
    );
    run.hmac_cmd(
        "authvalue wrong key",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"pw3"),
        b"pw1",
        1,
        false,
        &[],
    );
    run.hmac_cmd(
        "authvalue right key",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b"pw3"),
        b"pw2",
        1,
        false,
        &[b"pw2", b"pw3"],
    );
    // PolicyPCR: a PCR change after the assertion fails the use.
    run.raw("restart 6", &pol(CC_POLICY_RESTART, t1, &[]), false);
    let one = pcr_sel(&[(SHA256, &[0x02, 0, 0])]);
    let want_pcr = assert_policy(
        &mut run,
        "trial pcr1",
        CC_POLICY_PCR,
        t1,
        &[&b2(&[])[..], &one].concat(),
    );
    run.raw(
        "owner policy pcr",
        &cs(
            CC_SET_PRIMARY_POLICY,
            &[RH_OWNER],
            &pw(b"pw3"),
            &[&b2(&want_pcr)[..], &SHA256.to_be_bytes()].concat(),
        ),
        false,
    );
    run.raw(
        "real pcr1",
        &pol(CC_POLICY_PCR, p.handle, &[&b2(&[])[..], &one].concat()),
        false,
    );
    let ext = cs(
        CC_PCR_EXTEND,
        &[1],
        &pw(b""),
        &digests(&[(SHA256, &[7; 32])]),
    );
    run.raw("extend pcr1", &ext, false);
    run.hmac_cmd(
        "pcr changed at use",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b""),
        b"",
        1,
        false,
        &[],
    );
    run.raw(
        "real pcr1 again",
        &pol(CC_POLICY_PCR, p.handle, &[&b2(&[])[..], &one].concat()),
        false,
    );
    run.raw(
        "restart real",
        &pol(CC_POLICY_RESTART, p.handle, &[]),
        false,
    );
    run.raw(
        "real pcr1 after restart",
        &pol(CC_POLICY_PCR, p.handle, &[&b2(&[])[..], &one].concat()),
        false,
    );
    run.hmac_cmd(
        "pcr policy mismatch at use",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b""),
        b"",
        1,
        false,
        &[],
    );
    // Locality at use.
    run.raw("restart 7", &pol(CC_POLICY_RESTART, t1, &[]), false);
    let want_loc = assert_policy(&mut run, "trial loc 3", CC_POLICY_LOCALITY, t1, &[0x08]);
    run.raw(
        "owner policy loc",
        &cs(
            CC_SET_PRIMARY_POLICY,
            &[RH_OWNER],
            &pw(b"pw3"),
            &[&b2(&want_loc)[..], &SHA256.to_be_bytes()].concat(),
        ),
        false,
    );
    run.raw(
        "restart real 2",
        &pol(CC_POLICY_RESTART, p.handle, &[]),
        false,
    );
    run.raw(
        "real loc 3",
        &pol(CC_POLICY_LOCALITY, p.handle, &[0x08]),
        false,
    );
    run.hmac_cmd(
        "locality mismatch at use",
        &mut p,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b""),
        b"",
        1,
        false,
        &[],
    );
    run.log
}

#[test]
fn policy_digests_and_checks_match_libtpms() {
    compare_with_libtpms("policy", policy_script);
}

const CC_POLICY_SECRET: u32 = 0x151;
const CC_POLICY_TICKET: u32 = 0x172;
const CC_POLICY_COUNTER_TIMER: u32 = 0x16D;
const CC_POLICY_TEMPLATE: u32 = 0x190;

/// PolicySecret: authHandle authorized by a password, then nonceTPM, cpHashA, policyRef,
/// expiration.
fn policy_secret(
    auth: u32,
    session: u32,
    nonce: &[u8],
    cp: &[u8],
    pref: &[u8],
    exp: i32,
) -> Vec<u8> {
    let mut p = b2(nonce);
    p.extend(b2(cp));
    p.extend(b2(pref));
    p.extend_from_slice(&exp.to_be_bytes());
    cs(CC_POLICY_SECRET, &[auth, session], &pw(b""), &p)
}

fn counter_timer(session: u32, operand: &[u8], offset: u16, op: u16) -> Vec<u8> {
    let mut p = b2(operand);
    p.extend_from_slice(&offset.to_be_bytes());
    p.extend_from_slice(&op.to_be_bytes());
    pol(CC_POLICY_COUNTER_TIMER, session, &p)
}

/// PolicySecret, PolicyTicket, PolicyCounterTimer and PolicyTemplate: digests in trial
/// sessions, the checks in real ones, tickets round-tripped, a template-bound Create.
fn policy_script2(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    let tr = run.start("trial", RH_NULL, &[], 3, NULL_SYM).handle;
    let digest = |run: &mut Run<'_>, step: &str, h: u32| {
        run.raw(
            &format!("{step} digest"),
            &pol(CC_POLICY_GET_DIGEST, h, &[]),
            true,
        )
    };
    for (step, cmd) in [
        (
            "secret owner",
            policy_secret(RH_OWNER, tr, b"", b"", b"", 0),
        ),
        (
            "secret endorsement ref",
            policy_secret(RH_ENDORSEMENT, tr, b"", b"", b"ref", 0),
        ),
        ("secret PCR 16", policy_secret(16, tr, b"", b"", b"", 0)),
        (
            "secret cpHash",
            policy_secret(RH_OWNER, tr, b"", &[7; 32], b"", 0),
        ),
        (
            "secret cpHash again, other",
            policy_secret(RH_OWNER, tr, b"", &[8; 32], b"", 0),
        ),
        (
            "secret cpHash short",
            policy_secret(RH_OWNER, tr, b"", &[7; 20], b"", 0),
        ),
        (
            "secret lockout",
            policy_secret(RH_LOCKOUT, tr, b"", b"", b"", -5),
        ),
        (
            "secret bad nonce (trial)",
            policy_secret(RH_OWNER, tr, &[1; 16], b"", b"", 0),
        ),
    ] {
        run.raw(step, &cmd, true);
        digest(&mut run, step, tr);
    }
    run.raw("restart trial", &pol(CC_POLICY_RESTART, tr, &[]), false);
    for (step, cmd) in [
        ("ct time > 0", counter_timer(tr, &[0; 8], 0, 3)),
        ("ct clock signed < 0", counter_timer(tr, &[0; 8], 8, 4)),
        ("ct restart == 0", counter_timer(tr, &[0; 4], 20, 0)),
        ("ct safe bitset", counter_timer(tr, &[1], 24, 0xA)),
        ("ct offset 25, empty", counter_timer(tr, &[], 25, 0)),
        ("ct offset 26", counter_timer(tr, &[], 26, 0)),
        ("ct range", counter_timer(tr, &[0; 8], 20, 0)),
        ("ct operation 12", counter_timer(tr, &[0; 4], 0, 12)),
        ("template", pol(CC_POLICY_TEMPLATE, tr, &b2(&[3; 32]))),
        ("template same", pol(CC_POLICY_TEMPLATE, tr, &b2(&[3; 32]))),
        ("template other", pol(CC_POLICY_TEMPLATE, tr, &b2(&[4; 32]))),
        ("cpHash after template", pol(0x16E, tr, &b2(&[3; 32]))),
        ("nameHash after template", pol(0x170, tr, &b2(&[3; 32]))),
    ] {
        run.raw(step, &cmd, true);
        digest(&mut run, step, tr);
    }
    run.raw("restart trial 2", &pol(CC_POLICY_RESTART, tr, &[]), false);
    run.raw("cpHash first", &pol(0x16E, tr, &b2(&[3; 32])), false);
    run.raw(
        "template after cpHash",
        &pol(CC_POLICY_TEMPLATE, tr, &b2(&[3; 32])),
        false,
    );
    run.raw("restart trial 3", &pol(CC_POLICY_RESTART, tr, &[]), false);
    run.raw(
        "template short",
        &pol(CC_POLICY_TEMPLATE, tr, &b2(&[3; 20])),
        false,
    );

    // Real sessions: the conditions are checked.
    let p = run.start("policy", RH_NULL, &[], 1, NULL_SYM);
    for (step, cmd) in [
        (
            "real ct restart == 0",
            counter_timer(p.handle, &[0; 4], 20, 0),
        ),
        (
            "real ct restart != 0",
            counter_timer(p.handle, &[0; 4], 20, 1),
        ),
        ("real ct safe set", counter_timer(p.handle, &[1], 24, 0xA)),
        ("real ct safe clear", counter_timer(p.handle, &[1], 24, 0xB)),
        ("real ct time >= 0", counter_timer(p.handle, &[0; 8], 0, 7)),
        (
            "real ct clock < 0 signed",
            counter_timer(p.handle, &[0; 8], 8, 4),
        ),
        (
            "real ct reset <= 0",
            counter_timer(p.handle, &[0; 4], 16, 9),
        ),
        (
            "real secret, bad nonce",
            policy_secret(RH_OWNER, p.handle, &[1; 32], b"", b"", 0),
        ),
        (
            "real secret, session nonce, expiration 100",
            policy_secret(RH_OWNER, p.handle, &p.nonce_tpm, b"", b"r", 100),
        ),
        ("real secret, wrong password", {
            let mut pp = b2(b"");
            pp.extend(b2(b""));
            pp.extend(b2(b""));
            pp.extend_from_slice(&0i32.to_be_bytes());
            cs(CC_POLICY_SECRET, &[RH_OWNER, p.handle], &pw(b"nope"), &pp)
        }),
    ] {
        run.raw(step, &cmd, false);
        digest(&mut run, step, p.handle);
    }
    // A ticket (negative expiration, no nonce: it expires at TPM Reset).
    let r = run.raw(
        "secret with ticket",
        &policy_secret(RH_OWNER, p.handle, b"", &[5; 32], b"ref", -60),
        false,
    );
    let ticket_rsp = r.get(10..).unwrap_or(&[]).to_vec();
    run.note("ticket response length", format!("{}", ticket_rsp.len()));
    let p2 = run.start("policy 2", RH_NULL, &[], 1, NULL_SYM);
    // PolicyTicket: timeout, cpHashA, policyRef, authName (TPM_RH_OWNER), ticket.
    // Response parameters: parameterSize, timeout (TPM2B), ticket (tag, hierarchy, TPM2B).
    let tsize = ticket_rsp
        .get(4..6)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]) as usize);
    let timeout = ticket_rsp.get(6..6 + tsize).unwrap_or(&[]).to_vec();
    let at = 6 + tsize;
    let dsize = ticket_rsp
        .get(at + 6..at + 8)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]) as usize);
    let ticket = ticket_rsp.get(at..at + 8 + dsize).unwrap_or(&[]).to_vec();
    run.note(
        "ticket",
        format!("timeout {} bytes, digest {dsize} bytes", timeout.len()),
    );
    let pt = |s: u32, timeout: &[u8], cp: &[u8], pref: &[u8], name: &[u8], ticket: &[u8]| {
        let mut v = b2(timeout);
        v.extend(b2(cp));
        v.extend(b2(pref));
        v.extend(b2(name));
        v.extend_from_slice(ticket);
        pol(CC_POLICY_TICKET, s, &v)
    };
    let owner_name = RH_OWNER.to_be_bytes();
    let mut bad = ticket.clone();
    if let Some(last) = bad.last_mut() {
        *last ^= 1;
    }
    for (step, cmd) in [
        (
            "ticket damaged",
            pt(p2.handle, &timeout, &[5; 32], b"ref", &owner_name, &bad),
        ),
        (
            "ticket other ref",
            pt(p2.handle, &timeout, &[5; 32], b"fer", &owner_name, &ticket),
        ),
        (
            "ticket short timeout",
            pt(
                p2.handle,
                &timeout[..4],
                &[5; 32],
                b"ref",
                &owner_name,
                &ticket,
            ),
        ),
        (
            "ticket on trial",
            pt(tr, &timeout, &[5; 32], b"ref", &owner_name, &ticket),
        ),
        (
            "ticket",
            pt(p2.handle, &timeout, &[5; 32], b"ref", &owner_name, &ticket),
        ),
    ] {
        run.raw(step, &cmd, false);
        digest(&mut run, step, p2.handle);
    }
    // PolicyTemplate bound to a template: a storage parent whose policy is that template,
    // then TPM2_Create with the policy session for the right and a wrong template.
    let child: Vec<u8> = [
        &0x0008u16.to_be_bytes()[..],
        &0x000Bu16.to_be_bytes(),
        &0x0000_0452u32.to_be_bytes(),
        &[0, 0, 0, 0x10, 0, 0],
    ]
    .concat();
    let th = digest_of(&child);
    let mut pd = vec![0u8; 32];
    pd.extend_from_slice(&CC_POLICY_TEMPLATE.to_be_bytes());
    pd.extend_from_slice(&th);
    let parent_policy = digest_of(&pd);
    let srk: Vec<u8> = [
        &0x0023u16.to_be_bytes()[..],
        &0x000Bu16.to_be_bytes(),
        &0x0003_0432u32.to_be_bytes(), // SRK attributes without userWithAuth
        &b2(&parent_policy),
        &[
            0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10, 0x00, 0x03, 0x00, 0x10, 0, 0, 0, 0,
        ],
    ]
    .concat();
    let mut cp = b2(&[&b2(b"")[..], &b2(b"")].concat());
    cp.extend(b2(&srk));
    cp.extend(b2(b""));
    cp.extend_from_slice(&0u32.to_be_bytes());
    run.raw(
        "parent with a template policy",
        &cs(0x131, &[RH_OWNER], &pw(b""), &cp),
        false,
    );
    let create_with = |run: &mut Run<'_>, step: &str, s: u32, tmpl: &[u8]| {
        let mut params = b2(&[&b2(b"")[..], &b2(b"data")].concat());
        params.extend(b2(tmpl));
        params.extend(b2(b""));
        params.extend_from_slice(&0u32.to_be_bytes());
        let auth = session(s, &[], 0x01, &[]);
        run.raw(
            step,
            &cs(0x153, &[0x8000_0000], &area(&[auth]), &params),
            false,
        );
    };
    for h in [p.handle, p2.handle] {
        run.raw("flush", &c(0x165, &h.to_be_bytes()), false);
    }
    let p3 = run.start("policy 3", RH_NULL, &[], 1, NULL_SYM);
    run.raw(
        "template (real)",
        &pol(CC_POLICY_TEMPLATE, p3.handle, &b2(&th)),
        false,
    );
    create_with(
        &mut run,
        "Create with the bound template",
        p3.handle,
        &child,
    );
    let mut other = child.clone();
    other[7] = 0x53;
    run.raw(
        "template (real) 2",
        &pol(CC_POLICY_TEMPLATE, p3.handle, &b2(&th)),
        false,
    );
    create_with(&mut run, "Create with another template", p3.handle, &other);
    create_with(
        &mut run,
        "Create with password on a policy-only parent",
        RS_PW,
        &child,
    );
    run.log
}

fn digest_of(b: &[u8]) -> Vec<u8> {
    digest(HashAlg::Sha256, b).as_slice().to_vec()
}

#[test]
fn policy_secret_ticket_counter_template_match_libtpms() {
    compare_with_libtpms("policy2", policy_script2);
}

/// Audit sessions and command audit: the auditExclusive bit of the response attributes as
/// sessions and plain commands alternate, the attribute checks, TPM2_SetCommandCodeAuditStatus
/// and the audited-command list.
fn audit_script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    let audit_list = |start: u32| {
        let mut b = 4u32.to_be_bytes().to_vec();
        b.extend_from_slice(&start.to_be_bytes());
        b.extend_from_slice(&64u32.to_be_bytes());
        c(0x17A, &b)
    };
    run.raw("audited commands", &audit_list(0), true);
    let mut s = run.start("hmac bound to owner", RH_OWNER, &[], 0, NULL_SYM);
    let get_random = 8u16.to_be_bytes();
    let owner: &[&[u8]] = &[b""];
    for (step, attrs) in [
        ("audit first use", 0x81u8),
        ("audit again", 0x81),
        ("audit claiming exclusive", 0x83),
    ] {
        run.hmac_cmd(
            step,
            &mut s,
            CC_GET_RANDOM,
            &[],
            &get_random,
            b"",
            attrs,
            false,
            owner,
        );
    }
    run.raw(
        "GetRandom without sessions",
        &c(CC_GET_RANDOM, &get_random),
        false,
    );
    run.hmac_cmd(
        "audit after a plain command",
        &mut s,
        CC_GET_RANDOM,
        &[],
        &get_random,
        b"",
        0x81,
        false,
        owner,
    );
    run.hmac_cmd(
        "exclusive claimed, lost",
        &mut s,
        CC_GET_RANDOM,
        &[],
        &get_random,
        b"",
        0x83,
        false,
        owner,
    );
    run.hmac_cmd(
        "audit reset",
        &mut s,
        CC_GET_RANDOM,
        &[],
        &get_random,
        b"",
        0x85,
        false,
        owner,
    );
    run.hmac_cmd(
        "audit with authorization",
        &mut s,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b""),
        b"",
        0x81,
        false,
        owner,
    );
    run.raw(
        "ReadClock without sessions (no session allowed? yes)",
        &c(0x181, &[]),
        false,
    );
    run.hmac_cmd(
        "exclusive after ReadClock",
        &mut s,
        CC_GET_RANDOM,
        &[],
        &get_random,
        b"",
        0x83,
        false,
        owner,
    );
    let p = run.start("policy", RH_NULL, &[], 1, NULL_SYM);
    let mut p2 = p;
    run.hmac_cmd(
        "audit on a policy session",
        &mut p2,
        CC_GET_RANDOM,
        &[],
        &get_random,
        b"",
        0x81,
        false,
        &[],
    );
    // Command audit settings.
    let set_audit = |alg: u16, set: &[u32], clear: &[u32]| {
        let mut b = alg.to_be_bytes().to_vec();
        b.extend_from_slice(&u32::try_from(set.len()).unwrap().to_be_bytes());
        for cc in set {
            b.extend_from_slice(&cc.to_be_bytes());
        }
        b.extend_from_slice(&u32::try_from(clear.len()).unwrap().to_be_bytes());
        for cc in clear {
            b.extend_from_slice(&cc.to_be_bytes());
        }
        cs(0x140, &[RH_OWNER], &pw(b""), &b)
    };
    run.raw(
        "audit GetRandom, Shutdown, an unknown code",
        &set_audit(0x10, &[0x17B, 0x145, 0x1FF, 0x20000001], &[]),
        true,
    );
    run.raw("audited commands after set", &audit_list(0), true);
    run.raw("audited commands from 0x141", &audit_list(0x141), true);
    run.raw(
        "audited GetRandom without sessions",
        &c(CC_GET_RANDOM, &get_random),
        false,
    );
    run.hmac_cmd(
        "audited GetRandom with an audit session",
        &mut s,
        CC_GET_RANDOM,
        &[],
        &get_random,
        b"",
        0x81,
        false,
        owner,
    );
    run.raw(
        "new hash with a list",
        &set_audit(SHA256, &[0x17E], &[]),
        true,
    );
    run.raw("new hash", &set_audit(SHA256, &[], &[]), true);
    run.raw(
        "same hash with lists",
        &set_audit(SHA256, &[0x17E], &[0x17B, 0x140]),
        true,
    );
    run.raw("audited commands after clear", &audit_list(0), true);
    run.raw(
        "lockout may not",
        &cs(
            0x140,
            &[RH_LOCKOUT],
            &pw(b""),
            &[0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        false,
    );
    run.raw("Shutdown(STATE)", &c(0x145, &[0, 1]), false);
    run.raw("Startup(STATE)", &c(0x144, &[0, 1]), false);
    run.raw("audited commands after resume", &audit_list(0), true);
    run.log
}

#[test]
fn audit_matches_libtpms() {
    compare_with_libtpms("audit", audit_script);
}

/// Saved session contexts across TPM Resume, TPM Restart and TPM Reset: a saved HMAC or
/// policy session loads after Shutdown(STATE)/Startup(STATE), not after a Startup(CLEAR).
fn saved_sessions_script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    let mut blobs = Vec::new();
    for (step, se) in [("hmac", 0u8), ("policy", 1), ("trial", 3)] {
        let s = run.start(step, RH_NULL, &[], se, NULL_SYM);
        if se == 1 {
            run.raw(
                "policy assertion",
                &pol(CC_POLICY_COMMAND_CODE, s.handle, &0x15Eu32.to_be_bytes()),
                false,
            );
        }
        let r = run.raw(
            &format!("save {step}"),
            &c(0x162, &s.handle.to_be_bytes()),
            false,
        );
        blobs.push((step, r.get(10..).unwrap_or(&[]).to_vec()));
    }
    let handles = |run: &mut Run<'_>, step: &str| {
        for start in [0x0200_0000u32, 0x0300_0000] {
            let mut b = 1u32.to_be_bytes().to_vec();
            b.extend_from_slice(&start.to_be_bytes());
            b.extend_from_slice(&8u32.to_be_bytes());
            run.raw(&format!("{step} handles {start:#x}"), &c(0x17A, &b), true);
        }
    };
    handles(&mut run, "saved");
    run.raw("Shutdown(STATE)", &c(0x145, &[0, 1]), false);
    run.t.init();
    run.raw("Startup(STATE)", &c(0x144, &[0, 1]), false);
    handles(&mut run, "after resume");
    for (step, blob) in &blobs {
        let r = run.raw(&format!("load {step} after resume"), &c(0x161, blob), false);
        if rc(&r) == 0 {
            let h = u32::from_be_bytes(r[10..14].try_into().unwrap());
            run.note(step, format!("handle {h:#x}"));
            run.raw(
                &format!("digest of {step}"),
                &pol(CC_POLICY_GET_DIGEST, h, &[]),
                true,
            );
            let r = run.raw(
                &format!("save {step} again"),
                &c(0x162, &h.to_be_bytes()),
                false,
            );
            if rc(&r) == 0 {
                run.raw(&format!("load {step} again"), &c(0x161, &r[10..]), false);
            }
        }
    }
    run.raw("Shutdown(STATE) 2", &c(0x145, &[0, 1]), false);
    run.t.init();
    run.raw("Startup(CLEAR): TPM Restart", &c(0x144, &[0, 0]), false);
    handles(&mut run, "after restart");
    for (step, blob) in &blobs {
        run.raw(
            &format!("load {step} after restart"),
            &c(0x161, blob),
            false,
        );
    }
    run.log
}

#[test]
fn saved_sessions_across_power_cycles_match_libtpms() {
    compare_with_libtpms("saved-sessions", saved_sessions_script);
}

/// Run `script` on the Debian swtpm and on our engine; the two logs must be the same (a
/// `startup` line may differ). `SESSIONS_LOG` prints libtpms's log.
fn compare_with_libtpms(tag: &str, script: fn(&mut dyn Side) -> Vec<String>) {
    if !swtpm_present() {
        return;
    }
    let mut sw = Swtpm::start(tag);
    let theirs = script(&mut sw);
    let mut ours = Ours::new();
    let mine = script(&mut ours);
    if std::env::var_os("SESSIONS_LOG").is_some() {
        eprintln!("{theirs:#?}");
    }
    let mut diffs = Vec::new();
    for (i, (a, b)) in theirs.iter().zip(&mine).enumerate() {
        if a != b && !a.starts_with("startup") {
            diffs.push(format!("#{i}\n  swtpm: {a}\n  ours:  {b}"));
        }
    }
    assert_eq!(theirs.len(), mine.len(), "{theirs:#?}\n{mine:#?}");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// Sessions bound to an object: the bound entity's authValue keys the session and is left
/// out of the HMAC when the session authorizes that object; another entity's is put in.
fn bound_object_script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    // A sealed-data primary (noDA, userWithAuth) with authValue "objpw".
    let tmpl = [
        &0x0008u16.to_be_bytes()[..],
        &SHA256.to_be_bytes(),
        &0x0000_0452u32.to_be_bytes(),
        &[0, 0, 0, 0x10, 0, 0],
    ]
    .concat();
    let mut p = b2(&[&b2(b"objpw")[..], &b2(b"sealed")].concat());
    p.extend(b2(&tmpl));
    p.extend(b2(b""));
    p.extend_from_slice(&0u32.to_be_bytes());
    let r = run.raw(
        "CreatePrimary sealed",
        &cs(0x131, &[RH_OWNER], &pw(b""), &p),
        false,
    );
    let h = u32::from_be_bytes(r[10..14].try_into().unwrap());
    let r = run.raw("ReadPublic", &c(0x173, &h.to_be_bytes()), false);
    let n = u16::from_be_bytes([r[10], r[11]]) as usize;
    let at = 12 + n;
    let nlen = u16::from_be_bytes([r[at], r[at + 1]]) as usize;
    run.names.push((h, r[at + 2..at + 2 + nlen].to_vec()));
    // Bound to the object itself: its authValue is in the key, not in the HMAC.
    let mut s = run.start_bound("bound to the object", h, b"objpw", true, 0, NULL_SYM);
    run.hmac_cmd(
        "Unseal, bound session",
        &mut s,
        CC_UNSEAL,
        &[h],
        &[],
        b"",
        1,
        false,
        &[b"", b"objpw"],
    );
    run.hmac_cmd(
        "Unseal, bound session, corrupt",
        &mut s,
        CC_UNSEAL,
        &[h],
        &[],
        b"",
        1,
        true,
        &[],
    );
    // The same session for another entity (owner, empty auth): that one goes in the HMAC.
    run.hmac_cmd(
        "ChangeAuth owner with the object-bound session",
        &mut s,
        CC_CHANGE_AUTH,
        &[RH_OWNER],
        &b2(b""),
        b"",
        1,
        false,
        &[b""],
    );
    // Bound to the owner: the object's authValue goes in.
    let mut o = run.start_bound("bound to owner", RH_OWNER, b"", true, 0, NULL_SYM);
    run.hmac_cmd(
        "Unseal, owner-bound session",
        &mut o,
        CC_UNSEAL,
        &[h],
        &[],
        b"objpw",
        1,
        false,
        &[b"objpw", b""],
    );
    run.hmac_cmd(
        "Unseal, owner-bound session, wrong auth",
        &mut o,
        CC_UNSEAL,
        &[h],
        &[],
        b"objpX",
        1,
        false,
        &[],
    );
    // Unseal through an object-bound AES session that encrypts the response: the object's
    // authValue is part of the encryption key even though the session is bound to it.
    let mut e = run.start_bound("bound, AES", h, b"objpw", true, 0, AES128_CFB);
    run.crypt_auth = b"objpw".to_vec();
    run.hmac_cmd(
        "Unseal, bound, encrypted response",
        &mut e,
        CC_UNSEAL,
        &[h],
        &[],
        b"",
        0x41,
        false,
        &[b""],
    );
    run.log
}

const CC_UNSEAL: u32 = 0x15E;

#[test]
fn sessions_bound_to_objects_match_libtpms() {
    compare_with_libtpms("bound-object", bound_object_script);
}

/// PolicyAuthorize: the digest in trial sessions, and its checks (the name's hash and size,
/// the approved policy, the ticket) in real ones. A valid ticket needs TPM2_VerifySignature.
fn policy_authorize_script(t: &mut dyn Side) -> Vec<String> {
    let mut run = Run {
        t,
        log: Vec::new(),
        crypt_auth: Vec::new(),
        names: Vec::new(),
    };
    run.raw("startup", &c(0x144, &[0, 0]), true);
    let pa = |s: u32, approved: &[u8], pref: &[u8], key: &[u8], hier: u32, tdigest: &[u8]| {
        let mut p = b2(approved);
        p.extend(b2(pref));
        p.extend(b2(key));
        p.extend_from_slice(&0x8022u16.to_be_bytes());
        p.extend_from_slice(&hier.to_be_bytes());
        p.extend(b2(tdigest));
        pol(0x16A, s, &p)
    };
    let mut key = SHA256.to_be_bytes().to_vec();
    key.extend_from_slice(&[0x42; 32]);
    let tr = run.start("trial", RH_NULL, &[], 3, NULL_SYM).handle;
    let digest = |run: &mut Run<'_>, step: &str, h: u32| {
        run.raw(
            &format!("{step} digest"),
            &pol(CC_POLICY_GET_DIGEST, h, &[]),
            true,
        )
    };
    for (step, cmd) in [
        ("trial", pa(tr, &[1; 32], b"ref", &key, RH_NULL, &[])),
        (
            "trial, no ref",
            pa(tr, &[1; 32], b"", &key, RH_OWNER, &[7; 64]),
        ),
        (
            "trial, empty name",
            pa(tr, &[1; 32], b"", &[], RH_NULL, &[]),
        ),
        (
            "trial, name of a handle",
            pa(tr, &[1; 32], b"", &RH_OWNER.to_be_bytes(), RH_NULL, &[]),
        ),
        (
            "trial, short name",
            pa(tr, &[1; 32], b"", &key[..20], RH_NULL, &[]),
        ),
        (
            "trial, SHA-1 name",
            pa(
                tr,
                &[1; 32],
                b"",
                &[&SHA1.to_be_bytes()[..], &[3; 20]].concat(),
                RH_NULL,
                &[],
            ),
        ),
    ] {
        run.raw(step, &cmd, true);
        digest(&mut run, step, tr);
    }
    let p = run.start("policy", RH_NULL, &[], 1, NULL_SYM).handle;
    for (step, cmd) in [
        (
            "real, approved differs",
            pa(p, &[1; 32], b"", &key, RH_NULL, &[]),
        ),
        (
            "real, NULL ticket",
            pa(p, &[0; 32], b"", &key, RH_NULL, &[]),
        ),
        (
            "real, forged ticket",
            pa(p, &[0; 32], b"", &key, RH_OWNER, &[9; 64]),
        ),
        (
            "real, short approved",
            pa(p, &[0; 20], b"", &key, RH_OWNER, &[9; 64]),
        ),
    ] {
        run.raw(step, &cmd, true);
        digest(&mut run, step, p);
    }
    run.log
}

#[test]
fn policy_authorize_matches_libtpms() {
    compare_with_libtpms("policy-authorize", policy_authorize_script);
}
