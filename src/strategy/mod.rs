//! The callee-side strategies of the design space, each a [`Strategy`] for
//! an [`Adapter`](crate::Adapter).
//!
//! | strategy | adapter | a future that does not fit the caller's space |
//! | --- | --- | --- |
//! | [`Boxing`] | [`crate::Boxing`] | falls back as the caller's scratch allows (the heap under `or_box`) |

mod boxing;

pub use boxing::Boxing;

#[cfg(doc)]
use crate::Strategy;
