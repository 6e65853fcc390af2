"""Which channels want which sources: a pure function of the config."""

from __future__ import annotations

from monitor.config import ChannelConfig, SourceConfig
from storage.models import Source


def channel_matches(channel: ChannelConfig, source: SourceConfig | Source) -> bool:
    """True when the source's channel list (if any) and the channel's filters admit the source.

    Takes a config entry or a source row (a row carries no channel list: filters alone decide).
    """
    wanted = getattr(source, "channels", None)
    if wanted is not None and channel.name not in wanted:
        return False
    return all(not allowed or value in allowed for allowed, value in (
        (channel.sources, source.slug),
        (channel.platforms, source.platform),
        (channel.document_types, source.document_type),
    ))
