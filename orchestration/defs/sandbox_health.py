"""A job that checks the vendor sandbox answers: the first thing the demo's UI can run."""

import dagster as dg
import httpx

from orchestration.environment import sandbox_url


class SandboxResource(dg.ConfigurableResource):
    """Where the vendor sandbox listens; read lazily so loading definitions touches no network."""

    url: str

    def health(self) -> dict[str, object]:
        response = httpx.get(f"{self.url}/_sandbox/health", timeout=10)
        response.raise_for_status()
        return response.json()


def sandbox_resource() -> SandboxResource:
    return SandboxResource(url=sandbox_url())


@dg.op
def check_sandbox(context: dg.OpExecutionContext, sandbox: SandboxResource) -> None:
    """Fail unless the sandbox answers; log its business clock and size."""
    health = sandbox.health()
    context.log.info(
        f"sandbox {health['size']} (seed {health['seed']}) at business time "
        f"{health['business_now']}"
    )


@dg.job(description="Check that the vendor sandbox answers on its control API.")
def sandbox_health_check_job() -> None:
    check_sandbox()
