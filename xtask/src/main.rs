//! xtask: the project's jobs, run as `cargo xtask <job>`.
fn main() {}
