"""The manual's four Complete Examples and its error-handling example, adapted only in images and commands the
fixture image has (busybox: sh, httpd, wget, awk; no python, pip or bash)."""

import asyncio
import json

import pytest

from conftest import free_port
from container_client import ContainerAPIError, ContainerConfig


def test_example_1_web_application(run, image):
    async def deploy_web_app(client, made):
        port = free_port()
        container = await client.create_container(
            image=image,
            env={"APP_ENV": "production"},
            ports=[{"host": port, "container": 5000, "protocol": "tcp"}],
            resources={"memory": "128m", "cpus": 1.0},
        )
        app_files = {
            "www/index.html": b"Hello from containerized httpd!",
            "boot.sh": b"httpd -p 5000 -h /app/www\n",
        }
        await client.upload_zip(container.cuid, files=app_files)
        await client.start_container(container.cuid)
        assert await client.wait_for_status(container.cuid, "running", timeout=30)
        assert await client.upload_and_run(container.cuid, files={"start.sh": b"sh /app/boot.sh\n"}, command="sh start.sh", wait_for_completion=True) == 0
        for _ in range(100):
            stdout, stderr, code = await client.execute_command(container.cuid, "wget -qO- http://localhost:5000/")
            if code == 0:
                break
            await asyncio.sleep(0.05)
        assert stdout == "Hello from containerized httpd!"
        return container.cuid

    run(deploy_web_app)


def test_example_2_data_pipeline(run, image):
    async def run_data_pipeline(client, made):
        processor = await client.create_container(image=image, env={"PYTHONUNBUFFERED": "1"}, resources={"memory": "256m", "cpus": 1.0})
        files = {
            "boot.sh": b"""
cd /app
awk 'BEGIN { printf "{\\"total\\": %d, \\"items\\": [", 0 } { for (i = 1; i <= NF; i++) { printf "%s{\\"id\\": %d, \\"value\\": %d}", (n++ ? ", " : ""), n - 1, $i * 2 } } END { print "]}" }' input.txt > output.json
echo "Processed $(wc -w < input.txt) items"
""",
            "input.txt": b"1 2 3 4 5 6 7 8 9 10",
        }
        await client.upload_zip(processor.cuid, files=files)
        await client.start_container(processor.cuid)
        printed = []
        exit_code = await client.stream_output(processor.cuid, "sh /app/boot.sh", on_stdout=printed.append, on_stderr=printed.append)
        assert exit_code == 0 and "".join(printed).strip() == "Processed 10 items"
        results = json.loads(await client.download_file(processor.cuid, "output.json"))
        assert [item["value"] for item in results["items"]] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
        await client.stop_container(processor.cuid)
        await client.delete_container(processor.cuid)
        made.remove(processor.cuid)

    run(run_data_pipeline)


def test_example_3_development_environment(run, image):
    async def create_dev_environment(client, made):
        dev = await client.create_container(
            image=image,
            env={"PYTHONPATH": "/app", "DEVELOPMENT": "true"},
            tags=["development", "interactive"],
            resources={"memory": "256m", "cpus": 1.0},
            ports=[{"host": free_port(), "container": 8888, "protocol": "tcp"}, {"host": free_port(), "container": 5000, "protocol": "tcp"}],
        )
        setup_script = """
mkdir -p /app/notebooks /app/src /app/tests
echo 'Development environment ready!' > /app/README.md
"""
        await client.upload_zip(dev.cuid, files={"setup.sh": setup_script.encode()})
        await client.start_container(dev.cuid)
        stdout, stderr, exit_code = await client.execute_command(dev.cuid, "sh /app/setup.sh", timeout=300)
        assert exit_code == 0, stderr
        assert await client.upload_and_run(
            dev.cuid, files={"start_server.sh": b"httpd -f -p 8888 -h /app/notebooks"}, command="sh /app/start_server.sh &", wait_for_completion=False
        ) is None
        terminal = await client.create_terminal(dev.cuid)
        try:
            await terminal.send_input("cat /app/README.md\n")
            for _ in range(300):
                if b"Development environment ready!\r\n" in terminal.output:
                    break
                await asyncio.sleep(0.05)
            assert b"Development environment ready!\r\n" in terminal.output
        finally:
            await terminal.stop()
        return dev.cuid

    run(create_dev_environment)


def test_example_4_multi_container_application(run, image):
    async def deploy_stack(client, made):
        stack = {
            "frontend": ContainerConfig(image=image, tags=["frontend", "web"], ports=[{"host": free_port(), "container": 80, "protocol": "tcp"}]),
            "api": ContainerConfig(image=image, env={"NODE_ENV": "production", "PORT": "3000"}, tags=["api", "backend"]),
            "database": ContainerConfig(image=image, env={"POSTGRES_DB": "appdb", "POSTGRES_USER": "appuser", "POSTGRES_PASSWORD": "secret"}, tags=["database", "backend"], resources={"memory": "128m", "cpus": 1.0}),
            "cache": ContainerConfig(image=image, tags=["cache", "backend"], resources={"memory": "64m"}),
        }
        containers = await client.batch_create(list(stack.values()))
        made.extend(c.cuid for c in containers)
        container_map = {name: c.cuid for c, (name, _) in zip(containers, stack.items())}
        for cuid in container_map.values():
            await client.start_container(cuid)
        for cuid in container_map.values():
            assert await client.wait_for_status(cuid, "running", timeout=30)
        checks = {container_map["api"]: "echo $NODE_ENV", container_map["database"]: "echo $POSTGRES_DB", container_map["cache"]: "echo PONG"}
        results = await client.batch_execute(checks, timeout=5)
        assert {name: results[cuid] for name, cuid in container_map.items() if cuid in results} == {
            "api": ("production\n", "", 0),
            "database": ("appdb\n", "", 0),
            "cache": ("PONG\n", "", 0),
        }
        backend = await client.list_all_containers(tags=["backend"])
        assert {container_map["api"], container_map["database"], container_map["cache"]} <= {c.cuid for c in backend}

    run(deploy_stack)


def test_error_handling(run, image):
    async def safe_operations(client, made):
        with pytest.raises(ContainerAPIError) as e:
            await client.get_container("invalid-cuid")
        assert e.value.status == 404 and "invalid-cuid" in str(e.value)
        with pytest.raises(ContainerAPIError) as e:
            await client.create_container(image="non/existent:image")
        assert e.value.status in (404, 503)
        with pytest.raises(ContainerAPIError) as e:
            await client.execute_command("some-cuid", "sleep 100", timeout=5.0)
        assert e.value.status == 404
        c = await client.create_container(image=image)
        await client.start_container(c.cuid)
        with pytest.raises(TimeoutError) as t:
            await client.execute_command(c.cuid, "sleep 100", timeout=1.0)
        assert "timed out" in str(t.value)
        # The timed-out command was killed: nothing is left sleeping.
        stdout, _, _ = await client.execute_command(c.cuid, "ps -o comm | grep -c sleep || true")
        assert stdout.strip() == "0"

    run(safe_operations)
