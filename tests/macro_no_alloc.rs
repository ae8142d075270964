//! The generated code needs no allocator: without the `alloc` feature
//! (`cargo test --no-default-features --features macros`), `stack_only`
//! slots, the wrapper's `stack_only` and the forwarder's work, and nothing
//! is allocated.
#![cfg(feature = "macros")]

mod common;

use core::pin::pin;

use common::alloc_count::count;
use common::run;
use stackslot::Slot;
use traits::{DynSensor, Sensor, SensorFromDyn, SensorWithSlot};

mod traits {
    /// A sensor read without any heap.
    #[stackslot::dyn_trait]
    pub trait Sensor {
        /// The reading of `channel`.
        async fn read(&mut self, channel: u8) -> u16;
    }
}

struct Fixed(u16);

impl Sensor for Fixed {
    async fn read(&mut self, channel: u8) -> u16 {
        self.0 += 1;
        self.0 * u16::from(channel)
    }
}

#[test]
fn stack_only_through_dyn_allocates_nothing() {
    let mut sensor = Fixed(0);
    let target: &mut dyn DynSensor = &mut sensor;
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, readings) = count(|| {
        let mut readings = [0; 4];
        for (reading, channel) in readings.iter_mut().zip(1..) {
            *reading = run(&mut target.read(slot.as_mut().stack_only(), channel), 1);
        }
        readings
    });
    assert_eq!((allocs, readings), (0, [1, 4, 9, 16]));
}

#[test]
fn stack_only_wrapper_allocates_nothing() {
    let mut sensor = Fixed(10);
    let mut slot = pin!(Slot::<64>::new());
    let mut wrapper = SensorWithSlot::stack_only(&mut sensor, slot.as_mut());
    let (allocs, reading) = count(|| run(&mut wrapper.read(2), 1));
    assert_eq!((allocs, reading), (0, 22));
    assert_eq!(wrapper.slot.stats().hits(), 1);
}

#[test]
fn stack_only_forwarder_allocates_nothing() {
    let mut sensor = Fixed(20);
    let mut forwarder = SensorFromDyn::<_, 64>::stack_only(&mut sensor as &mut dyn DynSensor);
    let (allocs, reading) = count(|| run(&mut pin!(Sensor::read(&mut forwarder, 3)), 1));
    assert_eq!((allocs, reading), (0, 63));
}
