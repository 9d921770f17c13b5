//! Every WASI function that can wait, bounded by the call's deadline.
//!
//! Epoch interruption stops a plugin only while its Wasm code runs: a plugin
//! blocked in a host call (a sleep, a poll on a socket, an HTTP response that
//! never comes, a stream that never drains) would hold its thread, its
//! instance and its concurrency slot for as long as it liked. In WASI 0.2
//! every wait goes through one of the functions below (`poll`,
//! `pollable.block`, and the `blocking-*` stream methods; sleeps, sockets and
//! `wasi:http` bodies are pollables and streams). They are shadowed here by
//! versions that run wasmtime-wasi's own implementation under a timeout of the
//! time the call has left; when it passes, the call ends with the `timeout`
//! limit error, and the host discards the instance.

use std::future::Future;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::io::poll::{Host as _, HostPollable as _};
use wasmtime_wasi::p2::bindings::io::streams::{self, HostInputStream as _, HostOutputStream as _, StreamError};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable};
use wasmtime_wasi::runtime::in_tokio;

use crate::{PluginState, WASI_VERSION};

/// The time a call has left, and the error for when it runs out.
struct Bound {
    left: std::time::Duration,
    expired: polyplug_limits::LimitError,
}

impl Bound {
    /// Runs `wait` until it is done or the call's deadline passes, whichever comes first.
    fn run<R>(self, wait: impl Future<Output = wasmtime::Result<R>>) -> wasmtime::Result<R> {
        // The timer must be made inside the runtime `in_tokio` enters.
        match in_tokio(async move { tokio::time::timeout(self.left, wait).await }) {
            Ok(result) => result,
            Err(_elapsed) => Err(wasmtime::Error::new(self.expired)),
        }
    }
}

/// The store's resource table, and the bound on waiting in it.
fn waits<'a>(store: &'a mut StoreContextMut<'_, PluginState>) -> (&'a mut ResourceTable, Bound) {
    let state = store.data_mut();
    let bound = Bound { left: state.deadline.time_left(), expired: state.deadline.expired() };
    (&mut state.table, bound)
}

/// A stream operation's result as the guest sees it: closed / failed are
/// values, a trap is an error.
fn stream_result<T>(
    store: &mut StoreContextMut<'_, PluginState>,
    result: Result<T, wasmtime_wasi::p2::StreamError>,
) -> wasmtime::Result<(Result<T, StreamError>,)> {
    match result {
        Ok(value) => Ok((Ok(value),)),
        Err(error) => Ok((Err(streams::Host::convert_stream_error(&mut store.data_mut().table, error)?),)),
    }
}

/// Shadows every waiting function of `wasi:io` with its deadline-bounded version.
pub(crate) fn bound_waits(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    type Store<'a> = StoreContextMut<'a, PluginState>;
    let mut poll = linker.instance(&format!("wasi:io/poll@{WASI_VERSION}"))?;
    poll.func_wrap("poll", |mut store: Store<'_>, (pollables,): (Vec<Resource<DynPollable>>,)| {
        let (table, bound) = waits(&mut store);
        bound.run(table.poll(pollables)).map(|ready| (ready,))
    })?;
    poll.func_wrap("[method]pollable.block", |mut store: Store<'_>, (pollable,): (Resource<DynPollable>,)| {
        let (table, bound) = waits(&mut store);
        bound.run(table.block(pollable))
    })?;

    let mut streams = linker.instance(&format!("wasi:io/streams@{WASI_VERSION}"))?;
    streams.func_wrap(
        "[method]input-stream.blocking-read",
        |mut store: Store<'_>, (stream, len): (Resource<DynInputStream>, u64)| {
            let (table, bound) = waits(&mut store);
            let result = bound.run(async move { Ok(table.blocking_read(stream, len).await) })?;
            stream_result(&mut store, result)
        },
    )?;
    streams.func_wrap(
        "[method]input-stream.blocking-skip",
        |mut store: Store<'_>, (stream, len): (Resource<DynInputStream>, u64)| {
            let (table, bound) = waits(&mut store);
            let result = bound.run(async move { Ok(table.blocking_skip(stream, len).await) })?;
            stream_result(&mut store, result)
        },
    )?;
    streams.func_wrap(
        "[method]output-stream.blocking-write-and-flush",
        |mut store: Store<'_>, (stream, bytes): (Resource<DynOutputStream>, Vec<u8>)| {
            let (table, bound) = waits(&mut store);
            let result = bound.run(async move { Ok(table.blocking_write_and_flush(stream, bytes).await) })?;
            stream_result(&mut store, result)
        },
    )?;
    streams.func_wrap(
        "[method]output-stream.blocking-write-zeroes-and-flush",
        |mut store: Store<'_>, (stream, len): (Resource<DynOutputStream>, u64)| {
            let (table, bound) = waits(&mut store);
            let result = bound.run(async move { Ok(table.blocking_write_zeroes_and_flush(stream, len).await) })?;
            stream_result(&mut store, result)
        },
    )?;
    streams.func_wrap("[method]output-stream.blocking-flush", |mut store: Store<'_>, (stream,): (Resource<DynOutputStream>,)| {
        let (table, bound) = waits(&mut store);
            let result = bound.run(async move { Ok(table.blocking_flush(stream).await) })?;
        stream_result(&mut store, result)
    })?;
    streams.func_wrap(
        "[method]output-stream.blocking-splice",
        |mut store: Store<'_>, (to, from, len): (Resource<DynOutputStream>, Resource<DynInputStream>, u64)| {
            let (table, bound) = waits(&mut store);
            let result = bound.run(async move { Ok(table.blocking_splice(to, from, len).await) })?;
            stream_result(&mut store, result)
        },
    )?;
    Ok(())
}
