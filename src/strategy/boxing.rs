//! [`Boxing`]: the proposal's default strategy, spelled out.

use crate::strategy::Strategy;

/// Uses the caller's space when the future fits it, and otherwise falls back
/// as the caller's scratch allows: to the heap under
/// [`or_box`](crate::Slot::or_box) and [`Scratch::boxed`](crate::Scratch::boxed), to a panic under
/// [`stack_only`](crate::Slot::stack_only).
///
/// This is what a plain implementor does through the `dyn_trait` macro's
/// blanket impl; wrapping it in [`crate::BoxingAdapter`] names the choice, so that
/// switching to another strategy later is a one-word change where the dyn
/// object is made.
///
/// Cost: one allocation per call that does not fit; no state.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Slot, Strategy, strategy::Boxing};
///
/// let mut slot = pin!(Slot::<64>::new());
/// # #[cfg(feature = "alloc")] {
/// let fut = Boxing.emplace_shared(slot.as_mut().or_box(), async { 1 });
/// assert!(fut.is_inline());
/// # drop(fut);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Boxing;

impl Strategy for Boxing {}
