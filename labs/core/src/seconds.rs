//! Turning a number of seconds from outside (a flag, a query string, a suite file, a recording)
//! into a [`Duration`] without panicking: `Duration::from_secs_f64(1e300)` panics, so every such
//! number goes through here, with a longest value that still makes sense for a lab.

use std::time::Duration;

/// The longest a lab runs or a wait lasts: a week.
pub const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

/// `seconds` as a duration, if it is a number above 0 and at most [`LONGEST`].
pub fn positive(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds > 0.0 && seconds <= LONGEST.as_secs_f64())
        .then(|| Duration::from_secs_f64(seconds))
}

/// `seconds` as a duration, 0 allowed; anything not a number, negative or past [`LONGEST`] is
/// clamped into `0..=LONGEST` (for times read from files, where a bad value must not stop a
/// replay).
pub fn clamped(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(seconds.min(LONGEST.as_secs_f64()))
    }
}

/// What [`positive`] accepts, in words, for one-line errors.
pub fn expected() -> String {
    format!("seconds above 0 and at most {} (a week)", LONGEST.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_are_refused_not_panics() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e308, 1e300, 604_801.0] {
            assert_eq!(positive(bad), None, "{bad}");
        }
        assert_eq!(positive(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(positive(604_800.0), Some(LONGEST));
    }

    #[test]
    fn clamping_keeps_times_in_range() {
        assert_eq!(clamped(f64::NAN), Duration::ZERO);
        assert_eq!(clamped(-3.0), Duration::ZERO);
        assert_eq!(clamped(1e308), LONGEST);
        assert_eq!(clamped(0.25), Duration::from_millis(250));
    }
}
