use core::pin::pin;
use stackslot::Slot;

fn main() {
    let mut slot = pin!(Slot::<64>::new());
    let fut = slot.as_mut().or_box().emplace_local(async { 1 });
    std::thread::scope(|s| {
        s.spawn(move || drop(fut));
    });
}
