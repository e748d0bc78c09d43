"""The sandbox's ASGI app: four vendor emulators and the control API on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vendor_sandbox.bamboohr.routes import router as bamboohr_router
from vendor_sandbox.business_date import BusinessDateMiddleware
from vendor_sandbox.clock import BusinessClock
from vendor_sandbox.context import SandboxContext
from vendor_sandbox.control.routes import router as control_router
from vendor_sandbox.faults import PROFILES, FaultInjector, FaultMiddleware
from vendor_sandbox.gusto.routes import router as gusto_router
from vendor_sandbox.harvest.routes import forecast_router
from vendor_sandbox.harvest.routes import router as harvest_router
from vendor_sandbox.netsuite.routes import router as netsuite_router
from vendor_sandbox.settings import SandboxSettings
from vendor_sandbox.store import Store
from vendor_sandbox.webhooks import WebhookDeliverer

BASE_PATHS = {
    "bamboohr": "/bamboohr/api/gateway.php/{company}/v1",
    "netsuite": "/netsuite/services/rest",
    "harvest": "/harvest/v2",
    "forecast": "/forecast",
    "gusto": "/gusto",
}


def create_app(settings: SandboxSettings, store: Store | None = None) -> FastAPI:
    """Build the app over an already generated store (see vendor_sandbox.firm.generate)."""
    store = store or Store(settings.state_path)
    store.init_schema()
    if not store.is_generated():
        raise RuntimeError(f"no firm in {store.path}: generate one first (crosswalk sandbox does)")
    injector = FaultInjector(PROFILES[settings.faults], seed=settings.seed)
    context = SandboxContext(
        settings=settings, store=store, clock=BusinessClock(store), faults=injector
    )
    deliverer = WebhookDeliverer(
        store, retry_base_seconds=settings.webhook_retry_base_seconds, faults=injector
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        deliverer.start()
        try:
            yield
        finally:
            deliverer.stop()

    app = FastAPI(
        title="crosswalk vendor sandbox",
        lifespan=lifespan,
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        redoc_url=None,
    )
    app.state.sandbox = context
    context.extras["webhooks"] = deliverer
    app.include_router(control_router, prefix="/_sandbox")
    app.include_router(bamboohr_router, prefix=BASE_PATHS["bamboohr"])
    app.include_router(netsuite_router, prefix=BASE_PATHS["netsuite"])
    app.include_router(harvest_router, prefix=BASE_PATHS["harvest"])
    app.include_router(forecast_router, prefix=BASE_PATHS["forecast"])
    app.include_router(gusto_router, prefix=BASE_PATHS["gusto"])
    app.add_middleware(FaultMiddleware, injector=injector)
    app.add_middleware(BusinessDateMiddleware, clock=context.clock)
    return app
