//! The sizes `Slot`'s documentation states, asserted at build time for
//! both header kinds (`WithStats`, the default, and `NoStats`), on 64-bit
//! and 32-bit targets, with and without the feature `profile` (which keeps
//! the lending site in every header).
//!
//! A slot is its header, then `N` bytes, rounded up to its alignment. The
//! header without counters is two words (who occupies the slot, what its
//! fallback needs); the counters add 88 bytes.

use stackslot::{Align16, Align64, NoStats, Slot};
use static_assertions::const_assert_eq;

use core::mem::size_of;

/// `Slot<0>`, `Slot<64>` and `Slot<64, Align64>` with counters, then the
/// same three without.
const SIZES: [usize; 6] = [
    size_of::<Slot<0>>(),
    size_of::<Slot<64>>(),
    size_of::<Slot<64, Align64>>(),
    size_of::<Slot<0, Align16, NoStats>>(),
    size_of::<Slot<64, Align16, NoStats>>(),
    size_of::<Slot<64, Align64, NoStats>>(),
];

#[cfg(all(target_pointer_width = "64", not(feature = "profile")))]
const EXPECTED: [usize; 6] = [112, 176, 192, 16, 80, 128];
#[cfg(all(target_pointer_width = "64", feature = "profile"))]
const EXPECTED: [usize; 6] = [128, 192, 192, 32, 96, 128];
#[cfg(all(target_pointer_width = "32", not(feature = "profile")))]
const EXPECTED: [usize; 6] = [96, 160, 192, 16, 80, 128];
#[cfg(all(target_pointer_width = "32", feature = "profile"))]
const EXPECTED: [usize; 6] = [112, 176, 192, 16, 80, 128];

const_assert_eq!(SIZES[0], EXPECTED[0]);
const_assert_eq!(SIZES[1], EXPECTED[1]);
const_assert_eq!(SIZES[2], EXPECTED[2]);
const_assert_eq!(SIZES[3], EXPECTED[3]);
const_assert_eq!(SIZES[4], EXPECTED[4]);
const_assert_eq!(SIZES[5], EXPECTED[5]);

// The header without counters, as the bytes a `Slot<0, Align16, NoStats>`
// has before any capacity: 16 on 64-bit targets (two words), without the
// feature `profile`.
#[cfg(all(target_pointer_width = "64", not(feature = "profile")))]
const_assert_eq!(
    size_of::<Slot<0, Align16, NoStats>>(),
    2 * size_of::<usize>()
);

#[test]
fn the_sizes_are_the_documented_ones() {
    // The build-time assertions above are the test; this names the figures
    // in the test output when they change.
    assert_eq!(SIZES, EXPECTED);
}

#[test]
fn a_future_of_exactly_the_capacity_fits_without_counters() {
    use core::pin::pin;
    let mut slot = pin!(Slot::<64, Align16, NoStats>::new());
    let bytes = [7u8; 63];
    let fut = slot
        .as_mut()
        .stack_only()
        .emplace(async move { bytes.iter().map(|&b| u32::from(b)).sum::<u32>() });
    assert!(fut.is_inline());
    let mut fut = pin!(fut);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    assert_eq!(fut.as_mut().poll(&mut cx), core::task::Poll::Ready(7 * 63));
}

#[test]
fn a_64_aligned_future_lands_aligned_without_counters() {
    use core::pin::pin;
    #[repr(align(64))]
    struct Aligned(u8);
    let mut slot = pin!(Slot::<128, Align64, NoStats>::new());
    let aligned = Aligned(5);
    let fut = slot.as_mut().stack_only().emplace(async move {
        let at = core::ptr::from_ref(&aligned).addr();
        (at % 64, aligned.0)
    });
    assert!(fut.is_inline());
    let mut fut = pin!(fut);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    assert_eq!(fut.as_mut().poll(&mut cx), core::task::Poll::Ready((0, 5)));
}
