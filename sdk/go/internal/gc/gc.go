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

var (
	allocs      = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	lastCollect uint64
)

func init() {
	debug.SetGCPercent(-1)
}

// allocated is the number of bytes allocated on the heap since the plugin started.
func allocated() uint64 {
	metrics.Read(allocs)
	return allocs[0].Value.Uint64()
}

// AfterExport collects garbage if Threshold bytes or more have been allocated
// since the last collection. Call it at the end of every export, never from
// cabi_realloc.
func AfterExport() {
	if allocated()-lastCollect < Threshold {
		return
	}
	runtime.GC()
	lastCollect = allocated()
}
