"""The Graph API fake: a WSGI app answering like ``graph.facebook.com/v{N}.0`` for WhatsApp Cloud API calls,
and a small threaded server running it on 127.0.0.1 in a background thread."""

import base64
import json
import threading
import time
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .errors import GraphError, missing, object_not_found
from .media_rules import check_upload
from .send import accept

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000


class VersionConverter(BaseConverter):
    """Any Graph version segment: v19.0, v23.0, v25.0..."""
    regex = r"v\d+\.\d+"


def json_response(data, status=200, headers=None):
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=headers)


def error_response(error):
    headers = {}
    if error.http_status == 401:
        # Meta's OAuth failures carry this header too.
        headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{error.message}"'
    return json_response(error.body(), error.http_status, headers)


def _bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.args.get("access_token")   # Graph also accepts the token as a query parameter


def _encode_cursor(index):
    return base64.urlsafe_b64encode(f"sandbox-cursor:{index}".encode()).decode()


def _decode_cursor(cursor):
    try:
        prefix, _, index = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != "sandbox-cursor":
            raise ValueError(cursor)
        return int(index)
    except ValueError:
        raise GraphError(100, f"Invalid cursor: {cursor}", message="(#100) Invalid cursor") from None


def _select_fields(record, fields_param):
    """Honour ``?fields=a,b``; Graph always returns ``id``."""
    if not fields_param:
        return record
    wanted = {f.strip() for f in fields_param.split(",")} | {"id"}
    return {k: v for k, v in record.items() if k in wanted}


class GraphApp:
    """WSGI app. ``fallback`` (another WSGI app) answers paths that are not Graph paths, e.g. the customer page."""

    def __init__(self, state, fallback=None):
        self.state = state
        self.fallback = fallback
        self.url_map = Map([
            Rule("/media-download/<url_token>", endpoint="media_download", methods=["GET"]),
            Rule("/<version:version>/<object_id>/messages", endpoint="messages", methods=["POST"]),
            Rule("/<version:version>/<object_id>/media", endpoint="media_upload", methods=["POST"]),
            Rule("/<version:version>/<object_id>/message_templates", endpoint="templates", methods=["GET"]),
            Rule("/<version:version>/<object_id>", endpoint="object", methods=["GET"]),
        ], converters={"version": VersionConverter})

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            if self.fallback is not None:
                return self.fallback(environ, start_response)
            response = error_response(GraphError(100, f"Unknown path components: {request.path}",
                                                 message=f"Unknown path components: {request.path}"))
        except MethodNotAllowed:
            response = error_response(object_not_found(request.path.rsplit("/", 1)[-1], request.method.lower()))
        else:
            response = self._dispatch(request, endpoint, args)
        return response(environ, start_response)

    # ---- plumbing ---------------------------------------------------------------------------------------

    def _failure_names(self, endpoint, args):
        """The names :meth:`SandboxState.inject_failure` rules match against for this request."""
        if endpoint == "media_upload":
            return ("media", "media_upload")
        if endpoint == "object":
            if self.state.phone(args["object_id"]):
                return ("phone",)
            if self.state.get_media(args["object_id"]):
                return ("media", "media_info")
            return ("object",)
        return (endpoint,)

    def _dispatch(self, request, endpoint, args):
        rule = self.state.take_failure(self._failure_names(endpoint, args))
        delay = self.state.latency + (rule.latency if rule else 0.0)
        if delay:
            time.sleep(delay)   # real time on purpose: latency exists to exercise the client's timeouts
        if rule and rule.raw_status:
            return Response(f"<html><body>{rule.raw_status} Sandbox injected failure</body></html>",
                            status=rule.raw_status, mimetype="text/html")
        try:
            if rule and rule.code is not None:
                raise rule.error()
            token = self._authenticate(request)
            args.pop("version", None)
            return getattr(self, f"_{endpoint}")(request, token, **args)
        except GraphError as error:
            return error_response(error)

    def _authenticate(self, request):
        token = _bearer_token(request)
        if not token:
            raise GraphError(190, "An access token is required to request this resource.",
                             message="An active access token must be used to query information about the "
                                     "current user.")
        if not self.state.token_is_valid(token):
            raise GraphError(190, "The access token could not be decrypted.")
        return token

    def _owned_phone(self, object_id, token, method):
        phone = self.state.phone(object_id)
        if phone is None or phone.token != token:
            # Meta does not distinguish "no such number" from "not yours".
            raise object_not_found(object_id, method)
        return phone

    # ---- endpoints --------------------------------------------------------------------------------------

    def _messages(self, request, token, object_id):
        phone = self._owned_phone(object_id, token, "post")
        try:
            payload = json.loads(request.get_data())
        except ValueError:
            raise GraphError(100, "The request body is not valid JSON.", message="(#100) Invalid parameter") \
                from None
        return json_response(accept(self.state, phone, payload))

    def _media_upload(self, request, token, object_id):
        self._owned_phone(object_id, token, "post")
        form, upload = request.form, request.files.get("file")
        if form.get("messaging_product") != "whatsapp":
            raise GraphError(100, "messaging_product must be whatsapp.",
                             message="(#100) The parameter messaging_product is required.")
        if upload is None:
            raise GraphError(100, "The parameter file is required.",
                             message="(#100) The parameter file is required.")
        mime_type = form.get("type") or upload.mimetype
        if not mime_type:
            raise missing("type")
        data = upload.read()
        check_upload(mime_type, data)
        media_id = self.state.add_media(data, mime_type, filename=upload.filename or None, origin="upload")
        return json_response({"id": media_id})

    def _object(self, request, token, object_id):
        phone = self.state.phone(object_id)
        if phone is not None:
            return self._phone_info(request, token, phone)
        media = self.state.get_media(object_id)
        if media is None or media.expired:
            raise object_not_found(object_id)
        download_token = self.state.issue_download_token(media.id)
        return json_response({
            "messaging_product": "whatsapp",
            "url": f"{request.host_url}media-download/{download_token}",
            "mime_type": media.mime_type,
            "sha256": media.sha256_hex,
            "file_size": media.file_size,
            "id": media.id,
        })

    def _phone_info(self, request, token, phone):
        self._owned_phone(phone.id, token, "get")
        info = {
            "id": phone.id,
            "display_phone_number": phone.display_phone_number,
            "verified_name": phone.verified_name,
            "quality_rating": "GREEN",
            "messaging_limit_tier": "TIER_1K",
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
        }
        return json_response(_select_fields(info, request.args.get("fields")))

    def _media_download(self, request, token, url_token):
        media = self.state.resolve_download(url_token)
        if media is None:
            # Meta's media host answers an expired URL with a bare 404, not a Graph error.
            return Response("URL signature expired", status=404, mimetype="text/plain")
        return Response(media.data, mimetype=media.mime_type,
                        headers={"Content-Length": str(media.file_size)})

    def _templates(self, request, token, object_id):
        if object_id not in self.state.waba_ids_for_token(token):
            raise object_not_found(object_id)
        args = request.args
        try:
            limit = min(int(args.get("limit", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        except ValueError:
            raise GraphError(100, "Param limit must be an integer.") from None
        if limit < 1:
            raise GraphError(100, "Param limit must be positive.")
        items = [t for t in self.state.list_templates(object_id) if _template_matches(t, args)]
        if args.get("after"):
            start = _decode_cursor(args["after"])
        elif args.get("before"):
            start = max(0, _decode_cursor(args["before"]) - limit)
        else:
            start = 0
        page = items[start:start + limit]
        body = {"data": [_select_fields(t, args.get("fields")) for t in page]}
        if page:
            end = start + len(page)
            body["paging"] = {"cursors": {"before": _encode_cursor(start), "after": _encode_cursor(end)}}
            if end < len(items):
                body["paging"]["next"] = _page_url(request, after=_encode_cursor(end))
            if start > 0:
                body["paging"]["previous"] = _page_url(request, before=_encode_cursor(start))
        return json_response(body)


def _template_matches(template, args):
    """Graph's template list filters: exact status/category/language, name substring."""
    for key in ("status", "category", "language"):
        if args.get(key) and template[key] != args[key]:
            return False
    return not args.get("name") or args["name"] in template["name"]


def _page_url(request, **cursor):
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("after", "before")]
    query += list(cursor.items())
    return f"{request.base_url}?{urlencode(query)}"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass   # no access log in tests; errors are still logged


class GraphServer:
    """Runs a WSGI app on ``host:port`` (port 0 = any free port) in a daemon thread."""

    def __init__(self, app, host="127.0.0.1", port=0, quiet=True):
        self.app = app
        self.host = host
        self.requested_port = port
        self.quiet = quiet
        self._server = None
        self._thread = None

    @property
    def port(self):
        return self._server.server_port if self._server else None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}" if self._server else None

    def start(self):
        self._server = make_server(self.host, self.requested_port, self.app, threaded=True,
                                   request_handler=_QuietHandler if self.quiet else None)
        # serve_forever notices shutdown() only between select() calls: a 10 ms poll keeps stop() instant for
        # test suites that start a sandbox per test, at a negligible idle cost.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"meta-sandbox-graph:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = self._thread = None
