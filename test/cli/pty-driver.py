"""Runs a command under a pseudo-terminal and drives it with keystrokes.

Usage: python3 pty-driver.py '<json spec>'
spec: {"cmd": [...], "cwd": "...", "env": {...}, "timeout": seconds,
       "steps": [{"expect": "<regex>", "send": "<keys>"}, ...]}
Each step waits until the output since the previous match (ANSI escapes
removed) matches `expect`, then writes `send`. After the last step the driver
reads until the child exits. Prints one JSON object:
{"code": exit code or null, "output": all output without ANSI escapes,
 "raw": all output as written, "failedStep": index or null}
"""
import json
import os
import pty
import re
import select
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")


def main() -> None:
    spec = json.loads(sys.argv[1])
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(spec["cwd"])
        os.execvpe(spec["cmd"][0], spec["cmd"], spec["env"])
    deadline = time.monotonic() + spec.get("timeout", 20)
    raw = b""
    offset = 0
    failed = None
    eof = False

    def pump(wait: float) -> None:
        nonlocal raw, eof
        if eof:
            time.sleep(wait)
            return
        ready, _, _ = select.select([fd], [], [], wait)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if chunk:
                raw += chunk
            else:
                eof = True

    def text() -> str:
        return ANSI.sub("", raw.decode("utf-8", "replace"))

    for i, step in enumerate(spec["steps"]):
        pattern = re.compile(step["expect"])
        while True:
            m = pattern.search(text(), offset)
            if m:
                offset = m.end()
                break
            if eof or time.monotonic() > deadline:
                failed = i
                break
            pump(0.05)
        if failed is not None:
            break
        time.sleep(0.1)  # let the prompt finish setting up its key handler
        os.write(fd, step["send"].encode())

    if failed is not None:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    while not eof and time.monotonic() < deadline:
        pump(0.05)
    code = None
    end = time.monotonic() + 5
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    print(json.dumps({"code": code, "output": text(), "raw": raw.decode("utf-8", "replace"), "failedStep": failed}))


main()
