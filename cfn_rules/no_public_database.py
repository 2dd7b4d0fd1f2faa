"""W9203: no database is publicly accessible."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c

DATABASE_TYPES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::Redshift::Cluster")


class NoPublicDatabase(CloudFormationLintRule):
    """Promise: PubliclyAccessible is never true (nor a parameter that can make it true).

    A DB instance in a subnet group with public subnets and PubliclyAccessible true gets a public
    DNS name; for RDS the default depends on the subnet group, so only an explicit true (or a
    value that can be true) is flagged.
    """

    id = "W9203"
    shortdesc = "No public database"
    description = "Databases are not publicly accessible"
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
    tags = ["network", "promise"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        matches = []
        for lid, rtype, props in c.resources(template):
            if rtype not in DATABASE_TYPES or "PubliclyAccessible" not in props:
                continue
            if c.could_be_true(props["PubliclyAccessible"], template):
                matches.append(
                    RuleMatch(
                        ["Resources", lid, "Properties", "PubliclyAccessible"],
                        f"Database '{lid}' can be publicly accessible. Fix: set "
                        "PubliclyAccessible: false and keep it in private subnets.",
                    )
                )
        return matches
