"""docs/permissions.md shows the same role -> permission table as the code."""

import re
from pathlib import Path

from webapp.services.policy import PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_the_documented_table_is_the_policy():
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("| ")]
    roles = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    assert roles == list(PERMISSIONS)
    documented = {role: set() for role in roles}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        permission = re.sub(r"`", "", cells[0])
        for role, cell in zip(roles, cells[1:], strict=True):
            if cell == "yes":
                documented[role].add(permission)
    assert documented == {role: set(granted) for role, granted in PERMISSIONS.items()}
