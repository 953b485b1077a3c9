//! Differential test of `tpm_crypto::primary` against the real libtpms, through swtpm and
//! tpm2-tools: create primaries in a fresh swtpm, read the hierarchy seeds, proofs and
//! SEED_COMPAT_LEVELs out of its plaintext permanent state, derive the same objects here and
//! compare the public parts (RSA modulus, ECC point, symmetric `unique`).
//!
//! SEED_COMPAT_LEVEL 0 is covered by rewriting the levels in the state file to 0 and starting
//! swtpm again on it, as a state from libtpms before 0.8 would load.
//!
//! Needs `swtpm`, `swtpm_ioctl` and tpm2-tools with the swtpm TCTI. Without them the test
//! fails, unless FERROTPM_SKIP_SWTPM=1 is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::libtpms_state::{Persistent, Rd, parse_permall};
use tpm_crypto::HashAlg;
use tpm_crypto::primary::{
    EccCurve, PrimaryInputs, SeedCompat, SymKey, derive_ecc_primary, derive_rsa_primary,
    derive_symmetric_primary, primary_name, symmetric_unique,
};

// ---------------------------------------------------------------------------------------
// Tools and the swtpm process
// ---------------------------------------------------------------------------------------

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Two consecutive free loopback ports: the swtpm TCTI talks to `port` and `port + 1`.
fn free_port_pair() -> u16 {
    for _ in 0..200 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        if p >= 65534 {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no pair of free loopback ports");
}

struct Swtpm {
    child: Child,
    port: u16,
}

impl Swtpm {
    fn start(state: &Path) -> Swtpm {
        let port = free_port_pair();
        let child = Command::new("swtpm")
            .args(["socket", "--tpm2", "--tpmstate"])
            .arg(format!("dir={}", state.display()))
            .arg("--server")
            .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
            .arg("--ctrl")
            .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1))
            .args(["--flags", "not-need-init,startup-clear"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start swtpm");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "swtpm did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Swtpm { child, port }
    }

    fn tcti(&self) -> String {
        format!("swtpm:host=127.0.0.1,port={}", self.port)
    }

    /// TPM2_Shutdown via CMD_SHUTDOWN on the control channel; swtpm writes its state and exits.
    fn stop(mut self) {
        let st = Command::new("swtpm_ioctl")
            .arg("--tcp")
            .arg(format!("127.0.0.1:{}", self.port + 1))
            .arg("-s")
            .status()
            .expect("run swtpm_ioctl");
        assert!(st.success(), "swtpm_ioctl -s failed");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("spawn tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("ferrotpm-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One TPM2_CreatePrimary through tpm2-tools: the template exactly as sent and the created
/// object's TPMT_PUBLIC.
struct Created {
    label: String,
    hierarchy: char,
    template: Vec<u8>,
    public: Vec<u8>,
}

fn create_primary(tpm: &Swtpm, work: &Path, hierarchy: char, alg: &str, attrs: &str) -> Created {
    let label = if attrs.is_empty() {
        format!("-C {hierarchy} -G {alg}")
    } else {
        format!("-C {hierarchy} -G {alg} -a {attrs}")
    };
    let tag = format!("{hierarchy}-{alg}");
    let ctx = work.join(format!("{tag}.ctx"));
    let tmpl = work.join(format!("{tag}.tmpl"));
    let public = work.join(format!("{tag}.pub"));
    let mut cmd = Command::new("tpm2_createprimary");
    cmd.args([
        "-T",
        &tpm.tcti(),
        "-C",
        &hierarchy.to_string(),
        "-G",
        alg,
        "-c",
    ])
    .arg(&ctx)
    .arg("--template-data")
    .arg(&tmpl)
    .stdout(Stdio::null());
    if !attrs.is_empty() {
        cmd.args(["-a", attrs]);
    }
    run(&mut cmd);
    run(Command::new("tpm2_readpublic")
        .args(["-T", &tpm.tcti(), "-c"])
        .arg(&ctx)
        .args(["-f", "tpmt", "-o"])
        .arg(&public)
        .stdout(Stdio::null()));
    run(Command::new("tpm2_flushcontext")
        .args(["-T", &tpm.tcti(), "-t"])
        .stdout(Stdio::null()));
    Created {
        label,
        hierarchy,
        template: std::fs::read(&tmpl).unwrap(),
        public: std::fs::read(&public).unwrap(),
    }
}

// ---------------------------------------------------------------------------------------
// TPMT_PUBLIC
// ---------------------------------------------------------------------------------------

const TPM_ALG_RSA: u16 = 0x0001;
const TPM_ALG_KEYEDHASH: u16 = 0x0008;
const TPM_ALG_NULL: u16 = 0x0010;
const TPM_ALG_XOR: u16 = 0x000A;
const TPM_ALG_ECC: u16 = 0x0023;
const TPM_ALG_SYMCIPHER: u16 = 0x0025;
const RESTRICTED: u32 = 1 << 16;
const DECRYPT: u32 = 1 << 17;
const SENSITIVE_DATA_ORIGIN: u32 = 1 << 5;

#[derive(Debug)]
enum Params {
    Rsa { bits: u16, exponent: u32 },
    Ecc { curve: u16 },
    Sym { key_bits: u16 },
    KeyedHash { hash: Option<u16> },
}

#[derive(Debug)]
struct Public {
    name_alg: u16,
    attributes: u32,
    params: Params,
    /// `unique`: RSA modulus, ECC x || y, or the symmetric digest.
    unique: Vec<u8>,
}

fn sym_def(r: &mut Rd<'_>) -> Option<u16> {
    let alg = r.u16();
    if alg == TPM_ALG_NULL {
        return None;
    }
    let bits = r.u16();
    r.u16(); // mode
    Some(bits)
}

/// TPM 2.0 Part 2 §12.2.4 TPMT_PUBLIC, for the types tpm2_createprimary makes.
fn parse_public(b: &[u8]) -> Public {
    let mut r = Rd::new(b, "TPMT_PUBLIC");
    let ty = r.u16();
    let name_alg = r.u16();
    let attributes = r.u32();
    r.tpm2b(); // authPolicy
    let params = match ty {
        TPM_ALG_RSA => {
            sym_def(&mut r);
            if r.u16() != TPM_ALG_NULL {
                r.u16();
            }
            let bits = r.u16();
            let exponent = r.u32();
            Params::Rsa { bits, exponent }
        }
        TPM_ALG_ECC => {
            sym_def(&mut r);
            if r.u16() != TPM_ALG_NULL {
                r.u16();
            }
            let curve = r.u16();
            if r.u16() != TPM_ALG_NULL {
                r.u16();
            }
            Params::Ecc { curve }
        }
        TPM_ALG_SYMCIPHER => {
            let key_bits = sym_def(&mut r).expect("symcipher with null algorithm");
            Params::Sym { key_bits }
        }
        TPM_ALG_KEYEDHASH => {
            let scheme = r.u16();
            let hash = if scheme == TPM_ALG_NULL {
                None
            } else {
                let h = r.u16();
                if scheme == TPM_ALG_XOR {
                    r.u16();
                }
                Some(h)
            };
            Params::KeyedHash { hash }
        }
        other => panic!("unexpected object type {other:#06x}"),
    };
    let unique = match ty {
        TPM_ALG_ECC => {
            let mut u = r.tpm2b().to_vec();
            u.extend_from_slice(r.tpm2b());
            u
        }
        _ => r.tpm2b().to_vec(),
    };
    assert_eq!(r.pos, b.len(), "trailing bytes after TPMT_PUBLIC");
    Public {
        name_alg,
        attributes,
        params,
        unique,
    }
}

// ---------------------------------------------------------------------------------------
// Our derivation of the same object
// ---------------------------------------------------------------------------------------

fn derive_unique(c: &Created, pd: &Persistent, compat_override: Option<SeedCompat>) -> Vec<u8> {
    let t = parse_public(&c.template);
    let name_alg = HashAlg::from_tpm_alg(t.name_alg).expect("template nameAlg");
    let name = primary_name(name_alg, &c.template);
    let (seed, level, proofs) = match c.hierarchy {
        'e' => (
            &pd.ep_seed,
            pd.ep_compat,
            Some((pd.sh_proof.as_slice(), pd.eh_proof.as_slice())),
        ),
        'o' => (&pd.sp_seed, pd.sp_compat, None),
        h => panic!("hierarchy {h}"),
    };
    let compat = compat_override.unwrap_or_else(|| SeedCompat::from_u8(level).unwrap());
    let inputs = PrimaryInputs {
        seed,
        compat,
        name: &name,
        sensitive_data: &[],
        name_alg,
        endorsement_proofs: proofs,
    };
    match t.params {
        Params::Rsa { bits, exponent } => derive_rsa_primary(&inputs, bits, exponent)
            .unwrap()
            .n()
            .to_vec(),
        Params::Ecc { curve } => {
            let k =
                derive_ecc_primary(&inputs, EccCurve::from_tpm_curve_id(curve).unwrap()).unwrap();
            [k.x(), k.y()].concat()
        }
        Params::Sym { key_bits } => {
            assert_ne!(t.attributes & SENSITIVE_DATA_ORIGIN, 0);
            let k = derive_symmetric_primary(
                &inputs,
                SymKey::Generate {
                    bytes: usize::from(key_bits / 8),
                },
            )
            .unwrap();
            let rd = t.attributes & (RESTRICTED | DECRYPT) == (RESTRICTED | DECRYPT);
            symmetric_unique(name_alg, rd, k.seed_value(), k.key())
                .as_slice()
                .to_vec()
        }
        Params::KeyedHash { hash } => {
            assert_ne!(t.attributes & SENSITIVE_DATA_ORIGIN, 0);
            let h = hash.map_or(name_alg, |h| HashAlg::from_tpm_alg(h).unwrap());
            let k = derive_symmetric_primary(
                &inputs,
                SymKey::Generate {
                    bytes: h.digest_size(),
                },
            )
            .unwrap();
            let rd = t.attributes & (RESTRICTED | DECRYPT) == (RESTRICTED | DECRYPT);
            symmetric_unique(name_alg, rd, k.seed_value(), k.key())
                .as_slice()
                .to_vec()
        }
    }
}

fn check(created: &[Created], pd: &Persistent, compat_override: Option<SeedCompat>) {
    let mut failures = Vec::new();
    for c in created {
        let theirs = parse_public(&c.public).unique;
        let t0 = Instant::now();
        let ours = derive_unique(c, pd, compat_override);
        let verdict = if ours == theirs { "match" } else { "MISMATCH" };
        println!(
            "{} (compat {:?}): {verdict} ({} bytes, derived in {:.1?})",
            c.label,
            compat_override,
            theirs.len(),
            t0.elapsed()
        );
        if ours != theirs {
            failures.push(format!(
                "{}: swtpm {} vs ours {}",
                c.label,
                hex::encode(&theirs),
                hex::encode(&ours)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "derivations differ:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

fn tools_present() -> bool {
    let tools = [
        "swtpm",
        "swtpm_ioctl",
        "tpm2_createprimary",
        "tpm2_readpublic",
        "tpm2_flushcontext",
    ];
    let missing: Vec<_> = tools.iter().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("FERROTPM_SKIP_SWTPM").as_deref() == Ok("1") {
        println!("SKIPPED: FERROTPM_SKIP_SWTPM=1 and missing {missing:?}");
        return false;
    }
    panic!(
        "missing {missing:?}: install swtpm, swtpm-tools, tpm2-tools and libtss2-tcti-swtpm0 \
         (or set FERROTPM_SKIP_SWTPM=1 to skip this test)"
    );
}

#[test]
fn primaries_match_libtpms() {
    if !tools_present() {
        return;
    }
    let dir = TempDir::new("primary");
    let state = dir.0.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let work = dir.0.clone();

    // Fresh state: libtpms generates all seeds at level 1.
    let tpm = Swtpm::start(&state);
    // A signing HMAC key: tpm2-tools' default attributes (restricted|decrypt) do not fit.
    const HMAC_SIGN: &str = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign";
    let cases: &[(char, &str, &str)] = &[
        ('e', "rsa2048", ""),
        ('o', "rsa2048", ""),
        ('e', "rsa3072", ""),
        ('o', "rsa1024", ""),
        ('e', "ecc256", ""),
        ('e', "ecc384", ""),
        ('o', "ecc256", ""),
        ('o', "aes128cfb", ""),
        ('e', "aes256cfb", ""),
        ('o', "hmac", HMAC_SIGN),
        ('e', "hmac", HMAC_SIGN),
    ];
    let created: Vec<Created> = cases
        .iter()
        .map(|(h, alg, attrs)| create_primary(&tpm, &work, *h, alg, attrs))
        .collect();
    tpm.stop();

    let permall = state.join("tpm2-00.permall");
    let file = std::fs::read(&permall).unwrap();
    let pd = parse_permall(&file);
    assert_eq!(pd.ep_compat, 1, "a fresh libtpms seed should be at level 1");
    assert_eq!(pd.sp_compat, 1);
    check(&created, &pd, None);

    // The same seeds at SEED_COMPAT_LEVEL 0, as a pre-0.8 state would carry them.
    let mut patched = file.clone();
    patched[pd.compat_offset..pd.compat_offset + 3].copy_from_slice(&[0, 0, 0]);
    std::fs::write(&permall, &patched).unwrap();
    assert_eq!(parse_permall(&patched).ep_compat, 0);
    let tpm = Swtpm::start(&state);
    let cases0: &[(char, &str)] = &[('e', "rsa2048"), ('o', "rsa1024"), ('o', "ecc256")];
    let created0: Vec<Created> = cases0
        .iter()
        .map(|(h, alg)| create_primary(&tpm, &work, *h, alg, ""))
        .collect();
    tpm.stop();
    check(&created0, &pd, Some(SeedCompat::Level0));
    // Level 0 changes RSA only: the ECC key must equal the level-1 one.
    assert_eq!(
        parse_public(&created0[2].public).unique,
        parse_public(&created[6].public).unique
    );
    // ...and the RSA keys must differ from level 1.
    assert_ne!(
        parse_public(&created0[0].public).unique,
        parse_public(&created[0].public).unique
    );
}
