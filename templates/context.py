"""The one Template being built, plus the helpers every section uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troposphere import AWSObject, Export, Output, Parameter, Ref, Sub, Tags, Template

PROJECT = "edu-platform"
# Short prefix of every physical name; kept short because names must fit the tightest service
# limit (ElastiCache replication group IDs: 40 characters).
NAME_PREFIX = "edu"
SUFFIX_PARAM = "EnvironmentSuffix"


@dataclass(frozen=True)
class Profile:
    """Build-time choices. Deploy-time choices are CloudFormation Parameters instead."""

    name: str
    # DeletionPolicy / UpdateReplacePolicy of resources that hold data (RDS, ElastiCache).
    data_policy: str
    # DeletionPolicy / UpdateReplacePolicy of the KMS key (snapshots need it after a delete).
    key_policy: str
    # Automated RDS backups outlive a stack delete (DeleteAutomatedBackups: false).
    rds_keep_backups: bool
    kms_pending_window_days: int
    secret_rotation: bool
    # Buckets and log groups hold no student data of their own, but a production delete must
    # still not take them: ephemeral stacks delete them, production retains them.
    storage_policy: str
    log_retention_days: int
    # The pipeline (buckets, CodeBuild, CodePipeline) lives in the production platform only: a
    # staging platform is what that pipeline deploys, and deploys nothing itself.
    pipeline: bool

    @property
    def app_stage(self) -> str:
        """The application stage this platform hosts (its execution role and contract): the
        platform with the pipeline hosts production; the one it deploys hosts staging."""
        return "production" if self.pipeline else "staging"


PROFILES: dict[str, Profile] = {
    "production": Profile(
        name="production",
        data_policy="Snapshot",
        key_policy="Retain",
        rds_keep_backups=True,
        kms_pending_window_days=30,
        secret_rotation=True,
        storage_policy="Retain",
        log_retention_days=365,
        pipeline=True,
    ),
    "ephemeral": Profile(
        name="ephemeral",
        data_policy="Delete",
        key_policy="Delete",
        rds_keep_backups=False,
        kms_pending_window_days=7,
        secret_rotation=False,
        storage_policy="Delete",
        # A year, as production: Control Tower's CT.CLOUDWATCH.PR.2 asks every log group to
        # keep a year. It costs nothing here, since ephemeral log groups go with the stack.
        log_retention_days=365,
        pipeline=True,
    ),
    # The pipeline's staging environment: a data tier of its own (VPC, key, database, cache,
    # secrets), deleted as cleanly as an ephemeral stack, with smaller defaults and no pipeline.
    "staging": Profile(
        name="staging",
        data_policy="Delete",
        key_policy="Delete",
        rds_keep_backups=False,
        kms_pending_window_days=7,
        secret_rotation=False,
        storage_policy="Delete",
        log_retention_days=365,
        pipeline=False,
    ),
}


@dataclass
class Context:
    """Wraps the troposphere Template with the conventions of this project.

    Sections never touch module-level state: they receive a Context and return small frozen
    dataclasses (templates.handles) of what later sections need.
    """

    profile: Profile
    template: Template = field(default_factory=Template)

    # -- parameters -------------------------------------------------------------------------

    def parameter(self, name: str, *, group: str, label: str, **kwargs: Any) -> Parameter:
        """Adds a parameter that shows in the console form under `group` with `label`."""
        param = self.template.add_parameter(Parameter(name, **kwargs))
        self.template.add_parameter_to_group(param, group)
        self.template.set_parameter_label(param, label)
        return param

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name: str, expression: Any) -> str:
        """Adds a condition and returns its name.

        troposphere's add_condition silently replaces a condition of the same name, which would
        quietly change what some resource depends on; here a duplicate is a bug.
        """
        if name in self.template.conditions:
            raise ValueError(f"condition {name!r} is already defined")
        self.template.add_condition(name, expression)
        return name

    # -- resources and outputs --------------------------------------------------------------

    def add(self, resource: AWSObject) -> AWSObject:
        return self.template.add_resource(resource)

    def output(
        self,
        name: str,
        value: Any,
        description: str | None = None,
        *,
        condition: str | None = None,
        export: bool = True,
    ) -> Output:
        # A description only where the output's name does not already say it all: every byte
        # counts against the 51,200-byte TemplateBody limit.
        kwargs: dict[str, Any] = {"Value": value}
        if description:
            kwargs["Description"] = description
        if export:
            kwargs["Export"] = Export(Sub(f"${{AWS::StackName}}-{name}"))
        if condition:
            kwargs["Condition"] = condition
        return self.template.add_output(Output(name, **kwargs))

    # -- names and tags ---------------------------------------------------------------------

    @staticmethod
    def name(part: str) -> Sub:
        """A physical name: `edu-<part>-<EnvironmentSuffix>`. Every name carries the suffix."""
        return Sub(f"{NAME_PREFIX}-{part}-${{{SUFFIX_PARAM}}}")

    def tags(self, part: str, **extra: Any) -> Tags:
        """The tags every taggable resource carries: Environment, Project, Name (+ extra)."""
        return Tags(
            Environment=Ref(SUFFIX_PARAM),
            Project=PROJECT,
            Name=self.name(part),
            **extra,
        )
