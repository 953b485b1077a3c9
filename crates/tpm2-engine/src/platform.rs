//! What the engine asks of the machine it runs on: a millisecond clock and entropy.
//!
//! The engine never reads a clock or the OS RNG itself; it gets a [`Platform`]. The daemon
//! gives it [`StdPlatform`]; tests give it [`ManualPlatform`], whose clock they move by hand and
//! whose entropy is a fixed stream, so that every run is reproducible.

/// The machine under the engine (the `_plat__` functions of the reference implementation).
pub trait Platform {
    /// Milliseconds since an arbitrary origin; never decreases.
    fn monotonic_ms(&mut self) -> u64;

    /// Fill `out` with entropy for the DRBG. `false` when none can be had.
    fn entropy(&mut self, out: &mut [u8]) -> bool;
}

/// The real machine: the monotonic clock of the process and the OS random source.
#[derive(Debug)]
pub struct StdPlatform {
    origin: std::time::Instant,
}

impl StdPlatform {
    /// A platform whose clock starts now.
    pub fn new() -> Self {
        StdPlatform {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for StdPlatform {
    fn default() -> Self {
        Self::new()
    }
}

impl Platform for StdPlatform {
    fn monotonic_ms(&mut self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn entropy(&mut self, out: &mut [u8]) -> bool {
        getrandom::fill(out).is_ok()
    }
}

/// A platform for tests: time moves only when told; entropy is a counter-based stream.
#[derive(Debug, Clone, Default)]
pub struct ManualPlatform {
    /// The current time in milliseconds.
    pub now_ms: u64,
    counter: u64,
    /// When set, `entropy` fails (to test the engine's reaction).
    pub entropy_fails: bool,
}

impl ManualPlatform {
    /// A platform at time 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move time forward.
    pub fn advance(&mut self, ms: u64) {
        self.now_ms = self.now_ms.saturating_add(ms);
    }
}

impl Platform for ManualPlatform {
    fn monotonic_ms(&mut self) -> u64 {
        self.now_ms
    }

    fn entropy(&mut self, out: &mut [u8]) -> bool {
        if self.entropy_fails {
            return false;
        }
        for chunk in out.chunks_mut(8) {
            self.counter = self.counter.wrapping_add(1);
            let bytes = self
                .counter
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .to_be_bytes();
            for (d, s) in chunk.iter_mut().zip(bytes.iter()) {
                *d = *s;
            }
        }
        true
    }
}

impl<P: Platform + ?Sized> Platform for Box<P> {
    fn monotonic_ms(&mut self) -> u64 {
        (**self).monotonic_ms()
    }

    fn entropy(&mut self, out: &mut [u8]) -> bool {
        (**self).entropy(out)
    }
}
