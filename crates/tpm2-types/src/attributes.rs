//! TPM 2.0 Part 2 §8 and §13.5: every attribute bit field (TPMA_*), with the reserved masks
//! libtpms 0.9 checks on input (`src/tpm2/Unmarshal.c`: TPMA_ALGORITHM, TPMA_OBJECT,
//! TPMA_SESSION, TPMA_CC and TPMA_NV; TPMA_LOCALITY has no reserved bits). The output-only
//! fields (TPMA_PERMANENT, TPMA_STARTUP_CLEAR, TPMA_MEMORY, TPMA_MODES, TPMA_X509_KEY_USAGE,
//! TPMA_ACT) use the reserved bits of their Part 2 tables, so a client-side parse rejects what
//! the TPM must never send.
//!
//! Multi-bit fields (TPMA_LOCALITY's extended locality, TPMA_CC's commandIndex and cHandles,
//! TPMA_NV's TPM_NT) have accessors beside the named bits.

use tpm_wire::wire_bits;

use crate::constants::TpmNt;

wire_bits! {
    /// TPMA_ALGORITHM (TPM 2.0 Part 2 §8.2, Table 30).
    #[doc(alias = "TPMA_ALGORITHM")]
    pub struct TpmaAlgorithm(u32) reserved = 0xFFFF_F8F0; {
        /// asymmetric: an asymmetric algorithm with public and private portions.
        ASYMMETRIC = 1 << 0,
        /// symmetric: a symmetric block cipher.
        SYMMETRIC = 1 << 1,
        /// hash: a hash algorithm.
        HASH = 1 << 2,
        /// object: may be used as an object type.
        OBJECT = 1 << 3,
        /// signing: a signing algorithm.
        SIGNING = 1 << 8,
        /// encrypting: an encryption/decryption algorithm.
        ENCRYPTING = 1 << 9,
        /// method: a method such as a key derivative function.
        METHOD = 1 << 10,
    }
}

wire_bits! {
    /// TPMA_OBJECT (TPM 2.0 Part 2 §8.3.2, Table 31). Reserved bits 0, 3, 8, 9, 12-15 and
    /// 20-31 as libtpms 0.9 `TPMA_OBJECT_reserved`.
    #[doc(alias = "TPMA_OBJECT")]
    pub struct TpmaObject(u32) reserved = 0xFFF0_F309; {
        /// fixedTPM: the hierarchy of the object may not change.
        FIXED_TPM = 1 << 1,
        /// stClear: the object is flushed on TPM Reset and TPM Restart.
        ST_CLEAR = 1 << 2,
        /// fixedParent: the parent of the object may not change.
        FIXED_PARENT = 1 << 4,
        /// sensitiveDataOrigin: the TPM generated the sensitive data.
        SENSITIVE_DATA_ORIGIN = 1 << 5,
        /// userWithAuth: USER role actions may use the authValue or a policy session.
        USER_WITH_AUTH = 1 << 6,
        /// adminWithPolicy: ADMIN role actions need a policy session.
        ADMIN_WITH_POLICY = 1 << 7,
        /// noDA: the object is not subject to dictionary-attack protections.
        NO_DA = 1 << 10,
        /// encryptedDuplication: duplication requires an inner and outer wrapper.
        ENCRYPTED_DUPLICATION = 1 << 11,
        /// restricted: key usage is restricted to TPM-generated structures.
        RESTRICTED = 1 << 16,
        /// decrypt: the private portion may be used to decrypt.
        DECRYPT = 1 << 17,
        /// sign / encrypt: the private portion may sign, or the key may encrypt (symmetric).
        SIGN_ENCRYPT = 1 << 18,
        /// x509sign: an asymmetric key that may sign only an X.509 certificate (TPM2_CertifyX509).
        X509SIGN = 1 << 19,
    }
}

impl TpmaObject {
    /// The `sign` spelling of bit 18 (same bit as [`TpmaObject::SIGN_ENCRYPT`]).
    pub const SIGN: TpmaObject = TpmaObject::SIGN_ENCRYPT;
    /// The `encrypt` spelling of bit 18 (same bit as [`TpmaObject::SIGN_ENCRYPT`]).
    pub const ENCRYPT: TpmaObject = TpmaObject::SIGN_ENCRYPT;
}

wire_bits! {
    /// TPMA_SESSION (TPM 2.0 Part 2 §8.4, Table 32). Bits 3 and 4 are reserved (libtpms
    /// `TPMA_SESSION_reserved` 0x18).
    #[doc(alias = "TPMA_SESSION")]
    pub struct TpmaSession(u8) reserved = 0x18; {
        /// continueSession: the session stays active after the command.
        CONTINUE_SESSION = 1 << 0,
        /// auditExclusive: the command is audited exclusively.
        AUDIT_EXCLUSIVE = 1 << 1,
        /// auditReset: the audit digest is reset.
        AUDIT_RESET = 1 << 2,
        /// decrypt: the first parameter of the command is encrypted.
        DECRYPT = 1 << 5,
        /// encrypt: the first parameter of the response is encrypted.
        ENCRYPT = 1 << 6,
        /// audit: the session is used for audit.
        AUDIT = 1 << 7,
    }
}

wire_bits! {
    /// TPMA_LOCALITY (TPM 2.0 Part 2 §8.5, Table 33). No bit is reserved: when bits 7:5 are
    /// not all zero the whole octet is an extended locality (32-255) instead of a set of bits.
    #[doc(alias = "TPMA_LOCALITY")]
    pub struct TpmaLocality(u8) reserved = 0x00; {
        /// TPM_LOC_ZERO
        LOC_ZERO = 1 << 0,
        /// TPM_LOC_ONE
        LOC_ONE = 1 << 1,
        /// TPM_LOC_TWO
        LOC_TWO = 1 << 2,
        /// TPM_LOC_THREE
        LOC_THREE = 1 << 3,
        /// TPM_LOC_FOUR
        LOC_FOUR = 1 << 4,
    }
}

impl TpmaLocality {
    /// The Extended field, bits 7:5.
    pub const EXTENDED_MASK: u8 = 0xE0;

    /// Is this an extended locality (bits 7:5 not all zero)?
    pub const fn is_extended(self) -> bool {
        self.0 & Self::EXTENDED_MASK != 0
    }

    /// The extended locality (32-255) this value names, if it is one.
    pub const fn extended(self) -> Option<u8> {
        if self.is_extended() {
            Some(self.0)
        } else {
            None
        }
    }

    /// The TPMA_LOCALITY that selects exactly `locality`: bit `locality` for 0-4, the value
    /// itself for 32-255; `None` for 5-31, which TPMA_LOCALITY cannot express.
    pub const fn for_locality(locality: u8) -> Option<TpmaLocality> {
        match locality {
            0..=4 => Some(TpmaLocality(1 << locality)),
            32..=255 => Some(TpmaLocality(locality)),
            _ => None,
        }
    }

    /// Does this value allow `locality` (TPM 2.0 Part 3 §23.11 TPM2_PolicyLocality)?
    pub const fn allows(self, locality: u8) -> bool {
        if self.is_extended() {
            self.0 == locality
        } else {
            locality <= 4 && (self.0 >> locality) & 1 == 1
        }
    }
}

wire_bits! {
    /// TPMA_PERMANENT (TPM 2.0 Part 2 §8.6, Table 34), reported as TPM_PT_PERMANENT.
    #[doc(alias = "TPMA_PERMANENT")]
    pub struct TpmaPermanent(u32) reserved = 0xFFFF_F8F8; {
        /// ownerAuthSet: TPM2_HierarchyChangeAuth set ownerAuth.
        OWNER_AUTH_SET = 1 << 0,
        /// endorsementAuthSet: TPM2_HierarchyChangeAuth set endorsementAuth.
        ENDORSEMENT_AUTH_SET = 1 << 1,
        /// lockoutAuthSet: TPM2_HierarchyChangeAuth set lockoutAuth.
        LOCKOUT_AUTH_SET = 1 << 2,
        /// disableClear: TPM2_Clear is disabled.
        DISABLE_CLEAR = 1 << 8,
        /// inLockout: the TPM is in dictionary-attack lockout.
        IN_LOCKOUT = 1 << 9,
        /// tpmGeneratedEPS: the EPS was created by the TPM.
        TPM_GENERATED_EPS = 1 << 10,
    }
}

wire_bits! {
    /// TPMA_STARTUP_CLEAR (TPM 2.0 Part 2 §8.7, Table 35), reported as TPM_PT_STARTUP_CLEAR.
    #[doc(alias = "TPMA_STARTUP_CLEAR")]
    pub struct TpmaStartupClear(u32) reserved = 0x7FFF_FFF0; {
        /// phEnable: the platform hierarchy is enabled.
        PH_ENABLE = 1 << 0,
        /// shEnable: the storage hierarchy is enabled.
        SH_ENABLE = 1 << 1,
        /// ehEnable: the endorsement hierarchy is enabled.
        EH_ENABLE = 1 << 2,
        /// phEnableNV: platform NV indices are enabled.
        PH_ENABLE_NV = 1 << 3,
        /// orderly: the last shutdown was orderly (TPM2_Shutdown()).
        ORDERLY = 1 << 31,
    }
}

wire_bits! {
    /// TPMA_MEMORY (TPM 2.0 Part 2 §8.8, Table 36), reported as TPM_PT_MEMORY.
    #[doc(alias = "TPMA_MEMORY")]
    pub struct TpmaMemory(u32) reserved = 0xFFFF_FFF8; {
        /// sharedRAM: RAM is shared between sessions and objects.
        SHARED_RAM = 1 << 0,
        /// sharedNV: NV is shared between NV indices and persistent objects.
        SHARED_NV = 1 << 1,
        /// objectCopiedToRam: persistent objects are copied to RAM when used.
        OBJECT_COPIED_TO_RAM = 1 << 2,
    }
}

wire_bits! {
    /// TPMA_CC (TPM 2.0 Part 2 §8.9, Table 37): one command's attributes in TPM_CAP_COMMANDS.
    /// Bits 21:16 and 31:30 are reserved (libtpms `TPMA_CC_reserved` 0xC03F0000); commandIndex
    /// (15:0) and cHandles (27:25) are fields, read and set with the methods below.
    #[doc(alias = "TPMA_CC")]
    pub struct TpmaCc(u32) reserved = 0xC03F_0000; {
        /// nv: the command may write to NV.
        NV = 1 << 22,
        /// extensive: the command could flush any number of loaded contexts.
        EXTENSIVE = 1 << 23,
        /// flushed: the context of the command's first handle is flushed on completion.
        FLUSHED = 1 << 24,
        /// rHandle: the response has a handle area.
        R_HANDLE = 1 << 28,
        /// V: a vendor-specific command.
        V = 1 << 29,
    }
}

impl TpmaCc {
    /// commandIndex, bits 15:0.
    pub const COMMAND_INDEX_MASK: u32 = 0x0000_FFFF;
    /// cHandles, bits 27:25.
    pub const C_HANDLES_MASK: u32 = 0x0E00_0000;
    /// Where cHandles starts.
    pub const C_HANDLES_SHIFT: u32 = 25;

    /// commandIndex: the low 16 bits of the command code.
    pub const fn command_index(self) -> u16 {
        // Masked to 16 bits: the cast keeps every bit.
        (self.0 & Self::COMMAND_INDEX_MASK) as u16
    }

    /// This value with commandIndex `index`.
    #[must_use]
    pub const fn with_command_index(self, index: u16) -> TpmaCc {
        TpmaCc((self.0 & !Self::COMMAND_INDEX_MASK) | index as u32)
    }

    /// cHandles: the number of handles in the command's handle area (0-7).
    pub const fn c_handles(self) -> u8 {
        // Three bits after the shift: the cast keeps every bit.
        ((self.0 & Self::C_HANDLES_MASK) >> Self::C_HANDLES_SHIFT) as u8
    }

    /// This value with cHandles `n`; `None` when `n` does not fit the 3-bit field.
    pub const fn with_c_handles(self, n: u8) -> Option<TpmaCc> {
        if n > 7 {
            return None;
        }
        Some(TpmaCc(
            (self.0 & !Self::C_HANDLES_MASK) | (n as u32) << Self::C_HANDLES_SHIFT,
        ))
    }

    /// rHandle: does the response carry a handle?
    pub const fn r_handle(self) -> bool {
        self.contains(TpmaCc::R_HANDLE)
    }

    /// The attributes of command `cc` as TPM_CAP_COMMANDS reports them: commandIndex and V
    /// from the code, `c_handles` (`None` above 7), and the flags given.
    pub const fn for_command(
        cc: crate::constants::TpmCc,
        c_handles: u8,
        flags: TpmaCc,
    ) -> Option<TpmaCc> {
        // Only the named flags may come from `flags`; the V bit comes from the command code.
        let named = TpmaCc::NV.0 | TpmaCc::EXTENSIVE.0 | TpmaCc::FLUSHED.0 | TpmaCc::R_HANDLE.0;
        let v = if cc.is_vendor() { TpmaCc::V.0 } else { 0 };
        // The low 16 bits of the code: the cast keeps exactly them.
        TpmaCc((flags.0 & named) | v)
            .with_command_index(cc.0 as u16)
            .with_c_handles(c_handles)
    }
}

wire_bits! {
    /// TPMA_MODES (TPM 2.0 Part 2 §8.10, Table 38), reported as TPM_PT_MODES.
    #[doc(alias = "TPMA_MODES")]
    pub struct TpmaModes(u32) reserved = 0xFFFF_FFFE; {
        /// FIPS_140_2: the TPM is designed for FIPS 140-2 certification.
        FIPS_140_2 = 1 << 0,
    }
}

wire_bits! {
    /// TPMA_X509_KEY_USAGE (TPM 2.0 Part 2 §8.11, Table 39): the X.509 KeyUsage bits of
    /// TPM2_CertifyX509. Bits 22:0 are reserved.
    #[doc(alias = "TPMA_X509_KEY_USAGE")]
    pub struct TpmaX509KeyUsage(u32) reserved = 0x007F_FFFF; {
        /// decipherOnly
        DECIPHER_ONLY = 1 << 23,
        /// encipherOnly
        ENCIPHER_ONLY = 1 << 24,
        /// cRLSign
        CRL_SIGN = 1 << 25,
        /// keyCertSign
        KEY_CERT_SIGN = 1 << 26,
        /// keyAgreement
        KEY_AGREEMENT = 1 << 27,
        /// dataEncipherment
        DATA_ENCIPHERMENT = 1 << 28,
        /// keyEncipherment
        KEY_ENCIPHERMENT = 1 << 29,
        /// nonrepudiation (contentCommitment)
        NONREPUDIATION = 1 << 30,
        /// digitalSignature
        DIGITAL_SIGNATURE = 1 << 31,
    }
}

wire_bits! {
    /// TPMA_ACT (TPM 2.0 Part 2 §8.12, Table 40): the state of an Authenticated Countdown
    /// Timer.
    #[doc(alias = "TPMA_ACT")]
    pub struct TpmaAct(u32) reserved = 0xFFFF_FFFC; {
        /// signaled: the ACT has signaled.
        SIGNALED = 1 << 0,
        /// preserveSignaled: the signaled state is preserved across power cycles.
        PRESERVE_SIGNALED = 1 << 1,
    }
}

wire_bits! {
    /// TPMA_NV (TPM 2.0 Part 2 §13.5, Table 208). Bits 9:8 and 24:20 are reserved (libtpms
    /// `TPMA_NV_RESERVED`); bits 7:4 hold the TPM_NT, read and set with [`TpmaNv::nt`] and
    /// [`TpmaNv::with_nt`].
    #[doc(alias = "TPMA_NV")]
    pub struct TpmaNv(u32) reserved = 0x01F0_0300; {
        /// TPMA_NV_PPWRITE
        PPWRITE = 1 << 0,
        /// TPMA_NV_OWNERWRITE
        OWNERWRITE = 1 << 1,
        /// TPMA_NV_AUTHWRITE
        AUTHWRITE = 1 << 2,
        /// TPMA_NV_POLICYWRITE
        POLICYWRITE = 1 << 3,
        /// TPMA_NV_POLICY_DELETE
        POLICY_DELETE = 1 << 10,
        /// TPMA_NV_WRITELOCKED
        WRITELOCKED = 1 << 11,
        /// TPMA_NV_WRITEALL
        WRITEALL = 1 << 12,
        /// TPMA_NV_WRITEDEFINE
        WRITEDEFINE = 1 << 13,
        /// TPMA_NV_WRITE_STCLEAR
        WRITE_STCLEAR = 1 << 14,
        /// TPMA_NV_GLOBALLOCK
        GLOBALLOCK = 1 << 15,
        /// TPMA_NV_PPREAD
        PPREAD = 1 << 16,
        /// TPMA_NV_OWNERREAD
        OWNERREAD = 1 << 17,
        /// TPMA_NV_AUTHREAD
        AUTHREAD = 1 << 18,
        /// TPMA_NV_POLICYREAD
        POLICYREAD = 1 << 19,
        /// TPMA_NV_NO_DA
        NO_DA = 1 << 25,
        /// TPMA_NV_ORDERLY
        ORDERLY = 1 << 26,
        /// TPMA_NV_CLEAR_STCLEAR
        CLEAR_STCLEAR = 1 << 27,
        /// TPMA_NV_READLOCKED
        READLOCKED = 1 << 28,
        /// TPMA_NV_WRITTEN
        WRITTEN = 1 << 29,
        /// TPMA_NV_PLATFORMCREATE
        PLATFORMCREATE = 1 << 30,
        /// TPMA_NV_READ_STCLEAR
        READ_STCLEAR = 1 << 31,
    }
}

impl TpmaNv {
    /// TPMA_NV_TPM_NT, bits 7:4.
    pub const NT_MASK: u32 = 0x0000_00F0;
    /// Where TPM_NT starts.
    pub const NT_SHIFT: u32 = 4;

    /// The NV Index type (TPM_NT) in bits 7:4. Any 4-bit value can appear; whether it is a
    /// defined TPM_NT is TPM2_NV_DefineSpace's check (TPM_RC_ATTRIBUTES).
    pub const fn nt(self) -> TpmNt {
        TpmNt((self.0 & Self::NT_MASK) >> Self::NT_SHIFT)
    }

    /// This value with TPM_NT `nt`; `None` when `nt` does not fit the 4-bit field.
    pub const fn with_nt(self, nt: TpmNt) -> Option<TpmaNv> {
        if nt.0 > 0xF {
            return None;
        }
        Some(TpmaNv((self.0 & !Self::NT_MASK) | nt.0 << Self::NT_SHIFT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::TpmCc;
    use proptest::prelude::*;
    use tpm_wire::{Profile, Reader, WireError, from_bytes, to_vec};

    /// For each TPMA type: values without reserved bits round-trip; any value with a reserved
    /// bit set is TPM_RC_RESERVED_BITS; a short input is TPM_RC_INSUFFICIENT; the named bits
    /// are single, distinct, and clear of the reserved mask.
    macro_rules! attr_tests {
        ($($name:ident: $ty:ident($repr:ident);)*) => {$(
            mod $name {
                use super::*;

                proptest! {
                    #[test]
                    fn roundtrip(v in any::<$repr>()) {
                        let x = $ty(v & !$ty::RESERVED);
                        let bytes = to_vec(&x);
                        prop_assert_eq!(&bytes[..], &x.0.to_be_bytes()[..]);
                        prop_assert_eq!(from_bytes::<$ty>(&bytes, &Profile::ALL), Ok(x));
                    }

                    #[test]
                    fn reserved_bits_rejected(v in any::<$repr>(), pick in any::<u32>()) {
                        let mask = $ty::RESERVED;
                        // TPMA_LOCALITY has no reserved bit: nothing to reject.
                        if mask != 0 {
                            // The `pick`-th set bit of the mask (mod how many there are).
                            let nth = pick % mask.count_ones();
                            let bit = (0..$repr::BITS)
                                .filter(|b| mask >> b & 1 == 1)
                                .nth(nth as usize)
                                .unwrap();
                            let bytes = (v | 1 << bit).to_be_bytes();
                            prop_assert_eq!(
                                from_bytes::<$ty>(&bytes, &Profile::ALL),
                                Err(WireError::ReservedBits)
                            );
                        }
                    }
                }

                #[test]
                fn truncated() {
                    let bytes = <$repr>::MAX.to_be_bytes();
                    let short = &bytes[..bytes.len() - 1];
                    assert_eq!(
                        Reader::new(short).read::<$ty>(&Profile::ALL),
                        Err(WireError::Insufficient)
                    );
                }

                #[test]
                fn named_bits() {
                    let mut all: $repr = 0;
                    for (n, b) in $ty::NAMED {
                        assert_eq!(b.0.count_ones(), 1, "{n}");
                        assert_eq!(b.0 & $ty::RESERVED, 0, "{n} is reserved");
                        assert_eq!(all & b.0, 0, "{n} repeats a bit");
                        all |= b.0;
                    }
                }
            }
        )*};
    }

    attr_tests! {
        algorithm: TpmaAlgorithm(u32);
        object: TpmaObject(u32);
        session: TpmaSession(u8);
        locality: TpmaLocality(u8);
        permanent: TpmaPermanent(u32);
        startup_clear: TpmaStartupClear(u32);
        memory: TpmaMemory(u32);
        cc: TpmaCc(u32);
        modes: TpmaModes(u32);
        x509_key_usage: TpmaX509KeyUsage(u32);
        act: TpmaAct(u32);
        nv: TpmaNv(u32);
    }

    #[test]
    fn reserved_masks_match_libtpms() {
        // libtpms 0.9 TpmTypes.h: TPMA_*_reserved / TPMA_NV_RESERVED.
        assert_eq!(TpmaAlgorithm::RESERVED, 0xFFFF_F8F0);
        assert_eq!(TpmaObject::RESERVED, 0xFFF0_F309);
        assert_eq!(TpmaSession::RESERVED, 0x18);
        assert_eq!(TpmaCc::RESERVED, 0xC03F_0000);
        assert_eq!(TpmaNv::RESERVED, 0x0000_0300 | 0x01F0_0000);
        // Every bit of the fixed-layout fields is a named bit, a field, or reserved.
        let cc_fields = TpmaCc::COMMAND_INDEX_MASK | TpmaCc::C_HANDLES_MASK;
        let cc_named = TpmaCc::NAMED.iter().fold(0, |a, (_, b)| a | b.0);
        assert_eq!(cc_fields | cc_named | TpmaCc::RESERVED, u32::MAX);
        assert_eq!(cc_fields & (cc_named | TpmaCc::RESERVED), 0);
        let nv_named = TpmaNv::NAMED.iter().fold(0, |a, (_, b)| a | b.0);
        assert_eq!(TpmaNv::NT_MASK | nv_named | TpmaNv::RESERVED, u32::MAX);
        let obj = TpmaObject::NAMED.iter().fold(0, |a, (_, b)| a | b.0);
        assert_eq!(obj | TpmaObject::RESERVED, u32::MAX);
    }

    #[test]
    fn object_bits() {
        assert_eq!(TpmaObject::FIXED_TPM.0, 0x2);
        assert_eq!(TpmaObject::RESTRICTED.0, 0x1_0000);
        assert_eq!(TpmaObject::SIGN, TpmaObject::SIGN_ENCRYPT);
        // The usual storage-key template attributes, 0x00030072.
        let srk = TpmaObject::FIXED_TPM
            | TpmaObject::FIXED_PARENT
            | TpmaObject::SENSITIVE_DATA_ORIGIN
            | TpmaObject::USER_WITH_AUTH
            | TpmaObject::RESTRICTED
            | TpmaObject::DECRYPT;
        assert_eq!(srk.0, 0x0003_0072);
        assert_eq!(
            format!("{srk:?}"),
            "TpmaObject(0x30072 FIXED_TPM FIXED_PARENT SENSITIVE_DATA_ORIGIN USER_WITH_AUTH \
             RESTRICTED DECRYPT)"
        );
        // Bit 0 is reserved.
        assert_eq!(
            from_bytes::<TpmaObject>(&[0, 3, 0, 0x73], &Profile::ALL),
            Err(WireError::ReservedBits)
        );
    }

    #[test]
    fn session_reserved() {
        assert_eq!(
            from_bytes::<TpmaSession>(&[0x08], &Profile::ALL),
            Err(WireError::ReservedBits)
        );
        assert_eq!(
            from_bytes::<TpmaSession>(&[0x10], &Profile::ALL),
            Err(WireError::ReservedBits)
        );
        assert_eq!(
            from_bytes::<TpmaSession>(&[0xE7], &Profile::ALL),
            Ok(TpmaSession(0xE7))
        );
    }

    #[test]
    fn locality_helpers() {
        assert_eq!(TpmaLocality::for_locality(0), Some(TpmaLocality::LOC_ZERO));
        assert_eq!(TpmaLocality::for_locality(4), Some(TpmaLocality::LOC_FOUR));
        assert_eq!(TpmaLocality::for_locality(5), None);
        assert_eq!(TpmaLocality::for_locality(31), None);
        assert_eq!(TpmaLocality::for_locality(32), Some(TpmaLocality(32)));
        let l = TpmaLocality::LOC_ZERO | TpmaLocality::LOC_THREE;
        assert!(!l.is_extended());
        assert_eq!(l.extended(), None);
        assert!(l.allows(0) && l.allows(3));
        assert!(!l.allows(1) && !l.allows(4) && !l.allows(5) && !l.allows(200));
        let e = TpmaLocality(200);
        assert!(e.is_extended());
        assert_eq!(e.extended(), Some(200));
        assert!(e.allows(200));
        assert!(!e.allows(3) && !e.allows(201));
        // Every octet unmarshals: TPMA_LOCALITY has no reserved bits.
        for v in 0..=255u8 {
            assert_eq!(
                from_bytes::<TpmaLocality>(&[v], &Profile::ALL),
                Ok(TpmaLocality(v))
            );
        }
    }

    proptest! {
        #[test]
        fn locality_for_allows(n in any::<u8>()) {
            match TpmaLocality::for_locality(n) {
                Some(l) => {
                    prop_assert!(l.allows(n));
                    for m in 0..=255u8 {
                        prop_assert_eq!(l.allows(m), m == n);
                    }
                }
                None => prop_assert!((5..32).contains(&n)),
            }
        }

        #[test]
        fn cc_fields(index in any::<u16>(), handles in 0u8..8, flags in any::<u32>()) {
            let a = TpmaCc(flags & !TpmaCc::RESERVED)
                .with_command_index(index)
                .with_c_handles(handles)
                .unwrap();
            prop_assert_eq!(a.command_index(), index);
            prop_assert_eq!(a.c_handles(), handles);
            prop_assert_eq!(a.0 & TpmaCc::RESERVED, 0);
        }

        #[test]
        fn nv_type_field(nt in 0u32..16, bits in any::<u32>()) {
            let a = TpmaNv(bits & !TpmaNv::RESERVED).with_nt(TpmNt(nt)).unwrap();
            prop_assert_eq!(a.nt(), TpmNt(nt));
            prop_assert_eq!(a.0 & !TpmaNv::NT_MASK, bits & !TpmaNv::RESERVED & !TpmaNv::NT_MASK);
        }
    }

    #[test]
    fn cc_builder() {
        // TPM2_CreatePrimary: 1 handle, response handle, nv.
        let a =
            TpmaCc::for_command(TpmCc::CREATE_PRIMARY, 1, TpmaCc::NV | TpmaCc::R_HANDLE).unwrap();
        assert_eq!(a.0, 0x1240_0131);
        assert_eq!(a.command_index(), 0x0131);
        assert_eq!(a.c_handles(), 1);
        assert!(a.r_handle());
        assert!(!a.contains(TpmaCc::V));
        // Vendor commands get V from the code; flags outside the named ones are dropped.
        let v = TpmaCc::for_command(TpmCc::VENDOR_TCG_TEST, 0, TpmaCc(0xFFFF_FFFF)).unwrap();
        assert!(v.contains(TpmaCc::V));
        assert_eq!(v.0 & TpmaCc::RESERVED, 0);
        assert_eq!(v.command_index(), 0);
        assert_eq!(
            TpmaCc::for_command(TpmCc::STARTUP, 8, TpmaCc::empty()),
            None
        );
        assert_eq!(TpmaCc::empty().with_c_handles(8), None);
    }

    #[test]
    fn nv_type() {
        let counter = (TpmaNv::AUTHWRITE | TpmaNv::AUTHREAD)
            .with_nt(TpmNt::COUNTER)
            .unwrap();
        assert_eq!(counter.0, 0x0004_0014);
        assert_eq!(counter.nt(), TpmNt::COUNTER);
        assert_eq!(
            counter.with_nt(TpmNt::PIN_PASS).unwrap().nt(),
            TpmNt::PIN_PASS
        );
        assert_eq!(TpmaNv::empty().with_nt(TpmNt(16)), None);
        assert_eq!(
            from_bytes::<TpmaNv>(&[0, 0x10, 0, 0], &Profile::ALL),
            Err(WireError::ReservedBits)
        );
        assert_eq!(
            from_bytes::<TpmaNv>(&[0, 0, 0x01, 0], &Profile::ALL),
            Err(WireError::ReservedBits)
        );
    }

    #[test]
    fn startup_clear_orderly() {
        // swtpm after Startup(CLEAR): phEnable, shEnable, ehEnable, phEnableNV, orderly.
        let v = from_bytes::<TpmaStartupClear>(&[0x80, 0, 0, 0x0F], &Profile::ALL).unwrap();
        assert!(v.contains(TpmaStartupClear::ORDERLY | TpmaStartupClear::PH_ENABLE_NV));
    }
}
