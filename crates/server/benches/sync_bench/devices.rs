//! Measure 4: many enrolled devices syncing at once, each on its own thread
//! with its own token and TLS connection: a fixed number of rounds, each a
//! small push then pulls until the server has nothing more.

use crate::net::Device;
use crate::pulls::percentile;
use gocua_core::Change;
use std::sync::Barrier;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Crowd {
    pub push_ms: Vec<f64>,
    pub pull_ms: Vec<f64>,
    pub errors: usize,
    pub refused: usize,
    pub pulled: usize,
    pub elapsed: Duration,
    pub first_error: Option<String>,
}

impl Crowd {
    /// (p50, p99, max) over every request, in milliseconds.
    pub fn latency(&self) -> (f64, f64, f64) {
        let mut all: Vec<f64> = self.push_ms.iter().chain(&self.pull_ms).copied().collect();
        let (p50, p99) = (percentile(&mut all, 0.50), percentile(&mut all, 0.99));
        (p50, p99, all.last().copied().unwrap_or(f64::NAN))
    }

    pub fn requests(&self) -> usize {
        self.push_ms.len() + self.pull_ms.len()
    }

    pub fn add(&mut self, other: Crowd) {
        self.push_ms.extend(other.push_ms);
        self.pull_ms.extend(other.pull_ms);
        self.errors += other.errors;
        self.refused += other.refused;
        self.pulled += other.pulled;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// Device `i` pushes `work[i]` one batch a round, each round followed by
/// pulls from its cursor (starting at `cursor`) until `more` is false.
/// Everyone starts together.
pub fn run(devices: &[Device], work: &[Vec<Vec<Change>>], cursor: i64) -> Crowd {
    let start = Barrier::new(devices.len() + 1);
    std::thread::scope(|s| {
        let threads: Vec<_> = devices
            .iter()
            .zip(work)
            .map(|(device, batches)| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    one_device(device, batches, cursor)
                })
            })
            .collect();
        start.wait();
        let t = Instant::now();
        let mut crowd = Crowd::default();
        for th in threads {
            match th.join() {
                Ok(c) => crowd.add(c),
                Err(_) => crowd.errors += 1,
            }
        }
        crowd.elapsed = t.elapsed();
        crowd
    })
}

fn one_device(device: &Device, batches: &[Vec<Change>], mut cursor: i64) -> Crowd {
    let mut c = Crowd::default();
    let failed = |c: &mut Crowd, e: anyhow::Error| {
        c.errors += 1;
        c.first_error.get_or_insert_with(|| format!("{e:#}"));
    };
    for batch in batches {
        let t = Instant::now();
        match device.push(batch) {
            Ok(refused) => {
                c.push_ms.push(t.elapsed().as_secs_f64() * 1e3);
                c.refused += refused;
            }
            Err(e) => failed(&mut c, e),
        }
        loop {
            let t = Instant::now();
            match device.pull(cursor, 1000) {
                Ok((page, _)) => {
                    c.pull_ms.push(t.elapsed().as_secs_f64() * 1e3);
                    c.pulled += page.changes.len();
                    cursor = page.cursor;
                    if !page.more {
                        break;
                    }
                }
                Err(e) => {
                    failed(&mut c, e);
                    break;
                }
            }
        }
    }
    c
}
