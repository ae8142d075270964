//! The firmware: cortex-m-rt's reset handler runs embassy's thread-mode
//! executor, which sleeps with `WFE` while no task is ready. Once the tasks
//! are done, what they reported stays in `RESULTS` for a debugger to read
//! and the core sleeps.

use core::panic::PanicInfo;

use embassy_executor::Executor;
use static_cell::StaticCell;

static EXECUTOR: StaticCell<Executor> = StaticCell::new();

#[cortex_m_rt::entry]
fn main() -> ! {
    EXECUTOR.init(Executor::new()).run(super::spawn_tasks)
}

/// A panic stops the core on an undefined instruction: a hard fault that a
/// debugger shows.
#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    cortex_m::asm::udf()
}
