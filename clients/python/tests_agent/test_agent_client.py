"""The agent surface's flows with AgentClient: plugin containers and container records on the real engine."""

import asyncio

import pytest

from agent_client import AgentAPIError


async def _until(fetch, check, what, timeout=30.0):
    """Polls fetch() until check(value) holds; the last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {value}")
        await asyncio.sleep(0.2)


def test_create_get_list_and_delete_a_plugin_container(run, release):
    async def flow(client, made):
        created = await client.create_docker_container(
            plugin_release=release,
            params={"seconds": 300, "words": ["alpha", "beta"]},
            envs={"DEBUG": "true"},
            metadata={"created_by": "automation"},
            labels=["production", "ml-model"],
        )
        # The manual's shape: `id` is the record's id, `docker_id` the container's.
        assert isinstance(created["id"], int)
        docker_id = created["docker_id"]
        assert created["release"] == release
        assert created["params"] == {"seconds": 300, "words": ["alpha", "beta"]}
        assert created["metadata"] == {"created_by": "automation"}
        assert sorted(created["labels"]) == ["ml-model", "production"]

        status = await client.get_docker_container(docker_id)
        assert status["running"] is True
        assert status["id"] == docker_id
        assert status["record_id"] == created["id"]

        listed = await client.list_docker_containers()
        assert docker_id in [c["id"] for c in listed]

        record = await client.get_container(created["id"])
        assert record["container_id"] == docker_id
        assert record["status"] == "running"
        assert record["env"]["DEBUG"] == "true"
        assert record["params"]["words"] == ["alpha", "beta"]
        assert record["labels"] == ["production", "ml-model"]

        # An outcome is set once the container has stopped.
        with pytest.raises(AgentAPIError) as conflict:
            await client.update_container(created["id"], status="succeeded")
        assert conflict.value.status == 409

        await client.delete_docker_container(docker_id)
        with pytest.raises(AgentAPIError) as gone:
            await client.get_docker_container(docker_id)
        assert gone.value.status == 404
        # The record stays, and says the container is gone.
        record = await client.get_container(created["id"])
        assert record["status"] == "removed"

    run(flow)


def test_records_of_finished_runs_take_an_outcome_and_delete(run, release):
    async def flow(client, made):
        created = await client.create_docker_container(plugin_release=release, params={"seconds": 0})
        record = await _until(lambda: client.get_container(created["id"]), lambda r: r["status"] == "exited", "the run to exit")
        assert record["exit_code"] == 0
        updated = await client.update_container(created["id"], status="succeeded")
        assert updated["status"] == "succeeded"
        assert (await client.get_container(created["id"]))["status"] == "succeeded"

        with pytest.raises(AgentAPIError) as bad:
            await client.update_container(created["id"], status="running")
        assert bad.value.status == 400

        await client.delete_container(created["id"])
        made.remove(created["id"])
        with pytest.raises(AgentAPIError) as gone:
            await client.get_container(created["id"])
        assert gone.value.status == 404
        with pytest.raises(AgentAPIError) as docker_gone:
            await client.get_docker_container(created["docker_id"])
        assert docker_gone.value.status == 404

    run(flow)


def test_list_containers_pages_filters_and_list_all(run, release):
    async def flow(client, made):
        label = "page-probe"
        ids = []
        for _ in range(3):
            ids.append((await client.create_docker_container(plugin_release=release, params={"seconds": 300}, labels=[label]))["id"])

        page = await client.list_containers(params={"label": label, "limit": 2})
        assert isinstance(page, dict)
        assert page["total"] == 3
        assert len(page["results"]) == 2
        assert page["next_cursor"]
        # Newest first.
        assert [r["id"] for r in page["results"]] == sorted(ids, reverse=True)[:2]

        items, total = await client.list_containers(params={"label": label, "limit": 2}, list_all=True)
        assert total == 3
        assert sorted(r["id"] for r in items) == sorted(ids)

        items, total = await client.list_containers(params={"status": "running", "label": label}, list_all=True)
        assert total == 3 and len(items) == 3
        items, total = await client.list_containers(params={"status": ["exited", "removed"], "label": label}, list_all=True)
        assert (items, total) == ([], 0)

        with pytest.raises(AgentAPIError) as bad:
            await client.list_containers(params={"status": "sleeping"})
        assert bad.value.status == 400

    run(flow)


def test_bad_params_and_unknown_ids_are_refused(run, release):
    async def flow(client, made):
        _, before = await client.list_containers(list_all=True)
        for params in ({"words": ["x"]}, {"seconds": "soon"}, {"seconds": 1, "extra": True}):
            with pytest.raises(AgentAPIError) as bad:
                await client.create_docker_container(plugin_release=release, params=params)
            assert bad.value.status == 400
            assert "schema" in bad.value.message
        with pytest.raises(AgentAPIError) as unknown:
            await client.create_docker_container(plugin_release="no-such-plugin@1.0.0")
        assert unknown.value.status == 404
        _, after = await client.list_containers(list_all=True)
        assert after == before

        for call in (client.get_container(999999), client.update_container(999999, status="failed"), client.delete_container(999999)):
            with pytest.raises(AgentAPIError) as missing:
                await call
            assert missing.value.status == 404
        with pytest.raises(AgentAPIError) as missing:
            await client.get_docker_container("no-such-container")
        assert missing.value.status == 404

    run(flow)
