//! The commands of TPM 2.0 Part 3 §34 Vendor Specific (rev 1.59): request and response handles and parameters.

use crate::Tpm2bData;
#[allow(unused_imports)]
use crate::TpmHandle;

command! {
    VendorTcgTest = VENDOR_TCG_TEST, "TPM2_Vendor_TCG_Test", "§34.2";
    handles VendorTcgTestHandles {}
    in VendorTcgTestIn {
        input_data: Tpm2bData,
    }
    rsp_handles VendorTcgTestRspHandles {}
    out VendorTcgTestOut {
        output_data: Tpm2bData,
    }
}
