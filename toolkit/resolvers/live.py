"""Live DNS through dnspython: a stub resolver that keeps NXDOMAIN, NODATA and TEMPFAIL apart.

- Servers: `nameservers` as (address, port) pairs; a host name there is resolved once, at construction, by the
  system. Without them, the `nameserver` lines of `resolv_conf` (/etc/resolv.conf), port 53. No usable servers is
  not an exception: every query is then TEMPFAIL with `config_error` as detail.
- Names are always absolute: no search list, no ndots (DKIM-14), even when the servers come from /etc/resolv.conf.
- Each `query()` has one time budget (`timeout` seconds, the lifetime) shared by all tries: up to `attempts`
  rounds over the servers, each try getting an equal slice. UDP first (EDNS0, 1232-byte payload), TCP when the
  answer is truncated (or always with `tcp=True`).
- A server that times out, refuses the connection, answers SERVFAIL/REFUSED/another RCODE or sends garbage is
  skipped; when every try failed the answer is TEMPFAIL with the last reason as `detail`: "timeout", "SERVFAIL",
  "REFUSED", the RCODE name, "connection refused" or "network error: ...".
- CNAME chains in the answer are followed (at most 8 links, loops are TEMPFAIL "CNAME loop"); the owner names
  followed are `cname_chain`. When the chain ends without data and without an SOA proving the target has none
  (an authoritative server does not chase CNAMEs into other zones), the target is asked for separately.
- A malformed name (empty label, label > 63 octets, name > 255 octets) cannot exist: NXDOMAIN, detail says why.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from pathlib import Path

import dns.exception
import dns.flags
import dns.inet
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.resolver

from toolkit.core.dns import DnsAnswer, DnsStatus, normalize_name
from toolkit.resolvers.records import MAX_CNAME, parse_name, parse_rdtype, records_from_rdataset

EDNS_PAYLOAD = 1232  # the DNS flag day 2020 size: avoids IP fragmentation, TCP takes over beyond it
_IN = dns.rdataclass.IN
_CNAME = dns.rdatatype.CNAME
_SOA = dns.rdatatype.SOA


def _server_label(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class LiveResolver:
    def __init__(
        self,
        nameservers: list[tuple[str, int]] | None = None,
        timeout: float = 5.0,
        *,
        attempts: int = 2,
        tcp: bool = False,
        resolv_conf: Path | str = "/etc/resolv.conf",
    ) -> None:
        self.timeout = float(timeout)
        self.attempts = max(1, attempts)
        self.tcp = tcp
        self.config_error = ""  # non-empty: every query is TEMPFAIL with this detail
        self.nameservers: tuple[tuple[str, int], ...] = ()
        if nameservers is None:
            self._read_system_config(Path(resolv_conf))
        else:
            self._set_nameservers(nameservers)

    def _read_system_config(self, path: Path) -> None:
        try:
            system = dns.resolver.Resolver(filename=str(path), configure=True)
            servers = [(str(ns), int(system.port)) for ns in system.nameservers]
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            self.config_error = f"no usable resolver configuration in {path}: {exc}"
            return
        self._set_nameservers(servers)  # the search list and ndots are deliberately ignored

    def _set_nameservers(self, servers: Sequence[tuple[str, int]]) -> None:
        resolved: list[tuple[str, int]] = []
        for host, port in servers:
            if dns.inet.is_address(host):
                resolved.append((host, int(port)))
                continue
            try:  # a server given by name: its first address, via the system resolver
                info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
                resolved.append((str(info[0][4][0]), int(port)))
            except (OSError, UnicodeError) as exc:
                self.config_error = f"cannot resolve nameserver {host!r}: {exc}"
                return
        if not resolved:
            self.config_error = "no nameservers configured"
        self.nameservers = tuple(resolved)

    # -- the Resolver protocol ------------------------------------------------------------------------------------
    def query(self, name: str, rdtype: str) -> DnsAnswer:
        rdtype = rdtype.upper()
        shown = normalize_name(name)
        if self.config_error:
            return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, source="live", detail=self.config_error)
        qname = parse_name(name)
        if isinstance(qname, str):
            return DnsAnswer(shown, rdtype, DnsStatus.NXDOMAIN, source="live", detail=qname)
        rdt = parse_rdtype(rdtype)
        if rdt is None:
            return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, source="live", detail=f"unknown type {rdtype}")

        deadline = time.monotonic() + self.timeout
        chain: list[str] = []
        seen = {qname}  # names met in the chain (loop detection)
        asked = {qname}  # names sent to a server
        ttl: int | None = None
        current = qname
        while True:
            response, source, failure = self._ask(current, rdt, deadline)
            if response is None:
                return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, (), 0, source, failure, tuple(chain))
            # Walk the CNAME chain inside this response.
            while True:
                rrset = response.get_rrset(response.answer, current, _IN, rdt)
                if rrset is not None:
                    ttl = _min(ttl, rrset.ttl)
                    return DnsAnswer(
                        shown, rdtype, DnsStatus.OK, records_from_rdataset(rrset), ttl, source, "", tuple(chain)
                    )
                cname = response.get_rrset(response.answer, current, _IN, _CNAME) if rdt != _CNAME else None
                if cname is None:
                    break
                chain.append(normalize_name(current.to_text()))
                ttl = _min(ttl, cname.ttl)
                current = cname[0].target
                if current in seen or len(chain) > MAX_CNAME:
                    detail = "CNAME loop" if current in seen else "CNAME chain too long"
                    return DnsAnswer(
                        shown, rdtype, DnsStatus.TEMPFAIL, source=source, detail=detail, cname_chain=tuple(chain)
                    )
                seen.add(current)
            negative_ttl = _negative_ttl(response, current)
            if response.rcode() == dns.rcode.NXDOMAIN:
                return DnsAnswer(
                    shown, rdtype, DnsStatus.NXDOMAIN, (), _min(ttl, negative_ttl) or 0, source, "", tuple(chain)
                )
            if chain and negative_ttl is None and current not in asked:
                asked.add(current)
                continue  # the server stopped at a CNAME into another zone: ask for the target ourselves
            return DnsAnswer(
                shown, rdtype, DnsStatus.NODATA, (), _min(ttl, negative_ttl) or 0, source, "", tuple(chain)
            )

    # -- transport ------------------------------------------------------------------------------------------------
    def _ask(self, qname: dns.name.Name, rdt: int, deadline: float) -> tuple[dns.message.Message | None, str, str]:
        """(response, source, "") for the first NOERROR/NXDOMAIN response from any server, else (None, source of
        the last server tried, why it failed)."""
        request = dns.message.make_query(qname, rdt, use_edns=0, payload=EDNS_PAYLOAD)
        tries = [server for _ in range(self.attempts) for server in self.nameservers]
        failure, source = "timeout", "live"
        for index, (host, port) in enumerate(tries):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            slice_ = remaining / (len(tries) - index)  # equal shares of what is left
            source = f"live:{_server_label(host, port)}"
            try:
                response = self._exchange(request, host, port, slice_)
            except dns.exception.Timeout:
                failure = "timeout"
                continue
            except ConnectionRefusedError:
                failure = "connection refused"
                continue
            except OSError as exc:
                failure = f"network error: {exc.strerror or exc}"
                continue
            except dns.exception.DNSException as exc:  # malformed or mismatched response
                failure = f"bad response: {exc}"
                continue
            rcode = response.rcode()
            if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return response, source, ""
            failure = dns.rcode.to_text(rcode)  # SERVFAIL, REFUSED, FORMERR, NOTIMP, ...
        return None, source, failure

    def _exchange(self, request: dns.message.Message, host: str, port: int, timeout: float) -> dns.message.Message:
        if not self.tcp:
            started = time.monotonic()
            # A connected socket makes an ICMP "port unreachable" surface as ConnectionRefusedError at once.
            with socket.socket(dns.inet.af_for_address(host), socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                sock.connect((host, port))
                response = dns.query.udp(
                    request, host, timeout=timeout, port=port, sock=sock, ignore_unexpected=True, ignore_errors=True
                )
            if not response.flags & dns.flags.TC:
                return response
            timeout = max(0.001, timeout - (time.monotonic() - started))
        return dns.query.tcp(request, host, timeout=timeout, port=port)


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _negative_ttl(response: dns.message.Message, name: dns.name.Name) -> int | None:
    """RFC 2308 §5: the SOA in the authority section, TTL = min(SOA TTL, SOA MINIMUM); None if no SOA covers name."""
    for rrset in response.authority:
        if rrset.rdtype == _SOA and name.is_subdomain(rrset.name) and len(rrset):
            return min(rrset.ttl, rrset[0].minimum)
    return None
