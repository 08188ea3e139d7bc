"""Tests of bertd_client against the real daemon (unittest, standard library only).

Run from anywhere: ``python3 Clients/python/test_bertd_client.py``. The daemon binary is ``$BERTD_BIN``,
else ``.build/debug/bertd`` in the package root; without one every daemon test is skipped, unless
``BERTD_REQUIRE=1`` (the Swift test sets it), which turns a missing binary into a failure.
"""

import concurrent.futures
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bertd_client  # noqa: E402
from bertd_client import BertdError, Client, InvalidParams, MethodNotFound, ModelNotLoaded  # noqa: E402

BERTD = os.environ.get("BERTD_BIN") or os.path.join(ROOT, ".build", "debug", "bertd")
TOKEN_MODEL = os.path.join(ROOT, "Tests", "Fixtures", "models", "bert-token")
MLM_MODEL = os.path.join(ROOT, "Tests", "Fixtures", "models", "bert-mlm")
NSP_MODEL = os.path.join(ROOT, "Tests", "Fixtures", "models", "bert-nsp")
REQUIRE = os.environ.get("BERTD_REQUIRE") == "1"

# CJK, an emoji outside the BMP (two UTF-16 units, four UTF-8 bytes) and Latin after it, so a wrong
# unit would shift every later offset.
MIXED = "北京欢迎你😀 hello 世界"


def need_daemon():
    if not os.access(BERTD, os.X_OK):
        message = f"no bertd binary at {BERTD} (build it with `swift build`)"
        if REQUIRE:
            raise AssertionError(message)
        raise unittest.SkipTest(message)


class DaemonTests(unittest.TestCase):
    """One daemon on a private socket for the whole class, with the tiny token-classification model."""

    @classmethod
    def setUpClass(cls):
        need_daemon()
        cls.directory = tempfile.mkdtemp(prefix="bertd-py-")
        cls.socket_path = os.path.join(cls.directory, "bertd.sock")
        cls.log = open(os.path.join(cls.directory, "stderr.log"), "w+b")
        cls.daemon = subprocess.Popen(
            [BERTD, "--socket", cls.socket_path, "--model", f"tok={TOKEN_MODEL}", "--model", f"mlm={MLM_MODEL}",
             "--model", f"nsp={NSP_MODEL}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=cls.log)
        deadline = time.monotonic() + 20
        cls.client = None
        # The socket file appears a moment before the daemon listens: retry until a connection succeeds.
        while cls.client is None:
            try:
                cls.client = Client.connect(cls.socket_path)
            except OSError:
                if cls.daemon.poll() is not None or time.monotonic() > deadline:
                    cls.tearDownClass()
                    raise AssertionError("bertd did not listen on its socket")
                time.sleep(0.01)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "client", None):
            cls.client.close()
        cls.daemon.terminate()
        try:
            cls.daemon.wait(20)
        except subprocess.TimeoutExpired:
            cls.daemon.kill()
            cls.daemon.wait()
        cls.log.close()
        shutil.rmtree(cls.directory, ignore_errors=True)

    def test_fill_mask_and_next_sentence_take_lists(self):
        one = self.client.fill_mask("北京是[MASK]国的首都", model="mlm", top_k=2)
        self.assertEqual(len(one["masks"]), 1)
        text = "北京是[MASK]国的首都"
        mask = one["masks"][0]
        self.assertEqual(text[mask["start"]:mask["end"]], "[MASK]")  # offsets are Python indices
        many = self.client.fill_mask([text, "[MASK]好"], model="mlm")
        self.assertEqual([len(masks) for masks in many["masks"]], [1, 1])
        self.assertEqual(len(many["best"]), 2)
        single = self.client.next_sentence("今天天气很好", "我们去公园吧", model="nsp")["isNext"]
        pairs = self.client.next_sentence(["今天天气很好", "他走了"], ["我们去公园吧", "下雨了"], model="nsp")["isNext"]
        self.assertEqual(len(pairs), 2)
        self.assertAlmostEqual(pairs[0], single, places=5)
        with self.assertRaises(InvalidParams) as caught:
            self.client.next_sentence(["a", "b"], "c", model="nsp")
        self.assertEqual(caught.exception.field, "params.textPairs")

    # MARK: Offsets

    def check_spans(self, text, result, at_least=5):
        """Every non-special token's span, as a Python slice, spells the token (or is one [UNK] character)."""
        checked = 0
        for token in result["tokens"]:
            if token.get("special"):
                continue
            piece = text[token["start"]:token["end"]]
            if token["token"] == "[UNK]":
                self.assertEqual(len(piece), 1, token)
            else:
                self.assertEqual(piece.lower(), token["token"].removeprefix("##"), token)
            checked += 1
        self.assertGreaterEqual(checked, at_least)

    def test_tokenize_offsets_are_python_indices(self):
        result = self.client.tokenize(MIXED)
        self.check_spans(MIXED, result)
        self.assertEqual(result["model"], "tok")
        self.assertEqual(result["count"], len(result["tokens"]))
        by_text = {MIXED[t["start"]:t["end"]]: t for t in result["tokens"] if not t.get("special")}
        self.assertIn("😀", by_text)
        self.assertEqual((by_text["😀"]["start"], by_text["😀"]["end"]), (5, 6))
        # The same request in UTF-16 units differs after the emoji: proof the client asked for code points.
        utf16 = self.client.tokenize(MIXED, encoding="utf-16")
        last, last16 = result["tokens"][-2], utf16["tokens"][-2]
        self.assertEqual(last16["end"], last["end"] + 1)

    def test_tokenize_pair_and_options(self):
        result = self.client.tokenize("你好", text_pair="世界", add_special_tokens=True)
        pair = [t for t in result["tokens"] if t.get("sequence") == 1]
        self.assertEqual([("世界"[t["start"]:t["end"]]) for t in pair], ["世", "界"])
        bare = self.client.tokenize("你好", add_special_tokens=False)
        self.assertFalse(any(t.get("special") for t in bare["tokens"]))

    # MARK: Embeddings

    def test_embed_one_and_many(self):
        one = self.client.embed("北京欢迎你", pooling="mean")
        vector = one["embeddings"]
        self.assertEqual(len(vector), one["dimensions"])
        self.assertAlmostEqual(math.sqrt(sum(x * x for x in vector)), 1.0, places=4)
        many = self.client.embed(["北京欢迎你", "hello"], pooling="cls", normalize=False)
        self.assertEqual(len(many["embeddings"]), 2)
        self.assertNotEqual(many["embeddings"][0], many["embeddings"][1])
        tokens = self.client.embed("你好", pooling="none")["embeddings"]
        self.assertEqual(len(tokens), 4)  # [CLS] 你 好 [SEP]

    # MARK: Errors

    def test_wrong_type_names_the_field(self):
        with self.assertRaises(InvalidParams) as caught:
            self.client.tokenize(5)
        self.assertEqual(caught.exception.code, -32602)
        self.assertEqual(caught.exception.field, "params.text")
        self.assertIsNone(caught.exception.kind)

    def test_unknown_field_names_the_field(self):
        with self.assertRaises(InvalidParams) as caught:
            self.client.embed("x", top_k=3)
        self.assertEqual(caught.exception.field, "params.topK")

    def test_missing_model_has_kind(self):
        with self.assertRaises(ModelNotLoaded) as caught:
            self.client.tokenize("x", model="missing")
        error = caught.exception
        self.assertIsInstance(error, BertdError)
        self.assertEqual((error.code, error.kind), (-32001, "modelNotLoaded"))
        self.assertIn("missing", error.message)
        self.assertEqual(error.method, "annotate/tokenize")

    def test_unknown_method(self):
        with self.assertRaises(MethodNotFound) as caught:
            self.client.call("annotate/nothing")
        self.assertEqual(caught.exception.code, -32601)

    def test_errors_do_not_break_the_connection(self):
        with self.assertRaises(InvalidParams):
            self.client.call("annotate/tokenize", {"text": "x", "extra": True})
        self.assertEqual(self.client.tokenize("好")["model"], "tok")

    # MARK: Models and status

    def test_models_status_reload(self):
        models = self.client.models()
        self.assertEqual([m["name"] for m in models], ["tok", "mlm", "nsp"])
        self.assertIn("tokenize", models[0]["tasks"])
        status = self.client.status()
        self.assertGreater(status["requestsServed"], 0)
        self.assertEqual(self.client.reload("tok")["name"], "tok")
        with self.assertRaises(ModelNotLoaded):
            self.client.reload("absent")

    # MARK: Concurrency

    def test_pipelining_from_eight_threads(self):
        texts = [f"第{i}句 {i * 7919}" for i in range(200)]
        results = [None] * len(texts)
        errors = []

        def worker(start):
            try:
                for index in range(start, len(texts), 8):
                    results[index] = self.client.tokenize(texts[index])
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        for text, result in zip(texts, results):
            spelled = "".join(t["token"].removeprefix("##") for t in result["tokens"] if not t.get("special"))
            self.assertEqual(spelled, text.replace(" ", ""))
            self.check_spans(text, result, at_least=3)

    def test_one_thread_many_in_flight(self):
        texts = [f"{i}号" for i in range(200)]
        futures = [self.client.call_async("annotate/tokenize", {"text": t, "encoding": "utf-32"}) for t in texts]
        self.assertEqual(len({f.request_id for f in futures}), len(texts))
        done, not_done = concurrent.futures.wait(futures, timeout=30)
        self.assertEqual(len(not_done), 0)
        for text, future in zip(texts, futures):
            tokens = [t for t in future.result()["tokens"] if not t.get("special")]
            self.assertEqual("".join(t["token"].removeprefix("##") for t in tokens), text)
        self.assertEqual(self.client.in_flight, 0)

    def test_mixed_successes_and_failures_in_flight(self):
        futures = [self.client.call_async("annotate/tokenize", {"text": "好"} if i % 2 else {"text": i})
                   for i in range(40)]
        for index, future in enumerate(futures):
            if index % 2:
                self.assertEqual(future.result(10)["model"], "tok")
            else:
                self.assertIsInstance(future.exception(10), InvalidParams)

    # MARK: The streaming example

    def test_stream_corpus_example_keeps_input_order(self):
        corpus = os.path.join(self.directory, "corpus.jsonl")
        with open(corpus, "w", encoding="utf-8") as stream:
            for i in range(60):
                stream.write(json.dumps({"body": f"第{i}行"}, ensure_ascii=False) + "\n" if i % 7 else "\n")
        script = os.path.join(HERE, "examples", "stream_corpus.py")
        run = subprocess.run(
            [sys.executable, script, corpus, "--socket", self.socket_path, "--field", "body", "--window", "8",
             "--progress", "0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        records = [json.loads(line) for line in run.stdout.splitlines()]
        expected = [i + 1 for i in range(60) if i % 7]  # blank lines are skipped, numbers kept
        self.assertEqual([r["line"] for r in records], expected)
        for record in records:
            pieces = [t["token"].removeprefix("##") for t in record["result"]["tokens"] if not t.get("special")]
            self.assertEqual("".join(pieces), f"第{record['line'] - 1}行")
        self.assertIn(f"{len(expected)} lines", run.stderr)
        self.assertIn("lines/s", run.stderr)

    # MARK: Connection handling

    def test_connect_uses_bertd_socket_variable(self):
        saved = os.environ.get("BERTD_SOCKET")
        os.environ["BERTD_SOCKET"] = self.socket_path
        try:
            with Client.connect() as client:
                self.assertEqual(client.tokenize("好")["model"], "tok")
        finally:
            if saved is None:
                del os.environ["BERTD_SOCKET"]
            else:
                os.environ["BERTD_SOCKET"] = saved

    def test_closed_client_refuses_calls(self):
        client = Client.connect(self.socket_path)
        client.close()
        client.close()
        self.assertTrue(client.closed)
        with self.assertRaises(ConnectionError):
            client.tokenize("好")


class SpawnTests(unittest.TestCase):
    def test_spawn_speaks_content_length_over_stdio(self):
        need_daemon()
        with Client.spawn(bertd=BERTD, models=[("tok", TOKEN_MODEL)]) as client:
            result = client.tokenize(MIXED)
            by_text = {MIXED[t["start"]:t["end"]]: t for t in result["tokens"] if not t.get("special")}
            self.assertEqual(by_text["世"]["start"], MIXED.index("世"))
            futures = [client.call_async("annotate/tokenize", {"text": f"{i}", "encoding": "utf-32"}) for i in range(50)]
            self.assertEqual([f.result(30)["tokens"][1]["token"] for f in futures[:10]], [str(i) for i in range(10)])
            with self.assertRaises(ModelNotLoaded):
                client.embed("x", model="nope")
            process = client.process
        # close() sent shutdown + exit: an LSP peer that was shut down properly exits with status 0.
        self.assertEqual(process.returncode, 0)

    def test_spawn_failure_is_a_connection_error(self):
        with self.assertRaises(ConnectionError):
            Client.spawn(bertd=os.path.join(tempfile.gettempdir(), "no-such-bertd-binary"))


class SilentServer:
    """A socket that accepts one connection and never answers (or hangs up on request)."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="bertd-py-fake-")
        self.path = os.path.join(self.directory, "fake.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.connection = None
        self.received = b""
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.connection, _ = self.listener.accept()
        self.accepted.set()

    def read_lines(self, count):
        while self.received.count(b"\n") < count:
            self.received += self.connection.recv(65536)
        return [json.loads(line) for line in self.received.splitlines()]

    def close(self):
        if self.connection:
            self.connection.close()
        self.listener.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class PendingRequestTests(unittest.TestCase):
    """What happens to requests in flight when the client closes or the daemon goes away."""

    def setUp(self):
        self.server = SilentServer()
        self.addCleanup(self.server.close)
        self.client = Client.connect(self.server.path)
        self.addCleanup(self.client.close)
        self.assertTrue(self.server.accepted.wait(5))

    def test_close_fails_pending_futures_clearly(self):
        futures = [self.client.call_async("annotate/tokenize", {"text": "好"}) for _ in range(3)]
        sent = self.server.read_lines(3)
        self.assertEqual([m["id"] for m in sent], [f.request_id for f in futures])
        self.assertEqual(sent[0]["params"], {"text": "好"})
        self.client.close()
        for future in futures:
            error = future.exception(5)
            self.assertIsInstance(error, ConnectionError)
            self.assertIn("annotate/tokenize", str(error))
            self.assertIn("closed", str(error))

    def test_daemon_hangup_fails_pending_futures(self):
        future = self.client.call_async("bertd/status")
        self.server.read_lines(1)
        self.server.connection.shutdown(socket.SHUT_RDWR)
        error = future.exception(5)
        self.assertIsInstance(error, ConnectionError)
        self.assertIn("bertd/status", str(error))
        with self.assertRaises(ConnectionError):
            self.client.status()

    def test_call_timeout_sends_cancel_request(self):
        with self.assertRaises(concurrent.futures.TimeoutError):
            self.client.call("annotate/embed", {"text": "x"}, timeout=0.05)
        request, cancel = self.server.read_lines(2)
        self.assertEqual(cancel, {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request["id"]}})

    def test_client_methods_send_utf32_and_camel_case(self):
        answered = threading.Thread(target=self._answer, args=(2,))
        answered.start()
        self.client.answer("谁?", ["甲", "乙"], top_k=2, allow_no_answer=True)
        self.client.correct("今天天气很号", detect_only=True, max_rounds=None)
        answered.join(5)
        answer, correct = [m["params"] for m in self.server.read_lines(2)]
        self.assertEqual(answer, {"question": "谁?", "contexts": ["甲", "乙"], "topK": 2, "allowNoAnswer": True,
                                  "encoding": "utf-32"})
        self.assertEqual(correct, {"text": "今天天气很号", "detectOnly": True, "encoding": "utf-32"})

    def _answer(self, count):
        answered = 0
        while answered < count:
            lines = self.server.read_lines(answered + 1)
            request = lines[answered]
            reply = {"jsonrpc": "2.0", "id": request["id"], "result": {}}
            self.server.connection.sendall(json.dumps(reply).encode() + b"\n")
            answered += 1


class HelperTests(unittest.TestCase):
    def test_default_socket_path(self):
        uid = os.getuid()
        self.assertEqual(bertd_client.default_socket_path({"BERTD_SOCKET": "/x/s.sock", "XDG_RUNTIME_DIR": "/r"}), "/x/s.sock")
        self.assertEqual(bertd_client.default_socket_path({"XDG_RUNTIME_DIR": "/run/user/7"}), "/run/user/7/bertd.sock")
        self.assertEqual(bertd_client.default_socket_path({"XDG_RUNTIME_DIR": ""}), f"/tmp/bertd-{uid}/bertd.sock")

    def test_error_classes_by_kind_then_code(self):
        error = BertdError.from_wire({"code": -32004, "message": "busy", "data": {"kind": "overloaded", "queueDepth": 3}})
        self.assertIsInstance(error, bertd_client.Overloaded)
        self.assertEqual(error.data["queueDepth"], 3)
        self.assertIsInstance(BertdError.from_wire({"code": -32800, "message": "x"}), bertd_client.RequestCancelled)
        plain = BertdError.from_wire({"code": -32099, "message": "new"})
        self.assertIs(type(plain), BertdError)

    def test_camel_case(self):
        self.assertEqual(bertd_client._camel_case({"max_answer_length": 3, "topK": 1, "model": None}),
                         {"maxAnswerLength": 3, "topK": 1})


if __name__ == "__main__":
    unittest.main()
