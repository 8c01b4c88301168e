"""Schemathesis hooks of the API conformance run (see schemathesis.toml beside this file).

Both keep the run about the functions, not about the local router in front of them
(`cargo lambda watch`), which API Gateway replaces in AWS.
"""

import json

import schemathesis

# The problem type of the local router's own error answers; the functions' are skillpath.dev's.
LOCAL_ROUTER_PROBLEM = "https://httpstatuses.com/"


@schemathesis.hook
def filter_body(context, body):
    """Sends no body that is not UTF-8.

    Such bodies are checked elsewhere: in-process for every operation of the document with a
    body (tests/stack), and through the local API Gateway, which hands them over base64-encoded
    as API Gateway does (infra/local/check-gateway).
    """
    if isinstance(body, (bytes, bytearray)):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Drops the failures of an answer the local router gave itself.

    Now and then (about once in several thousand requests, even one request at a time)
    `cargo lambda watch` answers a request with its own bare 500 although the function logged a
    complete answer to it. Such a failure is not the API's; schemathesis counts the dropped ones
    in its summary. (A function that crashed is not hidden by this: the router does not start
    it again, and the requests to it time out.)
    """
    return not is_local_router_error(response)


def is_local_router_error(response):
    if response is None or response.status_code < 500:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(problem, dict) and str(problem.get("type", "")).startswith(LOCAL_ROUTER_PROBLEM)
