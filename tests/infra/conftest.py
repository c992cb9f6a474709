"""template.yaml as CloudFormation reads it (cfn-lint's decoder: the short-form tags resolved),
for the tests that hold its resources to the design."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

TEMPLATE = Path(__file__).parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return loaded


@pytest.fixture(scope="module")
def resources(template) -> dict[str, Any]:
    return template["Resources"]
