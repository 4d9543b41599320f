"""download_weights against a local HTTP server that can drop, stall, corrupt and ignore Range.

Everything runs on 127.0.0.1 with a ~2 MB random file; the server is per test,
answers a bounded number of requests and shuts itself down after 30 s at most.
"""
import hashlib
import http.server
import random
import re
import socket
import struct
import threading
import time

import numpy as np
import pytest

from legacy_nst.cli.progress import download_bar
from legacy_nst.io.checksums import sha256_file
from legacy_nst.vgg.download import (VGG19_FILENAME, VGG19_SHA256, describe_weights,
                                 download_weights, format_description)
from legacy_nst.errors import WeightsError

SIZE = 2_000_003
APPROX_SHA256 = "68e33bf00fda178dc568f6a93738cd74ab0be2028b9d81752ffc37272baf681a"
APPROX_SIZE = 80_122_320
MAX_REQUESTS = 10


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET with single-range support plus the fault switches of `server.state`."""

    timeout = 5  # a client that stops reading cannot hold a server thread for long

    def log_message(self, *args):
        pass

    def do_GET(self):
        state = self.server.state
        record = {"range": self.headers.get("Range"), "status": None, "sent": 0}
        with state.lock:
            state.requests.append(record)
            too_many = len(state.requests) > MAX_REQUESTS
            drop, state.drop_after = state.drop_after, None  # faults fire once
        if too_many or self.path != "/" + VGG19_FILENAME:
            record["status"] = 503 if too_many else 404
            self.send_error(record["status"])
            return

        data = state.data
        if state.corrupt:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", record["range"] or "")
        if match and not state.ignore_range:
            start = int(match[1])
            if start >= len(data):
                record["status"] = 416
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        record["status"] = 206 if start else 200
        body = memoryview(bytes(data))[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()

        limit = len(body) if drop is None else drop[1]
        for i in range(0, limit, 32768):
            piece = body[i:min(i + 32768, limit)]
            self.wfile.write(piece)
            record["sent"] += len(piece)
        self.wfile.flush()
        if drop is not None:
            self._fail(drop[0])

    def _fail(self, how):
        """End the response early: clean close, TCP reset, or silence until the client gives up."""
        self.close_connection = True
        if how == "reset":
            time.sleep(0.2)  # let the client consume what was sent before the RST
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        elif how == "stall":
            self.server.state.release.wait(5)


class _State:
    def __init__(self, data):
        self.data = data
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.requests = []
        self.drop_after = None  # (how, K) to end the next response after K body bytes
        self.ignore_range = False
        self.corrupt = False


@pytest.fixture(scope="module")
def data():
    return random.Random(19).randbytes(SIZE)


@pytest.fixture
def server(data):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.state = _State(data)
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/{VGG19_FILENAME}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    watchdog = threading.Timer(30, httpd.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield httpd
    finally:
        watchdog.cancel()
        httpd.state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def fetch(server, dest, **kw):
    sha = kw.pop("sha256", hashlib.sha256(server.state.data).hexdigest())
    return download_weights(dest, url=server.url, sha256=sha, progress=None,
                            timeout=kw.pop("timeout", 5), **kw)


def test_sha256_file_matches_hashlib(tmp_path, data):
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path, chunk=4096) == hashlib.sha256(data).hexdigest()


def test_full_download_is_verified_and_renamed(server, tmp_path, data):
    dest = tmp_path / "new" / "dir"
    path = fetch(server, dest)
    assert path == dest / VGG19_FILENAME
    assert path.read_bytes() == data
    assert not (dest / (VGG19_FILENAME + ".part")).exists()
    assert [(r["range"], r["status"], r["sent"]) for r in server.state.requests] == [
        (None, 200, SIZE)]


@pytest.mark.parametrize("how", ["close", "reset"])
def test_interrupted_download_keeps_part_and_resumes(server, tmp_path, data, how):
    part = tmp_path / (VGG19_FILENAME + ".part")
    server.state.drop_after = (how, 700_000)
    with pytest.raises(WeightsError) as err:
        fetch(server, tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert re.search(rf"interrupted at [\d,]+ of {SIZE:,} bytes", message)
    assert "rerun the same command to resume" in message
    assert not (tmp_path / VGG19_FILENAME).exists()
    kept = part.stat().st_size
    assert 0 < kept <= 700_000
    assert part.read_bytes() == data[:kept]

    path = fetch(server, tmp_path)
    assert path.read_bytes() == data
    assert not part.exists()
    resume = server.state.requests[-1]
    assert resume["range"] == f"bytes={kept}-"
    assert resume["status"] == 206
    assert resume["sent"] == SIZE - kept


def test_stalled_server_times_out_and_keeps_part(server, tmp_path):
    server.state.drop_after = ("stall", 300_000)
    start = time.monotonic()
    with pytest.raises(WeightsError, match=rf"interrupted at 300,000 of {SIZE:,} bytes"):
        fetch(server, tmp_path, timeout=0.3)
    assert time.monotonic() - start < 3
    assert (tmp_path / (VGG19_FILENAME + ".part")).stat().st_size == 300_000


def test_corrupted_download_is_rejected_and_deleted(server, tmp_path, data):
    server.state.corrupt = True
    expected = hashlib.sha256(data).hexdigest()
    with pytest.raises(WeightsError, match=f"expected {expected}.*rerun"):
        fetch(server, tmp_path, sha256=expected)
    assert list(tmp_path.iterdir()) == []


def test_server_ignoring_range_restarts_from_zero(server, tmp_path, data):
    (tmp_path / (VGG19_FILENAME + ".part")).write_bytes(data[:500_000])
    server.state.ignore_range = True
    path = fetch(server, tmp_path)
    assert path.read_bytes() == data
    assert [(r["range"], r["status"], r["sent"]) for r in server.state.requests] == [
        ("bytes=500000-", 200, SIZE)]


@pytest.mark.parametrize("extra, requests", [(b"", 1), (b"junk", 2)])
def test_part_already_complete_or_too_big_gets_416(server, tmp_path, data, extra, requests):
    """416 means nothing left to fetch: a complete part is kept, an oversized one refetched."""
    (tmp_path / (VGG19_FILENAME + ".part")).write_bytes(data + extra)
    path = fetch(server, tmp_path)
    assert path.read_bytes() == data
    statuses = [r["status"] for r in server.state.requests]
    assert statuses == [416, 200][:requests]


def test_existing_valid_file_needs_no_request(server, tmp_path, data):
    (tmp_path / VGG19_FILENAME).write_bytes(data)
    assert fetch(server, tmp_path) == tmp_path / VGG19_FILENAME
    assert server.state.requests == []


def test_existing_wrong_file_is_left_alone(server, tmp_path):
    (tmp_path / VGG19_FILENAME).write_bytes(b"not the weights")
    with pytest.raises(WeightsError, match="already exists"):
        fetch(server, tmp_path)
    assert (tmp_path / VGG19_FILENAME).read_bytes() == b"not the weights"
    assert server.state.requests == []


def test_http_error_and_unreachable_server(server, tmp_path):
    with pytest.raises(WeightsError, match="HTTP 404"):
        download_weights(tmp_path, url=server.url + ".missing", progress=None, timeout=5)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with pytest.raises(WeightsError, match="cannot download"):
        download_weights(tmp_path, url=f"http://127.0.0.1:{closed_port}/x.mat",
                         progress=None, timeout=5)
    assert not (tmp_path / VGG19_FILENAME).exists()


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: the download cannot reach a server, as with no network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/{VGG19_FILENAME}"


def test_every_download_error_names_the_three_ways_to_get_weights(server, tmp_path, data):
    """Unreachable, HTTP error, interrupted, corrupt: each one line naming --weights, the variable and the command."""
    messages = []
    for attempt in ("unreachable", "http", "interrupted", "corrupt"):
        server.state.drop_after = ("close", 500_000) if attempt == "interrupted" else None
        server.state.corrupt = attempt == "corrupt"
        url = {"unreachable": closed_port_url(), "http": server.url + ".missing"}.get(attempt, server.url)
        with pytest.raises(WeightsError) as err:
            download_weights(tmp_path / attempt, url=url, sha256=hashlib.sha256(data).hexdigest(), progress=None,
                             timeout=5)
        messages.append(str(err.value))
    for message in messages:
        assert "\n" not in message
        assert "--weights" in message and "LEGACY_NST_WEIGHTS" in message and "legacy-nst weights download" in message


def test_progress_without_terminal_prints_plain_lines(server, tmp_path, capsys):
    download_weights(tmp_path, url=server.url, sha256=hashlib.sha256(server.state.data).hexdigest(),
                     progress=download_bar, timeout=5)
    lines = capsys.readouterr().err.splitlines()
    assert 8 <= len(lines) <= 11
    assert all(line.startswith(VGG19_FILENAME + ": ") for line in lines)
    assert lines[-1].endswith(f"100% ({SIZE / 1e6:.1f} of {SIZE / 1e6:.1f} MB)")


def test_describe_shared_approx_weights(approx_weights_path):
    desc = describe_weights(approx_weights_path)
    assert desc["size"] == APPROX_SIZE
    assert desc["sha256"] == APPROX_SHA256
    assert desc["expected_sha256"] == VGG19_SHA256 and not desc["sha256_ok"]
    assert desc["layout"] == "new"
    assert desc["conv_layers"] == desc["expected_conv_layers"] == 16
    assert desc["shapes_ok"] and desc["shape_problems"] == []
    np.testing.assert_allclose(desc["mean_pixel"], [123.68, 116.779, 103.939], atol=1e-3)

    text = format_description(desc)
    assert "differs from the official file" in text
    assert "16 of 16, shapes ok" in text
    assert "123.680" in text

    desc = describe_weights(approx_weights_path, expected_sha256=APPROX_SHA256.upper())
    assert desc["sha256_ok"]
    assert "matches the expected value" in format_description(desc)


def test_describe_rejects_missing_and_non_mat_files(tmp_path):
    with pytest.raises(WeightsError):
        describe_weights(tmp_path / "absent.mat")
    junk = tmp_path / "junk.mat"
    junk.write_bytes(b"this is not a MATLAB file")
    with pytest.raises(WeightsError):
        describe_weights(junk)
