// Package gc keeps Go's garbage collector out of cabi_realloc.
//
// When the host copies a string or list argument into a Go plugin it calls
// the plugin's cabi_realloc, and the component model forbids calling any
// import from there. Go's collector, when it runs inside that allocation,
// reads the clock and polls timers through WASI imports, and the call traps
// with "cannot leave component instance" (wasmtime issue 14318). So the SDK
// turns automatic collection off when the plugin starts, and collects
// explicitly at the end of an export call, where imports are allowed, once
// enough has been allocated since the last collection. Every export wrapper
// of the SDK calls AfterExport; plugin code never needs to.
package gc

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Threshold is how many bytes a plugin may allocate between two collections.
// The heap grows to about what is live plus this much, and no further.
const Threshold = 4 << 20

// maxInterval is the most export calls between two reads of the allocation
// counter. Reading it (runtime/metrics) costs ~0.6 µs in a plugin, three
// times a trivial call, so it is read only as often as the allocation rate
// requires.
const maxInterval = 64

var (
	allocs = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	// lastCollect is the allocation counter at the last collection.
	lastCollect uint64
	// lastRead is the allocation counter at the last read.
	lastRead uint64
	// interval is how many export calls to let pass before the next read;
	// untilRead counts them down.
	interval, untilRead uint64 = 1, 1
)

func init() {
	debug.SetGCPercent(-1)
}

// allocated is the number of bytes allocated on the heap since the plugin started.
func allocated() uint64 {
	metrics.Read(allocs)
	return allocs[0].Value.Uint64()
}

// AfterExport collects garbage once Threshold bytes or more have been
// allocated since the last collection. Call it at the end of every export,
// never from cabi_realloc.
//
// It reads the allocation counter after every call while a call allocates
// much, and up to maxInterval calls apart while calls allocate little: the
// next read is due, at the rate seen since the last one, when at most half of
// what is left below Threshold would have been allocated.
func AfterExport() {
	untilRead--
	if untilRead > 0 {
		return
	}
	now := allocated()
	perCall := (now - lastRead) / interval
	lastRead = now
	if now-lastCollect >= Threshold {
		runtime.GC()
		lastCollect = allocated()
		lastRead = lastCollect
	}
	left := Threshold - (lastRead - lastCollect)
	interval = maxInterval
	if perCall > 0 && left/(2*perCall) < maxInterval {
		interval = max(left/(2*perCall), 1)
	}
	untilRead = interval
}
