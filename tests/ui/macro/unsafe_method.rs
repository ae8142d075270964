#[stackslot::dyn_trait]
trait Handler {
    async unsafe fn call_unchecked(&self, index: usize) -> u32;
}

fn main() {}
