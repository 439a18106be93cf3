"""The chat model behind generative answers: one client path (langchain's ``ChatOpenAI``) for
every backend.

- ``openai:<model>``: any OpenAI-compatible server (vLLM, Ollama, DeepSeek, Qwen) at
  ``POLICYQA_LLM_BASE_URL`` with ``POLICYQA_LLM_API_KEY``.
- ``llamacpp:<path.gguf | parted model name>``: a local file served by llama-cpp-python's
  bundled OpenAI-compatible server, started once per process on a free loopback port.

Connection failures and timeouts become :class:`LLMUnavailable` (a Chinese message), so the
caller can serve the extractive answer instead of a traceback.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from app.config import Settings
from app.errors import AssistantError
from app.generative.model_files import resolve_model

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # a short answer is one or two sentences; this bounds a runaway generation
N_CTX = 4096  # room for the system prompt, four clauses and the answer
STARTUP_TIMEOUT_S = 180.0  # loading a 1.5B model on 2 busy cores can take a while
LOCAL_ALIAS = "local"


class LLMUnavailable(AssistantError):
    """The LLM server is down, slow or failing; the extractive answer is served instead."""


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    first_token_s: float  # time to first token
    total_s: float
    tokens: int  # output tokens (streamed chunks when the server reports no usage)

    @property
    def tokens_per_s(self) -> float:
        gen = self.total_s - self.first_token_s
        return (self.tokens - 1) / gen if self.tokens > 1 and gen > 0 else 0.0


def parse_spec(spec: str) -> tuple[str, str]:
    """``"openai:qwen2.5"`` → ``("openai", "qwen2.5")``.

    :raises ValueError: for an unknown backend or an empty target.
    """
    backend, _, target = spec.partition(":")
    if backend not in _BACKENDS or not target.strip():
        raise ValueError(f"POLICYQA_LLM must be one of {', '.join(f'{b}:…' for b in _BACKENDS)}; got {spec!r}")
    return backend, target.strip()


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model ``settings.llm`` names, with greedy decoding and the configured timeout."""
    if not settings.llm:
        raise ValueError("settings.llm is not set: the extractive answerer needs no chat model")
    backend, target = parse_spec(settings.llm)
    return _BACKENDS[backend](target, settings)


def _chat_openai(model: str, base_url: str | None, api_key: str | None, timeout: float) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # temperature 0 and a fixed seed: the same question gets the same answer (and tests can
    # assert on it). No client retries: a down server should fall back at once, not in 3×timeout.
    # The limit goes as "max_tokens" in the body: langchain would send "max_completion_tokens",
    # which llama.cpp's server (and older vLLM/Ollama) silently ignore.
    return ChatOpenAI(model=model, base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                      max_retries=0, temperature=0, seed=0, stream_usage=True, extra_body={"max_tokens": MAX_TOKENS})


def _openai_backend(model: str, settings: Settings) -> BaseChatModel:
    return _chat_openai(model, settings.llm_base_url, settings.llm_api_key, settings.llm_timeout)


def _llamacpp_backend(target: str, settings: Settings) -> BaseChatModel:
    server = local_server(resolve_model(target))
    return _chat_openai(LOCAL_ALIAS, server.base_url, None, settings.llm_timeout)


_BACKENDS: dict[str, Callable[[str, Settings], BaseChatModel]] = {
    "openai": _openai_backend,
    "llamacpp": _llamacpp_backend,
}


def complete(model: BaseChatModel, messages: Sequence[BaseMessage], timeout: float) -> Completion:
    """Stream one reply to its end, timing the first token; the guard needs the whole text.

    :raises LLMUnavailable: when the server cannot be reached, errs, or takes over ``timeout`` s.
    """
    t0 = time.perf_counter()
    first, pieces, usage = 0.0, [], 0
    try:
        for chunk in model.stream(list(messages)):
            if chunk.content and not first:
                first = time.perf_counter() - t0
            pieces.append(str(chunk.content))
            usage = (chunk.usage_metadata or {}).get("output_tokens", usage)
            # The client's timeout is per read; a server that trickles tokens needs a total bound.
            if time.perf_counter() - t0 > timeout:
                raise LLMUnavailable(f"生成模型响应超时(超过{timeout:g}秒)")
    except (openai.APITimeoutError, httpx.TimeoutException) as ex:
        raise LLMUnavailable(f"生成模型响应超时(超过{timeout:g}秒)") from ex
    except (openai.APIConnectionError, httpx.TransportError) as ex:
        raise LLMUnavailable("无法连接生成模型服务") from ex
    except openai.APIStatusError as ex:
        raise LLMUnavailable(f"生成模型服务返回错误({ex.status_code})") from ex
    total = time.perf_counter() - t0
    return Completion("".join(pieces), first or total, total, usage or sum(1 for p in pieces if p))


# ---- the local llama.cpp server -----------------------------------------------------------

@dataclass
class LocalServer:
    model: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)  # kept only while it may explain a failure


# The server, with a watchdog that ends it when its parent is gone: atexit does not run when
# the web server is killed, and an orphan would keep ~1 GB and a port. (PR_SET_PDEATHSIG would
# fire when the *thread* that started it ends, and web frameworks retire idle worker threads.)
_CHILD = """\
import os, runpy, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""

_SERVERS: dict[Path, LocalServer] = {}
_LOCK = threading.Lock()


def local_server(model: Path) -> LocalServer:
    """The llama.cpp server for ``model``, started on first use and reused for the process;
    a server that died is started again."""
    with _LOCK:
        server = _SERVERS.get(model)
        if server is None or not server.alive():
            server = _start_server(model)
            _SERVERS[model] = server
        return server


def stop_local_servers() -> None:
    with _LOCK:
        for server in _SERVERS.values():
            server.stop()
        _SERVERS.clear()


atexit.register(stop_local_servers)


def _start_server(model: Path) -> LocalServer:
    try:
        import llama_cpp.server  # noqa: F401 - only to fail early with a clear message
    except ImportError as ex:
        raise LLMUnavailable("未安装 llama-cpp-python[server],请先运行 make setup-llm") from ex
    port = _free_port()
    threads = str(local_threads())
    cmd = [sys.executable, "-c", _CHILD, "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(N_CTX), "--n_threads", threads, "--n_threads_batch", threads,
           "--model_alias", LOCAL_ALIAS, "--verbose", "False"]
    log_fd, log_name = tempfile.mkstemp(prefix="policyqa-llama-", suffix=".log")
    # Output goes to a file, not a pipe nobody reads (a full pipe would block the server).
    process = subprocess.Popen(cmd, stdout=log_fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    os.close(log_fd)
    server = LocalServer(model, port, process, Path(log_name))
    log.info("starting llama.cpp server for %s on port %d (log: %s)", model.name, port, log_name)
    _wait_ready(server)
    return server


def local_threads() -> int:
    """``$POLICYQA_LLM_THREADS``, else all cores but one. llama.cpp threads wait for each other
    at every step: on 2 cores shared with the web server and the embedder, 1 thread measured
    3.5× faster than 2 (480-token prompt: 7.2 s against 25.4 s)."""
    env = os.environ.get("POLICYQA_LLM_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else max(1, (os.cpu_count() or 1) - 1)


def _wait_ready(server: LocalServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not server.alive():
            tail = server.log_path.read_text(encoding="utf-8", errors="replace")[-800:]
            raise LLMUnavailable(f"本地生成模型服务启动失败:{tail.strip() or server.process.returncode}")
        try:
            if httpx.get(f"{server.base_url}/models", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.stop()
    raise LLMUnavailable(f"本地生成模型服务在{STARTUP_TIMEOUT_S:g}秒内未就绪")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
