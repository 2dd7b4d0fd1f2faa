"""The mutation corpus: realistic deploy blockers, each a small change to the generated template.

Each mutation takes the generated template (a dict) and returns a mutated deep copy; it names
the AWS error (or the broken promise) it would cause. The first three are the historic blockers
of the program this project replaces. `bench/gate_compare.py` runs three checkers over the corpus.

No mutation puts a real secret anywhere: where a literal is the point, it is a marked
placeholder that no service would accept as a real password.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Template = dict[str, Any]
PLACEHOLDER = "EXAMPLE-NOT-A-SECRET@1"  # what `random` once produced: a literal with '@'


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str  # the change, in one sentence
    aws_error: str  # what AWS answers (or which promise silently breaks)
    apply: Callable[[Template], None]  # mutates in place; use `mutate()` for a copy
    profiles: tuple[str, ...] = ("production",)

    def mutate(self, template: Template) -> Template:
        mutated = copy.deepcopy(template)
        self.apply(mutated)
        return mutated


def _props(t: Template, logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = t["Resources"][logical_id]["Properties"]
    return props


def _statement(t: Template, key: str, sid: str) -> int:
    statements = _props(t, key)["KeyPolicy"]["Statement"]
    return next(i for i, s in enumerate(statements) if s.get("Sid") == sid)


def _drop_key_statement(sid: str) -> Callable[[Template], None]:
    def apply(t: Template) -> None:
        del _props(t, "Key")["KeyPolicy"]["Statement"][_statement(t, "Key", sid)]

    return apply


def _action(t: Template, stage: str, index: int = 0) -> dict[str, Any]:
    stages = _props(t, "Pipeline")["Stages"]
    action: dict[str, Any] = next(s for s in stages if s["Name"] == stage)["Actions"][index]
    if "Fn::If" in action:  # the source stage chooses between CodeConnections and S3
        chosen: dict[str, Any] = action["Fn::If"][2]
        return chosen
    return action


def _historic_secret_not_created(t: Template) -> None:
    _props(t, "Database")["MasterUserPassword"] = (
        "{{resolve:secretsmanager:edu/prod/db-password:SecretString:password}}"
    )


def _historic_artifact_stores(t: Template) -> None:
    props = _props(t, "Pipeline")
    props["ArtifactStores"] = props.pop("ArtifactStore")


def _historic_random_password(t: Template) -> None:
    _props(t, "Database")["MasterUserPassword"] = PLACEHOLDER


def _exclude_characters_dropped(t: Template) -> None:
    del _props(t, "DbSecret")["GenerateSecretString"]["ExcludeCharacters"]


def _cache_token_punctuation(t: Template) -> None:
    del _props(t, "CacheSecret")["GenerateSecretString"]["ExcludePunctuation"]


def _cache_token_short(t: Template) -> None:
    _props(t, "CacheSecret")["GenerateSecretString"]["PasswordLength"] = 12


def _transit_off(t: Template) -> None:
    _props(t, "Cache")["TransitEncryptionEnabled"] = False


def _json_key_typo(t: Template) -> None:
    _props(t, "Database")["MasterUserPassword"] = {
        "Fn::Sub": "{{resolve:secretsmanager:${DbSecret}:SecretString:passwd}}"
    }


def _whole_secret_json(t: Template) -> None:
    _props(t, "Database")["MasterUserPassword"] = {
        "Fn::Sub": "{{resolve:secretsmanager:${DbSecret}}}"
    }


def _suffix_longer(t: Template) -> None:
    t["Parameters"]["EnvironmentSuffix"]["MaxLength"] = 48


def _suffix_uppercase(t: Template) -> None:
    t["Parameters"]["EnvironmentSuffix"]["AllowedPattern"] = "^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"


def _long_db_identifier(t: Template) -> None:
    _props(t, "Database")["DBInstanceIdentifier"] = {
        "Fn::Sub": "edu-platform-student-records-primary-postgres-database-${EnvironmentSuffix}"
    }


def _pipeline_name_bad_chars(t: Template) -> None:
    _props(t, "Pipeline")["Name"] = {"Fn::Sub": "edu pipeline (${EnvironmentSuffix})"}


def _rotation_transform_missing(t: Template) -> None:
    del t["Transform"]


def _provider_case(t: Template) -> None:
    _action(t, "Build")["ActionTypeId"]["Provider"] = "Codebuild"


def _s3_source_object_key(t: Template) -> None:
    del _action(t, "Source")["Configuration"]["S3ObjectKey"]


def _codebuild_config_key(t: Template) -> None:
    config = _action(t, "DeployStaging")["Configuration"]
    config["Project"] = config.pop("ProjectName")


def _approval_version(t: Template) -> None:
    _action(t, "Approval")["ActionTypeId"]["Version"] = "2"


def _multi_az_with_az(t: Template) -> None:
    _props(t, "Database")["AvailabilityZone"] = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}


def _secret_string_too(t: Template) -> None:
    _props(t, "CacheSecret")["SecretString"] = PLACEHOLDER


def _target_type(t: Template) -> None:
    _props(t, "DbSecretAttachment")["TargetType"] = "AWS::RDS::DBCluster"


def _monitoring_role(t: Template) -> None:
    del _props(t, "Database")["MonitoringRoleArn"]


def _failover_one_node(t: Template) -> None:
    props = _props(t, "Cache")
    props["AutomaticFailoverEnabled"] = True
    props["NumCacheClusters"] = 1


def _bucket_aes_with_key(t: Template) -> None:
    rule = _props(t, "ArtifactsBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] = "AES256"


def _public_db(t: Template) -> None:
    _props(t, "Database")["PubliclyAccessible"] = True


def _db_open(t: Template) -> None:
    _props(t, "DatabaseSecurityGroup")["SecurityGroupIngress"].append(
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "debug",
            "FromPort": 5432,
            "IpProtocol": "tcp",
            "ToPort": 5432,
        }
    )


def _cache_open_ipv6(t: Template) -> None:
    _props(t, "CacheSecurityGroup")["SecurityGroupIngress"].append(
        {
            "CidrIpv6": "::/0",
            "Description": "debug",
            "FromPort": 6379,
            "IpProtocol": "tcp",
            "ToPort": 6379,
        }
    )


def _wildcard_action(t: Template) -> None:
    statement = _props(t, "BuildRole")["Policies"][0]["PolicyDocument"]["Statement"][0]
    statement["Action"] = ["logs:*"]


def _not_action(t: Template) -> None:
    statement = _props(t, "DeployAccessPolicy")["PolicyDocument"]["Statement"][0]
    statement["NotAction"] = statement.pop("Action")


def _db_unencrypted(t: Template) -> None:
    props = _props(t, "Database")
    props["StorageEncrypted"] = False
    del props["KmsKeyId"]


def _flow_logs_plain(t: Template) -> None:
    del _props(t, "FlowLogGroup")["KmsKeyId"]


def _topic_plain(t: Template) -> None:
    del _props(t, "AlarmTopic")["KmsMasterKeyId"]


def _cache_at_rest_off(t: Template) -> None:
    _props(t, "Cache")["AtRestEncryptionEnabled"] = False


def _password_parameter(t: Template) -> None:
    t["Parameters"]["DbPassword"] = {"Type": "String", "NoEcho": True, "Default": PLACEHOLDER}
    _props(t, "Database")["MasterUserPassword"] = {"Ref": "DbPassword"}


def _add_env_var(t: Template, project: str, variable: dict[str, Any]) -> None:
    _props(t, project)["Environment"].setdefault("EnvironmentVariables", []).append(variable)


def _plaintext_secret_variable(t: Template) -> None:
    # The mistake the bootstrap job exists to prevent: the password handed over as text.
    _add_env_var(
        t,
        "DbBootstrapProject",
        {"Name": "DB_PASSWORD", "Type": "PLAINTEXT", "Value": {"Ref": "DbSecret"}},
    )


def _codebuild_unknown_secret(t: Template) -> None:
    _add_env_var(
        t,
        "DeployProductionProject",
        {"Name": "DB_PASSWORD", "Type": "SECRETS_MANAGER", "Value": "edu/prod/db:password"},
    )


def _rotation_exclude(t: Template) -> None:
    _props(t, "DbSecretRotation")["HostedRotationLambda"]["ExcludeCharacters"] = "\\"


def _engine_version(t: Template) -> None:
    _props(t, "Database")["EngineVersion"] = "11"


def _getatt_case(t: Template) -> None:
    t["Outputs"]["CacheEndpoint"]["Value"] = {"Fn::GetAtt": ["Cache", "PrimaryEndpoint.Address"]}


def _ref_typo(t: Template) -> None:
    _props(t, "DbSecretAttachment")["SecretId"] = {"Ref": "DbSecrets"}


def _bucket_public_policy(t: Template) -> None:
    _props(t, "SourceBucket")["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] = False


def _single_subnet(t: Template) -> None:
    _props(t, "DbSubnetGroup")["SubnetIds"] = [{"Ref": "PrivateSubnet1"}]


def _pending_window(t: Template) -> None:
    _props(t, "Key")["PendingWindowInDays"] = 1


def _retention(t: Template) -> None:
    _props(t, "BuildLogGroup")["RetentionInDays"] = 45


def _cache_engine_version(t: Template) -> None:
    _props(t, "Cache")["EngineVersion"] = "9.9"


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "historic-secret-not-created",
        "MasterUserPassword resolves a secret by a name that nothing creates",
        "Secrets Manager can't find the specified secret. (Database CREATE_FAILED)",
        _historic_secret_not_created,
        ("production", "ephemeral"),
    ),
    Mutation(
        "historic-artifact-stores",
        "the pipeline's ArtifactStore renamed to ArtifactStores with the same object",
        "Properties validation failed for resource Pipeline: #/ArtifactStores: expected type: "
        "JSONArray, found: JSONObject (the seed's 'unsupported property' blocker)",
        _historic_artifact_stores,
        ("production", "ephemeral"),
    ),
    Mutation(
        "historic-literal-password",
        "the DB password is a literal made in Python (with '@') instead of a dynamic reference",
        "The parameter MasterUserPassword is not a valid password because it contains '@'; and "
        "the password sits in the template (promise broken)",
        _historic_random_password,
    ),
    Mutation(
        "db-secret-charset",
        "DbSecret no longer excludes / @ \" ' and space",
        "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
        "characters besides '/', '@', '\"', ' ' may be used.",
        _exclude_characters_dropped,
    ),
    Mutation(
        "cache-token-punctuation",
        "CacheSecret (the cache's default-user password) may generate any punctuation",
        'CreateUser: InvalidParameterValue: a password may not contain , " / or @',
        _cache_token_punctuation,
    ),
    Mutation(
        "cache-token-short",
        "CacheSecret (the cache's default-user password) generates 12 characters",
        "CreateUser: InvalidParameterValue: passwords must be 16 to 128 characters",
        _cache_token_short,
    ),
    Mutation(
        "cache-auth-without-transit",
        "TransitEncryptionEnabled false while UserGroupIds is set",
        "User groups (RBAC) are only supported when encryption in-transit is enabled",
        _transit_off,
    ),
    Mutation(
        "secret-json-key-typo",
        "MasterUserPassword resolves the JSON key 'passwd' instead of 'password'",
        "Could not find the JSON key 'passwd' in the secret (dynamic reference resolution)",
        _json_key_typo,
    ),
    Mutation(
        "secret-whole-json",
        "MasterUserPassword resolves the whole JSON secret, not its password key",
        "The parameter MasterUserPassword is not a valid password ('\"' in the JSON)",
        _whole_secret_json,
    ),
    Mutation(
        "suffix-too-long",
        "EnvironmentSuffix MaxLength raised from 16 to 48",
        "ReplicationGroupId must contain from 1 to 40 alphanumeric characters or hyphens "
        "(and S3: bucket name too long) when a long suffix is used",
        _suffix_longer,
    ),
    Mutation(
        "suffix-uppercase",
        "EnvironmentSuffix AllowedPattern admits uppercase letters",
        "Bucket name should not contain uppercase characters",
        _suffix_uppercase,
    ),
    Mutation(
        "db-identifier-too-long",
        "DBInstanceIdentifier gets a long literal prefix",
        "The parameter DBInstanceIdentifier is not a valid identifier: it must be 1 to 63 "
        "letters, digits or hyphens",
        _long_db_identifier,
    ),
    Mutation(
        "pipeline-name-charset",
        "the pipeline name contains spaces and parentheses",
        "1 validation error detected: Value at 'pipeline.name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+",
        _pipeline_name_bad_chars,
    ),
    Mutation(
        "rotation-transform-missing",
        "the AWS::SecretsManager-2020-07-23 transform is dropped while HostedRotationLambda stays",
        "Transform AWS::SecretsManager-2020-07-23 is required for HostedRotationLambda "
        "(RotationSchedule CREATE_FAILED)",
        _rotation_transform_missing,
    ),
    Mutation(
        "pipeline-provider-case",
        "the Build action's Provider is 'Codebuild'",
        "ActionType (Category: 'Build', Provider: 'Codebuild', Owner: 'AWS', Version: '1') in "
        "action 'Build' is not available in region 'US_EAST_1'",
        _provider_case,
        ("production", "ephemeral"),
    ),
    Mutation(
        "pipeline-s3-source-key",
        "the S3 source action lost S3ObjectKey",
        "Action configuration for action 'Source' is missing required configuration 'S3ObjectKey'",
        _s3_source_object_key,
    ),
    Mutation(
        "pipeline-codebuild-config-key",
        "the DeployStaging action's ProjectName became Project",
        "Action configuration for action 'DeployStaging' contains unknown configuration 'Project'",
        _codebuild_config_key,
    ),
    Mutation(
        "pipeline-approval-version",
        "the Manual approval action type's Version is '2'",
        "ActionType (Category: 'Approval', Provider: 'Manual', Owner: 'AWS', Version: '2') in "
        "action 'Approval' is not available",
        _approval_version,
    ),
    Mutation(
        "db-multiaz-with-az",
        "the DB pins an AvailabilityZone while MultiAZ is a parameter that can be true",
        "Requesting a specific availability zone is not valid for Multi-AZ instances.",
        _multi_az_with_az,
    ),
    Mutation(
        "secret-string-and-generate",
        "CacheSecret gets a SecretString next to GenerateSecretString",
        "You can't specify both SecretString and GenerateSecretString",
        _secret_string_too,
    ),
    Mutation(
        "secret-attachment-target-type",
        "DbSecretAttachment says AWS::RDS::DBCluster for a DB instance",
        "DBClusterNotFoundFault: DBCluster edu-db-... not found (SecretTargetAttachment)",
        _target_type,
    ),
    Mutation(
        "db-monitoring-role-missing",
        "MonitoringRoleArn dropped while MonitoringInterval stays 60",
        "A MonitoringRoleARN value is required if you specify a MonitoringInterval value "
        "other than 0.",
        _monitoring_role,
    ),
    Mutation(
        "cache-failover-one-node",
        "AutomaticFailoverEnabled true with one cache node",
        "Replication group must have at least one read replica to enable autofailover.",
        _failover_one_node,
    ),
    Mutation(
        "bucket-aes-with-kms-key",
        "ArtifactsBucket switches to AES256 but keeps KMSMasterKeyID",
        "KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or "
        "aws:kms:dsse",
        _bucket_aes_with_key,
    ),
    Mutation(
        "codebuild-secret-not-created",
        "a SECRETS_MANAGER build variable names a secret nothing creates",
        "Secrets Manager can't find the specified secret (DeployProduction build fails)",
        _codebuild_unknown_secret,
    ),
    Mutation(
        "rotation-exclude-characters",
        "the hosted rotation Lambda may generate / @ \" '",
        "First rotation fails: The parameter MasterUserPassword is not a valid password",
        _rotation_exclude,
    ),
    Mutation(
        "key-logs-statement-dropped",
        "the key policy loses the CloudWatch Logs statement",
        "The specified KMS key does not exist or is not allowed to be used with Arn "
        "'arn:aws:logs:...:log-group:/edu/.../vpc-flow-logs' (LogGroup CREATE_FAILED)",
        _drop_key_statement("LogsEncryptThisAccountsLogGroups"),
        ("production", "ephemeral"),
    ),
    Mutation(
        "key-alarms-statement-dropped",
        "the key policy loses the CloudWatch alarms statement",
        "Alarms cannot publish to the KMS-encrypted topic: notifications silently dropped "
        "(promise broken)",
        _drop_key_statement("AlarmsPublishToEncryptedTopic"),
    ),
    Mutation(
        "key-root-admin-dropped",
        "the key policy loses the account-root administration statement",
        "The new key policy will not allow you to update the key policy in the future.",
        _drop_key_statement("AccountAdministersKey"),
    ),
    Mutation(
        "db-engine-version",
        "PostgreSQL EngineVersion '11' (end of life)",
        "Cannot find version 11 for postgres",
        _engine_version,
    ),
    Mutation(
        "getatt-attribute-case",
        "GetAtt Cache.PrimaryEndpoint.Address (the attribute is PrimaryEndPoint.Address)",
        "Template error: resource Cache does not support attribute type "
        "PrimaryEndpoint.Address in Fn::GetAtt",
        _getatt_case,
    ),
    Mutation(
        "ref-typo",
        "DbSecretAttachment refers to DbSecrets",
        "Template format error: Unresolved resource dependencies [DbSecrets] in the Resources "
        "block of the template",
        _ref_typo,
    ),
    Mutation(
        "db-public",
        "PubliclyAccessible true on the DB",
        "(deploys) the student database gets a public endpoint: promise broken",
        _public_db,
        ("production", "ephemeral"),
    ),
    Mutation(
        "db-port-open",
        "DatabaseSecurityGroup gains 0.0.0.0/0 on 5432",
        "(deploys) PostgreSQL reachable from the whole internet where routed: promise broken",
        _db_open,
    ),
    Mutation(
        "cache-port-open-ipv6",
        "CacheSecurityGroup gains ::/0 on 6379",
        "(deploys) Redis open to any IPv6 address: promise broken",
        _cache_open_ipv6,
    ),
    Mutation(
        "iam-service-wildcard",
        "BuildRole's log statement allows logs:*",
        "(deploys) the build role may delete every log group: least privilege broken",
        _wildcard_action,
    ),
    Mutation(
        "iam-not-action",
        "DeployAccessPolicy's first statement uses NotAction",
        "(deploys) the deploy role may do everything except the listed actions",
        _not_action,
    ),
    Mutation(
        "db-unencrypted",
        "StorageEncrypted false (and no key) on the DB",
        "(deploys) student data unencrypted at rest; cannot be fixed in place later",
        _db_unencrypted,
        ("production", "ephemeral"),
    ),
    Mutation(
        "flow-logs-unencrypted",
        "the flow log group loses KmsKeyId",
        "(deploys) VPC flow logs unencrypted with the stack's key: promise broken",
        _flow_logs_plain,
    ),
    Mutation(
        "topic-unencrypted",
        "the alarm topic loses KmsMasterKeyId",
        "(deploys) alarm messages unencrypted at rest: promise broken",
        _topic_plain,
    ),
    Mutation(
        "cache-at-rest-off",
        "AtRestEncryptionEnabled false while KmsKeyId stays",
        "The KMS key can only be specified when at-rest encryption is enabled",
        _cache_at_rest_off,
    ),
    Mutation(
        "password-parameter-default",
        "the DB password becomes a NoEcho parameter with a default",
        "(deploys) the password sits in the template's Default: promise broken",
        _password_parameter,
    ),
    Mutation(
        "plaintext-secret-variable",
        "the bootstrap project gets a PLAINTEXT DB_PASSWORD build variable",
        "(deploys) the build sees the secret's ARN as the password; the secret is not passed "
        "as a Secrets Manager variable: promise broken",
        _plaintext_secret_variable,
    ),
    Mutation(
        "db-subnet-group-one-subnet",
        "the DB subnet group lists one private subnet",
        "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Add "
        "subnets to cover at least 2 AZs.",
        _single_subnet,
        ("production", "ephemeral"),
    ),
    Mutation(
        "key-pending-window-one-day",
        "the KMS key's PendingWindowInDays is 1 (the 'shortest' window taken literally)",
        "Value '1' at 'pendingWindowInDays' failed to satisfy constraint: Member must have "
        "value greater than or equal to 7",
        _pending_window,
        ("ephemeral",),
    ),
    Mutation(
        "log-retention-45-days",
        "BuildLogGroup RetentionInDays 45 (not an allowed value)",
        "Value '45' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum "
        "value set",
        _retention,
    ),
    Mutation(
        "cache-engine-version",
        "the Redis EngineVersion is '9.9'",
        "Cannot find version 9.9 for redis (InvalidParameterCombination)",
        _cache_engine_version,
    ),
    Mutation(
        "bucket-public-policy-allowed",
        "SourceBucket no longer blocks public bucket policies",
        "(deploys) a public policy on the source bucket becomes possible: promise broken",
        _bucket_public_policy,
    ),
)
