//! Blocks, the bottom layer: the memory one future lives in, the record of
//! who occupies it, and the abort when a leaked occupant would be
//! overwritten or freed.

mod abort;
mod layout;
mod occupancy;

pub(crate) use abort::Event;
#[cfg(any(
    feature = "alloc",
    target_has_atomic = "8",
    feature = "portable-atomic"
))]
pub(crate) use layout::block_layout;
pub(crate) use layout::{BlockHeader, future_offset, occupancy};
pub(crate) use occupancy::{Occupancy, OccupantOf};
