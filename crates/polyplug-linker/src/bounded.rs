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
//!
//! Each wait is written once, as a future; [`Calls`] decides how it is
//! waited for: blocking the calling thread (synchronous calls), or awaited
//! on the host's tokio runtime (asynchronous calls, which then free their
//! worker thread while the plugin waits).

use std::future::Future;
use std::pin::Pin;

use wasmtime::StoreContextMut;
use wasmtime::component::{ComponentNamedList, LinkerInstance, Lift, Linker, Lower, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::io::poll::{Host as _, HostPollable as _};
use wasmtime_wasi::p2::bindings::io::streams::{self, HostInputStream as _, HostOutputStream as _, StreamError};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable};
use wasmtime_wasi::runtime::in_tokio;

use crate::{Calls, PluginState, WASI_VERSION};

/// The time a call has left, and the error for when it runs out.
struct Bound {
    left: std::time::Duration,
    expired: polyplug_limits::LimitError,
}

impl Bound {
    /// Waits for `wait`, on the host's runtime, until it is done or the call's deadline passes.
    async fn wait<R>(self, wait: impl Future<Output = wasmtime::Result<R>>) -> wasmtime::Result<R> {
        match tokio::time::timeout(self.left, wait).await {
            Ok(result) => result,
            Err(_elapsed) => Err(wasmtime::Error::new(self.expired)),
        }
    }

    /// Blocks the calling thread in [`Bound::wait`].
    fn block_on<R>(self, wait: impl Future<Output = wasmtime::Result<R>>) -> wasmtime::Result<R> {
        // The timer must be made inside the runtime `in_tokio` enters.
        in_tokio(self.wait(wait))
    }
}

/// The store's resource table, and the bound on waiting in it.
fn waits(state: &mut PluginState) -> (&mut ResourceTable, Bound) {
    let bound = Bound { left: state.deadline.time_left(), expired: state.deadline.expired() };
    (&mut state.table, bound)
}

/// One wait, as a future over the store's resource table.
type Wait<'a, R> = Pin<Box<dyn Future<Output = wasmtime::Result<R>> + Send + 'a>>;

/// Defines `name` in `instance` as `wait`, bounded by the call's deadline, waited for as `calls` says.
fn shadow<P, R>(
    instance: &mut LinkerInstance<'_, PluginState>,
    name: &str,
    calls: Calls,
    wait: for<'a> fn(&'a mut ResourceTable, P) -> Wait<'a, R>,
) -> wasmtime::Result<()>
where
    P: ComponentNamedList + Lift + Send + 'static,
    R: ComponentNamedList + Lower + Send + 'static,
{
    match calls {
        Calls::Sync => instance.func_wrap(name, move |mut store: StoreContextMut<'_, PluginState>, params: P| {
            let (table, bound) = waits(store.data_mut());
            bound.block_on(wait(table, params))
        }),
        Calls::Async => instance.func_wrap_async(name, move |mut store: StoreContextMut<'_, PluginState>, params: P| {
            Box::new(async move {
                let (table, bound) = waits(store.data_mut());
                bound.wait(wait(table, params)).await
            })
        }),
    }
}

/// A stream operation's result as the guest sees it: closed / failed are
/// values, a trap is an error.
fn stream_result<T>(
    table: &mut ResourceTable,
    result: Result<T, wasmtime_wasi::p2::StreamError>,
) -> wasmtime::Result<(Result<T, StreamError>,)> {
    match result {
        Ok(value) => Ok((Ok(value),)),
        Err(error) => Ok((Err(streams::Host::convert_stream_error(table, error)?),)),
    }
}

/// Shadows every waiting function of `wasi:io` with its deadline-bounded version.
pub(crate) fn bound_waits(linker: &mut Linker<PluginState>, calls: Calls) -> wasmtime::Result<()> {
    let mut poll = linker.instance(&format!("wasi:io/poll@{WASI_VERSION}"))?;
    shadow(&mut poll, "poll", calls, |table, (pollables,): (Vec<Resource<DynPollable>>,)| {
        Box::pin(async move { table.poll(pollables).await.map(|ready| (ready,)) })
    })?;
    shadow(&mut poll, "[method]pollable.block", calls, |table, (pollable,): (Resource<DynPollable>,)| {
        Box::pin(table.block(pollable))
    })?;

    let mut streams = linker.instance(&format!("wasi:io/streams@{WASI_VERSION}"))?;
    shadow(&mut streams, "[method]input-stream.blocking-read", calls, |table, (stream, len): (Resource<DynInputStream>, u64)| {
        Box::pin(async move {
            let result = table.blocking_read(stream, len).await;
            stream_result(table, result)
        })
    })?;
    shadow(&mut streams, "[method]input-stream.blocking-skip", calls, |table, (stream, len): (Resource<DynInputStream>, u64)| {
        Box::pin(async move {
            let result = table.blocking_skip(stream, len).await;
            stream_result(table, result)
        })
    })?;
    shadow(
        &mut streams,
        "[method]output-stream.blocking-write-and-flush",
        calls,
        |table, (stream, bytes): (Resource<DynOutputStream>, Vec<u8>)| {
            Box::pin(async move {
                let result = table.blocking_write_and_flush(stream, bytes).await;
                stream_result(table, result)
            })
        },
    )?;
    shadow(
        &mut streams,
        "[method]output-stream.blocking-write-zeroes-and-flush",
        calls,
        |table, (stream, len): (Resource<DynOutputStream>, u64)| {
            Box::pin(async move {
                let result = table.blocking_write_zeroes_and_flush(stream, len).await;
                stream_result(table, result)
            })
        },
    )?;
    shadow(&mut streams, "[method]output-stream.blocking-flush", calls, |table, (stream,): (Resource<DynOutputStream>,)| {
        Box::pin(async move {
            let result = table.blocking_flush(stream).await;
            stream_result(table, result)
        })
    })?;
    shadow(
        &mut streams,
        "[method]output-stream.blocking-splice",
        calls,
        |table, (to, from, len): (Resource<DynOutputStream>, Resource<DynInputStream>, u64)| {
            Box::pin(async move {
                let result = table.blocking_splice(to, from, len).await;
                stream_result(table, result)
            })
        },
    )?;
    Ok(())
}
