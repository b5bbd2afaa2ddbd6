"""The SQLite connection class Fenpei opens (settings: OPTIONS["factory"]).

Python's sqlite3 COMMITs an open transaction when `isolation_level` is set to None, and
Django sets it so in the `finally` of every outermost atomic block. Normally the block
has committed or rolled back by then. But when an exception that is not a database error
cuts that COMMIT or ROLLBACK short (KeyboardInterrupt: Ctrl-C, or SIGTERM as `fenpei
serve` handles it, a second one arriving while the first unwinds), the transaction is
still open there, and sqlite3 committed whatever the block had written so far: half an
import, audit events without their owner changes (tests/crash shows it). An open
transaction is rolled back there instead, as PostgreSQL does with one whose connection
is lost: a block that did not finish writes nothing.
"""

from __future__ import annotations

import sqlite3


class Connection(sqlite3.Connection):
    def __setattr__(self, name: str, value: object) -> None:
        if name == "isolation_level" and value is None and self.in_transaction:
            self.rollback()  # not sqlite3's implicit COMMIT: see the module's docstring
        super().__setattr__(name, value)
