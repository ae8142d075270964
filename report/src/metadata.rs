//! What a run was measured on: toolchain, CPU, cores, date and mode,
//! printed with every output so that numbers are never read without it.

use std::fs;
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

/// The run's metadata.
pub struct RunInfo {
    pub rustc: &'static str,
    pub cpu: String,
    pub cores: usize,
    /// UTC, to the minute.
    pub date: String,
    /// `"quick"` or `"full"`.
    pub mode: &'static str,
}

impl RunInfo {
    /// The metadata of the run happening now.
    pub fn now(mode: &'static str) -> Self {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        RunInfo {
            rustc: env!("STACKSLOT_REPORT_RUSTC"),
            cpu: fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|info| cpu_model(&info))
                .unwrap_or_else(|| "unknown CPU".into()),
            cores: thread::available_parallelism().map_or(1, |n| n.get()),
            date: utc_minute(seconds),
            mode,
        }
    }

    /// One line: `rustc 1.95.0 (...) · <CPU> · 2 cores · 2026-12-01 17:45 UTC · quick run`.
    pub fn line(&self) -> String {
        format!(
            "{} · {} · {} cores · {} · {} run",
            self.rustc, self.cpu, self.cores, self.date, self.mode
        )
    }
}

/// The first `model name` of a `/proc/cpuinfo`, with its runs of spaces
/// collapsed.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

/// `seconds` since the Unix epoch as `YYYY-MM-DD HH:MM UTC`.
fn utc_minute(seconds: u64) -> String {
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// The Gregorian date `days` after 1970-01-01 (the "days to civil"
/// algorithm: count in 400-year eras of 146 097 days, years starting in
/// March so that the leap day is the era year's last).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days from 0000-03-01
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_at_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        // 2000-02-29: a leap day of a century year divisible by 400.
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(11_017), (2000, 3, 1));
        // 2100 is not a leap year: its 28 February is followed by 1 March.
        assert_eq!(civil_date(47_540), (2100, 2, 28));
        assert_eq!(civil_date(47_541), (2100, 3, 1));
    }

    #[test]
    fn utc_minute_formats_date_and_time() {
        // 2026-12-01 17:45:59 UTC.
        assert_eq!(utc_minute(1_796_147_159), "2026-12-01 17:45 UTC");
        assert_eq!(utc_minute(59), "1970-01-01 00:00 UTC");
    }

    #[test]
    fn cpu_model_is_the_first_model_name() {
        let info = "processor\t: 0\nvendor_id\t: GenuineIntel\n\
                    model name\t: Intel(R) Xeon(R)  CPU @ 2.20GHz\n\
                    processor\t: 1\nmodel name\t: other\n";
        assert_eq!(
            cpu_model(info).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(cpu_model("processor\t: 0\n"), None);
    }
}
