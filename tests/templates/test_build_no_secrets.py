"""No secret value in the template: not as a parameter, a default, a literal or an output."""

from __future__ import annotations

import re
from typing import Any

from cfnmodel.intrinsics import walk
from tests.support.cfn import resources, strings
from tests.templates.helpers import RESOLVE

SECRET_WORDS = re.compile(r"pass(word)?|secret|token|auth|credential", re.IGNORECASE)
SECRET_PROPERTIES = re.compile(r"^(\w*Password|Passwords|AuthToken|SecretString)$")


def test_no_parameter_is_named_like_a_secret(template: dict[str, Any]) -> None:
    assert [p for p in template["Parameters"] if SECRET_WORDS.search(p)] == []


def test_no_parameter_hides_its_value(template: dict[str, Any]) -> None:
    # NoEcho would only be needed for a secret parameter, and there must be none.
    assert [n for n, p in template["Parameters"].items() if p.get("NoEcho")] == []


def _secret_properties(template: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], Any]]:
    found = []
    for lid, res in resources(template).items():
        for path, value in walk(res.get("Properties", {})):
            # A list of passwords (an ElastiCache user's) is checked item by item.
            if not path or isinstance(value, list):
                continue
            name = path[-2] if len(path) > 1 and isinstance(path[-1], int) else path[-1]
            if isinstance(name, str) and SECRET_PROPERTIES.search(name):
                found.append((lid, path, value))
    return found


def test_template_has_secret_properties_to_check(template: dict[str, Any]) -> None:
    names = {(lid, path) for lid, path, _ in _secret_properties(template)}
    assert names == {
        ("Database", ("MasterUserPassword",)),
        ("CacheDefaultUser", ("AuthenticationMode", "Passwords", 0)),
    }


def test_every_secret_property_resolves_a_secret_made_in_this_stack(
    template: dict[str, Any],
) -> None:
    in_stack = set(resources(template, "AWS::SecretsManager::Secret"))
    found = _secret_properties(template)
    assert found
    for lid, path, value in found:
        assert isinstance(value, dict) and "Fn::Sub" in value, f"{lid}{path} is a literal"
        match = RESOLVE.match(value["Fn::Sub"])
        assert match, f"{lid}{path} is not a secretsmanager dynamic reference"
        assert match["secret"] in in_stack, f"{lid}{path} reads a secret from outside the stack"


def test_no_dynamic_reference_names_an_outside_secret(template: dict[str, Any]) -> None:
    # A literal name or ARN in a resolve reference is what broke the earlier program.
    refs = [s for s in strings(template) if "{{resolve:secretsmanager:" in s]
    assert refs
    assert all(RESOLVE.match(s) for s in refs), refs


def test_no_output_exposes_a_secret_value(template: dict[str, Any]) -> None:
    outputs = template.get("Outputs", {})
    assert outputs
    assert not [s for s in strings(outputs) if "{{resolve" in s]
    for name, output in outputs.items():
        for _, value in walk(output["Value"]):
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                assert "Secret" not in str(value["Fn::GetAtt"][1]), name


def test_no_secret_is_made_from_a_given_string(template: dict[str, Any]) -> None:
    secrets = resources(template, "AWS::SecretsManager::Secret")
    assert secrets
    for lid, res in secrets.items():
        assert "GenerateSecretString" in res["Properties"], lid
        assert "SecretString" not in res["Properties"], lid
