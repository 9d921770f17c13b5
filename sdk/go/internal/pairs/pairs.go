// Package pairs holds the operations on the lists of name-value pairs that
// several worlds' messages carry (headers, query and path parameters): one
// implementation for the HTTP messages of the mock-server worlds
// (internal/httpmessage) and the envelopes of the pipeline worlds
// (internal/envelope). It imports no world package.
package pairs

import (
	"strings"

	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Pair is a name and a value: a header, a query or path parameter, a claim.
type Pair = witTypes.Tuple2[string, string]

// New returns the pair name, value.
func New(name, value string) Pair {
	return Pair{F0: name, F1: value}
}

// matches says whether pair is called name (in any case, if anyCase).
func matches(pair Pair, name string, anyCase bool) bool {
	return pair.F0 == name || anyCase && strings.EqualFold(pair.F0, name)
}

// First is the value of the first pair of list called name.
func First(list []Pair, name string, anyCase bool) (string, bool) {
	for _, pair := range list {
		if matches(pair, name, anyCase) {
			return pair.F1, true
		}
	}
	return "", false
}

// All is the values of every pair of list called name, in order.
func All(list []Pair, name string, anyCase bool) []string {
	var values []string
	for _, pair := range list {
		if matches(pair, name, anyCase) {
			values = append(values, pair.F1)
		}
	}
	return values
}

// Set is list with the first pair called name (in any case) given value
// and the others of that name dropped, or with name: value appended when
// there is none.
func Set(list []Pair, name, value string) []Pair {
	out := make([]Pair, 0, len(list)+1)
	found := false
	for _, pair := range list {
		if !strings.EqualFold(pair.F0, name) {
			out = append(out, pair)
		} else if !found {
			out = append(out, New(pair.F0, value))
			found = true
		}
	}
	if !found {
		out = append(out, New(name, value))
	}
	return out
}

// Remove is list without the pairs called name (in any case), and whether
// there was one.
func Remove(list []Pair, name string) ([]Pair, bool) {
	kept := make([]Pair, 0, len(list))
	for _, pair := range list {
		if !strings.EqualFold(pair.F0, name) {
			kept = append(kept, pair)
		}
	}
	return kept, len(kept) < len(list)
}
