"""Schemathesis hooks of the API conformance run (see schemathesis.toml beside this file)."""

import schemathesis


@schemathesis.hook
def filter_body(context, body):
    """Sends no body that is not UTF-8.

    The local router (`cargo lambda watch`) cannot put such a body into an API Gateway event and
    answers 500 itself, before any function runs; API Gateway hands it over base64-encoded and
    the functions answer 400 (tests/stack checks that in-process, for every JSON operation of
    the document).
    """
    if isinstance(body, (bytes, bytearray)):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True
