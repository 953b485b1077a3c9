//! The tpm2-tools script `cargo xtask record` runs against swtpm.
//!
//! Each step runs in the job's scratch directory, so file arguments are relative names and no
//! path of the recording machine reaches the vectors. A failing tool is reported and the script
//! goes on; several steps fail on purpose to record error responses. `@hex:FILE` in a command
//! stands for the hex of that scratch file (a key name for `tpm2_makecredential`).

/// Does a tool run leave transient objects loaded? tpm2-tools without a resource manager
/// keeps whatever it loaded (ContextLoad, CreatePrimary, Load) in the TPM's three object slots,
/// so the recorder runs `tpm2_flushcontext -t` after such a step.
pub fn leaves_objects(cmd: &str) -> bool {
    cmd.contains(".ctx")
        || cmd.contains(" 0x81")
        || [
            "tpm2_createek",
            "tpm2_createak",
            "tpm2_makecredential",
            "tpm2_loadexternal",
        ]
        .iter()
        .any(|t| cmd.starts_with(t))
}

/// One step of the script.
pub enum Step {
    /// Create a scratch file with these bytes.
    Write(&'static str, &'static [u8]),
    /// Create a scratch file with the bytes of this hex string (raw commands for `tpm2_send`).
    WriteHex(&'static str, &'static str),
    /// Run a tool: program and arguments separated by spaces.
    Run(&'static str),
}

use Step::{Run, Write, WriteHex};

/// 3000 bytes: more than MAX_DIGEST_BUFFER (1024), so hashing and HMAC go through sequences.
const BIG: &[u8] = &[0x5a; 3000];

/// The script, in order.
pub const SCRIPT: &[Step] = &[
    Write("msg.txt", b"ferrotpm recorded traffic\n"),
    Write("secret.txt", b"sealed secret"),
    Write("seed.bin", b"0123456789abcdef"),
    Write("data32.bin", &[0xa5; 32]),
    Write("data8.bin", &[1, 2, 3, 4, 5, 6, 7, 8]),
    Write("big.bin", BIG),
    // Startup and self test (TPM 2.0 Part 3 §9, §10). swtpm already ran Startup(CLEAR), so the
    // first call is an error response (TPM_RC_INITIALIZE).
    Run("tpm2_startup -c"),
    Run("tpm2_selftest -f"),
    Run("tpm2_incrementalselftest rsa ecc aes sha256"),
    Run("tpm2_gettestresult"),
    // Capabilities.
    Run("tpm2_getcap algorithms"),
    Run("tpm2_getcap commands"),
    Run("tpm2_getcap properties-fixed"),
    Run("tpm2_getcap properties-variable"),
    Run("tpm2_getcap pcrs"),
    Run("tpm2_getcap ecc-curves"),
    Run("tpm2_getcap handles-transient"),
    Run("tpm2_getcap handles-persistent"),
    Run("tpm2_getcap handles-nv-index"),
    Run("tpm2_getcap handles-pcr"),
    // Random numbers.
    Run("tpm2_getrandom -o rand.bin 32"),
    Run("tpm2_getrandom --hex 8"),
    Run("tpm2_stirrandom seed.bin"),
    // PCRs.
    Run("tpm2_pcrread sha1:0,1,2+sha256:0,1,2,16"),
    Run(
        "tpm2_pcrextend 16:sha256=1111111111111111111111111111111111111111111111111111111111111111",
    ),
    Run("tpm2_pcrevent 16 msg.txt"),
    Run("tpm2_pcrreset 16"),
    Run("tpm2_pcrreset 0"),
    // Hashes (the big file goes through a hash sequence).
    Run("tpm2_hash -C o -g sha256 -o hash.bin -t hash.tkt msg.txt"),
    Run("tpm2_hash -C e -g sha1 -o hash1.bin big.bin"),
    // Primary keys, several templates.
    Run("tpm2_createprimary -C o -g sha256 -G rsa2048 -c prim_rsa.ctx"),
    Run("tpm2_createprimary -C o -g sha256 -G ecc256 -c prim_ecc.ctx"),
    Run("tpm2_createprimary -C e -g sha256 -G rsa2048:aes128cfb -c prim_e.ctx"),
    Run("tpm2_createprimary -C n -g sha384 -G ecc384:aes256cfb -c prim_n.ctx"),
    Run("tpm2_createprimary -C o -g sha256 -G keyedhash -c prim_kh.ctx"),
    // Ordinary keys: RSA sign/decrypt.
    Run("tpm2_create -C prim_rsa.ctx -G rsa2048 -u rsa.pub -r rsa.priv"),
    Run("tpm2_load -C prim_rsa.ctx -u rsa.pub -r rsa.priv -c rsa.ctx"),
    Run("tpm2_readpublic -c rsa.ctx -o rsa_out.pub"),
    Run("tpm2_sign -c rsa.ctx -g sha256 -o sig.rsa msg.txt"),
    Run("tpm2_verifysignature -c rsa.ctx -g sha256 -m msg.txt -s sig.rsa -t verify.tkt"),
    Run("tpm2_sign -c rsa.ctx -g sha256 -s rsapss -o sig.pss msg.txt"),
    Run("tpm2_verifysignature -c rsa.ctx -g sha256 -m secret.txt -s sig.rsa"),
    Run("tpm2_rsaencrypt -c rsa.ctx -o enc.bin msg.txt"),
    Run("tpm2_rsadecrypt -c rsa.ctx -o dec.bin enc.bin"),
    Run("tpm2_rsaencrypt -c rsa.ctx -s oaep -o enc2.bin msg.txt"),
    Run("tpm2_rsadecrypt -c rsa.ctx -s oaep -o dec2.bin enc2.bin"),
    // Sealed data, with an empty and with a password authValue, and a wrong password.
    Run("tpm2_create -C prim_rsa.ctx -i secret.txt -u seal.pub -r seal.priv"),
    Run("tpm2_load -C prim_rsa.ctx -u seal.pub -r seal.priv -c seal.ctx"),
    Run("tpm2_unseal -c seal.ctx -o unsealed.txt"),
    Run("tpm2_create -C prim_rsa.ctx -i secret.txt -p sealpass -u seal2.pub -r seal2.priv"),
    Run("tpm2_load -C prim_rsa.ctx -u seal2.pub -r seal2.priv -c seal2.ctx"),
    Run("tpm2_unseal -c seal2.ctx -p sealpass"),
    Run("tpm2_unseal -c seal2.ctx -p wrongpass"),
    // ECC: CreateLoaded, ECDSA, ECDH, ephemeral keys.
    Run("tpm2_create -C prim_ecc.ctx -G ecc256 -u ecc.pub -r ecc.priv -c ecc.ctx"),
    Run("tpm2_sign -c ecc.ctx -g sha256 -o sig.ecc msg.txt"),
    Run("tpm2_verifysignature -c ecc.ctx -g sha256 -m msg.txt -s sig.ecc"),
    Run("tpm2_ecdhkeygen -c ecc.ctx -u ecdh_pub.bin -o ecdh_z.bin"),
    Run("tpm2_ecdhzgen -c ecc.ctx -u ecdh_pub.bin -o ecdh_z2.bin"),
    Run("tpm2_ecephemeral -u eph_q.bin -t eph_counter.bin ecc256"),
    Run("tpm2_geteccparameters ecc256 -o ecc.params"),
    // Symmetric keys and HMAC keys (the big file goes through an HMAC sequence).
    Run("tpm2_create -C prim_rsa.ctx -G aes128cfb -u aes.pub -r aes.priv"),
    Run("tpm2_load -C prim_rsa.ctx -u aes.pub -r aes.priv -c aes.ctx"),
    Run("tpm2_encryptdecrypt -c aes.ctx -o ct.bin msg.txt"),
    Run("tpm2_encryptdecrypt -d -c aes.ctx -o pt.bin ct.bin"),
    Run("tpm2_create -C prim_rsa.ctx -G hmac -c hmac.ctx -u hmac.pub -r hmac.priv"),
    Run("tpm2_hmac -c hmac.ctx -o hmac.out msg.txt"),
    Run("tpm2_hmac -c hmac.ctx -o hmac2.out big.bin"),
    // External keys, persistent keys, flushing.
    Run("tpm2_loadexternal -C n -u rsa.pub -c ext.ctx"),
    Run("tpm2_readpublic -c ext.ctx"),
    Run("tpm2_evictcontrol -C o -c prim_rsa.ctx 0x81000001"),
    Run("tpm2_readpublic -c 0x81000001"),
    Run("tpm2_evictcontrol -C o -c 0x81000001"),
    Run("tpm2_readpublic -c 0x81000002"),
    Run("tpm2_flushcontext -t"),
    Run("tpm2_flushcontext -s"),
    // NV indices of every type.
    Run("tpm2_nvdefine 0x1500016 -C o -s 32 -a ownerread|ownerwrite|authread|authwrite"),
    Run("tpm2_nvwrite 0x1500016 -C o -i data32.bin"),
    Run("tpm2_nvread 0x1500016 -C o -s 32 -o nv.out"),
    Run("tpm2_nvreadpublic 0x1500016"),
    Run("tpm2_nvdefine 0x1500017 -C o -s 8 -a ownerread|ownerwrite|nt=counter"),
    Run("tpm2_nvincrement 0x1500017 -C o"),
    Run("tpm2_nvread 0x1500017 -C o -s 8 -o counter.out"),
    Run("tpm2_nvdefine 0x1500018 -C o -s 32 -g sha256 -a ownerread|ownerwrite|nt=extend"),
    Run("tpm2_nvextend 0x1500018 -C o -i msg.txt"),
    Run("tpm2_nvdefine 0x1500019 -C o -s 8 -a ownerread|ownerwrite|nt=bits"),
    Run("tpm2_nvsetbits 0x1500019 -C o -i 0x5"),
    Run("tpm2_nvdefine 0x150001a -C o -s 8 -a ownerread|ownerwrite|writedefine"),
    Run("tpm2_nvwrite 0x150001a -C o -i data8.bin"),
    Run("tpm2_nvwritelock 0x150001a -C o"),
    Run("tpm2_nvwrite 0x150001a -C o -i data8.bin"),
    Run("tpm2_nvdefine 0x150001b -C o -s 8 -a ownerread|ownerwrite|read_stclear"),
    Run("tpm2_nvwrite 0x150001b -C o -i data8.bin"),
    Run("tpm2_nvreadlock 0x150001b -C o"),
    Run("tpm2_nvread 0x150001b -C o -s 8 -o locked.out"),
    Run("tpm2_nvread 0x1500099 -C o -s 8 -o missing.out"),
    Run(
        "tpm2_nvcertify -C rsa.ctx -g sha256 -f plain -o nvcert.sig --attestation nvcert.att --size 32 0x1500016",
    ),
    Run("tpm2_nvundefine 0x1500016 -C o"),
    Run("tpm2_nvundefine 0x1500017 -C o"),
    Run("tpm2_nvundefine 0x1500018 -C o"),
    Run("tpm2_nvundefine 0x1500019 -C o"),
    Run("tpm2_nvundefine 0x150001a -C o"),
    Run("tpm2_nvundefine 0x150001b -C o"),
    // Sessions and policies: a trial session, then real policy sessions.
    Run("tpm2_startauthsession -S trial.ctx"),
    Run("tpm2_policypcr -S trial.ctx -l sha256:0,1 -L pcr.policy"),
    Run("tpm2_policypassword -S trial.ctx -L pw.policy"),
    Run("tpm2_policyauthvalue -S trial.ctx"),
    Run("tpm2_policycommandcode -S trial.ctx TPM2_CC_Unseal"),
    Run("tpm2_policylocality -S trial.ctx zero"),
    Run("tpm2_policysecret -S trial.ctx -c o"),
    Run("tpm2_policycountertimer -S trial.ctx --ult 60000"),
    Run("tpm2_getpolicydigest -S trial.ctx -o trial.digest"),
    Run("tpm2_policyrestart -S trial.ctx"),
    Run("tpm2_policyor -S trial.ctx -l sha256:pcr.policy,pw.policy -L or.policy"),
    Run("tpm2_flushcontext trial.ctx"),
    Run("tpm2_startauthsession -S t2.ctx"),
    Run("tpm2_policycommandcode -S t2.ctx -L unseal.policy TPM2_CC_Unseal"),
    Run("tpm2_flushcontext t2.ctx"),
    Run("tpm2_create -C prim_rsa.ctx -i secret.txt -L unseal.policy -u ps.pub -r ps.priv"),
    Run("tpm2_load -C prim_rsa.ctx -u ps.pub -r ps.priv -c ps.ctx"),
    Run("tpm2_startauthsession --policy-session -S p2.ctx"),
    Run("tpm2_policycommandcode -S p2.ctx TPM2_CC_Unseal"),
    Run("tpm2_unseal -c ps.ctx -p session:p2.ctx"),
    Run("tpm2_flushcontext p2.ctx"),
    Run("tpm2_startauthsession --policy-session -S p3.ctx"),
    Run("tpm2_policypcr -S p3.ctx -l sha256:0,1"),
    Run("tpm2_unseal -c ps.ctx -p session:p3.ctx"),
    Run("tpm2_flushcontext p3.ctx"),
    // A salted HMAC session with parameter encryption both ways.
    Run("tpm2_startauthsession --hmac-session -S hmac.sess -c prim_rsa.ctx"),
    Run("tpm2_sessionconfig --enable-decrypt --enable-encrypt hmac.sess"),
    Run("tpm2_getrandom -S hmac.sess --hex 16"),
    Run("tpm2_create -C prim_rsa.ctx -P session:hmac.sess -i secret.txt -u s3.pub -r s3.priv"),
    Run("tpm2_flushcontext hmac.sess"),
    // Attestation: EK, AK, quote, certify, certify creation, time.
    Run("tpm2_createek -c ek.ctx -G rsa -u ek.pub"),
    Run(
        "tpm2_createak -C ek.ctx -c ak.ctx -G rsa -g sha256 -s rsassa -u ak.pub -n ak.name -r ak.priv",
    ),
    Run(
        "tpm2_quote -c ak.ctx -l sha256:0,1,16 -q 0102030405 -m quote.msg -s quote.sig -o quote.pcrs -g sha256",
    ),
    Run("tpm2_certify -C ak.ctx -c rsa.ctx -g sha256 -o certify.att -s certify.sig"),
    Run(
        "tpm2_createprimary -C o -G ecc256 -c cp.ctx --creation-data cp.data -d cp.digest -t cp.ticket",
    ),
    Run(
        "tpm2_certifycreation -C ak.ctx -c cp.ctx -d cp.digest -t cp.ticket -g sha256 -o cc.sig -f plain --attestation cc.att",
    ),
    Run("tpm2_gettime -c ak.ctx -g sha256 -o time.sig --attestation time.att"),
    Run("tpm2_makecredential -u ek.pub -s secret.txt -n @hex:ak.name -o cred.out"),
    Run("tpm2_startauthsession --policy-session -S ek.sess"),
    Run("tpm2_policysecret -S ek.sess -c e"),
    Run(
        "tpm2_activatecredential -c ak.ctx -C ek.ctx -i cred.out -o actcred.out -P session:ek.sess",
    ),
    Run("tpm2_flushcontext ek.sess"),
    // Audit.
    Run("tpm2_setcommandauditstatus -g sha256 TPM2_CC_GetRandom"),
    Run("tpm2_getrandom -o rand2.bin 8"),
    Run("tpm2_getcommandauditdigest -c ak.ctx -g sha256 -m audit.att -s audit.sig"),
    Run("tpm2_startauthsession --audit-session -S audit.sess"),
    Run("tpm2_getrandom -S audit.sess -o rand3.bin 8"),
    Run("tpm2_getsessionauditdigest -c ak.ctx -g sha256 -m saudit.att -s saudit.sig -S audit.sess"),
    Run("tpm2_flushcontext audit.sess"),
    // Duplication and import under a TPM2_CC_Duplicate policy.
    Run("tpm2_startauthsession -S dt.ctx"),
    Run("tpm2_policycommandcode -S dt.ctx -L dup.policy TPM2_CC_Duplicate"),
    Run("tpm2_flushcontext dt.ctx"),
    Run(
        "tpm2_create -C prim_rsa.ctx -g sha256 -G rsa -u dup.pub -r dup.priv -L dup.policy -a sensitivedataorigin|userwithauth|decrypt|sign",
    ),
    Run("tpm2_load -C prim_rsa.ctx -u dup.pub -r dup.priv -c dup.ctx"),
    Run("tpm2_startauthsession --policy-session -S dp.ctx"),
    Run("tpm2_policycommandcode -S dp.ctx TPM2_CC_Duplicate"),
    Run(
        "tpm2_duplicate -C prim_ecc.ctx -c dup.ctx -G null -p session:dp.ctx -r dupd.priv -s dupseed.dat",
    ),
    Run("tpm2_flushcontext dp.ctx"),
    Run("tpm2_import -C prim_ecc.ctx -u dup.pub -i dupd.priv -r imp.priv -s dupseed.dat"),
    Run("tpm2_load -C prim_ecc.ctx -u dup.pub -r imp.priv -c imp.ctx"),
    // Algorithm tests.
    Run("tpm2_testparms rsa2048"),
    Run("tpm2_testparms ecc256:ecdsa"),
    Run("tpm2_testparms aes128cfb"),
    Run("tpm2_testparms rsa4096"),
    // Clock.
    Run("tpm2_readclock"),
    Run("tpm2_setclock 68719476736"),
    Run("tpm2_setclock 1"),
    Run("tpm2_clockrateadjust s"),
    // Object and hierarchy authorization, hierarchy control, dictionary attack.
    Run("tpm2_changeauth -c rsa.ctx -C prim_rsa.ctx -r rsa_new.priv keypass"),
    Run("tpm2_changeauth -c o ownerpass"),
    Run("tpm2_createprimary -C o -G ecc256 -c wrong.ctx"),
    Run("tpm2_changeauth -c o -p ownerpass"),
    Run("tpm2_setprimarypolicy -C o -L pcr.policy -g sha256"),
    Run("tpm2_setprimarypolicy -C o"),
    Run("tpm2_hierarchycontrol -C p shEnable clear"),
    Run("tpm2_createprimary -C o -G ecc256 -c disabled.ctx"),
    Run("tpm2_hierarchycontrol -C p shEnable set"),
    Run("tpm2_dictionarylockout -s -n 5 -t 6 -l 7"),
    Run("tpm2_dictionarylockout -c"),
    Run("tpm2_clearcontrol -C p s"),
    Run("tpm2_clear -c p"),
    Run("tpm2_clearcontrol -C p c"),
    Run("tpm2_clear -c p"),
    Run("tpm2_changepps"),
    Run("tpm2_changeeps"),
    Run("tpm2_pcrallocate sha1:all+sha256:all"),
    // Raw commands through tpm2_send: bad tag, unknown code, oversized PCR selection, a bad
    // capability, an unimplemented command, ReadClock and GetRandom by hand.
    WriteHex("badtag.bin", "80030000000c0000017b0010"),
    Run("tpm2_send -o rsp_badtag.bin badtag.bin"),
    WriteHex("unknown.bin", "80010000000a0000ffff"),
    Run("tpm2_send -o rsp_unknown.bin unknown.bin"),
    WriteHex("getrandom.bin", "80010000000c0000017b0020"),
    Run("tpm2_send -o rsp_getrandom.bin getrandom.bin"),
    WriteHex("readclock.bin", "80010000000a00000181"),
    Run("tpm2_send -o rsp_readclock.bin readclock.bin"),
    WriteHex("badcap.bin", "8001000000160000017a000000ff0000000000000001"),
    Run("tpm2_send -o rsp_badcap.bin badcap.bin"),
    WriteHex("pcrread17.bin", "8001000000120000017e00000011000b03ffffff"),
    Run("tpm2_send -o rsp_pcrread17.bin pcrread17.bin"),
    WriteHex("firmwareread.bin", "80010000000e0000017900000000"),
    Run("tpm2_send -o rsp_firmwareread.bin firmwareread.bin"),
    // Orderly shutdown; a second Startup is refused without _TPM_Init.
    Run("tpm2_shutdown"),
    Run("tpm2_shutdown -c"),
    Run("tpm2_startup -c"),
];
