"""The generated tables of the docs: the OCPP route tables (docs/architecture.md) and the staff
endpoints with their roles (docs/contract.md). Tests compare the docs with these; after a change of
routes, ``python -m tests.support.doc_tables`` rewrites both tables in place."""

from __future__ import annotations

import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CONTRACT = ROOT / "docs" / "contract.md"
STAFF = ("viewer", "operator", "finance", "admin")
_METHODS = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}


def route_tables() -> str:
    """Every inbound OCPP action per version and the handler that answers it, from the route tables
    themselves (their handlers only hold the services they are given: built here with none)."""
    from csms.ocpp.v16 import routes as v16
    from csms.ocpp.v201 import routes as v201
    lines = []
    for module in (v16, v201):
        table = module.routes(**{name: None for name in inspect.signature(module.routes).parameters})
        lines += [f"**{table.version}** (`{module.__name__.replace('.', '/')}.py`)", "",
                  "| action | handler |", "| --- | --- |"]
        lines += [f"| {action} | `{handler.removeprefix('csms.ocpp.')}` |" for action, handler in table.describe()]
        lines.append("")
    return "\n".join(lines)


def roles_table() -> str:
    from api.app import route_table
    rows = sorted((r for r in route_table().routes if r.auth in STAFF), key=lambda r: (r.path, _METHODS[r.method]))
    lines = ["| endpoint | permission | audited |", "| --- | --- | --- |"]
    lines += [f"| `{r.method} {r.path}` | {r.auth} | {'no' if r.method == 'GET' else 'yes'} |" for r in rows]
    return "\n".join(lines) + "\n"


def section(text: str, name: str) -> str:
    """What sits between ``<!-- name:begin -->`` and ``<!-- name:end -->`` (without the marker lines)."""
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
    return text[text.index(begin) + len(begin):text.index(end)]


def replace_section(path: Path, name: str, body: str) -> None:
    text = path.read_text()
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
    path.write_text(text[:text.index(begin) + len(begin)] + body + text[text.index(end):])


if __name__ == "__main__":
    replace_section(ARCHITECTURE, "routes", route_tables())
    replace_section(CONTRACT, "roles", roles_table())
    print("rewrote the route tables in docs/architecture.md and the roles table in docs/contract.md")
