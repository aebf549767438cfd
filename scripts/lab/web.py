#!/usr/bin/python3
"""The lab's web servers: the customer's service (www.shop.test), the anchors' own web (a known-good
host for control probes) and the ISP's captive portal, in one small threaded server per process.

Usage: web.py MODE CERT KEY LISTEN...
  MODE    ok (200 page) | slow (headers after SLOW_S) | error (503) | portal (302 to the login page)
  CERT KEY  PEM files for the https listeners, or - - when there are none
  LISTEN  http:IP:PORT | https:IP:PORT | http:[IPv6]:PORT | https:[IPv6]:PORT
Prints "ready" once every listener is bound (lab.sh waits for it). Standard library only.
"""
import http.server, socket, ssl, sys, threading, time

MODE, CERT, KEY, LISTEN = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
# service-slow: above the 1 s "very high" HTTPS latency threshold with margin for a loaded machine,
# well inside the agent's 5 s HTTP budget.
SLOW_S = 1.5
PAGE = "<!doctype html><title>{0}</title><h1>netdiag lab {0}</h1>\n"
PORTAL = "http://portal.isp.test/login"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(30)

    def do_GET(self):
        if MODE == "slow":
            time.sleep(SLOW_S)
        if MODE == "error":
            self.reply(503, b"service unavailable\n")
        elif MODE == "portal":
            self.reply(302, b"log in first\n", [("Location", PORTAL)])
        else:
            host = (self.headers.get("Host") or "").split(":")[0]
            self.reply(200, PAGE.format("shop" if host.endswith("shop.test") else host).encode())

    do_HEAD = do_GET

    def reply(self, code, body, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, family, addr, tls):
        self.address_family = family
        self.tls = tls
        super().__init__(addr, Handler)

    def get_request(self):
        conn, addr = self.socket.accept()
        if self.tls:
            # The handshake happens in the handler's thread (first read), never in the accept loop.
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address):
        # A client that rejects our certificate aborts the handshake: normal in the TLS faults.
        sys.stderr.write("connection from %s ended: %s\n" % (client_address[0], sys.exc_info()[1]))


def listener(spec):
    scheme, rest = spec.split(":", 1)
    host, port = rest.rsplit(":", 1)
    family = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
    tls = None
    if scheme == "https":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(CERT, KEY)
    return Server(family, (host.strip("[]"), int(port)), tls)


def main():
    servers = [listener(s) for s in LISTEN]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
