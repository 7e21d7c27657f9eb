"""The audit replay's pieces without Kafka: the hash checked on the published bytes agrees
with the canonical one, a signed report verifies until anything in it changes, its page
shows the same figures with a drawing and no script, and the window and the sharing out of
partitions mean what they say."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.chained_log import chained, encode
from services.audit.domain.chains import Break
from services.audit.replay import page, report
from services.audit.replay.checking import Checker, published_hash_holds
from services.audit.replay.reading import share_out
from services.audit.replay.summary import Chain, Summary
from services.audit.replay.window import Window, parse_bound, utc_text
from shared.checkpoints import SigningKey, new_private_base64
from shared.events.envelope import chain_hash

KEY = SigningKey.from_base64("audit-k1", new_private_base64())
NOW = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


def test_the_hash_of_the_published_bytes_is_the_chain_hash() -> None:
    events = chained("intake", 120, key=KEY, checkpoint_every=50)
    for event, (_key, value) in zip(events, encode(events), strict=True):
        assert chain_hash(event["prevhash"], event) == event["hash"]
        assert published_hash_holds(value, event["prevhash"], event["hash"])
    value = encode(events[7:8])[0][1]
    edited = value.replace(b'"status":"open"', b'"status":"shut"')
    assert not published_hash_holds(edited, events[7]["prevhash"], events[7]["hash"])
    assert not published_hash_holds(value, events[6]["prevhash"], events[7]["hash"])


def summary(breaks: list[Break] | None = None) -> Summary:
    """A small summary, as a replay of two sources would give."""
    chains = [
        Chain("casework", "casework.events", 12, 12, "ab" * 32, 1, 11, "2026-11-03T10:00:00"),
        Chain("intake", "intake.events", 30, 30, "cd" * 32, 2, 22, "2026-11-04T10:00:00"),
    ]
    return Summary(
        window=Window(parse_bound("2026-11-01", end=False), parse_bound("2026-11-30", end=True)),
        chains=chains,
        types={
            ("intake", "intake.person_registered.v1"): 28,
            ("casework", "casework.case_opened.v1"): 11,
        },
        days={
            ("intake", "2026-11-03"): 10,
            ("intake", "2026-11-04"): 18,
            ("casework", "2026-11-03"): 11,
        },
        breaks=breaks or [],
        erased=["00000000-0000-0000-0000-000000000062"],
    )


def test_a_signed_report_verifies_and_says_who_signed_it() -> None:
    signed = report.build(summary(), KEY, NOW)
    assert report.problem(signed) is None
    assert report.problem(signed, KEY.public_base64) is None
    assert signed["signed_by"] == {"key_id": "audit-k1", "public_key": KEY.public_base64}
    assert report.problem(json.loads(json.dumps(signed, indent=2))) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["events"][0].update(events=29),
        lambda r: r["per_day"].pop(),
        lambda r: r["chains"][1].update(head_hash="ef" * 32),
        lambda r: r["breaks"].append({"source": "intake", "seq": 3, "kind": "gap", "detail": ""}),
        lambda r: r.update(ok=False),
        lambda r: r["window"].update(to=None),
    ],
)
def test_a_report_changed_after_signing_fails(change: Any) -> None:
    signed = report.build(summary(), KEY, NOW)
    changed = copy.deepcopy(signed)
    change(changed)
    assert report.problem(changed) == (
        "the signature does not match the report: it was changed after signing"
    )


def test_a_report_signed_by_another_key_fails_against_audits_key() -> None:
    other = SigningKey.from_base64("audit-k1", new_private_base64())
    signed = report.build(summary(), other, NOW)
    assert report.problem(signed) is None
    assert report.problem(signed, KEY.public_base64) is not None
    assert report.problem({**signed, "domain": "passerelle.checkpoint.v1"}) is not None
    assert report.problem({**signed, "signature": "not base64!"}) is not None


def test_the_page_shows_the_figures_a_drawing_and_no_script() -> None:
    broken = [Break("intake", 17, "fork", "another event at a known sequence")]
    signed = report.build(summary(broken), KEY, NOW)
    shown = page.render(signed)
    assert "<svg" in shown
    for absent in ("<script", " src=", 'href="http', "<link", "@import", "url(http"):
        assert absent not in shown.lower()
    assert re.search(r"\son[a-z]+=", shown) is None
    for figure in ('<td class="n">28</td>', '<td class="n">17</td>', "fork", "2026-11-04"):
        assert figure in shown
    assert "1 break(s) found" in shown
    assert page.without_plot(shown) == page.without_plot(page.render(signed))
    assert "<svg" not in page.without_plot(shown)


def test_a_window_of_dates_includes_its_last_day() -> None:
    window = Window(parse_bound("2026-11-01", end=False), parse_bound("2026-11-30", end=True))
    start, end = window.bounds
    assert start == "2026-11-01T00:00:00+00:00"
    assert end == "2026-12-01T00:00:00+00:00"
    assert parse_bound("2026-11-05T10:00:00+01:00", end=False).hour == 10
    assert utc_text("2026-11-30T23:30:00-02:00") == "2026-12-01T01:30:00+00:00"
    assert utc_text("2026-11-30T23:30:00+00:00") == "2026-11-30T23:30:00+00:00"


def test_partitions_are_shared_out_by_what_they_hold() -> None:
    ends = {("a", p): 100 for p in range(6)} | {("b", p): 10 for p in range(6)} | {("c", 0): 0}
    shares = share_out(ends, 2)
    assert len(shares) == 2
    assert sorted(p for share in shares for p in share) == sorted(p for p in ends if ends[p])
    assert [sum(share.values()) for share in shares] == [330, 330]
    assert share_out({}, 2) == []


def test_a_worker_names_what_it_cannot_read_and_goes_on() -> None:
    values = [value for _key, value in encode(chained("intake", 5, key=KEY, checkpoint_every=0))]
    foreign = encode(chained("casework", 1, key=KEY, checkpoint_every=0))[0][1]
    checker = Checker({"intake": {KEY.key_id: KEY.public_base64}}, Window())
    batch = [values[0], b"not json", foreign, values[1] + b" and more", *values[2:]]

    links, breaks = checker.check("intake", batch)

    assert [link[0] for link in links] == [1, 3, 4, 5]
    assert [(b.seq, b.kind) for b in breaks] == [
        (0, "malformed"),
        (1, "malformed"),
        (0, "malformed"),
    ]
    assert "'casework' on its topic" in breaks[1].detail
    assert checker.tally.read["intake"] == 7
