#!/usr/bin/python3
"""A TLS-intercepting proxy on the customer PC, as antivirus and corporate security products run one.

iptables (nat OUTPUT, REDIRECT) sends the PC's outbound TCP 443 here. The proxy finishes the TLS
handshake itself with its own certificate (issued by its own CA, which the PC may or may not trust),
opens its own TLS connection to the original destination (SO_ORIGINAL_DST; the socket carries
SO_MARK MARK so the redirect rule skips it) and relays the plaintext both ways.
Usage: tls-proxy.py PORT MARK CERT KEY   (listens on 127.0.0.1:PORT; prints "ready" once bound)
"""
import socket, ssl, struct, sys, threading

PORT, MARK, CERT, KEY = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
SO_ORIGINAL_DST = 80
SO_MARK = 36


def original_dst(conn):
    raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    port, packed = struct.unpack_from("!2xH4s", raw)
    return socket.inet_ntoa(packed), port


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except (OSError, ssl.SSLError):
        pass
    finally:
        for s in (src, dst):
            try:
                s.close()
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
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


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
