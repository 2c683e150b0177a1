"""A file answered to the API or the web app: its bytes or text, its media type and the name the
browser saves it under (`attachment`, the default) or shows it as (`inline`)."""

from __future__ import annotations

from fastapi.responses import Response


def file_response(
    content: bytes | str, media_type: str, filename: str, *, inline: bool = False
) -> Response:
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{filename}"'}
    return Response(content, media_type=media_type, headers=headers)
