//! Support for the property tests: the test-future family and its catalogue,
//! the slot classes, the storages of a case, the scratch kinds, a rig that
//! drives the storages through a case, the reference the properties compare
//! with, and the strategies.

pub mod alloc;
pub mod catalogue;
pub mod expect;
pub mod family;
pub mod kinds;
pub mod life;
pub mod quiet;
pub mod registry;
pub mod rig;
pub mod slots;
pub mod span;
pub mod storage;
pub mod strategies;

use proptest::test_runner::Config;

/// Cases per property: 2048 natively, 24 under Miri. `PROPTEST_CASES`
/// overrides both.
pub const CASES: u32 = if cfg!(miri) { 24 } else { 2048 };

/// The configuration of every property: no failure persistence (no files,
/// which Miri's isolation forbids; a failure prints its minimal case
/// instead) and no forking (the `fork` feature is off).
pub fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    }
}
