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
}

impl Profile {
    /// Every algorithm ID and curve enabled: the codec accepts whatever its types know.
    pub const ALL: Profile = Profile {
        algs_lo: u128::MAX,
        algs_hi: u128::MAX,
        curves: u64::MAX,
    };

    /// Nothing enabled; build up with [`Profile::with_alg`] and [`Profile::with_curve`].
    pub const NONE: Profile = Profile {
        algs_lo: 0,
        algs_hi: 0,
        curves: 0,
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
}
