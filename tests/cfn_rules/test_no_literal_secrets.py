"""W9201 (cfn_rules.no_literal_secrets): secret properties, parameter defaults, CodeBuild
variables and outputs."""

from __future__ import annotations

from tests.support.rules import findings

FIX = (
    "Fix: generate it in a AWS::SecretsManager::Secret and use "
    "{{resolve:secretsmanager:${Secret}:SecretString:key}}."
)
REF = '"{{resolve:secretsmanager:db:SecretString:password}}"'


def w9201(template: str) -> list[tuple[int, str]]:
    return [(line, message) for _, line, message in findings("no_literal_secrets", template)]


def custom(*properties: str, rtype: str = "Custom::Db") -> str:
    """A template with one resource `Db` of `rtype` holding the properties given, one a line."""
    lines = "".join(f"\n      {p}" for p in properties)
    return f"""
Parameters:
  Prefix:
    Type: String
Conditions:
  Prod: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Db:
    Type: {rtype}
    Properties:{lines}
"""


def not_a_reference(prop: str, line: int = 11) -> tuple[int, str]:
    return (line, f"{prop} is not a secrets dynamic reference. {FIX}")


def test_a_secret_string_literal_says_the_secret_sits_in_the_template() -> None:
    template = custom("SecretString: hunter2", rtype="AWS::SecretsManager::Secret")
    assert w9201(template) == [(11, f"SecretString holds the secret in the template. {FIX}")]


def test_a_secret_string_property_of_another_type_is_not_a_reference() -> None:
    assert w9201(custom("SecretString: hunter2")) == [not_a_reference("SecretString")]


def test_a_literal_after_a_dynamic_reference_is_still_flagged() -> None:
    template = custom(f"AdminPassword: {REF}", "ReaderPassword: hunter2")
    assert w9201(template) == [not_a_reference("ReaderPassword", 12)]


def test_a_number_is_not_a_reference() -> None:
    assert w9201(custom("AuthToken: 12345678")) == [not_a_reference("AuthToken")]


def test_a_reference_in_one_branch_and_no_value_in_the_other_passes() -> None:
    assert w9201(custom(f'Password: !If [Prod, {REF}, !Ref "AWS::NoValue"]')) == []


def test_a_literal_in_either_branch_of_a_condition_is_flagged() -> None:
    first = custom(f"Password: !If [Prod, hunter2, {REF}]")
    second = custom(f"Password: !If [Prod, {REF}, hunter2]")
    assert w9201(first) == w9201(second) == [not_a_reference("Password")]


def test_a_malformed_condition_is_not_a_reference() -> None:
    assert w9201(custom(f"Password: !If [Prod, {REF}]")) == [not_a_reference("Password")]


def test_a_reference_built_by_join_passes() -> None:
    join = '!Join ["", ["{{resolve:secretsmanager:", !Ref Prefix, ":SecretString:pw}}"]]'
    assert w9201(custom(f"Password: {join}")) == []


def test_a_sub_without_a_reference_is_flagged() -> None:
    assert w9201(custom('Password: !Sub "${Prefix}-secret"')) == [not_a_reference("Password")]


def test_values_from_other_resources_or_stacks_pass() -> None:
    template = custom("Password: !GetAtt Vault.Password", "ApiKey: !ImportValue shared-api-key")
    assert w9201(template) == []


def parameters(*params: str) -> str:
    """A template whose parameters are given as `Name: {flow map}`, one a line."""
    lines = "".join(f"\n  {p}" for p in params)
    return f"Parameters:{lines}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n"


def secret_default(name: str, line: int) -> tuple[int, str]:
    return (
        line,
        f"Parameter '{name}' looks secret but has a Default, so the secret sits in the template. "
        "Fix: drop the parameter and generate the secret with AWS::SecretsManager::Secret "
        "GenerateSecretString.",
    )


def test_a_secret_parameter_after_one_without_default_is_flagged() -> None:
    template = parameters("Env: {Type: String}", "DbPassword: {Type: String, Default: x}")
    assert w9201(template) == [secret_default("DbPassword", 3)]


def test_a_no_echo_parameter_with_a_plain_name_is_flagged() -> None:
    template = parameters("Admin: {Type: String, NoEcho: true, Default: x}")
    assert w9201(template) == [secret_default("Admin", 2)]


def test_a_plain_parameter_with_a_default_passes() -> None:
    assert w9201(parameters("Environment: {Type: String, Default: prod}")) == []


def test_a_parameter_naming_a_secret_arn_may_have_a_default() -> None:
    template = parameters("DbSecretArn: {Type: String, Default: 'arn:aws:secretsmanager:x'}")
    assert w9201(template) == []


def codebuild(*variables: str) -> str:
    lines = "".join(f"\n          - {v}" for v in variables)
    return f"""
Parameters:
  VarName:
    Type: String
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties:
      Environment:
        EnvironmentVariables:{lines}
"""


def test_a_secret_variable_without_a_type_is_plaintext() -> None:
    assert w9201(codebuild("{Name: DB_PASSWORD, Value: x}")) == [
        (
            11,
            "Environment variable DB_PASSWORD looks secret but is PLAINTEXT. Fix: Type: "
            "SECRETS_MANAGER with the secret's ARN[:json-key].",
        )
    ]


def test_a_variable_named_by_a_parameter_is_skipped_and_the_next_checked() -> None:
    template = codebuild("{Name: !Ref VarName, Value: x}", "{Name: API_TOKEN, Value: x}")
    assert [line for line, _ in w9201(template)] == [12]


def test_a_secret_variable_from_secrets_manager_passes() -> None:
    assert w9201(codebuild("{Name: DB_PASSWORD, Type: SECRETS_MANAGER, Value: db}")) == []


def outputs(value: str) -> str:
    return f"""
Parameters:
  Environment:
    Type: String
  Token:
    Type: String
    NoEcho: true
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Out:
    Value: {value}
"""


def test_an_output_of_a_plain_parameter_passes() -> None:
    assert w9201(outputs("!Ref Environment")) == []


def test_an_output_of_a_no_echo_parameter_is_flagged() -> None:
    assert w9201(outputs('!Sub "${Environment}-${Token}"')) == [
        (
            13,
            "Output 'Out' exposes a secret value. Fix: output the secret's ARN (Ref of the "
            "secret), never its value.",
        )
    ]


def test_an_output_holding_a_dynamic_reference_is_flagged() -> None:
    assert [line for line, _ in w9201(outputs(REF))] == [13]


def test_an_output_that_cannot_be_rendered_passes() -> None:
    assert w9201(outputs("!Select [0, [a, b]]")) == []


def test_a_list_of_passwords_passes_only_when_every_item_is_a_reference() -> None:
    # An ElastiCache user's passwords are a list (AuthenticationMode.Passwords).
    user = "AWS::ElastiCache::User"
    refs = custom(f"AuthenticationMode: {{Type: password, Passwords: [{REF}]}}", rtype=user)
    assert w9201(refs) == []
    mixed = custom(f"AuthenticationMode: {{Type: password, Passwords: [{REF}, plain]}}", rtype=user)
    assert w9201(mixed) == [not_a_reference("Passwords")]
    literal = custom("Passwords: [hunter2hunter2hunter2]", rtype=user)
    assert w9201(literal) == [not_a_reference("Passwords")]


def test_a_plaintext_variable_holding_a_secrets_arn_is_not_a_secret() -> None:
    from cfn_rules.no_literal_secrets import looks_secret

    assert looks_secret("DB_PASSWORD")
    assert looks_secret("MASTER_SECRET")
    assert not looks_secret("MASTER_SECRET_ARN")
    assert not looks_secret("AppSecretArn")
