"""Small templates made for the deploy tests: only resources moto creates for real."""

from __future__ import annotations

from typing import Any


def topic_template(extra_topics: int = 0, description: str = "deploy test") -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": {"Fn::Sub": "${Env}-topic"}},
        }
    }
    for i in range(extra_topics):
        resources[f"Extra{i}"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": {
            "Env": {
                "Type": "String",
                "Default": "dev",
                "AllowedValues": ["dev", "staging", "prod"],
            },
            "Owner": {
                "Type": "String",
                "Default": "platform",
                "AllowedPattern": "[a-z][a-z0-9-]*",
                "MaxLength": 20,
            },
            "Retention": {"Type": "Number", "Default": "7", "MinValue": 1, "MaxValue": 3650},
        },
        "Resources": resources,
        "Outputs": {
            "TopicArn": {"Value": {"Ref": "Topic"}},
            "EnvName": {"Value": {"Ref": "Env"}},
            "OwnerName": {"Value": {"Ref": "Owner"}},
        },
    }


def bucket_template(bucket_name: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if bucket_name:
        props["BucketName"] = bucket_name
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Data": {"Type": "AWS::S3::Bucket", "Properties": props},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        },
        "Outputs": {"BucketName": {"Value": {"Ref": "Data"}}},
    }


def big_template(min_bytes: int = 52_000) -> dict[str, Any]:
    """Over 51,200 bytes of compact JSON: many topics with long display names."""
    template = topic_template()
    i = 0
    while len(str(template)) < min_bytes + 2_000:
        template["Resources"][f"Padding{i:03d}"] = {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": f"padding-{i:03d}-" + "x" * 80},
        }
        i += 1
    return template


def rds_template(**db_overrides: Any) -> dict[str, Any]:
    """A DB instance and a bucket; the password is managed by RDS, never in the template."""
    db = {
        "Engine": "postgres",
        "DBInstanceClass": "db.t3.micro",
        "DBName": "students",
        "AllocatedStorage": "20",
        "MasterUsername": "dbadmin",
        "ManageMasterUserPassword": True,
        **db_overrides,
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBInstance", "Properties": db},
            "Files": {"Type": "AWS::S3::Bucket", "Properties": {}},
        },
    }
