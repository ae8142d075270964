#[stackslot::dyn_trait]
trait Handler {
    async fn call(&self) -> u32;
    fn duplicate(&self) -> Self;
}

fn main() {}
