//! What a caller lends: the [`Scratch`] and its packed word (capacity,
//! alignment, fallback tag), the header of a space, whether a future fits
//! and what happens when it does not, the counters, and the alignment
//! markers.

mod align;
mod counting;
mod fit;
mod header;
mod info;
mod overflow;
mod scratch;
mod stats;

pub use align::{
    Align16, Align32, Align64, Align128, Align256, Align512, Align1024, Align2048, Align4096,
    Alignment,
};
pub use counting::{Counting, NoStats, WithStats};
pub use fit::FallbackReason;
pub(crate) use fit::misfit;
pub(crate) use header::{CountedHeader, Header, Link};
#[cfg(feature = "alloc")]
pub(crate) use info::MIN_SPACE_ALIGN;
pub(crate) use info::{Fallback, MAX_CAPACITY, SpaceInfo};
pub use overflow::Overflow;
pub(crate) use overflow::stack_only_overflow;
pub use scratch::Scratch;
#[cfg(feature = "profile")]
pub(crate) use stats::{BUCKETS, bucket};
pub use stats::{SIZE_CLASSES, Stats};
