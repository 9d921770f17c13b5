"""A `template` plugin making realistic fake data, with nothing but
Python's standard library (`random`, `datetime`, `uuid`): the functions a
mock server calls for `{{fake.email}}` in a response body.

| function | arguments | makes |
|---|---|---|
| `fake.name`, `fake.first-name`, `fake.last-name` | `key`? | a person's name: `"Grace Okafor"` |
| `fake.email` | `key`? | an email address for the name made just before it, or a new one |
| `fake.int`, `fake.float` | `low`, `high`, `key`? | a number in [low, high] (floats with two decimals) |
| `fake.date`, `fake.datetime` | `from`?, `to`?, `key`? | an ISO date (timestamp, UTC) between two ISO dates (default 2020 to 2026) |
| `fake.uuid`, `fake.bool`, `fake.phone`, `fake.city`, `fake.country`, `fake.company`, `fake.word`, `fake.sentence` | `key`? | what they say |
| `fake.choice` | `key`, `options`… | one of the options |
| `fake.fill` | `template`, `key`? | the JSON `template` with every `"{{kind}}"` / `"{{kind:argument}}"` string filled (kinds as above, without `fake.`; `{"$repeat": N, "$item": …}` makes a list) |

Every function given a `key` answers the same for the same key, on every
instance and host (a mock server passes e.g. the request's user id, so that
a user's fake data is stable); without one it draws from the instance's own
stream. Configuration: `seed` (default `0`) takes part in both. The data set
`users` is ten fake users, the same for the same seed.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import uuid
from typing import Any

import polyplug
from polyplug import log
from polyplug.template import Parameter, Template, TemplateFunction, ValueKind

FIRST_NAMES = [
    "Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia", "Guido",
    "Yukihiro", "Anita", "Tim", "Katherine", "Niklaus", "Shafi", "Leslie", "Hedy", "Chidi", "Amara", "Mateo", "Sofia",
    "Priya", "Arjun", "Mei", "Hiroshi", "Olga", "Ibrahim", "Fatima", "Lucas", "Emma", "Noah", "Zara", "Kofi",
]
LAST_NAMES = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra",
    "Perlman", "van Rossum", "Matsumoto", "Borg", "Berners-Lee", "Johnson", "Wirth", "Goldwasser", "Lamport", "Lamarr",
    "Okafor", "Mensah", "García", "Rossi", "Sharma", "Patel", "Chen", "Tanaka", "Ivanova", "Haddad", "Silva", "Müller",
]
CITIES = ["Lisbon", "Nairobi", "Osaka", "Toronto", "Melbourne", "Bogotá", "Kraków", "Accra", "Hanoi", "Reykjavík", "Austin", "Lyon"]
COUNTRIES = ["Portugal", "Kenya", "Japan", "Canada", "Australia", "Colombia", "Poland", "Ghana", "Vietnam", "Iceland", "United States", "France"]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne"]
COMPANY_SUFFIXES = ["Ltd", "Inc", "GmbH", "Labs", "Systems", "Group", "& Co"]
WORDS = [
    "plugin", "component", "sandbox", "message", "tenant", "schema", "request", "latency", "quota", "registry",
    "module", "signal", "vector", "record", "stream", "buffer", "cluster", "gateway", "ledger", "beacon",
]
DOMAINS = ["example.org", "example.com", "example.net"]
PHONE_PREFIXES = ["+44 20 7946", "+1 202 555", "+61 2 9876", "+49 30 9018", "+33 1 4523"]

PLACEHOLDER = re.compile(r"\{\{([a-z-]+)(?::([^}]*))?\}\}")
DEFAULT_FROM = datetime.date(2020, 1, 1)
DEFAULT_TO = datetime.date(2026, 12, 31)


class Faker:
    """Fake values from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last_name: tuple[str, str] | None = None

    def person(self) -> tuple[str, str]:
        self.last_name = (self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES))
        return self.last_name

    def email(self) -> str:
        first, last = self.last_name or self.person()
        local = f"{first}.{last}".lower().replace(" ", "").replace("-", "")
        local = local.encode("ascii", "ignore").decode() or "user"
        return f"{local}{self.rng.randint(1, 99) if self.rng.random() < 0.3 else ''}@{self.rng.choice(DOMAINS)}"

    def date_between(self, argument: str | None) -> datetime.date:
        start, end = DEFAULT_FROM, DEFAULT_TO
        if argument:
            low, sep, high = argument.partition("..")
            if not sep:
                raise polyplug.PluginError(f"`{{{{date:{argument}}}}}`: write the range as FROM..TO, e.g. 2024-01-01..2024-12-31")
            try:
                start, end = datetime.date.fromisoformat(low), datetime.date.fromisoformat(high)
            except ValueError as e:
                raise polyplug.PluginError(f"`{{{{date:{argument}}}}}`: {e}") from None
        if end < start:
            raise polyplug.PluginError(f"`{{{{date:{argument}}}}}`: the range ends before it starts")
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def number_range(self, kind: str, argument: str | None) -> tuple[float, float]:
        low, sep, high = (argument or "").partition("-")
        try:
            return float(low), float(high)
        except ValueError:
            raise polyplug.PluginError(f"`{{{{{kind}:{argument or ''}}}}}`: write the range as LOW-HIGH, e.g. {kind}:1-100") from None

    def value(self, kind: str, argument: str | None) -> Any:
        rng = self.rng
        if kind == "name":
            return " ".join(self.person())
        if kind == "first-name":
            return self.person()[0]
        if kind == "last-name":
            return self.person()[1]
        if kind == "email":
            return self.email()
        if kind == "int":
            low, high = self.number_range(kind, argument)
            return rng.randint(int(low), int(high))
        if kind == "float":
            low, high = self.number_range(kind, argument)
            return round(rng.uniform(low, high), 2)
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "date":
            return self.date_between(argument).isoformat()
        if kind == "datetime":
            day = self.date_between(argument)
            moment = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
            moment += datetime.timedelta(seconds=rng.randint(0, 86399))
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if kind == "city":
            return rng.choice(CITIES)
        if kind == "country":
            return rng.choice(COUNTRIES)
        if kind == "company":
            return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
        if kind == "word":
            return rng.choice(WORDS)
        if kind == "sentence":
            words = [rng.choice(WORDS) for _ in range(rng.randint(4, 9))]
            return " ".join(words).capitalize() + "."
        if kind == "choice":
            options = [o for o in (argument or "").split("|") if o]
            if not options:
                raise polyplug.PluginError("`{{choice:...}}` needs options, e.g. {{choice:red|green|blue}}")
            return rng.choice(options)
        if kind == "phone":
            return f"{rng.choice(PHONE_PREFIXES)} {rng.randint(0, 9999):04d}"
        raise polyplug.PluginError(
            f"unknown placeholder `{{{{{kind}}}}}`; known: name, first-name, last-name, email, int, float, bool, "
            "date, datetime, uuid, city, country, company, word, sentence, choice, phone"
        )

    def fill(self, template: Any) -> Any:
        if isinstance(template, str):
            whole = PLACEHOLDER.fullmatch(template)
            if whole:
                return self.value(whole[1], whole[2])
            return PLACEHOLDER.sub(lambda m: str(self.value(m[1], m[2])), template)
        if isinstance(template, list):
            return [self.fill(item) for item in template]
        if isinstance(template, dict):
            if "$repeat" in template:
                count = template["$repeat"]
                if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10_000:
                    raise polyplug.PluginError(f"`$repeat` must be an integer from 0 to 10000, not {json.dumps(count)}")
                if "$item" not in template:
                    raise polyplug.PluginError("an object with `$repeat` needs an `$item` template")
                return [self.fill(template["$item"]) for _ in range(count)]
            return {key: self.fill(value) for key, value in template.items()}
        return template


KEYED_KINDS = ["name", "first-name", "last-name", "email", "bool", "uuid", "phone", "city", "country", "company", "word", "sentence"]
DESCRIPTIONS = {
    "name": "A person's full name", "first-name": "A first name", "last-name": "A last name",
    "email": "An email address, for the name made just before it", "bool": "true or false", "uuid": "A version 4 UUID",
    "phone": "A phone number in the E.164 form", "city": "A city", "country": "A country", "company": "A company name",
    "word": "A word", "sentence": "A sentence of four to nine words",
}


def parameter(name: str, kind: ValueKind, description: str, required: bool = False, default: str | None = None, var_args: bool = False) -> Parameter:
    return Parameter(name=name, kind=kind, description=description, required=required, default=default, var_args=var_args)


KEY = parameter("key", ValueKind.TEXT, "Answer the same for the same key (e.g. a user id)")


def functions() -> list[TemplateFunction]:
    def function(name: str, description: str, parameters: list[Parameter], returns: ValueKind, example: str) -> TemplateFunction:
        return TemplateFunction(
            name=f"fake.{name}", description=description, parameters=parameters, returns=returns,
            examples=[example], category="fake data", pure=False,
        )

    out = [function(kind, DESCRIPTIONS[kind], [KEY], ValueKind.BOOLEAN if kind == "bool" else ValueKind.TEXT, f"{{{{fake.{kind}}}}}") for kind in KEYED_KINDS]
    for kind, returns in [("int", ValueKind.INTEGER), ("float", ValueKind.NUMBER)]:
        bounds = [parameter("low", returns, "The smallest value", required=True), parameter("high", returns, "The largest value", required=True)]
        out.append(function(kind, f"A random {'integer' if kind == 'int' else 'number'} in [low, high]", [*bounds, KEY], returns, f"{{{{fake.{kind} 1 100}}}}"))
    for kind in ["date", "datetime"]:
        span = [
            parameter("from", ValueKind.TEXT, "The earliest day, ISO", default=json.dumps(DEFAULT_FROM.isoformat())),
            parameter("to", ValueKind.TEXT, "The latest day, ISO", default=json.dumps(DEFAULT_TO.isoformat())),
        ]
        out.append(function(kind, f"An ISO {kind} between two days", [*span, KEY], ValueKind.TEXT, f"{{{{fake.{kind} \"2024-01-01\" \"2024-12-31\"}}}}"))
    out.append(function("choice", "One of the options", [parameter("key", ValueKind.TEXT, "Answer the same for the same key", required=True), parameter("options", ValueKind.ANY, "The options", required=True, var_args=True)], ValueKind.ANY, "{{fake.choice user.id \"red\" \"green\"}}"))
    out.append(function("fill", "A JSON template with its {{kind}} strings filled", [parameter("template", ValueKind.ANY, "The template", required=True), KEY], ValueKind.ANY, "{{fake.fill {\"name\": \"{{name}}\"}}}"))
    return out


FUNCTIONS = {f.name: f for f in functions()}


class FakeData(Template):
    name = "fake-data-python"
    version = "0.2.0"
    description = "Realistic fake names, emails, dates, numbers and ids for templates"

    seed = "0"
    stream = random.Random("0")

    def init(self, config: dict[str, str]) -> None:
        unknown = sorted(set(config) - {"seed"})
        if unknown:
            raise polyplug.PluginError(f"unknown config key `{unknown[0]}`; known keys: seed")
        self.seed = config.get("seed", "0")
        self.stream = random.Random(self.seed)
        log.debug(f"seeded with {self.seed!r}")

    def functions(self) -> list[TemplateFunction]:
        return list(FUNCTIONS.values())

    def execute(self, name: str, args: list[str]) -> str:
        function = FUNCTIONS.get(name)
        if function is None:
            raise polyplug.PluginError(f"unknown function `{name}`; this plugin has: {', '.join(FUNCTIONS)}")
        values = []
        for i, arg in enumerate(args):
            try:
                values.append(json.loads(arg))
            except ValueError as e:
                raise polyplug.PluginError(f"`{name}`: argument {i + 1} is not JSON: {e}") from None
        params = function.parameters
        if not (params and params[-1].var_args) and len(values) > len(params):
            raise polyplug.PluginError(f"`{name}` takes at most {len(params)} argument(s), got {len(values)}")
        missing = [p.name for i, p in enumerate(params) if p.required and i >= len(values)]
        if missing:
            raise polyplug.PluginError(f"`{name}` needs `{missing[0]}`")
        kind = name.removeprefix("fake.")
        return json.dumps(self.call(kind, values), ensure_ascii=False)

    def rng(self, kind: str, key: Any) -> random.Random:
        return random.Random(f"{self.seed}/{kind}/{json.dumps(key)}") if key is not None else self.stream

    def call(self, kind: str, values: list[Any]) -> Any:
        arg = lambda i: values[i] if i < len(values) else None  # noqa: E731
        if kind in KEYED_KINDS:
            return Faker(self.rng(kind, arg(0))).value(kind, None)
        if kind in ("int", "float"):
            low, high = arg(0), arg(1)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
                raise polyplug.PluginError(f"`fake.{kind}`: `low` and `high` must be numbers, e.g. {{{{fake.{kind} 1 100}}}}")
            return Faker(self.rng(kind, arg(2))).value(kind, f"{low}-{high}")
        if kind in ("date", "datetime"):
            start, end = arg(0) or DEFAULT_FROM.isoformat(), arg(1) or DEFAULT_TO.isoformat()
            return Faker(self.rng(kind, arg(2))).value(kind, f"{start}..{end}")
        if kind == "choice":
            options = values[1:]
            if not options:
                raise polyplug.PluginError("`fake.choice` needs options after its key, e.g. {{fake.choice user.id \"red\" \"green\"}}")
            return self.rng(kind, arg(0)).choice(options)
        return Faker(self.rng(kind, arg(1))).fill(arg(0))

    def data_source(self, name: str) -> str | None:
        if name != "users":
            return None
        users = []
        for i in range(1, 11):
            faker = Faker(random.Random(f"{self.seed}/users/{i}"))
            full = faker.value("name", None)
            users.append({"id": i, "name": full, "email": faker.email(), "city": faker.value("city", None)})
        return json.dumps(users, ensure_ascii=False)


polyplug.export(FakeData())
