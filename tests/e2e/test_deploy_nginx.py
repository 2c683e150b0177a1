"""The example reverse proxy configuration (deploy/nginx.conf, docs/deploy.md) in front of a real
tvec server: TLS, plain HTTP redirected, the scheme and host passed on so the session cookie is
Secure and the login form's Origin check holds, and the body limit refused by the proxy.

Runs where nginx is installed; in CI (CI=true) it is installed with apt-get, as the browser tests
install chromium; elsewhere the test is skipped, saying how to run it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support.browser import free_port, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services.seeding import DEMO_USERS, load_demo

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "deploy" / "nginx.conf"
STARTUP_S = 20.0


def nginx_path() -> str:
    """nginx on PATH or in /usr/sbin; installed with apt-get in CI, else the test skips."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    if os.environ.get("CI") != "true":
        pytest.skip(
            "nginx is not installed: install it (apt-get install nginx) to run the reverse "
            "proxy test of deploy/nginx.conf"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(
                f"CI requires the reverse proxy test, and `{' '.join(command)}` failed "
                f"({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
                pytrace=False,
            )
    found = shutil.which("nginx", path="/usr/sbin:/usr/bin:/usr/local/sbin")
    if not found:
        pytest.fail("nginx was installed but is not on /usr/sbin or /usr/bin", pytrace=False)
    return found


def _certificate(directory: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: it makes the test's self-signed certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def site_config(backend_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the test's ports, certificate and access log, nothing else changed."""
    text = CONFIG.read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/tvec/fullchain.pem": str(cert),
        "/etc/ssl/tvec/privkey.pem": str(key),
        "http://127.0.0.1:8000": f"http://127.0.0.1:{backend_port}",
        "/var/log/nginx/tvec-access.log": str(cert.with_name("tvec-access.log")),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture
def proxied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    nginx = nginx_path()
    cert, key = _certificate(tmp_path)
    url = f"sqlite:///{tmp_path}/tvec.db"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    load_demo(ctx, 2, 7)
    ctx.engine.dispose()
    monkeypatch.setenv("TVEC_TRUSTED_PROXY", "true")
    http_port, https_port = free_port(), free_port()
    with running_server(url, tmp_path / "server.log") as backend:
        backend_port = int(backend.rsplit(":", 1)[1])
        prefix = tmp_path / "nginx"
        prefix.mkdir()
        (prefix / "tvec.conf").write_text(
            site_config(backend_port, http_port, https_port, cert, key)
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/error.log;\nevents {{}}\nhttp {{\n"
            f"  access_log off;\n  client_body_temp_path {prefix}/body;\n"
            f"  proxy_temp_path {prefix}/proxy;\n  fastcgi_temp_path {prefix}/fastcgi;\n"
            f"  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n"
            f"  include {prefix}/tvec.conf;\n}}\n"
        )
        command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        log = prefix / "stderr.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        base = f"https://127.0.0.1:{https_port}"
        try:
            deadline = time.monotonic() + STARTUP_S
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/health", verify=False, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
            yield base, f"http://127.0.0.1:{http_port}"
        finally:
            proc.terminate()
            proc.wait(timeout=STARTUP_S)


def test_tvec_behind_the_example_nginx_configuration(proxied: tuple[str, str]) -> None:
    https, http = proxied
    with httpx.Client(base_url=https, verify=False) as client:
        assert client.get("/health").json()
        # plain HTTP only redirects to HTTPS
        redirect = httpx.get(f"{http}/login", follow_redirects=False)
        assert redirect.status_code == 301
        assert redirect.headers["location"].startswith("https://")
        # the login page's cookie is Secure: tvec saw the scheme the browser used
        page = client.get("/login")
        assert page.status_code == 200
        assert "secure" in page.headers["set-cookie"].lower()
        assert "max-age=31536000" in page.headers["strict-transport-security"]
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
        assert token, "the login form carries its token"
        # a browser's login: Origin is the proxy's address, which tvec sees as its own host
        username = "nurse"
        login = client.post(
            "/login",
            data={
                "username": username,
                "password": DEMO_USERS[username][2],
                "login_csrf": token.group(1),
                "next": "/",
            },
            headers={"Origin": https},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text[:500]
        session = [c for c in login.headers.get_list("set-cookie") if "tvec_session" in c]
        assert session, login.headers
        assert "secure" in session[0].lower()
        # a body over client_max_body_size (TVEC_MAX_BODY_BYTES) is refused by the proxy
        too_big = client.post("/auth/login", content=b"x" * (1024 * 1024 + 1))
        assert too_big.status_code == 413
