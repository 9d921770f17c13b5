// Example `transform` plugin in C: converts CSV messages to JSON.
//
// A message whose content type is `text/csv` (or empty) carries CSV with a
// header row; it is passed on as a JSON array with one object per record
// (`{"column": "value", ...}`, every value a string), content type
// `application/json`, with the header `x-transformed-by: transform-c-csv`
// added. Other messages are passed on unchanged. Malformed CSV (an
// unterminated quote, a record with more or fewer fields than the header, a
// stray quote) rejects the message with a reason naming the line.
//
// Configuration (optional):
//
// | key | example | effect |
// |---|---|---|
// | `delimiter` | `;` or `tab` | the field separator (default `,`) |

#include "polyplug.h"

#include "csv.h"

typedef exports_polyplug_plugin_transformer_message_t message_t;

// The field separator, from `init`.
static uint8_t delimiter = ',';

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("transform-c-csv");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Converts CSV messages (with a header row) to JSON arrays of objects");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    bool ok = true;
    for (size_t i = 0; ok && i < config->len; i++) {
        const polyplug_string_t *key = &config->ptr[i].f0;
        const polyplug_string_t *value = &config->ptr[i].f1;
        if (polyplug_string_eq(key, "delimiter")) {
            uint8_t c = value->len == 1 ? value->ptr[0] : 0;
            if (polyplug_string_eq(value, "tab")) {
                delimiter = '\t';
            } else if (c >= 0x20 && c < 0x7F && c != '"') {
                delimiter = c;
            } else {
                ok = polyplug_fail(err, "config `delimiter`: expected one ASCII character other than `\"`, or `tab`; got `%.*s`",
                                   (int)value->len, (const char *)value->ptr);
            }
        } else {
            ok = polyplug_fail(err, "unknown config key `%.*s`; known keys: delimiter", (int)key->len, (const char *)key->ptr);
        }
    }
    if (ok) {
        polyplug_logf(POLYPLUG_DEBUG, "delimiter `%s`", delimiter == '\t' ? "tab" : (char[]){(char)delimiter, 0});
    }
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    return ok;
}

// Whether `content_type` is `text/csv` (any case, parameters allowed) or empty.
static bool is_csv(const polyplug_string_t *content_type) {
    static const char csv[] = "text/csv";
    size_t n = sizeof csv - 1;
    if (content_type->len == 0) {
        return true;
    }
    if (content_type->len < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = content_type->ptr[i];
        if (c >= 'A' && c <= 'Z') {
            c = (uint8_t)(c - 'A' + 'a');
        }
        if (c != (uint8_t)csv[i]) {
            return false;
        }
    }
    return content_type->len == n || content_type->ptr[n] == ';' || content_type->ptr[n] == ' ';
}

// Appends the header `name: value` to `headers` (whose memory it takes over).
static void add_header(polyplug_list_tuple2_string_string_t *headers, const char *name, const char *value) {
    size_t len = headers->len + 1;
    // A zero-length list owns no memory (its pointer is only aligned): start afresh.
    polyplug_tuple2_string_string_t *grown = (polyplug_tuple2_string_string_t *)realloc(
        headers->len > 0 ? headers->ptr : NULL, len * sizeof *grown);
    if (grown == NULL) {
        abort();
    }
    grown[len - 1].f0 = polyplug_string(name);
    grown[len - 1].f1 = polyplug_string(value);
    headers->ptr = grown;
    headers->len = len;
}

bool exports_polyplug_plugin_transformer_transform(message_t *input, exports_polyplug_plugin_transformer_option_message_t *ret,
                                                  polyplug_string_t *err) {
    if (!is_csv(&input->content_type)) {
        // Not CSV: passed on as it came (the input's memory becomes the result's).
        ret->is_some = true;
        ret->val = *input;
        return true;
    }
    csv_buf json = {0}, error = {0};
    bool ok = csv_to_json(input->payload.ptr, input->payload.len, delimiter, &json, &error);
    if (ok) {
        ret->is_some = true;
        ret->val.payload = polyplug_string_n((const char *)json.data, json.len);
        ret->val.content_type = polyplug_string("application/json");
        ret->val.headers = input->headers;  // moved: not freed below
        input->headers.ptr = NULL;
        input->headers.len = 0;
        add_header(&ret->val.headers, "x-transformed-by", "transform-c-csv");
    } else {
        *err = polyplug_string_n((const char *)error.data, error.len);
    }
    csv_buf_free(&json);
    csv_buf_free(&error);
    exports_polyplug_plugin_transformer_message_free(input);
    return ok;
}
