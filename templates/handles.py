"""The typed handles that sections pass to one another: only what a later section needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Values are troposphere expressions (Ref, GetAtt, Sub, If ...), typed as Any because troposphere
# ships no type information.


@dataclass(frozen=True)
class Params:
    """Deploy-time choices (CloudFormation Parameters) and the conditions derived from them."""

    vpc_cidr: Any
    db_instance_class: Any
    db_allocated_storage: Any
    db_multi_az: Any
    db_port: Any
    cache_node_type: Any
    cache_node_count: Any
    alarm_email: Any
    # Condition names.
    three_azs: str
    nat_per_az: str
    has_alarm_email: str
    cache_multi_node: str


@dataclass(frozen=True)
class Subnets:
    """One subnet per AZ; the third exists only under `Params.three_azs`."""

    # An expression for a list property (SubnetIds, Subnets ...), conditional on the third AZ.
    id_list: Any
    # The same IDs as one comma-separated string, for properties and outputs that take a string.
    id_csv: Any


@dataclass(frozen=True)
class Network:
    vpc_id: Any
    vpc_cidr: Any
    private: Subnets


@dataclass(frozen=True)
class SecurityGroups:
    database: Any
    cache: Any
    rotation: Any  # the hosted secret-rotation Lambda
    app: Any  # applications: the data tiers admit it (published in the contract)
    bootstrap: Any  # the database bootstrap job (templates/bootstrap.py)


@dataclass(frozen=True)
class Key:
    key_arn: Any


@dataclass(frozen=True)
class Secrets:
    db_secret: Any  # Ref: the master user's secret's ARN (only the bootstrap job reads it)
    cache_secret: Any
    app_secret: Any  # Ref: the application's own database user's secret
    db_username: str  # fixed in the template: MasterUsername is create-only on RDS
    # Logical IDs, for DependsOn where a consumer needs the secret to exist first.
    db_secret_id: str
    cache_secret_id: str
    app_secret_id: str


@dataclass(frozen=True)
class Topic:
    arn: Any


@dataclass(frozen=True)
class Database:
    instance_id: Any
    endpoint: Any  # GetAtt: a consumer waits for the instance
    port: Any


@dataclass(frozen=True)
class Cache:
    logical_id: str
    # The CacheNodeCount parameter: node `<group>-00N` exists only when N <= this.
    node_count: Any


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    name: Any
    arn: Any


@dataclass(frozen=True)
class Buckets:
    source: Bucket
    artifacts: Bucket
    logs: Bucket


@dataclass(frozen=True)
class CodeSource:
    """Where the pipeline keeps application code and the key it is encrypted with: the execution
    role reads code from there. In a staging platform both come in as parameters (the
    production platform's pipeline passes its own), and may be empty."""

    bucket_arn: Any
    key_arn: Any
    # Condition name under which both are given, or None where they always are.
    condition: str | None = None


@dataclass(frozen=True)
class Bootstrap:
    """The in-VPC job that creates the application's database role with the master secret."""

    project_name: Any  # the CodeBuild project's fixed name, edu-db-bootstrap-<suffix>


@dataclass(frozen=True)
class Delivery:
    """What the pipeline needs to deploy an application: each stage's CloudFormation execution
    role, which its deploy job passes to CloudFormation, and the boundary its roles carry."""

    boundary_arn: Any
    # Stage name (staging, production) -> GetAtt of the stage's execution role's ARN.
    execution_role_arns: dict[str, Any]
