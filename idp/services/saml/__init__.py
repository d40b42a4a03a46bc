"""The SAML face's services (OIOSAML 3): service providers registered from their metadata."""

from .registry import (
    SpSummary,
    fetch_metadata,
    get_sp,
    list_sps,
    metadata_of,
    refresh_from_source,
    refresh_sp,
    register_sp,
    remove_sp,
    sp_of,
    summary,
)
from .sp_metadata import SpMetadata, parse_sp_metadata

__all__ = [
    "SpMetadata",
    "SpSummary",
    "fetch_metadata",
    "get_sp",
    "list_sps",
    "metadata_of",
    "parse_sp_metadata",
    "refresh_from_source",
    "refresh_sp",
    "register_sp",
    "remove_sp",
    "sp_of",
    "summary",
]
