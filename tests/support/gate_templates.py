"""Small templates the gate's tests run on, each written to a file by `write`."""

from __future__ import annotations

from pathlib import Path

# Clean for cfn-lint and cfn_rules; short-form tags (!Sub) check that YAML is read as CFN YAML.
CLEAN = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Suffix:
    Type: String
    AllowedPattern: "^[a-z0-9-]{1,10}$"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "edu-${Suffix}"
      KmsMasterKeyId: alias/aws/sns
"""

# E9101 (a custom blocker): the secret it resolves is created nowhere in the template.
MISSING_SECRET = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
      StorageEncrypted: true
      MasterUsername: app
      MasterUserPassword: "{{resolve:secretsmanager:prod/edu/db-password:SecretString:password}}"
"""

# W9203 (a custom policy rule): a publicly accessible database.
PUBLIC_DB = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
      StorageEncrypted: true
      PubliclyAccessible: true
"""


def write(directory: Path, name: str, text: str) -> Path:
    """`text` in `directory/name`; the suffix picks the parser, as it does for a user's file."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
