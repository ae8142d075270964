use core::pin::pin;
use stackslot::Slot;

fn main() {
    let bytes = [0u8; 64];
    let mut slot = pin!(Slot::<64>::new());
    let fut = slot.as_mut().place(async move { bytes.len() }); // 65 bytes
    drop(fut);
}
