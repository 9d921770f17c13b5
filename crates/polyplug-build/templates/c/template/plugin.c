// `{{name}}`: a template plugin with one function, `greet`: a mock server
// resolves `{{greet "Ada"}}` in a response body to `Hello, Ada!`.
// Arguments and results are JSON values, as their text (`json.h` reads and
// writes them).
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).

#include "json.h"

typedef exports_polyplug_plugin_template_functions_template_function_t function_t;
typedef exports_polyplug_plugin_template_functions_parameter_t parameter_t;

#define KIND_TEXT EXPORTS_POLYPLUG_PLUGIN_TEMPLATE_FUNCTIONS_VALUE_KIND_TEXT

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("{{name}}");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("A template function greeting people by name");
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

void exports_polyplug_plugin_template_functions_functions(exports_polyplug_plugin_template_functions_list_template_function_t *ret) {
    parameter_t *name = allocate(1, sizeof *name);
    name->name = polyplug_string("name");
    name->kind = KIND_TEXT;
    name->description = polyplug_string("Who to greet");
    name->required = true;
    name->default_.is_some = false;
    name->var_args = false;

    function_t *greet = allocate(1, sizeof *greet);
    greet->name = polyplug_string("greet");
    greet->description = polyplug_string("A greeting for someone: Hello, <name>!");
    greet->parameters.ptr = name;
    greet->parameters.len = 1;
    greet->returns = KIND_TEXT;
    greet->examples.ptr = allocate(1, sizeof(polyplug_string_t));
    greet->examples.ptr[0] = polyplug_string("{{greet \"Ada\"}}");
    greet->examples.len = 1;
    greet->category.is_some = true;
    greet->category.val = polyplug_string("greetings");
    greet->pure = true;

    ret->ptr = greet;
    ret->len = 1;
}

bool exports_polyplug_plugin_template_functions_execute(polyplug_string_t *name,
                                                       exports_polyplug_plugin_template_functions_list_json_t *args,
                                                       exports_polyplug_plugin_template_functions_json_t *ret,
                                                       polyplug_string_t *err) {
    bool ok = false;
    polyplug_string_t who = {NULL, 0};
    if (!polyplug_string_eq(name, "greet")) {
        polyplug_fail(err, "unknown function `%.*s`; this plugin has: greet", (int)name->len, (const char *)name->ptr);
    } else if (args->len == 0) {
        polyplug_fail(err, "`greet` needs `name` (who to greet), e.g. {{greet \"Ada\"}}");
    } else if (args->len > 1) {
        polyplug_fail(err, "`greet` takes 1 argument, got %zu", args->len);
    } else if (!json_string(&args->ptr[0], &who)) {
        polyplug_fail(err, "`greet`: `name` must be text (a JSON string), not %.*s", (int)args->ptr[0].len, (const char *)args->ptr[0].ptr);
    } else {
        json_buf greeting = {0}, quoted = {0};
        json_text(&greeting, "Hello, ");
        json_raw(&greeting, who.ptr, who.len);
        json_text(&greeting, "!");
        json_quoted(&quoted, greeting.ptr, greeting.len);
        json_buf_free(&greeting);
        *ret = json_take(&quoted);
        ok = true;
    }
    polyplug_string_free(&who);
    polyplug_string_free(name);
    exports_polyplug_plugin_template_functions_list_json_free(args);
    return ok;
}

bool exports_polyplug_plugin_template_functions_data_source(polyplug_string_t *name, exports_polyplug_plugin_template_functions_json_t *ret) {
    (void)ret;
    // No data sets: a plugin with one sets `*ret` to it as JSON (e.g. a list
    // of records) and returns true.
    polyplug_string_free(name);
    return false;
}
