"""What a change means in time: notice window, effective date and notice verdicts.

Posting time is unknown; it lies between the previous check (prev_checked_at, when the old
text was still served) and detected_at (when the new text was first seen). Every verdict
states which bound it used in its facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from monitor.diff import diff_documents
from monitor.model import Change, ChangeSet, Document, Verdict

NoticeSource = Literal["document", "config", "default"]


def _day(moment: datetime) -> date:
    """The UTC calendar day of a moment (naive datetimes are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def notice_window(new: Document, config_notice_days: int | None,
                  default_notice_days: int) -> tuple[int, NoticeSource]:
    """The notice window in days and where it came from: the document, the config, the default."""
    if new.notice_days is not None:
        return new.notice_days, "document"
    if config_notice_days is not None:
        return config_notice_days, "config"
    return default_notice_days, "default"


def _days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def build_change_set(old: Document, new: Document, *, detected_at: datetime,
                     prev_checked_at: datetime | None, config_notice_days: int | None = None,
                     default_notice_days: int = 10, now: datetime | None = None,
                     changes: tuple[Change, ...] | None = None) -> ChangeSet:
    """Diff two versions and judge the notice given; pure (pass `now` for reproducibility)."""
    if changes is None:
        changes = diff_documents(old, new)
    notice_days, source = notice_window(new, config_notice_days, default_notice_days)
    today = _day(now or detected_at)
    # Posting happened after prev_checked_at (old text still served) and by detected_at.
    posted_latest = _day(detected_at)
    posted_earliest = _day(prev_checked_at) if prev_checked_at is not None else posted_latest
    base = dict(changes=changes, detected_at=detected_at, prev_checked_at=prev_checked_at,
                old_effective_date=old.effective_date, new_effective_date=new.effective_date,
                old_last_updated_date=old.last_updated_date,
                new_last_updated_date=new.last_updated_date,
                notice_days=notice_days, notice_days_source=source)
    if not changes:
        return ChangeSet(**base)  # type: ignore[arg-type]

    effective_changed = new.effective_date != old.effective_date
    updated_changed = new.last_updated_date != old.last_updated_date
    stated = new.effective_date if effective_changed else None
    # Earliest day the new text can apply under the policy's own promise: posting + window,
    # with posting at its earliest possible day (the previous check). Lower bound on purpose:
    # compliance teams must be ready by the earliest date the change may bind.
    earliest_allowed = posted_earliest + timedelta(days=notice_days)
    latest_allowed = posted_latest + timedelta(days=notice_days)
    # Moving a still-future effective date later only adds notice to the original posting,
    # so the new date stands and is not judged against a fresh window.
    postponed = (stated is not None and old.effective_date is not None
                 and stated > old.effective_date > posted_earliest)
    if postponed:
        takes_effect_on = stated
    else:
        takes_effect_on = max(stated, earliest_allowed) if stated else earliest_allowed
    common: dict[str, str | int | None] = {
        "detected_at": _iso(detected_at), "prev_checked_at": _iso(prev_checked_at),
        "posted_on_or_after": _iso(posted_earliest), "posted_on_or_before": _iso(posted_latest),
        "notice_days": notice_days, "notice_days_source": source,
        "old_effective_date": _iso(old.effective_date), "new_effective_date": _iso(new.effective_date),
    }
    verdicts: list[Verdict] = []
    substantive = [c for c in changes if c.substantive]

    if stated is not None and stated < latest_allowed and not postponed:
        certain = stated < earliest_allowed
        # Notice actually given: counted from the latest possible posting day (most generous).
        given_max = (stated - posted_earliest).days
        given_min = (stated - posted_latest).days
        given = f"{given_min}" if given_min == given_max else f"{given_min} to {given_max}"
        given += " day's" if given_max == 1 and given_min == 1 else " days'"
        verdicts.append(Verdict(
            name="short_notice", certainty="certain" if certain else "possible",
            message=(f"posted with {given} notice; the policy promises {notice_days}"
                     + ("" if certain else " (short only if posted after "
                        f"{(stated - timedelta(days=notice_days)).isoformat()})")),
            facts={**common, "stated_effective_date": stated.isoformat(),
                   "earliest_allowed_effective_date": earliest_allowed.isoformat(),
                   "latest_allowed_effective_date": latest_allowed.isoformat(),
                   "notice_given_days_min": given_min, "notice_given_days_max": given_max}))
    if stated is not None and stated < posted_earliest:
        verdicts.append(Verdict(
            name="retroactive", certainty="certain",
            message=(f"effective {stated.isoformat()}, before the new text could be seen "
                     f"(the old text was still served on {posted_earliest.isoformat()})"),
            facts={**common, "stated_effective_date": stated.isoformat()}))
    if postponed:
        assert stated is not None and old.effective_date is not None
        verdicts.append(Verdict(
            name="postponed", certainty="certain",
            message=(f"effective date moved from {old.effective_date.isoformat()} "
                     f"to {stated.isoformat()} before it was reached"),
            facts={**common, "stated_effective_date": stated.isoformat(),
                   "postponed_by_days": (stated - old.effective_date).days}))
    if substantive and not effective_changed and not updated_changed:
        verdicts.append(Verdict(
            name="silent_change", certainty="certain",
            message=(f"{len(substantive)} provision(s) changed in substance with no new effective "
                     "or last-updated date"),
            facts={**common, "substantive_changes": len(substantive),
                   "old_last_updated_date": _iso(old.last_updated_date),
                   "new_last_updated_date": _iso(new.last_updated_date)}))
    if substantive or effective_changed:
        basis = ("stated effective date" if stated is not None and takes_effect_on == stated
                 else "notice window counted from the earliest possible posting, the previous check")
        verdicts.append(Verdict(
            name="takes_effect", certainty="certain" if stated is not None else "possible",
            message=f"takes effect on {takes_effect_on.isoformat()} ({basis})",
            facts={**common, "takes_effect_on": takes_effect_on.isoformat(), "basis": basis,
                   "posting_bound_used": "posted_on_or_after",
                   "stated_effective_date": _iso(stated)}))
        if takes_effect_on > today:
            verdicts.append(Verdict(
                name="upcoming", certainty="certain",
                message=f"takes effect in {_days((takes_effect_on - today).days)}, on {takes_effect_on.isoformat()}",
                facts={**common, "takes_effect_on": takes_effect_on.isoformat(),
                       "now": today.isoformat(), "days_until": (takes_effect_on - today).days}))
    return ChangeSet(**base, takes_effect_on=takes_effect_on,  # type: ignore[arg-type]
                     verdicts=tuple(verdicts))
