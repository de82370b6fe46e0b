//! A connection's clock. `Watched` wraps the (decrypted) stream and closes
//! it when a deadline passes; `Tracked` wraps the service and tells it
//! when a request is being handled and when its answer has gone out.
//!
//! Deadlines, by what the connection is doing:
//! - a request being handled (up to its answer's head): none here; the
//!   request timeout (`app.rs`) bounds it;
//! - an answer being sent: the idle timeout since the last byte either
//!   way (a client that stops reading holds nothing for long);
//! - between requests, part of the next one read: the header timeout since
//!   its first byte (a slow or stalled request header);
//! - between requests, nothing read: the idle timeout since the last
//!   answer went out; before the first request, the header timeout since
//!   the handshake (a client has no reason to connect and say nothing).
//!
//! The deadline is checked only when the server waits on the stream,
//! which is exactly when a stalled peer would hold it.

use super::Shared;
use super::quiet::Bite;
use axum::http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker, ready};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;
use tower::Service;

struct Phase {
    /// Requests whose answer is not ready yet.
    handling: usize,
    /// Answers being sent.
    sending: usize,
    /// When the connection last became free (no request, no answer).
    free_since: Instant,
    /// The first byte read while free: part of a request has come.
    partial_since: Option<Instant>,
    /// The last byte read or written.
    last_byte: Instant,
    /// Whether a request has come on this connection yet.
    served: bool,
}

/// What the stream and the service share about one connection.
pub struct ConnState {
    peer: IpAddr,
    shared: Arc<Shared>,
    phase: Mutex<Phase>,
    /// The connection's task, as last seen waiting on the stream: woken
    /// when the connection becomes free, for its deadline to be set anew
    /// (else it would wait on whatever deadline it had before, or none).
    waker: Mutex<Option<Waker>>,
}

impl ConnState {
    pub fn new(peer: IpAddr, shared: Arc<Shared>) -> Arc<ConnState> {
        let now = Instant::now();
        Arc::new(ConnState {
            peer,
            shared,
            phase: Mutex::new(Phase {
                handling: 0,
                sending: 0,
                free_since: now,
                partial_since: None,
                last_byte: now,
                served: false,
            }),
            waker: Mutex::new(None),
        })
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        // Each update is a few counters and times: sound after a panic.
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(&self, waker: &Waker) {
        let mut w = self.waker.lock().unwrap_or_else(|e| e.into_inner());
        if !w.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *w = Some(waker.clone());
        }
    }

    fn wake(&self) {
        let w = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = w {
            w.wake();
        }
    }

    fn bytes_read(&self, n: usize) {
        if n == 0 {
            return;
        }
        let now = Instant::now();
        let mut p = self.phase();
        p.last_byte = now;
        if p.handling == 0 && p.sending == 0 && p.partial_since.is_none() {
            p.partial_since = Some(now);
        }
    }

    fn bytes_written(&self, n: usize) {
        if n > 0 {
            self.phase().last_byte = Instant::now();
        }
    }

    /// When the connection is to be closed, and why; None while a request
    /// is being handled.
    fn deadline(&self) -> Option<(Instant, Bite)> {
        let t = &self.shared.timeouts;
        let p = self.phase();
        if p.handling > 0 {
            None
        } else if p.sending > 0 {
            Some((p.last_byte + t.idle, Bite::IdleTimeout))
        } else if let Some(first) = p.partial_since {
            Some((first + t.header, Bite::HeaderTimeout))
        } else if !p.served {
            Some((p.free_since + t.header, Bite::HeaderTimeout))
        } else {
            Some((p.free_since + t.idle, Bite::IdleTimeout))
        }
    }
}

/// The stream, closed (an error to the HTTP layer) once its deadline has
/// passed. It holds the connection's place in the `Gauge`.
pub struct Watched<S> {
    inner: S,
    conn: Arc<ConnState>,
    sleep: Pin<Box<Sleep>>,
    closed: bool,
    _place: super::gauge::Place,
}

impl<S> Watched<S> {
    pub fn new(inner: S, conn: Arc<ConnState>, place: super::gauge::Place) -> Self {
        Watched {
            inner,
            conn,
            sleep: Box::pin(tokio::time::sleep_until(Instant::now().into())),
            closed: false,
            _place: place,
        }
    }

    /// Pending while the deadline is ahead (the task is woken at it); the
    /// error that closes the connection once it has passed.
    fn check(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.closed {
            return Poll::Ready(timed_out());
        }
        self.conn.remember(cx.waker());
        let Some((at, bite)) = self.conn.deadline() else {
            return Poll::Pending;
        };
        let at = tokio::time::Instant::from_std(at);
        if self.sleep.deadline() != at {
            self.sleep.as_mut().reset(at);
        }
        ready!(self.sleep.as_mut().poll(cx));
        self.closed = true;
        super::warn(bite, Some(self.conn.peer), "");
        Poll::Ready(timed_out())
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection deadline passed")
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Err(timed_out()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.conn.bytes_read(buf.filled().len() - before);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.check(cx).map(Err),
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Err(timed_out()));
        }
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(Ok(n)) => {
                this.conn.bytes_written(n);
                Poll::Ready(Ok(n))
            }
            Poll::Pending => this.check(cx).map(Err),
            other => other,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Err(timed_out()));
        }
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(n)) => {
                this.conn.bytes_written(n);
                Poll::Ready(Ok(n))
            }
            Poll::Pending => this.check(cx).map(Err),
            other => other,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.check(cx).map(Err),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Pending => this.check(cx).map(Err),
            other => other,
        }
    }
}

/// A request being handled: counted until its answer is ready (or the
/// request is dropped), then as an answer being sent until its body ends.
struct Handling {
    conn: Arc<ConnState>,
    answered: bool,
}

impl Handling {
    fn start(conn: Arc<ConnState>) -> Handling {
        {
            let mut p = conn.phase();
            p.handling += 1;
            p.partial_since = None;
            p.served = true;
        }
        Handling {
            conn,
            answered: false,
        }
    }

    fn answered(mut self) -> Sending {
        {
            let mut p = self.conn.phase();
            p.handling -= 1;
            p.sending += 1;
            p.last_byte = Instant::now();
        }
        self.answered = true;
        Sending {
            conn: self.conn.clone(),
        }
    }
}

/// After a request or an answer ends: if none is left, the connection is
/// free from now on, and its task is woken to take the new deadline.
fn maybe_free(conn: &ConnState) {
    let free = {
        let mut p = conn.phase();
        let free = p.handling == 0 && p.sending == 0;
        if free {
            p.free_since = Instant::now();
            p.partial_since = None;
        }
        free
    };
    if free {
        conn.wake();
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        if !self.answered {
            self.conn.phase().handling -= 1;
            maybe_free(&self.conn);
        }
    }
}

/// An answer being sent; the connection is free again when it is dropped.
pub struct Sending {
    conn: Arc<ConnState>,
}

impl Drop for Sending {
    fn drop(&mut self) {
        self.conn.phase().sending -= 1;
        maybe_free(&self.conn);
    }
}

/// The service, telling the connection's clock when requests come and
/// their answers go.
#[derive(Clone)]
pub struct Tracked<S> {
    inner: S,
    conn: Arc<ConnState>,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, conn: Arc<ConnState>) -> Self {
        Tracked { inner, conn }
    }
}

impl<S, R, B> Service<Request<R>> for Tracked<S>
where
    S: Service<Request<R>, Response = Response<B>>,
    S::Future: Send + 'static,
{
    type Response = Response<TrackedBody<B>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<R>) -> Self::Future {
        let handling = Handling::start(self.conn.clone());
        let answer = self.inner.call(req);
        Box::pin(async move {
            let response = answer.await?;
            let sending = handling.answered();
            Ok(response.map(|inner| TrackedBody {
                inner,
                _sending: sending,
            }))
        })
    }
}

/// An answer's body; the answer counts as being sent until it is dropped.
pub struct TrackedBody<B> {
    inner: B,
    _sending: Sending,
}

impl<B: HttpBody + Unpin> HttpBody for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
