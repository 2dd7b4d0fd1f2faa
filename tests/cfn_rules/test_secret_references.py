"""E9101 (cfn_rules.secret_references): how a dynamic reference or a CodeBuild secret variable
finds its secret, and which JSON keys that secret holds."""

from __future__ import annotations

from tests.support.rules import findings
from tests.support.severities import severities

HEAD = """
Parameters:
  Vendor:
    Type: String
  Ghost:
    Type: String
Metadata:
  StackOps:
    ExternalSecrets: [Vendor, Nobody, {Name: Ghost}]
Conditions:
  Prod: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: app/db
      GenerateSecretString:
        SecretStringTemplate: '{"username": "app"}'
        GenerateStringKey: password
"""
# Line of the first property of a resource added after HEAD.
FIRST = 23


def resource(rtype: str, *properties: str, name: str = "Use") -> str:
    lines = "".join(f"\n      {p}" for p in properties)
    return f"  {name}:\n    Type: {rtype}\n    Properties:{lines}\n"


def use(*references: str) -> str:
    """A resource `Use` whose properties P0, P1, ... hold the dynamic references given."""
    props = [f'P{i}: "{{{{resolve:secretsmanager:{ref}}}}}"' for i, ref in enumerate(references)]
    return resource("Custom::Use", *props)


def e9101(*resources: str) -> list[tuple[int, str]]:
    template = HEAD + "".join(resources)
    return [(line, message) for _, line, message in findings("secret_references", template)]


def not_created(secret_id: str, line: int = FIRST) -> tuple[int, str]:
    return (
        line,
        f"Secret '{secret_id}' is not created by this template nor passed in by a parameter "
        "documented as an external secret. This depends on the account: the secret must exist "
        'before deploy, or AWS fails with "Secrets Manager can\'t find the specified secret". '
        "Fix: create an AWS::SecretsManager::Secret and reference it as "
        "${SecretLogicalId} in a Fn::Sub, or pass its ARN in a parameter whose Description says "
        '"external secret".',
    )


def no_key(key: str, holds: str, line: int = FIRST, secret: str = "Secret") -> tuple[int, str]:
    return (
        line,
        f"Secret '{secret}' has no JSON key '{key}' (it holds {holds}). "
        "Fix: use one of those keys.",
    )


def test_a_parameter_listed_in_the_metadata_is_an_external_secret() -> None:
    assert e9101(use("${Vendor}:SecretString:key")) == []


def test_metadata_entries_that_are_no_parameter_make_nothing_external() -> None:
    assert e9101(use("${Nobody}", "${Ghost}")) == [
        not_created("${Nobody}"),
        not_created("${Ghost}", FIRST + 1),
    ]


def test_every_unknown_reference_of_a_resource_is_reported() -> None:
    assert e9101(use("missing-one", "missing-two")) == [
        not_created("missing-one"),
        not_created("missing-two", FIRST + 1),
    ]


def test_resources_after_a_malformed_one_are_checked() -> None:
    assert e9101("  Broken: 3\n", use("missing")) == [not_created("missing", FIRST + 1)]


def test_a_reference_must_be_the_whole_id_to_name_a_secret_by_its_logical_id() -> None:
    assert e9101(use("app-${Secret}", "${Secret}-app")) == [
        not_created("app-${Secret}"),
        not_created("${Secret}-app", FIRST + 1),
    ]


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


def test_an_arn_of_the_secret_name_with_or_without_the_random_suffix_resolves() -> None:
    assert e9101(use(f"{ARN}app/db-AbCdEf:SecretString:nope", f"{ARN}app/db:SecretString:x")) == [
        no_key("nope", "password, username"),
        no_key("x", "password, username", FIRST + 1),
    ]


def test_an_arn_of_another_name_is_not_created() -> None:
    assert e9101(use(f"{ARN}app/dbx", f"{ARN}other/app/db")) == [
        not_created(f"{ARN}app/dbx"),
        not_created(f"{ARN}other/app/db", FIRST + 1),
    ]


def secret(name: str, *properties: str) -> str:
    return resource("AWS::SecretsManager::Secret", *properties, name=name)


def test_keys_of_a_secret_with_only_a_generated_key() -> None:
    only_key = secret("Key", "GenerateSecretString: {GenerateStringKey: password}")
    assert e9101(only_key, use("${Key}:SecretString:user")) == [
        no_key("user", "password", FIRST + 4, "Key")
    ]


def test_keys_of_a_secret_are_unknown_when_its_template_or_string_cannot_be_read() -> None:
    conditional = secret(
        "Conditional",
        "GenerateSecretString:",
        "  SecretStringTemplate: !If [Prod, '{\"a\": 1}', '{\"b\": 1}']",
        "  GenerateStringKey: password",
    )
    literal = secret("Literal", 'SecretString: \'{"user": "app"}\'')
    whole = secret("Whole", "GenerateSecretString: !If [Prod, {}, {}]")
    refs = use("${Conditional}::a", "${Literal}::password", "${Whole}::x")
    assert e9101(conditional, literal, whole, refs) == []


def attachment(name: str, secret_id: str, target_type: str) -> str:
    return resource(
        "AWS::SecretsManager::SecretTargetAttachment",
        f"SecretId: {secret_id}",
        "TargetId: db-1",
        f"TargetType: {target_type}",
        name=name,
    )


def test_an_attachment_adds_its_target_types_connection_keys() -> None:
    attached = attachment("Attached", "!Ref Secret", "AWS::DocDB::DBCluster")
    assert e9101(attached, use("${Secret}::ssl", "${Secret}::dbname")) == [
        no_key(
            "dbname",
            "dbClusterIdentifier, engine, host, password, port, ssl, username",
            FIRST + 7,
        )
    ]


def test_attachments_of_unknown_type_or_of_a_literal_secret_add_no_keys() -> None:
    by_name = attachment("ByName", "app/db", "AWS::RDS::DBInstance")
    unknown = attachment("Unknown", "!Ref Secret", "AWS::Neptune::DBCluster")
    assert e9101(by_name, unknown, use("${Secret}::host")) == [
        no_key("host", "password, username", FIRST + 12)
    ]


def test_a_reference_to_an_attachment_resolves_with_unknown_keys() -> None:
    attached = attachment("Attached", "!Ref Secret", "AWS::RDS::DBInstance")
    assert e9101(attached, use("${Attached}::anything")) == []


def build(*variables: str) -> str:
    lines = "".join(f"\n          - {v}" for v in variables)
    return (
        "  Build:\n    Type: AWS::CodeBuild::Project\n    Properties:\n"
        f"      Environment:\n        EnvironmentVariables:{lines}\n"
    )


def test_codebuild_checks_only_secrets_manager_variables_that_it_can_read() -> None:
    template = build(
        "{Name: PLAIN, Type: PLAINTEXT, Value: missing}",
        "{Name: COND, Type: SECRETS_MANAGER, Value: !If [Prod, a, b]}",
        "{Name: ONE, Type: SECRETS_MANAGER, Value: missing-one}",
        "{Name: TWO, Type: SECRETS_MANAGER, Value: !Sub '${Secret}:nope'}",
        "{Name: THREE, Type: SECRETS_MANAGER, Value: missing-three}",
    )
    assert e9101(template) == [
        not_created("missing-one", FIRST + 4),
        no_key("nope", "password, username", FIRST + 5),
        not_created("missing-three", FIRST + 6),
    ]


def test_codebuild_variables_may_name_a_whole_secret_or_an_external_one() -> None:
    template = build(
        "{Name: WHOLE, Type: SECRETS_MANAGER, Value: !Ref Secret}",
        "{Name: VENDOR, Type: SECRETS_MANAGER, Value: !Ref Vendor}",
    )
    assert e9101(template) == []


# Severity: a secret the template does not create may exist in the account (a warning); a JSON key
# the created secret does not hold, or a literal name nothing orders, fails in every account.


def test_a_secret_not_created_here_is_a_warning_that_says_it_depends_on_the_account() -> None:
    found = severities("secret_references", HEAD + use("elsewhere/db"))
    assert [(r, s) for r, s, _ in found] == [("E9101", "warning")]
    assert "This depends on the account" in found[0][2]


def test_a_json_key_the_created_secret_lacks_is_a_blocker() -> None:
    found = severities("secret_references", HEAD + use("${Secret}::nope"))
    assert [(r, s) for r, s, _ in found] == [("E9101", "blocker")]


def test_a_codebuild_variable_naming_a_secret_not_created_here_is_a_warning() -> None:
    project = resource(
        "AWS::CodeBuild::Project",
        "Environment: {EnvironmentVariables: "
        "[{Name: P, Type: SECRETS_MANAGER, Value: elsewhere/db}]}",
    )
    assert [s for _, s, _ in severities("secret_references", HEAD + project)] == ["warning"]
