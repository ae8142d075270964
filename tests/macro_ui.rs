//! `#[dyn_trait]`'s error messages, the `on_unimplemented` note of the
//! generated trait, and what spawning its local futures reports, as snapshots
//! (`tests/ui/macro/*.stderr`; refresh with
//! `TRYBUILD=overwrite cargo test --test macro_ui`).
#![cfg(all(feature = "macros", feature = "alloc"))]

#[test]
#[cfg_attr(miri, ignore = "trybuild runs cargo")]
fn macro_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/macro/*.rs");
}
