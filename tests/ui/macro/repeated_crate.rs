#[stackslot::dyn_trait(crate = ::stackslot, crate = ::stackslot)]
trait Handler {
    async fn call(&self) -> u32;
}

fn main() {}
