"""Secrets generated inside AWS by CloudFormation: no password ever exists outside the stack."""

from __future__ import annotations

import json
from typing import Any

from troposphere import GetAtt, Ref, Sub, secretsmanager

from templates import handles
from templates.context import Context
from templates.network import private_route_id
from templates.security import KEY_ID

DB_SECRET_ID = "DbSecret"
CACHE_SECRET_ID = "CacheSecret"
APP_SECRET_ID = "AppDbSecret"
# The application's own PostgreSQL login (created by the bootstrap job, dbbootstrap/job.py).
APP_DB_USERNAME = "edu_app"
# MasterUsername is create-only on RDS, so it is fixed here rather than a parameter.
DB_USERNAME = "eduadmin"
# RDS refuses / @ " and space in a master password; ' and \ break naive connection strings.
DB_EXCLUDED_CHARACTERS = "/@\"' \\"
# The current transform: on each stack update it brings the hosted Lambda's runtime and
# dependencies up to date (2020-07-23 left them as first deployed), so no Runtime is pinned.
ROTATION_TRANSFORM = "AWS::SecretsManager-2024-09-16"
ROTATION_DAYS = 30


def add_secrets(ctx: Context, key: handles.Key) -> handles.Secrets:
    db = _secret(
        ctx,
        DB_SECRET_ID,
        "db-credentials",
        key,
        secretsmanager.GenerateSecretString(
            SecretStringTemplate=json.dumps({"username": DB_USERNAME}),
            GenerateStringKey="password",
            PasswordLength=32,
            ExcludeCharacters=DB_EXCLUDED_CHARACTERS,
        ),
    )
    # ElastiCache AUTH tokens: 16-128 printable characters, only some punctuation allowed;
    # letters and digits alone keep every token valid.
    cache = _secret(
        ctx,
        CACHE_SECRET_ID,
        "cache-auth",
        key,
        secretsmanager.GenerateSecretString(PasswordLength=64, ExcludePunctuation=True),
    )
    # The application's own login: the same RDS-safe characters as the master's, so that any
    # generated value survives the bootstrap job and the rotation function unquoted.
    app = _secret(
        ctx,
        APP_SECRET_ID,
        "db-app-credentials",
        key,
        secretsmanager.GenerateSecretString(
            SecretStringTemplate=_app_secret_template(ctx),
            GenerateStringKey="password",
            PasswordLength=32,
            ExcludeCharacters=DB_EXCLUDED_CHARACTERS,
        ),
    )
    ctx.output("DbSecretArn", Ref(db))
    ctx.output("CacheSecretArn", Ref(cache), "Redis AUTH token")
    ctx.output("AppDbSecretArn", Ref(app), "The application's database login")
    return handles.Secrets(
        db_secret=Ref(db),
        cache_secret=Ref(cache),
        app_secret=Ref(app),
        db_username=DB_USERNAME,
        db_secret_id=DB_SECRET_ID,
        cache_secret_id=CACHE_SECRET_ID,
        app_secret_id=APP_SECRET_ID,
    )


def _app_secret_template(ctx: Context) -> Any:
    """`{"username": "edu_app"}`; where it rotates, also `masterarn`: AWS's alternating-users
    function reads the master secret's ARN from the secret it rotates."""
    if not ctx.profile.secret_rotation:
        return json.dumps({"username": APP_DB_USERNAME})
    # The ARN comes from a Sub: JSON's braces are not Sub variables, `${DbSecret}` is.
    return Sub(json.dumps({"username": APP_DB_USERNAME, "masterarn": f"${{{DB_SECRET_ID}}}"}))


def _secret(
    ctx: Context,
    logical_id: str,
    part: str,
    key: handles.Key,
    generate: secretsmanager.GenerateSecretString,
) -> secretsmanager.Secret:
    # Production retains the secrets with the key: a snapshot restored after a delete still
    # has its credentials.
    # No Name: a generated name cannot collide with a secret still in its recovery window
    # after an ephemeral stack with the same suffix was deleted.
    return ctx.add(
        secretsmanager.Secret(
            logical_id,
            KmsKeyId=key.key_arn,
            GenerateSecretString=generate,
            Tags=ctx.tags(part),
            DeletionPolicy=ctx.profile.storage_policy,
            UpdateReplacePolicy=ctx.profile.storage_policy,
        )
    )


def add_rotation(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
    database: handles.Database,
) -> None:
    # The attachments add host, port, engine and dbname to each secret: clients read one secret.
    attachments = [
        ctx.add(
            secretsmanager.SecretTargetAttachment(
                f"{secret_id}Attachment",
                SecretId=secret,
                TargetId=database.instance_id,
                TargetType="AWS::RDS::DBInstance",
            )
        )
        for secret_id, secret in (
            (DB_SECRET_ID, creds.db_secret),
            (APP_SECRET_ID, creds.app_secret),
        )
    ]
    if not ctx.profile.secret_rotation:
        return
    ctx.template.set_transform(ROTATION_TRANSFORM)
    # The master rotates itself. The application's login alternates between two users
    # (edu_app, edu_app_clone): the rotation function sets the idle one's password with the
    # master secret, so connections made with the current one never break mid-rotation. Not
    # right away: the first rotation needs edu_app in the database, which the bootstrap job
    # creates after the stack (templates/bootstrap.py).
    _rotation(ctx, net, groups, "DbSecretRotation", "db-rotation", creds.db_secret, attachments[0])
    _rotation(
        ctx,
        net,
        groups,
        "AppDbSecretRotation",
        "db-app-rotation",
        creds.app_secret,
        attachments[1],
        schedule={"RotateImmediatelyOnUpdate": False},
        RotationType="PostgreSQLMultiUser",
        MasterSecretArn=creds.db_secret,
        MasterSecretKmsKeyArn=key.key_arn,
    )


def _rotation(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    logical_id: str,
    part: str,
    secret: Any,
    attachment: secretsmanager.SecretTargetAttachment,
    *,
    schedule: dict[str, Any] | None = None,
    **hosted: Any,
) -> None:
    ctx.add(
        secretsmanager.RotationSchedule(
            logical_id,
            # The hosted Lambda reaches Secrets Manager through NAT; the schedule rotates once
            # right away, so the routes of the always-present AZs must exist first.
            DependsOn=[attachment.title, private_route_id(1), private_route_id(2)],
            SecretId=secret,
            HostedRotationLambda=secretsmanager.HostedRotationLambda(
                **{"RotationType": "PostgreSQLSingleUser", **hosted},
                RotationLambdaName=ctx.name(part),
                KmsKeyArn=GetAtt(KEY_ID, "Arn"),
                VpcSubnetIds=net.private.id_csv,
                VpcSecurityGroupIds=groups.rotation,
                ExcludeCharacters=DB_EXCLUDED_CHARACTERS,
            ),
            RotationRules=secretsmanager.RotationRules(AutomaticallyAfterDays=ROTATION_DAYS),
            **(schedule or {}),
        )
    )
