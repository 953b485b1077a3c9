//! Algorithm enablement that changes how input is judged.

/// Which algorithm IDs and ECC curves are enabled.
///
/// Unmarshalling a `TPMI_ALG_*` or `TPMI_ECC_CURVE` value checks it against the profile: an
/// algorithm the TPM's profile leaves out gives the same response code as one it never knew
/// (TPM 2.0 Part 2 §9, "TPMI" types). libtpms fixes the profile at first start; the engine
/// builds a `Profile` from it. TPM 1.2 ignores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Bit `id` set: TPM_ALG_ID `id` (< 128) is enabled.
    algs_lo: u128,
    /// Bit `id - 128` set: TPM_ALG_ID `id` (128..256) is enabled.
    algs_hi: u128,
    /// Bit `id` set: TPM_ECC_CURVE `id` (< 64) is enabled.
    curves: u64,
    /// Bit set: the key size of [`KEY_SIZES`] at that index is disabled.
    key_sizes_off: u32,
}

/// The (TPM_ALG_ID, key bits) pairs a profile can switch off one by one: libtpms enables
/// sizes per version and profile (0.9 has neither AES-192 nor RSA-4096; 0.10 profiles add them).
pub const KEY_SIZES: [(u16, u16); 13] = [
    (0x0001, 1024),
    (0x0001, 2048),
    (0x0001, 3072),
    (0x0001, 4096),
    (0x0006, 128),
    (0x0006, 192),
    (0x0006, 256),
    (0x0026, 128),
    (0x0026, 192),
    (0x0026, 256),
    (0x0003, 128),
    (0x0003, 192),
    (0x0013, 128),
];

const fn key_size_bit(alg: u16, bits: u16) -> u32 {
    let mut bit = 1;
    let mut rest: &[(u16, u16)] = &KEY_SIZES;
    while let [(a, b), tail @ ..] = rest {
        if *a == alg && *b == bits {
            return bit;
        }
        bit <<= 1;
        rest = tail;
    }
    0
}

impl Profile {
    /// Every algorithm ID and curve enabled: the codec accepts whatever its types know.
    pub const ALL: Profile = Profile {
        algs_lo: u128::MAX,
        algs_hi: u128::MAX,
        curves: u64::MAX,
        key_sizes_off: 0,
    };

    /// Nothing enabled; build up with [`Profile::with_alg`] and [`Profile::with_curve`].
    pub const NONE: Profile = Profile {
        algs_lo: 0,
        algs_hi: 0,
        curves: 0,
        key_sizes_off: 0,
    };

    /// Is TPM_ALG_ID `id` enabled? IDs of 256 and above never are.
    pub const fn alg_enabled(&self, id: u16) -> bool {
        match id {
            0..128 => (self.algs_lo >> id) & 1 == 1,
            128..256 => (self.algs_hi >> (id - 128)) & 1 == 1,
            _ => false,
        }
    }

    /// Is TPM_ECC_CURVE `id` enabled? IDs of 64 and above never are.
    pub const fn curve_enabled(&self, id: u16) -> bool {
        id < 64 && (self.curves >> id) & 1 == 1
    }

    /// This profile with algorithm `id` enabled (IDs of 256 and above are ignored).
    pub const fn with_alg(mut self, id: u16) -> Profile {
        match id {
            0..128 => self.algs_lo |= 1 << id,
            128..256 => self.algs_hi |= 1 << (id - 128),
            _ => {}
        }
        self
    }

    /// This profile with algorithm `id` disabled.
    pub const fn without_alg(mut self, id: u16) -> Profile {
        match id {
            0..128 => self.algs_lo &= !(1 << id),
            128..256 => self.algs_hi &= !(1 << (id - 128)),
            _ => {}
        }
        self
    }

    /// Is a key of `bits` bits of algorithm `alg` enabled? Sizes not in [`KEY_SIZES`] are
    /// judged by the TPMI type alone, so they count as enabled here.
    pub const fn key_size_enabled(&self, alg: u16, bits: u16) -> bool {
        self.key_sizes_off & key_size_bit(alg, bits) == 0
    }

    /// This profile without keys of `bits` bits of algorithm `alg` (a pair not in
    /// [`KEY_SIZES`] is ignored).
    pub const fn without_key_size(mut self, alg: u16, bits: u16) -> Profile {
        self.key_sizes_off |= key_size_bit(alg, bits);
        self
    }

    /// This profile with keys of `bits` bits of algorithm `alg` enabled again.
    pub const fn with_key_size(mut self, alg: u16, bits: u16) -> Profile {
        self.key_sizes_off &= !key_size_bit(alg, bits);
        self
    }

    /// This profile with curve `id` enabled (IDs of 64 and above are ignored).
    pub const fn with_curve(mut self, id: u16) -> Profile {
        if id < 64 {
            self.curves |= 1 << id;
        }
        self
    }

    /// This profile with curve `id` disabled.
    pub const fn without_curve(mut self, id: u16) -> Profile {
        if id < 64 {
            self.curves &= !(1 << id);
        }
        self
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::ALL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enable_disable() {
        let p = Profile::NONE.with_alg(0x000B).with_curve(3);
        assert!(p.alg_enabled(0x000B));
        assert!(!p.alg_enabled(0x000C));
        assert!(!p.alg_enabled(0x8000));
        assert!(p.curve_enabled(3));
        assert!(!p.curve_enabled(4));
        assert!(!p.curve_enabled(200));
        let q = p.without_alg(0x000B).without_curve(3);
        assert_eq!(q, Profile::NONE);
        assert!(Profile::ALL.alg_enabled(0x00FF));
        assert!(!Profile::ALL.alg_enabled(0x0100));
    }

    #[test]
    fn key_sizes() {
        let p = Profile::ALL.without_key_size(0x0006, 192);
        assert!(!p.key_size_enabled(0x0006, 192));
        assert!(p.key_size_enabled(0x0006, 256));
        assert!(p.key_size_enabled(0x0001, 4096));
        assert!(
            p.key_size_enabled(0x0006, 100),
            "unknown pairs are not the profile's call"
        );
        assert_eq!(p.with_key_size(0x0006, 192), Profile::ALL);
        assert_eq!(Profile::ALL.without_key_size(0x0099, 1), Profile::ALL);
    }
}
