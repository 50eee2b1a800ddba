"""Every method of the manual, against a real berth serve and the real engine."""

import asyncio
import io
import json
import os
import uuid
import zipfile

import pytest

from conftest import free_port
from container_client import (
    ContainerAPIError,
    ContainerClient,
    ContainerConfig,
    ContainerInfo,
    ContainerStatus,
    ExecTimeoutError,
)


def test_quick_start(run, image):
    async def flow(client, made):
        container = await client.create_container(image=image, env={"APP_ENV": "production"}, tags=["web", "api"])
        assert isinstance(container, ContainerInfo) and container.cuid.startswith("c") and container.status == "created"
        assert await client.start_container(container.cuid) == {"status": "started", "cuid": container.cuid}
        stdout, stderr, exit_code = await client.execute_command(container.cuid, "echo $APP_ENV; echo $CONTAINER_UID; pwd")
        assert (stdout.split(), stderr, exit_code) == (["production", container.cuid, "/app"], "", 0)
        assert (await client.stop_container(container.cuid))["status"] == "stopped"
        assert (await client.delete_container(container.cuid))["status"] == "deleted"
        made.remove(container.cuid)
        with pytest.raises(ContainerAPIError) as e:
            await client.get_container(container.cuid)
        assert e.value.status == 404

    run(flow)


def test_manual_connection_and_health(api):
    async def flow():
        client = ContainerClient(api["url"], api["user"], api["password"])
        await client.connect()
        try:
            health = await client.health_check()
            assert health.status == "ok" and health.compose_version and health.uptime_s >= 0
        finally:
            await client.close()
        wrong = ContainerClient(api["url"], api["user"], "not-the-password")
        async with wrong:
            with pytest.raises(ContainerAPIError) as e:
                await wrong.health_check()
            assert e.value.status == 401

    asyncio.run(flow())


def test_create_full_configuration_and_get(run, image):
    async def flow(client, made):
        host = free_port()
        c = await client.create_container(
            image=image,
            env={"APP_ENV": "production", "DEBUG": "false", "DATABASE_URL": "postgresql://app:hunter22secret@db/app"},
            tags=["web", "production", "v2.0"],
            resources={"cpus": 0.5, "memory": "64m", "pids": 128},
            ports=[{"host": host, "container": 80, "protocol": "tcp"}],
        )
        got = await client.get_container(c.cuid)
        assert got.image == image and got.status == "created"
        assert got.env["APP_ENV"] == "production" and got.env["CONTAINER_UID"] == c.cuid
        # Secrets are masked as in `berth container get`.
        assert "hunter22secret" not in json.dumps(got.env) and "***" in got.env["DATABASE_URL"]
        assert got.tags == ["web", "production", "v2.0"]
        assert got.resources == {"cpus": 0.5, "memory": "64m", "pids": 128}
        assert got.ports == [{"host": host, "container": 80, "protocol": "tcp"}]

    run(flow)


def test_list_pages_and_filters(run, image):
    async def flow(client, made):
        tag = f"page-{uuid.uuid4().hex[:8]}"
        cs = [await client.create_container(image=image, tags=[tag]) for _ in range(3)]
        await client.start_container(cs[0].cuid)
        page, cursor = await client.list_containers(limit=2, tags=[tag])
        assert len(page) == 2 and cursor
        more, cursor2 = await client.list_containers(cursor=cursor, limit=2, tags=[tag])
        assert len(more) == 1 and cursor2 is None
        assert {c.cuid for c in page + more} == {c.cuid for c in cs}
        every = await client.list_all_containers()
        assert {c.cuid for c in cs} <= {c.cuid for c in every}
        running = await client.list_all_containers(status=["running", "paused"])
        assert cs[0].cuid in {c.cuid for c in running} and cs[1].cuid not in {c.cuid for c in running}

    run(flow)


def test_update_env_tags_resources_image(run, image, alt_image):
    async def flow(client, made):
        c = await client.create_container(image=image, env={"EXISTING_VAR": "old", "OLD_VAR": "x"}, tags=["v1"], resources={"cpus": 0.5, "memory": "64m"})
        await client.upload_zip(c.cuid, files={"kept.txt": b"still here"})
        await client.start_container(c.cuid)
        u = await client.update_container(c.cuid, env={"NEW_VAR": "value", "EXISTING_VAR": "new", "OLD_VAR": None, "NEVER_SET": None})
        assert u.cuid == c.cuid and u.env["NEW_VAR"] == "value" and u.env["EXISTING_VAR"] == "new" and "OLD_VAR" not in u.env
        u = await client.update_container(c.cuid, tags=["updated", "v2.1"])
        assert u.tags == ["updated", "v2.1"]
        u = await client.update_container(c.cuid, resources={"memory": "96m"})
        assert u.resources == {"cpus": 0.5, "memory": "96m"}
        u = await client.update_container(c.cuid, image=alt_image)
        assert u.image == alt_image and u.status == "running"
        # The cuid, the files and the environment outlive the recreates.
        assert await client.download_file(c.cuid, "kept.txt") == b"still here"
        stdout, _, _ = await client.execute_command(c.cuid, "echo $NEW_VAR $CONTAINER_UID")
        assert stdout.split() == ["value", c.cuid]
        with pytest.raises(ContainerAPIError) as e:
            await client.update_container(c.cuid, resources={"memory": "lots"})
        assert e.value.status == 400

    run(flow)


def test_lifecycle_and_status(run, image):
    async def flow(client, made):
        c = await client.create_container(image=image)
        assert isinstance(await client.get_status(c.cuid), ContainerStatus)
        assert (await client.start_container(c.cuid))["status"] == "started"
        assert await client.wait_for_status(c.cuid, "running", timeout=30)
        assert (await client.pause_container(c.cuid))["status"] == "paused"
        assert await client.wait_for_status(c.cuid, "paused", timeout=10, poll_interval=0.2)
        assert (await client.unpause_container(c.cuid))["status"] == "unpaused"
        assert (await client.restart_container(c.cuid))["status"] == "restarted"
        status = await client.get_status(c.cuid)
        assert status.cuid == c.cuid and status.status == "running" and status.created_at and status.uptime is not None
        assert status.restarts == 0 and status.last_error is None
        # Kept alive without a command; stops promptly (the shell ends on the hang-up signal).
        assert (await client.stop_container(c.cuid))["status"] == "stopped"
        assert await client.wait_for_status(c.cuid, "exited", timeout=30)
        assert not await client.wait_for_status(c.cuid, "running", timeout=0.5)
        # Stopping a stopped container succeeds and changes nothing, as in docker.
        assert (await client.stop_container(c.cuid))["status"] == "stopped"
        assert (await client.get_status(c.cuid)).status == "exited"

    run(flow)


def test_update_ports(run, image):
    async def flow(client, made):
        c = await client.create_container(image=image)
        a, b = free_port(), free_port()
        r = await client.update_ports(c.cuid, ports=[{"host": a, "container": 3000, "protocol": "tcp"}, {"host": b, "container": 9000, "protocol": "udp"}])
        assert sorted((p["host"], p["container"], p["protocol"]) for p in r["ports"]) == sorted([(a, 3000, "tcp"), (b, 9000, "udp")])
        r = await client.update_ports(c.cuid, ports=[])
        assert r["ports"] == [] and (await client.get_container(c.cuid)).ports == []

    run(flow)


def test_files_upload_and_download(run, image, tmp_path):
    async def flow(client, made):
        c = await client.create_container(image=image)
        files = {"boot.sh": b"echo started $CONTAINER_UID\n", "requirements.txt": b"requests==2.31.0\n", "data/config.json": b'{"setting": "value"}'}
        r = await client.upload_zip(c.cuid, files=files)
        assert r["files"] == 3
        archive = tmp_path / "archive.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("from_path.txt", "from zip_path")
        await client.upload_zip(c.cuid, zip_path=str(archive))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("logs/app.log", "line 1\n")
        await client.upload_zip(c.cuid, zip_data=buf.getvalue())
        assert await client.download_file(c.cuid, path="data/config.json") == b'{"setting": "value"}'
        saved = tmp_path / "downloads" / "app.log"
        await client.download_file(c.cuid, path="logs/app.log", save_to=str(saved))
        assert saved.read_bytes() == b"line 1\n"
        data = await client.download_zip(c.cuid, path="data")
        assert zipfile.ZipFile(io.BytesIO(data)).read("config.json") == b'{"setting": "value"}'
        everything = await client.download_zip(c.cuid, path="", extract_to=str(tmp_path / "backup"))
        names = set(zipfile.ZipFile(io.BytesIO(everything)).namelist())
        assert {"boot.sh", "data/config.json", "from_path.txt", "logs/app.log"} <= names
        assert (tmp_path / "backup" / "data" / "config.json").read_bytes() == b'{"setting": "value"}'
        # The files are the container's /app.
        await client.start_container(c.cuid)
        stdout, _, code = await client.execute_command(c.cuid, "sh /app/boot.sh")
        assert (stdout.strip(), code) == (f"started {c.cuid}", 0)
        with pytest.raises(ContainerAPIError) as e:
            await client.download_file(c.cuid, path="../etc/passwd")
        assert e.value.status == 400
        with pytest.raises(ContainerAPIError) as e:
            await client.download_file(c.cuid, path="missing.txt")
        assert e.value.status == 404

    run(flow)


async def _until(terminal, text, timeout=15):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while text.encode() not in terminal.output:
        if loop.time() > deadline:
            raise AssertionError(f"{text!r} never appeared in {bytes(terminal.output)[-300:]!r}")
        await asyncio.sleep(0.02)


async def _size(terminal, size):
    """A size reaches the TTY asynchronously (the exec's resize call): ask until the shell sees it."""
    for _ in range(100):
        await terminal.send_input("stty size\n")
        try:
            await _until(terminal, f"\n{size}\r", timeout=0.3)
            return
        except AssertionError:
            pass
    await _until(terminal, size)


async def _interrupted(terminal, interrupt, marker):
    a, b = marker.split("-")
    n = int(b)
    for _ in range(50):
        await interrupt()
        await terminal.send_input(f"echo {a}-$(({n - 1}+1))\n")
        try:
            await _until(terminal, marker, timeout=0.5)
            return
        except AssertionError:
            pass
    await _until(terminal, marker)


def test_terminal_programmatic(run, image):
    async def flow(client, made):
        c = await client.create_container(image=image)
        await client.start_container(c.cuid)
        terminal = await client.create_terminal(c.cuid, cols=120, rows=40)
        try:
            await terminal.send_input("echo $((20+22))\n")
            await _until(terminal, "42")
            await _size(terminal, "40 120")
            await terminal.resize(cols=100, rows=30)
            await _size(terminal, "30 100")
            # Ctrl+C reaches the foreground process once sleep has started: ask until the shell is back.
            await terminal.send_input("echo go-$((1+1)); sleep 100; echo after-$((1+1))\n")
            await _until(terminal, "go-2")
            await _interrupted(terminal, terminal.send_interrupt, "int-5")
            assert b"after-2" not in terminal.output
            await terminal.send_input("echo go-$((2+2)); sleep 100\n")
            await _until(terminal, "go-4")
            await _interrupted(terminal, lambda: terminal.send_input_bytes(b"\x03"), "bytes-7")
            await terminal.send_input("ls -la; pwd\n")
            await _until(terminal, "/app")
        finally:
            await terminal.stop()
        # send_kill ends the session's processes: the shell's exit code comes back.
        killed = await client.create_terminal(c.cuid)
        await _until(killed, "# ")
        await killed.send_kill()
        assert await asyncio.wait_for(killed.wait(), 15) == 137
        await killed.stop()
        term = await client.create_terminal(c.cuid)
        await _until(term, "# ")
        await term.send_terminate()
        await term.send_input("exit 3\n")
        assert await asyncio.wait_for(term.wait(), 15) in (3, 143)
        await term.stop()

    run(flow)


def test_enter_container_in_a_pty(api, run, image):
    import pty
    import select
    import subprocess

    async def make(client, made):
        c = await client.create_container(image=image)
        await client.start_container(c.cuid)
        return c.cuid

    cuid = None

    async def create_only(client, made):
        nonlocal cuid
        cuid = await make(client, made)
        made.remove(cuid)  # kept for the child process; deleted below

    run(create_only)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = (
        "import asyncio, sys\n"
        f"sys.path.insert(0, {here!r})\n"
        "from container_client import ContainerClient\n"
        "async def main():\n"
        f"    async with ContainerClient({api['url']!r}, {api['user']!r}, {api['password']!r}) as c:\n"
        f"        await c.enter_container({cuid!r})\n"
        "    print('LEFT-TERMINAL')\n"
        "asyncio.run(main())\n"
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys_executable(), "-c", script], stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""

    def read_until(marker, timeout=20):
        nonlocal seen
        import time

        deadline = time.monotonic() + timeout
        while marker not in seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{marker!r} never appeared in {seen[-300:]!r}"
            r, _, _ = select.select([master], [], [], left)
            if r:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        return seen

    try:
        read_until(b"# ")
        os.write(master, b"echo in-$((40+2))\r")
        read_until(b"in-42")
        os.write(master, b"\x1d")
        read_until(b"LEFT-TERMINAL")
        assert proc.wait(timeout=20) == 0, seen[-800:]
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)

        async def cleanup(client, made):
            await client.delete_container(cuid)

        run(cleanup)


def sys_executable():
    import sys

    return sys.executable


def test_execute_command(run, image):
    async def flow(client, made):
        c = await client.create_container(image=image)
        await client.start_container(c.cuid)
        stdout, stderr, code = await client.execute_command(c.cuid, "ls -la /app")
        assert code == 0 and "total" in stdout and stderr == ""
        script = """
cd /app
echo first > one.txt
cat one.txt
echo oops >&2
exit 5
"""
        stdout, stderr, code = await client.execute_command(c.cuid, script, timeout=300.0)
        assert (stdout, stderr, code) == ("first\n", "oops\n", 5)
        stdout, _, _ = await client.execute_command(c.cuid, ["echo", "a b", "$HOME"])
        assert stdout == "a b $HOME\n"
        with pytest.raises(TimeoutError):
            await client.execute_command(c.cuid, "sleep 100", timeout=1.0)
        with pytest.raises(ExecTimeoutError):
            await client.execute_command(c.cuid, "sleep 100", timeout=0.5)

    run(flow)


def test_stream_output(run, image):
    async def flow(client, made):
        c = await client.create_container(image=image)
        await client.start_container(c.cuid)
        out, err = [], []
        code = await client.stream_output(c.cuid, "for i in 1 2 3; do echo line $i; echo warn $i >&2; done; exit 2", on_stdout=out.append, on_stderr=err.append)
        assert code == 2
        assert "".join(out) == "line 1\nline 2\nline 3\n" and "".join(err) == "warn 1\nwarn 2\nwarn 3\n"

    run(flow)


def test_upload_and_run(run, image):
    async def flow(client, made):
        c = await client.create_container(image=image)
        await client.start_container(c.cuid)
        files = {"script.sh": b'echo "Hello from uploaded script!"; echo "Arguments: $*"; exit 4\n', "data.txt": b"sample data"}
        code = await client.upload_and_run(c.cuid, files=files, command="sh script.sh arg1 arg2", wait_for_completion=True)
        assert code == 4
        assert await client.upload_and_run(c.cuid, files={"server.sh": b"sleep 1; echo done > marker.txt\n"}, command="sh server.sh", wait_for_completion=False) is None
        for _ in range(200):
            stdout, _, _ = await client.execute_command(c.cuid, "cat /app/marker.txt 2>/dev/null || true")
            if stdout.strip() == "done":
                break
            await asyncio.sleep(0.05)
        assert stdout.strip() == "done"

    run(flow)


def test_batch_create_execute_delete(run, image):
    async def flow(client, made):
        configs = [
            ContainerConfig(image=image, env={"NGINX_PORT": "80"}, tags=["web", "frontend"], ports=[{"host": free_port(), "container": 80, "protocol": "tcp"}]),
            ContainerConfig(image=image, env={"REDIS_PASSWORD": "secret-value-1"}, tags=["cache", "backend"]),
            ContainerConfig(image=image, env={"POSTGRES_PASSWORD": "dbpass"}, tags=["database", "backend"], resources={"memory": "64m", "cpus": 0.5}),
        ]
        containers = await client.batch_create(configs)
        made.extend(c.cuid for c in containers)
        assert [c.tags for c in containers] == [["web", "frontend"], ["cache", "backend"], ["database", "backend"]]
        for c in containers:
            await client.start_container(c.cuid)
        commands = {containers[0].cuid: "echo $NGINX_PORT", containers[1].cuid: "echo pong", containers[2].cuid: "exit 3", "c-unknown": "true"}
        results = await client.batch_execute(commands, timeout=10.0)
        assert results[containers[0].cuid] == ("80\n", "", 0)
        assert results[containers[1].cuid] == ("pong\n", "", 0)
        assert results[containers[2].cuid][2] == 3
        assert results["c-unknown"][2] == -1 and "not found" in results["c-unknown"][1]
        with pytest.raises(ContainerAPIError) as e:
            await client.batch_create([ContainerConfig(image=image), ContainerConfig(image=image, resources={"memory": "1k"})])
        made.extend(x.cuid for x in e.value.results if isinstance(x, ContainerInfo))
        assert isinstance(e.value.results[0], ContainerInfo) and isinstance(e.value.results[1], ContainerAPIError)
        cuids = [containers[0].cuid, "c-unknown", containers[1].cuid]
        errors = await client.batch_delete(cuids)
        assert errors[0] is None and errors[2] is None and "not found" in errors[1]
        made.remove(containers[0].cuid)
        made.remove(containers[1].cuid)

    run(flow)
