"""A local Lambda Runtime API (2018-06-01) for one function process, and the API Gateway HTTP API
(payload 2.0) events it hands over. Python's standard library only.

Shared by infra/measure-cold-start (one event per process, timed) and infra/rehearse (every
request of the smoke suite, through a local router built from the template's routes). Like
Lambda, it hands the process one event at a time: the next only after the process posted the
answer to the previous one.
"""

import base64
import json
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


def http_event(method, raw_path, query="", headers=None, body=b"", route_key=None,
               path_parameters=None, source_ip="127.0.0.1"):
    """An API Gateway HTTP API event, payload format 2.0, as the gateway builds it: header names
    in lower case and repeated ones joined by commas, cookies apart, query parameters decoded
    and joined likewise, the body as text or, when it is not UTF-8, in base64."""
    from urllib.parse import parse_qsl

    joined = {}
    cookies = []
    for name, value in (headers or []):
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    parameters = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    route_key = route_key or f"{method} {raw_path}"
    event = {
        "version": "2.0", "routeKey": route_key, "rawPath": raw_path, "rawQueryString": query,
        "headers": joined,
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": joined.get("host", "localhost"),
            "domainPrefix": "local", "requestId": str(uuid.uuid4()), "routeKey": route_key,
            "stage": "$default", "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": source_ip, "userAgent": joined.get("user-agent", "")},
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if parameters:
        event["queryStringParameters"] = parameters
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


class Invocation:
    """One event handed to the function, and what it answered."""

    def __init__(self, event):
        self.id = str(uuid.uuid4())
        self.event = event
        self.handed = None  # when the process took the event
        self.answered = None  # when it posted its response or error
        self.response = None
        self.error = None  # the error document of /error, if the invocation failed
        self.done = threading.Event()


class RuntimeApi:
    """The Runtime API one function process polls (AWS_LAMBDA_RUNTIME_API=`address`)."""

    def __init__(self, function_arn="arn:aws:lambda:us-east-1:123456789012:function:f"):
        self.function_arn = function_arn
        self.events = queue.Queue()
        self.inflight = {}
        self.polled = threading.Event()  # the process finished its init and asked for work
        self.first_poll = None
        self.init_error = None
        self.closing = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        # A function stopped mid-poll (a measurement ends it) resets its connection: not news.
        self.server.handle_error = lambda *_: None
        self.server.api = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, event, timeout):
        """Hands `event` to the process and waits up to `timeout` seconds for its answer: the
        Invocation, done or not."""
        invocation = Invocation(event)
        self.inflight[invocation.id] = invocation
        self.events.put(invocation)
        invocation.done.wait(timeout)
        return invocation

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm on, a keep-alive client's
    # delayed ACK holds the second for ~40 ms on every request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the process is gone (stopped while it waited for an event)

    def do_GET(self):
        api = self.server.api
        if self.path != f"{PREFIX}/invocation/next":
            return self.answer(404)
        if api.first_poll is None:
            api.first_poll = time.monotonic()
        api.polled.set()
        while not api.closing.is_set():
            try:
                invocation = api.events.get(timeout=0.5)
                break
            except queue.Empty:
                continue
        else:
            return self.answer(410)
        body = json.dumps(invocation.event).encode()
        deadline = int(time.time() * 1000) + 30_000
        self.answer(200, body, [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.id),
            ("Lambda-Runtime-Deadline-Ms", str(deadline)),
            ("Lambda-Runtime-Invoked-Function-Arn", api.function_arn),
            ("Lambda-Runtime-Trace-Id",
             f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"),
        ])
        invocation.handed = time.monotonic()

    def do_POST(self):
        api = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == f"{PREFIX}/init/error":
            api.init_error = body.decode(errors="replace")
            return self.answer(202)
        parts = self.path[len(PREFIX):].split("/")  # ['', 'invocation', id, 'response'|'error']
        invocation = api.inflight.pop(parts[2], None) if len(parts) == 4 else None
        if invocation is None:
            return self.answer(404)
        invocation.answered = time.monotonic()
        if parts[3] == "response":
            invocation.response = json.loads(body or b"null")
        else:
            invocation.error = body.decode(errors="replace")
        self.answer(202)
        invocation.done.set()
