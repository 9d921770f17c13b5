// `{{name}}`: a template plugin with one function, `greet`: a mock server
// resolves `{{greet "Ada"}}` in a response body to `Hello, Ada!`.
// Arguments and results are JSON values, as their text.
package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/template"
)

type greeter struct{}

func (greeter) Describe() template.PluginInfo {
	return template.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "A template function greeting people by name",
	}
}

func (greeter) Init(config template.Config) error {
	return nil
}

func (greeter) Functions() []template.TemplateFunction {
	return []template.TemplateFunction{{
		Name:        "greet",
		Description: "A greeting for someone: Hello, <name>!",
		Parameters:  []template.Parameter{template.Param("name", template.ValueKindText, "Who to greet")},
		Returns:     template.ValueKindText,
		Examples:    []string{`{{greet "Ada"}}`},
		Category:    template.Some("greetings"),
		Pure:        true,
	}}
}

func (greeter) Execute(name string, args []string) (string, error) {
	if name != "greet" {
		return "", fmt.Errorf("unknown function `%s`; this plugin has: greet", name)
	}
	switch {
	case len(args) == 0:
		return "", errors.New("`greet` needs `name` (who to greet), e.g. {{greet \"Ada\"}}")
	case len(args) > 1:
		return "", fmt.Errorf("`greet` takes 1 argument, got %d", len(args))
	}
	// Decoded as any, not string: into a string, JSON null would be "".
	var arg any
	err := json.Unmarshal([]byte(args[0]), &arg)
	who, ok := arg.(string)
	if err != nil || !ok {
		return "", fmt.Errorf("`greet`: `name` must be text (a JSON string), not %s", args[0])
	}
	return template.JSON("Hello, " + who + "!")
}

func (greeter) DataSource(name string) (string, bool) {
	return "", false // no data sets: a plugin with one returns it as JSON, e.g. a list of records
}

func init() { template.Export(greeter{}) }

// A plugin has no main program: the host calls its exports.
func main() {}
