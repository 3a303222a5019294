"""Count the imports of app/ that sit inside functions, against all its imports (the house keeps it under 5%).

Usage: python scripts/count_imports.py [root]   (root defaults to app/)
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path


def count(root: Path) -> tuple[int, int]:
    """(imports inside a function, all imports) over every .py under ``root``."""
    inside = total = 0
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nested = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                nested.update(id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                total += 1
                inside += id(node) in nested
    return inside, total


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "app")
    inside, total = count(root)
    print(f"{inside} of {total} imports inside functions ({100 * inside / total:.1f}%)")
