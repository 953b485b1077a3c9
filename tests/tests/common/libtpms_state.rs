//! libtpms's permanent state as swtpm stores it without encryption (`tpm2-00.permall`:
//! swtpm's header v2 + TLVs around libtpms's PERSISTENT_ALL), read far enough to get the
//! hierarchy seeds, proofs and SEED_COMPAT_LEVELs (libtpms NVMarshal.c).

// ---------------------------------------------------------------------------------------
// A bounded reader
// ---------------------------------------------------------------------------------------

pub struct Rd<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
    pub what: &'static str,
}

impl<'a> Rd<'a> {
    pub fn new(buf: &'a [u8], what: &'static str) -> Rd<'a> {
        Rd { buf, pos: 0, what }
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .unwrap_or_else(|| {
                panic!(
                    "{}: truncated at {} (+{n} of {})",
                    self.what,
                    self.pos,
                    self.buf.len()
                )
            });
        let s = &self.buf[self.pos..end];
        self.pos = end;
        s
    }
    pub fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.take(2).try_into().unwrap())
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.take(4).try_into().unwrap())
    }
    pub fn tpm2b(&mut self) -> &'a [u8] {
        let n = self.u16() as usize;
        self.take(n)
    }
    /// A libtpms NV_HEADER: version u16, magic u32, min_version u16 from version 2 on.
    pub fn nv_header(&mut self, magic: u32) -> u16 {
        let version = self.u16();
        let m = self.u32();
        assert_eq!(m, magic, "{}: magic at {}", self.what, self.pos - 4);
        if version >= 2 {
            self.u16();
        }
        version
    }
    /// A libtpms optional block (block_skip_write_push): has-block u8, size u16.
    pub fn block(&mut self) -> (bool, u16) {
        let has = self.u8() != 0;
        (has, self.u16())
    }
    pub fn pcr_selection(&mut self) {
        let count = self.u32();
        for _ in 0..count {
            self.u16();
            let n = self.u8() as usize;
            self.take(n);
        }
    }
}

// ---------------------------------------------------------------------------------------
// tpm2-00.permall
// ---------------------------------------------------------------------------------------

/// What we need from libtpms PERSISTENT_DATA.
pub struct Persistent {
    pub ep_seed: Vec<u8>,
    pub sp_seed: Vec<u8>,
    pub pp_seed: Vec<u8>,
    pub ph_proof: Vec<u8>,
    pub sh_proof: Vec<u8>,
    pub eh_proof: Vec<u8>,
    pub ep_compat: u8,
    pub sp_compat: u8,
    pub pp_compat: u8,
    /// Offset of EPSeedCompatLevel in the file (SP and PP follow).
    pub compat_offset: usize,
}

/// Parse swtpm's state file (header v2 + TLVs, plaintext) and libtpms's PERSISTENT_ALL up to
/// the compat levels of PERSISTENT_DATA (libtpms NVMarshal.c PERSISTENT_ALL_Marshal,
/// PACompileConstants_Marshal, PERSISTENT_DATA_Marshal).
pub fn parse_permall(file: &[u8]) -> Persistent {
    let mut r = Rd::new(file, "swtpm state header");
    let version = r.u8();
    let _min_version = r.u8();
    let hdrsize = r.u16() as usize;
    assert_eq!(version, 2, "swtpm state file header version");
    r.pos = hdrsize;
    // TLVs: tag u16, length u32. Tag 1 = plain data; encrypted data would be another tag.
    let (data, data_off) = loop {
        let tag = r.u16();
        let len = r.u32() as usize;
        let off = r.pos;
        let body = r.take(len);
        if tag == 1 {
            break (body, off);
        }
        assert!(
            r.pos < file.len(),
            "no plaintext data TLV (encrypted state?)"
        );
    };

    let mut r = Rd::new(data, "PERSISTENT_ALL");
    r.nv_header(0xab36_4723);
    // PA_COMPILE_CONSTANTS
    r.nv_header(0xc9ea_6431);
    let n = r.u32() as usize;
    r.take(n * 4);
    let (_, skip) = r.block();
    r.take(skip as usize);
    // PERSISTENT_DATA
    r.what = "PERSISTENT_DATA";
    let pd_version = r.nv_header(0x1221_3443);
    assert!(
        pd_version >= 3,
        "PERSISTENT_DATA v{pd_version} has no compat levels"
    );
    r.u8(); // disableClear
    r.u16(); // ownerAlg
    r.u16(); // endorsementAlg
    r.u16(); // lockoutAlg
    r.tpm2b(); // ownerPolicy
    r.tpm2b(); // endorsementPolicy
    r.tpm2b(); // lockoutPolicy
    r.tpm2b(); // ownerAuth
    r.tpm2b(); // endorsementAuth
    r.tpm2b(); // lockoutAuth
    let ep_seed = r.tpm2b().to_vec();
    let sp_seed = r.tpm2b().to_vec();
    let pp_seed = r.tpm2b().to_vec();
    let ph_proof = r.tpm2b().to_vec();
    let sh_proof = r.tpm2b().to_vec();
    let eh_proof = r.tpm2b().to_vec();
    r.take(8); // totalResetCount
    r.u32(); // resetCount
    let (_, skip) = r.block(); // pcrPolicies
    r.take(skip as usize);
    r.pcr_selection(); // pcrAllocated
    let n = r.u16() as usize; // ppList
    r.take(n);
    r.take(4 * 4); // failedTries, maxTries, recoveryTime, lockoutRecovery
    r.u8(); // lockOutAuthEnabled
    r.u16(); // orderlyState
    let n = r.u16() as usize; // auditCommands
    r.take(n);
    r.u16(); // auditHashAlg
    r.take(8); // auditCounter
    r.take(3 * 4); // algorithmSet, firmwareV1, firmwareV2
    let n = r.u8() as usize; // timeEpoch size
    r.take(n);
    let (has, _) = r.block(); // version 3: shadow pcrAllocated
    assert!(has);
    r.pcr_selection();
    let (has, _) = r.block(); // version 4: the seed compat levels
    assert!(has, "no SEED_COMPAT_LEVEL block");
    let compat_offset = data_off + r.pos;
    let ep_compat = r.u8();
    let sp_compat = r.u8();
    let pp_compat = r.u8();
    Persistent {
        ep_seed,
        sp_seed,
        pp_seed,
        ph_proof,
        sh_proof,
        eh_proof,
        ep_compat,
        sp_compat,
        pp_compat,
        compat_offset,
    }
}
