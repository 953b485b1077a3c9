//! Clock commands (TPM 2.0 Part 3 §29; libtpms `ClockCommands.c`).

use tpm2_types::{TpmClockAdjust, TpmRc, TpmiYesNo};

use crate::clock::{CLOCK_ADJUST_COARSE, CLOCK_ADJUST_FINE, CLOCK_ADJUST_MEDIUM};
use crate::exec::Ctx;
use crate::tpm::Tpm2;

/// TPM 2.0 Part 3 §29.1 TPM2_ReadClock: TPMS_TIME_INFO.
pub(crate) fn read_clock(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let (clock, reset_count, restart_count, safe) = tpm.clock_info();
    ctx.write(&tpm.rt.time);
    ctx.write(&clock);
    ctx.write(&reset_count);
    ctx.write(&restart_count);
    ctx.write(&TpmiYesNo(safe));
    Ok(())
}

/// TPM 2.0 Part 3 §29.2 TPM2_ClockSet: Clock may only move forward, and not past
/// 0xFFFF000000000000.
///
/// # Errors
/// TPM_RC_VALUE (parameter 1) for a time before the current Clock or too large.
pub(crate) fn clock_set(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let new_time: u64 = ctx.param()?;
    ctx.end()?;
    if new_time > 0xFFFF_0000_0000_0000 || new_time < tpm.perm.clock {
        return Err(TpmRc::VALUE.parameter(1));
    }
    tpm.clock_update(new_time);
    tpm.mark_permanent_dirty();
    Ok(())
}

/// TPM 2.0 Part 3 §29.3 TPM2_ClockRateAdjust.
pub(crate) fn clock_rate_adjust(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let adjust: TpmClockAdjust = ctx.param()?;
    ctx.end()?;
    let coarse = CLOCK_ADJUST_COARSE as i32;
    let medium = CLOCK_ADJUST_MEDIUM as i32;
    let fine = CLOCK_ADJUST_FINE as i32;
    let step = match adjust.0 {
        -3 => -coarse,
        -2 => -medium,
        -1 => -fine,
        0 => 0,
        1 => fine,
        2 => medium,
        3 => coarse,
        _ => return Err(TpmRc::VALUE.parameter(1)),
    };
    // TPM_CLOCK_*_SLOWER (positive) raises the ticks per millisecond.
    tpm.rt.timer.adjust(step);
    Ok(())
}
