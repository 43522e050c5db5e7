"""LLM rewriting of the corpus: caching, fallback counting and rejection, against the real
stories260K, called in-process and behind a small OpenAI-compatible server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llm4es_training.cli import main as llm4es_train
from llm4es_training.rewrite import (
    OpenAIChatBackend,
    RewriteCache,
    Rewriter,
    Sampling,
    TransformersBackend,
    keeps_every_event,
)

from support import STORIES260K_DIR

SAMPLING = Sampling(max_new_tokens=24)
# stories260K tells stories: it will not copy dates and amounts, so users with facts are rejected,
# and a user without facts (no date or number fields) is accepted with any non-empty answer.
CORPUS = [
    {
        "user_id": 1,
        "text": "date|amount\n2024-01-02, 12.50\n2024-01-03, 7.00",
        "events": 2,
        "rendering": "lines",
        "unknown_codes": 0,
        "facts": [["2024-01-02", "12.50"], ["2024-01-03", "7.00"]],
    },
    {
        "user_id": 2,
        "text": "merchant\nOnce upon a time\nthe cat",
        "events": 2,
        "rendering": "lines",
        "unknown_codes": 0,
        "facts": [[], []],
    },
    {"user_id": 3, "text": "note\nEMPTY", "events": 1, "rendering": "lines", "unknown_codes": 0, "facts": [[]]},
    {"user_id": 4, "text": "note\nFAIL", "events": 1, "rendering": "lines", "unknown_codes": 0, "facts": [[]]},
]


def write_corpus(path):
    path.write_text("".join(json.dumps(r) + "\n" for r in CORPUS), encoding="utf-8")
    (path.parent / (path.name + ".serializer.json")).write_text('{"fields": [{"name": "note"}]}', encoding="utf-8")
    return path


def read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def stories():
    return TransformersBackend(STORIES260K_DIR)


class CountingBackend:
    """Counts the calls that reach the model, so the test can tell cache hits from generations."""

    def __init__(self, inner):
        self.inner, self.identity, self.calls = inner, inner.identity, 0

    def complete(self, instruction, text, sampling, seed):
        self.calls += 1
        return self.inner.complete(instruction, text, sampling, seed)


@pytest.fixture(scope="module")
def server(stories):
    """An OpenAI-compatible chat endpoint over stories260K; 'EMPTY' and 'FAIL' in a history make it
    answer with empty content or HTTP 500, to drive the fallbacks."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            text = body["messages"][-1]["content"]
            if self.path != "/v1/chat/completions" or "FAIL" in text:
                self.send_error(500, "model crashed")
                return
            sampling = Sampling(body["temperature"], body["top_p"], body["max_tokens"])
            answer = (
                ""
                if "EMPTY" in text
                else stories.complete(body["messages"][0]["content"], text, sampling, body["seed"])
            )
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


def test_a_rewrite_must_keep_every_event_date_and_amount():
    facts = [["2024-01-02", "12.50"], ["2024-01-03", "12.50"]]
    assert keeps_every_event("On 2024-01-02 they paid 12.50; on 2024-01-03 again 12.50.", facts)
    assert not keeps_every_event("On 2024-01-02 and 2024-01-03 they paid 12.50.", facts), "one 12.50 event lost"
    assert not keeps_every_event("On 2024-01-02 they paid 112.50 and 12.500, 2024-01-03", facts)
    assert keeps_every_event("anything", [[], []])


def test_endpoint_rewrites_caches_and_counts_every_fallback(server, tmp_path):
    url, requests = server
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    rewriter = Rewriter(OpenAIChatBackend(url, "stories260k"), RewriteCache(tmp_path / "cache"), SAMPLING)
    stats = rewriter.rewrite_corpus(corpus, tmp_path / "out.jsonl")
    assert (stats.users, stats.rewritten, stats.rejected, stats.empty, stats.failed) == (4, 1, 1, 1, 1)
    assert stats.model_calls == 4 and stats.cache_hits == 0
    assert requests[0]["temperature"] == 0.6 and requests[0]["top_p"] == 0.9
    out = read(tmp_path / "out.jsonl")
    assert [r["user_id"] for r in out] == [1, 2, 3, 4]
    assert out[0]["text"] == CORPUS[0]["text"] and out[0]["rewrite_status"].startswith("rejected")
    assert out[1]["rendering"] == "rewrite" and out[1]["text"].strip() and out[1]["text"] != CORPUS[1]["text"]
    assert out[2]["text"] == CORPUS[2]["text"] and out[2]["rewrite_status"] == "empty"
    assert out[3]["text"] == CORPUS[3]["text"] and out[3]["rewrite_status"].startswith("failed")
    report = json.loads((tmp_path / "out.jsonl.rewrite.json").read_text())
    assert report["counts"]["fallbacks"] == 3
    assert (tmp_path / "out.jsonl.serializer.json").read_text() == '{"fields": [{"name": "note"}]}'

    # answers are cached (failures are not): a rerun asks the server only for the failed user
    before = len(requests)
    again = rewriter.rewrite_corpus(corpus, tmp_path / "again.jsonl")
    assert again.cache_hits == 3 and again.model_calls == 1 and len(requests) == before + 1
    assert read(tmp_path / "again.jsonl") == out


def test_in_process_model_and_the_share_of_users_rewritten(stories, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    backend = CountingBackend(stories)
    rewriter = Rewriter(backend, RewriteCache(tmp_path / "cache"), SAMPLING, share=0.5, seed=3)
    stats = rewriter.rewrite_corpus(corpus, tmp_path / "out.jsonl")
    chosen = [r["user_id"] for r in CORPUS if rewriter.selected(str(r["user_id"]))]
    assert stats.not_selected == 4 - len(chosen) and backend.calls == len(chosen)
    assert chosen == [
        r["user_id"] for r in CORPUS if Rewriter(backend, rewriter.cache, share=0.5, seed=3).selected(str(r["user_id"]))
    ]
    for row, original in zip(read(tmp_path / "out.jsonl"), CORPUS):
        if row["user_id"] not in chosen:
            assert row == original
    # same text, same seed: the in-process answer is reproducible, so a cold cache gives the same corpus
    cold = Rewriter(stories, RewriteCache(tmp_path / "cold"), SAMPLING, share=0.5, seed=3)
    cold.rewrite_corpus(corpus, tmp_path / "cold.jsonl")
    assert read(tmp_path / "cold.jsonl") == read(tmp_path / "out.jsonl")


def test_cli_falls_back_when_the_endpoint_is_unreachable(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    code = llm4es_train(
        [
            "rewrite",
            "--corpus",
            str(corpus),
            "--out",
            str(tmp_path / "out.jsonl"),
            "--cache",
            str(tmp_path / "c"),
            "--endpoint",
            "http://127.0.0.1:9",
            "--model",
            "m",
            "--max-new-tokens",
            "8",
        ]
    )
    assert code == 0
    assert "fallbacks 4 (failed 4" in capsys.readouterr().out
    assert [r["text"] for r in read(tmp_path / "out.jsonl")] == [r["text"] for r in CORPUS]
