// Package filter02 is the filter@0.2 world (polyplug:plugin/filter@0.2.0):
// decide whether a message of an integration pipeline goes on. The plugin
// sees the message envelope (its tenant, payload bytes, headers, where it
// entered and the steps it has been through) and the step it is called for,
// and passes the message (Pass) or drops it with a reason (Drop: on
// purpose, never retried). An error means the plugin could not decide: the
// pipeline treats it as a failure and retries. Package transform02 is the
// world of converters, on the same envelopes. Implement Plugin on a type
// and pass a value to Export from an init function:
//
//	type dropTests struct{}
//
//	func (dropTests) Describe() filter02.PluginInfo {
//		return filter02.PluginInfo{Name: "drop-tests", Version: "0.1.0", Description: "Drops test messages"}
//	}
//
//	func (dropTests) Init(config filter02.Config) error { return nil }
//
//	func (dropTests) Filter(message filter02.Envelope, context filter02.Context) (filter02.Decision, error) {
//		if len(message.Payload) == 0 {
//			return filter02.Decision{}, fmt.Errorf("message `%s` has no payload to judge", message.Id)
//		}
//		if test, _ := filter02.Header(message, "x-test"); test == "true" {
//			return filter02.Drop(fmt.Sprintf("test messages stop at step `%s`", context.Step)), nil
//		}
//		return filter02.Pass(), nil
//	}
//
//	func init() { filter02.Export(dropTests{}) }
//
//	func main() {}
package filter02

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_message_filter_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_filter_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/envelope"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_message_filter_0_2"
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
// (bytes; DecodeJSON reads JSON), Headers (in order, names may repeat: read
// them with Header and HeaderValues), Source (where it entered, e.g.
// `http:/orders`), Steps (the steps it has been through, oldest first),
// CreatedAt and ExpiresAt (an Option; milliseconds since the Unix epoch)
// and RetryCount (0 on the first try). It is transform02's Envelope.
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

// Decision is what the filter decides about a message: DecisionPass (see
// Pass) or DecisionDrop (see Drop), as its Tag says; its Drop accessor
// returns a dropping decision's reason.
type Decision = polyplug_plugin_message_filter_0_2.Decision

// The kinds of decision, as Decision.Tag returns them.
const (
	DecisionPass = polyplug_plugin_message_filter_0_2.DecisionPass
	DecisionDrop = polyplug_plugin_message_filter_0_2.DecisionDrop
)

// Pass lets the message go on, unchanged, to the next step.
func Pass() Decision {
	return polyplug_plugin_message_filter_0_2.MakeDecisionPass()
}

// Drop stops the message here, on purpose, for reason (the pipeline
// records it, e.g. "test orders are not forwarded"). It is not an error:
// the message is not retried.
func Drop(reason string) Decision {
	return polyplug_plugin_message_filter_0_2.MakeDecisionDrop(reason)
}

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

// DecodeJSON decodes the message's payload, JSON, into v (see
// json.Unmarshal). Its error names the message and its content type.
func DecodeJSON(message Envelope, v any) error {
	return envelope.DecodeJSON(message, v)
}

// Plugin is what a filter@0.2 plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// Filter decides whether message goes on: Pass or Drop. context says
	// which pipeline and step call, for which tenant. An error means the
	// plugin could not decide (e.g. the payload is not what it can read):
	// the pipeline treats it as a failure and retries the message, then
	// dead-letters it with the error's message.
	Filter(message Envelope, context Context) (Decision, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("filter02", p)
	export_polyplug_plugin_message_filter_0_2.Register(p)
}
