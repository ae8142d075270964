#[stackslot::dyn_trait]
trait Handler {
    async fn call(&self) -> u32
    where
        Self: Clone;
}

fn main() {}
