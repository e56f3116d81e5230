"""A local Hugging Face hub: serves model folders the way ``huggingface_hub`` fetches them.

Point ``HF_ENDPOINT`` at :attr:`LocalHub.url` (and lift ``HF_HUB_OFFLINE``, see :meth:`env`)
and ``snapshot_download`` / ``HfApi.model_info`` of huggingface_hub 2.x run for real against
it. What they ask for, and what is answered:

- ``GET /api/models/{repo}[/revision/{rev}]`` (``?blobs=true``): the model info, ``sha`` the
  commit and ``siblings`` with each file's size;
- ``GET /api/models/{repo}/tree/{rev}?recursive=...``: the file listing, one page;
- ``HEAD /{repo}/resolve/{rev}/{file}``: ``X-Repo-Commit``, ``ETag`` (``X-Linked-Etag`` and
  ``X-Linked-Size`` for the large "LFS" files) and ``Content-Length``; no xet headers, so the
  client downloads over plain HTTP;
- ``GET`` of the same URL, honouring ``Range: bytes=N-`` (206 with ``Content-Range``).

A test can slow a file down (:attr:`LocalHub.rate`), hold a download after N bytes until it
lets go (:meth:`hold`), close the connection after N bytes (:meth:`cut`) or refuse a file
(:meth:`refuse`), to watch progress, cancel and interrupted downloads. Every request is
recorded in :attr:`LocalHub.requests`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "5e1f0c0ffee0ddba11c0de5e1f0c0ffee0ddba11"
_LFS_FROM = 1_000_000  # files this large are served as the hub serves LFS files
_CHUNK = 64 * 1024


@dataclass
class _File:
    path: Path
    size: int
    sha256: str
    git_oid: str

    @property
    def lfs(self) -> bool:
        return self.size >= _LFS_FROM

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.git_oid


@dataclass
class Request:
    method: str
    path: str
    range: str | None


@dataclass
class _Rule:
    """What the next matching GETs of one file get instead of the whole file."""

    kind: str  # "hold", "cut" or "refuse"
    after: int = 0
    times: int = 1
    release: threading.Event = field(default_factory=threading.Event)
    reached: threading.Event = field(default_factory=threading.Event)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that went away mid-file (a cancelled download) is expected here


def _describe(path: Path) -> _File:
    data = path.read_bytes()
    git_oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return _File(path, len(data), hashlib.sha256(data).hexdigest(), git_oid)


class LocalHub:
    """A threaded HTTP server on 127.0.0.1 (port 0, read back) serving ``repos``.

    ``repos`` maps a repository id (``Systran/faster-whisper-tiny``) to a model folder.
    """

    def __init__(self, repos: dict[str, str | Path], commit: str = COMMIT) -> None:
        self.commit = commit
        self.repos = {
            repo: {f.name: _describe(f) for f in sorted(Path(folder).iterdir()) if f.is_file()}
            for repo, folder in repos.items()
        }
        self.requests: list[Request] = []
        #: Bytes per second for every GET body; None = as fast as the socket goes.
        self.rate: float | None = None
        self._rules: dict[str, list[_Rule]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server: never a bytes (AF_UNIX) address
        return f"http://{host}:{port}"

    def start(self) -> LocalHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        for rules in self._rules.values():
            for rule in rules:
                rule.release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment for a process that downloads from this hub (and nowhere else)."""
        return {
            "HF_ENDPOINT": self.url,
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DOWNLOAD_TIMEOUT": "60",  # a held download is not a network timeout
            "HF_TOKEN": "",
        }

    # -- what a test makes happen ----------------------------------------------------------

    def size(self, repo: str, name: str | None = None) -> int:
        """Bytes of one file, or of every file of ``repo``."""
        files = self.repos[repo]
        return files[name].size if name else sum(f.size for f in files.values())

    def hold(self, name: str, after: int = 0) -> _Rule:
        """The next GET of ``name`` sends ``after`` bytes, then waits for ``rule.release``."""
        return self._add(name, _Rule("hold", after))

    def cut(self, name: str, after: int, times: int = 1) -> _Rule:
        """The next ``times`` GETs of ``name`` close the connection after ``after`` bytes."""
        return self._add(name, _Rule("cut", after, times))

    def refuse(self, name: str, times: int = 1) -> _Rule:
        """The next ``times`` GETs of ``name`` answer 500."""
        return self._add(name, _Rule("refuse", 0, times))

    def gets(self, name: str) -> list[Request]:
        return [r for r in self.requests if r.method == "GET" and r.path.endswith("/" + name)]

    def _add(self, name: str, rule: _Rule) -> _Rule:
        with self._lock:
            self._rules.setdefault(name, []).append(rule)
        return rule

    def _take_rule(self, name: str) -> _Rule | None:
        with self._lock:
            rules = self._rules.get(name) or []
            if not rules:
                return None
            rule = rules[0]
            rule.times -= 1
            if rule.times <= 0:
                rules.pop(0)
            return rule

    # -- serving ---------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the requests are in hub.requests

            def do_HEAD(self) -> None:
                hub._serve(self, head=True)

            def do_GET(self) -> None:
                hub._serve(self, head=False)

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = unquote(urlsplit(h.path).path)
        self.requests.append(Request(h.command, path, h.headers.get("Range")))
        if path.startswith("/api/models/"):
            self._api(h, path[len("/api/models/") :])
            return
        if "/resolve/" in path:
            repo, rest = path.lstrip("/").split("/resolve/", 1)
            name = rest.split("/", 1)[1] if "/" in rest else ""
            file = self.repos.get(repo, {}).get(name)
            if file is not None:
                self._file(h, file, name, head)
                return
        self._json(h, {"error": "Entry not found"}, 404, {"X-Error-Code": "EntryNotFound"})

    def _api(self, h: BaseHTTPRequestHandler, rest: str) -> None:
        for repo, files in self.repos.items():
            if rest == repo or rest.startswith(repo + "/revision/"):
                siblings = [
                    {"rfilename": n, "size": f.size, "blobId": f.git_oid, **self._lfs(f, "sha256")}
                    for n, f in files.items()
                ]
                info = {"id": repo, "modelId": repo, "sha": self.commit, "siblings": siblings}
                self._json(h, info)
                return
            if rest.startswith(repo + "/tree/"):
                tree = [
                    {
                        "type": "file",
                        "oid": f.git_oid,
                        "size": f.size,
                        "path": n,
                        **self._lfs(f, "oid"),
                    }
                    for n, f in files.items()
                ]
                self._json(h, tree)
                return
        self._json(h, {"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})

    @staticmethod
    def _lfs(f: _File, key: str) -> dict[str, object]:
        """The LFS pointer: its hash is ``sha256`` in model info, ``oid`` in the tree."""
        if not f.lfs:
            return {}
        return {"lfs": {key: f.sha256, "size": f.size, "pointerSize": 134}}

    def _json(
        self,
        h: BaseHTTPRequestHandler,
        body: object,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("X-Repo-Commit", self.commit)
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)

    def _file(self, h: BaseHTTPRequestHandler, file: _File, name: str, head: bool) -> None:
        rule = None if head else self._take_rule(name)
        if rule is not None and rule.kind == "refuse":
            self._json(h, {"error": "refused by the test"}, 500)
            return
        start = 0
        ranged = h.headers.get("Range", "")
        if ranged.startswith("bytes=") and ranged[6:].split("-")[0].isdigit():
            start = int(ranged[6:].split("-")[0])
        h.send_response(206 if start else 200)
        h.send_header("Content-Length", str(file.size - start))
        h.send_header("Accept-Ranges", "bytes")
        if start:
            h.send_header("Content-Range", f"bytes {start}-{file.size - 1}/{file.size}")
        h.send_header("X-Repo-Commit", self.commit)
        h.send_header("ETag", f'"{file.etag}"')
        if file.lfs:
            h.send_header("X-Linked-Etag", f'"{file.sha256}"')
            h.send_header("X-Linked-Size", str(file.size))
        h.end_headers()
        if not head:
            self._body(h, file, start, rule)

    def _body(self, h: BaseHTTPRequestHandler, file: _File, start: int, rule: _Rule | None) -> None:
        sent = 0
        begun = time.monotonic()
        with open(file.path, "rb") as fh:
            fh.seek(start)
            while chunk := fh.read(_CHUNK):
                if rule is not None and sent + len(chunk) > rule.after:
                    first, chunk = chunk[: rule.after - sent], chunk[rule.after - sent :]
                    h.wfile.write(first)
                    h.wfile.flush()
                    sent += len(first)
                    rule.reached.set()
                    if rule.kind == "cut":
                        h.close_connection = True
                        return
                    rule.release.wait()
                    if self._closing.is_set():
                        return
                    rule = None
                h.wfile.write(chunk)
                sent += len(chunk)
                if self.rate:
                    ahead = sent / self.rate - (time.monotonic() - begun)
                    if ahead > 0:
                        time.sleep(ahead)  # throttling the server, not waiting in a test
