"""Which channels want which sources: a pure function of the config."""

from __future__ import annotations

def channel_matches(channel_cfg, source_cfg) -> bool:  # type: ignore[no-untyped-def]
    """True when the channel's filters (and the source's channel list, if any) admit the source."""
    wanted = getattr(source_cfg, "channels", None)
    if wanted is not None and channel_cfg.name not in wanted:
        return False
    return all(not allowed or value in allowed for allowed, value in (
        (channel_cfg.sources, source_cfg.slug),
        (channel_cfg.platforms, source_cfg.platform),
        (channel_cfg.document_types, source_cfg.document_type),
    ))
