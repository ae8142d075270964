#[stackslot::dyn_trait(Sync)]
trait Handler {
    async fn call(&self) -> u32;
}

fn main() {}
