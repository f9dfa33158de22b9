"""The engine knows nothing of the web stack."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "webapp" / "engine"
FORBIDDEN = {"flask", "werkzeug", "sqlalchemy"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return {r.lower() for r in roots}


def test_engine_modules_do_not_import_web_libraries():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 5
    offenders = {str(m.relative_to(ENGINE)): _imported_roots(m) & FORBIDDEN for m in modules}
    assert {k: v for k, v in offenders.items() if v} == {}
