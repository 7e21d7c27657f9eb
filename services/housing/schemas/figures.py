"""Answers about a night's figures: the operator's (with the sites' ids) and the funders'
report (counts only: no person, no placement, no id; JSON or CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.housing.domain.figures import Figures, Lengths, SiteCounts


class Counts(BaseModel):
    """Beds in each state that night (extra capacity outside its nights is no bed)."""

    free: int
    held: int
    occupied: int
    out_of_service: int


class LengthsPublic(BaseModel):
    """Nights slept by the households that left."""

    households: int
    mean_nights: float | None
    median_nights: float | None
    longest_nights: int | None


class StaysPublic(BaseModel):
    """The night's stays: arrivals, departures, occupancy, and lengths of stay."""

    arrivals: int = Field(description="stays beginning that night")
    departures: int = Field(description="households that left that day")
    occupancy_rate: float | None = Field(description="occupied beds among the beds in service")
    left_that_day: LengthsPublic
    left_so_far: LengthsPublic = Field(description="every household that left by that day")


class WaitingPublic(BaseModel):
    """The waiting list at the instant the figures are read at."""

    length: int = Field(description="requests not yet placed")
    with_offer: int = Field(description="of which hold an open offer or hold")
    oldest_days: int | None = Field(description="days the oldest request has waited")


class SiteReport(BaseModel):
    """A site's beds that night, per room kind, the extra capacity apart."""

    site: str = Field(description="the site's name as partners see it")
    counts: Counts
    by_kind: dict[str, Counts]
    extra: Counts


class SiteFiguresPublic(SiteReport):
    """A site's beds that night, for the operator."""

    id: str
    confidential: bool


class _Night(BaseModel):
    """What both views of a night's figures hold."""

    night: date
    as_of: datetime = Field(description="the events up to this instant make the figures")
    recorded: bool = Field(description="true once the morning after has come: final figures")
    counts: Counts
    extra: Counts = Field(description="the extra capacity (winter plan), counted apart")
    stays: StaysPublic
    waiting: WaitingPublic


class NightReport(_Night):
    """A night's figures for the funders: counts only."""

    sites: list[SiteReport]


class FiguresPublic(_Night):
    """A night's figures for the operator's staff and auditors."""

    sites: list[SiteFiguresPublic]


def figures_public(found: Figures, recorded: bool) -> FiguresPublic:
    """The operator's view of the figures."""
    sites = [{"id": s.site_id, "confidential": s.confidential, **_site(s)} for s in found.sites]
    return FiguresPublic.model_validate({**_common(found, recorded), "sites": sites})


def night_report(found: Figures, recorded: bool) -> NightReport:
    """The funders' report of the figures."""
    sites = [_site(s) for s in found.sites]
    return NightReport.model_validate({**_common(found, recorded), "sites": sites})


def report_csv(report: NightReport) -> str:
    """The funders' report as CSV, one figure a line: night, site, group, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["night", "site", "group", "measure", "value"])
    night = report.night.isoformat()

    def counts(site: str, group: str, found: Counts) -> None:
        for measure, value in found.model_dump().items():
            writer.writerow([night, site, group, measure, value])

    counts("all", "all", report.counts)
    counts("all", "extra", report.extra)
    for site in report.sites:
        counts(site.site, "all", site.counts)
        for kind, found in site.by_kind.items():
            counts(site.site, kind, found)
        counts(site.site, "extra", site.extra)
    for group, part in (("stays", report.stays), ("waiting", report.waiting)):
        for measure, value in _flat(part.model_dump()).items():
            writer.writerow([night, "all", group, measure, "" if value is None else value])
    writer.writerow([night, "all", "report", "recorded", str(report.recorded).lower()])
    return out.getvalue()


def _flat(values: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _common(found: Figures, recorded: bool) -> dict[str, object]:
    return {
        "night": found.night,
        "as_of": found.as_of,
        "recorded": recorded,
        "counts": Counts(**found.counts),
        "extra": Counts(**found.extra),
        "stays": StaysPublic(
            arrivals=found.arrivals,
            departures=found.departures,
            occupancy_rate=found.occupancy_rate,
            left_that_day=_lengths(found.stayed_left_that_day),
            left_so_far=_lengths(found.stayed_left_so_far),
        ),
        "waiting": WaitingPublic(
            length=found.waiting,
            with_offer=found.waiting_with_offer,
            oldest_days=found.oldest_wait_days,
        ),
    }


def _site(site: SiteCounts) -> dict[str, object]:
    return {
        "site": site.label,
        "counts": Counts(**site.counts),
        "by_kind": {kind: Counts(**c) for kind, c in site.by_kind.items()},
        "extra": Counts(**site.extra),
    }


def _lengths(found: Lengths) -> LengthsPublic:
    return LengthsPublic(
        households=found.households,
        mean_nights=found.mean,
        median_nights=found.median,
        longest_nights=found.longest,
    )
