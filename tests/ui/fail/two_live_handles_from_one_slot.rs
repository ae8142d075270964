use core::pin::pin;
use stackslot::Slot;

fn main() {
    let mut slot = pin!(Slot::<64>::new());
    let first = slot.as_mut().or_box().emplace(async { 1 });
    let second = slot.as_mut().or_box().emplace(async { 2 });
    drop((first, second));
}
