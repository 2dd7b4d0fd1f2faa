"""E9106 (cfn_rules.pipeline_actions): action types, versions, configuration keys and the
CloudFormation deploy action's modes."""

from __future__ import annotations

from tests.support.rules import findings

HEAD = """
Conditions:
  Prod: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - not a stage
        - Name: Only
          Actions:
"""
# Line of the first action.
FIRST = 14
# Where a finding on the Configuration of an action without one lands: cfn-lint reports a path
# that is not in the template on the line of the Actions list.
ACTIONS = FIRST - 1


def e9106(*actions: str) -> list[tuple[int, str]]:
    """Findings on a pipeline whose one good stage holds the actions given (YAML blocks)."""
    template = HEAD + "".join(actions)
    return [(line, message) for _, line, message in findings("pipeline_actions", template)]


def action(type_id: str, *config: str, name: str | None = "Act") -> str:
    """An action of ActionTypeId `type_id` (Category, Owner, Provider, Version in that order)."""
    category, owner, provider, version = type_id.split()
    lines = [f"Name: {name}"] if name is not None else []
    lines += [
        "ActionTypeId:",
        f"  Category: {category}",
        f"  Owner: {owner}",
        f"  Provider: {provider}",
        f'  Version: "{version}"',
    ]
    if config:
        lines += ["Configuration:", *(f"  {c}" for c in config)]
    return "            - " + "\n              ".join(lines) + "\n"


def missing(provider: str, key: str, name: str = "Act") -> str:
    return (
        f"Action '{name}' ({provider}) is missing required configuration '{key}'. "
        f"Fix: add Configuration.{key}."
    )


def test_an_action_without_a_name_is_called_a_question_mark() -> None:
    assert e9106(action("Build AWS CodeBuild 1", "Project: x", name=None)) == [
        (FIRST + 5, missing("CodeBuild", "ProjectName", "?")),
        (
            FIRST + 6,
            "Action '?' (CodeBuild) has unknown configuration 'Project'. Fix: use only "
            "BatchEnabled, CombineArtifacts, EnvironmentVariables, PrimarySource, ProjectName.",
        ),
    ]


def test_the_wrong_version_is_reported_on_the_version_line() -> None:
    assert e9106(action("Approval AWS Manual 2")) == [
        (
            FIRST + 5,
            "Action 'Act': Manual has only Version \"1\", not '2'. Fix: set Version: \"1\".",
        )
    ]


def test_an_action_without_configuration_misses_every_required_key() -> None:
    assert e9106(action("Deploy AWS CloudFormation 1")) == [
        (ACTIONS, missing("CloudFormation", "ActionMode")),
        (ACTIONS, missing("CloudFormation", "StackName")),
    ]


def test_custom_action_types_are_not_checked() -> None:
    assert e9106(action("Build Custom Anything 7")) == []


def test_an_owner_without_providers_of_that_category_says_none() -> None:
    assert e9106(action("Deploy ThirdParty GitHub 1")) == [
        (
            FIRST + 1,
            "Action 'Act': ActionType (Category Deploy, Owner ThirdParty, Provider GitHub) does "
            "not exist. Fix: use one of none for Deploy/ThirdParty, per the valid action types "
            "and providers table.",
        )
    ]


def test_only_the_cloudformation_action_has_modes() -> None:
    build = action("Build AWS CodeBuild 1", "ProjectName: p", "ActionMode: DELETE_ONLY")
    assert e9106(build) == [
        (
            FIRST + 8,
            "Action 'Act' (CodeBuild) has unknown configuration 'ActionMode'. Fix: use only "
            "BatchEnabled, CombineArtifacts, EnvironmentVariables, PrimarySource, ProjectName.",
        )
    ]


def test_the_rules_of_an_open_action_type_accept_any_key() -> None:
    assert e9106(action("Deploy AWS EKS 1", "ClusterName: c", "Anything: x")) == []


BAD = action("Build AWS CodeBuild 1")


def test_a_malformed_condition_is_skipped_and_the_next_action_checked() -> None:
    malformed = "            - !If [Prod, {Name: A}]\n"
    assert e9106(malformed, BAD) == [(ACTIONS, missing("CodeBuild", "ProjectName"))]


def test_both_branches_of_a_conditional_action_are_checked() -> None:
    no_value = (
        "            - !If\n"
        "              - Prod\n"
        '              - !Ref "AWS::NoValue"\n'
        "              - Name: B\n"
        "                ActionTypeId:\n"
        '                  {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}\n'
    )
    assert e9106(no_value) == [(ACTIONS, missing("CodeBuild", "ProjectName", "B"))]
