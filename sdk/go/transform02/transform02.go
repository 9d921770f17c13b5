// Package transform02 is the transform@0.2 world
// (polyplug:plugin/transform@0.2.0): convert the messages of an integration
// pipeline (map fields, change their format, enrich them). The plugin sees
// the message envelope (its tenant, payload bytes, headers, where it
// entered and the steps it has been through) and the step it is called
// for, and returns the converted envelope, which goes to the next step. An
// error rejects the message: the pipeline retries it within its bound, then
// dead-letters it with the error's message. Package transform is the first
// version, transform@0.1 (text payloads, no envelope); package filter02
// decides whether a message goes on. Implement Plugin on a type and pass a
// value to Export from an init function:
//
//	type stamp struct{}
//
//	func (stamp) Describe() transform02.PluginInfo {
//		return transform02.PluginInfo{Name: "stamp", Version: "0.1.0", Description: "Says which tenant a JSON order is for"}
//	}
//
//	func (stamp) Init(config transform02.Config) error { return nil }
//
//	func (stamp) Convert(message transform02.Envelope, context transform02.Context) (transform02.Envelope, error) {
//		var order map[string]any
//		if err := transform02.DecodeJSON(message, &order); err != nil {
//			return message, err
//		}
//		order["tenant"] = context.TenantId
//		transform02.SetHeader(&message, "x-stamped-by", context.Step)
//		return message, transform02.SetJSON(&message, order)
//	}
//
//	func init() { transform02.Export(stamp{}) }
//
//	func main() {}
package transform02

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_transform_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/envelope"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_converter_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// Envelope is a message and what the pipeline knows about it: Id (unique
// per message, kept through every step), TenantId (whose message it is),
// IntegrationId (the pipeline it flows through), CorrelationId (an Option:
// ties the messages of one business transaction together, when known),
// ContentType (the payload's media type, e.g. application/json), Payload
// (bytes; DecodeJSON reads JSON, SetJSON writes it), Headers (in order,
// names may repeat: Header, HeaderValues, SetHeader, AddHeader,
// RemoveHeader), Source (where it entered, e.g. `http:/orders`), Steps (the
// steps it has been through, oldest first), CreatedAt and ExpiresAt (an
// Option; milliseconds since the Unix epoch) and RetryCount (0 on the first
// try). A converter normally changes the payload, content type and headers
// and keeps the rest. It is filter02's Envelope.
type Envelope = envelope.Envelope

// Context is where in a pipeline the plugin is called: the Pipeline
// (integration), the Step's name in it, and the TenantId the call runs for.
type Context = envelope.Context

// Step is one step a message has been through: its Name in the pipeline,
// the Plugin that ran it (`name@version`), and when it FinishedAt
// (milliseconds since the Unix epoch).
type Step = envelope.Step

// Pair is a header of an Envelope: F0 is its name, F1 its value.
type Pair = envelope.Pair

// NewPair returns the header name: value.
func NewPair(name, value string) Pair {
	return envelope.NewPair(name, value)
}

// Option is a WIT option<T> (an Envelope's CorrelationId and ExpiresAt):
// IsSome says whether it holds a value, Some returns it (and panics when
// there is none), SomeOr returns it or a default; the zero value holds
// nothing.
type Option[T any] = witTypes.Option[T]

// Some returns the option holding value.
func Some[T any](value T) Option[T] { return witTypes.Some(value) }

// None returns the option holding nothing (the zero value).
func None[T any]() Option[T] { return witTypes.None[T]() }

// Header returns the value of the message's first header called name (in
// any case), and whether there is one.
func Header(message Envelope, name string) (string, bool) {
	return envelope.Header(message, name)
}

// HeaderValues returns the values of every header of the message called
// name (in any case), in order.
func HeaderValues(message Envelope, name string) []string {
	return envelope.HeaderValues(message, name)
}

// SetHeader gives the message's first header called name (in any case)
// value and drops the others of that name, or appends name: value when
// there is none.
func SetHeader(message *Envelope, name, value string) {
	envelope.SetHeader(message, name, value)
}

// AddHeader appends the header name: value to the message's headers.
func AddHeader(message *Envelope, name, value string) {
	envelope.AddHeader(message, name, value)
}

// RemoveHeader removes every header of the message called name (in any
// case) and says whether there was one.
func RemoveHeader(message *Envelope, name string) bool {
	return envelope.RemoveHeader(message, name)
}

// DecodeJSON decodes the message's payload, JSON, into v (see
// json.Unmarshal). Its error names the message and its content type.
func DecodeJSON(message Envelope, v any) error {
	return envelope.DecodeJSON(message, v)
}

// SetJSON makes value, as JSON (see json.Marshal), the message's payload,
// of type application/json.
func SetJSON(message *Envelope, value any) error {
	return envelope.SetJSON(message, value)
}

// Plugin is what a transform@0.2 plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// Convert returns message converted, for the next step. context says
	// which pipeline and step call, for which tenant. An error rejects the
	// message: the pipeline retries it within its bound, then dead-letters
	// it with the error's message.
	Convert(message Envelope, context Context) (Envelope, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("transform02", p)
	export_polyplug_plugin_converter_0_2.Register(p)
}
