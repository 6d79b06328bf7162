"""The demo manufacturer's footprints as the conformance suite meets them: each carries a product
classification, so case 23 (filter by the first footprint's classification) has one to use."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from demo_platform import seeded_demo
from dualcarbon.demo.platform import PACT_CLIENT
from dualcarbon.server import create_app


def test_demo_footprints_are_classified_and_filterable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    settings = seeded_demo(tmp_path)
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=PACT_CLIENT
        )
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        every = client.get("/3/footprints", headers=bearer).json()["data"]
        assert len(every) == 2
        assert all(len(f["productClassifications"]) == 1 for f in every)
        first = every[0]["productClassifications"][0]
        found = client.get("/3/footprints", params={"classification": first}, headers=bearer)
        assert [f["id"] for f in found.json()["data"]] == [every[0]["id"]]
