"""`{{name}}`: a datasource plugin serving one in-memory table, `people`
(id, name, email), to the queries `*` (every row) and `name = ?` (the rows
of one name, given as a JSON string). A plugin reading a file or a database
has the same shape: the sources its configuration names, each opened on
first use."""

import json

import polyplug
from polyplug.datasource import Column, Connection, Datasource, Rows, Table

SOURCE = "people"  # the one source, and its table
COLUMNS = [
    Column(name="id", kind="integer", nullable=False),
    Column(name="name", kind="text", nullable=False),
    Column(name="email", kind="text", nullable=True),
]
PEOPLE = [(1, "Ada", "ada@example.org"), (2, "Grace", "grace@example.org"), (3, "Alan", None)]
NAME_PARAMETER = '`name = ?` takes one parameter, a JSON string such as "Ada"'


def known(source: str) -> None:
    """Raises the error saying which sources there are, unless `source` is one."""
    if source != SOURCE:
        raise polyplug.PluginError(f"no source `{source}`; this plugin has: {SOURCE}")


class Memory(Datasource):
    name = "{{name}}"
    version = "0.1.0"
    description = "Serves an in-memory table of people, queried by name"

    def supported_types(self) -> list[str]:
        return ["memory"]

    def connect(self, source: str) -> Connection:
        known(source)
        return Connection(source=source, id=f"memory:{source}")

    def query(self, connection: Connection, query: str, parameters: list[str]) -> Rows:
        known(connection.source)
        if query == "*":
            people = PEOPLE
        elif query == "name = ?":
            try:
                name = json.loads(parameters[0]) if len(parameters) == 1 else None
            except ValueError:
                name = None
            if not isinstance(name, str):
                raise polyplug.PluginError(NAME_PARAMETER)
            people = [person for person in PEOPLE if person[1] == name]
        else:
            raise polyplug.PluginError(f"`{query}` is not a query this plugin reads: write `*`, or `name = ?` with one parameter")
        rows = [[json.dumps(value, ensure_ascii=False) for value in person] for person in people]
        return Rows(columns=COLUMNS, rows=rows)

    def schema(self, connection: Connection) -> list[Table]:
        known(connection.source)
        return [Table(name=SOURCE, columns=COLUMNS)]

    def test_connection(self, connection: Connection) -> None:
        known(connection.source)


polyplug.export(Memory())
