"""docs/architecture.md stays true: its route tables are the code's, the files its traces name exist
and each trace stays within eight project files; the contract's roles table is the generated one."""

from __future__ import annotations

import re

from tests.support.doc_tables import ARCHITECTURE, CONTRACT, ROOT, roles_table, route_tables, section

REWRITE = "run `python -m tests.support.doc_tables` to rewrite it"


def test_the_route_tables_in_the_doc_are_the_codes():
    assert section(ARCHITECTURE.read_text(), "routes") == route_tables(), REWRITE


def test_the_contracts_roles_table_is_the_generated_one():
    assert section(CONTRACT.read_text(), "roles") == roles_table(), REWRITE


def _trace(title: str) -> list[list[str]]:
    text = ARCHITECTURE.read_text()
    part = text[text.index(f"### {title}"):]
    part = part[:part.index("\n### ") if "\n### " in part[4:] else part.index("\n## ")]
    rows = re.findall(r"^\| (\d+) \| (.+?) \| ", part, re.M)
    return [re.findall(r"`([\w/]+\.py)`", files) for _n, files in rows]


def test_each_trace_crosses_at_most_eight_existing_project_files():
    for title in ("OCPP 1.6 StartTransaction", "OCPP 2.0.1 TransactionEvent"):
        files = [f for row in _trace(title) for f in row]
        assert files and len(set(files)) <= 8, (title, files)
        missing = [f for f in files if not (ROOT / f).is_file()]
        assert not missing, (title, missing)


def test_the_traced_handlers_are_the_routed_ones():
    tables = route_tables()
    assert "| StartTransaction | `v16.handlers.V16Handlers.start_transaction` |" in tables
    assert "| TransactionEvent | `v201.handlers.V201Handlers.transaction_event` |" in tables
    text = ARCHITECTURE.read_text()
    assert "`V16Handlers.start_transaction`" in text and "`V201Handlers.transaction_event`" in text
