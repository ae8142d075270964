use core::pin::pin;
use stackslot::Slot;

fn main() {
    let mut slot = pin!(Slot::<64>::new());
    let scratch = slot.as_mut().or_box();
    let first = scratch.emplace(async { 1 });
    let second = scratch.emplace(async { 2 });
    drop((first, second));
}
