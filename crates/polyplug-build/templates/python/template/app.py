"""`{{name}}`: a template plugin with one function, `greet`: a mock server
resolves `{{greet "Ada"}}` in a response body to `Hello, Ada!`. Arguments
and results are JSON values, as their text."""

import json

import polyplug
from polyplug.template import Parameter, Template, TemplateFunction, ValueKind

GREET = TemplateFunction(
    name="greet",
    description="A greeting for someone: Hello, <name>!",
    parameters=[
        Parameter(name="name", kind=ValueKind.TEXT, description="Who to greet", required=True, default=None, var_args=False),
    ],
    returns=ValueKind.TEXT,
    examples=['{{greet "Ada"}}'],
    category="greetings",
    pure=True,
)


class Greeter(Template):
    name = "{{name}}"
    version = "0.1.0"
    description = "A template function greeting people by name"

    def functions(self) -> list[TemplateFunction]:
        return [GREET]

    def execute(self, name: str, args: list[str]) -> str:
        if name != "greet":
            raise polyplug.PluginError(f"unknown function `{name}`; this plugin has: greet")
        if not args:
            raise polyplug.PluginError('`greet` needs `name` (who to greet), e.g. {{greet "Ada"}}')
        if len(args) > 1:
            raise polyplug.PluginError(f"`greet` takes 1 argument, got {len(args)}")
        try:
            who = json.loads(args[0])
        except ValueError:
            who = None
        if not isinstance(who, str):
            raise polyplug.PluginError(f"`greet`: `name` must be text (a JSON string), not {args[0]}")
        return json.dumps(f"Hello, {who}!", ensure_ascii=False)

    def data_source(self, name: str) -> str | None:
        return None  # no data sets: a plugin with one returns it as JSON, e.g. a list of records


polyplug.export(Greeter())
