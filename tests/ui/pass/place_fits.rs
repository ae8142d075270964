use core::pin::pin;
use stackslot::Slot;

fn main() {
    let bytes = [0u8; 63];
    let mut slot = pin!(Slot::<64>::new());
    let fut = slot.as_mut().place(async move { bytes.len() }); // exactly 64 bytes
    assert!(fut.is_inline());
}
