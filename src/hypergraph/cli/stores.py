"""Opening the checkpointer that ``--db`` names: a SQLite file or a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypergraph.checkpointers import Checkpointer

__all__ = ["open_checkpointer"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_checkpointer(db: str, *, must_exist: bool = False) -> Checkpointer:
    """The checkpointer for ``db``: a ``postgresql://`` URL, or a path to a SQLite file.

    ``must_exist`` refuses a SQLite path with no file behind it (reading commands would
    otherwise create an empty database and report that it holds no runs).
    """
    if db.startswith(_POSTGRES_SCHEMES):
        from hypergraph.checkpointers import PostgresCheckpointer

        return PostgresCheckpointer(db)
    path = Path(db.removeprefix("sqlite:///").removeprefix("sqlite://"))
    if must_exist and not path.is_file():
        raise FileNotFoundError(
            f"no database at {str(path)!r}: pass the SQLite file your runs were recorded in, "
            "or a postgresql:// URL"
        )
    from hypergraph.checkpointers import SqliteCheckpointer

    return SqliteCheckpointer(str(path))
