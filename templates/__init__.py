"""The education platform's CloudFormation template, built with troposphere and awacs."""

from __future__ import annotations

from troposphere import Template

from templates import (
    backup,
    bootstrap,
    data,
    delivery,
    handles,
    monitoring,
    network,
    parameters,
    pipeline,
    secrets,
    security,
    storage,
)
from templates.context import PROFILES, Context

__all__ = ["PROFILES", "build_template"]

DESCRIPTION = "Education platform: VPC, RDS, Redis, CI/CD, monitoring ({profile} profile)"


def build_template(profile: str = "production") -> Template:
    """Builds the whole stack for one profile. Pure: no I/O, no AWS calls, same output each run.

    The composer: each concern lives in a module of its own and is added by one
    `add_<concern>(ctx, <upstream handles>)` call that returns the handles later concerns need,
    so the calls below read as the dependency diagram. Grants between concerns happen here or
    in the section that consumes a handle.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    ctx = Context(profile=PROFILES[profile])
    ctx.template.set_version("2010-09-09")
    ctx.template.set_description(DESCRIPTION.format(profile=profile))

    params = parameters.add_parameters(ctx)
    net = network.add_network(ctx, params)
    key = security.add_key(ctx)
    groups = security.add_security_groups(ctx, net, params)
    creds = secrets.add_secrets(ctx, key)
    topic = monitoring.add_topic(ctx, params, key)
    database = data.add_database(ctx, params, net, groups, key, creds)
    cache = data.add_cache(ctx, params, net, groups, key, creds)
    secrets.add_rotation(ctx, net, groups, key, creds, database)
    backup.add_backup(ctx, key, database)
    monitoring.add_alarms(ctx, database, cache, topic)
    bootstrap.add_bootstrap(ctx, net, groups, key, creds, database)
    if ctx.profile.pipeline:
        pipeline_key = security.add_pipeline_key(ctx)
        buckets = storage.add_buckets(ctx, pipeline_key)
        code = handles.CodeSource(bucket_arn=buckets.artifacts.arn, key_arn=pipeline_key.key_arn)
        delivery.add_delivery(ctx, net, groups, key, creds, database, cache, code)
        # No database or cache handle: the pipeline must not wait for either (see pipeline.py).
        pipeline.add_pipeline(ctx, net, groups, key, pipeline_key, creds, buckets, topic)
    else:
        # A staging platform: the production platform's pipeline deploys it and passes where
        # the application's code is (delivery.code_source_parameters).
        code = delivery.code_source_parameters(ctx)
        delivery.add_delivery(ctx, net, groups, key, creds, database, cache, code)
    # Opts this template into the offline gate's Control Tower controls layer (docs/gate.md):
    # organisations run those controls as hooks, where a failing one blocks the deploy.
    ctx.template.metadata["StackOps"] = {"Controls": "on"}
    return ctx.template
