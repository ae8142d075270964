use core::pin::pin;
use stackslot::{Slot, Strategy, strategy::StackOnly};

fn main() {
    let mut strategy = pin!(StackOnly::<64>::new());
    let mut caller = pin!(Slot::<4096>::new());
    let bytes = [0u8; 64]; // a 65-byte future never fits the adapter's 64 bytes
    let fut = strategy
        .as_mut()
        .emplace_exclusive(caller.as_mut().or_box(), async move { bytes.len() });
    drop(fut);
}
