// Package template is the template world: functions an API (mock) server's
// templates call, `{{name arg…}}` in a response body, and data sets they
// iterate over. Arguments and results are JSON values, as JSON text
// (DecodeArgs and JSON convert them). Implement Plugin on a type and pass a
// value to Export from an init function:
//
//	type greetings struct{}
//
//	func (greetings) Describe() template.PluginInfo {
//		return template.PluginInfo{Name: "greetings", Version: "0.1.0", Description: "Greets people"}
//	}
//
//	func (greetings) Init(config template.Config) error { return nil }
//
//	func (greetings) Functions() []template.TemplateFunction {
//		return []template.TemplateFunction{{
//			Name:        "greet",
//			Description: "A greeting for a name",
//			Parameters: []template.Parameter{
//				template.Param("name", template.ValueKindText, "Who to greet"),
//				template.OptionalParam("times", template.ValueKindInteger, "How many times", 1),
//			},
//			Returns:  template.ValueKindText,
//			Examples: []string{`{{greet "Ada"}}`, `{{greet "Ada" 2}}`},
//			Category: template.Some("greetings"),
//			Pure:     true,
//		}}
//	}
//
//	func (greetings) Execute(name string, args []string) (string, error) {
//		if name != "greet" {
//			return "", fmt.Errorf("no function `%s`; this plugin has `greet`", name)
//		}
//		if len(args) == 0 {
//			return "", fmt.Errorf("`greet` needs `name`")
//		}
//		var who string
//		times := 1
//		if err := template.DecodeArgs(args, &who, &times); err != nil {
//			return "", fmt.Errorf("`greet`: %w", err)
//		}
//		return template.JSON(strings.Repeat("Hello, "+who+"! ", times))
//	}
//
//	func (greetings) DataSource(name string) (string, bool) {
//		if name != "people" {
//			return "", false
//		}
//		return `[{"name": "Ada"}, {"name": "Grace"}]`, true
//	}
//
//	func init() { template.Export(greetings{}) }
//
//	func main() {}
package template

import (
	"encoding/json"
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/config"
	tf "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_template_functions"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_template"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_template_functions"
	"github.com/polyplug/polyplug/sdk/go/internal/jsontext"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// ValueKind is the kind of JSON value a function takes or returns: one of
// the ValueKind constants.
type ValueKind = tf.ValueKind

// The kinds of value.
const (
	// ValueKindText is a JSON string.
	ValueKindText = tf.ValueKindText
	// ValueKindNumber is any JSON number.
	ValueKindNumber = tf.ValueKindNumber
	// ValueKindInteger is a whole number.
	ValueKindInteger = tf.ValueKindInteger
	// ValueKindBoolean is true or false.
	ValueKindBoolean = tf.ValueKindBoolean
	// ValueKindArray is a JSON array.
	ValueKindArray = tf.ValueKindArray
	// ValueKindObject is a JSON object.
	ValueKindObject = tf.ValueKindObject
	// ValueKindAny is any JSON value.
	ValueKindAny = tf.ValueKindAny
)

// Parameter is one parameter of a template function: its Name, the Kind of
// value it takes, a one-line Description, whether a call must pass it
// (Required), the JSON value it has when a call omits it (Default) and
// whether it takes every remaining argument (VarArgs, the last parameter
// only). Param, OptionalParam and VarArgsParam make one.
type Parameter = tf.Parameter

// TemplateFunction is what a function is, as the server lists it: the Name
// templates call it by (e.g. fake.email), a one-line Description, its
// Parameters in order, the kind of value it Returns, Examples of calls as a
// template writes them, a Category to list it under (Some("fake data"), or
// None) and whether the same arguments always give the same result (Pure:
// the server may cache it).
type TemplateFunction = tf.TemplateFunction

// Option is a WIT option<T> (TemplateFunction.Category, Parameter.Default):
// see Some and None.
type Option[T any] = witTypes.Option[T]

// Some returns the option holding value.
func Some[T any](value T) Option[T] { return witTypes.Some(value) }

// None returns the empty option.
func None[T any]() Option[T] { return witTypes.None[T]() }

// Param returns a required parameter.
func Param(name string, kind ValueKind, description string) Parameter {
	return Parameter{Name: name, Kind: kind, Description: description, Required: true, Default: None[string]()}
}

// OptionalParam returns a parameter a call may omit, which then has the value
// def (any value json.Marshal takes, e.g. 1, "x", nil for null). It panics
// if def cannot be JSON: that is a mistake in the plugin, not in a call.
func OptionalParam(name string, kind ValueKind, description string, def any) Parameter {
	text, err := json.Marshal(def)
	if err != nil {
		panic(fmt.Sprintf("template.OptionalParam(%q): the default is not a JSON value: %v", name, err))
	}
	return Parameter{Name: name, Kind: kind, Description: description, Default: Some(string(text))}
}

// VarArgsParam returns a parameter taking every remaining argument (zero or
// more): it must be the function's last.
func VarArgsParam(name string, kind ValueKind, description string) Parameter {
	return Parameter{Name: name, Kind: kind, Description: description, Default: None[string](), VarArgs: true}
}

// DecodeArgs decodes a call's arguments, JSON text, into the values into
// points to, in order (see json.Unmarshal): args[0] into into[0], and so on.
// Fewer arguments than targets leave the remaining targets as they are (set
// their defaults first); more is an error. For var-args, decode the fixed
// arguments with DecodeArgs(args[:n], …) and the rest one by one.
func DecodeArgs(args []string, into ...any) error {
	return jsontext.DecodeAtMost(args, into, "takes at most", "argument")
}

// JSON returns value as JSON text (see json.Marshal): what Execute and
// DataSource return.
func JSON(value any) (string, error) {
	return jsontext.Marshal(value, "the result is not a JSON value")
}

// Plugin is what a template plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// Functions lists the functions the plugin provides.
	Functions() []TemplateFunction
	// Execute calls the function name with args (JSON values as text, in
	// order) and returns its result as JSON text (see JSON). An error says
	// what is wrong with the call: an unknown function, a missing or wrong
	// argument (e.g. "`fake.int` needs `high`").
	Execute(name string, args []string) (string, error)
	// DataSource returns the data set name (e.g. a list of records
	// templates iterate over) as JSON text, and whether the plugin has one
	// of that name.
	DataSource(name string) (string, bool)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("template", p)
	export_polyplug_plugin_template_functions.Register(p)
}
