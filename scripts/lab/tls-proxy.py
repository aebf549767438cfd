#!/usr/bin/python3
"""A TLS-intercepting proxy on the customer PC, as antivirus and corporate security products run one.

iptables (nat OUTPUT, REDIRECT) sends the PC's outbound TCP 443 here. The proxy finishes the TLS
handshake itself with its own certificate (issued by its own CA, which the PC may or may not trust),
opens its own TLS connection to the original destination (SO_ORIGINAL_DST; the socket carries
SO_MARK MARK so the redirect rule skips it) and relays the plaintext both ways, in one thread per
connection.
Usage: tls-proxy.py PORT MARK CERT KEY   (listens on 127.0.0.1:PORT; prints "ready" once bound)
"""
import select, socket, ssl, struct, sys, threading

PORT, MARK, CERT, KEY = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
SO_ORIGINAL_DST = 80
SO_MARK = 36


def original_dst(conn):
    raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    port, packed = struct.unpack_from("!2xH4s", raw)
    return socket.inet_ntoa(packed), port


def relay(a, b):
    """Both directions in one thread: an SSL socket must not be read and written by two threads at once
    (OpenSSL's state is per connection; doing so dropped replies now and then)."""
    socks = [a, b]
    try:
        while True:
            # Bytes TLS already decrypted and holds count as readable: select() cannot see them.
            ready = [x for x in socks if x.pending()]
            if not ready:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    return
            for x in ready:
                data = x.recv(65536)
                if not data:
                    return
                (b if x is a else a).sendall(data)
    except (OSError, ssl.SSLError):
        pass
    finally:
        for x in socks:
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                x.close()
            except OSError:
                pass


# One context each way, made once: the certificate is loaded at start, not per connection.
SERVER_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
SERVER_CTX.load_cert_chain(CERT, KEY)
# The name the client asked for (SNI), per TLS connection, to ask the real server for the same.
SNI = {}
SERVER_CTX.sni_callback = lambda sock, name, ctx: SNI.__setitem__(id(sock), name)
CLIENT_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CLIENT_CTX.check_hostname = False
CLIENT_CTX.verify_mode = ssl.CERT_NONE  # an interceptor trusts whatever it reaches


def handle(conn):
    try:
        dst = original_dst(conn)
        conn.settimeout(30)
        client = SERVER_CTX.wrap_socket(conn, server_side=True)
        name = SNI.pop(id(client), None)
        up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        up.setsockopt(socket.SOL_SOCKET, SO_MARK, MARK)
        up.settimeout(30)
        up.connect(dst)
        upstream = CLIENT_CTX.wrap_socket(up, server_hostname=name or dst[0])
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("intercept failed: %s\n" % e)
        conn.close()
        return
    relay(client, upstream)


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", PORT))
    srv.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
