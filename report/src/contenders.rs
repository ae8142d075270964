//! The rows of every table: the floor, the peers, every slot class, and
//! the strategies, each running a workload's calls its own way.

use std::future::Future;
use std::mem::size_of;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use stackfuture::StackFuture;
use stackslot::{Slot, Stats, strategy};

use crate::handlers::Fleet;
use crate::workloads::Call;

/// What one run of a workload's calls gives back.
pub struct Outcome {
    /// The sum of the calls' outputs, so no call can be optimized away.
    pub checksum: u64,
    /// The slot's counters, for rows that lend a slot.
    pub stats: Option<Stats>,
}

/// One row of a table.
pub trait Contender {
    fn name(&self) -> String;
    /// Bytes the caller reserves for the callee's future.
    fn stack_bytes(&self) -> usize;
    /// Makes every call, in order.
    fn run(&mut self, calls: &[Call]) -> Outcome;
    /// The share of calls whose future did not go to the heap, when the
    /// row has no slot statistics; `None` where it means nothing.
    fn inline_ratio(&self, _allocations_per_call: f64) -> Option<f64> {
        None
    }
}

/// Polls `future` to completion with a waker that does nothing: every
/// workload future completes without waiting.
#[inline(always)]
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// The floor: a synchronous dyn call doing the same work.
pub struct Floor(pub Fleet);

impl Contender for Floor {
    fn name(&self) -> String {
        "floor: sync dyn call".into()
    }
    fn stack_bytes(&self) -> usize {
        0
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut checksum = 0u64;
        for call in calls {
            checksum = checksum.wrapping_add(self.0.get(call.kind).call_sync(call.req));
        }
        Outcome {
            checksum,
            stats: None,
        }
    }
}

/// `Box::pin` per call, as `async-trait` does.
pub struct BoxPerCall(pub Fleet);

impl Contender for BoxPerCall {
    fn name(&self) -> String {
        "Box per call (async-trait)".into()
    }
    fn stack_bytes(&self) -> usize {
        size_of::<Pin<Box<dyn Future<Output = u64> + Send>>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut checksum = 0u64;
        for call in calls {
            let future = self.0.get(call.kind).call_boxed(call.req);
            checksum = checksum.wrapping_add(block_on(future));
        }
        Outcome {
            checksum,
            stats: None,
        }
    }
    fn inline_ratio(&self, _: f64) -> Option<f64> {
        Some(0.0)
    }
}

/// `StackFuture<N>::from_or_box`: `N` bytes returned by value.
pub struct StackFutureRow<const N: usize>(pub Fleet);

impl<const N: usize> Contender for StackFutureRow<N> {
    fn name(&self) -> String {
        format!("StackFuture<{N}>::from_or_box")
    }
    fn stack_bytes(&self) -> usize {
        size_of::<StackFuture<'static, u64, N>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut checksum = 0u64;
        for call in calls {
            let handler = self.0.get(call.kind);
            let output = match N {
                256 => block_on(handler.call_stack_256(call.req)),
                4096 => block_on(handler.call_stack_4k(call.req)),
                _ => unreachable!("the handlers return StackFuture<256> or <4096>"),
            };
            checksum = checksum.wrapping_add(output);
        }
        Outcome {
            checksum,
            stats: None,
        }
    }
    fn inline_ratio(&self, allocations_per_call: f64) -> Option<f64> {
        Some(1.0 - allocations_per_call)
    }
}

/// `stackslot`: a `Slot<N>` on the caller's stack, lent with `or_box` to
/// every call of the run.
pub struct SlotRow<const N: usize> {
    pub label: String,
    pub fleet: Fleet,
}

impl<const N: usize> SlotRow<N> {
    /// The plain implementors, through a `Slot<N>`.
    pub fn plain() -> Self {
        SlotRow {
            label: format!("stackslot Slot<{N}>"),
            fleet: Fleet::plain(),
        }
    }
}

impl<const N: usize> Contender for SlotRow<N> {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn stack_bytes(&self) -> usize {
        size_of::<Slot<N>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut slot = pin!(Slot::<N>::new());
        let mut checksum = 0u64;
        for call in calls {
            let future = self
                .fleet
                .get_mut(call.kind)
                .call(slot.as_mut().or_box(), call.req);
            checksum = checksum.wrapping_add(block_on(future));
        }
        Outcome {
            checksum,
            stats: Some(slot.stats()),
        }
    }
}

/// Row indices of the references the ratios are taken against.
pub const FLOOR: usize = 0;
pub const BOX_PER_CALL: usize = 1;
pub const STACKFUTURE_4K: usize = 3;

/// Every row of a table, the references first (see [`FLOOR`] and friends).
pub fn all() -> Vec<Box<dyn Contender>> {
    let mut rows: Vec<Box<dyn Contender>> = vec![
        Box::new(Floor(Fleet::plain())),
        Box::new(BoxPerCall(Fleet::plain())),
        Box::new(StackFutureRow::<256>(Fleet::plain())),
        Box::new(StackFutureRow::<4096>(Fleet::plain())),
        Box::new(SlotRow::<64>::plain()),
        Box::new(SlotRow::<128>::plain()),
        Box::new(SlotRow::<256>::plain()),
        Box::new(SlotRow::<512>::plain()),
        Box::new(SlotRow::<1024>::plain()),
        Box::new(SlotRow::<2048>::plain()),
        Box::new(SlotRow::<4096>::plain()),
    ];
    rows.extend(strategies());
    rows
}

/// The rows of the callee-side strategies of `src/strategy/`: each wraps
/// every implementor in an `Adapter` with the strategy and is called
/// through a `Slot<256>`. Add one entry per strategy `S` (it needs
/// `S: Strategy + Default + Sync + 'static`).
fn strategies() -> Vec<Box<dyn Contender>> {
    vec![
        Box::new(SlotRow::<256> {
            label: "strategy Boxing, Slot<256>".into(),
            fleet: Fleet::adapted::<strategy::Boxing>(),
        }),
        Box::new(SlotRow::<256> {
            label: "strategy CachedBox, Slot<256>".into(),
            fleet: Fleet::adapted::<strategy::CachedBox>(),
        }),
        Box::new(SlotRow::<256> {
            label: "strategy Inline<512>, Slot<256>".into(),
            fleet: Fleet::adapted::<strategy::Inline<512>>(),
        }),
        Box::new(SlotRow::<256> {
            // Align64: one implementor's future is 64-byte aligned, and a
            // stack-only strategy that cannot hold it does not build.
            label: "strategy StackOnly<8192, Align64>, Slot<256>".into(),
            fleet: Fleet::adapted::<strategy::StackOnly<8192, stackslot::Align64>>(),
        }),
    ]
}

/// The slot classes the chart plots: the rows named `stackslot Slot<N>`.
pub fn slot_class(name: &str) -> Option<usize> {
    name.strip_prefix("stackslot Slot<")?
        .strip_suffix('>')?
        .parse()
        .ok()
}
