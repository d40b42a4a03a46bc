"""Which address a request comes from: the one rule every throttle keys on.

The direct peer is the client, unless it is one of ``trusted_proxies``: then the right-most
``X-Forwarded-For`` address that is not itself a trusted proxy is. Entries to the left of it
were written by the client and prove nothing, so a client cannot pick its own counter.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from flask import request

from ..services.platform.runtime import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def proxy_networks(setting: str) -> tuple[Network, ...]:
    """The ``trusted_proxies`` setting (addresses or CIDR ranges, comma or space separated)."""
    items = setting.replace(",", " ").split()
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def forwarded_client(peer: str, forwarded_for: list[str], networks: tuple[Network, ...]) -> str:
    """The client address given the direct peer and the ``X-Forwarded-For`` values (in the
    order received). Pure; :func:`client_address` feeds it the current request."""
    current = _parse(peer)
    if current is None:
        return peer
    if not networks or not _trusted(current, networks):
        return str(current)
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage from a trusted hop: the hop that reported it is the best we know
        current = address
        if not _trusted(address, networks):
            break
    return str(current)


def client_address() -> str:
    """The client address of the current request (see the module docstring)."""
    return address_of(request.remote_addr, request.headers.getlist("X-Forwarded-For"))


def address_of(remote_addr: str | None, forwarded_for: list[str]) -> str:
    """The client address of a request from peer ``remote_addr`` with these
    ``X-Forwarded-For`` headers (the thin path has no Flask request)."""
    peer = remote_addr or "127.0.0.1"
    setting = settings().trusted_proxies
    if not setting:
        return peer
    return forwarded_client(peer, forwarded_for, proxy_networks(setting))


def source_key() -> str:
    """The key a throttle counts a source under: the client address, or for IPv6 its /64
    (one subscriber's prefix: counting single addresses would give an attacker 2^64 tries)."""
    return source_key_of(client_address())


@lru_cache(maxsize=4096)  # pure; the hot path asks for the same few addresses
def source_key_of(address: str) -> str:
    """:func:`source_key` for a given client address."""
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
