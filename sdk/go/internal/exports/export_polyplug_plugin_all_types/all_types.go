// Package export_polyplug_plugin_all_types is what the generated entry points
// of the conformance world's `all-types` interface call: it hands each call
// to the registered plugin and collects garbage after it (package gc). The
// `counter` resource's handle glue (wit_bindings.go) is generated into this
// package; the Counter type it manages is defined here, wrapping the
// plugin's own counter value.
package export_polyplug_plugin_all_types

import (
	"runtime"

	at "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_all_types"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// CounterImpl is the plugin's side of the `counter` resource. If it also has
// a Drop() method, that is called when the host drops the counter.
type CounterImpl interface {
	// Increment adds by and returns the new value.
	Increment(by int64) int64
	// Value returns the current value.
	Value() int64
	// Fork returns a new counter starting where this one is now.
	Fork() CounterImpl
}

// AllTypes is the `all-types` interface in Go.
type AllTypes interface {
	IncU8(x uint8) uint8
	IncU16(x uint16) uint16
	IncU32(x uint32) uint32
	IncU64(x uint64) uint64
	NegS8(x int8) int8
	NegS16(x int16) int16
	NegS32(x int32) int32
	NegS64(x int64) int64
	DoubleF32(x float32) float32
	DoubleF64(x float64) float64
	NextChar(c rune) rune
	NotBool(b bool) bool
	ReverseString(s string) string
	ReverseBytes(b []uint8) []uint8
	SumList(xs []int64) int64
	UpperAll(xs []string) []string
	MovePoint(p at.Point, dx int32, dy int32) at.Point
	Area(s at.Shape) float64
	NextColor(c at.Color) at.Color
	TogglePermissions(p at.Permissions) at.Permissions
	OptionLen(s witTypes.Option[string]) witTypes.Option[uint32]
	NestedOption(x witTypes.Option[witTypes.Option[uint32]]) witTypes.Option[witTypes.Option[uint32]]
	ParseNumber(s string) witTypes.Result[uint32, at.Failure]
	RotateTuple(t witTypes.Tuple3[uint8, string, float64]) (float64, uint8, string)
	EchoEverything(e at.Everything) at.Everything
	// NewCounter is the counter's constructor.
	NewCounter(start int64) CounterImpl
	SumCounters(a CounterImpl, b CounterImpl) int64
	LiveCounters() uint32
	HostRoundTrip(key string, message string) witTypes.Option[string]
	ReadSecret(name string) string
}

var registered AllTypes

// Register makes a the plugin the `all-types` calls go to.
func Register(a AllTypes) {
	registered = a
}

func impl() AllTypes {
	_ = export_polyplug_plugin_plugin.Registered()
	return registered
}

// Counter is a `counter` resource: the handle the host holds, and the
// plugin's value behind it.
type Counter struct {
	handle int32
	pinner runtime.Pinner
	impl   CounterImpl
}

// OnDrop runs when the counter is dropped (wit_bindings.go calls it).
func (c *Counter) OnDrop() {
	if dropper, ok := c.impl.(interface{ Drop() }); ok {
		dropper.Drop()
	}
	c.impl = nil
	gc.AfterExport()
}

// Impl is the plugin's value behind the counter.
func (c *Counter) Impl() CounterImpl {
	return c.impl
}

// MakeCounter is the `counter` constructor.
func MakeCounter(start int64) *Counter {
	c := &Counter{impl: impl().NewCounter(start)}
	gc.AfterExport()
	return c
}

// Increment is the `counter.increment` method.
func (c *Counter) Increment(by int64) int64 {
	r := c.impl.Increment(by)
	gc.AfterExport()
	return r
}

// Value is the `counter.value` method.
func (c *Counter) Value() int64 {
	r := c.impl.Value()
	gc.AfterExport()
	return r
}

// Fork is the `counter.fork` method.
func (c *Counter) Fork() *Counter {
	r := &Counter{impl: c.impl.Fork()}
	gc.AfterExport()
	return r
}

func IncU8(x uint8) uint8 {
	r := impl().IncU8(x)
	gc.AfterExport()
	return r
}

func IncU16(x uint16) uint16 {
	r := impl().IncU16(x)
	gc.AfterExport()
	return r
}

func IncU32(x uint32) uint32 {
	r := impl().IncU32(x)
	gc.AfterExport()
	return r
}

func IncU64(x uint64) uint64 {
	r := impl().IncU64(x)
	gc.AfterExport()
	return r
}

func NegS8(x int8) int8 {
	r := impl().NegS8(x)
	gc.AfterExport()
	return r
}

func NegS16(x int16) int16 {
	r := impl().NegS16(x)
	gc.AfterExport()
	return r
}

func NegS32(x int32) int32 {
	r := impl().NegS32(x)
	gc.AfterExport()
	return r
}

func NegS64(x int64) int64 {
	r := impl().NegS64(x)
	gc.AfterExport()
	return r
}

func DoubleF32(x float32) float32 {
	r := impl().DoubleF32(x)
	gc.AfterExport()
	return r
}

func DoubleF64(x float64) float64 {
	r := impl().DoubleF64(x)
	gc.AfterExport()
	return r
}

func NextChar(c rune) rune {
	r := impl().NextChar(c)
	gc.AfterExport()
	return r
}

func NotBool(b bool) bool {
	r := impl().NotBool(b)
	gc.AfterExport()
	return r
}

func ReverseString(s string) string {
	r := impl().ReverseString(s)
	gc.AfterExport()
	return r
}

func ReverseBytes(b []uint8) []uint8 {
	r := impl().ReverseBytes(b)
	gc.AfterExport()
	return r
}

func SumList(xs []int64) int64 {
	r := impl().SumList(xs)
	gc.AfterExport()
	return r
}

func UpperAll(xs []string) []string {
	r := impl().UpperAll(xs)
	gc.AfterExport()
	return r
}

func MovePoint(p at.Point, dx int32, dy int32) at.Point {
	r := impl().MovePoint(p, dx, dy)
	gc.AfterExport()
	return r
}

func Area(s at.Shape) float64 {
	r := impl().Area(s)
	gc.AfterExport()
	return r
}

func NextColor(c at.Color) at.Color {
	r := impl().NextColor(c)
	gc.AfterExport()
	return r
}

func TogglePermissions(p at.Permissions) at.Permissions {
	r := impl().TogglePermissions(p)
	gc.AfterExport()
	return r
}

func OptionLen(s witTypes.Option[string]) witTypes.Option[uint32] {
	r := impl().OptionLen(s)
	gc.AfterExport()
	return r
}

func NestedOption(x witTypes.Option[witTypes.Option[uint32]]) witTypes.Option[witTypes.Option[uint32]] {
	r := impl().NestedOption(x)
	gc.AfterExport()
	return r
}

func ParseNumber(s string) witTypes.Result[uint32, at.Failure] {
	r := impl().ParseNumber(s)
	gc.AfterExport()
	return r
}

func RotateTuple(t witTypes.Tuple3[uint8, string, float64]) (float64, uint8, string) {
	r0, r1, r2 := impl().RotateTuple(t)
	gc.AfterExport()
	return r0, r1, r2
}

func EchoEverything(e at.Everything) at.Everything {
	r := impl().EchoEverything(e)
	gc.AfterExport()
	return r
}

func SumCounters(a *Counter, b *Counter) int64 {
	r := impl().SumCounters(a.impl, b.impl)
	gc.AfterExport()
	return r
}

func LiveCounters() uint32 {
	r := impl().LiveCounters()
	gc.AfterExport()
	return r
}

func HostRoundTrip(key string, message string) witTypes.Option[string] {
	r := impl().HostRoundTrip(key, message)
	gc.AfterExport()
	return r
}

func ReadSecret(name string) string {
	r := impl().ReadSecret(name)
	gc.AfterExport()
	return r
}
