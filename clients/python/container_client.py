"""Python client for berth serve's Container Management API (aiohttp only).

Follows the Container Management API Client Manual method for method:

    async with ContainerClient("http://localhost:8080", "admin", "password") as client:
        container = await client.create_container(image="python:3.12-slim")
        await client.start_container(container.cuid)
        stdout, stderr, exit_code = await client.execute_command(container.cuid, "python --version")

Every failure the server reports raises ContainerAPIError (with .status, .code and the server's one-line
message); a command past its timeout raises ExecTimeoutError, which is a TimeoutError.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import aiohttp

__all__ = [
    "ContainerClient",
    "ContainerConfig",
    "ContainerInfo",
    "ContainerStatus",
    "HealthStatus",
    "TerminalSession",
    "ContainerAPIError",
    "ExecTimeoutError",
]

DETACH_KEY = b"\x1d"  # Ctrl+]


class ContainerAPIError(Exception):
    """An error answer from the server: HTTP status, error code and the server's message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status = status
        self.code = code
        self.message = message


class ExecTimeoutError(ContainerAPIError, TimeoutError):
    """A command ran past its timeout and was killed."""


@dataclass
class ContainerConfig:
    image: str
    env: Dict[str, str] = field(default_factory=dict)
    tags: List[str] = field(default_factory=list)
    resources: Dict[str, Any] = field(default_factory=dict)
    ports: List[Dict[str, Any]] = field(default_factory=list)
    name: Optional[str] = None
    command: Optional[Union[str, List[str]]] = None

    def to_json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"image": self.image}
        if self.env:
            body["env"] = dict(self.env)
        if self.tags:
            body["tags"] = list(self.tags)
        if self.resources:
            body["resources"] = dict(self.resources)
        if self.ports:
            body["ports"] = list(self.ports)
        if self.name is not None:
            body["name"] = self.name
        if self.command is not None:
            body["command"] = self.command
        return body


@dataclass
class ContainerInfo:
    cuid: str
    image: str
    status: str
    env: Dict[str, str] = field(default_factory=dict)
    tags: List[str] = field(default_factory=list)
    resources: Dict[str, Any] = field(default_factory=dict)
    ports: List[Dict[str, Any]] = field(default_factory=list)
    id: Optional[str] = None
    room: Optional[str] = None
    created_at: Optional[str] = None

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "ContainerInfo":
        return cls(
            cuid=d["cuid"],
            image=d.get("image", ""),
            status=d.get("status", ""),
            env=d.get("env") or {},
            tags=d.get("tags") or [],
            resources=d.get("resources") or {},
            ports=d.get("ports") or [],
            id=d.get("id"),
            room=d.get("room"),
            created_at=d.get("created_at"),
        )


@dataclass
class ContainerStatus:
    cuid: str
    status: str
    created_at: Optional[str] = None
    uptime: Optional[float] = None
    restarts: int = 0
    last_error: Optional[str] = None
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    exit_code: Optional[int] = None
    oom_killed: bool = False

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "ContainerStatus":
        return cls(
            cuid=d["cuid"],
            status=d["status"],
            created_at=d.get("created_at"),
            uptime=d.get("uptime"),
            restarts=d.get("restarts", 0),
            last_error=d.get("last_error"),
            started_at=d.get("started_at"),
            finished_at=d.get("finished_at"),
            exit_code=d.get("exit_code"),
            oom_killed=bool(d.get("oom_killed", False)),
        )


@dataclass
class HealthStatus:
    status: str
    compose_version: Optional[str]
    uptime_s: float


def _zip_files(files: Dict[str, Union[bytes, str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content.encode() if isinstance(content, str) else content)
    return buf.getvalue()


def _terminal_size(fd: int, cols: int, rows: int) -> Tuple[int, int]:
    """This terminal's size; the given one when it has none (not a terminal, or a pty never sized)."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return cols, rows
    return (size.columns or cols, size.lines or rows)


class TerminalSession:
    """An interactive terminal in a container over a WebSocket (a shell with a TTY)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, cols: int, rows: int):
        self._ws = ws
        self.cols = cols
        self.rows = rows
        #: Every output byte received so far.
        self.output = bytearray()
        #: Called with each output chunk (bytes) as it arrives.
        self.on_output: Optional[Callable[[bytes], None]] = None
        #: The shell's exit code once it has exited.
        self.exit_code: Optional[int] = None
        self._done = asyncio.get_running_loop().create_future()
        self._reader = asyncio.ensure_future(self._read())
        self._interactive: Optional[Callable[[], None]] = None

    async def _read(self) -> None:
        error: Optional[BaseException] = None
        try:
            async for msg in self._ws:
                if msg.type == aiohttp.WSMsgType.BINARY:
                    self.output += msg.data
                    if self.on_output:
                        self.on_output(msg.data)
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                    if frame.get("type") == "exit":
                        self.exit_code = frame.get("exit_code")
                    elif frame.get("type") == "error":
                        e = frame.get("error", {})
                        error = ContainerAPIError(0, e.get("code", "failed"), e.get("message", "terminal error"))
                elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                    break
        finally:
            if not self._done.done():
                if error:
                    self._done.set_exception(error)
                else:
                    self._done.set_result(self.exit_code)

    async def _control(self, frame: Dict[str, Any]) -> None:
        if not self._ws.closed:
            await self._ws.send_str(json.dumps(frame))

    async def send_input(self, data: str) -> None:
        await self.send_input_bytes(data.encode())

    async def send_input_bytes(self, data: bytes) -> None:
        if not self._ws.closed:
            await self._ws.send_bytes(data)

    async def send_interrupt(self) -> None:
        """Ctrl+C: SIGINT to the foreground process."""
        await self._control({"type": "interrupt"})

    async def send_terminate(self) -> None:
        """SIGTERM to the session's processes."""
        await self._control({"type": "terminate"})

    async def send_kill(self) -> None:
        """SIGKILL to the session's processes."""
        await self._control({"type": "kill"})

    async def resize(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        await self._control({"type": "resize", "cols": cols, "rows": rows})

    async def wait(self) -> Optional[int]:
        """Until the session ends (the shell exits, Ctrl+] in interactive mode, or stop()); the exit code."""
        return await asyncio.shield(self._done)

    async def stop(self) -> None:
        """Ends the session (what still runs is killed) and closes the WebSocket."""
        if self._interactive:
            self._interactive()
        if not self._ws.closed:
            try:
                await self._control({"type": "stop"})
            except ConnectionError:
                pass
            await self._ws.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._done), 5)
        except (asyncio.TimeoutError, ContainerAPIError):
            pass
        self._reader.cancel()

    async def start_interactive(self) -> None:
        """Connects this terminal (raw mode) to the session: keys go in, output comes out; Ctrl+] leaves."""
        loop = asyncio.get_running_loop()
        stdin_fd = sys.stdin.fileno()
        stdout = sys.stdout.buffer
        restore: Callable[[], None] = lambda: None
        if os.isatty(stdin_fd):
            import termios
            import tty

            saved = termios.tcgetattr(stdin_fd)
            tty.setraw(stdin_fd)
            restore = lambda: termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
            await self.resize(*_terminal_size(stdin_fd, self.cols, self.rows))

        def on_output(chunk: bytes) -> None:
            stdout.write(chunk)
            stdout.flush()

        self.on_output = on_output
        detached = loop.create_future()

        def on_key() -> None:
            data = os.read(stdin_fd, 4096)
            if not data or DETACH_KEY in data:
                before = data.split(DETACH_KEY, 1)[0] if data else b""
                if before:
                    asyncio.ensure_future(self.send_input_bytes(before))
                if not detached.done():
                    detached.set_result(None)
                return
            asyncio.ensure_future(self.send_input_bytes(data))

        def on_winch() -> None:
            asyncio.ensure_future(self.resize(*_terminal_size(stdin_fd, self.cols, self.rows)))

        loop.add_reader(stdin_fd, on_key)
        has_winch = hasattr(signal, "SIGWINCH") and os.isatty(stdin_fd)
        if has_winch:
            loop.add_signal_handler(signal.SIGWINCH, on_winch)

        def cleanup() -> None:
            loop.remove_reader(stdin_fd)
            if has_winch:
                loop.remove_signal_handler(signal.SIGWINCH)
            restore()
            self.on_output = None
            self._interactive = None

        self._interactive = cleanup

        async def until_detached() -> None:
            await asyncio.wait([detached, self._done], return_when=asyncio.FIRST_COMPLETED)
            if self._interactive:
                cleanup()
            if detached.done() and not self._done.done():
                await self.stop()

        asyncio.ensure_future(until_detached())


class ContainerClient:
    """Client for berth serve: containers in one room, over HTTP and WebSocket.

    Authenticates with HTTP Basic (username, password: an admin user) or, given `access_token=`, with a bearer token
    from `berth token create` (an agent, within the token's rooms and grants).
    """

    def __init__(self, base_url: str, username: Optional[str] = None, password: Optional[str] = None, *, access_token: Optional[str] = None):
        self.base_url = base_url.rstrip("/")
        if access_token is None and (username is None or password is None):
            raise ValueError("give username and password, or access_token")
        self._auth = aiohttp.BasicAuth(username, password) if access_token is None else None
        self._headers = {"Authorization": f"Bearer {access_token}"} if access_token is not None else {}
        self._session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> "ContainerClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def connect(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(auth=self._auth, headers=self._headers, timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------------------------------ plumbing

    def _url(self, path: str) -> str:
        return f"{self.base_url}/v1{path}"

    def _ws_url(self, path: str) -> str:
        url = self._url(path)
        return "ws" + url[4:] if url.startswith("http") else url

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise RuntimeError("the client is not connected: use 'async with ContainerClient(...)' or await connect()")
        return self._session

    @staticmethod
    async def _raise_for(resp: aiohttp.ClientResponse) -> None:
        if resp.status < 400:
            return
        try:
            err = (await resp.json()).get("error", {})
            code, message = err.get("code", "failed"), err.get("message", resp.reason or "")
        except (aiohttp.ContentTypeError, json.JSONDecodeError, ValueError):
            code, message = "failed", (await resp.text())[:200] or (resp.reason or "")
        if code == "exec_timeout":
            raise ExecTimeoutError(resp.status, code, message)
        raise ContainerAPIError(resp.status, code, message)

    async def _json(self, method: str, path: str, *, body: Any = None, params: Any = None, timeout: Optional[float] = None) -> Any:
        kwargs: Dict[str, Any] = {}
        if body is not None:
            kwargs["json"] = body
        if params is not None:
            kwargs["params"] = params
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        async with self.session.request(method, self._url(path), **kwargs) as resp:
            await self._raise_for(resp)
            return await resp.json()

    # ------------------------------------------------------------------------------------------ containers

    async def create_container(
        self,
        image: str,
        env: Optional[Dict[str, str]] = None,
        tags: Optional[List[str]] = None,
        resources: Optional[Dict[str, Any]] = None,
        ports: Optional[List[Dict[str, Any]]] = None,
        name: Optional[str] = None,
        command: Optional[Union[str, List[str]]] = None,
    ) -> ContainerInfo:
        config = ContainerConfig(image=image, env=env or {}, tags=tags or [], resources=resources or {}, ports=ports or [], name=name, command=command)
        return ContainerInfo.from_json(await self._json("POST", "/containers", body=config.to_json()))

    async def list_containers(
        self,
        limit: int = 100,
        cursor: Optional[str] = None,
        status: Optional[List[str]] = None,
        tags: Optional[List[str]] = None,
    ) -> Tuple[List[ContainerInfo], Optional[str]]:
        params: List[Tuple[str, str]] = [("limit", str(limit))]
        if cursor:
            params.append(("cursor", cursor))
        for s in status or []:
            params.append(("status", s))
        for t in tags or []:
            params.append(("tags", t))
        page = await self._json("GET", "/containers", params=params)
        return [ContainerInfo.from_json(c) for c in page["containers"]], page.get("next_cursor")

    async def list_all_containers(self, status: Optional[List[str]] = None, tags: Optional[List[str]] = None) -> List[ContainerInfo]:
        result: List[ContainerInfo] = []
        cursor: Optional[str] = None
        while True:
            page, cursor = await self.list_containers(limit=100, cursor=cursor, status=status, tags=tags)
            result.extend(page)
            if not cursor:
                return result

    async def get_container(self, cuid: str) -> ContainerInfo:
        return ContainerInfo.from_json(await self._json("GET", f"/containers/{cuid}"))

    async def update_container(
        self,
        cuid: str,
        env: Optional[Dict[str, Optional[str]]] = None,
        tags: Optional[List[str]] = None,
        resources: Optional[Dict[str, Any]] = None,
        image: Optional[str] = None,
    ) -> ContainerInfo:
        body: Dict[str, Any] = {}
        if env is not None:
            body["env"] = env
        if tags is not None:
            body["tags"] = tags
        if resources is not None:
            body["resources"] = resources
        if image is not None:
            body["image"] = image
        return ContainerInfo.from_json(await self._json("PATCH", f"/containers/{cuid}", body=body))

    async def delete_container(self, cuid: str) -> Dict[str, Any]:
        return await self._json("DELETE", f"/containers/{cuid}")

    async def batch_delete(self, cuids: List[str]) -> List[Optional[str]]:
        """One slot per cuid: None when deleted, else the error message."""
        return (await self._json("POST", "/containers/batch-delete", body={"cuids": list(cuids)}))["errors"]

    # ------------------------------------------------------------------------------------------ lifecycle

    async def start_container(self, cuid: str) -> Dict[str, Any]:
        return await self._json("POST", f"/containers/{cuid}/start")

    async def stop_container(self, cuid: str) -> Dict[str, Any]:
        return await self._json("POST", f"/containers/{cuid}/stop")

    async def restart_container(self, cuid: str) -> Dict[str, Any]:
        return await self._json("POST", f"/containers/{cuid}/restart")

    async def pause_container(self, cuid: str) -> Dict[str, Any]:
        return await self._json("POST", f"/containers/{cuid}/pause")

    async def unpause_container(self, cuid: str) -> Dict[str, Any]:
        return await self._json("POST", f"/containers/{cuid}/unpause")

    async def get_status(self, cuid: str) -> ContainerStatus:
        return ContainerStatus.from_json(await self._json("GET", f"/containers/{cuid}/status"))

    async def wait_for_status(self, cuid: str, target_status: str, timeout: float = 60.0, poll_interval: float = 1.0) -> bool:
        """True once the container is in target_status, False when the timeout passes first.

        "running" and "exited" are waited for by the server; any other status is polled every poll_interval.
        """
        if target_status in ("running", "exited"):
            r = await self._json("POST", f"/containers/{cuid}/wait", body={"status": target_status, "timeout": timeout}, timeout=timeout + 30)
            return bool(r["reached"])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if (await self.get_status(cuid)).status == target_status:
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(poll_interval, left))

    # ------------------------------------------------------------------------------------------ ports

    async def update_ports(self, cuid: str, ports: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Replaces the port mappings ([] removes all); the container as it is now."""
        return await self._json("PUT", f"/containers/{cuid}/ports", body={"ports": list(ports)})

    # ------------------------------------------------------------------------------------------ files

    async def upload_zip(
        self,
        cuid: str,
        files: Optional[Dict[str, Union[bytes, str]]] = None,
        zip_path: Optional[str] = None,
        zip_data: Optional[bytes] = None,
    ) -> Dict[str, Any]:
        """Uploads into the container's /app: a dict of name -> content, a zip file, or zip bytes."""
        if sum(x is not None for x in (files, zip_path, zip_data)) != 1:
            raise ValueError("give exactly one of files, zip_path or zip_data")
        headers = {"Content-Type": "application/zip"}
        if zip_path is not None:
            with open(zip_path, "rb") as f:
                async with self.session.put(self._url(f"/containers/{cuid}/files"), data=f, headers=headers) as resp:
                    await self._raise_for(resp)
                    return await resp.json()
        data = _zip_files(files) if files is not None else zip_data
        async with self.session.put(self._url(f"/containers/{cuid}/files"), data=data, headers=headers) as resp:
            await self._raise_for(resp)
            return await resp.json()

    async def download_file(self, cuid: str, path: str, save_to: Optional[str] = None) -> bytes:
        """One file's bytes (path relative to /app); with save_to also written there."""
        async with self.session.get(self._url(f"/containers/{cuid}/files"), params={"path": path}) as resp:
            await self._raise_for(resp)
            if save_to is None:
                return await resp.read()
            os.makedirs(os.path.dirname(os.path.abspath(save_to)), exist_ok=True)
            chunks = []
            with open(save_to, "wb") as f:
                async for chunk in resp.content.iter_chunked(1 << 16):
                    f.write(chunk)
                    chunks.append(chunk)
            return b"".join(chunks)

    async def download_zip(self, cuid: str, path: str = "", extract_to: Optional[str] = None) -> bytes:
        """A directory under /app ("" for all of it) as zip bytes; with extract_to also unpacked there."""
        async with self.session.get(self._url(f"/containers/{cuid}/archive"), params={"path": path}) as resp:
            await self._raise_for(resp)
            data = await resp.read()
        if extract_to is not None:
            root = os.path.realpath(extract_to)
            os.makedirs(root, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.infolist():
                    target = os.path.realpath(os.path.join(root, member.filename))
                    if target != root and not target.startswith(root + os.sep):
                        raise ContainerAPIError(0, "bad_archive", f"zip entry {member.filename!r} escapes {extract_to}")
                    if (member.external_attr >> 16) & 0o170000 == 0o120000:
                        continue  # symlinks are not followed or recreated
                    zf.extract(member, root)
        return data

    # ------------------------------------------------------------------------------------------ terminals

    async def create_terminal(self, cuid: str, cols: int = 80, rows: int = 24) -> TerminalSession:
        ws = await self.session.ws_connect(self._ws_url(f"/containers/{cuid}/terminal"), params={"cols": str(cols), "rows": str(rows)}, heartbeat=30)
        return TerminalSession(ws, cols, rows)

    async def enter_container(self, cuid: str) -> None:
        """An interactive terminal on this one until Ctrl+] (or the shell exits); Ctrl+C goes to the container."""
        cols, rows = _terminal_size(sys.stdin.fileno(), 80, 24)
        terminal = await self.create_terminal(cuid, cols=cols, rows=rows)
        await terminal.start_interactive()
        try:
            await terminal.wait()
        finally:
            await terminal.stop()

    # ------------------------------------------------------------------------------------------ commands

    async def execute_command(self, cuid: str, command: Union[str, List[str]], timeout: float = 60.0) -> Tuple[str, str, int]:
        """Runs a command (a string runs with sh -c) in /app; (stdout, stderr, exit_code). TimeoutError past timeout."""
        r = await self._json("POST", f"/containers/{cuid}/exec", body={"command": command, "timeout": timeout}, timeout=timeout + 30)
        return r["stdout"], r["stderr"], r["exit_code"]

    async def stream_output(
        self,
        cuid: str,
        command: str,
        on_stdout: Optional[Callable[[str], None]] = None,
        on_stderr: Optional[Callable[[str], None]] = None,
        timeout: Optional[float] = None,
    ) -> int:
        """Runs a command, calling on_stdout / on_stderr with output as it arrives; the exit code."""
        params = {"command": command}
        if timeout is not None:
            params["timeout"] = str(timeout)
        async with self.session.ws_connect(self._ws_url(f"/containers/{cuid}/exec/stream"), params=params) as ws:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                kind = frame.get("type")
                if kind == "stdout" and on_stdout:
                    on_stdout(frame["data"])
                elif kind == "stderr" and on_stderr:
                    on_stderr(frame["data"])
                elif kind == "exit":
                    return int(frame["exit_code"])
                elif kind == "error":
                    e = frame.get("error", {})
                    cls = ExecTimeoutError if e.get("code") == "exec_timeout" else ContainerAPIError
                    raise cls(0, e.get("code", "failed"), e.get("message", "exec failed"))
        raise ContainerAPIError(0, "closed", "the server closed the stream before the command's exit code")

    async def upload_and_run(
        self,
        cuid: str,
        files: Dict[str, Union[bytes, str]],
        command: str,
        wait_for_completion: bool = True,
        timeout: Optional[float] = None,
    ) -> Optional[int]:
        """Uploads files into /app, then runs command there: its exit code, or None without waiting."""
        params = {"command": command, "wait": "true" if wait_for_completion else "false"}
        if timeout is not None:
            params["timeout"] = str(timeout)
        async with self.session.post(
            self._url(f"/containers/{cuid}/upload-and-run"), params=params, data=_zip_files(files), headers={"Content-Type": "application/zip"}
        ) as resp:
            await self._raise_for(resp)
            r = await resp.json()
        if r.get("timed_out"):
            raise ExecTimeoutError(504, "exec_timeout", f"{command!r} timed out after {timeout} s and was killed")
        return r.get("exit_code")

    # ------------------------------------------------------------------------------------------ batches

    async def batch_create(self, configs: List[ContainerConfig]) -> List[ContainerInfo]:
        """Creates every config in parallel; containers in order. If any failed, ContainerAPIError whose
        .results holds a ContainerInfo or a ContainerAPIError per config (the created ones are kept)."""
        r = await self._json("POST", "/containers/batch-create", body={"configs": [c.to_json() for c in configs]})
        results: List[Union[ContainerInfo, ContainerAPIError]] = [
            ContainerInfo.from_json(item["container"]) if "container" in item else ContainerAPIError(0, "failed", item.get("error", "failed"))
            for item in r["results"]
        ]
        failed = [(i, x) for i, x in enumerate(results) if isinstance(x, ContainerAPIError)]
        if failed:
            err = ContainerAPIError(0, "batch_failed", "; ".join(f"#{i + 1}: {e.message}" for i, e in failed))
            err.results = results  # type: ignore[attr-defined]
            raise err
        return results  # type: ignore[return-value]

    async def batch_execute(self, commands: Dict[str, Union[str, List[str]]], timeout: float = 30.0) -> Dict[str, Tuple[str, str, int]]:
        """Runs each container's command in parallel: cuid -> (stdout, stderr, exit_code). A container whose
        command could not run (unknown, not running, timed out) gets ("", the error message, -1)."""
        r = await self._json("POST", "/containers/batch-exec", body={"commands": commands, "timeout": timeout}, timeout=timeout + 30)
        out: Dict[str, Tuple[str, str, int]] = {}
        for cuid in commands:
            item = r["results"].get(cuid, {"error": {"message": "no result"}})
            if "error" in item:
                out[cuid] = ("", item["error"].get("message", "failed"), -1)
            else:
                out[cuid] = (item["stdout"], item["stderr"], item["exit_code"])
        return out

    # ------------------------------------------------------------------------------------------ health

    async def health_check(self) -> HealthStatus:
        h = await self._json("GET", "/health")
        return HealthStatus(status=h["status"], compose_version=h.get("compose_version"), uptime_s=h.get("uptime_s", 0.0))
