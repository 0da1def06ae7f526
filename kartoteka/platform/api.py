"""The HTTP API at /api/v1/: one NinjaAPI, with routers from each app mounted here."""

from ninja import NinjaAPI

from .api_base import AUTH, install_error_handlers

api = NinjaAPI(
    title="Kartoteka API",
    version="1.0.0",
    description="CRUD for every entity (built-in and custom), custom fields, relations and "
    "timelines. Authenticate with `Authorization: Bearer <token>` (create a token on your "
    "profile or with `kartoteka token USERNAME`).",
    auth=AUTH,
    urls_namespace="api-1.0.0",
)
install_error_handlers(api)


def _mount() -> None:
    from kartoteka.customization.api import router as customization_router
    from kartoteka.dataio.exports_api import router as exports_router
    from kartoteka.dataio.imports_api import router as imports_router
    from kartoteka.knowledge.api import router as knowledge_router
    from kartoteka.planner.api import router as planner_router
    from kartoteka.sales.api import router as sales_router
    from kartoteka.service.api import router as service_router

    from .api_records import router as records_router

    api.add_router("", customization_router)
    api.add_router("", records_router)
    api.add_router("", sales_router)
    api.add_router("", planner_router)
    api.add_router("", knowledge_router)
    api.add_router("", service_router)
    api.add_router("", imports_router)
    api.add_router("", exports_router)


_mount()
