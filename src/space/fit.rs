//! Whether a future fits a space, and why not: the one rule that every
//! space, the counters and the overflow error share.

/// Why a future did not fit the caller's space.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{FallbackReason, Slot};
///
/// let mut slot = pin!(Slot::<16>::new());
/// let bytes = [0u8; 32];
/// let err = slot.as_mut().stack_only().try_emplace(async move { bytes.len() }).unwrap_err();
/// assert_eq!(err.reason(), FallbackReason::Size);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FallbackReason {
    /// The scratch had no space at all ([`Scratch::boxed`](crate::Scratch::boxed)).
    NoSpace,
    /// The future is larger than the space.
    Size,
    /// The future is small enough but more aligned than the space.
    Alignment,
}

/// Why `size` bytes aligned to `align` do not fit `capacity` bytes aligned
/// to `space_align` (`None` when they fit): the size first, as
/// [`Stats`](crate::Stats) documents for a future that fails both.
#[inline]
pub(crate) fn misfit(
    size: usize,
    align: usize,
    capacity: usize,
    space_align: usize,
) -> Option<FallbackReason> {
    if size > capacity {
        Some(FallbackReason::Size)
    } else if align > space_align {
        Some(FallbackReason::Alignment)
    } else {
        None
    }
}
