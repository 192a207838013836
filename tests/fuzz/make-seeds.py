#!/usr/bin/env python3
"""Writes the structured seeds of tests/fuzz/corpus (the targets that read their input
through FuzzedDataProvider); the plain-text seeds (.env, ranges, status maps, targets
files) and crash reproducers are committed as they are.

FuzzedDataProvider reads strings from the front (each ends at a backslash followed by
another character; a doubled backslash is one backslash) and numbers, choices and
booleans from the back, one byte each for the small ranges used here. Each seed below
lists its strings in the order the target asks for them and its bytes in the order they
are consumed; seed() puts the bytes at the end, reversed.

Usage: tests/fuzz/make-seeds.py [CORPUS_DIR]   (default: tests/fuzz/corpus next to it)
"""
import json
import os
import sys


def text(s):
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogateescape")
    return s.replace(b"\\", b"\\\\") + b"\\ "


def seed(strings, consumed_bytes):
    return b"".join(text(s) for s in strings) + bytes(reversed(consumed_bytes))


def write(corpus, target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)


# ---- perfdata, line_protocol, zabbix: a Report of realistic or hostile strings; the
# bytes only shape it (counts, states, value kinds), so a fixed pattern will do.
PATTERN = [1, 2, 0, 3, 1, 1, 2, 0, 2, 1, 0, 1, 3, 2, 1, 0] * 8
REALISTIC = ["app1", "OK - token accepted", "token_accepted", "response_time", "s", "5:10", "~:20",
             "app2 | pipe", "login page\nline two", "login_redirect", "result", "server",
             "https://app2.example.com/health", "http_response_code", "body", '<h1>"Bad"\\ Gateway</h1>']
NASTY = ["label with 'quotes' = and |", "tab\there", "#comment", "a,b=c d", "trailing\\", "caf\u00e9 \u2713",
         "bad \udcff utf8", "\r\n", "x" * 40, "", "\\,\\=\\ ", "state", "state\x01", "{#URL}", "app-url", "-"]


def formatter_seeds(corpus):
    # The strings are consumed from the front, the pattern from the back (written as is).
    def raw(strings, tail):
        return b"".join(text(s) for s in strings) + bytes(tail)
    for target in ("perfdata", "line_protocol", "zabbix"):
        write(corpus, target, "realistic", raw(REALISTIC, PATTERN))
        write(corpus, target, "nasty", raw(NASTY, PATTERN[::-1]))
    write(corpus, "perfdata", "many", raw(REALISTIC + NASTY, [3] * 120))
    write(corpus, "line_protocol", "backslashes", raw(["a\\", "\\,", "m\\ x", "k=\\=", '"\\"'] * 3, [2, 3, 1] * 30))
    write(corpus, "zabbix", "discovery",
          raw(["{#NAME}", "app1", "url", "https://app1.example.com/", "app-url", "x", "", "y"] * 2, [3] * 60))


# ---- api: operation, then one answer per request (see HostileServer in api_fuzz.cpp).
PER_PAGE = [1, 5, 10, 20, 25, 50, 100, 1000]
HEADERS = ["content-type", "retry-after", "ratelimit", "x-ratelimit-reset"]
STATUSES = [200, 200, 200, 200, 400, 401, 403, 404, 429, 429, 500, 502, 503, 301]
OPS = ["list", "get", "create", "rotate", "refresh", "delete", "graphql"]


def api_seed(per_page, op, answers, id_text=None):
    strings, consumed = [], [PER_PAGE.index(per_page)]
    if id_text is None:
        consumed.append(1)
    else:
        consumed.append(0)
        strings.append(id_text)
    consumed.append(OPS.index(op))
    for a in answers:
        if a[0] == "transport":  # ("transport", ErrorKind index, message)
            consumed += [0, a[1]]
            strings.append(a[2])
            continue
        _, status, headers, body = a[:4]  # ("answer", status, [(header, value)], body[, truncated])
        truncated = a[4] if len(a) > 4 else False
        consumed += [1, STATUSES.index(status), len(headers)]
        for name, value in headers:
            consumed.append(HEADERS.index(name))
            strings.append(value)
        strings.append(body)
        consumed.append(0 if truncated else 1)
    return seed(strings, consumed)


def envelope(result, info=None, success=True, errors=()):
    body = {"success": success, "errors": list(errors), "messages": [], "result": result}
    if info is not None:
        body["result_info"] = info
    return json.dumps(body)


def token(n, secret=False):
    t = {"id": "%08d-0000-4000-8000-000000000000" % n, "client_id": ("abcdef"[n % 6] * 32) + ".access",
         "name": "token-%d" % n, "duration": "8760h", "expires_at": "2030-01-01T00:00:00Z",
         "created_at": "2025-01-01T00:00:00.123456Z", "updated_at": "2025-01-02T03:04:05+02:00",
         "last_seen_at": None}
    if secret:
        t["client_secret"] = "f" * 64
    return t


def api_seeds(corpus):
    js = [("content-type", "application/json")]
    seeds = {
        "list-one-page": api_seed(100, "list", [("answer", 200, js, envelope([token(1), token(2)], {"page": 1, "per_page": 100, "count": 2, "total_count": 2}))]),
        "list-paginated": api_seed(1, "list", [("answer", 200, js, envelope([token(1)], {"page": 1, "per_page": 1, "count": 1, "total_count": 2})),
                                               ("answer", 200, js, envelope([token(2)], {"page": 2, "per_page": 1, "count": 1, "total_count": 2}))]),
        "list-repeats": api_seed(1, "list", [("answer", 200, [], envelope([token(1)])), ("answer", 200, [], envelope([token(1)]))]),
        "get": api_seed(100, "get", [("answer", 200, js, envelope(token(7)))]),
        "get-bad-id": api_seed(100, "get", [], id_text="../../accounts?x=1"),
        "create": api_seed(100, "create", [("answer", 200, js, envelope(token(3, True)))]),
        "rotate-after-429": api_seed(100, "rotate", [("answer", 429, [("retry-after", "1")], envelope(None, success=False, errors=[{"code": 971, "message": "Please wait and consider throttling your request speed"}])),
                                                    ("answer", 200, js, envelope(token(4, True)))]),
        "429-ratelimit-header": api_seed(100, "refresh", [("answer", 429, [("ratelimit", '"default";r=0;t=2')], ""), ("answer", 200, [], envelope(token(5)))]),
        "429-http-date": api_seed(100, "delete", [("answer", 429, [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"), ("x-ratelimit-reset", "1893456000")], "")]),
        # $TOKEN: the fake server puts the API token there (a server that reflects it).
        "forbidden-echo": api_seed(100, "delete", [("answer", 403, js, envelope(None, success=False, errors=[{"code": 10000, "message": "Authentication error for Bearer $TOKEN"}]))]),
        "errors-every-code": api_seed(100, "get", [("answer", 400, js, envelope(None, success=False, errors=[{"code": c, "message": "m"} for c in (9109, 1000, 9999, 7003, 12135, 11021, 12091, 42)]))]),
        "html-502": api_seed(100, "list", [("answer", 502, [("content-type", "text/html")], "<html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>")]),
        "success-false-no-errors": api_seed(100, "get", [("answer", 200, js, envelope(None, success=False))]),
        "truncated": api_seed(100, "list", [("answer", 200, js, envelope([token(1)])[:40], True)]),
        "transport-echo": api_seed(100, "list", [("transport", 2, "SSL certificate problem for Authorization: Bearer $TOKEN")]),
        "graphql-data": api_seed(100, "graphql", [("answer", 200, js, json.dumps({"data": {"viewer": {"accounts": [{"id": "x"}]}}, "errors": None}))]),
        "graphql-errors": api_seed(100, "graphql", [("answer", 200, js, json.dumps({"data": None, "errors": [{"message": "not authorized for that account", "path": ["viewer"]}]}))]),
        "graphql-envelope": api_seed(100, "graphql", [("answer", 401, js, envelope(None, success=False, errors=[{"code": 9109, "message": "Invalid access token"}]))]),
        "odd-types": api_seed(100, "list", [("answer", 200, js, json.dumps({"success": True, "errors": [{"code": "10000", "message": 5}], "result": [{"id": "a", "client_id": "b", "expires_at": 5, "enabled": "yes"}], "result_info": {"total_pages": "1"}}))]),
    }
    for name, data in seeds.items():
        write(corpus, "api", name, data)


# ---- env_writer: a file, then changes (see env_writer_fuzz.cpp).
def env_seed(file_text, changes):
    strings, consumed = [file_text], [len(changes)]
    for kind, arg, value in changes:
        if kind == "existing":  # the arg-th entry of the file
            consumed += [0, arg]
        elif kind == "secret":  # CF_SERVICE_TOKEN_CLIENT_SECRET when arg, else ..._CLIENT_ID
            consumed += [1, 1 if arg else 0]
        else:  # any key
            consumed.append(2)
            strings.append(arg)
        if value is None:  # remove the key
            consumed.append(0)
        else:
            consumed.append(1)
            strings.append(value)
    return seed(strings, consumed)


def env_writer_seeds(corpus):
    def read(name):
        with open(os.path.join(corpus, "dotenv", name), "rb") as f:
            return f.read()
    seeds = {
        "save-new-token": env_seed(read("demo.env"), [("secret", False, "a" * 32 + ".access"), ("secret", True, "f" * 64)]),
        "rotate-in-crlf-file": env_seed(read("crlf-bom-export.env"), [("existing", 1, "new'secret\"with$quotes\\and\nnewline")]),
        "remove-and-add": env_seed(read("quotes.env"), [("existing", 3, None), ("key", "NEW.key_2", "  spaced value # not a comment "), ("existing", 0, "")]),
        "empty-file": env_seed(b"", [("key", "CF_API_TOKEN", "tok-en_1.2:3@4+5,6=7%8/9")]),
        "no-final-newline": env_seed(b"A=1\r\n# tail", [("key", "C", "caf\u00e9 \u2713")]),
        "bad-key": env_seed(b"A=1\n", [("key", "1BAD", "canary-value-123456")]),
    }
    for name, data in seeds.items():
        write(corpus, "env_writer", name, data)


if __name__ == "__main__":
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    formatter_seeds(corpus)
    api_seeds(corpus)
    env_writer_seeds(corpus)
