"""The monitor's other sources and commands: feeds from files and from a loopback server through
the outbound rule (refused without the allow-list, an unreachable feed named), petition snapshots
in their three shapes, and the read-side commands end to end."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.errors import InputError, Problem
from clearance.monitor import feeds
from clearance.monitor.linking import CatalogNames, Linker
from clearance.monitor.petitions import read_snapshots
from clearance.net import STRICT, OutboundRule
from monitor_world import CATALOG, write_posts

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><title>Netflix apologises for Cuties artwork</title><link>https://news.example/1</link>
<guid>n1</guid><pubDate>Thu, 20 Aug 2020 18:00:00 GMT</pubDate>
<description>&lt;p&gt;The poster sexualises children, critics say.&lt;/p&gt;</description></item>
<item><title>No date here</title><guid>n2</guid></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Blog</title><entry><title>Cuties and the petition</title><id>tag:blog,1</id>
<updated>2020-08-21T09:00:00Z</updated><summary>Signatures pass 100,000.</summary></entry></feed>"""
LINKER = Linker([CatalogNames("s2032", ("Cuties",))], service_names=("Netflix",))


def test_rss_and_atom_become_articles_and_entries_without_time_are_reported() -> None:
    articles, problems = feeds.parse(RSS, "news.xml")
    assert [a.headline for a in articles] == ["Netflix apologises for Cuties artwork"]
    assert articles[0].summary == "The poster sexualises children, critics say."
    assert articles[0].published_at == dt.datetime(2020, 8, 20, 18, tzinfo=dt.UTC)
    assert problems == [Problem("entry 2 has no time; skipped", "news.xml")]
    atom, _ = feeds.parse(ATOM, "blog.xml")
    assert atom[0].key == "tag:blog,1"
    with pytest.raises(InputError, match="not RSS or Atom"):
        feeds.parse(b"\x00\x01 nothing", "junk")


@pytest.fixture
def feed_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(RSS)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


def test_a_loopback_feed_is_fetched_only_where_the_outbound_rule_allows(feed_server: str) -> None:
    with pytest.raises(InputError, match="refused"):
        feeds.fetch(feed_server, STRICT)
    allowed = OutboundRule(is_open=False,
                           allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    articles, _ = feeds.parse(feeds.fetch(feed_server, allowed), feed_server)
    assert len(articles) == 1
    closed = feed_server.rsplit(":", 1)[0] + ":9"   # discard port: nothing listens
    with pytest.raises(InputError, match="unreachable"):
        feeds.fetch(closed, allowed)


def test_petition_snapshots_in_their_shapes(tmp_path: Path) -> None:
    parliament = tmp_path / "700143.jsonl"
    parliament.write_text("\n".join(json.dumps({
        "links": {"self": "https://petition.parliament.uk/petitions/700143.json"},
        "data": {"type": "petition", "id": 700143, "attributes": {
            "action": "Remove Cuties from Netflix", "signature_count": n,
            "updated_at": f"2020-08-2{d}T10:00:00.000Z"}}}) for d, n in ((0, 5000), (1, 9000)))
        + "\n{broken\n", encoding="utf-8")
    got = list(read_snapshots(parliament))
    snaps = [s for _, s in got if not isinstance(s, Problem)]
    assert [(s.petition, s.count) for s in snaps] == [
        ("https://petition.parliament.uk/petitions/700143", 5000),
        ("https://petition.parliament.uk/petitions/700143", 9000)]
    assert isinstance(got[-1][1], Problem) and got[-1][0] == 3
    csv_file = tmp_path / "counts.csv"
    csv_file.write_text("timestamp,count\n2024-11-24 00:14:47.611112,201079\nnope,1\n",
                        encoding="utf-8")
    rows = list(read_snapshots(csv_file, "https://petition.example/1"))
    assert rows[0][1].count == 201079  # type: ignore[union-attr]
    assert isinstance(rows[1][1], Problem) and rows[1][0] == 3
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"url": "u", "title": "t", "count": 3,
                                   "time": "2020-08-20T00:00:00Z"}]), encoding="utf-8")
    assert next(iter(read_snapshots(listed)))[1].count == 3  # type: ignore[union-attr]


def test_the_read_side_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLEARANCE_MONITOR_SERVICE_NAMES", '["Netflix"]')
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["catalog", "import", str(tmp_path / "catalog.yaml")]
                         ).exit_code == 0
    start = dt.datetime(2020, 8, 20, 12, tzinfo=dt.UTC)
    write_posts(tmp_path / "posts.jsonl", 40, start)
    assert runner.invoke(cli, ["monitor", "ingest", str(tmp_path / "posts.jsonl")]
                         ).exit_code == 0
    snaps = tmp_path / "petition.csv"
    snaps.write_text("timestamp,count,title\n" + "".join(
        f"2020-08-20T{h:02d}:00:00Z,{1000 * h},Remove the Cuties film from Netflix\n"
        for h in range(1, 13)), encoding="utf-8")
    done = runner.invoke(cli, ["monitor", "ingest", "--kind", "petitions", str(snaps),
                               "--petition", "https://petition.example/cuties"])
    assert done.exit_code == 0, done.output
    signals = runner.invoke(cli, ["monitor", "signals", "s2032", "--step", "5m", "--days",
                                  "1", "--format", "json"])
    assert signals.exit_code == 0, signals.output
    data = json.loads(signals.stdout)
    assert sum(b["volume"] for b in data["buckets"]) == 40
    assert data["petitions"][0]["count"] == 12000
    assert data["petitions"][0]["velocity_per_hour"] == pytest.approx(1000)
    listed = runner.invoke(cli, ["monitor", "alerts", "--evaluate", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert isinstance(json.loads(listed.stdout), list)
    report = tmp_path / "cuties.html"
    made = runner.invoke(cli, ["monitor", "report", "s2032", "-o", str(report)])
    assert made.exit_code == 0, made.output
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "<script" not in page   # 3 timelines + the petition
