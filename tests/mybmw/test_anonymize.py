"""Fingerprint anonymisation: no identifier of the input may survive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from custom_components.bmw_mybmw.mybmw.api.anonymize import (
    Anonymizer,
    anonymize_data,
    anonymize_response,
)
from simulator import fleet

VIN_1 = "WBA12345678901234"
VIN_2 = "WMW98765432109876"
GCID = "7a1c6f0e-93b2-4d55-8e1a-0c2b9f4d1e77"
ACCESS = "eyJhbGciOiJSUzI1NiJ9.secret-access-token-value"
REFRESH = "r3fr3sh-t0ken-value-that-is-secret"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mybmw-responses"


def _sensitive_input() -> dict[str, Any]:
    return {
        "gcid": GCID,
        "access_token": ACCESS,
        "refreshToken": REFRESH,
        "id_token": "id-token-value-123456",
        "mappingInfos": [{"vin": VIN_1, "licensePlate": "M-AB 1234"}, {"vin": VIN_2}],
        "related": [VIN_1, f"see {VIN_2} for details", ["nested", VIN_1]],
        "location": {
            "coordinates": {"latitude": 48.1773, "longitude": 11.5563},
            "heading": 271,
            "address": {"formatted": "Am Olympiapark 1, 80809 München"},
        },
        "position": {"lat": 48.1, "lng": 11.5},
        "owner": {
            "firstName": "Erika",
            "lastName": "Mustermann",
            "email": "erika@example.org",
            "phoneNumber": "+49 89 1234567",
            "street": "Hauptstraße",
            "streetNumber": "7",
            "postalCode": "80331",
            "city": "München",
        },
        "dealer": {
            "name": "Autohaus Beispiel",
            "phone": "+49 89 7654321",
            "id": 4711,
            "hours": ["Mo 8-18"],
            "open": True,
            "fax": None,
        },
        "preferredServicePartner": [{"title": "Werkstatt Nord", "zip": "80807"}],
        "note": f"contact erika@example.org about {VIN_1}; session {GCID}",
        "count": 3,
        "flag": True,
        "missing": None,
    }


def test_no_identifier_survives() -> None:
    result = anonymize_data(_sensitive_input())
    dumped = json.dumps(result, ensure_ascii=False)
    for secret in (
        VIN_1,
        VIN_2,
        GCID,
        ACCESS,
        REFRESH,
        "id-token-value",
        "M-AB 1234",
        "48.17",
        "11.55",
        "271",
        "Olympiapark",
        "Erika",
        "Mustermann",
        "example.org",
        "1234567",
        "7654321",
        "Hauptstraße",
        "80331",
        "München",
        "Autohaus",
        "Werkstatt",
        "80807",
        "4711",
    ):
        assert secret not in dumped, secret
    # Structure and harmless values are kept.
    assert result["count"] == 3
    assert result["flag"] is True
    assert result["missing"] is None
    assert result["location"]["coordinates"] == {"latitude": 12.3456, "longitude": 34.5678}
    assert result["position"] == {"lat": 12.3456, "lng": 34.5678}
    assert result["location"]["heading"] == 123
    assert result["mappingInfos"][0]["licensePlate"] == "some_license_plate"
    assert result["gcid"] == "some_gcid"
    assert result["dealer"] == {
        "name": "some_dealer_data",
        "phone": "some_dealer_data",
        "id": 0,
        "hours": ["some_dealer_data"],
        "open": True,
        "fax": None,
    }


def test_vin_mapping_is_consistent_and_ordered() -> None:
    anonymizer = Anonymizer()
    result = anonymizer.anonymize_data(_sensitive_input())
    assert result["mappingInfos"][0]["vin"] == "WBA0FINGERPRINT01"
    assert result["mappingInfos"][1]["vin"] == "WMW0FINGERPRINT02"
    assert result["related"][0] == "WBA0FINGERPRINT01"  # plain string in an array
    assert result["related"][1] == "see WMW0FINGERPRINT02 for details"
    assert result["related"][2] == ["nested", "WBA0FINGERPRINT01"]
    assert anonymizer.vin_mapping == {VIN_1: "WBA0FINGERPRINT01", VIN_2: "WMW0FINGERPRINT02"}
    # Idempotent: anonymising the output again changes nothing.
    assert anonymizer.anonymize_data(result) == result
    # A second run starts its own numbering (no process-wide table).
    assert Anonymizer().anonymize_data({"vin": VIN_2}) == {"vin": "WMW0FINGERPRINT01"}


def test_odd_vin_under_vin_key_is_mapped() -> None:
    assert anonymize_data({"vin": "short-vin"}) == {"vin": "sho0FINGERPRINT01"}


def _response(
    path: str, body: bytes, content_type: str, vin: str | None = None, brand: str = "mini"
) -> httpx.Response:
    headers = {"x-user-agent": f"android(AP2A.123456.789);{brand};4.9.2(36892);row"}
    if vin:
        headers["bmw-vin"] = vin
    request = httpx.Request("GET", f"https://cocoapi.bmwgroup.com{path}?x=1", headers=headers)
    return httpx.Response(
        200, content=body, headers={"content-type": content_type}, request=request
    )


def test_response_file_names_and_bodies() -> None:
    anonymizer = Anonymizer()
    listing = anonymizer.anonymize_response(
        _response(
            "/eadrax-vcs/v5/vehicle-list",
            json.dumps({"gcid": GCID, "mappingInfos": [{"vin": VIN_1}]}).encode(),
            "application/json; charset=utf-8",
        )
    )
    assert listing.filename == "mini-eadrax-vcs_v5_vehicle-list.json"
    assert listing.content == {"gcid": "some_gcid", "mappingInfos": [{"vin": "WBA0FINGERPRINT01"}]}

    state = anonymizer.anonymize_response(
        _response("/eadrax-vcs/v4/vehicles/state", b"{}", "application/json", vin=VIN_1)
    )
    assert state.filename == "mini-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.json"

    in_path = anonymizer.anonymize_response(
        _response(f"/eadrax-crccs/v1/vehicles/{VIN_2}/start-charging", b"", "text/plain")
    )
    assert in_path.filename == "mini-eadrax-crccs_v1_vehicles_WMW0FINGERPRINT02_start-charging.txt"
    assert in_path.content is None

    text = anonymizer.anonymize_response(
        _response(
            "/eadrax-vcs/v4/vehicles/state",
            f"INTERNAL ERROR for {VIN_2} gcid {GCID}".encode(),
            "text/plain",
            vin=VIN_2,
            brand="",
        )
    )
    assert text.filename == "bmw-eadrax-vcs_v4_vehicles_state_WMW0FINGERPRINT02.txt"
    assert text.content == "INTERNAL ERROR for WMW0FINGERPRINT02 gcid some_gcid"

    odd = anonymize_response(_response("/x", b"{not json", "application/octet-stream"))
    assert odd.filename == "mini-x.txt"
    assert odd.content == "{not json"


def test_fleet_data_is_fully_anonymised() -> None:
    specs = fleet.default_fleet()
    anonymizer = Anonymizer()
    documents: list[Any] = [fleet.vehicle_list(specs)]
    for spec in specs:
        documents += [fleet.profile(spec), fleet.state(spec), fleet.charging_details(spec)]
    dumped = json.dumps([anonymizer.anonymize_data(d) for d in documents], ensure_ascii=False)
    for spec in specs:
        assert spec.vin not in dumped
        loc = spec.location
        if loc is not None:
            assert str(loc.latitude) not in dumped
            assert str(loc.longitude) not in dumped
            assert loc.address not in dumped
    assert fleet.DEFAULT_GCID not in dumped
    assert len(anonymizer.vin_mapping) == len(specs)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="recorded responses not available")
def test_recorded_samples_lose_their_vins_and_positions() -> None:
    anonymizer = Anonymizer()
    for file in sorted(SAMPLES.rglob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        dumped = json.dumps(anonymizer.anonymize_data(data))
        for vin in anonymizer.vin_mapping:
            assert vin not in dumped
        assert "some_formatted_address" in dumped or "formatted" not in dumped
