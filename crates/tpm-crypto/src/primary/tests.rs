//! Unit tests of the primary-key derivation.
