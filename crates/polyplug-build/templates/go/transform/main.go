// `{{name}}`: a transform plugin that upper-cases message payloads, tags
// each message with a header, and drops empty messages.
package main

import (
	"strings"

	"github.com/polyplug/polyplug/sdk/go/log"
	"github.com/polyplug/polyplug/sdk/go/transform"
)

type upper struct{}

func (upper) Describe() transform.PluginInfo {
	return transform.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "Upper-cases message payloads and drops empty messages",
	}
}

func (upper) Init(config transform.Config) error {
	return nil
}

func (upper) Transform(input transform.Message) (*transform.Message, error) {
	if input.Payload == "" {
		log.Debug("dropped an empty message")
		return nil, nil
	}
	input.Payload = strings.ToUpper(input.Payload)
	input.Headers = append(input.Headers, transform.NewHeader("x-transformed-by", "{{name}}"))
	return &input, nil
}

func init() { transform.Export(upper{}) }

// A plugin has no main program: the host calls its exports.
func main() {}
