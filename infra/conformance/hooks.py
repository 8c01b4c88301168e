"""Schemathesis hooks of the API conformance run (see schemathesis.toml beside this file).

Both keep the run about the functions, not about the local machinery that runs them
(`cargo lambda watch`), which Lambda replaces in AWS.
"""

import schemathesis

# The header the local API Gateway (infra/gateway.py) puts on the 500 of an invocation that
# failed in `cargo lambda watch`, not in the function.
LOCAL_FAILURE = ("x-local-gateway", "invoke-failed")


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
    """Drops the failures of an invocation the local machinery lost.

    Now and then (about once in several thousand requests, even one request at a time)
    `cargo lambda watch`'s Invoke API fails a request although the function logged a complete
    answer to it; the local gateway answers 500 with LOCAL_FAILURE. Such a failure is not the
    API's; schemathesis counts the dropped ones in its summary. (A function that crashed or
    answered an error is not hidden by this: the gateway's 500 for those has no such header.)
    """
    # schemathesis keeps headers with lowercase names and a list of values each.
    return response is None or LOCAL_FAILURE[1] not in response.headers.get(LOCAL_FAILURE[0], [])
