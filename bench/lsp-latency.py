#!/usr/bin/env python3
"""How long the editor waits for authlint's diagnostics while typing.

Copies the example app to a scratch directory, adds a 1,000-line module to
it (request handlers that decode tokens with the app's settings, as a large
API module does), starts `authlint server` on the copy as an editor would,
waits until the project index is built, opens the module, and then 20 times
types an edit (alternately removing and restoring an `algorithms=` allowlist
on its last handler) and measures the time from sending `didChange` to the
diagnostics of that version arriving. The time includes the server's
150 ms debounce, which a real editor waits too.

    bench/lsp-latency.py [path/to/authlint]    # default: target/release/authlint

Prints every sample and the median; exits 1 if the median is over 200 ms.
Standard library only.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import queue
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = 20
BUDGET_MS = 200

HANDLER = '''

def handler_{n}(token: str = Depends(oauth2_scheme)) -> dict:
    """Reads the caller from a token (handler {n})."""
    try:
        payload = jwt.decode(
            token,
            config.JWT_SECRET,
            algorithms=[config.ALGORITHM],
            audience="api",
            issuer="https://issuer.example",
            options={{"require": ["exp"]}},
        )
    except JWTError:
        raise HTTPException(status_code=401, detail="invalid token")
    user = {{"id": payload["sub"], "scopes": payload.get("scopes", [])}}
    if "admin" in user["scopes"]:
        user["role"] = "admin"
    return user
'''

HEADER = '''"""A large API module, generated for the latency bench."""
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

from app.core import config

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/login")
'''


def module_text():
    text = HEADER
    n = 0
    while text.count("\n") < 1000 - HANDLER.count("\n"):
        text += HANDLER.format(n=n)
        n += 1
    return text + "\n" * (1000 - text.count("\n"))


class Server:
    def __init__(self, binary, root):
        self.process = subprocess.Popen(
            [binary, "server"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.messages = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 1

    def _read(self):
        out = self.process.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    length = int(line.split(b":")[1])
            self.messages.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return time.perf_counter()

    def notify(self, method, params):
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        self.next_id += 1
        return self.wait(lambda m: m.get("id") == self.next_id - 1 and "method" not in m)

    def wait(self, wanted, timeout=60):
        deadline = time.perf_counter() + timeout
        while True:
            at, message = self.messages.get(timeout=max(0.01, deadline - time.perf_counter()))
            if "method" in message and "id" in message:  # a request to the editor
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if wanted(message):
                return at, message


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/authlint"))
    scratch = tempfile.mkdtemp(prefix="authlint-lsp-latency-")
    try:
        app = os.path.join(scratch, "vulnerable-app")
        shutil.copytree(os.path.join(ROOT, "examples/vulnerable-app"), app)
        path = os.path.join(app, "python/app/api/handlers.py")
        text = module_text()
        with open(path, "w") as f:
            f.write(text)
        uri = "file://" + path
        root_uri = "file://" + app
        server = Server(binary, app)
        server.request(
            "initialize",
            {"processId": None, "rootUri": root_uri, "capabilities": {},
             "workspaceFolders": [{"uri": root_uri, "name": "vulnerable-app"}]},
        )
        server.notify("initialized", {})
        # Warm: the index is built and the module checked once with it.
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}})
        time.sleep(1.0)
        lines = text.split("\n")
        target = max(i for i, line in enumerate(lines) if "algorithms=[config.ALGORITHM]," in line)
        allowlist = lines[target]
        samples = []
        for version in range(2, SAMPLES + 2):
            removing = version % 2 == 0
            # Removing: the line's text goes; restoring: it is typed back.
            change = {
                "range": {"start": {"line": target, "character": 0},
                          "end": {"line": target, "character": len(allowlist) if removing else 0}},
                "text": "" if removing else allowlist,
            }
            sent = server.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            at, message = server.wait(
                lambda m: m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri and m["params"].get("version") == version)
            codes = [d.get("code") for d in message["params"]["diagnostics"]]
            assert ("JWT101" in codes) == removing, (version, codes)
            samples.append((at - sent) * 1000)
            time.sleep(0.3)
        server.request("shutdown", None)
        server.notify("exit", None)
        server.process.wait(timeout=10)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for i, ms in enumerate(samples, 1):
        print(f"sample {i:2}: {ms:6.1f} ms")
    median = statistics.median(samples)
    print(f"median of {len(samples)}: {median:.1f} ms from didChange to diagnostics "
          f"(1,000-line module, 150 ms debounce included; budget {BUDGET_MS} ms)")
    return 0 if median <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
