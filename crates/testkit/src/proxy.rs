//! A TCP proxy for tests that cuts connections on purpose: after N bytes
//! towards the server (a request cut mid-way) or towards the client (a
//! response lost after the server already acted), or resets them (a TCP
//! RST, as a router dropping the connection does) after N bytes from the
//! client, while it is still sending. Loopback only; every loop is bounded
//! and the proxy stops when dropped.

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
    /// Reset this many of the next connections, each after this many bytes
    /// from the client.
    resets: Option<(usize, u64)>,
}

impl Plan {
    /// What to do to a new connection.
    fn take(&mut self) -> Fault {
        if let Some((left, after)) = self.resets {
            self.resets = (left > 1).then_some((left - 1, after));
            return Fault::Reset(after);
        }
        match self.next_cut.take() {
            Some((direction, bytes)) => Fault::Cut(direction, bytes),
            None => Fault::None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    Cut(Direction, u64),
    Reset(u64),
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
                            let fault = plan.lock().expect("plan").take();
                            std::thread::spawn(move || match fault {
                                Fault::None => relay(client, to, None),
                                Fault::Cut(d, n) => relay(client, to, Some((d, n))),
                                Fault::Reset(after) => relay_then_reset(client, to, after),
                            });
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

    /// Reset the next `connections` connections (`usize::MAX`: all from
    /// now on), each once `after` bytes have come from the client: the
    /// client, still sending, meets a reset connection.
    pub fn reset_next(&self, connections: usize, after: u64) {
        self.plan.lock().expect("plan").resets = (connections > 0).then_some((connections, after));
    }

    /// Stop resetting connections.
    pub fn stop_resets(&self) {
        self.plan.lock().expect("plan").resets = None;
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

/// Relay until `after` bytes have come from the client, then reset the
/// client's connection (SO_LINGER 0, then close: the kernel sends RST,
/// and the client's next write fails with "broken pipe" or "connection
/// reset").
fn relay_then_reset(client: TcpStream, to: SocketAddr, after: u64) {
    let Ok(server) = TcpStream::connect_timeout(&to, Duration::from_secs(5)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    for s in [&client, &server] {
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    }
    let (mut c2, mut s2) = match (client.try_clone(), server.try_clone()) {
        (Ok(c), Ok(s)) => (c, s),
        _ => return,
    };
    // Answers go back as usual, until the server side is shut below; the
    // client side is never shut down gracefully here.
    let down = std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match s2.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if c2.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let (mut from, mut upstream) = (&client, &server);
    let mut left = after;
    let mut buf = [0u8; 16 * 1024];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match from.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if upstream.write_all(&buf[..n]).is_err() {
                    break;
                }
                left = left.saturating_sub(n as u64);
            }
        }
    }
    abort_on_close(&client);
    let _ = server.shutdown(Shutdown::Both);
    let _ = down.join();
    // The last handle on the client's socket closes here: RST.
    drop(client);
}

/// SO_LINGER with a zero timeout: closing the socket resets the connection
/// instead of ending it gracefully.
fn abort_on_close(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor owned by `stream`, and a pointer to
    // a `linger` that outlives the call, with its exact size.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
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
