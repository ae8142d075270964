//! Simulated devices: two sensors and a UART, timed by the [`Clock`].

use crate::clock::Clock;
use crate::traits::{Sensor, Sink};

/// A slow sensor whose value drifts up.
pub struct Thermometer {
    /// The clock its conversions wait on.
    pub clock: &'static Clock,
    /// Ticks per conversion.
    pub period: u32,
    /// The last reading.
    pub millidegrees: i32,
}

impl Sensor for Thermometer {
    async fn sample(&mut self) -> i32 {
        self.clock.sleep(self.period).await;
        self.millidegrees += 125;
        self.millidegrees
    }
}

/// A fast sensor averaged over a window of raw readings (a larger future:
/// the window lives across its awaits).
pub struct Accelerometer {
    /// The clock its readings wait on.
    pub clock: &'static Clock,
    /// The state of its noise.
    pub raw: u32,
}

impl Sensor for Accelerometer {
    async fn sample(&mut self) -> i32 {
        let mut window = [0i32; 8];
        for reading in &mut window {
            self.clock.sleep(1).await;
            self.raw = self.raw.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            *reading = (self.raw >> 16) as i32 % 100;
        }
        window.iter().sum::<i32>() / window.len() as i32
    }
}

/// One line the UART wrote: when, from which sensor, what value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// The tick the line was written at.
    pub tick: u32,
    /// The sensor's index.
    pub sensor: usize,
    /// The sample.
    pub value: i32,
}

/// How many lines a [`Uart`] keeps.
pub const LINES: usize = 16;

/// A UART that takes a tick per byte; keeps the lines it wrote.
pub struct Uart {
    /// The clock its bytes wait on.
    pub clock: &'static Clock,
    /// The lines written, in order.
    pub lines: [Line; LINES],
    /// How many of `lines` were written.
    pub written: usize,
}

impl Uart {
    /// A UART that has written nothing yet.
    pub const fn new(clock: &'static Clock) -> Self {
        Self {
            clock,
            lines: [Line {
                tick: 0,
                sensor: 0,
                value: 0,
            }; LINES],
            written: 0,
        }
    }

    /// The lines written so far.
    pub fn lines(&self) -> &[Line] {
        &self.lines[..self.written]
    }
}

impl Sink for Uart {
    async fn write(&mut self, sensor: usize, value: i32) -> u32 {
        self.clock.sleep(12).await; // "s0=+12345\r\n"
        let tick = self.clock.now();
        self.lines[self.written] = Line {
            tick,
            sensor,
            value,
        };
        self.written += 1;
        tick
    }
}
