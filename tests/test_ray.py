"""Ray Data on a local instance (2 CPUs, 2 actors) against the scripted server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from summariser.batch import ray as ray_batch
from tests.server import Reply, ScriptedServer, empty_reply

ray = pytest.importorskip("ray")

KEY = "sk-test-SENTINEL-0123456789"


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    env = {"SUMMARISER_HTTP_ATTEMPTS": "2", "SUMMARISER_HTTP_BACKOFF": "0.01",
           "SUMMARISER_CACHE_DIR": str(tmp_path_factory.mktemp("ray-cache"))}  # fmt: skip
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=100 * 1024 * 1024, configure_logging=False,
             runtime_env={"env_vars": env})  # fmt: skip
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def failing_story_3(request: dict) -> Reply:
    if "Story 3." in json.dumps(request["messages"]):
        return Reply(status=500, body=b'{"error": {"message": "boom"}}')
    return empty_reply(request)


def test_rows_become_batch_lines_on_two_actors(local_ray, seed, tmp_path):
    rows = [{"id": f"a{i}", "text": f"Story {i}.\n\n{seed}", "desk": "x"} for i in range(6)]
    rows += [{"id": 7, "text": "", "desk": "y"}, {"id": "no-text", "text": None, "desk": "z"}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=failing_story_3) as srv:
        tally = ray_batch.run(str(src), out, model="openai:test-model", base_url=srv.url,
                              api_key=KEY, steps=("events",), actors=2, actor_cpus=0.5,
                              threads=2, batch_size=2)  # fmt: skip
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        by_id = {json.dumps(x["id"]): x for x in lines}
        assert sorted(by_id) == sorted(json.dumps(r["id"]) for r in rows)
        assert (tally.summaries, tally.errors) == (5, 3)
        # failures stay per row: the 500s (2 attempts), the empty text, the missing text
        assert by_id["7"]["error"]["type"] == "InputError" and by_id["7"]["extra"] == {"desk": "y"}
        assert by_id['"no-text"']["error"]["type"] == "InputError"
        assert by_id['"a3"']["error"]["type"] == "BackendError"
        assert "HTTP 500" in by_id['"a3"']["error"]["message"]
        assert all(x["extra"] == {"desk": "x"} for x in lines if "summary" in x)
        assert sum("summary" in x for x in lines) == 5 and KEY not in out.read_text()
        assert len(srv.requests) == 7  # one per article with text, a3 twice; bad rows: none

        # a rerun skips what is there; --retry-errors redoes only the error lines
        srv.default = None
        again = ray_batch.run(str(src), out, model="openai:test-model", base_url=srv.url,
                              api_key=KEY, steps=("events",), actor_cpus=0.5,
                              retry_errors=True)  # fmt: skip
    assert again.skipped == 5 and again.summaries == 1 and again.errors == 2
    assert len(srv.requests) == 8
    ids = [json.dumps(json.loads(x)["id"]) for x in out.read_text().splitlines()]
    assert sorted(ids) == sorted(json.dumps(r["id"]) for r in rows)  # each exactly once


def test_callable_class_in_map_batches_directly(local_ray, seed):
    """The three-line recipe: read, map_batches(Summarise), take the lines."""
    with ScriptedServer() as srv:
        ds = ray.data.from_items([{"id": i, "text": seed} for i in range(4)])
        lines = ds.map_batches(
            ray_batch.Summarise,
            batch_size=2,
            num_cpus=0.5,
            compute=ray.data.ActorPoolStrategy(size=2),
            fn_constructor_kwargs={
                "model": "openai:m",
                "base_url": srv.url,
                "api_key": KEY,
                "steps": ("events",),
            },
        )
        got = [json.loads(r["line"]) for r in lines.take_all()]  # fmt: skip
    assert sorted(x["id"] for x in got) == [0, 1, 2, 3]
    assert all(x["summary"]["events"] == [] for x in got)  # the emptiest valid answer
    assert len(srv.requests) == 4
