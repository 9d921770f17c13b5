// Package conformance is the conformance world: every WIT type crossing the
// boundary both ways, so that the host can prove each SDK maps them the same
// way (tests/conformance/go implements it). Its types are the WIT types as
// the SDK maps them everywhere:
//
//   - records are structs (Point, Everything);
//   - variants are structs with a Tag method, an accessor per case and a
//     Make<Variant><Case> constructor per case (Shape);
//   - enums and flags are small unsigned integers with a constant per case
//     or flag (Color, Permissions, Failure);
//   - option<T> is Option[T] (Some, None, IsSome, Some()), result<T, E> is
//     Result[T, E] (Ok, Err, IsOk, Ok(), Err()), tuples are Tuple2, Tuple3
//     with fields F0, F1, ... (a function returning a tuple returns its
//     parts as Go results);
//   - resources are Go values behind an interface (Counter).
//
// The use-case worlds (transform, auth) turn a function's result<T, string>
// into Go's (T, error) as well.
package conformance

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	at "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_all_types"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_conformance"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_all_types"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// Option is a WIT option<T>: see Some and None.
type Option[T any] = witTypes.Option[T]

// Some returns the option holding value.
func Some[T any](value T) Option[T] { return witTypes.Some(value) }

// None returns the empty option.
func None[T any]() Option[T] { return witTypes.None[T]() }

// Result is a WIT result<T, E>: see Ok and Err.
type Result[T any, E any] = witTypes.Result[T, E]

// Ok returns the successful result value.
func Ok[T any, E any](value T) Result[T, E] { return witTypes.Ok[T, E](value) }

// Err returns the failed result value.
func Err[T any, E any](value E) Result[T, E] { return witTypes.Err[T, E](value) }

// Tuple3 is a WIT tuple of three.
type Tuple3[A any, B any, C any] = witTypes.Tuple3[A, B, C]

// Tuple2 is a WIT tuple of two.
type Tuple2[A any, B any] = witTypes.Tuple2[A, B]

// Point is a record with fields of several types.
type Point = at.Point

// Shape is a variant with payload-carrying and empty cases.
type Shape = at.Shape

// The cases of Shape, as Shape.Tag returns them.
const (
	ShapeCircle    = at.ShapeCircle
	ShapeRectangle = at.ShapeRectangle
	ShapePolygon   = at.ShapePolygon
	ShapeEmpty     = at.ShapeEmpty
)

// MakeShapeCircle returns a circle of radius r.
func MakeShapeCircle(r float64) Shape { return at.MakeShapeCircle(r) }

// MakeShapeRectangle returns a rectangle of width and height.
func MakeShapeRectangle(size Tuple2[float64, float64]) Shape { return at.MakeShapeRectangle(size) }

// MakeShapePolygon returns a polygon through points.
func MakeShapePolygon(points []Point) Shape { return at.MakeShapePolygon(points) }

// MakeShapeEmpty returns the empty shape.
func MakeShapeEmpty() Shape { return at.MakeShapeEmpty() }

// Color is an enum.
type Color = at.Color

// The colors.
const (
	ColorRed   = at.ColorRed
	ColorGreen = at.ColorGreen
	ColorBlue  = at.ColorBlue
)

// Permissions is a set of flags.
type Permissions = at.Permissions

// The permission flags.
const (
	PermissionsRead    = at.PermissionsRead
	PermissionsWrite   = at.PermissionsWrite
	PermissionsExecute = at.PermissionsExecute
)

// Failure is an error enum for a result.
type Failure = at.Failure

// The failures.
const (
	FailureEmptyInput = at.FailureEmptyInput
	FailureTooLong    = at.FailureTooLong
)

// Everything is a record that nests every compound type.
type Everything = at.Everything

// Counter is the plugin's side of the `counter` resource. If the value also
// has a Drop() method, it is called when the host drops the counter.
type Counter = export_polyplug_plugin_all_types.CounterImpl

// Plugin is what a conformance plugin implements: every function of
// wit/conformance.wit, with the behaviour its documentation says.
type Plugin interface {
	Describe() PluginInfo
	Init(config Config) error

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
	MovePoint(p Point, dx int32, dy int32) Point
	Area(s Shape) float64
	NextColor(c Color) Color
	TogglePermissions(p Permissions) Permissions
	OptionLen(s Option[string]) Option[uint32]
	NestedOption(x Option[Option[uint32]]) Option[Option[uint32]]
	ParseNumber(s string) Result[uint32, Failure]
	// RotateTuple returns the tuple's parts rotated: a function returning
	// a tuple returns its parts.
	RotateTuple(t Tuple3[uint8, string, float64]) (float64, uint8, string)
	EchoEverything(e Everything) Everything
	// NewCounter is the counter resource's constructor.
	NewCounter(start int64) Counter
	SumCounters(a Counter, b Counter) int64
	LiveCounters() uint32
	HostRoundTrip(key string, message string) Option[string]
	ReadSecret(name string) string
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("conformance", p)
	export_polyplug_plugin_all_types.Register(p)
}
