"""Schemathesis fuzzes the open-data API from its own OpenAPI description: never a 5xx,
and every answer matches the documented status codes, content types and schemas."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bot.app import build_services
from bot.runtime import build_runtime
from bot.server import ServerThread
from storage.db import Database
from tests.conftest import Clock, make_settings
from tests.public_support import build_portfolio
from web.openapi import openapi


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "behov.db"
    url = f"sqlite:///{path}"
    Database.from_url(url).upgrade()
    config = make_settings(url, "http://127.0.0.1:9/")
    services = build_services(config, clock=Clock())
    runtime = build_runtime(config, services=services, scheduler=False)
    build_portfolio(services.db, services.ref)
    server = ServerThread(runtime.web_app).start()
    loaded = schemathesis.openapi.from_dict(openapi(services.ref, server.url))
    loaded.config.update(base_url=server.url)
    yield loaded
    server.stop()
    services.db.engine.dispose()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_api_answers_as_documented(api_schema):
    """Each operation with valid and invalid generated parameters.

    schemathesis' pytest loader does not work with this pytest, so the operations are driven
    here with Hypothesis directly.
    """
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/public/needs.json", "/public/needs/{number}.json", "/public/needs.csv",
    }  # fmt: skip
    for operation, mode in itertools.product(operations, GenerationMode):
        fuzz(operation, mode)


def fuzz(operation, mode: GenerationMode) -> None:
    """Invalid input only has to be answered without a server error; valid input exactly."""
    checks = CHECKS if mode == GenerationMode.POSITIVE else [not_a_server_error]

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def answers_as_documented(case):
        response = case.call(timeout=10)
        assert response.status_code < 500, (case.path, case.query, response.status_code)
        case.validate_response(response, checks=checks)

    answers_as_documented()
