//! The commands of TPM 2.0 Part 3 §27 Field Upgrade (rev 1.59): request and response handles and parameters.

#[allow(unused_imports)]
use crate::TpmHandle;
use crate::{Tpm2bDigest, Tpm2bMaxBuffer, TpmtHa, TpmtSignature};

command! {
    FieldUpgradeStart = FIELD_UPGRADE_START, "TPM2_FieldUpgradeStart", "§27.2";
    handles FieldUpgradeStartHandles { authorization, key_handle }
    in FieldUpgradeStartIn {
        fu_digest: Tpm2bDigest,
        manifest_signature: TpmtSignature,
    }
    rsp_handles FieldUpgradeStartRspHandles {}
    out FieldUpgradeStartOut {}
}

command! {
    FieldUpgradeData = FIELD_UPGRADE_DATA, "TPM2_FieldUpgradeData", "§27.3";
    handles FieldUpgradeDataHandles {}
    in FieldUpgradeDataIn {
        fu_data: Tpm2bMaxBuffer,
    }
    rsp_handles FieldUpgradeDataRspHandles {}
    out FieldUpgradeDataOut {
        next_digest: TpmtHa<true>,
        first_digest: TpmtHa,
    }
}

command! {
    FirmwareRead = FIRMWARE_READ, "TPM2_FirmwareRead", "§27.4";
    handles FirmwareReadHandles {}
    in FirmwareReadIn {
        sequence_number: u32,
    }
    rsp_handles FirmwareReadRspHandles {}
    out FirmwareReadOut {
        fu_data: Tpm2bMaxBuffer,
    }
}
