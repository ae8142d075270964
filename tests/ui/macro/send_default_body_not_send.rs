use std::rc::Rc;

#[stackslot::dyn_trait(Send)]
trait Handler {
    async fn get(&self) -> u32;
    async fn shared(self: Rc<Self>) -> u32 {
        self.get().await
    }
}

fn main() {}
