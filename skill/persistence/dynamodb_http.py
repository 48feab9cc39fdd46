"""A small DynamoDB client: the three calls user memory makes, over http.client.

DynamoDB's API is JSON over HTTPS (protocol awsJson1_0: one POST per call, the operation
in `X-Amz-Target`). This client speaks it for GetItem, UpdateItem and DeleteItem, with
the same keyword arguments and answers as a botocore client's methods, so the adapter
(dynamodb.py) cannot tell the two apart. It exists for Lambda cold starts: importing
botocore and building its client cost more than the whole SDK floor (BENCHMARKS.md, 1).

Signing is never ours. Requests are signed (SigV4) by AWS's standalone signer,
`aws-sdk-signers` (from the new AWS SDK for Python; Python 3.12+, what the Lambda
bundle ships), or, where it is not installed (Python 3.11), by botocore's own signer.

Errors keep botocore's shape: `DynamoDbError.response["Error"]["Code"]` is DynamoDB's
error code (`ConditionalCheckFailedException`, `ResourceNotFoundException`...), and a
connection that cannot be made or read is `DynamoDbConnectionError`. Retries follow
botocore's "standard" mode: throttling, 5xx and connection errors are retried with
full jitter, `max_attempts` tries in all.

One connection per thread (http.client connections are not thread-safe), kept alive
between calls; `connect()` opens it ahead of the first call (Lambda INIT).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

JSON_1_0 = "application/x-amz-json-1.0"
TARGET_PREFIX = "DynamoDB_20120810."

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
    }
)
"""Error codes botocore's standard retry mode retries (botocore/retries/standard.py)."""
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})

Credentials = tuple[str, str, str | None]
"""Access key id, secret access key, session token (None for long-term keys)."""
Signer = Callable[[str, dict[str, str], bytes, Credentials], dict[str, str]]
"""(url, headers, body, credentials) -> the headers to send, signature included."""


class DynamoDbError(Exception):
    """DynamoDB answered with an error; `response` has botocore ClientError's shape."""

    def __init__(self, operation: str, code: str, message: str, status: int) -> None:
        super().__init__(f"An error occurred ({code}) when calling the {operation} operation")
        self.operation = operation
        self.response: dict[str, Any] = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }


class DynamoDbConnectionError(Exception):
    """No answer: the connection could not be made, or broke, or timed out."""


class DynamoDbHttpClient:
    """GetItem, UpdateItem and DeleteItem against one DynamoDB endpoint, signed (SigV4)."""

    def __init__(
        self,
        *,
        region: str,
        credentials: Callable[[], Credentials],
        endpoint: str | None = None,
        connect_timeout: float = 1.0,
        read_timeout: float = 1.5,
        max_attempts: int = 2,
        signer: Signer | None = None,
    ) -> None:
        self.region = region
        self.endpoint = endpoint or default_endpoint(region)
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {self.endpoint!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        default_port = 443 if self._https else 80
        self._host_header = parts.netloc if parts.port not in (None, default_port) else self._host
        self._url = f"{parts.scheme}://{self._host_header}/"
        self.credentials = credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max(1, max_attempts)
        self._sign = signer or default_signer(region)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"DynamoDbHttpClient({self.endpoint!r})"

    def get_item(self, **request: Any) -> dict[str, Any]:
        return self._call("GetItem", request)

    def update_item(self, **request: Any) -> dict[str, Any]:
        return self._call("UpdateItem", request)

    def delete_item(self, **request: Any) -> dict[str, Any]:
        return self._call("DeleteItem", request)

    def connect(self) -> None:
        """Open this thread's connection now (TCP, and TLS for https), ahead of a call."""
        self._connection().connect()
        self._settle_timeout()

    def _call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(request, default=_encode_bytes, separators=(",", ":")).encode()
        attempt = 0
        while True:
            attempt += 1
            try:
                status, answer = self._send(operation, body)
            except DynamoDbConnectionError:
                if attempt >= self.max_attempts:
                    raise
            else:
                if status == 200:
                    decoded: dict[str, Any] = _decode_bytes(answer)
                    return decoded
                code = _error_code(answer, status)
                retryable = (
                    code in THROTTLING_CODES
                    or code in TRANSIENT_CODES
                    or status in TRANSIENT_STATUS
                )
                if not retryable or attempt >= self.max_attempts:
                    message = str(answer.get("message") or answer.get("Message") or "")
                    raise DynamoDbError(operation, code, message, status)
            # botocore's standard mode: full jitter, base 2**attempt; capped short here
            # (Alexa waits 8 s for the whole answer). Imported here: retries are rare.
            import random

            time.sleep(random.uniform(0, min(0.05 * 2 ** (attempt - 1), 0.5)))

    def _send(self, operation: str, body: bytes) -> tuple[int, dict[str, Any]]:
        headers = {
            "Host": self._host_header,
            "Content-Type": JSON_1_0,
            "X-Amz-Target": TARGET_PREFIX + operation,
        }
        headers = self._sign(self._url, headers, body, self.credentials())
        conn = self._connection()
        try:
            if conn.sock is None:
                conn.connect()
                self._settle_timeout()
            conn.request("POST", "/", body, headers)
            response = conn.getresponse()
            data = response.read()
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise DynamoDbConnectionError(
                f"DynamoDB at {self.endpoint}: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            answer = json.loads(data) if data else {}
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        return response.status, answer

    def _connection(self) -> http.client.HTTPConnection:
        local = self._local
        conn: http.client.HTTPConnection | None = getattr(local, "conn", None)
        if conn is not None and local.pid != os.getpid():
            conn = None  # inherited through fork(): the parent's socket, never ours to use
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.connect_timeout
                )
            else:
                conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.connect_timeout
                )
            local.conn, local.pid = conn, os.getpid()
        return conn

    def _settle_timeout(self) -> None:
        """Connected within connect_timeout: from now on each read waits read_timeout."""
        sock = self._connection().sock
        if sock is not None:
            sock.settimeout(self.read_timeout)


def default_endpoint(region: str) -> str:
    """The endpoint the environment names (as botocore reads it), else DynamoDB's own."""
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://dynamodb.{region}.{suffix}"


def environment_credentials() -> Credentials | None:
    """The keys Lambda puts in every function's environment (and the AWS CLI reads)."""
    key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not key or not secret:
        return None
    return key, secret, os.environ.get("AWS_SESSION_TOKEN") or None


def default_signer(region: str) -> Signer:
    """aws-sdk-signers where installed (Python 3.12+, the Lambda bundle), else botocore's."""
    try:
        import aws_sdk_signers  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _botocore_signer(region)
    return _aws_sdk_signer(aws_sdk_signers, region)


def _aws_sdk_signer(signers: Any, region: str) -> Signer:
    signer = signers.SigV4Signer()
    properties = {"region": region, "service": "dynamodb"}
    split = urlsplit

    def sign(url: str, headers: dict[str, str], body: bytes, creds: Credentials) -> dict[str, str]:
        parts = split(url)
        request = signers.AWSRequest(
            destination=signers.URI(
                scheme=parts.scheme, host=parts.hostname, port=parts.port, path=parts.path
            ),
            method="POST",
            body=[body],
            fields=signers.Fields(
                [signers.Field(name=name, values=[value]) for name, value in headers.items()]
            ),
        )
        identity = signers.AWSCredentialIdentity(
            access_key_id=creds[0], secret_access_key=creds[1], session_token=creds[2]
        )
        signed = signer.sign(request=request, identity=identity, properties=dict(properties))
        return {field.name: field.as_string() for field in signed.fields}

    return sign


def _botocore_signer(region: str) -> Signer:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    def sign(url: str, headers: dict[str, str], body: bytes, creds: Credentials) -> dict[str, str]:
        request = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(BotocoreCredentials(*creds), "dynamodb", region).add_auth(request)
        return dict(request.headers.items())

    return sign


def _error_code(answer: dict[str, Any], status: int) -> str:
    """`com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` -> the last part."""
    kind = answer.get("__type") or answer.get("code") or ""
    if not isinstance(kind, str) or not kind:
        return str(status)
    return kind.rsplit("#", 1)[-1]


def _encode_bytes(value: object) -> str:
    """Binary attribute values travel base64-encoded (as botocore sends them)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot send a {type(value).__name__} to DynamoDB")


def _decode_bytes(value: Any) -> Any:
    """Binary attribute values (B, BS) back to bytes, anywhere in an answer."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "B" and isinstance(item, str) and len(value) == 1:
                out[key] = base64.b64decode(item)
            elif key == "BS" and isinstance(item, list) and len(value) == 1:
                out[key] = [base64.b64decode(x) for x in item]
            else:
                out[key] = _decode_bytes(item)
        return out
    if isinstance(value, list):
        return [_decode_bytes(item) for item in value]
    return value
