"""Which charge point is connected to this node, by id. One live connection per id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:       # the server registers its connections here
    from csms.transport.server import Connection


class Registry:
    def __init__(self):
        self._by_id: dict[str, Connection] = {}

    def get(self, cp_id: str) -> Connection | None:
        return self._by_id.get(cp_id)

    def put(self, conn: Connection) -> Connection | None:
        """Register ``conn``; returns the connection it replaces, if any."""
        old = self._by_id.get(conn.cp_id)
        self._by_id[conn.cp_id] = conn
        return old

    def remove(self, conn: Connection) -> bool:
        """Forget ``conn`` if it is still the current one for its id; True if it was."""
        if self._by_id.get(conn.cp_id) is conn:
            del self._by_id[conn.cp_id]
            return True
        return False

    def is_current(self, conn: Connection) -> bool:
        return self._by_id.get(conn.cp_id) is conn

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._by_id.values()))

    def ids(self) -> list[str]:
        return list(self._by_id)
