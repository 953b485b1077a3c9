//! The commands of TPM 2.0 Part 3 §16 Random Number Generator (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bDigest, Tpm2bSensitiveData};

command! {
    GetRandom = GET_RANDOM, "TPM2_GetRandom", "§16.1";
    handles GetRandomHandles {}
    in GetRandomIn {
        bytes_requested: u16,
    }
    rsp_handles GetRandomRspHandles {}
    out GetRandomOut {
        random_bytes: Tpm2bDigest,
    }
}

command! {
    StirRandom = STIR_RANDOM, "TPM2_StirRandom", "§16.2";
    handles StirRandomHandles {}
    in StirRandomIn {
        in_data: Tpm2bSensitiveData,
    }
    rsp_handles StirRandomRspHandles {}
    out StirRandomOut {}
}
