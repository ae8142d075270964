#[stackslot::dyn_trait(crate)]
trait Handler {
    async fn call(&self) -> u32;
}

fn main() {}
