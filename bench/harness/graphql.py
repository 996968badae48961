"""One GraphQL request over HTTP, for setup and probes (the load itself is wrk's)."""

import json
import urllib.error
import urllib.request


class GraphQLError(Exception):
    """The endpoint answered, but with errors instead of data (or not at all)."""


def post(url, query, variables=None, headers=None, timeout=30.0):
    """POSTs a document; returns (HTTP status, decoded JSON body or None)."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def data(url, query, variables=None, headers=None, timeout=30.0):
    """The `data` of an answer; raises GraphQLError when the answer is not clean data."""
    status, answer = post(url, query, variables, headers, timeout)
    if status != 200 or not isinstance(answer, dict) or answer.get("errors") or answer.get("data") is None:
        raise GraphQLError(describe(status, answer))
    return answer["data"]


def describe(status, answer):
    """A short account of a failed answer: the first error message, else the status."""
    if isinstance(answer, dict) and answer.get("errors"):
        first = answer["errors"][0]
        message = first.get("message", "") if isinstance(first, dict) else str(first)
        return f"HTTP {status}: {message}"
    if isinstance(answer, dict) and "error" in answer:
        return f"HTTP {status}: {answer['error']}"
    return f"HTTP {status}"
