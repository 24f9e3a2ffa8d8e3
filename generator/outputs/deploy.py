"""``sunlight deploy``: publish a built site to S3-compatible object storage, only what changed.

Mainland public sites are served from object storage with static-website hosting (Alibaba
Cloud OSS, Tencent COS, Huawei OBS, MinIO, AWS S3: all speak the S3 API). A one-estate
commit changes about 20 of 30,000 files, so a deploy must not upload the whole site.

How a deploy stays exact and safe:

- **A manifest in the bucket** (``PREFIX/.sunlight-manifest.json``) lists every key Sunlight
  published with the checksum of its source file and the headers it was sent with. Builds
  are deterministic, so a file whose entry is unchanged is byte-identical and is skipped.
- **Only Sunlight's own keys are deleted**: those in the previous manifest and missing from
  the new site. A non-empty prefix without a manifest is refused: a mistyped prefix must
  never empty someone's bucket.
- **Order that never shows a broken page**: fingerprinted assets first, then the other
  assets and data, then pages (HTML), deletions last. Every page's assets exist before the
  page that needs them; old files go only after no page refers to them.
- **Interrupted runs finish next time**: before the first write a *pending* manifest
  (``PREFIX/.sunlight-manifest.pending.json``) records every key this run may touch and the
  keys whose state it knows. The next run reads it instead of the manifest, re-uploads
  whatever might be half-done and deletes what it owned. It is removed after the manifest.
- **No checksum headers**: boto3 ≥ 1.36 sends CRC32 headers by default, which OBS, MinIO
  and others reject; the client computes and validates checksums only when an API requires
  it, and deletions use DeleteObject (DeleteObjects requires a checksum header).
- **Credentials only from the environment** (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  optionally ``AWS_SESSION_TOKEN``): no config files, no instance metadata, never printed.

:func:`content_security_policy` computes the site's Content-Security-Policy from the built
pages (hashes of their inline scripts), for nginx's header and the ``<meta>`` tag.
"""

from __future__ import annotations

import base64
import concurrent.futures
import dataclasses
import gzip
import hashlib
import json
import mimetypes
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

import click

MANIFEST_NAME = ".sunlight-manifest.json"
PENDING_NAME = ".sunlight-manifest.pending.json"
MANIFEST_FORMAT = 1

# Pages, feeds and every file without a fingerprint in its name may change on the next
# deploy: five minutes, so a correction reaches readers quickly.
SHORT_CACHE = "public, max-age=300"
# A fingerprinted file's name changes with its content: cache it for a year.
LONG_CACHE = "public, max-age=31536000, immutable"
# The manifests are Sunlight's bookkeeping; never cached by a CDN.
NO_CACHE = "no-cache"

# Material's bundle.a5f9d56c.min.js, main.57a0d79d.min.css (and their .map);
# Pagefind's chunks are named by their content hash: zh-cn_6acd7a8.pf_fragment,
# pagefind.zh-cn_5ffce7bcf645e.pf_meta.
_FINGERPRINTED = (
    re.compile(r"\.[0-9a-f]{8,}\.min\.(?:js|css)(?:\.map)?$"),
    re.compile(r"(?:^|/)pagefind/.+_[0-9a-f]{7,}\.pf_(?:fragment|index|meta)$"),
)

# Types mimetypes gets wrong or does not know; the rest come from mimetypes.
_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".gz": "application/gzip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".woff2": "font/woff2",
    # Pagefind's files are its own binary format (gzip inside, read by its wasm).
    ".pf_fragment": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
# Atom feeds: feed readers rely on the type.
_FEED_NAME = "feed.xml"


class DeployError(Exception):
    """A deploy that cannot go on; the message is bilingual and ends with the fix."""


# --------------------------------------------------------------------------- the local site


@dataclasses.dataclass(frozen=True)
class LocalFile:
    key: str  # path relative to the site, with forward slashes
    path: Path
    entry: dict  # what the manifest records: sha256, size, headers


def is_text(content_type: str) -> bool:
    base = content_type.split(";")[0]
    return (
        base.startswith("text/")
        or base.endswith("+xml")
        or base.endswith("+json")
        or base in ("application/json", "application/xml", "application/javascript")
    )


def content_type(key: str) -> str:
    name = PurePosixPath(key).name
    suffix = PurePosixPath(key).suffix.lower()
    if name == _FEED_NAME:
        base = "application/atom+xml"
    else:
        base = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{base}; charset=utf-8" if is_text(base) else base


def cache_control(key: str) -> str:
    if any(pattern.search(key) for pattern in _FINGERPRINTED):
        return LONG_CACHE
    return SHORT_CACHE


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_site(site_dir: Path, *, compress: bool = False) -> dict[str, LocalFile]:
    """Every file of the built site, keyed by its path relative to ``site_dir``.

    Symbolic links are not followed (a link could publish a file from outside the site)."""
    if not site_dir.is_dir():
        raise DeployError(
            f"找不到网站文件夹 / no site folder at {site_dir}: "
            "先运行 sunlight build / run `sunlight build` first, or pass --site-dir"
        )
    files: dict[str, LocalFile] = {}
    for root, dirs, names in os.walk(site_dir):
        dirs[:] = sorted(d for d in dirs if not (Path(root) / d).is_symlink())
        for name in sorted(names):
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            key = path.relative_to(site_dir).as_posix()
            kind = content_type(key)
            entry = {
                "sha256": _sha256(path),
                "size": path.stat().st_size,
                "content_type": kind,
                "cache_control": cache_control(key),
            }
            if compress and is_text(kind):
                entry["content_encoding"] = "gzip"
            files[key] = LocalFile(key, path, entry)
    if not files:
        raise DeployError(
            f"网站文件夹是空的 / the site folder {site_dir} is empty: "
            "先运行 sunlight build / run `sunlight build` first"
        )
    return files


def body_of(local: LocalFile) -> bytes:
    data = local.path.read_bytes()
    if local.entry.get("content_encoding") == "gzip":
        # mtime=0 and no file name: the same file always compresses to the same bytes.
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def _upload_group(key: str) -> int:
    """0 fingerprinted assets, 1 other assets and data, 2 pages: the upload order."""
    if key.endswith(".html"):
        return 2
    return 0 if cache_control(key) == LONG_CACHE else 1


# --------------------------------------------------------------------------- the target


@dataclasses.dataclass(frozen=True)
class Target:
    bucket: str
    prefix: str  # "" or "some/prefix" (no leading or trailing slash)

    @classmethod
    def parse(cls, url: str) -> Target:
        match = re.fullmatch(r"s3://([^/\s]+)(?:/(.*))?", url or "")
        if not match:
            raise DeployError(
                f"目标应写成 s3://存储桶/前缀 / the target is written s3://BUCKET/PREFIX, not {url!r}"
            )
        prefix = (match.group(2) or "").strip("/")
        if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
            raise DeployError(
                f"前缀里不能有空段、. 或 .. / the prefix may not contain empty parts, . or ..: {url}"
            )
        return cls(match.group(1), prefix)

    def key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


# --------------------------------------------------------------------------- the client


def make_client(
    endpoint_url: str | None,
    *,
    region: str | None = None,
    addressing: str = "path",
    environ: dict | None = None,
):
    """A boto3 S3 client with credentials from the environment only, and no checksum
    headers unless an API requires them."""
    import boto3
    from botocore.config import Config

    env = os.environ if environ is None else environ
    access_key = env.get("AWS_ACCESS_KEY_ID")
    secret_key = env.get("AWS_SECRET_ACCESS_KEY")
    if not access_key or not secret_key:
        raise DeployError(
            "缺少访问密钥 / missing credentials: 设置环境变量 AWS_ACCESS_KEY_ID 和 "
            "AWS_SECRET_ACCESS_KEY（在工作流里放进 secrets）/ set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY in the environment (workflow secrets)"
        )
    config = Config(
        # boto3 >= 1.36 adds x-amz-checksum-crc32 to every upload by default; OBS, MinIO and
        # older gateways reject it. Only what an API requires.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # OSS accepts only virtual-host addressing; MinIO and loopback servers path style.
        s3={"addressing_style": addressing},
        signature_version="s3v4",
        retries={"max_attempts": 4, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=16,
    )
    # An explicit session: no ~/.aws files, no instance metadata, no profile.
    session = boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
        region_name=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    return session.client("s3", endpoint_url=endpoint_url or None, config=config)


def _explain(error: Exception, target: Target, endpoint_url: str | None) -> DeployError:
    """A client error as a bilingual message that says what to check (never the secret)."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        ParamValidationError,
    )

    where = f"{target} ({endpoint_url or 'AWS'})"
    if isinstance(error, EndpointConnectionError):
        return DeployError(
            f"连不上存储服务 / cannot reach the storage endpoint {endpoint_url}: "
            "检查 --endpoint-url 和网络 / check --endpoint-url and the network"
        )
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket" or (status == 404 and code in ("404", "NotFound")):
            return DeployError(
                f"存储桶不存在 / no such bucket: {target.bucket} at {endpoint_url or 'AWS'}: "
                "检查桶名和 --endpoint-url（地域）/ check the bucket name and the endpoint (region)"
            )
        if code in (
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "InvalidToken",
            "ExpiredToken",
            "403",
            "Forbidden",
        ):
            return DeployError(
                f"存储服务拒绝了访问密钥 / the storage service refused the credentials ({code}) "
                f"for {where}: 检查 AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY 及其对该桶的写权限 / "
                "check the key pair and its write permission on this bucket"
            )
        if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "301", "400"):
            return DeployError(
                f"地域或寻址方式不对 / wrong region or addressing for {where} ({code}): "
                "检查 --region 和 --addressing（阿里云 OSS 用 virtual）/ "
                "check --region and --addressing (OSS needs virtual)"
            )
        return DeployError(
            f"存储服务报错 / the storage service answered {code or status} for {where}: "
            f"{error.response.get('Error', {}).get('Message', '')}".rstrip(": ")
            + " — 重新运行会接着完成 / running the deploy again finishes it"
        )
    if isinstance(error, NoCredentialsError | ParamValidationError):
        return DeployError(f"参数或密钥有误 / bad parameters or credentials for {where}: {error}")
    return DeployError(
        f"部署中断 / the deploy stopped at {where}: {type(error).__name__}: {error} — "
        "重新运行会接着完成 / running the deploy again finishes it"
    )


# --------------------------------------------------------------------------- the bucket state


def _get_json(client, bucket: str, key: str) -> dict | None:
    from botocore.exceptions import ClientError

    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise
    try:
        value = json.loads(response["Body"].read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, dict) or value.get("generator") != "sunlight":
        raise DeployError(
            f"s3://{bucket}/{key} 不是 Sunlight 的清单 / is not a Sunlight manifest: "
            "换一个前缀，或删除这个文件 / use another prefix, or delete that object"
        )
    return value


def _manifest_json(payload: dict) -> bytes:
    return json.dumps(
        {"generator": "sunlight", "format": MANIFEST_FORMAT, **payload},
        ensure_ascii=False,
        sort_keys=True,
        indent=1,
    ).encode("utf-8")


def _prefix_is_empty(client, target: Target) -> bool:
    listing = client.list_objects_v2(
        Bucket=target.bucket, Prefix=f"{target.prefix}/" if target.prefix else "", MaxKeys=1
    )
    return not listing.get("KeyCount") and not listing.get("Contents")


@dataclasses.dataclass
class Plan:
    """What a deploy will do: keys relative to the prefix."""

    uploads: list[LocalFile]
    deletes: list[str]
    unchanged: int
    known: dict[str, dict]  # keys whose content in the bucket is known, and their entries
    owned: set[str]  # every key Sunlight may have written under the prefix
    first: bool  # no manifest yet: a first deploy into an empty prefix
    recovering: bool  # a previous run was interrupted; this one finishes it

    @property
    def upload_bytes(self) -> int:
        return sum(f.entry["size"] for f in self.uploads)

    def describe(self) -> str:
        lines = []
        if self.recovering:
            lines.append("上次部署未完成，本次接着完成 / finishing an interrupted deploy")
        if self.first:
            lines.append("首次部署到空前缀 / first deploy into an empty prefix")
        lines.append(
            f"上传 / upload: {len(self.uploads)} 个文件 files, {_bytes(self.upload_bytes)}"
            f" ({self.upload_bytes} bytes)"
        )
        lines.append(f"删除 / delete: {len(self.deletes)} 个文件 files")
        lines.append(f"不变 / unchanged: {self.unchanged} 个文件 files")
        return "\n".join(lines)


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"


def plan(client, target: Target, local: dict[str, LocalFile]) -> Plan:
    """Compare the site with what the bucket holds (its manifests); write nothing."""
    pending = _get_json(client, target.bucket, target.key(PENDING_NAME))
    manifest = _get_json(client, target.bucket, target.key(MANIFEST_NAME))
    first = False
    if pending is not None:
        # The interrupted run recorded what it knew before its first write: trust that.
        known = dict(pending.get("known") or {})
        owned = set(pending.get("owned") or ())
    elif manifest is not None:
        known = dict(manifest.get("files") or {})
        owned = set(known)
    else:
        if not _prefix_is_empty(client, target):
            raise DeployError(
                f"{target} 下已有文件，但没有 Sunlight 清单（{MANIFEST_NAME}）/ "
                f"{target} already holds objects and no Sunlight manifest: "
                "前缀可能写错了，没有上传也没有删除任何文件；请核对前缀，或换一个空前缀 / "
                "the prefix may be mistyped; nothing was uploaded or deleted. "
                "Check the prefix, or deploy to an empty one"
            )
        known, owned, first = {}, set(), True
    uploads = [f for f in local.values() if known.get(f.key) != f.entry]
    uploads.sort(key=lambda f: (_upload_group(f.key), f.key))
    deletes = sorted(owned - set(local))
    return Plan(
        uploads=uploads,
        deletes=deletes,
        unchanged=len(local) - len(uploads),
        known=known,
        owned=owned,
        first=first,
        recovering=pending is not None,
    )


# --------------------------------------------------------------------------- the deploy


@dataclasses.dataclass
class Result:
    plan: Plan
    uploaded: int = 0
    uploaded_bytes: int = 0  # bytes sent (after compression)
    deleted: int = 0


class Progress:
    """A line on stderr every ``every`` files or ``seconds``, whichever comes first."""

    def __init__(self, total: int, echo: Callable[[str], None], every=200, seconds=5.0):
        self.total, self.echo, self.every, self.seconds = total, echo, every, seconds
        self.done = self.bytes = 0
        self._last_time = time.monotonic()
        self._last_done = 0
        self._lock = threading.Lock()

    def add(self, size: int) -> None:
        with self._lock:
            self.done += 1
            self.bytes += size
            now = time.monotonic()
            if (
                self.done - self._last_done >= self.every
                or now - self._last_time >= self.seconds
                or self.done == self.total
            ):
                self._last_done, self._last_time = self.done, now
                self.echo(
                    f"   上传 / uploading {self.done}/{self.total} 个文件 files, {_bytes(self.bytes)}"
                )


def deploy(
    site_dir: Path,
    target: Target,
    client,
    *,
    dry_run: bool = False,
    compress: bool = False,
    jobs: int = 8,
    echo: Callable[[str], None] = lambda line: None,
    progress_every: int = 200,
    _interrupt_after: int | None = None,
) -> Result:
    """Publish ``site_dir`` under ``target``. ``_interrupt_after`` is a test hook: raise
    after that many uploads, as a killed run would stop."""
    local = scan_site(site_dir, compress=compress)
    the_plan = plan(client, target, local)
    result = Result(the_plan)
    if dry_run:
        return result
    nothing_to_do = not the_plan.uploads and not the_plan.deletes and not the_plan.recovering
    if nothing_to_do and not the_plan.first:
        return result

    # Before the first write: what this run may touch. Keys being uploaded are no longer
    # known (a killed run may leave either version); every key written stays owned.
    uploading = {f.key for f in the_plan.uploads}
    pending = {
        "known": {k: v for k, v in the_plan.known.items() if k not in uploading},
        "owned": sorted(the_plan.owned | set(local)),
    }
    _put(client, target, PENDING_NAME, _manifest_json(pending), "application/json", NO_CACHE)

    progress = Progress(len(the_plan.uploads), echo, every=progress_every)
    lock = threading.Lock()

    def upload(local_file: LocalFile) -> None:
        body = body_of(local_file)
        entry = local_file.entry
        extra = (
            {"ContentEncoding": entry["content_encoding"]} if "content_encoding" in entry else {}
        )
        client.put_object(
            Bucket=target.bucket,
            Key=target.key(local_file.key),
            Body=body,
            ContentType=entry["content_type"],
            CacheControl=entry["cache_control"],
            **extra,
        )
        with lock:
            result.uploaded += 1
            result.uploaded_bytes += len(body)
            if _interrupt_after is not None and result.uploaded >= _interrupt_after:
                raise KeyboardInterrupt("test hook: interrupted")
        progress.add(len(body))

    # Groups one after another (assets before the pages that use them); files within a
    # group in parallel.
    for group in (0, 1, 2):
        batch = [f for f in the_plan.uploads if _upload_group(f.key) == group]
        _run_parallel(upload, batch, 1 if _interrupt_after is not None else jobs)

    for key in the_plan.deletes:
        client.delete_object(Bucket=target.bucket, Key=target.key(key))
        result.deleted += 1

    manifest = {"files": {key: f.entry for key, f in sorted(local.items())}}
    _put(client, target, MANIFEST_NAME, _manifest_json(manifest), "application/json", NO_CACHE)
    client.delete_object(Bucket=target.bucket, Key=target.key(PENDING_NAME))
    return result


def _put(client, target: Target, name: str, body: bytes, kind: str, cache: str) -> None:
    client.put_object(
        Bucket=target.bucket,
        Key=target.key(name),
        Body=body,
        ContentType=f"{kind}; charset=utf-8",
        CacheControl=cache,
    )


def _run_parallel(func, items: Iterable, jobs: int) -> None:
    items = list(items)
    if jobs <= 1:
        for item in items:
            func(item)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(func, item) for item in items]
        try:
            for future in concurrent.futures.as_completed(futures):
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


# --------------------------------------------------------------------------- the CSP

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
_STYLE = re.compile(r"<style(?P<attrs>[^>]*)>(?P<body>.*?)</style\s*>", re.S | re.I)
_ATTR_SRC = re.compile(r"\ssrc\s*=", re.I)
_ATTR_TYPE = re.compile(r"""\stype\s*=\s*["']?([^"'\s>]+)""", re.I)
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
# A style attribute needs 'unsafe-hashes' (or 'unsafe-inline'); the site has none.
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclasses.dataclass(frozen=True)
class InlineCode:
    scripts: list[str]  # 'sha256-…' of each distinct inline script, sorted
    styles: list[str]  # the same for <style> blocks (the notice's @page rule)


def inline_code(site_dir: Path) -> InlineCode:
    """The hashes of every distinct inline script and style block in the site's pages.

    Scripts with ``src`` load from the site itself ('self'); data blocks such as Material's
    ``<script type="application/json">`` are not run and need no hash. Material's
    ``__md_scope`` script differs by page depth, so there is one hash per depth."""
    scripts, styles = set(), set()
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text("utf-8")
        for match in _SCRIPT.finditer(text):
            attrs = match.group("attrs")
            if _ATTR_SRC.search(attrs):
                continue
            kind = _ATTR_TYPE.search(attrs)
            if kind and kind.group(1).lower() not in _JS_TYPES:
                continue
            scripts.add(_hash(match.group("body")))
        for match in _STYLE.finditer(text):
            styles.add(_hash(match.group("body")))
    return InlineCode(sorted(scripts), sorted(styles))


def inline_script_hashes(site_dir: Path) -> list[str]:
    return inline_code(site_dir).scripts


def content_security_policy(site_dir: Path, *, meta: bool = False) -> str:
    """The policy that allows only the site itself.

    ``'wasm-unsafe-eval'`` lets Pagefind run its WebAssembly (no JavaScript eval). Styles
    need no 'unsafe-inline': the pages carry no style attributes (tests/test_nginx.py checks),
    Material sets styles through the CSSOM, which CSP does not restrict, and the notice's
    ``<style>@page …</style>`` is allowed by its hash. ``meta=True`` leaves out what a
    ``<meta>`` policy may not carry (frame-ancestors; browsers ignore it there and warn)."""
    code = inline_code(site_dir)
    scripts = " ".join(["'self'", "'wasm-unsafe-eval'", *code.scripts])
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        " ".join(["style-src 'self'", *code.styles]),
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    if not meta:
        directives.append("frame-ancestors 'self'")
    return "; ".join(directives)


# --------------------------------------------------------------------------- the command


@click.command("deploy")
@click.argument("target", required=False)
@click.option(
    "--site-dir",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The built site to publish.",
)
@click.option(
    "--endpoint-url",
    envvar="SUNLIGHT_S3_ENDPOINT",
    help="The S3 API endpoint, e.g. https://oss-cn-shanghai.aliyuncs.com (default: AWS).",
)
@click.option(
    "--addressing",
    type=click.Choice(["path", "virtual"]),
    default="path",
    show_default=True,
    help="path: ENDPOINT/BUCKET/KEY; virtual: BUCKET.ENDPOINT/KEY (Alibaba OSS needs virtual).",
)
@click.option("--region", help="Signing region (default: AWS_REGION, else us-east-1).")
@click.option("--dry-run", is_flag=True, help="Print the plan (counts and bytes); write nothing.")
@click.option(
    "--gzip",
    "compress",
    is_flag=True,
    help="Upload text files gzip-compressed with Content-Encoding: gzip, for hosts that "
    "do not compress.",
)
@click.option("--jobs", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--print-csp",
    is_flag=True,
    help="Print the site's Content-Security-Policy (for nginx) and exit; no TARGET needed.",
)
@click.option("--meta", is_flag=True, help="With --print-csp: the policy for a <meta> tag.")
def command(
    target: str | None,
    site_dir: Path,
    endpoint_url: str | None,
    addressing: str,
    region: str | None,
    dry_run: bool,
    compress: bool,
    jobs: int,
    print_csp: bool,
    meta: bool,
) -> None:
    """Publish the built site to S3-compatible object storage, uploading only what changed.

    Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY only. Order: assets and
    data, then pages, deletions last; an interrupted deploy is finished by the next run.

    Example: sunlight deploy s3://sunlight-site/www --endpoint-url https://cos.ap-shanghai.myqcloud.com
    """
    if print_csp:
        if not site_dir.is_dir():
            raise click.UsageError(f"找不到网站文件夹 / no site folder at {site_dir}")
        click.echo(content_security_policy(site_dir, meta=meta))
        return
    if not target:
        raise click.UsageError("缺少目标 / missing TARGET: s3://BUCKET/PREFIX")
    try:
        parsed = Target.parse(target)
    except DeployError as error:
        raise click.UsageError(str(error)) from None

    def echo(line: str) -> None:
        click.echo(line, err=True)

    try:
        client = make_client(endpoint_url, region=region, addressing=addressing)
        started = time.monotonic()
        try:
            result = deploy(
                site_dir, parsed, client, dry_run=dry_run, compress=compress, jobs=jobs, echo=echo
            )
        except DeployError:
            raise
        except Exception as error:  # botocore's errors, a lost connection: never a traceback
            raise _explain(error, parsed, endpoint_url) from None
    except DeployError as error:
        click.echo(f"部署失败 / deploy failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"{'计划 / plan' if dry_run else '部署 / deploy'}: {site_dir} → {parsed}")
    click.echo(result.plan.describe())
    if not dry_run:
        click.echo(
            f"已上传 / uploaded: {result.uploaded} 个文件 files, {result.uploaded_bytes} bytes; "
            f"已删除 / deleted: {result.deleted} ({time.monotonic() - started:.1f} s)"
        )
