//! What must not compile, with the compiler's messages as snapshots
//! (`tests/ui/fail/*.stderr`; refresh with `TRYBUILD=overwrite`).
#![cfg(feature = "alloc")]

#[test]
#[cfg_attr(miri, ignore = "trybuild runs cargo")]
fn ui() {
    let cases = trybuild::TestCases::new();
    // A passing case makes trybuild run `cargo build`, which also reports the
    // post-monomorphization errors of `Slot::place`.
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
