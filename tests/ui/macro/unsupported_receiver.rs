#[stackslot::dyn_trait]
trait Handler {
    async fn shutdown(self: &Box<Self>) -> u32;
}

fn main() {}
