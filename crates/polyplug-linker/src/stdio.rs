//! stdout and stderr of a plugin with the `stdio` grant: into the host's
//! logs, one event per line, tagged with the plugin's name. Never the host's
//! own stdout.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::async_trait;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// The longest line kept; longer output is logged in pieces of this size.
const MAX_LINE: usize = 16 * 1024;

/// A plugin's stdout or stderr, logged line by line.
#[derive(Clone)]
pub(crate) struct LogStream {
    plugin: Arc<str>,
    stream: &'static str,
    pending: Arc<Mutex<Vec<u8>>>,
}

impl LogStream {
    pub(crate) fn new(plugin: Arc<str>, stream: &'static str) -> Self {
        LogStream { plugin, stream, pending: Arc::default() }
    }

    fn write_bytes(&self, bytes: &[u8]) {
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
