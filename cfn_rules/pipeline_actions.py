"""E9106: CodePipeline action type IDs exist, with their required configuration keys."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c

# (Category, Owner, Provider) -> (required configuration keys, the other known keys or None =
# open), each a space-separated list. From "Valid action types and providers in CodePipeline" and
# the per-provider action references of the CodePipeline User Guide. Every AWS-owned action type
# is version "1".
ACTION_TYPES: dict[tuple[str, str, str], tuple[str, str | None]] = {
    ("Source", "AWS", "S3"): (
        "S3Bucket S3ObjectKey",
        "PollForSourceChanges AllowOverrideForS3ObjectKey",
    ),
    ("Source", "AWS", "CodeCommit"): (
        "RepositoryName BranchName",
        "PollForSourceChanges OutputArtifactFormat",
    ),
    ("Source", "AWS", "ECR"): ("RepositoryName", "ImageTag"),
    ("Source", "AWS", "CodeStarSourceConnection"): (
        "ConnectionArn FullRepositoryId BranchName",
        "OutputArtifactFormat DetectChanges",
    ),
    ("Source", "ThirdParty", "GitHub"): ("Owner Repo Branch OAuthToken", "PollForSourceChanges"),
    ("Build", "AWS", "CodeBuild"): (
        "ProjectName",
        "PrimarySource BatchEnabled CombineArtifacts EnvironmentVariables",
    ),
    ("Test", "AWS", "CodeBuild"): (
        "ProjectName",
        "PrimarySource BatchEnabled CombineArtifacts EnvironmentVariables",
    ),
    ("Build", "AWS", "ECRBuildAndPublish"): ("ECRRepositoryName", None),
    ("Test", "AWS", "DeviceFarm"): ("ProjectId DevicePoolArn AppType TestType", None),
    ("Approval", "AWS", "Manual"): ("", "NotificationArn CustomData ExternalEntityLink"),
    ("Deploy", "AWS", "S3"): (
        "BucketName Extract",
        "ObjectKey KMSEncryptionKeyARN CannedACL CacheControl",
    ),
    ("Deploy", "AWS", "CloudFormation"): (
        "ActionMode StackName",
        "Capabilities ChangeSetName OutputFileName ParameterOverrides RoleArn TemplatePath "
        "TemplateConfiguration",
    ),
    ("Deploy", "AWS", "CloudFormationStackSet"): (
        "StackSetName TemplatePath DeploymentTargets",
        None,
    ),
    ("Deploy", "AWS", "CloudFormationStackInstances"): (
        "StackSetName DeploymentTargets Regions",
        None,
    ),
    ("Deploy", "AWS", "CodeDeploy"): ("ApplicationName DeploymentGroupName", ""),
    ("Deploy", "AWS", "CodeDeployToECS"): (
        "ApplicationName DeploymentGroupName TaskDefinitionTemplateArtifact "
        "AppSpecTemplateArtifact",
        None,
    ),
    ("Deploy", "AWS", "ECS"): ("ClusterName ServiceName", "FileName DeploymentTimeout"),
    ("Deploy", "AWS", "ElasticBeanstalk"): ("ApplicationName EnvironmentName", ""),
    ("Deploy", "AWS", "AppConfig"): (
        "Application Environment ConfigurationProfile DeploymentStrategy "
        "InputArtifactConfigurationPath",
        None,
    ),
    ("Deploy", "AWS", "ServiceCatalog"): ("", None),
    ("Deploy", "AWS", "AlexaSkillsKit"): ("ClientId ClientSecret RefreshToken SkillId", None),
    ("Deploy", "AWS", "EKS"): ("ClusterName", None),
    ("Deploy", "AWS", "EC2"): ("", None),
    ("Invoke", "AWS", "Lambda"): ("FunctionName", "UserParameters"),
    ("Invoke", "AWS", "StepFunctions"): ("StateMachineArn", "ExecutionNamePrefix Input InputType"),
    ("Invoke", "AWS", "InspectorScan"): ("", None),
    ("Compute", "AWS", "Commands"): ("", None),
}


def spec_of(type_id: tuple[str, str, str]) -> tuple[frozenset[str], frozenset[str] | None] | None:
    """(required configuration keys, every known key or None = open) of an action type, or None
    when the type does not exist."""
    entry = ACTION_TYPES.get(type_id)
    if entry is None:
        return None
    required, optional = entry
    req = frozenset(required.split())
    return req, None if optional is None else req | frozenset(optional.split())


def actions_of(stage: dict[str, Any]) -> list[tuple[list[Any], dict[str, Any]]]:
    """(path below the stage, action) of each action, both branches of a Fn::If included."""
    found = []
    for i, action in enumerate(c.as_list(stage.get("Actions"))):
        if isinstance(action, dict) and set(action) == {"Fn::If"}:
            branches = action["Fn::If"]
            if not (isinstance(branches, list) and len(branches) == 3):
                continue
            for j in (1, 2):
                # A branch without an ActionTypeId (AWS::NoValue) is skipped by _check.
                if isinstance(branches[j], dict):
                    found.append((["Actions", i, "Fn::If", j], branches[j]))
        elif isinstance(action, dict):
            found.append((["Actions", i], action))
    return found


# CloudFormation deploy action: ActionMode -> configuration keys that mode requires.
CFN_MODES: dict[str, tuple[str, ...]] = {
    "CREATE_UPDATE": ("TemplatePath", "RoleArn"),
    "REPLACE_ON_FAILURE": ("TemplatePath", "RoleArn"),
    "DELETE_ONLY": ("RoleArn",),
    "CHANGE_SET_REPLACE": ("ChangeSetName", "TemplatePath", "RoleArn"),
    "CHANGE_SET_EXECUTE": ("ChangeSetName",),
}


def _cloudformation_mode(
    name: str, config: dict[str, Any], path: list[Any]
) -> list[tuple[list[Any], str]]:
    mode = config.get("ActionMode")
    if not isinstance(mode, str):
        return []
    if mode not in CFN_MODES:
        return [
            (
                [*path, "ActionMode"],
                f"Action '{name}': ActionMode {mode!r} does not exist. Fix: use one of "
                f"{', '.join(CFN_MODES)}.",
            )
        ]
    return [
        (
            path,
            f"Action '{name}': ActionMode {mode} needs configuration '{key}'. Fix: add "
            f"Configuration.{key}.",
        )
        for key in CFN_MODES[mode]
        if key not in config
    ]


class PipelineActionTypesValid(CloudFormationLintRule):
    """Each CodePipeline action's (Category, Owner, Provider, Version) is one that exists.

    Source: AWS CodePipeline User Guide, "Valid action types and providers in CodePipeline"
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-valid-providers.html) and
    the action structure reference for each provider's required configuration. AWS rejects the
    others with "ActionType (Category: ..., Provider: ..., Owner: ..., Version: ...) in action
    'X' is not available", "Action configuration for action 'X' is missing required
    configuration 'Y'" or "... contains unknown configuration 'Y'". The CloudFormation deploy
    action's ActionMode must be one of its five modes, with the keys that mode needs
    (TemplatePath and RoleArn to create or update, ChangeSetName for change sets), per the
    "CloudFormation deploy action reference". Custom-owned action types are not checked (they
    are account-defined).
    """

    id = "E9106"
    shortdesc = "Valid CodePipeline action types"
    description = "CodePipeline action type IDs exist and carry their required configuration"
    source_url = (
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-valid-providers.html"
    )
    tags = ["codepipeline"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        for lid, rtype, props in c.resources(cfn.template):
            if rtype != "AWS::CodePipeline::Pipeline":
                continue
            for s, stage in enumerate(c.as_list(props.get("Stages"))):
                if not isinstance(stage, dict):
                    continue
                for sub, action in actions_of(stage):
                    path = ["Resources", lid, "Properties", "Stages", s, *sub]
                    matches.extend(RuleMatch(p, m) for p, m in self._check(action, path))
        return matches

    @staticmethod
    def _check(action: dict[str, Any], path: list[Any]) -> list[tuple[list[Any], str]]:
        type_id = action.get("ActionTypeId")
        if not isinstance(type_id, dict):
            return []
        fields = [type_id.get(k) for k in ("Category", "Owner", "Provider", "Version")]
        strings = [f for f in fields if isinstance(f, str)]
        if len(strings) != len(fields):
            return []  # parameterised: cannot be checked offline
        category, owner, provider, version = strings
        name = action.get("Name", "?")
        if owner == "Custom":
            return []
        spec = spec_of((category, owner, provider))
        type_path = [*path, "ActionTypeId"]
        if spec is None:
            valid = sorted(p for (cat, own, p) in ACTION_TYPES if cat == category and own == owner)
            return [
                (
                    type_path,
                    f"Action '{name}': ActionType (Category {category}, Owner {owner}, Provider "
                    f"{provider}) does not exist. Fix: use one of {', '.join(valid) or 'none'} "
                    f"for {category}/{owner}, per the valid action types and providers table.",
                )
            ]
        problems = []
        if version != "1":
            problems.append(
                (
                    [*type_path, "Version"],
                    f"Action '{name}': {provider} has only Version \"1\", not {version!r}. "
                    'Fix: set Version: "1".',
                )
            )
        required, known = spec
        config = action.get("Configuration")
        keys = set(config) if isinstance(config, dict) else set()
        for key in sorted(required - keys):
            problems.append(
                (
                    [*path, "Configuration"],
                    f"Action '{name}' ({provider}) is missing required configuration '{key}'. "
                    f"Fix: add Configuration.{key}.",
                )
            )
        if provider == "CloudFormation" and isinstance(config, dict):
            problems.extend(_cloudformation_mode(name, config, [*path, "Configuration"]))
        if known is not None:
            for key in sorted(keys - known):
                problems.append(
                    (
                        [*path, "Configuration", key],
                        f"Action '{name}' ({provider}) has unknown configuration '{key}'. "
                        f"Fix: use only {', '.join(sorted(known))}.",
                    )
                )
        return problems
