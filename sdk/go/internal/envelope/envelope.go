// Package envelope holds the helpers that read and change the message
// envelopes of the worlds that see them, transform@0.2 and filter@0.2: one
// implementation for both, since neither world's package may import the
// other (each brings in its own world, and a component exports only its
// world). It imports no world package.
//
// Plugins do not import it: they use the same helpers through their world's
// package, github.com/polyplug/polyplug/sdk/go/transform02 or
// github.com/polyplug/polyplug/sdk/go/filter02, where they are documented.
package envelope

import (
	"encoding/json"
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_envelopes_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/pairs"
)

// Envelope, Context and Step are what the helpers work on.
type (
	Envelope = polyplug_plugin_envelopes_0_2.Envelope
	Context  = polyplug_plugin_envelopes_0_2.Context
	Step     = polyplug_plugin_envelopes_0_2.Step
)

// Pair is a header's name and value.
type Pair = pairs.Pair

// NewPair returns the pair name, value.
func NewPair(name, value string) Pair {
	return pairs.New(name, value)
}

// Header is the value of message's first header called name (in any
// case), and whether there is one.
func Header(message Envelope, name string) (string, bool) {
	return pairs.First(message.Headers, name, true)
}

// HeaderValues is the values of every header of message called name (in
// any case), in order.
func HeaderValues(message Envelope, name string) []string {
	return pairs.All(message.Headers, name, true)
}

// SetHeader gives the first header of message called name (in any case)
// value and drops the others of that name, or appends name: value when
// there is none.
func SetHeader(message *Envelope, name, value string) {
	message.Headers = pairs.Set(message.Headers, name, value)
}

// AddHeader appends the header name: value to message's headers.
func AddHeader(message *Envelope, name, value string) {
	message.Headers = append(message.Headers, NewPair(name, value))
}

// RemoveHeader removes every header of message called name (in any case)
// and says whether there was one.
func RemoveHeader(message *Envelope, name string) bool {
	var removed bool
	message.Headers, removed = pairs.Remove(message.Headers, name)
	return removed
}

// DecodeJSON decodes message's payload, JSON, into v (see json.Unmarshal).
func DecodeJSON(message Envelope, v any) error {
	if err := json.Unmarshal(message.Payload, v); err != nil {
		return fmt.Errorf("the payload of message `%s` (%s) is not the JSON expected: %w", message.Id, message.ContentType, err)
	}
	return nil
}

// SetJSON makes value, as JSON, message's payload, of type application/json.
func SetJSON(message *Envelope, value any) error {
	payload, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("cannot write the payload of message `%s` in JSON: %w", message.Id, err)
	}
	message.Payload, message.ContentType = payload, "application/json"
	return nil
}
