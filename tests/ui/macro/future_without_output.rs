use std::future::Future;

#[stackslot::dyn_trait]
trait Handler {
    fn call(&self) -> impl Future;
}

fn main() {}
