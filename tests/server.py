"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

Each request takes the next scripted Reply (or the default); every request body is logged.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from summariser.backends import completions


@dataclass
class Reply:
    """One scripted answer: JSON `content` (as the model's output), or a fault."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # raw body instead of a completion
    finish_reason: str = "stop"
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    truncate: bool = False  # promise more body than is sent, then close
    content_type: str = "application/json"
    trickle: float = 0.0  # seconds between the body's bytes (a server that drips its answer)


def completion_body(request: dict[str, Any], content: str, finish_reason: str = "stop") -> bytes:
    """An OpenAI chat.completion answering `request` with `content` (as a tool call if asked)."""
    body = completions.completion(
        request, content, finish_reason=finish_reason, tokens=(50, 7),
        model=request.get("model", "test"), call_id="call_1",
    )  # fmt: skip
    return json.dumps(body).encode()


#: The JSON schema a request asks for (tools or response_format).
request_schema = completions.schema_of


def empty_reply(request: dict[str, Any]) -> Reply:
    """The emptiest valid answer: [] for lists, null for the rest."""
    return Reply(completions.empty_answer(request_schema(request)))


def accepting(name: str, first_list_only: bool = False) -> Callable[[dict[str, Any]], Reply]:
    """A model that takes every numbered option it is offered (in every list, or only in the
    first list of an answer) and, asked who, names the first name offered, else `name`."""

    def answer(request: dict[str, Any]) -> Reply:
        out: dict[str, Any] = {}
        for key, spec in request_schema(request).get("properties", {}).items():
            if spec.get("type") == "array":
                item = spec.get("items", {})
                lo, hi = item.get("minimum"), item.get("maximum")
                first = not any(isinstance(v, list) for v in out.values())
                wanted = lo and hi and (first or not first_list_only)
                out[key] = list(range(lo, hi + 1))[: spec.get("maxItems")] if wanted else []
                continue
            enums = [e for option in spec.get("anyOf", [spec]) for e in option.get("enum", [])]
            out[key] = next((e for e in enums if e != "none"), name)
        return Reply(json.dumps(out))

    return answer


class ScriptedServer:
    """Start with `with ScriptedServer(...) as s:`; `s.url` is the base URL (…/v1)."""

    def __init__(self, replies: list[Reply] | None = None, default: Any = None) -> None:
        self.replies = list(replies or [])
        self.default = default  # callable(request) -> Reply, or None for an empty answer
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.arrived: list[float] = []  # time.monotonic() of each request's arrival
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests answered at once
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body go out in separate writes: without this, Nagle + delayed
                # ACK add ~40 ms to every response and the benchmarks would measure that
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(request)
                    server.arrived.append(time.monotonic())
                    server.headers.append(dict(self.headers))
                    reply = server.replies.pop(0) if server.replies else None
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(request, reply)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _answer(self, request: dict[str, Any], reply: Reply | None) -> None:
                if reply is None:
                    reply = server.default(request) if server.default else empty_reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                body = (
                    reply.body
                    if reply.body is not None
                    else completion_body(request, reply.content or "{}", reply.finish_reason)
                )
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(body) + (100 if reply.truncate else 0)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if reply.trickle:
                    try:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    except OSError:  # the client gave up: that is the point
                        self.close_connection = True
                    return
                self.wfile.write(body)
                if reply.truncate:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        # A short poll: shutdown() waits up to one poll interval (0.5 s by default, in every test).
        threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
