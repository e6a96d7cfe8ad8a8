"""A real S3-compatible server for the tests: npm ``s3rver`` 3.7.1 in a child process on 127.0.0.1.

``scripts/test.sh`` installs it once (``ensure_s3rver`` in scripts/common.sh) and exports its path as
``WHATSAPP_CRM_S3RVER``; it then also sets ``WHATSAPP_CRM_REQUIRE_S3=1`` so a missing server fails the
run instead of skipping the S3 tests. s3rver speaks S3's REST API over HTTP, checks SigV4 signatures
and enforces presigned-URL expiry, which an in-process mock (moto's ``mock_aws``) does not.
"""
import os
import re
import select
import shutil
import subprocess
import tempfile
import time

STATE_DIR = os.environ.get("WHATSAPP_CRM_STATE", "/var/tmp/whatsapp_crm")
S3RVER = os.environ.get("WHATSAPP_CRM_S3RVER") or os.path.join(STATE_DIR, "node/node_modules/.bin/s3rver")
REQUIRED = os.environ.get("WHATSAPP_CRM_REQUIRE_S3") == "1"
# s3rver's fixed credentials.
ACCESS_KEY = SECRET_KEY = "S3RVER"


class S3Server:
    """``start()`` on a free port (or the given one: ``restart()`` keeps port and data), ``stop()``."""

    def __init__(self, bucket="whatsapp-media"):
        self.bucket = bucket
        self.port = 0
        self.process = None
        self.directory = tempfile.mkdtemp(prefix="wa-s3rver-")

    @staticmethod
    def available():
        return os.access(S3RVER, os.X_OK)

    @property
    def endpoint_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        self.process = subprocess.Popen(  # noqa: S603 - the pinned s3rver binary, our own arguments
            [S3RVER, "--directory", self.directory, "--address", "127.0.0.1", "--port", str(self.port),
             "--silent", "--no-vhost-buckets", "--configure-bucket", self.bucket],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        output = b""
        while time.monotonic() < deadline and self.process.poll() is None:
            # Raw reads: a buffered readline() could hold the line select() no longer reports.
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                output += os.read(self.process.stdout.fileno(), 4096)
                match = re.search(rb"listening on 127\.0\.0\.1:(\d+)", output)
                if match:
                    self.port = int(match.group(1))
                    return self
        self.stop()
        raise RuntimeError(f"s3rver did not start: {output.decode(errors='replace').strip()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def config_parameters(self):
        """The ``ir.config_parameter`` values of the addon's S3 settings for this server."""
        return {
            "whatsapp_crm.media_storage": "s3",
            "whatsapp_crm.s3_endpoint_url": self.endpoint_url,
            "whatsapp_crm.s3_bucket": self.bucket,
            "whatsapp_crm.s3_access_key": ACCESS_KEY,
            "whatsapp_crm.s3_secret_key": SECRET_KEY,
            "whatsapp_crm.s3_region": "us-east-1",
        }
