#!/usr/bin/env python3
"""A local stand-in for the stack's API Gateway HTTP API: the template's routes, payload 2.0
events, the template's CORS configuration, the gateway's own 404 and 500. Python's standard
library only.

Shared by infra/rehearse (in front of the packaged functions, each under a local Lambda Runtime
API) and ./dev (in front of the functions under `cargo lambda watch`, reached through the
Lambda Invoke API that watch serves, so that the local stack answers like the deployed one):

    infra/gateway.py --port 9000 --functions http://127.0.0.1:9001

The local values of the template's parameters are the rehearsal's (LOCAL_PARAMETERS): CORS
allows exactly the origin http://localhost:3000 there too.
"""

import argparse
import base64
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lambda_runtime import http_event  # noqa: E402

# The template's parameters where the stack runs locally (the rehearsal and ./dev).
LOCAL_PARAMETERS = {
    "Stage": "dev",
    "Architecture": "x86_64",
    "AllowedOrigins": "http://localhost:3000",
    "SigningKeyId": "local-1",
    "CertificateKeyId": "cert-local-1",
    "MailIdentity": "skillpath.test",
    "MailFrom": "no-reply@skillpath.test",
    "AlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:skillpath-dev-alarms",
}

NOT_FOUND = b'{"message":"Not Found"}'
INTERNAL_ERROR = b'{"message":"Internal Server Error"}'
# Marks the 500 of an invocation that failed in the local machinery (watch's Invoke API lost the
# function's process), not in the function: the tools that drive the local stack (the demo
# loader, the conformance run) may ask again. API Gateway never sends it.
LOCAL_FAILURE = ("x-local-gateway", "invoke-failed")


class Routes:
    """The template's route keys, matched as API Gateway matches them: a literal segment wins
    over a {parameter}. Each leads to the logical id of its function."""

    def __init__(self, routes):
        self.table = []
        for key, function_id in routes.items():
            method, path = key.split(" ", 1)
            segments = path.strip("/").split("/")
            literal = sum(1 for s in segments if not s.startswith("{"))
            self.table.append((method, segments, literal, key, function_id))

    def match(self, method, path):
        wanted = path.strip("/").split("/")
        best = None
        for route_method, segments, literal, key, function_id in self.table:
            if route_method != method or len(segments) != len(wanted):
                continue
            parameters = {}
            for pattern, value in zip(segments, wanted):
                if pattern.startswith("{"):
                    parameters[pattern[1:-1]] = value
                elif pattern != value:
                    break
            else:
                if best is None or literal > best[0]:
                    best = (literal, key, function_id, parameters)
        return best[1:] if best else None


class Gateway(BaseHTTPRequestHandler):
    """Answers as the HTTP API does: each request as a payload 2.0 event to the function of its
    route, with the API's CORS configuration. The server carries `routes` (Routes), `cors` (the
    resolved CorsConfiguration) and `invoke(function_id, event)`, which returns the function's
    answer or None when the invocation failed."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm on, a keep-alive client's
    # delayed ACK holds the second for ~40 ms on every request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send(self, status, headers, body):
        cors = self.server.cors
        self.send_response(status)
        origin = self.headers.get("Origin")
        if origin in cors.get("AllowOrigins", []):
            headers = [*headers, ("access-control-allow-origin", origin)]
            if cors.get("ExposeHeaders"):
                headers.append(("access-control-expose-headers", ",".join(cors["ExposeHeaders"])))
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        cors = self.server.cors
        raw_path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "OPTIONS" and self.headers.get("Access-Control-Request-Method") and cors:
            allowed = self.headers.get("Origin") in cors.get("AllowOrigins", [])
            headers = [("access-control-allow-methods", ",".join(cors.get("AllowMethods", []))),
                       ("access-control-allow-headers", ",".join(cors.get("AllowHeaders", []))),
                       ("access-control-max-age", str(cors.get("MaxAge", 0)))] if allowed else []
            return self.send(204, headers, b"")
        found = self.server.routes.match(self.command, raw_path)
        if found is None:
            return self.send(404, [("content-type", "application/json")], NOT_FOUND)
        key, function_id, parameters = found
        event = http_event(self.command, raw_path, query, list(self.headers.items()), body,
                           route_key=key, path_parameters=parameters)
        answer = self.server.invoke(function_id, event)
        if answer is LOCAL_FAILURE:
            return self.send(500, [("content-type", "application/json"), LOCAL_FAILURE], INTERNAL_ERROR)
        if answer is None:
            return self.send(500, [("content-type", "application/json")], INTERNAL_ERROR)
        payload = answer.get("body") or ""
        payload = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        headers = list((answer.get("headers") or {}).items())
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers += [(name, value) for value in values]
        headers += [("set-cookie", cookie) for cookie in answer.get("cookies") or []]
        self.send(int(answer.get("statusCode", 200)), headers, payload)

    def __getattr__(self, name):
        # Every method, TRACE and made-up ones too, goes through the routes, as in API Gateway
        # (an unrouted method is its 404), not to http.server's own 501 page.
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)


def serve(server, stack, invoke):
    """Makes `server` (bound, with Gateway as its handler) the HTTP API of `stack` (a
    stack.Stack), handing each routed event to `invoke(function_id, event)`, which returns the
    function's answer, None for a function error, or LOCAL_FAILURE."""
    server.daemon_threads = True
    server.routes = Routes(stack.routes())
    server.cors = stack.resolve(stack.template["Resources"]["HttpApi"]["Properties"]
                                .get("CorsConfiguration", {}))
    server.invoke = invoke


# --- in front of `cargo lambda watch` ---------------------------------------------------------


def watch_invoker(functions_url, stack):
    """`invoke` through the Lambda Invoke API of `cargo lambda watch` at `functions_url`: each
    event to the binary the function is built from (its BuildProperties.Binary). No timeout:
    after a change of the code, the first request waits for watch to build it again."""
    binaries = {function_id: resource["Metadata"]["BuildProperties"]["Binary"]
                for function_id, resource in stack.resources("AWS::Serverless::Function")}

    def invoke(function_id, event):
        request = urllib.request.Request(
            f"{functions_url}/2015-03-31/functions/{binaries[function_id]}/invocations",
            data=json.dumps(event).encode(), method="POST",
            headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, ValueError) as error:
            print(f"gateway: {event['routeKey']}: the invocation failed: {error}", file=sys.stderr)
            return LOCAL_FAILURE
        # A function's error (not an HTTP answer) comes back as {errorType, errorMessage}.
        return answer if isinstance(answer, dict) and "statusCode" in answer else None

    return invoke


def main():
    from cfnlint.decode import cfn_yaml
    from stack import TEMPLATE, Stack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--functions", required=True,
                        help="the URL of `cargo lambda watch` (its invoke address and port)")
    parser.add_argument("--keys", type=Path, required=True,
                        help="the local keys (DIR/access, DIR/certificates), for the parameters")
    args = parser.parse_args()

    # The template as written (cfn-lint's reader, in the local stack's virtualenv): the API, its
    # routes and its integrations are plain CloudFormation, the same before and after the SAM
    # transform.
    template = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    url = f"http://{args.host}:{args.port}"
    stack = Stack(template, {**LOCAL_PARAMETERS, "PublicBaseUrl": url,
                             "AccessTokenJwks": (args.keys / "access/jwks.json").read_text(),
                             "CertificateJwks": (args.keys / "certificates/jwks.json").read_text()})
    server = ThreadingHTTPServer((args.host, args.port), Gateway)
    serve(server, stack, watch_invoker(args.functions.rstrip("/"), stack))
    print(f"the template's {len(server.routes.table)} routes on {url}, "
          f"the functions at {args.functions}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
