"""The part of Go's ``net/url`` and ``net`` that Tekton's git credential writers use.

``.git-credentials`` lines are ``url.Parse(annotation)`` with ``User`` replaced by
``url.UserPassword(username, password)`` and printed with ``URL.String()``; the ssh
config splits ``host[:port][/path]`` with ``net.SplitHostPort``. Python's
``urllib.parse`` escapes differently (and accepts what Go refuses), so the few Go rules
that decide the bytes of those files are ported here: the scheme scan, the authority
split, percent-unescaping with Go's errors, ``shouldEscape`` for user info and paths.
Standard library only (this runs inside the step wrapper).
"""

from __future__ import annotations

_HEX = "0123456789ABCDEF"
_UNRESERVED_MARKS = b"-_.~"
_RESERVED = b"$&+,/:;=?@"
_SUB_DELIMS_OK = b"!$&'()*+,;=:@[]%"


class URLError(Exception):
    """``url.Parse`` refused the text; the message is Go's ``*url.Error`` text."""


def _should_escape(c: int, mode: str) -> bool:
    """Go's ``shouldEscape`` for the ``userinfo`` and ``path`` encodings."""
    if 0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A or 0x30 <= c <= 0x39:
        return False
    if c in _UNRESERVED_MARKS:
        return False
    if c in _RESERVED:
        if mode == "path":
            return c == 0x3F  # only '?'
        # userinfo: '@', '/', '?' and ':' would be misread when parsing it back.
        return c in b"@/?:"
    return True


def escape(text: str, mode: str) -> str:
    """Go's ``escape(s, encodeUserPassword | encodePath)``: percent-encode the UTF-8
    bytes ``shouldEscape`` names, upper-case hex, spaces as ``%20``."""
    out = []
    for c in text.encode("utf-8", "surrogateescape"):
        if _should_escape(c, mode):
            out.append("%" + _HEX[c >> 4] + _HEX[c & 15])
        else:
            out.append(chr(c))
    return "".join(out)


def _unescape(text: str) -> str:
    """Go's ``unescape`` (path mode): ``%XX`` decoded; a bad escape is an error."""
    data = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0x25:  # '%'
            pair = data[i + 1 : i + 3]
            if len(pair) < 2 or not all(chr(b) in "0123456789abcdefABCDEF" for b in pair):
                bad = data[i : i + 3].decode("utf-8", "surrogateescape")
                raise ValueError(f'invalid URL escape "{bad}"')
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def _valid_encoded(text: str) -> bool:
    return all(
        c in _SUB_DELIMS_OK or not _should_escape(c, "path")
        for c in text.encode("utf-8", "surrogateescape")
    )


class GoURL:
    """A parsed URL as Go keeps it (only what ``String`` needs)."""

    __slots__ = ("fragment", "has_user", "host", "opaque", "path", "query", "raw_path", "scheme")

    def __init__(self) -> None:
        self.scheme = ""
        self.opaque = ""
        self.host = ""
        self.path = ""
        self.raw_path = ""
        self.query: str | None = None
        self.fragment = ""
        self.has_user = False

    def has_path(self) -> bool:
        """``urlHasPath`` of Tekton's ``basic.go``: a path other than ``""`` and ``/``."""
        return self.path not in ("", "/")

    def escaped_path(self) -> str:
        """``URL.EscapedPath``."""
        if self.raw_path and _valid_encoded(self.raw_path):
            try:
                if _unescape(self.raw_path) == self.path:
                    return self.raw_path
            except ValueError:
                pass
        if self.path == "*":
            return "*"
        return escape(self.path, "path")

    def with_user_password(self, username: str, password: str) -> str:
        """``u.User = url.UserPassword(username, password); u.String()``."""
        user = escape(username, "userinfo") + ":" + escape(password, "userinfo")
        out = []
        if self.scheme:
            out.append(self.scheme + ":")
        if self.opaque:
            out.append(self.opaque)
        else:
            # With a user set, Go always writes the authority.
            out.append("//" + user + "@" + self.host)
            path = self.escaped_path()
            if path and path[0] != "/" and self.host:
                out.append("/")
            out.append(path)
        if self.query is not None:
            out.append("?" + self.query)
        if self.fragment:
            out.append("#" + self.fragment)
        return "".join(out)


def _split_scheme(raw: str) -> tuple[str, str]:
    for i, ch in enumerate(raw):
        if ch.isascii() and ch.isalpha():
            continue
        if ch.isascii() and (ch.isdigit() or ch in "+-."):
            if i == 0:
                return "", raw
            continue
        if ch == ":":
            if i == 0:
                raise ValueError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


def _check_port(host: str) -> None:
    colon = host.rfind(":")
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise ValueError("missing ']' in host")
        colon = end + 1 if host[end + 1 : end + 2] == ":" else -1
    if colon >= 0:
        port = host[colon:]
        if port != ":" and not port[1:].isdigit():
            raise ValueError(f'invalid port "{port}" after host')


def parse(raw: str) -> GoURL:
    """``url.Parse``; raises :class:`URLError` with Go's message."""
    try:
        return _parse(raw)
    except ValueError as error:
        raise URLError(f'parse "{raw}": {error}') from None


def _parse(raw: str) -> GoURL:
    url = GoURL()
    rest, _, fragment = raw.partition("#")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise ValueError("net/url: invalid control character in URL")
    url.fragment = fragment
    scheme, rest = _split_scheme(rest)
    url.scheme = scheme.lower()
    if rest.endswith("?") and rest.count("?") == 1:
        url.query, rest = "", rest[:-1]
    elif "?" in rest:
        rest, url.query = rest.split("?", 1)
    if not rest.startswith("/"):
        if url.scheme:
            url.opaque = rest
            return url
        segment = rest.split("/", 1)[0]
        if ":" in segment:
            raise ValueError("first path segment in URL cannot contain colon")
    if rest.startswith("//") and (url.scheme or not rest.startswith("///")):
        authority, slash, rest = rest[2:].partition("/")
        rest = slash + rest
        at = authority.rfind("@")
        host = authority[at + 1 :]
        if at >= 0:
            url.has_user = True
            _unescape(authority[:at])
        _check_port(host)
        url.host = host
    url.path = _unescape(rest)
    url.raw_path = "" if escape(url.path, "path") == rest else rest
    return url


def split_host_port(hostport: str) -> tuple[str, str]:
    """``net.SplitHostPort``; raises ValueError (Tekton falls back to port 22 then)."""
    colon = hostport.rfind(":")
    if colon < 0:
        raise ValueError("missing port in address")
    start, end_bracket = 0, 0
    if hostport[0] == "[":
        end = hostport.find("]")
        if end < 0:
            raise ValueError("missing ']' in address")
        if end + 1 == len(hostport):
            raise ValueError("missing port in address")
        if end + 1 != colon:
            if hostport[end + 1] == ":":
                raise ValueError("too many colons in address")
            raise ValueError("missing port in address")
        host = hostport[1:end]
        start, end_bracket = 1, end + 1
    else:
        host = hostport[:colon]
        if ":" in host:
            raise ValueError("too many colons in address")
    if "[" in hostport[start:]:
        raise ValueError("unexpected '[' in address")
    if "]" in hostport[end_bracket:]:
        raise ValueError("unexpected ']' in address")
    return host, hostport[colon + 1 :]
