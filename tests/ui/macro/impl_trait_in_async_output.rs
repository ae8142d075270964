use std::fmt::Display;

#[stackslot::dyn_trait]
trait Handler {
    async fn call(&self) -> impl Display;
}

fn main() {}
