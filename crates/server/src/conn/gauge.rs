//! How many connections are open, in all and per client address, and the
//! caps on both. A connection takes its place before its TLS handshake and
//! gives it back when it closes (its `Place` dropped), whatever the reason.

use super::quiet::Bite;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

pub struct Gauge {
    max_total: usize,
    max_per_address: usize,
    counts: Mutex<Counts>,
}

/// One open connection's place; freed when dropped.
pub struct Place {
    gauge: Arc<Gauge>,
    ip: IpAddr,
}

impl Gauge {
    pub fn new(max_total: usize, max_per_address: usize) -> Arc<Gauge> {
        Arc::new(Gauge {
            max_total,
            max_per_address,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// A place for a new connection from `ip`, or which cap refused it.
    pub fn open(self: &Arc<Self>, ip: IpAddr) -> Result<Place, Bite> {
        // Each update is a few counters: sound after a panic.
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mine = c.by_address.get(&ip).copied().unwrap_or(0);
        if mine >= self.max_per_address {
            return Err(Bite::AddressCap);
        }
        if c.total >= self.max_total {
            return Err(Bite::TotalCap);
        }
        c.total += 1;
        c.by_address.insert(ip, mine + 1);
        Ok(Place {
            gauge: self.clone(),
            ip,
        })
    }

    /// Connections open now (for tests and logs).
    pub fn open_now(&self) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut c = self.gauge.counts.lock().unwrap_or_else(|e| e.into_inner());
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.by_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                c.by_address.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_in_all_and_places_come_back() {
        let g = Gauge::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let c: IpAddr = "192.0.2.3".parse().unwrap();
        let a1 = g.open(a).unwrap();
        let _a2 = g.open(a).unwrap();
        assert_eq!(g.open(a).err(), Some(Bite::AddressCap));
        let _b1 = g.open(b).unwrap();
        assert_eq!(g.open(c).err(), Some(Bite::TotalCap));
        drop(a1);
        assert_eq!(g.open_now(), 2);
        let _c1 = g.open(c).unwrap();
        assert_eq!(g.open(a).err(), Some(Bite::TotalCap));
    }
}
