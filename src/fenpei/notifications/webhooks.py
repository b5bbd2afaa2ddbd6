"""Group-robot messages as each vendor documents them, their signatures, and one HTTP
POST (stdlib urllib: no client library for three JSON posts).

- WeCom (企业微信) group robot: ``{"msgtype": "markdown", "markdown": {"content": ...}}``
  to the URL with its ``key``; no signature; success ``{"errcode": 0}``.
- DingTalk (钉钉) custom robot with 加签: ``timestamp`` in milliseconds, ``sign`` =
  urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret))) appended to the
  URL as ``&timestamp=...&sign=...``; body ``{"msgtype": "markdown", "markdown": {"title",
  "text"}}``; success ``errcode`` 0.
- Feishu/Lark (飞书) custom bot with signature: ``timestamp`` in seconds, ``sign`` =
  base64(HMAC-SHA256(key=timestamp + "\\n" + secret, msg=b"")), both in the body beside
  ``{"msg_type": "text", "content": {"text": ...}}``; success ``code`` 0 (``StatusCode``
  0 in the older API).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

WECOM = "wecom"
DINGTALK = "dingtalk"
FEISHU = "feishu"

#: Seconds to wait for a robot: a slow vendor must not hold a task worker for long.
TIMEOUT = 10.0
#: Characters of the response kept in the delivery log.
EXCERPT = 500


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The DingTalk 加签 `sign` query value (already URL-encoded)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The Feishu/Lark `sign`: the string to sign is the HMAC key, the message is empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def message_body(kind: str, title: str, text: str) -> dict[str, Any]:
    """The vendor body of a message (markdown where the vendor has it), unsigned."""
    if kind == WECOM:
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
    if kind == DINGTALK:
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"#### {title}\n{text}"},
        }
    if kind == FEISHU:
        return {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}
    raise ValueError(f"unknown robot kind {kind!r}")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    url: str
    body: dict[str, Any]


def signed_request(
    kind: str, url: str, secret: str, body: dict[str, Any], now_ms: int
) -> SignedRequest:
    """URL and body of one attempt, signed at `now_ms` (epoch milliseconds) if the
    channel has a secret."""
    if not secret:
        return SignedRequest(url, body)
    if kind == DINGTALK:
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        sign = dingtalk_sign(secret, now_ms)
        return SignedRequest(f"{url}{sep}timestamp={now_ms}&sign={sign}", body)
    if kind == FEISHU:
        seconds = now_ms // 1000
        signed = {"timestamp": str(seconds), "sign": feishu_sign(secret, seconds), **body}
        return SignedRequest(url, signed)
    return SignedRequest(url, body)


@dataclass(frozen=True, slots=True)
class PostResult:
    ok: bool
    status: int | None  # HTTP status; None when no response came
    body: str  # the response (an excerpt), or the error
    retry: bool  # worth trying again (network trouble, 5xx, rate limit)


def _vendor_ok(kind: str, text: str) -> bool:
    """The vendors answer HTTP 200 with an error code inside the JSON body."""
    try:
        data = json.loads(text)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if kind == FEISHU:
        code = data.get("code", data.get("StatusCode"))
        return code == 0
    return data.get("errcode") == 0


def post(kind: str, request: SignedRequest, timeout: float = TIMEOUT) -> PostResult:
    """POST one message; never raises for network or HTTP trouble."""
    data = json.dumps(request.body, ensure_ascii=False).encode()
    http = urllib.request.Request(
        request.url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:
            status = int(response.status)
            text = response.read(64 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        text = e.read(64 * 1024).decode("utf-8", "replace") if e.fp else ""
        retry = e.code >= 500 or e.code == 429
        return PostResult(False, e.code, text[:EXCERPT], retry)
    except (urllib.error.URLError, OSError, ValueError) as e:
        return PostResult(False, None, str(e)[:EXCERPT], True)
    ok = 200 <= status < 300 and _vendor_ok(kind, text)
    # A 200 with a vendor error (bad signature, keyword missing) will not get better by
    # itself, except the rate limits, which the vendors also report this way.
    retry = not ok and _rate_limited(text)
    return PostResult(ok, status, text[:EXCERPT], retry)


def _rate_limited(text: str) -> bool:
    # WeCom 45009, DingTalk 130101 / 660026, Feishu 11232: sent too often, try later.
    return any(code in text for code in ("45009", "130101", "660026", "11232"))
