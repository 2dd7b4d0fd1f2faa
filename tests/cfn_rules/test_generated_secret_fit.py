"""E9102 (cfn_rules.generated_secret_fit): each consumer's length range and refused characters,
which engine sets an RDS instance's limits, Redshift's character types, hosted rotation, and the
references and properties that are left alone."""

from __future__ import annotations

import json
import string
from typing import Any, NamedTuple

import pytest

from tests.support.rules import findings

# What each consumer refuses, excluded in the secrets that should pass.
RDS_REFUSED = "/@\"' "
ORACLE_REFUSED = RDS_REFUSED + "&"
DOCDB_REFUSED = '/"@ '
REDSHIFT_REFUSED = "'\"\\/@ "
AUTH_TOKEN_REFUSED = " \"%'()*+,./:;=?@[\\]_`{|}~"  # all punctuation but !&#$^<>-, and space


def stack(rtype: str, generate: dict[str, Any], props: str = "", more: str = "") -> str:
    """A generated secret (GenerateSecretString `generate`) fed to one property of a consumer.

    The consumer's property is AuthToken for an ElastiCache replication group, else
    MasterUserPassword; it is on line 16, and `props` are further properties of the consumer.
    """
    prop = "AuthToken" if rtype == "AWS::ElastiCache::ReplicationGroup" else "MasterUserPassword"
    return f"""
Parameters:
  Engines:
    Type: String
    AllowedValues: [mariadb, oracle-ee]
  AnyEngine:
    Type: String
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {json.dumps(generate)}
  Consumer:
    Type: {rtype}
    Properties:
      {prop}: !Sub "{{{{resolve:secretsmanager:${{Secret}}}}}}"
{props}{more}"""


def e9102(template: str) -> list[tuple[str, int, str]]:
    return findings("generated_secret_fit", template)


def messages(template: str) -> list[str]:
    return [message for _, _, message in e9102(template)]


def length_message(what: str, low: int, high: int, length: int) -> str:
    return (
        f"{what} must be {low}-{high} characters, but secret 'Secret' generates {length}. "
        f"Fix: set GenerateSecretString.PasswordLength between {low} and {high}."
    )


def chars_message(what: str, refused: str) -> str:
    return (
        f"Secret 'Secret' can generate characters that {what} refuses: {refused!r}. "
        "Fix: add them to GenerateSecretString.ExcludeCharacters."
    )


class Consumer(NamedTuple):
    rtype: str
    props: str  # further properties of the consumer, one YAML line
    what: str  # what the messages call the consumer's property
    low: int
    high: int
    refused: str

    def template(self, generate: dict[str, Any]) -> str:
        return stack(self.rtype, generate, f"      {self.props}\n" if self.props else "")


INSTANCE = "AWS::RDS::DBInstance"
CONSUMERS = [
    Consumer(INSTANCE, "", "RDS master password", 8, 255, RDS_REFUSED),
    Consumer(INSTANCE, "Engine: !Ref AnyEngine", "RDS master password", 8, 255, RDS_REFUSED),
    Consumer(INSTANCE, "Engine: MySQL", "RDS for mysql master password", 8, 41, RDS_REFUSED),
    Consumer(INSTANCE, "Engine: mariadb", "RDS for mariadb master password", 8, 41, RDS_REFUSED),
    Consumer(INSTANCE, "Engine: postgres", "RDS for postgres master password", 8, 128, RDS_REFUSED),
    Consumer(
        INSTANCE, "Engine: sqlserver-ex", "RDS for sqlserver master password", 8, 128, RDS_REFUSED
    ),
    Consumer(
        INSTANCE, "Engine: oracle-ee", "RDS for oracle master password", 8, 30, ORACLE_REFUSED
    ),
    Consumer(INSTANCE, "Engine: db2-se", "RDS for db2 master password", 8, 255, RDS_REFUSED),
    # The strictest engine a parameter allows (Oracle's 30, not MariaDB's 41).
    Consumer(
        INSTANCE, "Engine: !Ref Engines", "RDS for oracle master password", 8, 30, ORACLE_REFUSED
    ),
    Consumer(
        "AWS::RDS::DBCluster",
        "Engine: aurora-mysql",
        "RDS DB cluster master password",
        8,
        41,
        RDS_REFUSED,
    ),
    Consumer("AWS::DocDB::DBCluster", "", "DocumentDB master password", 8, 100, DOCDB_REFUSED),
    Consumer("AWS::Redshift::Cluster", "", "Redshift master password", 8, 64, REDSHIFT_REFUSED),
    Consumer(
        "AWS::ElastiCache::ReplicationGroup",
        "",
        "ElastiCache AUTH token",
        16,
        128,
        AUTH_TOKEN_REFUSED,
    ),
]
each_consumer = pytest.mark.parametrize(
    "consumer", CONSUMERS, ids=[f"{c.rtype.split('::')[1]}-{c.props or 'plain'}" for c in CONSUMERS]
)


@each_consumer
def test_lengths_inside_the_range_pass(consumer: Consumer) -> None:
    for length in (consumer.low, consumer.high):
        generate = {"PasswordLength": length, "ExcludeCharacters": consumer.refused}
        assert e9102(consumer.template(generate)) == [], length


@each_consumer
def test_lengths_outside_the_range_are_flagged_with_the_range(consumer: Consumer) -> None:
    low, high = consumer.low, consumer.high
    for length in (low - 1, high + 1):
        generate = {"PasswordLength": length, "ExcludeCharacters": consumer.refused}
        got = e9102(consumer.template(generate))
        assert got == [("E9102", 16, length_message(consumer.what, low, high, length))]


@each_consumer
def test_characters_the_consumer_refuses_are_flagged_and_listed(consumer: Consumer) -> None:
    # Nothing excluded: every refused character can be generated, except the space, which
    # GenerateSecretString leaves out unless IncludeSpace is true.
    got = e9102(consumer.template({"PasswordLength": consumer.low}))
    refused = "".join(sorted(set(consumer.refused) - {" "}))
    assert got == [("E9102", 16, chars_message(consumer.what, refused))]


@each_consumer
def test_a_space_is_flagged_when_the_secret_includes_it(consumer: Consumer) -> None:
    generate = {
        "PasswordLength": consumer.low,
        "ExcludeCharacters": consumer.refused.replace(" ", ""),
        "IncludeSpace": True,
    }
    assert messages(consumer.template(generate)) == [chars_message(consumer.what, " ")]


@each_consumer
def test_excluding_all_punctuation_passes(consumer: Consumer) -> None:
    generate = {"PasswordLength": consumer.low, "ExcludePunctuation": "true"}
    assert e9102(consumer.template(generate)) == []


def test_the_auth_token_may_hold_its_eight_punctuation_characters() -> None:
    kept = set(string.punctuation) - set(AUTH_TOKEN_REFUSED)
    assert "".join(sorted(kept)) == "!#$&-<>^"
    generate = {"PasswordLength": 32, "ExcludeCharacters": AUTH_TOKEN_REFUSED}
    assert e9102(stack("AWS::ElastiCache::ReplicationGroup", generate)) == []


def test_documentdb_accepts_the_single_quote_rds_refuses() -> None:
    generate = {"PasswordLength": 32, "ExcludeCharacters": DOCDB_REFUSED}
    assert e9102(stack("AWS::DocDB::DBCluster", generate)) == []
    got = messages(stack("AWS::RDS::DBInstance", generate, "      Engine: postgres\n"))
    assert got == [chars_message("RDS for postgres master password", "'")]


def test_the_default_length_of_32_is_too_long_for_oracle() -> None:
    generate = {"ExcludeCharacters": ORACLE_REFUSED}
    got = messages(stack("AWS::RDS::DBInstance", generate, "      Engine: oracle-se2\n"))
    assert got == [length_message("RDS for oracle master password", 8, 30, 32)]


def test_both_a_wrong_length_and_refused_characters_are_reported() -> None:
    got = messages(stack("AWS::RDS::DBCluster", {"PasswordLength": 64}))
    what = "RDS DB cluster master password"
    assert got == [length_message(what, 8, 41, 64), chars_message(what, "\"'/@")]


def test_a_length_or_characters_set_by_a_parameter_are_not_judged() -> None:
    template = stack(
        "AWS::RDS::DBInstance",
        {"PasswordLength": {"Ref": "AnyEngine"}, "ExcludeCharacters": {"Ref": "AnyEngine"}},
    )
    assert e9102(template) == []
    for flag in ("ExcludePunctuation", "IncludeSpace"):
        generate = {"PasswordLength": 99, flag: {"Ref": "AnyEngine"}}
        assert messages(stack("AWS::RDS::DBCluster", generate)) == [
            length_message("RDS DB cluster master password", 8, 41, 99)
        ], flag


# Redshift: an uppercase letter, a lowercase letter and a digit.

REDSHIFT_TYPES = (
    "Redshift master password needs an uppercase letter, a lowercase letter and a digit; "
)


def redshift(**generate: Any) -> list[str]:
    base = {"PasswordLength": 32, "ExcludeCharacters": REDSHIFT_REFUSED}
    return messages(stack("AWS::Redshift::Cluster", {**base, **generate}))


@pytest.mark.parametrize("flag", ["ExcludeUppercase", "ExcludeLowercase", "ExcludeNumbers"])
def test_redshift_password_without_one_character_type_is_flagged(flag: str) -> None:
    assert redshift(**{flag: True}) == [
        REDSHIFT_TYPES + "secret 'Secret' does not guarantee them. Fix: keep letters and digits "
        "and set RequireEachIncludedType: true."
    ]


def test_redshift_password_with_every_type_excluded_by_hand_is_flagged() -> None:
    got = redshift(ExcludeCharacters=REDSHIFT_REFUSED + string.digits)
    assert [m.startswith(REDSHIFT_TYPES) for m in got] == [True]


def test_redshift_password_that_does_not_require_each_type_is_flagged() -> None:
    assert [m.startswith(REDSHIFT_TYPES) for m in redshift(RequireEachIncludedType=False)] == [True]
    assert [m.startswith(REDSHIFT_TYPES) for m in redshift(RequireEachIncludedType="false")] == [
        True
    ]


def test_redshift_password_with_every_type_passes() -> None:
    assert redshift() == []
    assert redshift(RequireEachIncludedType=True) == []


def test_other_consumers_do_not_need_every_character_type() -> None:
    generate = {"PasswordLength": 32, "ExcludeCharacters": RDS_REFUSED, "ExcludeNumbers": True}
    assert e9102(stack("AWS::RDS::DBCluster", generate)) == []


# Which engines, properties and references are judged.


@pytest.mark.parametrize(
    "engine", ["aurora-postgresql", "Aurora-MySQL", "aurora", "!Ref Auroras", "sybase"]
)
def test_an_instance_whose_engine_has_no_own_limits_is_not_judged(engine: str) -> None:
    # An Aurora instance's password belongs to its cluster.
    auroras = "  Auroras:\n    Type: String\n    AllowedValues: [aurora-mysql, aurora-postgresql]\n"
    template = stack(
        "AWS::RDS::DBInstance", {"PasswordLength": 300}, f"      Engine: {engine}\n"
    ).replace("Resources:\n", auroras + "Resources:\n")
    assert e9102(template) == []


def test_password_properties_of_other_resource_types_are_not_judged() -> None:
    template = stack(
        "Custom::Database",
        {"PasswordLength": 300},
        "      AuthToken: !Sub '{{resolve:secretsmanager:${Secret}}}'\n",
    )
    assert e9102(template) == []


def test_other_properties_of_a_consumer_are_not_judged() -> None:
    template = stack(
        "AWS::RDS::DBCluster",
        {"PasswordLength": 32, "ExcludeCharacters": RDS_REFUSED},
        "      MasterUsername: !Sub '{{resolve:secretsmanager:${Plain}}}'\n",
        "  Plain:\n    Type: AWS::SecretsManager::Secret\n"
        "    Properties:\n      GenerateSecretString: {PasswordLength: 300}\n",
    )
    assert e9102(template) == []


def test_a_secret_from_outside_the_template_is_not_judged() -> None:
    template = stack("AWS::RDS::DBCluster", {"PasswordLength": 300}).replace(
        "${Secret}", "prod/db/password"
    )
    assert e9102(template) == []


def test_every_reference_in_a_password_is_checked() -> None:
    # The first reference names a secret outside the template; the second is still checked.
    generate = {"PasswordLength": 300, "ExcludeCharacters": RDS_REFUSED}
    template = stack("AWS::RDS::DBCluster", generate).replace(
        "{{resolve:secretsmanager:${Secret}}}",
        "{{resolve:secretsmanager:prod/db/pepper}}{{resolve:secretsmanager:${Secret}}}",
    )
    assert messages(template) == [length_message("RDS DB cluster master password", 8, 41, 300)]


def test_a_fixed_value_from_the_secret_template_is_not_judged() -> None:
    # The password key is a literal in SecretStringTemplate; only "token" is generated.
    generate = {
        "SecretStringTemplate": '{"password": "x"}',
        "GenerateStringKey": "token",
        "PasswordLength": 300,
    }
    template = stack("AWS::RDS::DBCluster", generate).replace(
        "${Secret}}}", "${Secret}:SecretString:password}}"
    )
    assert e9102(template) == []


# Hosted rotation: the rotation Lambda must not generate what the consumer refuses.

JSON_SECRET = {
    "SecretStringTemplate": '{"username": "app"}',
    "GenerateStringKey": "password",
    "PasswordLength": 32,
    "ExcludeCharacters": RDS_REFUSED,
}


def rotation(secret: str, exclude: str | None, name: str = "Rotation") -> str:
    hosted = "RotationType: PostgreSQLSingleUser"
    if exclude is not None:
        hosted += f", ExcludeCharacters: {json.dumps(exclude)}"
    return (
        f"  {name}:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n"
        f"      SecretId: !Ref {secret}\n      HostedRotationLambda: {{{hosted}}}\n"
    )


def rotated(
    *schedules: str, generate: dict[str, Any] = JSON_SECRET, json_key: str = ":password"
) -> str:
    """Secret, read by a PostgreSQL instance at `json_key`, and Other, with rotation schedules."""
    other = (
        "  Other:\n    Type: AWS::SecretsManager::Secret\n"
        "    Properties:\n      GenerateSecretString: {PasswordLength: 32}\n"
    )
    template = stack(
        "AWS::RDS::DBInstance", generate, "      Engine: postgres\n", other + "".join(schedules)
    )
    suffix = f":SecretString{json_key}" if json_key else ""
    return template.replace("${Secret}}}", f"${{Secret}}{suffix}}}}}")


def rotation_message(refused: str) -> str:
    return (
        f"Rotation of secret 'Secret' can generate {refused!r}, which RDS for postgres master "
        "password refuses; the first rotation fails. Fix: add them to "
        "HostedRotationLambda.ExcludeCharacters."
    )


def test_a_rotation_that_can_generate_refused_characters_is_flagged_on_its_exclusions() -> None:
    assert e9102(rotated(rotation("Secret", "@"))) == [("E9102", 26, rotation_message("\"'/"))]


def test_a_rotation_that_excludes_the_refused_characters_passes() -> None:
    assert e9102(rotated(rotation("Secret", RDS_REFUSED))) == []


def test_a_rotation_with_the_lambdas_default_exclusions_passes() -> None:
    assert e9102(rotated(rotation("Secret", None))) == []


def test_a_rotation_without_a_hosted_lambda_is_not_judged() -> None:
    schedule = (
        "  Rotation:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n"
        "      SecretId: !Ref Secret\n"
        "      RotationLambdaARN: arn:aws:lambda:us-east-1:123456789012:function:rotate\n"
    )
    assert e9102(rotated(schedule)) == []


def test_only_the_rotation_of_the_consumed_secret_is_judged() -> None:
    # The rotation of Other comes first and refuses nothing; it neither counts nor hides Secret's.
    template = rotated(rotation("Other", ""), rotation("Secret", "/\"' ", name="Later"))
    assert e9102(template) == [("E9102", 31, rotation_message("@"))]


def test_rotation_of_a_plain_generated_secret_is_judged() -> None:
    plain = {"PasswordLength": 32, "ExcludeCharacters": RDS_REFUSED}
    template = rotated(rotation("Secret", ""), generate=plain, json_key="")
    assert messages(template) == [rotation_message("\"'/@")]


def test_rotation_is_not_judged_when_the_consumer_reads_a_fixed_key() -> None:
    generate = {
        **JSON_SECRET,
        "SecretStringTemplate": '{"password": "x"}',
        "GenerateStringKey": "token",
    }
    assert e9102(rotated(rotation("Secret", ""), generate=generate)) == []


# How a reference names the secret: a Ref, a GetAtt, an attachment, the name, the ARN.

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
TOO_LONG = length_message("RDS DB cluster master password", 8, 41, 300)


def cluster_reading(secret_id: str, more: str = "") -> str:
    """A cluster whose password is `{{resolve:secretsmanager:<secret_id>}}`; Secret generates
    300 characters (too long) and is named prod/db; `more` are further resources."""
    named = stack(
        "AWS::RDS::DBCluster", {"PasswordLength": 300, "ExcludeCharacters": RDS_REFUSED}, "", more
    ).replace(
        "    Properties:\n      Generate", "    Properties:\n      Name: prod/db\n      Generate", 1
    )
    return named.replace(
        "{{resolve:secretsmanager:${Secret}}}", f"{{{{resolve:secretsmanager:{secret_id}}}}}"
    )


@pytest.mark.parametrize(
    "secret_id",
    [
        "${Secret}",
        "${Secret.Id}",
        "prod/db",
        ARN + "prod/db-AbCdEf",
        ARN + "prod/db",
        ARN + "prod/db-AbCdEf:SecretString",
        ARN + "prod/db:SecretString::AWSCURRENT",
    ],
)
def test_each_way_to_name_a_secret_of_the_template_is_followed(secret_id: str) -> None:
    assert messages(cluster_reading(secret_id)) == [TOO_LONG]


@pytest.mark.parametrize(
    "secret_id",
    [
        "${Secret}-replica",
        "prefix-${Secret}",
        "prod/db2",
        "prod",
        ARN + "prod/dbx-AbCdEf",
        ARN + "prod/database",
        "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
    ],
)
def test_an_id_that_does_not_name_the_secret_is_not_judged(secret_id: str) -> None:
    assert e9102(cluster_reading(secret_id)) == []


def test_the_json_key_after_an_arn_is_read() -> None:
    generate = (
        '{"SecretStringTemplate": "{}", "GenerateStringKey": "password", "PasswordLength": 300'
    )
    template = cluster_reading(ARN + "prod/db-AbCdEf:SecretString:password").replace(
        '{"PasswordLength": 300', generate
    )
    assert messages(template) == [TOO_LONG]


def test_a_secret_is_found_by_its_name_among_other_resources_and_secrets() -> None:
    others = (
        "  Topic:\n    Type: AWS::SNS::Topic\n"
        "  Unnamed:\n    Type: AWS::SecretsManager::Secret\n"
        "    Properties:\n      GenerateSecretString: {PasswordLength: 300}\n"
        "  Named:\n    Type: AWS::SecretsManager::Secret\n"
        "    Properties:\n      Name: !Sub '${AWS::StackName}/db'\n"
        "      GenerateSecretString: {PasswordLength: 200}\n"
    )
    # Resources are read in order: Secret (prod/db) and the others come before Named.
    template = cluster_reading("${AWS::StackName}/db", others)
    assert messages(template) == [
        length_message("RDS DB cluster master password", 8, 41, 200).replace("'Secret'", "'Named'"),
        chars_message("RDS DB cluster master password", "\"'/@").replace("'Secret'", "'Named'"),
    ]


ATTACHMENT = """  Attachment:
    Type: AWS::SecretsManager::SecretTargetAttachment
    Properties:
      SecretId: {secret}
      TargetId: !Ref Topic
      TargetType: AWS::RDS::DBCluster
  Topic:
    Type: AWS::SNS::Topic
"""


def test_a_secret_attached_to_its_database_is_followed_through_the_attachment() -> None:
    template = cluster_reading("${Attachment}", ATTACHMENT.format(secret="!Ref Secret"))
    assert messages(template) == [TOO_LONG]


@pytest.mark.parametrize("secret", [f"'{ARN}prod/other-AbCdEf'", "!Ref Topic", "''"])
def test_an_attachment_of_a_secret_outside_the_template_is_not_judged(secret: str) -> None:
    assert e9102(cluster_reading("${Attachment}", ATTACHMENT.format(secret=secret))) == []


def test_an_attachment_without_properties_is_not_judged() -> None:
    bare = "  Attachment:\n    Type: AWS::SecretsManager::SecretTargetAttachment\n"
    assert e9102(cluster_reading("${Attachment}", bare)) == []


def test_a_reference_built_by_join_is_read() -> None:
    template = cluster_reading("${Secret}").replace(
        '!Sub "{{resolve:secretsmanager:${Secret}}}"',
        '!Join ["", ["{{resolve:secretsmanager:", !Ref Secret, "}}"]]',
    )
    assert messages(template) == [TOO_LONG]


@pytest.mark.parametrize(
    "written",
    [
        '\n        Fn::Join:\n          - ""\n          - - "{{resolve:secretsmanager:prod/db}}"\n',
        '\n        Fn::Sub:\n          - "{{resolve:secretsmanager:prod/db}}"\n          - {}\n',
    ],
    ids=["join", "sub-with-variables"],
)
def test_a_reference_inside_a_multi_line_join_or_sub_is_reported_once(written: str) -> None:
    template = cluster_reading("${Secret}").replace(
        ' !Sub "{{resolve:secretsmanager:${Secret}}}"', written
    )
    assert e9102(template) == [("E9102", 17, TOO_LONG)]


def test_flags_and_lengths_written_as_strings_are_read() -> None:
    generate = {"PasswordLength": "64", "ExcludePunctuation": "false", "IncludeSpace": "False"}
    what = "RDS DB cluster master password"
    assert messages(stack("AWS::RDS::DBCluster", generate)) == [
        length_message(what, 8, 41, 64),
        chars_message(what, "\"'/@"),
    ]


def test_odd_resources_do_not_stop_the_check() -> None:
    odd = "  Text: just a string\n  Untyped:\n    Properties: {}\n"
    assert messages(cluster_reading("prod/db", odd)) == [TOO_LONG]


def cache_user(generate: dict[str, Any], *, nested: bool) -> str:
    ref = '!Sub "{{resolve:secretsmanager:${Secret}}}"'
    passwords = (
        f"AuthenticationMode: {{Type: password, Passwords: [{ref}]}}"
        if nested
        else f"Passwords: [{ref}]"
    )
    return f"""
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {json.dumps(generate)}
  User:
    Type: AWS::ElastiCache::User
    Properties:
      Engine: redis
      UserId: app
      UserName: app
      AccessString: "on ~* +@all"
      {passwords}
"""


@pytest.mark.parametrize("nested", [True, False], ids=["AuthenticationMode", "Passwords"])
def test_an_elasticache_user_password_is_16_to_128_without_space_comma_quote_slash_at(
    nested: bool,
) -> None:
    what = "ElastiCache user password"
    assert messages(cache_user({"PasswordLength": 12}, nested=nested)) == [
        length_message(what, 16, 128, 12),
        chars_message(what, '",/@'),  # no space: IncludeSpace is off by default
    ]
    fits = {"PasswordLength": 32, "ExcludeCharacters": ' ,"/@'}
    assert messages(cache_user(fits, nested=nested)) == []


def test_passwords_of_another_resource_type_are_not_judged_as_a_cache_users() -> None:
    # Only an ElastiCache user's Passwords have the 16-128 rule; a custom resource may differ.
    other = cache_user({"PasswordLength": 12}, nested=False).replace(
        "AWS::ElastiCache::User", "Custom::Directory"
    )
    assert messages(other) == []
