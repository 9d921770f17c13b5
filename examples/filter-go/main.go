// Example filter@0.2 plugin: drops the messages of an integration pipeline
// whose JSON payload has a configured value at a configured field (test
// orders, internal traffic), with Go's standard library only.
//
// Configuration (read with config.Get in Init; both required):
//
//	| key            | example                   | meaning                                                   |
//	|----------------|---------------------------|-----------------------------------------------------------|
//	| drop-if-field  | test, order.channel       | the field to look at: names of object members, dotted     |
//	| drop-if-equals | true, "internal", 0, null | the JSON value that drops a message when the field has it |
//
// A message whose field equals the value (as JSON values: `1` is `1.0`, an
// object's members may come in any order; `"true"` is not `true`) is
// dropped with the reason "field `order.channel` is "internal""; a message
// without the field (a member missing, or a step of the path that is no
// object) or with another value passes. A payload that is not JSON cannot
// be decided about: Filter returns an error (the WIT `err`), which the
// pipeline retries and then dead-letters, rather than letting an
// unreadable message through or dropping it unseen.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/filter02"
)

// The configuration keys.
const (
	keyField  = "drop-if-field"
	keyEquals = "drop-if-equals"
)

// dropIf is the plugin: its configuration, set by Init (once per instance).
type dropIf struct {
	// field is the configured path as written (`order.channel`), for the
	// reason; path is the same split at its dots.
	field string
	path  []string
	// equals is the configured value, decoded (numbers as json.Number), and
	// text the same as compact JSON text, for the reason.
	equals any
	text   string
}

func init() { filter02.Export(&dropIf{}) }

// A plugin's main never runs; Go needs one for a program.
func main() {}

func (*dropIf) Describe() filter02.PluginInfo {
	return filter02.PluginInfo{
		Name:        "filter-go",
		Version:     "0.1.0",
		Description: "Drops JSON messages whose field at a configured path has a configured value, in Go",
	}
}

func (d *dropIf) Init(entries filter02.Config) error {
	for _, entry := range entries {
		if entry.Key != keyField && entry.Key != keyEquals {
			return fmt.Errorf("unknown config key `%s`; known keys: %s, %s", entry.Key, keyField, keyEquals)
		}
	}
	// Read through the `config` host interface (hence `config = true` in
	// polyplug.toml): the same entries Init was given.
	field, ok := config.Get(keyField)
	if !ok || strings.TrimSpace(field) == "" {
		return fmt.Errorf("config key `%s` is missing; set it to the payload field to look at, a dotted path such as `test` or `order.channel`", keyField)
	}
	field = strings.TrimSpace(field)
	path := strings.Split(field, ".")
	for _, name := range path {
		if name == "" {
			return fmt.Errorf("config key `%s` is `%s`, which is not a dotted path: a name is empty; write one such as `test` or `order.channel`", keyField, field)
		}
	}
	text, ok := config.Get(keyEquals)
	if !ok || strings.TrimSpace(text) == "" {
		return fmt.Errorf("config key `%s` is missing; set it to the JSON value that drops a message, such as `true`, `42` or `\"internal\"`", keyEquals)
	}
	equals, err := decode([]byte(text))
	if err != nil {
		return fmt.Errorf("config key `%s` is not JSON (`%s`: %v); write a JSON value such as `true`, `42` or `\"internal\"` (a string in double quotes)", keyEquals, text, err)
	}
	var compact bytes.Buffer
	// Cannot fail: decode has just read it as JSON.
	_ = json.Compact(&compact, []byte(text))
	d.field, d.path, d.equals, d.text = field, path, equals, compact.String()
	return nil
}

func (d *dropIf) Filter(message filter02.Envelope, context filter02.Context) (filter02.Decision, error) {
	payload, err := decode(message.Payload)
	if err != nil {
		return filter02.Decision{}, fmt.Errorf("cannot decide: the message is not JSON: %v", err)
	}
	value, found := lookup(payload, d.path)
	if found && equal(value, d.equals) {
		return filter02.Drop(fmt.Sprintf("field `%s` is %s", d.field, d.text)), nil
	}
	return filter02.Pass(), nil
}

// decode reads text as exactly one JSON value (with nothing but whitespace
// after it), numbers as json.Number, so that equal compares them exactly
// rather than as float64s.
func decode(text []byte) (any, error) {
	decoder := json.NewDecoder(bytes.NewReader(text))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("it is empty")
		}
		return nil, err
	}
	end := decoder.InputOffset()
	if _, err := decoder.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("more follows the JSON value that ends at offset %d", end)
	}
	return value, nil
}

// lookup returns the value at path in value, and whether there is one: each
// name a member of an object (`null` is a value; a step that is no object
// is no field).
func lookup(value any, path []string) (any, bool) {
	for _, name := range path {
		object, ok := value.(map[string]any)
		if !ok {
			return nil, false
		}
		if value, ok = object[name]; !ok {
			return nil, false
		}
	}
	return value, true
}

// equal says whether a and b, as decode returns them, are the same JSON
// value: numbers by value, arrays in order, objects by their members in any
// order.
func equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	case json.Number:
		b, ok := b.(json.Number)
		return ok && sameNumber(a, b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for name, value := range a {
			other, ok := b[name]
			if !ok || !equal(value, other) {
				return false
			}
		}
		return true
	}
	return false
}

// sameNumber says whether two JSON numbers are the same number (`1`, `1.0`
// and `1e0` are). They are compared as 512-bit floats, exact for every
// integer a payload carries in practice and every float64, where a float64
// would confuse integers above 2^53; and unlike exact rationals, a huge
// exponent (`1e999999999`) costs no more than a small one.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okX := number(a)
	y, okY := number(b)
	return okX && okY && x.Cmp(y) == 0
}

// number is n as a 512-bit float, unless it is beyond what one holds: it
// overflows to infinity, or a number that is not zero underflows to zero
// (then only the same text is the same number).
func number(n json.Number) (*big.Float, bool) {
	x, _, err := big.ParseFloat(string(n), 10, 512, big.ToNearestEven)
	if err != nil || x.IsInf() {
		return nil, false
	}
	mantissa, _, _ := strings.Cut(strings.ToLower(string(n)), "e")
	if x.Sign() == 0 && strings.ContainsAny(mantissa, "123456789") {
		return nil, false
	}
	return x, true
}
