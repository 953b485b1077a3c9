//! Time and Clock (TPM 2.0 Part 1 §36; Part 3 §29), as libtpms keeps them.
//!
//! Three values: the platform timer (milliseconds since _TPM_Init, running at a rate that
//! TPM2_ClockRateAdjust can nudge within ±1/6 of nominal), `time` (what TPMS_TIME_INFO
//! reports: the timer at the start of the current command) and `clock` (milliseconds of TPM
//! operation over the TPM's life, kept in the permanent state, only ever moved forward).
//! libtpms parity: `Clock.c` `_plat__TimerRead` and `_plat__ClockAdjustRate`, `Time.c`
//! `TimeUpdate` and `TimeClockUpdate`.

/// Ticks per millisecond at the nominal rate (libtpms `PlatformClock.h` CLOCK_NOMINAL).
pub const CLOCK_NOMINAL: u32 = 30000;
/// One TPM_CLOCK_COARSE_* step (CLOCK_ADJUST_COARSE).
pub const CLOCK_ADJUST_COARSE: u32 = 300;
/// One TPM_CLOCK_MEDIUM_* step (CLOCK_ADJUST_MEDIUM).
pub const CLOCK_ADJUST_MEDIUM: u32 = 30;
/// One TPM_CLOCK_FINE_* step (CLOCK_ADJUST_FINE).
pub const CLOCK_ADJUST_FINE: u32 = 1;
/// How far the rate may move from nominal (CLOCK_ADJUST_LIMIT).
pub const CLOCK_ADJUST_LIMIT: u32 = 5000;
/// The clock is "safe" (written to the permanent state) at least every 2^12 ms
/// (libtpms `TpmProfile.h` NV_CLOCK_UPDATE_INTERVAL).
pub const NV_CLOCK_UPDATE_INTERVAL: u32 = 12;

/// The platform timer: real milliseconds scaled by the adjustable rate.
#[derive(Clone, Debug)]
pub struct Timer {
    adjust_rate: u32,
    tpm_time: u64,
    /// Real time already converted into `tpm_time`.
    real_previous: u64,
    /// Real time at power on.
    origin: Option<u64>,
}

impl Default for Timer {
    fn default() -> Self {
        Timer {
            adjust_rate: CLOCK_NOMINAL,
            tpm_time: 0,
            real_previous: 0,
            origin: None,
        }
    }
}

impl Timer {
    /// Power on: the timer restarts at 0 at nominal rate (`_plat__TimerReset`).
    pub fn reset(&mut self) {
        *self = Timer::default();
    }

    /// The timer at real time `real_ms` (`_plat__TimerRead`).
    pub fn read(&mut self, real_ms: u64) -> u64 {
        let origin = *self.origin.get_or_insert(real_ms);
        let now = real_ms.saturating_sub(origin);
        if self.real_previous >= now {
            return self.tpm_time;
        }
        let diff = u128::from(now - self.real_previous);
        let rate = u128::from(self.adjust_rate.max(1));
        let adjusted = diff * u128::from(CLOCK_NOMINAL) / rate;
        self.tpm_time = self
            .tpm_time
            .saturating_add(u64::try_from(adjusted).unwrap_or(u64::MAX));
        let readjusted = adjusted * rate / u128::from(CLOCK_NOMINAL);
        self.real_previous = self
            .real_previous
            .saturating_add(u64::try_from(readjusted).unwrap_or(u64::MAX));
        self.tpm_time
    }

    /// Apply one TPM_CLOCK_ADJUST step (TPM 2.0 Part 3 §29.3 TPM2_ClockRateAdjust):
    /// positive `slower` steps make the clock slower, negative faster; the rate stays within
    /// nominal ± CLOCK_ADJUST_LIMIT.
    pub fn adjust(&mut self, step: i32) {
        let rate = i64::from(self.adjust_rate) + i64::from(step);
        let lo = i64::from(CLOCK_NOMINAL - CLOCK_ADJUST_LIMIT);
        let hi = i64::from(CLOCK_NOMINAL + CLOCK_ADJUST_LIMIT);
        self.adjust_rate = u32::try_from(rate.clamp(lo, hi)).unwrap_or(CLOCK_NOMINAL);
    }

    /// The current rate in ticks per millisecond.
    pub fn rate(&self) -> u32 {
        self.adjust_rate
    }
}

/// True when moving the clock from `old` to `new` crosses an NV update interval, so that the
/// new value must be made durable (and the clock becomes "safe"). libtpms `TimeClockUpdate`.
pub fn crosses_update_interval(old: u64, new: u64) -> bool {
    let mask = (1u64 << NV_CLOCK_UPDATE_INTERVAL) - 1;
    (new | mask) > (old | mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nominal_rate_tracks_real_time() {
        let mut t = Timer::default();
        assert_eq!(t.read(1000), 0);
        assert_eq!(t.read(1500), 500);
        assert_eq!(t.read(1400), 500, "never goes back");
        assert_eq!(t.read(2500), 1500);
    }

    #[test]
    fn slower_rate_runs_slower_and_is_bounded() {
        let mut t = Timer::default();
        t.read(0);
        for _ in 0..100 {
            t.adjust(CLOCK_ADJUST_COARSE as i32);
        }
        assert_eq!(t.rate(), CLOCK_NOMINAL + CLOCK_ADJUST_LIMIT);
        // 35000 ticks per ms: 7000 real ms are 6000 TPM ms.
        assert_eq!(t.read(7000), 6000);
        for _ in 0..100 {
            t.adjust(-(CLOCK_ADJUST_COARSE as i32));
        }
        assert_eq!(t.rate(), CLOCK_NOMINAL - CLOCK_ADJUST_LIMIT);
    }

    #[test]
    fn update_interval() {
        assert!(!crosses_update_interval(0, 4095));
        assert!(crosses_update_interval(0, 4096));
        assert!(crosses_update_interval(4095, 4096));
        assert!(!crosses_update_interval(4096, 8191));
    }
}
