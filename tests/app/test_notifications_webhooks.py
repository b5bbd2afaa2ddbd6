"""Group-robot webhooks: the vendors' signatures against values computed here with hmac,
the documented payload shapes, and real deliveries to a local HTTP receiver on 127.0.0.1
that checks signatures the way the vendors do, with retries and the delivery log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.conftest import Company

from fenpei.notifications import webhooks
from fenpei.notifications.models import DeliveryStatus, WebhookChannel, WebhookDelivery
from fenpei.notifications.services import (
    MAX_ATTEMPTS,
    RETRY_BASE_SECONDS,
    deliveries_create,
    delivery_attempt,
    retry_delay,
)
from fenpei.notifications.tasks import webhook_deliver_task

SECRET = "SEC0123456789abcdef测试"

# ------------------------------------------------------------------- signatures


def test_dingtalk_sign_is_base64_hmac_of_timestamp_and_secret_keyed_by_secret_url_encoded() -> None:
    ts = 1700000000123
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    sign = webhooks.dingtalk_sign(SECRET, ts)
    assert urllib.parse.unquote_plus(sign) == expected
    # URL-encoded: base64's + / = never appear raw in the query string
    assert not set("+/=") & set(sign)


def test_dingtalk_known_vector() -> None:
    # Independently computed: HMAC-SHA256(key="secret", msg="1577262236757\nsecret"), base64.
    digest = hmac.new(b"secret", b"1577262236757\nsecret", hashlib.sha256).digest()
    assert webhooks.dingtalk_sign("secret", 1577262236757) == urllib.parse.quote_plus(
        base64.b64encode(digest).decode()
    )


def test_feishu_sign_uses_the_string_to_sign_as_key_and_an_empty_message() -> None:
    ts = 1599360473
    expected = base64.b64encode(
        hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert webhooks.feishu_sign(SECRET, ts) == expected
    # Not the DingTalk construction (secret as key): the classic mistake
    wrong = base64.b64encode(
        hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert webhooks.feishu_sign(SECRET, ts) != wrong


# --------------------------------------------------------------------- payloads


def test_wecom_payload_is_markdown_content() -> None:
    body = webhooks.message_body("wecom", "新客户分配", "- 张伟: 3")
    assert body == {"msgtype": "markdown", "markdown": {"content": "**新客户分配**\n- 张伟: 3"}}


def test_dingtalk_payload_is_markdown_with_title_and_text() -> None:
    body = webhooks.message_body("dingtalk", "新客户分配", "- 张伟: 3")
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "新客户分配"
    assert "- 张伟: 3" in body["markdown"]["text"]


def test_feishu_payload_is_text_and_signed_request_adds_timestamp_and_sign() -> None:
    body = webhooks.message_body("feishu", "新客户分配", "- 张伟: 3")
    assert body == {"msg_type": "text", "content": {"text": "新客户分配\n- 张伟: 3"}}
    signed = webhooks.signed_request("feishu", "http://h/hook", SECRET, body, 1599360473999)
    assert signed.url == "http://h/hook"
    assert signed.body["timestamp"] == "1599360473"  # seconds, as a string
    assert signed.body["sign"] == webhooks.feishu_sign(SECRET, 1599360473)
    assert signed.body["content"] == body["content"]


def test_dingtalk_signed_request_appends_timestamp_and_sign_to_the_url() -> None:
    body = webhooks.message_body("dingtalk", "t", "x")
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    signed = webhooks.signed_request("dingtalk", url, SECRET, body, 1700000000123)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(signed.url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1700000000123"]
    assert query["sign"] == [
        urllib.parse.unquote_plus(webhooks.dingtalk_sign(SECRET, 1700000000123))
    ]
    assert signed.body == body


def test_no_secret_means_no_signature() -> None:
    body = webhooks.message_body("dingtalk", "t", "x")
    assert webhooks.signed_request("dingtalk", "http://h/?a=1", "", body, 1).url == "http://h/?a=1"


# ------------------------------------------------------- a local robot receiver


class Robot:
    """A local stand-in for the three vendors: checks the signature as they do, records
    each body, answers with the next status in `statuses` (then 200)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.secret = SECRET
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = json.loads(raw.decode())
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                with robot.lock:
                    robot.received.append(
                        {"path": parts.path, "query": query, "body": body, "raw": raw}
                    )
                    status = robot.statuses.pop(0) if robot.statuses else 200
                answer: dict[str, Any]
                if status != 200:
                    answer = {"errcode": -1, "errmsg": "system busy"}
                elif parts.path == "/dingtalk":
                    answer = robot.dingtalk_check(query)
                elif parts.path == "/feishu":
                    answer = robot.feishu_check(body)
                else:
                    answer = {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def dingtalk_check(self, query: dict[str, list[str]]) -> dict[str, Any]:
        ts = int(query["timestamp"][0])
        string_to_sign = f"{ts}\n{self.secret}".encode()
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), string_to_sign, hashlib.sha256).digest()
        ).decode()
        fresh = abs(time.time() * 1000 - ts) < 3600 * 1000
        if query["sign"][0] != expected or not fresh:
            return {"errcode": 310000, "errmsg": "sign not match"}
        return {"errcode": 0, "errmsg": "ok"}

    def feishu_check(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = int(body["timestamp"])
        key = f"{ts}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if body["sign"] != expected or abs(time.time() - ts) > 3600:
            return {"code": 19021, "msg": "sign match fail", "data": {}}
        return {"code": 0, "msg": "success", "data": {}, "StatusCode": 0}


@pytest.fixture
def robot() -> Iterator[Robot]:
    r = Robot()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    r.thread.join(5)


def _channel(kind: str, url: str, secret: str = SECRET, **fields: Any) -> WebhookChannel:
    return WebhookChannel.objects.create(name=kind, kind=kind, url=url, secret=secret, **fields)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_delivery_reaches_the_robot_signed_and_is_logged_sent(robot: Robot, kind: str) -> None:
    url = f"{robot.base}/{kind}" + ("?key=k1" if kind == "wecom" else "?access_token=t1")
    channel = _channel(kind, url, secret="" if kind == "wecom" else SECRET)
    [delivery_id] = deliveries_create([channel], "assigned", "新客户分配", "- 张伟: 3")
    attempt = delivery_attempt(delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert attempt.status == DeliveryStatus.SENT, delivery.response_body
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.response_code == 200 and delivery.next_retry_at is None
    [hit] = robot.received
    body = hit["body"]
    if kind == "wecom":
        assert hit["query"]["key"] == ["k1"]
        assert body == {"msgtype": "markdown", "markdown": {"content": "**新客户分配**\n- 张伟: 3"}}
    elif kind == "dingtalk":
        assert hit["query"]["access_token"] == ["t1"] and "sign" in hit["query"]
        assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "新客户分配"
    else:
        assert body["msg_type"] == "text" and body["content"]["text"] == "新客户分配\n- 张伟: 3"
        assert {"timestamp", "sign"} <= body.keys()
    # UTF-8 JSON, Chinese not escaped
    assert "张伟".encode() in hit["raw"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_a_wrong_secret_is_refused_by_the_robot_and_not_retried(robot: Robot, kind: str) -> None:
    channel = _channel(kind, f"{robot.base}/{kind}", secret="not-the-secret")
    [delivery_id] = deliveries_create([channel], "assigned", "t", "x")
    attempt = delivery_attempt(delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert attempt.status == DeliveryStatus.FAILED and attempt.retry_at is None
    assert delivery.response_code == 200 and "sign" in delivery.response_body


@pytest.mark.django_db
def test_500_is_retried_with_backoff_through_the_task_then_sent(robot: Robot) -> None:
    robot.statuses = [500, 502]
    channel = _channel("dingtalk", f"{robot.base}/dingtalk?access_token=t")
    [delivery_id] = deliveries_create([channel], "assigned", "t", "x")
    before = timezone.now()

    assert webhook_deliver_task.call(delivery_id) == DeliveryStatus.RETRYING
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.attempts == 1 and delivery.response_code == 500
    assert delivery.next_retry_at is not None
    assert delivery.next_retry_at - before >= timedelta(seconds=RETRY_BASE_SECONDS)
    # the next attempt is queued for then, not run now
    [queued] = DBTaskResult.objects.filter(task_path__endswith="webhook_deliver_task")
    assert queued.run_after == delivery.next_retry_at
    assert queued.args_kwargs["args"] == [delivery_id]

    assert webhook_deliver_task.call(delivery_id) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.response_code == 502

    assert webhook_deliver_task.call(delivery_id) == DeliveryStatus.SENT
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert delivery.response_code == 200 and delivery.next_retry_at is None
    assert len(robot.received) == 3
    # a stray duplicate run of the task sends nothing more
    assert webhook_deliver_task.call(delivery_id) == DeliveryStatus.SENT
    assert len(robot.received) == 3


def test_backoff_doubles() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [
        RETRY_BASE_SECONDS * k for k in (1, 2, 4, 8)
    ]


@pytest.mark.django_db
def test_gives_up_after_max_attempts(robot: Robot) -> None:
    robot.statuses = [503] * MAX_ATTEMPTS
    channel = _channel("wecom", f"{robot.base}/wecom?key=k", secret="")
    [delivery_id] = deliveries_create([channel], "assigned", "t", "x")
    statuses = [delivery_attempt(delivery_id).status for _ in range(MAX_ATTEMPTS)]
    assert statuses == [DeliveryStatus.RETRYING] * (MAX_ATTEMPTS - 1) + [DeliveryStatus.FAILED]
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.attempts == MAX_ATTEMPTS and delivery.next_retry_at is None


@pytest.mark.django_db
def test_unreachable_robot_is_logged_with_the_error_and_retried() -> None:
    # A port nobody listens on: connection refused.
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    channel = _channel("wecom", f"http://127.0.0.1:{port}/wecom", secret="")
    [delivery_id] = deliveries_create([channel], "assigned", "t", "x")
    attempt = delivery_attempt(delivery_id, timeout=2)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert attempt.status == DeliveryStatus.RETRYING
    assert delivery.response_code is None and delivery.error


# ------------------------------------------------------------- the channels page


@pytest.mark.django_db
def test_manager_adds_a_team_robot_and_sees_it_rep_gets_403(client: Any, company: Company) -> None:
    client.force_login(company.manager)
    response = client.post(
        "/webhooks/new/",
        {
            "name": "华东群",
            "team": company.east.pk,
            "kind": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            "secret": "SECabc",
            "enabled": "on",
            "event_kinds": ["assigned", "reclaim_warning"],
        },
    )
    assert response.status_code == 302, response.content.decode()
    channel = WebhookChannel.objects.get()
    assert channel.team == company.east and channel.event_kinds == ["assigned", "reclaim_warning"]
    assert channel.created_by == company.manager
    assert "华东群" in client.get("/webhooks/").content.decode()
    client.force_login(company.rep_user)
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{channel.pk}/").status_code == 403


@pytest.mark.django_db
def test_manager_cannot_touch_another_teams_robot_or_make_a_company_one(
    client: Any, company: Company
) -> None:
    south = _channel("wecom", "https://qyapi.weixin.qq.com/x", secret="", team=company.south)
    client.force_login(company.manager)
    assert client.get(f"/webhooks/{south.pk}/").status_code == 404
    assert client.post(f"/webhooks/{south.pk}/delete/").status_code == 404
    response = client.post(
        "/webhooks/new/",
        {"name": "全公司", "team": "", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/y"},
    )
    assert response.status_code == 400
    assert WebhookChannel.objects.count() == 1
