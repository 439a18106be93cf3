"""Web login back-off (issue 19): the real Gradio app, logged into over HTTP from two loopback
addresses (127.0.0.1 and 127.0.0.2 both reach a server on 127.0.0.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from app.login import BASE_DELAY_S, FREE_FAILURES
from app.testing import free_port
from app.web import launch

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def web(bundled_index: Settings) -> Iterator[str]:
    port = free_port()
    demo = launch(bundled_index.model_copy(update={"auth": "staff:s3cret,admin:pw2"}), "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


def _client(url: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=source))


def _login(c: httpx.Client, password: str, user: str = "staff") -> httpx.Response:
    return c.post("/login", data={"username": user, "password": password})


def test_repeated_wrong_passwords_make_that_address_wait(web: str) -> None:
    """Issue 19: 200 wrong passwords took 0.4 s and the right one worked right after. Now the first
    few failures are free, then the address waits (429, Chinese message, Retry-After) — the right
    password included — while another address logs in as usual; after the wait it works."""
    with _client(web, "127.0.0.1") as attacker, _client(web, "127.0.0.2") as colleague:
        for _ in range(FREE_FAILURES):
            assert _login(attacker, "wrong").status_code == 400
        blocked_at = time.monotonic()
        refused = _login(attacker, "s3cret")
        assert refused.status_code == 429 and "登录失败次数过多" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        for _ in range(200):  # refused while waiting (and not counted), as long as the wait lasts
            if time.monotonic() - blocked_at > 0.8 * BASE_DELAY_S:
                break
            assert _login(attacker, "guess").status_code == 429

        assert _login(colleague, "s3cret").status_code == 200  # another address is not affected

        time.sleep(BASE_DELAY_S + 0.2)
        assert _login(attacker, "s3cret").status_code == 200
        for _ in range(FREE_FAILURES - 1):  # the success cleared the count
            assert _login(attacker, "wrong").status_code == 400
        assert _login(attacker, "pw2", user="admin").status_code == 200
