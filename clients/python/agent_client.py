"""Python client for berth serve's agent surface (aiohttp only): plugin containers and container records.

Follows the ContainerClientMixin of the Synapse SDK's AgentClient method for method, as coroutines:

    async with AgentClient("http://127.0.0.1:8080", access_token="...") as client:
        container = await client.create_docker_container(
            plugin_release="ocr@1.0.0", params={"format": "pdf"}, envs={"WORKERS": "4"},
            metadata={"created_by": "automation"}, labels=["production"],
        )
        status = await client.get_docker_container(container["docker_id"])
        records, total = await client.list_containers(params={"status": "running"}, list_all=True)

Every call sends `Authorization: Bearer <access_token>`. Every failure the server reports raises AgentAPIError
(with .status, .code and the server's one-line message).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple, Union

import aiohttp

__all__ = ["AgentClient", "AgentAPIError"]

#: The records page size list_containers(list_all=True) fetches with.
PAGE_SIZE = 100


class AgentAPIError(Exception):
    """An error answer from the server: HTTP status, error code and the server's message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status = status
        self.code = code
        self.message = message


def _query(params: Optional[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """A dict of filters as query pairs: lists repeat their key, booleans are true/false, None is left out."""
    pairs: List[Tuple[str, str]] = []
    for key, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None:
                continue
            pairs.append((key, ("true" if v else "false") if isinstance(v, bool) else str(v)))
    return pairs


class AgentClient:
    """berth serve's agent surface: the host's plugin containers and their container records, in one room."""

    def __init__(self, base_url: str, access_token: str, room: Optional[str] = None):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        #: The room to act in (None: the server's room).
        self.room = room
        self._session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> "AgentClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def connect(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": self._authorization()},
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------------------------------ plumbing

    def _authorization(self) -> str:
        return f"Bearer {self.access_token}"

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise RuntimeError("the client is not connected: use 'async with AgentClient(...)' or await connect()")
        return self._session

    async def _request(self, method: str, path: str, *, body: Any = None, params: Optional[List[Tuple[str, str]]] = None) -> Any:
        query = list(params or [])
        if self.room is not None:
            query.append(("room", self.room))
        kwargs: Dict[str, Any] = {"params": query}
        if body is not None:
            kwargs["json"] = body
        async with self.session.request(method, f"{self.base_url}/v1{path}", **kwargs) as resp:
            if resp.status >= 400:
                try:
                    err = (await resp.json()).get("error", {})
                    code, message = err.get("code", "failed"), err.get("message", resp.reason or "")
                except (aiohttp.ContentTypeError, json.JSONDecodeError, ValueError):
                    code, message = "failed", (await resp.text())[:200] or (resp.reason or "")
                raise AgentAPIError(resp.status, code, message)
            return await resp.json()

    # ------------------------------------------------------------------------------------------ Docker containers

    async def list_docker_containers(self) -> List[Dict[str, Any]]:
        """The room's plugin containers (running or not), newest first."""
        return (await self._request("GET", "/plugin-containers"))["containers"]

    async def get_docker_container(self, container_id: str) -> Dict[str, Any]:
        """One plugin container by its Docker id (or a unique prefix, or its name)."""
        return await self._request("GET", f"/plugin-containers/{container_id}")

    async def create_docker_container(
        self,
        plugin_release: str,
        params: Optional[Dict[str, Any]] = None,
        envs: Optional[Dict[str, str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        labels: Optional[List[str]] = None,
    ) -> Dict[str, Any]:
        """Builds (when missing) and runs a plugin release; `id` is its record's id, `docker_id` the container's."""
        body: Dict[str, Any] = {"plugin_release": plugin_release}
        if params is not None:
            body["params"] = params
        if envs is not None:
            body["envs"] = envs
        if metadata is not None:
            body["metadata"] = metadata
        if labels is not None:
            body["labels"] = list(labels)
        return await self._request("POST", "/plugin-containers", body=body)

    async def delete_docker_container(self, container_id: str) -> None:
        """Stops and removes a plugin container (its record stays, with status removed)."""
        await self._request("DELETE", f"/plugin-containers/{container_id}")

    # ------------------------------------------------------------------------------------------ container records

    async def list_containers(
        self, params: Optional[Dict[str, Any]] = None, list_all: bool = False
    ) -> Union[Dict[str, Any], Tuple[List[Dict[str, Any]], int]]:
        """Container records, newest first, filtered by `params` (status, plugin, label, agent, limit, page, cursor).

        Returns the page (`results`, `total`, `next_cursor`), or with list_all=True every page fetched in order
        as `(items, total)`.
        """
        if not list_all:
            return await self._request("GET", "/records", params=_query(params))
        filters = {k: v for k, v in (params or {}).items() if k not in ("page", "cursor")}
        filters.setdefault("limit", PAGE_SIZE)
        items: List[Dict[str, Any]] = []
        total: Optional[int] = None
        cursor: Optional[str] = None
        while True:
            page = await self._request("GET", "/records", params=_query({**filters, "cursor": cursor}))
            items.extend(page["results"])
            if total is None:
                total = page["total"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items, total

    async def get_container(self, container_id: int) -> Dict[str, Any]:
        """One container record by its integer id (status reconciled with Docker)."""
        return await self._request("GET", f"/records/{int(container_id)}")

    async def update_container(self, container_id: int, status: str) -> Dict[str, Any]:
        """Sets a finished container's outcome: succeeded, failed, cancelled or archived."""
        return await self._request("PATCH", f"/records/{int(container_id)}", body={"status": status})

    async def delete_container(self, container_id: int) -> None:
        """Deletes a container record, stopping and removing its container first."""
        await self._request("DELETE", f"/records/{int(container_id)}")
