"""Column types shared by every feature's models."""
from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column(enum_cls: type[enum.Enum], length: int = 24) -> Enum:
    """Store a Python enum by value in a plain VARCHAR (portable, migration-friendly)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
