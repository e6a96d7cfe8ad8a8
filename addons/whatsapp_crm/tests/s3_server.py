"""The tests' S3 server (npm s3rver) lives in the end-to-end harness package, shared with the benchmarks."""

from wacrm_harness.s3 import ACCESS_KEY, REQUIRED, S3RVER, SECRET_KEY, S3Server  # noqa: F401
