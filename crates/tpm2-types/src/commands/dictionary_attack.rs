//! The commands of TPM 2.0 Part 3 §25 Dictionary Attack Functions (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;

command! {
    DictionaryAttackLockReset = DICTIONARY_ATTACK_LOCK_RESET, "TPM2_DictionaryAttackLockReset", "§25.2";
    handles DictionaryAttackLockResetHandles { lock_handle }
    in DictionaryAttackLockResetIn {}
    rsp_handles DictionaryAttackLockResetRspHandles {}
    out DictionaryAttackLockResetOut {}
}

command! {
    DictionaryAttackParameters = DICTIONARY_ATTACK_PARAMETERS, "TPM2_DictionaryAttackParameters", "§25.3";
    handles DictionaryAttackParametersHandles { lock_handle }
    in DictionaryAttackParametersIn {
        new_max_tries: u32,
        new_recovery_time: u32,
        lockout_recovery: u32,
    }
    rsp_handles DictionaryAttackParametersRspHandles {}
    out DictionaryAttackParametersOut {}
}
