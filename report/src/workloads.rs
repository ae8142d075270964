//! The workloads: which implementors are called, in what proportions, and
//! why each mix is worth a table.

use crate::handlers::Kind;

/// A mix of calls to the implementors.
pub struct Workload {
    pub name: &'static str,
    /// What the mix stands for, and what it shows.
    pub why: &'static str,
    /// Each implementor's share of the calls, in percent (summing to 100).
    pub mix: &'static [(Kind, u32)],
}

pub static WORKLOADS: [Workload; 6] = [
    Workload {
        name: "service: 90% small / 9% medium / 1% large",
        why: "a service's handlers: most requests are answered from memory, some \
              read into a buffer, a few assemble a large response",
        mix: &[(Kind::Small, 90), (Kind::Medium, 9), (Kind::Large, 1)],
    },
    Workload {
        name: "iterator: 100% tiny",
        why: "an async iterator's `next()` or a cache lookup: every future is tiny, \
              the best case and the closest to the floor",
        mix: &[(Kind::Tiny, 100)],
    },
    Workload {
        name: "pending once: 100% tiny, each pending once",
        why: "the iterator's futures, each waiting once for an event that has already \
              come (a wake, then `Pending`, then ready): `Slot::call` polls it once in \
              the callee and the caller once through the handle, the plain path twice \
              through the handle",
        mix: &[(Kind::TinyPendingOnce, 100)],
    },
    Workload {
        name: "bimodal: 50% small / 50% medium",
        why: "a router whose handlers split into in-memory ones and buffering ones: \
              the hit ratio jumps at the class that holds the medium future",
        mix: &[(Kind::Small, 50), (Kind::Medium, 50)],
    },
    Workload {
        name: "heavy tail: 95% medium / 5% huge (> 4 KiB)",
        why: "a few calls hold more than any class: no slot avoids their \
              allocation, and the advice says so",
        mix: &[(Kind::Medium, 95), (Kind::Huge, 5)],
    },
    Workload {
        name: "over-aligned: 95% small / 5% cache-padded",
        why: "5% of the futures hold 64-byte-aligned state: they fall back for \
              alignment in every default (16-byte aligned) slot, whatever its size",
        mix: &[(Kind::Small, 95), (Kind::Padded, 5)],
    },
];

/// One call of a workload.
#[derive(Clone, Copy)]
pub struct Call {
    pub kind: Kind,
    pub req: u64,
}

impl Workload {
    /// `n` calls in exactly the workload's proportions, shuffled with a
    /// fixed seed so that every row sees the same sequence and the branch
    /// predictor cannot learn a period.
    pub fn calls(&self, n: usize) -> Vec<Call> {
        let mut calls = Vec::with_capacity(n);
        for &(kind, percent) in self.mix {
            let count = n * percent as usize / 100;
            calls.extend((0..count).map(|_| Call { kind, req: 0 }));
        }
        let first = self.mix[0].0;
        calls.resize(
            n,
            Call {
                kind: first,
                req: 0,
            },
        );
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for i in (1..n).rev() {
            calls.swap(i, rng.next() as usize % (i + 1));
        }
        for call in &mut calls {
            call.req = rng.next();
        }
        calls
    }
}

/// A small deterministic generator (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mix_sums_to_100_percent_and_calls_follow_it() {
        for workload in &WORKLOADS {
            let total: u32 = workload.mix.iter().map(|&(_, percent)| percent).sum();
            assert_eq!(total, 100, "{}", workload.name);
            let calls = workload.calls(1000);
            for &(kind, percent) in workload.mix {
                let count = calls.iter().filter(|call| call.kind == kind).count();
                assert_eq!(count, 10 * percent as usize, "{}", workload.name);
            }
        }
    }
}
