"""Housing's SMS: the bed offer's and the renewal's texts within budget in every language,
with the hour and date whole, and when each may go (quiet hours, too late to matter)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain import housing
from services.notifications.domain.quiet import QuietHours
from services.notifications.domain.segments import encoding, segments
from services.notifications.domain.sending import NotNow
from services.notifications.domain.texts import Rendered, Templates

TEMPLATES_FILE = Path(__file__).resolve().parents[2] / "services/notifications/templates.toml"
SHIPPED = Templates.from_toml(TEMPLATES_FILE.read_text(encoding="utf-8"))
PARIS = ZoneInfo("Europe/Paris")
QUIET = QuietHours()
REGIONAL = ["fr-CA", "en-GB", "es-419", "pt-BR", "ar-SY", "ar-MA", "fa-AF", "prs-AF"]
TAGS = SHIPPED.languages() + REGIONAL
YEAR = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def render(kind: str, tag: str | None, when: datetime) -> Rendered:
    return SHIPPED.render(kind, tag, starts_at=when, zone=PARIS, place=None, contact_phone=None)


@pytest.mark.parametrize("tag", TAGS)
def test_the_bed_offer_fits_the_budget_at_any_hour(tag: str) -> None:
    for hour in range(24):
        rendered = render(housing.OFFER_KIND, tag, datetime(2026, 12, 6, hour, 45, tzinfo=PARIS))
        assert rendered.segments <= Templates.SEGMENT_BUDGET, rendered.text
        assert (rendered.encoding, rendered.segments) == (
            encoding(rendered.text),
            segments(rendered.text),
        )


@pytest.mark.parametrize("tag", TAGS)
def test_the_renewal_fits_the_budget_on_every_day_of_the_year(tag: str) -> None:
    for day in YEAR:
        rendered = render(housing.RENEWAL_KIND, tag, datetime.combine(day, time(12), PARIS))
        assert rendered.segments <= Templates.SEGMENT_BUDGET, rendered.text
        assert rendered.segments == segments(rendered.text)


@pytest.mark.parametrize("language", ["fr", "en", "es", "pt"])
@pytest.mark.parametrize("kind", housing.KINDS)
def test_latin_script_housing_texts_are_gsm7_in_one_part(language: str, kind: str) -> None:
    for day in YEAR:
        rendered = render(kind, language, datetime.combine(day, time(19, 45), PARIS))
        assert (rendered.encoding, rendered.segments) == ("GSM-7", 1), rendered.text


@pytest.mark.parametrize(
    ("tag", "language", "hour"),
    [("fr", "fr", "20:00"), ("en-GB", "en", "20:00"), ("ar", "ar", "8:00"), ("xx", "fr", "20:00")],
)
def test_the_offer_says_the_centres_hour_in_the_persons_language(
    tag: str, language: str, hour: str
) -> None:
    expires_at = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # 20:00 in Paris
    rendered = render(housing.OFFER_KIND, tag, housing.shown_at(housing.OFFER_KIND, expires_at))
    assert rendered.language == language
    assert hour in rendered.text, rendered.text


def test_the_renewal_says_its_due_date() -> None:
    ends_at = housing.renewal_ends_at(date(2027, 3, 14))
    shown = housing.shown_at(housing.RENEWAL_KIND, ends_at)
    assert "before Sunday, March 14, 2027." in render(housing.RENEWAL_KIND, "en", shown).text
    assert "avant le dimanche 14 mars 2027." in render(housing.RENEWAL_KIND, "fr", shown).text


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "expires_at", "sent_at"),
    [
        (paris(6, 10), paris(6, 20), paris(6, 10)),  # by day: at once
        (paris(6, 22), paris(6, 23, 30), None),  # at night, expiring before 08:00: not sent
        (paris(6, 22), paris(7, 20), paris(7, 8)),  # at night, still open tomorrow: 08:00
        (paris(6, 10), paris(8, 20), paris(8, 8)),  # a later night: on its day, it says "today"
        (paris(6, 19, 45), paris(6, 20), None),  # too late to come: not sent
    ],
)
def test_an_offers_sms_goes_on_its_day_out_of_quiet_hours_while_it_matters(
    now: datetime, expires_at: datetime, sent_at: datetime | None
) -> None:
    assert housing.offer_send_time(expires_at, now, PARIS, QUIET) == sent_at


def test_a_renewal_reminder_waits_for_the_morning_and_is_not_sent_after_its_date() -> None:
    assert housing.renewal_send_time(date(2026, 12, 13), paris(6, 23), PARIS, QUIET) == paris(7, 8)
    assert housing.renewal_send_time(date(2026, 12, 6), paris(6, 23), PARIS, QUIET) is None


def test_a_notice_that_would_arrive_too_late_is_cleared() -> None:
    housing.check_notice(housing.OFFER_KIND, paris(6, 20), paris(6, 19, 29))
    with pytest.raises(NotNow) as late:
        housing.check_notice(housing.OFFER_KIND, paris(6, 20), paris(6, 19, 31))
    assert late.value.reason == "too_late"


def test_keys_are_one_per_offer_and_per_reminder() -> None:
    assert housing.offer_key("o1") == "offer:o1"
    month = housing.renewal_key("a1", "month_before", date(2027, 3, 14))
    week = housing.renewal_key("a1", "week_before", date(2027, 3, 14))
    assert month != week
