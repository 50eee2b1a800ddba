"""Fixtures for the agent client's flows against a real berth serve (test/server/agent-python.test.ts starts one).

BERTH_API_URL names the server and BERTH_TEST_RELEASE the plugin release the runner registered (its params:
`seconds` to sleep, `words` to print). BERTH_API_TOKEN is the bearer token the client sends; without one the
client sends the runner's admin user (BERTH_API_USER, BERTH_API_PASSWORD) as HTTP Basic instead.
"""

import asyncio
import base64
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from agent_client import AgentAPIError, AgentClient  # noqa: E402


def _need(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through npm test (test/server/agent-python.test.ts)")
    return value


class _BasicAgentClient(AgentClient):
    """The same client sending an admin user's HTTP Basic credentials where no bearer token is given."""

    def __init__(self, base_url, user, password, room=None):
        super().__init__(base_url, access_token="", room=room)
        self._basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def _authorization(self) -> str:
        return self._basic


@pytest.fixture(scope="session")
def release():
    return _need("BERTH_TEST_RELEASE")


@pytest.fixture
def run():
    """run(fn): fn(client) in a fresh event loop with a connected client; every record it made is deleted after."""
    url = _need("BERTH_API_URL")
    token = os.environ.get("BERTH_API_TOKEN")

    def make():
        if token:
            return AgentClient(url, token)
        return _BasicAgentClient(url, _need("BERTH_API_USER"), _need("BERTH_API_PASSWORD"))

    def runner(fn, timeout=180):
        async def main():
            async with make() as client:
                made = []
                original = client.create_docker_container

                async def tracked(*args, **kwargs):
                    created = await original(*args, **kwargs)
                    made.append(created["id"])
                    return created

                client.create_docker_container = tracked
                try:
                    return await asyncio.wait_for(fn(client, made), timeout)
                finally:
                    for record_id in made:
                        try:
                            await client.delete_container(record_id)
                        except AgentAPIError:
                            pass

        return asyncio.run(main())

    return runner
