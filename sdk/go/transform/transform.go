// Package transform is the transform world: convert messages flowing
// through an integration pipeline, or filter them out. Implement Plugin on a
// type and pass a value to Export from an init function:
//
//	type upper struct{}
//
//	func (upper) Describe() transform.PluginInfo {
//		return transform.PluginInfo{Name: "upper", Version: "0.1.0", Description: "Upper-cases payloads"}
//	}
//
//	func (upper) Init(config transform.Config) error { return nil }
//
//	func (upper) Transform(m transform.Message) (*transform.Message, error) {
//		m.Payload = strings.ToUpper(m.Payload)
//		return &m, nil
//	}
//
//	func init() { transform.Export(upper{}) }
//
//	func main() {}
package transform

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_transformer"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_transform"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_transformer"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// Message is a message flowing through a pipeline: Payload (usually JSON
// text), ContentType (e.g. application/json) and Headers (in order; names
// may repeat).
type Message = polyplug_plugin_transformer.Message

// Header is one metadata header of a message: F0 is its name, F1 its value.
type Header = witTypes.Tuple2[string, string]

// NewHeader returns the header name: value.
func NewHeader(name, value string) Header {
	return Header{F0: name, F1: value}
}

// Plugin is what a transform plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// Transform converts one message. A message passes it on, nil filters
	// the message out, an error rejects it (the pipeline decides whether to
	// retry or dead-letter it).
	Transform(input Message) (*Message, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("transform", p)
	export_polyplug_plugin_transformer.Register(p)
}
