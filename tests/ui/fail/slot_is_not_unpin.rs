use stackslot::Slot;

fn main() {
    let mut slot = Slot::<64>::new();
    let scratch = core::pin::Pin::new(&mut slot).or_box();
    drop(scratch);
}
