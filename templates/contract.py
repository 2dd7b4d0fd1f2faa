"""The contract between the platform stack and the applications it runs.

The platform publishes what an application needs as SSM parameters under
`/edu/<EnvironmentSuffix>/<key>`, not as stack exports: an import would lock the platform stack
for as long as any application exists. An application template reads each one through a
parameter of type `AWS::SSM::Parameter::Value<...>` whose value is the parameter's path.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "/edu"


@dataclass(frozen=True)
class ContractKey:
    key: str  # the last part of the SSM path
    ssm_type: str  # "String" | "StringList"
    parameter_type: str  # the application template's parameter type for it
    description: str

    @property
    def camel(self) -> str:
        """`vpc-id` -> `VpcId`: the platform's `Contract<Camel>` logical ID and the application
        template's parameter name."""
        return "".join(part.capitalize() for part in self.key.split("-"))

    def path(self, suffix: str) -> str:
        return f"{PREFIX}/{suffix}/{self.key}"


def _value(kind: str) -> str:
    return f"AWS::SSM::Parameter::Value<{kind}>"


CONTRACT_KEYS: tuple[ContractKey, ...] = (
    ContractKey("vpc-id", "String", _value("AWS::EC2::VPC::Id"), "the platform's VPC"),
    ContractKey(
        "private-subnet-ids",
        "StringList",
        _value("List<AWS::EC2::Subnet::Id>"),
        "the private subnets applications run in",
    ),
    ContractKey(
        "app-security-group-id",
        "String",
        _value("AWS::EC2::SecurityGroup::Id"),
        "the security group the database and cache admit applications from",
    ),
    ContractKey(
        "app-secret-arn",
        "String",
        _value("String"),
        "the secret the application reads at run time (JSON: username, password, host, port, "
        "dbname)",
    ),
    ContractKey("db-endpoint", "String", _value("String"), "the database's host name"),
    ContractKey("db-port", "String", _value("String"), "the database's port"),
    ContractKey("db-name", "String", _value("String"), "the application's database"),
    ContractKey("cache-endpoint", "String", _value("String"), "the cache's primary endpoint"),
    ContractKey("cache-port", "String", _value("String"), "the cache's port"),
    ContractKey(
        "cache-user", "String", _value("String"), "the cache user applications sign in as (IAM)"
    ),
    ContractKey("key-arn", "String", _value("String"), "the platform's KMS key"),
    ContractKey(
        "boundary-arn",
        "String",
        _value("String"),
        "the permissions boundary every application IAM role must carry",
    ),
)
