#[stackslot::dyn_trait(Send)]
trait Greet {
    async fn greet(&self) -> u32;
}

async fn run(greeter: &impl Greet) -> u32 {
    greeter.greet().await
}

fn forward(target: &dyn DynGreet) {
    // The futures are `Send`, so they may hold only a `Sync` target:
    // `&(dyn DynGreet + Sync)`.
    let greeter = GreetFromDyn::<_, 64>::new(target);
    drop(run(&greeter));
}

fn main() {}
