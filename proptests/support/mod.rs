//! Support for the property tests: the catalogue of test futures, the
//! storages of a case and their slot classes, the two axes of a placement
//! (lenders and placers), the contract a placement is checked against, a
//! rig that drives a case, and the strategies.

pub mod catalogue;
pub mod contract;
pub mod kinds;
pub mod rig;
pub mod storage;
pub mod strategies;

use proptest::test_runner::Config;

/// Cases per property: 2048 natively, 16 under Miri (where each case, over
/// every lender and placer, takes about as long as 24 did over the old
/// scratch kinds). `PROPTEST_CASES` overrides both.
pub const CASES: u32 = if cfg!(miri) { 16 } else { 2048 };

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
