// The conformance world implemented with the Go SDK: every WIT type, with
// the behaviour wit/conformance.wit documents for each function (the same
// as tests/conformance/rust, which the host tests hold both to).
package main

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/conformance"
	"github.com/polyplug/polyplug/sdk/go/kv"
	"github.com/polyplug/polyplug/sdk/go/log"
	"github.com/polyplug/polyplug/sdk/go/secrets"
)

type plugin struct{}

func init() { conformance.Export(plugin{}) }

// A plugin's main never runs; Go needs one for a program.
func main() {}

func (plugin) Describe() conformance.PluginInfo {
	return conformance.PluginInfo{
		Name:        "conformance-go",
		Version:     "0.1.0",
		Description: "Every WIT type, in Go",
	}
}

func (plugin) Init(config.Entries) error { return nil }

// liveCounters counts the counters made by NewCounter or Fork and not yet
// dropped by the host.
var liveCounters uint32

// counter is the guest side of the `counter` resource.
type counter struct{ value int64 }

func startingAt(value int64) *counter {
	liveCounters++
	return &counter{value: value}
}

func (c *counter) Increment(by int64) int64 {
	c.value += by // wraps, as Go's integer arithmetic does
	return c.value
}

func (c *counter) Value() int64 { return c.value }

func (c *counter) Fork() conformance.Counter { return startingAt(c.value) }

// Drop runs when the host drops the counter.
func (c *counter) Drop() { liveCounters-- }

func (plugin) NewCounter(start int64) conformance.Counter { return startingAt(start) }

func (plugin) SumCounters(a, b conformance.Counter) int64 { return a.Value() + b.Value() }

func (plugin) LiveCounters() uint32 { return liveCounters }

func (plugin) IncU8(x uint8) uint8         { return x + 1 }
func (plugin) IncU16(x uint16) uint16      { return x + 1 }
func (plugin) IncU32(x uint32) uint32      { return x + 1 }
func (plugin) IncU64(x uint64) uint64      { return x + 1 }
func (plugin) NegS8(x int8) int8           { return -x }
func (plugin) NegS16(x int16) int16        { return -x }
func (plugin) NegS32(x int32) int32        { return -x }
func (plugin) NegS64(x int64) int64        { return -x }
func (plugin) DoubleF32(x float32) float32 { return x * 2 }
func (plugin) DoubleF64(x float64) float64 { return x * 2 }
func (plugin) NotBool(b bool) bool         { return !b }

func (plugin) NextChar(c rune) rune {
	next := c + 1
	if (next >= 0xD800 && next <= 0xDFFF) || next > utf8.MaxRune {
		return c
	}
	return next
}

func (plugin) ReverseString(s string) string {
	runes := []rune(s)
	for i, j := 0, len(runes)-1; i < j; i, j = i+1, j-1 {
		runes[i], runes[j] = runes[j], runes[i]
	}
	return string(runes)
}

func (plugin) ReverseBytes(b []uint8) []uint8 {
	reversed := make([]uint8, len(b))
	for i, x := range b {
		reversed[len(b)-1-i] = x
	}
	return reversed
}

func (plugin) SumList(xs []int64) int64 {
	var sum int64
	for _, x := range xs {
		sum += x
	}
	return sum
}

// UpperAll upper-cases ASCII letters only, as Rust's to_ascii_uppercase.
func (plugin) UpperAll(xs []string) []string {
	upper := make([]string, len(xs))
	for i, s := range xs {
		b := []byte(s)
		for j, c := range b {
			if 'a' <= c && c <= 'z' {
				b[j] = c - ('a' - 'A')
			}
		}
		upper[i] = string(b)
	}
	return upper
}

func (plugin) MovePoint(p conformance.Point, dx, dy int32) conformance.Point {
	return conformance.Point{X: p.X + dx, Y: p.Y + dy, Label: p.Label + " moved"}
}

func (plugin) Area(s conformance.Shape) float64 {
	switch s.Tag() {
	case conformance.ShapeCircle:
		r := s.Circle()
		return math.Pi * r * r
	case conformance.ShapeRectangle:
		size := s.Rectangle()
		return size.F0 * size.F1
	case conformance.ShapePolygon:
		points := s.Polygon()
		n := len(points)
		var twice int64
		for i := range points {
			a, b := points[i], points[(i+1)%n]
			twice += int64(a.X)*int64(b.Y) - int64(b.X)*int64(a.Y)
		}
		if twice < 0 {
			twice = -twice
		}
		return float64(twice) / 2
	default:
		return 0
	}
}

func (plugin) NextColor(c conformance.Color) conformance.Color {
	switch c {
	case conformance.ColorRed:
		return conformance.ColorGreen
	case conformance.ColorGreen:
		return conformance.ColorBlue
	default:
		return conformance.ColorRed
	}
}

func (plugin) TogglePermissions(p conformance.Permissions) conformance.Permissions {
	return p ^ (conformance.PermissionsRead | conformance.PermissionsWrite | conformance.PermissionsExecute)
}

func (plugin) OptionLen(s conformance.Option[string]) conformance.Option[uint32] {
	if s.IsNone() {
		return conformance.None[uint32]()
	}
	return conformance.Some(uint32(len(s.Some())))
}

func (plugin) NestedOption(x conformance.Option[conformance.Option[uint32]]) conformance.Option[conformance.Option[uint32]] {
	if x.IsNone() {
		return x
	}
	inner := x.Some()
	if inner.IsNone() {
		return x
	}
	return conformance.Some(conformance.Some(inner.Some() * 2))
}

// ParseNumber parses a decimal u32: digits only (no sign, no spaces).
func (plugin) ParseNumber(s string) conformance.Result[uint32, conformance.Failure] {
	if s == "" {
		return conformance.Err[uint32](conformance.FailureEmptyInput)
	}
	if len(s) > 10 || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return conformance.Err[uint32](conformance.FailureTooLong)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		// Anything else that is not a u32 counts as too long: the WIT has no third case.
		return conformance.Err[uint32](conformance.FailureTooLong)
	}
	return conformance.Ok[uint32, conformance.Failure](uint32(n))
}

func (plugin) RotateTuple(t conformance.Tuple3[uint8, string, float64]) (float64, uint8, string) {
	return t.F2, t.F0, t.F1
}

func (plugin) EchoEverything(e conformance.Everything) conformance.Everything { return e }

func (plugin) HostRoundTrip(key, message string) conformance.Option[string] {
	log.Info(message)
	value, ok := config.Get(key)
	if !ok {
		return conformance.None[string]()
	}
	if err := kv.Set(key, []byte(value)); err != nil {
		return conformance.None[string]()
	}
	stored, ok := kv.Get(key)
	if !ok {
		return conformance.None[string]()
	}
	return conformance.Some(lossy(stored))
}

func (plugin) ReadSecret(name string) string {
	value, err := secrets.Get(name)
	if err != nil {
		// Get's errors are *secrets.Error: the kind and the host's message.
		refused := err.(*secrets.Error)
		return "error:" + string(refused.Kind) + ":" + refused.Message
	}
	return "value:" + value
}

// lossy decodes b as UTF-8 the way Rust's String::from_utf8_lossy does: each
// maximal invalid subsequence becomes one U+FFFD.
func lossy(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			out.Write(b[:size])
			b = b[size:]
			continue
		}
		out.WriteRune(utf8.RuneError)
		b = b[invalidPrefix(b):]
	}
	return out.String()
}

// invalidPrefix is the length of the maximal prefix of b (which does not
// start with a valid UTF-8 sequence) that could start one: the lead byte and
// the continuation bytes that fit it (Unicode's "maximal subpart").
func invalidPrefix(b []byte) int {
	lo, hi := byte(0x80), byte(0xBF)
	var need int
	switch first := b[0]; {
	case first >= 0xC2 && first <= 0xDF:
		need = 1
	case first == 0xE0:
		need, lo = 2, 0xA0
	case first == 0xED:
		need, hi = 2, 0x9F
	case first >= 0xE1 && first <= 0xEF:
		need = 2
	case first == 0xF0:
		need, lo = 3, 0x90
	case first == 0xF4:
		need, hi = 3, 0x8F
	case first >= 0xF1 && first <= 0xF3:
		need = 3
	default:
		return 1
	}
	i := 1
	for ; i <= need && i < len(b); i++ {
		if b[i] < lo || b[i] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return i
}
