#[stackslot::dyn_trait]
trait Handler {
    async fn shutdown(self) -> u32;
}

fn main() {}
