"""HTTP for the sandbox hub: a Starlette (ASGI) app serving the FHIR API under `/fhir`.

Maps requests to `Engine` interactions and back; checks content type and body size;
turns every error into an OperationOutcome with the right status, so a malformed request
never stops the server. Responses are `application/fhir+json`, gzip-compressed when the
client accepts it.
"""

from __future__ import annotations

import hmac
import json
import logging
import zlib
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clinic_app.hub.auth import Authority
from clinic_app.hub.engine import Admin, Engine, Reply
from clinic_app.hub.errors import HubError, operation_outcome

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json; charset=utf-8"
_ACCEPTED_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")


def _response(reply: Reply) -> Response:
    body = b"" if reply.body is None else json.dumps(reply.body, ensure_ascii=False,
                                                       separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=reply.status, headers=reply.headers, media_type=FHIR_JSON)


def _error(exc: HubError) -> Response:
    return _response(Reply(exc.status, exc.outcome(), exc.headers))


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


async def _body(request: Request, limit: int) -> Any:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _ACCEPTED_TYPES:
        raise HubError(415, "send FHIR JSON with Content-Type: application/fhir+json", code="not-supported")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HubError(413, f"the request body is larger than this server's limit of {limit} bytes",
                       code="too-costly")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HubError(413, f"the request body is larger than this server's limit of {limit} bytes",
                           code="too-costly")
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        raw = inflate(raw, limit)
    elif encoding not in ("", "identity"):
        raise HubError(415, f"Content-Encoding {encoding} is not supported: send gzip or nothing",
                       code="not-supported")
    return parse_json(raw)


def inflate(raw: bytes, limit: int) -> bytes:
    """A gzip body inflated, never beyond `limit` bytes (a small bomb stays small): 413 past
    it, 400 for what is not gzip."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise HubError(400, "the body is not valid gzip", code="invalid") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise HubError(413, f"the inflated body is larger than this server's limit of {limit} bytes",
                       code="too-costly")
    if not inflater.eof:
        raise HubError(400, "the gzip body ends early", code="invalid")
    return out


# Bounds on what a body may make the server build: nesting (a FHIR resource is a dozen
# levels deep), numbers (a 5,000-digit integer is no measurement), and the count of JSON
# objects and arrays (each costs ~100 bytes in memory, whatever the body's size).
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 40
MAX_CONTAINERS = 400_000


def parse_json(raw: bytes) -> Any:
    """The body as JSON within the bounds above; 400 (413 for too many parts) otherwise."""
    if raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS:  # counted before parsing, braces in text included
        raise HubError(413, f"the body has more than {MAX_CONTAINERS} JSON objects and arrays: split it",
                       code="too-costly")

    def number(kind: type) -> Any:
        def parse(text: str) -> Any:
            if len(text) > MAX_NUMBER_CHARS:
                raise ValueError(f"a number of {len(text)} characters")
            return kind(text)
        return parse

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        value = json.loads(raw.decode("utf-8"), parse_int=number(int), parse_float=number(float),
                           parse_constant=constant)
    except RecursionError:
        raise HubError(400, f"the body nests deeper than {MAX_DEPTH} levels", code="structure") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise HubError(400, f"the body is not valid JSON ({str(exc)[:120]})", code="structure") from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise HubError(400, f"the body nests deeper than {MAX_DEPTH} levels", code="structure")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return value


def build_app(engine: Engine, authority: Authority, *, admin_token: str,
              auto_approve_seconds: float | None = None, public_url: str = "",
              actions: dict[str, Any] | None = None, unit_actions: dict[str, Any] | None = None) -> Starlette:
    """The hub's HTTP face. `public_url` is its FHIR base as clients reach it: the token
    endpoint, and so the audience a client assertion must name, come from it, never from a
    request's Host header (with none given, from the request, for tests of the app alone).
    `actions`: name -> a call answering JSON, at POST /admin/actions/{name} with the admin
    token (the unit relay's "sync now" and "status" for the command line on its computer).
    `unit_actions`: name -> a call of (caller, JSON body) answering JSON, at POST
    /unit/{name} with an enrolled desktop's token (the relay's exchange of staff accounts)."""
    limit = engine.limits.max_body_bytes
    admin = Admin(engine)

    async def off_loop(work: Any) -> Any:
        """Run the engine on a worker thread: a long search never holds the event loop, so
        /metadata and other facilities' requests are answered meanwhile."""
        return await run_in_threadpool(work)

    def caller_now(request: Request) -> Any:
        if auto_approve_seconds is not None:
            admin.auto_approve(auto_approve_seconds)
        return authority.caller_for(request.headers.get("authorization"))

    async def caller(request: Request) -> Any:
        """Who asks, read off the event loop (the store's lock may be held a moment)."""
        return await off_loop(lambda: caller_now(request))

    def token_url(request: Request) -> str:
        if public_url:
            return public_url.rsplit("/fhir", 1)[0] + "/auth/token"
        return str(request.base_url).rstrip("/") + "/auth/token"

    def require_admin(request: Request) -> None:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {admin_token}".encode()):
            raise HubError(401, "the hub's admin token is needed (file admin-token in the hub's folder)",
                           code="login")

    async def metadata(request: Request) -> Response:
        return _response(Reply(200, engine.capability(base_url(request))))

    async def smart_configuration(request: Request) -> Response:
        return JSONResponse(authority.smart_configuration(token_url(request)))

    async def token(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > 64 * 1024:
            raise HubError(413, "token request too large", code="too-costly")
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            issued = await off_loop(lambda: authority.issue_token(form, token_url(request)))
            return JSONResponse(issued, headers={"Cache-Control": "no-store"})
        except HubError as exc:
            body = getattr(exc, "oauth", {"error": "invalid_request", "error_description": exc.diagnostics})
            return JSONResponse(body, status_code=exc.status, headers={"Cache-Control": "no-store"})

    async def base(request: Request) -> Response:
        who = await caller(request)
        if request.method == "POST":
            minimal = "return=minimal" in request.headers.get("prefer", "")
            body = await _body(request, limit)
            return _response(await off_loop(lambda: engine.bundle(body, base_url(request), who, minimal=minimal)))
        raise HubError(400, "use GET [base]/metadata, a resource type, or POST a Bundle", code="not-supported")

    async def system_history(request: Request) -> Response:
        who = await caller(request)
        params = list(request.query_params.multi_items())
        return _response(await off_loop(lambda: engine.history(None, None, params, base_url(request), who)))

    async def type_level(request: Request) -> Response:
        who = await caller(request)
        rtype = request.path_params["rtype"]
        b = base_url(request)
        if request.method == "GET":
            params = list(request.query_params.multi_items())
            return _response(await off_loop(lambda: engine.search(rtype, params, b, who)))
        body = await _body(request, limit)
        if request.method == "POST":
            exists = request.headers.get("if-none-exist")
            return _response(await off_loop(lambda: engine.create(rtype, body, b, if_none_exist=exists, caller=who)))
        if request.method == "PUT":
            if not request.url.query:
                raise HubError(400, "PUT needs an id (Type/id) or search parameters", code="invalid")
            return _response(await off_loop(lambda: engine.conditional_update(rtype, request.url.query, body, b,
                                                       if_match=request.headers.get("if-match"), caller=who)))
        raise HubError(405, f"{request.method} is not supported here", code="not-supported")

    async def type_history(request: Request) -> Response:
        who = await caller(request)
        return _response(await off_loop(lambda: engine.history(request.path_params["rtype"], None,
                                        list(request.query_params.multi_items()), base_url(request), who)))

    async def instance(request: Request) -> Response:
        who = await caller(request)
        rtype, rid = request.path_params["rtype"], request.path_params["rid"]
        b = base_url(request)
        if request.method == "GET":
            return _response(await off_loop(lambda: engine.read(rtype, rid, b, who)))
        if request.method == "PUT":
            body = await _body(request, limit)
            return _response(await off_loop(lambda: engine.update(rtype, rid, body, b,
                                                                  if_match=request.headers.get("if-match"),
                                                                  caller=who)))
        if request.method == "DELETE":
            return _response(await off_loop(lambda: engine.delete(rtype, rid, who)))
        raise HubError(405, f"{request.method} is not supported here", code="not-supported")

    async def instance_history(request: Request) -> Response:
        who = await caller(request)
        p = request.path_params
        params = list(request.query_params.multi_items())
        return _response(await off_loop(lambda: engine.history(p["rtype"], p["rid"], params, base_url(request), who)))

    async def vread(request: Request) -> Response:
        who = await caller(request)
        p = request.path_params
        return _response(await off_loop(lambda: engine.vread(p["rtype"], p["rid"], p["vid"], base_url(request), who)))

    async def operation(request: Request) -> Response:
        who = await caller(request)
        p = request.path_params
        if p["rtype"] == "Patient" and p["op"] == "$everything" and request.method in ("GET", "POST"):
            return _response(await off_loop(lambda: engine.everything(p["rid"], base_url(request), who)))
        raise HubError(404, f"operation {p['op']} is not supported on {p['rtype']}", code="not-supported")

    async def admin_clients(request: Request) -> Response:
        require_admin(request)
        if request.method == "POST":
            return JSONResponse(authority.enroll(await _body(request, limit)), status_code=201)
        return JSONResponse(authority.clients())

    async def admin_consent(request: Request) -> Response:
        require_admin(request)
        p = request.path_params
        return _response(Reply(200, admin.decide_consent(p["cid"], p["action"])))

    async def admin_break_glass(request: Request) -> Response:
        require_admin(request)
        return _response(Reply(200, {"resourceType": "Bundle", "type": "collection",
                                     "entry": [{"resource": r} for r in admin.break_glass_log()]}))

    async def admin_action(request: Request) -> Response:
        require_admin(request)
        work = (actions or {}).get(request.path_params["name"])
        if work is None:
            raise HubError(404, f"no action {request.path_params['name']!r} here", code="not-found")
        return JSONResponse(await off_loop(work))

    async def unit_action(request: Request) -> Response:
        who = await caller(request)
        if not who.enforced or who.btg_cid:
            raise HubError(403, "only the unit's enrolled desktops may do this", code="forbidden")
        work = (unit_actions or {}).get(request.path_params["name"])
        if work is None:
            raise HubError(404, f"nothing at {request.url.path}", code="not-found")
        body = await _body(request, limit)
        return JSONResponse(await off_loop(lambda: work(who, body)))

    async def hub_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HubError)
        return _error(exc)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("hub request failed", exc_info=exc)
        return _response(Reply(500, operation_outcome("internal error in the sandbox hub", code="exception",
                                                      severity="fatal")))

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(HubError(404, f"nothing at {request.url.path}", code="not-found"))

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return _error(HubError(405, f"{request.method} is not supported at {request.url.path}", code="not-supported"))

    methods = ["GET", "POST", "PUT", "DELETE"]
    routes = [
        Route("/fhir/metadata", metadata, methods=["GET"]),
        Route("/fhir/.well-known/smart-configuration", smart_configuration, methods=["GET"]),
        Route("/auth/token", token, methods=["POST"]),
        Route("/admin/clients", admin_clients, methods=["GET", "POST"]),
        Route("/admin/consents/{cid}/{action}", admin_consent, methods=["POST"]),
        Route("/admin/break-glass", admin_break_glass, methods=["GET"]),
        Route("/admin/actions/{name}", admin_action, methods=["POST"]),
        Route("/unit/{name}", unit_action, methods=["POST"]),
        Route("/fhir", base, methods=methods),
        Route("/fhir/", base, methods=methods),
        Route("/fhir/_history", system_history, methods=["GET"]),
        Route("/fhir/{rtype}", type_level, methods=methods),
        Route("/fhir/{rtype}/_history", type_history, methods=["GET"]),
        Route("/fhir/{rtype}/{rid}/_history", instance_history, methods=["GET"]),
        Route("/fhir/{rtype}/{rid}/_history/{vid}", vread, methods=["GET"]),
        Route("/fhir/{rtype}/{rid}/{op:str}", operation, methods=["GET", "POST"]),
        Route("/fhir/{rtype}/{rid}", instance, methods=methods),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        exception_handlers={HubError: hub_error, Exception: crash, 404: not_found, 405: method_not_allowed},
    )
