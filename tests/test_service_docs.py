"""The OpenAPI pages (/docs, /redoc) load every asset from the service itself: they work offline."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from detector.service import create_app


def test_docs_and_redoc_need_no_cdn(detector):
    with TestClient(create_app(detector=detector)) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page)
            assert html.status_code == 200
            refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
            refs += re.findall(r"""url:\s*['"]([^'"]+)['"]""", html.text)
            assert refs, html.text[:500]
            assert not [r for r in refs if r.startswith(("http:", "https:", "//"))], refs
            for ref in refs:
                asset = client.get(ref)
                assert asset.status_code == 200, ref
        assert len(client.get("/static-offline-docs/swagger-ui-bundle.js").content) > 100_000
        assert client.get("/openapi.json").json()["info"]["title"] == "detector"
