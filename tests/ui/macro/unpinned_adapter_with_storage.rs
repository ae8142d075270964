use core::future::Future;
use core::marker::PhantomPinned;
use core::pin::Pin;
use stackslot::{Adapter, LocalSlotFuture, Scratch, SlotFuture, Strategy};

#[stackslot::dyn_trait]
trait Greeter {
    async fn greet(&self) -> String;
}

struct English;

impl Greeter for English {
    async fn greet(&self) -> String {
        "hello".into()
    }
}

/// A strategy with pinned storage of its own, like a cached buffer.
#[derive(Default)]
struct Pinned(PhantomPinned);

impl Strategy for Pinned {
    fn emplace_shared<'s, F: Future + Send + 's>(&'s self, scratch: Scratch<'s>, f: F) -> SlotFuture<'s, F::Output> {
        scratch.emplace(f)
    }
    fn emplace_shared_local<'s, F: Future + 's>(&'s self, scratch: Scratch<'s>, f: F) -> LocalSlotFuture<'s, F::Output> {
        scratch.emplace_local(f)
    }
    fn emplace_exclusive<'s, F: Future + Send + 's>(self: Pin<&'s mut Self>, scratch: Scratch<'s>, f: F) -> SlotFuture<'s, F::Output> {
        scratch.emplace(f)
    }
    fn emplace_exclusive_local<'s, F: Future + 's>(self: Pin<&'s mut Self>, scratch: Scratch<'s>, f: F) -> LocalSlotFuture<'s, F::Output> {
        scratch.emplace_local(f)
    }
}

fn main() {
    let adapter: Adapter<English, Pinned> = Adapter::new(English);
    // Must be pinned first: `let adapter = core::pin::pin!(adapter);`.
    let _: &dyn DynGreeter = &adapter;
}
