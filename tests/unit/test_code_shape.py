"""What keeps the code readable, checked: modules of one idea (at most ~400 lines) and services that
need few collaborators (a constructor of at most 8 parameters in csms/services)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400
MAX_PARAMETERS = 8


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def test_a_module_holds_one_idea():
    long = {str(p.relative_to(ROOT)): n for p in _modules("csms", "api", "chargepoint_sim")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them along their ideas): {long}"


def _constructors(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args
                    yield node.name, len(args.args) - 1 + len(args.kwonlyargs) + len(args.posonlyargs)


def test_a_service_needs_few_collaborators():
    crowded = [(p.name, name, n) for p in _modules("csms/services") for name, n in _constructors(p)
               if n > MAX_PARAMETERS]
    assert not crowded, f"constructors with more than {MAX_PARAMETERS} parameters: {crowded}"
