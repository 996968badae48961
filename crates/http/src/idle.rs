//! A connection that neither side moves for a while is closed: the inactivity timeout. Any
//! byte read or written starts the wait again, so a long answer that keeps flowing (an event
//! stream's keep-alives) is never cut.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pub struct IdleTimeout<S> {
    inner: S,
    timeout: Duration,
    /// When a byte last moved.
    moved_at: Instant,
    /// Set `timeout` after a movement, not necessarily the last: when it fires, the wait is
    /// set again from the last one if there was any since. Setting the timer at every read and
    /// write would cost a timer-wheel update per I/O, two per request.
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self { inner, timeout, moved_at: Instant::now(), deadline: Box::pin(tokio::time::sleep(timeout)) }
    }

    fn moved(&mut self) {
        self.moved_at = Instant::now();
    }

    /// `Pending` while there is time left; an error once the connection has been idle too long.
    fn check(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            ready!(self.deadline.as_mut().poll(cx));
            let idle_at = self.moved_at + self.timeout;
            if Instant::now() >= idle_at {
                return Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "connection idle for too long"));
            }
            self.deadline.as_mut().reset(idle_at);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.check(cx).map(Err),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, data) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.check(cx).map(Err),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.check(cx).map(Err),
            ready => ready,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.check(cx).map(Err),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_times_out_and_a_moving_one_does_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut server = IdleTimeout::new(server, Duration::from_secs(10));
        let mut client = client;
        let mut byte = [0u8; 1];
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_secs(8)).await;
            client.write_all(b"x").await.unwrap();
            server.read_exact(&mut byte).await.unwrap();
        }
        let idle = server.read_exact(&mut byte).await.unwrap_err();
        assert_eq!(idle.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_waiting_past_the_first_deadline_lives_while_writes_move() {
        let (mut client, server) = tokio::io::duplex(64);
        let (mut reading, mut writing) = tokio::io::split(IdleTimeout::new(server, Duration::from_secs(10)));
        let started = Instant::now();
        let writer = tokio::spawn(async move {
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_secs(8)).await;
                writing.write_all(b"x").await.unwrap();
            }
        });
        let mut byte = [0u8; 1];
        let idle = reading.read_exact(&mut byte).await.unwrap_err();
        assert_eq!(idle.kind(), io::ErrorKind::TimedOut);
        // The last write was at 24 s: idle from 34 s, not from the first deadline at 10 s.
        assert_eq!(started.elapsed(), Duration::from_secs(34));
        writer.await.unwrap();
        let mut written = [0u8; 3];
        client.read_exact(&mut written).await.unwrap();
        assert_eq!(&written, b"xxx");
    }
}
