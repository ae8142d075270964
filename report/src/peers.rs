//! The peers beyond `stackfuture`: each one's form of the handler's async
//! method, implemented for every [`Work`], and its row. One dyn call per
//! request, as in every other row.

use std::future::Future;
use std::mem::{MaybeUninit, size_of};
use std::pin::Pin;

use dynify::Dynify;
use smallbox::SmallBox;
use smallbox::space::S32;
use tokio_util::sync::ReusableBoxFuture;

use crate::contenders::{Contender, Outcome, block_on};
use crate::handlers::{Erase, Fleet, Work};
use crate::workloads::Call;

/// The peers' rows, in the order printed. A new peer is its trait, its
/// [`Erase`] and one entry here.
pub fn all() -> Vec<Box<dyn Contender>> {
    vec![
        Box::new(DynosaurRow(Fleet::of::<Dynosaur>())),
        Box::new(DynifyRow(Fleet::of::<Dynify256>())),
        Box::new(SmallBoxRow(Fleet::of::<SmallBox256>())),
        Box::new(ReusableRow(Fleet::of::<Reusable>())),
    ]
}

/// Declares `$eraser`, which makes every implementor a `$dyn` by
/// unsizing, for the peers whose trait is implemented for every `Work`.
macro_rules! erased_as {
    ($eraser:ident: $dyn:ty) => {
        pub struct $eraser;

        impl Erase for $eraser {
            type Dyn = $dyn;
            fn erase<W: Work + Default + 'static>() -> Pin<Box<$dyn>> {
                Box::pin(W::default())
            }
        }
    };
}

/// `dynosaur`: `DynDynosaurWork` stands for `dyn DynosaurWork` and boxes
/// each future.
#[dynosaur::dynosaur(DynDynosaurWork = dyn(box) DynosaurWork)]
pub trait DynosaurWork: Sync {
    fn handle(&self, req: u64) -> impl Future<Output = u64> + Send + '_;
}

/// An implementor as a `DynosaurWork`: a wrapper, because the macro
/// implements the trait for every `&T`, `&mut T` and `Box<T>`, which a
/// blanket impl over `Work` would overlap.
pub struct ForDynosaur<W>(W);

impl<W: Work> DynosaurWork for ForDynosaur<W> {
    fn handle(&self, req: u64) -> impl Future<Output = u64> + Send + '_ {
        self.0.handle(req)
    }
}

pub struct Dynosaur;

impl Erase for Dynosaur {
    type Dyn = DynDynosaurWork<'static>;
    fn erase<W: Work + Default + 'static>() -> Pin<Box<Self::Dyn>> {
        Box::into_pin(DynDynosaurWork::new_box(ForDynosaur(W::default())))
    }
}

struct DynosaurRow(Fleet<DynDynosaurWork<'static>>);

impl Contender for DynosaurRow {
    fn name(&self) -> String {
        "dynosaur (Box per call)".into()
    }
    fn stack_bytes(&self) -> usize {
        size_of::<Pin<Box<dyn Future<Output = u64> + Send>>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let checksum = calls.iter().fold(0u64, |sum, call| {
            sum.wrapping_add(block_on(self.0.get(call.kind).handle(call.req)))
        });
        Outcome::unslotted(checksum)
    }
    fn inline_ratio(&self, _: f64) -> Option<f64> {
        Some(0.0)
    }
}

/// `dynify`: the generated `DynDynifyWork` returns a constructor that the
/// caller initializes in a container of its choice.
#[dynify::dynify]
pub trait DynifyWork: Sync {
    fn handle(&self, req: u64) -> impl Future<Output = u64>;
}

impl<W: Work> DynifyWork for W {
    fn handle(&self, req: u64) -> impl Future<Output = u64> {
        Work::handle(self, req)
    }
}

erased_as!(Dynify256: dyn DynDynifyWork);

/// The stack buffer of the dynify row, as large as the 256-byte rows'.
const DYNIFY_STACK: usize = 256;

/// The dynify row's stack buffer, aligned as a default `Slot` (16 bytes)
/// so that it takes the same futures.
#[repr(align(16))]
struct StackBuffer([MaybeUninit<u8>; DYNIFY_STACK]);

struct DynifyRow(Fleet<dyn DynDynifyWork>);

impl Contender for DynifyRow {
    fn name(&self) -> String {
        format!("dynify init2(stack {DYNIFY_STACK}, reused Vec)")
    }
    fn stack_bytes(&self) -> usize {
        size_of::<StackBuffer>() + size_of::<Vec<MaybeUninit<u8>>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut stack = StackBuffer([MaybeUninit::uninit(); DYNIFY_STACK]);
        let mut heap = Vec::<MaybeUninit<u8>>::new();
        let checksum = calls.iter().fold(0u64, |sum, call| {
            let constructor = self.0.get(call.kind).handle(call.req);
            sum.wrapping_add(block_on(constructor.init2(&mut stack.0, &mut heap)))
        });
        Outcome::unslotted(checksum)
    }
}

/// `smallbox`: a `SmallBox<dyn Future>` with 256 bytes (`S32`) inline,
/// returned by value, on the heap when the future is larger.
pub trait SmallBoxWork: Sync {
    fn handle(&self, req: u64) -> SmallBox<dyn Future<Output = u64> + Send + '_, S32>;
}

impl<W: Work> SmallBoxWork for W {
    fn handle(&self, req: u64) -> SmallBox<dyn Future<Output = u64> + Send + '_, S32> {
        smallbox::smallbox!(Work::handle(self, req))
    }
}

erased_as!(SmallBox256: dyn SmallBoxWork);

struct SmallBoxRow(Fleet<dyn SmallBoxWork>);

impl Contender for SmallBoxRow {
    fn name(&self) -> String {
        "SmallBox<dyn Future, S32>".into()
    }
    fn stack_bytes(&self) -> usize {
        size_of::<SmallBox<dyn Future<Output = u64> + Send, S32>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let checksum = calls.iter().fold(0u64, |sum, call| {
            sum.wrapping_add(block_on(self.0.get(call.kind).handle(call.req)))
        });
        Outcome::unslotted(checksum)
    }
    fn inline_ratio(&self, allocations_per_call: f64) -> Option<f64> {
        Some(1.0 - allocations_per_call)
    }
}

/// tokio-util's `ReusableBoxFuture`: the caller keeps one box and the
/// callee replaces its future, reallocating when the layout changes.
pub trait ReusableWork: Sync {
    fn handle<'a>(&'a self, req: u64, future: &mut ReusableBoxFuture<'a, u64>);
}

impl<W: Work> ReusableWork for W {
    fn handle<'a>(&'a self, req: u64, future: &mut ReusableBoxFuture<'a, u64>) {
        future.set(Work::handle(self, req));
    }
}

erased_as!(Reusable: dyn ReusableWork);

struct ReusableRow(Fleet<dyn ReusableWork>);

impl Contender for ReusableRow {
    fn name(&self) -> String {
        "tokio-util ReusableBoxFuture".into()
    }
    fn stack_bytes(&self) -> usize {
        size_of::<ReusableBoxFuture<'static, u64>>()
    }
    fn run(&mut self, calls: &[Call]) -> Outcome {
        let mut future = ReusableBoxFuture::new(async { 0 });
        let checksum = calls.iter().fold(0u64, |sum, call| {
            self.0.get(call.kind).handle(call.req, &mut future);
            sum.wrapping_add(block_on(std::future::poll_fn(|cx| future.poll(cx))))
        });
        Outcome::unslotted(checksum)
    }
}
