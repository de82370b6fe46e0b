//! A TCP proxy for tests that cuts connections on purpose: after N bytes
//! towards the server (a request cut mid-way) or towards the client (a
//! response lost after the server already acted). Loopback only; every loop
//! is bounded and the proxy stops when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Which way the bytes flow when the cut happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client → server: the server sees a truncated request.
    Upstream,
    /// Server → client: the server did the work, the client never hears.
    Downstream,
}

#[derive(Default)]
struct Plan {
    /// Cut the next connection after this many bytes in this direction.
    next_cut: Option<(Direction, u64)>,
}

/// The proxy: listens on a port of its own and relays to its target.
pub struct FaultyProxy {
    addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    plan: Arc<Mutex<Plan>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl FaultyProxy {
    /// Listen on a free loopback port, relaying to `target`.
    pub fn start(target: SocketAddr) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("proxy addr");
        let target = Arc::new(Mutex::new(target));
        let plan = Arc::new(Mutex::new(Plan::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (target, plan, stop) = (target.clone(), plan.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let to = *target.lock().expect("target");
                            let cut = plan.lock().expect("plan").next_cut.take();
                            std::thread::spawn(move || relay(client, to, cut));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FaultyProxy {
            addr,
            target,
            plan,
            stop,
            accept: Some(accept),
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Point at a restarted server.
    pub fn set_target(&self, target: SocketAddr) {
        *self.target.lock().expect("target") = target;
    }

    /// Cut the next connection once `bytes` have passed in `direction`.
    pub fn cut_next(&self, direction: Direction, bytes: u64) {
        self.plan.lock().expect("plan").next_cut = Some((direction, bytes));
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn relay(client: TcpStream, to: SocketAddr, cut: Option<(Direction, u64)>) {
    let Ok(server) = TcpStream::connect_timeout(&to, Duration::from_secs(5)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    for s in [&client, &server] {
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    }
    let budget = |d: Direction| match cut {
        Some((dir, n)) if dir == d => Some(n),
        _ => None,
    };
    let (c2, s2) = match (client.try_clone(), server.try_clone()) {
        (Ok(c), Ok(s)) => (c, s),
        _ => return,
    };
    let up_budget = budget(Direction::Upstream);
    let up = std::thread::spawn(move || pump(c2, s2, up_budget));
    pump(server, client, budget(Direction::Downstream));
    let _ = up.join();
}

/// Copy `from` → `to` until EOF, an error, or the budget is spent; then
/// close both ways so the other pump stops too.
fn pump(mut from: TcpStream, mut to: TcpStream, budget: Option<u64>) {
    let mut left = budget.unwrap_or(u64::MAX);
    let mut buf = [0u8; 16 * 1024];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match from.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                left = left.saturating_sub(n as u64);
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
