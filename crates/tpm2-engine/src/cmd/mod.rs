//! Command handlers, grouped like the chapters of TPM 2.0 Part 3. Each one first unmarshals
//! all its parameters (`ctx.param()`, then `ctx.end()`), then acts, so that a malformed
//! parameter is reported before any semantic check, as libtpms's dispatcher does.

pub(crate) mod audit;
pub(crate) mod capability;
pub(crate) mod clock;
pub(crate) mod hash;
pub(crate) mod hierarchy;
pub(crate) mod misc;
pub(crate) mod object;
pub(crate) mod pcr;
pub(crate) mod policy;
pub(crate) mod random;
pub(crate) mod session;
pub(crate) mod startup;
pub(crate) mod testing;
