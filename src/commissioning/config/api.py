"""The JSON API: one NinjaAPI, each area adding its router. Schema and docs at /api/docs."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from commissioning.core.api import AUTH, install_error_handlers
from commissioning.core.api import router as core_router
from commissioning.needs.api import router as needs_router
from commissioning.partners.api import router as partners_router
from commissioning.performance.api import router as returns_router

api = NinjaAPI(
    title="Joint commissioning platform API",
    version="1",
    description=(
        "Every call needs a signed-in browser session or an `Authorization: Bearer` token, "
        "and sees only the partnerships the caller belongs to."
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_decorator=login_required,
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", partners_router)
api.add_router("/", needs_router)
api.add_router("/", returns_router)
