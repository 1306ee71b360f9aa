//! What every benchmark here needs: the dashboard's sampling running beside a measurement, and
//! the median of noisy rounds.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lab_core::{LabContext, LabEvent, Sampler};

/// Runs `measure` with a fresh context while a sampler takes snapshots of it at 10 Hz and
/// serializes each to JSON, as the headless printer would.
pub fn with_sampler<T>(lab: &str, measure: impl FnOnce(&LabContext) -> T) -> T {
    let context = LabContext::new();
    let sampling = AtomicBool::new(true);
    std::thread::scope(|scope| {
        let sampler_context = context.clone();
        let sampling = &sampling;
        scope.spawn(move || {
            let mut sampler = Sampler::new(lab, sampler_context);
            let started = Instant::now();
            let mut sink = std::io::sink();
            while sampling.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(100));
                let snapshot = sampler.sample(started.elapsed().as_secs_f64());
                lab_core::jsonl::write_event(&mut sink, &LabEvent::Snapshot(snapshot)).unwrap();
            }
        });
        let outcome = measure(&context);
        sampling.store(false, Ordering::Release);
        outcome
    })
}

/// The middle value: one slow round on a shared machine does not move it.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
