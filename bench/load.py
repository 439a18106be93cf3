"""Load test: concurrent clients against ``policyqa serve`` and ``policyqa web``, and a re-ingest under load.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.load --report reports/load            # `make load`
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.load --quick --report /tmp/load-quick  # a small check

Both servers run as subprocesses on free loopback ports over a tmp index of the bundled corpus
(nothing under ``var/`` is touched). Phases, each ``--duration`` seconds with ``--clients`` clients:

1. ``api``: HTTP API, ``POST /v1/ask`` (httpx, one client per thread).
2. ``web``: the Gradio chat through Gradio's HTTP queue API (``POST /gradio_api/call/respond``,
   then its SSE stream until ``event: complete``), i.e. the same event a browser triggers.
3. ``reingest``: half the clients on each server while ``policyqa ingest --rebuild`` re-embeds the
   corpus into a new index version; both servers pick it up without a restart.

4. ``churn``: half the clients on the API while documents are uploaded and deleted through it
   (``--churn-cycles`` cycles, each with a DELETE of an unknown id), then a .docx zip bomb whose
   header lies about its size; the API's RSS before and after the cycles, and its peak while
   refusing the bomb.

5. ``replicas`` (with ``--chroma``): two ``policyqa serve`` replicas on one ``chroma run`` server
   (``POLICYQA_CHROMA_URL``), clients spread over both, and a ``policyqa ingest --rebuild`` into the
   server a third of the way in; both replicas must move to the new version.

Questions come from the gold set. Every answer is compared with the one the same server gave
before the load (answers are extractive, so deterministic): a different answer counts as an
error, as do transport errors, non-200 statuses and Gradio error events. Memory is the server
process's VmRSS from /proc, sampled every 0.5 s. Writes ``report.json`` and ``report.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.run import machine_info, percentiles

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "data" / "corpus"
GOLD = ROOT / "eval" / "gold" / "shandong.jsonl"
POLICYQA = Path(sys.executable).parent / "policyqa"
HOST = "127.0.0.1"  # load is only ever aimed at loopback
MAX_REQUESTS_PER_CLIENT = 100_000  # a hard bound on every request loop, besides its deadline
REQUEST_TIMEOUT_S = 120.0

Ask = Callable[[str], str]  # question → answer text (raises on any error)


@dataclass(slots=True)
class Sample:
    at: float  # time.monotonic() when the answer arrived
    latency_ms: float
    error: str | None = None


@dataclass(slots=True)
class Server:
    """A ``policyqa serve``/``policyqa web`` subprocess on a free port."""

    name: str
    args: list[str]
    env: dict[str, str]
    ready_path: str
    port: int = 0
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, log_dir: Path, timeout: float = 300.0) -> None:
        from app.testing import free_port

        self.port = free_port()
        self.log = log_dir / f"{self.name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([str(POLICYQA), *self.args, "--host", HOST, "--port", str(self.port)],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)

    def _ready(self) -> bool:
        try:
            return httpx.get(self.url + self.ready_path, timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def rss_mib(self) -> float | None:
        """Resident memory of the server process (VmRSS in /proc/PID/status)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except (OSError, AttributeError):
            return None
        kib = next((int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:")), None)
        return round(kib / 1024, 1) if kib is not None else None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


# ---- one question, per server kind -----------------------------------------------------------


def api_asker(url: str) -> tuple[Ask, Callable[[], None]]:
    client = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S)

    def ask(question: str) -> str:
        r = client.post("/v1/ask", json={"question": question})
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        return r.json()["answer"]

    return ask, client.close


def web_asker(url: str) -> tuple[Ask, Callable[[], None]]:
    """The chat event through Gradio's queue API; the answer is the last chat message's text."""
    client = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S)

    def ask(question: str) -> str:
        r = client.post("/gradio_api/call/respond", json={"data": [question]})
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        event, data = _last_sse_event(client, f"/gradio_api/call/respond/{r.json()['event_id']}")
        if event != "complete":
            raise RuntimeError(f"gradio event {event}: {data[:200]}")
        messages = json.loads(data)[0]
        return _message_text(messages[-1]["content"]) if messages else ""

    return ask, client.close


def _last_sse_event(client: httpx.Client, path: str) -> tuple[str, str]:
    event, data = "", ""
    with client.stream("GET", path) as r:
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code} on the event stream")
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            if event in ("complete", "error") and data and line.startswith("data:"):
                break
    return event, data


def _message_text(content: Any) -> str:
    """Gradio 6 sends message content as a list of {"type": "text", "text": ...} parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


# ---- load -------------------------------------------------------------------------------------


def run_clients(make_asker: Callable[[], tuple[Ask, Callable[[], None]]], n_clients: int,
                done: Callable[[], bool], questions: Sequence[str], expected: dict[str, str],
                hard_limit_s: float) -> list[Sample]:
    """``n_clients`` threads ask in a loop until ``done()`` (and at most ``hard_limit_s`` s and
    MAX_REQUESTS_PER_CLIENT requests each); an answer that differs from ``expected`` is an error."""
    samples: list[Sample] = []
    deadline = time.monotonic() + hard_limit_s

    def client(offset: int) -> None:
        ask, close = make_asker()
        try:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if done() or time.monotonic() >= deadline:
                    return
                samples.append(_timed(ask, questions[(offset + i) % len(questions)], expected))
        finally:
            close()

    threads = [threading.Thread(target=client, args=(k * 7,), daemon=True) for k in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=hard_limit_s + REQUEST_TIMEOUT_S + 30)
    return samples


def _timed(ask: Ask, question: str, expected: dict[str, str]) -> Sample:
    t0 = time.perf_counter()
    try:
        answer = ask(question)
        error = None if answer == expected.get(question, answer) else f"answer changed for {question!r}"
    except Exception as ex:  # noqa: BLE001 - every failure is counted, with its text
        error = f"{type(ex).__name__}: {ex}"[:300]
    return Sample(time.monotonic(), (time.perf_counter() - t0) * 1000, error)


class RssSampler:
    """VmRSS of a server every ``interval`` s while the load runs."""

    def __init__(self, server: Server, interval: float = 0.5) -> None:
        self.server, self.interval = server, interval
        self.values: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if (v := self.server.rss_mib()) is not None:
                self.values.append(v)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def summarize(samples: Sequence[Sample], elapsed: float, rss_before: float | None, rss_after: float | None,
              rss_peak: Sequence[float]) -> dict[str, Any]:
    errors = [s.error for s in samples if s.error]
    return {"requests": len(samples), "errors": len(errors), "error_examples": sorted(set(errors))[:5],
            "elapsed_s": round(elapsed, 1), "throughput_rps": round(len(samples) / elapsed, 2) if elapsed else 0,
            "latency_ms": percentiles([s.latency_ms for s in samples]),
            "rss_mib": {"before": rss_before, "after": rss_after, "peak": max(rss_peak, default=None),
                        "growth": round(rss_after - rss_before, 1) if rss_before and rss_after else None}}


# ---- phases -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Env:
    tmp: Path
    env: dict[str, str]
    questions: list[str]
    clients: int
    duration: float
    servers: dict[str, Server] = field(default_factory=dict)
    expected: dict[str, dict[str, str]] = field(default_factory=dict)  # server → question → answer


ASKERS = {"api": api_asker, "web": web_asker}


def baseline(env: Env, name: str) -> dict[str, str]:
    """Each question asked once, one at a time, before the load (also warms the server up)."""
    ask, close = ASKERS[name](env.servers[name].url)
    try:
        return {q: ask(q) for q in env.questions}
    finally:
        close()


def phase_single(env: Env, name: str) -> dict[str, Any]:
    server = env.servers[name]
    before = server.rss_mib()
    t0 = time.monotonic()
    with RssSampler(server) as rss:
        samples = run_clients(lambda: ASKERS[name](server.url), env.clients,
                              lambda: time.monotonic() - t0 >= env.duration, env.questions, env.expected[name],
                              env.duration)
    elapsed = time.monotonic() - t0
    return {"target": f"policyqa {'serve' if name == 'api' else 'web'}", "clients": env.clients,
            **summarize(samples, elapsed, before, server.rss_mib(), rss.values)}


REINGEST_SETTLE_S = 10.0  # clients keep asking this long after the ingest, across the reload


def phase_reingest(env: Env) -> dict[str, Any]:
    """Half the clients on each server while ``policyqa ingest --rebuild`` re-embeds the corpus
    into a new version; they go on for at least ``duration`` s and until the reload is behind them."""
    version_before = _index_version(env.servers["api"])
    finished: list[float] = []
    t0 = time.monotonic()

    def done() -> bool:
        return bool(finished) and time.monotonic() >= max(t0 + env.duration, finished[0] + REINGEST_SETTLE_S)

    results: dict[str, list[Sample]] = {}
    threads = [threading.Thread(target=lambda n=name: results.__setitem__(n, run_clients(
        lambda: ASKERS[n](env.servers[n].url), max(1, env.clients // 2), done, env.questions, env.expected[n],
        hard_limit_s=env.duration * 20 + 900))) for name in ASKERS]
    for t in threads:
        t.start()
    ingest = subprocess.run([str(POLICYQA), "ingest", "--rebuild", str(CORPUS_DIR)], env=env.env,
                            capture_output=True, text=True, timeout=env.duration * 20 + 600)
    finished.append(time.monotonic())
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    ingest_s = finished[0] - t0
    during = {n: [s for s in samples if s.at <= finished[0]] for n, samples in results.items()}
    return {"clients": max(1, env.clients // 2) * len(ASKERS), "ingest_exit_code": ingest.returncode,
            "ingest_output": (ingest.stdout.strip().splitlines() or [""])[-1:], "ingest_s": round(ingest_s, 1),
            "api_version_before": version_before, "api_version_after": _index_version(env.servers["api"]),
            "answers_during_ingest": {n: len(v) for n, v in during.items()},
            "errors_during_ingest": {n: sum(1 for s in v if s.error) for n, v in during.items()},
            **{n: summarize(samples, elapsed, None, env.servers[n].rss_mib(), []) for n, samples in results.items()}}


CHURN_POLICY = """青岛市负载测试第{i}号工作方案

一、重点任务

1.建设第{i}号测试平台。2023年底前建成测试平台不少于{i}个。(市测试局负责)
"""
BOMB_INFLATED_MB = 1500  # inflates to 1.5 GB, declares 1,000 bytes (about 1.5 MB on the wire)


def phase_churn(env: Env, cycles: int) -> dict[str, Any]:
    """Upload + delete cycles (and unknown-id deletes) through the API while clients ask; then a
    lying zip bomb. Reports the asks, the writes that went wrong and the API's memory."""
    server = env.servers["api"]
    before = server.rss_mib()
    stop: list[bool] = []
    asked: list[list[Sample]] = []
    t0 = time.monotonic()
    with RssSampler(server) as rss:
        askers = threading.Thread(target=lambda: asked.append(run_clients(
            lambda: api_asker(server.url), max(1, env.clients // 2), lambda: bool(stop), env.questions,
            env.expected["api"], hard_limit_s=env.duration * 20 + 900)))
        askers.start()
        try:
            write_errors = _churn(server.url, cycles)
        finally:
            stop.append(True)
            askers.join()
    elapsed = time.monotonic() - t0
    after = server.rss_mib()
    return {"clients": max(1, env.clients // 2), "cycles": cycles, "write_errors": write_errors,
            **summarize(asked[0] if asked else [], elapsed, before, after, rss.values), "bomb": _bomb(server)}


def _churn(url: str, cycles: int) -> list[str]:
    errors = []
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as c:
        for i in range(1, cycles + 1):
            name = f"load-churn-{i}.txt"
            steps = [("upload", c.post("/v1/documents", files=[("files", (name, CHURN_POLICY.format(i=i).encode(),
                                                                          "text/plain"))]), 201),
                     ("delete", c.delete(f"/v1/documents/{name}"), 200),
                     ("unknown delete", c.delete(f"/v1/documents/no-such-document-{i}"), 404)]
            errors += [f"{what} {name}: HTTP {r.status_code} {r.text[:200]}" for what, r, ok in steps if r.status_code != ok]
    return errors


def _bomb(server: Server) -> dict[str, Any]:
    """Upload a .docx inflating to BOMB_INFLATED_MB while declaring 1,000 bytes; RSS before and peak."""
    import io
    import struct
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("word/document.xml", "w") as f:
            for _ in range(BOMB_INFLATED_MB):
                f.write(bytes(1 << 20))
    data = bytearray(buf.getvalue())
    entry = data.rfind(b"PK\x01\x02")  # the last central-directory entry: word/document.xml
    data[entry + 24:entry + 28] = struct.pack("<I", 1000)
    before = server.rss_mib()
    with RssSampler(server, interval=0.05) as rss:
        r = httpx.post(server.url + "/v1/documents", files=[("files", ("bomb.docx", bytes(data), "application/octet-stream"))],
                       timeout=REQUEST_TIMEOUT_S)
    refused = r.status_code == 422 and "实际内容超过文件声明的大小" in r.text
    peak = max(rss.values, default=before)
    return {"upload_mib": round(len(data) / 2 ** 20, 2), "inflates_to_mib": BOMB_INFLATED_MB, "refused": refused,
            "status": r.status_code, "rss_before_mib": before, "rss_peak_mib": peak,
            "rss_growth_mib": round(peak - before, 1) if before and peak else None}


def _index_version(server: Server) -> str | None:
    """The index version the API server is on (its /healthz)."""
    return httpx.get(server.url + "/healthz", timeout=60).json().get("index_version")


def start_chroma(tmp: Path, timeout: float = 120.0) -> tuple[subprocess.Popen, str]:
    """``chroma run --path TMP --host 127.0.0.1 --port FREE``, once its heartbeat answers."""
    from app.testing import free_port

    port = free_port()
    url = f"http://{HOST}:{port}"
    with (tmp / "chroma.log").open("wb") as out:
        proc = subprocess.Popen([str(POLICYQA.parent / "chroma"), "run", "--path", str(tmp / "chroma"), "--host",
                                 HOST, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("chroma run did not start: " + (tmp / "chroma.log").read_text(errors="replace")[-2000:])
        time.sleep(0.3)


def phase_replicas(env: Env) -> dict[str, Any]:
    """Two API replicas on one Chroma server; clients alternate between them; a re-ingest into
    the server starts a third of the way in. Both replicas must answer as before and move on."""
    chroma, url = start_chroma(env.tmp)
    server_env = {**env.env, "POLICYQA_CHROMA_URL": url}
    replicas = [Server(f"replica{i}", ["serve"], server_env, "/healthz") for i in range(2)]
    try:
        subprocess.run([str(POLICYQA), "ingest", str(CORPUS_DIR)], env=server_env, check=True,
                       capture_output=True, timeout=1800)
        for r in replicas:
            r.start(env.tmp)
        expected = baseline(Env(env.tmp, server_env, env.questions, 0, 0, {"api": replicas[0]}), "api")
        before = [r.rss_mib() for r in replicas]
        return {"clients": env.clients, "chroma_url": url, "replica_rss_before_mib": before,
                **_replicas_under_load(env, server_env, replicas, expected)}
    finally:
        for r in replicas:
            r.stop()
        chroma.kill()
        chroma.wait(timeout=30)


def _replicas_under_load(env: Env, server_env: dict[str, str], replicas: list[Server],
                         expected: dict[str, str]) -> dict[str, Any]:
    versions_before = [_index_version(r) for r in replicas]
    picks = iter(range(10 ** 9))
    finished: list[float] = []
    t0 = time.monotonic()

    def ingest() -> None:
        time.sleep(env.duration / 3)
        subprocess.run([str(POLICYQA), "ingest", "--rebuild", str(CORPUS_DIR)], env=server_env,
                       capture_output=True, timeout=env.duration * 20 + 600)
        finished.append(time.monotonic())

    writer = threading.Thread(target=ingest, daemon=True)
    writer.start()
    samples = run_clients(lambda: api_asker(replicas[next(picks) % len(replicas)].url), env.clients,
                          lambda: bool(finished) and time.monotonic() >= max(t0 + env.duration,
                                                                              finished[0] + REINGEST_SETTLE_S),
                          env.questions, expected, hard_limit_s=env.duration * 20 + 900)
    writer.join(timeout=60)
    elapsed = time.monotonic() - t0
    return {"ingest_s": round(finished[0] - t0 - env.duration / 3, 1) if finished else None,
            "versions_before": versions_before, "versions_after": [_index_version(r) for r in replicas],
            **summarize(samples, elapsed, None, replicas[0].rss_mib(), [])}


# ---- setup and report -------------------------------------------------------------------------


def load_questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows][:limit]


def prepare(tmp: Path, args: argparse.Namespace) -> Env:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False", "POLICYQA_INDEX_DIR": str(tmp / "index"),
           "POLICYQA_DATA_DIR": str(tmp / "data")}
    for name in ("POLICYQA_CHROMA_URL", "POLICYQA_API_KEY", "POLICYQA_AUTH"):
        env.pop(name, None)
    subprocess.run([str(POLICYQA), "ingest", str(CORPUS_DIR)], env=env, check=True, capture_output=True,
                   timeout=1800)
    e = Env(tmp, env, load_questions(args.questions), args.clients, args.duration)
    e.servers = {"api": Server("api", ["serve"], env, "/healthz"), "web": Server("web", ["web"], env, "/")}
    for server in e.servers.values():
        server.start(tmp)
    for name in e.servers:
        e.expected[name] = baseline(e, name)
    return e


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": machine_info(), "clients": args.clients, "duration_s": args.duration,
                              "questions": args.questions, "phases": {}}
    with tempfile.TemporaryDirectory(prefix="policyqa-load-") as tmp:
        env = prepare(Path(tmp), args)
        try:
            report["rss_after_warmup_mib"] = {n: s.rss_mib() for n, s in env.servers.items()}
            for name in ASKERS:
                print(f"[load] {name}: {args.clients} clients × {args.duration:g} s", file=sys.stderr, flush=True)
                report["phases"][name] = phase_single(env, name)
            print("[load] re-ingest under load", file=sys.stderr, flush=True)
            report["phases"]["reingest"] = phase_reingest(env)
            print(f"[load] upload/delete churn: {args.churn_cycles} cycles, then a zip bomb", file=sys.stderr, flush=True)
            report["phases"]["churn"] = phase_churn(env, args.churn_cycles)
            report["rss_end_mib"] = {n: s.rss_mib() for n, s in env.servers.items()}
        finally:
            for server in env.servers.values():
                server.stop()
        if args.chroma:
            print("[load] two API replicas on one Chroma server", file=sys.stderr, flush=True)
            report["phases"]["replicas"] = phase_replicas(env)
    report["ok"] = _ok(report)
    return report


BOMB_RSS_LIMIT_MIB = 200  # refusing the 1.5 GB bomb may not grow the server by more than this


def _ok(report: dict[str, Any]) -> bool:
    p = report["phases"]
    reingest = p["reingest"]
    replicas = p.get("replicas")
    if replicas and (replicas["errors"] or len(set(replicas["versions_after"])) != 1
                     or set(replicas["versions_after"]) & set(replicas["versions_before"])):
        return False
    churn = p.get("churn")
    if churn and (churn["errors"] or churn["write_errors"] or not churn["bomb"]["refused"]
                  or (churn["bomb"]["rss_growth_mib"] or 0) > BOMB_RSS_LIMIT_MIB):
        return False
    return (all(p[n]["errors"] == 0 and p[n]["requests"] > 0 for n in ASKERS)
            and all(reingest[n]["errors"] == 0 for n in ASKERS) and reingest["ingest_exit_code"] == 0
            and all(v > 0 for v in reingest["answers_during_ingest"].values())
            and reingest["api_version_after"] != reingest["api_version_before"])


def render_md(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"# PolicyQA load test — {m['date']}", "",
             f"{m['nproc']} CPU(s) ({m['cpu_model']}), Python {m['python']}, commit {m['git']}. "
             f"{r['clients']} concurrent clients, {r['duration_s']:g} s per phase, {r['questions']} gold questions "
             "in rotation; every answer checked against the server's own answer before the load.", "",
             "| phase | requests | errors | throughput (req/s) | p50 ms | p95 ms | p99 ms | max ms "
             "| RSS before → after (peak) MiB |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name in ASKERS:
        lines.append(_md_row(r["phases"][name]["target"], r["phases"][name]))
    ri = r["phases"]["reingest"]
    for name in ASKERS:
        lines.append(_md_row(f"{name} during re-ingest", ri[name]))
    table_end = len(lines)  # more rows go here, their notes below
    lines += ["", f"Re-ingest (`policyqa ingest --rebuild`, exit {ri['ingest_exit_code']}) took {ri['ingest_s']} s "
              f"under load; answers that arrived during it: {ri['answers_during_ingest']}, errors among them: "
              f"{ri['errors_during_ingest']}; API index version {ri['api_version_before']} → {ri['api_version_after']}.",
              ""]
    if churn := r["phases"].get("churn"):
        lines.insert(table_end, _md_row(f"API during {churn['cycles']} upload/delete cycles", churn))
        table_end += 1
        b = churn["bomb"]
        lines += [f"Upload/delete churn: {churn['cycles']} cycles (each upload, delete and unknown-id delete), "
                  f"write errors: {len(churn['write_errors'])}; API RSS {churn['rss_mib']['before']} → "
                  f"{churn['rss_mib']['after']} MiB. Zip bomb ({b['upload_mib']} MB inflating to "
                  f"{b['inflates_to_mib']} MB, header declaring 1,000 bytes): "
                  f"{'refused' if b['refused'] else 'NOT refused (HTTP ' + str(b['status']) + ')'}, RSS "
                  f"{b['rss_before_mib']} → peak {b['rss_peak_mib']} MiB.", ""]
        for ex in churn["write_errors"][:5]:
            lines.append(f"- churn write: {ex}")
    if rep := r["phases"].get("replicas"):
        lines.insert(table_end, _md_row("2 API replicas on one Chroma server, re-ingest at 1/3", rep))
        lines += [f"Replicas: index versions {rep['versions_before']} → {rep['versions_after']}, "
                  f"re-ingest into the server took {rep['ingest_s']} s under load.", ""]
    lines.append(f"Result: {'PASS' if r['ok'] else 'FAIL'}.")
    phases = [*((n, r["phases"][n]) for n in ASKERS), *((f"reingest/{n}", ri[n]) for n in ASKERS),
              *((("churn", churn),) if churn else ()),
              *((("replicas", rep),) if rep else ())]
    for name, phase in phases:
        for ex in phase["error_examples"]:
            lines.append(f"- {name}: {ex}")
    return "\n".join(lines) + "\n"


def _md_row(label: str, p: dict[str, Any]) -> str:
    lat, rss = p["latency_ms"], p["rss_mib"]
    mem = f"{rss['before']} → {rss['after']} ({rss['peak']})" if rss["before"] else f"– → {rss['after']}"
    return (f"| {label} | {p['requests']} | {p['errors']} | {p['throughput_rps']} | {lat.get('p50', '–')} | "
            f"{lat.get('p95', '–')} | {lat.get('p99', '–')} | {lat.get('max', '–')} | {mem} |")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="PolicyQA load test (API and web chat, re-ingest under load)")
    p.add_argument("--report", type=Path, default=ROOT / "reports" / "load", help="output folder")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients per phase (default 20)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds per phase (default 60)")
    p.add_argument("--questions", type=int, default=60, help="gold questions in rotation (default 60)")
    p.add_argument("--churn-cycles", type=int, default=12, help="upload/delete cycles through the API (default 12)")
    p.add_argument("--quick", action="store_true", help="4 clients, 10 s, 10 questions, 3 cycles: a smoke run")
    p.add_argument("--chroma", action="store_true",
                   help="also run two API replicas on one `chroma run` server (server mode)")
    args = p.parse_args(argv)
    if args.quick:
        args.clients, args.duration, args.questions, args.churn_cycles = 4, 10.0, 10, 3
    report = run(args)
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (args.report / "report.md").write_text(render_md(report), encoding="utf-8")
    print(render_md(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
