macro_rules! methods {
    () => {
        async fn call(&self) -> u32;
    };
}

#[stackslot::dyn_trait]
trait Handler {
    methods!();
}

fn main() {}
