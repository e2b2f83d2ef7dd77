"""schemathesis hooks of `cargo xtask contract`: the failures that belong to
the local stack, not to the product, are dropped, each for a reason the
README's known limitations give. Anything else fails the run.
"""

import json

import schemathesis


def _request_body(response):
    body = response.request.body
    if body is None:
        return b""
    return body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")


def _is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _router_refused_bytes(response):
    """`cargo lambda watch` answers a request whose body is not UTF-8 under
    a text content type with a 500 of its own, in plain text, and never
    calls the function. API Gateway hands such a body to the function
    base64-encoded, and the function answers 400 `invalid_json` (a unit
    test of `cabinet::http` keeps the bodies schemathesis sent)."""
    if response.status_code != 500 or _is_utf8(_request_body(response)):
        return False
    content_type = ",".join(response.headers.get("content-type", []))
    return content_type.startswith("text/plain") and b"httpstatuses.com/500" in response.content


def _emulator_lacks_resend(case, response):
    """moto 5.2.5 has no ResendConfirmationCode: the auth function answers
    its failure with 503 `service_unavailable`, as it would answer Cognito
    being down. On AWS the same request answers 202."""
    if case.operation.path != "/auth/resend-code" or response.status_code != 503:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    return problem.get("code") == "service_unavailable"


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if response is None:
        return True
    return not (_router_refused_bytes(response) or _emulator_lacks_resend(case, response))
