// `{{name}}`: a response-modifier plugin that adds `x-powered-by: polyplug`
// to JSON responses (replacing any `x-powered-by` they had), and leaves
// every other response alone.
package main

import (
	"strings"

	rm "github.com/polyplug/polyplug/sdk/go/responsemodifier"
)

type poweredBy struct{}

func (poweredBy) Describe() rm.PluginInfo {
	return rm.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "Adds an x-powered-by header to JSON responses",
	}
}

func (poweredBy) Init(config rm.Config) error {
	return nil
}

func (poweredBy) ShouldModify(req rm.HttpRequest, resp rm.HttpResponse) bool {
	return isJSON(resp.ContentType)
}

func (poweredBy) Modify(req rm.HttpRequest, resp rm.HttpResponse) (rm.HttpResponse, error) {
	// Removed, then added: the header goes last, whatever case it had.
	rm.RemoveHeader(&resp, "x-powered-by")
	rm.AddHeader(&resp, "x-powered-by", "polyplug")
	return resp, nil
}

// isJSON says whether contentType is JSON: `application/json` or
// `…/…+json`, any case, with or without parameters (`; charset=utf-8`).
func isJSON(contentType string) bool {
	media, _, _ := strings.Cut(contentType, ";")
	media = strings.ToLower(strings.Trim(media, " \t"))
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

func init() { rm.Export(poweredBy{}) }

// A plugin has no main program: the host calls its exports.
func main() {}
