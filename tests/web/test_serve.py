"""The main command: from an empty data folder, `commissioning demo` serves a working sign-in."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["COMMISSIONING_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "commissioning.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Serving"):
                break
        yield f"http://127.0.0.1:{port}", "".join(output)
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_demo_command_serves_the_platform_with_a_working_sign_in(demo_server):
    base, printed = demo_server
    assert "user name: demo-southampton-commissioner" in printed
    assert "password:  demo-password" in printed
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    login_page = ""
    for _ in range(60):  # the server prints its address just before it starts listening
        try:
            login_page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
            break
        except urllib.error.URLError:
            time.sleep(0.5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "demo-southampton-commissioner",
            "password": "demo-password",
        }
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=form, headers={"Referer": base})
    dashboard = opener.open(request, timeout=30)
    assert dashboard.geturl() == f"{base}/p/southampton/"
    assert "Southampton Integrated Commissioning" in dashboard.read().decode()
