//! Where futures live: the caller's [`Slot`], [`HeapSlot`] and [`SideStack`],
//! the [`Arena`] and heap blocks that fallbacks use.

#[cfg(feature = "bumpalo")]
mod arena;
mod call;
#[cfg(feature = "alloc")]
mod heap_block;
#[cfg(feature = "alloc")]
mod heap_slot;
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
mod side_stack;
mod slot;

#[cfg(feature = "bumpalo")]
pub use arena::Arena;
pub use call::SlotCall;
#[cfg(feature = "futures")]
pub(crate) use call::call_eagerly;
#[cfg(feature = "alloc")]
pub(crate) use heap_block::HeapBlock;
#[cfg(feature = "alloc")]
pub use heap_slot::HeapSlot;
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
pub(crate) use side_stack::Control as SideStackControl;
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
pub use side_stack::SideStack;
pub use slot::{Slot, Slot1K, Slot2K, Slot4K, Slot64, Slot128, Slot256, Slot512};
