"""sunlight deploy against a real S3 API server on loopback (moto's standalone server).

The server runs as its own process on 127.0.0.1, spoken to over HTTP by boto3 exactly as
OSS, COS, OBS or MinIO would be. Every request the library's client sends is recorded by a
botocore ``before-send`` hook, so tests can say which keys were written and that no
request carried a checksum header.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.outputs import deploy as dp

SECRET = "s3cr3t-Never-Printed-7f3a9c"
KEY_ID = "AKIASUNLIGHTTEST0001"
ESTATE = "meilin-xincun"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_moto(tmp: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = Path(sys.executable).parent / "moto_server"
    log = tmp / f"moto-{port}.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited {process.returncode}: see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("moto_server did not start listening within 30 s")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    process, url = _start_moto(tmp_path_factory.mktemp("moto"))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


class Recorder:
    """Every request a client sends: (method, key relative to the bucket, headers)."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []

    def __call__(self, request, **kwargs):
        path = unquote(urlsplit(request.url).path)
        self.requests.append((request.method, path, dict(request.headers)))

    def writes(self, bucket: str) -> list[tuple[str, str]]:
        prefix = f"/{bucket}/"
        return [
            (method, path[len(prefix) :])
            for method, path, _ in self.requests
            if method in ("PUT", "DELETE", "POST") and path.startswith(prefix)
        ]

    def put_keys(self, bucket: str, under: str = "") -> set[str]:
        start = f"{under}/" if under else ""
        return {
            key[len(start) :]
            for method, key in self.writes(bucket)
            if method == "PUT" and key.startswith(start) and ".sunlight-manifest" not in key
        }

    def clear(self):
        self.requests.clear()


@pytest.fixture
def client(s3_endpoint, creds):
    made = dp.make_client(s3_endpoint)
    recorder = Recorder()
    made.meta.events.register("before-send.s3.*", recorder)
    made.recorder = recorder
    return made


_names = itertools.count()


@pytest.fixture
def bucket(client):
    name = f"sunlight-test-{next(_names)}-{int(time.time() * 1000) % 10**8}"
    client.create_bucket(Bucket=name)
    client.recorder.clear()
    return name


def _objects(client, bucket: str, prefix: str = "") -> dict[str, str]:
    """key → ETag of every object under ``prefix``."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            out[item["Key"]] = item["ETag"]
    return out


def _site_files(site: Path) -> dict[str, Path]:
    return {p.relative_to(site).as_posix(): p for p in site.rglob("*") if p.is_file()}


@pytest.fixture
def site_copy(built_site, tmp_path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    return copy


def _change_one_estate(site: Path) -> tuple[set[str], str]:
    """Change an estate's files as a one-estate commit would: its pages and data, the
    aggregates that list it; remove one file and add one. Returns (changed keys, removed)."""
    changed = set()
    for rel in (
        f"estates/{ESTATE}/index.html",
        f"estates/{ESTATE}/finances/index.html",
        f"estates/{ESTATE}/data/common_income.csv",
        f"estates/{ESTATE}/feed.xml",
        "feed.xml",
        "estates/index.html",
    ):
        path = site / rel
        path.write_bytes(path.read_bytes() + b"\n<!-- changed -->\n")
        changed.add(rel)
    added = f"estates/{ESTATE}/data/new_table.csv"
    (site / added).write_text("a,b\n1,2\n", "utf-8")
    changed.add(added)
    removed = f"estates/{ESTATE}/calendar.ics"
    (site / removed).unlink()
    return changed, removed


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "key, kind, cache",
    [
        ("index.html", "text/html; charset=utf-8", dp.SHORT_CACHE),
        ("estates/x/index.html", "text/html; charset=utf-8", dp.SHORT_CACHE),
        ("feed.xml", "application/atom+xml; charset=utf-8", dp.SHORT_CACHE),
        ("sitemap.xml", "application/xml; charset=utf-8", dp.SHORT_CACHE),
        ("estates/x/data/fees.csv", "text/csv; charset=utf-8", dp.SHORT_CACHE),
        ("estates/x/calendar.ics", "text/calendar; charset=utf-8", dp.SHORT_CACHE),
        ("assets/sunlight.js", "text/javascript; charset=utf-8", dp.SHORT_CACHE),
        ("assets/favicon.svg", "image/svg+xml; charset=utf-8", dp.SHORT_CACHE),
        ("assets/javascripts/bundle.a5f9d56c.min.js", "text/javascript; charset=utf-8", dp.LONG_CACHE),
        ("assets/stylesheets/main.57a0d79d.min.css", "text/css; charset=utf-8", dp.LONG_CACHE),
        ("assets/stylesheets/main.57a0d79d.min.css.map", "application/json; charset=utf-8", dp.LONG_CACHE),
        ("pagefind/site/fragment/zh-cn_6acd7a8.pf_fragment", "application/octet-stream", dp.LONG_CACHE),
        ("pagefind/site/index/zh-cn_bc5a515.pf_index", "application/octet-stream", dp.LONG_CACHE),
        ("pagefind/site/pagefind.zh-cn_5ffce7bcf645e.pf_meta", "application/octet-stream", dp.LONG_CACHE),
        ("pagefind/site/pagefind-entry.json", "application/json; charset=utf-8", dp.SHORT_CACHE),
        ("pagefind/site/pagefind.js", "text/javascript; charset=utf-8", dp.SHORT_CACHE),
        ("guide/img/a.png", "image/png", dp.SHORT_CACHE),
        ("sitemap.xml.gz", "application/gzip", dp.SHORT_CACHE),
    ],
)  # fmt: skip
def test_content_type_and_cache(key, kind, cache):
    assert (dp.content_type(key), dp.cache_control(key)) == (kind, cache)


def test_every_built_file_is_ordered_assets_before_pages(built_site):
    files = dp.scan_site(built_site)
    groups = {dp._upload_group(key) for key in files}
    assert groups == {0, 1, 2}
    assert all(dp._upload_group(k) == 2 for k in files if k.endswith(".html"))
    assert dp._upload_group("assets/javascripts/bundle.a5f9d56c.min.js") == 0


@pytest.mark.parametrize(
    "url, bucket, prefix",
    [("s3://b/www", "b", "www"), ("s3://b/www/", "b", "www"), ("s3://b", "b", ""), ("s3://b/a/b", "b", "a/b")],
)  # fmt: skip
def test_target_parse(url, bucket, prefix):
    assert dp.Target.parse(url) == dp.Target(bucket, prefix)


@pytest.mark.parametrize("url", ["b/www", "s3:/b", "https://b/www", "s3://b/a//c", "s3://b/../x"])
def test_a_bad_target_is_misuse(url, tmp_path, creds):
    result = CliRunner().invoke(main, ["deploy", url, "--site-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "s3://" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- first deploy


def test_first_deploy_uploads_every_file_with_its_bytes_and_type(built_site, client, bucket):
    target = dp.Target(bucket, "www")
    result = dp.deploy(built_site, target, client)
    files = _site_files(built_site)
    assert result.uploaded == len(files) and result.deleted == 0
    assert result.plan.first

    objects = _objects(client, bucket)
    assert set(objects) == {f"www/{k}" for k in files} | {"www/" + dp.MANIFEST_NAME}
    for key, path in files.items():
        got = client.get_object(Bucket=bucket, Key=f"www/{key}")
        assert got["Body"].read() == path.read_bytes(), key
        assert got["ContentType"] == dp.content_type(key), key
        assert got["CacheControl"] == dp.cache_control(key), key
        assert "ContentEncoding" not in got, key
    index = client.get_object(Bucket=bucket, Key="www/index.html")
    assert index["ContentType"] == "text/html; charset=utf-8"
    bundle = next(k for k in files if re.match(r"assets/javascripts/bundle\.\w+\.min\.js$", k))
    assert client.head_object(Bucket=bucket, Key=f"www/{bundle}")["CacheControl"] == dp.LONG_CACHE

    manifest = json.loads(
        client.get_object(Bucket=bucket, Key=f"www/{dp.MANIFEST_NAME}")["Body"].read()
    )
    assert set(manifest["files"]) == set(files)
    assert manifest["files"]["index.html"]["sha256"] == dp._sha256(built_site / "index.html")

    # The same site again: nothing to upload, nothing written at all.
    client.recorder.clear()
    again = dp.deploy(built_site, target, client)
    assert (again.uploaded, again.deleted, again.plan.unchanged) == (0, 0, len(files))
    assert client.recorder.writes(bucket) == []


def test_pages_are_uploaded_after_every_asset_and_data_file(built_site, client, bucket):
    dp.deploy(built_site, dp.Target(bucket, ""), client, jobs=1)
    keys = [k for method, k in client.recorder.writes(bucket) if method == "PUT"]
    keys = [k for k in keys if not k.startswith(".sunlight-manifest")]
    first_page = next(i for i, k in enumerate(keys) if k.endswith(".html"))
    assert all(k.endswith(".html") for k in keys[first_page:])
    assert first_page > 0


# --------------------------------------------------------------------------- a one-estate change


def test_a_one_estate_change_uploads_only_what_changed_and_deletes_the_removed_file(
    site_copy, client, bucket
):
    target = dp.Target(bucket, "www")
    dp.deploy(site_copy, target, client)
    before = _objects(client, bucket)
    changed, removed = _change_one_estate(site_copy)

    client.recorder.clear()
    result = dp.deploy(site_copy, target, client)
    assert client.recorder.put_keys(bucket, "www") == changed
    assert (result.uploaded, result.deleted) == (len(changed), 1)
    deletes = [k for m, k in client.recorder.writes(bucket) if m == "DELETE"]
    assert f"www/{removed}" in deletes
    assert all(k == f"www/{removed}" or ".sunlight-manifest" in k for k in deletes)

    after = _objects(client, bucket)
    assert f"www/{removed}" not in after
    untouched = set(before) - {f"www/{k}" for k in changed | {removed, dp.MANIFEST_NAME}}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
    for key in changed:
        body = client.get_object(Bucket=bucket, Key=f"www/{key}")["Body"].read()
        assert body == (site_copy / key).read_bytes()


def test_only_keys_of_the_previous_manifest_are_deleted(site_copy, client, bucket):
    """Someone else's object under the prefix, after the first deploy, is left alone."""
    target = dp.Target(bucket, "www")
    dp.deploy(site_copy, target, client)
    client.put_object(Bucket=bucket, Key="www/robots.txt", Body=b"User-agent: *\n")
    (site_copy / "estates" / ESTATE / "calendar.ics").unlink()
    result = dp.deploy(site_copy, target, client)
    assert result.plan.deletes == [f"estates/{ESTATE}/calendar.ics"]
    assert "www/robots.txt" in _objects(client, bucket)


# --------------------------------------------------------------------------- interruption


def _assets_resolve(client, bucket: str, prefix: str) -> list[str]:
    """Every script and stylesheet a published page refers to exists: the missing ones."""
    objects = set(_objects(client, bucket, prefix + "/"))
    missing = []
    for key in sorted(k for k in objects if k.endswith(".html")):
        html = client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        base = key.rsplit("/", 1)[0]
        for ref in re.findall(r'(?:src|href)="([^"#?]+\.(?:js|css))"', html):
            if "://" in ref:
                continue
            parts = []
            for part in f"{base}/{ref}".split("/"):
                if part == "..":
                    parts.pop()
                elif part not in ("", "."):
                    parts.append(part)
            if "/".join(parts) not in objects:
                missing.append(f"{key} → {ref}")
    return missing


def _new_bundle(site: Path) -> tuple[str, str]:
    """A theme update: Material's bundle gets a new fingerprint and every page points to it."""
    old = next((site / "assets/javascripts").glob("bundle.*.min.js"))
    new = old.with_name("bundle.0123abcd.min.js")
    new.write_bytes(old.read_bytes() + b"\n// new version\n")
    old.unlink()
    old.with_name(old.name + ".map").unlink()
    for page in site.rglob("*.html"):
        page.write_text(page.read_text("utf-8").replace(old.name, new.name), "utf-8")
    return old.relative_to(site).as_posix(), new.relative_to(site).as_posix()


def test_an_interrupted_deploy_keeps_the_site_consistent_and_the_next_run_finishes_it(
    site_copy, client, bucket
):
    target = dp.Target(bucket, "www")
    dp.deploy(site_copy, target, client)
    assert _assets_resolve(client, bucket, "www") == []
    old_bundle, new_bundle = _new_bundle(site_copy)
    changed, removed = _change_one_estate(site_copy)

    # In the assets, in the data, among the pages. Generated pages no longer load
    # Material's bundle, so only the guide's pages change with it: a short upload.
    for stop_after in (1, 3, 10):
        with pytest.raises(KeyboardInterrupt):
            dp.deploy(site_copy, target, client, _interrupt_after=stop_after)
        objects = _objects(client, bucket)
        assert f"www/{dp.PENDING_NAME}" in objects
        # Old pages still find the old bundle, new pages the new one: nothing broken.
        assert f"www/{old_bundle}" in objects and f"www/{removed}" in objects
        assert _assets_resolve(client, bucket, "www") == []

    client.recorder.clear()
    result = dp.deploy(site_copy, target, client)
    assert result.plan.recovering
    objects = _objects(client, bucket)
    assert f"www/{dp.PENDING_NAME}" not in objects
    assert f"www/{old_bundle}" not in objects and f"www/{removed}" not in objects
    files = _site_files(site_copy)
    assert set(objects) == {f"www/{k}" for k in files} | {f"www/{dp.MANIFEST_NAME}"}
    for key, path in files.items():
        assert (
            client.get_object(Bucket=bucket, Key=f"www/{key}")["Body"].read() == path.read_bytes()
        )
    assert _assets_resolve(client, bucket, "www") == []
    # Finished: the next run has nothing to do.
    assert dp.deploy(site_copy, target, client).uploaded == 0


def test_after_an_interruption_a_different_site_still_removes_what_the_interrupted_run_wrote(
    built_site, site_copy, client, bucket
):
    target = dp.Target(bucket, "www")
    dp.deploy(built_site, target, client)
    _old, new_bundle = _new_bundle(site_copy)
    with pytest.raises(KeyboardInterrupt):
        dp.deploy(site_copy, target, client, _interrupt_after=1)
    assert f"www/{new_bundle}" in _objects(client, bucket)  # written, not in any manifest

    dp.deploy(built_site, target, client)  # back to the original site
    objects = _objects(client, bucket)
    assert f"www/{new_bundle}" not in objects
    assert set(objects) == {f"www/{k}" for k in _site_files(built_site)} | {
        f"www/{dp.MANIFEST_NAME}"
    }


# --------------------------------------------------------------------------- a mistyped prefix


def test_a_non_empty_prefix_without_a_manifest_is_refused_and_nothing_is_written(
    built_site, client, bucket, s3_endpoint
):
    client.put_object(Bucket=bucket, Key="photos/2024/a.jpg", Body=b"not ours")
    client.put_object(Bucket=bucket, Key="photos/b.jpg", Body=b"not ours either")
    before = _objects(client, bucket)
    client.recorder.clear()
    with pytest.raises(dp.DeployError, match="no Sunlight manifest"):
        dp.deploy(built_site, dp.Target(bucket, "photos"), client)
    assert client.recorder.writes(bucket) == []

    result = CliRunner().invoke(
        main, ["deploy", f"s3://{bucket}/photos", "--site-dir", str(built_site), "--endpoint-url", s3_endpoint]
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "没有 Sunlight 清单" in result.output and "no Sunlight manifest" in result.output
    assert "Traceback" not in result.output
    assert _objects(client, bucket) == before


def test_a_prefix_is_a_folder_not_a_string_prefix(built_site, client, bucket):
    """Deploying to ``ww`` beside an existing ``www`` site is a first deploy, not a refusal."""
    dp.deploy(built_site, dp.Target(bucket, "www"), client)
    result = dp.deploy(built_site, dp.Target(bucket, "ww"), client)
    assert result.plan.first and result.uploaded == len(_site_files(built_site))


def test_a_foreign_file_in_the_manifests_place_is_refused(built_site, client, bucket):
    client.put_object(Bucket=bucket, Key=f"www/{dp.MANIFEST_NAME}", Body=b'{"files": {}}')
    with pytest.raises(dp.DeployError, match="not a Sunlight manifest"):
        dp.deploy(built_site, dp.Target(bucket, "www"), client)


# --------------------------------------------------------------------------- checksum headers


def test_no_request_carries_a_checksum_header(site_copy, client, bucket):
    target = dp.Target(bucket, "www")
    dp.deploy(site_copy, target, client)
    _change_one_estate(site_copy)
    dp.deploy(site_copy, target, client)
    client.get_object(Bucket=bucket, Key="www/index.html")["Body"].read()
    methods = {method for method, _path, _headers in client.recorder.requests}
    assert {"GET", "PUT", "DELETE"} <= methods
    offending = [
        (method, path, name)
        for method, path, headers in client.recorder.requests
        for name in headers
        if name.lower().startswith(("x-amz-checksum", "x-amz-sdk-checksum"))
    ]
    assert offending == []
    trailers = [h.get("x-amz-trailer") for _m, _p, h in client.recorder.requests]
    assert not any(trailers)


def test_virtual_host_addressing_puts_the_bucket_in_the_host(creds):
    """Alibaba OSS needs BUCKET.ENDPOINT; checked on the URL botocore would send."""
    from botocore.awsrequest import AWSResponse

    made = dp.make_client("https://oss-cn-shanghai.example.invalid", addressing="virtual")
    urls = []

    class EmptyBody:
        def stream(self, **kwargs):
            yield b""

    def answer(request, **kwargs):
        urls.append(request.url)
        return AWSResponse(request.url, 200, {}, EmptyBody())

    made.meta.events.register("before-send.s3.*", answer)
    made.put_object(Bucket="sunlight-site", Key="www/index.html", Body=b"x")
    assert urlsplit(urls[0]).hostname == "sunlight-site.oss-cn-shanghai.example.invalid"
    assert urlsplit(urls[0]).path == "/www/index.html"


# --------------------------------------------------------------------------- gzip, dry run, progress


def test_gzip_uploads_deterministic_compressed_text_with_content_encoding(
    built_site, client, bucket
):
    target = dp.Target(bucket, "")
    dp.deploy(built_site, target, client, compress=True)
    page = client.get_object(Bucket=bucket, Key="index.html")
    assert page["ContentEncoding"] == "gzip"
    body = page["Body"].read()
    assert gzip.decompress(body) == (built_site / "index.html").read_bytes()
    assert body == gzip.compress((built_site / "index.html").read_bytes(), compresslevel=9, mtime=0)
    image = next(k for k in _site_files(built_site) if k.endswith(".png"))
    assert "ContentEncoding" not in client.get_object(Bucket=bucket, Key=image)
    # Switching compression off re-uploads exactly the text files.
    result = dp.deploy(built_site, target, client)
    texts = {k for k in _site_files(built_site) if dp.is_text(dp.content_type(k))}
    assert {f.key for f in result.plan.uploads} == texts


def test_dry_run_prints_the_plan_and_writes_nothing(site_copy, client, bucket, s3_endpoint):
    args = [
        "deploy",
        f"s3://{bucket}/www",
        "--site-dir",
        str(site_copy),
        "--endpoint-url",
        s3_endpoint,
    ]
    files = _site_files(site_copy)
    total = sum(p.stat().st_size for p in files.values())
    result = CliRunner().invoke(main, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"上传 / upload: {len(files)} 个文件 files" in result.output
    assert f"({total} bytes)" in result.output
    assert _objects(client, bucket) == {}

    assert CliRunner().invoke(main, args).exit_code == 0
    before = _objects(client, bucket)
    changed, _removed = _change_one_estate(site_copy)
    result = CliRunner().invoke(main, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"上传 / upload: {len(changed)} 个文件 files" in result.output
    assert "删除 / delete: 1 个文件 files" in result.output
    assert _objects(client, bucket) == before


def test_the_command_reports_counts_and_progress(built_site, client, bucket, s3_endpoint):
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "deploy",
            f"s3://{bucket}/www",
            "--site-dir",
            str(built_site),
            "--endpoint-url",
            s3_endpoint,
        ],
    )
    assert result.exit_code == 0, result.output
    count = len(_site_files(built_site))
    assert f"已上传 / uploaded: {count} 个文件 files" in result.stdout
    assert re.search(rf"上传 / uploading {count}/{count} 个文件 files", result.stderr)
    # A line every 200 files or 5 seconds, whichever comes first: at least one before the end.
    lines = re.findall(rf"上传 / uploading (\d+)/{count} 个文件 files", result.stderr)
    assert len(lines) >= 2 and int(lines[0]) <= 200


def test_progress_lines_every_n_files(built_site, client, bucket):
    lines = []
    dp.deploy(built_site, dp.Target(bucket, ""), client, echo=lines.append, progress_every=50)
    total = len(_site_files(built_site))
    assert len(lines) >= total // 50
    assert lines[-1].startswith(f"   上传 / uploading {total}/{total}")


# --------------------------------------------------------------------------- failures


def _assert_clean_failure(result, *needles):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert SECRET not in result.output and SECRET not in (result.stderr or "")
    for needle in needles:
        assert needle in result.output, result.output


def test_a_wrong_endpoint_fails_cleanly(built_site, creds):
    dead = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(
        main, ["deploy", "s3://b/www", "--site-dir", str(built_site), "--endpoint-url", dead]
    )
    _assert_clean_failure(result, "部署失败 / deploy failed", "cannot reach the storage endpoint")


def test_a_missing_bucket_fails_cleanly(built_site, creds, s3_endpoint):
    result = CliRunner().invoke(
        main,
        ["deploy", "s3://no-such-bucket-here/www", "--site-dir", str(built_site), "--endpoint-url", s3_endpoint],
    )  # fmt: skip
    _assert_clean_failure(result, "存储桶不存在", "no such bucket")


def test_missing_credentials_fail_cleanly(built_site, monkeypatch, s3_endpoint):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    result = CliRunner().invoke(
        main, ["deploy", "s3://b/www", "--site-dir", str(built_site), "--endpoint-url", s3_endpoint]
    )
    _assert_clean_failure(result, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def test_bad_credentials_fail_cleanly_without_printing_the_secret(built_site, creds, tmp_path):
    """A server that checks signatures (moto with IAM authorisation on) refuses our key."""
    process, url = _start_moto(tmp_path, {"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    try:
        result = CliRunner().invoke(
            main, ["deploy", "s3://b/www", "--site-dir", str(built_site), "--endpoint-url", url]
        )
    finally:
        process.terminate()
        process.wait(10)
    _assert_clean_failure(result, "refused the credentials", "AWS_SECRET_ACCESS_KEY")


def test_a_missing_site_is_a_clean_failure(tmp_path, creds, s3_endpoint):
    result = CliRunner().invoke(
        main, ["deploy", "s3://b/www", "--site-dir", str(tmp_path / "nope"), "--endpoint-url", s3_endpoint]
    )  # fmt: skip
    _assert_clean_failure(result, "sunlight build")


# --------------------------------------------------------------------------- the CSP


def test_the_csp_hashes_every_inline_script_and_allows_only_the_site(built_site):
    import base64
    import hashlib

    care = re.search(
        r"<script>(.*?)</script>", (Path(__file__).parent.parent / "theme/main.html").read_text()
    ).group(1)
    care_hash = base64.b64encode(hashlib.sha256(care.encode()).digest()).decode()
    hashes = dp.inline_script_hashes(built_site)
    assert f"'sha256-{care_hash}'" in hashes
    assert len(hashes) >= 3  # Material's __md_scope and tab scripts too

    policy = dp.content_security_policy(built_site)
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self' 'wasm-unsafe-eval' 'sha256-")
    tokens = policy.replace(";", " ").split()
    assert "'unsafe-inline'" not in tokens and "'unsafe-eval'" not in tokens
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'self'"
    meta = dp.content_security_policy(built_site, meta=True)
    assert "frame-ancestors" not in meta and meta in policy


def test_no_page_needs_unsafe_inline_styles(built_site):
    """A style attribute would need 'unsafe-hashes'; <style> blocks are allowed by hash."""
    with_attribute = [
        p.relative_to(built_site).as_posix()
        for p in built_site.rglob("*.html")
        if dp.STYLE_ATTRIBUTE.search(p.read_text("utf-8"))
    ]
    assert with_attribute == []
    notice = (built_site / "estates" / ESTATE / "notice" / "index.html").read_text("utf-8")
    page_rule = re.search(r"<style>(.*?)</style>", notice, re.S).group(1)
    assert dp._hash(page_rule) in dp.content_security_policy(built_site).split("style-src")[1]


def test_print_csp(built_site):
    result = CliRunner().invoke(main, ["deploy", "--print-csp", "--site-dir", str(built_site)])
    assert result.exit_code == 0
    assert result.output.strip() == dp.content_security_policy(built_site)


# --------------------------------------------------------------------------- filing numbers

ICP = "沪ICP备12345678号-1"
PSB = "沪公网安备31010402000001号"


def test_the_repository_site_shows_no_filing_line(built_site):
    for page in ("index.html", f"estates/{ESTATE}/index.html"):
        assert 'class="sl-filing"' not in (built_site / page).read_text("utf-8")


def test_filing_numbers_are_in_every_pages_footer(tmp_path):
    """mkdocs.yml extra.icp / extra.psb: a build with them shows both on every page."""
    import yaml
    from bs4 import BeautifulSoup

    repo = Path(__file__).resolve().parent.parent
    project = tmp_path / "project"
    project.mkdir()
    config = yaml.safe_load((repo / "mkdocs.yml").read_text("utf-8"))
    config["extra"].update(icp=ICP, psb=PSB)
    config["theme"]["custom_dir"] = str(repo / "theme")
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    shutil.copytree(repo / "content", project / "content")
    data = project / "data"
    shutil.copytree(
        repo / "data",
        data,
        # One estate, and no district packages: theirs name estates this copy lacks.
        ignore=lambda folder, names: [
            n
            for n in names
            if (Path(folder).name == "estates" and n != ESTATE)
            or (Path(folder) == repo / "data" and n == "districts")
        ],
    )
    site = tmp_path / "site"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "sunlight"), "build", str(data),
            "--site-dir", str(site), "--build-dir", str(tmp_path / "build"),
            "--as-of", "2026-11-20", "--config-file", str(project / "mkdocs.yml"),
        ],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        footer = BeautifulSoup(page.read_text("utf-8"), "html.parser").select_one(".sl-filing")
        assert footer is not None, page
        links = {a.get_text(strip=True): a["href"] for a in footer.select("a")}
        assert links == {ICP: "https://beian.miit.gov.cn/", PSB: "https://beian.mps.gov.cn/"}, page


def test_a_killed_deploy_is_finished_by_the_next_run(site_copy, client, bucket, s3_endpoint):
    """SIGKILL in the middle of the uploads, as a cancelled CI job or a lost machine would."""
    import signal

    target = dp.Target(bucket, "www")
    dp.deploy(site_copy, target, client)
    old_bundle, new_bundle = _new_bundle(site_copy)
    _change_one_estate(site_copy)
    # A theme and data update touching every page and table: more than the 200 files
    # after which the first progress line comes, so the kill lands mid-upload.
    for path in [*site_copy.rglob("*.html"), *site_copy.rglob("*.csv")]:
        path.write_bytes(path.read_bytes() + b"\n")
    total = len(dp.plan(client, target, dp.scan_site(site_copy)).uploads)
    assert total > 200
    sunlight = Path(sys.executable).parent / "sunlight"
    process = subprocess.Popen(
        [str(sunlight), "deploy", f"s3://{bucket}/www", "--site-dir", str(site_copy),
         "--endpoint-url", s3_endpoint, "--jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env={**os.environ, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET},
    )  # fmt: skip
    try:
        for line in process.stderr:  # the first progress line: some files are up, not all
            progress = re.search(r"uploading (\d+)/(\d+)", line.decode("utf-8"))
            if progress:
                process.send_signal(signal.SIGKILL)
                assert int(progress[1]) < int(progress[2]) == total
                break
    finally:
        process.wait(30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "the deploy finished before it was killed"

    objects = _objects(client, bucket)
    assert f"www/{dp.PENDING_NAME}" in objects
    assert f"www/{old_bundle}" in objects and f"www/{new_bundle}" in objects
    assert _assets_resolve(client, bucket, "www") == []

    result = CliRunner().invoke(
        main, ["deploy", f"s3://{bucket}/www", "--site-dir", str(site_copy), "--endpoint-url", s3_endpoint]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "上次部署未完成，本次接着完成" in result.output
    objects = _objects(client, bucket)
    files = _site_files(site_copy)
    assert set(objects) == {f"www/{k}" for k in files} | {f"www/{dp.MANIFEST_NAME}"}
    for key, path in files.items():
        assert (
            client.get_object(Bucket=bucket, Key=f"www/{key}")["Body"].read() == path.read_bytes()
        )
