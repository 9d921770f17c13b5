//! stdout and stderr of a plugin: with the `stdio` grant, into the host's
//! logs, one event per line, tagged with the plugin's name; never the host's
//! own stdout. Whatever the grant, the last few KiB of stderr written during
//! a call are kept ([`StderrTail`]) so that an error can say what the plugin
//! said before it trapped (a Rust panic's message, a Go panic, a Python
//! traceback): that is not reach, it goes nowhere but into the error.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::async_trait;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// The longest line kept; longer output is logged in pieces of this size.
const MAX_LINE: usize = 16 * 1024;

/// How much of a call's stderr is kept for its error.
const TAIL: usize = 4 * 1024;

/// The end of what a plugin wrote to stderr during the current call.
#[derive(Debug, Default)]
pub(crate) struct StderrTail {
    written: AtomicBool,
    bytes: Mutex<Vec<u8>>,
}

impl StderrTail {
    fn push(&self, bytes: &[u8]) {
        let mut tail = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        tail.extend_from_slice(bytes);
        if tail.len() > TAIL {
            let cut = tail.len() - TAIL;
            tail.drain(..cut);
        }
        self.written.store(true, Ordering::Release);
    }

    /// Forgets what earlier calls wrote (one atomic load when nothing was:
    /// this runs before every call).
    pub(crate) fn clear(&self) {
        if self.written.load(Ordering::Acquire) {
            self.written.store(false, Ordering::Release);
            self.bytes.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// What the current call wrote, as text with control characters other
    /// than newlines and tabs escaped (it is the plugin's text, headed for
    /// logs and terminals); `None` when it wrote nothing.
    pub(crate) fn text(&self) -> Option<String> {
        if !self.written.load(Ordering::Acquire) {
            return None;
        }
        let tail = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        let mut escaped = String::with_capacity(tail.len());
        for c in String::from_utf8_lossy(&tail).chars() {
            if c.is_control() && c != '\n' && c != '\t' {
                escaped.extend(c.escape_unicode());
            } else {
                escaped.push(c);
            }
        }
        Some(escaped)
    }
}

/// A plugin's stdout or stderr, logged line by line (with the `stdio`
/// grant) and, for stderr, kept in the call's [`StderrTail`].
#[derive(Clone)]
pub(crate) struct LogStream {
    plugin: Arc<str>,
    stream: &'static str,
    pending: Arc<Mutex<Vec<u8>>>,
    log: bool,
    tail: Option<Arc<StderrTail>>,
}

impl LogStream {
    /// A stream logged line by line.
    pub(crate) fn new(plugin: Arc<str>, stream: &'static str) -> Self {
        LogStream { plugin, stream, pending: Arc::default(), log: true, tail: None }
    }

    /// stderr: kept in `tail`, and logged only if `log` (the `stdio` grant).
    pub(crate) fn stderr(plugin: Arc<str>, tail: Arc<StderrTail>, log: bool) -> Self {
        LogStream { plugin, stream: "stderr", pending: Arc::default(), log, tail: Some(tail) }
    }

    fn write_bytes(&self, bytes: &[u8]) {
        if let Some(tail) = &self.tail {
            tail.push(bytes);
        }
        if !self.log {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend_from_slice(bytes);
        // A line ends at a newline, or is cut at MAX_LINE bytes.
        while let Some(len) = pending.iter().position(|b| *b == b'\n').map(|i| i + 1).or((pending.len() >= MAX_LINE).then_some(MAX_LINE)) {
            let line: Vec<u8> = pending.drain(..len).collect();
            let text = String::from_utf8_lossy(&line);
            tracing::info!(target: "polyplug::plugin", plugin = &*self.plugin, stream = self.stream, "{}", text.trim_end_matches('\n'));
        }
    }
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for LogStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[async_trait]
impl Pollable for LogStream {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for LogStream {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.write_bytes(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
