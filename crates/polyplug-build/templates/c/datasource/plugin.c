// `{{name}}`: a datasource plugin serving one in-memory table, `people`
// (id, name, email), to the queries `*` (every row) and `name = ?` (the
// rows of one name, given as a JSON string). A plugin reading a file or a
// database has the same shape: the sources its configuration names, each
// opened on first use. Values are JSON, as their text (`json.h`).
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).

#include "json.h"

typedef exports_polyplug_plugin_data_source_connection_t connection_t;
typedef exports_polyplug_plugin_data_source_column_t column_t;
typedef exports_polyplug_plugin_data_source_list_column_t columns_t;
typedef exports_polyplug_plugin_data_source_list_json_t row_t;

// The one source, and its table.
#define SOURCE "people"

// Its rows: id, name, email (NULL: none).
static const struct {
    int id;
    const char *name;
    const char *email;
} PEOPLE[] = {
    {1, "Ada", "ada@example.org"},
    {2, "Grace", "grace@example.org"},
    {3, "Alan", NULL},
};
#define PEOPLE_COUNT (sizeof PEOPLE / sizeof PEOPLE[0])

#define NAME_PARAMETER "`name = ?` takes one parameter, a JSON string such as \"Ada\""

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("{{name}}");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Serves an in-memory table of people, queried by name");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    (void)err;
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    return true;
}

// `count` zeroed elements of `size` bytes, on the heap.
static void *allocate(size_t count, size_t size) {
    void *p = calloc(count, size);
    if (p == NULL) {
        abort();
    }
    return p;
}

// True for a source this plugin has; else false, with the error saying which it has.
static bool known(const polyplug_string_t *source, polyplug_string_t *err) {
    if (polyplug_string_eq(source, SOURCE)) {
        return true;
    }
    return polyplug_fail(err, "no source `%.*s`; this plugin has: " SOURCE, (int)source->len, (const char *)source->ptr);
}

// The table's columns (owned).
static columns_t columns(void) {
    column_t *c = allocate(3, sizeof *c);
    c[0] = (column_t){polyplug_string("id"), polyplug_string("integer"), false};
    c[1] = (column_t){polyplug_string("name"), polyplug_string("text"), false};
    c[2] = (column_t){polyplug_string("email"), polyplug_string("text"), true};
    return (columns_t){c, 3};
}

// `s` as a JSON string, or `null` when NULL (owned).
static polyplug_string_t json_or_null(const char *s) {
    if (s == NULL) {
        return polyplug_string("null");
    }
    json_buf b = {0};
    json_quoted(&b, (const uint8_t *)s, strlen(s));
    return json_take(&b);
}

void exports_polyplug_plugin_data_source_supported_types(polyplug_list_string_t *ret) {
    ret->ptr = allocate(1, sizeof(polyplug_string_t));
    ret->ptr[0] = polyplug_string("memory");
    ret->len = 1;
}

bool exports_polyplug_plugin_data_source_connect(polyplug_string_t *source, connection_t *ret, polyplug_string_t *err) {
    if (!known(source, err)) {
        polyplug_string_free(source);
        return false;
    }
    ret->id = polyplug_string("memory:" SOURCE);
    ret->source = *source;  // moved into the result: not freed
    return true;
}

bool exports_polyplug_plugin_data_source_query(connection_t *connection, polyplug_string_t *query,
                                               exports_polyplug_plugin_data_source_list_json_t *parameters,
                                               exports_polyplug_plugin_data_source_rows_t *ret, polyplug_string_t *err) {
    bool ok = known(&connection->source, err), by_name = false;
    polyplug_string_t name = {NULL, 0};
    if (ok && polyplug_string_eq(query, "name = ?")) {
        by_name = true;
        ok = (parameters->len == 1 && json_string(&parameters->ptr[0], &name)) || polyplug_fail(err, NAME_PARAMETER);
    } else if (ok && !polyplug_string_eq(query, "*")) {
        ok = polyplug_fail(err, "`%.*s` is not a query this plugin reads: write `*`, or `name = ?` with one parameter",
                           (int)query->len, (const char *)query->ptr);
    }
    if (ok) {
        row_t *rows = allocate(PEOPLE_COUNT, sizeof *rows);
        size_t count = 0;
        for (size_t i = 0; i < PEOPLE_COUNT; i++) {
            if (by_name && !polyplug_string_eq(&name, PEOPLE[i].name)) {
                continue;
            }
            polyplug_string_t *cells = allocate(3, sizeof *cells);
            cells[0] = polyplug_string_printf("%d", PEOPLE[i].id);
            cells[1] = json_or_null(PEOPLE[i].name);
            cells[2] = json_or_null(PEOPLE[i].email);
            rows[count++] = (row_t){cells, 3};
        }
        if (count == 0) {
            free(rows);  // an empty list owns no memory
            rows = NULL;
        }
        ret->columns = columns();
        ret->rows = (exports_polyplug_plugin_data_source_list_list_json_t){rows, count};
    }
    polyplug_string_free(&name);
    exports_polyplug_plugin_data_source_connection_free(connection);
    polyplug_string_free(query);
    exports_polyplug_plugin_data_source_list_json_free(parameters);
    return ok;
}

bool exports_polyplug_plugin_data_source_schema(connection_t *connection, exports_polyplug_plugin_data_source_list_table_t *ret,
                                                polyplug_string_t *err) {
    bool ok = known(&connection->source, err);
    if (ok) {
        exports_polyplug_plugin_data_source_table_t *table = allocate(1, sizeof *table);
        table->name = polyplug_string(SOURCE);
        table->columns = columns();
        ret->ptr = table;
        ret->len = 1;
    }
    exports_polyplug_plugin_data_source_connection_free(connection);
    return ok;
}

bool exports_polyplug_plugin_data_source_test_connection(connection_t *connection, polyplug_string_t *err) {
    bool ok = known(&connection->source, err);
    exports_polyplug_plugin_data_source_connection_free(connection);
    return ok;
}
