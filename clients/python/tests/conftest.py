"""Fixtures for the manual's flows against a real berth serve (test/server-python.test.ts starts one).

BERTH_API_URL, BERTH_API_USER and BERTH_API_PASSWORD name the server; BERTH_TEST_IMAGE is the image containers
run (the fixture image: busybox, no python or bash), BERTH_TEST_ALT_IMAGE another tag for image updates.
"""

import asyncio
import os
import socket
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from container_client import ContainerClient  # noqa: E402


def _need(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through npm test (test/server-python.test.ts)")
    return value


@pytest.fixture(scope="session")
def api():
    return {"url": _need("BERTH_API_URL"), "user": _need("BERTH_API_USER"), "password": _need("BERTH_API_PASSWORD")}


@pytest.fixture(scope="session")
def image():
    return os.environ.get("BERTH_TEST_IMAGE", "berth-fixture:latest")


@pytest.fixture(scope="session")
def alt_image():
    return os.environ.get("BERTH_TEST_ALT_IMAGE", "berth-fixture:latest")


@pytest.fixture
def run(api):
    """run(fn): fn(client) in a fresh event loop with a connected client; every container it made is deleted after."""

    def runner(fn, timeout=120):
        async def main():
            async with ContainerClient(api["url"], api["user"], api["password"]) as client:
                made = []
                original = client.create_container

                async def tracked(*args, **kwargs):
                    info = await original(*args, **kwargs)
                    made.append(info.cuid)
                    return info

                client.create_container = tracked
                try:
                    return await asyncio.wait_for(fn(client, made), timeout)
                finally:
                    if made:
                        await client.batch_delete(made)

        return asyncio.run(main())

    return runner


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
