"""The patient banner on every patient screen, without each page's route asking for it.

Every patient screen's path names the patient (`/chart/{patient_id}/...`), so `render` offers each
page `page_banner()`: the banner of the patient its path names (`tvec.services.banner`), read only
when the page's layout shows it (base.html; a partial such as an HTMX row never reads it). A page
may pass its own `banner` instead. A path whose patient the user may not see (another centre's, an
unknown id, a role without clinical access) gets no banner: its page says why.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from tvec.domain.errors import DomainError
from tvec.services.banner import Banner, patient_banner
from tvec.services.context import Actor
from tvec.services.permissions import Action, allowed


def banner_for(request: Request, actor: Actor | None) -> Banner | None:
    """The banner of the patient the request's path names, if the actor may see them."""
    raw = request.path_params.get("patient_id")
    if actor is None or raw is None or not allowed(actor.role, Action.READ_CLINICAL):
        return None
    try:
        return patient_banner(request.app.state.ctx, actor, int(raw))
    except (DomainError, ValueError):
        return None


def lazy_banner(request: Request, actor: Actor | None) -> Callable[[], Banner | None]:
    """`banner_for`, read at most once and only if the template asks for it."""
    read: list[Banner | None] = []

    def banner() -> Banner | None:
        if not read:
            read.append(banner_for(request, actor))
        return read[0]

    return banner
