#[stackslot::dyn_trait(Send)]
trait Greet {
    async fn greet(&self) -> u32;
}

fn is_greet(_: &impl Greet) {}

fn forward(target: &dyn DynGreet) {
    // The futures are `Send`, so they may hold only a `Sync` target:
    // `&(dyn DynGreet + Sync)`.
    is_greet(&GreetFromDyn::<_, 64>::new(target));
}

fn main() {}
