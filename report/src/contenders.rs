//! The rows of every table: the references, the peers, every slot class,
//! and the strategies, each running a workload's calls its own way. A row
//! is one entry of [`all`].

use std::future::Future;
use std::mem::size_of;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use stackfuture::StackFuture;
use stackslot::{Slot, Stats, Strategy, strategy};

use crate::handlers::Fleet;
use crate::peers;
use crate::workloads::Call;

/// What one run of a workload's calls gives back.
pub struct Outcome {
    /// The sum of the calls' outputs, so no call can be optimized away.
    pub checksum: u64,
    /// The slot's counters, for rows that lend a slot.
    pub stats: Option<Stats>,
}

impl Outcome {
    /// The outcome of a row without a slot.
    pub fn unslotted(checksum: u64) -> Self {
        Outcome {
            checksum,
            stats: None,
        }
    }
}

/// The rows the ratios are taken against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// A synchronous dyn call doing the same work.
    Floor,
    /// `Box::pin` per call.
    BoxPerCall,
    /// `StackFuture<4096>::from_or_box`.
    StackFuture4K,
}

/// One row of a table.
pub trait Contender {
    fn name(&self) -> String;
    /// Which reference this row is, if it is one.
    fn reference(&self) -> Option<Reference> {
        None
    }
    /// `N` for the rows of plain `Slot<N>` calls: the points of the chart's
    /// lines, one line per workload. Rows of another convention per slot
    /// class leave it `None`, or the chart would join them to those lines.
    fn slot_class(&self) -> Option<usize> {
        None
    }
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

/// Polls `future` to completion with a waker that does nothing, polling
/// again at once after `Pending`: a workload future that is pending has
/// already woken its task.
#[inline(always)]
pub fn block_on<F: Future>(future: F) -> F::Output {
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
    fn reference(&self) -> Option<Reference> {
        Some(Reference::Floor)
    }
    fn stack_bytes(&self) -> usize {
        0
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut checksum = 0u64;
        for call in calls {
            checksum = checksum.wrapping_add(self.0.get(call.kind).call_sync(call.req));
        }
        Outcome::unslotted(checksum)
    }
}

/// `Box::pin` per call, as `async-trait` does.
pub struct BoxPerCall(pub Fleet);

impl Contender for BoxPerCall {
    fn name(&self) -> String {
        "Box per call (async-trait)".into()
    }
    fn reference(&self) -> Option<Reference> {
        Some(Reference::BoxPerCall)
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
        Outcome::unslotted(checksum)
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
    fn reference(&self) -> Option<Reference> {
        (N == 4096).then_some(Reference::StackFuture4K)
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
        Outcome::unslotted(checksum)
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
    /// Whether the row is a plain slot class, drawn as a chart line.
    pub class_row: bool,
    /// Whether each call goes through the eagerly polled `Slot::call`,
    /// whose callee polls a future ready at once itself.
    pub eager: bool,
}

impl<const N: usize> SlotRow<N> {
    /// The plain implementors, through a `Slot<N>`.
    pub fn plain() -> Self {
        SlotRow {
            label: format!("stackslot Slot<{N}>"),
            fleet: Fleet::plain(),
            class_row: true,
            eager: false,
        }
    }

    /// The plain implementors, through `Slot<N>::call`.
    pub fn call() -> Self {
        SlotRow {
            label: format!("stackslot Slot<{N}>::call"),
            fleet: Fleet::plain(),
            class_row: false,
            eager: true,
        }
    }
}

impl<const N: usize> Contender for SlotRow<N> {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn slot_class(&self) -> Option<usize> {
        self.class_row.then_some(N)
    }
    fn stack_bytes(&self) -> usize {
        size_of::<Slot<N>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut slot = pin!(Slot::<N>::new());
        let mut checksum = 0u64;
        // One loop per way of calling: no branch inside the measured calls.
        if self.eager {
            for call in calls {
                let handler = self.fleet.get_mut(call.kind);
                let output = block_on(slot.as_mut().call(|s| handler.call(s, call.req)));
                checksum = checksum.wrapping_add(output);
            }
        } else {
            for call in calls {
                let handler = self.fleet.get_mut(call.kind);
                let output = block_on(handler.call(slot.as_mut().or_box(), call.req));
                checksum = checksum.wrapping_add(output);
            }
        }
        Outcome {
            checksum,
            stats: Some(slot.stats()),
        }
    }
}

/// Every row of a table, in the order printed. A new row is one entry in
/// one of these groups.
pub fn all() -> Vec<Box<dyn Contender>> {
    let mut rows: Vec<Box<dyn Contender>> = vec![
        Box::new(Floor(Fleet::plain())),
        Box::new(BoxPerCall(Fleet::plain())),
        Box::new(StackFutureRow::<256>(Fleet::plain())),
        Box::new(StackFutureRow::<4096>(Fleet::plain())),
    ];
    rows.extend(peers::all());
    rows.extend([
        Box::new(SlotRow::<64>::plain()) as Box<dyn Contender>,
        Box::new(SlotRow::<128>::plain()),
        Box::new(SlotRow::<256>::plain()),
        Box::new(SlotRow::<512>::plain()),
        Box::new(SlotRow::<1024>::plain()),
        Box::new(SlotRow::<2048>::plain()),
        Box::new(SlotRow::<4096>::plain()),
    ]);
    // The eagerly polled `Slot::call`, next to the plain rows (not chart
    // lines: `slot_class` is `None`).
    rows.extend([
        Box::new(SlotRow::<64>::call()) as Box<dyn Contender>,
        Box::new(SlotRow::<4096>::call()),
    ]);
    rows.extend(strategies());
    rows
}

/// The rows of the callee-side strategies of `src/strategy/`: each wraps
/// every implementor in an `Adapter` with the strategy and is called
/// through a `Slot<256>`. Add one entry per strategy `S` (it needs
/// `S: Strategy + Default + Sync + 'static`).
fn strategies() -> Vec<Box<dyn Contender>> {
    vec![
        strategy_row::<strategy::Boxing>("Boxing"),
        strategy_row::<strategy::CachedBox>("CachedBox"),
        strategy_row::<strategy::Inline<512>>("Inline<512>"),
        // Align64: one implementor's future is 64-byte aligned, and a
        // stack-only strategy that cannot hold it does not build.
        strategy_row::<strategy::StackOnly<8192, stackslot::Align64>>("StackOnly<8192, Align64>"),
    ]
}

/// Every implementor adapted with strategy `S`, called through a
/// `Slot<256>`.
fn strategy_row<S: Strategy + Default + Sync + 'static>(name: &str) -> Box<dyn Contender> {
    Box::new(SlotRow::<256> {
        label: format!("strategy {name}, Slot<256>"),
        fleet: Fleet::adapted::<S>(),
        class_row: false,
        eager: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::Kind;
    use crate::workloads::WORKLOADS;

    /// The calls of the workload whose futures are all `kind`.
    fn calls_of(kind: Kind, n: usize) -> Vec<Call> {
        let workload = WORKLOADS
            .iter()
            .find(|w| w.mix == [(kind, 100)])
            .expect("a workload of that kind only");
        workload.calls(n)
    }

    #[test]
    fn every_row_completes_futures_pending_once_with_the_floors_outputs() {
        let calls = calls_of(Kind::TinyPendingOnce, 100);
        let mut rows = all();
        let floor = rows[0].run(&calls).checksum;
        for row in &mut rows[1..] {
            let outcome = row.run(&calls);
            assert_eq!(outcome.checksum, floor, "{}", row.name());
            // A slot counts each call's future once, however often it is
            // polled; an adapter with storage of its own offers it none.
            if let Some(stats) = outcome.stats.filter(|s| s.emplacements() > 0) {
                assert_eq!(stats.emplacements(), 100, "{}", row.name());
                assert_eq!(stats.hits(), 100, "{}", row.name());
            }
        }
    }
}
