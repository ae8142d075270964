#[stackslot::dyn_trait("Send")]
trait Handler {
    async fn call(&self) -> u32;
}

fn main() {}
