//! TPM2_GetRandom and TPM2_StirRandom (TPM 2.0 Part 3 §16; libtpms `RandomCommands.c`).

use tpm2_types::{Tpm2bDigest, Tpm2bSensitiveData, TpmRc};

use crate::exec::Ctx;
use crate::tpm::Tpm2;

/// TPM 2.0 Part 3 §16.1 TPM2_GetRandom: at most the size of the largest digest (64 bytes).
pub(crate) fn get_random(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let requested: u16 = ctx.param()?;
    ctx.end()?;
    let n = usize::from(requested).min(64);
    let mut buf = [0u8; 64];
    let bytes = buf.get_mut(..n).ok_or(TpmRc::FAILURE)?;
    tpm.random(bytes)?;
    let out = Tpm2bDigest::new(bytes).map_err(|_| TpmRc::FAILURE)?;
    buf.fill(0);
    ctx.write(&out);
    Ok(())
}

/// TPM 2.0 Part 3 §16.2 TPM2_StirRandom: the input is additional data for the DRBG.
pub(crate) fn stir_random(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let data: Tpm2bSensitiveData = ctx.param()?;
    ctx.end()?;
    tpm.stir(data.expose())
}
