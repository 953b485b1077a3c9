//! The commands of TPM 2.0 Part 3 §10 Testing (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bMaxBuffer, TpmiYesNo, TpmlAlg};

command! {
    SelfTest = SELF_TEST, "TPM2_SelfTest", "§10.2";
    handles SelfTestHandles {}
    in SelfTestIn {
        full_test: TpmiYesNo,
    }
    rsp_handles SelfTestRspHandles {}
    out SelfTestOut {}
}

command! {
    IncrementalSelfTest = INCREMENTAL_SELF_TEST, "TPM2_IncrementalSelfTest", "§10.3";
    handles IncrementalSelfTestHandles {}
    in IncrementalSelfTestIn {
        to_test: TpmlAlg,
    }
    rsp_handles IncrementalSelfTestRspHandles {}
    out IncrementalSelfTestOut {
        to_do_list: TpmlAlg,
    }
}

command! {
    GetTestResult = GET_TEST_RESULT, "TPM2_GetTestResult", "§10.4";
    handles GetTestResultHandles {}
    in GetTestResultIn {}
    rsp_handles GetTestResultRspHandles {}
    out GetTestResultOut {
        out_data: Tpm2bMaxBuffer,
        test_result: u32,
    }
}
