use core::pin::pin;
use std::rc::Rc;
use stackslot::Slot;

fn main() {
    let rc = Rc::new(1);
    let mut slot = pin!(Slot::<64>::new());
    let fut = slot.as_mut().or_box().emplace(async move { *rc });
    drop(fut);
}
