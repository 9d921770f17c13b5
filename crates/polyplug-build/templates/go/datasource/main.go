// `{{name}}`: a datasource plugin serving one in-memory table, `people`
// (id, name, email), to the queries `*` (every row) and `name = ?` (the
// rows of one name, given as a JSON string). A plugin reading a file or a
// database has the same shape: the sources its configuration names, each
// opened on first use.
package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/datasource"
)

// sourceName is the one source, and its table.
const sourceName = "people"

// person is one row of the table.
type person struct {
	id    int64
	name  string
	email string // "" for none
}

// people are the table's rows (no email for Alan).
var people = []person{
	{1, "Ada", "ada@example.org"},
	{2, "Grace", "grace@example.org"},
	{3, "Alan", ""},
}

// columns are the table's columns.
var columns = []datasource.Column{
	{Name: "id", Kind: "integer", Nullable: false},
	{Name: "name", Kind: "text", Nullable: false},
	{Name: "email", Kind: "text", Nullable: true},
}

var errNameParameter = errors.New("`name = ?` takes one parameter, a JSON string such as \"Ada\"")

type memory struct{}

func (memory) Describe() datasource.PluginInfo {
	return datasource.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "Serves an in-memory table of people, queried by name",
	}
}

func (memory) Init(config datasource.Config) error {
	return nil
}

func (memory) SupportedTypes() []string {
	return []string{"memory"}
}

func (memory) Connect(source string) (datasource.Connection, error) {
	if err := known(source); err != nil {
		return datasource.Connection{}, err
	}
	return datasource.Connection{Source: source, Id: "memory:" + source}, nil
}

func (memory) Query(conn datasource.Connection, query string, params []string) (datasource.Rows, error) {
	if err := known(conn.Source); err != nil {
		return datasource.Rows{}, err
	}
	var rows [][]any
	switch query {
	case "*":
		for _, p := range people {
			rows = append(rows, p.row())
		}
	case "name = ?":
		name, err := nameParameter(params)
		if err != nil {
			return datasource.Rows{}, err
		}
		for _, p := range people {
			if p.name == name {
				rows = append(rows, p.row())
			}
		}
	default:
		return datasource.Rows{}, fmt.Errorf("`%s` is not a query this plugin reads: write `*`, or `name = ?` with one parameter", query)
	}
	return datasource.RowsOf(columns, rows...)
}

func (memory) Schema(conn datasource.Connection) ([]datasource.Table, error) {
	if err := known(conn.Source); err != nil {
		return nil, err
	}
	return []datasource.Table{{Name: sourceName, Columns: columns}}, nil
}

func (memory) TestConnection(conn datasource.Connection) error {
	return known(conn.Source)
}

// row is p's values, in the columns' order (no email is null).
func (p person) row() []any {
	var email any
	if p.email != "" {
		email = p.email
	}
	return []any{p.id, p.name, email}
}

// nameParameter is the name `name = ?` looks for: its one parameter, a
// JSON string.
func nameParameter(params []string) (string, error) {
	// Decoded as any, not string: into a string, JSON null would be "".
	var param any
	if len(params) != 1 || json.Unmarshal([]byte(params[0]), &param) != nil {
		return "", errNameParameter
	}
	name, ok := param.(string)
	if !ok {
		return "", errNameParameter
	}
	return name, nil
}

// known is nil for a source this plugin has, else the error saying which
// it has.
func known(source string) error {
	if source != sourceName {
		return fmt.Errorf("no source `%s`; this plugin has: %s", source, sourceName)
	}
	return nil
}

func init() { datasource.Export(memory{}) }

// A plugin has no main program: the host calls its exports.
func main() {}
