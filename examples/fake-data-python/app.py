"""A `transform` plugin that fills a JSON template with realistic fake data,
with nothing but Python's standard library (`random`, `datetime`, `uuid`).

The payload is a JSON template. Every string of the form `{{kind}}` or
`{{kind:argument}}` becomes a generated value; everything else is kept. An
object with a `"$repeat": N` key and a `"$item"` template becomes a list of N
items.

| placeholder | makes | example |
|---|---|---|
| `{{name}}`, `{{first-name}}`, `{{last-name}}` | a person's name | `"Grace Okafor"` |
| `{{email}}` | an email address matching the name made last, if any | `"grace.okafor@example.org"` |
| `{{int:LOW-HIGH}}` | an integer in [LOW, HIGH] (a JSON number) | `42` |
| `{{float:LOW-HIGH}}` | a number with two decimals in [LOW, HIGH] | `17.25` |
| `{{bool}}` | `true` or `false` | `true` |
| `{{date:FROM..TO}}` | an ISO date between two ISO dates (default: 2020 to 2026) | `"2023-04-17"` |
| `{{datetime}}` | an ISO UTC timestamp in the same range | `"2024-11-02T08:13:55Z"` |
| `{{uuid}}` | a version 4 UUID | `"6f1c…"` |
| `{{city}}`, `{{country}}`, `{{company}}`, `{{word}}`, `{{sentence}}` | what they say | `"Lisbon"` |
| `{{choice:a|b|c}}` | one of the options | `"b"` |
| `{{phone}}` | a phone number in the E.164 form | `"+44 20 7946 0321"` |

Configuration: `seed` (default `0`). The same seed and template always give
the same data, on every host; a message's `x-fake-seed` header seeds that
message on its own (so a mock server can make a stable response per
request). Unknown placeholders are refused, naming them.
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
from polyplug.transform import Message, Transform

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


class FakeData(Transform):
    name = "fake-data-python"
    version = "0.1.0"
    description = "Fills JSON templates with realistic fake names, emails, dates, numbers and ids"

    seed = "0"
    stream = random.Random("0")

    def init(self, config: dict[str, str]) -> None:
        unknown = sorted(set(config) - {"seed"})
        if unknown:
            raise polyplug.PluginError(f"unknown config key `{unknown[0]}`; known keys: seed")
        self.seed = config.get("seed", "0")
        self.stream = random.Random(self.seed)
        log.debug(f"seeded with {self.seed!r}")

    def transform(self, input: Message) -> Message | None:
        try:
            template = json.loads(input.payload)
        except ValueError as e:
            raise polyplug.PluginError(f"payload is not a JSON template: {e}") from None
        own_seed = next((value for key, value in input.headers if key.lower() == "x-fake-seed"), None)
        rng = random.Random(f"{self.seed}/{own_seed}") if own_seed is not None else self.stream
        filled = Faker(rng).fill(template)
        return Message(
            payload=json.dumps(filled, ensure_ascii=False),
            content_type="application/json",
            headers=[*input.headers, ("x-generated-by", self.name)],
        )


polyplug.export(FakeData())
