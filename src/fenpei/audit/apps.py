from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

#: set only while Django's `flush` empties an SQLite database (its test runner does, between
#: transactional tests): the one DELETE of audit events the SQLite trigger lets through
_flushing: ContextVar[bool] = ContextVar("fenpei_audit_flushing", default=False)


def _sqlite_connected(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "fenpei_audit_flush", 0, lambda: int(_flushing.get()), deterministic=False
    )
    ops = connection.ops
    if getattr(ops, "_audit_flush_wrapped", False):
        return
    original: Callable[[list[str]], None] = ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        token = _flushing.set(True)
        try:
            original(sql_list)
        finally:
            _flushing.reset(token)

    ops.execute_sql_flush = execute_sql_flush
    ops._audit_flush_wrapped = True


class AuditConfig(AppConfig):
    name = "fenpei.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        connection_created.connect(_sqlite_connected, dispatch_uid="fenpei_audit_sqlite")
