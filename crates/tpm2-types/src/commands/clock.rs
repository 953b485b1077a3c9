//! The commands of TPM 2.0 Part 3 §29 Clocks and Timers (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{TpmClockAdjust, TpmsTimeInfo};

command! {
    ReadClock = READ_CLOCK, "TPM2_ReadClock", "§29.1";
    handles ReadClockHandles {}
    in ReadClockIn {}
    rsp_handles ReadClockRspHandles {}
    out ReadClockOut {
        current_time: TpmsTimeInfo,
    }
}

command! {
    ClockSet = CLOCK_SET, "TPM2_ClockSet", "§29.2";
    handles ClockSetHandles { auth }
    in ClockSetIn {
        new_time: u64,
    }
    rsp_handles ClockSetRspHandles {}
    out ClockSetOut {}
}

command! {
    ClockRateAdjust = CLOCK_RATE_ADJUST, "TPM2_ClockRateAdjust", "§29.3";
    handles ClockRateAdjustHandles { auth }
    in ClockRateAdjustIn {
        rate_adjust: TpmClockAdjust,
    }
    rsp_handles ClockRateAdjustRspHandles {}
    out ClockRateAdjustOut {}
}
