use core::pin::pin;
use stackslot::{Slot, SlotFuture};

fn escape() -> SlotFuture<'static, u32> {
    let mut slot = pin!(Slot::<64>::new());
    slot.as_mut().or_box().emplace(async { 1 })
}

fn main() {
    let fut;
    {
        let mut slot = Box::pin(Slot::<64>::new());
        fut = slot.as_mut().or_box().emplace(async { 2 });
    }
    drop((escape(), fut));
}
