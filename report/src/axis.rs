//! The pure geometry of the chart: round tick values printed exactly, and
//! labels moved apart so that none covers another.

/// Ticks from 0 to a round top at or above `max`: 0 and multiples of a
/// step of 1, 2 or 5 times a power of ten, about five of them.
pub fn ticks(max: f64) -> Vec<f64> {
    let step = tick_step(max);
    let count = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// The step of [`ticks`]: 1, 2 or 5 times a power of ten.
fn tick_step(max: f64) -> f64 {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let normalized = raw / magnitude;
    let factor = if normalized <= 1.0 {
        1.0
    } else if normalized <= 2.0 {
        2.0
    } else if normalized <= 5.0 {
        5.0
    } else {
        10.0
    };
    factor * magnitude
}

/// Every tick of `ticks` printed with as many decimals as their step
/// needs, so that each label is the tick's real value.
pub fn tick_labels(ticks: &[f64]) -> Vec<String> {
    let step = match ticks {
        [first, second, ..] => second - first,
        _ => 1.0,
    };
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    ticks.iter().map(|v| format!("{v:.decimals$}")).collect()
}

/// Positions for labels that want to sit at `wanted` (in any order),
/// each at least `gap` from the next and all within `[low, high]` when
/// they fit: the labels keep their order and move as little as this
/// simple push-down, push-up pass allows.
pub fn spread_labels(wanted: &[f64], gap: f64, low: f64, high: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|&a, &b| wanted[a].total_cmp(&wanted[b]));
    let mut placed = vec![0.0; wanted.len()];
    let mut previous = f64::NEG_INFINITY;
    for &i in &order {
        let y = wanted[i].max(low).max(previous + gap);
        placed[i] = y;
        previous = y;
    }
    // Push back up from the bottom what went past `high`.
    let mut next = f64::INFINITY;
    for &i in order.iter().rev() {
        let y = placed[i].min(high).min(next - gap);
        placed[i] = y;
        next = y;
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(47.0), [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(ticks(22.5), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        assert_eq!(ticks(100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let small = ticks(0.9);
        assert_eq!(small.len(), 6);
        assert!((small[5] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ticks_survive_degenerate_maxima() {
        assert_eq!(ticks(0.0), [0.0, 0.2]);
        assert_eq!(ticks(f64::NAN), [0.0, 0.2]);
    }

    #[test]
    fn tick_labels_print_the_real_values() {
        assert_eq!(
            tick_labels(&ticks(22.5)),
            ["0", "5", "10", "15", "20", "25"]
        );
        assert_eq!(
            tick_labels(&ticks(0.9)),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        for max in [0.37, 3.7, 22.5, 47.0, 61.0, 137.0, 1234.0] {
            let ticks = ticks(max);
            for (tick, label) in ticks.iter().zip(tick_labels(&ticks)) {
                let printed: f64 = label.parse().unwrap();
                assert!((printed - tick).abs() < 1e-9, "{label} for {tick}");
            }
        }
    }

    #[test]
    fn labels_far_apart_stay_where_they_want() {
        assert_eq!(
            spread_labels(&[50.0, 10.0, 90.0], 12.0, 0.0, 100.0),
            [50.0, 10.0, 90.0]
        );
    }

    #[test]
    fn overlapping_labels_are_pushed_apart_in_order() {
        let placed = spread_labels(&[40.0, 40.0, 41.0], 12.0, 0.0, 100.0);
        assert_eq!(placed, [40.0, 52.0, 64.0]);
    }

    #[test]
    fn labels_at_the_bottom_are_pushed_back_up() {
        let placed = spread_labels(&[100.0, 100.0, 100.0], 10.0, 0.0, 100.0);
        assert_eq!(placed, [80.0, 90.0, 100.0]);
    }
}
