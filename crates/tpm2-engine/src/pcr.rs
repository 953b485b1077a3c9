//! Platform Configuration Registers: banks, PC Client attributes, extend, reset, startup rules.
//!
//! 24 PCRs in up to four banks (SHA-1, SHA-256, SHA-384, SHA-512, in libtpms's hash order),
//! with the PC Client Platform TPM Profile attributes that libtpms uses (`PCR.c`
//! `s_initAttributes`): which PCRs survive Shutdown(STATE), and from which localities each may
//! be extended and reset. TPM 2.0 Part 1 §17; Part 3 §22.

use tpm_crypto::hash::{HashAlg, Hasher};

/// Number of PCRs (IMPLEMENTATION_PCR).
pub const PCR_COUNT: usize = 24;
/// The banks in the order libtpms indexes hash algorithms (`CryptHashGetAlgByIndex`).
pub const BANKS: [HashAlg; 4] = [
    HashAlg::Sha1,
    HashAlg::Sha256,
    HashAlg::Sha384,
    HashAlg::Sha512,
];
/// The PCR the H-CRTM sequence before Startup extends (HCRTM_PCR).
pub const HCRTM_PCR: usize = 0;
/// The PCR the DRTM sequence after Startup extends (DRTM_PCR).
pub const DRTM_PCR: usize = 17;
/// The PCRs whose authValue and policy can be set (PCRBelongsAuthGroup/PolicyGroup: 20-22).
pub const AUTH_GROUP: core::ops::RangeInclusive<usize> = 20..=22;

/// What the platform specification says about one PCR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcrAttributes {
    /// Saved by Shutdown(STATE) and restored by Startup(STATE).
    pub state_save: bool,
    /// Bit n set: TPM2_PCR_Reset allowed from locality n. Bit 4 also means "reset to all
    /// ones at TPM Reset, to zero by the DRTM sequence".
    pub reset_locality: u8,
    /// Bit n set: TPM2_PCR_Extend allowed from locality n.
    pub extend_locality: u8,
}

const fn attr(state_save: bool, reset_locality: u8, extend_locality: u8) -> PcrAttributes {
    PcrAttributes {
        state_save,
        reset_locality,
        extend_locality,
    }
}

/// PC Client PCR attributes (libtpms parity: `PCR.c` `s_initAttributes`).
pub const PCR_ATTRIBUTES: [PcrAttributes; PCR_COUNT] = [
    // PCR 0-15: static RTM.
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    attr(true, 0, 0x1F),
    // PCR 16: debug.
    attr(false, 0x0F, 0x1F),
    // PCR 17: locality 4 (DRTM).
    attr(false, 0x10, 0x1C),
    // PCR 18: locality 3.
    attr(false, 0x10, 0x1C),
    // PCR 19: locality 2.
    attr(false, 0x10, 0x0C),
    // PCR 20: locality 1.
    attr(false, 0x14, 0x0E),
    // PCR 21-22: dynamic OS.
    attr(false, 0x14, 0x04),
    attr(false, 0x14, 0x04),
    // PCR 23: application specific.
    attr(false, 0x0F, 0x1F),
];

/// The attributes of PCR `pcr` (all-forbidding for numbers out of range).
pub fn attributes(pcr: usize) -> PcrAttributes {
    PCR_ATTRIBUTES
        .get(pcr)
        .copied()
        .unwrap_or(attr(false, 0, 0))
}

/// Number of PCRs whose value Shutdown(STATE) saves.
pub const SAVED_COUNT: usize = 16;

/// A set of PCR numbers (bit n = PCR n), the content of TPMS_PCR_SELECT.pcrSelect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PcrMask(pub u32);

impl PcrMask {
    /// Every implemented PCR.
    pub const ALL: PcrMask = PcrMask((1 << PCR_COUNT) - 1);

    /// The mask of a pcrSelect byte array (bytes past the third select PCRs that do not exist
    /// and are dropped, as libtpms `FilterPcr` does).
    pub fn from_select(bytes: &[u8]) -> PcrMask {
        let mut m = 0u32;
        for (i, b) in bytes.iter().take(4).enumerate() {
            m |= u32::from(*b) << (8 * i);
        }
        PcrMask(m & PcrMask::ALL.0)
    }

    /// The pcrSelect bytes of this mask, `size` bytes long.
    pub fn to_select(self, size: usize) -> Vec<u8> {
        (0..size)
            .map(|i| if i < 4 { (self.0 >> (8 * i)) as u8 } else { 0 })
            .collect()
    }

    /// Is PCR `pcr` in the set?
    pub fn contains(self, pcr: usize) -> bool {
        pcr < PCR_COUNT && (self.0 >> pcr) & 1 == 1
    }

    /// Add or remove PCR `pcr`.
    pub fn set(&mut self, pcr: usize, on: bool) {
        if pcr < PCR_COUNT {
            if on {
                self.0 |= 1 << pcr;
            } else {
                self.0 &= !(1 << pcr);
            }
        }
    }
}

/// Which PCRs each bank has (gp.pcrAllocated), indexed like [`BANKS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocation(pub [PcrMask; 4]);

impl Default for Allocation {
    /// Every bank with every PCR, as libtpms manufactures it (`PCRSimStart`).
    fn default() -> Self {
        Allocation([PcrMask::ALL; 4])
    }
}

impl Allocation {
    /// The PCRs allocated in the bank of `alg`.
    pub fn mask(&self, alg: HashAlg) -> PcrMask {
        bank_index(alg)
            .and_then(|i| self.0.get(i).copied())
            .unwrap_or_default()
    }

    /// Is PCR `pcr` allocated in the bank of `alg`?
    pub fn is_allocated(&self, pcr: usize, alg: HashAlg) -> bool {
        self.mask(alg).contains(pcr)
    }
}

/// The index of `alg` in [`BANKS`].
pub fn bank_index(alg: HashAlg) -> Option<usize> {
    BANKS.iter().position(|b| *b == alg)
}

type Value = [u8; 64];

/// The PCR values of every bank (allocated or not: allocation decides what is visible).
#[derive(Clone, PartialEq, Eq)]
pub struct PcrValues {
    values: [[Value; PCR_COUNT]; 4],
}

impl core::fmt::Debug for PcrValues {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PcrValues(..)")
    }
}

impl Default for PcrValues {
    fn default() -> Self {
        PcrValues {
            values: [[[0; 64]; PCR_COUNT]; 4],
        }
    }
}

/// Which kind of start the TPM makes (libtpms STARTUP_TYPE; TPM 2.0 Part 1 §36.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartupKind {
    /// TPM Reset: Startup(CLEAR) after anything but Shutdown(STATE).
    Reset,
    /// TPM Restart: Startup(CLEAR) after Shutdown(STATE).
    Restart,
    /// TPM Resume: Startup(STATE) after Shutdown(STATE).
    Resume,
}

impl PcrValues {
    /// The value of PCR `pcr` in the bank of `alg`, if both exist.
    pub fn get(&self, alg: HashAlg, pcr: usize) -> Option<&[u8]> {
        let bank = self.values.get(bank_index(alg)?)?;
        bank.get(pcr)?.get(..alg.digest_size())
    }

    fn get_mut(&mut self, alg: HashAlg, pcr: usize) -> Option<&mut [u8]> {
        let bank = self.values.get_mut(bank_index(alg)?)?;
        bank.get_mut(pcr)?.get_mut(..alg.digest_size())
    }

    /// Extend `data` into PCR `pcr` of the bank of `alg` when allocated (libtpms `PCRExtend`):
    /// new = H(old || data). Returns whether a PCR changed.
    pub fn extend(&mut self, alloc: &Allocation, pcr: usize, alg: HashAlg, data: &[u8]) -> bool {
        if !alloc.is_allocated(pcr, alg) {
            return false;
        }
        let Some(v) = self.get_mut(alg, pcr) else {
            return false;
        };
        let mut h = Hasher::new(alg);
        h.update(v);
        h.update(data);
        v.copy_from_slice(h.finalize().as_slice());
        true
    }

    /// Set PCR `pcr` in every allocated bank to `initial`: all bytes zero but the last, which is
    /// `initial` (or all ones when `initial` is negative). libtpms `PCRSetValue`.
    pub fn set_value(&mut self, alloc: &Allocation, pcr: usize, initial: i8) {
        for alg in BANKS {
            if !alloc.is_allocated(pcr, alg) {
                continue;
            }
            if let Some(v) = self.get_mut(alg, pcr) {
                v.fill(if initial >= 0 { 0 } else { 0xFF });
                if let Some(last) = v.last_mut() {
                    *last = initial.to_be_bytes()[0];
                }
            }
        }
    }

    /// Values at TPM2_Startup (libtpms `PCRStartup`): restored from `saved` on Resume for the
    /// state-saved PCRs; otherwise all ones for PCRs resettable by locality 4 and zeros for the
    /// rest, the H-CRTM PCR holding the startup locality in its last byte — unless an H-CRTM
    /// sequence before Startup already set it (`hcrtm_done`), which only a Resume overwrites.
    pub fn startup(
        &mut self,
        alloc: &Allocation,
        kind: StartupKind,
        locality: u8,
        hcrtm_done: bool,
        saved: &SavedPcrs,
    ) {
        for pcr in 0..PCR_COUNT {
            let a = attributes(pcr);
            let restore = kind == StartupKind::Resume && a.state_save;
            if pcr == HCRTM_PCR && kind != StartupKind::Resume && hcrtm_done {
                continue;
            }
            for alg in BANKS {
                if !alloc.is_allocated(pcr, alg) {
                    continue;
                }
                let saved_value = saved.get(alg, pcr).map(<[u8]>::to_vec);
                let Some(v) = self.get_mut(alg, pcr) else {
                    continue;
                };
                if restore {
                    match saved_value {
                        Some(s) if s.len() == v.len() => v.copy_from_slice(&s),
                        _ => v.fill(0),
                    }
                } else if a.reset_locality & 0x10 != 0 {
                    v.fill(0xFF);
                } else {
                    v.fill(0);
                    if pcr == HCRTM_PCR {
                        if let Some(last) = v.last_mut() {
                            *last = locality;
                        }
                    }
                }
            }
        }
    }

    /// Zero every PCR resettable by locality 4 (libtpms `PCRResetDynamics`, the start of a
    /// DRTM sequence).
    pub fn reset_dynamics(&mut self, alloc: &Allocation) {
        for pcr in 0..PCR_COUNT {
            if attributes(pcr).reset_locality & 0x10 == 0 {
                continue;
            }
            for alg in BANKS {
                if alloc.is_allocated(pcr, alg) {
                    if let Some(v) = self.get_mut(alg, pcr) {
                        v.fill(0);
                    }
                }
            }
        }
    }

    /// The end of an H-CRTM or DRTM sequence (libtpms `PcrDrtm`): the PCR starts from zero (with
    /// locality 4 in the last byte before Startup) and is extended with `digest`. Returns
    /// whether the bank has that PCR (and so it changed).
    pub fn drtm(
        &mut self,
        alloc: &Allocation,
        pcr: usize,
        alg: HashAlg,
        digest: &[u8],
        started: bool,
    ) -> bool {
        if !alloc.is_allocated(pcr, alg) {
            return false;
        }
        if let Some(v) = self.get_mut(alg, pcr) {
            v.fill(0);
            if !started {
                if let Some(last) = v.last_mut() {
                    *last = 4;
                }
            }
        }
        self.extend(alloc, pcr, alg, digest)
    }

    /// The values Shutdown(STATE) keeps (libtpms `PCRStateSave`).
    pub fn state_save(&self, alloc: &Allocation) -> SavedPcrs {
        let mut saved = SavedPcrs::default();
        for pcr in 0..SAVED_COUNT {
            for alg in BANKS {
                if !alloc.is_allocated(pcr, alg) {
                    continue;
                }
                if let (Some(src), Some(dst)) = (self.get(alg, pcr), saved.get_mut(alg, pcr)) {
                    dst.copy_from_slice(src);
                }
            }
        }
        saved
    }
}

/// The values of the state-saved PCRs kept across Shutdown(STATE) (gc.pcrSave).
#[derive(Clone, PartialEq, Eq)]
pub struct SavedPcrs {
    values: [[Value; SAVED_COUNT]; 4],
}

impl Default for SavedPcrs {
    fn default() -> Self {
        SavedPcrs {
            values: [[[0; 64]; SAVED_COUNT]; 4],
        }
    }
}

impl core::fmt::Debug for SavedPcrs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SavedPcrs(..)")
    }
}

impl SavedPcrs {
    /// The saved value of PCR `pcr` in the bank of `alg`.
    pub fn get(&self, alg: HashAlg, pcr: usize) -> Option<&[u8]> {
        self.values
            .get(bank_index(alg)?)?
            .get(pcr)?
            .get(..alg.digest_size())
    }

    /// The saved value, writable (used when loading a state image).
    pub fn get_mut(&mut self, alg: HashAlg, pcr: usize) -> Option<&mut [u8]> {
        self.values
            .get_mut(bank_index(alg)?)?
            .get_mut(pcr)?
            .get_mut(..alg.digest_size())
    }
}

impl PcrValues {
    /// The value, writable (used when loading a state image).
    pub fn value_mut(&mut self, alg: HashAlg, pcr: usize) -> Option<&mut [u8]> {
        self.get_mut(alg, pcr)
    }
}

/// Does this PCR change bump the PCR update counter? Not for the PCRs libtpms puts in its
/// "TCB group" (16, 21, 22, 23: `PCRBelongsTCBGroup` with ENABLE_PCR_NO_INCREMENT).
pub fn counts_change(pcr: usize) -> bool {
    !(pcr == 16 || (21..=23).contains(&pcr))
}

/// May locality `locality` extend PCR `pcr`? (libtpms `PCRIsExtendAllowed`)
pub fn extend_allowed(pcr: usize, locality: u8) -> bool {
    locality < 5 && attributes(pcr).extend_locality & (1 << locality) != 0
}

/// May locality `locality` reset PCR `pcr`? Never from locality 4 (libtpms
/// `PCRIsResetAllowed` with DRTM_PCR defined).
pub fn reset_allowed(pcr: usize, locality: u8) -> bool {
    locality < 4 && attributes(pcr).reset_locality & (1 << locality) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use tpm_crypto::hash::digest;

    #[test]
    fn extend_is_hash_of_old_and_new() {
        let alloc = Allocation::default();
        let mut p = PcrValues::default();
        p.startup(&alloc, StartupKind::Reset, 0, false, &SavedPcrs::default());
        let d = digest(HashAlg::Sha256, b"abc");
        assert!(p.extend(&alloc, 7, HashAlg::Sha256, d.as_slice()));
        let mut expect = [0u8; 64].to_vec();
        expect.truncate(32);
        expect.extend_from_slice(d.as_slice());
        assert_eq!(
            p.get(HashAlg::Sha256, 7).unwrap(),
            digest(HashAlg::Sha256, &expect).as_slice()
        );
        // Other banks untouched.
        assert_eq!(p.get(HashAlg::Sha1, 7).unwrap(), &[0u8; 20]);
    }

    #[test]
    fn startup_values() {
        let alloc = Allocation::default();
        let mut p = PcrValues::default();
        p.startup(&alloc, StartupKind::Reset, 3, false, &SavedPcrs::default());
        let mut pcr0 = [0u8; 32];
        pcr0[31] = 3;
        assert_eq!(p.get(HashAlg::Sha256, 0).unwrap(), &pcr0);
        assert_eq!(p.get(HashAlg::Sha256, 17).unwrap(), &[0xFF; 32]);
        assert_eq!(p.get(HashAlg::Sha256, 16).unwrap(), &[0; 32]);
        assert_eq!(p.get(HashAlg::Sha1, 22).unwrap(), &[0xFF; 20]);
        assert_eq!(p.get(HashAlg::Sha1, 23).unwrap(), &[0; 20]);
    }

    #[test]
    fn resume_restores_saved_pcrs_only() {
        let alloc = Allocation::default();
        let mut p = PcrValues::default();
        p.startup(&alloc, StartupKind::Reset, 0, false, &SavedPcrs::default());
        p.extend(&alloc, 5, HashAlg::Sha384, b"x");
        p.extend(&alloc, 16, HashAlg::Sha384, b"x");
        let before5 = p.get(HashAlg::Sha384, 5).unwrap().to_vec();
        let saved = p.state_save(&alloc);
        let mut q = PcrValues::default();
        q.startup(&alloc, StartupKind::Resume, 0, false, &saved);
        assert_eq!(q.get(HashAlg::Sha384, 5).unwrap(), &before5[..]);
        assert_eq!(q.get(HashAlg::Sha384, 16).unwrap(), &[0; 48]);
        let mut r = PcrValues::default();
        r.startup(&alloc, StartupKind::Restart, 0, false, &saved);
        assert_eq!(r.get(HashAlg::Sha384, 5).unwrap(), &[0; 48]);
    }

    #[test]
    fn locality_rules() {
        assert!(extend_allowed(0, 0));
        assert!(!extend_allowed(17, 0));
        assert!(extend_allowed(17, 2));
        assert!(!extend_allowed(21, 3));
        assert!(!reset_allowed(0, 0));
        assert!(reset_allowed(16, 0));
        assert!(!reset_allowed(16, 4));
        assert!(
            !reset_allowed(17, 4),
            "locality 4 never resets through PCR_Reset"
        );
        assert!(reset_allowed(20, 2));
        assert!(!reset_allowed(20, 0));
        assert!(!extend_allowed(0, 5));
    }

    #[test]
    fn unallocated_banks_are_invisible() {
        let mut alloc = Allocation::default();
        alloc.0[0] = PcrMask::default();
        let mut p = PcrValues::default();
        assert!(!p.extend(&alloc, 1, HashAlg::Sha1, b"x"));
        assert!(p.extend(&alloc, 1, HashAlg::Sha256, b"x"));
    }

    #[test]
    fn mask_select_bytes() {
        let m = PcrMask::from_select(&[0x01, 0x80, 0xFF, 0xFF]);
        assert!(m.contains(0) && m.contains(15) && m.contains(23));
        assert!(!m.contains(24));
        assert_eq!(m.to_select(3), vec![0x01, 0x80, 0xFF]);
    }
}
