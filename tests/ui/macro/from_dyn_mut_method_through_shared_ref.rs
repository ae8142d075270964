#[stackslot::dyn_trait]
trait Counter {
    async fn bump(&mut self) -> u32;
    async fn read(&self) -> u32;
}

async fn drive(counter: &mut impl Counter) -> u32 {
    counter.bump().await
}

fn forward(target: &dyn DynCounter) {
    // `bump` takes `&mut self`: a forwarder needs `&mut dyn` or `Box<dyn>`.
    let mut counter = CounterFromDyn::<_, 64>::new(target);
    drop(drive(&mut counter));
}

fn main() {}
