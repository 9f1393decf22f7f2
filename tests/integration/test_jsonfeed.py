#!/usr/bin/env python3
"""JSON Feed 1.0 and 1.1 through the real binaries (issue #4).

"herald parse FILE" prints format "jsonfeed" and design §4's fields for
the fixtures in tests/fixtures/jsonfeed/; broken and non-feed JSON fail
with a message. Then heraldd --once fetches two JSON Feeds from a
loopback server (one served as application/feed+json, one as text/plain,
so its body is sniffed), stores and tags them, and the round trip closes:
"herald export --format json" writes a JSON Feed that "herald parse"
reads back with the same items.

Prints "ok N - name" / "not ok N - name" (TAP); exits 1 on any failure.
Only 127.0.0.1 is used.
"""
import argparse
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from slow import stretch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "jsonfeed")
TOPIC = "herons"

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), name))
    if not cond and detail:
        for line in str(detail).splitlines():
            print("#   " + line)
    sys.stdout.flush()
    return cond


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def served_feed():
    """A JSON Feed 1.1 with relative urls: the fetch URL is their base."""
    now = int(time.time())
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Wading birds",
        "home_page_url": "/birds/",
        "authors": [{"name": "Ada Birder"}],
        "items": [
            {"id": 101, "url": "posts/grey-heron",
             "title": "A grey heron at the pond",
             "content_html": "<p>The <b>heron</b> stood still.</p>",
             "date_published": rfc3339(now - 3600),
             "tags": ["birds", "herons"]},
            {"id": "102", "url": "posts/night-heron",
             "title": "Night herons roost in town",
             "content_text": "Dozens of night herons.",
             "date_published": rfc3339(now - 7200),
             "authors": [{"name": "Bo Watcher"}],
             "attachments": [{"url": "/audio/call.mp3",
                              "mime_type": "audio/mpeg",
                              "size_in_bytes": 4096}]},
            {"id": "103", "url": "posts/sparrow",
             "title": "Sparrows at the feeder",
             "content_text": "Not a wading bird.",
             "date_published": rfc3339(now - 10800)},
        ],
    }


def plain_feed():
    """JSON Feed 1.0 served as text/plain: found by its first byte."""
    return {
        "version": "https://jsonfeed.org/version/1",
        "title": "Mislabelled",
        "author": {"name": "Cy Plain"},
        "items": [{"id": "p1", "url": "https://herons.example/nest",
                   "title": "Herons nest early this year",
                   "content_text": "A heron colony.",
                   "date_published": rfc3339(int(time.time()) - 60)}],
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes = {}     # path: (Content-Type, body)

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        ctype, body = self.routes.get(self.path, (None, b""))
        self.send_response(200 if ctype else 404)
        if ctype:
            self.send_header("Content-Type", ctype + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def parse(herald, *args):
    p = subprocess.run([herald, "parse"] + list(args), capture_output=True,
                       text=True, timeout=stretch(60))
    try:
        doc = json.loads(p.stdout) if p.returncode == 0 else {}
    except ValueError:
        doc = {}
    return p, doc


def test_parse_fixtures(herald):
    p, doc = parse(herald, os.path.join(FIXTURES, "v1-blog.json"))
    check("parse 1.0: exit 0", p.returncode == 0, p.stderr)
    check("parse 1.0: format jsonfeed, UTF-8, not bozo",
          doc.get("format") == "jsonfeed" and
          doc.get("encoding") == "UTF-8" and doc.get("bozo") is False, doc)
    check("parse 1.0: feed title and link",
          doc.get("feed", {}).get("title") == "My Example Feed" and
          doc.get("feed", {}).get("link") == "https://example.org/", doc)
    items = doc.get("items", [])
    want = [("2", "https://example.org/second-item", None,
             "2021-01-02T03:04:05Z", "Jane Writer"),
            ("1", "https://example.org/blog/initial-post", "Hello",
             "2020-08-07T11:44:36Z", "Guest Poster"),
            ("3", "https://elsewhere.example/story",
             "Numeric id, link elsewhere", None, "Jane Writer")]
    got = [(i.get("id"), i.get("link"), i.get("title"), i.get("published"),
            i.get("author")) for i in items]
    check("parse 1.0: ids, links, titles, dates, authors", got == want,
          "\n".join(map(repr, got)))
    # "content" is the HTML, "content_text" its plain text (design §4).
    check("parse 1.0: content_html as given, its plain text the summary",
          len(items) == 3 and
          items[1].get("content") == "<p>Hello, <b>world</b>!</p>" and
          items[1].get("content_text") == "Hello, world!" and
          items[1].get("summary") == "Hello, world!", items)
    check("parse 1.0: content_text is the text, escaped as the HTML",
          len(items) == 3 and items[0].get("content_text") ==
          "This is a second item. It has two lines & a <tag>." and
          items[0].get("content") == "This is a second item.\nIt has two "
          "lines &amp; a &lt;tag&gt;.", items)
    check("parse 1.0: tags are categories",
          len(items) == 3 and items[0].get("categories") == ["notes", "meta"],
          items)

    p, doc = parse(herald, "--url", "https://mirror.example/x/feed",
                   os.path.join(FIXTURES, "v1-blog.json"))
    items = doc.get("items", [])
    check("parse --url: relative links resolve against the document URL",
          len(items) == 3 and
          items[1].get("link") == "https://mirror.example/x/initial-post",
          items)

    p, doc = parse(herald, os.path.join(FIXTURES, "v11-podcast.json"))
    items = doc.get("items", [])
    check("parse 1.1 podcast: exit 0, jsonfeed, 2 items",
          p.returncode == 0 and doc.get("format") == "jsonfeed" and
          len(items) == 2, p.stderr)
    encs = items[0].get("enclosures") if items else None
    check("parse 1.1 podcast: attachments are enclosures", encs == [
        {"url": "http://therecord.example/downloads/"
                "The-Record-sp1e1-ChrisParrish.m4a",
         "type": "audio/x-m4a", "length": 89970236},
        {"url": "http://therecord.example/downloads/sp1e1.mp3",
         "type": "audio/mpeg", "length": None}], encs)
    check("parse 1.1 podcast: date in UTC, authors, summary",
          items and items[0].get("published") == "2014-05-09T21:04:00Z" and
          items[0].get("author") == "Brent Host" and
          items[1].get("author") == "Second Host" and
          items[0].get("summary", "").startswith("Brent interviews"), items)

    p, doc = parse(herald, os.path.join(FIXTURES, "wrong-types.json"))
    check("parse wrong types: exit 0, bozo, warnings name the members",
          p.returncode == 0 and doc.get("bozo") is True and
          "items[3].id is a boolean, not a string; ignored" in
          doc.get("warnings", []), doc.get("warnings"))

    # The same document on stdin, labelled as JSON.
    with open(os.path.join(FIXTURES, "v11-microblog.json"), "rb") as fh:
        body = fh.read()
    p = subprocess.run([herald, "parse", "--content-type",
                        "application/feed+json", "-"], input=body,
                       capture_output=True, timeout=stretch(60))
    check("parse - with --content-type application/feed+json",
          p.returncode == 0 and
          json.loads(p.stdout).get("format") == "jsonfeed", p.stderr)


def test_parse_errors(herald, tmp):
    cases = [
        ("broken.json", b'{"version":\n "https://jsonfeed.org/version/1",'
         b'\n "items": [tru]}', "not JSON: 3:"),
        ("array.json", b'[{"id": 1}]',
         "not a feed: JSON without a JSON Feed version"),
        ("noversion.json", b'{"title": "x", "items": []}',
         "not a feed: JSON without a JSON Feed version"),
        ("deep.json", b"[" * 10000 + b"]" * 10000, None),
    ]
    for name, body, msg in cases:
        path = os.path.join(tmp, name)
        with open(path, "wb") as fh:
            fh.write(body)
        p = subprocess.run([herald, "parse", "--content-type",
                            "application/json", path],
                           capture_output=True, text=True, timeout=stretch(60))
        check("parse %s: exit 1 with a message" % name,
              p.returncode == 1 and p.stdout == "" and
              (msg or "not JSON: 1:") in p.stderr, p.stderr)


class Daemon:
    def __init__(self, build):
        self.build = os.path.join(REPO, build)
        self.dir = tempfile.mkdtemp(prefix="herald-jsonfeed-")
        Handler.routes = {
            "/birds/feed.json": ("application/feed+json",
                                 json.dumps(served_feed()).encode()),
            "/plain/feed.json": ("text/plain",
                                 b"\xef\xbb\xbf\n" +
                                 json.dumps(plain_feed()).encode()),
        }
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.base = "http://127.0.0.1:%d" % self.srv.server_address[1]
        os.mkdir(os.path.join(self.dir, "topics"))
        with open(os.path.join(self.dir, "topics", TOPIC + ".topic"),
                  "w") as fh:
            fh.write("[topic %s]\nlabel = Herons\nthreshold = 1\n\n"
                     "[group herons]\nweight = 2\nterms = heron*\n" % TOPIC)
        with open(os.path.join(self.dir, "feeds.conf"), "w") as fh:
            fh.write('%s/birds/feed.json name="birds"\n' % self.base)
            fh.write('%s/plain/feed.json name="plain"\n' % self.base)
        self.conf = os.path.join(self.dir, "heraldd.conf")
        with open(self.conf, "w") as fh:
            fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                     "topics = topics\ncontrol_socket = control.sock\n"
                     "[fetch]\nallow_private = yes\ntimeout = 10s\n")

    def daemon(self, *args):
        return subprocess.run([os.path.join(self.build, "heraldd"), "-f",
                               self.conf] + list(args),
                              capture_output=True, text=True, timeout=stretch(120))

    def cli(self, *args):
        return subprocess.run([os.path.join(self.build, "herald"), "-f",
                               self.conf] + list(args),
                              capture_output=True, text=True, timeout=stretch(60))

    def jsonl(self, *args):
        r = self.cli(*args)
        if r.returncode != 0:
            return []
        return [json.loads(l) for l in r.stdout.splitlines() if l]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_daemon_round_trip(env):
    r = env.daemon("--once")
    if not check("heraldd --once fetches the JSON Feeds", r.returncode == 0,
                 r.stderr):
        return
    feeds = env.jsonl("feeds", "list", "--format", "json")
    check("both feeds were fetched without an error, 3 and 1 items",
          len(feeds) == 2 and all(not f.get("last_error") for f in feeds)
          and sorted(f.get("items") for f in feeds) == [1, 3], feeds)
    items = env.jsonl("list", "--format", "json")
    by_title = {i["title"]: i for i in items}
    heron = by_title.get("A grey heron at the pond", {})
    night = by_title.get("Night herons roost in town", {})
    check("four items stored (application/feed+json and text/plain)",
          len(items) == 4, [(i.get("title"), i.get("feed")) for i in items])
    check("links resolved against the fetch URL",
          heron.get("link") == env.base + "/birds/posts/grey-heron", heron)
    check("guids are the JSON Feed ids, numbers as strings",
          heron.get("guid") == "101" and night.get("guid") == "102",
          items)
    tagged = env.jsonl("list", "--topic", TOPIC, "--format", "json")
    check("the topic tags the three heron items",
          sorted(i["title"] for i in tagged) ==
          sorted(["A grey heron at the pond", "Night herons roost in town",
                  "Herons nest early this year"]), tagged)

    out = os.path.join(env.dir, "herons.json")
    r = env.cli("export", "--topic", TOPIC, "--format", "json", "-o", out)
    if not check("herald export --format json", r.returncode == 0,
                 r.stderr):
        return
    p, doc = parse(os.path.join(env.build, "herald"), out)
    check("herald parse reads the JSON Feed export",
          p.returncode == 0 and doc.get("format") == "jsonfeed" and
          doc.get("bozo") is False, p.stderr + str(doc.get("warnings")))
    got = [(i.get("title"), i.get("link")) for i in doc.get("items", [])]
    want = [(i.get("title"), i.get("link")) for i in tagged]
    check("round trip: the export's items are the topic's, in order",
          got == want, "\n".join(map(repr, got + ["--"] + want)))
    authors = {i.get("title"): i.get("author")
               for i in doc.get("items", [])}
    check("round trip: authors survive", authors == {
        "A grey heron at the pond": "Ada Birder",
        "Night herons roost in town": "Bo Watcher",
        "Herons nest early this year": "Cy Plain"}, authors)
    content = {i.get("title"): (i.get("content"), i.get("content_text"))
               for i in doc.get("items", [])}
    check("round trip: content survives, HTML and text",
          content.get("A grey heron at the pond") ==
          ("<p>The <b>heron</b> stood still.</p>",
           "The heron stood still.") and
          content.get("Night herons roost in town") ==
          ("Dozens of night herons.", "Dozens of night herons."), content)
    check("round trip: ids are herald's urn:herald:item:N",
          all((i.get("id") or "").startswith("urn:herald:item:")
              for i in doc.get("items", [])), doc.get("items"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    herald = os.path.join(REPO, a.build, "herald")
    tmp = tempfile.mkdtemp(prefix="herald-jsonfeed-parse-")
    try:
        test_parse_fixtures(herald)
        test_parse_errors(herald, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    env = Daemon(a.build)
    try:
        test_daemon_round_trip(env)
    finally:
        env.close()
    print("1..%d" % len(results))
    return 0 if all(results) else 1


sys.exit(main())
