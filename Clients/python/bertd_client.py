"""A scripting client for bertd, the BERT annotation daemon (standard library only).

Connect to a running daemon's Unix socket, or start ``bertd --stdio`` as a child process::

    from bertd_client import Client

    with Client.connect() as bertd:                     # $BERTD_SOCKET or the default path
        for entity in bertd.label("张三在北京工作。")["entities"]:
            print(entity["label"], entity["text"])

    with Client.spawn(models=["ner=/models/bert-ner"]) as bertd:
        print(bertd.tokenize("北京欢迎你")["tokens"])

Offsets in results are Python string indices: every annotate request carries ``"encoding": "utf-32"``
(code points), so ``text[start:end]`` is the span, whatever the emoji or CJK characters in it.

The client is thread-safe and pipelined: a background thread reads responses and matches them to requests
by id, so several threads may call at once and one thread may keep many requests in flight with
``call_async`` (which returns a ``concurrent.futures.Future``). Errors from the daemon raise ``BertdError``
(a subclass per ``data.kind`` or standard code) carrying ``code``, ``message``, ``data`` and ``kind``.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import os
import socket
import subprocess
import threading
from collections import deque
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

__all__ = [
    "Client",
    "BertdError",
    "InvalidRequest",
    "MethodNotFound",
    "InvalidParams",
    "InternalError",
    "RequestCancelled",
    "ModelNotLoaded",
    "NotInitialized",
    "InputTooLong",
    "Overloaded",
    "ShuttingDown",
    "RequestTimeout",
    "default_socket_path",
]

# MARK: - Errors


class BertdError(Exception):
    """An error answer from bertd: the JSON-RPC error object, with ``data.kind`` lifted out.

    ``kind`` is the stable server-error kind (``"modelNotLoaded"``, ``"overloaded"``, ...) or None for
    the standard JSON-RPC codes; ``field`` is ``data.field`` (``"params.topK"``) for invalid params.
    """

    def __init__(self, code: int, message: str, data: Any = None, method: Optional[str] = None):
        self.code = code
        self.message = message
        self.data = data
        self.method = method
        self.kind: Optional[str] = data.get("kind") if isinstance(data, dict) else None
        self.field: Optional[str] = data.get("field") if isinstance(data, dict) else None
        where = f"{method}: " if method else ""
        super().__init__(f"{where}{message} (code {code}{', ' + self.kind if self.kind else ''})")

    @staticmethod
    def from_wire(error: Mapping[str, Any], method: Optional[str] = None) -> "BertdError":
        """The most specific subclass for an error object: by ``data.kind`` first, then by code."""
        code = error.get("code", -32603)
        message = error.get("message", "")
        data = error.get("data")
        kind = data.get("kind") if isinstance(data, dict) else None
        cls = _ERRORS_BY_KIND.get(kind) or _ERRORS_BY_CODE.get(code) or BertdError
        return cls(code, message, data, method)


class InvalidRequest(BertdError):
    """-32600: the message was not a valid request (a client bug)."""


class MethodNotFound(BertdError):
    """-32601: this daemon does not serve the method (an older build, or a typo)."""


class InvalidParams(BertdError):
    """-32602: the params do not fit the method's schema; ``field`` names the offending member."""


class InternalError(BertdError):
    """-32603: the daemon failed unexpectedly."""


class RequestCancelled(BertdError):
    """-32800: the request was cancelled (``Client.cancel`` or a timeout in ``call``)."""


class ModelNotLoaded(BertdError):
    """No loaded model can serve the method, or the named model does not exist."""


class NotInitialized(BertdError):
    """The connection requires ``initialize`` first."""


class InputTooLong(BertdError):
    """A message, text list or text is over its limit (``data["limit"]``)."""


class Overloaded(BertdError):
    """The model's queue is full: retry later, or keep fewer requests in flight."""


class ShuttingDown(BertdError):
    """The daemon is stopping and takes no new work."""


class RequestTimeout(BertdError):
    """The request ran past its ``timeoutMs``."""


_ERRORS_BY_KIND = {
    "modelNotLoaded": ModelNotLoaded,
    "notInitialized": NotInitialized,
    "inputTooLong": InputTooLong,
    "overloaded": Overloaded,
    "shuttingDown": ShuttingDown,
    "timeout": RequestTimeout,
}

_ERRORS_BY_CODE = {
    -32600: InvalidRequest,
    -32601: MethodNotFound,
    -32602: InvalidParams,
    -32603: InternalError,
    -32800: RequestCancelled,
}

# MARK: - Transports


def default_socket_path(environ: Optional[Mapping[str, str]] = None) -> str:
    """Where a running daemon listens: ``$BERTD_SOCKET``, else ``$XDG_RUNTIME_DIR/bertd.sock``, else
    ``/tmp/bertd-$UID/bertd.sock`` (the daemon's own default, so both sides agree without configuration)."""
    env = os.environ if environ is None else environ
    if env.get("BERTD_SOCKET"):
        return env["BERTD_SOCKET"]
    if env.get("XDG_RUNTIME_DIR"):
        return os.path.join(env["XDG_RUNTIME_DIR"], "bertd.sock")
    return f"/tmp/bertd-{os.getuid()}/bertd.sock"


class _LineTransport:
    """Newline-delimited JSON over a connected socket (the daemon's socket framing)."""

    def __init__(self, sock: socket.socket):
        self._socket = sock
        self._reader = sock.makefile("rb")

    def send(self, body: bytes) -> None:
        self._socket.sendall(body + b"\n")

    def receive(self) -> Optional[bytes]:
        """The next message body, or None at end of stream."""
        while True:
            line = self._reader.readline()
            if not line:
                return None
            if line.strip():
                return line

    def close(self) -> None:
        # shutdown() wakes the reader thread blocked in readline(); close() alone would not.
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._socket.close()
        self._reader.close()

    def describe_failure(self) -> str:
        return "the daemon closed the socket"


class _ContentLengthTransport:
    """LSP ``Content-Length`` framing over a child process's stdin and stdout (``bertd --stdio``)."""

    def __init__(self, process: subprocess.Popen):
        self._process = process
        self._input = process.stdin
        self._output = process.stdout
        # The daemon logs to stderr; keep its tail for error messages instead of letting the pipe fill.
        self._stderr_tail: deque = deque(maxlen=64)
        if process.stderr is not None:
            threading.Thread(target=self._drain_stderr, name="bertd-stderr", daemon=True).start()

    def _drain_stderr(self) -> None:
        with self._process.stderr:
            for line in self._process.stderr:
                self._stderr_tail.append(line.decode("utf-8", "replace").rstrip())

    def send(self, body: bytes) -> None:
        self._input.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._input.flush()

    def receive(self) -> Optional[bytes]:
        length = None
        while True:
            header = self._output.readline()
            if not header:
                return None
            header = header.strip()
            if not header:
                if length is None:
                    continue
                break
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = self._output.read(length)
        return body if len(body) == length else None

    def close(self) -> None:
        for stream in (self._input, self._output):
            try:
                stream.close()
            except OSError:
                pass

    def describe_failure(self) -> str:
        status = self._process.poll()
        tail = "\n".join(list(self._stderr_tail)[-10:])
        state = f"exited with status {status}" if status is not None else "closed its stdout"
        return f"bertd {state}" + (f"; stderr:\n{tail}" if tail else "")


# MARK: - Client


class Client:
    """A connection to bertd. Use ``Client.connect`` (socket) or ``Client.spawn`` (child on stdio).

    Every method is safe to call from several threads at once. ``close`` (or leaving a ``with`` block)
    fails every request still in flight with a ``ConnectionError`` naming it, never leaving a caller
    waiting forever.
    """

    #: The unit of offsets this client asks for: code points, i.e. Python string indices.
    ENCODING = "utf-32"

    def __init__(self, transport: Any, process: Optional[subprocess.Popen] = None):
        """Wraps a connected transport; most callers want ``connect`` or ``spawn`` instead."""
        self._transport = transport
        self._process = process
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards _pending, _closed and _failure
        self._send_lock = threading.Lock()  # keeps each message's bytes together on the wire
        self._pending: Dict[int, "concurrent.futures.Future[Any]"] = {}
        self._methods: Dict[int, str] = {}
        self._closed = False
        self._failure: Optional[str] = None
        self._reader = threading.Thread(target=self._read_loop, name="bertd-reader", daemon=True)
        self._reader.start()

    # MARK: Opening and closing

    @classmethod
    def connect(cls, path: Optional[str] = None, timeout: Optional[float] = 10.0) -> "Client":
        """Connects to a daemon's Unix socket (``default_socket_path()`` when ``path`` is None).

        ``timeout`` bounds the connect only; requests wait as long as their own ``timeout`` says.
        """
        path = path or default_socket_path()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as error:
            sock.close()
            raise ConnectionError(f"cannot connect to bertd at {path}: {error}") from error
        sock.settimeout(None)
        return cls(_LineTransport(sock))

    @classmethod
    def spawn(
        cls,
        bertd: str = "bertd",
        models: Iterable[Union[str, Sequence[str]]] = (),
        args: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
    ) -> "Client":
        """Starts ``bertd --stdio`` as a child process and talks to it with Content-Length framing.

        ``models`` are ``"NAME=DIR"`` strings or ``(name, dir)`` pairs; ``args`` are extra daemon flags.
        The child is initialized as an LSP peer (utf-32 positions) and is shut down by ``close``.
        """
        command = [bertd, "--stdio"]
        for model in models:
            command += ["--model", model if isinstance(model, str) else f"{model[0]}={model[1]}"]
        command += list(args)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env) if env is not None else None,
            )
        except OSError as error:
            raise ConnectionError(f"cannot start {bertd}: {error}") from error
        client = cls(_ContentLengthTransport(process), process=process)
        try:
            client.call("initialize", {
                "processId": os.getpid(),
                "clientInfo": {"name": "bertd_client.py"},
                "capabilities": {"general": {"positionEncodings": [cls.ENCODING]}},
                "initializationOptions": {"positionEncoding": cls.ENCODING},
            }, timeout=60)
            client.notify("initialized", {})
        except BaseException:
            client.close()
            raise
        return client

    def close(self, timeout: float = 10.0) -> None:
        """Closes the connection (and, for a spawned daemon, shuts it down and waits for it).

        Requests still in flight fail with ``ConnectionError``. Calling ``close`` twice is harmless.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            stranded = self._take_pending()
        self._fail(stranded, "the client was closed")
        if self._process is not None:
            self._stop_child(timeout)
        self._transport.close()
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout)

    def _stop_child(self, timeout: float) -> None:
        # LSP order: shutdown (a request), then exit (a notification); the child then ends with status 0.
        # Sent directly: the pending table is already closed to new calls.
        try:
            with self._send_lock:
                self._transport.send(json.dumps({"jsonrpc": "2.0", "id": "shutdown", "method": "shutdown"}).encode())
                self._transport.send(json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode())
        except OSError:
            pass
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    @property
    def process(self) -> Optional[subprocess.Popen]:
        """The spawned daemon, or None for a socket connection."""
        return self._process

    @property
    def closed(self) -> bool:
        """Whether the client was closed or lost its connection."""
        with self._lock:
            return self._closed or self._failure is not None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # MARK: Requests

    def call_async(self, method: str, params: Optional[Mapping[str, Any]] = None) -> "concurrent.futures.Future[Any]":
        """Sends a request without waiting; the future gives the result or raises ``BertdError``.

        The future's ``request_id`` attribute is the JSON-RPC id (for ``cancel``). Its own ``cancel()``
        returns False: use ``Client.cancel`` so the daemon stops the work too.
        """
        future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
        # Running from the start: a Future.cancel() would only hide the answer, not stop the daemon.
        future.set_running_or_notify_cancel()
        with self._lock:
            if self._closed or self._failure is not None:
                raise ConnectionError(f"bertd client is closed: {self._failure or 'close() was called'}")
            request_id = next(self._ids)
            # Registered before sending: the answer may arrive before send() returns.
            self._pending[request_id] = future
            self._methods[request_id] = method
        future.request_id = request_id  # type: ignore[attr-defined]
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        try:
            with self._send_lock:
                self._transport.send(body)
        except (OSError, ValueError) as error:
            with self._lock:
                lost = self._pending.pop(request_id, None)
                self._methods.pop(request_id, None)
            if lost is not None:
                lost.set_exception(ConnectionError(f"{method}: sending to bertd failed: {error}"))
        return future

    def call(self, method: str, params: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None) -> Any:
        """Sends a request and waits for its result.

        With ``timeout`` (seconds), a request still running then is cancelled in the daemon and
        ``concurrent.futures.TimeoutError`` is raised.
        """
        future = self.call_async(method, params)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            self.cancel(future)
            raise

    def notify(self, method: str, params: Optional[Mapping[str, Any]] = None) -> None:
        """Sends a notification (no answer comes back)."""
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if self.closed:
            raise ConnectionError(f"bertd client is closed: {self._failure or 'close() was called'}")
        with self._send_lock:
            self._transport.send(json.dumps(message, ensure_ascii=False).encode("utf-8"))

    def cancel(self, future: "concurrent.futures.Future[Any]") -> None:
        """Asks the daemon to cancel the request behind ``future`` (it then fails with ``RequestCancelled``,
        unless its answer was already on the way)."""
        if future.done() or self.closed:
            return
        self.notify("$/cancelRequest", {"id": future.request_id})  # type: ignore[attr-defined]

    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered."""
        with self._lock:
            return len(self._pending)

    # MARK: Reading

    def _read_loop(self) -> None:
        reason = None
        try:
            while True:
                body = self._transport.receive()
                if body is None:
                    break
                self._dispatch(json.loads(body))
        except (OSError, ValueError) as error:
            reason = f"reading from bertd failed: {error}"
        with self._lock:
            if self._closed:
                return
            self._failure = reason or self._transport.describe_failure()
            stranded = self._take_pending()
        self._fail(stranded, self._failure)

    def _dispatch(self, message: Any) -> None:
        for response in message if isinstance(message, list) else [message]:
            if not isinstance(response, dict) or "method" in response:
                continue  # server-to-client notifications (e.g. diagnostics) are not for this client
            request_id = response.get("id")
            with self._lock:
                future = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
                method = self._methods.pop(request_id, None) if future is not None else None
            if future is None:
                continue  # an answer to our own shutdown, or to a request already failed by close()
            if "error" in response:
                future.set_exception(BertdError.from_wire(response["error"], method))
            else:
                future.set_result(response.get("result"))

    def _take_pending(self) -> List[tuple]:
        """Removes every pending request (call with ``_lock`` held)."""
        stranded = [(future, self._methods.get(request_id, "?")) for request_id, future in self._pending.items()]
        self._pending.clear()
        self._methods.clear()
        return stranded

    @staticmethod
    def _fail(stranded: List[tuple], reason: str) -> None:
        for future, method in stranded:
            if not future.done():
                future.set_exception(ConnectionError(f"{method}: no answer from bertd: {reason}"))

    # MARK: Methods, one per endpoint

    def _annotate(self, method: str, params: Dict[str, Any], options: Mapping[str, Any]) -> Any:
        params.update(_camel_case(options))
        params.setdefault("encoding", self.ENCODING)
        return self.call(method, params)

    def tokenize(self, text: str, text_pair: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """``annotate/tokenize``: word pieces with ids and offsets (options: add_special_tokens, model, ...)."""
        return self._annotate("annotate/tokenize", _drop_none({"text": text, "textPair": text_pair}), options)

    def embed(self, text: Union[str, Sequence[str]], **options: Any) -> Dict[str, Any]:
        """``annotate/embed``: one vector per text (options: pooling, normalize, truncate, model, ...)."""
        return self._annotate("annotate/embed", _text_or_texts(text), options)

    def label(self, text: Union[str, Sequence[str]], **options: Any) -> Dict[str, Any]:
        """``annotate/label``: entities (options: aggregation, ignore_labels, min_score, model, ...)."""
        return self._annotate("annotate/label", _text_or_texts(text), options)

    def answer(self, question: str, context: Union[str, Sequence[str]], **options: Any) -> Dict[str, Any]:
        """``annotate/answer``: answer spans in the context (options: top_k, max_answer_length, doc_stride,
        max_seq_length, max_question_length, allow_no_answer, model, ...)."""
        params = {"question": question}
        params.update(_text_or_texts(context, single="context", plural="contexts"))
        return self._annotate("annotate/answer", params, options)

    def correct(self, text: Union[str, Sequence[str]], **options: Any) -> Dict[str, Any]:
        """``annotate/correct``: the corrected text and its edits (options: threshold, margin, ignore,
        force, detect_only, max_rounds, later_threshold, max_edits, model, ...)."""
        return self._annotate("annotate/correct", _text_or_texts(text), options)

    def fill_mask(self, text: Union[str, Sequence[str]], **options: Any) -> Dict[str, Any]:
        """``annotate/fillMask``: candidates per [MASK] (options: top_k, targets, model, ...); a list of texts
        is answered with a list per text."""
        return self._annotate("annotate/fillMask", _text_or_texts(text), options)

    def classify(self, text: Union[str, Sequence[str]], text_pair: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """``annotate/classify``: labels with scores (options: top_k, model, ...)."""
        params = _text_or_texts(text)
        if text_pair is not None:
            params["textPair"] = text_pair
        return self._annotate("annotate/classify", params, options)

    def next_sentence(self, text: Union[str, Sequence[str]], text_pair: Union[str, Sequence[str]],
                      **options: Any) -> Dict[str, Any]:
        """``annotate/nextSentence``: whether ``text_pair`` follows ``text`` (or, for lists of equal length,
        each pair's score)."""
        params = _text_or_texts(text)
        params.update(_text_or_texts(text_pair, single="textPair", plural="textPairs"))
        return self._annotate("annotate/nextSentence", params, options)

    def segment(self, text: Union[str, Sequence[str]], **options: Any) -> Dict[str, Any]:
        """``annotate/segment``: word segmentation."""
        return self._annotate("annotate/segment", _text_or_texts(text), options)

    def models(self) -> List[Dict[str, Any]]:
        """``bertd/models``: the loaded models (name, head, tasks, labels, max length, ...)."""
        return self.call("bertd/models")["models"]

    def status(self) -> Dict[str, Any]:
        """``bertd/status``: uptime, queue depth, latency percentiles, memory."""
        return self.call("bertd/status")

    def reload(self, name: str) -> Dict[str, Any]:
        """``bertd/reload``: loads model ``name`` again from its directory."""
        return self.call("bertd/reload", {"name": name})


# MARK: - Helpers


def _camel_case(options: Mapping[str, Any]) -> Dict[str, Any]:
    """``top_k=3`` -> ``{"topK": 3}``; None values are left out so the daemon's defaults apply."""
    out = {}
    for key, value in options.items():
        if value is None:
            continue
        head, *rest = key.split("_")
        out[head + "".join(part[:1].upper() + part[1:] for part in rest)] = value
    return out


def _drop_none(params: Dict[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _text_or_texts(value: Union[str, Sequence[str]], single: str = "text", plural: str = "texts") -> Dict[str, Any]:
    """A string goes as ``text``; a list or tuple as ``texts`` (and the result holds a list per text)."""
    if isinstance(value, str):
        return {single: value}
    return {plural: list(value)}
