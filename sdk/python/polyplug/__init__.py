"""polyplug plugins in Python: implement a world's base class, export one
instance, and `polyplug build` makes a WebAssembly component of it with
componentize-py.

    import polyplug
    from polyplug import log
    from polyplug.transform import Message, Transform

    class Upper(Transform):
        name = "upper"
        version = "0.1.0"
        description = "Upper-cases payloads"

        def transform(self, input: Message) -> Message | None:
            if not input.payload:
                raise polyplug.PluginError("empty payload")
            log.info("upper-casing a message")
            input.payload = input.payload.upper()
            return input

    polyplug.export(Upper())

`polyplug.<world>` modules are generated from WIT (`cargo xtask bindgen`);
this package's other modules are written by hand. Everything here runs
inside a component: the world modules import the bindings componentize-py
generates while it builds the plugin.
"""

from __future__ import annotations

import typing

from componentize_py_types import Err

__all__ = ["Plugin", "PluginError", "Resource", "export"]


#: The WIT `err` of a function whose result is a `result<T, E>`: raise
#: `PluginError(value)` with a value of `E` (for `result<T, string>`, a message
#: saying what went wrong and what would be right). It is componentize-py's own
#: `Err`, under the SDK's name: componentize-py turns exactly that type into
#: the WIT `err`. Raising anything else from a plugin function traps: the host
#: reports the call as failed.
PluginError = Err


class Plugin:
    """What every plugin is, whatever its world: it says what it is and
    accepts its configuration. A world's base class (`polyplug.transform.Transform`,
    ...) adds the world's functions.
    """

    #: The plugin's name, as `polyplug inspect` shows it (usually the manifest's).
    name: str = ""
    #: Its version.
    version: str = "0.1.0"
    #: One line saying what it does.
    description: str = ""

    def init(self, config: dict[str, str]) -> None:
        """Prepare for calls with the operator's configuration, once per
        instance, before any other call. Raise `PluginError("...")` to refuse
        it: say which key is wrong and what would be right. The default
        accepts any configuration.
        """


class Resource:
    """The base of the SDK's resource classes: subclassing one of them (once)
    makes the subclass the resource's implementation."""

    __polyplug_resource__: typing.ClassVar[tuple[str, str]]

    def __init_subclass__(cls, **kwargs: typing.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__polyplug_resource__" in cls.__dict__:
            return  # a generated base class, not an implementation
        key = cls.__polyplug_resource__
        other = _resources.get(key)
        if other is not None and other is not cls:
            raise TypeError(
                f"both {other.__qualname__} and {cls.__qualname__} implement the resource `{key[0]}/{key[1]}`; keep one"
            )
        _resources[key] = cls


_plugin: Plugin | None = None
_resources: dict[tuple[str, str], type] = {}


def export(plugin: Plugin) -> None:
    """Make `plugin` the plugin: call it once, at the top level of `app.py`,
    with an instance of your subclass of the world's base class."""
    global _plugin
    if not isinstance(plugin, Plugin):
        raise TypeError(f"polyplug.export takes an instance of a world's base class, not {type(plugin).__qualname__}")
    if _plugin is not None and _plugin is not plugin:
        raise TypeError("polyplug.export was called twice; a component holds one plugin")
    _plugin = plugin


def _exported() -> Plugin:
    """The exported plugin (what componentize-py instantiates for each interface the world exports)."""
    if _plugin is None:
        raise TypeError("app.py never called polyplug.export(...): call it once at the top level with an instance of your plugin")
    return _plugin


class _PluginInterface:
    """The `plugin` interface every world exports, served from the exported plugin."""

    def __init__(self, plugin: Plugin) -> None:
        self._plugin = plugin

    def describe(self) -> typing.Any:
        from wit_world.imports.types import PluginInfo

        p = self._plugin
        return PluginInfo(name=p.name or type(p).__name__, version=p.version, description=p.description)

    def init(self, config: list[tuple[str, str]]) -> None:
        self._plugin.init(dict(config))


def _plugin_interface() -> _PluginInterface:
    return _PluginInterface(_exported())


def _resource(interface: str, resource: str) -> type:
    """The plugin's class implementing `interface/resource`."""
    cls = _resources.get((interface, resource))
    if cls is None:
        raise TypeError(
            f"the world exports the resource `{interface}/{resource}` but app.py defines no subclass of its SDK class; define one"
        )
    return cls
