//! Self-test commands (TPM 2.0 Part 3 §10; libtpms `TestingCommands.c`, `CryptSelfTest.c`).
//!
//! The TPM keeps the set of algorithms not yet tested; TPM2_SelfTest(fullTest=YES) tests all,
//! with NO only the untested; TPM2_IncrementalSelfTest tests those listed and returns what is
//! left. The tests are the known-answer tests of [`crate::selftest`].

use tpm2_types::{TpmAlgId, TpmRc, TpmiYesNo, TpmlAlg, TpmtPublicParms};

use crate::exec::Ctx;
use crate::selftest;
use crate::tpm::Tpm2;

/// TPM 2.0 Part 3 §10.2 TPM2_SelfTest.
pub(crate) fn self_test(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let full: TpmiYesNo = ctx.param()?;
    ctx.end()?;
    let list: Vec<u16> = if full.0 {
        selftest::TESTED_ALGS.to_vec()
    } else {
        tpm.rt.untested().collect()
    };
    tpm.run_self_tests(&list)
}

/// TPM 2.0 Part 3 §10.3 TPM2_IncrementalSelfTest.
///
/// # Errors
/// TPM_RC_VALUE (parameter 1) for an algorithm the TPM does not implement.
pub(crate) fn incremental_self_test(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let to_test: TpmlAlg = ctx.param()?;
    ctx.end()?;
    let mut list = Vec::with_capacity(to_test.len());
    for alg in to_test.iter() {
        if !crate::cmd::capability::implemented_alg(*alg) {
            return Err(TpmRc::VALUE.parameter(1));
        }
        list.push(alg.0);
    }
    tpm.run_self_tests(&list)?;
    let left: Vec<TpmAlgId> = tpm.rt.untested().map(TpmAlgId).collect();
    ctx.write(&TpmlAlg::from_vec(left).map_err(|_| TpmRc::FAILURE)?);
    Ok(())
}

/// TPM 2.0 Part 3 §10.4 TPM2_GetTestResult: no vendor data; success unless in failure mode
/// (failure mode answers this command itself).
pub(crate) fn get_test_result(_tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    ctx.write(&0u16);
    ctx.write(&0u32);
    Ok(())
}

impl Tpm2 {
    /// Run the known-answer tests of `algs`; a failure is failure mode (Part 1 §12).
    fn run_self_tests(&mut self, algs: &[u16]) -> Result<(), TpmRc> {
        for &alg in algs {
            if !selftest::test_algorithm(alg) {
                return Err(self.fail("cryptographic self-test failed"));
            }
            self.rt.mark_tested(alg);
        }
        Ok(())
    }
}

/// TPM 2.0 Part 3 §30.3 TPM2_TestParms: the parameters are checked while
/// they are unmarshalled, against what this TPM implements (libtpms parity: the command action
/// itself does nothing). An unsupported algorithm, key size, scheme or curve gets the response
/// code of the TPMI type that rejects it, numbered parameter 1.
pub(crate) fn test_parms(_tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.profile = crate::algorithms::PROFILE;
    let _parms: TpmtPublicParms = ctx.param()?;
    ctx.end()
}
