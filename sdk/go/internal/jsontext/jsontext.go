// Package jsontext converts Go values to and from JSON text, the form in
// which values cross the datasource and template worlds (cells and query
// parameters; function arguments, results and data sets): one
// implementation for both, since neither world's package may import the
// other (each brings in its own world, and a component exports only its
// world). It imports no world package.
//
// Plugins do not import it: they use the same helpers through their world's
// package, github.com/polyplug/polyplug/sdk/go/datasource or
// github.com/polyplug/polyplug/sdk/go/template, where they are documented.
package jsontext

import (
	"encoding/json"
	"fmt"
)

// Marshal returns value as JSON text (see json.Marshal). An error is
// failure (e.g. "not a JSON value"), then json.Marshal's error.
func Marshal(value any, failure string) (string, error) {
	text, err := json.Marshal(value)
	if err != nil {
		return "", fmt.Errorf("%s: %w", failure, err)
	}
	return string(text), nil
}

// DecodeExactly decodes texts, JSON values, into the values into points to,
// in order (see json.Unmarshal): texts[0] into into[0], and so on. There
// must be as many texts as targets; otherwise the error is takes, then the
// count of noun (e.g. "the query takes 2 parameters, got 1"). An error
// decoding a text names it: "parameter 2 (text): …".
func DecodeExactly(texts []string, into []any, takes, noun string) error {
	if len(texts) != len(into) {
		return countError(texts, into, takes, noun)
	}
	return decode(texts, into, noun)
}

// DecodeAtMost is DecodeExactly for at most as many texts as targets: fewer
// leave the remaining targets as they are (e.g. takes "takes at most" and
// noun "argument" say "takes at most 2 arguments, got 3").
func DecodeAtMost(texts []string, into []any, takes, noun string) error {
	if len(texts) > len(into) {
		return countError(texts, into, takes, noun)
	}
	return decode(texts, into, noun)
}

// countError says that texts are the wrong number for into.
func countError(texts []string, into []any, takes, noun string) error {
	return fmt.Errorf("%s %d %s%s, got %d", takes, len(into), noun, plural(len(into)), len(texts))
}

// decode decodes texts[i] into into[i], for each of texts.
func decode(texts []string, into []any, noun string) error {
	for i, text := range texts {
		if err := json.Unmarshal([]byte(text), into[i]); err != nil {
			return fmt.Errorf("%s %d (%s): %w", noun, i+1, text, err)
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
