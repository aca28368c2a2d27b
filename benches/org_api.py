#!/usr/bin/env python3
"""A GitHub list API on loopback for benches/org.sh: /orgs/acme/repos lists
the first N repositories of DIR (repo-000.git ...) as file:// clone URLs, 50
a page with Link headers. Usage: org_api.py DIR N PORT_FILE"""
import http.server
import json
import os
import sys
import urllib.parse

DIR, N, PORT_FILE = os.path.abspath(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
REPOS = [{"full_name": f"acme/repo-{i:03}", "clone_url": f"file://{DIR}/repo-{i:03}.git",
          "archived": False, "fork": False} for i in range(N)]


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        per, page = int(q.get("per_page", ["30"])[0]), int(q.get("page", ["1"])[0])
        body = json.dumps(REPOS[(page - 1) * per: page * per]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if page * per < len(REPOS):
            host = self.headers.get("Host")
            self.send_header("Link", f'<http://{host}{u.path}?per_page={per}&page={page + 1}>; rel="next"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(PORT_FILE, "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
