#[stackslot::dyn_trait]
trait Counter {
    async fn bump(&mut self) -> u32;
    async fn read(&self) -> u32;
}

fn is_counter(_: &impl Counter) {}

fn forward(target: &dyn DynCounter) {
    // `bump` takes `&mut self`: a forwarder needs `&mut dyn` or `Box<dyn>`.
    is_counter(&CounterFromDyn::<_, 64>::new(target));
}

fn main() {}
