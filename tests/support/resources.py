"""Small resource and template builders for the data-safety tests."""

from __future__ import annotations

import copy
from typing import Any

DB = "AWS::RDS::DBInstance"
BASE_DB = {
    "Engine": "postgres",
    "DBInstanceClass": "db.t3.micro",
    "DBName": "students",
    "AllocatedStorage": "20",
    "MultiAZ": False,
    "BackupRetentionPeriod": 7,
    "MasterUsername": "admin",
}


def template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": copy.deepcopy(resources)}


def db(**overrides: Any) -> dict[str, Any]:
    return {"Type": DB, "Properties": {**BASE_DB, **overrides}}


def bucket(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::S3::Bucket", "Properties": props}
