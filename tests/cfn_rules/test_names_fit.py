"""E9103 (cfn_rules.names_fit): the longest value and the characters of a name built from
literals, parameters, pseudo parameters, Sub, Join, If and FindInMap; what each parameter
constraint and AllowedPattern admits; the names left alone."""

from __future__ import annotations

import ast
import re
import string

import pytest

from tests.support.rules import findings
from tests.support.severities import severities

PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
BUCKET_CHARS = set(string.ascii_lowercase + string.digits + ".-")


def named(value: str, params: str = "", rtype: str = "AWS::S3::Bucket", prop: str = "") -> str:
    """A template whose one resource's name property is `value` (YAML), on line 23.

    `params` are more parameters (YAML, indented by two). The property is BucketName unless
    `prop` names another.
    """
    return f"""Parameters:
  Tier:
    Type: String
    AllowedValues: [dev, prod]
  Short:
    Type: String
    MaxLength: 10
    AllowedPattern: "[a-z]*"
  Free:
    Type: String
{params}Mappings:
  Sizes:
    small: {{Name: ab, Flag: true}}
    big: {{Name: abcdefghij, Count: 123456789012345}}
Conditions:
  Prod: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Source:
    Type: AWS::SNS::Topic
  Named:
    Type: {rtype}
    Properties:
      {prop or "BucketName"}: {value}
"""


def e9103(template: str) -> list[tuple[str, int, str]]:
    return findings("names_fit", template)


# The sentence that says whether the name fails as written or only for some values: checked by
# the severity tests below, left out where a test is about lengths, parts and characters.
SEVERITY_SENTENCE = re.compile(
    r" (With the parameters' defaults|The literals or the defaults|The defaults hold none).*?"
    r"(?= Fix: )"
)


def messages(template: str) -> list[str]:
    return [SEVERITY_SENTENCE.sub("", message) for _, _, message in e9103(template)]


def too_long(length: int, parts: str, allowed: int = 63, prop: str = "BucketName") -> str:
    return (
        f"{prop} can be {length} characters long (from {parts}); the service allows {allowed}. "
        f"Fix: lower the parameters' MaxLength or shorten the literal parts by {length - allowed}."
    )


def unbounded(parts: str, allowed: int = 63, prop: str = "BucketName") -> str:
    return (
        f"{prop} has no upper length bound (from {parts}); the service allows {allowed}. "
        "Fix: give the parameter a MaxLength or a bounded AllowedPattern so the whole name stays "
        "within the limit."
    )


def refused(chars: set[str] | str, parts: str) -> str:
    return (
        f"BucketName can contain {''.join(sorted(chars))!r}, which the service refuses "
        f"(from {parts}). Fix: restrict AllowedPattern / the literal to "
        "'abcdefghijklmnopqrstuvwxyz0123456789.-'."
    )


def length_of(value: str, params: str = "") -> int | None:
    """The longest value E9103 computes for a name, read from its message (None: no finding).

    The name goes into a load balancer's Name, whose limit is 32: longer values are reported.
    """
    template = named(value, params, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Name")
    got = [message for message in messages(template) if " can be " in message]
    if not got:
        return None
    assert len(got) == 1, got
    return int(got[0].split(" can be ")[1].split(" ")[0])


# Lengths: pseudo parameters, parameters and literals.


def test_a_name_that_can_be_too_long_is_flagged_on_its_line_with_its_parts() -> None:
    value = (
        '!Sub "${Tier}-${Short}-${AWS::AccountId}-${AWS::Region}-${AWS::Partition}-'
        '${AWS::URLSuffix}"'
    )
    parts = "AWS::AccountId, AWS::Partition, AWS::Region, AWS::URLSuffix, Short, Tier"
    # 4 + 10 + 12 + 14 + 9 + 16, and five dashes.
    assert [(r, line) for r, line, _ in e9103(named(value))] == [("E9103", 23)]
    assert messages(named(value)) == [too_long(70, parts)]


def test_a_name_exactly_at_the_limit_passes() -> None:
    assert e9103(named('!Sub "${AWS::AccountId}' + "x" * 51 + '"')) == []
    assert messages(named('!Sub "${AWS::AccountId}' + "x" * 52 + '"')) == [
        too_long(64, "AWS::AccountId")
    ]


def test_a_name_of_literals_only_names_the_literals() -> None:
    assert messages(named("!Join ['', [" + "a" * 40 + ", " + "b" * 30 + "]]")) == [
        too_long(70, "literals")
    ]


def test_a_plain_literal_name_is_left_to_the_schema_rules() -> None:
    assert e9103(named("NOT-a-valid-bucket-name-" + "x" * 60)) == []


@pytest.mark.parametrize(
    ("pseudo", "length"),
    [("AWS::AccountId", 12), ("AWS::Region", 14), ("AWS::Partition", 9), ("AWS::URLSuffix", 16)],
)
def test_each_pseudo_parameter_has_its_longest_value(pseudo: str, length: int) -> None:
    assert length_of(f'!Sub "${{{pseudo}}}' + "x" * 30 + '"') == length + 30


def test_no_value_adds_nothing() -> None:
    assert length_of("!Join ['', [!Ref AWS::NoValue, " + "x" * 33 + "]]") == 33


@pytest.mark.parametrize("pseudo", ["AWS::StackName", "AWS::StackId"])
def test_a_name_built_from_the_stack_name_or_id_is_not_judged(pseudo: str) -> None:
    value = f'!Sub "${{{pseudo}}}-${{Free}}-' + "X" * 80 + '"'
    assert e9103(named(value)) == []


@pytest.mark.parametrize(
    ("constraints", "length"),
    [
        ("MaxLength: 7", 7),
        ('MaxLength: "7"', 7),
        ("AllowedValues: [a, abcdefg, 12345]", 7),
        ("AllowedValues: [1234567, 12]", 7),
        ('AllowedPattern: "^[a-z]{2,7}$"', 7),
        ('{MaxLength: 9, AllowedPattern: "[a-z]{0,7}"}', 7),
        ('{MaxLength: 7, AllowedPattern: "[a-z]{0,9}"}', 7),
        ('{MaxLength: 9, AllowedValues: [abcdefg], AllowedPattern: "[a-z]{0,8}"}', 7),
    ],
)
def test_a_parameter_is_as_long_as_its_tightest_constraint(constraints: str, length: int) -> None:
    if constraints.startswith("{"):
        params = f"  P: {{Type: String, {constraints[1:-1]}}}\n"
    else:
        params = f"  P:\n    Type: String\n    {constraints}\n"
    assert length_of('!Sub "${P}' + "x" * 30 + '"', params) == length + 30


@pytest.mark.parametrize(
    "constraints",
    [
        "",
        "MaxLength: many",
        "AllowedValues: []",
        "AllowedValues: abc",
        'AllowedPattern: "[a-z]+"',
        'AllowedPattern: "[a-z"',
        "AllowedPattern: [abc]",
    ],
    ids=["none", "max-length-not-a-number", "no-values", "values-not-a-list", "pattern-plus",
         "pattern-invalid", "pattern-not-a-string"],
)  # fmt: skip
def test_a_parameter_without_a_usable_bound_makes_the_name_unbounded(constraints: str) -> None:
    params = f"  P:\n    Type: String\n    {constraints}\n"
    value = '!Sub "${P}-${Tier}-${AWS::AccountId}-${Short}"'
    assert messages(named(value, params)) == [unbounded("P")]


def test_every_unbounded_parameter_is_named_and_bounded_ones_are_not() -> None:
    value = '!Join ["-", [!Ref Free, !Ref Tier, !Ref Open, !Ref Free]]'
    assert messages(named(value, "  Open:\n    Type: String\n")) == [unbounded("Free, Open")]


# Sub, Join, If, FindInMap and the values nothing can be said about.


def test_sub_with_its_own_variables() -> None:
    value = '!Sub ["${A}-${Short}-${B}", {A: !Ref Tier, B: ' + "x" * 20 + "}]"
    assert length_of(value) == 4 + 1 + 10 + 1 + 20


def test_join_counts_its_delimiter_between_items() -> None:
    value = "!Join ['--', [!Ref Tier, abc, !Ref Short, " + "x" * 20 + "]]"
    assert length_of(value) == 4 + 2 + 3 + 2 + 10 + 2 + 20


def test_numbers_and_booleans_count_as_written_in_lowercase() -> None:
    value = "!Join ['', [" + "x" * 30 + ", 123456, true, 2.25]]"
    assert length_of(value) == 30 + 6 + 4 + 4
    assert e9103(named("!Join ['-', [x, true, 1.5, 7]]")) == []


def test_if_takes_the_longer_branch_and_the_characters_of_both() -> None:
    assert length_of("!If [Prod, " + "x" * 40 + ", !Ref Tier]") == 40
    assert length_of("!If [Prod, !Ref Tier, " + "x" * 40 + "]") == 40
    assert messages(named("!If [Prod, abc, ABC]")) == [refused("ABC", "literals")]
    assert messages(named("!If [Prod, ABC, abc]")) == [refused("ABC", "literals")]


def test_if_with_no_value_takes_the_other_branch() -> None:
    assert length_of("!If [Prod, !Ref AWS::NoValue, " + "x" * 40 + "]") == 40


def test_find_in_map_takes_the_longest_string_or_number_of_the_mapping() -> None:
    # The longest leaf is the number 123456789012345; the boolean is not a name.
    value = '!Sub ["${M}' + "x" * 20 + '", {M: !FindInMap [Sizes, !Ref Tier, Name]}]'
    assert length_of(value) == 15 + 20
    assert e9103(named("!FindInMap [Sizes, !Ref Tier, Name]")) == []


@pytest.mark.parametrize(
    "value",
    [
        "!GetAtt Source.TopicName",
        "!Ref Source",
        "{Ref: [Tier]}",
        "!ImportValue shared-name",
        "{Name: NotAFunction}",
        '!Sub "${Source.TopicName}"',
        "!Sub [a, b, c]",
        "!Join [x]",
        "!Join ['-', !Ref Tier]",
        "!If [Prod, a]",
        "!If [Prod, !Ref Source, abc]",
        "!If [Prod, abc, !Ref Source]",
        "!FindInMap [Sizes, small]",
        "!FindInMap [Nowhere, a, b]",
        "!FindInMap [Empty, a, b]",
    ],
)
def test_parts_nothing_is_known_about_offline_are_not_judged(value: str) -> None:
    # Each part is joined to 80 uppercase letters: unknown makes the whole name unknown.
    params = "  Unused:\n    Type: String\n"
    template = named("!Join ['', [" + "X" * 80 + ", " + value + "]]", params).replace(
        "Conditions:", "  Empty: {a: {b: true}}\nConditions:"
    )
    assert e9103(template) == []


# Characters: literals, AllowedValues and AllowedPattern.


def test_characters_the_service_refuses_are_flagged_with_the_fix() -> None:
    value = '!Sub "Edu_${Tier}"'
    assert [line for _, line, _ in e9103(named(value))] == [23]
    assert messages(named(value)) == [refused("E_", "Tier")]


def test_the_delimiter_of_a_join_counts_as_characters() -> None:
    assert messages(named("!Join ['_', [!Ref Tier, abc]]")) == [refused("_", "Tier")]


def test_allowed_values_give_the_characters_before_the_pattern() -> None:
    params = (
        '  P:\n    Type: String\n    AllowedValues: [Dev, prod]\n    AllowedPattern: "[a-z]*"\n'
    )
    assert messages(named('!Sub "x-${P}"', params)) == [refused("D", "P")]


def test_a_name_can_be_too_long_and_hold_refused_characters() -> None:
    value = '!Sub "${Tier}' + "X" * 60 + '"'
    assert messages(named(value)) == [too_long(64, "Tier"), refused("X", "Tier")]


def test_a_parameter_without_characters_is_not_charset_checked() -> None:
    params = "  P:\n    Type: String\n    MaxLength: 5\n"
    assert e9103(named('!Sub "${P}"', params)) == []


def test_a_name_without_a_charset_rule_takes_any_character() -> None:
    value = '!Sub "Alarm: ${Tier} (${AWS::Region})!"'
    assert e9103(named(value, rtype="AWS::CloudWatch::Alarm", prop="AlarmName")) == []


def refused_by_pattern(pattern: str) -> set[str]:
    """The characters a bucket name refuses that E9103 finds a parameter with `pattern` can
    put in the name (none when the characters are all allowed, or unknown)."""
    params = f"  P:\n    Type: String\n    MaxLength: 5\n    AllowedPattern: '{pattern}'\n"
    got = messages(named('!Sub "${P}"', params))
    if not got:
        return set()
    assert len(got) == 1, got
    shown = got[0].split(" can contain ")[1].split(", which")[0]
    return set(ast.literal_eval(shown))


@pytest.mark.parametrize(
    ("pattern", "chars"),
    [
        ("^[a-z0-9]{1,5}$", set()),  # anchors produce no character
        ("^(ab|Cd)$", set("C")),  # a group and alternatives
        ("^(Ab|cd|ef)$", set("A")),
        ("[A-C]*?", set("ABC")),  # lazy repetition
        ("[a_]+", set("_")),
        (r"\d\s\w", set(" _" + string.ascii_uppercase)),
        (r"\w", set("_" + string.ascii_uppercase)),
        (r"\s", set(" ")),
        (r"[\d]", set()),
        (r"\W", PRINTABLE - BUCKET_CHARS),
        (r"\S", PRINTABLE - BUCKET_CHARS),
        (r"\D", PRINTABLE - BUCKET_CHARS),
        (r"[^ -,/:-~]", set()),  # all printable characters but . - and the digits
        (r"[^a-z0-9.-]", PRINTABLE - BUCKET_CHARS),
    ],
)
def test_a_pattern_gives_the_characters_it_can_match(pattern: str, chars: set[str]) -> None:
    assert refused_by_pattern(pattern) == chars


@pytest.mark.parametrize("pattern", ["A.{0,4}", "A[^/]*", "(A|.b)", "A(.)"])
def test_a_pattern_that_admits_any_character_is_not_charset_checked(pattern: str) -> None:
    # Each pattern also holds an "A", which a bucket name refuses: not checked all the same.
    assert refused_by_pattern(pattern) == set()


# Resources and properties that are not names.


def test_properties_and_resources_without_a_name_limit_are_left_alone() -> None:
    too_long_value = '!Sub "${Free}' + "X" * 80 + '"'
    template = named(too_long_value, prop="Tags").replace(
        "Resources:\n",
        "Resources:\n"
        "  Text: just a string\n"
        "  NoProperties:\n    Type: AWS::S3::Bucket\n"
        "  Conditional:\n    Type: AWS::S3::Bucket\n"
        f"    Properties: !If [Prod, {{BucketName: {too_long_value}}}, !Ref AWS::NoValue]\n"
        "  Untyped:\n    Properties:\n      BucketName: !Ref Free\n"
        f"  Other:\n    Type: AWS::SNS::Topic\n    Properties:\n      BucketName: !Ref Free\n",
    )
    assert e9103(template) == []


def test_names_after_resources_that_are_skipped_are_still_checked() -> None:
    template = named('!Sub "${Free}"').replace(
        "Resources:\n", "Resources:\n  Text: just a string\n  Tagged:\n    Type: AWS::S3::Bucket\n"
        "    Properties:\n      Tags: []\n      BucketName: !Sub '${Free}'\n"
    )  # fmt: skip
    assert [line for _, line, _ in e9103(template)] == [23, 29]


# Severity: a blocker when the name fails as written (literals, defaults, shortest allowed
# values), a warning naming the value when only some allowed values make it fail.


def env_bucket(constraints: str, value: str = '!Sub "edu-${Env}-artifacts"') -> str:
    return f"""Parameters:
  Env:
    Type: String
{constraints}Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {value}
"""


def test_a_name_too_long_with_the_defaults_is_a_blocker() -> None:
    found = severities("names_fit", env_bucket(f"    Default: {'a' * 50}\n    MaxLength: 60\n"))
    assert [(rule, severity) for rule, severity, _ in found] == [("E9103", "blocker")]
    assert "With the parameters' defaults it is already 64: AWS refuses it" in found[0][2]


def test_a_name_too_long_only_for_a_long_allowed_value_is_a_warning_naming_it() -> None:
    found = severities("names_fit", env_bucket("    Default: dev\n    MaxLength: 64\n"))
    assert [(rule, severity) for rule, severity, _ in found] == [("E9103", "warning")]
    # edu- and -artifacts are 14 characters: 17 with "dev", 78 with 64 characters.
    assert "it is 17, so only longer values fail: a 64-character Env makes it 78." in found[0][2]


def test_a_parameter_without_a_default_counts_with_its_shortest_allowed_value() -> None:
    found = severities("names_fit", env_bucket(f"    AllowedValues: [{'a' * 50}, {'b' * 60}]\n"))
    assert [severity for _, severity, _ in found] == ["blocker"]
    found = severities("names_fit", env_bucket(f"    AllowedValues: [dev, {'b' * 60}]\n"))
    assert [severity for _, severity, _ in found] == ["warning"]
    assert "a 60-character Env makes it 74" in found[0][2]


def test_an_unbounded_parameter_is_a_warning_that_names_the_length_that_fails() -> None:
    found = severities("names_fit", env_bucket("    Default: dev\n"))
    assert [severity for _, severity, _ in found] == ["warning"]
    # 63 - 14 literal characters + 1: a 50-character Env makes the name 64.
    assert "a 50-character Env makes it 64." in found[0][2]


def test_an_unbounded_parameter_whose_default_is_already_too_long_is_a_blocker() -> None:
    found = severities("names_fit", env_bucket(f"    Default: {'a' * 50}\n"))
    assert [severity for _, severity, _ in found] == ["blocker"]


def test_the_shortest_region_counts_as_deployed_and_the_longest_as_the_worst_case() -> None:
    # 12 + 40 + the region: 61 in us-east-1 (9), 66 in a 14-character region.
    value = '!Sub "${AWS::AccountId}' + "x" * 40 + '${AWS::Region}"'
    found = severities("names_fit", env_bucket("    Default: dev\n", value))
    assert [severity for _, severity, _ in found] == ["warning"]
    assert "it is 61, so only longer values fail" in found[0][2]
    assert "a 14-character AWS::Region make it 66" in found[0][2]


def test_refused_characters_in_a_literal_or_default_are_a_blocker_else_a_warning() -> None:
    pattern = '    Default: dev\n    MaxLength: 5\n    AllowedPattern: "[a-zA-Z]*"\n'
    found = severities("names_fit", env_bucket(pattern, '!Sub "Edu-${Env}"'))
    assert [severity for _, severity, _ in found] == ["blocker"]
    found = severities("names_fit", env_bucket(pattern, '!Sub "edu-${Env}"'))
    assert [severity for _, severity, _ in found] == ["warning"]
    assert "The defaults hold none of them, so only values that do fail." in found[0][2]
