#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""k3s-supervisor.py: a TEST DOUBLE, a stand-in for the K3s supervisor API
on port 6443 (K3s itself cannot run in the test environment).

It follows K3s's documented behaviour (shared/reference/k3s.md) for what
k3sguard uses:
  GET  /ping            -> "pong"
  GET  /cacerts         -> server/tls/server-ca.crt
  PUT  /v1-k3s/token    basic auth user "server", password checked against
                        the "server" entry of server/cred/passwd; JSON body
                        {"newToken": "..."}; refuses a bootstrap-token-shaped
                        new token (k3s issue 12982); re-keys the /bootstrap/<id>
                        record (kept in server/db/bootstrap.json), rewrites
                        server/cred/passwd and server/token, answers 200.
Stand-in simplifications: the bootstrap record is protected with
PBKDF2-SHA1(password, salt, 4096) as K3s does, but sealed with a stdlib
HMAC-SHA256 keystream instead of AES-GCM (no AES in Python's stdlib).

Test controls (files in --control DIR): "hang-before" blocks a token PUT
before it changes anything (and when released while "abort" exists, drops
it unanswered and unapplied), "hang-after" blocks after the change and before
the answer, "down" makes /ping fail (a server still restarting).  While a
request is held, the file "in-<control>" exists.
Every request is logged (method, path, status; never a password) to
--control/requests.log.
"""
import argparse, base64, hashlib, hmac, http.server, json, os, re, ssl, sys, time

BOOTSTRAP_SHAPE = re.compile(r"^[a-z0-9]{6}\.[a-z0-9]{16}$")


def fp(password):
    return hashlib.sha256(password.encode()).hexdigest()[:12]


def ca_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_atomic(path, data, mode=0o600):
    tmp = path + ".double-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def seal(password, plaintext):
    salt = os.urandom(8)
    key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, 4096, 32)
    stream = b""
    i = 0
    while len(stream) < len(plaintext):
        stream += hmac.new(key, b"ks" + i.to_bytes(4, "big"), hashlib.sha256).digest()
        i += 1
    ct = bytes(a ^ b for a, b in zip(plaintext, stream))
    tag = hmac.new(key, salt + ct, hashlib.sha256).hexdigest()
    return {"salt": base64.b64encode(salt).decode(), "data": base64.b64encode(ct).decode(), "tag": tag}


def unseal(password, rec):
    salt = base64.b64decode(rec["salt"])
    ct = base64.b64decode(rec["data"])
    key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, 4096, 32)
    if not hmac.compare_digest(hmac.new(key, salt + ct, hashlib.sha256).hexdigest(), rec["tag"]):
        raise ValueError("bootstrap data cannot be decrypted with this token")
    stream = b""
    i = 0
    while len(stream) < len(ct):
        stream += hmac.new(key, b"ks" + i.to_bytes(4, "big"), hashlib.sha256).digest()
        i += 1
    return bytes(a ^ b for a, b in zip(ct, stream))


class Node:
    def __init__(self, data_dir):
        self.server = os.path.join(data_dir, "server")
        self.passwd = os.path.join(self.server, "cred", "passwd")
        self.token = os.path.join(self.server, "token")
        self.agent_token = os.path.join(self.server, "agent-token")
        self.ca = os.path.join(self.server, "tls", "server-ca.crt")
        self.bootstrap = os.path.join(self.server, "db", "bootstrap.json")

    def read_passwd(self):
        rows = []
        with open(self.passwd) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append(line.split(","))
        return rows

    def password_of(self, user):
        for r in self.read_passwd():
            if len(r) >= 2 and r[1] == user:
                return r[0]
        return None

    def rotate(self, old, new):
        # re-key /bootstrap/<id>: decrypt under the old token, seal under the new
        with open(self.bootstrap) as f:
            store = json.load(f)
        key_old = "/bootstrap/" + fp(old)
        plain = unseal(old, store[key_old])
        del store[key_old]
        store["/bootstrap/" + fp(new)] = seal(new, plain)
        write_atomic(self.bootstrap, json.dumps(store, indent=1))
        separate_agent = os.path.isfile(self.agent_token) and not os.path.islink(self.agent_token)
        rows = []
        for r in self.read_passwd():
            if r[1] == "server" or (r[1] == "node" and not separate_agent):
                r[0] = new
            rows.append(",".join(r))
        write_atomic(self.passwd, "\n".join(rows) + "\n")
        write_atomic(self.token, "K10%s::server:%s\n" % (ca_hash(self.ca), new))


def make_handler(node, control):
    log_path = os.path.join(control, "requests.log")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, code, body, ctype="text/plain"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            with open(log_path, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, code))

        def hang_if(self, name):
            # "in-<name>" tells the test the request is held here
            marker = os.path.join(control, "in-" + name)
            if os.path.exists(os.path.join(control, name)):
                open(marker, "w").close()
                while os.path.exists(os.path.join(control, name)):
                    time.sleep(0.05)
                os.unlink(marker)
                return os.path.exists(os.path.join(control, "abort"))
            return False

        def do_GET(self):
            if self.path == "/ping":
                if os.path.exists(os.path.join(control, "down")):
                    return self.answer(503, "starting\n")
                return self.answer(200, "pong")
            if self.path == "/cacerts":
                with open(node.ca, "rb") as f:
                    return self.answer(200, f.read())
            return self.answer(404, "not found\n")

        def do_PUT(self):
            if self.path != "/v1-k3s/token":
                return self.answer(404, "not found\n")
            auth = self.headers.get("Authorization", "")
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            if not auth.startswith("Basic "):
                return self.answer(401, "Unauthorized\n")
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                return self.answer(401, "Unauthorized\n")
            expected = node.password_of("server")
            if user != "server" or expected is None or not hmac.compare_digest(password, expected):
                return self.answer(401, "Unauthorized\n")
            try:
                new = json.loads(body)["newToken"]
                assert isinstance(new, str) and new
            except Exception:
                return self.answer(400, "bad request: newToken missing\n")
            m = re.match(r"^K10([0-9a-f]{64})::(.*)$", new)
            if m:
                if m.group(1) != ca_hash(node.ca):
                    return self.answer(400, "new token CA hash does not match the cluster CA\n")
                creds = m.group(2)
                new = creds.split(":", 1)[1] if creds.startswith("server:") else creds
            if BOOTSTRAP_SHAPE.match(new):
                return self.answer(400, "new token must not be a bootstrap token\n")
            if self.hang_if("hang-before"):
                self.close_connection = True
                return  # released with "abort": the request never reached K3s
            try:
                node.rotate(expected, new)
            except Exception as e:
                return self.answer(500, "rotation failed: %s\n" % e)
            self.hang_if("hang-after")
            return self.answer(200, "")

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--control", required=True)
    a = ap.parse_args()
    node = Node(a.data_dir)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(node, a.control))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.daemon_threads = True
    # never outlive the test: stop when its control dir goes or after 10 minutes
    import threading

    def watchdog():
        end = time.time() + 600
        while os.path.isdir(a.control) and time.time() < end:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    with open(os.path.join(a.control, "port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(a.control, "port.tmp"), os.path.join(a.control, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
