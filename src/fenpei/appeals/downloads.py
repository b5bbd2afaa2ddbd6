"""An appeal's attachment as a download, for the page and the API alike."""

from __future__ import annotations

import io

from django.http import FileResponse

from fenpei.appeals.models import Appeal


def attachment_response(appeal: Appeal) -> FileResponse:
    """The file as a download with its name and type (the page's and the API's)."""
    data = bytes(appeal.attachment_data or b"")
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=appeal.attachment_name,
        content_type=appeal.attachment_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
