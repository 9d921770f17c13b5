// Test plugin of transform@0.2 in Go, with the SDK's transform02 package:
// stamps a JSON object payload with the tenant and step it was converted
// for (members `tenant` and `step`), sets `x-converted-by:
// transform02-go`, removes every `x-internal` header, copies the
// correlation id and the expiry, when the message has them, into
// `x-correlation-id` and `x-expires-at`, and keeps everything else. A
// payload that is not a JSON object is rejected (the WIT `err`). It takes
// no configuration.
package main

import (
	"fmt"
	"strconv"

	"github.com/polyplug/polyplug/sdk/go/transform02"
)

type stamp struct{}

func init() { transform02.Export(stamp{}) }

// A plugin's main never runs; Go needs one for a program.
func main() {}

func (stamp) Describe() transform02.PluginInfo {
	return transform02.PluginInfo{
		Name:        "transform02-go",
		Version:     "0.1.0",
		Description: "Stamps JSON messages with their tenant and step, in Go (transform@0.2)",
	}
}

func (stamp) Init(entries transform02.Config) error {
	if len(entries) > 0 {
		return fmt.Errorf("unknown config key `%s`: transform02-go takes no configuration", entries[0].Key)
	}
	return nil
}

func (stamp) Convert(message transform02.Envelope, context transform02.Context) (transform02.Envelope, error) {
	var object map[string]any
	if err := transform02.DecodeJSON(message, &object); err != nil {
		return message, err
	}
	if object == nil {
		return message, fmt.Errorf("message `%s` is JSON `null`, not an object", message.Id)
	}
	object["tenant"], object["step"] = context.TenantId, context.Step
	if err := transform02.SetJSON(&message, object); err != nil {
		return message, err
	}
	transform02.SetHeader(&message, "x-converted-by", "transform02-go")
	transform02.RemoveHeader(&message, "x-internal")
	if message.CorrelationId.IsSome() {
		transform02.AddHeader(&message, "x-correlation-id", message.CorrelationId.Some())
	}
	if message.ExpiresAt.IsSome() {
		transform02.AddHeader(&message, "x-expires-at", strconv.FormatUint(message.ExpiresAt.Some(), 10))
	}
	return message, nil
}
