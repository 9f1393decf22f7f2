#!/usr/bin/env python3
"""evilhttpd: a scriptable, misbehaving HTTP/1.1 server for herald's
hostile-input tests (RELIABILITY.md §2, §9.1).

Listens on loopback only (127.0.0.1 by default; --host may add other
127.x or, inside a private network namespace, any local address), writes
its port to --port-file, appends one line per request to --log
("HOST PATH" on arrival) and exits by itself after --lifetime seconds so a
crashed test never leaves it behind. --victim HOST:PORTFILE also opens a
listener that only records connections (SSRF canary).

Routes (every one answers a single request, then closes):
  /ok/NAME[?n=K]         a valid RSS 2.0 feed with K (3) items named NAME-i
  /html                  200 text/html: a web page, not a feed
  /ok-as/NAME?ct=TYPE    a valid feed served as TYPE (default text/html)
  /empty                 200 with an empty body
  /chunk-noterm          chunked, one chunk, then close without the 0 chunk
  /status/CODE           that status with a short text body
  /script?status=..&reason=..&h=Name:%20value&delay=S&body=..
                         anything: status, reason phrase, headers (h may
                         repeat), a delay before the status line, a body
  /delay/S/NAME          sleeps S seconds, then /ok/NAME
  /drip                  headers, then one byte of a feed per second
  /silent                accepts, reads the request, never answers
  /endless               chunked, zeros as fast as the client reads
  /huge                  Content-Length: 1 GiB, then zeros until closed
  /gzbomb                gzip of 10 GiB of zeros (about 10 MB on the
                         wire), compressed on the fly, Content-Length none
  /chain6                Content-Encoding: gzip six times
  /redirloop             302 to itself, forever
  /redir?to=URL          302 to URL (file://, 127.0.0.2, 169.254.169.254..)
  /reset                 half the announced body, then an RST (SO_LINGER 0)
  /short                 half the announced body, then a clean FIN
  /badchunk              chunked encoding with an invalid size line
  /304                   304 Not Modified whatever the request said
  /429?ra=V  /503?ra=V   that status with Retry-After: V
  /hugeheaders           400 KB of response headers
  /garbage-status        an SSH banner instead of HTTP
  /escreason             500 with terminal escapes in the reason phrase
"""
import argparse
import asyncio
import email.utils
import os
import socket
import struct
import sys
import time
import urllib.parse
import zlib

LOG = None


def log(line):
    if LOG:
        with open(LOG, "a") as fh:
            fh.write(line + "\n")


def rss(name, n=3):
    items = "".join(
        "<item><title>%s item %d</title><link>http://example.test/%s/%d"
        "</link><guid>%s-%d</guid></item>" % (name, i, name, i, name, i)
        for i in range(n))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
            "<channel><title>%s</title><link>http://example.test/%s</link>"
            "%s</channel></rss>\n" % (name, name, items)).encode()


def head(status, reason, headers):
    lines = ["HTTP/1.1 %d %s" % (status, reason)]
    lines += ["%s: %s" % kv for kv in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(w, status, reason, headers, body=b""):
    headers = list(headers) + [("Content-Length", str(len(body)))]
    w.write(head(status, reason, headers) + body)
    await w.drain()


async def zeros_forever(w, chunked):
    block = b"\0" * 65536
    frame = (b"%x\r\n" % len(block)) + block + b"\r\n" if chunked else block
    while True:
        w.write(frame)
        await w.drain()


async def gzbomb(w):
    """10 GiB of zeros, gzip, made on the fly: the client stops reading
    long before (its decoded-size cap), which ends this loop."""
    w.write(head(200, "OK", [("Content-Type", "application/rss+xml"),
                             ("Content-Encoding", "gzip")]))
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    for _ in range(10 * 1024):
        out = z.compress(block)
        if out:
            w.write(out)
            await w.drain()
    w.write(z.flush())
    await w.drain()


def gz(data):
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


async def route(path, query, r, w, self_url):
    q = urllib.parse.parse_qs(query)
    parts = path.strip("/").split("/")
    p0 = parts[0] if parts else ""
    xml = [("Content-Type", "application/rss+xml; charset=utf-8")]
    if p0 == "ok":
        n = int(q.get("n", ["3"])[0])
        await send(w, 200, "OK", xml, rss(parts[1] if len(parts) > 1
                                          else "ok", n))
    elif p0 == "ok-as":
        # A valid feed under a misleading Content-Type (H17: must parse).
        await send(w, 200, "OK", [("Content-Type", q.get("ct", ["text/html"])[0])],
                   rss(parts[1] if len(parts) > 1 else "okas"))
    elif p0 == "empty":
        await send(w, 200, "OK", xml, b"")
    elif p0 == "chunk-noterm":
        body = rss("noterm")
        w.write(head(200, "OK", xml + [("Transfer-Encoding", "chunked")])
                + (b"%x\r\n" % 100) + body[:100] + b"\r\n")
        await w.drain()
        return
    elif p0 == "html":
        await send(w, 200, "OK", [("Content-Type", "text/html")],
                   b"<!DOCTYPE html><html><head><title>Welcome</title>"
                   b"</head><body><p>Not a feed<br></body></html>\n")
    elif p0 == "status":
        code = int(parts[1])
        await send(w, code, "Whatever", [("Content-Type", "text/plain")],
                   b"status %d\n" % code)
    elif p0 == "script":
        await asyncio.sleep(float(q.get("delay", ["0"])[0]))
        hdrs = [tuple(h.split(":", 1)) for h in q.get("h", [])]
        hdrs = [(k.strip(), v.strip()) for k, v in hdrs]
        await send(w, int(q.get("status", ["200"])[0]),
                   q.get("reason", ["OK"])[0], hdrs,
                   q.get("body", [""])[0].encode())
    elif p0 == "delay":
        await asyncio.sleep(float(parts[1]))
        await send(w, 200, "OK", xml, rss(parts[2]))
    elif p0 == "drip":
        body = rss("drip")
        w.write(head(200, "OK", xml + [("Content-Length", str(len(body)))]))
        for i in range(len(body)):
            w.write(body[i:i + 1])
            await w.drain()
            await asyncio.sleep(1)
    elif p0 == "silent":
        await asyncio.sleep(3600)
    elif p0 == "endless":
        w.write(head(200, "OK", xml + [("Transfer-Encoding", "chunked")]))
        await zeros_forever(w, True)
    elif p0 == "huge":
        w.write(head(200, "OK", xml + [("Content-Length", str(1 << 30))]))
        await zeros_forever(w, False)
    elif p0 == "gzbomb":
        await gzbomb(w)
    elif p0 == "chain6":
        body = rss("chain6")
        for _ in range(6):
            body = gz(body)
        await send(w, 200, "OK", xml + [("Content-Encoding",
                                         ", ".join(["gzip"] * 6))], body)
    elif p0 == "redirloop":
        await send(w, 302, "Found", [("Location", self_url + "/redirloop")])
    elif p0 == "redir":
        await send(w, 302, "Found", [("Location", q["to"][0])])
    elif p0 in ("reset", "short"):
        body = rss(p0, 40)
        w.write(head(200, "OK", xml + [("Content-Length", str(len(body)))])
                + body[:len(body) // 2])
        await w.drain()
        if p0 == "reset":
            sock = w.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
            w.transport.abort()
            return
    elif p0 == "badchunk":
        w.write(head(200, "OK", xml + [("Transfer-Encoding", "chunked")])
                + b"5\r\n<rss \r\nZZZ\r\nversion\r\n0\r\n\r\n")
    elif p0 == "304":
        w.write(head(304, "Not Modified", []))
    elif p0 in ("429", "503"):
        ra = q.get("ra", ["120"])[0]
        if ra == "date":
            ra = email.utils.formatdate(time.time() + 7200, usegmt=True)
        await send(w, int(p0), "Slow Down", [("Retry-After", ra)],
                   b"go away\n")
    elif p0 == "hugeheaders":
        hdrs = [("X-Pad-%d" % i, "x" * 1000) for i in range(400)]
        await send(w, 200, "OK", xml + hdrs, rss("hugeheaders"))
    elif p0 == "garbage-status":
        w.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + b"\x00\xff" * 64)
    elif p0 == "escreason":
        w.write(b"HTTP/1.1 500 \x1b]0;owned\x07\x1b[2J Oops\x9b31m\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    else:
        await send(w, 404, "Not Found", [], b"no route\n")
    await w.drain()


async def handle(r, w, host, port):
    try:
        line = await asyncio.wait_for(r.readline(), 30)
        while True:
            h = await asyncio.wait_for(r.readline(), 30)
            if h in (b"\r\n", b"\n", b""):
                break
        target = line.decode("latin-1").split(" ")
        if len(target) < 2:
            return
        u = urllib.parse.urlsplit(target[1])
        log("%s %s" % (host, target[1]))
        await route(u.path, u.query, r, w, "http://%s:%d" % (host, port))
    except (ConnectionError, asyncio.TimeoutError, OSError, ValueError,
            KeyError, IndexError):
        pass
    finally:
        try:
            w.close()
        except OSError:
            pass


async def victim(r, w, host):
    log("VICTIM %s connection" % host)
    w.close()


async def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", action="append", default=[])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--victim", action="append", default=[],
                    help="HOST:PORTFILE, a listener that logs connections")
    ap.add_argument("--lifetime", type=float, default=900)
    a = ap.parse_args()
    LOG = a.log
    hosts = a.host or ["127.0.0.1"]
    port = 0
    servers = []
    for h in hosts:
        srv = await asyncio.start_server(
            lambda r, w, h=h: handle(r, w, h, port), h, port)
        port = srv.sockets[0].getsockname()[1]
        servers.append(srv)
    for v in a.victim:
        vh, vf = v.split(":", 1)
        srv = await asyncio.start_server(
            lambda r, w, vh=vh: victim(r, w, vh), vh, 0)
        with open(vf + ".tmp", "w") as fh:
            fh.write(str(srv.sockets[0].getsockname()[1]))
        os.rename(vf + ".tmp", vf)
        servers.append(srv)
    with open(a.port_file + ".tmp", "w") as fh:
        fh.write(str(port))
    os.rename(a.port_file + ".tmp", a.port_file)
    await asyncio.sleep(a.lifetime)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
