//! `#[dyn_trait(crate = path)]`: the generated code names `stackslot`
//! through the given path, for a renamed or re-exported dependency. (The
//! macros crate's unit tests check that no `::stackslot` path is left.)
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::pin::pin;

use common::run;
use traits::{DynPing, PingWithSlot};

/// `stackslot`, re-exported under another name, as a facade crate would.
mod facade {
    pub use stackslot::*;
}

mod traits {
    /// Answers pings.
    #[stackslot::dyn_trait(Send, crate = crate::facade)]
    pub trait Ping: Sync {
        /// Answers `n` with `n + 1`.
        async fn ping(&self, n: u8) -> u8;
    }
}

struct Pong;

impl traits::Ping for Pong {
    async fn ping(&self, n: u8) -> u8 {
        n + 1
    }
}

#[test]
fn generated_code_uses_the_given_path() {
    let ping: &dyn DynPing = &Pong;
    let mut slot = pin!(facade::Slot::<64>::new());
    let fut: facade::SlotFuture<'_, u8> = ping.ping(slot.as_mut().or_box(), 1);
    assert_eq!(run(&mut { fut }, 1), 2);
    let adapter = facade::BoxingAdapter::new(Pong);
    let mut wrapper = PingWithSlot::new(&adapter as &dyn DynPing, slot.as_mut());
    assert_eq!(run(&mut wrapper.ping(41), 1), 42);
    assert_eq!(wrapper.slot.stats().hits(), 2);
}
