#[stackslot::dyn_trait]
unsafe trait Handler {
    async fn call(&self) -> u32;
}

fn main() {}
