"""Web login check with a per-address back-off (``POLICYQA_AUTH``).

Gradio calls ``auth(username, password)`` from its ``/login`` route. Without a limit, 200 wrong
passwords took 0.4 s and the right one still worked afterwards. Here every client address gets
``FREE_FAILURES`` attempts; after that it must wait ``BASE_DELAY_S`` seconds, doubling with every
further failure up to ``MAX_DELAY_S``. While it waits, every attempt from it is refused with HTTP
429 and a Chinese message — even with the right password, which is not checked — and attempts
during the wait do not count. A success clears the address's failures. Other addresses are not
affected (behind a proxy all clients share its address: terminate TLS and log-in limits there).

    demo.launch(auth=LoginGuard(parse_auth(settings.auth)))
"""

from __future__ import annotations

import hmac
import inspect
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

FREE_FAILURES = 5
BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0
MAX_ADDRESSES = 10_000  # addresses remembered; the oldest are forgotten first


@dataclass(slots=True)
class _Failures:
    count: int = 0
    blocked_until: float = 0.0


class LoginGuard:
    """A Gradio ``auth`` callable: the accounts of ``POLICYQA_AUTH`` plus the back-off above."""

    def __init__(self, accounts: Sequence[tuple[str, str]], *, clock: Callable[[], float] = time.monotonic) -> None:
        self._accounts = list(accounts)
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, username: str, password: str) -> bool:
        address = _client_address() or f"user:{username}"
        now = self._clock()
        with self._lock:
            state = self._failures.get(address)
            if state is not None and now < state.blocked_until:
                raise _too_many(state.blocked_until - now)
        if self._matches(username, password):
            with self._lock:
                self._failures.pop(address, None)
            return True
        with self._lock:
            state = self._failures.pop(address, None) or _Failures()
            state.count += 1
            if state.count >= FREE_FAILURES:
                state.blocked_until = now + min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (state.count - FREE_FAILURES))
                log.warning("登录连续失败 %d 次,地址 %s 暂停登录 %.0f 秒", state.count, address,
                            state.blocked_until - now)
            self._failures[address] = state  # most recent last
            while len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)
        return False

    def _matches(self, username: str, password: str) -> bool:
        """Every account is compared in constant time, so timing reveals neither name nor password."""
        found = False
        for user, secret in self._accounts:
            found |= hmac.compare_digest(user.encode(), username.encode()) & hmac.compare_digest(
                secret.encode(), password.encode())
        return found


def _too_many(wait: float) -> Exception:
    from fastapi import HTTPException

    seconds = max(1, math.ceil(wait))
    return HTTPException(status_code=429, detail=f"登录失败次数过多,请{seconds}秒后再试",
                         headers={"Retry-After": str(seconds)})


def _client_address() -> str | None:
    """The address of the client logging in: Gradio passes only name and password, so it is read
    from the ``request`` of the calling route (its ``/login`` handler calls us directly)."""
    from starlette.requests import Request

    frame = inspect.currentframe()
    try:
        for _ in range(8):
            frame = frame.f_back if frame else None
            if frame is None:
                return None
            request = frame.f_locals.get("request")
            if isinstance(request, Request):
                return request.client.host if request.client else None
        return None
    finally:
        del frame
