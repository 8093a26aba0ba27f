"""The audit page (TestClient on SQLite and PostgreSQL): date and type filters (a type or a family
such as ``user.*``), each event's data as readable fields with a one-line summary and item links,
and the export button, whose download is byte for byte ``clearance audit export``."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.service.app import create_app
from test_ui_queue import add_copy_item, login
from ui_world import UIWorld, build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def ui(tmp_path: Path, database_url: str) -> Iterator[tuple[UIWorld, TestClient]]:
    w = build(tmp_path / "world", database_url=database_url)
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        yield w, c
    w.engine.dispose()


def types_listed(html: str) -> list[str]:
    return re.findall(r'<td><span class="tag">([a-z._]+)</span></td>', html)


def test_audit_filters_by_type_family_and_days(ui: tuple[UIWorld, TestClient]) -> None:
    world, client = ui
    token = login(client, "rev")
    plain = add_copy_item(world, "fr", "Un été au phare.")
    client.post(f"/items/{plain}/claim", data={"csrf": token})
    client.post(f"/items/{plain}/decision", data={"csrf": token, "outcome": "reject",
                                                  "reason": "off-brief"})
    login(client, "senior")
    everything = types_listed(client.get("/audit").text)
    assert {"user.create", "session.start", "claim", "review", "decision"} <= set(everything)
    assert set(types_listed(client.get("/audit", params={"type": "claim"}).text)) == {"claim"}
    family = client.get("/audit", params={"type": "user.*"}).text
    assert set(types_listed(family)) == {"user.create"}
    assert '<option value="user.*" selected>' in family
    both = client.get("/audit?type=claim&type=decision").text
    assert set(types_listed(both)) == {"claim", "decision"}
    today = dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    assert types_listed(client.get("/audit", params={"from": str(today)}).text) == everything
    assert types_listed(client.get("/audit", params={"to": str(today)}).text) == everything
    assert "No events match" in client.get("/audit", params={"from": str(today + day)}).text
    assert "No events match" in client.get("/audit", params={"to": str(today - day)}).text
    one_day = client.get("/audit", params={"from": str(today), "to": str(today),
                                           "type": "decision"}).text
    assert types_listed(one_day) == ["decision"]
    assert f'value="{today}"' in one_day  # the form keeps the dates
    assert client.get("/audit", params={"from": "yesterday"}).status_code == 422
    assert client.get("/audit", params={"from": str(today), "to": str(today - day)}
                      ).status_code == 422


def test_audit_data_is_readable(ui: tuple[UIWorld, TestClient]) -> None:
    world, client = ui
    token = login(client, "rev")
    plain = add_copy_item(world, "fr", "Un été au phare.")
    client.post("/queue/bulk-decision", data={"csrf": token, "item": [str(plain)],
                                              "outcome": "reject", "reason": "off-brief"})
    login(client, "senior")
    page = client.get("/audit", params={"subject": f"item:{plain}"}).text
    assert "review: reject (single, final)" in page
    assert "<dt>reason</dt><dd>off-brief</dd>" in page
    assert "<dt>final</dt><dd>yes</dd>" in page
    assert "decided reject by rev (screening said review)" in page
    assert "<summary>raw</summary>" in page  # the stored JSON, folded
    bulk = client.get("/audit", params={"type": "queue.bulk"}).text
    assert "bulk reject: 1 decided, 0 first reviews, 0 skipped" in bulk
    assert f'<dt>decided</dt><dd><a href="/items/{plain}">{plain}</a></dd>' in bulk
    # someone's typed reason is shown escaped like everything else
    assert "<script>" not in client.get("/audit").text.split("<script src=")[0]


def test_audit_export_is_the_cli_export(ui: tuple[UIWorld, TestClient]) -> None:
    world, client = ui
    login(client, "rev")
    assert client.get("/audit/export").status_code == 403
    login(client, "admin")
    page = client.get("/audit").text
    assert 'id="audit-export" href="/audit/export"' in page
    resp = client.get("/audit/export")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/x-ndjson"
    assert re.fullmatch(r'attachment; filename="clearance-audit-\d{8}T\d{6}Z\.jsonl"',
                        resp.headers["content-disposition"])
    env = {"CLEARANCE_DATABASE_URL": world.settings.resolved_database_url}
    cli_out = CliRunner().invoke(cli, ["audit", "export"], env=env)
    assert cli_out.exit_code == 0, cli_out.output
    assert resp.content == cli_out.stdout.encode("utf-8")
    assert resp.content.count(b"\n") >= 10
    since = CliRunner().invoke(cli, ["audit", "export", "--since", "5"], env=env)
    assert client.get("/audit/export", params={"since": 5}).content == since.stdout.encode()
    assert client.get("/audit/export", params={"since": -1}).status_code == 422
